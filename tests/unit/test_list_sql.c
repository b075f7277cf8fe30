/* Unit tests for the list statements (src/db/list_sql.c), without a database: the SQL of a
 * page, a row, a search window and a walk through search blocks, for every list of the
 * registry in every order and direction; each $n stands for exactly the value it says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/entity.h"
#include "db/list_sql.h"

static const struct entity_list *
list_of(const char *table)
{
    return entity_find(table)->list;
}

static void
shape(struct list_shape *sh, const char *table, int sort, enum list_stmt stmt, int asc,
      unsigned filters, unsigned has)
{
    memset(sh, 0, sizeof *sh);
    sh->l = list_of(table);
    sh->sort = sort;
    sh->stmt = stmt;
    sh->asc = asc;
    sh->filters = filters;
    sh->has = has;
    sh->window = 20000;
}

static void
expect_sql(const struct list_sql *s, const char *want)
{
    if (strcmp(s->sql.s, want) != 0)
        fail_msg("got:\n%s\nwanted:\n%s", s->sql.s, want);
}

static void
test_page(void **state)
{
    struct list_sql s = {STRBUF_INIT, {0}, 0};
    struct list_shape sh;

    (void)state;
    shape(&sh, "campaigns", 0, LS_PAGE, 1, 0, 0);
    list_sql_build(&sh, &s);
    expect_sql(&s, "SELECT a.id, a.name, a.status,"
                   " coalesce(to_char(a.starts_on, 'YYYY-MM-DD'), ''),"
                   " coalesce(to_char(a.ends_on, 'YYYY-MM-DD'), ''),"
                   " coalesce(to_char(a.budget, 'FM999G999G999G999G999G990D00'), ''),"
                   " coalesce(a.owner, ''),"
                   " (a.name)::text, (NULL)::text FROM campaigns a JOIN (SELECT a.id FROM"
                   " campaigns a WHERE ($1::text IS NULL OR a.search LIKE ccrm_fold($1)) AND TRUE"
                   " ORDER BY a.name ASC, a.id ASC LIMIT $2) h ON h.id = a.id"
                   " ORDER BY a.name ASC, a.id ASC");
    assert_int_equal(s.nargs, 2);
    assert_int_equal(s.arg[0], LA_PATTERN);
    assert_int_equal(s.arg[1], LA_LIMIT);

    /* paging back (descending) from a row, with the second filter (owner) set */
    shape(&sh, "campaigns", 0, LS_PAGE, 0, 1u << 1, LS_FROM);
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s,
                           "AND (a.name, a.id) < ($3::text, $4::bigint) AND a.owner = ccrm_fold($2)"
                           " ORDER BY a.name DESC, a.id DESC LIMIT $5)"));
    assert_int_equal(s.nargs, 5);
    assert_int_equal(s.arg[1], LA_FILTER0 + 1);
    assert_int_equal(s.arg[2], LA_FROM);
    assert_int_equal(s.arg[3], LA_FROM + 2); /* no second key: the id */
    assert_int_equal(s.arg[4], LA_LIMIT);

    /* a two-key order: three values paged from */
    shape(&sh, "contacts", 0, LS_PAGE, 1, 0, LS_FROM);
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, "(coalesce(a.last_name, ''), coalesce(a.first_name, ''), a.id)"
                                    " > ($2::text, $3::text, $4::bigint)"));
    assert_int_equal(s.arg[2], LA_FROM + 1);

    /* no search on a list without joined columns: one plain walk, no pattern parameter */
    shape(&sh, "campaigns", 0, LS_PAGE, 1, 1u << 1, LS_FROM | LS_BARE);
    list_sql_build(&sh, &s);
    expect_sql(&s,
               "SELECT a.id, a.name, a.status, coalesce(to_char(a.starts_on, 'YYYY-MM-DD'), ''),"
               " coalesce(to_char(a.ends_on, 'YYYY-MM-DD'), ''),"
               " coalesce(to_char(a.budget, 'FM999G999G999G999G999G990D00'), ''),"
               " coalesce(a.owner, ''),"
               " (a.name)::text, (NULL)::text FROM campaigns a WHERE (a.name, a.id) >"
               " ($2::text, $3::bigint) AND a.owner = ccrm_fold($1) ORDER BY a.name ASC, a.id ASC"
               " LIMIT $4");
    assert_int_equal(s.nargs, 4);
    assert_int_equal(s.arg[0], LA_FILTER0 + 1);
    assert_int_equal(s.arg[1], LA_FROM);
    assert_int_equal(s.arg[3], LA_LIMIT);
    /* with joined columns (a ticket's account) the ids still come first, without a pattern */
    shape(&sh, "tickets", 0, LS_PAGE, 1, 0, LS_BARE);
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " JOIN (SELECT a.id FROM tickets a WHERE TRUE ORDER BY"));
    assert_null(strstr(s.sql.s, "$1::text IS NULL"));
    assert_int_equal(s.nargs, 1);
    assert_int_equal(s.arg[0], LA_LIMIT);
    /* the rows wanted written in (a page prepared once, planned for a small LIMIT): no
     * parameter is left but the key paged from */
    sh.limit = 31;
    sh.has = LS_BARE | LS_FROM | LS_PLAN_ONCE;
    list_sql_build(&sh, &s);
    assert_non_null(
        strstr(s.sql.s, " ORDER BY a.updated_at ASC, a.id ASC LIMIT 31) h ON h.id = a.id"));
    /* the key paged from as sub-selects: the same plan for every key (kept generic) */
    assert_non_null(strstr(s.sql.s, "(a.updated_at, a.id) > ((SELECT $1::timestamptz),"
                                    " (SELECT $2::bigint))"));
    assert_int_equal(s.nargs, 2);
    assert_int_equal(s.arg[0], LA_FROM);
    assert_int_equal(s.arg[1], LA_FROM + 2);
    sh.limit = 0;
    /* a search: the pattern is $1 */
    sh.has = LS_FROM;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " JOIN (SELECT a.id FROM tickets a WHERE ($1::text IS NULL"));
    assert_int_equal(s.arg[0], LA_PATTERN);
    /* one row by id: with a search, the pattern is $1 and the id $2; without, the id is $1 */
    shape(&sh, "tickets", 0, LS_ONE, 1, 0, 0);
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " WHERE a.id = $2 AND ($1::text IS NULL OR"));
    shape(&sh, "tickets", 0, LS_ONE, 1, 0, LS_BARE | LS_PLAN_ONCE);
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " WHERE a.id = $1"));
    assert_null(strstr(s.sql.s, "IS NULL OR"));
    assert_int_equal(s.nargs, 1);
    assert_int_equal(s.arg[0], LA_ID);
    list_sql_fini(&s);
}

