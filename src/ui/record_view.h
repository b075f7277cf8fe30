/* The detail ("customer 360") view of one record (src/ui/view_record.c). */
#ifndef CCRM_UI_RECORD_VIEW_H
#define CCRM_UI_RECORD_VIEW_H

#include <stdint.h>

#include "ui_int.h"

/* Detail view of a record of entity (the table of an entity of the registry with a detail
 * view): its fields, related records, comments, chat, who else is here, and
 * the timeline of every department's work with this customer. Push it with ui_push. Returns
 * NULL (with a message shown) for an entity that has no detail view; a record that does not
 * exist gets a view that says so. */
struct view *view_record_new(struct app *app, const char *entity, int64_t id);

#endif
