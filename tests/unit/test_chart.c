/* Unit tests for the terminal chart helpers (src/model/chart.c): bars in eighths, sparklines,
 * labelled bar lines that always fit their width, and numbers with thousands separators. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/chart.h"

#define FULL "\u2588"

static void
test_bar(void **state)
{
    char buf[256];

    (void)state;
    assert_int_equal(chart_bar(buf, sizeof buf, 10, 10, 5), 5);
    assert_string_equal(buf, FULL FULL FULL FULL FULL);
    assert_int_equal(chart_bar(buf, sizeof buf, 25, 10, 4), 4); /* above max: full, no more */
    assert_string_equal(buf, FULL FULL FULL FULL);
    assert_int_equal(chart_bar(buf, sizeof buf, 5, 10, 5), 3); /* 2.5 columns */
    assert_string_equal(buf, FULL FULL "\u258c");
    assert_int_equal(chart_bar(buf, sizeof buf, 1, 80, 10), 1); /* 1/8 column */
    assert_string_equal(buf, "\u258f");
    assert_int_equal(chart_bar(buf, sizeof buf, 0.0001, 1000, 10), 1); /* tiny, still seen */
    assert_string_equal(buf, "\u258f");
    assert_int_equal(chart_bar(buf, sizeof buf, 0, 10, 10), 0);
    assert_string_equal(buf, "");
    assert_int_equal(chart_bar(buf, sizeof buf, -3, 10, 10), 0);
    assert_int_equal(chart_bar(buf, sizeof buf, NAN, 10, 10), 0);
    assert_int_equal(chart_bar(buf, sizeof buf, 5, 0, 10), 0);
    assert_int_equal(chart_bar(buf, sizeof buf, 5, 10, 0), 0);
    assert_string_equal(buf, "");
    /* a buffer too small: whole characters only, NUL-terminated */
    assert_int_equal(chart_bar(buf, 7, 10, 10, 5), 2);
    assert_string_equal(buf, FULL FULL);
    assert_int_equal(chart_width(buf), 2);
}