static void
test_blocks(void **state)
{
    struct list_sql s = {STRBUF_INIT, {0}, 0};
    struct list_shape sh;

    (void)state;
    /* Leads newest first (a descending order) walked down: the stretch from its upper key on,
     * after the row paged from, ended (outside the window) at its lower key */
    shape(&sh, "leads", 0, LS_BLOCK_WALK, 0, 0, LS_START | LS_FROM | LS_END);
    list_sql_build(&sh, &s);
    assert_non_null(
        strstr(s.sql.s, "FROM leads a WHERE TRUE AND (a.updated_at, a.id) <"
                        " ($2::timestamptz, $3::bigint) AND (a.updated_at, a.id) <"
                        " ($4::timestamptz, $5::bigint) ORDER BY a.updated_at DESC,"
                        " a.id DESC LIMIT 20000) w WHERE w.search LIKE (SELECT ccrm_fold($1)) AND"
                        " TRUE AND (w.k1, w.id) >= ($6::timestamptz, $7::bigint)"));
    assert_int_equal(s.nargs, 8);
    assert_int_equal(s.arg[7], LA_LIMIT);
    sh.stmt = LS_BLOCK_END;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, "OFFSET 19999 LIMIT 1) w WHERE TRUE AND (w.k1, w.id) >="));
    assert_int_equal(s.nargs, 7);
    /* a shape without its window's rows: a parameter */
    sh.window = 0;
    sh.stmt = LS_BLOCK_WALK;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " a.id DESC LIMIT $9) w WHERE w.search LIKE"));
    assert_int_equal(s.nargs, 9);
    assert_int_equal(s.arg[8], LA_WINDOW);
    sh.stmt = LS_BLOCK_END;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, "OFFSET $8 - 1 LIMIT 1) w WHERE TRUE AND (w.k1, w.id) >="));
    assert_int_equal(s.arg[7], LA_WINDOW);
    sh.window = 20000;
    sh.stmt = LS_BLOCK_REST;
    sh.has = LS_START;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, "(SELECT * FROM leads a WHERE a.search LIKE ccrm_fold($1)"
                                    " OFFSET 0) a WHERE TRUE AND (a.updated_at, a.id) <"
                                    " ($2::timestamptz, $3::bigint) ORDER BY"));
    list_sql_fini(&s);
}

/* Every statement of every list, order, direction and combination of keys and filters: the
 * parameters are numbered 1..nargs, each used, none beyond. */
