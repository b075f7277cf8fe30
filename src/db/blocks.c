/* The search blocks' queue (schema/021): writers only queue the rows they wrote, and the
 * queue is filed into the blocks in batches. After a bulk load the importer files what it
 * queued, in chunks of their own transactions, so that no writer ever waits for it. */
#include <stdlib.h>

#include "db_int.h"

int64_t
db_blocks_file(struct db *db, int (*progress)(void *arg, int64_t filed), void *arg,
               struct ccrm_err *err)
{
    int64_t total = 0, n;
    PGresult *res;

    do {
        res = db_exec(db, "SELECT ccrm_search_blocks_flush(20000)", 0, NULL, err);
        if (res == NULL)
            return -1;
        n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        total += n;
        if (progress != NULL && n > 0 && progress(arg, total) != 0)
            break;
    } while (n > 0);
    return total;
}
