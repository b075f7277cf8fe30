/* Tab completion's candidates from the database: account names by their beginning.
 *
 * Completion offers the names that start with what was typed, folded as the Accounts search
 * folds (ccrm_fold: lower(unaccent())), in name order. The Accounts search itself finds names
 * that contain the text, and its first hundred could all be such, leaving out a name that
 * starts with it but sorts late; so the beginnings are asked for alone.
 *
 * No index holds the folded name, but the name index (accounts_name_idx: name, id, INCLUDE
 * search) is in the ICU root order of the name column, which compares letters first without
 * case or accents: a name whose folded form starts with f lies between f and f || U+FFFF (the
 * highest character in that order), whatever its case and accents. So each branch is a range
 * of that index, walked in order until the limit, the exact test on the rows in it. The few
 * letters unaccent folds that ICU sorts as letters of their own (þ, ı: "Işık" folds to "isik")
 * are found when typed as they are written, by the same range from what was typed in lower case. */
#include <stdio.h>
#include <stdlib.h>

#include "ccrm/complete.h"
#include "ccrm/model.h"
#include "ccrm/util.h"
#include "db_int.h"

/* One branch: the names in the range from `from` (see the top) that start with $2 (what was
 * typed as a LIKE pattern of a beginning), in an order, to a limit ($3: the limit asked for).
 * The search column is the index's too: the walk stays index-only. */
#define NAMES(from, order, limit)                                                                  \
    " (SELECT a.name FROM accounts a"                                                              \
    "   WHERE a.name >= " from " AND a.name < " from " || chr(65535)"                              \
    "     AND a.search LIKE ccrm_fold($2)"                                                         \
    "   ORDER BY " order " LIMIT " limit ")"

/* the first names in order, the last one, and (only where it differs from the folded text) the
 * first from what was typed in lower case; $1 is what was typed */
#define FIRST NAMES("ccrm_fold($1)", "a.name, a.id", "$3::int")
#define LAST NAMES("ccrm_fold($1)", "a.name DESC, a.id DESC", "1")
#define AS_TYPED                                                                                   \
    NAMES("lower($1)", "a.name, a.id",                                                             \
          "CASE WHEN lower($1) <> ccrm_fold($1) THEN $3::int ELSE 0 END")

static const char names_sql[] = "SELECT m.name FROM (" FIRST " UNION ALL" LAST ") m";
/* When something outside ASCII was typed (else lower() and ccrm_fold() agree). Not always: a
 * branch with nothing to do still counts in the plan's estimate, and for a partner, whose rows
 * row-level security filters one by one, it took the estimate past jit_above_cost (compiling
 * took 300 ms of a 5 ms query). */
static const char names_typed_sql[] =
    "SELECT m.name FROM (" FIRST " UNION ALL" AS_TYPED " UNION ALL" LAST ") m";

int
db_account_names(struct db *db, const char *typed, int limit,
                 void (*add)(const char *name, void *ctx), void *ctx, struct ccrm_err *err)
{
    char *contains = like_contains(typed), lim[16];
    const char *params[3];
    PGresult *res;
    int i, n;

    /* "%text%" without its first %: the text at the beginning */
    snprintf(lim, sizeof lim, "%d", limit);
    params[0] = typed;
    params[1] = contains + 1;
    params[2] = lim;
    for (i = 0; typed[i] != '\0' && (unsigned char)typed[i] < 0x80; i++)
        ;
    res = db_exec(db, typed[i] != '\0' ? names_typed_sql : names_sql, 3, params, err);
    free(contains);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n; i++)
        add(PQgetvalue(res, i, 0), ctx);
    PQclear(res);
    return n;
}

int64_t
db_account_named(struct db *db, const char *name, struct ccrm_err *err)
{
    /* the range of the name index where the name lies (see the top), the exact test in it:
     * the name itself sorts first among those that start with it */
    static const char sql[] =
        "SELECT a.id FROM accounts a"
        " WHERE a.name >= ccrm_fold(btrim($1)) AND a.name < ccrm_fold(btrim($1)) || chr(65535)"
        "   AND lower(a.name) = lower(btrim($1))"
        " ORDER BY a.name, a.id LIMIT 1";
    const char *params[1] = {name};
    PGresult *res = db_exec(db, sql, 1, params, err);
    int64_t id;

    if (res == NULL)
        return -1;
    id = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return id;
}
