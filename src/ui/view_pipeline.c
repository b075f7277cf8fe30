/* The Deals view: the sales pipeline as columns, one per stage, each headed by its count and
 * amount (running totals kept by the database) and each a live keyset list of that stage's
 * deals (a list view with its stage filter fixed). ← → move between stages; > and < move the
 * selected deal to the next or previous stage, sending the version it was read at. Won and
 * lost close a deal: > goes on to won and no further, < takes a closed deal back to the last
 * open stage, and either asks first (y/n) when it closes or reopens one. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/entity.h"
#include "ccrm/stats.h"
#include "ccrm/util.h"
#include "ui_int.h"

#define NSTAGES 6
/* A stage column holds at least the deal's name (the Deal column's 14) and its amount at its
 * widest (the Amount column's 14 + 10: "999,999,999,999.99 EUR"): the list takes its columns
 * while they fit, and a narrower stage dropped the Amount column whenever such a deal was
 * loaded, so that the columns changed with the rows scrolled past. */
#define COL_MIN (14 + 1 + 24)
/* A search's matches are counted up to this many a stage ("1,000+ of 20,000 deals") */
#define MATCH_CAP 1000

struct pipeview {
    struct view v;
    struct view *col[NSTAGES];
    struct stage_total tot[NSTAGES];
    int focus, first;
    int totals_ok;
    long long match[NSTAGES]; /* the search's matches per stage (up to MATCH_CAP) */
    int match_ok;             /* match[] counts the search (set and counted) */
    int nvisible;             /* columns that fit the last draw */
    char search[UI_SEARCH_TEXT];
    char search_saved[UI_SEARCH_TEXT]; /* restored when the search line is cancelled */
    /* a move asked about (y/n): the deal as it was read when > or < was typed */
    struct {
        int64_t id;
        char version[24];
        char name[128];
        int from, to;
    } ask;
};

static const char *const pipeline_help[] = {
    "← →, [ ]\tprevious / next stage column",
    "j, k, ↑ ↓\tmove in the column",
    "PgDn, PgUp\tpage down / up",
    "> <\tmove the selected deal to the next / previous stage: > stops at won, < reopens a won or "
    "lost deal in negotiation, asked first (y/n); a deal is lost by its Stage (e)",
    "/\tsearch deal names (every column; f, s filter and sort every column)",
    "Enter\topen the deal",
    NULL,
};

static void
load_totals(struct pipeview *pv, struct app *app)
{
    struct ccrm_err err;

    pv->totals_ok = db_pipeline_totals(app->db, pv->tot, &err) == 0;
    if (!pv->totals_ok)
        ui_message_error(app, "%s", err.msg);
    /* (a count that fails leaves the headers without one: the search itself still runs) */
    pv->match_ok = pv->search[0] != '\0' &&
                   db_pipeline_matches(app->db, pv->search, MATCH_CAP, pv->match, &err) == 0;
}

/* A stage's amounts ("12,500.50 BRL + 1,000,006,570,534.67 EUR + …") in width columns: whole
 * amounts while they fit, then how many more ("+ 3 more"), never an amount cut; one alone too
 * wide is written short ("1.00×10²⁵ EUR"). */
static void
fit_totals(const char *amounts, int width, char *buf, size_t n)
{
    char more[32];
    const char *p = amounts, *next;
    int count = 0, k, used = 0;
    size_t len = 0;

    buf[0] = '\0';
    for (p = amounts; p != NULL; p = (p = strstr(p, " + ")) != NULL ? p + 3 : NULL)
        count++;
    for (k = 0, p = amounts; p != NULL; k++, p = next) {
        char it[96];
        int iw, rest;

        next = strstr(p, " + ");
        snprintf(it, sizeof it, "%.*s", next ? (int)(next - p) : (int)strlen(p), p);
        if (next != NULL)
            next += 3;
        snprintf(more, sizeof more, " + %d more", count - k - 1);
        rest = next != NULL ? text_width(more) : 0;
        iw = text_width(it) + (k > 0 ? 3 : 0);
        if (used + iw + rest > width) {
            if (k == 0) { /* the first alone: written short, with its currency */
                const char *sp = strrchr(it, ' ');
                char fig[96], f[96];

                snprintf(more, sizeof more, " + %d more", count - 1);
                rest = count > 1 ? text_width(more) : 0;
                snprintf(fig, sizeof fig, "%.*s", sp ? (int)(sp - it) : (int)strlen(it), it);
                ui_fit_figure(f, sizeof f, fig, width - rest - (sp ? text_width(sp) : 0));
                snprintf(buf, n, "%s%s%s", f, sp ? sp : "", count > 1 ? more : "");
                return;
            }
            snprintf(more, sizeof more, " + %d more", count - k);
            if (len < n)
                snprintf(buf + len, n - len, "%s", more);
            return;
        }
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", k > 0 ? " + " : "", it);
        used += iw;
    }
}

