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
struct view *view_form_new(struct app *app, const char *entity, int64_t id,
                           const char *const *prefill);

#endif
