/* List queries with keyset pagination: every page is "the next N rows after this key" in an
 * order an index provides, so paging costs the same at row 10 and at row 1,000,000, and no
 * query ever counts the table. SQL is assembled only from the fixed fragments below; user text
 * (the search) always travels as a parameter.
 *
 * Searching a big table in sorted order has two bad cases: walking the sort index and
 * filtering is slow when the matches are far away, and collecting every match with the
 * trigram index and sorting them is slow when there are very many (a heap visit per match:
 * 70 ms for 20,000 at 1,000,000 accounts). So a search page
 *   0. (accounts by name, patterns with a trigram) first asks where the matches can lie at all
 *      (ccrm_account_search_range, schema/011): every match contains every trigram of the
 *      pattern, and for every trigram the database keeps the lowest and highest name that has
 *      it. The walk starts at the first possible match when that lies beyond the row paged
 *      from, and stops at the last possible one; a trigram no account has means no match and
 *      no further query. Matches clustered far down the list (2 % of the names start with
 *      "Alpen") are then found right where the walk starts instead of 500,000 rows later;
 *   1. filters a bounded window of the next SEARCH_WINDOW rows in sort order (an index-only
 *      scan: the sort index INCLUDEs the search column);
 *   2. only if that window does not fill the page, looks up where the window ends (no row
 *      there: the list or the bounds ended inside it, and the search is complete), and
 *   3. collects the remaining matches after the window with the trigram index.
 * Dense matches are found in the window, clustered ones where step 0 points, sparse ones cost
 * little to collect. The bounds only narrow the walk, never the rows: the result is the same
 * rows in the same order as the plain "WHERE search LIKE ... ORDER BY name, id", and paging
 * from any row in either direction uses the same keyset. Partners get no bounds (they would
 * name accounts not shared with them) and search as in steps 1-3.
 *
 * The other big lists (Contacts and Campaigns by name, Leads and Tickets by last change, the
 * Feed and the Inbox newest first) search through blocks instead (block_search(), schema/013):
 * their order is cut into blocks of about 10,000 rows, the database knows which trigrams each
 * block's rows contain, and a search walks only the blocks that have every trigram of the
 * text, so that matches far down the order are reached without crossing everything before
 * them. A filtered search walks the filter's index, selecting the ids from the table alone so
 * that the walk can be index-only. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

#define SEARCH_WINDOW 20000

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

struct sortspec {
    const char *name;
    const char *key;     /* first sort expression */
    const char *keytype; /* its SQL type, for the parameter cast */
    const char *key2;    /* second sort expression (text) or NULL */
    int desc;
    int ranged;         /* the entity's search bounds (entityspec.range) are bounds of this key */
    const char *blocks; /* the order's search blocks (schema/013), or NULL */
};

struct entityspec {
    const char *table;  /* FROM clause: the table aliased "a" (and joins it needs) */
    const char *cols;   /* the displayed columns, then hidden ones */
    int ncols;          /* displayed columns */
    int nfetch;         /* columns fetched (displayed + hidden) */
    const char *search; /* condition on $1, a LIKE pattern already escaped */
    int windowed;       /* search through a folded "search" column, windowed (see top) */
    const char *range;  /* bounds of the matches of the user's text $1 in a ranged sort key:
                         * "nothing can match", lowest, highest, lowest > $2, highest < $2 */
    const char *const *colnames;
    const struct sortspec *sorts;
    const char *const *sortnames;
    const char *const *filternames; /* NULL-terminated */
    const char *const *filterexprs; /* the SQL each filter compares with its value */
    int owner_filter;               /* index of the "my records" filter, -1 none */
    const char *record_table;       /* what a row is a record of, or NULL */
    const char *base; /* the bare table as alias a, for walks that want only ids and keys */
};

static const char *const account_cols[] = {"Name",  "Domain", "Industry",
                                           "Owner", "City",   "Updated"};
static const struct sortspec account_sorts[] = {
    {"name", "a.name", "text", NULL, 0, 1, NULL},
    {"updated", "a.updated_at", "timestamptz", NULL, 1, 0, NULL},
    {"industry", "coalesce(a.industry, '')", "text", "a.name", 0, 0, NULL},
};
static const char *const account_sortnames[] = {"name", "updated", "industry", NULL};

static const char *const feed_cols[] = {"Time", "Who", "Dept", "Record", "What"};
static const struct sortspec feed_sorts[] = {
    {"newest", "a.id", "bigint", NULL, 1, 0, "events_newest"},
};
static const char *const feed_sortnames[] = {"newest", NULL};

static const char *const lead_cols[] = {"Name",  "Company", "Status",
                                        "Score", "Owner",   "Latest from any department"};
static const struct sortspec lead_sorts[] = {
    {"updated", "a.updated_at", "timestamptz", NULL, 1, 0, "leads_updated"},
    {"score", "a.score", "int", NULL, 1, 0, NULL},
};
static const char *const lead_sortnames[] = {"updated", "score", NULL};

/* A lead's person: its contact, or failing that the contact with the same e-mail (DESIGN §5).
 * The latest thing any department did with that person: an interaction on the lead or the
 * contact, or a ticket from the contact. One indexed lookup per branch, per row. */