static void
test_every_shape(void **state)
{
    struct list_sql s = {STRBUF_INIT, {0}, 0};
    int i, sort, stmt, asc, n = 0;
    unsigned has, filters;

    (void)state;
    for (i = 0; entity_registry[i] != NULL; i++) {
        const struct entity *e = entity_registry[i];

        if (e->list == NULL)
            continue;
        for (sort = 0; sort < e->list->nsorts; sort++)
            for (stmt = LS_PAGE; stmt <= LS_BLOCK_REST; stmt++)
                for (asc = 0; asc < 2; asc++)
                    for (has = 0; has < 16; has++)
                        for (filters = 0; filters < (1u << e->list->nfilters); filters++) {
                            struct list_shape sh;
                            char dollar[16];
                            int k;

                            shape(&sh, e->table, sort, (enum list_stmt)stmt, asc, filters, has);
                            list_sql_build(&sh, &s);
                            n++;
                            assert_true(s.nargs <= LIST_SQL_MAX_PARAMS);
                            for (k = 1; k <= s.nargs; k++) {
                                snprintf(dollar, sizeof dollar, "$%d", k);
                                if (strstr(s.sql.s, dollar) == NULL)
                                    fail_msg("%s %d: $%d unused in %s", e->table, stmt, k, s.sql.s);
                            }
                            snprintf(dollar, sizeof dollar, "$%d", s.nargs + 1);
                            if (strstr(s.sql.s, dollar) != NULL)
                                fail_msg("%s %d: $%d has no value in %s", e->table, stmt,
                                         s.nargs + 1, s.sql.s);
                        }
    }
    assert_true(n > 1000);
    list_sql_fini(&s);
}

/* The queue's filters (issue 14): several values, negation, none; each value a parameter, a
 * filter without a value takes none. Tickets' filters: status, priority, assignee. */
static void
test_filter_operators(void **state)
{
    struct list_sql s = {STRBUF_INIT, {0}, 0};
    struct list_shape sh;
    const char *values[LA_NARGS] = {NULL}, *params[LIST_SQL_MAX_PARAMS];

    (void)state;
    shape(&sh, "tickets", 0, LS_PAGE, 0, 1 | 2 | 4, 0);
    sh.fop[0] = LF_IN;
    sh.fop[1] = LF_NE;
    sh.fop[2] = LF_NONE;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.status::text = ANY ($2::text[])"));
    assert_non_null(strstr(s.sql.s, " AND a.priority IS DISTINCT FROM $3"));
    assert_non_null(strstr(s.sql.s, " AND a.assignee IS NULL"));
    values[LA_FILTER0] = "{\"open\",\"pending\"}";
    values[LA_FILTER0 + 1] = "low";
    values[LA_FILTER0 + 2] = "none"; /* set, but not a parameter */
    values[LA_LIMIT] = "20";
    assert_int_equal(list_sql_params(&s, values, params), 4);
    assert_string_equal(params[1], "{\"open\",\"pending\"}");
    assert_string_equal(params[2], "low");
    assert_string_equal(params[3], "20");

    shape(&sh, "tickets", 0, LS_PAGE, 0, 1 | 4, 0);
    sh.fop[0] = LF_NOT_IN;
    sh.fop[2] = LF_SOME;
    list_sql_build(&sh, &s);
    assert_non_null(
        strstr(s.sql.s, " AND (a.status IS NULL OR NOT a.status::text = ANY ($2::text[]))"));
    assert_non_null(strstr(s.sql.s, " AND a.assignee IS NOT NULL"));
    assert_int_equal(list_sql_params(&s, values, params), 3);

    /* a filter with a read function (the Feed's entity=ticket): every operator reads each
     * value through it */
    shape(&sh, "events", 0, LS_PAGE, 0, 4, 0);
    sh.fop[2] = LF_EQ;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.entity = ccrm_entity_table($2)"));
    sh.fop[2] = LF_NE;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.entity IS DISTINCT FROM ccrm_entity_table($2)"));
    sh.fop[2] = LF_IN;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.entity::text = ANY (ARRAY(SELECT "
                                    "ccrm_entity_table(x)::text FROM unnest($2::text[]) x))"));
    list_sql_fini(&s);
}

/* A filter without a fixed set of values ignores case and accents (entity_filter.match): a
 * login filter folds the value alone, so that the column's index still walks (owner=Sam is
 * "owner = ccrm_fold($n)", its value known when planned); free text (an account's industry)
 * folds both sides; none and !=none compare the column as it is. */
