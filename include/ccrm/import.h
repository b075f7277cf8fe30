/* Bulk import (docs/import.md; export, which uses the same columns: ccrm/export.h). The entity
 * descriptions below are the fixed whitelist of tables and columns an import may touch: every
 * identifier in import SQL comes from them, never from the CSV. The db_import_* functions
 * (src/db/import.c) hold the libpq parts: staging COPY, the set-based merge, batches and
 * revert. */
#ifndef CCRM_IMPORT_H
#define CCRM_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ccrm/db.h"
#include "ccrm/err.h"

enum imp_type {
    IMP_TEXT,
    IMP_EMAIL,
    IMP_INT,
    IMP_NUMERIC,   /* numeric(14,2), >= 0 */
    IMP_DATE,      /* YYYY-MM-DD */
    IMP_TIMESTAMP, /* YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z|+HH[:MM]] */
    IMP_CHOICE,    /* one of choices, case-insensitive, stored lower case */
    IMP_CURRENCY,  /* three letters, stored upper case */
    IMP_LOGIN,     /* a users.login, checked in SQL */
    IMP_ACCOUNT,   /* account by domain or name -> account_id, resolved in SQL */
    IMP_CONTACT,   /* contact by e-mail -> contact_id, resolved in SQL */
    IMP_LEAD,      /* lead by e-mail -> lead_id, resolved in SQL */
    IMP_DEAL,      /* deal by name (among the row's account's) -> opportunity_id */
    IMP_TICKET,    /* ticket by subject (among the row's account's) -> ticket_id */
};

struct imp_column {
    const char *name;   /* CSV header and export name; also the staging column */
    const char *target; /* column of the table (account_id for IMP_ACCOUNT) */
    enum imp_type type;
    int required;               /* a value is needed on every row */
    int maxlen;                 /* in characters */
    long min, max;              /* IMP_INT range */
    const char *const *choices; /* IMP_CHOICE, NULL-terminated */
    const char *sqldef;         /* SQL default when empty on a NOT NULL column, or NULL */
    const char *sqltype;        /* cast from the staged text */
    const char *synonyms;       /* header names folded (lower case, letters and digits only),
                                 * separated by '|' */
};

struct imp_entity {
    const char *name;     /* table name */
    const char *singular; /* "lead", "deal" */
    const char *plural;   /* "leads", "deals": what --into and --export take (the table too) */
    const struct imp_column *cols;
    int ncols;
    int key;             /* column index of the duplicate key (e-mail, domain), or -1 */
    const char *keyword; /* "e-mail", "domain" in messages */
    int identity[4];     /* at least one of these columns must have a value (-1 ends), or {-1} */
};

/* The entities (the importable ones of the registry, include/ccrm/entity.h): the i-th (NULL
 * after the last), and lookup by what people call it or its table ("deals", "deal",
 * "opportunities"; NULL if unknown). */
const struct imp_entity *imp_entity_at(int i);
const struct imp_entity *imp_entity_find(const char *name);

enum imp_conflict { IMP_CONFLICT_ERROR, IMP_CONFLICT_SKIP, IMP_CONFLICT_UPDATE };

/* Records inserted, updated (and unchanged: db_import_unchanged) are counted once per record,
 * as the batch and its event count them (the server's audit rows); lines skipped and rejected
 * by line. merged: the lines of --on-conflict update that repeat the key of a line above them,
 * written with that line's record (the last one's values win), not counted again. */
struct imp_counts {
    int64_t inserted, updated, skipped, rejected, merged;
};

/* ---- src/db/import.c ---- */

struct db_import;

/* Start an import of entity e: BEGIN, a temporary staging table with the columns of e, and
 * COPY FROM STDIN into it. mapped[i] says whether column i came from the file (only those are
 * written by an update). keep_raw: the staging rows carry the original record (for --rejects).
 * Returns the import, or NULL with err set (nothing begun). Free with db_import_abort or
 * db_import_finish. */
struct db_import *db_import_begin(struct db *db, const struct imp_entity *e, const int *mapped,
                                  int keep_raw, struct ccrm_err *err);

/* Send COPY text-format data (whole lines). Returns 0/-1. */
int db_import_put(struct db_import *imp, const char *buf, size_t n, struct ccrm_err *err);

