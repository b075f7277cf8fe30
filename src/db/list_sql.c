/* The SQL of the list statements (src/db/list_sql.h), from the registry's fixed fragments: the
 * list's FROM clause and bare table, its columns, the sort's key expressions and types, the
 * filters' expressions. Nothing here comes from a user: every value is a parameter $n, and
 * out->arg says which value each one is. See src/db/list.c for when each statement runs. */
#include <stdio.h>
#include <string.h>

#include "ccrm/util.h"
#include "list_sql.h"

static const struct entity_sort *
sort_of(const struct list_shape *sh)
{
    return &sh->l->sorts[sh->sort];
}

/* The FROM a walk in this order reads: the order's own (the Tickets by time left walk the SLA
 * clocks), else the list's bare table. */
static const char *
base_of(const struct list_shape *sh)
{
    const char *b = sort_of(sh)->base;

    return b != NULL ? b : sh->l->base;
}

/* The list's FROM (for partners its partner_from) and column i's expression. */
static const char *
from_of(const struct list_shape *sh)
{
    return sh->partner ? sh->l->partner_from : sh->l->from;
}

static const char *
col_sql(const struct list_shape *sh, int i)
{
    const struct entity_column *c = &sh->l->cols[i];

    return sh->partner && c->partner_sql != NULL ? c->partner_sql : c->sql;
}

/* Take the next parameter for value a; returns its number. */
static int
arg(struct list_sql *o, enum list_arg a)
{
    o->arg[o->nargs] = a;
    return ++o->nargs;
}

/* "a.id, <columns>, (key)::text, (key2)::text": what every row query returns */
static void
add_select(struct strbuf *b, const struct list_shape *sh)
{
    const struct entity_sort *s = sort_of(sh);
    int i;

    strbuf_puts(b, "a.id");
    for (i = 0; i < sh->l->ncols; i++)
        strbuf_printf(b, ", %s", col_sql(sh, i));
    strbuf_printf(b, ", (%s)::text, (%s)::text", s->key, s->key2 ? s->key2 : "NULL");
}

/* "k1 ASC[, k2 ASC], id ASC" in the walking direction */
static void
add_order(struct strbuf *b, const struct entity_sort *s, int asc, const char *k1, const char *k2,
          const char *id)
{
    const char *d = asc ? "ASC" : "DESC";

    if (s->key2)
        strbuf_printf(b, "%s %s, %s %s, %s %s", k1, d, k2, d, id, d);
    else
        strbuf_printf(b, "%s %s, %s %s", k1, d, id, d);
}

/* "(k1[, k2], id) op ($p::type[, $p+1::text], $p+2::bigint)" with the key values of kind
 * first (LA_FROM, LA_START, LA_END: key, key2, id). Opaque: each value a sub-select,
 * "((SELECT $p::type), ...)", which the planner cannot look into even when it knows the values:
 * a statement prepared to be planned once (LS_PLAN_ONCE) then costs the same for every key, and
 * PostgreSQL keeps its generic plan instead of planning each run for the key's position (the
 * index still walks from it). */
static void
row_cond(struct strbuf *b, struct list_sql *o, const struct entity_sort *s, const char *op,
         const char *k1, const char *k2, const char *id, enum list_arg first, int opaque)
{
    int p1 = arg(o, first), p2 = s->key2 ? arg(o, first + 1) : 0, p3 = arg(o, first + 2);
    const char *l = opaque ? "(SELECT " : "", *r = opaque ? ")" : "";

    if (s->key2)
        strbuf_printf(b, "(%s, %s, %s) %s (%s$%d::%s%s, %s$%d::text%s, %s$%d::bigint%s)", k1, k2,
                      id, op, l, p1, s->keytype, r, l, p2, r, l, p3, r);
    else
        strbuf_printf(b, "(%s, %s) %s (%s$%d::%s%s, %s$%d::bigint%s)", k1, id, op, l, p1,
                      s->keytype, r, l, p3, r);
}

static void
add_row_cond(struct strbuf *b, struct list_sql *o, const struct entity_sort *s, const char *op,
             const char *k1, const char *k2, const char *id, enum list_arg first)
{
    row_cond(b, o, s, op, k1, k2, id, first, 0);
}

