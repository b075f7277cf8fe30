/* The libpq side of bulk import (docs/import.md): COPY FROM STDIN into a temporary
 * staging table, DB-side checks and classification in one set-based statement, the merge with
 * INSERT ... SELECT / UPDATE ... FROM (row-level security applies), batch bookkeeping, revert
 * from the audit trail (export: src/db/export.c). Every identifier in the SQL built here comes
 * from the import's entity descriptions (src/cli/validate.c, made from the registry); values
 * are parameters or data. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/import.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "db_int.h"

struct db_import {
    struct db *db;
    const struct imp_entity *e;
    int mapped[64];
    int keep_raw;
    int in_copy;
    int classified;
    int locked;             /* holds the import lock of its table (db_import_lock) */
    int accounts_locked;    /* ... and of accounts (db_import_lock_accounts) */
    int64_t update_targets; /* existing rows the classification plans to update */
    int create_missing;     /* --create-missing accounts (db_import_create_missing) */
    int64_t created;        /* accounts the last merge made (a dry run's: would make) */
    int predicted;          /* db_import_unchanged counted (before the merge) */
    int merged;             /* db_import_commit merged: unchanged is what the merge found */
    int64_t unchanged;      /* rows to update that hold the file's values already */
    int64_t unchanged_plan; /* ... among them, keyless rows the classification found equal */
    enum imp_conflict conflict;
    PGcancel *cancel;
};

/* The import running now, for db_import_cancel_current() from a signal handler. */
static PGcancel *volatile current_cancel;

/* Append tpl with @1 .. @4 replaced by a[0] .. a[3] (identifiers from the entity tables). */
static void
sql_tpl4(struct strbuf *sql, const char *tpl, const char *const a[4])
{
    const char *p;

    for (p = tpl; *p != '\0'; p++) {
        if (p[0] == '@' && p[1] >= '1' && p[1] <= '4' && a[p[1] - '1'] != NULL) {
            strbuf_add(sql, tpl, (size_t)(p - tpl));
            strbuf_puts(sql, a[p[1] - '1']);
            tpl = ++p + 1;
        }
    }
    strbuf_add(sql, tpl, (size_t)(p - tpl));
}

static void
sql_tpl(struct strbuf *sql, const char *tpl, const char *a1, const char *a2, const char *a3)
{
    const char *const a[4] = {a1, a2, a3, NULL};

    sql_tpl4(sql, tpl, a);
}

/* a statement without parameters, its failure in the server's words */
static int
simple(struct db *db, const char *sql, struct ccrm_err *err)
{
    return db_run(db, sql, "", err);
}

struct db_import *
db_import_begin(struct db *db, const struct imp_entity *e, const int *mapped, int keep_raw,
                struct ccrm_err *err)
{
    struct db_import *imp;
    struct strbuf sqlbuf = STRBUF_INIT, *sql = &sqlbuf;
    PGresult *res;
    int c;

    /* a session setting, only valid before the first temporary table: more staging in RAM */
    if (simple(db, "SET temp_buffers = '64MB'", err) == -1 || simple(db, "BEGIN", err) == -1)
        return NULL;
    if (simple(db, "SET LOCAL statement_timeout = 0", err) == -1)
        goto fail;
    /* no right to add these records: said before the file is read, so a dry run says it too
     * (the department rules, which look at the values, still decide at the insert) */
    {
        const char *params[1] = {e->name};

        if ((res = db_exec(db, "SELECT has_any_column_privilege($1::regclass, 'INSERT')", 1, params,
                           err)) == NULL)
            goto fail;
        if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
            PQclear(res);
            err_set(err, "permission denied: your role may not add %s", e->plural);
            memcpy(err->sqlstate, "42501", 6);
            goto fail;
        }
        PQclear(res);
    }
    /* a column of the file the role may not set (a partner: a ticket's status), named before
     * the file is read, rather than "not for your role" for the whole table at the insert */
    {
        const char *params[2] = {e->name, NULL};

        strbuf_puts(sql, "{");
        for (c = 0; c < e->ncols; c++)
            if (mapped[c])
                strbuf_printf(sql, "%s%s", strbuf_str(sql)[1] != '\0' ? "," : "",
                              e->cols[c].target);
        strbuf_puts(sql, "}");
        params[1] = strbuf_str(sql);
        if ((res = db_exec(db,
                           "SELECT c FROM unnest($2::text[]) c"
                           " WHERE NOT has_column_privilege($1::regclass, c, 'INSERT') LIMIT 1",
                           2, params, err)) == NULL)
            goto fail;
        if (PQntuples(res) > 0) {
            for (c = 0; c < e->ncols; c++)
                if (mapped[c] && strcmp(e->cols[c].target, PQgetvalue(res, 0, 0)) == 0)
                    break;
            err_set(err,
                    "permission denied: your role may not set the column \"%s\" of %s (leave"
                    " it out of the file)",
                    c < e->ncols ? e->cols[c].name : PQgetvalue(res, 0, 0), e->plural);
            memcpy(err->sqlstate, "42501", 6);
            PQclear(res);
            goto fail;
        }
        PQclear(res);
        strbuf_reset(sql);
    }
    strbuf_printf(sql, "CREATE TEMP TABLE ccrm_import_stage (line bigint NOT NULL, reason text, "
                       "raw bytea");
    for (c = 0; c < e->ncols; c++)
        strbuf_printf(sql, ", \"%s\" text", e->cols[c].name);
    strbuf_printf(sql, ") ON COMMIT DROP");
    if (simple(db, strbuf_str(sql), err) == -1 ||
        simple(db, "CREATE TEMP TABLE ccrm_import_xmin (x int) ON COMMIT DROP", err) == -1)
        goto fail;
    strbuf_reset(sql);
    strbuf_printf(sql, "COPY ccrm_import_stage (line, reason, raw");
    for (c = 0; c < e->ncols; c++)
        strbuf_printf(sql, ", \"%s\"", e->cols[c].name);
    strbuf_printf(sql, ") FROM STDIN");
    res = PQexec(db->conn, strbuf_str(sql));
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
    strbuf_fini(sql);
    return imp;
fail:
    strbuf_fini(sql);
    db_rollback(db);
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

/* a column that names another record, resolved to its id in the work table ("x_ref") */
static int
is_ref(enum imp_type t)
{
    return t == IMP_ACCOUNT || t == IMP_CONTACT || t == IMP_LEAD || t == IMP_DEAL ||
           t == IMP_TICKET;
}

static const char *
entity_column_expr(const struct imp_column *col, char *buf, size_t n)
{
    if (is_ref(col->type))
        snprintf(buf, n, "w.\"%s_ref\"", col->name);
    else if (col->sqldef != NULL)
        snprintf(buf, n, "coalesce(w.\"%s\"::%s, %s)", col->name, col->sqltype, col->sqldef);
    else
        snprintf(buf, n, "w.\"%s\"::%s", col->name, col->sqltype);
    return buf;
}

/* Account a has the name of the row's column @1, in any letter case ("acme media ab" is Acme Media
 * AB, as a domain is matched): the name key's index (ccrm_name_key: folded, legal forms left out)
 * finds the candidates (the name itself: one the key leaves empty), and lower() keeps the match to
 * the letter case alone. */
#define ACCOUNT_NAMED                                                                              \
    "((ccrm_name_key(a.name) = ccrm_name_key(s.\"@1\") OR a.name = s.\"@1\")"                      \
    " AND lower(a.name) = lower(s.\"@1\"))"

/* Person x (a contact or lead) is the one the row's column @1 names: by e-mail in any letter
 * case, or, a value without "@", by name, as an export writes a person without e-mail ("Ada
 * Lovelace": first and last name), in any letter case; the name key's index (ccrm_person_name,
 * schema/021) finds the candidates (an address is no name: NULL, the key not computed). @2:
 * more for a match by name (within the row's account) */
