/* Unit tests for the timer list (src/util/timer.c): the timeout is the nearest deadline and
 * computing it changes nothing; due timers run once each, in order; a timer may cancel another
 * or add one, which waits for the next round. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/timer.h"

static char ran[64];
static struct timer_list list;
static unsigned victim;

static void
mark(void *ctx, void *arg)
{
    (void)ctx;
    strncat(ran, arg, sizeof ran - strlen(ran) - 1);
}

static void
cancel_victim(void *ctx, void *arg)
{
    mark(ctx, arg);
    timer_del(&list, victim);
}

static void
again(void *ctx, void *arg)
{
    mark(ctx, arg);
    timer_add(&list, 0, mark, (void *)"z");
}

static void
test_timeout_and_order(void **state)
{
    struct timer_list copy;

    (void)state;
    memset(&list, 0, sizeof list);
    ran[0] = '\0';
    assert_int_equal(timer_timeout(&list, 1000), -1);
    timer_add(&list, 1300, mark, (void *)"c");
    timer_add(&list, 1100, mark, (void *)"a");
    timer_add(&list, 1200, mark, (void *)"b");
    memcpy(&copy, &list, sizeof copy);
    assert_int_equal(timer_timeout(&list, 1000), 100);
    assert_int_equal(timer_timeout(&list, 1000), 100);
    assert_int_equal(memcmp(&copy, &list, sizeof copy), 0); /* no side effects */
    assert_int_equal(timer_timeout(&list, 5000), 0);
    assert_int_equal(timer_run(&list, 1050, NULL), 0);
    assert_int_equal(timer_run(&list, 1250, NULL), 2);
    assert_string_equal(ran, "ab");
    assert_int_equal(timer_timeout(&list, 1250), 50);
    assert_int_equal(timer_run(&list, 1300, NULL), 1);
    assert_string_equal(ran, "abc");
    assert_int_equal(timer_timeout(&list, 1300), -1);
}

static void
test_cancel_and_add(void **state)
{
    unsigned id;

    (void)state;
    memset(&list, 0, sizeof list);
    ran[0] = '\0';
    id = timer_add(&list, 10, mark, (void *)"x");
    assert_true(timer_pending(&list, id));
    timer_del(&list, id);
    assert_false(timer_pending(&list, id));
    timer_del(&list, id); /* twice: nothing */
    timer_add(&list, 10, cancel_victim, (void *)"k");
    victim = timer_add(&list, 20, mark, (void *)"v"); /* due too, but cancelled by the first */
    timer_add(&list, 15, again, (void *)"g");
    assert_int_equal(timer_run(&list, 100, NULL), 2);
    assert_string_equal(ran, "kg");
    assert_int_equal(timer_timeout(&list, 100), 0); /* the one "again" added */
    assert_int_equal(timer_run(&list, 100, NULL), 1);
    assert_string_equal(ran, "kgz");
}

static void
test_full(void **state)
{
    int i;

    (void)state;
    memset(&list, 0, sizeof list);
    for (i = 0; i < TIMER_MAX; i++)
        assert_true(timer_add(&list, i, mark, (void *)"") != 0);
    assert_int_equal(timer_add(&list, 0, mark, (void *)""), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_and_order),
        cmocka_unit_test(test_cancel_and_add),
        cmocka_unit_test(test_full),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