/* " AND <expr compared with $p>" for operator op, the value (each value of a list) going
 * through the SQL function read first when read is not NULL (entity_filter.read) */
static void
filter_cond(struct strbuf *b, const char *expr, const char *read, int op, int p)
{
    char v[96], vs[160];

    if (read != NULL) {
        snprintf(v, sizeof v, "%s($%d)", read, p);
        snprintf(vs, sizeof vs, "ARRAY(SELECT %s(x)::text FROM unnest($%d::text[]) x)", read, p);
    } else {
        snprintf(v, sizeof v, "$%d", p);
        snprintf(vs, sizeof vs, "$%d::text[]", p);
    }
    switch (op) {
    case LF_NE: /* status!=closed: a row without one is not closed either */
        strbuf_printf(b, " AND %s IS DISTINCT FROM %s", expr, v);
        break;
    case LF_IN: /* status=open,pending (as text: the filter's expression may be a number) */
        strbuf_printf(b, " AND %s::text = ANY (%s)", expr, vs);
        break;
    case LF_NOT_IN:
        strbuf_printf(b, " AND (%s IS NULL OR NOT %s::text = ANY (%s))", expr, expr, vs);
        break;
    case LF_NONE: /* assignee=none */
        strbuf_printf(b, " AND %s IS NULL", expr);
        break;
    case LF_SOME: /* assignee!=none */
        strbuf_printf(b, " AND %s IS NOT NULL", expr);
        break;
    default:
        strbuf_printf(b, " AND %s = %s", expr, v);
        break;
    }
}

void
list_sql_filter_cond(struct strbuf *b, const char *expr, int op, int p)
{
    filter_cond(b, expr, NULL, op, p);
}

/* filter f's condition (its read function applied to the value); the values of a computed one
 * through its `is` function (entity_filter.is): the planner, knowing them, folds each call to
 * conditions on stored columns an index can walk (schema/039). A value past the list's end is
 * NULL, and so is its call: the OR drops it (a longer list, which the client refuses, is
 * compared state by state). */
static void
add_filter(struct strbuf *b, const struct entity_filter *f, int op, int p)
{
    int i;

    if (f->is != NULL && f->read == NULL && op == LF_EQ) {
        strbuf_printf(b, " AND %s$%d)", f->is, p);
        return;
    }
    if (f->is != NULL && f->read == NULL && op == LF_IN) {
        strbuf_printf(
            b,
            " AND CASE WHEN cardinality($%d::text[]) > %d THEN %s::text = ANY ($%d::text[]) ELSE (",
            p, LIST_FILTER_VALUES_MAX, f->sql, p);
        for (i = 1; i <= LIST_FILTER_VALUES_MAX; i++)
            strbuf_printf(b, "%s%s($%d::text[])[%d])", i > 1 ? " OR " : "", f->is, p, i);
        strbuf_puts(b, ") END");
        return;
    }
    if (f->match == FILTER_EXACT || op == LF_NONE || op == LF_SOME) {
        filter_cond(b, f->sql, f->read, op, p);
        return;
    }
    /* ignoring case and accents (entity_filter.match): the value folded, as a search's
     * pattern is; free text folded on both sides, a column of folded values (logins) compared
     * as stored, so that `owner=Sam` still walks the owner's index in the list's order */
    if (f->match == FILTER_TEXT) {
        struct strbuf ex = STRBUF_INIT;

        strbuf_printf(&ex, "ccrm_fold(%s)", f->sql);
        filter_cond(b, strbuf_str(&ex), "ccrm_fold", op, p);
        strbuf_fini(&ex);
        return;
    }
    filter_cond(b, f->sql, "ccrm_fold", op, p);
}

/* the condition of every filter that is set; a value only where the operator takes one */
static void
add_filters(struct strbuf *b, struct list_sql *o, const struct list_shape *sh)
{
    int i;

    for (i = 0; i < sh->l->nfilters && i < LIST_MAX_FILTERS; i++)
        if (sh->filters & (1u << i))
            add_filter(b, &sh->l->filters[i], sh->fop[i],
                       sh->fop[i] == LF_NONE || sh->fop[i] == LF_SOME
                           ? 0
                           : arg(o, (enum list_arg)(LA_FILTER0 + i)));
}