#define PERSON_NAMED                                                                               \
    "(lower(x.email) = lower(s.\"@1\") OR (ccrm_person_name(x.first_name, x.last_name) ="          \
    " CASE WHEN strpos(s.\"@1\", '@') = 0 THEN ccrm_person_name(s.\"@1\", NULL) END"               \
    " AND lower(concat_ws(' ', x.first_name, x.last_name)) = lower(s.\"@1\")@2))"

/* what a reference column names, in messages: one, several */
static const char *
ref_noun(enum imp_type t)
{
    return t == IMP_CONTACT ? "contact"
           : t == IMP_LEAD  ? "lead"
           : t == IMP_DEAL  ? "deal"
                            : "ticket";
}

static const char *
ref_nouns(enum imp_type t)
{
    return t == IMP_CONTACT ? "contacts"
           : t == IMP_LEAD  ? "leads"
           : t == IMP_DEAL  ? "deals"
                            : "tickets";
}

/* Imports into one table run one after the other: from the classification to the commit, an
 * import holds a transaction-level advisory lock on its table ("ccrm" in ASCII and the table's
 * oid). Two imports that both looked up an e-mail before either inserted it would both plan
 * an insert, and the second would fail on the unique index (contacts) or add a duplicate
 * (leads, accounts): in turn, the second one classifies after the first committed, and gets
 * the --on-conflict it asked for. */
static int
lock_table(struct db_import *imp, const char *table, int wait, struct ccrm_err *err)
{
    const char *params[1] = {table};
    PGresult *res;
    int got;

    if (imp->in_copy && end_copy(imp, NULL, err) == -1)
        return -1;
    /* waiting for the other import as long as it takes (Ctrl-C stops it): a login's
     * lock_timeout (ccrm_add_user sets 5 s against stuck row locks) is lifted for this wait
     * only, and put back after it */
    res = db_exec(
        imp->db,
        wait ? "SELECT current_setting('lock_timeout'), set_config('lock_timeout', '0', true)"
             : "SELECT true, pg_try_advisory_xact_lock(1667460717, $1::regclass::oid::int)",
        wait ? 0 : 1, params, err);
    if (res == NULL)
        return -1;
    if (wait) {
        char was[64];
        const char *back[1] = {was};

        str_copy(was, PQgetvalue(res, 0, 0), sizeof was);
        PQclear(res);
        if ((res = db_exec(imp->db,
                           "SELECT pg_advisory_xact_lock(1667460717, $1::regclass::oid::int), true",
                           1, params, err)) == NULL)
            return -1;
        PQclear(res);
        if ((res = db_exec(imp->db, "SELECT set_config('lock_timeout', $1, true), true", 1, back,
                           err)) == NULL)
            return -1;
    }
    got = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    return got;
}

int
db_import_lock(struct db_import *imp, int wait, struct ccrm_err *err)
{
    if (!imp->locked)
        imp->locked = lock_table(imp, imp->e->name, wait, err);
    return imp->locked;
}

/* --create-missing accounts makes accounts: under the accounts table's import lock too, so
 * that two imports (into contacts and deals, say) naming one new organisation make it once,
 * the second finding the first one's. Taken after the import's own (an import into accounts
 * holds that one only): two imports never wait for each other's in turn. */
int
db_import_lock_accounts(struct db_import *imp, int wait, struct ccrm_err *err)
{
    if (!imp->accounts_locked)
        imp->accounts_locked = lock_table(imp, "accounts", wait, err);
    return imp->accounts_locked;
}

/* The counts in the work table: records inserted and updated once each (a group: a key, or a
 * line of its own), as the server counts the batch from the audit trail, and the lines skipped
 * and rejected; the other lines of a group are merged. After the classification (plan: also
 * the updates the merge's first round expects), again when the merge found rows the table's
 * rules refuse (plan), and after a merge whose outcome differed from the plan (the rows left
 * unchanged among them). */
static int
count_work(struct db_import *imp, struct imp_counts *cnt, int plan, struct ccrm_err *err)
{
    PGresult *res = db_exec(imp->db,
                            "SELECT count(DISTINCT grp) FILTER (WHERE action = 'insert'"
                            " OR (action = 'update' AND target_id IS NULL)),"
                            " count(DISTINCT grp) FILTER (WHERE action = 'update'"
                            " AND target_id IS NOT NULL),"
                            " count(*) FILTER (WHERE action = 'skip'),"
                            " count(*) FILTER (WHERE action = 'reject'),"
                            " count(DISTINCT grp) FILTER (WHERE action = 'unchanged'),"
                            " count(*) FILTER (WHERE action IN ('insert', 'update', 'unchanged'))"
                            " FROM ccrm_import_work",
                            0, NULL, err);

    if (res == NULL)
        return -1;
    cnt->inserted = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    cnt->updated = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    cnt->skipped = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    cnt->rejected = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    imp->unchanged = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    cnt->merged =
        strtoll(PQgetvalue(res, 0, 5), NULL, 10) - cnt->inserted - cnt->updated - imp->unchanged;
    if (plan) {
        imp->update_targets = cnt->updated;
        imp->unchanged_plan = imp->unchanged;
    }
    PQclear(res);
    return 0;
}

/* The mapped columns, comma-separated: each as its target column (COL_NAME), that column of
 * the table as alias t (COL_TARGET), its value from the work table as an insert writes it
 * (COL_VALUE) or as an update of row t writes it (COL_NEW), or that as an assignment
 * (COL_SET). An update leaves an owner or assignee whose cell is empty as it is: every record
 * has one (the rules chose it at the insert, routed_rule says which), and an empty cell says
 * nothing about it. */
enum col_as { COL_NAME, COL_TARGET, COL_VALUE, COL_NEW, COL_SET };

static void mapped_columns(struct strbuf *sql, const struct db_import *imp, enum col_as as);
static int64_t query_count(struct db *db, const char *sql, int nparams, const char *const *params,
                           struct ccrm_err *err);
static int work_indexed(struct db_import *imp, struct ccrm_err *err);

/* keyless_same's columns: what: 0 the table's (t), 1 the work table's (w), of the columns
 * compared as arrays; 2 the conditions on an owner or assignee, which an empty cell leaves
 * alone on update (COL_NEW) and so matches any */
static void
keyless_columns(struct strbuf *sql, const struct db_import *imp, int what)
{
    const struct imp_entity *e = imp->e;
    const char *sep = "";
    char expr[160];
    int c;

    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        if (!imp->mapped[c] || (col->type == IMP_LOGIN) != (what == 2))
            continue;
        entity_column_expr(col, expr, sizeof expr);
        if (what == 2)
            strbuf_printf(sql, " AND (%s IS NULL OR t.\"%s\" = %s)", expr, col->target, expr);
        else
            strbuf_printf(sql, what == 0 ? "%st.\"%s\"" : "%s%s", sep,
                          what == 0 ? col->target : expr);
        sep = ", ";
    }
}

/* A row without a key (a contact without e-mail, an account without domain; every row of a
 * table without one: deals, tickets, interactions) that equals an existing row in every column
 * the file imports (as the merge would write them) is a duplicate too: skipped, unchanged
 * (update: there is nothing to write) or, with error, rejected naming the row; so an export
 * imported back writes nothing the second time, as its keyed rows do (an empty owner cell
 * matches any owner, as an update leaves it: COL_NEW). A keyless row that differs in a column is
 * inserted. The rows are compared as one jsonb array each, which a hash join matches (a NULL is
 * json's null: equal to a NULL). */
