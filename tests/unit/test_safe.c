/* Unit tests for the terminal-safe text of src/util/safe.c: escape sequences (OSC title and
 * clipboard, CSI clear screen), BEL, the C1 controls, invalid UTF-8 and invisible format
 * characters never reach a terminal; ordinary UTF-8 passes unchanged. And utf8_encode, the
 * other way of utf8_decode (src/util/util.c). */
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
    /* a variation selector (terminals disagree on its width: columns would move) */
    expect_safe("\xe2\x98\xba\xef\xb8\x8f ok", "\xe2\x98\xba? ok");
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

/* Every length of UTF-8, at its ends, read back by utf8_decode; no bytes for a surrogate or a
 * number above U+10FFFF (a negative wchar_t of a form's buffer). */
static void
test_encode(void **state)
{
    static const struct {
        uint32_t cp;
        const char *utf8;
    } ok[] = {{0x0, "\x00"},
              {0x41, "A"},
              {0x7f, "\x7f"},
              {0x80, "\xc2\x80"},
              {0xfc, "\xc3\xbc"},
              {0x7ff, "\xdf\xbf"},
              {0x800, "\xe0\xa0\x80"},
              {0x6771, "\xe6\x9d\xb1"},
              {0xd7ff, "\xed\x9f\xbf"},
              {0xe000, "\xee\x80\x80"},
              {0xfffd, "\xef\xbf\xbd"},
              {0x10000, "\xf0\x90\x80\x80"},
              {0x1f642, "\xf0\x9f\x99\x82"},
              {0x10ffff, "\xf4\x8f\xbf\xbf"}};
    static const uint32_t bad[] = {0xd800, 0xdbff, 0xdc00, 0xdfff, 0x110000, 0xffffffff};
    char out[4];
    uint32_t back;
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t want = ok[i].cp == 0 ? 1 : strlen(ok[i].utf8);

        n = utf8_encode(ok[i].cp, out);
        assert_int_equal(n, want);
        assert_memory_equal(out, ok[i].utf8, want);
        assert_int_equal(utf8_decode(out, n, &back), n);
        assert_int_equal(back, ok[i].cp);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(utf8_encode(bad[i], out), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_copy_truncates), cmocka_unit_test(test_fprintf),
        cmocka_unit_test(test_encode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