/* "after the row paged from" (TRUE from the start): the walk of a page and of a window */
static void
add_after(struct strbuf *b, struct list_sql *o, const struct list_shape *sh)
{
    const struct entity_sort *s = sort_of(sh);

    if (sh->has & LS_FROM)
        row_cond(b, o, s, sh->asc ? ">" : "<", s->key, s->key2, "a.id", LA_FROM,
                 (sh->has & LS_PLAN_ONCE) != 0);
    else
        strbuf_puts(b, "TRUE");
}

/* A stretch of blocks: "TRUE AND from its first key on AND after the row paged from". */
static void
add_stretch(struct strbuf *b, struct list_sql *o, const struct list_shape *sh)
{
    const struct entity_sort *s = sort_of(sh);

    strbuf_puts(b, "TRUE");
    if (sh->has & LS_START) {
        strbuf_puts(b, " AND ");
        add_row_cond(b, o, s, sh->asc ? ">=" : "<", s->key, s->key2, "a.id", LA_START);
    }
    if (sh->has & LS_FROM) {
        strbuf_puts(b, " AND ");
        add_row_cond(b, o, s, sh->asc ? ">" : "<", s->key, s->key2, "a.id", LA_FROM);
    }
}

/* The stretch's far end, tested outside the window on its keys w.k1, w.k2, w.id: a btree scan
 * stops at a row comparison only on its first column, and in an order of last change many
 * rows can share it. */
static void
add_far(struct strbuf *b, struct list_sql *o, const struct list_shape *sh)
{
    strbuf_puts(b, "TRUE");
    if (sh->has & LS_END) {
        strbuf_puts(b, " AND ");
        add_row_cond(b, o, sort_of(sh), sh->asc ? "<" : ">=", "w.k1", "w.k2", "w.id", LA_END);
    }
}

/* " LIMIT n": the shape's own number when it has one (a statement prepared and planned once
 * needs it: a LIMIT parameter makes PostgreSQL plan for a tenth of the table), else $lim. */
static void
add_limit(struct strbuf *b, const struct list_shape *sh, int lim)
{
    if (sh->limit > 0)
        strbuf_printf(b, " LIMIT %d", sh->limit);
    else
        strbuf_printf(b, " LIMIT $%d", lim);
}

static void
build_page(const struct list_shape *sh, struct list_sql *o)
{
    const struct entity_sort *s = sort_of(sh);
    struct strbuf *b = &o->sql;
    struct strbuf filt = STRBUF_INIT, after = STRBUF_INIT;
    /* no search: no pattern parameter, so the plan depends on no searched value */
    int bare = (sh->has & LS_BARE) != 0;
    /* and no joined columns: one walk of the table, which a new server process plans in a
     * third of the time of the join (the first screen's statement) */
    int plain = bare && strcmp(from_of(sh), base_of(sh)) == 0;
    int lim = 0;

    if (!bare)
        arg(o, LA_PATTERN);
    add_filters(&filt, o, sh);
    add_after(&after, o, sh);
    if (sh->limit <= 0)
        lim = arg(o, LA_LIMIT);
    strbuf_puts(b, "SELECT ");
    add_select(b, sh);
    if (plain) {
        strbuf_printf(b, " FROM %s WHERE %s%s ORDER BY ", from_of(sh), strbuf_str(&after),
                      strbuf_str(&filt));
        add_order(b, s, sh->asc, s->key, s->key2, "a.id");
        add_limit(b, sh, lim);
    } else {
        /* the ids first, from the table alone: the walk can be an index-only scan of a
         * covering index, and the joins of the shown columns run for the page's rows only,
         * whatever the planner guesses about the keyset */
        strbuf_printf(b, " FROM %s JOIN (SELECT a.id FROM %s WHERE ", from_of(sh), base_of(sh));
        if (!bare)
            strbuf_printf(b, "($1::text IS NULL OR %s) AND ", sh->l->search);
        strbuf_printf(b, "%s%s ORDER BY ", strbuf_str(&after), strbuf_str(&filt));
        add_order(b, s, sh->asc, s->key, s->key2, "a.id");
        add_limit(b, sh, lim);
        strbuf_puts(b, ") h ON h.id = a.id ORDER BY ");
        add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    }
    strbuf_fini(&filt);
    strbuf_fini(&after);
}

