/* Collaboration actions on a record (src/ui/actions.c): each asks what it needs on the bottom
 * line (ui_input_begin), writes through src/db, and reports with ui_message. entity is a table
 * name ("accounts", "contacts", "leads", "opportunities", "tickets", "campaigns"). */
#ifndef CCRM_UI_ACTIONS_H
#define CCRM_UI_ACTIONS_H

#include <stdint.h>

#include "ui_int.h"

/* c: comment on the record; @login mentions land in those people's Inbox. */
void act_comment(struct app *app, const char *entity, int64_t id);
/* a (handoff 0): assign to a person (login): becomes owner/assignee, lands in their Inbox.
 * h (handoff 1): hand off to a person or a department (sales, support, marketing, management)
 * with a note: lands in the Inbox of that person or of everyone in the department. */
void act_assign(struct app *app, const char *entity, int64_t id, int handoff);
/* Convert a lead into account + contact + deal. */
void act_convert_lead(struct app *app, int64_t lead_id);
/* Mark a ticket as a sales signal: creates or updates a lead for the ticket's person. */
void act_ticket_signal(struct app *app, int64_t ticket_id);

#endif
