/* Writing from scripts: `ccrm --log ticket|interaction --contact EMAIL ...` (src/cli/log.c).
 * The contact is found by e-mail (case-insensitive); the record hangs off its account. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

int
db_log_record(struct db *db, const char *what, const char *email, const char *subject,
              const char *body, const char *channel, const char *kind, char *msg, size_t n,
              struct ccrm_err *err)
{
    const char *params[5] = {email, subject, body, channel, kind};
    PGresult *res;
    const char *sql;
    int ticket = strcmp(what, "ticket") == 0;

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
    res = db_exec(db, sql, ticket ? 4 : 5, params, err);
    if (res == NULL) {
        /* a value the database refuses (a channel or kind it does not know) is the user's */
        return strcmp(err->sqlstate, "23514") == 0 || strcmp(err->sqlstate, "23502") == 0 ? 1 : -1;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "could not log the %s: no contact with e-mail \"%s\"", what, email);
        return 1;
    }
    snprintf(msg, n, "logged %s #%s for %s%s%s", ticket ? "ticket" : "interaction",
             PQgetvalue(res, 0, 0), email, db_val(res, 0, 1)[0] ? " at " : "", db_val(res, 0, 1));
    PQclear(res);
    return 0;
}
