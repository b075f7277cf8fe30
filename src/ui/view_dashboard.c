/* The Dashboard (management starts here): the pipeline, tickets and leads in figures, and
 * the records that need attention. Re-read live; Enter opens a listed record. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/entity.h"
#include "ccrm/stats.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "form.h"
#include "record_view.h"
#include "ui_int.h"

/* Live, but the figures are sums over the company's records: in a stream of changes they are
 * re-read at most every DASH_RELOAD_MS (a change after a quiet spell at once). With many
 * dashboards open while the company writes, re-reading them at every wake-up cost the server
 * more than the writes themselves (300 clients, docs/performance.md, "capacity"). */
#define DASH_RELOAD_MS 5000

/* The Dashboard's tables (src/db/stats.c): at most this many cells a line, this many blanks
 * between columns. */
#define DASH_CELLS 8
#define DASH_GAP 2

/* A table's column widths for the screen's width. */
struct dtable {
    int w[DASH_CELLS];
};

/* A screen row: a line of the detail, or a part of one whose amounts ('a' cell) were wrapped:
 * its items from .. to-1 (0, 0 for a line without such a cell). */
struct drow {
    int line, from, to;
};

struct dashview {
    struct view v;
    struct app *app;
    struct detail *d;
    int sel, top, height; /* sel: a line of d; top: a row; height: rows */
    struct drow *rows;    /* the lines laid out for width wd */
    int nrows, wd;
    struct dtable *tabs;   /* the tables' columns, for width wd */
    int *tab_of;           /* per line: its table in tabs, or -1 */
    int shown;             /* the first record was scrolled to (before, the figures stay on top) */
    int64_t loaded_at;     /* when the figures were last read (monotonic ms) */
    unsigned reload_timer; /* a re-read held back by DASH_RELOAD_MS, 0 = none */
};

static const char *const dashboard_help[] = {
    "j, k, ↑ ↓\tmove through the listed records (past the last: scroll)",
    "g, G\ttop (the figures) / the end",
    "Enter\topen the selected deal or ticket, or a task's record",
    "r\tre-read now (it also follows changes live: at most every 5 s while they stream in)",
    NULL,
};

static int
selectable(const struct detail_line *l)
{
    return l->entity[0] != '\0' && strcmp(l->entity, "figure") != 0;
}

/* ---- figures written to fit (ui_fit_figure, src/ui/text.c) ---- */

/* The width of text written as short as the Dashboard writes a figure (3 digits). */
static int
figure_min(const char *text)
{
    char s[64];
    int tw = text_width(text), sw = ui_short_figure(s, sizeof s, text, 3);

    return sw >= 0 && sw < tw ? sw : tw;
}

/* Cell k of a table line (its cells are separated by tabs) into buf; "" past the last. */
static const char *
cell(const char *what, int k, char *buf, size_t n)
{
    const char *p = what, *end;

    while (k-- > 0 && p != NULL)
        if ((p = strchr(p, '\t')) != NULL)
            p++;
    if (p == NULL) {
        buf[0] = '\0';
        return buf;
    }
    end = strchr(p, '\t');
    snprintf(buf, n, "%.*s", end != NULL ? (int)(end - p) : (int)strlen(p), p);
    return buf;
}

/* Item k of amounts joined by " + " into buf; NULL past the last. */
static const char *
item(const char *amounts, int k, char *buf, size_t n)
{
    const char *p = amounts, *end;

    if (p[0] == '\0')
        return NULL;
    while (k-- > 0)
        if ((p = strstr(p, " + ")) == NULL)
            return NULL;
        else
            p += 3;
    end = strstr(p, " + ");
    snprintf(buf, n, "%.*s", end != NULL ? (int)(end - p) : (int)strlen(p), p);
    return buf;
}

/* The columns of the table whose lines are first .. last-1 (their who the same), for width wd:
 * as wide as their widest cell when that fits; else the room shared out, every column at
 * least as wide as its cells written short (a figure's short form, a name's first dozen
 * columns). */
