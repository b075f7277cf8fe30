/* User and sharing administration against the database (include/ccrm/admin.h). Role DDL runs
 * inside the SECURITY DEFINER functions of schema/004_rls.sql, which quote names with %I; this
 * file sends every value as a parameter and never builds SQL from user text. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/admin.h"
#include "ccrm/util.h"
#include "db_int.h"

int
db_admin_allowed(struct db *db, struct ccrm_err *err)
{
    PGresult *res;
    int ok;

    res = db_exec(db, "SELECT pg_catalog.pg_has_role(current_user, 'ccrm_admin', 'USAGE')", 0, NULL,
                  err);
    if (res == NULL)
        return -1;
    ok = strcmp(db_val(res, 0, 0), "t") == 0;
    PQclear(res);
    return ok;
}

/* Run one statement returning one text value into msg. Returns 0 or -1. */
static int
exec_msg(struct db *db, const char *sql, int nparams, const char *const *params, const char *what,
         char *msg, size_t n, struct ccrm_err *err)
{
    PGresult *res;

    res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err_set_pg(err, res, db->conn, what);
        PQclear(res);
        return -1;
    }
    str_copy(msg, db_val(res, 0, 0), n);
    PQclear(res);
    return 0;
}

int
db_user_add(struct db *db, const char *login, const char *dept, const char *org,
            const char *display_name, const char *password, int conn_limit, char *msg, size_t n,
            struct ccrm_err *err)
{
    char what[128], limit[16];
    char *verifier = NULL;
    const char *params[6];
    int rc;

    snprintf(what, sizeof what, "could not add user \"%s\"", login);
    if (password != NULL) {
        /* hashed here, so that the clear text never reaches the server or its logs */
        verifier = PQencryptPasswordConn(db->conn, password, login, "scram-sha-256");
        if (verifier == NULL) {
            err_set(err, "%s: could not encrypt the password: %s", what, PQerrorMessage(db->conn));
            return -1;
        }
    }
    params[0] = login;
    params[1] = dept;
    params[2] = org;
    params[3] = display_name;
    params[4] = verifier;
    snprintf(limit, sizeof limit, "%d", conn_limit);
    params[5] = limit;
    rc = exec_msg(db, "SELECT public.ccrm_add_user($1, $2, $3, $4, $5, $6)", 6, params, what, msg,
                  n, err);
    if (verifier != NULL)
        PQfreemem(verifier);
    return rc;
}

int
db_user_disable(struct db *db, const char *login, char *msg, size_t n, struct ccrm_err *err)
{
    char what[128];
    const char *params[1] = {login};

    snprintf(what, sizeof what, "could not disable user \"%s\"", login);
    return exec_msg(db, "SELECT public.ccrm_disable_user($1)", 1, params, what, msg, n, err);
}

/* Find the account named by id, exact name or domain (in that order). Returns the number of
 * matches (0, 1 or 2 meaning "more than one"); *id and name are filled when there is one. */
static int
find_account(struct db *db, const char *account, char *id, size_t idn, char *name, size_t nn,
             struct ccrm_err *err)
{
    static const char *const by[] = {
        "SELECT id, name FROM public.accounts WHERE id = $1::bigint LIMIT 2",
        "SELECT id, name FROM public.accounts WHERE name = $1 LIMIT 2",
        "SELECT id, name FROM public.accounts WHERE lower(domain) = lower($1) LIMIT 2",
    };
    const char *params[1] = {account};
    size_t i, digits = strspn(account, "0123456789");
    PGresult *res;
    int found;

    for (i = 0; i < sizeof by / sizeof by[0]; i++) {
        if (i == 0 && (digits == 0 || digits > 18 || account[digits] != '\0'))
            continue;
        if ((res = db_exec(db, by[i], 1, params, err)) == NULL)
            return -1;
        found = PQntuples(res);
        if (found == 1) {
            str_copy(id, db_val(res, 0, 0), idn);
            str_copy(name, db_val(res, 0, 1), nn);
        }
        PQclear(res);
        if (found > 0)
            return found;
    }
    return 0;
}

int
db_account_share(struct db *db, const char *account, const char *org, int share, char *msg,
                 size_t n, struct ccrm_err *err)
{
    char id[24], name[160], org_id[24];
    const char *params[2];
    PGresult *res;
    int found, changed;

    if ((found = find_account(db, account, id, sizeof id, name, sizeof name, err)) < 0)
        return -1;
    if (found == 0) {
        err_set(err, "no account \"%s\" (give its id, exact name or domain)", account);
        str_copy(err->sqlstate, ADMIN_ERR_NOT_FOUND, sizeof err->sqlstate);
        return -1;
    }
    if (found > 1) {
        err_set(err, "more than one account is named \"%s\": give its id", account);
        str_copy(err->sqlstate, ADMIN_ERR_AMBIGUOUS, sizeof err->sqlstate);
        return -1;
    }
    params[0] = org;
    if ((res = db_exec(db, "SELECT id FROM public.partner_orgs WHERE name = btrim($1)", 1, params,
                       err)) == NULL)
        return -1;
    found = PQntuples(res);
    if (found == 1)
        str_copy(org_id, db_val(res, 0, 0), sizeof org_id);
    PQclear(res);
    if (found != 1) {
        err_set(err, "no partner organisation \"%s\"", org);
        str_copy(err->sqlstate, ADMIN_ERR_NOT_FOUND, sizeof err->sqlstate);
        return -1;
    }
    params[0] = id;
    params[1] = org_id;
    res = db_exec(db,
                  share ? "INSERT INTO public.account_shares (account_id, partner_org_id)"
                          " VALUES ($1::bigint, $2::bigint) ON CONFLICT DO NOTHING"
                        : "SELECT 1 WHERE public.ccrm_unshare($1::bigint, $2::bigint)",
                  2, params, err);
    if (res == NULL)
        return -1;
    changed = share ? atoi(PQcmdTuples(res)) > 0 : PQntuples(res) > 0;
    PQclear(res);
    if (share)
        snprintf(msg, n, "%s account #%s \"%s\" with \"%s\"", changed ? "shared" : "already shared",
                 id, name, org);
    else
        snprintf(msg, n, "%s account #%s \"%s\" with \"%s\"",
                 changed ? "stopped sharing" : "was not sharing", id, name, org);
    return 0;
}
