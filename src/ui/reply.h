/* r: answer a record by e-mail from the client (src/ui/reply.c). */
#ifndef CCRM_UI_REPLY_H
#define CCRM_UI_REPLY_H

#include <stdint.h>

#include "ccrm/entity.h"
#include "ui_int.h"

/* Write an answer to the record's latest mail in $VISUAL/$EDITOR, then, asked, queue it in the
 * outbox and send it (the path of ccrm --reply). e has a mail_fk. */
void act_reply(struct app *app, const struct entity *e, int64_t id);

/* Send mail mid, already committed to the outbox (an answer, a quote or invoice: :send), the
 * client's way: at once, then again on a timer while sendmail refuses it; says how it went. */
void reply_send_queued(struct app *app, int64_t mid);

#endif
