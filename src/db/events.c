/* Reading the event stream with a snapshot cursor (see include/ccrm/events.h).
 *
 * Why a snapshot: sequence ids are handed out at INSERT, not at COMMIT, so "id > last" skips an
 * event whose transaction took a lower id and committed later. Each event row carries the xid8
 * of its transaction. A snapshot S tells exactly which transactions' effects were visible when
 * it was taken; every transaction with xid < xmin(S) had ended by then. So the events that
 * became visible after S are those with xid >= xmin(S) that S does not see, and the statement
 * that reads them also returns its own snapshot as the next cursor: one statement, one
 * snapshot, nothing lost or repeated between reads. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/events.h"
#include "ccrm/util.h"
#include "db_int.h"

/* Column list shared by every read; the first row (k = 0) carries only the snapshot. The
 * full-screen client does not show the JSON form: it is not built for it. */
#define EVENT_COLS_BASE                                                                            \
    "e.id, to_char(e.at, 'YYYY-MM-DD HH24:MI:SS'), e.actor, coalesce(e.department, ''),"           \
    " e.entity, coalesce(e.entity_id, 0), e.op, coalesce(e.account_id, 0), e.summary,"             \
    " coalesce(array_to_string(e.changed, ', '), ''), e.row_count,"
#define EVENT_COLS                                                                                 \
    EVENT_COLS_BASE                                                                                \
    " json_build_object('id', e.id, 'at', e.at, 'actor', e.actor, 'department',"                   \
    " e.department, 'entity', e.entity, 'entity_id', e.entity_id, 'op', e.op, 'account_id',"       \
    " e.account_id, 'summary', e.summary, 'changed', e.changed, 'row_count', e.row_count)::text"
#define EVENT_COLS_UI EVENT_COLS_BASE " NULL::text"
#define EVENT_NULLS                                                                                \
    "NULL::bigint, NULL, NULL, NULL, NULL, NULL::bigint, NULL, NULL::bigint, NULL, NULL,"          \
    " NULL::int, NULL"
/* The events past the snapshot in parameter $1 (or $2). The bounds are sub-selects and the
 * upper one (every transaction visible now is below the current snapshot's xmax) excludes no
 * visible row: both are unknown to the planner, with or without the parameter's value, so
 * the range's estimate is the same small fraction of the table for every plan. PostgreSQL then
 * keeps one generic plan (an index range scan on events_xid_idx) for the prepared statement,
 * instead of planning it on every wake-up, however large the table grows: with 1,000,000
 * events the bare bound was planned on every execution (0.2 ms, measured). */
#define EVENTS_SINCE(P)                                                                            \
    "e.xid >= (SELECT pg_snapshot_xmin(" P "::pg_snapshot))"                                       \
    " AND e.xid < (SELECT pg_snapshot_xmax(pg_current_snapshot()))"                                \
    " AND NOT pg_visible_in_snapshot(e.xid, " P "::pg_snapshot)"
/* The same as a CTE "ev", with the snapshot in $2 */
#define EVENTS_CTE "WITH ev AS (SELECT * FROM events e WHERE " EVENTS_SINCE("$2") ")"
/* The snapshot row's column with the in-window count (db_events_since_ui with a window) */
#define WINDOW_COL 14

void
event_cursor_fini(struct event_cursor *c)
{
    free(c->snapshot);
    c->snapshot = NULL;
}

int
db_events_start(struct db *db, struct event_cursor *c, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, "SELECT pg_current_snapshot()::text", 0, NULL, err);

    if (res == NULL)
        return -1;
    free(c->snapshot);
    c->snapshot = xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

static void
fill_event(const PGresult *res, struct event *ev)
{
    ev->id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    ev->at = db_val(res, 0, 2);
    ev->actor = db_val(res, 0, 3);
    ev->department = db_val(res, 0, 4);
    ev->entity = db_val(res, 0, 5);
    ev->entity_id = strtoll(db_val(res, 0, 6), NULL, 10);
    ev->op = db_val(res, 0, 7);
    ev->account_id = strtoll(db_val(res, 0, 8), NULL, 10);
    ev->summary = db_val(res, 0, 9);
    ev->changed = db_val(res, 0, 10);
    ev->row_count = atoi(db_val(res, 0, 11));
    ev->json = db_val(res, 0, 12);
}

/* Send sql in single-row mode and hand each event row to cb; the snapshot row comes first.
 * On success the cursor takes the new snapshot. Returns the number of events, or -1. */
