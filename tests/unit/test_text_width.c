/* Unit tests for the width of text as the client draws it (src/ui/text.c): text to read
 * (text_width, text_wrap, draw_text) leaves the zero-width characters out, as wcwidth counts
 * them; text being typed (text_input_width, text_wcswidth, draw_input) shows each as '?' in a
 * column of its own. The other invisible characters (bidirectional controls, variation
 * selectors) and control characters are '?' in both. */
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
test_widths(void **state)
{
    static const struct {
        const char *text;
        int read, typed;
    } cases[] = {
        {"abc", 3, 3},
        {"a\u200bb", 2, 3},        /* ZWSP */
        {"a\u200cb\u200dc", 3, 5}, /* ZWNJ, ZWJ */
        {"\ufeffab", 2, 3},        /* a BOM at the start of a mail's text */
        {"a\u2060b", 2, 3},        /* word joiner */
        {"👩\u200d💻", 4, 5},        /* an emoji joined: its two halves */
        {"漢\u200b字", 4, 5},      /* wide characters */
        {"a\u202eb", 3, 3},        /* a bidi override stays '?' */
        {"a\u200fb", 3, 3},        /* so does a right-to-left mark */
        {"\u263a\ufe0f", 2, 2},    /* and a variation selector */
        {"a\x1b[2Jb", 6, 6},       /* ESC as '?' */
        {"a\xffz", 3, 3},          /* an invalid byte */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = text_width(cases[i].text), t = text_input_width(cases[i].text);

        if (r != cases[i].read || t != cases[i].typed)
            fail_msg("case %zu: read %d typed %d, expected %d and %d", i, r, t, cases[i].read,
                     cases[i].typed);
    }
}

/* a mail's line with a zero-width space in each word wraps as its letters take room */
static void
test_wrap(void **state)
{
    char text[256] = "";
    size_t starts[8];
    int i, n;

    (void)state;
    for (i = 0; i < 6; i++)
        strcat(text, "ab\u200bcd ");
    /* six words of four columns: three to a line of 15 columns ("abcd abcd abcd "; counted as
     * five columns each, two) */
    n = text_wrap(text, 15, starts, 8);
    assert_int_equal(n, 2);
    assert_int_equal(text_width(text + starts[1]), 15); /* "abcd abcd abcd " */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_wrap),
    };

    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL && setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
        fprintf(stderr, "no UTF-8 locale\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
