/* The account detail view: fields, people and the cross-department timeline. Re-read live. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "ui_int.h"

struct accountview {
    struct view v;
    int64_t id;
    struct detail *d;
    int sel, top, height;
    int gone;
    int64_t heartbeat_at; /* next presence refresh */
    int presence_gen;     /* connection generation our presence row was written on */
    struct detail *hist;  /* the audit trail, shown instead of the lines while set */
    struct app *app;      /* for presence on close */
};

static const char *const account_help[] = {
    "j, k, ↑ ↓\tmove through people and timeline",
    "PgDn, PgUp\tscroll a page",
    "t\twrite in the account's live chat",
    "H\thistory: who changed what, when (again: back)",
    "q, Esc\tback to the list",
    NULL,
};

#define HEARTBEAT_MS 30000

static void
load(struct accountview *av, struct app *app)
{
    struct ccrm_err err;
    struct detail *d;

    /* say we are here before reading, so that others see us as soon as we see them: once per
     * connection. Every reload doing it would wake the other clients, whose reloads would
     * wake us again (measured: 800 transactions a second between two idle clients). */
    if (av->presence_gen != db_generation(app->db) &&
        db_presence_set(app->db, "accounts", av->id, &err) == 0) {
        av->presence_gen = db_generation(app->db);
        av->heartbeat_at = now_ms() + HEARTBEAT_MS;
    }
    d = db_account_detail(app->db, av->id, &err);

    if (d == NULL) {
        if (db_state(app->db) == DB_READY && err.sqlstate[0] == '\0')
            av->gone = 1;
        ui_message_error(app, "%s", err.msg);
        return;
    }
    detail_free(&av->d);
    av->d = d;
    if (av->hist != NULL) {
        struct detail *h = db_account_history(app->db, av->id, &err);

        if (h != NULL) {
            detail_free(&av->hist);
            av->hist = h;
        }
    }
    av->gone = 0;
    str_copy(av->v.title, d->title, sizeof av->v.title);
    if (av->sel >= d->nlines)
        av->sel = d->nlines > 0 ? d->nlines - 1 : 0;
}

static void
av_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct accountview *av = (struct accountview *)v;
    struct detail *d = av->d;
    /* the lines under the fields: the timeline, or the history while it is shown */
    struct detail_line *lines = av->hist ? av->hist->lines : (d ? d->lines : NULL);
    int ln = av->hist ? av->hist->nlines : (d ? d->nlines : 0);
    int y = 0, i, half, lw = 11, fy, listh;

    if (d == NULL) {
        draw_text(w, 1, 2, av->gone ? "this account no longer exists" : "loading…", wd - 2, A_BOLD);
        return;
    }
    draw_text(w, y++, 0, d->title, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
    if (y < h)
        draw_text(w, y++, 0, d->subtitle, wd, ui_attr(app, PAIR_DIM, A_DIM));
    if (y < h && d->here != NULL && d->here[0] != '\0') {
        char here[512];

        snprintf(here, sizeof here, "Also here now: %s", d->here);
        draw_text(w, y++, 0, here, wd, ui_attr(app, PAIR_HIGHLIGHT, A_BOLD));
    }
    /* fields: two columns on wide terminals */
    half = wd >= 90 ? (d->nfields + 1) / 2 : d->nfields;
    fy = y;
    for (i = 0; i < d->nfields && y < h; i++) {
        int col = i >= half;
        int x = col ? wd / 2 : 0;
        int cw = wd >= 90 ? wd / 2 - 1 : wd;
        int row = fy + (col ? i - half : i);

        if (row >= h)
            continue;
        draw_text(w, row, x, d->fields[i].label, lw, A_BOLD);
        draw_text(w, row, x + lw + 1, d->fields[i].value, cw - lw - 1, A_NORMAL);
    }
    y = fy + half + (h > 14 ? 1 : 0);
    listh = h - y;
    av->height = listh > 1 ? listh : 1;
    if (listh <= 0)
        return;
    if (av->sel < av->top)
        av->top = av->sel;
    if (av->sel >= av->top + listh)
        av->top = av->sel - listh + 1;
    for (i = 0; i < listh && av->top + i < ln; i++) {
        struct detail_line *l = &lines[av->top + i];
        attr_t a = av->top + i == av->sel ? A_REVERSE : A_NORMAL;
        int ww = wd >= 70 ? 16 : 0, whow = wd >= 70 ? 22 : 0;

        if (l->entity[0] == '\0') { /* a section heading */
            draw_text(w, y + i, 0, l->what, wd, ui_attr(app, PAIR_HEADER, A_BOLD) | a);
            continue;
        }
        draw_text(w, y + i, 0, "", wd, a);
        if (l->when[0] == '\0' && l->who[0] == '\0') { /* a related record, not an event */
            draw_text(w, y + i, 2, l->what, wd - 2, a);
            continue;
        }
        if (ww > 0) {
            draw_text(w, y + i, 1, l->when, ww, a | (a ? 0 : ui_attr(app, PAIR_DIM, 0)));
            draw_text(w, y + i, 2 + ww, l->who, whow, a);
        }
        draw_text(w, y + i, 3 + ww + whow, l->what, wd - 3 - ww - whow, a);
    }
}

