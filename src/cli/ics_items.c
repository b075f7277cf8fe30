/* Freeing the items of an iCalendar export (include/ccrm/ics.h). Apart from src/cli/ics.c, which
 * needs libical and is loaded with the documents' module (src/ext/): the database layer makes
 * the items and frees them whether or not anything was rendered. */
#include <stdlib.h>

#include "ccrm/ics.h"

void
ics_items_free(struct ics_item *items, int n)
{
    int i;

    for (i = 0; items != NULL && i < n; i++) {
        free(items[i].uid);
        free(items[i].subject);
        free(items[i].body);
        free(items[i].record);
    }
    free(items);
}
