/* Export (ccrm --export, src/cli/export.c; the libpq part in src/db/export.c): an entity
 * streamed through COPY TO in the columns its import maps, so an export imports back. Row-level
 * security applies: a user exports what they may see. */
#ifndef CCRM_EXPORT_H
#define CCRM_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ccrm/db.h"
#include "ccrm/err.h"
#include "ccrm/import.h"

/* Stream entity e through COPY TO: CSV with a header, or JSON lines. write() gets each chunk
 * and returns 0/-1. Returns the number of rows, or -1. */
int64_t db_export(struct db *db, const struct imp_entity *e, int jsonl,
                  int (*write)(void *arg, const char *buf, size_t n), void *arg,
                  struct ccrm_err *err);

#endif