static int
keyless_same(struct db_import *imp, struct ccrm_err *err)
{
    const struct imp_entity *e = imp->e;
    const struct imp_column *key = e->key >= 0 ? &e->cols[e->key] : NULL;
    struct strbuf sqlbuf = STRBUF_INIT, *sql = &sqlbuf;
    char keyless[160] = "";
    int64_t n;
    int rc = -1;

    if (key != NULL)
        snprintf(keyless, sizeof keyless, " AND w.\"%s\" IS NULL", key->name);
    strbuf_printf(sql, "SELECT count(*) FROM ccrm_import_work w WHERE w.action = 'insert'%s",
                  keyless);
    if ((n = query_count(imp->db, strbuf_str(sql), 0, NULL, err)) <= 0) {
        rc = n < 0 ? -1 : 0;
        goto out;
    }
    /* (its statistics: without them the planner may take a nested loop over the table) */
    if (work_indexed(imp, err) == -1)
        goto out;
    strbuf_reset(sql);
    if (imp->conflict == IMP_CONFLICT_ERROR) {
        const char *const a[4] = {e->singular, e->name, e->keyword, NULL};

        sql_tpl4(sql,
                 key != NULL ? "UPDATE ccrm_import_work u SET action = 'reject', target_id = d.id,"
                               " reason = format('@1 with these values exists already (@2 %s)"
                               " and the line has no @3 to tell them apart', d.id)"
                             : "UPDATE ccrm_import_work u SET action = 'reject', target_id = d.id,"
                               " reason = format('@1 with these values exists already (@2 %s)',"
                               " d.id)",
                 a);
    } else
        strbuf_printf(sql, "UPDATE ccrm_import_work u SET action = '%s', target_id = d.id",
                      imp->conflict == IMP_CONFLICT_SKIP ? "skip" : "unchanged");
    strbuf_puts(sql, " FROM (SELECT DISTINCT ON (w.line) w.line, t.id FROM ccrm_import_work w");
    strbuf_printf(sql, " JOIN %s t ON jsonb_build_array(", e->name);
    keyless_columns(sql, imp, 0);
    strbuf_puts(sql, ") = jsonb_build_array(");
    keyless_columns(sql, imp, 1);
    strbuf_puts(sql, ")");
    keyless_columns(sql, imp, 2);
    /* (implied when the file has the key's column: a table's keyed rows are not compared) */
    if (key != NULL && imp->mapped[e->key])
        strbuf_printf(sql, " AND t.\"%s\" IS NULL", key->target);
    strbuf_printf(sql,
                  " WHERE w.action = 'insert'%s ORDER BY w.line, t.id) d WHERE u.line = d.line",
                  keyless);
    if (simple(imp->db, strbuf_str(sql), err) == -1)
        goto out;
    rc = 0;
out:
    strbuf_fini(sql);
    return rc;
}

int
db_import_classify(struct db_import *imp, enum imp_conflict conflict, struct imp_counts *cnt,
                   struct ccrm_err *err)
{
    const struct imp_entity *e = imp->e;
    const struct imp_column *key = e->key >= 0 ? &e->cols[e->key] : NULL;
    const char *again = conflict == IMP_CONFLICT_SKIP ? "'skip'" : "'update'";
    struct strbuf sqlbuf = STRBUF_INIT, *sql = &sqlbuf;
    char cbuf[16];
    int c, rc = -1, account = -1;

    if (db_import_lock(imp, 1, err) == -1 ||
        (imp->create_missing && db_import_lock_accounts(imp, 1, err) == -1))
        goto out;
    imp->conflict = conflict;
    for (c = 0; c < e->ncols && account < 0; c++)
        if (e->cols[c].type == IMP_ACCOUNT && imp->mapped[c])
            account = c;
    strbuf_printf(sql, "CREATE TEMP TABLE ccrm_import_work ON COMMIT DROP AS "
                       "SELECT q.*, CASE WHEN q.reason IS NOT NULL THEN 'reject'");
    if (key != NULL)
        strbuf_printf(sql,
                      " WHEN q.first_ok <> q.line THEN %s"
                      " WHEN q.target_id IS NOT NULL THEN %s",
                      again, again);
    strbuf_printf(sql, " ELSE 'insert' END AS action, ");
    if (key != NULL)
        strbuf_printf(sql, "CASE WHEN q.first_ok IS NULL THEN -q.line ELSE q.first_ok END AS grp");
    else
        strbuf_printf(sql, "-q.line AS grp");
    /* the merge's own bookkeeping: which round merges the row's group, and what happened to it
     * that the classification did not foresee (a row deleted or added meanwhile) */
    strbuf_printf(sql, ", 0 AS round, NULL::text AS note");
    /* a row the table's own rules refused at the merge (its SQLSTATE until the reason is put
     * in words: find_refused), and whether its rejection was reported (db_import_rejects) */
    strbuf_printf(sql, ", NULL::text AS refused, false AS told");
    /* the first line of a key that is not refused, also for what the database refuses (an
     * account not found): a later line with the same key is then the one inserted, not
     * skipped as a duplicate of a line that never gets in */
    strbuf_printf(sql, " FROM (SELECT q0.*");
    if (key != NULL)
        sql_tpl(sql,
                ", CASE WHEN q0.reason IS NULL AND q0.\"@1\" IS NOT NULL THEN"
                " min(q0.line) FILTER (WHERE q0.reason IS NULL)"
                " OVER (PARTITION BY lower(q0.\"@1\")) END AS first_ok",
                key->name, NULL, NULL);
    strbuf_printf(sql, " FROM (SELECT s.line, s.raw");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        strbuf_printf(sql, ", s.\"%s\"", col->name);
        if (is_ref(col->type))
            strbuf_printf(sql, ", r_%d.id AS \"%s_ref\"", c, col->name);
    }
    strbuf_printf(sql,
                  ", %s AS target_id, s.first_line, coalesce(s.reason, CASE WHEN false THEN NULL",
                  key != NULL ? "t.id" : "NULL::bigint");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        snprintf(cbuf, sizeof cbuf, "%d", c);
        if (!imp->mapped[c])
            continue;
        /* (--create-missing accounts: one not found is made by the merge, for the rows it
         * writes: create_accounts) */
        if (col->type == IMP_ACCOUNT && !imp->create_missing)
            sql_tpl(sql,
                    " WHEN s.\"@1\" IS NOT NULL AND r_@2.n = 0"
                    " THEN format('account \"%s\" not found', s.\"@1\")",
                    col->name, cbuf, NULL);
        if (col->type == IMP_ACCOUNT)
            sql_tpl(sql,
                    " WHEN s.\"@1\" IS NOT NULL AND r_@2.n > 1"
                    " THEN format('account \"%s\" is ambiguous (%s accounts match)',"
                    " s.\"@1\", r_@2.n)",
                    col->name, cbuf, NULL);
        else if (col->type == IMP_CONTACT || col->type == IMP_LEAD || col->type == IMP_DEAL ||
                 col->type == IMP_TICKET) {
            const char *const a[4] = {col->name, cbuf, ref_noun(col->type), ref_nouns(col->type)};

            sql_tpl4(sql,
                     " WHEN s.\"@1\" IS NOT NULL AND r_@2.n = 0"
                     " THEN format('@3 \"%s\" not found', s.\"@1\")"
                     " WHEN s.\"@1\" IS NOT NULL AND r_@2.n > 1"
                     " THEN format('@3 \"%s\" is ambiguous (%s @4 match)', s.\"@1\", r_@2.n)",
                     a);
        } else if (col->type == IMP_CURRENCY)
            sql_tpl(sql,
                    " WHEN s.\"@1\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM currencies cu"
                    " WHERE cu.code = s.\"@1\")"
                    " THEN format('currency \"%s\" is not one ccrm knows (ISO 4217: EUR, USD,"
                    " ...)', s.\"@1\")",
                    col->name, NULL, NULL);
        else if (col->type == IMP_LOGIN)
            sql_tpl(sql,
                    " WHEN s.\"@1\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u"
                    " WHERE u.login = s.\"@1\")"
                    " THEN format('@1 \"%s\" is not a ccrm user', s.\"@1\")"
                    /* as ccrm_owner_check (schema/045) would refuse the whole batch */
                    " WHEN s.\"@1\" IS NOT NULL AND NOT ccrm_may_own(s.\"@1\")"
                    " THEN format('@1 \"%s\" is a partner or disabled: only active internal"
                    " users own records', s.\"@1\")",
                    col->name, NULL, NULL);
    }
    /* (a line that repeats the key of an earlier one is refused below, once the earlier
     * one's own refusals are known: the first occurrence is the first line not refused) */
    if (key != NULL && conflict == IMP_CONFLICT_ERROR)
        sql_tpl(sql,
                " WHEN t.id IS NOT NULL"
                " THEN format('@1 \"%s\" already exists (@3 %s)', s.\"@2\", t.id)",
                e->keyword, key->name, e->name);
    if (key != NULL && conflict == IMP_CONFLICT_UPDATE)
        sql_tpl(sql,
                " WHEN t.n > 1"
                " THEN format('%s @3 have @1 \"%s\" (#%s the first): which one to update is"
                " not clear', t.n, s.\"@2\", t.id)",
                e->keyword, key->name, e->plural);
    strbuf_printf(sql, " END) AS reason FROM (SELECT st.*");
    if (key != NULL)
        sql_tpl(sql,
                ", CASE WHEN st.reason IS NULL AND st.\"@1\" IS NOT NULL THEN"
                " min(st.line) FILTER (WHERE st.reason IS NULL)"
                " OVER (PARTITION BY lower(st.\"@1\")) END AS first_line",
                key->name, NULL, NULL);
    else
        strbuf_printf(sql, ", NULL::bigint AS first_line");
    strbuf_printf(sql, " FROM ccrm_import_stage st) s");
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];

        snprintf(cbuf, sizeof cbuf, "%d", c);
        if (col->type == IMP_ACCOUNT && imp->mapped[c])
            sql_tpl(sql,
                    " LEFT JOIN LATERAL (SELECT count(*) AS n, min(a.id) AS id FROM accounts a"
                    " WHERE s.reason IS NULL AND (lower(a.domain) = lower(s.\"@1\")"
                    " OR " ACCOUNT_NAMED ")) r_@2 ON true",
                    col->name, cbuf, NULL);
        else if (col->type == IMP_ACCOUNT)
            strbuf_printf(sql, " LEFT JOIN (SELECT 0 AS n, NULL::bigint AS id) r_%d ON true", c);
        else if ((col->type == IMP_CONTACT || col->type == IMP_LEAD) && imp->mapped[c]) {
            /* a contact or lead by e-mail, or by name (one without e-mail, as exported); a
             * contact by name among the row's account's when it names one */
            char within[160] = "";

            if (col->type == IMP_CONTACT && account >= 0 && account < c)
                snprintf(within, sizeof within, " AND (s.\"%s\" IS NULL OR x.account_id = r_%d.id)",
                         e->cols[account].name, account);
            strbuf_printf(sql,
                          " LEFT JOIN LATERAL (SELECT count(*) AS n, min(x.id) AS id FROM %s x"
                          " WHERE s.reason IS NULL AND ",
                          col->type == IMP_CONTACT ? "contacts" : "leads");
            sql_tpl(sql, PERSON_NAMED, col->name, within, NULL);
            strbuf_printf(sql, ") r_%d ON true", c);
        } else if (is_ref(col->type) && imp->mapped[c]) {
            /* a deal by name and a ticket by subject, among the row's account's when it names
             * one (the account's own column comes first, r_N) */
            char within[160] = "";
            const char *const a[4] = {col->name, cbuf,
                                      col->type == IMP_DEAL ? "opportunities x WHERE lower(x.name)"
                                                            : "tickets x WHERE lower(x.subject)",
                                      within};

            /* (an account --create-missing is to make has none yet: not found) */
            if (account >= 0 && account < c)
                snprintf(within, sizeof within, " AND (s.\"%s\" IS NULL OR x.account_id = r_%d.id)",
                         e->cols[account].name, account);
            sql_tpl4(sql,
                     " LEFT JOIN LATERAL (SELECT count(*) AS n, min(x.id) AS id FROM @3"
                     " = lower(s.\"@1\") AND s.reason IS NULL@4) r_@2 ON true",
                     a);
        } else if (is_ref(col->type))
            strbuf_printf(sql, " LEFT JOIN (SELECT 0 AS n, NULL::bigint AS id) r_%d ON true", c);
    }
    /* the row the key names, and how many do (two leads of one e-mail in other letter case:
     * an update would not know which one is meant) */
    if (key != NULL)
        sql_tpl(sql,
                " LEFT JOIN LATERAL (SELECT min(x.id) AS id, count(*) AS n FROM @1 x"
                " WHERE s.reason IS NULL AND lower(x.\"@2\") = lower(s.\"@2\")) t ON true",
                e->name, key->target, NULL);
    strbuf_printf(sql, ") q0) q");
    if (simple(imp->db, strbuf_str(sql), err) == -1)
        goto out;
    if (key != NULL && conflict == IMP_CONFLICT_ERROR) {
        strbuf_reset(sql);
        sql_tpl(sql,
                "UPDATE ccrm_import_work SET action = 'reject',"
                " reason = format('duplicate @1 \"%s\" (also on line %s)', \"@2\", first_ok)"
                " WHERE action <> 'reject' AND first_ok <> line",
                e->keyword, key->name, NULL);
        if (simple(imp->db, strbuf_str(sql), err) == -1)
            goto out;
    }
    if (keyless_same(imp, err) == -1)
        goto out;
    if (count_work(imp, cnt, 1, err) == -1)
        goto out;
    imp->classified = 1;
    rc = 0;
