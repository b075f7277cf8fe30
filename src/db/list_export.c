/* `:export FILE` in the client: the list as the user sees it (its sort, search and filter),
 * every matching row, written as CSV page by page, so memory stays flat at any size. */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

#define EXPORT_PAGE 1000

/* One field, quoted (by libcsv) only when it needs to be, as --export writes them. */
static int
put(FILE *f, const char *s, int last)
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
    return fputc(last ? '\n' : ',', f) == EOF ? -1 : 0;
}

long long
db_list_export(struct db *db, const struct list_query *q, FILE *f, struct ccrm_err *err)
{
    const char *const *names;
    int nc = db_list_columns(q->entity, &names), i, c, n;
    struct row *page = xcalloc(EXPORT_PAGE, sizeof *page);
    struct row last;
    long long total = 0;
    int have_last = 0;

    memset(&last, 0, sizeof last);
    for (c = 0; c < nc; c++)
        if (put(f, names[c], c + 1 == nc) == -1)
            goto write_error;
    do {
        n = db_list_fetch(db, q, have_last ? &last : NULL, 1, EXPORT_PAGE, page, err);
        if (n < 0) {
            total = -1;
            goto out;
        }
        for (i = 0; i < n; i++)
            for (c = 0; c < nc; c++)
                if (put(f, page[i].col[c], c + 1 == nc) == -1)
                    goto write_error;
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
