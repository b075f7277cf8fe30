/* Forms: create and edit any record (src/ui/view_form.c). Owned by the forms work. */
#ifndef CCRM_UI_FORM_H
#define CCRM_UI_FORM_H

#include <stdint.h>

#include "ui_int.h"

/* A form over a record of entity (the table of an entity of the registry with fields). id 0 =
 * a new record. prefill: NULL or a NULL-terminated list of
 * "column=value" strings set before the user edits (e.g. "account_id=12", "kind=call").
 * The form is pushed by the caller with ui_push; it pops itself when saved or cancelled.
 * Returns NULL (with a message shown) if the record cannot be loaded. */
struct draft;

/* A form restored from a draft (include/ccrm/draft.h): its record read again, the draft's
 * values in its fields, and the version and values it was read at kept, so that a save finds
 * what others changed since (the conflict screen). NULL (with a message) when the form
 * cannot open. */
struct view *view_form_restore(struct app *app, const struct draft *d);
struct view *view_form_new(struct app *app, const char *entity, int64_t id,
                           const char *const *prefill);
/* A new record of entity about the record about #about_id (`l` on a ticket: a call on it):
 * the field that names that record is set, and every reference to another record both forms
 * have starts as the record has it (the ticket's account and contact). prefill comes after
 * them (it wins). */
struct view *view_form_new_about(struct app *app, const char *entity, const char *const *prefill,
                                 const char *about, int64_t about_id);

#endif
