/* Versioned migrations: the schema/ files compiled into the binary, applied in order, each in
 * its own transaction, under an advisory lock so clients starting together cannot race. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/embedded.h"
#include "ccrm/util.h"
#include "db_int.h"

/* pg_advisory_lock key: "ccrm" in ASCII */
#define MIGRATE_LOCK "1667460717"

int
db_schema_known(void)
{
    int i, v = 0;

    for (i = 0; i < embedded_migration_count; i++)
        if (embedded_migrations[i].version > v)
            v = embedded_migrations[i].version;
    return v;
}

int
db_schema_version(struct db *db, struct ccrm_err *err)
{
    PGresult *res;
    int v;

    res =
        db_exec(db, "SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL THEN -1 END",
                0, NULL, err);
    if (res == NULL)
        return -1;
    v = PQgetisnull(res, 0, 0) ? 1 : 0;
    PQclear(res);
    if (!v)
        return 0;
    res =
        db_exec(db, "SELECT coalesce(max(version), 0) FROM public.schema_migrations", 0, NULL, err);
    if (res == NULL)
        return -1;
    v = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

/* Run a whole script (several statements: PQexec, no parameters). Returns 0 or -1. */
static int
exec_simple(struct db *db, const char *sql, struct ccrm_err *err, const char *what)
{
    PGresult *res = db_result(db, PQexec(db->conn, sql), what, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

/* Back to the configured statement timeout after work that needed none. */
static int
restore_timeout(struct db *db, struct ccrm_err *err)
{
    char sql[64];

    snprintf(sql, sizeof sql, "SET statement_timeout = %d", db->statement_timeout_ms);
    return exec_simple(db, sql, err, "could not restore the statement timeout");
}

int
db_migrate(struct db *db, FILE *progress, struct ccrm_err *err)
{
    int known = db_schema_known();
    int cur, i, applied = 0;
    PGresult *res;

    /* index builds on a big database may take longer than the interactive timeout */
    if (exec_simple(db, "SET statement_timeout = 0", err, "could not prepare migration") == -1)
        return -1;
    if ((res = db_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", 0, NULL, err)) == NULL)
        return -1;
    PQclear(res);
    if (exec_simple(db,
                    "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
                    " version int PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now(),"
                    " applied_by text NOT NULL DEFAULT current_user)",
                    err, "could not create the migrations table") == -1)
        goto fail;
    /* every user's client checks the schema version at start-up */
    if (exec_simple(db, "GRANT SELECT ON public.schema_migrations TO PUBLIC", err,
                    "could not grant access to the migrations table") == -1)
        goto fail;
    if ((cur = db_schema_version(db, err)) < 0)
        goto fail;
    if (cur > known) {
        err_set(err,
                "the database schema is at version %d, newer than this ccrm knows (%d): "
                "upgrade ccrm",
                cur, known);
        goto fail;
    }
    for (i = 0; i < embedded_migration_count; i++) {
        const struct embedded_migration *m = &embedded_migrations[i];
        char ver[16];
        const char *params[2] = {ver, m->name};
        char what[160];

        if (m->version <= cur)
            continue;
        if (progress != NULL)
            fprintf(progress, "ccrm: applying migration %s\n", m->name);
        snprintf(what, sizeof what, "could not apply migration %s", m->name);
        if (exec_simple(db, "BEGIN", err, what) == -1)
            goto fail;
        if (exec_simple(db, m->sql, err, what) == -1)
            goto rollback;
        snprintf(ver, sizeof ver, "%d", m->version);
        res = db_exec(db, "INSERT INTO public.schema_migrations (version, name) VALUES ($1, $2)", 2,
                      params, err);
        if (res == NULL)
            goto rollback;
        PQclear(res);
        if (exec_simple(db, "COMMIT", err, what) == -1)
            goto fail;
        applied++;
    }
    /* routine upkeep: cut again the search blocks (schema/013) of the lists whose last block
     * has grown (rows added at the top of an order of last change all land there) */
    if (embedded_migration_count >= 13) {
        int j;

        res = db_exec(db, "SELECT ccrm_search_blocks_refresh()", 0, NULL, err);
        if (res == NULL)
            goto fail;
        for (j = 0; j < PQntuples(res) && progress != NULL; j++)
            fprintf(progress, "ccrm: search blocks of %s cut again\n", PQgetvalue(res, j, 0));
        PQclear(res);
    }
    if ((res = db_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", 0, NULL, err)) == NULL)
        return -1;
    PQclear(res);
    if (restore_timeout(db, err) == -1)
        return -1;
    return applied;
rollback:
    PQclear(PQexec(db->conn, "ROLLBACK"));
fail:
    if (db->state == DB_READY)
        PQclear(PQexec(db->conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")"));
    return -1;
}

int
db_schema_check(struct db *db, struct ccrm_err *err)
{
    int known = db_schema_known();
    int cur = db_schema_version(db, err);

    if (cur < 0)
        return -1;
    if (cur > known) {
        err_set(err,
                "the database schema is at version %d, newer than this ccrm knows (%d): "
                "upgrade ccrm",
                cur, known);
        return -1;
    }
    if (cur < known) {
        if (cur == 0)
            err_set(err, "the database has no ccrm schema: run ccrm --migrate as an administrator");
        else
            err_set(err,
                    "the database schema is at version %d, this ccrm needs %d: "
                    "run ccrm --migrate as an administrator",
                    cur, known);
        return -1;
    }
    return 0;
}

int
db_demo_load(struct db *db, int n_accounts, char *summary, size_t n, struct ccrm_err *err)
{
    char nbuf[16];
    const char *params[1] = {nbuf};
    PGresult *res;

    res = db_exec(db, "SELECT EXISTS (SELECT 1 FROM accounts)", 0, NULL, err);
    if (res == NULL)
        return -1;
    if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
        PQclear(res);
        str_copy(summary, "the database already has accounts: demo data not loaded", n);
        return 1;
    }
    PQclear(res);
    if (exec_simple(db, "SET statement_timeout = 0", err, "could not prepare demo data") == -1)
        return -1;
    if (exec_simple(db, embedded_demo_sql, err, "could not prepare demo data") == -1)
        return -1;
    snprintf(nbuf, sizeof nbuf, "%d", n_accounts);
    res = db_exec(db, "SELECT pg_temp.ccrm_demo_load($1::int)", 1, params, err);
    if (res == NULL)
        return -1;
    str_copy(summary, db_val(res, 0, 0), n);
    PQclear(res);
    /* a bulk load lands in the last search block of each list: cut them again, as the
     * routine upkeep of ccrm --migrate would (schema/013, 016) */
    if ((res = db_exec(db, "SELECT ccrm_search_blocks_refresh()", 0, NULL, err)) == NULL)
        return -1;
    PQclear(res);
    return restore_timeout(db, err);
}
