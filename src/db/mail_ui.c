/* What the full-screen client reads about mail besides a detail's conversation (src/db/detail.c):
 * the mail an answer quotes. Writing an answer is ccrm --reply's path (db_mail_reply in
 * src/db/mail.c, then the outbox: src/mail/outbox.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/entity.h"
#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "db_int.h"

#define LAST_IN_WHEN SQL_LOCAL("coalesce(m.sent_at, m.received_at)")
#define LAST_IN_MAX CCRM_STR(MAIL_QUOTE_MAX)

int
db_mail_last_in(struct db *db, const char *mail_fk, int64_t id, char **from, char **when,
                char **body, struct ccrm_err *err)
{
    static const char *const tables[][2] = {{"ticket_id", "tickets"},
                                            {"lead_id", "leads"},
                                            {"contact_id", "contacts"},
                                            {"opportunity_id", "opportunities"}};
    char b[24];
    const char *params[2] = {NULL, b};
    PGresult *res;
    size_t i;
    int n;

    *from = *when = *body = NULL;
    for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (strcmp(mail_fk, tables[i][0]) == 0)
            params[0] = tables[i][1];
    if (params[0] == NULL)
        return 0;
    snprintf(b, sizeof b, "%" PRId64, id);
    /* the latest mail of the person the answer goes to, as ccrm_mail_reply() decides it: a
     * stranger's mail filed on the record is not what the answer to the customer quotes */
    res = db_exec(db,
                  "SELECT coalesce(CASE WHEN nullif(btrim(m.from_name), '') IS NULL"
                  "   THEN m.from_addr ELSE m.from_name || ' <' || m.from_addr || '>' END, ''),"
                  " to_char(" LAST_IN_WHEN ", 'YYYY-MM-DD HH24:MI'),"
                  " left(m.body_text, " LAST_IN_MAX ")"
                  " FROM messages m"
                  " WHERE m.id = (SELECT t.last_in FROM ccrm_mail_reply_thread($1, $2::bigint) t)",
                  2, params, err);
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

/* What ccrm_mail_reply() would make of an answer with these overrides (NULL: its own choice):
 * the function runs in a transaction that is rolled back, so the client's reply form shows
 * exactly the To, Cc and Subject the answer will get (one rule, in the database) and nothing
 * is written (an id of the sequences is used up, nothing else). */
int
db_mail_reply_preview(struct db *db, const char *entity, int64_t id, const char *subject,
                      const char *to, const char *cc, char **out_to, char **out_cc,
                      char **out_subject, struct ccrm_err *err)
{
    char b[24], mid[24];
    const char *params[6] = {entity, b, "(the answer)", subject, to, cc};
    const char *p2[1] = {mid};
    PGresult *res;

    *out_to = *out_cc = *out_subject = NULL;
    snprintf(b, sizeof b, "%" PRId64, id);
    if (db_run(db, "BEGIN", "could not preview the answer", err) == -1)
        return -1;
    res = db_exec(db, "SELECT ccrm_mail_reply($1, $2::bigint, $3, $4, $5, $6)", 6, params, err);
    if (res == NULL) {
        db_rollback(db);
        return -1;
    }
    str_copy(mid, PQgetvalue(res, 0, 0), sizeof mid);
    PQclear(res);
    res = db_exec(db,
                  "SELECT coalesce(to_addr, ''), coalesce(cc_addr, ''), subject FROM messages"
                  " WHERE id = $1::bigint",
                  1, p2, err);
    db_rollback(db);
    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        err_set(err, "could not preview the answer: it was not written");
        return -1;
    }
    *out_to = xstrdup(PQgetvalue(res, 0, 0));
    *out_cc = xstrdup(PQgetvalue(res, 0, 1));
    *out_subject = xstrdup(PQgetvalue(res, 0, 2));
    PQclear(res);
    return 0;
}

int64_t
db_mail_retry_ms(struct db *db, int64_t id, struct ccrm_err *err)
{
    char b[24];
    const char *params[1] = {b};
    PGresult *res;
    int64_t ms = -2;

    snprintf(b, sizeof b, "%" PRId64, id);
    res = db_exec(db,
                  "SELECT greatest(0, ceil(extract(epoch FROM next_attempt_at - now()) * 1000))"
                  "::bigint FROM messages WHERE id = $1::bigint AND status = 'queued'",
                  1, params, err);
    if (res == NULL)
        return -1;
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        ms = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return ms;
}

int
db_mail_attachment(struct db *db, int64_t id, char **name, int64_t *size, int *kept,
                   struct ccrm_err *err)
{
    char b[24];
    const char *params[1] = {b};
    PGresult *res;
    int n;

    *name = NULL;
    snprintf(b, sizeof b, "%" PRId64, id);
    res =
        db_exec(db, "SELECT name, size, content IS NOT NULL FROM attachments WHERE id = $1::bigint",
                1, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n == 1) {
        *name = xstrdup(PQgetvalue(res, 0, 0));
        *size = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        *kept = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    }
    PQclear(res);
    return n;
}

int
db_mail_attachment_chunk(struct db *db, int64_t id, int64_t off, int len, unsigned char **buf,
                         size_t *n, struct ccrm_err *err)
{
    char b[24], o[24], l[16];
    const char *params[3] = {b, o, l};
    unsigned char *raw;
    PGresult *res;

    *buf = NULL;
    *n = 0;
    snprintf(b, sizeof b, "%" PRId64, id);
    snprintf(o, sizeof o, "%" PRId64, off + 1);
    snprintf(l, sizeof l, "%d", len);
    /* STORAGE EXTERNAL (schema/017): substring reads only the TOAST chunks it needs */
    res = db_exec(db,
                  "SELECT substring(content FROM $2::int FOR $3::int) FROM attachments"
                  " WHERE id = $1::bigint AND content IS NOT NULL",
                  3, params, err);
    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        err_set(err, "the attachment is gone");
        return -1;
    }
    raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), n);
    PQclear(res);
    if (raw == NULL) {
        err_set(err, "out of memory");
        return -1;
    }
    *buf = xmalloc(*n > 0 ? *n : 1);
    memcpy(*buf, raw, *n);
    PQfreemem(raw);
    return 0;
}
