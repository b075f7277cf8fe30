/* Marketing's batch queries (include/ccrm/marketing.h): reports streamed as CSV or JSON lines
 * (also from a hot standby), a campaign's members for a mailing tool, campaign responses
 * staged by COPY and recorded in SQL, and undoing a merge. Every statement is built from the
 * fixed fragments in this file; values are parameters. */
#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/marketing.h"
#include "ccrm/util.h"
#include "db_int.h"

/* ---- a session for reports ---- */

/* A reader's session, once connected: no LISTEN (a hot standby refuses it), read-only. */
static int
reader_setup(struct db *db, struct ccrm_err *err)
{
    db_note_standby(db); /* (its schema check says "behind") */
    return db_session_setup(db, "SET default_transaction_read_only = on", err);
}

struct db *
db_open_reader(const char *conninfo, const struct db_options *opt, struct ccrm_err *err)
{
    /* (no reconnect options: a reader is opened again, not kept alive) */
    struct db *db = db_new(conninfo, opt, 0);

    if (db_connect_now(db, err) == -1) {
        db_close(&db);
        return NULL;
    }
    db->where = xasprintf("%s on %s", PQdb(db->conn), PQhost(db->conn) ? PQhost(db->conn) : "?");
    if (reader_setup(db, err) == -1)
        db_close(&db);
    return db;
}

/* Once connected without blocking (db_pump): a reader's settings, then the schema check of a
 * report reader. */
static int
report_reader_setup(struct db *db, struct ccrm_err *err)
{
    if (reader_setup(db, err) == -1)
        return -1;
    return db_schema_check(db, err);
}

struct db *
db_report_reader_start(const char *replica_conninfo, const struct db_options *opt,
                       struct ccrm_err *err)
{
    struct db *db = db_new(replica_conninfo, opt, 0);

    db->setup = report_reader_setup;
    if (db_reconnect_start(db, err) == -1)
        db_close(&db);
    return db;
}

int
db_is_standby(struct db *db, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, "SELECT pg_is_in_recovery()", 0, NULL, err);
    int v;

    if (res == NULL)
        return -1;
    v = strcmp(db_val(res, 0, 0), "t") == 0;
    PQclear(res);
    return v;
}

/* ---- rows streamed to a file ---- */

/* One CSV field, quoted (by libcsv) only when it needs to be. Returns 0, or -1 on a write
 * error. */
static int
put_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n") != NULL ||
        (s[0] != '\0' && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
        if (csv_fwrite(f, s, strlen(s)) != 0)
            return -1;
    } else if (fputs(s, f) == EOF) {
        return -1;
    }
    return fputc(last ? '\n' : ',', f) == EOF ? -1 : 0;
}

/* Run sql in single-row mode and write each row to f: CSV with a header row of the column
 * names, or (jsonl) the first column of each row as one line. Returns the rows, or -1. */