#define LEAD_FROM                                                                                  \
    "leads a"                                                                                      \
    " LEFT JOIN LATERAL (SELECT coalesce(a.contact_id, (SELECT c.id FROM contacts c"               \
    "     WHERE lower(c.email) = lower(a.email) LIMIT 1)) AS id) pc ON true"                       \
    " LEFT JOIN LATERAL (SELECT x.at, x.who, x.what FROM ("                                        \
    "   (SELECT i.at, i.created_by AS who, i.kind || ': ' || coalesce(i.subject, '') AS what"      \
    "      FROM interactions i WHERE i.lead_id = a.id ORDER BY i.at DESC LIMIT 1)"                 \
    "   UNION ALL"                                                                                 \
    "   (SELECT i.at, i.created_by, i.kind || ': ' || coalesce(i.subject, '')"                     \
    "      FROM interactions i WHERE i.contact_id = pc.id ORDER BY i.at DESC LIMIT 1)"             \
    "   UNION ALL"                                                                                 \
    "   (SELECT t.created_at, t.created_by, 'ticket #' || t.id || ': ' || t.subject"               \
    "      FROM tickets t WHERE t.contact_id = pc.id ORDER BY t.created_at DESC LIMIT 1)"          \
    "  ) x ORDER BY x.at DESC LIMIT 1) act ON true"                                                \
    " LEFT JOIN users au ON au.login = act.who"

static const char *const ticket_cols[] = {"#",       "Subject",  "Status", "Priority",
                                          "Account", "Assignee", "Updated"};
static const struct sortspec ticket_sorts[] = {
    {"updated", "a.updated_at", "timestamptz", NULL, 1, 0, "tickets_updated"},
    {"newest", "a.id", "bigint", NULL, 1, 0, NULL},
};
static const char *const ticket_sortnames[] = {"updated", "newest", NULL};

static const char *const account_fnames[] = {"owner", "industry", NULL};
static const char *const account_fexprs[] = {"a.owner", "a.industry"};
static const char *const feed_fnames[] = {"actor", "department", "entity", NULL};
static const char *const feed_fexprs[] = {"a.actor", "a.department", "a.entity"};
static const char *const lead_fnames[] = {"status", "owner", "source", NULL};
static const char *const lead_fexprs[] = {"a.status", "a.owner", "a.source"};
static const char *const ticket_fnames[] = {"status", "priority", "assignee", NULL};
static const char *const ticket_fexprs[] = {"a.status", "a.priority", "a.assignee"};

static const char *const contact_cols[] = {"Name",  "E-mail", "Account",
                                           "Title", "Owner",  "Updated"};
static const struct sortspec contact_sorts[] = {
    {"name", "coalesce(a.last_name, '')", "text", "coalesce(a.first_name, '')", 0, 0,
     "contacts_name"},
    {"updated", "a.updated_at", "timestamptz", NULL, 1, 0, NULL},
};
static const char *const contact_sortnames[] = {"name", "updated", NULL};
static const char *const contact_fnames[] = {"owner", NULL};
static const char *const contact_fexprs[] = {"a.owner"};

static const char *const deal_cols[] = {"Deal", "Amount", "Account", "Close", "Owner", "Stage"};
static const struct sortspec deal_sorts[] = {
    {"amount", "coalesce(a.amount, 0)", "numeric", NULL, 1, 0, NULL},
    {"updated", "a.updated_at", "timestamptz", NULL, 1, 0, NULL},
};
static const char *const deal_sortnames[] = {"amount", "updated", NULL};
static const char *const deal_fnames[] = {"stage", "owner", NULL};
static const char *const deal_fexprs[] = {"a.stage", "a.owner"};

static const char *const campaign_cols[] = {"Campaign", "Status", "Starts",
                                            "Ends",     "Budget", "Owner"};
static const struct sortspec campaign_sorts[] = {
    {"name", "a.name", "text", NULL, 0, 0, "campaigns_name"},
    {"updated", "a.updated_at", "timestamptz", NULL, 1, 0, NULL},
};
static const char *const campaign_sortnames[] = {"name", "updated", NULL};
static const char *const campaign_fnames[] = {"status", "owner", NULL};
static const char *const campaign_fexprs[] = {"a.status", "a.owner"};

static const char *const inbox_cols[] = {"When", "Kind", "From", "Record", "Note"};
static const struct sortspec inbox_sorts[] = {
    {"newest", "a.id", "bigint", NULL, 1, 0, "inbox_newest"},
};
static const char *const inbox_sortnames[] = {"newest", NULL};
static const char *const inbox_fnames[] = {"unread", "kind", NULL};
static const char *const inbox_fexprs[] = {"(a.read_at IS NULL)::text", "a.kind"};

/* An inbox row names its record: looked up by id in the record's table (through RLS, so a
 * record one may no longer see shows by number only). */
#define INBOX_RECORD                                                                               \
    "coalesce(CASE a.entity"                                                                       \
    " WHEN 'accounts' THEN (SELECT r.name FROM accounts r WHERE r.id = a.entity_id)"               \
    " WHEN 'contacts' THEN (SELECT concat_ws(' ', r.first_name, r.last_name) FROM contacts r"      \
    "   WHERE r.id = a.entity_id)"                                                                 \
    " WHEN 'leads' THEN (SELECT concat_ws(' ', r.first_name, r.last_name) FROM leads r"            \
    "   WHERE r.id = a.entity_id)"                                                                 \
    " WHEN 'opportunities' THEN (SELECT r.name FROM opportunities r WHERE r.id = a.entity_id)"     \
    " WHEN 'tickets' THEN (SELECT r.subject FROM tickets r WHERE r.id = a.entity_id)"              \
    " WHEN 'campaigns' THEN (SELECT r.name FROM campaigns r WHERE r.id = a.entity_id)"             \
    " END || ' ', '') || '(' || CASE a.entity WHEN 'opportunities' THEN 'deal'"                    \
    " ELSE rtrim(a.entity, 's') END || ' #' || a.entity_id || ')'"

