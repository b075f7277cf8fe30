/* The marketing views: Duplicates (src/ui/view_dups.c), Reports (src/ui/view_reports.c) and
 * Segments (src/ui/view_segments.c). */
#ifndef CCRM_UI_DUPS_H
#define CCRM_UI_DUPS_H

#include <stdint.h>

#include "ui_int.h"

/* Candidate duplicate pairs of entity ("contacts", "leads", "accounts"; NULL or "":
 * contacts), to mark "not a duplicate" or compare and merge. Push it with ui_push. */
struct view *view_dups_new(struct app *app, const char *entity);

/* The reports of the database (db_report_names) as terminal charts, starting on the one name
 * starts (NULL or "": the first). view_reports_known: the index of the report name starts,
 * or -1. */
struct view *view_reports_new(struct app *app, const char *name);
int view_reports_known(const char *name);
/* :from, :to: set the window of Reports view v (is_from: its start; text a date, "" or NULL
 * for the report's own) and run the report again. -1 when v is not a Reports view. */
int view_reports_window(struct view *v, struct app *app, int is_from, const char *text);

/* The saved segments with their estimated (and on request exact) sizes; campaign != 0: a
 * picker whose Enter adds the segment selected to that campaign. */
struct view *view_segments_new(struct app *app, int64_t campaign);

/* The interests whose product, topic or note holds text (src/ui/view_interests.c). */
struct view *view_interests_new(struct app *app, const char *text);

#endif