static long long
stream_rows(struct db *db, const char *sql, int nparams, const char *const *params, int jsonl,
            FILE *f, const char *what, struct ccrm_err *err)
{
    long long rows = 0;
    int header = 0, failed = 0, wfail = 0, c, nf;
    PGresult *res;

    if (db->state != DB_READY) {
        err_set(err, "%s: not connected to the database", what);
        return -1;
    }
    if (!PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0) ||
        !PQsetSingleRowMode(db->conn)) {
        err_set(err, "%s: %s", what, PQerrorMessage(db->conn));
        while ((res = PQgetResult(db->conn)) != NULL)
            PQclear(res);
        if (PQstatus(db->conn) == CONNECTION_BAD) {
            db->state = DB_OFFLINE;
            db->lost = 1;
        }
        return -1;
    }
    while ((res = PQgetResult(db->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if ((st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) && !failed && !wfail) {
            errno = 0;
            nf = PQnfields(res);
            if (!jsonl && !header) {
                for (c = 0; c < nf && !wfail; c++)
                    wfail = put_field(f, PQfname(res, c), c + 1 == nf) == -1;
                header = 1;
            }
            if (st == PGRES_SINGLE_TUPLE && !wfail) {
                if (jsonl)
                    wfail = fputs(db_val(res, 0, 0), f) == EOF || fputc('\n', f) == EOF;
                else
                    for (c = 0; c < nf && !wfail; c++)
                        wfail = put_field(f, db_val(res, 0, c), c + 1 == nf) == -1;
                rows++;
            }
            if (wfail) { /* stop the server instead of draining a million rows */
                int e = errno != 0 ? errno : EIO;
                PGcancel *cancel = PQgetCancel(db->conn);
                char ebuf[64];

                err_set(err, "%s: could not write: %s", what, strerror(e));
                memcpy(err->sqlstate, "58030", 6); /* an I/O error: exit 74 */
                if (cancel != NULL) {
                    PQcancel(cancel, ebuf, sizeof ebuf);
                    PQfreeCancel(cancel);
                }
            }
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !failed && !wfail) {
            err_set_pg(err, res, db->conn, what);
            failed = 1;
        }
        PQclear(res);
    }
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        db->state = DB_OFFLINE;
        db->lost = 1;
    } else {
        db_drain_notifies(db);
    }
    errno = 0;
    if (!failed && !wfail && (fflush(f) != 0 || ferror(f))) {
        err_set(err, "%s: could not write: %s", what, strerror(errno != 0 ? errno : EIO));
        memcpy(err->sqlstate, "58030", 6);
        wfail = 1;
    }
    return failed || wfail ? -1 : rows;
}

/* ---- reports ---- */

const char *const db_report_names[] = {
    "pipeline",        "win_rate", "tickets_by_product", "response_times", "interests_by_product",
    "campaign_funnel", NULL,
};
const char *const db_report_about[] = {
    "deals by month of close and stage, per currency: count and amount",
    "deals won and lost by month, and the win rate",
    "tickets opened per week and product: opened, still open, urgent",
    "tickets per week: first response and resolution times (median, 90th percentile)",
    "interests by product or topic: how many, of how many people, from which source",
    "every campaign's funnel: members, sent ... converted, leads and deals influenced, revenue",
    NULL,
};
/* the SQL function of each report, in the same order */
static const char *const report_fn[] = {
    "ccrm_report_pipeline",
    "ccrm_report_win_rate",
    "ccrm_report_tickets_by_product",
    "ccrm_report_response_times",
    "ccrm_report_interests_by_product",
    "ccrm_report_campaign_funnel",
};

/* The index of report name in db_report_names, or -1 with err set (SQLSTATE 22023). */
static int
report_index(const char *name, struct ccrm_err *err)
{
    int i;

    for (i = 0; name != NULL && db_report_names[i] != NULL; i++)
        if (strcmp(db_report_names[i], name) == 0)
            return i;
    err_set(err, "unknown report \"%s\"", name != NULL ? name : "");
    str_copy(err->sqlstate, "22023", sizeof err->sqlstate);
    return -1;
}

/* The one statement of report i for dates $1, $2 (NULL: its default window): its rows, or
 * each as JSON (jsonl); limit > 0 caps them. --report and the Reports view both run it. */
static void
report_sql(int i, int jsonl, int limit, char *sql, size_t n)
{
    char lim[32] = "";

    if (limit > 0)
        snprintf(lim, sizeof lim, " LIMIT %d", limit);
    if (jsonl)
        snprintf(sql, n, "SELECT row_to_json(r)::text FROM %s($1::date, $2::date) r%s",
                 report_fn[i], lim);
    else
        snprintf(sql, n, "SELECT * FROM %s($1::date, $2::date)%s", report_fn[i], lim);
}

struct db *
db_report_reader(const char *replica_conninfo, const struct db_options *opt, struct ccrm_err *err)
{
    struct db *db = db_open_reader(replica_conninfo, opt, err);

    if (db != NULL && db_schema_check(db, err) == -1)
        db_close(&db);
    return db;
}

