/* Responsibility and time against the database (include/ccrm/service.h): ccrm_who, the agenda,
 * the calendar items and the scheduler. Every rule is in schema/functions/90_service.sql; this
 * file sends every value as a parameter and converts the answers into model structs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/service.h"
#include "ccrm/util.h"
#include "db_int.h"

/* Find the account named by id, exact name or domain (in that order) into id. Returns 0, or -1
 * with err set (SERVICE_ERR_NOT_FOUND, SERVICE_ERR_AMBIGUOUS or the server's). */
static int
find_account(struct db *db, const char *account, char *id, size_t idn, struct ccrm_err *err)
{
    static const char *const by[] = {
        "SELECT id FROM public.accounts WHERE id = $1::bigint LIMIT 2",
        "SELECT id FROM public.accounts WHERE name = $1 LIMIT 2",
        "SELECT id FROM public.accounts WHERE lower(domain) = lower($1) LIMIT 2",
    };
    const char *params[1] = {account};
    size_t i, digits = strspn(account, "0123456789");
    PGresult *res;
    int found;

    for (i = 0; i < sizeof by / sizeof by[0]; i++) {
        if (i == 0 && (digits == 0 || digits > 18 || account[digits] != '\0'))
            continue;
        if ((res = db_exec(db, by[i], 1, params, err)) == NULL)
            return -1;
        found = PQntuples(res);
        if (found == 1)
            str_copy(id, db_val(res, 0, 0), idn);
        PQclear(res);
        if (found > 1) {
            err_set(err, "more than one account is named \"%s\": give its id", account);
            str_copy(err->sqlstate, SERVICE_ERR_AMBIGUOUS, sizeof err->sqlstate);
            return -1;
        }
        if (found == 1)
            return 0;
    }
    err_set(err, "no account \"%s\" (give its id, exact name or domain)", account);
    str_copy(err->sqlstate, SERVICE_ERR_NOT_FOUND, sizeof err->sqlstate);
    return -1;
}

void
who_rows_free(struct who_row *rows, int n)
{
    int i;

    for (i = 0; rows != NULL && i < n; i++) {
        free(rows[i].login);
        free(rows[i].department);
        free(rows[i].conditions);
        free(rows[i].person);
        free(rows[i].deputy);
        free(rows[i].reason);
    }
    free(rows);
}

/* the internal departments (ccrm_responsibility_check), and ccrm_who's two words */
const char *const who_depts[] = {"sales", "support", "marketing", "management", "billing",
                                 "admin", "tickets", "leads",     NULL};

int
who_dept(const char *dept)
{
    int i;

    for (i = 0; who_depts[i] != NULL; i++)
        if (strcasecmp(dept, who_depts[i]) == 0)
            return i;
    return -1;
}

int
db_who(struct db *db, const struct who_query *q, struct who_row **rows, struct ccrm_err *err)
{
    char account[24];
    const char *params[7];
    PGresult *res;
    int i, n;

    *rows = NULL;
    if (q->entity != NULL) {
        params[0] = q->entity;
        params[1] = q->id;
        res = db_exec(db,
                      "SELECT chosen, login, rule_id, department, priority, conditions, person,"
                      " deputy, reason FROM public.ccrm_who_for($1, $2::bigint)",
                      2, params, err);
    } else {
        if (q->account != NULL && find_account(db, q->account, account, sizeof account, err) == -1)
            return -1;
        params[0] = q->dept;
        params[1] = q->account != NULL ? account : NULL;
        params[2] = q->product;
        params[3] = q->queue;
        params[4] = q->topic;
        params[5] = q->country;
        params[6] = q->subject;
        res = db_exec(db,
                      "SELECT chosen, login, rule_id, department, priority, conditions, person,"
                      " deputy, reason"
                      " FROM public.ccrm_who($1, $2::bigint, $3, $4, $5, $6, $7)",
                      7, params, err);
    }
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    *rows = xcalloc((size_t)n + 1, sizeof **rows);
    for (i = 0; i < n; i++) {
        struct who_row *r = &(*rows)[i];

        r->chosen = strcmp(db_val(res, i, 0), "t") == 0;
        r->login = db_dup(res, i, 1);
        r->rule_id = atoll(db_val(res, i, 2));
        r->department = db_dup(res, i, 3);
        r->priority = atoi(db_val(res, i, 4));
        r->conditions = db_dup(res, i, 5);
        r->person = db_dup(res, i, 6);
        r->deputy = db_dup(res, i, 7);
        r->reason = db_dup(res, i, 8);
    }
    PQclear(res);
    return n;
}

