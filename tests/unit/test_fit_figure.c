/* Unit tests for figures written to fit (ui_fit_figure, ui_short_figure in src/ui/text.c), as
 * the Dashboard, the Pipeline and Reports write them: whole when they fit, else with three, two
 * or one significant digits, never their digits cut. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ui/ui_int.h"

static void
test_fit(void **state)
{
    static const struct {
        const char *text;
        int width;
        const char *out;
        int cols;
    } cases[] = {
        {"1,000.00", 8, "1,000.00", 8},
        {"1,000.00", 20, "1,000.00", 8},
        {"-11,899,999,999,999,880,988,112,800.21", 40, "-11,899,999,999,999,880,988,112,800.21",
         38},
        {"-11,899,999,999,999,880,988,112,800.21", 10, "-1.19×10²⁵", 10},
        {"-11,899,999,999,999,880,988,112,800.21", 9, "-1.2×10²⁵", 9},
        {"-11,899,999,999,999,880,988,112,800.21", 7, "-1×10²⁵", 7},
        /* not even one digit fits: the shortest, wider than asked */
        {"-11,899,999,999,999,880,988,112,800.21", 3, "-1×10²⁵", 7},
        {"9,999,999.99", 8, "1.00×10⁷", 8}, /* rounded up: one digit more before the point */
        {"123,456,789", 9, "1.23×10⁸", 8},
        {"0.50", 2, "0.50", 4},       /* no digit before the point: as it is */
        {"abc def", 3, "abc def", 7}, /* no figure: as it is */
    };
    char buf[96];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int cols = ui_fit_figure(buf, sizeof buf, cases[i].text, cases[i].width);

        if (strcmp(buf, cases[i].out) != 0 || cols != cases[i].cols)
            fail_msg("\"%s\" in %d: \"%s\" (%d), expected \"%s\" (%d)", cases[i].text,
                     cases[i].width, buf, cols, cases[i].out, cases[i].cols);
    }
}

static void
test_short(void **state)
{
    char buf[64];

    (void)state;
    assert_int_equal(ui_short_figure(buf, sizeof buf, "1,234,567.00", 3), 8);
    assert_string_equal(buf, "1.23×10⁶");
    assert_int_equal(ui_short_figure(buf, sizeof buf, "1,234,567.00", 1), 5);
    assert_string_equal(buf, "1×10⁶");
    assert_int_equal(ui_short_figure(buf, sizeof buf, "0.50", 3), -1);
    assert_int_equal(ui_short_figure(buf, sizeof buf, "12 EUR", 3), -1);
    assert_int_equal(ui_short_figure(buf, sizeof buf, "1,234", 4), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_short),
    };

    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL && setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
        fprintf(stderr, "no UTF-8 locale\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
