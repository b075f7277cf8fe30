/* A list view over one entity (Accounts, Feed): a window of rows fetched by keyset pages, so
 * memory stays flat whatever the table size; live re-reads keep the cursor on its record and
 * highlight rows that changed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/actions.h"
#include "ccrm/billing.h"
#include "ccrm/cmd.h"
#include "ccrm/detail.h"
#include "ccrm/entity.h"
#include "ccrm/events.h"
#include "ccrm/trace.h"
#include "ccrm/util.h"
#include "form.h"
#include "record_view.h"
#include "ui_int.h"

#define HIGHLIGHT_MS 3000
#define MAX_HL 64
/* A pipeline's stage column (a list with a fixed filter) is a narrow column of cards, and a
 * deal's name mostly starts with its account's ("Fjord Trading ApS – Onboarding workshop"):
 * the name drops that part (without_repeat), so the Account column is what tells the account,
 * and it is kept, down to CARD_KEEP_MIN columns, rather than a less important column (Owner)
 * taking its place at 80 columns. */
#define CARD_KEEP "Account"
#define CARD_KEEP_MIN 8

struct hl {
    int64_t id;
    int64_t until;
};

struct listview {
    struct view v;
    struct app *app;
    unsigned hl_timer;   /* the next highlight's expiry */
    unsigned left_timer; /* the next change of a time left on screen (Tickets' SLA column) */
    const struct entity *e;
    const struct entity_list *l;
    struct list_query q;
    char search[UI_SEARCH_TEXT];
    char search_saved[UI_SEARCH_TEXT];
    struct rowbuf buf;
    int cur, top, height;
    int loaded;
    int search_pending; /* the search text changed: reload from the top at the next draw */
    int fill;      /* a record was shown: the next draw fills the screen from above (lv_draw) */
    int drawn;     /* the rows the last draw had (0: none yet): more now, the screen grew */
    int new_above; /* rows that arrived above the screen while it is scrolled (g: to them) */
    struct hl hl[MAX_HL];
    int nhl;
    char fval[LIST_MAX_FILTERS][600];  /* filter values (q.filter points here) */
    char ftext[LIST_MAX_FILTERS][600]; /* the filters as typed ("status!=closed"), for f */
    int fixed_filter;                  /* a filter set by the owner view (pipeline stage): kept */
    int inactive;                      /* a pipeline column without the focus: no cursor bar */
    int denied;                        /* the role may not read this list (42501) */
    int partner;                       /* a partner: orders and filters marked internal are not
                                        * offered (they read what partners may not) */
    char prefill_buf[LIST_MAX_FILTERS][80];
    const char *prefill[LIST_MAX_FILTERS + 1];
    const char *sortnames[16]; /* the sort orders' names, NULL-terminated (completion) */
    int fitw[ROW_MAX_COLS];    /* a column that fits its values: its widest loaded (layout) */
};

/* The help of a list, from the registry: the keys every list has, and what this one
 * searches and opens (what f and s take is under them: commands_help). One set per list,
 * built at its first view. */
#define HELP_LINES 12
#define HELP_TEXT 160

static struct list_help {
    const struct entity_list *l;
    char text[HELP_LINES][HELP_TEXT];
    const char *lines[HELP_LINES + 1];
} helps[32]; /* more than the registry's lists */

static const char *const *
list_help(const struct entity *e)
{
    const struct entity_list *l = e->list;
    struct list_help *h = NULL;
    int i, n = 0;

    for (i = 0; i < 32 && h == NULL; i++)
        if (helps[i].l == l || helps[i].l == NULL)
            h = &helps[i];
    if (h == NULL)
        return NULL;
    if (h->l == l)
        return h->lines;
    h->l = l;
    snprintf(h->text[n++], HELP_TEXT, "j, k, ↑ ↓\tmove");
    snprintf(h->text[n++], HELP_TEXT, "PgDn, PgUp\tpage down / up (also Space, b)");
    snprintf(h->text[n++], HELP_TEXT, "g, G\tfirst / last row (in the order shown: s sorts)");
    snprintf(h->text[n++], HELP_TEXT, "/\tsearch %s (live, Esc restores)", l->search_help);
    if (e->rows_of != NULL)
        snprintf(h->text[n++], HELP_TEXT, "Enter\topen the record the %s is on (else the %s)",
                 e->singular, e->singular);
    else if (l->rows_are_records && e->detail == NULL && e->nfields > 0)
        snprintf(h->text[n++], HELP_TEXT, "Enter\tedit the %s", e->singular);
    else if (l->rows_are_records)
        snprintf(h->text[n++], HELP_TEXT, "Enter\topen the %s", e->singular);
    else if (l->names_records)
        snprintf(h->text[n++], HELP_TEXT, "Enter\topen the record (its keys act on it: w, e, c)");
    else
        snprintf(h->text[n++], HELP_TEXT, "Enter\topen the record the %s is about%s", e->singular,
                 e->actions & ENT_MARK_READ ? " (marks it read)" : "");
    for (i = 0; i < n; i++)
        h->lines[i] = h->text[i];
    h->lines[n] = NULL;
    return h->lines;
}

static int
page(struct app *app)
{
    return ui_page_size(app);
}

static int
fetch(struct listview *lv, struct app *app, const struct row *from, int dir, int limit,
      struct row *out)
{
    struct ccrm_err err;
    int n = db_list_fetch(app->db, &lv->q, from, dir, limit, out, &err);

    if (n < 0 && strcmp(err.sqlstate, "42501") == 0)
        lv->denied = 1; /* said in the list itself, not as an error on every wake-up */
    else if (n < 0)
        ui_message_error(app, "%s", err.msg);
    return n;
}

/* Load the first (dir > 0) or last (dir < 0) page. Under a search, only what two screens
 * show: a search runs at every keystroke, and its walk reads rows until it has found as many
 * matches as it was asked for (a word spread over the list: some 20 rows read for each match
 * at 1,000,000 accounts), of which a screen shows a fifth. The rest comes when the cursor
 * moves toward it (the read-ahead of move_by). */
static void
load_edge(struct listview *lv, struct app *app, int dir)
{
    int lim = page(app);

    if (lv->q.search != NULL && lv->height > 1 && 2 * lv->height + 2 < lim)
        lim = 2 * lv->height + 2;
    struct row *tmp = xcalloc((size_t)lim, sizeof *tmp);
    int n = fetch(lv, app, NULL, dir, lim, tmp);

    if (n < 0) {
        free(tmp);
        return;
    }
    rowbuf_clear(&lv->buf);
    rowbuf_append(&lv->buf, tmp, n);
    free(tmp);
    lv->buf.at_start = dir > 0 || n < lim;
    lv->buf.at_end = dir < 0 || n < lim;
    lv->cur = dir > 0 ? 0 : (n > 0 ? n - 1 : 0);
    lv->top = dir > 0 ? 0 : (lv->cur - lv->height + 1 > 0 ? lv->cur - lv->height + 1 : 0);
    lv->loaded = 1;
    if (dir > 0)
        lv->new_above = 0; /* the newest are on screen now */
}

/* Fetch one more page below (dir > 0) or above (dir < 0) the window; drop rows at the other
 * end beyond three pages. Returns the number of rows added. */
static int
extend(struct listview *lv, struct app *app, int dir)
{
    int lim = page(app);
    /* the window: three pages, and never less than a screen above the cursor, the two screens
     * read ahead below it and the page being added (pages smaller than the screen would
     * otherwise never leave room to drop any: the window grew with every page turned) */
    int cap = 3 * lim > 3 * lv->height + 2 * lim ? 3 * lim : 3 * lv->height + 2 * lim;
    struct row *tmp;
    int n, excess, added;

    if (lv->buf.n == 0)
        return 0;
    tmp = xcalloc((size_t)lim, sizeof *tmp);
    n = fetch(lv, app, dir > 0 ? &lv->buf.rows[lv->buf.n - 1] : &lv->buf.rows[0], dir, lim, tmp);
    if (n < 0) {
        free(tmp);
        return 0;
    }
    /* a row that moved in the order since the window was read (a live change) is in it
     * already: shown once, where it was */
    added = rows_drop_known(tmp, n, &lv->buf, 0);
    if (dir > 0) {
        rowbuf_append(&lv->buf, tmp, added);
        lv->buf.at_end = n < lim;
        excess = lv->buf.n - cap;
        if (excess > 0 && lv->cur - excess > lv->height) {
            rowbuf_drop_front(&lv->buf, excess);
            lv->cur -= excess;
            lv->top -= excess;
        }
    } else {
        rowbuf_prepend(&lv->buf, tmp, added);
        lv->buf.at_start = n < lim;
        lv->cur += added;
        lv->top += added;
        excess = lv->buf.n - cap;
        if (excess > 0 && lv->buf.n - excess > lv->cur + lv->height)
            rowbuf_drop_back(&lv->buf, excess);
    }
    free(tmp);
    return added;
}