static void
size_table(const struct detail *d, int first, int last, int wd, struct dtable *t)
{
    const char *kinds = d->lines[first].who;
    int nc = (int)strlen(kinds), nat[DASH_CELLS] = {0}, mn[DASH_CELLS] = {0};
    int i, c, k, avail, sum = 0, cap;
    char buf[512], it[128];

    if (nc > DASH_CELLS)
        nc = DASH_CELLS;
    for (i = first; i < last; i++)
        for (c = 0; c < nc; c++) {
            int head = strcmp(d->lines[i].when, "head") == 0, tw, m;

            tw = text_width(cell(d->lines[i].what, c, buf, sizeof buf));
            m = tw;
            if (!head && kinds[c] == 'n')
                m = figure_min(buf);
            else if (!head && kinds[c] == 'l')
                m = tw < 12 ? tw : 12;
            else if (!head && kinds[c] == 'x')
                m = tw < 8 ? tw : 8;
            else if (!head && kinds[c] == 'a')
                for (m = 0, k = 0; item(buf, k, it, sizeof it) != NULL; k++) {
                    char f[128];
                    int fw = ui_fit_amount(f, sizeof f, it, 0);

                    fw = fw < text_width(it) ? fw : text_width(it);
                    m = fw > m ? fw : m;
                }
            nat[c] = tw > nat[c] ? tw : nat[c];
            mn[c] = m > mn[c] ? m : mn[c];
        }
    avail = wd - 2 - DASH_GAP * (nc - 1);
    for (c = 0; c < nc; c++) {
        sum += nat[c];
        t->w[c] = nat[c];
    }
    if (sum <= avail)
        return;
    /* the widest columns give up room first, none below its least */
    for (cap = 0;; cap++) {
        int used = 0, more = 0;

        for (c = 0; c < nc; c++) {
            int w = nat[c] < cap ? nat[c] : cap;

            used += w > mn[c] ? w : mn[c];
            more |= nat[c] > cap;
        }
        if (used > avail || !more)
            break;
    }
    for (c = 0; c < nc; c++) {
        int w = nat[c] < cap - 1 ? nat[c] : cap - 1;

        t->w[c] = w > mn[c] ? w : mn[c];
    }
    for (c = 0, sum = 0; c < nc; c++)
        sum += t->w[c];
    for (c = 0; c < nc && sum < avail; c++) /* what is left over, a column each */
        if (t->w[c] < nat[c]) {
            t->w[c]++;
            sum++;
        }
}

/* The width of the items from .. to-1 of an 'a' cell on one row of width w ("… + … +" when
 * more follow). */
static int
items_width(const char *amounts, int from, int to, int w)
{
    char it[128], f[128];
    int k, used = 0;

    for (k = from; k < to && item(amounts, k, it, sizeof it) != NULL; k++)
        used += (k > from ? 3 : 0) + ui_fit_amount(f, sizeof f, it, w);
    if (item(amounts, to, it, sizeof it) != NULL)
        used += 2;
    return used;
}

static void
add_row(struct dashview *dv, int *cap, int line, int from, int to)
{
    if (dv->nrows == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        dv->rows = xrealloc(dv->rows, (size_t)*cap * sizeof *dv->rows);
    }
    dv->rows[dv->nrows].line = line;
    dv->rows[dv->nrows].from = from;
    dv->rows[dv->nrows].to = to;
    dv->nrows++;
}

/* Lay the lines out for width wd: the tables' columns, and a row per line, more for amounts
 * that wrap. */
