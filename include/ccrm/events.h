/* The event stream: rows of the events table read through a cursor built on PostgreSQL
 * snapshots (docs/architecture.md, "The event cursor"). Every event is delivered once: the
 * cursor moves with each event handed to the caller, reads are bounded batches (a slow reader
 * holds no statement open), the position survives reconnects, restarts and, as text, the
 * process itself (--since, --state), and a change of the server's history (a failover to a
 * standby, a restore) or a restart or crash of the server (after a crash it can give
 * transaction ids again) is detected and crossed by the rules documented there. No libpq here. */
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
    uint64_t xid;     /* the writing transaction (xid8) */
    int64_t at_us;    /* at, in microseconds since 1970: with id and xid, the event's fingerprint */
};

/* A delivered event known by id, transaction and time: enough to tell, on another server,
 * whether it is the same event. id 0: none. */
struct event_fp {
    int64_t id;
    uint64_t xid;
    int64_t at_us;
};

#define EVENT_WINDOW 1024 /* transactions remembered for crossing a history change */

/* The cursor. Zero-initialise; free with event_cursor_fini. Fields are private to events.c
 * (they are here so that callers can embed the struct). */
struct event_cursor {
    /* the position: what has been delivered (see events.c for the exact sets) */
    char *base;   /* every event visible in this snapshot was delivered */
    char *base2;  /* across a history change: ... and those of this one up to kb */
    uint64_t kbx; /* kb = (kbx, kbi): (xid, id) */
    int64_t kbi;
    int capped; /* across a history change: the base counts only events up to id cap */
    int64_t cap;
    char *step;   /* the read in progress: events of this snapshot not in the base ... */
    uint64_t kcx; /* ... delivered up to (kcx, kci) in (xid, id) order */
    int64_t kci;
    /* the server history the position belongs to */
    char sysid[24]; /* "" until known */
    int64_t dboid;  /* the database's OID in that cluster; 0 unknown */
    int tli;
    int64_t incarnation; /* the server's start or crash recovery (us since 1970); 0 unknown */
    uint64_t hist_xmax;  /* the highest xmax of a snapshot taken on this history */
    int checked_gen;     /* db_generation() whose server was checked against the above */
    /* what was delivered, to recognise it on another server after a failover */
    struct event_fp newest;  /* the highest id delivered (or seen at the start) */
    struct event_fp anchor;  /* every delivered event with a higher id is in win */
    struct event_fp deep[2]; /* the newest as it was about 1-2 minutes and 1-2 hours ago */
    struct event_fp cand[2];
    int64_t cand_t[2];
    struct event_fp win[EVENT_WINDOW]; /* the last transactions delivered: their newest event */
    int nwin, win_next;
    int strict; /* set by the caller: a position from another cluster is an error, not a restart */
    char *notice; /* a message for the user (history change), taken by event_cursor_notice */
};

void event_cursor_fini(struct event_cursor *c);

/* Called once per event, in order; the event is borrowed for the call. When it runs, the cursor
 * already counts the event as delivered (event_cursor_text gives the position after it).
 * Return 0 to go on, -1 to stop: the event is then not counted and the read ends. */
typedef int (*event_cb)(const struct event *ev, void *ctx);

/* Start a cursor at "now": nothing before this moment will be delivered. Returns 0/-1. */
int db_events_start(struct db *db, struct event_cursor *c, struct ccrm_err *err);

/* Deliver the newest `recent` events visible now (oldest first, by id) and start the cursor
 * after them (the same as db_events_start when recent is 0). Returns the number delivered, or
 * -1 (then the cursor may still be started: event_cursor_started). */
int db_events_recent(struct db *db, int recent, struct event_cursor *c, event_cb cb, void *ctx,
                     struct ccrm_err *err);
int event_cursor_started(const struct event_cursor *c);

/* Deliver up to one batch (500 events) of what became visible since the cursor, advancing it
 * with every event. Order: see docs/architecture.md ("Order"): commit order between reads;
 * within a read, transaction by transaction in the order the transactions began writing, each
 * transaction's events in the order written. Returns the number delivered, or -1 (the cursor
 * keeps every event delivered before the failure). event_cursor_pending tells whether the
 * read in progress has more: call again at once. */
int db_events_since(struct db *db, struct event_cursor *c, event_cb cb, void *ctx,
                    struct ccrm_err *err);
int event_cursor_pending(const struct event_cursor *c);

/* A full-screen client on a list asks, with the same read: would any row of the list's table
 * that the events inserted or changed show in its window? (db_list_in_window, answered in the
 * same statement: one round trip a wake-up instead of two.) */
struct event_window {
    const struct list_query *q;
    const char *entity;             /* the events' name for the list's rows: "accounts" */
    const struct row *first, *last; /* the window's ends, as in db_list_in_window */
    int in_window;                  /* out: 1 yes, 0 no */
};

/* Everything since the cursor for the full-screen client: the same events and cursor, but
 * ev->json is "" (not built), all of it in one call, and when w is not NULL, w->in_window is
 * filled (1 when it could not be asked). Returns as db_events_since. A history change on a
 * reconnect restarts the cursor at the server's "now" when the server is another cluster. */
int db_events_since_ui(struct db *db, struct event_cursor *c, struct event_window *w, event_cb cb,
                       void *ctx, struct ccrm_err *err);

/* What is shared with a partner, as one short text (how many accounts, and a hash of their
 * ids) in fp: a share or unshare writes no event the partner may read (the events policy
 * shows an account's events only while it is shared with him), so his client compares this
 * at its wake-ups. Returns 0, or -1 with err set. */
int db_shares_seen(struct db *db, char *fp, size_t n, struct ccrm_err *err);

/* The position as one line of text (letters, digits and . : , - only), malloc'd: what --since
 * takes and JSON lines carry. It names the last event delivered, not the window. */
char *event_cursor_text(const struct event_cursor *c);
/* Set c from text (as from event_cursor_text). Returns 0, or -1 with err set. */
int event_cursor_parse(struct event_cursor *c, const char *text, struct ccrm_err *err);

/* The state file of --state: the position and the window of delivered transactions, so that a
 * history change found after a restart is crossed exactly too. Written to a temporary file,
 * fsync'd and renamed over path (atomic). Returns 0/-1 (errno set). */
int event_cursor_save(const struct event_cursor *c, const char *path);
/* Load a state file. Returns 1 loaded, 0 when path does not exist or is an empty file (from
 * mktemp or touch: no position yet), -1 with err set. */
int event_cursor_load(struct event_cursor *c, const char *path, struct ccrm_err *err);

/* A message about the stream for the user ("the server's history changed ..."), or NULL; the
 * caller frees it. */
char *event_cursor_notice(struct event_cursor *c);

#endif