static void
test_filter_match(void **state)
{
    struct list_sql s = {STRBUF_INIT, {0}, 0};
    struct list_shape sh;

    (void)state;
    /* Accounts: owner, industry */
    shape(&sh, "accounts", 2, LS_PAGE, 1, 1 | 2, LS_BARE);
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.owner = ccrm_fold($1)"
                                    " AND ccrm_fold(a.industry) = ccrm_fold($2)"));
    sh.fop[0] = LF_IN;
    sh.fop[1] = LF_NOT_IN;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.owner::text = ANY (ARRAY(SELECT ccrm_fold(x)::text"
                                    " FROM unnest($1::text[]) x))"));
    assert_non_null(strstr(s.sql.s, " AND (ccrm_fold(a.industry) IS NULL OR NOT"
                                    " ccrm_fold(a.industry)::text = ANY (ARRAY(SELECT"
                                    " ccrm_fold(x)::text FROM unnest($2::text[]) x)))"));
    sh.fop[0] = LF_NE;
    sh.fop[1] = LF_NONE;
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.owner IS DISTINCT FROM ccrm_fold($1)"
                                    " AND a.industry IS NULL"));
    assert_int_equal(s.nargs, 2); /* the owner's value and the limit */
    /* the Feed's actor is a login; its department one of a fixed set, compared as stored
     * (the value read in its stored spelling first: entity_filter_value) */
    shape(&sh, "events", 0, LS_PAGE, 0, 1 | 2, LS_BARE);
    list_sql_build(&sh, &s);
    assert_non_null(strstr(s.sql.s, " AND a.actor = ccrm_fold($1) AND a.department = $2"));
    /* a live window check compares the same way */
    {
        struct list_query q = {entity_find("accounts"), 2, NULL, {NULL, "Technology"}, {0}};
        struct strbuf w = STRBUF_INIT;
        const char *wp[16];
        char keys[2][24];
        int np = 2;

        list_sql_in_window(&w, &q, 0, "a.id = ANY($2::bigint[])", NULL, NULL, wp, &np, keys);
        assert_non_null(strstr(w.s, " AND ccrm_fold(a.industry) = ccrm_fold($3)"));
        assert_int_equal(np, 3);
        strbuf_fini(&w);
    }
    list_sql_fini(&s);
}

static void
test_params_and_window(void **state)
{
    struct list_sql s = {STRBUF_INIT, {0}, 0};
    struct list_shape sh;
    const char *values[LA_NARGS] = {NULL}, *params[LIST_SQL_MAX_PARAMS];
    struct list_query q = {entity_find("tickets"), 0, "lodz", {"open", NULL, NULL, NULL}, {0}};
    struct row first, last;
    char k1[] = "2026-02-01", k2[] = "2026-01-01";
    struct strbuf w = STRBUF_INIT;
    const char *wp[16];
    char keys[2][24];
    int np = 2;

    (void)state;
    shape(&sh, "tickets", 0, LS_PAGE, 0, 1, LS_FROM);
    list_sql_build(&sh, &s);
    values[LA_PATTERN] = "%lodz%";
    values[LA_FILTER0] = "open";
    values[LA_FROM] = "2026-01-01";
    values[LA_FROM + 2] = "42";
    values[LA_LIMIT] = "200";
    assert_int_equal(list_sql_params(&s, values, params), 5);
    assert_string_equal(params[0], "%lodz%");
    assert_string_equal(params[1], "open");
    assert_string_equal(params[2], "2026-01-01");
    assert_string_equal(params[3], "42");
    assert_string_equal(params[4], "200");

    /* the window of a live list newest first: not before its first row, not after its last */
    memset(&first, 0, sizeof first);
    memset(&last, 0, sizeof last);
    first.id = 9;
    first.key = k1;
    last.id = 3;
    last.key = k2;
    list_sql_in_window(&w, &q, 0, "a.id = ANY($2::bigint[])", &first, &last, wp, &np, keys);
    assert_non_null(strstr(w.s, "AND $1::text IS NOT NULL AND ("));
    assert_non_null(strstr(w.s, " AND a.status = $3 AND NOT ((a.updated_at, a.id) >"
                                " ($4::timestamptz, $5::bigint)) AND NOT ((a.updated_at, a.id) <"
                                " ($6::timestamptz, $7::bigint))"));
    assert_int_equal(np, 7);
    assert_string_equal(wp[2], "open");
    assert_string_equal(wp[4], "9");
    assert_string_equal(wp[6], "3");
    strbuf_fini(&w);
    list_sql_fini(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_every_shape),
        cmocka_unit_test(test_params_and_window),
        cmocka_unit_test(test_filter_operators),
        cmocka_unit_test(test_filter_match),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
