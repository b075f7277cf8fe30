/* Tab completion's candidates from the database: account names by their beginning; the
 * people a campaign takes (contacts' and leads' full names and e-mail addresses) and segment
 * names (both at the end of the file).
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
#include <string.h>

#include "ccrm/complete.h"
#include "ccrm/model.h"
#include "ccrm/util.h"
#include "db_int.h"

/* Run sql with its parameters and hand each row's first value (NULLs aside) to add: every
 * completion below ends in it. Returns the number of rows, or -1 with err set. */
static int
add_names(struct db *db, const char *sql, int np, const char *const *params,
          void (*add)(const char *name, void *ctx), void *ctx, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, np, params, err);
    int i, n;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n; i++)
        if (!PQgetisnull(res, i, 0))
            add(PQgetvalue(res, i, 0), ctx);
    PQclear(res);
    return n;
}

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
    int i, n;

    /* "%text%" without its first %: the text at the beginning */
    snprintf(lim, sizeof lim, "%d", limit);
    params[0] = typed;
    params[1] = contains + 1;
    params[2] = lim;
    for (i = 0; typed[i] != '\0' && (unsigned char)typed[i] < 0x80; i++)
        ;
    n = add_names(db, typed[i] != '\0' ? names_typed_sql : names_sql, 3, params, add, ctx, err);
    free(contains);
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

/* ---- a campaign's people and segments ---- */

/* What db_campaign_add_person (src/db/market_ui.c) accepts, by the indexes it looks them up
 * with (021): a full name compared as ccrm_person_name folds it (contacts_person_name_idx,
 * leads_person_name_idx: the folded name, in the ICU root order its columns carry), an e-mail
 * address as written, letter case aside (contacts_email_key, leads_email_idx: lower(email)).
 * Each branch is a range of one of those indexes from what was typed, folded the same way, to
 * that || U+FFFF, walked in order to the limit, starts_with the exact test on the rows in it
 * (the names' index is in ICU order, the addresses' in the database's, C.UTF-8 for the
 * private cluster: in both a value that starts with a text lies in that range). The name
 * offered is the person's as written, blanks made one; the address as written.
 *
 * What was typed is folded by a statement of its own first, and the branches compare the index
 * expressions with the folded text itself: the planner sees the values, estimates the ranges
 * and walks an index in order to the limit (folded in the same statement, behind a CTE, the
 * ranges were guesses: it read a whole range, folding every name in it, and sorted it). */

/* what was typed folded as a full name (a blank typed after a word stays: "anna " is not
 * "annabel"), and as an address */
static const char person_typed_sql[] =
    "SELECT coalesce(ccrm_person_name($1, NULL), '')"
    "       || CASE WHEN $1 ~ '[[:space:]]$' AND ccrm_person_name($1, NULL) IS NOT NULL"
    "               THEN ' ' ELSE '' END,"
    "       lower(btrim($1))";

#define NAME_KEY "ccrm_person_name(t.first_name, t.last_name)"
#define NAME_SHOWN                                                                                 \
    "regexp_replace(btrim(concat_ws(' ', t.first_name, t.last_name)), '[[:space:]]+', ' ', 'g')"
/* the branches: typed the folded text's parameter, lim the limit's */
#define PERSON_NAMES(table, order, typed, limit)                                                   \
    " (SELECT " NAME_SHOWN " AS v FROM " table " t"                                                \
    "   WHERE " NAME_KEY " >= " typed " AND " NAME_KEY " < " typed " || chr(65535)"                \
    "     AND starts_with(" NAME_KEY ", " typed ")"                                                \
    "   ORDER BY " NAME_KEY " " order " LIMIT " limit ")"
#define PERSON_MAILS(table, order, typed, limit)                                                   \
    " (SELECT t.email AS v FROM " table " t"                                                       \
    "   WHERE lower(t.email) >= " typed " AND lower(t.email) < " typed " || chr(65535)"            \
    "     AND starts_with(lower(t.email), " typed ")"                                              \
    "   ORDER BY lower(t.email) " order " LIMIT " limit ")"
/* each kind: the first in order to the limit, then the last one */
/* clang-format off */
#define PEOPLE(branch, typed, lim)                                                                 \
    branch("contacts", "", typed, lim "::int")                                                     \
    " UNION ALL" branch("contacts", "DESC", typed, "1")                                            \
    " UNION ALL" branch("leads", "", typed, lim "::int")                                           \
    " UNION ALL" branch("leads", "DESC", typed, "1")

/* An address has no blank and a name no @ (contacts_email_check, leads_email_check): what was
 * typed asks only the indexes it can be in. $1 the name folded, $2 the address, $3 the limit;
 * one kind alone: $1 its text, $2 the limit. */
static const char people_sql[] =
    "SELECT m.v FROM (" PEOPLE(PERSON_NAMES, "$1", "$3")
    " UNION ALL" PEOPLE(PERSON_MAILS, "$2", "$3") ") m";
