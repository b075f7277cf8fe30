/* List queries with keyset pagination: every page is "the next N rows after this key" in an
 * order an index provides, so paging costs the same at row 10 and at row 1,000,000, and no
 * query ever counts the table. What a list is (its FROM clause, columns, sort orders, filters,
 * search) is the registry's (include/ccrm/entity.h); the statements are built from it by
 * src/db/list_sql.c, once per shape, and kept; user text (the search) is always a parameter.
 *
 * A page is fetched by one of three strategies:
 *   - blocks (block_search): the main order of each list is cut into blocks of about 10,000
 *     rows, the database knows which trigrams each block's rows contain (schema/013, 016), and
 *     a search walks only the blocks that have every trigram of the text, so that matches far
 *     down the order are reached without crossing everything before them;
 *   - a window (window_search; a list marked windowed, in an order without blocks, and for
 *     partners, who get no blocks): the matches within the next window of rows in order (an
 *     index-only scan when the sort index INCLUDEs the search column), then, if that did not
 *     fill the page, the rest collected with the trigram index from where the window ended;
 *   - a plain walk (page): every other page, a filtered search included (it walks the
 *     filter's index, selecting the ids from the table alone so that the walk can be
 *     index-only). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"
#include "list_sql.h"

#define SEARCH_WINDOW 20000
/* The blocks' worth of windows walked before the rest of a search is collected with the
 * trigram index instead (the blocks a search names are then mostly ones where its trigrams
 * occur apart); a window is BLOCK_WINDOW rows per block, a little more than a block. */
#define BLOCK_WALK_MAX 24
#define BLOCK_WINDOW 12000

/* The count in environment variable name when it is one from 1 to max, else dflt (tests shrink
 * the search's windows with these). */
static int
env_count(const char *name, long max, int dflt)
{
    const char *v = getenv(name);
    long n = v != NULL ? strtol(v, NULL, 10) : 0;

    return n >= 1 && n <= max ? (int)n : dflt;
}

/* The window in rows; CCRM_SEARCH_WINDOW overrides it, so that tests reach every step of a
 * search with a few thousand rows. */
static int
search_window(void)
{
    return env_count("CCRM_SEARCH_WINDOW", 100000000, SEARCH_WINDOW);
}

/* BLOCK_WALK_MAX; CCRM_BLOCK_WALK_MAX overrides it, so that tests reach the collection. */
static int
block_walk_max(void)
{
    return env_count("CCRM_BLOCK_WALK_MAX", 100000, BLOCK_WALK_MAX);
}

/* ---- statements: built once per shape, kept for the life of the process ---- */

#define STMT_CACHE 256

static struct cached {
    struct list_shape shape;
    struct list_sql sql;
    int uses;
} cache[STMT_CACHE];
static int ncached;

/* The statement of a shape (borrowed: it lives as long as the process), its use counted. With
 * the cache full (more than STMT_CACHE shapes: never in practice), the oldest slot is rebuilt. */
static struct cached *
statement(const struct list_shape *sh)
{
    static int next;
    struct cached *c;
    int i;

    for (i = 0; i < ncached; i++)
        if (memcmp(&cache[i].shape, sh, sizeof *sh) == 0) {
            cache[i].uses++;
            return &cache[i];
        }
    if (ncached < STMT_CACHE) {
        c = &cache[ncached++];
    } else {
        c = &cache[next];
        next = (next + 1) % STMT_CACHE;
    }
    c->shape = *sh;
    c->uses = 1;
    list_sql_build(sh, &c->sql);
    return c;
}

/* A shape for query q (its filters), statement kind and direction; has is filled in by the
 * caller. Zeroed first: shapes are compared byte for byte. */