long long
db_report_write(struct db *db, const char *name, const char *from, const char *to, int jsonl,
                FILE *f, struct ccrm_err *err)
{
    const char *params[2] = {from, to};
    char sql[256], what[96];
    int i;

    if ((i = report_index(name, err)) < 0)
        return -1;
    report_sql(i, jsonl, 0, sql, sizeof sql);
    snprintf(what, sizeof what, "could not run report %s", name);
    return stream_rows(db, sql, 2, params, jsonl, f, what, err);
}

int
db_report_table(struct db *db, const char *name, const char *from, const char *to,
                struct report_table *t, struct ccrm_err *err)
{
    const char *params[2] = {from, to};
    char sql[256];
    PGresult *res;
    int i, r, c;

    memset(t, 0, sizeof *t);
    if ((i = report_index(name, err)) < 0)
        return 1;
    report_sql(i, 0, REPORT_ROWS_MAX, sql, sizeof sql);
    if ((res = db_exec(db, sql, 2, params, err)) == NULL) {
        return db_lost(db) ? -1 : 1;
    }
    t->ncols = PQnfields(res);
    t->nrows = PQntuples(res);
    t->cols = xcalloc((size_t)t->ncols, sizeof *t->cols);
    t->cells = xcalloc((size_t)t->ncols * (size_t)(t->nrows > 0 ? t->nrows : 1), sizeof *t->cells);
    for (c = 0; c < t->ncols; c++)
        t->cols[c] = xstrdup(PQfname(res, c));
    for (r = 0; r < t->nrows; r++)
        for (c = 0; c < t->ncols; c++)
            t->cells[r * t->ncols + c] = PQgetisnull(res, r, c) ? NULL : xstrdup(db_val(res, r, c));
    PQclear(res);
    return 0;
}

