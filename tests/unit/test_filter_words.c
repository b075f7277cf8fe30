/* Unit tests for the words of a list's filter as `f` and `:filter` read them
 * (view_list_filter_word, src/ui/view_list.c): words end at a blank outside double quotes, the
 * quotes are kept for the values' split, and a quote left open is said: `f name="abc` took the
 * value abc, unsaid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ui/ui_int.h"

/* the words of text, joined by '|', and what the last call returned ("" and 0 for none) */
static int
words(const char *text, char *out, size_t n)
{
    char buf[256], *p = buf, *w;
    int got;

    snprintf(buf, sizeof buf, "%s", text);
    out[0] = '\0';
    while ((got = view_list_filter_word(&p, &w)) != 0) {
        snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? "|" : "", w);
        if (got == -1)
            return -1;
    }
    return 0;
}

static void
test_words(void **state)
{
    static const struct {
        const char *text, *words;
        int rc;
    } cases[] = {
        {"", "", 0},
        {"   ", "", 0},
        {"mine", "mine", 0},
        {"assignee=none mine", "assignee=none|mine", 0},
        {"  status=open,pending\tmine  ", "status=open,pending|mine", 0},
        {"source=\"trade show\" mine", "source=\"trade show\"|mine", 0},
        {"name=\"a b\",\"c d\" x", "name=\"a b\",\"c d\"|x", 0},
        {"name=ab\"c d\"e", "name=ab\"c d\"e", 0},
        {"name=\"\"", "name=\"\"", 0},
        /* a quote left open: the word runs to the end, and says so */
        {"name=\"abc", "name=\"abc", -1},
        {"mine name=\"abc def", "mine|name=\"abc def", -1},
        {"name=\"a\" x=\"b", "name=\"a\"|x=\"b", -1},
        {"\"", "\"", -1},
    };
    char out[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = words(cases[i].text, out, sizeof out);

        if (strcmp(out, cases[i].words) != 0 || rc != cases[i].rc)
            fail_msg("\"%s\": \"%s\" (%d), expected \"%s\" (%d)", cases[i].text, out, rc,
                     cases[i].words, cases[i].rc);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
