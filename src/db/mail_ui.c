/* What the full-screen client reads about mail besides a detail's conversation (src/db/detail.c):
 * the mail an answer quotes. Writing an answer is ccrm --reply's path (db_mail_reply in
 * src/db/mail.c, then the outbox: src/mail/outbox.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "db_int.h"

int
db_mail_last_in(struct db *db, const char *mail_fk, int64_t id, char **from, char **when,
                char **body, struct ccrm_err *err)
{
    char b[24], *sql;
    const char *params[1] = {b};
    PGresult *res;
    int n;

    *from = *when = *body = NULL;
    snprintf(b, sizeof b, "%" PRId64, id);
    /* mail_fk is the registry's fixed text; the record's latest mail from a person, on the
     * messages index of that column (schema/017) */
    sql = xasprintf("SELECT coalesce(CASE WHEN nullif(btrim(m.from_name), '') IS NULL"
                    "   THEN m.from_addr ELSE m.from_name || ' <' || m.from_addr || '>' END, ''),"
                    " to_char(coalesce(m.sent_at, m.received_at), 'YYYY-MM-DD HH24:MI'),"
                    " left(m.body_text, " CCRM_STR(
                        MAIL_QUOTE_MAX) ")"
                                        " FROM messages m WHERE m.%s = $1 AND m.direction = 'in'"
                                        "   AND m.status = 'received'"
                                        " ORDER BY m.received_at DESC, m.id DESC LIMIT 1",
                    mail_fk);
    res = db_exec(db, sql, 1, params, err);
    free(sql);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n == 1) {
        *from = xstrdup(PQgetvalue(res, 0, 0));
        *when = xstrdup(PQgetvalue(res, 0, 1));
        *body = xstrdup(PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    return n;
}