void
report_table_free(struct report_table *t)
{
    int i;

    for (i = 0; t->cols != NULL && i < t->ncols; i++)
        free(t->cols[i]);
    for (i = 0; t->cells != NULL && i < t->ncols * t->nrows; i++)
        free(t->cells[i]);
    free(t->cols);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* ---- a campaign's members for a mailing tool ---- */

/* The members and who of them the tool gets: ccrm_campaign_recipients (92_marketing.sql) says
 * it once, for this export and for :sent-all (ccrm_campaign_mark_sent). */
#define MEMBERS_CTE                                                                                \
    "WITH cp AS (SELECT c.id, c.channel FROM campaigns c WHERE c.id = $1::bigint),"                \
    " m AS (SELECT * FROM ccrm_campaign_recipients($1::bigint)) "
#define MEMBERS_ROWS                                                                               \
    "SELECT m.mid, m.email, m.phone, m.first_name, m.last_name, m.company,"                        \
    " CASE WHEN m.contact_id IS NOT NULL THEN 'contact' ELSE 'lead' END AS kind,"                  \
    " coalesce(m.contact_id, m.lead_id) AS id, m.status"                                           \
    " FROM m WHERE m.reachable"

long long
db_campaign_members_export(struct db *db, int64_t campaign, int jsonl, FILE *f,
                           long long *opted_out, long long *no_address, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    long long rows = -1;
    PGresult *res;
    int phone;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, campaign);
    *opted_out = *no_address = 0;
    /* one snapshot for the counts and the rows */
    if ((res = db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err)) ==
        NULL)
        return -1;
    PQclear(res);
    res = db_result(db,
                    PQexecParams(db->conn,
                                 MEMBERS_CTE
                                 "SELECT (SELECT count(*) FROM cp),"
                                 " count(*) FILTER (WHERE m.opted),"
                                 " count(*) FILTER (WHERE NOT m.opted AND NOT m.reachable),"
                                 " (SELECT cp.channel FROM cp) = 'phone' FROM m",
                                 1, NULL, params, NULL, NULL, 0),
                    "could not export the campaign's members", err);
    if (res == NULL)
        goto out;
    if (strcmp(db_val(res, 0, 0), "0") == 0) {
        PQclear(res);
        err_set(err, "campaign #%s not found", idbuf);
        str_copy(err->sqlstate, "P0002", sizeof err->sqlstate);
        goto out;
    }
    *opted_out = strtoll(db_val(res, 0, 1), NULL, 10);
    *no_address = strtoll(db_val(res, 0, 2), NULL, 10);
    /* a phone campaign's export is a calling list: its members' numbers too, in a column after
     * the others (a tool reading the columns by place reads every export alike); the other
     * channels' leave the numbers out (a mailing tool needs none) */
    phone = strcmp(db_val(res, 0, 3), "t") == 0;
    PQclear(res);
    if (jsonl)
        rows = stream_rows(
            db,
            phone ? MEMBERS_CTE "SELECT json_build_object('email', x.email, 'first_name',"
                                " x.first_name, 'last_name', x.last_name, 'company', x.company,"
                                " 'kind', x.kind, 'id', x.id, 'status', x.status, 'phone',"
                                " x.phone)::text FROM (" MEMBERS_ROWS ") x ORDER BY x.mid"
                  : MEMBERS_CTE "SELECT json_build_object('email', x.email, 'first_name',"
                                " x.first_name, 'last_name', x.last_name, 'company', x.company,"
                                " 'kind', x.kind, 'id', x.id, 'status', x.status)::text"
                                " FROM (" MEMBERS_ROWS ") x ORDER BY x.mid",
            1, params, 1, f, "could not export the campaign's members", err);
    else
        rows = stream_rows(db,
                           phone ? MEMBERS_CTE "SELECT x.email, x.first_name, x.last_name,"
                                               " x.company, x.kind, x.id, x.status, x.phone"
                                               " FROM (" MEMBERS_ROWS ") x ORDER BY x.mid"
                                 : MEMBERS_CTE "SELECT x.email, x.first_name, x.last_name,"
                                               " x.company, x.kind, x.id, x.status"
                                               " FROM (" MEMBERS_ROWS ") x ORDER BY x.mid",
                           1, params, 0, f, "could not export the campaign's members", err);
out:
    if (db->state == DB_READY)
        PQclear(PQexec(db->conn, rows < 0 ? "ROLLBACK" : "COMMIT"));
    return rows;
}

/* ---- undo a merge ---- */

int
db_unmerge(struct db *db, int64_t merge, char *msg, size_t n, struct ccrm_err *err)
{
    char idbuf[24], what[64];
    const char *params[1] = {idbuf};
    PGresult *res;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, merge);
    snprintf(what, sizeof what, "could not undo merge %s", idbuf);
    if (db->state != DB_READY) {
        err_set(err, "%s: not connected to the database", what);
        return -1;
    }
    /* a batch job, as an import's revert: the undo of a busy contact's merge (10,000
     * timeline entries put back, their triggers) outlasts the interactive statement_timeout
     * ([database] statement_timeout_ms), which cancelled it: "the query took too long" */
    if (db_run(db, "BEGIN; SET LOCAL statement_timeout = 0", what, err) == -1)
        return -1;
    res = db_result(
        db,
        PQexecParams(db->conn, "SELECT ccrm_unmerge($1::bigint)", 1, NULL, params, NULL, NULL, 0),
        what, err);
    if (res == NULL) {
        if (db->state == DB_READY)
            PQclear(PQexec(db->conn, "ROLLBACK"));
        return -1;
    }
    str_copy(msg, db_val(res, 0, 0), n);
    PQclear(res);
    return db_run(db, "COMMIT", what, err);
}

/* ---- campaign responses from CSV ---- */

struct db_responses {
    struct db *db;
    int copying;
};