static const struct entityspec entities[] = {
    [LIST_TICKETS] = {"tickets a LEFT JOIN accounts acc ON acc.id = a.account_id",
                      "'#' || a.id, a.subject, a.status, a.priority, coalesce(acc.name, ''),"
                      " coalesce(a.assignee, ''), to_char(a.updated_at, 'MM-DD HH24:MI'),"
                      " coalesce(a.account_id::text, '')",
                      7, 8,
                      "(a.search LIKE ccrm_fold($1) OR a.account_id IN (SELECT x.id FROM accounts x"
                      " WHERE x.search LIKE ccrm_fold($1)))",
                      0, NULL, ticket_cols, ticket_sorts, ticket_sortnames, ticket_fnames,
                      ticket_fexprs, 2, "tickets", "tickets a"},
    [LIST_LEADS] = {LEAD_FROM,
                    "concat_ws(' ', a.first_name, a.last_name), coalesce(a.company, ''),"
                    " a.status, a.score::text, coalesce(a.owner, ''),"
                    " coalesce(to_char(act.at, 'MM-DD HH24:MI') || ' ' || act.who"
                    " || coalesce(' (' || au.department || ')', '') || ' ' || act.what, ''),"
                    " coalesce(a.account_id::text, '')",
                    6, 7, "a.search LIKE ccrm_fold($1)", 0, NULL, lead_cols, lead_sorts,
                    lead_sortnames, lead_fnames, lead_fexprs, 1, "leads", "leads a"},
    [LIST_ACCOUNTS] = {"accounts a",
                       "a.name, coalesce(a.domain, ''), coalesce(a.industry, ''),"
                       " coalesce(a.owner, ''),"
                       " concat_ws(', ', nullif(a.city, ''), nullif(a.country, '')),"
                       " to_char(a.updated_at, 'YYYY-MM-DD HH24:MI'), a.id::text",
                       6, 7, "a.search LIKE ccrm_fold($1)", 1,
                       "SELECT r.nothing, r.lo, r.hi, r.lo COLLATE \"und-x-icu\" > $2::text,"
                       " r.hi COLLATE \"und-x-icu\" < $2::text"
                       " FROM ccrm_account_search_range($1) r",
                       account_cols, account_sorts, account_sortnames, account_fnames,
                       account_fexprs, 0, "accounts", "accounts a"},
    [LIST_FEED] = {"events a",
                   "to_char(a.at, 'MM-DD HH24:MI:SS'), a.actor, coalesce(a.department, ''),"
                   " CASE WHEN a.entity_id IS NULL THEN a.entity"
                   " ELSE a.entity || ' #' || a.entity_id END,"
                   " CASE a.op WHEN 'insert' THEN 'new: ' WHEN 'delete' THEN 'deleted: '"
                   " WHEN 'update' THEN 'changed ' || coalesce(array_to_string(a.changed, ', '),"
                   " '') || ': ' ELSE '' END || a.summary,"
                   " coalesce(a.account_id::text, ''), a.entity, coalesce(a.entity_id::text, '')",
                   5, 8, "a.search LIKE ccrm_fold($1)", 0, NULL, feed_cols, feed_sorts,
                   feed_sortnames, feed_fnames, feed_fexprs, 0, NULL, "events a"},
    [LIST_CONTACTS] = {"contacts a LEFT JOIN accounts acc ON acc.id = a.account_id",
                       "concat_ws(' ', a.first_name, a.last_name), coalesce(a.email, ''),"
                       " coalesce(acc.name, ''), coalesce(a.title, ''), coalesce(a.owner, ''),"
                       " to_char(a.updated_at, 'YYYY-MM-DD HH24:MI'),"
                       " coalesce(a.account_id::text, '')",
                       6, 7, "a.search LIKE ccrm_fold($1)", 0, NULL, contact_cols, contact_sorts,
                       contact_sortnames, contact_fnames, contact_fexprs, 0, "contacts",
                       "contacts a"},
    [LIST_DEALS] = {"opportunities a LEFT JOIN accounts acc ON acc.id = a.account_id",
                    "a.name, coalesce(to_char(a.amount, 'FM999G999G999G990D00') || ' '"
                    " || a.currency, ''), coalesce(acc.name, ''),"
                    " coalesce(to_char(a.close_date, 'YYYY-MM-DD'), ''), coalesce(a.owner, ''),"
                    " a.stage, coalesce(a.account_id::text, ''), a.version::text",
                    6, 8, "a.search LIKE ccrm_fold($1)", 0, NULL, deal_cols, deal_sorts,
                    deal_sortnames, deal_fnames, deal_fexprs, 1, "opportunities",
                    "opportunities a"},
    [LIST_CAMPAIGNS] = {"campaigns a",
                        "a.name, a.status, coalesce(to_char(a.starts_on, 'YYYY-MM-DD'), ''),"
                        " coalesce(to_char(a.ends_on, 'YYYY-MM-DD'), ''),"
                        " coalesce(to_char(a.budget, 'FM999G999G999G990D00'), ''),"
                        " coalesce(a.owner, '')",
                        6, 6, "a.search LIKE ccrm_fold($1)", 0, NULL, campaign_cols, campaign_sorts,
                        campaign_sortnames, campaign_fnames, campaign_fexprs, 1, "campaigns",
                        "campaigns a"},
    /* one's own inbox: the subquery keeps every statement on the (login, id) index */
    [LIST_INBOX] = {"(SELECT * FROM inbox i WHERE i.login = current_user) a"
                    " LEFT JOIN users fu ON fu.login = a.from_login",
                    "to_char(a.created_at, 'MM-DD HH24:MI'), a.kind,"
                    " coalesce(fu.display_name || coalesce(' (' || fu.department || ')', ''),"
                    " a.from_login, ''), " INBOX_RECORD ", coalesce(a.note, ''),"
                    " coalesce(a.entity, ''), coalesce(a.entity_id::text, ''),"
                    " (a.read_at IS NULL)::text",
                    5, 8, "a.search LIKE ccrm_fold($1)", 0, NULL, inbox_cols, inbox_sorts,
                    inbox_sortnames, inbox_fnames, inbox_fexprs, -1, NULL,
                    "(SELECT * FROM inbox i WHERE i.login = current_user) a"},
};