static void
move_by(struct listview *lv, struct app *app, int delta)
{
    int target = lv->cur + delta;

    while (target >= lv->buf.n && !lv->buf.at_end) {
        int before = lv->cur;
        int added = extend(lv, app, 1);

        target += lv->cur - before; /* rows dropped at the front moved the cursor's index */
        if (added == 0)
            break;
    }
    while (target < 0 && !lv->buf.at_start) {
        int before = lv->cur;
        int added = extend(lv, app, -1);

        if (added == 0)
            break;
        target += lv->cur - before;
    }
    if (target >= lv->buf.n)
        target = lv->buf.n - 1;
    if (target < 0)
        target = 0;
    lv->cur = target;
    /* read ahead, so that the next PgDn finds its rows already here */
    if (lv->buf.n - lv->cur < 2 * lv->height && !lv->buf.at_end)
        extend(lv, app, 1);
}

static int
row_changed(const struct entity_list *l, const struct row *a, const struct row *b)
{
    int i;

    for (i = 0; i < ROW_MAX_COLS; i++) {
        if (i < l->ncols && l->cols[i].ticks)
            continue; /* an age that went on ticking is not a change */
        if ((a->col[i] == NULL) != (b->col[i] == NULL))
            return 1;
        if (a->col[i] != NULL && strcmp(a->col[i], b->col[i]) != 0)
            return 1;
    }
    return 0;
}

static void schedule_expiry(struct listview *lv);

/* A highlight's time is up: drop the expired ones (they are drawn plain from now on), and
 * wait for the next. */
static void
on_highlight_expired(void *ctx, void *arg)
{
    struct app *app = ctx;
    struct listview *lv = arg;
    int64_t now = now_ms();
    int i, j = 0;

    lv->hl_timer = 0;
    for (i = 0; i < lv->nhl; i++)
        if (lv->hl[i].until > now)
            lv->hl[j++] = lv->hl[i];
    lv->nhl = j;
    app->ui->dirty = 1;
    schedule_expiry(lv);
}

static void
schedule_expiry(struct listview *lv)
{
    int64_t next = 0;
    int i;

    timer_del(&lv->app->timers, lv->hl_timer);
    lv->hl_timer = 0;
    for (i = 0; i < lv->nhl; i++)
        if (next == 0 || lv->hl[i].until < next)
            next = lv->hl[i].until;
    if (next != 0)
        lv->hl_timer = timer_add(&lv->app->timers, next, on_highlight_expired, lv);
}

static void
highlight(struct listview *lv, int64_t id, int64_t until)
{
    int i;

    for (i = 0; i < lv->nhl; i++)
        if (lv->hl[i].id == id) {
            lv->hl[i].until = until;
            return;
        }
    if (lv->nhl == MAX_HL) {
        memmove(lv->hl, lv->hl + 1, (MAX_HL - 1) * sizeof lv->hl[0]);
        lv->nhl--;
    }
    lv->hl[lv->nhl].id = id;
    lv->hl[lv->nhl++].until = until;
}

/* Re-read the window around the cursor's record: rows before it, the record itself (if it
 * still matches), rows after it. The cursor stays on its record, at the same screen line. */
static void
reread(struct listview *lv, struct app *app)
{
    /* only what can be on screen soon: a screen above the cursor, two below. With a hundred
     * clients each re-reading on every change, this is most of the server's work. */
    int lim = 2 * lv->height + 10, half = lv->height + 5;
    struct row anchor, *before, *after, mid;
    struct rowbuf old;
    struct ccrm_err err;
    int nb, na, kb, ka, found, screen_line, old_top, i;
    int64_t until = now_ms() + HIGHLIGHT_MS;

    if (!lv->loaded || lv->buf.n == 0) {
        load_edge(lv, app, 1);
        return;
    }
    row_copy(&anchor, &lv->buf.rows[lv->cur]);
    before = xcalloc((size_t)half, sizeof *before);
    after = xcalloc((size_t)lim, sizeof *after);
    memset(&mid, 0, sizeof mid);
    /* the record first: the rows around it are read from its key as it is now. Read from the
     * key it had when drawn, a record whose change moved it (an update bumps its last change,
     * a rename moves it by name) came back among the rows before or after it as well, and was
     * drawn twice (issue 14) */
    found = db_list_fetch_one(app->db, &lv->q, anchor.id, &mid, &err);
    if (found < 0 && strcmp(err.sqlstate, "42501") == 0)
        lv->denied = 1;
    else if (found < 0)
        ui_message_error(app, "%s", err.msg);
    nb = found < 0 ? -1 : fetch(lv, app, found ? &mid : &anchor, -1, half, before);
    na = nb < 0 ? -1 : fetch(lv, app, found ? &mid : &anchor, 1, lim, after);
    if (nb < 0 || found < 0 || na < 0) {
        for (i = 0; i < half; i++)
            row_fini(&before[i]);
        for (i = 0; i < lim; i++)
            row_fini(&after[i]);
        row_fini(&mid);
        row_fini(&anchor);
        free(before);
        free(after);
        return;
    }
    screen_line = lv->cur - lv->top;
    old_top = lv->top;
    old = lv->buf;
    rowbuf_init(&lv->buf);
    /* a row changed between the three reads can still come twice: once each */
    kb = rows_drop_known(before, nb, NULL, anchor.id);
    rowbuf_append(&lv->buf, before, kb);
    ka = rows_drop_known(after, na, &lv->buf, anchor.id);
    if (found)
        rowbuf_append(&lv->buf, &mid, 1);
    rowbuf_append(&lv->buf, after, ka);
    lv->buf.at_start = nb < half;
    lv->buf.at_end = na < lim;
    lv->cur = kb;
    if (lv->cur >= lv->buf.n)
        lv->cur = lv->buf.n > 0 ? lv->buf.n - 1 : 0;
    lv->top = lv->cur - screen_line;
    /* at the very top, new rows above the cursor are shown (the cursor moves down with its
     * record) rather than scrolled out of sight */
    if (lv->top < 0 || (old_top == 0 && old.at_start))
        lv->top = 0;
    /* highlight rows that changed, and new rows that appeared between known ones */
    for (i = 0; i < lv->buf.n; i++) {
        int o = rowbuf_find(&old, lv->buf.rows[i].id);

        if (o >= 0) {
            if (row_changed(lv->l, &old.rows[o], &lv->buf.rows[i]))
                highlight(lv, lv->buf.rows[i].id, until);
        } else if (i > 0 && i + 1 < lv->buf.n && rowbuf_find(&old, lv->buf.rows[i - 1].id) >= 0 &&
                   rowbuf_find(&old, lv->buf.rows[i + 1].id) >= 0) {
            highlight(lv, lv->buf.rows[i].id, until);
        } else if (i == 0 && lv->buf.at_start && old.at_start && old.n > 0 &&
                   rowbuf_find(&old, lv->buf.rows[i].id) < 0) {
            highlight(lv, lv->buf.rows[i].id, until); /* a new first row (the feed's top) */
        }
    }
    rowbuf_fini(&old);
    row_fini(&anchor);
    free(before);
    free(after);
    schedule_expiry(lv);
}

static int
is_highlighted(struct listview *lv, int64_t id, int64_t now)
{
    int i;

    for (i = 0; i < lv->nhl; i++)
        if (lv->hl[i].id == id && lv->hl[i].until > now)
            return 1;
    return 0;
}