static void
relayout(struct dashview *dv, int wd)
{
    const struct detail *d = dv->d;
    int i, j, nt = 0, cap = 0;

    free(dv->rows);
    free(dv->tabs);
    free(dv->tab_of);
    dv->rows = NULL;
    dv->tabs = NULL;
    dv->tab_of = NULL;
    dv->nrows = 0;
    dv->wd = wd;
    if (d == NULL)
        return;
    dv->tab_of = xcalloc((size_t)d->nlines + 1, sizeof *dv->tab_of);
    dv->tabs = xcalloc((size_t)d->nlines + 1, sizeof *dv->tabs);
    for (i = 0; i < d->nlines; i = j) {
        const char *who = d->lines[i].who;

        for (j = i + 1; who[0] != '\0' && j < d->nlines && strcmp(d->lines[j].who, who) == 0; j++)
            ;
        if (who[0] == '\0') {
            dv->tab_of[i] = -1;
            continue;
        }
        size_table(d, i, j, wd, &dv->tabs[nt]);
        for (; i < j; i++)
            dv->tab_of[i] = nt;
        nt++;
    }
    for (i = 0; i < d->nlines; i++) {
        const char *who = d->lines[i].who, *a = strchr(who, 'a');
        char buf[512], it[128];
        int from = 0, to, w, k;

        if (dv->tab_of[i] < 0 || a == NULL || a - who >= DASH_CELLS) {
            add_row(dv, &cap, i, 0, 0);
            continue;
        }
        k = (int)(a - who);
        w = dv->tabs[dv->tab_of[i]].w[k];
        cell(d->lines[i].what, k, buf, sizeof buf);
        do { /* the items that fit a row, one at least */
            for (to = from + 1;
                 item(buf, to, it, sizeof it) != NULL && items_width(buf, from, to + 1, w) <= w;
                 to++)
                ;
            add_row(dv, &cap, i, from, to);
            from = to;
        } while (item(buf, from, it, sizeof it) != NULL);
    }
}

/* The first row of line (or the last row, when it has none). */
static int
row_of(const struct dashview *dv, int line)
{
    int r;

    for (r = 0; r < dv->nrows; r++)
        if (dv->rows[r].line >= line)
            return r;
    return dv->nrows > 0 ? dv->nrows - 1 : 0;
}

/* Keep the selected line on the screen. */
static void
show_sel(struct dashview *dv)
{
    int h = dv->height > 0 ? dv->height : 1; /* not drawn yet: the draw places it */
    int r = row_of(dv, dv->sel);

    if (r < dv->top)
        dv->top = r;
    if (r >= dv->top + h)
        dv->top = r - h + 1;
}

/* Move to the next selectable line in direction dir; with none left, scroll instead, so that
 * every line (a heading and its "none" below the last record) can be brought into view. */
static void
step(struct dashview *dv, int dir)
{
    int i;

    if (dv->d == NULL)
        return;
    if (dir > 0 && dv->height > 0 && row_of(dv, dv->sel) >= dv->top + dv->height) {
        dv->shown = 1; /* the selected record was below the fold: show it first */
        show_sel(dv);
        return;
    }
    for (i = dv->sel + dir; i >= 0 && i < dv->d->nlines; i += dir)
        if (selectable(&dv->d->lines[i])) {
            dv->sel = i;
            show_sel(dv);
            return;
        }
    if (dir < 0)
        dv->top = 0; /* nothing to select above: show the figures at the top */
    else if (dv->top + dv->height < dv->nrows)
        dv->top++;
}

static int
first_selectable(const struct dashview *dv)
{
    int i;

    for (i = 0; dv->d != NULL && i < dv->d->nlines; i++)
        if (selectable(&dv->d->lines[i]))
            return i;
    return 0;
}

static void
load(struct dashview *dv, struct app *app)
{
    struct ccrm_err err;
    struct detail *d;

    timer_del(&app->timers, dv->reload_timer);
    dv->reload_timer = 0;
    dv->loaded_at = now_ms();
    if ((d = db_dashboard(app->db, &err)) == NULL) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    detail_free(&dv->d);
    dv->d = d;
    relayout(dv, dv->wd > 0 ? dv->wd : 80); /* (before the first draw: the draw lays it out) */
    if (dv->sel >= d->nlines || !selectable(&d->lines[dv->sel])) {
        dv->sel = 0;
        step(dv, 1);
    }
}

/* Row r of a table line: its cells in the table's columns (a wrapped amounts cell's items
 * from .. to-1, the other cells on its first row only). */
