/* Unit tests for the checks of flag values every batch command shares (src/cli/common.c):
 * what each accepts, and the one line each says on standard error when it refuses. And the
 * output files the batch commands write (cli_out_open): a kill removes the temporary file, and
 * a name too long for FILE.XXXXXX beside it is written all the same. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <limits.h>

#include "ccrm/cli.h"
#include "ccrm/err.h"
#include "cli/cli_int.h"

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

/* a directory of its own under /tmp, removed by the caller (rm -r) */
static char *
scratch(void)
{
    char *dir = strdup("/tmp/ccrm-unit-out.XXXXXX");

    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static int
count_entries(const char *dir)
{
    char cmd[512];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    if ((p = popen(cmd, "r")) != NULL) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static void
test_out_killed(void **state)
{
    char *dir = scratch(), path[600], got[16] = "";
    int sig;
    FILE *f;

    (void)state;
    snprintf(path, sizeof path, "%s/out.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("old\n", f);
    fclose(f);
    for (sig = 0; sig < 3; sig++) {
        static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
            struct cli_out o;
            struct ccrm_err err;

            if (cli_out_open(&o, path, 0666, &err) == -1)
                _exit(2);
            fputs("half of it", o.f);
            fflush(o.f);
            raise(sigs[sig]);
            _exit(3); /* not reached */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), sigs[sig]);
        /* only the file that was there, as it was */
        assert_int_equal(count_entries(dir), 1);
        f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(got, sizeof got, f));
        fclose(f);
        assert_string_equal(got, "old\n");
    }
    snprintf(path, sizeof path, "rm -r '%s'", dir);
    assert_int_equal(system(path), 0);
    free(dir);
}

static void
test_out_long_name(void **state)
{
    char *dir = scratch(), path[600], cmd[700];
    struct cli_out o;
    struct ccrm_err err;
    struct stat st;

    (void)state;
    /* 254 bytes: a file the shell's > can make; FILE.XXXXXX would be 261 */
    snprintf(path, sizeof path, "%s/%0250d.csv", dir, 0);
    assert_int_equal(cli_out_open(&o, path, 0666, &err), 0);
    fputs("a,b\n", o.f);
    assert_int_equal(cli_out_close(&o, 1, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 4);
    assert_int_equal(count_entries(dir), 1);
    snprintf(cmd, sizeof cmd, "rm -r '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_choice, setup, teardown),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_out_killed),
        cmocka_unit_test(test_out_long_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
