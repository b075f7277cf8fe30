/* The Dashboard (management starts here): the pipeline, tickets and leads in figures, and
 * the records that need attention. Re-read live; Enter opens a listed record. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/entity.h"
#include "ccrm/stats.h"
#include "ccrm/util.h"
#include "form.h"
#include "record_view.h"
#include "ui_int.h"

/* Live, but the figures are sums over the company's records: in a stream of changes they are
 * re-read at most every DASH_RELOAD_MS (a change after a quiet spell at once). With many
 * dashboards open while the company writes, re-reading them at every wake-up cost the server
 * more than the writes themselves (300 clients, docs/performance.md, "capacity"). */
#define DASH_RELOAD_MS 5000

struct dashview {
    struct view v;
    struct app *app;
    struct detail *d;
    int sel, top, height;
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

/* Keep the selected line on the screen. */
static void
show_sel(struct dashview *dv)
{
    int h = dv->height > 0 ? dv->height : 1; /* not drawn yet: the draw places it */

    if (dv->sel < dv->top)
        dv->top = dv->sel;
    if (dv->sel >= dv->top + h)
        dv->top = dv->sel - h + 1;
}

/* Move to the next selectable line in direction dir; with none left, scroll instead, so that
 * every line (a heading and its "none" below the last record) can be brought into view. */
static void
step(struct dashview *dv, int dir)
{
    int i;

    if (dv->d == NULL)
        return;
    if (dir > 0 && dv->height > 0 && dv->sel >= dv->top + dv->height) {
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
    else if (dv->top + dv->height < dv->d->nlines)
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
    if (dv->sel >= d->nlines || !selectable(&d->lines[dv->sel])) {
        dv->sel = 0;
        step(dv, 1);
    }
}

static void
dv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct dashview *dv = (struct dashview *)v;
    int i, y;

    if (dv->d == NULL && db_state(app->db) == DB_READY)
        load(dv, app);
    if (dv->d == NULL) {
        draw_text(w, 1, 2, "loading…", wd - 2, A_BOLD);
        return;
    }
    draw_text(w, 0, 0, dv->d->subtitle, wd, ui_attr(app, PAIR_DIM, A_DIM));
    dv->height = h - 1 > 1 ? h - 1 : 1;
    if (dv->top > 0 && dv->sel == first_selectable(dv) && !dv->shown)
        dv->top = 0; /* first the figures; j brings the first record into view */
    if (dv->top > dv->d->nlines - dv->height)
        dv->top = dv->d->nlines - dv->height > 0 ? dv->d->nlines - dv->height : 0;
    for (i = dv->top, y = 1; i < dv->d->nlines && y < h; i++, y++) {
        const struct detail_line *l = &dv->d->lines[i];
        attr_t a = A_NORMAL;

        if (l->entity[0] == '\0') {
            draw_text(w, y, 0, l->what, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
            continue;
        }
        if (i == dv->sel && selectable(l))
            a = A_REVERSE;
        draw_text(w, y, 0, "", wd, a);
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
            dv->top = dv->d->nlines - dv->height > 0 ? dv->d->nlines - dv->height : 0;
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