/* Column layout, from the registry's rules and the screen's width alone, so that the columns
 * stay put while the rows under them scroll and page. A column that fits its values (a
 * ticket's #86884, an amount) is the one exception: it grows to the widest value this view has
 * loaded, up to its rule, and never narrows again (it narrowed when the page that held that
 * value was dropped, and every column after it moved). On a narrow screen the columns are
 * taken by their priority (1 essential .. 9; unset counts as 9), while they fit, and shown in
 * their own order: the Leads list keeps "Latest from any department" at 70 columns and drops
 * Owner and Score instead. The room left goes to the name first (the essential column with
 * the biggest weight: a deal's name, a ticket's subject), up to half its minimum more, then
 * by weight, and what the shares' rounding leaves to the name too: shared by weight alone, a
 * Deals stage column at 100 gave the name 3 of its 7 spare columns and left 2 unused. A kept
 * column (priority 1 to ENTITY_COL_KEPT) that does not fit narrows those that give way (their
 * least) instead: at 80 columns a ticket's subject is cut sooner, and its requester and
 * assignee stay (they were left out, and support could not see who asked and who has it). A
 * pipeline's stage column keeps its Account column (card_keep). xs, ws and idx (the row column)
 * per screen column, *namec the name's screen column (-1: none); returns how many. */
/* Narrow the columns taken that give way (the registry's least: a ticket's subject) by need
 * screen columns in all, in their order, none below its least; 0 (nothing narrowed) when they
 * cannot give that much. */
static int
give_way(const struct entity_list *l, const unsigned char *take, int *min, int need)
{
    int i, room = 0;

    for (i = 0; i < l->ncols && i < ROW_MAX_COLS; i++)
        if (take[i] && l->cols[i].least > 0 && min[i] > l->cols[i].least)
            room += min[i] - l->cols[i].least;
    if (room < need)
        return 0;
    for (i = 0; i < l->ncols && i < ROW_MAX_COLS && need > 0; i++)
        if (take[i] && l->cols[i].least > 0 && min[i] > l->cols[i].least) {
            int d = min[i] - l->cols[i].least < need ? min[i] - l->cols[i].least : need;

            min[i] -= d;
            need -= d;
        }
    return 1;
}

static int
layout(struct listview *lv, int wd, int *xs, int *ws, int *idx, int *namec)
{
    const struct entity_list *l = lv->l;
    int used = 0, n = 0, i, k, p, r, extra, wsum = 0, x = 0, name = -1, give = 0, others, rest;
    int keep = lv->fixed_filter ? entity_list_col(l, CARD_KEEP) : -1, sorted = -1;
    unsigned char take[ROW_MAX_COLS] = {0};
    int min[ROW_MAX_COLS];

    /* the column a chosen order sorts by (Tickets by priority or age, Leads by score) is
     * taken as the status is: the order is seen at 80 columns (the Tickets were sorted by a
     * Priority column left out). The first order, the list's own, keeps its layout. */
    if (lv->q.sort > 0 && lv->q.sort < l->nsorts)
        for (i = 0; i < l->ncols && i < ROW_MAX_COLS; i++)
            if (strcasecmp(l->cols[i].name, l->sorts[lv->q.sort].name) == 0)
                sorted = i;

    for (i = 0; i < l->ncols && i < ROW_MAX_COLS; i++) {
        const struct entity_column *c = &l->cols[i];
        int cap = c->min + (c->fit > 4 ? c->fit : 4);

        for (r = 0; (c->fit || c->snug) && r < lv->buf.n; r++) {
            int tw = lv->buf.rows[r].col[i] != NULL ? text_width(lv->buf.rows[r].col[i]) : 0;

            if (tw > lv->fitw[i])
                lv->fitw[i] = c->snug || tw < cap ? tw : cap;
        }
        /* (a snug column's widest value limits only its share of the room left, below) */
        min[i] = !c->snug && lv->fitw[i] > c->min ? lv->fitw[i] : c->min;
    }
    for (p = 1; p <= 9; p++)
        for (i = 0; i < l->ncols && i < ROW_MAX_COLS; i++) {
            const struct entity_column *c = &l->cols[i];
            int prio = c->priority >= 1 && c->priority <= 9 ? c->priority : 9;

            if (i == sorted && prio > 2)
                prio = 2;
            if (c->hidden || prio != p)
                continue;
            if (used + min[i] + (n > 0) > wd && n > 0) {
                int need = used + min[i] + 1 - wd;

                /* a kept column (a ticket's requester) takes room from those that give way
                 * (its subject, cut sooner), rather than being left out */
                if (prio <= ENTITY_COL_KEPT && give_way(l, take, min, need)) {
                    used += min[i] + 1 - need;
                    wsum += c->weight;
                    take[i] = 1;
                    n++;
                } else if (prio == 1 && wd - used - 1 >= min[i] / 2) {
                    /* an essential column (a ticket's subject) is not given up for less
                     * important ones: it takes the room left, narrower, and nothing comes
                     * after */
                    min[i] = wd - used - 1;
                    used = wd;
                    wsum += c->weight;
                    take[i] = 1;
                    n++;
                } else if (i == keep && wd - used - 1 >= CARD_KEEP_MIN) {
                    /* narrower, rather than a less important column in its place */
                    min[i] = CARD_KEEP_MIN;
                    used += min[i] + 1;
                    wsum += c->weight;
                    take[i] = 1;
                    n++;
                }
                continue;
            }
            used += min[i] + (n > 0);
            wsum += c->weight;
            take[i] = 1;
            n++;
        }
    for (i = 0, k = 0; i < l->ncols && i < ROW_MAX_COLS; i++)
        if (take[i])
            idx[k++] = i;
    for (i = 0; i < n; i++) {
        const struct entity_column *c = &l->cols[idx[i]];

        if (c->priority == 1 && c->weight > 0 &&
            (name < 0 || c->weight > l->cols[idx[name]].weight))
            name = i;
    }
    extra = wd - used;
    others = wsum;
    if (name >= 0 && extra > 0) {
        const struct entity_column *c = &l->cols[idx[name]];
        int want = c->min + c->min / 2 - min[idx[name]];

        give = extra * c->weight / wsum;
        if (want > give)
            give = want < extra ? want : extra;
        extra -= give;
        others -= c->weight;
    }
    for (i = 0, used = 0; i < n; i++) {
        ws[i] = min[idx[i]];
        if (i == name)
            ws[i] += give;
        else if (others > 0)
            ws[i] += extra * l->cols[idx[i]].weight / others;
        used += ws[i] + (i > 0);
    }
    if (name >= 0 && used < wd)
        ws[name] += wd - used; /* what the shares' rounding left */
    /* a snug column (the Inbox's From and Record) keeps of its share what its widest value
     * needs; what it leaves goes first to a snug column short of its need (a sender's name
     * whole), then to the heaviest column that is not snug (the Note), which was cut beside
     * their blank room. No column is narrower for it than its share. */
    for (i = 0, rest = -1; i < n; i++)
        if (!l->cols[idx[i]].snug && l->cols[idx[i]].weight > 0 &&
            (rest < 0 || l->cols[idx[i]].weight > l->cols[idx[rest]].weight))
            rest = i;
    for (p = 0, extra = 0; rest >= 0 && p < 2; p++)
        for (i = 0; i < n; i++) {
            int need = lv->fitw[idx[i]] > min[idx[i]] ? lv->fitw[idx[i]] : min[idx[i]];

            if (!l->cols[idx[i]].snug)
                continue;
            if (p == 0 && ws[i] > need) {
                extra += ws[i] - need;
                ws[i] = need;
            } else if (p == 1 && ws[i] < need && extra > 0) {
                k = need - ws[i] < extra ? need - ws[i] : extra;
                ws[i] += k;
                extra -= k;
            }
        }
    if (rest >= 0)
        ws[rest] += extra;
    for (i = 0; i < n; i++) {
        if (ws[i] > wd - x)
            ws[i] = wd - x;
        xs[i] = x;
        x += ws[i] + 1;
    }
    *namec = name;
    return n;
}

/* What keeps rows of the list from showing: a search (said first), else a filter the user set
 * (not the owner view's fixed one: a pipeline column's stage); 0: nothing. */
enum { NARROWED_SEARCH = 1, NARROWED_FILTER };

static int
narrowed(const struct listview *lv)
{
    int f;

    if (lv->q.search != NULL)
        return NARROWED_SEARCH;
    for (f = 0; f < LIST_MAX_FILTERS; f++)
        if (lv->q.filter[f] != NULL && !(lv->fixed_filter && f == 0))
            return NARROWED_FILTER;
    return 0;
}

/* A time left on screen changes its text: draw again (no query: the due times are in the
 * rows, so a row turns red at its due time by itself). */
