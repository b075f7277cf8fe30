/* `:export FILE` in the client: the list as the user sees it (its sort, search and filter),
 * every matching row, written as CSV page by page, so memory stays flat at any size. A column
 * the client counts down (the Tickets' SLA time left: its SQL gives a due time in epoch
 * milliseconds) is written as the list shows it at the time of the export ("3h 20m", "! -5m",
 * "paused"), not as that number. */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccrm/entity.h"
#include "ccrm/model.h"
#include "ccrm/util.h"
#include "db_int.h"

#define EXPORT_PAGE 1000

/* One field, quoted (by libcsv) only when it needs to be, as --export writes them. */
static int
put(FILE *f, const char *s)
{
    if (s == NULL)
        s = "";
    if (strpbrk(s, ",\"\r\n") != NULL ||
        (s[0] != '\0' && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
        if (csv_fwrite(f, s, strlen(s)) != 0)
            return -1;
    } else if (fputs(s, f) == EOF) {
        return -1;
    }
    return 0;
}

long long
db_list_export(struct db *db, const struct list_query *q, FILE *f, struct ccrm_err *err)
{
    const struct entity_list *l = q->e->list;
    int i, c, n, first;
    struct row *page = xcalloc(EXPORT_PAGE, sizeof *page);
    struct row last;
    long long total = 0;
    int have_last = 0;
    struct timespec ts;
    int64_t wall;

    memset(&last, 0, sizeof last);
    /* the shown columns, as the list shows them */
    for (c = 0, first = 1; c < l->ncols; c++)
        if (!l->cols[c].hidden) {
            if ((!first && fputc(',', f) == EOF) || put(f, l->cols[c].name) == -1)
                goto write_error;
            first = 0;
        }
    if (fputc('\n', f) == EOF)
        goto write_error;
    do {
        n = db_list_fetch(db, q, have_last ? &last : NULL, 1, EXPORT_PAGE, page, err);
        if (n < 0) {
            total = -1;
            goto out;
        }
        for (i = 0; i < n; i++) {
            /* the time left as of now, as the list on screen counts it (wall_ms) */
            clock_gettime(CLOCK_REALTIME, &ts);
            wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
            for (c = 0, first = 1; c < l->ncols; c++)
                if (!l->cols[c].hidden) {
                    const char *text = page[i].col[c];
                    char left[32];
                    int64_t next;

                    if (l->cols[c].time_left) {
                        time_left_text(text, wall, left, sizeof left, &next);
                        text = left;
                    }
                    if ((!first && fputc(',', f) == EOF) || put(f, text) == -1)
                        goto write_error;
                    first = 0;
                }
            if (fputc('\n', f) == EOF)
                goto write_error;
        }
        total += n;
        if (n > 0) {
            row_fini(&last);
            row_copy(&last, &page[n - 1]);
            have_last = 1;
        }
        for (i = 0; i < n; i++)
            row_fini(&page[i]);
    } while (n == EXPORT_PAGE);
    if (fflush(f) != 0)
        goto write_error;
out:
    row_fini(&last);
    free(page);
    return total;
write_error:
    err_set(err, "could not write the export: %s", strerror(errno));
    for (i = 0; i < EXPORT_PAGE; i++)
        row_fini(&page[i]);
    total = -1;
    goto out;
}