static void
pv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct pipeview *pv = (struct pipeview *)v;
    int nv = wd / COL_MIN, cw, i;

    if (!pv->totals_ok && db_state(app->db) == DB_READY)
        load_totals(pv, app);
    if (nv < 1)
        nv = 1;
    if (nv > NSTAGES)
        nv = NSTAGES;
    if (pv->focus < pv->first)
        pv->first = pv->focus;
    if (pv->focus >= pv->first + nv)
        pv->first = pv->focus - nv + 1;
    if (pv->first + nv > NSTAGES)
        pv->first = NSTAGES - nv;
    cw = (wd - (nv - 1)) / nv;
    for (i = 0; i < nv; i++) {
        int s = pv->first + i, x = i * (cw + 1);
        char head[256];
        WINDOW *sub;

        if (pv->match_ok) /* what the search shows of the stage's deals */
            snprintf(head, sizeof head, "%s%s · %lld%s of %lld deal%s", s == pv->focus ? "▸ " : "",
                     deal_stages[s], pv->match[s], pv->match[s] >= MATCH_CAP ? "+" : "",
                     pv->tot[s].n, pv->tot[s].n == 1 ? "" : "s");
        else
            snprintf(head, sizeof head, "%s%s · %lld deal%s", s == pv->focus ? "▸ " : "",
                     deal_stages[s], pv->tot[s].n, pv->tot[s].n == 1 ? "" : "s");
        draw_text(w, 0, x, head, cw,
                  s == pv->focus ? ui_attr(app, PAIR_TAB_ACTIVE, A_REVERSE | A_BOLD)
                                 : ui_attr(app, PAIR_HEADER, A_BOLD));
        if (h > 1) {
            char amounts[sizeof pv->tot[s].amount + 64];

            fit_totals(pv->tot[s].amount, cw, amounts, sizeof amounts);
            draw_text(w, 1, x, amounts[0] ? amounts : "–", cw, ui_attr(app, PAIR_HEADER, A_NORMAL));
        }
        if (i + 1 < nv)
            mvwvline(w, 0, x + cw, ACS_VLINE, h);
        if (h < 4)
            continue;
        sub = derwin(w, h - 2, cw, 2, x);
        view_list_set_active(pv->col[s], s == pv->focus);
        if (sub != NULL) {
            pv->col[s]->ops->draw(pv->col[s], app, sub, h - 2, cw);
            delwin(sub);
        }
    }
    pv->nvisible = nv;
}

/* Won and lost: the deal is closed (schema/001_init.sql's stages, the last two). */
static int
closed(int stage)
{
    return strcmp(deal_stages[stage], "won") == 0 || strcmp(deal_stages[stage], "lost") == 0;
}

/* Send the move asked about (pv->ask); the cursor follows the deal. */
static void
do_move(struct pipeview *pv, struct app *app)
{
    struct ccrm_err err;
    int rc;

    rc = db_deal_set_stage(app->db, pv->ask.id, pv->ask.version, deal_stages[pv->ask.to], &err);
    if (rc != 0) {
        if (strcmp(err.sqlstate, "CR001") == 0)
            ui_message_error(app, "not moved: someone else changed \"%s\" meanwhile (reloaded)",
                             pv->ask.name);
        else
            ui_message_error(app, "not moved: %s", err.msg);
        /* offline the reading would only fail, its message over the reason (the columns are
         * read again when the connection is back) */
        if (db_state(app->db) == DB_READY)
            view_list_reload(pv->col[pv->ask.from], app);
        return;
    }
    view_list_show_record(pv->col[pv->ask.to], app, pv->ask.id);
    view_list_reload(pv->col[pv->ask.from], app);
    pv->focus = pv->ask.to;
    load_totals(pv, app);
    ui_message(app, "\"%s\" moved to %s", pv->ask.name, deal_stages[pv->ask.to]);
}

/* "mark it won? (y/n)" takes one key, as the other questions do (ui_ask_key): y moves, any
 * other key (n, Esc, Enter) leaves the deal where it is. What was typed after it ("yes" out of
 * habit) is dropped, not taken as keys of the pipeline (e, s). */
static void
on_move_answer(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct pipeview *pv = ctx;

    if (ui_ask_key(app, text, done, ok, NULL) != 'y') {
        ui_message(app, "not moved: \"%s\" stays %s", pv->ask.name, deal_stages[pv->ask.from]);
        return;
    }
    do_move(pv, app);
}

/* Move the selected deal one stage on (dir 1) or back (dir -1). The open stages lead to won;
 * lost is not the stage after won but a way to close a deal, set deliberately (its Stage in
 * the form, e) rather than one > too many. A closed deal goes back to the last open stage
 * (reopened). Closing or reopening is asked first: it changes the revenue won and the win
 * rate, and one key did it unasked. */
