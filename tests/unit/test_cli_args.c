/* Unit tests for the checks of flag values every batch command shares (src/cli/common.c):
 * what each accepts, and the one line each says on standard error when it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <limits.h>

#include "ccrm/cli.h"

/* Standard error goes to a file during each test (setup/teardown); said() is what was
 * written to it since the last call. */
static FILE *err_file;
static int saved_fd = -1;
static long err_pos;

static int
setup(void **state)
{
    (void)state;
    fflush(stderr);
    if ((err_file = tmpfile()) == NULL || (saved_fd = dup(STDERR_FILENO)) == -1 ||
        dup2(fileno(err_file), STDERR_FILENO) == -1)
        return -1;
    err_pos = 0;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    fflush(stderr);
    dup2(saved_fd, STDERR_FILENO);
    close(saved_fd);
    fclose(err_file);
    return 0;
}

static const char *
said(void)
{
    static char buf[512];
    size_t n;

    fflush(stderr);
    fseek(err_file, err_pos, SEEK_SET);
    n = fread(buf, 1, sizeof buf - 1, err_file);
    buf[n] = '\0';
    err_pos += (long)n;
    return buf;
}

/* One line was said, and it starts with prefix. */
static void
one_line(const char *prefix)
{
    const char *s = said(), *nl = strchr(s, '\n');

    if (strncmp(s, prefix, strlen(prefix)) != 0 || nl == NULL || nl[1] != '\0')
        fail_msg("expected one line starting \"%s\", got \"%s\"", prefix, s);
}

static void
test_number(void **state)
{
    long v = -1;

    (void)state;
    assert_int_equal(cli_number("--days", "7", 1, 366, &v), 0);
    assert_int_equal(v, 7);
    assert_string_equal(said(), "");
    assert_int_equal(cli_number("--limit", "0", 0, 1000000, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cli_number("--days", "367", 1, 366, &v), -1);
    assert_string_equal(said(), "ccrm: --days: expected a number from 1 to 366, got \"367\"\n");
    assert_int_equal(cli_number("--days", "", 1, 366, &v), -1);
    one_line("ccrm: --days: expected a number from 1 to 366, got ");
    assert_int_equal(cli_number("--days", "7x", 1, 366, &v), -1);
    one_line("ccrm: --days: expected a number from 1 to 366, got ");
    assert_int_equal(cli_number("--days", "0", 1, 366, &v), -1);
    one_line("ccrm: --days: expected a number from 1 to 366, got ");
    assert_int_equal(cli_number("--days", "-1", 1, 366, &v), -1);
    one_line("ccrm: --days: expected a number from 1 to 366, got ");
    assert_int_equal(cli_number("--days", "99999999999999999999999", 1, LONG_MAX, &v), -1);
    assert_string_equal(said(),
                        "ccrm: --days: expected a number from 1 to 9223372036854775807, got "
                        "\"99999999999999999999999\"\n");
    /* what it names is made harmless for a terminal */
    assert_int_equal(cli_number("--days", "1\033[2J", 1, 366, &v), -1);
    assert_null(strchr(said(), '\033'));
    assert_int_equal(v, 0); /* untouched by a refusal */
}

static void
test_date(void **state)
{
    (void)state;
    assert_int_equal(cli_date("--from", "2026-02-28"), 0);
    assert_string_equal(said(), "");
    /* a day of the calendar, as forms and imports take it */
    assert_int_equal(cli_date("--from", "2026-02-30"), -1);
    one_line("ccrm: --from: \"2026-02-30\" is not a date in the calendar");
    assert_int_equal(cli_date("--from", "2028-02-29"), 0);
    assert_int_equal(cli_date("--to", "2026-2-28"), -1);
    assert_string_equal(said(), "ccrm: --to: expected a date YYYY-MM-DD, got \"2026-2-28\"\n");
    assert_int_equal(cli_date("--date", "2026/02/28"), -1);
    one_line("ccrm: --date: expected a date YYYY-MM-DD, got ");
    assert_int_equal(cli_date("--date", "2026-0a-28"), -1);
    one_line("ccrm: --date: expected a date YYYY-MM-DD, got ");
    assert_int_equal(cli_date("--date", "2026-02-280"), -1);
    one_line("ccrm: --date: expected a date YYYY-MM-DD, got ");
    assert_int_equal(cli_date("--date", ""), -1);
    one_line("ccrm: --date: expected a date YYYY-MM-DD, got ");
}

static void
test_choice(void **state)
{
    static const char *const two[] = {"csv", "jsonl", NULL};
    static const char *const three[] = {"error", "skip", "update", NULL};

    (void)state;
    assert_int_equal(cli_choice("--format", "csv", two), 0);
    assert_int_equal(cli_choice("--format", "jsonl", two), 1);
    assert_string_equal(said(), "");
    assert_int_equal(cli_choice("--format", "JSONL", two), -1);
    assert_string_equal(said(), "ccrm: --format: expected csv or jsonl, got \"JSONL\"\n");
    assert_int_equal(cli_choice("--on-conflict", "update", three), 2);
    assert_int_equal(cli_choice("--on-conflict", "", three), -1);
    assert_string_equal(said(), "ccrm: --on-conflict: expected error, skip or update, got \"\"\n");
}

static void
test_id(void **state)
{
    int64_t id = 0;

    (void)state;
    assert_int_equal(cli_id("12", &id), 0);
    assert_int_equal(id, 12);
    assert_int_equal(cli_id("007", &id), 0);
    assert_int_equal(id, 7);
    assert_int_equal(cli_id("999999999999999999", &id), 0);
    assert_int_equal(cli_id("0", &id), -1);
    assert_int_equal(cli_id("", &id), -1);
    assert_int_equal(cli_id("-3", &id), -1);
    assert_int_equal(cli_id("+3", &id), -1);
    assert_int_equal(cli_id(" 3", &id), -1);
    assert_int_equal(cli_id("3 ", &id), -1);
    assert_int_equal(cli_id("1e3", &id), -1);
    assert_int_equal(cli_id("1000000000000000000", &id), -1); /* 19 digits */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_choice, setup, teardown),
        cmocka_unit_test(test_id),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
