/* The interests found by a search (:interests TEXT): every interest whose product, topic or
 * note holds the text, newest first (at most 200), with whom it is about and where it was
 * learned; Enter opens the person or account, / searches again. Re-read on every change (one
 * bounded statement). */
#include <stdlib.h>
#include <string.h>

#include "ccrm/marketing.h"
#include "ccrm/util.h"
#include "dups.h"
#include "record_view.h"

#define INTERESTS_FOUND_MAX 200

struct intview {
    struct view v;
    char text[200];
    struct interest_row *rows;
    int n, sel, top, height, loaded;
};

static const char *const interests_help[] = {
    "j, k, ↑ ↓\tmove",
    "Enter\topen the person or account the interest is about",
    "/\tsearch for other words",
    "q, Esc\tclose",
    NULL,
};

static void
load(struct intview *iv, struct app *app)
{
    struct ccrm_err err;
    int n = db_interests_search(app->db, iv->text, iv->rows, INTERESTS_FOUND_MAX, &err);

    if (n < 0) {
        ui_message_error(app, "could not search the interests: %s", err.msg);
        return;
    }
    iv->n = n;
    iv->loaded = 1;
    if (iv->sel >= n)
        iv->sel = n > 0 ? n - 1 : 0;
}

static void
on_search(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct intview *iv = ctx;

    if (!done || !ok)
        return;
    str_copy(iv->text, text, sizeof iv->text);
    iv->sel = iv->top = 0;
    load(iv, app);
}

static void
iv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct intview *iv = (struct intview *)v;
    char line[512];
    int i, y = 0, ww = wd >= 100 ? 40 : 28, sw = wd - 11 - 11 - ww - 3;

    snprintf(line, sizeof line, "Interests matching \"%s\" · %d%s, newest first", iv->text, iv->n,
             iv->n == INTERESTS_FOUND_MAX ? "+" : "");
    draw_text(w, y++, 0, line, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
    draw_text(w, y++, 0, "Enter open the person or account · / search again", wd,
              ui_attr(app, PAIR_DIM, A_DIM));
    if (!iv->loaded)
        return;
    if (iv->n == 0) {
        draw_text(w, y, 2, "no interest matches", wd - 2, A_NORMAL);
        return;
    }
    iv->height = h - y > 1 ? h - y : 1;
    if (iv->sel < iv->top)
        iv->top = iv->sel;
    if (iv->sel >= iv->top + iv->height)
        iv->top = iv->sel - iv->height + 1;
    for (i = 0; i < iv->height && iv->top + i < iv->n; i++) {
        const struct interest_row *r = &iv->rows[iv->top + i];
        attr_t a = iv->top + i == iv->sel ? A_REVERSE : A_NORMAL;

        draw_text(w, y + i, 0, "", wd, a);
        draw_text(w, y + i, 0, r->at, 10, a);
        draw_text(w, y + i, 11, r->who, 10, a);
        draw_text(w, y + i, 22, r->what, ww, a);
        if (sw > 0)
            draw_text(w, y + i, 23 + ww, r->subject, sw, a);
    }
    ui_painted_data(app);
}

static int
iv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct intview *iv = (struct intview *)v;
    struct view *r;

    if ((fkey && key == KEY_DOWN) || (!fkey && key == L'j')) {
        if (iv->sel < iv->n - 1)
            iv->sel++;
    } else if ((fkey && key == KEY_UP) || (!fkey && key == L'k')) {
        if (iv->sel > 0)
            iv->sel--;
    } else if (!fkey && key == L'/') {
        ui_input_begin(app, "interests matching: ", iv->text, on_search, iv);
    } else if ((fkey && key == KEY_ENTER) || (!fkey && (key == L'\r' || key == L'\n'))) {
        if (iv->n > 0 &&
            (r = view_record_new(app, iv->rows[iv->sel].entity, iv->rows[iv->sel].id)) != NULL)
            ui_push(app, r);
    } else {
        return 0;
    }
    return 1;
}

static void
iv_on_wakeup(struct view *v, struct app *app)
{
    load((struct intview *)v, app);
}

static void
iv_describe(struct view *v, char *buf, size_t n)
{
    snprintf(buf, n, "Interests matching \"%s\"", ((struct intview *)v)->text);
}

static void
iv_free(struct view *v)
{
    struct intview *iv = (struct intview *)v;

    free(iv->rows);
    free(iv);
}

static const struct view_ops interests_ops = {
    .draw = iv_draw,
    .handle_key = iv_handle_key,
    .on_wakeup = iv_on_wakeup,
    .describe = iv_describe,
    .help = interests_help,
    .free = iv_free,
};

struct view *
view_interests_new(struct app *app, const char *text)
{
    struct intview *iv = xcalloc(1, sizeof *iv);

    iv->v.ops = &interests_ops;
    iv->rows = xcalloc(INTERESTS_FOUND_MAX, sizeof *iv->rows);
    str_copy(iv->text, text != NULL ? text : "", sizeof iv->text);
    str_copy(iv->v.title, "Interests", sizeof iv->v.title);
    load(iv, app);
    return &iv->v;
}
