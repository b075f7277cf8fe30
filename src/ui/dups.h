/* The Duplicates view (src/ui/view_dups.c) and the Reports view (src/ui/view_reports.c). */
#ifndef CCRM_UI_DUPS_H
#define CCRM_UI_DUPS_H

#include "ui_int.h"

/* Candidate duplicate pairs of entity ("contacts", "leads", "accounts"; NULL or "":
 * contacts), to mark "not a duplicate" or compare and merge. Push it with ui_push. */
struct view *view_dups_new(struct app *app, const char *entity);

#endif