static void
draw_cells(struct dashview *dv, WINDOW *w, int y, int r, int wd, attr_t a)
{
    const struct drow *row = &dv->rows[r];
    const struct detail_line *l = &dv->d->lines[row->line];
    const struct dtable *t = &dv->tabs[dv->tab_of[row->line]];
    int nc = (int)strlen(l->who), c, k, x = 2, head = strcmp(l->when, "head") == 0;
    char buf[512], it[128], f[128];

    for (c = 0; c < nc && c < DASH_CELLS && x < wd; c++) {
        int cw = t->w[c], room = wd - x;

        cell(l->what, c, buf, sizeof buf);
        if (l->who[c] == 'a') {
            struct strbuf s = STRBUF_INIT;

            for (k = row->from; k < row->to && item(buf, k, it, sizeof it) != NULL; k++) {
                ui_fit_amount(f, sizeof f, it, cw);
                strbuf_printf(&s, "%s%s", k > row->from ? " + " : "", f);
            }
            if (item(buf, row->to, it, sizeof it) != NULL)
                strbuf_puts(&s, " +");
            draw_text(w, y, x, strbuf_str(&s), c + 1 < nc && cw < room ? cw : room, a);
            strbuf_fini(&s);
        } else if (row->from > 0) {
            ; /* a wrapped row: the amounts only */
        } else if (l->who[c] == 'n') {
            int fw = head ? text_width(buf) : ui_fit_figure(f, sizeof f, buf, cw);

            if (fw > cw)
                fw = cw;
            if (cw <= room)
                draw_text(w, y, x + cw - fw, head ? buf : f, fw, a);
        } else {
            draw_text(w, y, x, buf, c + 1 < nc && cw < room ? cw : room, a);
        }
        x += cw + DASH_GAP;
    }
}

static void
dv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct dashview *dv = (struct dashview *)v;
    int r, y;

    if (dv->d == NULL && db_state(app->db) == DB_READY)
        load(dv, app);
    if (dv->d == NULL) {
        draw_text(w, 1, 2, "loading…", wd - 2, A_BOLD);
        return;
    }
    draw_text(w, 0, 0, dv->d->subtitle, wd, ui_attr(app, PAIR_DIM, A_DIM));
    dv->height = h - 1 > 1 ? h - 1 : 1;
    if (wd != dv->wd) { /* a new width: the tables again, the selected line kept in view */
        relayout(dv, wd);
        show_sel(dv);
    }
    if (dv->top > 0 && dv->sel == first_selectable(dv) && !dv->shown)
        dv->top = 0; /* first the figures; j brings the first record into view */
    if (dv->top > dv->nrows - dv->height)
        dv->top = dv->nrows - dv->height > 0 ? dv->nrows - dv->height : 0;
    for (r = dv->top, y = 1; r < dv->nrows && y < h; r++, y++) {
        int i = dv->rows[r].line;
        const struct detail_line *l = &dv->d->lines[i];
        attr_t a = A_NORMAL;

        if (l->entity[0] == '\0') {
            draw_text(w, y, 0, l->what, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
            continue;
        }
        if (i == dv->sel && selectable(l))
            a = A_REVERSE;
        draw_text(w, y, 0, "", wd, a);
        if (dv->tab_of[i] >= 0)
            draw_cells(dv, w, y, r, wd, a);
        else
            draw_text(w, y, 2, l->what, wd - 2, a);
    }
    ui_painted_data(app);
}

