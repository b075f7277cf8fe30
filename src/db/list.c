/* List queries with keyset pagination: every page is "the next N rows after this key" in an
 * order an index provides, so paging costs the same at row 10 and at row 1,000,000, and no
 * query ever counts the table. SQL is assembled only from the fixed fragments below; user text
 * (the search) always travels as a parameter. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

struct sortspec {
    const char *name;
    const char *key;     /* first sort expression */
    const char *keytype; /* its SQL type, for the parameter cast */
    const char *key2;    /* second sort expression (text) or NULL */
    int desc;
};

struct entityspec {
    const char *from;   /* FROM clause */
    const char *id;     /* id expression */
    const char *cols;   /* the displayed columns */
    const char *search; /* condition on $1 (a LIKE pattern) */
    const char *const *colnames;
    int ncols;
    const struct sortspec *sorts;
    const char *const *sortnames;
};

static const char *const account_cols[] = {"Name",  "Domain", "Industry",
                                           "Owner", "City",   "Updated"};
static const struct sortspec account_sorts[] = {
    {"name", "a.name", "text", NULL, 0},
    {"updated", "a.updated_at", "timestamptz", NULL, 1},
    {"industry", "coalesce(a.industry, '')", "text", "a.name", 0},
};
static const char *const account_sortnames[] = {"name", "updated", "industry", NULL};

static const char *const feed_cols[] = {"Time", "Who", "Dept", "Record", "What"};
static const struct sortspec feed_sorts[] = {
    {"newest", "e.id", "bigint", NULL, 1},
};
static const char *const feed_sortnames[] = {"newest", NULL};

static const struct entityspec entities[] = {
    [LIST_ACCOUNTS] = {"accounts a", "a.id",
                       "a.name, coalesce(a.domain, ''), coalesce(a.industry, ''),"
                       " coalesce(a.owner, ''),"
                       " concat_ws(', ', nullif(a.city, ''), nullif(a.country, '')),"
                       " to_char(a.updated_at, 'YYYY-MM-DD HH24:MI')",
                       "(a.name ILIKE $1 OR a.domain ILIKE $1)", account_cols, 6, account_sorts,
                       account_sortnames},
    [LIST_FEED] = {"events e", "e.id",
                   "to_char(e.at, 'MM-DD HH24:MI:SS'), e.actor, coalesce(e.department, ''),"
                   " CASE WHEN e.entity_id IS NULL THEN e.entity"
                   " ELSE e.entity || ' #' || e.entity_id END,"
                   " e.summary",
                   "(e.summary ILIKE $1 OR e.actor ILIKE $1)", feed_cols, 5, feed_sorts,
                   feed_sortnames},
};

const char *const *
db_list_sorts(enum list_entity e)
{
    return entities[e].sortnames;
}

int
db_list_columns(enum list_entity e, const char *const **names)
{
    *names = entities[e].colnames;
    return entities[e].ncols;
}

/* Build the SELECT for entity e, sort s. mode: 1 = after key, -1 = before key, 0 = top/bottom
 * (dir gives which), 2 = one row by id. Params: $1 pattern, then key[, key2], id, limit. */
static char *
build_sql(const struct entityspec *e, const struct sortspec *s, int mode, int dir)
{
    const char *asc = (dir > 0) != (s->desc != 0) ? "ASC" : "DESC";
    const char *op = (dir > 0) != (s->desc != 0) ? ">" : "<";
    char keyset[256] = "TRUE";
    char order[160];
    char extra[64];
    const char *limit = s->key2 ? "$5" : "$4";

    if (mode == 2)
        return xasprintf("SELECT %s, %s, (%s)::text, %s%s FROM %s"
                         " WHERE %s = $2 AND ($1::text IS NULL OR %s)",
                         e->id, e->cols, s->key, s->key2 ? s->key2 : "NULL", "::text", e->from,
                         e->id, e->search);
    if (mode != 0) {
        if (s->key2)
            snprintf(keyset, sizeof keyset, "(%s, %s, %s) %s ($2::%s, $3::text, $4::bigint)",
                     s->key, s->key2, e->id, op, s->keytype);
        else
            snprintf(keyset, sizeof keyset, "(%s, %s) %s ($2::%s, $3::bigint)", s->key, e->id, op,
                     s->keytype);
    } else {
        limit = "$2";
    }
    if (s->key2)
        snprintf(order, sizeof order, "%s %s, %s %s, %s %s", s->key, asc, s->key2, asc, e->id, asc);
    else
        snprintf(order, sizeof order, "%s %s, %s %s", s->key, asc, e->id, asc);
    snprintf(extra, sizeof extra, "%s", s->key2 ? s->key2 : "NULL");
    return xasprintf("SELECT %s, %s, (%s)::text, (%s)::text FROM %s"
                     " WHERE ($1::text IS NULL OR %s) AND %s ORDER BY %s LIMIT %s",
                     e->id, e->cols, s->key, extra, e->from, e->search, keyset, order, limit);
}

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

int
db_list_fetch(struct db *db, const struct list_query *q, const struct row *from, int dir, int limit,
              struct row *out, struct ccrm_err *err)
{
    const struct entityspec *e = &entities[q->entity];
    const struct sortspec *s = &e->sorts[q->sort];
    char *pattern = NULL;
    char idbuf[24], limbuf[16];
    const char *params[5];
    int np = 0, n, i;
    char *sql;
    PGresult *res;

    if (q->search != NULL && q->search[0] != '\0')
        pattern = like_contains(q->search);
    params[np++] = pattern;
    snprintf(limbuf, sizeof limbuf, "%d", limit);
    if (from != NULL) {
        snprintf(idbuf, sizeof idbuf, "%" PRId64, from->id);
        params[np++] = from->key;
        if (s->key2)
            params[np++] = from->key2;
        params[np++] = idbuf;
    }
    params[np++] = limbuf;
    sql = build_sql(e, s, from != NULL ? 1 : 0, dir);
    res = db_exec(db, sql, np, params, err);
    free(sql);
    free(pattern);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n; i++) /* backwards queries come newest-first: reverse into display order */
        fill_row(res, i, e->ncols, &out[dir > 0 ? i : n - 1 - i]);
    PQclear(res);
    return n;
}

int
db_list_fetch_one(struct db *db, const struct list_query *q, int64_t id, struct row *out,
                  struct ccrm_err *err)
{
    const struct entityspec *e = &entities[q->entity];
    char *pattern = NULL;
    char idbuf[24];
    const char *params[2];
    char *sql;
    PGresult *res;
    int n;

    if (q->search != NULL && q->search[0] != '\0')
        pattern = like_contains(q->search);
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    params[0] = pattern;
    params[1] = idbuf;
    sql = build_sql(e, &e->sorts[q->sort], 2, 1);
    res = db_exec(db, sql, 2, params, err);
    free(sql);
    free(pattern);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n > 0)
        fill_row(res, 0, e->ncols, out);
    PQclear(res);
    return n > 0;
}
