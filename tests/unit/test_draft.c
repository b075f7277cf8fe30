/* Unit tests for drafts (src/util/draft.c): the text written when a form is kept reads back
 * the same, values with tabs, newlines and backslashes included; a file that is not a draft
 * is refused. A crash keeps a form of any size whole (a 100,000-character description was cut
 * at 64 KB, and the cut text ran into the "why" line). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ccrm/draft.h"
#include "ccrm/util.h"

static void
test_draft_round_trip(void **state)
{
    struct draft d, r;
    struct strbuf b = STRBUF_INIT;

    (void)state;
    memset(&d, 0, sizeof d);
    str_copy(d.entity, "tickets", sizeof d.entity);
    d.id = 42;
    d.version = 3;
    str_copy(d.why, "SIGTERM", sizeof d.why);
    draft_add(&d, "subject", "Printer", "Printer\toffline \\ again");
    draft_add(&d, "body", "", "line one\nline two\r\n");
    draft_add(&d, "assignee", NULL, "");
    draft_render(&b, &d);
    assert_int_equal(draft_parse(strbuf_str(&b), &r), 0);
    assert_string_equal(r.entity, "tickets");
    assert_int_equal(r.id, 42);
    assert_int_equal(r.version, 3);
    assert_string_equal(r.why, "SIGTERM");
    assert_int_equal(r.n, 3);
    assert_string_equal(r.f[0].col, "subject");
    assert_string_equal(r.f[0].base, "Printer");
    assert_string_equal(r.f[0].val, "Printer\toffline \\ again");
    assert_string_equal(r.f[1].val, "line one\nline two\r\n");
    assert_string_equal(r.f[2].base, "");
    assert_string_equal(r.f[2].val, "");
    draft_fini(&r);
    draft_fini(&d);
    strbuf_fini(&b);
}

/* A draft is offered to its login on its database only: the same id on another database is
 * another record. */