out:
    strbuf_fini(sql);
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
               " FROM ccrm_import_work WHERE action = 'reject' AND NOT told ORDER BY line",
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
    /* each once: the rows the merge's refusals add are reported after these */
    if (rc == 0 && simple(imp->db,
                          "UPDATE ccrm_import_work SET told = true"
                          " WHERE action = 'reject' AND NOT told",
                          err) == -1)
        return -1;
    return rc;
}

/* A statement's row count (INSERT, UPDATE: of_rows) or the number a query returns (NULL or no
 * row: 0), or -1 */
static int64_t
run_count(struct db *db, const char *sql, int nparams, const char *const *params, int of_rows,
          struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    int64_t n = 0;

    if (res == NULL)
        return -1;
    if (of_rows)
        n = strtoll(PQcmdTuples(res), NULL, 10);
    else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

static int64_t
exec_count(struct db *db, const char *sql, int nparams, const char *const *params,
           struct ccrm_err *err)
{
    return run_count(db, sql, nparams, params, 1, err);
}

static int64_t
query_count(struct db *db, const char *sql, int nparams, const char *const *params,
            struct ccrm_err *err)
{
    return run_count(db, sql, nparams, params, 0, err);
}

/* Which groups of round $1 round_rows takes: those it inserts (build_insert), or all it
 * writes, the updates too (--create-missing accounts: the accounts the written rows name) */
enum round_of { ROUND_INSERTS, ROUND_WRITES };

/* The groups of rows of round $1 (which: enum round_of), as the subquery alias: each group (a
 * key, or a single line) once, with the values of its last line (several rows of one key: the
 * last one's values win, as UPDATE_SOURCE takes them too) */
static void
round_rows(struct strbuf *sql, const struct db_import *imp, enum round_of which, const char *alias)
{
    if (imp->conflict == IMP_CONFLICT_UPDATE)
        strbuf_printf(sql,
                      "(SELECT DISTINCT ON (grp) * FROM ccrm_import_work"
                      " WHERE action IN ('insert', 'update')%s"
                      " AND round = $1::int ORDER BY grp, line DESC) %s",
                      which == ROUND_INSERTS ? " AND target_id IS NULL" : "", alias);
    else
        strbuf_printf(sql,
                      "(SELECT * FROM ccrm_import_work"
                      " WHERE action = 'insert' AND round = $1::int) %s",
                      alias);
}

static void
mapped_columns(struct strbuf *sql, const struct db_import *imp, enum col_as as)
{
    const struct imp_entity *e = imp->e;
    const char *sep = "";
    char expr[160];
    int c;

    for (c = 0; c < e->ncols; c++) {
        if (!imp->mapped[c])
            continue;
        strbuf_puts(sql, sep);
        sep = ", ";
        if (as == COL_TARGET)
            strbuf_puts(sql, "t.");
        if (as == COL_NAME || as == COL_TARGET || as == COL_SET)
            strbuf_printf(sql, "\"%s\"", e->cols[c].target);
        if (as == COL_SET)
            strbuf_puts(sql, " = ");
        if (as == COL_VALUE)
            strbuf_puts(sql, entity_column_expr(&e->cols[c], expr, sizeof expr));
        else if ((as == COL_SET || as == COL_NEW) && e->cols[c].type == IMP_LOGIN)
            strbuf_printf(sql, "coalesce(%s, t.\"%s\")",
                          entity_column_expr(&e->cols[c], expr, sizeof expr), e->cols[c].target);
        else if (as == COL_SET || as == COL_NEW)
            strbuf_puts(sql, entity_column_expr(&e->cols[c], expr, sizeof expr));
    }
}

static void
build_insert(struct strbuf *sql, const struct db_import *imp)
{
    strbuf_reset(sql);
    strbuf_printf(sql, "INSERT INTO %s (", imp->e->name);
    mapped_columns(sql, imp, COL_NAME);
    strbuf_puts(sql, ") SELECT ");
    mapped_columns(sql, imp, COL_VALUE);
    strbuf_puts(sql, " FROM ");
    round_rows(sql, imp, ROUND_INSERTS, "w");
    /* in file order; a key someone else inserted since the classification is not an error
     * here: the rows not inserted are found below and handled as --on-conflict says */
    strbuf_printf(sql, " ORDER BY abs(w.grp)%s", imp->e->key >= 0 ? " ON CONFLICT DO NOTHING" : "");
}

/* Does row t of the table differ from the file's values in w (the mapped columns, each
 * compared with what the update's SET would write: NULL = NULL is no difference)? */
static void
differs(struct strbuf *sql, const struct db_import *imp)
{
    int c;

    strbuf_puts(sql, "((");
    mapped_columns(sql, imp, COL_TARGET);
    strbuf_puts(sql, ") IS DISTINCT FROM (");
    mapped_columns(sql, imp, COL_NEW);
    strbuf_puts(sql, ")");
    /* an account --create-missing has yet to make (before the merge: a dry run's count) */
    for (c = 0; c < imp->e->ncols && imp->create_missing; c++)
        if (imp->e->cols[c].type == IMP_ACCOUNT && imp->mapped[c])
            sql_tpl(sql, " OR (w.\"@1\" IS NOT NULL AND w.\"@1_ref\" IS NULL)",
                    imp->e->cols[c].name, NULL, NULL);
    strbuf_puts(sql, ")");
}

/* The statement that makes the accounts account column c of round $1's written rows names and
 * no account has (by name in any letter case, or domain): one for "Zeta GmbH" and "zeta gmbh",
 * named as its first line spells it */
static void
build_create(struct strbuf *sql, const struct db_import *imp, int c)
{
    const char *name = imp->e->cols[c].name;

    strbuf_reset(sql);
    strbuf_puts(sql, "INSERT INTO accounts (name) SELECT m.name FROM (SELECT DISTINCT ON"
                     " (lower(s.\"");
    strbuf_puts(sql, name);
    strbuf_puts(sql, "\")) s.\"");
    strbuf_puts(sql, name);
    strbuf_puts(sql, "\" AS name, s.line FROM ");
    round_rows(sql, imp, ROUND_WRITES, "s");
    sql_tpl(sql,
            " WHERE s.\"@1_ref\" IS NULL AND s.\"@1\" IS NOT NULL AND btrim(s.\"@1\") <> ''"
            " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE lower(a.domain) = lower(s.\"@1\")"
            " OR " ACCOUNT_NAMED ")"
            " ORDER BY lower(s.\"@1\"), s.line) m ORDER BY m.line",
            name, NULL, NULL);
}

/* ... and the statement that points round $1's rows at them (or at the account another import
 * made before: the creation holds the accounts table's import lock, db_import_lock_accounts) */
static void
build_refs(struct strbuf *sql, const struct db_import *imp, int c)
{
    strbuf_reset(sql);
    sql_tpl(sql,
            "UPDATE ccrm_import_work s SET \"@1_ref\" = (SELECT min(a.id) FROM accounts a"
            " WHERE lower(a.domain) = lower(s.\"@1\") OR " ACCOUNT_NAMED ")"
            " WHERE s.round = $1::int AND s.action IN ('insert', 'update')"
            " AND s.\"@1_ref\" IS NULL AND s.\"@1\" IS NOT NULL",
            imp->e->cols[c].name, NULL, NULL);
}

/* --create-missing accounts, at the start of the merge (after its savepoint: a row the table's
 * rules then refuse takes its accounts back with it): the accounts the rows of round r that
 * are written name. Returns how many were made, or -1. */
static int64_t
create_accounts(struct db_import *imp, int r, struct ccrm_err *err)
{
    struct strbuf sql = STRBUF_INIT;
    char rbuf[16];
    const char *params[1] = {rbuf};
    int64_t made = 0, n = 0;
    int c;

    snprintf(rbuf, sizeof rbuf, "%d", r);
    for (c = 0; c < imp->e->ncols && imp->create_missing && n >= 0; c++) {
        if (imp->e->cols[c].type != IMP_ACCOUNT || !imp->mapped[c])
            continue;
        build_create(&sql, imp, c);
        if ((n = exec_count(imp->db, strbuf_str(&sql), 1, params, err)) < 0)
            break;
        made += n;
        build_refs(&sql, imp, c);
        n = exec_count(imp->db, strbuf_str(&sql), 1, params, err);
    }
    strbuf_fini(&sql);
    return n < 0 ? -1 : made;
}

/* The groups of round $1 that update an existing row: each once, with its last line's values
 * (the last row of a key wins), as w */
#define UPDATE_SOURCE                                                                              \
    "(SELECT DISTINCT ON (grp) * FROM ccrm_import_work"                                            \
    " WHERE action = 'update' AND target_id IS NOT NULL AND round = $1::int"                       \
    " ORDER BY grp, line DESC) w"

/* Only the rows the file changes: a row that holds the file's values already is left alone
 * (no new version, audit row, or "changed by" in the feed), so that importing one file twice
 * writes nothing the second time. Those rows are found after the statement (merge_updates). */
static void
build_update(struct strbuf *sql, const struct db_import *imp)
{
    const struct imp_entity *e = imp->e;

    strbuf_reset(sql);
    strbuf_printf(sql, "UPDATE %s t SET ", e->name);
    mapped_columns(sql, imp, COL_SET);
    strbuf_puts(sql, " FROM " UPDATE_SOURCE " WHERE t.id = w.target_id AND ");
    differs(sql, imp);
}

/* The rows of the merge's own writing: their xmin is the id of the subtransaction it runs in
 * (after SAVEPOINT ccrm_merge, not the transaction's: merge_savepoint) */
#define OURS "x.xmin = current_setting('ccrm.import_xmin')::xid"

/* A round's parameters: $1 = the round, $2 = the next */
struct round {
    char r[16], next[16];
    const char *params[2];
};

/* Run round r's statement (build writes it into sql); returns its row count or -1 */
static int64_t
run_round(struct db_import *imp, int r, void (*build)(struct strbuf *, const struct db_import *),
          struct strbuf *sql, struct round *rd, struct ccrm_err *err)
{
    snprintf(rd->r, sizeof rd->r, "%d", r);
    snprintf(rd->next, sizeof rd->next, "%d", r + 1);
    rd->params[0] = rd->r;
    rd->params[1] = rd->next;
    build(sql, imp);
    return exec_count(imp->db, strbuf_str(sql), 1, rd->params, err);
}

/* Insert round r's groups; those a key someone else inserted meanwhile kept out are skipped,
 * updated, or fail the import, as --on-conflict says. Returns 0, 1 when the outcome differs
 * from the classification (counts to recount), -1 on errors. */
static int
merge_inserts(struct db_import *imp, int r, int64_t expected, struct ccrm_err *err)
{
    const struct imp_entity *e = imp->e;
    const struct imp_column *key = e->key >= 0 ? &e->cols[e->key] : NULL;
    struct strbuf sqlbuf = STRBUF_INIT, *sql = &sqlbuf;
    struct round rd;
    const char *const *params = rd.params;
    int64_t n;
    int rc = -1;

    if ((n = run_round(imp, r, build_insert, sql, &rd, err)) == -1)
        goto out;
    if (expected < 0) {
        strbuf_reset(sql);
        strbuf_printf(sql, "SELECT count(*) FROM ");
        round_rows(sql, imp, ROUND_INSERTS, "w");
        if ((expected = query_count(imp->db, strbuf_str(sql), 1, params, err)) == -1)
            goto out;
    }
    if (n == expected) {
        rc = 0;
        goto out;
    }
    if (key == NULL) {
        err_set(err, "could not insert %" PRId64 " of the rows", expected - n);
        goto out;
    }
    /* the groups of this round whose key now belongs to a row someone else wrote */
    strbuf_reset(sql);
    sql_tpl(sql,
            "UPDATE ccrm_import_work w SET round = -1 WHERE w.round = $1::int"
            " AND w.action IN ('insert', 'update') AND w.target_id IS NULL"
            " AND w.\"@1\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM @2 x"
            " WHERE lower(x.\"@3\") = lower(w.\"@1\") AND " OURS ")",
            key->name, e->name, key->target);
    if (exec_count(imp->db, strbuf_str(sql), 1, params, err) == -1)
        goto out;
    if (imp->conflict == IMP_CONFLICT_ERROR) {
        PGresult *res;

        strbuf_reset(sql);
        sql_tpl(sql,
                "SELECT format('line %s: @1 \"%s\" was added by someone else while the import"
                " ran (or is in a record you cannot see)', line, \"@2\") FROM ccrm_import_work"
                " WHERE round = -1 ORDER BY line LIMIT 1",
                e->keyword, key->name, NULL);
        if ((res = db_exec(imp->db, strbuf_str(sql), 0, NULL, err)) == NULL)
            goto out;
        err_set(err, "%s", PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "a row changed");
        str_copy(err->sqlstate, "23505", sizeof err->sqlstate);
        PQclear(res);
        goto out;
    }
    strbuf_reset(sql);
    if (imp->conflict == IMP_CONFLICT_SKIP)
        sql_tpl(sql,
                "UPDATE ccrm_import_work SET action = 'skip', round = $1::int,"
                " note = format('@1 \"%s\" was added by someone else while the import ran (or"
                " is in a record you cannot see): skipped', \"@2\") WHERE round = -1",
                e->keyword, key->name, NULL);
    else {
        /* --on-conflict update: the row someone else added is the one to update (in this
         * round, after the inserts); one not found is in a record the importer cannot see */
        const char *const a[4] = {e->keyword, key->name, e->name, key->target};

        sql_tpl4(sql,
                 "UPDATE ccrm_import_work w SET target_id = t.id,"
                 " action = CASE WHEN t.id IS NULL THEN w.action ELSE 'update' END,"
                 " round = CASE WHEN t.id IS NULL THEN -2 ELSE $1::int END,"
                 " note = CASE WHEN w.line = w.grp THEN format('@1 \"%s\" was added by someone"
                 " else while the import ran: updated it', w.\"@2\") END"
                 " FROM (SELECT DISTINCT ON (lower(v.\"@2\")) lower(v.\"@2\") AS k,"
                 " (SELECT x.id FROM @3 x WHERE lower(x.\"@4\") = lower(v.\"@2\")"
                 " ORDER BY x.id LIMIT 1) AS id FROM ccrm_import_work v WHERE v.round = -1) t"
                 " WHERE w.round = -1 AND lower(w.\"@2\") = t.k",
                 a);
    }
    if (exec_count(imp->db, strbuf_str(sql), 1, params, err) == -1)
        goto out;
    if (imp->conflict == IMP_CONFLICT_UPDATE) {
        PGresult *res;

        strbuf_reset(sql);
        sql_tpl(sql,
                "SELECT format('line %s: @1 \"%s\" is in a record you cannot see', line,"
                " \"@2\") FROM ccrm_import_work WHERE round = -2 ORDER BY line LIMIT 1",
                e->keyword, key->name, NULL);
        if ((res = db_exec(imp->db, strbuf_str(sql), 0, NULL, err)) == NULL)
            goto out;
        if (PQntuples(res) > 0) {
            err_set(err, "%s", PQgetvalue(res, 0, 0));
            str_copy(err->sqlstate, "42501", sizeof err->sqlstate);
            PQclear(res);
            goto out;
        }
        PQclear(res);
    }
    rc = 1;
out:
    strbuf_fini(sql);
    return rc;
}

/* Update round r's groups. A row the UPDATE left alone holds the file's values already
 * (unchanged), was deleted since the classification (or is no longer visible: inserted again
 * in the next round, as --on-conflict update asks for the file's rows), or was changed by
 * someone else after the UPDATE looked at it (updated again in the next round). Returns 0, 1
 * when the outcome differs from the plan (counts to recount), -1 on errors. */
/* Indexes on the work table's groups and rounds, and its statistics, for the statements that
 * join it with itself by group: without them the planner, which knows nothing of a temporary
 * table's rows, took a nested loop over the whole table for each row (an unchanged row among
 * 16,000 to update: 101 s). Made only on the paths that need them. */
static int
work_indexed(struct db_import *imp, struct ccrm_err *err)
{
    return simple(imp->db,
                  "CREATE INDEX IF NOT EXISTS ccrm_import_work_grp ON ccrm_import_work (grp);"
                  " CREATE INDEX IF NOT EXISTS ccrm_import_work_round ON ccrm_import_work (round);"
                  " ANALYZE ccrm_import_work",
                  err);
}

static int
merge_updates(struct db_import *imp, int r, int64_t expected, struct ccrm_err *err)
{
    const struct imp_entity *e = imp->e;
    struct strbuf sqlbuf = STRBUF_INIT, *sql = &sqlbuf;
    struct round rd;
    const char *const *params = rd.params;
    int64_t n;
    int rc = -1;

    if ((n = run_round(imp, r, build_update, sql, &rd, err)) == -1)
        goto out;
    if (expected < 0 &&
        (expected = query_count(imp->db,
                                "SELECT count(DISTINCT grp) FROM ccrm_import_work WHERE"
                                " action = 'update' AND target_id IS NOT NULL AND round = $1::int",
                                1, params, err)) == -1)
        goto out;
    if (n == expected) {
        rc = 0;
        goto out;
    }
    /* the rows not written that hold the file's values: unchanged (a row someone else added
     * meanwhile too: its note said "updated it") */
    if (work_indexed(imp, err) == -1)
        goto out;
    strbuf_reset(sql);
    sql_tpl(sql,
            "UPDATE ccrm_import_work u SET action = 'unchanged',"
            " note = regexp_replace(u.note, ': updated it$', ': it has the file''s values"
            " already')"
            " FROM " UPDATE_SOURCE " JOIN @1 t ON t.id = w.target_id"
            " WHERE u.round = $1::int AND u.action = 'update' AND u.target_id IS NOT NULL"
            " AND u.grp = w.grp AND NOT (t.xmin = current_setting('ccrm.import_xmin')::xid)"
            " AND NOT ",
            e->name, NULL, NULL);
    differs(sql, imp);
    if (exec_count(imp->db, strbuf_str(sql), 1, params, err) == -1)
        goto out;
    /* the rest go to the next round: inserted again when deleted, updated again otherwise */
    strbuf_reset(sql);
    sql_tpl(sql,
            "UPDATE ccrm_import_work w SET"
            " note = CASE WHEN NOT g.gone THEN w.note WHEN w.line = abs(w.grp) THEN"
            " format('@1 %s was deleted while the import ran: inserted it again', w.target_id)"
            " END,"
            " action = CASE WHEN g.gone AND w.line = abs(w.grp) THEN 'insert' ELSE w.action END,"
            " target_id = CASE WHEN g.gone THEN NULL ELSE w.target_id END, round = $2::int"
            " FROM (SELECT v.line, NOT EXISTS (SELECT 1 FROM @1 x WHERE x.id = v.target_id)"
            " AS gone FROM ccrm_import_work v WHERE v.round = $1::int AND v.action = 'update'"
            " AND v.target_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM @1 x WHERE x.id = v.target_id AND " OURS ")) g"
            " WHERE w.line = g.line",
            e->name, NULL, NULL);
    if (exec_count(imp->db, strbuf_str(sql), 2, params, err) == -1)
        goto out;
    rc = 1;
out:
    strbuf_fini(sql);
    return rc;
}

/* Merge the classified rows. The classification ran under the table's import lock, but other
 * writers do not take it: between it and these statements, someone may delete a row the import
 * is to update (the UPDATE then skips it) or insert a key the import is to insert. Each
 * statement's row count is checked against the plan; what differs is found (the rows this
 * transaction did not write: xmin) and merged again, up to three rounds, and the counts are
 * taken from what happened. */
static int
merge(struct db_import *imp, struct imp_counts *cnt, struct ccrm_err *err)
{
    int r, changed = 0, more = 1;

    if ((imp->created = create_accounts(imp, 0, err)) == -1)
        return -1;
    for (r = 0; r < 3 && more; r++) {
        int a, b = 0;

        if ((a = merge_inserts(imp, r, r == 0 && !changed ? cnt->inserted : -1, err)) == -1)
            return -1;
        if (imp->conflict == IMP_CONFLICT_UPDATE &&
            (b = merge_updates(imp, r, r == 0 && a == 0 ? imp->update_targets : -1, err)) == -1)
            return -1;
        changed |= a | b;
        more = b;
        if (more) {
            char rbuf[16];
            const char *params[1] = {rbuf};
            int64_t left;

            snprintf(rbuf, sizeof rbuf, "%d", r + 1);
            if ((left = query_count(imp->db,
                                    "SELECT count(*) FROM ccrm_import_work WHERE round = $1::int",
                                    1, params, err)) == -1)
                return -1;
            more = left > 0;
        }
    }
    if (more) {
        PGresult *res = db_exec(imp->db,
                                "SELECT line FROM ccrm_import_work WHERE round >= 3"
                                " ORDER BY line LIMIT 1",
                                0, NULL, err);

        if (res == NULL)
            return -1;
        err_set(err, "line %s: the row to update kept changing while the import ran",
                PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "?");
        str_copy(err->sqlstate, "40001", sizeof err->sqlstate);
        PQclear(res);
        return -1;
    }
    if (changed && count_work(imp, cnt, 0, err) == -1)
        return -1;
    return changed;
}

/* The savepoint the merge runs after, to go back to when a row is refused (find_refused), and
 * the id its writes carry (OURS): a subtransaction has one of its own, given at its first
 * write, which pg_current_xact_id() does not say */
static int
merge_savepoint(struct db_import *imp, struct ccrm_err *err)
{
    return simple(
        imp->db,
        "SAVEPOINT ccrm_merge; WITH m AS (INSERT INTO ccrm_import_xmin VALUES (1)"
        " RETURNING xmin) SELECT set_config('ccrm.import_xmin', (SELECT xmin::text FROM m),"
        " true)",
        err);
}

/* Could err be a row's refusal by the table's own rules (a trigger's department rule, a
 * CHECK, a policy's WITH CHECK), rather than the connection, a cancel or a lock? */
static int
row_refusal(const char *state)
{
    return strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
           strncmp(state, "42", 2) == 0 || strncmp(state, "44", 2) == 0 ||
           strncmp(state, "P0", 2) == 0;
}

/* The merge failed with err, one statement for the whole file: find the rows that make it
 * fail. Back to the savepoint before the merge, each group the merge would write is tried on
 * its own in a block that is then undone (a subtransaction each: only on this path), and a
 * group refused becomes a rejected row with the server's reason, in the words the import would
 * have said for the whole file. Returns how many rows were refused (the counts in cnt are those
 * of the plan without them), 0 when no row alone is refused (err is left as it was), or -1. */
static int64_t
find_refused(struct db_import *imp, struct imp_counts *cnt, struct ccrm_err *err)
{
    struct strbuf sqlbuf = STRBUF_INIT, *sql = &sqlbuf, stmt = STRBUF_INIT;
    struct ccrm_err failed = *err;
    PGresult *res;
    int64_t n = -1;
    int i;

    if (!row_refusal(err->sqlstate) || PQstatus(imp->db->conn) != CONNECTION_OK)
        return 0;
    if (simple(imp->db, "ROLLBACK TO SAVEPOINT ccrm_merge", err) == -1 ||
        work_indexed(imp, err) == -1)
        goto out;
    /* round -9 holds the group on trial (the merge's statements take a round as $1) */
    strbuf_puts(sql, "DO $ccrm$ DECLARE g bigint; st text; msg text; cn text; tn text; BEGIN"
                     " FOR g IN SELECT DISTINCT grp FROM ccrm_import_work"
                     " WHERE action IN ('insert', 'update') ORDER BY grp LOOP"
                     " UPDATE ccrm_import_work SET round = -9 WHERE grp = g;"
                     " BEGIN ");
    /* the accounts the group names that --create-missing makes, as the merge would */
    for (i = 0; i < imp->e->ncols && imp->create_missing; i++) {
        if (imp->e->cols[i].type != IMP_ACCOUNT || !imp->mapped[i])
            continue;
        build_create(&stmt, imp, i);
        strbuf_printf(sql, "EXECUTE $s$%s$s$ USING -9; ", strbuf_str(&stmt));
        build_refs(&stmt, imp, i);
        strbuf_printf(sql, "EXECUTE $s$%s$s$ USING -9; ", strbuf_str(&stmt));
    }
    strbuf_puts(sql, "EXECUTE $s$");
    build_insert(&stmt, imp); /* (the statements reset their buffer) */
    strbuf_puts(sql, strbuf_str(&stmt));
    strbuf_puts(sql, "$s$ USING -9;");
    if (imp->conflict == IMP_CONFLICT_UPDATE) {
        strbuf_puts(sql, " EXECUTE $s$");
        build_update(&stmt, imp);
        strbuf_puts(sql, strbuf_str(&stmt));
        strbuf_puts(sql, "$s$ USING -9;");
    }
    strbuf_puts(sql, " RAISE SQLSTATE 'CCRM9';"
                     " EXCEPTION WHEN SQLSTATE 'CCRM9' THEN NULL;"
                     " WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE,"
                     " msg = MESSAGE_TEXT, cn = CONSTRAINT_NAME, tn = TABLE_NAME;"
                     /* a CHECK that says in its comment what it asks (schema/046): those words,
                      * as a form says them, instead of its name */
                     " IF st = '23514' THEN msg := coalesce((SELECT obj_description(c.oid,"
                     " 'pg_constraint') FROM pg_constraint c WHERE c.conname = cn"
                     " AND c.conrelid = to_regclass('public.' || quote_ident(tn))), msg); END IF;"
                     " UPDATE ccrm_import_work SET action = 'reject', refused = st, reason = msg"
                     " WHERE grp = g AND action IN ('insert', 'update');"
                     " END;"
                     " UPDATE ccrm_import_work SET round = 0 WHERE grp = g;"
                     " END LOOP; END $ccrm$");
    if (simple(imp->db, strbuf_str(sql), err) == -1)
        goto out;
    /* the reasons in the words the whole file's failure had (err_set_state) */
    if ((res = db_exec(imp->db,
                       "SELECT DISTINCT refused, reason FROM ccrm_import_work"
                       " WHERE refused IS NOT NULL",
                       0, NULL, err)) == NULL)
        goto out;
    for (i = 0; i < PQntuples(res); i++) {
        struct ccrm_err words;
        const char *params[3];
        PGresult *r;

        err_set_state(&words, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), "");
        params[0] = PQgetvalue(res, i, 0);
        params[1] = PQgetvalue(res, i, 1);
        params[2] = words.msg;
        if ((r = db_exec(imp->db,
                         "UPDATE ccrm_import_work SET reason = $3, refused = NULL"
                         " WHERE refused = $1 AND reason = $2",
                         3, params, err)) == NULL) {
            PQclear(res);
            goto out;
        }
        PQclear(r);
    }
    PQclear(res);
    n = cnt->rejected;
    if (count_work(imp, cnt, 1, err) == -1) {
        n = -1;
        goto out;
    }
    n = cnt->rejected - n;
    if (n == 0)
        *err = failed; /* the rows are refused together only: the server's words */
out:
    strbuf_fini(sql);
    strbuf_fini(&stmt);
    return n;
}

