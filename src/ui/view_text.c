/* A text to read, full screen (a quote's or an invoice's plain-text document: `:print text`):
 * lines scrolled with the usual keys, q closes it. The text is made safe for the terminal when
 * it is split into lines (control characters become '?'). */
#include <stdlib.h>
#include <string.h>

#include "billing_ui.h"
#include "ccrm/billing.h"
#include "ccrm/util.h"
#include "ui_int.h"

struct textview {
    struct view v;
    char **lines;
    int nlines, top, height;
};

static const char *const text_help[] = {
    "j, k, ↑ ↓\tscroll a line",
    "Space, b\tnext / previous page",
    "g, G\tthe top / the end",
    NULL,
};

static void
tv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct textview *tv = (struct textview *)v;
    int y;

    (void)app;
    tv->height = h > 1 ? h : 1;
    if (tv->top > tv->nlines - tv->height)
        tv->top = tv->nlines - tv->height;
    if (tv->top < 0)
        tv->top = 0;
    for (y = 0; y < h && tv->top + y < tv->nlines; y++)
        draw_text(w, y, 1, tv->lines[tv->top + y], wd - 1, A_NORMAL);
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
        tv->top += tv->height - 1;
    else if ((fkey && key == KEY_PPAGE) || (!fkey && key == L'b'))
        tv->top -= tv->height - 1;
    else if ((fkey && key == KEY_HOME) || (!fkey && key == L'g'))
        tv->top = 0;
    else if ((fkey && key == KEY_END) || (!fkey && key == L'G'))
        tv->top = tv->nlines;
    else
        return 0;
    return 1;
}

static void
tv_describe(struct view *v, char *buf, size_t n)
{
    struct textview *tv = (struct textview *)v;

    snprintf(buf, n, "%s · line %d of %d", v->title, tv->top + 1, tv->nlines);
}

static void
tv_free(struct view *v)
{
    struct textview *tv = (struct textview *)v;
    int i;

    for (i = 0; i < tv->nlines; i++)
        free(tv->lines[i]);
    free(tv->lines);
    free(tv);
}

static const struct view_ops text_ops = {
    .draw = tv_draw,
    .handle_key = tv_handle_key,
    .describe = tv_describe,
    .help = text_help,
    .free = tv_free,
};

struct view *
view_text_new(struct app *app, const char *title, const char *text)
{
    struct textview *tv = xcalloc(1, sizeof *tv);
    const char *p = text, *nl;

    (void)app;
    tv->v.ops = &text_ops;
    str_copy(tv->v.title, title, sizeof tv->v.title);
    while (*p != '\0') {
        nl = strchr(p, '\n');
        if (nl == NULL)
            nl = p + strlen(p);
        tv->lines = xrealloc(tv->lines, (size_t)(tv->nlines + 1) * sizeof *tv->lines);
        {
            char *raw = xmalloc((size_t)(nl - p) + 1);

            memcpy(raw, p, (size_t)(nl - p));
            raw[nl - p] = '\0';
            tv->lines[tv->nlines++] = bill_clean(raw, 0);
            free(raw);
        }
        p = *nl == '\n' ? nl + 1 : nl;
    }
    return &tv->v;
}