static void
on_time_left(void *ctx, void *arg)
{
    struct app *app = ctx;
    struct listview *lv = arg;

    lv->left_timer = 0;
    app->ui->dirty = 1;
}

/* A search typed (or :find) runs at the next draw, so a burst of typing costs one search. A key
 * that acts on the rows before that draw (the search's Enter and the next key read at once:
 * typed ahead, pasted) runs it first, so it acts on the rows the search finds, not on those
 * shown before it. */
static void
run_pending(struct listview *lv)
{
    struct app *app = lv->app;

    if ((!lv->loaded || lv->search_pending) && !lv->denied && db_state(app->db) == DB_READY) {
        lv->search_pending = 0;
        load_edge(lv, app, 1);
        app->ui->dirty = 1;
    }
}

/* An amount (the registry's fit 10: "99,000.00 USD") is a figure: right-aligned in its
 * column, so that the digits of the rows line up under one another. */
static int
is_amount(const struct entity_column *c)
{
    return c->fit >= 10;
}

/* text in width columns at (y, x): left-aligned, or right-aligned (right) */
static void
draw_cell(WINDOW *w, int y, int x, const char *text, int width, int right, attr_t a)
{
    int pad = right ? width - text_width(text) : 0;

    if (pad > 0) {
        draw_text(w, y, x, "", pad, a);
        x += pad;
        width -= pad;
    }
    draw_text(w, y, x, text, width, a);
}

/* The name without a repeat of a column shown beside it: a deal's "Fjord Trading ApS –
 * Onboarding workshop" beside the Account "Fjord Trading ApS" is "Onboarding workshop" (cut to
 * the column, both began "Fjord Tradi…" and no two deals of an account could be told apart).
 * Only a repeat followed by a separator (– — - : · | / ,) is dropped, so that "Acme Media AB"
 * is not taken for "Acme"; the name is kept whole when nothing would be left. */
static const char *
without_repeat(const char *name, const char *other)
{
    static const char *const seps[] = {"–", "—", "-", ":", "·", "|", "/", ","};
    size_t len = strlen(other), k;
    const char *p = name + len;

    if (text_width(other) < 3 || strncasecmp(name, other, len) != 0)
        return name;
    while (*p == ' ')
        p++;
    for (k = 0; k < sizeof seps / sizeof seps[0]; k++)
        if (strncmp(p, seps[k], strlen(seps[k])) == 0)
            break;
    /* a hyphen right after it joins a longer name ("Acme-Nord GmbH" is not "Acme") */
    if (k == sizeof seps / sizeof seps[0] || (*p == '-' && p == name + len))
        return name;
    for (p += strlen(seps[k]); *p == ' ' || *p == '-'; p++)
        ;
    return *p != '\0' ? p : name;
}

static void
lv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct listview *lv = (struct listview *)v;
    int xs[ROW_MAX_COLS], ws[ROW_MAX_COLS], idx[ROW_MAX_COLS];
    int nc, i, c, k, name, rows = h - 1, unread = entity_list_col(lv->l, "unread");
    int alert = entity_list_col(lv->l, "alert");
    int64_t now = now_ms(), wall = wall_ms(), next_change = 0;

    lv->height = rows > 1 ? rows : 1;
    /* the terminal grew (or a long message left): rows hidden above the last ones come back
     * rather than blank rows under them (at the end of a list shown on a smaller screen) */
    if (lv->drawn > 0 && rows > lv->drawn)
        lv->fill = 1;
    lv->drawn = rows;
    run_pending(lv);
    nc = layout(lv, wd, xs, ws, idx, &name);
    for (c = 0; c < nc; c++) {
        attr_t ha = ui_attr(app, PAIR_HEADER, A_BOLD | A_UNDERLINE);

        /* the underline runs on under the gap to the next heading */
        draw_cell(w, 0, xs[c], lv->l->cols[idx[c]].name, ws[c], is_amount(&lv->l->cols[idx[c]]),
                  ha);
        if (c + 1 < nc)
            draw_text(w, 0, xs[c] + ws[c], "", 1, ha);
    }
    if (lv->cur < lv->top)
        lv->top = lv->cur;
    if (lv->cur >= lv->top + rows)
        lv->top = lv->cur - rows + 1;
    /* a record shown (view_list_show_record) near the list's end, or the screen grown: no
     * blank rows under the last row while rows above it are hidden; its window may have been
     * placed for another height (a Pipeline column not drawn yet). A page turned to the end
     * keeps its rows (until the screen grows). */
    if (lv->fill && lv->buf.at_end && lv->top > 0 && lv->buf.n - lv->top < rows) {
        if (!lv->buf.at_start && lv->top < rows) /* and not enough of them read */
            extend(lv, app, -1);
        lv->top = lv->buf.n - rows;
    }
    lv->fill = 0;
    /* fewer rows read below the top than the screen shows (a search read two screens of an
     * older, smaller window; a page_size below the screen's height): the next page now */
    if (lv->loaded && !lv->buf.at_end && lv->buf.n > 0 && lv->buf.n - lv->top < rows &&
        !lv->denied && db_state(app->db) == DB_READY)
        extend(lv, app, 1);
    if (lv->top < 0)
        lv->top = 0;
    if (lv->top == 0 && lv->buf.at_start)
        lv->new_above = 0; /* scrolled back up: they are on screen */
    for (i = 0; i < rows && lv->top + i < lv->buf.n; i++) {
        struct row *r = &lv->buf.rows[lv->top + i];
        attr_t a = A_NORMAL;

        if (is_highlighted(lv, r->id, now))
            a = ui_attr(app, PAIR_HIGHLIGHT, A_BOLD);
        if (unread >= 0 && r->col[unread] != NULL && strcmp(r->col[unread], "true") == 0)
            a |= A_BOLD;
        if (alert >= 0 && r->col[alert] != NULL && strcmp(r->col[alert], "true") == 0 &&
            !is_highlighted(lv, r->id, now))
            a = ui_attr(app, PAIR_ERROR, A_BOLD); /* an overdue task: its text says so too */
        if (lv->top + i == lv->cur)
            a = lv->inactive ? a | A_UNDERLINE : A_REVERSE | (a & A_BOLD);
        draw_text(w, 1 + i, 0, "", wd, a);
        for (c = 0; c < nc; c++) {
            const char *text = r->col[idx[c]] ? r->col[idx[c]] : "";
            attr_t ca = a;

            if (lv->l->cols[idx[c]].time_left) {
                char left[32];
                int64_t next;
                int u = time_left_text(text, wall, left, sizeof left, &next);

                if (next > 0 && (next_change == 0 || next < next_change))
                    next_change = next;
                /* running out: yellow under an hour, red and marked "!" when past due */
                if (u == 3)
                    ca = (a & (A_REVERSE | A_UNDERLINE)) | ui_attr(app, PAIR_ERROR, A_BOLD);
                else if (u == 2)
                    ca = (a & (A_REVERSE | A_UNDERLINE)) | ui_attr(app, PAIR_HIGHLIGHT, A_BOLD);
                draw_text(w, 1 + i, xs[c], left, ws[c], ca);
                continue;
            }
            if (is_amount(&lv->l->cols[idx[c]])) {
                /* too wide even so: written short ("1.00×10²⁵ EUR"), never with its digits
                 * cut */
                char fig[128];

                if (text_width(text) > ws[c])
                    ui_fit_amount(fig, sizeof fig, text, ws[c]);
                else
                    str_copy(fig, text, sizeof fig);
                draw_cell(w, 1 + i, xs[c], fig, ws[c], 1, ca);
                continue;
            }
            for (k = 0; c == name && k < nc; k++)
                if (k != c && r->col[idx[k]] != NULL)
                    text = without_repeat(text, r->col[idx[k]]);
            draw_text(w, 1 + i, xs[c], text, ws[c], ca);
        }
    }
    timer_del(&app->timers, lv->left_timer);
    lv->left_timer = 0;
    if (next_change > 0)
        lv->left_timer = timer_add(&app->timers, now + next_change + 5, on_time_left, lv);
    if (lv->buf.n > 0)
        ui_painted_data(app);
    if (lv->denied) {
        draw_text(w, 2, 2, "not available to your role", wd - 2, ui_attr(app, PAIR_DIM, A_DIM));
        return;
    }
    if (lv->buf.n == 0 && lv->loaded) {
        int by = narrowed(lv);
        const char *msg = by == NARROWED_SEARCH ? "no records match the search"
                          : by == NARROWED_FILTER
                              ? "no records match the filter (f, then all, shows every record)"
                          : lv->l->empty != NULL ? lv->l->empty
                          : lv->fixed_filter     ? "none"
                                                 : "no records yet";

        draw_text(w, 2, 2, msg, wd - 2, ui_attr(app, PAIR_DIM, A_DIM));
    }
}

