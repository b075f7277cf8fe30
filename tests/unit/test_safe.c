/* Unit tests for the terminal-safe text of src/util/safe.c: escape sequences (OSC title and
 * clipboard, CSI clear screen), BEL, the C1 controls, invalid UTF-8 and invisible format
 * characters never reach a terminal; ordinary UTF-8 passes unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/util.h"

static void
expect_safe(const char *in, const char *want)
{
    char *got = str_safe(in);

    assert_string_equal(got, want);
    free(got);
}

static void
test_escapes(void **state)
{
    (void)state;
    /* OSC 0 (window title) ended by BEL, CSI 2J (clear screen), OSC 52 (clipboard) ended by ST */
    expect_safe("\x1b]0;owned\x07 Printer", "?]0;owned? Printer");
    expect_safe("\x1b[2Jclear", "?[2Jclear");
    expect_safe("\x1b]52;c;ZXZpbA==\x1b\\", "?]52;c;ZXZpbA==?\\");
    /* C1 controls as UTF-8 (CSI U+009B, OSC U+009D, ST U+009C) and as raw bytes */
    expect_safe("a\xc2\x9b"
                "2Jb",
                "a?2Jb");
    expect_safe("\xc2\x9d"
                "0;t\xc2\x9c",
                "?0;t?");
    expect_safe("raw \x9b"
                "2J",
                "raw ?2J");
    /* carriage return, backspace, DEL; newline and tab keep the text on one line */
    expect_safe("over\rwrite\b\x7f", "over?write??");
    expect_safe("two\nlines\tand tab", "two lines and tab");
}

static void
test_utf8(void **state)
{
    (void)state;
    expect_safe("Łódź Müller — 東京 🙂", "Łódź Müller — 東京 🙂");
    /* invalid: a lone continuation byte, an overlong '/', a surrogate, a truncated sequence */
    expect_safe("a\x80z", "a?z");
    expect_safe("\xc0\xaf", "??");
    expect_safe("\xed\xa0\x80", "???");
    expect_safe("end\xe2\x82", "end??");
    /* bidirectional override and zero-width space are shown, as '?' */
    expect_safe("abc\xe2\x80\xae"
                "fdp.exe",
                "abc?fdp.exe");
    expect_safe("a\xe2\x80\x8b"
                "b",
                "a?b");
}

static void
test_copy_truncates(void **state)
{
    char buf[6];

    (void)state;
    /* 5 bytes of room: "ab" + "ł" (2 bytes) fits, the next "ó" does not */
    assert_int_equal(str_safe_copy(buf, "abłóz", sizeof buf), 4);
    assert_string_equal(buf, "abł");
    assert_int_equal(str_safe_copy(buf, "\x1b\x1b\x1b\x1b\x1b\x1b\x1b", sizeof buf), 5);
    assert_string_equal(buf, "?????");
}

static void
test_fprintf(void **state)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);

    (void)state;
    assert_non_null(f);
    safe_fprintf(f, "ccrm: ticket %d: %s\n", 7, "\x1b]0;x\x07subject");
    fclose(f);
    assert_string_equal(out, "ccrm: ticket 7: ?]0;x?subject\n");
    free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_copy_truncates),
        cmocka_unit_test(test_fprintf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
