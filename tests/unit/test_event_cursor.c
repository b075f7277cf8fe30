/* Unit tests for the event cursor's text form (--since, the "cursor" of JSON lines) and the
 * --state file: exact round trips, damaged or foreign text refused, nothing but letters,
 * digits and . : , - in the text. No database: these parts of src/db/events.c are pure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ccrm/events.h"

static const char *const good[] = {
    /* caught up */
    "v1.7301234567890123456.1.740:745:741,743.-.-.-.-.-.105-741-1796294155622892,-,-",
    /* a read in progress: its snapshot and the last (xid, id) delivered */
    "v1.7301234567890123456.1.743:743:.-.-.-.745:747:746.744-108.108-744-1796294155972711,"
    "105-741-1796294155622892,105-741-1796294155622892",
    /* after a history change: the old base capped at event 96, a read on the new server */
    "v1.7301234567890123456.2.760:760:.762:770:765.761-96.96.755:755:.0-0.96-752-1796295258442657,"
    "96-752-1796295258442657,-",
    /* nothing known yet about the server (an empty table at the start) */
    "v1.-.0.3:3:.-.-.-.-.-.-,-,-",
    /* with the server's incarnation (a restart or crash is crossed like a change of history) */
    "v1.7301234567890123456.1-1796294100123456.740:745:741,743.-.-.-.-.-.105-741-1796294155622892,"
    "-,-",
    /* with the database's OID (a position of another database of the cluster is refused) */
    "v1.7301234567890123456-16384.1-1796294100123456.740:745:741,743.-.-.-.-.-."
    "105-741-1796294155622892,-,-",
};

static void
test_round_trip(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct event_cursor c;
        struct ccrm_err err;
        char *text;
        const char *p;

        memset(&c, 0, sizeof c);
        assert_int_equal(event_cursor_parse(&c, good[i], &err), 0);
        text = event_cursor_text(&c);
        assert_string_equal(text, good[i]);
        for (p = text; *p != '\0'; p++)
            assert_non_null(strchr("0123456789v.:,-", *p));
        free(text);
        event_cursor_fini(&c);
    }
}

static void
test_refused(void **state)
{
    static const char *const bad[] = {
        "", "garbage", "v2.1.1.3:3:.-.-.-.-.-.-,-,-", /* another version */
        "v1.1.1.3:3:.-.-.-.-.-.-,-",                  /* a fingerprint missing */
        "v1.1.1.3:3:.-.-.-.-.-.-,-,-.x",              /* a field too many */
        "v1.1.1.3:3.-.-.-.-.-.-,-,-",                 /* not a snapshot */
        "v1.1.1.3:3:;rm -rf.-.-.-.-.-.-,-,-",         /* not a snapshot either */
        "v1.1.1.3:3:.4:4:.1-1.-.-.-.-,-,-",           /* a second base without its cap */
        "v1.1.1.3:3:.-.-.-.4:4:.-.-,-,-",             /* a read without its position */
        "v1.1.1.3:3:.-.-.-.-.1-1.-,-,-",              /* a position without its read */
        "v1.1.1.3:3:.-.-.-.-.-.0-1-2,-,-",            /* event id 0 */
        "v1.1.1.3:3:.-.-.-.-.-.1-x-2,-,-",            /* not a number */
        "v1.abc.1.3:3:.-.-.-.-.-.-,-,-",              /* not a system identifier */
        "v1.1.99999999999.3:3:.-.-.-.-.-.-,-,-",      /* no such timeline */
        "v1.1.1-.3:3:.-.-.-.-.-.-,-,-",               /* an incarnation missing after its dash */
        "v1.1.1-0.3:3:.-.-.-.-.-.-,-,-",              /* incarnation 0 */
        "v1.1.1-2-3.3:3:.-.-.-.-.-.-,-,-",            /* not a number */
        "v1.1.-5.3:3:.-.-.-.-.-.-,-,-",               /* no timeline */
        "v1.1-.1.3:3:.-.-.-.-.-.-,-,-",               /* a database OID missing after its dash */
        "v1.1-0.1.3:3:.-.-.-.-.-.-,-,-",              /* database OID 0 */
        "v1.1-4294967296.1.3:3:.-.-.-.-.-.-,-,-",     /* no such OID */
        "v1.-16384.1.3:3:.-.-.-.-.-.-,-,-",           /* an OID without its cluster */
        /* snapshots the server would refuse later, in its own words (exit 70) */
        "v1.1.1.0:0:.-.-.-.-.-.-,-,-",                       /* xid 0 */
        "v1.1.1.9:3:.-.-.-.-.-.-,-,-",                       /* xmin after xmax */
        "v1.1.1.3:9:7,5.-.-.-.-.-.-,-,-",                    /* running ids out of order */
        "v1.1.1.3:9:9.-.-.-.-.-.-,-,-",                      /* a running id at xmax */
        "v1.1.1.3:9:2.-.-.-.-.-.-,-,-",                      /* ... before xmin */
        "v1.1.1.3:9:4,.-.-.-.-.-.-,-,-",                     /* a trailing comma */
        "v1.1.1.3:99999999999999999999:.-.-.-.-.-.-,-,-",    /* past 2^63 */
        "v1.1.1.3:3:.-.-.-.-.-.9223372036854775808-1-2,-,-", /* an event id past 2^63 */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct event_cursor c;
        struct ccrm_err err;

        memset(&c, 0, sizeof c);
        c.base = strdup("1:1:"); /* a refused text leaves the cursor as it was */
        assert_int_equal(event_cursor_parse(&c, bad[i], &err), -1);
        assert_string_equal(err.msg, "not a ccrm event cursor");
        assert_string_equal(c.base, "1:1:");
        event_cursor_fini(&c);
    }
}

