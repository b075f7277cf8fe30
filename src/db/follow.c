/* Following records and one's own inbox settings, for the full-screen client
 * (include/ccrm/service.h): watch and unwatch through ccrm_follow, who follows a record
 * (ccrm_followers: its explicit followers and its owner or assignee unless they unwatched it),
 * and the row of one's settings. The rules are the database's (schema/019,
 * schema/functions/90_service.sql); every value travels as a parameter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/service.h"
#include "ccrm/util.h"
#include "db_int.h"

/* the record's followers, as the caller's row-level security lets it read them */
#define FOLLOWERS "ccrm_followers($1, $2::bigint, ccrm_record_owner($1, $2::bigint)) AS f(login)"

int
db_follow(struct db *db, const char *entity, long long id, int on, struct ccrm_err *err)
{
    char ids[24];
    const char *params[3] = {entity, ids, on > 0 ? "on" : on == 0 ? "off" : "toggle"};
    PGresult *res;
    int now;

    snprintf(ids, sizeof ids, "%lld", id);
    /* a toggle follows unless one follows it now (by default, as its owner, too) */
    res = db_exec(db,
                  "SELECT ccrm_follow($1, $2::bigint, CASE $3 WHEN 'on' THEN true"
                  " WHEN 'off' THEN false ELSE NOT EXISTS (SELECT 1 FROM " FOLLOWERS
                  " WHERE f.login = current_user) END)",
                  3, params, err);
    if (res == NULL)
        return -1;
    now = strcmp(db_val(res, 0, 0), "t") == 0;
    PQclear(res);
    return now;
}

int
db_followers(struct db *db, const char *entity, long long id, char **who, int *me,
             struct ccrm_err *err)
{
    char ids[24];
    const char *params[2] = {entity, ids};
    PGresult *res;

    *who = NULL;
    *me = 0;
    snprintf(ids, sizeof ids, "%lld", id);
    res = db_exec(db,
                  "SELECT coalesce(string_agg(f.login, ', ' ORDER BY f.login), ''),"
                  " coalesce(bool_or(f.login = current_user), false) FROM " FOLLOWERS,
                  2, params, err);
    if (res == NULL)
        return -1;
    *who = xstrdup(db_val(res, 0, 0));
    *me = strcmp(db_val(res, 0, 1), "t") == 0;
    PQclear(res);
    return 0;
}

long long
db_settings_id(struct db *db, struct ccrm_err *err)
{
    PGresult *res =
        db_exec(db, "SELECT id FROM inbox_settings WHERE login = current_user", 0, NULL, err);
    long long id;

    if (res == NULL)
        return -1;
    id = PQntuples(res) > 0 ? strtoll(db_val(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return id;
}
