/* Writing from scripts: `ccrm --log ticket|interaction --contact EMAIL ...` (src/cli/log.c).
 * The contact is found by e-mail (case-insensitive); the record hangs off its account. A ticket
 * from an address no contact has makes the contact first: from the lead with that address
 * (its name, phone and account), or with the address alone; the output says so. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

static int
simple_exec(struct db *db, const char *sql, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, 0, NULL, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

/* The contact for a ticket from email: none is made when one exists (made[0] stays ""), else
 * made gets "created contact #12 (from lead #7) for ". Returns 0, or -1 with err. */
static int
ticket_contact(struct db *db, const char *email, char *made, size_t n, struct ccrm_err *err)
{
    const char *params[1] = {email};
    PGresult *res;

    made[0] = '\0';
    res = db_exec(db, "SELECT 1 FROM contacts c WHERE lower(c.email) = lower($1) LIMIT 1", 1,
                  params, err);
    if (res == NULL)
        return -1;
    if (PQntuples(res) > 0) {
        PQclear(res);
        return 0;
    }
    PQclear(res);
    res = db_exec(db,
                  "WITH l AS (SELECT l.id, l.first_name, l.last_name, l.phone, l.account_id"
                  "             FROM leads l WHERE lower(l.email) = lower($1)"
                  "            ORDER BY l.id DESC LIMIT 1)"
                  " INSERT INTO contacts (first_name, last_name, email, phone, account_id)"
                  " SELECT l.first_name, l.last_name, $1, l.phone, l.account_id"
                  "   FROM (SELECT 1) one LEFT JOIN l ON true"
                  " RETURNING id, coalesce((SELECT ' (from lead #' || l.id || ')' FROM l), '')",
                  1, params, err);
    if (res == NULL)
        return -1;
    snprintf(made, n, "created contact #%s%s for %s; ", PQgetvalue(res, 0, 0),
             PQgetvalue(res, 0, 1), email);
    PQclear(res);
    return 0;
}

int
db_log_record(struct db *db, const char *what, const char *email, const char *subject,
              const char *body, const char *channel, const char *kind, char *msg, size_t n,
              struct ccrm_err *err)
{
    char made[160] = "";
    const char *params[5] = {email, subject, body, channel, kind};
    PGresult *res;
    const char *sql;
    int ticket = strcmp(what, "ticket") == 0, rc;

    if (ticket)
        sql = "INSERT INTO tickets (contact_id, account_id, subject, body, channel)"
              " SELECT c.id, c.account_id, $2, $3, coalesce($4, 'email')"
              "   FROM contacts c WHERE lower(c.email) = lower($1)"
              "  ORDER BY c.id LIMIT 1"
              " RETURNING id, (SELECT coalesce(a.name, '') FROM accounts a"
              "                 WHERE a.id = tickets.account_id)";
    else
        sql = "INSERT INTO interactions (kind, channel, subject, body, contact_id, account_id,"
              "                          lead_id)"
              " SELECT coalesce($5, 'note'), $4, $2, $3, c.id, c.account_id,"
              "        (SELECT l.id FROM leads l WHERE l.contact_id = c.id"
              "            OR lower(l.email) = lower($1) ORDER BY l.id DESC LIMIT 1)"
              "   FROM contacts c WHERE lower(c.email) = lower($1)"
              "  ORDER BY c.id LIMIT 1"
              " RETURNING id, (SELECT coalesce(a.name, '') FROM accounts a"
              "                 WHERE a.id = interactions.account_id)";
    /* a ticket and the contact it may need are written together, or neither */
    if (ticket && (simple_exec(db, "BEGIN", err) == -1 ||
                   ticket_contact(db, email, made, sizeof made, err) == -1)) {
        rc = strcmp(err->sqlstate, "23514") == 0 ? 1 : -1; /* an address the CHECK refuses */
        goto out;
    }
    res = db_exec(db, sql, ticket ? 4 : 5, params, err);
    if (res == NULL) {
        /* a value the database refuses (a channel or kind it does not know) is the user's */
        rc = strcmp(err->sqlstate, "23514") == 0 || strcmp(err->sqlstate, "23502") == 0 ? 1 : -1;
        goto out;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "could not log the %s: no contact with e-mail \"%s\"", what, email);
        rc = 1;
        goto out;
    }
    snprintf(msg, n, "%slogged %s #%s for %s%s%s", made, ticket ? "ticket" : "interaction",
             PQgetvalue(res, 0, 0), email, db_val(res, 0, 1)[0] ? " at " : "", db_val(res, 0, 1));
    PQclear(res);
    rc = 0;
out:
    if (ticket && db_state(db) == DB_READY) {
        struct ccrm_err e2;

        if (simple_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", &e2) == -1 && rc == 0) {
            *err = e2;
            rc = -1;
        }
    }
    return rc;
}
