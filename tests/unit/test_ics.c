/* Unit tests for the iCalendar rendering (src/cli/ics.c): meetings become VEVENTs and tasks
 * VTODOs with stable UIDs, UTC times and the properties a calendar application needs, and
 * what is written reads back through libical's parser with the same text (commas, semicolons,
 * newlines, UTF-8). With a file argument it checks that file instead and prints the counts:
 * tests/db/test_agenda.sh uses it on the output of `ccrm --ics`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "ccrm/err.h"
#include "ccrm/ics.h"
#include "ccrm/util.h"

static struct ics_item
item(const char *uid, int meeting, const char *subject, const char *body, time_t due, time_t done)
{
    struct ics_item it;

    memset(&it, 0, sizeof it);
    it.uid = xstrdup(uid);
    it.meeting = meeting;
    it.subject = xstrdup(subject);
    it.body = body != NULL ? xstrdup(body) : NULL;
    it.record = xstrdup("ticket #7 Login fails");
    it.due = due;
    it.done = done;
    it.created = 1767225600; /* 2026-01-01 00:00 UTC */
    it.updated = 1767229200;
    it.sequence = 2;
    return it;
}

static void
test_render(void **state)
{
    struct ics_item *items = xcalloc(3, sizeof *items);
    struct ccrm_err err;
    char *text;
    int ev, todo;

    (void)state;
    items[0] = item("ccrm-interaction-1@x.ccrm", 1, "Demo, with Acme; room 2", NULL, 1767261600,
                    0); /* 2026-01-01 10:00 UTC */
    items[1] = item("ccrm-interaction-2@x.ccrm", 0, "Call Müller back", "line one\nline two",
                    1767268800, 0); /* 12:00 */
    items[2] = item("ccrm-interaction-3@x.ccrm", 0, "Send proposal", NULL, 1767268800,
                    1767265200); /* done 11:00 */
    text = ics_render(items, 3, "ccrm: sofia", &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "BEGIN:VCALENDAR\r\n"));
    assert_non_null(strstr(text, "VERSION:2.0\r\n"));
    assert_non_null(strstr(text, "X-WR-CALNAME:ccrm: sofia\r\n"));
    assert_non_null(strstr(text, "UID:ccrm-interaction-1@x.ccrm\r\n"));
    assert_non_null(strstr(text, "DTSTART:20260101T100000Z\r\n"));
    assert_non_null(strstr(text, "DURATION:PT1H\r\n"));
    assert_non_null(strstr(text, "DUE:20260101T120000Z\r\n"));
    assert_non_null(strstr(text, "STATUS:NEEDS-ACTION\r\n"));
    assert_non_null(strstr(text, "COMPLETED:20260101T110000Z\r\n"));
    assert_non_null(strstr(text, "STATUS:COMPLETED\r\n"));
    assert_non_null(strstr(text, "SEQUENCE:2\r\n"));
    assert_non_null(strstr(text, "SUMMARY:Demo\\, with Acme\\; room 2\r\n"));
    assert_int_equal(ics_check(text, &ev, &todo), 0);
    assert_int_equal(ev, 1);
    assert_int_equal(todo, 2);
    free(text);
    ics_items_free(items, 3);
}

/* the text read back is the text written */
static void
test_round_trip(void **state)
{
    struct ics_item it;
    struct ccrm_err err;
    icalcomponent *cal, *c;
    char *text;

    (void)state;
    it = item("u1@x.ccrm", 0, "Rückruf: Preis, Termin; \"Pro\"", "a\nb, c; d\\e", 1767268800, 0);
    text = ics_render(&it, 1, "ccrm: x", &err);
    assert_non_null(text);
    cal = icalparser_parse_string(text);
    assert_non_null(cal);
    c = icalcomponent_get_first_component(cal, ICAL_VTODO_COMPONENT);
    assert_non_null(c);
    assert_string_equal(icalcomponent_get_summary(c), "Rückruf: Preis, Termin; \"Pro\"");
    assert_string_equal(icalcomponent_get_description(c), "ticket #7 Login fails\n\na\nb, c; d\\e");
    assert_string_equal(icalcomponent_get_uid(c), "u1@x.ccrm");
    icalcomponent_free(cal);
    free(text);
    free(it.uid);
    free(it.subject);
    free(it.body);
    free(it.record);
}

static void
test_check_refuses(void **state)
{
    int ev, todo;

    (void)state;
    assert_int_equal(ics_check("not a calendar", &ev, &todo), -1);
    assert_int_equal(ics_check("BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n", &ev, &todo), -1);
}

static void
test_empty(void **state)
{
    struct ccrm_err err;
    char *text = ics_render(NULL, 0, "ccrm: nobody", &err);
    int ev, todo;

    (void)state;
    assert_non_null(text);
    assert_int_equal(ics_check(text, &ev, &todo), 0);
    assert_int_equal(ev + todo, 0);
    free(text);
}

/* test_ics FILE: check FILE, print "events N todos M", exit 0 if valid */
static int
check_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    int ev, todo, rc;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        perror(path);
        return 2;
    }
    buf = xmalloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        return 2;
    }
    buf[n] = '\0';
    fclose(f);
    rc = ics_check(buf, &ev, &todo);
    free(buf);
    if (rc == -1) {
        fprintf(stderr, "%s: not a valid iCalendar file\n", path);
        return 1;
    }
    printf("events %d todos %d\n", ev, todo);
    return 0;
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_check_refuses),
        cmocka_unit_test(test_empty),
    };

    if (argc == 2)
        return check_file(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
