/* The libpq side of bulk import and export (docs/import.md): COPY FROM STDIN into a temporary
 * staging table, DB-side checks and classification in one set-based statement, the merge with
 * INSERT ... SELECT / UPDATE ... FROM (row-level security applies), batch bookkeeping, revert
 * from the audit trail, and COPY TO for export. Every identifier in the SQL built here comes
 * from the fixed entity descriptions in src/cli/validate.c; values are parameters or data. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/import.h"
#include "ccrm/util.h"
#include "db_int.h"

#define SQL_MAX 16384

struct db_import {
    struct db *db;
    const struct imp_entity *e;
    int mapped[64];
    int keep_raw;
    int in_copy;
    int classified;
    enum imp_conflict conflict;
    PGcancel *cancel;
};

/* The import running now, for db_import_cancel_current() from a signal handler. */
static PGcancel *volatile current_cancel;

/* Append to a SQL buffer; the buffer is sized for the largest entity, overflow is a bug. */
static void __attribute__((format(printf, 2, 3))) sql_add(char *buf, const char *fmt, ...)
{
    size_t l = strlen(buf);
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf + l, SQL_MAX - l, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= SQL_MAX - l)
        abort();
}

/* Append tpl with @1, @2, @3 replaced by a1..a3 (identifiers from the entity tables). */
static void
sql_tpl(char *buf, const char *tpl, const char *a1, const char *a2, const char *a3)
{
    const char *args[3] = {a1, a2, a3};
    size_t l = strlen(buf);

    for (; *tpl != '\0'; tpl++) {
        const char *ins = NULL;

        if (tpl[0] == '@' && tpl[1] >= '1' && tpl[1] <= '3')
            ins = args[tpl[1] - '1'];
        if (ins != NULL) {
            size_t il = strlen(ins);

            if (l + il >= SQL_MAX)
                abort();
            memcpy(buf + l, ins, il);
            l += il;
            tpl++;
            continue;
        }
        if (l + 1 >= SQL_MAX)
            abort();
        buf[l++] = *tpl;
    }
    buf[l] = '\0';
}