struct db_responses *
db_responses_begin(struct db *db, struct ccrm_err *err)
{
    struct db_responses *r;
    PGresult *res;

    /* a clear refusal before reading the file: only who may insert responses imports them */
    if ((res = db_exec(db, "SELECT has_any_column_privilege('public.campaign_responses', 'INSERT')",
                       0, NULL, err)) == NULL)
        return NULL;
    if (strcmp(db_val(res, 0, 0), "t") != 0) {
        PQclear(res);
        err_set(err, "could not import responses: only marketing, management and admin record "
                     "campaign responses");
        str_copy(err->sqlstate, "42501", sizeof err->sqlstate);
        return NULL;
    }
    PQclear(res);
    if ((res = db_exec(db, "BEGIN", 0, NULL, err)) == NULL)
        return NULL;
    PQclear(res);
    res = db_exec(db,
                  "CREATE TEMP TABLE ccrm_responses_stage (line bigint PRIMARY KEY, reason text,"
                  " raw bytea, campaign text, email text, contact_id text, lead_id text,"
                  " status text, at text, note text, cid bigint, channel text, p_contact bigint,"
                  " p_lead bigint) ON COMMIT DROP",
                  0, NULL, err);
    if (res == NULL)
        goto fail;
    PQclear(res);
    res = PQexec(db->conn, "COPY ccrm_responses_stage (line, reason, raw, campaign, email,"
                           " contact_id, lead_id, status, at, note) FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        err_set_pg(err, res, db->conn, "could not stage the responses");
        PQclear(res);
        goto fail;
    }
    PQclear(res);
    r = xcalloc(1, sizeof *r);
    r->db = db;
    r->copying = 1;
    return r;
fail:
    if (db->state == DB_READY)
        PQclear(PQexec(db->conn, "ROLLBACK"));
    return NULL;
}

int
db_responses_put(struct db_responses *r, const char *buf, size_t n, struct ccrm_err *err)
{
    if (n > 0 && PQputCopyData(r->db->conn, buf, (int)n) != 1) {
        err_set(err, "could not stage the responses: %s", PQerrorMessage(r->db->conn));
        return -1;
    }
    return 0;
}

/* Statements run after the COPY, in order: each row gets its campaign, its member, or the
 * reason it cannot be recorded. $1: the campaign of --campaign (NULL: from the file). */