static int
dv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct dashview *dv = (struct dashview *)v;

    if ((fkey && key == KEY_DOWN) || (!fkey && key == L'j')) {
        step(dv, 1);
        return 1;
    }
    if ((fkey && key == KEY_UP) || (!fkey && key == L'k')) {
        step(dv, -1);
        return 1;
    }
    if ((fkey && (key == KEY_HOME || key == KEY_PPAGE)) ||
        (!fkey && (key == L'g' || key == L'b'))) {
        dv->sel = first_selectable(dv);
        dv->top = 0;
        dv->shown = 0;
        return 1;
    }
    if ((fkey && (key == KEY_END || key == KEY_NPAGE)) || (!fkey && (key == L'G' || key == L' '))) {
        if (dv->d != NULL) {
            for (dv->sel = dv->d->nlines - 1; dv->sel > 0; dv->sel--)
                if (selectable(&dv->d->lines[dv->sel]))
                    break;
            /* the end of the page: the last section, even when it lists nothing */
            dv->top = dv->nrows - dv->height > 0 ? dv->nrows - dv->height : 0;
        }
        return 1;
    }
    if (!fkey && key == L'r') {
        load(dv, app);
        return 1;
    }
    if ((fkey && key == KEY_ENTER) || (!fkey && (key == L'\r' || key == L'\n'))) {
        const struct detail_line *l;
        struct view *r;

        if (dv->d == NULL || dv->sel >= dv->d->nlines || !selectable(&dv->d->lines[dv->sel]))
            return 1;
        l = &dv->d->lines[dv->sel];
        if (strcmp(l->entity, "interactions") == 0) { /* a task on no record */
            struct view *f = view_form_new(app, "interactions", l->entity_id, NULL);

            if (f != NULL)
                ui_push(app, f);
            return 1;
        }
        if ((r = view_record_new(app, l->entity, l->entity_id)) != NULL)
            ui_push(app, r);
        return 1;
    }
    return 0;
}

static void
on_reload_due(void *ctx, void *arg)
{
    struct app *app = ctx;
    struct dashview *dv = arg;

    dv->reload_timer = 0;
    if (db_state(app->db) != DB_READY)
        return;
    load(dv, app);
    app->ui->dirty = 1;
}

static void
dv_on_wakeup(struct view *v, struct app *app)
{
    struct dashview *dv = (struct dashview *)v;

    /* (shown again after another view, or after a reconnect: whatever changed, at once) */
    if (!app->ui->wake_valid ||
        (dv->reload_timer == 0 && now_ms() - dv->loaded_at >= DASH_RELOAD_MS)) {
        load(dv, app);
        return;
    }
    if (dv->reload_timer == 0)
        dv->reload_timer =
            timer_add(&app->timers, dv->loaded_at + DASH_RELOAD_MS, on_reload_due, dv);
    v->kept = 1; /* nothing on screen changes until then */
}

static void
dv_describe(struct view *v, char *buf, size_t n)
{
    (void)v;
    snprintf(buf, n, "Dashboard");
}

static void
dv_free(struct view *v)
{
    struct dashview *dv = (struct dashview *)v;

    timer_del(&dv->app->timers, dv->reload_timer);
    detail_free(&dv->d);
    free(dv->rows);
    free(dv->tabs);
    free(dv->tab_of);
    free(dv);
}

/* The record of the selected line (a deal, a ticket, a task's record), for the actions. */
static int
dv_selected(struct view *v, const struct entity **e, int64_t *id)
{
    struct dashview *dv = (struct dashview *)v;
    const struct detail_line *l;

    if (dv->d == NULL || dv->sel >= dv->d->nlines)
        return -1;
    l = &dv->d->lines[dv->sel];
    if (!selectable(l) || (*e = entity_find(l->entity)) == NULL || (*e)->detail == NULL)
        return -1;
    *id = l->entity_id;
    return 0;
}

static const struct view_ops dashboard_ops = {
    .draw = dv_draw,
    .handle_key = dv_handle_key,
    .on_wakeup = dv_on_wakeup,
    .describe = dv_describe,
    .help = dashboard_help,
    .free = dv_free,
    .selected = dv_selected,
};

struct view *
view_dashboard_new(struct app *app)
{
    struct dashview *dv = xcalloc(1, sizeof *dv);

    dv->app = app;
    dv->v.ops = &dashboard_ops;
    str_copy(dv->v.title, "Dashboard", sizeof dv->v.title);
    dv->sel = 0;
    return &dv->v;
}
