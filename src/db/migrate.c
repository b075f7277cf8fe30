/* Versioned migrations: the schema/ files compiled into the binary, applied in order in one
 * transaction between two passes of schema/functions/ (the current definition of every function),
 * under an advisory lock so clients starting together cannot race. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

    /* one statement: a database without the table says so by its error (undefined_table) */
    res =
        db_exec(db, "SELECT coalesce(max(version), 0) FROM public.schema_migrations", 0, NULL, err);
    if (res == NULL)
        return strcmp(err->sqlstate, "42P01") == 0 ? 0 : -1;
    v = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

/* Who holds the migration lock, as "sam (pid 123, psql, for 42 s)", or "" when nobody does.
 * Any role can take an advisory lock, so this names the session to talk to (or to end). */
static void
lock_holder(struct db *db, char *buf, size_t n)
{
    char app[128];
    PGresult *res =
        PQexec(db->conn, "SELECT a.usename, a.pid, coalesce(nullif(a.application_name, ''), '?'),"
                         " coalesce(extract(epoch FROM now() - a.state_change)::int, 0)"
                         " FROM pg_catalog.pg_locks l"
                         " JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
                         " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0"
                         " AND l.objid = " MIGRATE_LOCK " AND l.objsubid = 1"
                         " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
                         "                    WHERE datname = current_database())"
                         " LIMIT 1");

    buf[0] = '\0';
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        /* any client sets its own application_name: it reaches a terminal only made safe */
        str_safe_copy(app, PQgetvalue(res, 0, 2), sizeof app);
        snprintf(buf, n, "%s (pid %s, %s, for %s s)", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
                 app, PQgetvalue(res, 0, 3));
    }
    PQclear(res);
}

/* Take the migration lock, waiting at most wait_s seconds and saying every 5 s who holds it.
 * Returns 0, or -1 with err naming the holder. */
static int
take_lock(struct db *db, int wait_s, FILE *progress, struct ccrm_err *err)
{
    struct timespec pause = {0, 200 * 1000 * 1000};
    char who[256];
    int tries;
    PGresult *res;

    for (tries = 0;; tries++) {
        res = db_exec(db, "SELECT pg_try_advisory_lock(" MIGRATE_LOCK ")", 0, NULL, err);
        if (res == NULL)
            return -1;
        if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
            PQclear(res);
            return 0;
        }
        PQclear(res);
        if (tries >= wait_s * 5) {
            lock_holder(db, who, sizeof who);
            err_set(err,
                    "could not take the migration lock in %d s: it is held by %s; let that "
                    "session finish, or end it (pg_terminate_backend)",
                    wait_s, who[0] ? who : "a session that just let it go");
            memcpy(err->sqlstate, "55P03", 6); /* lock_not_available: try again later */
            return -1;
        }
        if (progress != NULL && tries % 25 == 0) {
            lock_holder(db, who, sizeof who);
            if (who[0] != '\0')
                fprintf(progress, "ccrm: waiting for the migration lock, held by %s\n", who);
        }
        nanosleep(&pause, NULL);
    }
}

/* Back to the configured statement timeout after work that needed none. */
static int
restore_timeout(struct db *db, struct ccrm_err *err)
{
    char sql[64];

    snprintf(sql, sizeof sql, "SET statement_timeout = %d", db->statement_timeout_ms);
    return db_run(db, sql, "could not restore the statement timeout", err);
}

/* Apply every file of schema/functions/, in name order (inside the caller's transaction). */
static int
apply_functions(struct db *db, struct ccrm_err *err)
{
    char what[160];
    int i;

    for (i = 0; i < embedded_function_count; i++) {
        snprintf(what, sizeof what, "could not apply schema/%s", embedded_functions[i].name);
        if (db_run(db, embedded_functions[i].sql, what, err) == -1)
            return -1;
    }
    return 0;
}

/* Is the session's role the owner of the schema (of its migrations table), a member of it or a
 * superuser? Returns 1 (also when there is no table yet), 0, or -1; owner gets the table's
 * owner, or the database's before there is a table. */
