/* The Duplicates view (src/ui/view_dups.c) and the Reports view (src/ui/view_reports.c). */
#ifndef CCRM_UI_DUPS_H
#define CCRM_UI_DUPS_H

#include "ui_int.h"

/* Candidate duplicate pairs of entity ("contacts", "leads", "accounts"; NULL or "":
 * contacts), to mark "not a duplicate" or compare and merge. Push it with ui_push. */
struct view *view_dups_new(struct app *app, const char *entity);

/* The reports of the database (db_report_names) as terminal charts, starting on the one name
 * starts (NULL or "": the first). view_reports_known: the index of the report name starts,
 * or -1. */
struct view *view_reports_new(struct app *app, const char *name);
int view_reports_known(const char *name);

#endif