static const char people_names_sql[] = "SELECT m.v FROM (" PEOPLE(PERSON_NAMES, "$1", "$2") ") m";
static const char people_mails_sql[] = "SELECT m.v FROM (" PEOPLE(PERSON_MAILS, "$1", "$2") ") m";
/* clang-format on */

/* A full name several people have, typed whole, picks nobody (db_campaign_add_person: "3
 * contacts match; give the e-mail address"): the people with it, contacts if any has it, else
 * leads, as the add looks them up; when they are more than one, their addresses (column 1,
 * NULL: none) and the name as offered (column 2). $1: the folded name. */
static const char same_name_sql[] =
    "WITH c AS (SELECT t.email, " NAME_SHOWN " AS v FROM contacts t"
    "            WHERE " NAME_KEY " = btrim($1) ORDER BY lower(t.email) LIMIT $2::int),"
    "     l AS (SELECT t.email, " NAME_SHOWN " AS v FROM leads t"
    "            WHERE " NAME_KEY " = btrim($1) AND NOT EXISTS (SELECT FROM c)"
    "            ORDER BY lower(t.email) LIMIT $2::int),"
    "     w AS (SELECT * FROM c UNION ALL SELECT * FROM l)"
    " SELECT w.email, w.v FROM w WHERE (SELECT count(*) FROM w) > 1";

/* The candidates, less the names that pick nobody. */
struct people {
    void (*add)(const char *name, void *ctx);
    void *ctx;
    char **drop; /* names as offered that several people have */
    int ndrop;
};

static void
add_person(const char *name, void *ctx)
{
    struct people *pp = ctx;
    int i;

    for (i = 0; i < pp->ndrop; i++)
        if (strcmp(pp->drop[i], name) == 0)
            return;
    pp->add(name, pp->ctx);
}

int
db_person_names(struct db *db, const char *typed, int limit,
                void (*add)(const char *name, void *ctx), void *ctx, struct ccrm_err *err)
{
    char folded[2][1024], lim[16];
    const char *params[3] = {folded[0], folded[1], lim};
    const char *sql = people_sql;
    struct people pp = {add, ctx, NULL, 0};
    PGresult *res;
    int i, n, np = 3, rc;

    snprintf(lim, sizeof lim, "%d", limit);
    res = db_exec(db, person_typed_sql, 1, &typed, err);
    if (res == NULL)
        return -1;
    str_copy(folded[0], PQgetvalue(res, 0, 0), sizeof folded[0]);
    str_copy(folded[1], PQgetvalue(res, 0, 1), sizeof folded[1]);
    PQclear(res);
    if (strchr(typed, '@') != NULL) {
        sql = people_mails_sql;
        params[0] = folded[1];
        params[1] = lim;
        np = 2;
    } else {
        const char *p2[2] = {folded[0], lim};

        if (strpbrk(typed, " \t") != NULL) {
            sql = people_names_sql;
            params[1] = lim;
            np = 2;
        }
        if (folded[0][0] != '\0') {
            /* a name several people have: their addresses instead */
            if ((res = db_exec(db, same_name_sql, 2, p2, err)) == NULL)
                return -1;
            n = PQntuples(res);
            pp.drop = xcalloc((size_t)n + 1, sizeof *pp.drop);
            for (i = 0; i < n; i++) {
                if (!PQgetisnull(res, i, 0))
                    add(PQgetvalue(res, i, 0), ctx);
                pp.drop[pp.ndrop++] = xstrdup(PQgetvalue(res, i, 1));
            }
            PQclear(res);
        }
    }
    rc = add_names(db, sql, np, params, add_person, &pp, err);
    for (i = 0; i < pp.ndrop; i++)
        free(pp.drop[i]);
    free(pp.drop);
    return rc;
}

/* Segments by their names' beginning, folded as accounts' are (see the top: the name index
 * segments_name_idx is in ICU root order too), in name order, and the last one. */
#define SEGMENTS(order, limit)                                                                     \
    " (SELECT s.name FROM segments s"                                                              \
    "   WHERE ((s.name >= ccrm_fold($1) AND s.name < ccrm_fold($1) || chr(65535))"                 \
    "       OR (s.name >= lower($1) AND s.name < lower($1) || chr(65535)))"                        \
    "     AND starts_with(ccrm_fold(s.name), ccrm_fold($1))"                                       \
    "   ORDER BY s.name " order ", s.id " order " LIMIT " limit ")"

static const char segments_sql[] =
    "SELECT m.name FROM (" SEGMENTS("", "$2::int") " UNION ALL" SEGMENTS("DESC", "1") ") m";

int
db_segment_names(struct db *db, const char *typed, int limit,
                 void (*add)(const char *name, void *ctx), void *ctx, struct ccrm_err *err)
{
    char lim[16];
    const char *params[2] = {typed, lim};

    snprintf(lim, sizeof lim, "%d", limit);
    return add_names(db, segments_sql, 2, params, add, ctx, err);
}
