/* Unit tests for the growable string (src/util/strbuf.c): long text is never cut off, bytes
 * with NULs are kept, a reset keeps the memory, a stolen text is the caller's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/strbuf.h"

static void
test_grows(void **state)
{
    struct strbuf b = STRBUF_INIT;
    size_t i;

    (void)state;
    assert_string_equal(strbuf_str(&b), "");
    for (i = 0; i < 10000; i++)
        strbuf_printf(&b, "%s$%zu", i ? ", " : "SELECT ", i + 1);
    /* nothing is cut off: the last parameter is there, and the length is right */
    assert_non_null(strstr(b.s, ", $10000"));
    assert_int_equal(strlen(b.s), b.len);
    assert_true(b.cap > b.len);
    strbuf_fini(&b);
    assert_null(b.s);
}

static void
test_bytes_reset_steal(void **state)
{
    struct strbuf b = STRBUF_INIT;
    size_t cap;
    char *s;

    (void)state;
    strbuf_add(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_int_equal(memcmp(b.s, "a\0b", 4), 0);
    strbuf_puts(&b, "xyz");
    assert_int_equal(b.len, 6);
    cap = b.cap;
    strbuf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(strbuf_str(&b), "");
    assert_int_equal(b.cap, cap); /* the memory stays for the next statement */
    strbuf_add(&b, "", 0);
    assert_string_equal(strbuf_str(&b), "");
    strbuf_printf(&b, "%d rows", 42);
    s = strbuf_steal(&b);
    assert_string_equal(s, "42 rows");
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    free(s);
    s = strbuf_steal(&b); /* an empty buffer hands over "" */
    assert_string_equal(s, "");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows),
        cmocka_unit_test(test_bytes_reset_steal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