static int
stream(struct db *db, const char *sql, int prepare, int nparams, const char *const *params,
       struct event_cursor *c, int *in_window, event_cb cb, void *ctx, struct ccrm_err *err)
{
    PGresult *res;
    char *snap = NULL, name[32];
    int n = 0, failed = 0, stopped = 0, sent;

    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    /* the catch-up read runs on every wake-up of every client: prepared once per connection,
     * it is not parsed and planned each time */
    if (prepare && db_prepare(db, sql, nparams, name) != NULL)
        sent = PQsendQueryPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    else
        sent = PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (!sent || !PQsetSingleRowMode(db->conn)) {
        err_set(err, "could not read events: %s", PQerrorMessage(db->conn));
        failed = 1;
    }
    /* always drain every result, so the connection is ready for the next query */
    while ((res = PQgetResult(db->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (st == PGRES_SINGLE_TUPLE && !failed && !stopped) {
            if (PQgetisnull(res, 0, 1)) {
                free(snap);
                snap = xstrdup(PQgetvalue(res, 0, 0));
                if (in_window != NULL && PQnfields(res) > WINDOW_COL)
                    *in_window = atoll(db_val(res, 0, WINDOW_COL)) > 0;
            } else {
                struct event ev;

                fill_event(res, &ev);
                if (cb(&ev, ctx) == -1)
                    stopped = 1;
                else
                    n++;
            }
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !failed) {
            err_set_pg(err, res, db->conn, "could not read events");
            failed = 1;
        }
        PQclear(res);
    }
    db_drain_notifies(db);
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        db->state = DB_OFFLINE;
        db->lost = 1;
        if (!failed)
            err_set(err, "lost the connection to the database");
        failed = 1;
    }
    if (failed || stopped || snap == NULL) {
        if (!failed && !stopped)
            err_set(err, "could not read events: no snapshot returned");
        free(snap);
        return failed || snap == NULL ? -1 : n;
    }
    free(c->snapshot);
    c->snapshot = snap;
    return n;
}

int
db_events_recent(struct db *db, int recent, struct event_cursor *c, event_cb cb, void *ctx,
                 struct ccrm_err *err)
{
    char nbuf[16];
    const char *params[1] = {nbuf};

    snprintf(nbuf, sizeof nbuf, "%d", recent);
    return stream(db,
                  "SELECT pg_current_snapshot()::text, " EVENT_NULLS ", 0 AS k"
                  " UNION ALL"
                  " SELECT NULL, " EVENT_COLS ", 1"
                  "   FROM (SELECT * FROM events ORDER BY id DESC LIMIT $1) e"
                  " ORDER BY k, 2",
                  0, 1, params, c, NULL, cb, ctx, err);
}

int
db_events_since(struct db *db, struct event_cursor *c, event_cb cb, void *ctx, struct ccrm_err *err)
{
    const char *params[1] = {c->snapshot};

    if (c->snapshot == NULL) {
        err_set(err, "the event cursor was not started");
        return -1;
    }
    return stream(db,
                  "SELECT pg_current_snapshot()::text, " EVENT_NULLS ", 0 AS k"
                  " UNION ALL"
                  " SELECT NULL, " EVENT_COLS ", 1"
                  "   FROM events e WHERE " EVENTS_SINCE("$1") " ORDER BY k, 2",
                  1, 1, params, c, NULL, cb, ctx, err);
}

int
db_events_since_ui(struct db *db, struct event_cursor *c, struct event_window *w, event_cb cb,
                   void *ctx, struct ccrm_err *err)
{
    const char *params[8 + 2 * LIST_MAX_FILTERS];
    char keys[2][24], *pattern, *win, *sql;
    int np = 0, n;

    if (c->snapshot == NULL) {
        err_set(err, "the event cursor was not started");
        return -1;
    }
    if (w == NULL) {
        params[np++] = c->snapshot;
        return stream(db,
                      "SELECT pg_current_snapshot()::text, " EVENT_NULLS ", 0 AS k"
                      " UNION ALL"
                      " SELECT NULL, " EVENT_COLS_UI ", 1"
                      "   FROM events e WHERE " EVENTS_SINCE("$1") " ORDER BY k, 2",
                      1, np, params, c, NULL, cb, ctx, err);
    }
    /* the window check reads the same events (the CTE), in the same snapshot: its answer is
     * about exactly the events delivered */
    pattern = list_window_pattern(w->q);
    params[np++] = pattern; /* $1: the list's search */
    params[np++] = c->snapshot;
    params[np++] = w->entity;
    win = list_window_sql(w->q,
                          "a.id IN (SELECT ev.entity_id FROM ev"
                          " WHERE ev.entity = $3 AND ev.op IN ('insert', 'update'))",
                          w->first, w->last, params, &np, keys);
    sql = xasprintf(EVENTS_CTE " SELECT pg_current_snapshot()::text, " EVENT_NULLS ", 0 AS k, (%s)"
                               " UNION ALL"
                               " SELECT NULL, " EVENT_COLS_UI ", 1, NULL FROM ev e ORDER BY k, 2",
                    win);
    w->in_window = 1; /* unknown until read: re-read */
    n = stream(db, sql, 1, np, params, c, &w->in_window, cb, ctx, err);
    free(sql);
    free(win);
    free(pattern);
    return n;
}
