/* iCalendar (RFC 5545) rendering of one's tasks and meetings (src/cli/ics.c, libical): a
 * meeting is a VEVENT, a task a VTODO. Pure: no database, no terminal. */
#ifndef CCRM_ICS_H
#define CCRM_ICS_H

#include <time.h>

struct ics_item {
    char *uid;      /* stable for the life of the database */
    int meeting;    /* 1: a meeting (VEVENT), 0: a task (VTODO) */
    char *subject;  /* never NULL */
    char *body;     /* may be NULL */
    char *record;   /* what it hangs off, in words; may be NULL */
    time_t due;     /* a meeting's start, a task's due time */
    time_t done;    /* 0: not done */
    time_t created; /* when it was written */
    time_t updated; /* its last change: DTSTAMP and LAST-MODIFIED */
    int sequence;   /* how often it changed (the record's version - 1) */
};

/* Free n items and the array. */
void ics_items_free(struct ics_item *items, int n);

/* The calendar as text (CRLF line ends, folded as RFC 5545 wants), named calname. A meeting
 * lasts ICS_MEETING_MINUTES (ccrm stores no end). An item with a time libical cannot write
 * (after the year 3000, before year 0) is left out: ics_check's counts tell how many. Returns
 * a malloc'd string, or NULL with err filled when libical refuses. */
#define ICS_MEETING_MINUTES 60
struct ccrm_err;
char *ics_render(const struct ics_item *items, int n, const char *calname, struct ccrm_err *err);

/* Parse text as iCalendar and count its VEVENTs and VTODOs (for tests and for checking a file
 * before it replaces the old one). Returns 0, or -1 when it is not a valid VCALENDAR. */
int ics_check(const char *text, int *events, int *todos);

#endif