static void
test_draft_next_database(void **state)
{
    char dir[] = "/tmp/ccrm-test-draft-XXXXXX", path[1024];
    struct draft d;
    struct strbuf b = STRBUF_INIT;
    char *cmd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    setenv("XDG_STATE_HOME", dir, 1);
    memset(&d, 0, sizeof d);
    str_copy(d.entity, "accounts", sizeof d.entity);
    d.id = 47;
    str_copy(d.login, "sam", sizeof d.login);
    str_copy(d.database, "ccrm2 /tmp/pg 5432", sizeof d.database);
    draft_add(&d, "industry", "", "Retail");
    draft_render(&b, &d);
    assert_int_equal(draft_save(strbuf_str(&b), path, sizeof path), 0);
    assert_int_equal(draft_next(path, sizeof path, "sam", "ccrm /tmp/pg 5432"), 0);
    assert_int_equal(draft_next(path, sizeof path, "sam", "ccrm2 /tmp/pg 5433"), 0);
    assert_int_equal(draft_next(path, sizeof path, "zoe", "ccrm2 /tmp/pg 5432"), 0);
    assert_int_equal(draft_next(path, sizeof path, "sam", "ccrm2 /tmp/pg 5432"), 1);
    draft_fini(&d);
    strbuf_fini(&b);
    cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* A fresh state directory (dir, a mkdtemp template) and a form of one field in d, rendered
 * into b */
static void
one_form(char *dir, struct draft *d, struct strbuf *b, const char *entity, const char *login,
         const char *col, const char *val)
{
    assert_non_null(mkdtemp(dir));
    setenv("XDG_STATE_HOME", dir, 1);
    memset(d, 0, sizeof *d);
    str_copy(d->entity, entity, sizeof d->entity);
    str_copy(d->login, login, sizeof d->login);
    draft_add(d, col, "", val);
    draft_render(b, d);
}

/* a draft claimed by a client that died before it opened it (offer_draft renames it to
 * NAME.taken-PID first) is offered again, under its own name; one whose claimer lives is not */
static void
test_draft_claimed_by_the_dead(void **state)
{
    char dir[] = "/tmp/ccrm-test-draft-XXXXXX", path[1024], taken[1100];
    struct draft d;
    struct strbuf b = STRBUF_INIT;
    char *cmd;
    pid_t dead;

    (void)state;
    one_form(dir, &d, &b, "accounts", "sam", "name", "Claimed GmbH");
    assert_int_equal(draft_save(strbuf_str(&b), path, sizeof path), 0);
    /* claimed by this process, alive: not offered */
    snprintf(taken, sizeof taken, "%s.taken-%ld", path, (long)getpid());
    assert_int_equal(rename(path, taken), 0);
    assert_int_equal(draft_next(path, sizeof path, "sam", NULL), 0);
    /* claimed by one that is gone: offered again, renamed back */
    if ((dead = fork()) == 0)
        _exit(0);
    assert_true(dead > 0);
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    {
        char *orig = xasprintf("%.*s", (int)(strstr(taken, ".taken-") - taken), taken);
        char *again = xasprintf("%s.taken-%ld", orig, (long)dead);

        assert_int_equal(rename(taken, again), 0);
        assert_int_equal(draft_next(path, sizeof path, "sam", NULL), 1);
        assert_string_equal(path, orig);
        assert_int_equal(access(orig, F_OK), 0);
        free(orig);
        free(again);
    }
    draft_fini(&d);
    strbuf_fini(&b);
    cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void
test_draft_refused(void **state)
{
    struct draft d;

    (void)state;
    assert_int_equal(draft_parse("", &d), -1);
    assert_int_equal(draft_parse("hello\nentity tickets\n", &d), -1);
    assert_int_equal(draft_parse("ccrm draft 1\nid 3\n", &d), -1); /* no entity */
    assert_int_equal(d.n, 0);
}

static void
test_crash_keeps_big_form(void **state)
{
    char dir[] = "/tmp/ccrm-test-crash-XXXXXX", path[1024];
    struct draft d, r;
    struct strbuf b = STRBUF_INIT;
    char *big = xmalloc(100001), *text, *cmd;
    pid_t pid;
    int status;

    (void)state;
    assert_non_null(mkdtemp(dir));
    setenv("XDG_STATE_HOME", dir, 1);
    memset(big, 'w', 100000);
    big[100000] = '\0';
    memset(&d, 0, sizeof d);
    str_copy(d.entity, "tickets", sizeof d.entity);
    str_copy(d.login, "sofia", sizeof d.login);
    draft_add(&d, "body", "", big);
    draft_render(&b, &d);
    if ((pid = fork()) == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL) /* the handler's words to the terminal */
            _exit(2);
        if (crash_init("test") == -1)
            _exit(3);
        crash_snapshot(strbuf_str(&b), b.len);
        raise(SIGSEGV);
        _exit(4);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    assert_int_equal(draft_next(path, sizeof path, "sofia", NULL), 1);
    assert_non_null(text = draft_read_file(path));
    assert_non_null(strstr(text, "\nwhy SIGSEGV"));
    assert_int_equal(draft_parse(text, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.f[0].val, big);
    free(text);
    draft_fini(&r);
    draft_fini(&d);
    strbuf_fini(&b);
    free(big);
    cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* A live draft (kept while typing) is taken once its client is gone: a process with the same
 * pid that started at another time is not that client (after a reboot; in a container the
 * client is pid 1 every time). Its own running client's is left alone. */
static void
test_live_draft_pid_reused(void **state)
{
    char dir[] = "/tmp/ccrm-test-live-XXXXXX", path[1024], *live, *file, *cmd;
    struct draft d;
    struct strbuf b = STRBUF_INIT;
    FILE *f;

    (void)state;
    one_form(dir, &d, &b, "tickets", "sofia", "subject", "kept while typing");
    assert_int_equal(crash_init("test"), 0);
    /* this process's own live draft: running, not offered */
    assert_int_equal(draft_keep_live(strbuf_str(&b), b.len), 0);
    assert_int_equal(draft_next(path, sizeof path, "sofia", NULL), 0);
    /* one of an earlier process with this pid (started in 2001): offered */
    live = draft_dir();
    file = xasprintf("%s/live/draft-1000000000-%ld.txt", live, (long)getpid());
    assert_non_null(f = fopen(file, "w"));
    fputs(strbuf_str(&b), f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(draft_next(path, sizeof path, "sofia", NULL), 1);
    assert_non_null(strstr(path, "draft-1000000000-"));
    assert_int_equal(draft_keep_live(NULL, 0), 0);
    draft_fini(&d);
    strbuf_fini(&b);
    free(file);
    free(live);
    cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draft_round_trip),
        cmocka_unit_test(test_draft_refused),
        cmocka_unit_test(test_draft_next_database),
        cmocka_unit_test(test_crash_keeps_big_form),
        cmocka_unit_test(test_live_draft_pid_reused),
        cmocka_unit_test(test_draft_claimed_by_the_dead),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