static void
move_deal(struct pipeview *pv, struct app *app, int dir)
{
    const struct row *r = view_list_current(pv->col[pv->focus]);
    int from = pv->focus, to = from + dir, last_open = 0, i;
    char label[64];

    if (r == NULL) {
        ui_message(app, "no deal selected");
        return;
    }
    for (i = 0; i < NSTAGES; i++)
        if (!closed(i))
            last_open = i;
    if (closed(from)) /* (the stage after the last open one is won) */
        to = dir < 0 ? last_open : -1;
    if (to < 0 || to >= NSTAGES) {
        if (!closed(from))
            ui_message(app, "no stage before %s", deal_stages[from]);
        else if (strcmp(deal_stages[from], "won") == 0)
            ui_message(app, "won is the last stage (a deal is lost by its Stage: e)");
        else
            ui_message(app, "%s is closed: < reopens it in %s", deal_stages[from],
                       deal_stages[last_open]);
        return;
    }
    pv->ask.id = r->id;
    str_copy(pv->ask.version, r->col[7] ? r->col[7] : "0", sizeof pv->ask.version);
    str_copy(pv->ask.name, r->col[0] ? r->col[0] : "", sizeof pv->ask.name);
    pv->ask.from = from;
    pv->ask.to = to;
    if (!closed(from) && !closed(to)) {
        do_move(pv, app);
        return;
    }
    /* the deal named above the question, which is short (the line's label holds 63 bytes) */
    ui_message_for(app, 600000, "\"%s\": %s → %s", pv->ask.name, deal_stages[from],
                   deal_stages[to]);
    if (closed(to))
        snprintf(label, sizeof label, "mark it %s? (y/n) ", deal_stages[to]);
    else
        snprintf(label, sizeof label, "reopen it in %s? (y/n) ", deal_stages[to]);
    ui_input_begin(app, label, "", on_move_answer, pv);
}

/* ---- the pipeline as a list (struct list_ops): every column searched, filtered and sorted
 * alike; what is shown, selected and created is the focused column's ---- */

static struct view *
focus(struct view *v)
{
    struct pipeview *pv = (struct pipeview *)v;

    return pv->col[pv->focus];
}

static void
pv_set_search(struct view *v, struct app *app, const char *text)
{
    struct pipeview *pv = (struct pipeview *)v;
    int i;

    str_copy(pv->search, text, sizeof pv->search);
    for (i = 0; i < NSTAGES; i++)
        pv->col[i]->ops->list->set_search(pv->col[i], app, pv->search);
    pv->totals_ok = 0; /* the headers count the search's matches: read at the next draw */
}

static void
on_search(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct pipeview *pv = ctx;

    pv_set_search(&pv->v, app, done && !ok ? pv->search_saved : text);
}

static int
pv_set_filter(struct view *v, struct app *app, const char *text)
{
    struct pipeview *pv = (struct pipeview *)v;
    int i;

    for (i = 0; i < NSTAGES; i++)
        if (pv->col[i]->ops->list->set_filter(pv->col[i], app, text) == -1)
            return -1;
    return 0;
}

/* Every column by the named order (NULL: the one after the focused column's). */
static int
pv_set_sort(struct view *v, struct app *app, const char *name)
{
    struct pipeview *pv = (struct pipeview *)v;
    const struct entity_list *l = entity_by_view("deals")->list;
    const char *now = view_list_sort_name(focus(v)), *next = l->sorts[0].name;
    int i, k;

    for (k = 0; k + 1 < l->nsorts; k++)
        if (strcmp(l->sorts[k].name, now) == 0)
            next = l->sorts[k + 1].name;
    for (i = 0; i < NSTAGES; i++)
        if (pv->col[i]->ops->list->set_sort(pv->col[i], app, name != NULL ? name : next) == -1)
            return -1;
    return 0;
}

static const struct list_query *
pv_query(struct view *v)
{
    return focus(v)->ops->list->query(focus(v));
}

static const char *const *
pv_sorts(struct view *v)
{
    return focus(v)->ops->list->sorts(focus(v));
}

static void
pv_filter_text(struct view *v, char *buf, size_t n)
{
    focus(v)->ops->list->filter_text(focus(v), buf, n);
}

static const struct entity *
pv_entity(struct view *v)
{
    return focus(v)->ops->list->entity(focus(v));
}

/* a new deal in the "proposal" column is a proposal */
static const char *const *
pv_prefill(struct view *v)
{
    return focus(v)->ops->list->prefill(focus(v));
}

/* A deal just saved: the focus on its stage's column, the cursor on it; a search, then the
 * filter, that hide it are cleared (in every column, as they were set). */