static void
build_one(const struct list_shape *sh, struct list_sql *o)
{
    struct strbuf *b = &o->sql;
    int id;

    if (!(sh->has & LS_BARE))
        arg(o, LA_PATTERN);
    id = arg(o, LA_ID);
    strbuf_puts(b, "SELECT ");
    add_select(b, sh);
    strbuf_printf(b, " FROM %s WHERE a.id = $%d", from_of(sh), id);
    if (!(sh->has & LS_BARE))
        strbuf_printf(b, " AND ($1::text IS NULL OR %s)", sh->l->search);
    if (sort_of(sh)->cond != NULL)
        strbuf_printf(b, " AND %s", sort_of(sh)->cond);
    add_filters(b, o, sh);
}

static void
build_window_scan(const struct list_shape *sh, struct list_sql *o)
{
    const struct entity_sort *s = sort_of(sh);
    struct strbuf *b = &o->sql;
    struct strbuf after = STRBUF_INIT;
    int lim;

    arg(o, LA_PATTERN);
    add_after(&after, o, sh);
    lim = arg(o, LA_LIMIT);
    /* a short pattern walks without a bound: the huge LIMIT keeps the planner from flattening
     * the walk into a parallel sequential scan and sort of the whole table (490 ms vs 5 ms) */
    strbuf_puts(b, "SELECT ");
    add_select(b, sh);
    strbuf_printf(b,
                  " FROM %s JOIN (SELECT w.id FROM (SELECT a.id, a.search, %s AS k1, %s AS k2"
                  " FROM %s WHERE %s ORDER BY ",
                  from_of(sh), s->key, s->key2 ? s->key2 : "NULL", from_of(sh), strbuf_str(&after));
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    strbuf_printf(b, " LIMIT %d) w WHERE w.search LIKE ccrm_fold($1) ORDER BY ",
                  sh->has & LS_SHORT ? 2147483647 : sh->window);
    add_order(b, s, sh->asc, "w.k1", "w.k2", "w.id");
    strbuf_printf(b, " LIMIT $%d) h ON h.id = a.id ORDER BY ", lim);
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    strbuf_fini(&after);
}

static void
build_window_end(const struct list_shape *sh, struct list_sql *o)
{
    const struct entity_sort *s = sort_of(sh);
    struct strbuf *b = &o->sql;
    struct strbuf after = STRBUF_INIT;

    add_after(&after, o, sh);
    strbuf_printf(b, "SELECT (%s)::text, (%s)::text, a.id FROM %s WHERE %s ORDER BY ", s->key,
                  s->key2 ? s->key2 : "NULL", from_of(sh), strbuf_str(&after));
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    strbuf_printf(b, " OFFSET %d LIMIT 1", sh->window - 1);
    strbuf_fini(&after);
}

static void
build_window_rest(const struct list_shape *sh, struct list_sql *o)
{
    const struct entity_sort *s = sort_of(sh);
    struct strbuf *b = &o->sql;
    struct strbuf ks = STRBUF_INIT;
    int lim;

    arg(o, LA_PATTERN);
    add_row_cond(&ks, o, s, sh->asc ? ">" : "<", "m.k1", "m.k2", "m.id", LA_FROM);
    lim = arg(o, LA_LIMIT);
    strbuf_printf(b,
                  "WITH m AS MATERIALIZED (SELECT a.id, %s AS k1, %s AS k2 FROM %s"
                  " WHERE a.search LIKE ccrm_fold($1)) SELECT ",
                  s->key, s->key2 ? s->key2 : "NULL", from_of(sh));
    add_select(b, sh);
    strbuf_printf(b, " FROM %s JOIN (SELECT m.id FROM m WHERE %s ORDER BY ", from_of(sh),
                  strbuf_str(&ks));
    add_order(b, s, sh->asc, "m.k1", "m.k2", "m.id");
    strbuf_printf(b, " LIMIT $%d) h ON h.id = a.id ORDER BY ", lim);
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    strbuf_fini(&ks);
}

/* The rows of a block statement's window: " LIMIT n" (how, " LIMIT "), or the offset of its
 * last row, " OFFSET n - 1" (how, " OFFSET "). Written in when the shape says how many
 * (window > 0), so that a generic plan knows it (src/db/list.c prepares these statements:
 * with the window a parameter, the server's generic plan assumed a tenth of the table and was
 * never taken); else a parameter, LA_WINDOW. */
