/* Unit tests for :open by number (cmd_open_number, src/cmd/parse.c): a number no record can have
 * (0, negative, more digits than a bigint holds) is a number still, *id 0, so that the client
 * says it is missing as for any other; only what is no number is refused as such. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/cmd.h"
#include "ccrm/entity.h"

static void
test_numbers_none_has(void **state)
{
    static const struct {
        const char *arg;
        int rc;
        const char *table; /* the kind said, NULL: none (the view's) */
        long long id;
    } cases[] = {
        /* as before: numbers records have */
        {"3221", 1, NULL, 3221},
        {"ticket #3221", 1, "tickets", 3221},
        {"0042", 1, NULL, 42},
        {"#L45", 1, "leads", 45},
        {"999999999999999999", 1, NULL, 999999999999999999LL},
        {"000000000000000000000042", 1, NULL, 42}, /* leading zeros do not count */
        /* numbers none has: *id 0 */
        {"0", 1, NULL, 0},
        {"#0", 1, NULL, 0},
        {"ticket 0", 1, "tickets", 0},
        {"[#0]", 1, NULL, 0},
        {"#L0", 1, "leads", 0},
        {"-5", 1, NULL, 0},
        {"ticket -5", 1, "tickets", 0},
        {"deal #-5", 1, "opportunities", 0},
        {"#1234567890123456789", 1, NULL, 0},
        {"99999999999999999999", 1, NULL, 0},
        {"invoice [#99999999999999999999]", 1, "invoices", 0},
        /* no number: a name, or refused */
        {"-", 0, NULL, 0},
        {"-x", 0, NULL, 0},
        {"ticket --5", 0, NULL, 0},
        {"3221 Ltd", 0, NULL, 0},
        {"#", -1, NULL, 0},
        {"#-", -1, NULL, 0},
        {"#x", -1, NULL, 0},
        {"ticket #5-", -1, NULL, 0},
        {"[#12", -1, NULL, 0},
    };
    const struct entity *e;
    struct ccrm_err err;
    long long id;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = cmd_open_number(cases[i].arg, &e, &id, &err);

        if (rc != cases[i].rc)
            fail_msg("\"%s\": %d, expected %d (%s)", cases[i].arg, rc, cases[i].rc, err.msg);
        if (rc == 1) {
            if (id != cases[i].id)
                fail_msg("\"%s\": id %lld, expected %lld", cases[i].arg, id, cases[i].id);
            if (cases[i].table == NULL)
                assert_null(e);
            else
                assert_string_equal(e != NULL ? e->table : "(none)", cases[i].table);
        }
        if (rc == -1)
            assert_non_null(strstr(err.msg, "expected a number"));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_none_has),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
