/* A view of lines of text, read once: the answers of :who and :agenda, a document's text. A line
 * starting with
 * "# " is a heading, one starting with "! " is drawn as a warning (its mark stays, so it reads
 * without colour too). Scrolls, also sideways when a line is wider than the screen (a
 * document's text is 88 columns: its amounts are at the right); q or Esc closes it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ccrm/billing.h"
#include "ccrm/util.h"
#include "ui_int.h"

struct textview {
    struct view v;
    char **lines;
    int n, cap, top, height;
    /* sideways: the first column shown, the widest line, the window's width */
    int left, widest, width;
    char desc[128];
    const char *const *help;
};

/* What of a stored line is drawn: without the mark of a document's line or a heading's "# " */
static const char *
line_text(const char *s)
{
    return s[0] == '\1' ? s + 1 : strncmp(s, "# ", 2) == 0 ? s + 2 : s;
}

/* s past its first cells display cells (a wide character cut by the edge is passed too) */
static const char *
skip_cells(const char *s, int cells)
{
    mbstate_t st;
    char one[8];
    size_t k;

    while (cells > 0 && *s != '\0') {
        memset(&st, 0, sizeof st);
        k = mbrtowc(NULL, s, strlen(s), &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0 || k >= sizeof one)
            k = 1; /* an invalid byte: draw_text shows it as one '?' */
        memcpy(one, s, k);
        one[k] = '\0';
        cells -= text_width(one);
        s += k;
    }
    return s;
}

void
view_text_add(struct view *v, const char *fmt, ...)
{
    struct textview *tv = (struct textview *)v;
    va_list ap;
    char buf[512];
    int w;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (tv->n == tv->cap) {
        tv->cap = tv->cap ? 2 * tv->cap : 32;
        tv->lines = xrealloc(tv->lines, (size_t)tv->cap * sizeof *tv->lines);
    }
    tv->lines[tv->n] = xstrdup(buf);
    w = text_width(line_text(tv->lines[tv->n]));
    if (w > tv->widest)
        tv->widest = w;
    tv->n++;
}

/* Lines of a text as they are (a document: `:print text`), never read as headings or
 * warnings; control characters become '?' (bill_clean). Stored behind a \1. */
void
view_text_add_text(struct view *v, const char *text)
{
    const char *p = text, *nl;

    while (*p != '\0') {
        char *raw, *clean;

        nl = strchr(p, '\n');
        if (nl == NULL)
            nl = p + strlen(p);
        raw = xmalloc((size_t)(nl - p) + 1);
        memcpy(raw, p, (size_t)(nl - p));
        raw[nl - p] = '\0';
        clean = bill_clean(raw, 0);
        view_text_add(v, "\1%s", clean);
        free(clean);
        free(raw);
        p = *nl == '\n' ? nl + 1 : nl;
    }
}

static void
tv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct textview *tv = (struct textview *)v;
    int i, y;

    tv->height = h > 1 ? h : 1;
    tv->width = wd;
    if (tv->top > tv->n - tv->height)
        tv->top = tv->n - tv->height;
    if (tv->top < 0)
        tv->top = 0;
    if (tv->left > tv->widest - wd) /* no further than the widest line's end shown */
        tv->left = tv->widest - wd;
    if (tv->left < 0)
        tv->left = 0;
    for (i = tv->top, y = 0; i < tv->n && y < h; i++, y++) {
        const char *s = tv->lines[i], *t = skip_cells(line_text(s), tv->left);

        if (s[0] == '\1')
            draw_text(w, y, 0, t, wd, A_NORMAL);
        else if (strncmp(s, "# ", 2) == 0)
            draw_text(w, y, 0, t, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
        else if (strncmp(s, "! ", 2) == 0)
            draw_text(w, y, 0, t, wd, ui_attr(app, PAIR_ERROR, A_BOLD));
        else
            draw_text(w, y, 0, t, wd, A_NORMAL);
    }
    ui_painted_data(app);
}

/* How far ← and → move: a quarter of the window, so what was at one edge stays in sight */
static int
side_step(const struct textview *tv)
{
    return tv->width >= 8 ? tv->width / 4 : 2;
}

static int
tv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct textview *tv = (struct textview *)v;

    (void)app;
    if ((fkey && key == KEY_DOWN) || (!fkey && key == L'j'))
        tv->top++;
    else if ((fkey && key == KEY_UP) || (!fkey && key == L'k'))
        tv->top--;
    else if ((fkey && key == KEY_NPAGE) || (!fkey && key == L' '))
        tv->top += tv->height;
    else if ((fkey && key == KEY_PPAGE) || (!fkey && key == L'b'))
        tv->top -= tv->height;
    else if ((fkey && key == KEY_HOME) || (!fkey && key == L'g'))
        tv->top = 0;
    else if ((fkey && key == KEY_END) || (!fkey && key == L'G'))
        tv->top = tv->n;
    else if ((fkey && key == KEY_RIGHT) || (!fkey && key == L'l'))
        tv->left += side_step(tv); /* kept within the widest line by tv_draw */
    else if ((fkey && key == KEY_LEFT) || (!fkey && key == L'h'))
        tv->left -= side_step(tv);
    else
        return 0;
    if (tv->top < 0)
        tv->top = 0;
    if (tv->left < 0)
        tv->left = 0;
    return 1;
}

/* The status bar says when lines are wider than the window, which columns are shown and how
 * to see the others: a cut line ends in "…", but that alone does not say a key shows the rest */
static void
tv_describe(struct view *v, char *buf, size_t n)
{
    struct textview *tv = (struct textview *)v;

    if (tv->width > 0 && tv->widest > tv->width)
        snprintf(buf, n, "%s │ columns %d-%d of %d: ← → scroll sideways", tv->desc, tv->left + 1,
                 tv->left + tv->width < tv->widest ? tv->left + tv->width : tv->widest, tv->widest);
    else
        str_copy(buf, tv->desc, n);
}

static void
tv_free(struct view *v)
{
    struct textview *tv = (struct textview *)v;
    int i;

    for (i = 0; i < tv->n; i++)
        free(tv->lines[i]);
    free(tv->lines);
    free(tv);
}

static const char *const text_help[] = {
    "j, k, ↑ ↓\tscroll",
    "PgDn, PgUp\tpage down / up (also Space, b)",
    "g, G\ttop / end",
    "h, l, ← →\tscroll sideways (lines wider than the screen)",
    NULL,
};

struct view *
view_text_new(struct app *app, const char *title, const char *desc)
{
    static struct view_ops ops = {
        .draw = tv_draw,
        .handle_key = tv_handle_key,
        .describe = tv_describe,
        .help = text_help,
        .free = tv_free,
    };
    struct textview *tv = xcalloc(1, sizeof *tv);

    (void)app;
    tv->v.ops = &ops;
    str_copy(tv->v.title, title, sizeof tv->v.title);
    str_copy(tv->desc, desc, sizeof tv->desc);
    return &tv->v;
}