static void
add_window_limit(struct strbuf *b, struct list_sql *o, const struct list_shape *sh, const char *how)
{
    int last = strcmp(how, " OFFSET ") == 0;

    if (sh->window > 0)
        strbuf_printf(b, "%s%d", how, last ? sh->window - 1 : sh->window);
    else
        strbuf_printf(b, "%s$%d%s", how, arg(o, LA_WINDOW), last ? " - 1" : "");
}

static void
build_block_walk(const struct list_shape *sh, struct list_sql *o)
{
    const struct entity_sort *s = sort_of(sh);
    struct strbuf *b = &o->sql;
    struct strbuf cond = STRBUF_INIT, far = STRBUF_INIT;
    int lim;

    arg(o, LA_PATTERN);
    add_stretch(&cond, o, sh);
    add_far(&far, o, sh);
    lim = arg(o, LA_LIMIT);
    strbuf_puts(b, "SELECT ");
    add_select(b, sh);
    strbuf_printf(b,
                  " FROM %s JOIN (SELECT w.id FROM (SELECT a.id, a.search, %s AS k1, %s AS k2"
                  " FROM %s WHERE %s ORDER BY ",
                  from_of(sh), s->key, s->key2 ? s->key2 : "NULL", base_of(sh), strbuf_str(&cond));
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    add_window_limit(b, o, sh, " LIMIT ");
    /* (the pattern folded once, as a sub-select: in the generic plan of a prepared walk
     * ccrm_fold($1) is no constant and was called for every row walked, 5 ms of 12,000) */
    strbuf_printf(b, ") w WHERE w.search LIKE (SELECT ccrm_fold($1)) AND %s ORDER BY ",
                  strbuf_str(&far));
    add_order(b, s, sh->asc, "w.k1", "w.k2", "w.id");
    strbuf_printf(b, " LIMIT $%d) h ON h.id = a.id ORDER BY ", lim);
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    strbuf_fini(&cond);
    strbuf_fini(&far);
}

static void
build_block_end(const struct list_shape *sh, struct list_sql *o)
{
    const struct entity_sort *s = sort_of(sh);
    struct strbuf *b = &o->sql;
    struct strbuf cond = STRBUF_INIT, far = STRBUF_INIT;

    arg(o, LA_PATTERN);
    add_stretch(&cond, o, sh);
    add_far(&far, o, sh);
    /* an index-only walk without the filter: a third of the walk's cost */
    strbuf_printf(b,
                  "SELECT w.k1::text, w.k2::text, w.id::text FROM (SELECT %s AS k1, %s AS k2, a.id"
                  " FROM %s WHERE $1::text IS NOT NULL AND %s ORDER BY ",
                  s->key, s->key2 ? s->key2 : "NULL", base_of(sh), strbuf_str(&cond));
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    add_window_limit(b, o, sh, " OFFSET ");
    strbuf_printf(b, " LIMIT 1) w WHERE %s", strbuf_str(&far));
    strbuf_fini(&cond);
    strbuf_fini(&far);
}

static void
build_block_rest(const struct list_shape *sh, struct list_sql *o)
{
    const struct entity_sort *s = sort_of(sh);
    struct strbuf *b = &o->sql;
    struct strbuf cond = STRBUF_INIT;
    int lim;

    arg(o, LA_PATTERN);
    add_stretch(&cond, o, sh);
    lim = arg(o, LA_LIMIT);
    strbuf_puts(b, "SELECT ");
    add_select(b, sh);
    strbuf_printf(b,
                  " FROM %s JOIN (SELECT a.id FROM (SELECT * FROM %s"
                  " WHERE a.search LIKE ccrm_fold($1) OFFSET 0) a WHERE %s ORDER BY ",
                  from_of(sh), base_of(sh), strbuf_str(&cond));
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    strbuf_printf(b, " LIMIT $%d) h ON h.id = a.id ORDER BY ", lim);
    add_order(b, s, sh->asc, s->key, s->key2, "a.id");
    strbuf_fini(&cond);
}