static const char *const classify_sql[] = {
    "UPDATE ccrm_responses_stage s SET cid = c.id, channel = c.channel FROM campaigns c"
    " WHERE s.reason IS NULL AND s.campaign ~ '^[0-9]{1,18}$' AND c.id = s.campaign::bigint",
    "UPDATE ccrm_responses_stage s SET cid = c.id, channel = c.channel"
    "  FROM (SELECT DISTINCT ON (x.name) x.id, x.name, x.channel FROM campaigns x"
    "         ORDER BY x.name, x.id) c"
    " WHERE s.reason IS NULL AND s.cid IS NULL AND s.campaign !~ '^[0-9]{1,18}$'"
    "   AND c.name = s.campaign COLLATE \"und-x-icu\"",
    "UPDATE ccrm_responses_stage s SET cid = c.id, channel = c.channel FROM campaigns c"
    " WHERE s.reason IS NULL AND s.campaign IS NULL AND c.id = $1::bigint",
    "UPDATE ccrm_responses_stage s"
    "   SET reason = CASE WHEN s.campaign IS NOT NULL"
    "                     THEN format('campaign %s not found', CASE WHEN s.campaign ~ '^[0-9]+$'"
    "                                 THEN '#' || s.campaign ELSE quote_ident(s.campaign) END)"
    "                     WHEN $1::bigint IS NULL"
    "                     THEN 'no campaign: give --campaign N or a campaign column'"
    "                     ELSE format('campaign #%s not found', $1::bigint) END"
    " WHERE s.reason IS NULL AND s.cid IS NULL",
    /* the member: by id, or by e-mail among the campaign's members */
    "UPDATE ccrm_responses_stage s SET p_contact = m.contact_id FROM campaign_members m"
    " WHERE s.reason IS NULL AND s.contact_id IS NOT NULL AND m.campaign_id = s.cid"
    "   AND m.contact_id = s.contact_id::bigint",
    "UPDATE ccrm_responses_stage s SET p_lead = m.lead_id FROM campaign_members m"
    " WHERE s.reason IS NULL AND s.lead_id IS NOT NULL AND m.campaign_id = s.cid"
    "   AND m.lead_id = s.lead_id::bigint",
    "WITH mem AS (SELECT DISTINCT ON (m.campaign_id, lower(coalesce(c.email, l.email)))"
    "                    m.campaign_id, lower(coalesce(c.email, l.email)) AS em, m.contact_id,"
    "                    m.lead_id"
    "               FROM campaign_members m LEFT JOIN contacts c ON c.id = m.contact_id"
    "               LEFT JOIN leads l ON l.id = m.lead_id"
    "              WHERE m.campaign_id IN (SELECT DISTINCT cid FROM ccrm_responses_stage)"
    "                AND coalesce(c.email, l.email) IS NOT NULL"
    "              ORDER BY 1, 2, m.contact_id NULLS LAST, m.id)"
    " UPDATE ccrm_responses_stage s SET p_contact = mem.contact_id, p_lead = mem.lead_id"
    "   FROM mem WHERE s.reason IS NULL AND s.contact_id IS NULL AND s.lead_id IS NULL"
    "    AND mem.campaign_id = s.cid AND mem.em = lower(s.email)",
    "UPDATE ccrm_responses_stage s"
    "   SET reason = format('%s is not a member of campaign #%s',"
    "                       coalesce('contact #' || s.contact_id, 'lead #' || s.lead_id,"
    "                                quote_ident(s.email)), s.cid)"
    " WHERE s.reason IS NULL AND s.p_contact IS NULL AND s.p_lead IS NULL",
    /* dated when it happened (the database's rule, ccrm_responses_written): a line dated after
     * tomorrow or before 1900 is refused by its line, not the whole file at the insert */
    "UPDATE ccrm_responses_stage s"
    "   SET reason = format('a response dated %s is %s', to_char(t.at, 'YYYY-MM-DD HH24:MI'),"
    "                       CASE WHEN t.at > now() THEN 'in the future' ELSE 'before 1900' END)"
    "  FROM ccrm_responses_stage s2, LATERAL (SELECT s2.at::timestamptz AS at) t"
    " WHERE s2.line = s.line AND s.reason IS NULL AND s2.at IS NOT NULL"
    "   AND (t.at > now() + interval '1 day' OR t.at < timestamptz '1900-01-01 00:00+00')",
    NULL,
};

/* The writes, when the caller wants them: responses first (they need the membership), then
 * the opt-outs ("unsubscribed", of the consent the campaign's channel needs:
 * ccrm_consent_channel), whose trigger then takes the person out of the open campaigns that
 * need it.
 * A response identical to one recorded already (campaign, person, status and time), or to
 * one on an earlier line, is skipped: the same file imported twice, or a mailing tool's report
 * that repeats the days before, records each response once. Without a time in the file a row
 * is a response now, new every time. The person is one key, coalesce(contact, -lead), so that
 * the anti-join is one hash of a big import against the campaign's responses. */
static const char *const record_sql =
    "WITH g AS (SELECT s.line, s.cid, s.p_contact, s.p_lead, s.status, s.note, t.at,"
    "                  s.at IS NOT NULL AS timed, coalesce(s.p_contact, -s.p_lead) AS who,"
    "                  row_number() OVER (PARTITION BY s.cid, coalesce(s.p_contact, -s.p_lead),"
    "                                                  s.status, t.at ORDER BY s.line) AS nth"
    "             FROM ccrm_responses_stage s,"
    "                  LATERAL (SELECT coalesce(s.at::timestamptz, now()) AS at) t"
    "            WHERE s.reason IS NULL AND s.status <> 'unsubscribed'),"
    " n AS (SELECT g.* FROM g"
    "        WHERE NOT g.timed"
    "           OR (g.nth = 1"
    "               AND NOT EXISTS (SELECT 1 FROM campaign_responses x"
    "                                WHERE x.campaign_id = g.cid AND x.status = g.status"
    "                                  AND x.at = g.at"
    "                                  AND coalesce(x.contact_id, -x.lead_id) = g.who))),"
    " r AS (INSERT INTO campaign_responses (campaign_id, contact_id, lead_id, status, at, note)"
    "       SELECT n.cid, n.p_contact, n.p_lead, n.status, n.at, n.note FROM n ORDER BY n.line"
    "       RETURNING 1)"
    " SELECT count(*) FROM r";