static int
simple(struct db *db, const char *sql, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, 0, NULL, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

static void
rollback(struct db *db)
{
    PGresult *res;

    if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
        return;
    res = PQexec(db->conn, "ROLLBACK");
    PQclear(res);
}

struct db_import *
db_import_begin(struct db *db, const struct imp_entity *e, const int *mapped, int keep_raw,
                struct ccrm_err *err)
{
    struct db_import *imp;
    char sql[SQL_MAX] = "";
    PGresult *res;
    int c;

    /* a session setting, only valid before the first temporary table: more staging in RAM */
    if (simple(db, "SET temp_buffers = '64MB'", err) == -1 || simple(db, "BEGIN", err) == -1)
        return NULL;
    if (simple(db, "SET LOCAL statement_timeout = 0", err) == -1)
        goto fail;
    sql_add(sql, "CREATE TEMP TABLE ccrm_import_stage (line bigint NOT NULL, reason text, "
                 "raw bytea");
    for (c = 0; c < e->ncols; c++)
        sql_add(sql, ", \"%s\" text", e->cols[c].name);
    sql_add(sql, ") ON COMMIT DROP");
    if (simple(db, sql, err) == -1)
        goto fail;
    sql[0] = '\0';
    sql_add(sql, "COPY ccrm_import_stage (line, reason, raw");
    for (c = 0; c < e->ncols; c++)
        sql_add(sql, ", \"%s\"", e->cols[c].name);
    sql_add(sql, ") FROM STDIN");
    res = PQexec(db->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        err_set_pg(err, res, db->conn, "could not start the import");
        PQclear(res);
        goto fail;
    }
    PQclear(res);
    imp = xcalloc(1, sizeof *imp);
    imp->db = db;
    imp->e = e;
    for (c = 0; c < e->ncols && c < 64; c++)
        imp->mapped[c] = mapped[c];
    imp->keep_raw = keep_raw;
    imp->in_copy = 1;
    imp->cancel = PQgetCancel(db->conn);
    current_cancel = imp->cancel;
    return imp;
fail:
    rollback(db);
    return NULL;
}

int
db_import_put(struct db_import *imp, const char *buf, size_t n, struct ccrm_err *err)
{
    while (n > 0) {
        int chunk = n > (1u << 30) ? (1 << 30) : (int)n;

        if (PQputCopyData(imp->db->conn, buf, chunk) != 1) {
            err_set(err, "could not send import data: %s", PQerrorMessage(imp->db->conn));
            return -1;
        }
        buf += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

/* End the COPY; errmsg non-NULL makes the server fail it. Returns 0/-1. */
static int
end_copy(struct db_import *imp, const char *errmsg, struct ccrm_err *err)
{
    PGresult *res;
    int rc = 0;

    imp->in_copy = 0;
    if (PQputCopyEnd(imp->db->conn, errmsg) != 1) {
        err_set(err, "could not end the import data: %s", PQerrorMessage(imp->db->conn));
        return -1;
    }
    while ((res = PQgetResult(imp->db->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            err_set_pg(err, res, imp->db->conn, "could not stage the rows");
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

static const char *
entity_column_expr(const struct imp_column *col, char *buf, size_t n)
{
    if (col->type == IMP_ACCOUNT || col->type == IMP_CONTACT)
        snprintf(buf, n, "w.\"%s_ref\"", col->name);
    else if (col->sqldef != NULL)
        snprintf(buf, n, "coalesce(w.\"%s\"::%s, %s)", col->name, col->sqltype, col->sqldef);
    else
        snprintf(buf, n, "w.\"%s\"::%s", col->name, col->sqltype);
    return buf;
}

int
db_import_classify(struct db_import *imp, enum imp_conflict conflict, struct imp_counts *cnt,
                   struct ccrm_err *err)
{
    const struct imp_entity *e = imp->e;
    const struct imp_column *key = e->key >= 0 ? &e->cols[e->key] : NULL;
    const char *again = conflict == IMP_CONFLICT_SKIP ? "'skip'" : "'update'";
    char *sql = xcalloc(1, SQL_MAX);
    PGresult *res;
    char cbuf[16];
    int c, rc = -1;

    if (imp->in_copy && end_copy(imp, NULL, err) == -1)
        goto out;
    imp->conflict = conflict;
    sql_add(sql, "CREATE TEMP TABLE ccrm_import_work ON COMMIT DROP AS "
                 "SELECT q.*, CASE WHEN q.reason IS NOT NULL THEN 'reject'");
    if (key != NULL)
        sql_add(sql,
                " WHEN q.first_line <> q.line THEN %s"
                " WHEN q.target_id IS NOT NULL THEN %s",
                again, again);
    sql_add(sql, " ELSE 'insert' END AS action, ");
    if (key != NULL)
        sql_add(sql, "CASE WHEN q.first_line IS NULL THEN -q.line ELSE q.first_line END AS grp");
    else
        sql_add(sql, "-q.line AS grp");
    sql_add(sql, " FROM (SELECT s.line, s.raw");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        sql_add(sql, ", s.\"%s\"", col->name);
        if (col->type == IMP_ACCOUNT)
            sql_add(sql, ", r_%d.id AS \"%s_ref\"", c, col->name);
        else if (col->type == IMP_CONTACT)
            sql_add(sql, ", r_%d.id AS \"%s_ref\"", c, col->name);
    }
    sql_add(sql, ", %s AS target_id, s.first_line, coalesce(s.reason, CASE WHEN false THEN NULL",
            key != NULL ? "t.id" : "NULL::bigint");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        snprintf(cbuf, sizeof cbuf, "%d", c);
        if (!imp->mapped[c])
            continue;
        if (col->type == IMP_ACCOUNT)
            sql_tpl(sql,
                    " WHEN s.\"@1\" IS NOT NULL AND r_@2.n = 0"
                    " THEN format('account \"%s\" not found', s.\"@1\")"
                    " WHEN s.\"@1\" IS NOT NULL AND r_@2.n > 1"
                    " THEN format('account \"%s\" is ambiguous (%s accounts match)',"
                    " s.\"@1\", r_@2.n)",
                    col->name, cbuf, NULL);
        else if (col->type == IMP_CONTACT)
            sql_tpl(sql,
                    " WHEN s.\"@1\" IS NOT NULL AND r_@2.id IS NULL"
                    " THEN format('contact \"%s\" not found', s.\"@1\")",
                    col->name, cbuf, NULL);
        else if (col->type == IMP_LOGIN)
            sql_tpl(sql,
                    " WHEN s.\"@1\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u"
                    " WHERE u.login = s.\"@1\")"
                    " THEN format('@1 \"%s\" is not a ccrm user', s.\"@1\")",
                    col->name, NULL, NULL);
    }
    if (key != NULL && conflict == IMP_CONFLICT_ERROR)
        sql_tpl(sql,
                " WHEN s.first_line <> s.line"
                " THEN format('duplicate @1 \"%s\" (also on line %s)', s.\"@2\","
                " s.first_line)"
                " WHEN t.id IS NOT NULL"
                " THEN format('@1 \"%s\" already exists (@3 %s)', s.\"@2\", t.id)",
                e->keyword, key->name, e->name);
    sql_add(sql, " END) AS reason FROM (SELECT st.*");
    if (key != NULL)
        sql_tpl(sql,
                ", CASE WHEN st.reason IS NULL AND st.\"@1\" IS NOT NULL THEN"
                " min(st.line) FILTER (WHERE st.reason IS NULL)"
                " OVER (PARTITION BY lower(st.\"@1\")) END AS first_line",
                key->name, NULL, NULL);
    else
        sql_add(sql, ", NULL::bigint AS first_line");
    sql_add(sql, " FROM ccrm_import_stage st) s");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        snprintf(cbuf, sizeof cbuf, "%d", c);
        if (col->type == IMP_ACCOUNT && imp->mapped[c])
            sql_tpl(sql,
                    " LEFT JOIN LATERAL (SELECT count(*) AS n, min(a.id) AS id FROM accounts a"
                    " WHERE s.reason IS NULL AND (lower(a.domain) = lower(s.\"@1\")"
                    " OR a.name = s.\"@1\")) r_@2 ON true",
                    col->name, cbuf, NULL);
        else if (col->type == IMP_ACCOUNT)
            sql_add(sql, " LEFT JOIN (SELECT 0 AS n, NULL::bigint AS id) r_%d ON true", c);
        else if (col->type == IMP_CONTACT && imp->mapped[c])
            sql_tpl(sql,
                    " LEFT JOIN LATERAL (SELECT min(k.id) AS id FROM contacts k"
                    " WHERE s.reason IS NULL AND lower(k.email) = lower(s.\"@1\")) r_@2"
                    " ON true",
                    col->name, cbuf, NULL);
        else if (col->type == IMP_CONTACT)
            sql_add(sql, " LEFT JOIN (SELECT NULL::bigint AS id) r_%d ON true", c);
    }
    if (key != NULL)
        sql_tpl(sql,
                " LEFT JOIN LATERAL (SELECT x.id FROM @1 x WHERE s.reason IS NULL"
                " AND lower(x.\"@2\") = lower(s.\"@2\") ORDER BY x.id LIMIT 1) t ON true",
                e->name, key->target, NULL);
    sql_add(sql, ") q");
    if (simple(imp->db, sql, err) == -1)
        goto out;
    res = db_exec(imp->db,
                  "SELECT count(*) FILTER (WHERE action = 'insert'),"
                  " count(*) FILTER (WHERE action = 'update'),"
                  " count(*) FILTER (WHERE action = 'skip'),"
                  " count(*) FILTER (WHERE action = 'reject') FROM ccrm_import_work",
                  0, NULL, err);
    if (res == NULL)
        goto out;
    cnt->inserted = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    cnt->updated = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    cnt->skipped = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    cnt->rejected = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    PQclear(res);
    imp->classified = 1;
    rc = 0;
out:
    free(sql);
    return rc;
}

static int64_t
be64(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | u[i];
    return (int64_t)v;
}

int
db_import_rejects(struct db_import *imp,
                  int (*cb)(void *arg, int64_t line, const char *reason, const char *raw,
                            size_t rawlen),
                  void *arg, struct ccrm_err *err)
{
    PGresult *res;
    int i, n, rc = 0;

    if (simple(imp->db,
               "DECLARE ccrm_rejects NO SCROLL CURSOR FOR SELECT line, reason, raw"
               " FROM ccrm_import_work WHERE action = 'reject' ORDER BY line",
               err) == -1)
        return -1;
    do {
        res = PQexecParams(imp->db->conn, "FETCH 1000 FROM ccrm_rejects", 0, NULL, NULL, NULL, NULL,
                           1);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            err_set_pg(err, res, imp->db->conn, "could not read the rejected rows");
            PQclear(res);
            return -1;
        }
        n = PQntuples(res);
        for (i = 0; i < n && rc == 0; i++) {
            char *reason = xstrdup(PQgetisnull(res, i, 1) ? "" : PQgetvalue(res, i, 1));

            /* binary text is not NUL-terminated by contract: copy by length */
            reason[PQgetisnull(res, i, 1) ? 0 : PQgetlength(res, i, 1)] = '\0';
            if (cb(arg, be64(PQgetvalue(res, i, 0)), reason,
                   PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2),
                   PQgetisnull(res, i, 2) ? 0 : (size_t)PQgetlength(res, i, 2)) != 0)
                rc = -1;
            free(reason);
        }
        PQclear(res);
    } while (n > 0 && rc == 0);
    if (simple(imp->db, "CLOSE ccrm_rejects", err) == -1)
        return -1;
    return rc;
}

int64_t
db_import_commit(struct db_import *imp, const char *file_name, const struct imp_counts *cnt,
                 struct ccrm_err *err)
{
    const struct imp_entity *e = imp->e;
    char *sql = xcalloc(1, SQL_MAX), expr[160], idbuf[24], nb[2][24];
    const char *params[6];
    const char *sep = "";
    int64_t id = -1;
    PGresult *res;
    int c;

    params[0] = e->name;
    params[1] = file_name;
    /* the batch: made by the server, which also counts what the import really wrote */
    res = db_exec(imp->db, "SELECT ccrm_import_begin($1, $2)", 2, params, err);
    if (res == NULL)
        goto fail;
    str_copy(idbuf, PQgetvalue(res, 0, 0), sizeof idbuf);
    PQclear(res);

    /* inserts, in file order */
    sql_add(sql, "INSERT INTO %s (", e->name);
    for (c = 0; c < e->ncols; c++)
        if (imp->mapped[c]) {
            sql_add(sql, "%s\"%s\"", sep, e->cols[c].target);
            sep = ", ";
        }
    sql_add(sql, ") SELECT ");
    sep = "";
    for (c = 0; c < e->ncols; c++)
        if (imp->mapped[c]) {
            sql_add(sql, "%s%s", sep, entity_column_expr(&e->cols[c], expr, sizeof expr));
            sep = ", ";
        }
    if (imp->conflict == IMP_CONFLICT_UPDATE)
        /* several rows of one key: the last one's values win */
        sql_add(sql, " FROM (SELECT DISTINCT ON (grp) * FROM ccrm_import_work"
                     " WHERE action IN ('insert', 'update') AND target_id IS NULL"
                     " ORDER BY grp, line DESC) w ORDER BY abs(w.grp)");
    else
        sql_add(sql, " FROM ccrm_import_work w WHERE w.action = 'insert' ORDER BY w.line");
    if (simple(imp->db, sql, err) == -1)
        goto fail;

    if (imp->conflict == IMP_CONFLICT_UPDATE && cnt->updated > 0) {
        sql[0] = '\0';
        sep = "";
        sql_add(sql, "UPDATE %s t SET ", e->name);
        for (c = 0; c < e->ncols; c++)
            if (imp->mapped[c]) {
                sql_add(sql, "%s\"%s\" = %s", sep, e->cols[c].target,
                        entity_column_expr(&e->cols[c], expr, sizeof expr));
                sep = ", ";
            }
        sql_add(sql, " FROM (SELECT DISTINCT ON (grp) * FROM ccrm_import_work"
                     " WHERE action = 'update' AND target_id IS NOT NULL"
                     " ORDER BY grp, line DESC) w WHERE t.id = w.target_id");
        if (simple(imp->db, sql, err) == -1)
            goto fail;
    }
    /* what the server cannot count: the rows that were not written */
    snprintf(nb[0], sizeof nb[0], "%" PRId64, cnt->skipped);
    snprintf(nb[1], sizeof nb[1], "%" PRId64, cnt->rejected);
    params[0] = idbuf;
    params[1] = nb[0];
    params[2] = nb[1];
    res = db_exec(imp->db, "SELECT ccrm_import_note($1, $2, $3)", 3, params, err);
    if (res == NULL)
        goto fail;
    PQclear(res);
    if (simple(imp->db, "COMMIT", err) == -1)
        goto fail;
    id = strtoll(idbuf, NULL, 10);
    free(sql);
    return id;
fail:
    free(sql);
    rollback(imp->db);
    return -1;
}

void
db_import_abort(struct db_import **impp)
{
    struct db_import *imp;
    struct ccrm_err err;

    if (impp == NULL || *impp == NULL)
        return;
    imp = *impp;
    current_cancel = NULL;
    if (imp->in_copy)
        end_copy(imp, "import cancelled", &err);
    rollback(imp->db);
    if (imp->cancel != NULL)
        PQfreeCancel(imp->cancel);
    free(imp);
    *impp = NULL;
}

void
db_import_cancel_current(void)
{
    char buf[256];
    PGcancel *c = current_cancel;

    if (c != NULL)
        (void)PQcancel(c, buf, sizeof buf);
}

/* ---- revert ---- */

int
db_import_revert(struct db *db, int64_t batch, char *summary, size_t n, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, batch);
    if (simple(db, "BEGIN", err) == -1)
        return -1;
    if (simple(db, "SET LOCAL statement_timeout = 0", err) == -1)
        goto fail;
    /* the server does it all (schema/014): it may delete where the caller holds no DELETE,
     * refuses when a row changed since, and says which */
    res = PQexecParams(db->conn, "SELECT ccrm_import_revert($1)", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

        if (state != NULL && (strcmp(state, "P0002") == 0 || strcmp(state, "55000") == 0))
            err_set(err, "%s", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        else
            err_set_pg(err, res, db->conn, "could not revert the import");
        PQclear(res);
        db_drain_notifies(db);
        if (PQstatus(db->conn) == CONNECTION_BAD) {
            db->state = DB_OFFLINE;
            db->lost = 1;
        }
        goto fail;
    }
    str_copy(summary, PQgetvalue(res, 0, 0), n);
    PQclear(res);
    if (simple(db, "COMMIT", err) == -1)
        goto fail;
    return 0;
fail:
    rollback(db);
    return -1;
}

/* ---- export ---- */

/* Undo COPY text-format escaping in place; returns the new length. */
static size_t
copy_unescape(char *s, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            s[o++] = s[i];
            continue;
        }
        switch (s[++i]) {
        case 'n':
            s[o++] = '\n';
            break;
        case 't':
            s[o++] = '\t';
            break;
        case 'r':
            s[o++] = '\r';
            break;
        case 'b':
            s[o++] = '\b';
            break;
        case 'f':
            s[o++] = '\f';
            break;
        case 'v':
            s[o++] = '\v';
            break;
        default:
            s[o++] = s[i];
            break;
        }
    }
    return o;
}