static int
pv_show(struct view *v, struct app *app, int64_t id, char *said, size_t n)
{
    struct pipeview *pv = (struct pipeview *)v;
    char search[sizeof pv->search], filter[600];
    int step, i;

    said[0] = '\0';
    str_copy(search, pv->search, sizeof search);
    pv_filter_text(v, filter, sizeof filter);
    for (step = 0; step < 3; step++) {
        if (step == 1 && search[0] == '\0')
            continue;
        if (step == 2 && filter[0] == '\0')
            break;
        if (step == 1)
            pv_set_search(v, app, "");
        else if (step == 2 && pv_set_filter(v, app, "") == -1)
            break;
        for (i = 0; i < NSTAGES; i++)
            if (view_list_show_record(pv->col[i], app, id) == 0) {
                pv->focus = i;
                if (step == 1)
                    snprintf(said, n, " · search \"%s\" cleared to show it", search);
                else if (step == 2)
                    snprintf(said, n, " · %s%s%sfilter %s cleared to show it",
                             search[0] ? "search \"" : "", search, search[0] ? "\" and " : "",
                             filter);
                load_totals(pv, app);
                return 0;
            }
    }
    if (search[0] != '\0')
        pv_set_search(v, app, search);
    if (filter[0] != '\0')
        pv_set_filter(v, app, filter);
    return -1;
}

static int
pv_selected(struct view *v, const struct entity **e, int64_t *id)
{
    return focus(v)->ops->selected(focus(v), e, id);
}

static int
pv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct pipeview *pv = (struct pipeview *)v;
    struct view *c = pv->col[pv->focus];

    if ((fkey && key == KEY_LEFT) || (!fkey && key == L'[')) {
        if (pv->focus > 0)
            pv->focus--;
        return 1;
    }
    if ((fkey && key == KEY_RIGHT) || (!fkey && key == L']')) {
        if (pv->focus + 1 < NSTAGES)
            pv->focus++;
        return 1;
    }
    if (!fkey && (key == L'>' || key == L'<')) {
        move_deal(pv, app, key == L'>' ? 1 : -1);
        return 1;
    }
    if (!fkey && key == L'/') {
        str_copy(pv->search_saved, pv->search, sizeof pv->search_saved);
        ui_input_begin(app, "search deals: ", pv->search, on_search, pv);
        return 1;
    }
    if (!fkey && key == 27 && pv->search[0] != '\0') {
        pv_set_search(v, app, "");
        return 1;
    }
    return c->ops->handle_key(c, app, key, fkey);
}

static void
pv_on_wakeup(struct view *v, struct app *app)
{
    struct pipeview *pv = (struct pipeview *)v;
    int i;

    load_totals(pv, app);
    for (i = 0; i < NSTAGES; i++)
        pv->col[i]->ops->on_wakeup(pv->col[i], app);
}

static void
pv_describe(struct view *v, char *buf, size_t n)
{
    struct pipeview *pv = (struct pipeview *)v;
    char d[200];

    pv->col[pv->focus]->ops->describe(pv->col[pv->focus], d, sizeof d);
    if (pv->nvisible > 0 && pv->nvisible < NSTAGES)
        snprintf(buf, n, "Pipeline · %s (stage %d of %d, ← → for more) · %s",
                 deal_stages[pv->focus], pv->focus + 1, NSTAGES, d);
    else
        snprintf(buf, n, "Pipeline · %s · %s", deal_stages[pv->focus], d);
}

static void
pv_free(struct view *v)
{
    struct pipeview *pv = (struct pipeview *)v;
    int i;

    for (i = 0; i < NSTAGES; i++)
        pv->col[i]->ops->free(pv->col[i]);
    free(pv);
}

static const struct list_ops pv_list_ops = {
    .query = pv_query,
    .sorts = pv_sorts,
    .set_sort = pv_set_sort,
    .filter_text = pv_filter_text,
    .set_filter = pv_set_filter,
    .set_search = pv_set_search,
    .entity = pv_entity,
    .prefill = pv_prefill,
    .show = pv_show,
    .fixed_filter = 1, /* each column is its stage: stage= is not the user's (view_list.c) */
};

static const struct view_ops pipeline_ops = {
    .draw = pv_draw,
    .handle_key = pv_handle_key,
    .on_wakeup = pv_on_wakeup,
    .describe = pv_describe,
    .help = pipeline_help,
    .free = pv_free,
    .selected = pv_selected,
    .list = &pv_list_ops,
};

struct view *
view_pipeline_new(struct app *app)
{
    struct pipeview *pv = xcalloc(1, sizeof *pv);
    int i;

    pv->v.ops = &pipeline_ops;
    str_copy(pv->v.title, "Deals", sizeof pv->v.title);
    for (i = 0; i < NSTAGES; i++)
        pv->col[i] = view_list_new_fixed(app, entity_by_view("deals"), deal_stages[i]);
    return &pv->v;
}