static void
shape_of(struct list_shape *sh, struct db *db, const struct list_query *q, enum list_stmt stmt,
         int dir)
{
    const struct entity_list *l = q->e->list;
    int i;

    memset(sh, 0, sizeof *sh);
    sh->l = l;
    sh->sort = q->sort;
    sh->stmt = stmt;
    sh->asc = (dir > 0) != (l->sorts[q->sort].desc != 0);
    sh->partner = l->partner_from != NULL && db_is_partner(db);
    for (i = 0; i < l->nfilters && i < LIST_MAX_FILTERS; i++)
        if (q->filter[i] != NULL) {
            sh->filters |= 1u << i;
            sh->fop[i] = q->fop[i];
        }
}

/* The values a query's statements take, by what they are (enum list_arg). */
struct args {
    const char *v[LA_NARGS];
    char idbuf[24], limbuf[16];
};

static void
args_of(struct args *a, const struct list_query *q, const char *pattern, const struct row *from)
{
    int i;

    memset(a, 0, sizeof *a);
    a->v[LA_PATTERN] = pattern;
    for (i = 0; i < LIST_MAX_FILTERS; i++)
        a->v[LA_FILTER0 + i] = q->filter[i];
    if (from != NULL) {
        snprintf(a->idbuf, sizeof a->idbuf, "%" PRId64, from->id);
        a->v[LA_FROM] = from->key;
        a->v[LA_FROM + 1] = from->key2;
        a->v[LA_FROM + 2] = a->idbuf;
    }
}

static PGresult *
run(struct db *db, const struct list_shape *sh, const struct args *a, struct ccrm_err *err)
{
    const struct cached *c = statement(sh);
    const char *params[LIST_SQL_MAX_PARAMS];
    int n = list_sql_params(&c->sql, a->v, params);

    /* A statement whose plan depends on no value (LS_PLAN_ONCE: a row by id, a page with its
     * LIMIT written in, without a search) is prepared from its second run on: every open
     * client re-reads its window at every change it is shown, and planning the joins of the
     * shown columns costs the server several times running them. Other statements are planned
     * for their values each time (a search's pattern and a filter's states decide the plan),
     * except a block's walk and the end of its window without a filter: their plan is the
     * sort index's walk from the start given whatever the values (the ORDER BY and LIMIT of
     * their inner query say so), and planning it for each keystroke's values cost 0.5-0.8 ms
     * of a search keystroke at 1,000,000 accounts. Prepared, the server plans them for their
     * values five times and then keeps the generic plan (plan_cache_mode auto): 0.01 ms.
     * The first run stays one round trip. */
    if (c->uses > 1 && ((c->shape.has & LS_PLAN_ONCE) ||
                        (c->shape.filters == 0 &&
                         (c->shape.stmt == LS_BLOCK_WALK || c->shape.stmt == LS_BLOCK_END))))
        return db_exec_prepared(db, strbuf_str(&c->sql.sql), n, params, err);
    return db_exec(db, strbuf_str(&c->sql.sql), n, params, err);
}

/* ---- rows ---- */

static void
fill_row(const PGresult *res, int i, int ncols, struct row *r)
{
    int c;

    memset(r, 0, sizeof *r);
    r->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    for (c = 0; c < ncols && c < ROW_MAX_COLS; c++)
        r->col[c] = xstrdup(db_val(res, i, 1 + c));
    r->key = db_dup(res, i, 1 + ncols);
    r->key2 = db_dup(res, i, 2 + ncols);
}

/* Run a row statement and append its rows to out[*got ...]. Returns 0 or -1. */
static int
run_rows(struct db *db, const struct list_shape *sh, const struct args *a, int limit,
         struct row *out, int *got, struct ccrm_err *err)
{
    PGresult *res = run(db, sh, a, err);
    int n, i;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n && *got < limit; i++, (*got)++)
        fill_row(res, i, sh->l->ncols, &out[*got]);
    PQclear(res);
    return 0;
}