static void
on_search(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct listview *lv = ctx;

    if (done && !ok)
        str_copy(lv->search, lv->search_saved, sizeof lv->search);
    else
        str_copy(lv->search, text, sizeof lv->search);
    lv->q.search = lv->search[0] ? lv->search : NULL;
    if (done && ok && strcmp(lv->search, lv->search_saved) == 0)
        return;
    /* not here but at the next draw: keys typed ahead while a query ran are all read before
     * the next draw, so a burst of typing costs one search, not one per key */
    lv->search_pending = 1;
    (void)app;
}

/* The text of the row's column named name ("" when the list has none). */
static const char *
col_of(const struct listview *lv, const struct row *r, const char *name)
{
    int c = entity_list_col(lv->l, name);

    return c >= 0 && r->col[c] != NULL ? r->col[c] : "";
}

/* Open the record a row stands for: its own detail, or for the Feed and the Inbox the record
 * the entry is about (an Inbox entry is marked read). */
static void
open_row(struct listview *lv, struct app *app, const struct row *r)
{
    struct view *d;

    if (lv->e->rows_of != NULL) {
        /* a task: the record it hangs off, else its own form */
        const char *ent = col_of(lv, r, "entity"), *eid = col_of(lv, r, "entity_id");

        if (eid[0] != '\0' && db_detail_entity(ent))
            d = view_record_new(app, ent, strtoll(eid, NULL, 10));
        else
            d = view_form_new(app, lv->e->rows_of, r->id, NULL);
    } else if (lv->l->rows_are_records && lv->e->detail == NULL && lv->e->nfields > 0) {
        d = view_form_new(app, lv->e->table, r->id, NULL); /* a rule: its form is all there is */
    } else if (lv->l->rows_are_records) {
        d = view_record_new(app, lv->e->table, r->id);
    } else {
        /* the row names its record (the Feed's also its account) */
        const char *ent = col_of(lv, r, "entity"), *eid = col_of(lv, r, "entity_id");
        char docid[24];
        int64_t did;
        struct ccrm_err derr;

        /* a quote's or invoice's line, a payment: its document (docs/billing.md) */
        if (eid[0] != '\0' && !db_detail_entity(ent) &&
            db_bill_document_of(app->db, ent, strtoll(eid, NULL, 10), &ent, &did, &derr) == 0) {
            snprintf(docid, sizeof docid, "%lld", (long long)did);
            eid = docid;
        }
        if (eid[0] == '\0' || !db_detail_entity(ent)) {
            const char *acc = col_of(lv, r, "account_id");

            if (acc[0] == '\0') {
                ui_message(app, "this entry names no record to open");
                return;
            }
            ent = "accounts";
            eid = acc;
        }
        if ((lv->e->actions & ENT_MARK_READ) && strcmp(col_of(lv, r, "unread"), "true") == 0) {
            struct ccrm_err err;

            if (db_inbox_mark_read(app->db, r->id, &err) == -1)
                ui_message_error(app, "%s", err.msg);
        }
        d = view_record_new(app, ent, strtoll(eid, NULL, 10));
    }
    if (d != NULL)
        ui_push(app, d);
}

/* The filter as text ("owner=marco status=open,pending source=\"trade show\""), as `f`
 * shows it for editing. */
static void
filter_text(const struct listview *lv, char *buf, size_t n)
{
    const struct entity_list *l = lv->l;
    size_t len = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; i < l->nfilters && len < n; i++)
        if (lv->q.filter[i] != NULL && !(lv->fixed_filter && i == 0))
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "", lv->ftext[i]);
}

/* The filter that `mine` sets (the owner, or the assignee), or -1. */
static int
mine_filter(const struct entity_list *l)
{
    int i;

    for (i = 0; i < l->nfilters; i++)
        if (l->filters[i].mine)
            return i;
    return -1;
}

int
view_list_filter_word(char **p, char **word)
{
    char *s = *p, *w;
    int q = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    for (w = s; *s != '\0' && (q || (*s != ' ' && *s != '\t')); s++)
        if (*s == '"')
            q = !q;
    if (*s != '\0')
        *s++ = '\0';
    *p = s;
    *word = w;
    return q ? -1 : 1; /* an open quote ran to the end of the text */
}

/* Split a filter's values at commas outside double quotes, the quotes removed: "open,pending",
 * "\"trade show\"". Returns how many, each in vals[i] (size 64); -1 when there are more than
 * max. */
static int
split_values(const char *text, char vals[][64], int max)
{
    int n = 0, q = 0;
    size_t len = 0;
    const char *s;

    vals[0][0] = '\0';
    for (s = text;; s++) {
        if (*s == '"') {
            q = !q;
            continue;
        }
        if (*s == '\0' || (*s == ',' && !q)) {
            vals[n][len] = '\0';
            if (*s == '\0')
                return n + 1;
            if (++n == max)
                return -1;
            len = 0;
            continue;
        }
        if (len + 1 < 64)
            vals[n][len++] = *s;
    }
}

/* A filter given twice, one of them perhaps as mine (the owner's or assignee's filter, set to
 * one's login): refused the same in either order. */
static void
given_twice(const struct entity_list *l, int f, const char *word, int by_mine, struct app *app,
            struct ccrm_err *err)
{
    /* (as typed: owner=sam owner=jose is the assignee's twice on Tickets; mine shows the name) */
    const char *name = by_mine ? l->filters[f].name : word;

    if (by_mine)
        err_set(err,
                "filter %s given twice: mine is %s=%s; give one (several values go in one: "
                "%s=a,b)",
                name, name, db_login(app->db), name);
    else
        err_set(err, "filter %s given twice: several values go in one (%s=a,b)", name, name);
}

/* Set the filter from text: "mine", "all" (or nothing), NAME=VALUE words, and a bare NAME for
 * a yes/no filter ("unread"). NAME=A,B takes any of them, NAME!=VALUE (or A,B) anything but,
 * NAME=none rows without one (NAME!=none: with one); a value with blanks is quoted
 * (source="trade show"). A value of a field's filter is read as the field's values are
 * (status=Open is open; an unknown status is refused, naming the valid ones). 0, or -1 with
 * the reason in err (the filter is then unchanged). */
