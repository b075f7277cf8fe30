/* Unit tests for the pure model: the row window of list views and the LIKE escaping that
 * keeps user text literal in searches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/model.h"
#include "ccrm/util.h"

static void
make_rows(struct row *r, int n, int64_t first)
{
    int i;

    memset(r, 0, (size_t)n * sizeof *r);
    for (i = 0; i < n; i++) {
        r[i].id = first + i;
        r[i].col[0] = xasprintf("row %lld", (long long)(first + i));
        r[i].key = xasprintf("%06lld", (long long)(first + i));
    }
}

static void
test_rowbuf_window(void **state)
{
    struct rowbuf b;
    struct row tmp[10];

    (void)state;
    rowbuf_init(&b);
    make_rows(tmp, 10, 100);
    rowbuf_append(&b, tmp, 10);
    assert_int_equal(b.n, 10);
    assert_null(tmp[0].col[0]); /* ownership moved */
    make_rows(tmp, 5, 95);
    rowbuf_prepend(&b, tmp, 5);
    assert_int_equal(b.n, 15);
    assert_int_equal(b.rows[0].id, 95);
    assert_int_equal(b.rows[14].id, 109);
    assert_int_equal(rowbuf_find(&b, 100), 5);
    assert_int_equal(rowbuf_find(&b, 42), -1);
    rowbuf_drop_front(&b, 3);
    assert_int_equal(b.rows[0].id, 98);
    rowbuf_drop_back(&b, 4);
    assert_int_equal(b.n, 8);
    assert_int_equal(b.rows[7].id, 105);
    assert_string_equal(b.rows[7].col[0], "row 105");
    rowbuf_prepend(&b, tmp, 0); /* nothing: no-op, even on an empty buffer */
    rowbuf_drop_back(&b, 100);  /* more than there is */
    assert_int_equal(b.n, 0);
    rowbuf_fini(&b);
}

/* A page read from a stale key can bring back a row the window holds (it moved in the order):
 * rows_drop_known keeps each record once, in order, and frees what it drops (ASan). */
static void
test_rows_drop_known(void **state)
{
    struct rowbuf b;
    struct row tmp[6];
    int n;

    (void)state;
    rowbuf_init(&b);
    make_rows(tmp, 3, 10);
    rowbuf_append(&b, tmp, 3); /* 10 11 12 */
    make_rows(tmp, 6, 9);      /* 9 10 11 12 13 14 */
    n = rows_drop_known(tmp, 6, &b, 14);
    assert_int_equal(n, 2);
    assert_int_equal(tmp[0].id, 9);
    assert_int_equal(tmp[1].id, 13);
    assert_string_equal(tmp[1].col[0], "row 13");
    assert_null(tmp[2].col[0]);
    rowbuf_append(&b, tmp, n);
    assert_int_equal(b.n, 5);
    make_rows(tmp, 2, 50);
    assert_int_equal(rows_drop_known(tmp, 2, NULL, 0), 2); /* nothing known: all kept */
    assert_int_equal(rows_drop_known(tmp, 2, NULL, 50), 1);
    assert_int_equal(tmp[0].id, 51);
    row_fini(&tmp[0]);
    rowbuf_fini(&b);
}

static void
test_row_copy(void **state)
{
    struct row a, c;

    (void)state;
    make_rows(&a, 1, 7);
    row_copy(&c, &a);
    assert_int_equal(c.id, 7);
    assert_string_equal(c.col[0], "row 7");
    assert_ptr_not_equal(c.col[0], a.col[0]);
    assert_null(c.key2);
    row_fini(&a);
    row_fini(&c);
}

static void
test_like_contains(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "%%"},
        {"abc", "%abc%"},
        {"50%", "%50\\%%"},
        {"a_b", "%a\\_b%"},
        {"back\\slash", "%back\\\\slash%"},
        {"'; DROP TABLE accounts; --", "%'; DROP TABLE accounts; --%"},
        {"Müller", "%Müller%"},
        /* fullwidth and small forms that folding turns into %, _ and \ are escaped too */
        {"100\uff05", "%100\\\uff05%"},
        {"a\uff3fb\ufe68", "%a\\\uff3fb\\\ufe68%"},
        {"\u2216", "%\\\u2216%"},
        {"\uff10", "%\uff10%"}, /* a fullwidth 0 is no wildcard */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = like_contains(cases[i].in);

        assert_string_equal(s, cases[i].out);
        free(s);
    }
}

static void
test_str_copy_utf8(void **state)
{
    char buf[6];

    (void)state;
    /* "aé€" is 1 + 2 + 3 bytes: a 6-byte buffer holds "aé" and must not split the euro sign */
    assert_int_equal(str_copy(buf, "aé€", sizeof buf), 6);
    assert_string_equal(buf, "aé");
    str_copy(buf, "abc", sizeof buf);
    assert_string_equal(buf, "abc");
}

/* The Tickets' time left: its text, how urgent, and when the text next changes. */
static void
test_time_left(void **state)
{
    const long long now = 1764770000000LL; /* epoch ms */
    char buf[32], due[32];
    int64_t next;

    (void)state;
    assert_int_equal(time_left_text("", now, buf, sizeof buf, &next), 0);
    assert_string_equal(buf, "");
    assert_int_equal(time_left_text("paused", now, buf, sizeof buf, &next), 0);
    assert_string_equal(buf, "paused");
    assert_int_equal(next, 0);
    /* paused after its due time: breached, marked and red as a clock past due */
    assert_int_equal(time_left_text("paused late", now, buf, sizeof buf, &next), 3);
    assert_string_equal(buf, "! paused");
    assert_int_equal(next, 0);
    snprintf(due, sizeof due, "%lld", now + (3 * 3600 + 20 * 60) * 1000LL + 500);
    assert_int_equal(time_left_text(due, now, buf, sizeof buf, &next), 1);
    assert_string_equal(buf, "3h 20m");
    assert_int_equal(next, 500); /* then 3h 19m */
    snprintf(due, sizeof due, "%lld", now + (2 * 86400 + 4 * 3600) * 1000LL);
    time_left_text(due, now, buf, sizeof buf, &next);
    assert_string_equal(buf, "2d 4h");
    snprintf(due, sizeof due, "%lld", now + 12 * 60000LL);
    assert_int_equal(time_left_text(due, now, buf, sizeof buf, &next), 2);
    assert_string_equal(buf, "12m");
    assert_int_equal(next, 60000);
    snprintf(due, sizeof due, "%lld", now + 1500);
    assert_int_equal(time_left_text(due, now, buf, sizeof buf, &next), 2);
    assert_string_equal(buf, "<1m");
    assert_int_equal(next, 1500); /* the due time itself */
    /* at the due time and after: marked, so it reads without colour */
    snprintf(due, sizeof due, "%lld", now);
    assert_int_equal(time_left_text(due, now, buf, sizeof buf, &next), 3);
    assert_string_equal(buf, "! due");
    assert_int_equal(next, 60000);
    snprintf(due, sizeof due, "%lld", now - (25 * 60000LL + 100));
    assert_int_equal(time_left_text(due, now, buf, sizeof buf, &next), 3);
    assert_string_equal(buf, "! -25m");
    assert_int_equal(next, 60000 - 100);
    assert_int_equal(time_left_text("12x", now, buf, sizeof buf, &next), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rowbuf_window), cmocka_unit_test(test_rows_drop_known),
        cmocka_unit_test(test_row_copy),      cmocka_unit_test(test_like_contains),
        cmocka_unit_test(test_str_copy_utf8), cmocka_unit_test(test_time_left),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