void
list_sql_build(const struct list_shape *sh, struct list_sql *out)
{
    strbuf_reset(&out->sql);
    out->nargs = 0;
    switch (sh->stmt) {
    case LS_PAGE:
        build_page(sh, out);
        break;
    case LS_ONE:
        build_one(sh, out);
        break;
    case LS_WINDOW_SCAN:
        build_window_scan(sh, out);
        break;
    case LS_WINDOW_END:
        build_window_end(sh, out);
        break;
    case LS_WINDOW_REST:
        build_window_rest(sh, out);
        break;
    case LS_BLOCK_WALK:
        build_block_walk(sh, out);
        break;
    case LS_BLOCK_END:
        build_block_end(sh, out);
        break;
    case LS_BLOCK_REST:
        build_block_rest(sh, out);
        break;
    }
}

void
list_sql_fini(struct list_sql *s)
{
    strbuf_fini(&s->sql);
    s->nargs = 0;
}

int
list_sql_params(const struct list_sql *s, const char *const values[LA_NARGS], const char **params)
{
    int i;

    for (i = 0; i < s->nargs; i++)
        params[i] = values[s->arg[i]];
    return s->nargs;
}

/* ---- the window check of a live list (db_list_in_window, db_events_since_ui) ---- */

/* "(k1[, k2], id) op ($p::type, ...)" with the values of row r appended to params */
static void
row_bound(struct strbuf *b, const struct entity_sort *s, const char *op, const struct row *r,
          const char **params, int *np, char key[24])
{
    int p = *np + 1;

    if (s->key2)
        strbuf_printf(b, "(%s, %s, a.id) %s ($%d::%s, $%d::text, $%d::bigint)", s->key, s->key2, op,
                      p, s->keytype, p + 1, p + 2);
    else
        strbuf_printf(b, "(%s, a.id) %s ($%d::%s, $%d::bigint)", s->key, op, p, s->keytype, p + 1);
    params[(*np)++] = r->key;
    if (s->key2)
        params[(*np)++] = r->key2;
    snprintf(key, 24, "%lld", (long long)r->id);
    params[(*np)++] = key;
}

void
list_sql_in_window(struct strbuf *out, const struct list_query *q, int partner,
                   const char *ids_cond, const struct row *first, const struct row *last,
                   const char **params, int *np, char keys[2][24])
{
    const struct entity_list *l = q->e->list;
    const struct entity_sort *s = &l->sorts[q->sort];
    int searching = q->search != NULL && q->search[0] != '\0';
    struct strbuf filt = STRBUF_INIT, lo = STRBUF_INIT, hi = STRBUF_INIT;
    int i;

    for (i = 0; i < l->nfilters && i < LIST_MAX_FILTERS; i++)
        if (q->filter[i] != NULL) {
            if (q->fop[i] == LF_NONE || q->fop[i] == LF_SOME) {
                add_filter(&filt, &l->filters[i], q->fop[i], 0);
                continue;
            }
            add_filter(&filt, &l->filters[i], q->fop[i], *np + 1);
            params[(*np)++] = q->filter[i];
        }
    /* inside means: not before the first row and not after the last one; an open end (no
     * first row: the list starts here) has no bound */
    if (first != NULL)
        row_bound(&lo, s, s->desc ? ">" : "<", first, params, np, keys[0]);
    else
        strbuf_puts(&lo, "FALSE");
    if (last != NULL)
        row_bound(&hi, s, s->desc ? "<" : ">", last, params, np, keys[1]);
    else
        strbuf_puts(&hi, "FALSE");
    /* without a search, $1 is only tested for NULL: a plan that does not depend on any value
     * (PostgreSQL then keeps one generic plan instead of planning every wake-up) */
    if (s->cond != NULL)
        strbuf_printf(&filt, " AND %s", s->cond);
    strbuf_reset(out);
    strbuf_printf(out,
                  "SELECT count(*) FROM %s WHERE %s AND $1::text IS %sNULL%s%s%s%s"
                  " AND NOT (%s) AND NOT (%s)",
                  partner && l->partner_from != NULL ? l->partner_from : l->from, ids_cond,
                  searching ? "NOT " : "", searching ? " AND (" : "", searching ? l->search : "",
                  searching ? ")" : "", strbuf_str(&filt), strbuf_str(&lo), strbuf_str(&hi));
    strbuf_fini(&filt);
    strbuf_fini(&lo);
    strbuf_fini(&hi);
}