static int
parse_filter(struct listview *lv, struct app *app, const char *text, struct ccrm_err *err)
{
    const struct entity_list *l = lv->l;
    char val[LIST_MAX_FILTERS][sizeof lv->fval[0]], shown[LIST_MAX_FILTERS][sizeof lv->ftext[0]];
    unsigned char op[LIST_MAX_FILTERS] = {0};
    /* set[f]: given (2: by mine, which is owner=LOGIN or assignee=LOGIN) */
    int set[LIST_MAX_FILTERS] = {0};
    char buf[512], *p = buf, *w;
    int i, got;

    str_copy(buf, text, sizeof buf);
    while ((got = view_list_filter_word(&p, &w)) != 0) {
        char *eq = strchr(w, '='), vals[LIST_FILTER_VALUES_MAX][64];
        int f = -1, neg = 0, nv, k;
        size_t len;

        if (got == -1) { /* name="abc was taken as the value abc, unsaid */
            err_set(err,
                    "a quote is not closed in %s: a value with blanks goes between two "
                    "(name=\"a b\")",
                    w);
            return -1;
        }
        if (strcmp(w, "all") == 0)
            continue;
        if (eq == NULL) {
            f = strcmp(w, "mine") == 0 ? mine_filter(l) : -1;
            for (i = 0; f < 0 && strcmp(w, "mine") != 0 && i < l->nfilters; i++)
                if (strcmp(l->filters[i].name, w) == 0 && l->filters[i].field == NULL &&
                    strstr(l->filters[i].sql, "::text") != NULL)
                    f = i; /* a yes/no filter: unread */
            if (f < 0 || (lv->partner && l->filters[f].internal)) {
                err_set(err, "\"%s\" is not a filter of %s", w, lv->v.title);
                return -1;
            }
            if (set[f]) { /* "assignee=none mine" kept mine alone, unsaid */
                given_twice(l, f, w, set[f] == 2 || strcmp(w, "mine") == 0, app, err);
                return -1;
            }
            str_copy(val[f], strcmp(w, "mine") == 0 ? db_login(app->db) : "true", sizeof val[f]);
            /* "owner=marco" for mine; a yes/no filter by its name */
            if (strcmp(w, "mine") == 0)
                snprintf(shown[f], sizeof shown[f], "%s=%.64s", l->filters[f].name, val[f]);
            else
                str_copy(shown[f], l->filters[f].name, sizeof shown[f]);
            op[f] = LF_EQ;
            set[f] = strcmp(w, "mine") == 0 ? 2 : 1;
            continue;
        }
        if (eq > w && eq[-1] == '!') {
            neg = 1;
            eq[-1] = '\0';
        }
        *eq = '\0';
        for (i = 0; i < l->nfilters; i++)
            if (strcmp(l->filters[i].name, w) == 0 ||
                (strcmp(w, "owner") == 0 && l->filters[i].mine))
                f = i;
        if (f >= 0 && eq[1] == '\0' && !(lv->fixed_filter && f == 0)) {
            err_set(err, "filter \"%s\" needs a value: %s=VALUE (several: %s=a,b)", w, w, w);
            return -1;
        }
        if (f < 0 || (lv->fixed_filter && f == 0)) {
            char known[256] = "";

            len = 0;
            for (i = 0; i < l->nfilters; i++)
                if (!(lv->fixed_filter && i == 0))
                    len += (size_t)snprintf(known + len, sizeof known - len, "%s%s=…",
                                            len ? ", " : "", l->filters[i].name);
            err_set(err, "unknown filter \"%s\": %s takes %s%s, all", w, lv->v.title,
                    mine_filter(l) >= 0 ? "mine, " : "", known);
            return -1;
        }
        if (set[f]) { /* owner=sam owner=jose kept jose alone, unsaid */
            given_twice(l, f, w, set[f] == 2, app, err);
            return -1;
        }
        nv = split_values(eq + 1, vals, LIST_FILTER_VALUES_MAX);
        if (nv < 0) {
            err_set(err, "filter %s: at most %d values", w, LIST_FILTER_VALUES_MAX);
            return -1;
        }
        for (k = 0; nv > 1 && k < nv; k++)
            if (strcasecmp(vals[k], "none") == 0) { /* taken as a value "none", unsaid */
                err_set(err, "filter %s: none stands alone (%s=none, %s!=none)", w, w, w);
                return -1;
            }
        if (nv == 1 && strcasecmp(vals[0], "none") == 0) {
            /* rows without one (unassigned), or with one */
            op[f] = neg ? LF_SOME : LF_NONE;
            str_copy(val[f], "none", sizeof val[f]);
            snprintf(shown[f], sizeof shown[f], "%s%s=none", l->filters[f].name, neg ? "!" : "");
            set[f] = 1;
            continue;
        }
        for (k = 0; k < nv; k++) {
            if (vals[k][0] == '\0') {
                err_set(err, "filter %s: an empty value (between commas)", w);
                return -1;
            }
            {
                /* a field's values or the filter's choices, in the stored spelling, refused
                 * at Enter (the filter then stays as it was): read as the list query reads
                 * them */
                char norm[sizeof vals[k]];

                if (list_filter_value(lv->e, f, vals[k], norm, sizeof norm, err) == -1)
                    return -1;
                str_copy(vals[k], norm, sizeof vals[k]);
            }
        }
        /* the text shown for editing, values quoted where they have blanks or commas */
        len = (size_t)snprintf(shown[f], sizeof shown[f], "%s%s=", l->filters[f].name,
                               neg ? "!" : "");
        for (k = 0; k < nv && len < sizeof shown[f]; k++)
            len += (size_t)snprintf(shown[f] + len, sizeof shown[f] - len,
                                    strpbrk(vals[k], " \t,") ? "%s\"%s\"" : "%s%s", k ? "," : "",
                                    vals[k]);
        if (nv == 1) {
            op[f] = neg ? LF_NE : LF_EQ;
            str_copy(val[f], vals[0], sizeof val[f]);
        } else {
            /* a text array literal: a parameter's value, never SQL (quotes and backslashes
             * escaped for the array's syntax) */
            op[f] = neg ? LF_NOT_IN : LF_IN;
            len = 0;
            val[f][len++] = '{';
            for (k = 0; k < nv; k++) {
                const char *c;

                if (k > 0 && len + 1 < sizeof val[f])
                    val[f][len++] = ',';
                if (len + 1 < sizeof val[f])
                    val[f][len++] = '"';
                for (c = vals[k]; *c != '\0' && len + 4 < sizeof val[f]; c++) {
                    if (*c == '"' || *c == '\\')
                        val[f][len++] = '\\';
                    val[f][len++] = *c;
                }
                if (len + 1 < sizeof val[f])
                    val[f][len++] = '"';
            }
            if (len + 2 >= sizeof val[f]) {
                err_set(err, "filter %s: too many values", w);
                return -1;
            }
            val[f][len++] = '}';
            val[f][len] = '\0';
        }
        set[f] = 1;
    }
    for (i = 0; i < l->nfilters; i++) {
        if (lv->fixed_filter && i == 0)
            continue;
        if (set[i]) {
            str_copy(lv->fval[i], val[i], sizeof lv->fval[i]);
            str_copy(lv->ftext[i], shown[i], sizeof lv->ftext[i]);
            lv->q.filter[i] = lv->fval[i];
            lv->q.fop[i] = op[i];
        } else {
            lv->q.filter[i] = NULL;
            lv->q.fop[i] = LF_EQ;
        }
    }
    return 0;
}

/* A new record from this list starts with the list's filter where it is a field (a new
 * deal in the "proposal" column is a proposal). */
static const char *const *
lv_prefill(struct view *v)
{
    struct listview *lv = (struct listview *)v;
    const struct entity_list *l = lv->l;
    int i, n = 0;

    for (i = 0; i < l->nfilters && n < LIST_MAX_FILTERS; i++)
        if (lv->q.filter[i] != NULL && lv->q.fop[i] == LF_EQ &&
            entity_field(lv->e, l->filters[i].name) != NULL) {
            snprintf(lv->prefill_buf[n], sizeof lv->prefill_buf[n], "%s=%s", l->filters[i].name,
                     lv->q.filter[i]);
            lv->prefill[n] = lv->prefill_buf[n];
            n++;
        }
    for (i = 0; lv->e->new_values != NULL && lv->e->new_values[i] != NULL && n < LIST_MAX_FILTERS;
         i++)
        lv->prefill[n++] = lv->e->new_values[i];
    lv->prefill[n] = NULL;
    return lv->prefill;
}