static const char *const optout_sql[] = {
    "WITH k AS (INSERT INTO consents (contact_id, channel, opted_out_at, source)"
    "           SELECT DISTINCT ON (s.p_contact, ch.c) s.p_contact, ch.c,"
    "                  coalesce(s.at::timestamptz, now()), 'unsubscribed: campaign #' || s.cid"
    "             FROM ccrm_responses_stage s,"
    "                  LATERAL (SELECT ccrm_consent_channel(s.channel) AS c) ch"
    "            WHERE s.reason IS NULL AND s.status = 'unsubscribed' AND s.p_contact IS NOT NULL"
    "            ORDER BY s.p_contact, ch.c, s.line"
    "           ON CONFLICT (contact_id, channel) DO UPDATE"
    "              SET opted_out_at = excluded.opted_out_at, source = excluded.source"
    "            WHERE consents.opted_out_at IS NULL" /* one opted out already: no new one */
    "           RETURNING 1)"
    " SELECT count(*) FROM k",
    "WITH k AS (INSERT INTO consents (lead_id, channel, opted_out_at, source)"
    "           SELECT DISTINCT ON (s.p_lead, ch.c) s.p_lead, ch.c,"
    "                  coalesce(s.at::timestamptz, now()), 'unsubscribed: campaign #' || s.cid"
    "             FROM ccrm_responses_stage s,"
    "                  LATERAL (SELECT ccrm_consent_channel(s.channel) AS c) ch"
    "            WHERE s.reason IS NULL AND s.status = 'unsubscribed' AND s.p_lead IS NOT NULL"
    "            ORDER BY s.p_lead, ch.c, s.line"
    "           ON CONFLICT (lead_id, channel) DO UPDATE"
    "              SET opted_out_at = excluded.opted_out_at, source = excluded.source"
    "            WHERE consents.opted_out_at IS NULL" /* one opted out already: no new one */
    "           RETURNING 1)"
    " SELECT count(*) FROM k",
    NULL,
};
/* and out of the open campaign unsubscribed from (the opt-out's trigger took the person out
 * already, unless an earlier opt-out of that channel was there: then it is done here) */
static const char leave_sql[] =
    "SELECT count(*) FILTER (WHERE ccrm_campaign_remove(s.cid,"
    "           CASE WHEN s.p_contact IS NOT NULL THEN 'contacts' ELSE 'leads' END,"
    "           coalesce(s.p_contact, s.p_lead)))"
    "  FROM (SELECT DISTINCT s.cid, s.p_contact, s.p_lead FROM ccrm_responses_stage s"
    "          JOIN campaigns cp ON cp.id = s.cid AND cp.status <> 'completed'"
    "         WHERE s.reason IS NULL AND s.status = 'unsubscribed') s";

