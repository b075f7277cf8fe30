/* Tab completion's candidates from the database (src/db/complete.c), for the `:` prompt. */
#ifndef CCRM_COMPLETE_H
#define CCRM_COMPLETE_H

#include "ccrm/db.h"
#include "ccrm/err.h"

/* The accounts whose name starts with typed, folded as the Accounts search folds (ccrm_fold:
 * "ol", "öl" and "ÖL" find "Öl Handel"), as the caller may see them: add is called for the
 * first limit in name order, then for the last one, so that a common beginning taken from them
 * holds for all. Returns how many were added, or -1 with err set. */
int db_account_names(struct db *db, const char *typed, int limit,
                     void (*add)(const char *name, void *ctx), void *ctx, struct ccrm_err *err);

/* The id of the account named name, in any letter case (lower()), as the caller may see it;
 * 0 when there is none, -1 with err set. For :open, whose first hundred matches by the search
 * may all merely contain a short name ("Zeta" behind "Alpha Zeta Holding 001" ...). */
int64_t db_account_named(struct db *db, const char *name, struct ccrm_err *err);

/* The people a campaign takes one by one (:add-member, m; db_campaign_add_person), as the caller
 * may see them: the full names of contacts and leads whose name, folded as ccrm_person_name
 * folds it (case, accents, blanks), starts with typed, and their e-mail addresses that start
 * with it, letter case aside; add is called for the first limit of each kind in order, then
 * for the last one of each (as db_account_names). Returns how many, or -1 with err set. */
int db_person_names(struct db *db, const char *typed, int limit,
                    void (*add)(const char *name, void *ctx), void *ctx, struct ccrm_err *err);

/* The segments whose name starts with typed, folded as accounts' are (:add-segment), as the
 * caller may see them, in the same way. Returns how many, or -1 with err set. */
int db_segment_names(struct db *db, const char *typed, int limit,
                     void (*add)(const char *name, void *ctx), void *ctx, struct ccrm_err *err);

#endif