/* End the COPY (abort_msg non-NULL: fail it instead), then classify every staged row: DB-side
 * checks (references, duplicates in the file and against the database per conflict) and the
 * resulting counts. Returns 0/-1. */
/* --create-missing accounts (before db_import_classify): an organisation the file names that
 * matches no account by name or domain does not reject its row; the merge creates the account
 * (by name), in the import's transaction, for the rows it writes only, holding the accounts
 * table's import lock too (db_import_lock_accounts). */
void db_import_create_missing(struct db_import *imp);
/* The accounts the last merge created (after db_import_try: would create) */
int64_t db_import_created(const struct db_import *imp);
int db_import_classify(struct db_import *imp, enum imp_conflict conflict, struct imp_counts *c,
                       struct ccrm_err *err);

/* --on-conflict update: the rows to update that hold the file's values already, which the
 * merge leaves alone. Before db_import_commit (a dry run) they are counted and taken out of
 * cnt->updated; after it, what the merge found (already not in cnt->updated). Returns how
 * many, or -1 with err. */
int64_t db_import_unchanged(struct db_import *imp, struct imp_counts *cnt, struct ccrm_err *err);

/* Call cb for every rejected row not reported before, in line order (raw is NULL unless
 * keep_raw). cb returns 0, or -1 to stop (then this returns -1 with err untouched). Returns
 * 0/-1. */
int db_import_rejects(struct db_import *imp,
                      int (*cb)(void *arg, int64_t line, const char *reason, const char *raw,
                                size_t rawlen),
                      void *arg, struct ccrm_err *err);

/* Take the import lock of the entity's table (imports into one table run one after the other,
 * from classification to commit; see src/db/import.c). Ends the COPY first. wait 0: do not wait.
 * Returns 1 held, 0 another import holds it, -1 on errors. db_import_classify takes it (waiting)
 * when the caller did not. */
int db_import_lock(struct db_import *imp, int wait, struct ccrm_err *err);
/* The same for the accounts table, which --create-missing accounts writes: after
 * db_import_lock, before db_import_classify (which takes it, waiting, when the caller did not).
 * Returns 1, 0 or -1 as db_import_lock. */
int db_import_lock_accounts(struct db_import *imp, int wait, struct ccrm_err *err);

/* Create the batch, merge the good rows, write the counts and COMMIT. Rows that changed under
 * the import since the classification (deleted before their update, a key inserted by someone
 * else) are merged again as --on-conflict says; c then holds what really happened, and note
 * (when not NULL) gets each such row's line and what happened to it. Returns the batch id, 0
 * when there was nothing to write (rolled back: no batch, no event), -2 when the table's own
 * rules (a department rule, a CHECK) refused rows: nothing written, those rows are rejected now
 * (db_import_rejects reports them), c holds the plan without them, and the import is still
 * open, to commit again or abort; or -1 (rolled back; a row that makes the import fail is
 * named in err). */
int64_t db_import_commit(struct db_import *imp, const char *file_name, struct imp_counts *c,
                         int (*note)(void *arg, int64_t line, const char *text), void *arg,
                         struct ccrm_err *err);

/* A dry run's merge, undone: the rows the table's own rules refuse (a trigger, a CHECK) become
 * rejected rows, as db_import_commit would find them; c gets the plan without them. Returns how
 * many were refused, or -1 with err. */
int64_t db_import_try(struct db_import *imp, struct imp_counts *c, struct ccrm_err *err);

/* ROLLBACK if still open and free. Accepts NULL. */
void db_import_abort(struct db_import **impp);

/* Signal-safe: ask the server to cancel the running statement of the current import, if any
 * (the import then fails and is rolled back). */
void db_import_cancel_current(void);

/* Undo batch id in one transaction; dry_run: all the same, then ROLLBACK (nothing written).
 * Returns 0 with summary filled, or -1 with err (a refusal names the row that changed after
 * the import). */
int db_import_revert(struct db *db, int64_t batch, int dry_run, char *summary, size_t n,
                     struct ccrm_err *err);

/* The newest limit import batches the caller may see, newest first, for `ccrm --batches`: cb
 * gets each as one line of text ("12  2026-12-03 14:05  sam  contacts from a.csv: ..."), and
 * may return -1 to stop. Returns the number listed, or -1 with err. */
int db_import_batches(struct db *db, int limit, int (*cb)(void *arg, const char *line), void *arg,
                      struct ccrm_err *err);

#endif
