/* r, :reply: answer a record by e-mail from the client (src/ui/reply.c), sent without waiting
 * (src/ui/mail_send.c). */
#ifndef CCRM_UI_REPLY_H
#define CCRM_UI_REPLY_H

#include <stdint.h>

#include "ccrm/entity.h"
#include "ui_int.h"

/* Write an answer to the record's latest mail in $VISUAL/$EDITOR, then, asked (and with To,
 * Cc and Subject changed if wished), queue it in the outbox and send it (the path of
 * ccrm --reply). e has a mail_fk. */
void act_reply(struct app *app, const struct entity *e, int64_t id);
/* Stopped by a signal (why: "SIGHUP"): an answer not sent is kept on disk with its To, Cc,
 * Subject and files, and app->exit_note says where. */
void reply_keep_note(struct app *app, const char *why);

/* Hand mail id (committed to the outbox: an answer, a quote or invoice by :send) to a child
 * process that sends it, again later while sendmail refuses it; the status line
 * says "sending mail N…", then how it went. again: this session's attempts before this one (0:
 * the first). note: NULL, or what both messages add (" (without the e-invoice: …)"), so a
 * caller's word about the mail is not overwritten by them. Returns 0, or -1 when it could not
 * start (said; it is tried again later). */
int mail_send_start(struct app *app, int64_t id, int again, const char *note);
/* What the caller said as mail id's send began (a message of its own, the mail's number in
 * it): "mail N sent" does not wipe it but says "<said>; sent". */
void mail_send_said(int64_t id, const char *said);
/* Leaving: say which mails are still on their way (app->exit_note); they go on. */
void mail_send_fini(struct app *app);

/* :save-attachment N [PATH], w on a mail (src/ui/attach.c): write received attachment id to a
 * file, asking for the path when path is NULL and before replacing a file. */
void attach_save(struct app *app, int64_t id, const char *path);

#endif