const char *const *
db_list_sorts(enum list_entity e)
{
    return entities[e].sortnames;
}

const char *const *
db_list_filters(enum list_entity e)
{
    return entities[e].filternames;
}

int
db_list_owner_filter(enum list_entity e)
{
    return entities[e].owner_filter;
}

const char *
db_list_table(enum list_entity e)
{
    return entities[e].record_table;
}

/* " AND expr = $p" for each filter of the query that is set, parameters from p on; their
 * values are appended to params. Returns the clause ("" when no filter is set), so that the
 * planner sees exactly the conditions in force and picks the filter's index. */
static char *
filter_sql(const struct entityspec *e, const struct list_query *q, int p, const char **params,
           int *np)
{
    char *sql = xstrdup("");
    int i;

    for (i = 0; e->filternames[i] != NULL; i++) {
        char *t;

        if (q->filter[i] == NULL)
            continue; /* not set: no condition and no parameter */
        t = xasprintf("%s AND %s = $%d", sql, e->filterexprs[i], p++);
        free(sql);
        sql = t;
        params[(*np)++] = q->filter[i];
    }
    return sql;
}

int
db_list_columns(enum list_entity e, const char *const **names)
{
    *names = entities[e].colnames;
    return entities[e].ncols;
}

static int
ascending(const struct sortspec *s, int dir)
{
    return (dir > 0) != (s->desc != 0);
}

/* "(k1[, k2], id) op ($p::type[, $p+1::text], $p+2::bigint)" for the given expressions. */
static void
row_cond(char *buf, size_t n, const struct sortspec *s, const char *op, const char *k1,
         const char *k2, const char *id, int p)
{
    if (s->key2)
        snprintf(buf, n, "(%s, %s, %s) %s ($%d::%s, $%d::text, $%d::bigint)", k1, k2, id, op, p,
                 s->keytype, p + 1, p + 2);
    else
        snprintf(buf, n, "(%s, %s) %s ($%d::%s, $%d::bigint)", k1, id, op, p, s->keytype, p + 1);
}

/* The keyset condition "after (k1[, k2], id) in direction dir". */
static void
keyset(char *buf, size_t n, const struct sortspec *s, int dir, const char *k1, const char *k2,
       const char *id, int p)
{
    row_cond(buf, n, s, ascending(s, dir) ? ">" : "<", k1, k2, id, p);
}

static void
order_by(char *buf, size_t n, const struct sortspec *s, int dir, const char *k1, const char *k2,
         const char *id)
{
    const char *asc = ascending(s, dir) ? "ASC" : "DESC";

    if (s->key2)
        snprintf(buf, n, "%s %s, %s %s, %s %s", k1, asc, k2, asc, id, asc);
    else
        snprintf(buf, n, "%s %s, %s %s", k1, asc, id, asc);
}

/* The select list every row query returns: id, columns, sort keys as text. */
static char *
select_list(const struct entityspec *e, const struct sortspec *s)
{
    return xasprintf("a.id, %s, (%s)::text, (%s)::text", e->cols, s->key,
                     s->key2 ? s->key2 : "NULL");
}

static void
fill_row(const PGresult *res, int i, int nfetch, struct row *r)
{
    int c;

    memset(r, 0, sizeof *r);
    r->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    for (c = 0; c < nfetch && c < ROW_MAX_COLS; c++)
        r->col[c] = xstrdup(db_val(res, i, 1 + c));
    r->key = db_dup(res, i, 1 + nfetch);
    r->key2 = db_dup(res, i, 2 + nfetch);
}

/* Run sql and append its rows to out[*got ...]; backwards queries (dir < 0) come in reverse
 * display order and are written from the end of the page. Returns 0 or -1. */
static int
run_rows(struct db *db, const struct entityspec *e, const char *sql, int np,
         const char *const *params, int dir, int limit, struct row *out, int *got,
         struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, np, params, err);
    int n, i;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n && *got < limit; i++, (*got)++)
        fill_row(res, i, e->nfetch, &out[*got]);
    PQclear(res);
    (void)dir;
    return 0;
}