int64_t
db_import_try(struct db_import *imp, struct imp_counts *cnt, struct ccrm_err *err)
{
    struct imp_counts trial;
    int64_t n = 0, m;

    /* the merge, then undone: the table's rules see every row as the import would write it;
     * after rows they refuse, the merge of the others again, as the import does it (the
     * accounts --create-missing would make are those of the rows written) */
    for (;;) {
        imp->created = 0;
        if (cnt->inserted + cnt->updated == 0)
            break;
        trial = *cnt;
        if (merge_savepoint(imp, err) == -1)
            return -1;
        if (merge(imp, &trial, err) == -1) {
            if ((m = find_refused(imp, cnt, err)) <= 0)
                return -1;
            n += m; /* (the refusals stay: a new savepoint after them) */
            continue;
        }
        if (simple(imp->db, "ROLLBACK TO SAVEPOINT ccrm_merge", err) == -1)
            return -1;
        break;
    }
    imp->unchanged = imp->unchanged_plan;
    return n;
}

/* (ccrm/import.h) Returns 0 when there was nothing to write: rolled back, no batch. */
int64_t
db_import_commit(struct db_import *imp, const char *file_name, struct imp_counts *cnt,
                 int (*note)(void *arg, int64_t line, const char *text), void *arg,
                 struct ccrm_err *err)
{
    const struct imp_entity *e = imp->e;
    char idbuf[24], nb[2][24];
    const char *params[3];
    int64_t id = -1;
    PGresult *res;
    int changed;

