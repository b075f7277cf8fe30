/* The prepared-statement cache (src/db/conn.c) against a database: a statement is prepared once
 * per connection and found again by its whole text, so two texts that hash alike (djb2: "aB"
 * and "b!") are two statements. Needs a database: tests/db/test_prepared.sh runs this with a
 * conninfo as its argument; without one the test is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "db/db_int.h"

static const char *conninfo;

static unsigned
djb2(const char *s)
{
    unsigned h = 5381;

    for (; *s != '\0'; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

static void
one(struct db *db, const char *sql, const char *want)
{
    struct ccrm_err err;
    PGresult *res = db_exec_prepared(db, sql, 0, NULL, &err);

    if (res == NULL)
        fail_msg("%s: %s", sql, err.msg);
    assert_string_equal(PQgetvalue(res, 0, 0), want);
    PQclear(res);
}

static void
same_hash_two_statements(void **state)
{
    static const char *const a = "SELECT 'aB'", *const b = "SELECT 'b!'";
    struct db_options o = {5000, 5, "ccrm-test", 0};
    struct ccrm_err err;
    struct db *db;
    int round;

    (void)state;
    if (conninfo == NULL)
        skip();
    assert_int_equal(djb2(a), djb2(b)); /* the premise: a hash alone cannot tell them apart */
    if ((db = db_open(conninfo, &o, &err)) == NULL)
        fail_msg("%s", err.msg);
    for (round = 0; round < 3; round++) { /* prepared the first time, executed after */
        one(db, a, "aB");
        one(db, b, "b!");
    }
    assert_int_equal(db->nprepared, 2);
    db_close(&db);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_hash_two_statements),
    };

    conninfo = argc > 1 ? argv[1] : NULL;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