static int
lv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    /* the letters and control keys that move like the arrow and page keys */
    static const struct {
        wint_t ch;
        int fkey;
    } moves[] = {{L'j', KEY_DOWN},        {L'k', KEY_UP},    {L' ', KEY_NPAGE},
                 {6 /* ^F */, KEY_NPAGE}, {L'b', KEY_PPAGE}, {2 /* ^B */, KEY_PPAGE},
                 {L'g', KEY_HOME},        {L'G', KEY_END}};
    struct listview *lv = (struct listview *)v;
    int h = lv->height > 1 ? lv->height : 1;
    size_t i;

    run_pending(lv);
    for (i = 0; !fkey && i < sizeof moves / sizeof moves[0]; i++)
        if (key == moves[i].ch) {
            key = (wint_t)moves[i].fkey;
            fkey = 1;
        }
    if (fkey) {
        switch (key) {
        case KEY_DOWN:
            move_by(lv, app, 1);
            return 1;
        case KEY_UP:
            move_by(lv, app, -1);
            return 1;
        case KEY_NPAGE:
            move_by(lv, app, h);
            lv->top = lv->cur; /* the page turns: the cursor row becomes the top row */
            return 1;
        case KEY_PPAGE:
            move_by(lv, app, -h);
            return 1;
        case KEY_HOME:
            load_edge(lv, app, 1);
            return 1;
        case KEY_END:
            load_edge(lv, app, -1);
            return 1;
        case KEY_ENTER:
            break;
        default:
            return 0;
        }
    }
    switch (key) {
    case L'/':
        str_copy(lv->search_saved, lv->search, sizeof lv->search_saved);
        ui_input_begin(app, "search: ", lv->search, on_search, lv);
        return 1;
    case L'\r':
    case L'\n':
    case KEY_ENTER:
        if (lv->buf.n > 0)
            open_row(lv, app, &lv->buf.rows[lv->cur]);
        return 1;
    case 27: /* Esc clears an active search */
        if (lv->search[0] != '\0') {
            lv->search[0] = '\0';
            lv->q.search = NULL;
            load_edge(lv, app, 1);
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}

/* Does the last wake-up concern this list? Only changes that can show in its window make it
 * re-read: with many clients, most changes are elsewhere for most of them, and a skipped
 * re-read is three queries saved per client and change. */
static int
must_reread(struct listview *lv, struct app *app)
{
    const struct ui *ui = app->ui;
    const char *base = lv->e->table;
    int64_t ids[64];
    int n = 0, i;
    struct ccrm_err err;

    if (lv->denied)
        return 0;
    /* an empty list has a window too: both ends open (anything that matches shows) */
    if (!ui->wake_valid || lv->l->always_reread || !lv->loaded ||
        (lv->buf.n == 0 && !(lv->buf.at_start && lv->buf.at_end)))
        return 1;
    for (i = 0; i < ui->nwake; i++) {
        const struct wake_event *we = &ui->wake_ev[i];
        /* a change of one of its rows: its own table's events, and those that name a row
         * otherwise (a ticket's SLA clocks moved) */
        int own = strcmp(we->entity, base) == 0 ||
                  (lv->l->row_events != NULL && strcmp(we->entity, lv->l->row_events) == 0);

        if (!own) {
            int k;

            /* the rows show these too (the Leads: each person's latest ticket or interaction;
             * the Inbox: its senders) */
            for (k = 0; lv->l->shows != NULL && lv->l->shows[k] != NULL; k++)
                if (strcmp(we->entity, lv->l->shows[k]) == 0)
                    return 1;
            continue;
        }
        if (strcmp(we->op, "bulk") == 0 || rowbuf_find(&lv->buf, we->id) >= 0)
            return 1;
        if (strcmp(we->op, "delete") != 0)
            ids[n++] = we->id;
    }
    if (n == 0)
        return 0;
    /* asked with the events read (db_events_since_ui), about this window: no query */
    if (ui->wake_window_view == &lv->v)
        return ui->wake_in_window;
    return db_list_in_window(app->db, &lv->q, ids, n, lv->buf.at_start ? NULL : &lv->buf.rows[0],
                             lv->buf.at_end ? NULL : &lv->buf.rows[lv->buf.n - 1], &err) != 0;
}

/* Scrolled down, rows that a wake-up's events put above the screen are not shown (the rows
 * on screen stay): count them, for the status bar's "12 new above (g)" (issue 12). */
static void
count_new_above(struct listview *lv, struct app *app)
{
    const struct ui *ui = app->ui;
    int64_t ids[64];
    int n = 0, i, k;
    struct ccrm_err err;

    if (lv->denied || !ui->wake_valid || lv->top <= 0 || lv->top >= lv->buf.n)
        return;
    /* the Feed's rows are the events themselves: every one is a new row */
    int feed = strcmp(lv->e->table, "events") == 0;

    for (i = 0; i < ui->nwake && n < 64; i++) {
        const struct wake_event *we = &ui->wake_ev[i];
        int64_t id = feed ? we->ev_id : we->id;

        if ((!feed && (strcmp(we->entity, lv->e->table) != 0 || strcmp(we->op, "insert") != 0)) ||
            rowbuf_find(&lv->buf, id) >= 0)
            continue;
        for (k = 0; k < n && ids[k] != id; k++)
            ;
        if (k == n)
            ids[n++] = id;
    }
    if (n > 0 &&
        (k = db_list_in_window(app->db, &lv->q, ids, n, NULL, &lv->buf.rows[lv->top], &err)) > 0)
        lv->new_above += k;
}

static void
lv_on_wakeup(struct view *v, struct app *app)
{
    struct listview *lv = (struct listview *)v;

    count_new_above(lv, app);
    if (must_reread(lv, app)) {
        if (trace_enabled())
            trace_event("reread", trace_now());
        reread(lv, app);
    } else {
        v->kept = 1; /* nothing on screen changed: no redraw of the rows */
    }
}

static void
lv_describe(struct view *v, char *buf, size_t n)
{
    struct listview *lv = (struct listview *)v;
    const char *sort = lv->l->sorts[lv->q.sort].name;

    char f[256];
    size_t len;

    filter_text(lv, f, sizeof f);
    len = (size_t)snprintf(buf, n, "%s by %s", lv->v.title, sort);
    if (len < n && lv->search[0] != '\0')
        len += (size_t)snprintf(buf + len, n - len, ", search \"%s\"", lv->search);
    if (len < n && f[0] != '\0')
        len += (size_t)snprintf(buf + len, n - len, ", filter %s", f);
    if (len < n && lv->new_above > 0)
        snprintf(buf + len, n - len, ", %d new above (g)", lv->new_above);
}

static void
lv_free(struct view *v)
{
    struct listview *lv = (struct listview *)v;

    timer_del(&lv->app->timers, lv->hl_timer);
    timer_del(&lv->app->timers, lv->left_timer);
    rowbuf_fini(&lv->buf);
    free(lv);
}

/* ---- what a list answers (struct view_ops, struct list_ops) ---- */

/* The record of the row under the cursor (a Feed or Inbox row is not a record of its own; a
 * Following row is the record it names). */
static int
lv_selected(struct view *v, const struct entity **e, int64_t *id)
{
    struct listview *lv = (struct listview *)v;

    run_pending(lv);
    if (lv->l->names_records && lv->buf.n > 0) {
        /* the record the row names (the Following list): its actions act on it */
        const char *eid = col_of(lv, &lv->buf.rows[lv->cur], "entity_id");

        *e = entity_find(col_of(lv, &lv->buf.rows[lv->cur], "entity"));
        *id = strtoll(eid, NULL, 10);
        return *e != NULL && eid[0] != '\0' ? 0 : -1;
    }
    if (!lv->l->rows_are_records || lv->buf.n == 0)
        return -1;
    *e = lv->e->rows_of != NULL ? entity_find(lv->e->rows_of) : lv->e;
    *id = lv->buf.rows[lv->cur].id;
    return 0;
}

static const struct list_query *
lv_query(struct view *v)
{
    return &((struct listview *)v)->q;
}

static const char *const *
lv_sorts(struct view *v)
{
    return ((struct listview *)v)->sortnames;
}

static int
lv_set_sort(struct view *v, struct app *app, const char *name)
{
    struct listview *lv = (struct listview *)v;
    int i = name != NULL ? entity_sort_index(lv->l, name) : (lv->q.sort + 1) % lv->l->nsorts;

    /* s passes over the orders a partner may not use; named, they are refused */
    while (name == NULL && lv->partner && lv->l->sorts[i].internal)
        i = (i + 1) % lv->l->nsorts;
    if (i < 0)
        return -1;
    if (lv->partner && lv->l->sorts[i].internal) {
        ui_message_error(app, "%s: sort %s is not available to your role", lv->v.title,
                         lv->l->sorts[i].name);
        return 0;
    }
    lv->q.sort = i;
    load_edge(lv, app, 1);
    ui_message(app, "sorted by %s", lv->l->sorts[i].name);
    return 0;
}

static void
lv_filter_text(struct view *v, char *buf, size_t n)
{
    filter_text((struct listview *)v, buf, n);
}

static int
lv_set_filter(struct view *v, struct app *app, const char *text)
{
    struct listview *lv = (struct listview *)v;
    struct ccrm_err err;

    if (parse_filter(lv, app, text, &err) == -1) {
        ui_message_error(app, "%s", err.msg);
        return -1;
    }
    load_edge(lv, app, 1);
    app->ui->dirty = 1;
    return 0;
}

static void
lv_set_search(struct view *v, struct app *app, const char *text)
{
    struct listview *lv = (struct listview *)v;

    str_copy(lv->search, text, sizeof lv->search);
    lv->q.search = lv->search[0] ? lv->search : NULL;
    lv->search_pending = 1; /* reloaded from the top at the next draw */
    app->ui->dirty = 1;
}

/* What n creates here: a record of the list's entity, when its rows are records. */
static const struct entity *
lv_entity(struct view *v)
{
    struct listview *lv = (struct listview *)v;

    if (!lv->l->rows_are_records)
        return NULL;
    return lv->e->rows_of != NULL ? entity_find(lv->e->rows_of) : lv->e;
}

static const struct entity *
lv_own(struct view *v)
{
    return ((struct listview *)v)->e;
}

static int
lv_window(struct view *v, struct event_window *w)
{
    struct listview *lv = (struct listview *)v;

    /* as must_reread: these re-read whatever the events are (or never: denied); a list of
     * records of several kinds has no table of its own: the events of the tables it shows
     * decide (must_reread), not a window's ids */
    if (lv->denied || lv->l->always_reread || lv->l->names_records || !lv->loaded ||
        (lv->buf.n == 0 && !(lv->buf.at_start && lv->buf.at_end)))
        return 0;
    w->q = &lv->q;
    w->entity = lv->e->table;
    w->first = lv->buf.at_start ? NULL : &lv->buf.rows[0];
    w->last = lv->buf.at_end ? NULL : &lv->buf.rows[lv->buf.n - 1];
    w->in_window = 1;
    return 1;
}

/* Put the cursor on record id; a search, then the filter, that hide it are cleared. */
static int
lv_show(struct view *v, struct app *app, int64_t id, char *said, size_t n)
{
    struct listview *lv = (struct listview *)v;
    char search[sizeof lv->search], filter[sizeof lv->ftext[0]];
    struct ccrm_err err;
    int step;

    said[0] = '\0';
    filter_text(lv, filter, sizeof filter);
    str_copy(search, lv->search, sizeof search);
    for (step = 0; step < 3; step++) {
        if (step == 1 && search[0] == '\0')
            continue;
        if (step == 2 && filter[0] == '\0')
            break;
        if (step == 1) {
            lv->search[0] = '\0';
            lv->q.search = NULL;
        } else if (step == 2 && parse_filter(lv, app, "", &err) == -1) {
            break;
        }
        if (view_list_show_record(v, app, id) == 0) {
            if (step == 1)
                snprintf(said, n, " · search \"%s\" cleared to show it", search);
            else if (step == 2)
                snprintf(said, n, " · %s%s%sfilter %s cleared to show it",
                         search[0] ? "search \"" : "", search, search[0] ? "\" and " : "", filter);
            app->ui->dirty = 1;
            return 0;
        }
    }
    /* not in this list even so: as it was */
    str_copy(lv->search, search, sizeof lv->search);
    lv->q.search = lv->search[0] ? lv->search : NULL;
    if (filter[0] != '\0')
        parse_filter(lv, app, filter, &err);
    return -1;
}

static const struct list_ops lv_list_ops = {
    .query = lv_query,
    .sorts = lv_sorts,
    .set_sort = lv_set_sort,
    .filter_text = lv_filter_text,
    .set_filter = lv_set_filter,
    .set_search = lv_set_search,
    .entity = lv_entity,
    .own = lv_own,
    .prefill = lv_prefill,
    .show = lv_show,
};

/* one set of operations per list: they differ only in the help */
#define MAX_LISTS 32
/* x, :read on an Inbox entry: marked read, nothing opened (the live re-read drops its mark and
 * the tab's count) */
static int
lv_act(struct view *v, struct app *app, const struct action *a, const char *arg)
{
    struct listview *lv = (struct listview *)v;
    struct ccrm_err err;
    int64_t id;

    (void)arg;
    if (a->kind != CMD_READ || !(lv->e->actions & ENT_MARK_READ))
        return -1;
    if (lv->buf.n == 0) {
        /* a search or a filter that shows nothing has not emptied the Inbox */
        ui_message(app, narrowed(lv) ? "no inbox entry selected" : "your Inbox is empty");
        return 0;
    }
    id = lv->buf.rows[lv->cur].id;
    if (db_inbox_mark_read(app->db, id, &err) != 0)
        ui_message_error(app, "%s", err.msg);
    else
        ui_message(app, "Inbox entry #%lld marked read", (long long)id);
    app->ui->dirty = 1;
    return 0;
}

static struct view_ops list_ops[MAX_LISTS];
static const struct entity_list *list_of_ops[MAX_LISTS];

struct view *
view_list_new(struct app *app, const struct entity *e)
{
    struct listview *lv = xcalloc(1, sizeof *lv);
    int i, n;

    lv->app = app;
    lv->e = e;
    lv->l = e->list;
    lv->q.e = e;
    lv->partner = db_is_partner(app->db);
    for (i = 0; i < MAX_LISTS && list_of_ops[i] != NULL && list_of_ops[i] != e->list; i++)
        ;
    if (i == MAX_LISTS)
        abort(); /* more lists than MAX_LISTS */
    if (list_of_ops[i] == NULL) {
        struct view_ops o = {
            .draw = lv_draw,
            .handle_key = lv_handle_key,
            .on_wakeup = lv_on_wakeup,
            .describe = lv_describe,
            .help = list_help(e),
            .free = lv_free,
            .selected = lv_selected,
            .list = &lv_list_ops,
            .window = lv_window,
            .act = lv_act,
        };

        list_ops[i] = o;
        list_of_ops[i] = e->list;
    }
    lv->v.ops = &list_ops[i];
    str_copy(lv->v.title, e->list->title, sizeof lv->v.title);
    /* those Tab completes: a partner's without the orders he may not use (as the help) */
    for (i = 0, n = 0; i < e->list->nsorts && n < 15; i++)
        if (!(lv->partner && e->list->sorts[i].internal))
            lv->sortnames[n++] = e->list->sorts[i].name;
    rowbuf_init(&lv->buf);
    lv->height = 20;
    if (e->list->start_filter != NULL) {
        struct ccrm_err err;

        if (parse_filter(lv, app, e->list->start_filter, &err) == -1)
            abort(); /* the registry's own filter is wrong */
    }
    return &lv->v;
}

struct view *
view_list_new_fixed(struct app *app, const struct entity *e, const char *value)
{
    struct listview *lv = (struct listview *)view_list_new(app, e);

    str_copy(lv->fval[0], value, sizeof lv->fval[0]);
    lv->q.filter[0] = lv->fval[0];
    lv->fixed_filter = 1;
    return &lv->v;
}

/* ---- for the pipeline, which is made of list views (src/ui/view_pipeline.c) ---- */

static int
is_list(const struct view *v)
{
    return v->ops >= &list_ops[0] && v->ops < &list_ops[MAX_LISTS];
}

const struct row *
view_list_current(struct view *v)
{
    struct listview *lv = (struct listview *)v;

    if (!is_list(v))
        return NULL;
    run_pending(lv);
    if (lv->buf.n == 0)
        return NULL;
    return &lv->buf.rows[lv->cur];
}

const char *
view_list_sort_name(struct view *v)
{
    struct listview *lv = (struct listview *)v;

    return is_list(v) ? lv->l->sorts[lv->q.sort].name : "";
}

void
view_list_set_active(struct view *v, int active)
{
    if (is_list(v))
        ((struct listview *)v)->inactive = !active;
}

int
view_list_show_record(struct view *v, struct app *app, int64_t id)
{
    struct listview *lv = (struct listview *)v;
    struct ccrm_err err;
    struct row r;

    if (!is_list(v) || db_list_fetch_one(app->db, &lv->q, id, &r, &err) != 1)
        return -1;
    rowbuf_clear(&lv->buf);
    rowbuf_append(&lv->buf, &r, 1);
    lv->cur = lv->top = 0;
    lv->loaded = 1;
    lv->search_pending = 0;
    lv->fill = 1;
    reread(lv, app);
    /* the record with the rows around it, the screen filled: at the top of the list all of
     * what is above it, else a third of a screen above it, and no blank lines under the last
     * row while rows above are hidden */
    if (lv->height > 0) {
        int top = lv->cur - lv->height / 3;

        if (lv->buf.at_start && lv->cur < lv->height)
            top = 0;
        if (lv->buf.at_end && top > lv->buf.n - lv->height)
            top = lv->buf.n - lv->height;
        if (top > lv->cur)
            top = lv->cur;
        lv->top = top > 0 ? top : 0;
    }
    return 0;
}

int
view_list_names_records(struct view *v)
{
    return v != NULL && is_list(v) && ((struct listview *)v)->l->names_records;
}

void
view_list_reload(struct view *v, struct app *app)
{
    if (is_list(v))
        reread((struct listview *)v, app);
}