/* Put backwards-fetched rows (collected nearest-first) into display order. */
static void
reverse(struct row *out, int n)
{
    int i;

    for (i = 0; i < n / 2; i++) {
        struct row t = out[i];

        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
}

/* ---- strategy: a plain walk ---- */

static int
page(struct db *db, const struct list_query *q, const struct args *a0, const struct row *from,
     int dir, int limit, struct row *out, int *got, struct ccrm_err *err)
{
    struct list_shape sh;
    struct args a = *a0;

    shape_of(&sh, db, q, LS_PAGE, dir);
    sh.has = (from != NULL ? LS_FROM : 0) | (a.v[LA_PATTERN] == NULL ? LS_BARE : 0);
    /* no search and no filter: the plan is the same for every key paged from, so the number
     * of rows goes into the statement and it is prepared (run()) */
    if ((sh.has & LS_BARE) && sh.filters == 0) {
        sh.limit = limit;
        sh.has |= LS_PLAN_ONCE;
    }
    snprintf(a.limbuf, sizeof a.limbuf, "%d", limit);
    a.v[LA_LIMIT] = a.limbuf;
    return run_rows(db, &sh, &a, limit, out, got, err);
}

/* ---- strategy: a window, then the trigram index ---- */

static int
window_search(struct db *db, const struct list_query *q, const struct args *a0,
              const struct row *from, int dir, int limit, struct row *out, int *got,
              struct ccrm_err *err)
{
    struct list_shape sh;
    struct args a = *a0;
    PGresult *res;
    char wkey[512], wkey2[512], wid[24];
    /* patterns under three characters have no trigrams: they walk without a bound (they are
     * also the ones that match nearly everywhere) */
    int short_pattern = utf8_len(q->search, strlen(q->search)) < 3;

    /* 1. the matches within the next window of rows in sort order */
    shape_of(&sh, db, q, LS_WINDOW_SCAN, dir);
    sh.has = (from != NULL ? LS_FROM : 0) | (short_pattern ? LS_SHORT : 0);
    sh.window = search_window();
    snprintf(a.limbuf, sizeof a.limbuf, "%d", limit);
    a.v[LA_LIMIT] = a.limbuf;
    if (run_rows(db, &sh, &a, limit, out, got, err) == -1)
        return -1;
    if (*got == limit || short_pattern)
        return 0;
    /* 2. where does the window end? (no row there: the list ended inside it) */
    shape_of(&sh, db, q, LS_WINDOW_END, dir);
    sh.has = from != NULL ? LS_FROM : 0;
    sh.window = search_window();
    if ((res = run(db, &sh, &a, err)) == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0;
    }
    str_copy(wkey, db_val(res, 0, 0), sizeof wkey);
    str_copy(wkey2, db_val(res, 0, 1), sizeof wkey2);
    str_copy(wid, db_val(res, 0, 2), sizeof wid);
    PQclear(res);
    /* 3. the rest of the matches, after the window, collected by the trigram index */
    shape_of(&sh, db, q, LS_WINDOW_REST, dir);
    a.v[LA_FROM] = wkey;
    a.v[LA_FROM + 1] = wkey2;
    a.v[LA_FROM + 2] = wid;
    snprintf(a.limbuf, sizeof a.limbuf, "%d", limit - *got);
    return run_rows(db, &sh, &a, limit, out, got, err);
}

/* ---- strategy: search blocks ---- */

/* One window of rows in order from `from` (a.v[LA_FROM...]), filtered, into out: the first
 * step of a search for one or two characters. Those match nearly everywhere, so the window
 * almost always fills the page, and asking for the blocks first would read every block's
 * trigrams that start with them (a thousand index entries per 20 blocks) for nothing. Returns
 * 1 (done: the page is full, or the list ended inside the window), 0 (walk on through the
 * blocks: a.v[LA_FROM...] is now the window's last row, its key kept in wkey, wkey2, wid) or
 * -1. */
static int
block_first_window(struct db *db, const struct list_query *q, struct args *a, int dir, int limit,
                   struct row *out, int *got, char *wkey, char *wkey2, char *wid,
                   struct ccrm_err *err)
{
    struct list_shape sh;
    PGresult *res;
    int rc = 1;

    shape_of(&sh, db, q, LS_BLOCK_WALK, dir);
    sh.has = a->v[LA_FROM + 2] != NULL ? LS_FROM : 0;
    sh.window = search_window() < BLOCK_WINDOW ? search_window() : BLOCK_WINDOW;
    snprintf(a->limbuf, sizeof a->limbuf, "%d", limit - *got);
    a->v[LA_LIMIT] = a->limbuf;
    if (run_rows(db, &sh, a, limit, out, got, err) == -1)
        return -1;
    if (*got == limit)
        return 1;
    sh.stmt = LS_BLOCK_END;
    if ((res = run(db, &sh, a, err)) == NULL)
        return -1;
    if (PQntuples(res) == 1) {
        str_copy(wkey, db_val(res, 0, 0), 512);
        str_copy(wkey2, db_val(res, 0, 1), 512);
        str_copy(wid, db_val(res, 0, 2), 24);
        a->v[LA_FROM] = wkey;
        a->v[LA_FROM + 1] = wkey2;
        a->v[LA_FROM + 2] = wid;
        rc = 0;
    }
    PQclear(res);
    return rc;
}

/* A search through the blocks of the list's order (schema/013, see the top): ask which blocks
 * can hold matches after `from`, walk them in order on the covering sort index (a run of
 * neighbouring blocks as one stretch, a window of BLOCK_WINDOW rows per block; a stretch that
 * goes on past its window is walked on from the window's end) until the page is full. When
 * BLOCK_WALK_MAX blocks' worth of windows did not fill it, the rest of the matches from there
 * on are collected with the trigram index. One or two characters walk one window first
 * (block_first_window). Returns 1 (rows in out, *got), 0 (the blocks cannot tell: search
 * otherwise; out holds no rows) or -1. */
static int
block_search(struct db *db, const struct list_query *q, const struct args *a0, int dir, int limit,
             struct row *out, int *got, struct ccrm_err *err)
{
    const struct entity_sort *s = &q->e->list->sorts[q->sort];
    int asc = (dir > 0) != (s->desc != 0);
    char wkey[512], wkey2[512], wid[24]; /* where a window ended inside its stretch */
    char fkey[512], fkey2[512], fid[24]; /* where the first window ended */
    struct list_shape sh;
    struct args a = *a0;
    PGresult *blocks;
    const char *bp[7];
    int nb, i, next, windows = 0, window, rc = -1, rest = 0;

    /* (the window filters the search column alone: only where that is the whole search; Tickets
     * also match through their account) */
    if (utf8_len(q->search, strlen(q->search)) < 3 && !db_is_partner(db) &&
        strcmp(q->e->list->search, ENTITY_SEARCH_COLUMN) == 0) {
        int r = block_first_window(db, q, &a, dir, limit, out, got, fkey, fkey2, fid, err);

        if (r != 0)
            return r;
    }
    bp[0] = s->blocks;
    bp[1] = q->search;
    bp[2] = a.v[LA_PATTERN];
    bp[3] = asc ? "t" : "f";
    bp[4] = a.v[LA_FROM];
    bp[5] = a.v[LA_FROM + 1];
    bp[6] = a.v[LA_FROM + 2];
    /* prepared: the same statement at every keystroke, its plan the same for every value
     * (parsing and planning it was a quarter of a millisecond of each) */
    blocks = db_exec_prepared(db,
                              "SELECT usable, blk, lo1, lo2, loid, hi1, hi2, hiid"
                              " FROM ccrm_search_blocks($1, $2, $3, $4::boolean, $5, $6, $7)",
                              7, bp, err);
    if (blocks == NULL)
        return -1;
    nb = PQntuples(blocks);
    if (nb >= 1 && strcmp(PQgetvalue(blocks, 0, 0), "f") == 0) {
        /* (rare after a first window: a long queue, or rows matching through another table)
         * the caller searches otherwise, from the start */
        for (i = 0; i < *got; i++)
            row_fini(&out[i]);
        *got = 0;
        rc = 0;
        goto out;
    }
    window = search_window() < BLOCK_WINDOW ? search_window() : BLOCK_WINDOW;
    for (i = 0; i < nb && *got < limit; i = next) {
        const char *lo[3], *hi[3];
        int j, run_len;

        /* a run of blocks next to each other in the walk is walked as one stretch */
        for (next = i + 1; next < nb; next++)
            if (abs(atoi(PQgetvalue(blocks, next, 1)) - atoi(PQgetvalue(blocks, next - 1, 1))) != 1)
                break;
        run_len = next - i;
        for (j = 0; j < 3; j++) {
            int first = asc ? i : next - 1, last = asc ? next - 1 : i;

            lo[j] = PQgetisnull(blocks, first, 2 + j) ? NULL : PQgetvalue(blocks, first, 2 + j);
            hi[j] = PQgetisnull(blocks, last, 5 + j) ? NULL : PQgetvalue(blocks, last, 5 + j);
        }
        for (j = 0; j < 3; j++) {
            a.v[LA_START + j] = asc ? lo[j] : hi[j];
            a.v[LA_END + j] = asc ? hi[j] : lo[j];
        }
        if (windows >= block_walk_max()) {
            rest = 1; /* the rest: from this stretch on, in walking order */
            break;
        }
        windows += run_len;
        /* the stretch's rows after `from`, a window of them, filtered */
        shape_of(&sh, db, q, LS_BLOCK_WALK, dir);
        sh.has = (a.v[LA_START + 2] != NULL ? LS_START : 0) |
                 (a.v[LA_FROM + 2] != NULL ? LS_FROM : 0) | (a.v[LA_END + 2] != NULL ? LS_END : 0);
        sh.window = run_len * window; /* (a statement for each length of stretch) */
        snprintf(a.limbuf, sizeof a.limbuf, "%d", limit - *got);
        a.v[LA_LIMIT] = a.limbuf;
        if (run_rows(db, &sh, &a, limit, out, got, err) == -1)
            goto out;
        if (*got == limit)
            break;
        /* the page is not full: did the window end inside the stretch? Then walk on from its
         * last row. */
        sh.stmt = LS_BLOCK_END;
        {
            PGresult *res = run(db, &sh, &a, err);

            if (res == NULL)
                goto out;
            if (PQntuples(res) == 1) {
                str_copy(wkey, db_val(res, 0, 0), sizeof wkey);
                str_copy(wkey2, db_val(res, 0, 1), sizeof wkey2);
                str_copy(wid, db_val(res, 0, 2), sizeof wid);
                a.v[LA_FROM] = wkey;
                a.v[LA_FROM + 1] = wkey2;
                a.v[LA_FROM + 2] = wid;
                next = i;
            }
            PQclear(res);
        }
    }
    if (*got < limit && rest) {
        shape_of(&sh, db, q, LS_BLOCK_REST, dir);
        sh.has =
            (a.v[LA_START + 2] != NULL ? LS_START : 0) | (a.v[LA_FROM + 2] != NULL ? LS_FROM : 0);
        snprintf(a.limbuf, sizeof a.limbuf, "%d", limit - *got);
        a.v[LA_LIMIT] = a.limbuf;
        if (run_rows(db, &sh, &a, limit, out, got, err) == -1)
            goto out;
    }
    rc = 1;
out:
    PQclear(blocks);
    return rc;
}

/* ---- the filters' values ---- */

/* A query with its filters' values as the filters compare them (list_filter_value): a value
 * of a fixed set (department=Support, kind=SLA_breach) in its stored spelling, one outside the
 * set refused, naming it. Read here, where every list query passes (a view, its export, the
 * live window checks), so whoever set the filter gets the same; the values live in val. */
struct filtered {
    struct list_query q;
    char val[LIST_MAX_FILTERS][1024];
};

/* The next value of a text array literal at *p ('{"open","pending"}', as the prompt writes
 * it: quotes and backslashes escaped) into v (cap bytes); 0 at its end. */
static int
array_item(const char **p, char *v, size_t cap)
{
    const char *s = *p;
    size_t n = 0;

    if (*s == '{' || *s == ',')
        s++;
    if (*s == '}' || *s == '\0')
        return 0;
    if (*s == '"') {
        for (s++; *s != '\0' && *s != '"'; s++) {
            if (*s == '\\' && s[1] != '\0')
                s++;
            if (n + 1 < cap)
                v[n++] = *s;
        }
        if (*s == '"')
            s++;
    } else {
        for (; *s != '\0' && *s != ',' && *s != '}'; s++)
            if (n + 1 < cap)
                v[n++] = *s;
    }
    v[n] = '\0';
    *p = s;
    return 1;
}

int
list_filter_value(const struct entity *e, int filter, const char *in, char *out, size_t cap,
                  struct ccrm_err *err)
{
    const struct entity_filter *f = &e->list->filters[filter];
    struct value_err ve;

    if (entity_filter_value(e, f, in, out, cap, &ve) == -1) {
        err_set(err, "filter %s: \"%s\" is refused: %s", f->name, in, ve.msg);
        return -1;
    }
    return 0;
}

static int
filter_values(const struct list_query *q, struct filtered *o, struct ccrm_err *err)
{
    const struct entity_list *l = q->e->list;
    char v[256], norm[256];
    int i;

    o->q = *q;
    for (i = 0; i < l->nfilters && i < LIST_MAX_FILTERS; i++) {
        const struct entity_filter *f = &l->filters[i];
        const char *p = q->filter[i];
        struct strbuf b = STRBUF_INIT;
        const char *c;

        if (p == NULL || (f->field == NULL && f->choices == NULL) || q->fop[i] == LF_NONE ||
            q->fop[i] == LF_SOME)
            continue;
        if (q->fop[i] != LF_IN && q->fop[i] != LF_NOT_IN) {
            if (list_filter_value(q->e, i, p, o->val[i], sizeof o->val[i], err) == -1)
                return -1;
            o->q.filter[i] = o->val[i];
            continue;
        }
        strbuf_puts(&b, "{");
        while (array_item(&p, v, sizeof v)) {
            if (list_filter_value(q->e, i, v, norm, sizeof norm, err) == -1) {
                strbuf_fini(&b);
                return -1;
            }
            strbuf_puts(&b, strbuf_str(&b)[1] != '\0' ? ",\"" : "\"");
            for (c = norm; *c != '\0'; c++)
                strbuf_printf(&b, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
            strbuf_puts(&b, "\"");
        }
        strbuf_puts(&b, "}");
        str_copy(o->val[i], strbuf_str(&b), sizeof o->val[i]);
        strbuf_fini(&b);
        o->q.filter[i] = o->val[i];
    }
    return 0;
}

/* ---- the list API (include/ccrm/db.h) ---- */

int
db_list_fetch(struct db *db, const struct list_query *q0, const struct row *from, int dir,
              int limit, struct row *out, struct ccrm_err *err)
{
    const struct entity_list *l = q0->e->list;
    int searching = q0->search != NULL && q0->search[0] != '\0';
    int got = 0, rc = -1, filtered = 0, f, r = 0;
    const struct list_query *q;
    struct filtered *fq = xmalloc(sizeof *fq);
    char *pattern;
    struct args a;

    if (filter_values(q0, fq, err) == -1) {
        free(fq);
        return -1;
    }
    q = &fq->q;
    pattern = searching ? like_contains(q->search) : NULL;
    for (f = 0; f < LIST_MAX_FILTERS; f++)
        if (q->filter[f] != NULL)
            filtered = 1;
    args_of(&a, q, pattern, from);
    if (searching && l->sorts[q->sort].blocks != NULL && !filtered)
        r = block_search(db, q, &a, dir, limit, out, &got, err);
    if (r == 0 && searching && l->windowed && !filtered)
        r = window_search(db, q, &a, from, dir, limit, out, &got, err) == 0 ? 1 : -1;
    if (r == 0)
        r = page(db, q, &a, from, dir, limit, out, &got, err) == 0 ? 1 : -1;
    if (r == 1) {
        if (dir < 0)
            reverse(out, got);
        rc = got;
    } else {
        int i;

        for (i = 0; i < got; i++)
            row_fini(&out[i]);
    }
    free(pattern);
    free(fq);
    return rc;
}

int
db_list_fetch_one(struct db *db, const struct list_query *q0, int64_t id, struct row *out,
                  struct ccrm_err *err)
{
    int searching = q0->search != NULL && q0->search[0] != '\0';
    const struct list_query *q;
    struct filtered *fq = xmalloc(sizeof *fq);
    struct list_shape sh;
    char *pattern;
    struct args a;
    PGresult *res;
    int n;

    if (filter_values(q0, fq, err) == -1) {
        free(fq);
        return -1;
    }
    q = &fq->q;
    pattern = searching ? like_contains(q->search) : NULL;
    args_of(&a, q, pattern, NULL);
    snprintf(a.idbuf, sizeof a.idbuf, "%" PRId64, id);
    a.v[LA_ID] = a.idbuf;
    shape_of(&sh, db, q, LS_ONE, 1);
    /* without a search, a lookup by id whatever the filters: planned once */
    if (!searching)
        sh.has = LS_BARE | LS_PLAN_ONCE;
    res = run(db, &sh, &a, err);
    free(pattern);
    free(fq);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n > 0)
        fill_row(res, 0, q0->e->list->ncols, out);
    PQclear(res);
    return n > 0;
}

char *
list_window_sql(struct db *db, const struct list_query *q, const char *ids_cond,
                const struct row *first, const struct row *last, const char **params, int *np,
                char keys[2][24])
{
    /* the values must outlive the call (the caller runs the statement): the window of the one
     * list a client's live changes are checked against at a time. A refused value was said
     * when the list was read; here it stays as typed (it matches nothing). */
    static struct filtered fq;
    struct strbuf b = STRBUF_INIT;

    if (filter_values(q, &fq, NULL) == 0)
        q = &fq.q;
    list_sql_in_window(&b, q, db_is_partner(db), ids_cond, first, last, params, np, keys);
    return strbuf_steal(&b);
}

char *
list_window_pattern(const struct list_query *q)
{
    return q->search != NULL && q->search[0] != '\0' ? like_contains(q->search) : NULL;
}

int
db_list_in_window(struct db *db, const struct list_query *q, const int64_t *ids, int n,
                  const struct row *first, const struct row *last, struct ccrm_err *err)
{
    char *pattern;
    char keys[2][24];
    struct strbuf idlist = STRBUF_INIT, sql = STRBUF_INIT;
    const char *params[8 + LIST_MAX_FILTERS];
    struct filtered *fq = xmalloc(sizeof *fq);
    int np = 0, i, found;
    PGresult *res;

    if (filter_values(q, fq, err) == -1) {
        free(fq);
        return -1;
    }
    q = &fq->q;
    pattern = list_window_pattern(q);
    strbuf_puts(&idlist, "{");
    for (i = 0; i < n; i++)
        strbuf_printf(&idlist, "%s%lld", i ? "," : "", (long long)ids[i]);
    strbuf_puts(&idlist, "}");
    params[np++] = pattern;
    params[np++] = strbuf_str(&idlist);
    list_sql_in_window(&sql, q, db_is_partner(db), "a.id = ANY($2::bigint[])", first, last, params,
                       &np, keys);
    /* asked by every client on every change: worth preparing (its plan is a lookup by id) */
    res = db_exec_prepared(db, strbuf_str(&sql), np, params, err);
    strbuf_fini(&sql);
    strbuf_fini(&idlist);
    free(pattern);
    free(fq);
    if (res == NULL)
        return -1;
    found = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}