static void
on_chat(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct accountview *av = ctx;
    struct ccrm_err err;

    if (!done || !ok || text[0] == '\0')
        return;
    if (db_chat_send(app->db, "accounts", av->id, text, &err) == -1) {
        /* keep what was typed: the line opens again with it, to send once back online */
        ui_input_begin(app, "chat (not sent, Enter to retry): ", text, on_chat, av);
        ui_message_error(app, "could not send the message: %s", err.msg);
        return;
    }
    load(av, app); /* our own message: a wake-up follows, but show it now */
}

static int
av_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct accountview *av = (struct accountview *)v;
    int n = av->hist ? av->hist->nlines : (av->d ? av->d->nlines : 0);
    int delta = 0;

    if (fkey) {
        if (key == KEY_DOWN)
            delta = 1;
        else if (key == KEY_UP)
            delta = -1;
        else if (key == KEY_NPAGE)
            delta = av->height;
        else if (key == KEY_PPAGE)
            delta = -av->height;
        else if (key == KEY_HOME)
            delta = -n;
        else if (key == KEY_END)
            delta = n;
        else
            return 0;
    } else if (key == L'j') {
        delta = 1;
    } else if (key == L'k') {
        delta = -1;
    } else if (key == L' ') {
        delta = av->height;
    } else if (key == L'b') {
        delta = -av->height;
    } else if (key == L'g') {
        delta = -n;
    } else if (key == L'G') {
        delta = n;
    } else if (key == L'H') {
        struct ccrm_err err;

        if (av->hist != NULL) {
            detail_free(&av->hist);
        } else if ((av->hist = db_account_history(app->db, av->id, &err)) == NULL) {
            ui_message_error(app, "%s",
                             strcmp(err.sqlstate, "42501") == 0
                                 ? "the history is not available to your role"
                                 : err.msg);
            return 1;
        }
        av->sel = 0;
        av->top = 0;
        return 1;
    } else if (key == L't') {
        ui_input_begin(app, "chat: ", "", on_chat, av);
        return 1;
    } else {
        return 0;
    }
    av->sel += delta;
    if (av->sel >= n)
        av->sel = n - 1;
    if (av->sel < 0)
        av->sel = 0;
    return 1;
}

static void
av_on_wakeup(struct view *v, struct app *app)
{
    load((struct accountview *)v, app);
}

static void
av_describe(struct view *v, char *buf, size_t n)
{
    struct accountview *av = (struct accountview *)v;

    snprintf(buf, n, "account #%lld", (long long)av->id);
}

static int
av_tick(struct view *v, int64_t now)
{
    struct accountview *av = (struct accountview *)v;
    struct ccrm_err err;

    if (av->heartbeat_at == 0)
        return -1;
    if (now >= av->heartbeat_at) {
        if (db_state(av->app->db) == DB_READY)
            db_presence_touch(av->app->db, &err);
        av->heartbeat_at = now + HEARTBEAT_MS;
    }
    return (int)(av->heartbeat_at - now);
}

static void
av_free(struct view *v)
{
    struct accountview *av = (struct accountview *)v;
    struct ccrm_err err;

    if (db_state(av->app->db) == DB_READY)
        db_presence_clear(av->app->db, &err);
    detail_free(&av->d);
    detail_free(&av->hist);
    free(av);
}

static const struct view_ops account_ops = {
    av_draw, av_handle_key, av_on_wakeup, av_tick, av_describe, account_help, av_free,
};

struct view *
view_account_new(struct app *app, int64_t id)
{
    struct accountview *av = xcalloc(1, sizeof *av);

    av->v.ops = &account_ops;
    av->id = id;
    av->app = app;
    str_copy(av->v.title, "Account", sizeof av->v.title);
    load(av, app);
    return &av->v;
}

/* For the `:` prompt: show or hide the history, as key H does. 0, or -1 if v is no account. */
int
view_account_toggle_history(struct view *v, struct app *app)
{
    if (v->ops != &account_ops)
        return -1;
    av_handle_key(v, app, L'H', 0);
    return 0;
}