int
db_responses_finish(struct db_responses *r, int64_t campaign, int keep_good, int dry_run,
                    int (*reject)(void *arg, long line, const char *reason, const char *raw,
                                  size_t rawlen),
                    void *arg, struct db_responses_counts *c, struct ccrm_err *err)
{
    struct db *db = r->db;
    char idbuf[24];
    const char *params[1] = {campaign > 0 ? idbuf : NULL};
    PGresult *res;
    int i, rc = -1, stop = 0;

    memset(c, 0, sizeof *c);
    snprintf(idbuf, sizeof idbuf, "%" PRId64, campaign);
    r->copying = 0;
    if (PQputCopyEnd(db->conn, NULL) != 1) {
        err_set(err, "could not stage the responses: %s", PQerrorMessage(db->conn));
        goto out;
    }
    if ((res = db_result(db, PQgetResult(db->conn), "could not stage the responses", err)) == NULL)
        goto out;
    PQclear(res);
    while ((res = PQgetResult(db->conn)) != NULL)
        PQclear(res);
    for (i = 0; classify_sql[i] != NULL; i++) {
        int np = strstr(classify_sql[i], "$1") != NULL ? 1 : 0;

        if ((res = db_exec(db, classify_sql[i], np, params, err)) == NULL)
            goto out;
        PQclear(res);
    }
    /* the rejected rows, in line order, streamed */
    if (!PQsendQuery(db->conn, "SELECT line, reason, raw FROM ccrm_responses_stage"
                               " WHERE reason IS NOT NULL ORDER BY line") ||
        !PQsetSingleRowMode(db->conn)) {
        err_set(err, "could not read the rejected rows: %s", PQerrorMessage(db->conn));
        goto out;
    }
    while ((res = PQgetResult(db->conn)) != NULL) {
        if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
            size_t rawlen = 0;
            unsigned char *raw = PQunescapeBytea((const unsigned char *)db_val(res, 0, 2), &rawlen);

            c->rejected++;
            if (!stop && reject != NULL &&
                reject(arg, strtol(db_val(res, 0, 0), NULL, 10), db_val(res, 0, 1),
                       raw != NULL ? (const char *)raw : "", raw != NULL ? rawlen : 0) == -1)
                stop = 1;
            PQfreemem(raw);
        } else if (PQresultStatus(res) != PGRES_TUPLES_OK && !stop) {
            err_set_pg(err, res, db->conn, "could not read the rejected rows");
            stop = 2;
        }
        PQclear(res);
    }
    if (stop == 2)
        goto out;
    if (stop == 1) {
        err_set(err, "could not write the rejected rows: %s", strerror(errno));
        goto out;
    }
    if (c->rejected > 0 && !keep_good) {
        rc = 0; /* nothing recorded: the caller reports the rejects */
        goto out;
    }
    if ((res = db_result(db, PQexec(db->conn, record_sql), "could not record the responses",
                         err)) == NULL)
        goto out;
    c->recorded = strtoll(db_val(res, 0, 0), NULL, 10);
    PQclear(res);
    for (i = 0; optout_sql[i] != NULL; i++) {
        if ((res = db_result(db, PQexec(db->conn, optout_sql[i]), "could not record the opt-outs",
                             err)) == NULL)
            goto out;
        c->opted_out += strtoll(db_val(res, 0, 0), NULL, 10);
        PQclear(res);
    }
    if ((res = db_result(db, PQexec(db->conn, leave_sql), "could not record the opt-outs", err)) ==
        NULL)
        goto out;
    PQclear(res);
    if (dry_run) {
        rc = 0;
        goto out;
    }
    if ((res = db_exec(db, "COMMIT", 0, NULL, err)) == NULL)
        goto out_free;
    PQclear(res);
    rc = 1;
    goto out_free;
out:
    if (db->state == DB_READY)
        PQclear(PQexec(db->conn, "ROLLBACK"));
out_free:
    free(r);
    return rc;
}

void
db_responses_abort(struct db_responses **rp)
{
    struct db_responses *r;
    PGresult *res;

    if (rp == NULL || *rp == NULL)
        return;
    r = *rp;
    if (r->copying) {
        PQputCopyEnd(r->db->conn, "import abandoned");
        while ((res = PQgetResult(r->db->conn)) != NULL)
            PQclear(res);
    }
    if (r->db->state == DB_READY)
        PQclear(PQexec(r->db->conn, "ROLLBACK"));
    free(r);
    *rp = NULL;
}