int64_t
db_export(struct db *db, const struct imp_entity *e, int jsonl,
          int (*write)(void *arg, const char *buf, size_t n), void *arg, struct ccrm_err *err)
{
    char *sql = xcalloc(1, SQL_MAX);
    const char *sep = "";
    int64_t rows = -1;
    PGresult *res;
    char *buf;
    int c, n, failed = 0;

    if (simple(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) == -1) {
        free(sql);
        return -1;
    }
    if (simple(db, "SET LOCAL statement_timeout = 0", err) == -1 ||
        simple(db, "SET LOCAL datestyle = 'ISO, YMD'", err) == -1 ||
        simple(db, "SET LOCAL extra_float_digits = 1", err) == -1)
        goto out;
    sql_add(sql, "COPY (SELECT %s FROM (SELECT ", jsonl ? "row_to_json(x)::text" : "x.*");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        if (col->type == IMP_ACCOUNT)
            sql_add(sql,
                    "%s(SELECT coalesce(a.domain, a.name) FROM accounts a"
                    " WHERE a.id = t.account_id) AS \"%s\"",
                    sep, col->name);
        else if (col->type == IMP_CONTACT)
            sql_add(sql, "%s(SELECT k.email FROM contacts k WHERE k.id = t.contact_id) AS \"%s\"",
                    sep, col->name);
        else
            sql_add(sql, "%st.\"%s\"", sep, col->target);
        sep = ", ";
    }
    sql_add(sql, " FROM %s t ORDER BY t.id) x) TO STDOUT%s", e->name,
            jsonl ? "" : " WITH (FORMAT csv, HEADER)");
    res = PQexec(db->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        err_set_pg(err, res, db->conn, "could not export");
        PQclear(res);
        goto out;
    }
    PQclear(res);
    while ((n = PQgetCopyData(db->conn, &buf, 0)) > 0) {
        size_t len = (size_t)n;

        if (jsonl)
            len = copy_unescape(buf, len);
        if (!failed && write(arg, buf, len) != 0)
            failed = 1;
        PQfreemem(buf);
    }
    res = PQgetResult(db->conn);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        err_set_pg(err, res, db->conn, "could not export");
    } else if (failed) {
        err_set(err, "could not write the export");
    } else {
        rows = strtoll(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
    while ((res = PQgetResult(db->conn)) != NULL)
        PQclear(res);
out:
    free(sql);
    rollback(db);
    return rows;
}