static int
schema_owner(struct db *db, char *owner, size_t n, struct ccrm_err *err)
{
    PGresult *res = db_exec(db,
                            "SELECT coalesce(pg_catalog.pg_has_role(c.relowner, 'USAGE'), true),"
                            " pg_catalog.pg_get_userbyid(coalesce(c.relowner, d.datdba))"
                            " FROM pg_catalog.pg_database d"
                            " LEFT JOIN pg_catalog.pg_class c"
                            "  ON c.oid = pg_catalog.to_regclass('public.schema_migrations')"
                            " WHERE d.datname = pg_catalog.current_database()",
                            0, NULL, err);
    int mine;

    if (res == NULL)
        return -1;
    mine = PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    str_safe_copy(owner, PQntuples(res) == 1 ? PQgetvalue(res, 0, 1) : "?", n);
    PQclear(res);
    return mine;
}

/* A refusal (insufficient_privilege) says whom to ask. */
static void
owner_hint(struct ccrm_err *err, const char *owner)
{
    char msg[sizeof err->msg];

    if (strcmp(err->sqlstate, "42501") != 0)
        return;
    str_copy(msg, err->msg, sizeof msg);
    err_set(err, "%s: run ccrm --migrate as the owner of the database (%s)", msg, owner);
    memcpy(err->sqlstate, "42501", 6);
}

