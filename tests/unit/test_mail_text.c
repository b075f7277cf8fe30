/* Unit tests for a mail's text on a screen (mail_text_lines, src/mail/quote.c): wrapping at
 * spaces in display columns, quoted text folded ("> " runs with the line introducing them, an
 * Outlook separator and all after it) or shown, blank lines kept to one. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/mail.h"
#include "ccrm/strbuf.h"

/* the lines joined: text as is, quoted as "Q|", folded as "F|" */
static void
collect(void *ctx, const char *line, enum mail_line_kind kind)
{
    struct strbuf *sb = ctx;

    strbuf_printf(sb, "%s%s\n",
                  kind == MAIL_LINE_QUOTED   ? "Q|"
                  : kind == MAIL_LINE_FOLDED ? "F|"
                                             : "",
                  line);
}

static char *
lines(const char *text, int width, int unfold, int *nquoted)
{
    struct strbuf sb = STRBUF_INIT;
    int q = mail_text_lines(text, width, unfold, collect, &sb);

    if (nquoted != NULL)
        *nquoted = q;
    strbuf_puts(&sb, "");
    return strbuf_steal(&sb);
}

static void
check(const char *text, int width, int unfold, const char *want)
{
    char *got = lines(text, width, unfold, NULL);

    if (strcmp(got, want) != 0)
        print_message("--- want:\n%s--- got:\n%s", want, got);
    assert_string_equal(got, want);
    free(got);
}

static void
test_wrap(void **state)
{
    (void)state;
    check("one two three four five six", 10, 0, "one two\nthree four\nfive six\n");
    /* a word longer than the line is cut */
    check("abcdefghijklmnopqrstuvwxyz", 10, 0, "abcdefghij\nklmnopqrst\nuvwxyz\n");
    /* columns, not bytes: ä is one column, 日 two */
    check("ääääää ääää", 10, 0, "ääääää\nääää\n");
    check("日本語のテキスト", 10, 0, "日本語のテ\nキスト\n");
    /* CRLF, trailing blanks, blank lines at the ends and in a row */
    check("\n\nHello,\r\n\r\n\r\n\nbye  \n\n\n", 20, 0, "Hello,\n\nbye\n");
    check("", 20, 0, "");
}

static void
test_fold(void **state)
{
    int nq;
    char *got;

    (void)state;
    check("Thanks!\n\nOn Mon, Anna wrote:\n> first\n>\n> second\n\nBest\n", 40, 0,
          "Thanks!\n\nF|··· 4 quoted lines (z shows them)\n\nBest\n");
    check("Thanks!\n\nOn Mon, Anna wrote:\n> first\n>\n> second\n\nBest\n", 40, 1,
          "Thanks!\n\nQ|On Mon, Anna wrote:\nQ|> first\nQ|>\nQ|> second\n\nBest\n");
    /* blank lines between quoted lines are the quote's; two quotes, two folds */
    check("a\n> q1\n\n> q2\nb\n> q3\n", 40, 0,
          "a\nF|··· 3 quoted lines (z shows them)\nb\nF|··· 1 quoted line (z shows them)\n");
    /* a line ending in ':' that introduces no quote stays */
    check("Items:\n- one\n", 40, 0, "Items:\n- one\n");
    /* Outlook: everything from the separator on */
    got =
        lines("Yes.\n\n-----Original Message-----\nFrom: x\nSubject: y\n\nold text\n", 40, 0, &nq);
    assert_string_equal(got, "Yes.\n\nF|··· 5 quoted lines (z shows them)\n");
    assert_int_equal(nq, 5);
    free(got);
    check("Ja.\n-----Ursprüngliche Nachricht-----\nVon: x\n", 40, 0,
          "Ja.\nF|··· 2 quoted lines (z shows them)\n");
    /* a line of dashes alone is no separator */
    check("a\n--------------------\nb\n", 40, 0, "a\n--------------------\nb\n");
    /* shown quoted lines are wrapped too */
    check("> one two three four\n", 10, 1, "Q|> one two\nQ|three four\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_fold),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        setlocale(LC_ALL, "");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