static int
utf8_chars(const char *s)
{
    int n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
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

/* Where the matches of a search can lie in a ranged sort key (see the top comment). */
struct bounds {
    char *start; /* the first possible match, when it lies beyond the row paged from */
    char *stop;  /* the last possible match */
};

/* Ask the database for the bounds of the matches of text, in the direction dir from the row
 * `from` (NULL: from the start of the list in that direction). Returns 0 (b filled; either
 * bound may be NULL: no bound), 1 (nothing can match at all) or -1. */
static int
search_bounds(struct db *db, const struct entityspec *e, const struct sortspec *s, const char *text,
              const struct row *from, int dir, struct bounds *b, struct ccrm_err *err)
{
    const char *params[2] = {text, from != NULL ? from->key : NULL};
    int asc = ascending(s, dir);
    int first = asc ? 1 : 2, last = asc ? 2 : 1, beyond = asc ? 3 : 4;
    PGresult *res = db_exec(db, e->range, 2, params, err);
    int rc = 0;

    if (res == NULL)
        return -1;
    if (PQntuples(res) == 1) {
        if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
            rc = 1;
        else {
            if (!PQgetisnull(res, 0, first) &&
                (from == NULL || strcmp(PQgetvalue(res, 0, beyond), "t") == 0))
                b->start = db_dup(res, 0, first);
            b->stop = db_dup(res, 0, last);
        }
    }
    PQclear(res);
    return rc;
}

/* The condition "after `from` in direction dir" (every row when from is NULL), narrowed to the
 * bounds: from b->start on instead when there is one (it lies beyond from), and not past
 * b->stop. Its parameters are numbered from $p and appended to params[*np]. */
static void
after(char *buf, size_t n, const struct sortspec *s, int dir, const struct row *from,
      const char *idbuf, const struct bounds *b, int p, const char **params, int *np)
{
    int asc = ascending(s, dir);
    size_t len;

    if (b->start != NULL) {
        snprintf(buf, n, "%s %s $%d::%s", s->key, asc ? ">=" : "<=", p++, s->keytype);
        params[(*np)++] = b->start;
    } else if (from != NULL) {
        keyset(buf, n, s, dir, s->key, s->key2, "a.id", p);
        params[(*np)++] = from->key;
        if (s->key2)
            params[(*np)++] = from->key2;
        params[(*np)++] = idbuf;
        p += s->key2 ? 3 : 2;
    } else {
        snprintf(buf, n, "TRUE");
    }
    if (b->stop != NULL) {
        len = strlen(buf);
        snprintf(buf + len, n - len, " AND %s %s $%d::%s", s->key, asc ? "<=" : ">=", p,
                 s->keytype);
        params[(*np)++] = b->stop;
    }
}

/* The blocks' worth of windows walked before the rest of a search is collected with the
 * trigram index instead (the blocks a search names are then mostly ones where its trigrams
 * occur apart); a window is BLOCK_WINDOW rows per block, a little more than a block. */
#define BLOCK_WALK_MAX 24
#define BLOCK_WINDOW 12000

/* BLOCK_WALK_MAX; CCRM_BLOCK_WALK_MAX overrides it, so that tests reach the collection. */
static int
block_walk_max(void)
{
    return env_count("CCRM_BLOCK_WALK_MAX", 100000, BLOCK_WALK_MAX);
}

/* " AND (k1[, k2], id) op ($p::type[, $p+1::text], $p+2::bigint)" appended to buf for the
 * key expressions x[0..2] (NULL: the sort's own over alias a), with the values v[0..2]
 * appended to params (nothing when v[2], the id, is NULL). */
static void
key_cond(char *buf, size_t n, const struct sortspec *s, const char *const x[3], const char *op,
         const char *const v[3], const char **params, int *np)
{
    size_t len = strlen(buf);

    if (v[2] == NULL)
        return;
    snprintf(buf + len, n - len, " AND ");
    len = strlen(buf);
    row_cond(buf + len, n - len, s, op, x != NULL ? x[0] : s->key, x != NULL ? x[1] : s->key2,
             x != NULL ? x[2] : "a.id", *np + 1);
    params[(*np)++] = v[0];
    if (s->key2)
        params[(*np)++] = v[1];
    params[(*np)++] = v[2];
}

/* A search through the blocks of the list's order (schema/013, see the top): ask which blocks
 * can hold matches after `from`, walk them in order on the covering sort index (a run of
 * neighbouring blocks as one stretch, a window of BLOCK_WINDOW rows per block; a stretch that
 * goes on past its window is walked on from the window's end) until the page is full. When
 * BLOCK_WALK_MAX blocks' worth of windows did not fill it, the rest of the matches from there
 * on are collected with the trigram index. Returns 1 (rows in out, *got), 0 (the blocks cannot
 * tell: search otherwise) or -1. */
static int
block_search(struct db *db, const struct entityspec *e, const struct sortspec *s,
             const struct list_query *q, const char *pattern, const struct row *from,
             const char *idbuf, int dir, int limit, struct row *out, int *got, struct ccrm_err *err)
{
    int asc = ascending(s, dir);
    const char *bp[7] = {s->blocks,
                         q->search,
                         pattern,
                         asc ? "t" : "f",
                         from != NULL ? from->key : NULL,
                         from != NULL ? from->key2 : NULL,
                         from != NULL ? idbuf : NULL};
    const char *fromv[3] = {bp[4], bp[5], bp[6]};
    int windows = 0;
    PGresult *blocks = db_exec(db,
                               "SELECT usable, blk, lo1, lo2, loid, hi1, hi2, hiid"
                               " FROM ccrm_search_blocks($1, $2, $3, $4::boolean, $5, $6, $7)",
                               7, bp, err);
    char ob[200], obw[200], limbuf[16], wlimit[16], sql_cond[1200];
    char wkey[512], wkey2[512], wid[24]; /* where a window ended inside its block */
    char far_cond[600];
    static const char *const wkeys[3] = {"w.k1", "w.k2", "w.id"};
    char *sql = NULL, *sel = select_list(e, s);
    const char *params[16];
    const char *restv[3] = {NULL, NULL, NULL};
    const char *restop = NULL;
    int nb, i, next, np, window, rc = -1;

    if (blocks == NULL)
        goto out;
    nb = PQntuples(blocks);
    if (nb >= 1 && strcmp(PQgetvalue(blocks, 0, 0), "f") == 0) {
        rc = 0;
        goto out;
    }
    order_by(ob, sizeof ob, s, dir, s->key, s->key2, "a.id");
    order_by(obw, sizeof obw, s, dir, "w.k1", "w.k2", "w.id");
    window = search_window() < BLOCK_WINDOW ? search_window() : BLOCK_WINDOW;
    for (i = 0; i < nb && *got < limit; i = next) {
        const char *lo[3], *hi[3];
        int j, run;

        /* a run of blocks next to each other in the walk is walked as one stretch */
        for (next = i + 1; next < nb; next++)
            if (abs(atoi(PQgetvalue(blocks, next, 1)) - atoi(PQgetvalue(blocks, next - 1, 1))) != 1)
                break;
        run = next - i;
        for (j = 0; j < 3; j++) {
            int first = asc ? i : next - 1, last = asc ? next - 1 : i;

            lo[j] = PQgetisnull(blocks, first, 2 + j) ? NULL : PQgetvalue(blocks, first, 2 + j);
            hi[j] = PQgetisnull(blocks, last, 5 + j) ? NULL : PQgetvalue(blocks, last, 5 + j);
        }
        if (windows >= block_walk_max()) {
            /* the rest: from this stretch on, in walking order (after `from`, below) */
            memcpy(restv, asc ? lo : hi, sizeof restv);
            restop = asc ? ">=" : "<";
            break;
        }
        windows += run;
        snprintf(wlimit, sizeof wlimit, "%d", run * window);
        /* the stretch's rows after `from`, a window of them, filtered. The stretch's far end
         * is tested outside the window: a btree scan stops at a row comparison only on its
         * first column, and in an order of last change many rows can share it. */
        np = 0;
        params[np++] = pattern;
        snprintf(sql_cond, sizeof sql_cond, "TRUE");
        key_cond(sql_cond, sizeof sql_cond, s, NULL, asc ? ">=" : "<", asc ? lo : hi, params, &np);
        key_cond(sql_cond, sizeof sql_cond, s, NULL, asc ? ">" : "<", fromv, params, &np);
        snprintf(far_cond, sizeof far_cond, "TRUE");
        key_cond(far_cond, sizeof far_cond, s, wkeys, asc ? "<" : ">=", asc ? hi : lo, params, &np);
        snprintf(limbuf, sizeof limbuf, "%d", limit - *got);
        params[np++] = limbuf;
        params[np++] = wlimit;
        free(sql);
        sql = xasprintf("SELECT %s FROM %s JOIN ("
                        "  SELECT w.id FROM ("
                        "    SELECT a.id, a.search, %s AS k1, %s AS k2 FROM %s WHERE %s"
                        "     ORDER BY %s LIMIT $%d) w"
                        "   WHERE w.search LIKE ccrm_fold($1) AND %s ORDER BY %s LIMIT $%d) h"
                        " ON h.id = a.id ORDER BY %s",
                        sel, e->table, s->key, s->key2 ? s->key2 : "NULL", e->base, sql_cond, ob,
                        np, far_cond, obw, np - 1, ob);
        if (run_rows(db, e, sql, np, params, dir, limit, out, got, err) == -1)
            goto out;
        if (*got == limit)
            break;
        /* the page is not full: did the window end inside the stretch? (an index-only walk
         * without the filter: a third of the walk's cost) Then walk on from its last row. */
        np -= 2;
        params[np++] = wlimit;
        free(sql);
        sql = xasprintf("SELECT w.k1::text, w.k2::text, w.id::text FROM ("
                        "  SELECT %s AS k1, %s AS k2, a.id FROM %s"
                        "   WHERE $1::text IS NOT NULL AND %s ORDER BY %s OFFSET $%d - 1 LIMIT 1) w"
                        " WHERE %s",
                        s->key, s->key2 ? s->key2 : "NULL", e->base, sql_cond, ob, np, far_cond);
        {
            PGresult *res = db_exec(db, sql, np, params, err);

            if (res == NULL)
                goto out;
            if (PQntuples(res) == 1) {
                str_copy(wkey, db_val(res, 0, 0), sizeof wkey);
                str_copy(wkey2, db_val(res, 0, 1), sizeof wkey2);
                str_copy(wid, db_val(res, 0, 2), sizeof wid);
                fromv[0] = wkey;
                fromv[1] = wkey2;
                fromv[2] = wid;
                next = i;
            }
            PQclear(res);
        }
    }
    if (*got < limit && restop != NULL) {
        np = 0;
        params[np++] = pattern;
        snprintf(sql_cond, sizeof sql_cond, "TRUE");
        key_cond(sql_cond, sizeof sql_cond, s, NULL, restop, restv, params, &np);
        key_cond(sql_cond, sizeof sql_cond, s, NULL, asc ? ">" : "<", fromv, params, &np);
        snprintf(limbuf, sizeof limbuf, "%d", limit - *got);
        params[np++] = limbuf;
        free(sql);
        sql = xasprintf("SELECT %s FROM %s JOIN ("
                        "  SELECT a.id FROM (SELECT * FROM %s"
                        "   WHERE a.search LIKE ccrm_fold($1) OFFSET 0) a WHERE %s"
                        "   ORDER BY %s LIMIT $%d) h"
                        " ON h.id = a.id ORDER BY %s",
                        sel, e->table, e->base, sql_cond, ob, np, ob);
        if (run_rows(db, e, sql, np, params, dir, limit, out, got, err) == -1)
            goto out;
    }
    rc = 1;
out:
    PQclear(blocks);
    free(sql);
    free(sel);
    return rc;
}

int
db_list_fetch(struct db *db, const struct list_query *q, const struct row *from, int dir, int limit,
              struct row *out, struct ccrm_err *err)
{
    const struct entityspec *e = &entities[q->entity];
    const struct sortspec *s = &e->sorts[q->sort];
    int searching = q->search != NULL && q->search[0] != '\0';
    char *pattern = searching ? like_contains(q->search) : NULL;
    char *sel = select_list(e, s);
    char ks[320], ob[200], obw[200], ksm[256];
    char idbuf[24] = "", limbuf[16];
    const char *params[8 + LIST_MAX_FILTERS];
    int np = 0, got = 0, rc = -1;
    char *sql = NULL, *filt = NULL;
    struct bounds b = {NULL, NULL};
    /* Patterns under three characters have no trigrams, so the index cannot collect their
     * matches; they are also the ones that match nearly everywhere. */
    int short_pattern = searching && utf8_chars(q->search) < 3;
    int filtered = 0, f;

    for (f = 0; f < LIST_MAX_FILTERS; f++)
        if (q->filter[f] != NULL)
            filtered = 1;

    if (from != NULL)
        snprintf(idbuf, sizeof idbuf, "%" PRId64, from->id);
    if (searching && e->windowed && e->range != NULL && s->ranged && !short_pattern && !filtered) {
        int r = search_bounds(db, e, s, q->search, from, dir, &b, err);

        if (r == -1)
            goto out;
        if (r == 1)
            goto out_ok;
    }
    if (searching && s->blocks != NULL && !filtered) {
        int r = block_search(db, e, s, q, pattern, from, idbuf, dir, limit, out, &got, err);

        if (r == -1)
            goto out;
        if (r == 1)
            goto out_ok;
    }
    snprintf(limbuf, sizeof limbuf, "%d", limit);
    params[np++] = pattern;
    filt = filter_sql(e, q, 2, params, &np);
    after(ks, sizeof ks, s, dir, from, idbuf, &b, np + 1, params, &np);
    order_by(ob, sizeof ob, s, dir, s->key, s->key2, "a.id");
    params[np++] = limbuf;

    /* a filtered search walks the filter's index (the window below is for whole tables) */
    if (!searching || !e->windowed || filtered) {
        /* the ids first, from the table alone: the walk can be an index-only scan of a
         * covering index (the pipeline's stage columns, schema/013), and the joins of the
         * shown columns run for the page's rows only, whatever the planner guesses about
         * the keyset (a row comparison on a key many rows share is estimated at a few rows,
         * and a join of those looked cheaper than walking the index: a sort of a million) */
        sql = xasprintf("SELECT %s FROM %s JOIN ("
                        "  SELECT a.id FROM %s WHERE ($1::text IS NULL OR %s) AND %s%s"
                        "   ORDER BY %s LIMIT $%d) h"
                        " ON h.id = a.id ORDER BY %s",
                        sel, e->table, e->base, e->search, ks, filt, ob, np, ob);
        if (run_rows(db, e, sql, np, params, dir, limit, out, &got, err) == -1)
            goto out;
    } else {
        PGresult *res;
        const char *wparams[6];
        int wn = 0;
        char ks0[320], wlimit[32];
        int window = search_window();

        /* 1. the matches within the next SEARCH_WINDOW rows in sort order. Short patterns
         * walk without a bound: the huge LIMIT keeps the planner from flattening the walk into
         * a parallel sequential scan and sort of the whole table (490 ms vs 5 ms). */
        order_by(obw, sizeof obw, s, dir, "w.k1", "w.k2", "w.id");
        snprintf(wlimit, sizeof wlimit, "LIMIT %d", short_pattern ? 2147483647 : window);
        sql = xasprintf("SELECT %s FROM %s JOIN ("
                        "  SELECT w.id FROM ("
                        "    SELECT a.id, a.search, %s AS k1, %s AS k2 FROM %s WHERE %s"
                        "     ORDER BY %s %s) w"
                        "   WHERE w.search LIKE ccrm_fold($1) ORDER BY %s LIMIT $%d) h"
                        " ON h.id = a.id ORDER BY %s",
                        sel, e->table, s->key, s->key2 ? s->key2 : "NULL", e->table, ks, ob, wlimit,
                        obw, np, ob);
        if (run_rows(db, e, sql, np, params, dir, limit, out, &got, err) == -1)
            goto out;
        if (got == limit || short_pattern)
            goto out_ok;
        /* 2. where does the window end? (no row there: the list, or the bounds, ended
         * inside it) */
        after(ks0, sizeof ks0, s, dir, from, idbuf, &b, 1, wparams, &wn);
        free(sql);
        sql = xasprintf("SELECT (%s)::text, (%s)::text, a.id FROM %s WHERE %s"
                        " ORDER BY %s OFFSET %d LIMIT 1",
                        s->key, s->key2 ? s->key2 : "NULL", e->table, ks0, ob, window - 1);
        res = db_exec(db, sql, wn, wn > 0 ? wparams : NULL, err);
        if (res == NULL)
            goto out;
        if (PQntuples(res) == 1) {
            /* 3. the rest of the matches, after the window, collected by the trigram index */
            char wkey[512], wkey2[512], wid[24], lim2[16];
            const char *bparams[5];
            int bn = 0;

            str_copy(wkey, db_val(res, 0, 0), sizeof wkey);
            str_copy(wkey2, db_val(res, 0, 1), sizeof wkey2);
            str_copy(wid, db_val(res, 0, 2), sizeof wid);
            PQclear(res);
            snprintf(lim2, sizeof lim2, "%d", limit - got);
            bparams[bn++] = pattern;
            bparams[bn++] = wkey;
            if (s->key2)
                bparams[bn++] = wkey2;
            bparams[bn++] = wid;
            bparams[bn++] = lim2;
            keyset(ksm, sizeof ksm, s, dir, "m.k1", "m.k2", "m.id", 2);
            order_by(obw, sizeof obw, s, dir, "m.k1", "m.k2", "m.id");
            free(sql);
            sql = xasprintf("WITH m AS MATERIALIZED ("
                            "  SELECT a.id, %s AS k1, %s AS k2 FROM %s"
                            "   WHERE a.search LIKE ccrm_fold($1))"
                            " SELECT %s FROM %s JOIN ("
                            "  SELECT m.id FROM m WHERE %s ORDER BY %s LIMIT $%d) h"
                            " ON h.id = a.id ORDER BY %s",
                            s->key, s->key2 ? s->key2 : "NULL", e->table, sel, e->table, ksm, obw,
                            bn, ob);
            if (run_rows(db, e, sql, bn, bparams, dir, limit, out, &got, err) == -1)
                goto out;
        } else {
            PQclear(res);
        }
    }
out_ok:
    if (dir < 0)
        reverse(out, got);
    rc = got;
out:
    if (rc < 0) {
        int i;

        for (i = 0; i < got; i++)
            row_fini(&out[i]);
    }
    free(b.start);
    free(b.stop);
    free(sql);
    free(sel);
    free(filt);
    free(pattern);
    return rc;
}

int
db_list_fetch_one(struct db *db, const struct list_query *q, int64_t id, struct row *out,
                  struct ccrm_err *err)
{
    const struct entityspec *e = &entities[q->entity];
    const struct sortspec *s = &e->sorts[q->sort];
    int searching = q->search != NULL && q->search[0] != '\0';
    char *pattern = searching ? like_contains(q->search) : NULL;
    char *sel = select_list(e, s);
    char idbuf[24];
    const char *params[2 + LIST_MAX_FILTERS];
    char *sql, *filt;
    PGresult *res;
    int n, np = 2;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    params[0] = pattern;
    params[1] = idbuf;
    filt = filter_sql(e, q, 3, params, &np);
    sql = xasprintf("SELECT %s FROM %s WHERE a.id = $2 AND ($1::text IS NULL OR %s)%s", sel,
                    e->table, e->search, filt);
    res = db_exec(db, sql, np, params, err);
    free(sql);
    free(filt);
    free(sel);
    free(pattern);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n > 0)
        fill_row(res, 0, e->nfetch, out);
    PQclear(res);
    return n > 0;
}

