/* Sending the outbox (mail_outbox_send), for `ccrm --send-mail`, `ccrm --reply` and the client:
 * claim what is due (schema 017: FOR UPDATE SKIP LOCKED, status 'sending', a session lock per
 * mail), compose it, hand it to sendmail, record the outcome. Each mail was committed to the
 * outbox before it gets here and is marked sent only after sendmail took it, so a crash in
 * between leaves it 'sending' with its lock gone: the next run sends it again with the same
 * Message-ID (at least once; docs/mail.md). The database calls are in src/db/mail.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"

#define CLAIM_MAX 10
#define SENDMAIL_TIMEOUT_S 120

int
mail_outbox_send(struct db *db, const char *command, int64_t only_id, FILE *log, FILE *errlog,
                 struct mail_send_report *rep, struct ccrm_err *err)
{
    struct mail_claimed *rows = NULL;
    int i, n;

    memset(rep, 0, sizeof *rep);
    for (;;) {
        n = db_mail_outbox_claim(db, CLAIM_MAX, only_id, &rows, err);
        if (n <= 0)
            return n;
        for (i = 0; i < n; i++) {
            struct mail_claimed *c = &rows[i];
            struct ccrm_err serr;
            char status[12];
            size_t len = 0;
            char *msg = mail_compose(&c->out, &len, &serr);
            int ok =
                msg != NULL && mail_sendmail(command, msg, len, SENDMAIL_TIMEOUT_S, &serr) == 0;

            free(msg);
            if (db_mail_outbox_done(db, c->out.id, ok, ok ? NULL : serr.msg, status, err) == -1) {
                db_mail_claimed_free(rows, n);
                return -1;
            }
            if (strcmp(status, "sent") == 0)
                rep->sent++;
            else if (strcmp(status, "failed") == 0)
                rep->failed++;
            else
                rep->retry++;
            if (!ok)
                str_copy(rep->last_error, serr.msg, sizeof rep->last_error);
            /* what went well on log, what did not on errlog (--send-mail: standard output and
             * standard error); sendmail's own words are in the reason, made safe */
            if (ok && log != NULL)
                safe_fprintf(log, "ccrm: mail %" PRId64 " sent to %s%s\n", c->out.id, c->out.to,
                             c->resent ? " (again: an earlier attempt was interrupted)" : "");
            else if (!ok && errlog != NULL)
                safe_fprintf(errlog, "ccrm: could not send mail %" PRId64 " to %s: %s (%s)\n",
                             c->out.id, c->out.to, serr.msg,
                             strcmp(status, "failed") == 0 ? "given up after the last attempt"
                                                           : "it will be tried again");
        }
        db_mail_claimed_free(rows, n);
        rows = NULL;
        if (only_id > 0)
            return 0;
    }
}