static void
test_state_file(void **state)
{
    char path[] = "/tmp/ccrm-cursor-XXXXXX";
    struct event_cursor c, d;
    struct ccrm_err err;
    char *a, *b;
    int fd, i;
    FILE *f;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    memset(&c, 0, sizeof c);
    memset(&d, 0, sizeof d);
    assert_int_equal(event_cursor_parse(&c, good[1], &err), 0);
    c.anchor.id = 90;
    c.anchor.xid = 700;
    c.anchor.at_us = 1796294155000000;
    for (i = 0; i < EVENT_WINDOW + 10; i++) { /* more than the window holds: the oldest go */
        c.win[c.win_next].id = 91 + i;
        c.win[c.win_next].xid = 701 + (uint64_t)i;
        c.win[c.win_next].at_us = 1796294155000001 + i;
        c.win_next = (c.win_next + 1) % EVENT_WINDOW;
        if (c.nwin < EVENT_WINDOW)
            c.nwin++;
    }
    assert_int_equal(event_cursor_save(&c, path), 0);
    assert_int_equal(event_cursor_load(&d, path, &err), 1);
    a = event_cursor_text(&c);
    b = event_cursor_text(&d);
    assert_string_equal(a, b);
    assert_int_equal(d.anchor.id, 90);
    assert_int_equal(d.nwin, EVENT_WINDOW);
    assert_int_equal(d.win[(d.win_next - 1 + EVENT_WINDOW) % EVENT_WINDOW].id,
                     91 + EVENT_WINDOW + 9);
    free(a);
    free(b);
    event_cursor_fini(&d);

    /* no file: nothing loaded; a damaged one: refused with its name */
    memset(&d, 0, sizeof d);
    assert_int_equal(event_cursor_load(&d, "/nonexistent/ccrm-state", &err), 0);
    /* an empty file (mktemp, touch) holds no position yet: as no file, for every reader */
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(event_cursor_load(&d, path, &err), 0);
    assert_false(event_cursor_started(&d));
    /* ... but a line break is something, and no state */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("\n", f);
    fclose(f);
    assert_int_equal(event_cursor_load(&d, path, &err), -1);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("ccrm feed state 1\ncursor v1.x\n", f);
    fclose(f);
    assert_int_equal(event_cursor_load(&d, path, &err), -1);
    assert_non_null(strstr(err.msg, "is not a ccrm feed state file"));
    event_cursor_fini(&d);
    event_cursor_fini(&c);
    unlink(path);
}

/* A cursor line longer than 4,096 bytes (a snapshot of 400 running transactions with 13-digit
 * ids): saved, and read back as it was (the loader's fixed line refused its own file) */
static void
test_state_file_long(void **state)
{
    char path[] = "/tmp/ccrm-cursor-XXXXXX";
    struct event_cursor c, d;
    struct ccrm_err err;
    char *text, *a, *b;
    size_t n = 0, cap = 16384;
    int fd, i;

    (void)state;
    text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n,
                          "v1.7301234567890123456.1.1000000000000:1000000000500:");
    for (i = 1; i <= 400; i++)
        n += (size_t)snprintf(text + n, cap - n, "%s%lld", i > 1 ? "," : "", 1000000000000LL + i);
    snprintf(text + n, cap - n, ".-.-.-.-.-.105-1000000000450-1796294155622892,-,-");
    assert_true(strlen(text) > 4096);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    memset(&c, 0, sizeof c);
    memset(&d, 0, sizeof d);
    assert_int_equal(event_cursor_parse(&c, text, &err), 0);
    assert_int_equal(event_cursor_save(&c, path), 0);
    assert_int_equal(event_cursor_load(&d, path, &err), 1);
    a = event_cursor_text(&c);
    b = event_cursor_text(&d);
    assert_string_equal(a, b);
    assert_string_equal(a, text);
    free(a);
    free(b);
    free(text);
    event_cursor_fini(&c);
    event_cursor_fini(&d);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_state_file_long),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
