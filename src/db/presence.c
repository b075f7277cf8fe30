/* Presence (who is looking at a record now) and the live chat on a record (migration 005).
 * Presence is one row per client session; row-level security shows it only to those who may
 * see the record's account. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

static int
exec_params(struct db *db, const char *sql, int n, const char *const *params, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, n, params, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int
db_presence_set(struct db *db, const char *entity, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[2] = {entity, idbuf};

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    /* rows this login left behind in sessions that are gone (a crashed client) go first */
    if (exec_params(db, "SELECT ccrm_presence_clear(false)", 0, NULL, err) == -1)
        return -1;
    return exec_params(db,
                       "INSERT INTO presence (entity, entity_id) VALUES ($1, $2)"
                       " ON CONFLICT (login, backend_pid) DO UPDATE"
                       "   SET entity = EXCLUDED.entity, entity_id = EXCLUDED.entity_id,"
                       "       since = CASE WHEN presence.entity = EXCLUDED.entity"
                       "                     AND presence.entity_id = EXCLUDED.entity_id"
                       "                    THEN presence.since ELSE now() END,"
                       "       seen_at = now()",
                       2, params, err);
}

int
db_presence_here(struct db *db, const char *entity, int64_t id, char **here, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[2] = {entity, idbuf};
    PGresult *res;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    res = db_exec(db,
                  "SELECT string_agg(DISTINCT coalesce(u.display_name, p.login)"
                  "                  || coalesce(' (' || u.department || ')', ''), ', ')"
                  "  FROM presence p LEFT JOIN users u ON u.login = p.login"
                  " WHERE p.entity = $1 AND p.entity_id = $2"
                  "   AND p.backend_pid <> pg_backend_pid()"
                  "   AND p.seen_at > now() - interval '90 seconds'"
                  "   AND EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = p.backend_pid)",
                  2, params, err);
    if (res == NULL)
        return -1;
    *here = xstrdup(PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

int
db_presence_touch(struct db *db, struct ccrm_err *err)
{
    return exec_params(db,
                       "UPDATE presence SET seen_at = now()"
                       " WHERE login = current_user AND backend_pid = pg_backend_pid()",
                       0, NULL, err);
}

int
db_presence_clear(struct db *db, struct ccrm_err *err)
{
    return exec_params(db, "SELECT ccrm_presence_clear(true)", 0, NULL, err);
}

int
db_chat_send(struct db *db, const char *entity, int64_t id, const char *body,
             const char *visibility, struct ccrm_err *err)
{
    char idbuf[24], xid[24];
    const char *params[4] = {entity, idbuf, body, visibility};
    PGresult *res;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    /* in a transaction of its own: a message whose COMMIT went unanswered is asked about
     * (db_write_landed) before it is sent again */
    if (db_write_begin(db, "could not send the message", err) == -1)
        return -1;
    if (visibility == NULL) /* the writer's default; partners may not name the column */
        res = db_exec(db,
                      "INSERT INTO chat_messages (entity, entity_id, body) VALUES ($1, $2, $3)"
                      " RETURNING pg_current_xact_id()",
                      3, params, err);
    else
        res = db_exec(db,
                      "INSERT INTO chat_messages (entity, entity_id, body, visibility)"
                      " VALUES ($1, $2, $3, $4) RETURNING pg_current_xact_id()",
                      4, params, err);
    if (res == NULL) {
        db_rollback(db);
        if (strcmp(err->sqlstate, "42501") == 0 && db_state(db) == DB_READY) {
            /* the policy refused it: the record was deleted, merged or unshared meanwhile
             * (the server's words name the policy of chat_messages) */
            struct ccrm_err why;
            PGresult *r = db_exec(db,
                                  "SELECT ccrm_record_exists($1, $2::bigint),"
                                  " ccrm_entity_noun($1)",
                                  2, params, &why);

            if (r != NULL && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "f") == 0)
                err_set(err, "the %s is gone (deleted, merged or no longer shared with you)",
                        PQgetvalue(r, 0, 1));
            PQclear(r);
            str_copy(err->sqlstate, "42501", sizeof err->sqlstate);
        }
        return -1;
    }
    str_copy(xid, PQgetvalue(res, 0, 0), sizeof xid);
    PQclear(res);
    return db_write_commit(db, "could not send the message", xid, err);
}