int
db_migrate(struct db *db, int wait_s, int refresh, FILE *progress, struct ccrm_err *err)
{
    int known = db_schema_known();
    int cur, i, mine, applied = 0;
    char owner[128];
    PGresult *res;

    /* index builds on a big database may take longer than the interactive timeout */
    if (db_run(db, "SET statement_timeout = 0", "could not prepare migration", err) == -1)
        return -1;
    if (take_lock(db, wait_s, progress, err) == -1)
        return -1;
    /* Another role than the schema's owner may see the version but change nothing (not even
     * CREATE TABLE IF NOT EXISTS): with the schema current it is told so, with migrations
     * pending whom to ask, rather than the first statement's refusal. */
    if ((mine = schema_owner(db, owner, sizeof owner, err)) == -1)
        goto fail;
    if (!mine) {
        if ((cur = db_schema_version(db, err)) < 0)
            goto fail;
        if (cur > known)
            err_set(err,
                    "the database schema is at version %d, newer than this ccrm knows (%d): "
                    "upgrade ccrm",
                    cur, known);
        else if (cur < known) {
            err_set(err,
                    "the database schema is at version %d, this ccrm needs %d: run ccrm "
                    "--migrate as the owner of the database (%s)",
                    cur, known, owner);
            memcpy(err->sqlstate, "42501", 6); /* insufficient_privilege: exit 77 */
        }
        if (cur != known)
            goto fail;
        if (progress != NULL && refresh)
            fprintf(progress,
                    "ccrm: functions not refreshed, search blocks not cut again: only the owner "
                    "of the database (%s) may\n",
                    owner);
        res = db_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", 0, NULL, err);
        if (res == NULL)
            return -1;
        PQclear(res);
        return restore_timeout(db, err) == -1 ? -1 : 0;
    }
    if (db_run(db,
               "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
               " version int PRIMARY KEY, name text NOT NULL,"
               " applied_at timestamptz NOT NULL DEFAULT now(),"
               " applied_by text NOT NULL DEFAULT current_user)",
               "could not create the migrations table", err) == -1) {
        owner_hint(err, owner);
        goto fail;
    }
    /* every user's client checks the schema version at start-up */
    if (db_run(db, "GRANT SELECT ON public.schema_migrations TO PUBLIC",
               "could not grant access to the migrations table", err) == -1) {
        owner_hint(err, owner);
        goto fail;
    }
    if ((cur = db_schema_version(db, err)) < 0)
        goto fail;
    if (cur > known) {
        err_set(err,
                "the database schema is at version %d, newer than this ccrm knows (%d): "
                "upgrade ccrm",
                cur, known);
        goto fail;
    }
    /* a migration numbered into a gap below the database's version would never be applied
     * here, though a new database gets it: installations would drift apart */
    if (cur > 0) {
        char ver[16];
        const char *params[1] = {ver};

        for (i = 0; i < embedded_migration_count; i++) {
            const struct embedded_migration *m = &embedded_migrations[i];

            if (m->version > cur)
                continue;
            snprintf(ver, sizeof ver, "%d", m->version);
            res = db_exec(db, "SELECT 1 FROM public.schema_migrations WHERE version = $1::int", 1,
                          params, err);
            if (res == NULL)
                goto fail;
            if (PQntuples(res) == 0) {
                PQclear(res);
                err_set(err,
                        "migration %s is numbered below the database's version %d and was "
                        "never applied to it: give it the next number above the highest",
                        m->name, cur);
                goto fail;
            }
            PQclear(res);
        }
    }
    /* One transaction: the functions first (a migration's triggers and policies name them,
     * its data steps call them), then the pending migrations, then the functions again (a
     * migration may have dropped an old signature or a table they depend on); all or nothing.
     * Bodies are not checked at creation: a function may name a table a later migration adds. */
    if (cur < known || refresh) {
        if (db_run(db, "BEGIN", "could not start the migration", err) == -1 ||
            db_run(db, "SET LOCAL check_function_bodies = off", "could not start the migration",
                   err) == -1 ||
            apply_functions(db, err) == -1)
            goto rollback;
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
            if (db_run(db, m->sql, what, err) == -1)
                goto rollback;
            snprintf(ver, sizeof ver, "%d", m->version);
            res =
                db_exec(db, "INSERT INTO public.schema_migrations (version, name) VALUES ($1, $2)",
                        2, params, err);
            if (res == NULL)
                goto rollback;
            PQclear(res);
            applied++;
        }
        /* nobody but the owner chooses a row's id, on the tables of later migrations too
         * (their INSERT grants become column grants without the id: 05_tables.sql) */
        if (db_run(db, "SELECT ccrm_insert_no_ids()", "could not apply the INSERT rule", err) == -1)
            goto rollback;
        if (apply_functions(db, err) == -1)
            goto rollback;
        if (db_run(db, "COMMIT", "could not commit the migration", err) == -1)
            goto fail;
    }
    /* routine upkeep: cut again the search blocks (schema/013) of the lists whose last block
     * has grown (rows added at the top of an order of last change all land there) */
    if (embedded_migration_count >= 13) {
        int j;

        /* a recut locks its table against writers: never queue behind a long transaction (the
         * queued lock would make every writer of that table wait behind it too) */
        if (db_run(db, "SET lock_timeout = '3s'", "could not prepare the recut", err) == -1)
            goto fail;
        res = db_exec(db, "SELECT ccrm_search_blocks_refresh()", 0, NULL, err);
        if (res == NULL && db->state == DB_READY && strcmp(err->sqlstate, "55P03") == 0) {
            if (progress != NULL)
                fprintf(progress, "ccrm: search blocks not cut again: a list's table is busy "
                                  "(a long transaction); run ccrm --migrate again later\n");
        } else if (res == NULL) {
            goto fail;
        } else {
            for (j = 0; j < PQntuples(res) && progress != NULL; j++)
                fprintf(progress, "ccrm: search blocks of %s cut again\n", PQgetvalue(res, j, 0));
            PQclear(res);
        }
        if (db_run(db, "RESET lock_timeout", "could not reset the lock timeout", err) == -1)
            goto fail;
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
        if (db_standby(db))
            /* a replica replays the primary's --migrate: it is behind, not unmigrated */
            err_set(err,
                    "the standby's schema is at version %d, this ccrm needs %d: it has not "
                    "replayed the primary's migration yet (wait for it, or read the primary)",
                    cur, known);
        else if (cur == 0)
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
    if (db_run(db, "SET statement_timeout = 0", "could not prepare demo data", err) == -1)
        return -1;
    if (db_run(db, embedded_demo_sql, "could not prepare demo data", err) == -1)
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