/* The count behind db_list_in_window, as SQL on rows named by ids_cond (a condition on a.id):
 * the search is written on $1, whose value (NULL when not searching) the caller puts in
 * params[0] (see list_window_pattern); the filters' and the window ends' values are appended
 * to params. The window's ends are keys of rows the caller holds; ids and key texts are kept in
 * keys until the statement has run. Returns the statement (malloc'd). */
char *
list_window_sql(const struct list_query *q, const char *ids_cond, const struct row *first,
                const struct row *last, const char **params, int *np, char keys[2][24])
{
    const struct entityspec *e = &entities[q->entity];
    const struct sortspec *s = &e->sorts[q->sort];
    int searching = q->search != NULL && q->search[0] != '\0';
    char lo[256] = "FALSE", hi[256] = "FALSE";
    char *filt, *sql;

    filt = filter_sql(e, q, *np + 1, params, np);
    /* inside means: not before the first row and not after the last one; an open end (no
     * first row: the list starts here) has no bound */
    if (first != NULL) {
        keyset(lo, sizeof lo, s, -1, s->key, s->key2, "a.id", *np + 1);
        params[(*np)++] = first->key;
        if (s->key2)
            params[(*np)++] = first->key2;
        snprintf(keys[0], 24, "%lld", (long long)first->id);
        params[(*np)++] = keys[0];
    }
    if (last != NULL) {
        keyset(hi, sizeof hi, s, 1, s->key, s->key2, "a.id", *np + 1);
        params[(*np)++] = last->key;
        if (s->key2)
            params[(*np)++] = last->key2;
        snprintf(keys[1], 24, "%lld", (long long)last->id);
        params[(*np)++] = keys[1];
    }
    /* without a search, $1 is only tested for NULL: a plan that does not depend on any value
     * (PostgreSQL then keeps one generic plan instead of planning every wake-up) */
    sql = xasprintf("SELECT count(*) FROM %s WHERE %s AND $1::text IS %sNULL%s%s%s%s"
                    " AND NOT (%s) AND NOT (%s)",
                    e->table, ids_cond, searching ? "NOT " : "", searching ? " AND (" : "",
                    searching ? e->search : "", searching ? ")" : "", filt, lo, hi);
    free(filt);
    return sql;
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
    char *pattern = list_window_pattern(q);
    char keys[2][24];
    char *idlist = xstrdup("{"), *sql;
    const char *params[8 + LIST_MAX_FILTERS];
    int np = 0, i, found;
    PGresult *res;

    for (i = 0; i < n; i++) {
        char *t = xasprintf("%s%s%lld", idlist, i ? "," : "", (long long)ids[i]);

        free(idlist);
        idlist = t;
    }
    {
        char *t = xasprintf("%s}", idlist);

        free(idlist);
        idlist = t;
    }
    params[np++] = pattern;
    params[np++] = idlist;
    sql = list_window_sql(q, "a.id = ANY($2::bigint[])", first, last, params, &np, keys);
    /* asked by every client on every change: worth preparing (its plan is a lookup by id) */
    res = db_exec_prepared(db, sql, np, params, err);
    free(sql);
    free(idlist);
    free(pattern);
    if (res == NULL)
        return -1;
    found = atoi(PQgetvalue(res, 0, 0)) > 0;
    PQclear(res);
    return found;
}
