/* The event stream (docs/design.md §4): rows of the events table read through a cursor that is a
 * PostgreSQL snapshot. "Everything visible in snapshot S has been seen": the next read returns
 * exactly the events whose transactions committed after S, however their ids interleave,
 * across reconnects and server restarts, each once. No libpq in this header. */
#ifndef CCRM_EVENTS_H
#define CCRM_EVENTS_H

#include <stdint.h>

#include "ccrm/db.h"
#include "ccrm/err.h"

struct event {
    int64_t id;
    const char *at;         /* "2026-11-22 17:39:02" in the session time zone */
    const char *actor;      /* login */
    const char *department; /* "" when the actor has none */
    const char *entity;     /* table name: "tickets" */
    int64_t entity_id;      /* 0 for bulk events */
    const char *op;         /* insert, update, delete, bulk */
    int64_t account_id;     /* 0 when none */
    const char *summary;    /* names the record: "Cannot export invoices to PDF" */
    const char *changed;    /* "status, priority" for updates, else "" */
    int row_count;
    const char *json; /* the whole event as one JSON object ("" from db_events_since_ui) */
};

/* The cursor: a pg_snapshot in its text form, owned (malloc'd). */
struct event_cursor {
    char *snapshot;
};

void event_cursor_fini(struct event_cursor *c);

/* Called once per event, in order; the event is borrowed for the call. Return 0 to go on,
 * -1 to stop reading (the cursor is then not advanced). */
typedef int (*event_cb)(const struct event *ev, void *ctx);

/* Start a cursor at "now": nothing before this moment will be delivered. Returns 0/-1. */
int db_events_start(struct db *db, struct event_cursor *c, struct ccrm_err *err);

/* Deliver the newest `recent` events visible now (oldest first) and start the cursor after
 * them. Returns the number delivered, or -1. */
int db_events_recent(struct db *db, int recent, struct event_cursor *c, event_cb cb, void *ctx,
                     struct ccrm_err *err);

/* Deliver every event that became visible since the cursor, in commit order between reads
 * and id order within one read, and advance the cursor. Rows are streamed (single-row mode),
 * so a long catch-up costs no memory. Returns the number delivered, or -1 (cursor kept). */
int db_events_since(struct db *db, struct event_cursor *c, event_cb cb, void *ctx,
                    struct ccrm_err *err);

/* A full-screen client on a list asks, with the same read: would any row of the list's table
 * that the events inserted or changed show in its window? (db_list_in_window, answered in the
 * same statement: one round trip a wake-up instead of two.) */
struct event_window {
    const struct list_query *q;
    const char *entity;             /* the events' name for the list's rows: "accounts" */
    const struct row *first, *last; /* the window's ends, as in db_list_in_window */
    int in_window;                  /* out: 1 yes, 0 no */
};

/* db_events_since for the full-screen client: the same events and cursor, but ev->json is ""
 * (not built), and when w is not NULL, w->in_window is filled. Returns as db_events_since. */
int db_events_since_ui(struct db *db, struct event_cursor *c, struct event_window *w, event_cb cb,
                       void *ctx, struct ccrm_err *err);

#endif
