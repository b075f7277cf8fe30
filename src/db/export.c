/* The libpq side of ccrm --export (include/ccrm/export.h): one REPEATABLE READ, read-only
 * transaction around one COPY (SELECT ...) TO STDOUT, its columns the import's (foreign keys as
 * the values an import matches them by: an account's domain or name, a contact's or lead's
 * e-mail or, without one, name, a deal's name, a ticket's subject). The COPY itself (db_copy_out:
 * db_int.h) is the back office's exports' too (src/db/billing.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/export.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "db_int.h"

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

/* The COPY statement of entity e */
static void
build_copy(struct strbuf *sql, const struct imp_entity *e, int jsonl)
{
    const char *sep = "";
    int c;

    strbuf_printf(sql, "COPY (SELECT %s FROM (SELECT ", jsonl ? "row_to_json(x)::text" : "x.*");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        if (col->type == IMP_ACCOUNT)
            strbuf_printf(sql,
                          "%s(SELECT coalesce(a.domain, a.name) FROM accounts a"
                          " WHERE a.id = t.account_id) AS \"%s\"",
                          sep, col->name);
        else if (col->type == IMP_CONTACT || col->type == IMP_LEAD)
            /* a person without e-mail by name, which the import finds too (a link to one was
             * an empty cell, lost on the way back) */
            strbuf_printf(sql,
                          "%s(SELECT coalesce(k.email, nullif(concat_ws(' ', k.first_name,"
                          " k.last_name), '')) FROM %s k WHERE k.id = t.\"%s\") AS \"%s\"",
                          sep, col->type == IMP_CONTACT ? "contacts" : "leads", col->target,
                          col->name);
        else if (col->type == IMP_DEAL)
            strbuf_printf(sql,
                          "%s(SELECT o.name FROM opportunities o WHERE o.id = t.\"%s\") AS \"%s\"",
                          sep, col->target, col->name);
        else if (col->type == IMP_TICKET)
            strbuf_printf(sql,
                          "%s(SELECT k.subject FROM tickets k WHERE k.id = t.\"%s\") AS \"%s\"",
                          sep, col->target, col->name);
        else if (!jsonl && strcmp(col->sqltype, "boolean") == 0)
            /* COPY writes a boolean as t or f, which the import (and a reader) takes for
             * neither of the column's values */
            strbuf_printf(sql,
                          "%sCASE t.\"%s\" WHEN true THEN 'true' WHEN false THEN 'false' END"
                          " AS \"%s\"",
                          sep, col->target, col->name);
        else
            strbuf_printf(sql, "%st.\"%s\"", sep, col->target);
        sep = ", ";
    }
    strbuf_printf(sql, " FROM %s t ORDER BY t.id) x) TO STDOUT%s", e->name,
                  jsonl ? "" : " WITH (FORMAT csv, HEADER)");
}

int64_t
db_copy_out(struct db *db, const char *sql, int unescape,
            int (*write)(void *arg, const char *buf, size_t n), void *arg, struct ccrm_err *err)
{
    int64_t rows = -1;
    PGresult *res;
    char *buf;
    int n, failed = 0, write_errno = 0;

    if (db_run(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "could not start the export",
               err) == -1)
        return -1;
    if (db_run(db,
               "SET LOCAL statement_timeout = 0; SET LOCAL datestyle = 'ISO, YMD';"
               " SET LOCAL extra_float_digits = 1",
               "could not start the export", err) == -1)
        goto out;
    res = PQexec(db->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        err_set_pg(err, res, db->conn, "could not export");
        PQclear(res);
        goto out;
    }
    PQclear(res);
    while ((n = PQgetCopyData(db->conn, &buf, 0)) > 0) {
        size_t len = (size_t)n;

        if (unescape)
            len = copy_unescape(buf, len);
        errno = 0; /* (a writer that fails without setting it: EIO below, not an old error) */
        if (!failed && write(arg, buf, len) != 0) {
            /* the output is gone (| head, a full disk): stop the server instead of draining
             * the rest of the table; what is on its way is read and dropped */
            PGcancel *cancel;
            char ebuf[64];

            failed = 1;
            write_errno = errno != 0 ? errno : EIO; /* (before libpq's calls change it) */
            if ((cancel = PQgetCancel(db->conn)) != NULL) {
                PQcancel(cancel, ebuf, sizeof ebuf);
                PQfreeCancel(cancel);
            }
        }
        PQfreemem(buf);
    }
    res = PQgetResult(db->conn);
    if (failed) /* (the server's answer is the cancel's) */
        err_set(err, "could not write the export: %s", strerror(write_errno));
    else if (PQresultStatus(res) != PGRES_COMMAND_OK)
        err_set_pg(err, res, db->conn, "could not export");
    else
        rows = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    while ((res = PQgetResult(db->conn)) != NULL)
        PQclear(res);
out:
    /* a connection lost halfway (the server stopped, the backend was terminated) is exit 69
     * as for every command, not a failed export (db_result says it so too) */
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        db->state = DB_OFFLINE;
        db->lost = 1;
        if (!failed)
            err_set(err, "lost the connection to the database");
    }
    db_rollback(db);
    return rows;
}

int64_t
db_export(struct db *db, const struct imp_entity *e, int jsonl,
          int (*write)(void *arg, const char *buf, size_t n), void *arg, struct ccrm_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    int64_t rows;

    build_copy(&sql, e, jsonl);
    rows = db_copy_out(db, strbuf_str(&sql), jsonl, write, arg, err);
    strbuf_fini(&sql);
    return rows;
}
