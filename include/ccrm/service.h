/* Responsibility and time from the database (src/db/service.c): who is competent for a matter
 * (ccrm_who), one's agenda, the items of the calendar file, and one run of the scheduler
 * (ccrm_tick). The rules live in schema/functions/90_service.sql; these functions only ask. */
#ifndef CCRM_SERVICE_H
#define CCRM_SERVICE_H

#include "ccrm/db.h"
#include "ccrm/err.h"
#include "ccrm/ics.h"

/* SQLSTATEs set by this module (beside the server's own) */
#define SERVICE_ERR_NOT_FOUND "P0002" /* no such account or record */
#define SERVICE_ERR_AMBIGUOUS "21000" /* an account name matching more than one account */

/* The question: either a record (entity "tickets" or "leads" and its id), or a department and
 * any of the conditions. account: an id, an exact name or a domain. NULL: not given. */
struct who_query {
    const char *entity;
    const char *id;
    const char *dept;
    const char *account;
    const char *product;
    const char *queue;
    const char *topic;
    const char *country;
    const char *subject;
};

/* One matching rule, in the order the rules are tried. chosen: it decided, and login is who
 * gets the matter (the person, or a stand-in) and reason says why. */
struct who_row {
    int chosen;
    char *login; /* NULL unless chosen */
    long long rule_id;
    char *department;
    int priority;
    char *conditions;
    char *person;
    char *deputy; /* may be NULL */
    char *reason;
};

/* The departments a question may name (the internal ones, which rules are for), and tickets
 * and leads, asked as their routing asks; NULL-terminated. who_dept: its index, any case, or
 * -1. */
extern const char *const who_depts[];
int who_dept(const char *dept);

/* Ask ccrm_who (or ccrm_who_for a record). Returns the number of rows (0: no rule covers it)
 * with *rows malloc'd (free with who_rows_free), or -1 with err set. */
int db_who(struct db *db, const struct who_query *q, struct who_row **rows, struct ccrm_err *err);
void who_rows_free(struct who_row *rows, int n);

/* One line of the agenda: an open task or meeting of the caller. day is YYYY-MM-DD in the
 * caller's time zone, time HH:MM there; today: day is today. */
struct agenda_item {
    char day[11];
    char weekday[4];
    int today;
    char time[6];
    char kind[8];
    long long id;
    char *subject;
    char *record; /* may be NULL */
    int overdue;
};

/* The caller's agenda for days days from today. Returns the number of items with *items
 * malloc'd (free with agenda_items_free), or -1 with err set. */
int db_agenda(struct db *db, int days, struct agenda_item **items, struct ccrm_err *err);
void agenda_items_free(struct agenda_item *items, int n);
/* Today in the caller's time zone (YYYY-MM-DD), the agenda's first day. 0, or -1 with err. */
int db_agenda_today(struct db *db, char day[11], struct ccrm_err *err);

/* The caller's tasks and meetings for the calendar file: the open ones and those done in the
 * last past_days days. Returns the number of items (free with ics_items_free), or -1. */
int db_ics_items(struct db *db, int past_days, struct ics_item **items, struct ccrm_err *err);

/* ---- for the full-screen client: tasks done, reminders, the SLA compliance ---- */

/* Mark one's task or meeting (an interaction) done now. Returns 1, 0 when it was done already
 * (or is not visible), or -1 with err set. */
int db_task_done(struct db *db, long long id, struct ccrm_err *err);

/* Something of one's own that falls due: a reminder row (reminder_id > 0) or a task or meeting
 * seen falling due by the client itself (reminder_id 0). */
struct due_item {
    long long reminder_id;
    long long id;     /* the interaction */
    long long due_ms; /* epoch milliseconds */
    char *what;       /* "task: Call Acme" */
    char time[6];     /* HH:MM in the person's time zone */
    char *record;     /* "ticket #12 Login fails", or "" */
};
void due_items_free(struct due_item *items, int n);
/* One's open tasks and meetings due after after_ms (epoch ms), by due time, at most max. Returns
 * how many (items malloc'd), or -1 with err set. */
int db_tasks_due_after(struct db *db, long long after_ms, int max, struct due_item **items,
                       struct ccrm_err *err);
/* One's reminder by id (1, into *item), 0 when it is someone else's or gone, -1 on error. */
int db_reminder_get(struct db *db, long long id, struct due_item *item, struct ccrm_err *err);
/* One's reminders nobody has seen yet, newest first, at most max (as db_tasks_due_after). */
int db_reminders_unseen(struct db *db, int max, struct due_item **items, struct ccrm_err *err);
/* Dismiss one's reminder everywhere (seen_at). Returns 0, or -1 with err set. */
int db_reminder_seen(struct db *db, long long id, struct ccrm_err *err);

/* SLA compliance of the last 30 days, per kind of clock (the view sla_compliance). */
struct sla_line {
    char kind[24];
    /* clocks = met_in_time + met_late + overdue + the open ones not yet due */
    long long clocks, met_in_time, met_late, overdue; /* overdue: open and past its due time */
    char percent[16]; /* "93.5": met in time of those met or overdue; "" when none is */
};
/* Returns the number of lines (at most max), or -1 with err set. */
int db_sla_compliance(struct db *db, struct sla_line *lines, int max, struct ccrm_err *err);

/* One scheduler run (ccrm_tick): what it did. Returns 0, or -1 with err set. */
struct tick_result {
    int breaches;
    int warnings;
    int reminders;
    int digests;
};
int db_tick(struct db *db, struct tick_result *r, struct ccrm_err *err);

/* ---- following records, one's settings (src/db/follow.c) ---- */

/* Follow (on 1) or stop following (on 0) a record as the caller, or toggle (on -1: follow
 * unless one follows it now, also by default as its owner or assignee). Returns 1 when the
 * caller follows it now, 0 when not, or -1 with err set (a partner, a record not visible). */
int db_follow(struct db *db, const char *entity, long long id, int on, struct ccrm_err *err);
/* Who follows the record ("kenji, sofia", malloc'd into *who, "" for nobody) and whether the
 * caller does (*me). Returns 0, or -1 with err set. */
int db_followers(struct db *db, const char *entity, long long id, char **who, int *me,
                 struct ccrm_err *err);
/* The id of the caller's own inbox settings row, 0 when there is none yet, -1 with err set. */
long long db_settings_id(struct db *db, struct ccrm_err *err);

#endif
