/* Collaboration actions on a record (src/ui/actions.c): each asks what it needs on the bottom
 * line (ui_input_begin), writes through src/db/actions.c (the rules are in the database,
 * schema/006_collab.sql), and reports with ui_message, or ui_message_error with the database's
 * message when it refuses. What was typed is never lost: offline, the line opens again with it
 * at once; after a refusal the same key on the same record offers it again. entity is the
 * table of an entity of the registry (include/ccrm/entity.h). */
#ifndef CCRM_UI_ACTIONS_H
#define CCRM_UI_ACTIONS_H

#include <stdint.h>

#include "ui_int.h"

/* c: comment on the record; @login mentions land in those people's Inbox. shared 0: internal
 * (the default of internal users), 1: shared with the partners who see the record (p). */
void act_comment(struct app *app, const char *entity, int64_t id, int shared);
/* a (handoff 0): assign to a person (login): becomes owner/assignee, lands in their Inbox.
 * h (handoff 1): hand off to a person or a department (sales, support, marketing, management)
 * with a note: lands in the Inbox of that person or of everyone in the department. */
void act_assign(struct app *app, const char *entity, int64_t id, int handoff);
/* The same without asking, for the `:` prompt (:assign/:handoff WHO [NOTE], :comment TEXT);
 * an empty who or text asks as above. note may be NULL. */
void act_assign_to(struct app *app, const char *entity, int64_t id, int handoff, const char *who,
                   const char *note);
void act_comment_text(struct app *app, const char *entity, int64_t id, int shared,
                      const char *text);
/* Convert a lead into account + contact + deal. */
void act_convert_lead(struct app *app, int64_t lead_id);
/* Mark a ticket as a sales signal: creates or updates a lead for the ticket's person. */
void act_ticket_signal(struct app *app, int64_t ticket_id);

#endif