    params[0] = e->name;
    params[1] = file_name;
    /* a row the table's rules refuse fails the merge: back to here, to find it (find_refused) */
    if (merge_savepoint(imp, err) == -1)
        goto fail;
    /* the batch: made by the server, which also counts what the import really wrote */
    res = db_exec(imp->db, "SELECT ccrm_import_begin($1, $2)", 2, params, err);
    if (res == NULL)
        goto fail;
    str_copy(idbuf, PQgetvalue(res, 0, 0), sizeof idbuf);
    PQclear(res);

    if (imp->predicted) { /* the merge counts them itself */
        cnt->updated += imp->unchanged - imp->unchanged_plan;
        imp->unchanged = imp->unchanged_plan;
    }
    if ((changed = merge(imp, cnt, err)) == -1) {
        int64_t refused = find_refused(imp, cnt, err);

        if (refused > 0)
            return -2; /* (still open, at the savepoint) */
        goto fail;
    }
    imp->merged = 1;
    if (changed && note != NULL) {
        int i;

        /* what the classification did not foresee, named by line (before the commit: the
         * work table goes with it) */
        if ((res = db_exec(imp->db,
                           "SELECT line, note FROM ccrm_import_work WHERE note IS NOT NULL"
                           " ORDER BY line",
                           0, NULL, err)) == NULL)
            goto fail;
        for (i = 0; i < PQntuples(res); i++)
            note(arg, strtoll(PQgetvalue(res, i, 0), NULL, 10), PQgetvalue(res, i, 1));
        PQclear(res);
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
    /* nothing written (every row unchanged, skipped or rejected): no batch, and no event that
     * has every client read its lists again for nothing */
    if (cnt->inserted == 0 && cnt->updated == 0) {
        if (simple(imp->db, "ROLLBACK", err) == -1)
            goto fail;
        return 0;
    }
    if (simple(imp->db, "COMMIT", err) == -1)
        goto fail;
    id = strtoll(idbuf, NULL, 10);
    /* the summary says the batch's numbers, which its event and --batches say too: the server
     * counted them from the audit trail at the commit (kept as counted here if the batch
     * cannot be read back: the rows are in) */
    params[0] = idbuf;
    if ((res = db_exec(imp->db, "SELECT inserted, updated FROM import_batches WHERE id = $1", 1,
                       params, err)) != NULL) {
        if (PQntuples(res) == 1) {
            cnt->inserted = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
            cnt->updated = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        }
        PQclear(res);
    }
    return id;
fail:
    db_rollback(imp->db);
    return -1;
}

int64_t
db_import_unchanged(struct db_import *imp, struct imp_counts *cnt, struct ccrm_err *err)
{
    struct strbuf sqlbuf = STRBUF_INIT, *sql = &sqlbuf;
    int64_t n;

    if (imp->merged || imp->predicted || !imp->classified || imp->conflict != IMP_CONFLICT_UPDATE ||
        imp->update_targets == 0)
        return imp->unchanged;
    /* the records the merge's UPDATE would leave alone (build_update), each once as the
     * counts go */
    strbuf_printf(sql,
                  "SELECT count(*) FROM (SELECT DISTINCT ON (grp) * FROM ccrm_import_work"
                  " WHERE action = 'update' AND target_id IS NOT NULL ORDER BY grp, line DESC) w"
                  " JOIN %s t ON t.id = w.target_id WHERE NOT ",
                  imp->e->name);
    differs(sql, imp);
    n = query_count(imp->db, strbuf_str(sql), 0, NULL, err);
    strbuf_fini(sql);
    if (n < 0)
        return -1;
    imp->predicted = 1;
    imp->unchanged = imp->unchanged_plan + n;
    cnt->updated -= n;
    return imp->unchanged;
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
    db_rollback(imp->db);
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

/* ---- --create-missing accounts ---- */

void
db_import_create_missing(struct db_import *imp)
{
    imp->create_missing = 1;
}

int64_t
db_import_created(const struct db_import *imp)
{
    return imp->created;
}

/* ---- the list of batches ---- */

int
db_import_batches(struct db *db, int limit, int (*cb)(void *arg, const char *line), void *arg,
                  struct ccrm_err *err)
{
    char lim[16];
    const char *params[1] = {lim};
    PGresult *res;
    int i, n;

    snprintf(lim, sizeof lim, "%d", limit);
    /* the counts as the import's summary writes them (fmt_count: 12,345) */
    res =
        db_exec(db,
                "SELECT lpad(b.id::text, 6) || '  ' || to_char(b.created_at, 'YYYY-MM-DD HH24:MI')"
                "       || '  ' || rpad(b.created_by, 10) || '  ' || ccrm_entity_nouns(b.entity)"
                "       || coalesce(' from ' || b.file_name, '') || ': '"
                "       || to_char(b.inserted, 'FM999,999,999,999,990') || ' inserted, '"
                "       || to_char(b.updated, 'FM999,999,999,999,990') || ' updated, '"
                "       || to_char(b.skipped, 'FM999,999,999,999,990') || ' skipped, '"
                "       || to_char(b.rejected, 'FM999,999,999,999,990') || ' rejected'"
                "       || coalesce(' (reverted ' || to_char(b.reverted_at, 'YYYY-MM-DD HH24:MI')"
                "                   || ' by ' || b.reverted_by || ')', '')"
                "  FROM import_batches b ORDER BY b.id DESC LIMIT $1",
                1, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n; i++)
        if (cb(arg, PQgetvalue(res, i, 0)) == -1)
            break;
    PQclear(res);
    return n;
}

/* ---- revert ---- */

int
db_import_revert(struct db *db, int64_t batch, int dry_run, char *summary, size_t n,
                 struct ccrm_err *err)
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
    /* a dry run: the same checks, locks and counts as the revert, which the server does in this
     * one transaction (nothing outside it: its notifications go with the rollback) */
    if (dry_run) {
        db_rollback(db);
        return 0;
    }
    if (simple(db, "COMMIT", err) == -1)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return -1;
}