void
agenda_items_free(struct agenda_item *items, int n)
{
    int i;

    for (i = 0; items != NULL && i < n; i++) {
        free(items[i].subject);
        free(items[i].record);
    }
    free(items);
}

int
db_agenda(struct db *db, int days, struct agenda_item **items, struct ccrm_err *err)
{
    char d[16];
    const char *params[1] = {d};
    PGresult *res;
    int i, n;

    *items = NULL;
    snprintf(d, sizeof d, "%d", days);
    res = db_exec(db,
                  "SELECT to_char(day, 'YYYY-MM-DD'), to_char(day, 'Dy'), local_time, kind, id,"
                  " subject, record, overdue, today FROM public.ccrm_agenda($1::int)",
                  1, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    *items = xcalloc((size_t)n + 1, sizeof **items);
    for (i = 0; i < n; i++) {
        struct agenda_item *a = &(*items)[i];

        str_copy(a->day, db_val(res, i, 0), sizeof a->day);
        str_copy(a->weekday, db_val(res, i, 1), sizeof a->weekday);
        str_copy(a->time, db_val(res, i, 2), sizeof a->time);
        str_copy(a->kind, db_val(res, i, 3), sizeof a->kind);
        a->id = atoll(db_val(res, i, 4));
        a->subject = db_dup(res, i, 5);
        a->record = db_dup(res, i, 6);
        a->overdue = strcmp(db_val(res, i, 7), "t") == 0;
        a->today = strcmp(db_val(res, i, 8), "t") == 0;
    }
    PQclear(res);
    return n;
}

/* A time in seconds; 'infinity', which has none (no bigint takes it: the whole calendar
 * failed), as the year 9999 and '-infinity' as 4713 BC, which src/cli/ics.c leaves out as it
 * does the year 3001. */
#define ICS_EPOCH(t)                                                                               \
    " CASE " t " WHEN 'infinity' THEN 253402300799 WHEN '-infinity' THEN -210866803200"            \
    " ELSE extract(epoch FROM " t ")::bigint END"

/* clang-format off */
static const char ics_items_sql[] =
    "SELECT uid, kind = 'meeting', subject, body, record, " ICS_EPOCH("due_at") ","
    " coalesce(" ICS_EPOCH("done_at") ", 0), " ICS_EPOCH("created_at") ","
    " " ICS_EPOCH("updated_at") ", sequence FROM public.ccrm_ics_items($1::int)";
/* clang-format on */

int
db_ics_items(struct db *db, int past_days, struct ics_item **items, struct ccrm_err *err)
{
    char d[16];
    const char *params[1] = {d};
    PGresult *res;
    int i, n;

    *items = NULL;
    snprintf(d, sizeof d, "%d", past_days);
    res = db_exec(db, ics_items_sql, 1, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    *items = xcalloc((size_t)n + 1, sizeof **items);
    for (i = 0; i < n; i++) {
        struct ics_item *it = &(*items)[i];

        it->uid = db_dup(res, i, 0);
        it->meeting = strcmp(db_val(res, i, 1), "t") == 0;
        it->subject = db_dup(res, i, 2);
        it->body = db_dup(res, i, 3);
        it->record = db_dup(res, i, 4);
        it->due = (time_t)atoll(db_val(res, i, 5));
        it->done = (time_t)atoll(db_val(res, i, 6));
        it->created = (time_t)atoll(db_val(res, i, 7));
        it->updated = (time_t)atoll(db_val(res, i, 8));
        it->sequence = atoi(db_val(res, i, 9));
    }
    PQclear(res);
    return n;
}

int
db_tick(struct db *db, struct tick_result *r, struct ccrm_err *err)
{
    PGresult *res;
    int i;

    memset(r, 0, sizeof *r);
    if ((res = db_exec(db, "SELECT work, done FROM public.ccrm_tick()", 0, NULL, err)) == NULL)
        return -1;
    for (i = 0; i < PQntuples(res); i++) {
        const char *w = db_val(res, i, 0);
        int v = atoi(db_val(res, i, 1));

        if (strcmp(w, "breaches") == 0)
            r->breaches = v;
        else if (strcmp(w, "warnings") == 0)
            r->warnings = v;
        else if (strcmp(w, "reminders") == 0)
            r->reminders = v;
        else if (strcmp(w, "digests") == 0)
            r->digests = v;
    }
    PQclear(res);
    return 0;
}

/* ---- the full-screen client ---- */

int
db_task_done(struct db *db, long long id, struct ccrm_err *err)
{
    char ids[24];
    const char *params[1] = {ids};
    PGresult *res;
    int n;

    snprintf(ids, sizeof ids, "%lld", id);
    res = db_exec(db,
                  "UPDATE public.interactions SET done_at = now() WHERE id = $1::bigint"
                  " AND done_at IS NULL RETURNING id",
                  1, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    PQclear(res);
    return n > 0;
}

void
due_items_free(struct due_item *items, int n)
{
    int i;

    for (i = 0; items != NULL && i < n; i++) {
        free(items[i].what);
        free(items[i].record);
    }
    free(items);
}

/* the columns every due item is read from: reminder id, interaction, due (epoch ms), what,
 * local time, record */
#define DUE_COLS(rid, due)                                                                         \
    rid ", i.id, floor(extract(epoch FROM " due ") * 1000)::bigint,"                               \
        " left(i.kind || ': ' || coalesce(nullif(i.subject, ''), '(no subject)'), 200),"           \
        " to_char(" due " AT TIME ZONE public.ccrm_user_tz(current_user), 'HH24:MI'),"             \
        " coalesce(public.ccrm_task_record(i.ticket_id, i.opportunity_id, i.lead_id,"              \
        " i.contact_id, i.account_id), '')"

static void
due_fill(PGresult *res, int i, struct due_item *it)
{
    it->reminder_id = atoll(db_val(res, i, 0));
    it->id = atoll(db_val(res, i, 1));
    it->due_ms = atoll(db_val(res, i, 2));
    it->what = xstrdup(db_val(res, i, 3));
    str_copy(it->time, db_val(res, i, 4), sizeof it->time);
    it->record = xstrdup(db_val(res, i, 5));
}

static int
due_many(struct db *db, const char *sql, int nparams, const char **params, struct due_item **items,
         struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    int i, n;

    *items = NULL;
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    *items = xcalloc((size_t)n + 1, sizeof **items);
    for (i = 0; i < n; i++)
        due_fill(res, i, &(*items)[i]);
    PQclear(res);
    return n;
}

int
db_tasks_due_after(struct db *db, long long after_ms, int max, struct due_item **items,
                   struct ccrm_err *err)
{
    char after[24], lim[16];
    const char *params[2] = {after, lim};

    snprintf(after, sizeof after, "%lld", after_ms);
    snprintf(lim, sizeof lim, "%d", max);
    /* on interactions_person_due_idx: one's own, by due time */
    return due_many(
        db,
        "SELECT " DUE_COLS(
            "0",
            "i.due_at") " FROM public.interactions i"
                        " WHERE coalesce(i.owner, i.created_by) = current_user"
                        " AND i.due_at > to_timestamp($1::bigint / 1000.0)"
                        " AND i.kind IN ('task', 'meeting') AND i.done_at IS NULL"
                        " ORDER BY coalesce(i.owner, i.created_by), i.due_at, i.id LIMIT $2::int",
        2, params, items, err);
}

int
db_reminder_get(struct db *db, long long id, struct due_item *item, struct ccrm_err *err)
{
    char ids[24];
    const char *params[1] = {ids};
    PGresult *res;
    int n;

    snprintf(ids, sizeof ids, "%lld", id);
    res = db_exec(db,
                  "SELECT " DUE_COLS(
                      "r.id", "r.due_at") " FROM public.reminders r"
                                          " JOIN public.interactions i ON i.id = r.interaction_id"
                                          " WHERE r.id = $1::bigint AND r.login = current_user",
                  1, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n > 0)
        due_fill(res, 0, item);
    PQclear(res);
    return n > 0;
}

int
db_reminders_unseen(struct db *db, int max, struct due_item **items, struct ccrm_err *err)
{
    char lim[16];
    const char *params[1] = {lim};

    snprintf(lim, sizeof lim, "%d", max);
    return due_many(db,
                    "SELECT " DUE_COLS(
                        "r.id", "r.due_at") " FROM public.reminders r"
                                            " JOIN public.interactions i ON i.id = r.interaction_id"
                                            " WHERE r.login = current_user AND r.seen_at IS NULL"
                                            " ORDER BY r.login, r.id DESC LIMIT $1::int",
                    1, params, items, err);
}

int
db_reminder_seen(struct db *db, long long id, struct ccrm_err *err)
{
    char ids[24];
    const char *params[1] = {ids};
    PGresult *res;

    snprintf(ids, sizeof ids, "%lld", id);
    res = db_exec(db,
                  "UPDATE public.reminders SET seen_at = now() WHERE id = $1::bigint"
                  " AND login = current_user AND seen_at IS NULL",
                  1, params, err);
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int
db_sla_compliance(struct db *db, struct sla_line *lines, int max, struct ccrm_err *err)
{
    /* The view sla_compliance (schema/073): a clock is late by its times, not by the
     * scheduler's mark (breached_at, set at its next run), so the Dashboard agrees with the
     * Tickets list ("! -1d" the moment a clock is past due) whether or not --tick ran, and
     * with psql's reading of the view. */
    PGresult *res = db_exec(db,
                            "SELECT kind, clocks, met_in_time, met - met_in_time, open_breached,"
                            " coalesce(percent_in_time::text, '')"
                            " FROM public.sla_compliance ORDER BY CASE kind"
                            " WHEN 'first_response' THEN 1 WHEN 'next_response' THEN 2 ELSE 3 END",
                            0, NULL, err);
    int i, n;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n && i < max; i++) {
        str_copy(lines[i].kind, db_val(res, i, 0), sizeof lines[i].kind);
        lines[i].clocks = atoll(db_val(res, i, 1));
        lines[i].met_in_time = atoll(db_val(res, i, 2));
        lines[i].met_late = atoll(db_val(res, i, 3));
        lines[i].overdue = atoll(db_val(res, i, 4));
        str_copy(lines[i].percent, db_val(res, i, 5), sizeof lines[i].percent);
    }
    PQclear(res);
    return i;
}

int
db_agenda_today(struct db *db, char day[11], struct ccrm_err *err)
{
    PGresult *res = db_exec(db,
                            "SELECT to_char(now() AT TIME ZONE public.ccrm_user_tz(current_user),"
                            " 'YYYY-MM-DD')",
                            0, NULL, err);

    if (res == NULL)
        return -1;
    str_copy(day, db_val(res, 0, 0), 11);
    PQclear(res);
    return 0;
}
