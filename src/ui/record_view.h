/* The detail ("customer 360") view of one record (src/ui/view_record.c). */
#ifndef CCRM_UI_RECORD_VIEW_H
#define CCRM_UI_RECORD_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "ui_int.h"

/* Detail view of a record of entity (the table of an entity of the registry with a detail
 * view): its fields, related records, comments, chat, who else is here, and
 * the timeline of every department's work with this customer. Push it with ui_push. Returns
 * NULL (with a message shown) for an entity that has no detail view; a record that does not
 * exist gets a view that says so. */
struct view *view_record_new(struct app *app, const char *entity, int64_t id);

/* The line selected in v, when v is a record's detail view and the line names something
 * (not a heading, not the history): its entity ("contacts", "results", ...), id and text.
 * 0, or -1. */
int view_record_line(struct view *v, char *entity, size_t en, int64_t *id, char *what, size_t wn);

#endif