static void
test_sparkline(void **state)
{
    const double v[] = {0, 1, 2, 3, 4, 5, 6, 7};
    const double flat[] = {3, 3, 3};
    const double gap[] = {1, NAN, 4};
    char buf[256];

    (void)state;
    assert_int_equal(chart_sparkline(buf, sizeof buf, v, 8, 20), 8);
    assert_string_equal(buf, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
    /* narrower than the data: the latest values */
    assert_int_equal(chart_sparkline(buf, sizeof buf, v, 8, 3), 3);
    assert_int_equal(chart_width(buf), 3);
    assert_string_equal(buf, "\u2586\u2587\u2588"); /* 5, 6, 7 scaled from 0 */
    assert_int_equal(chart_sparkline(buf, sizeof buf, flat, 3, 10), 3);
    assert_string_equal(buf, "\u2588\u2588\u2588");
    assert_int_equal(chart_sparkline(buf, sizeof buf, gap, 3, 10), 3);
    assert_string_equal(buf, "\u2583 \u2588"); /* 1 of 4: 1.75 eighths up, rounded */
    assert_int_equal(chart_sparkline(buf, sizeof buf, v, 0, 10), 0);
    assert_int_equal(chart_sparkline(buf, sizeof buf, v, 8, 0), 0);
    assert_string_equal(buf, "");
}

/* The columns of bar in a line: its block characters (full and partial) */
static int
blocks(const char *line)
{
    const char *p = line;
    int n = 0;

    while ((p = strstr(p, "\xe2\x96")) != NULL) { /* U+2580..U+25BF: the block elements */
        n++;
        p += 3;
    }
    return n;
}

static void
test_bar_line(void **state)
{
    char buf[512];
    int w;

    (void)state;
    /* label, bar, value: exactly the width */
    w = chart_bar_line(buf, sizeof buf, "ccrm Pro", 10, 50, 100, "1,240", 0, 30);
    assert_int_equal(w, 30);
    assert_int_equal(chart_width(buf), 30);
    assert_memory_equal(buf, "ccrm Pro   ", 11);
    assert_non_null(strstr(buf, "1,240"));
    assert_int_equal((int)(strlen(buf) - strlen(strstr(buf, "1,240"))) + 5, (int)strlen(buf));
    /* a long, wide label is cut at a whole character within its columns */
    w = chart_bar_line(buf, sizeof buf, "東京東京東京東京", 5, 1, 1, "7", 0, 20);
    assert_int_equal(w, 20);
    assert_int_equal(chart_width(buf), 20);
    assert_memory_equal(buf, "東京 ", strlen("東京 "));
    /* no room for a bar: the label gives way, the value stays */
    w = chart_bar_line(buf, sizeof buf, "interests", 9, 3, 4, "12,345", 0, 8);
    assert_int_equal(chart_width(buf), 8);
    assert_non_null(strstr(buf, "12,345"));
    /* control characters never reach the terminal */
    chart_bar_line(buf, sizeof buf, "a\033[2Jb", 6, 1, 2, "1", 0, 20);
    assert_null(strchr(buf, '\033'));
    /* one bar width per chart: equal values draw equal bars whatever their figures' widths
     * (33 % of Sep "won 2 · lost 4" and of Oct "won 5 · lost 10"), and every line keeps the
     * width */
    {
        char a[512], b[512];
        const char *fa = "won 2 · lost 4 · win rate 33 %", *fb = "won 5 · lost 10 · win rate 33 %";
        int vw = chart_width(fb);

        chart_bar_line(a, sizeof a, "Sep", 8, 1, 3, fa, vw, 80);
        chart_bar_line(b, sizeof b, "Oct", 8, 5, 15, fb, vw, 80);
        assert_int_equal(chart_width(a), 80);
        assert_int_equal(chart_width(b), 80);
        assert_int_equal(blocks(a), blocks(b));
        /* without the chart's width each line's own figures would shorten its bar */
        chart_bar_line(a, sizeof a, "Sep", 8, 1, 3, fa, 0, 80);
        chart_bar_line(b, sizeof b, "Oct", 8, 5, 15, fb, 0, 80);
        assert_true(blocks(a) != blocks(b));
        /* 99 of 100 and 100 of 100 (a funnel): the full bar is the same length for both */
        chart_bar_line(a, sizeof a, "members", 10, 100, 100, "100", 3, 60);
        chart_bar_line(b, sizeof b, "sent", 10, 99, 100, "99", 3, 60);
        assert_true(blocks(b) <= blocks(a) && blocks(b) >= blocks(a) - 1);
        assert_int_equal(blocks(a), 60 - 10 - 1 - 3 - 1);
        /* the value still ends at the right margin */
        assert_string_equal(b + strlen(b) - 2, "99");
        /* a value wider than value_w takes its own room */
        assert_int_equal(chart_bar_line(a, sizeof a, "x", 2, 1, 1, "123456", 3, 30), 30);
        assert_int_equal(chart_width(a), 30);
    }
    /* every width from 0 to 60 is kept */
    for (w = 0; w <= 60; w++) {
        chart_bar_line(buf, sizeof buf, "Mobile app", 12, 7, 9, "7", 0, w);
        assert_int_equal(chart_width(buf), w);
    }
}

static void
test_number(void **state)
{
    char buf[64];

    (void)state;
    assert_string_equal(chart_number(buf, sizeof buf, 1240, 0), "1,240");
    assert_string_equal(chart_number(buf, sizeof buf, 1234567.5, 2), "1,234,567.5");
    assert_string_equal(chart_number(buf, sizeof buf, -12000.5, 1), "-12,000.5");
    assert_string_equal(chart_number(buf, sizeof buf, 0.35, 3), "0.35");
    assert_string_equal(chart_number(buf, sizeof buf, 999, 0), "999");
    assert_string_equal(chart_number(buf, sizeof buf, -0.001, 1), "0");
    assert_string_equal(chart_number(buf, sizeof buf, 100, 2), "100");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar),
        cmocka_unit_test(test_sparkline),
        cmocka_unit_test(test_bar_line),
        cmocka_unit_test(test_number),
    };

    setlocale(LC_ALL, "C.UTF-8");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
