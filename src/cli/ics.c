/* iCalendar rendering with libical (include/ccrm/ics.h): a VCALENDAR with one VEVENT per
 * meeting and one VTODO per task, every time in UTC, so a calendar application can subscribe to
 * the file. libical does the escaping, line folding and CRLF that RFC 5545 wants, and its parser
 * checks what was written. An item with a time libical cannot write is left out (the caller
 * counts them with ics_check). No database, no terminal. */
#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/err.h"
#include "ccrm/ics.h"
#include "ccrm/util.h"

static struct icaltimetype
utc(time_t t)
{
    return icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
}

/* Can libical write every time of it? It holds the years 0 to 3000 (icaltime_is_valid_time)
 * and writes 00000000T000000 for any other, which its parser refuses; the database stores
 * 4713 BC to 294276 AD, and a task due in the year 3001 would cost the whole calendar. */
static int
item_writable(const struct ics_item *it)
{
    return icaltime_is_valid_time(utc(it->due)) && icaltime_is_valid_time(utc(it->created)) &&
           icaltime_is_valid_time(utc(it->updated)) &&
           (it->done == 0 || icaltime_is_valid_time(utc(it->done)));
}

/* s as an iCalendar TEXT value may hold it (RFC 5545 3.3.11: no control character but HTAB,
 * and line breaks, which libical escapes): CR LF and a lone CR become a line break (in a
 * one-line value, as the SUMMARY, a space), the other controls of C0 and C1 and DEL are
 * dropped. Returns a malloc'd string. */
static char *
ics_text(const char *s, int one_line)
{
    const unsigned char *p = (const unsigned char *)s;
    char *out = xmalloc(strlen(s) + 1), *o = out;

    for (; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n') {
            if (*p == '\r' && p[1] == '\n')
                p++;
            *o++ = one_line ? ' ' : '\n';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            p++; /* U+0080 to U+009F */
        } else if (*p == '\t' || (*p >= 0x20 && *p != 0x7f)) {
            *o++ = (char)*p;
        }
    }
    *o = '\0';
    return out;
}

/* The DESCRIPTION: what it hangs off, then its text. Returns a malloc'd string or NULL. */
static char *
description(const struct ics_item *it)
{
    char *raw, *text;

    if (it->record != NULL && it->body != NULL && it->body[0] != '\0')
        raw = xasprintf("%s\n\n%s", it->record, it->body);
    else if (it->record != NULL)
        raw = xstrdup(it->record);
    else if (it->body != NULL && it->body[0] != '\0')
        raw = xstrdup(it->body);
    else
        return NULL;
    text = ics_text(raw, 0);
    free(raw);
    return text;
}

static icalcomponent *
item_component(const struct ics_item *it)
{
    icalcomponent *c = it->meeting ? icalcomponent_new_vevent() : icalcomponent_new_vtodo();
    char *desc = description(it), *summary = ics_text(it->subject, 1);

    icalcomponent_add_property(c, icalproperty_new_uid(it->uid));
    icalcomponent_add_property(c, icalproperty_new_dtstamp(utc(it->updated)));
    icalcomponent_add_property(c, icalproperty_new_created(utc(it->created)));
    icalcomponent_add_property(c, icalproperty_new_lastmodified(utc(it->updated)));
    icalcomponent_add_property(c, icalproperty_new_sequence(it->sequence));
    icalcomponent_add_property(c, icalproperty_new_summary(summary));
    free(summary);
    if (desc != NULL)
        icalcomponent_add_property(c, icalproperty_new_description(desc));
    free(desc);
    if (it->meeting) {
        icalcomponent_add_property(c, icalproperty_new_dtstart(utc(it->due)));
        icalcomponent_add_property(
            c, icalproperty_new_duration(icaldurationtype_from_int(ICS_MEETING_MINUTES * 60)));
        icalcomponent_add_property(c, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
    } else {
        icalcomponent_add_property(c, icalproperty_new_due(utc(it->due)));
        if (it->done != 0) {
            icalcomponent_add_property(c, icalproperty_new_completed(utc(it->done)));
            icalcomponent_add_property(c, icalproperty_new_status(ICAL_STATUS_COMPLETED));
        } else {
            icalcomponent_add_property(c, icalproperty_new_status(ICAL_STATUS_NEEDSACTION));
        }
    }
    return c;
}

char *
ics_render(const struct ics_item *items, int n, const char *calname, struct ccrm_err *err)
{
    icalcomponent *cal = icalcomponent_new_vcalendar();
    icalproperty *name;
    char *text, *out;
    int i;

    if (cal == NULL) {
        err_set(err, "could not make a calendar: %s", icalerror_strerror(icalerrno));
        return NULL;
    }
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//ccrm//ccrm " CCRM_VERSION "//EN"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    name = icalproperty_new_x(calname);
    icalproperty_set_x_name(name, "X-WR-CALNAME");
    icalcomponent_add_property(cal, name);
    for (i = 0; i < n; i++)
        if (item_writable(&items[i]))
            icalcomponent_add_component(cal, item_component(&items[i]));
    text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    if (text == NULL) {
        err_set(err, "could not write the calendar: %s", icalerror_strerror(icalerrno));
        return NULL;
    }
    out = xstrdup(text);
    icalmemory_free_buffer(text);
    return out;
}

int
ics_check(const char *text, int *events, int *todos)
{
    icalcomponent *c = icalparser_parse_string(text);
    int ok;

    *events = *todos = 0;
    if (c == NULL)
        return -1;
    ok = icalcomponent_isa(c) == ICAL_VCALENDAR_COMPONENT && icalcomponent_count_errors(c) == 0;
    if (ok) {
        *events = icalcomponent_count_components(c, ICAL_VEVENT_COMPONENT);
        *todos = icalcomponent_count_components(c, ICAL_VTODO_COMPONENT);
    }
    icalcomponent_free(c);
    return ok ? 0 : -1;
}
