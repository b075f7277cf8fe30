/* The database module: the one libpq connection, migrations, and the queries behind each view.
 * A PGresult never leaves src/db/: rows come back as model structs (include/ccrm/model.h). */
#ifndef CCRM_DB_H
#define CCRM_DB_H

#include <stdint.h>
#include <stdio.h>

#include "ccrm/err.h"
#include "ccrm/model.h"

struct db;

enum db_state { DB_OFFLINE, DB_CONNECTING, DB_READY };

struct db_options {
    int statement_timeout_ms;
    int connect_timeout_s;
    const char *application_name;
    int live; /* needs LISTEN: a standby server is refused (see db_standby) */
};

/* Is conninfo (-d, [database] conninfo, as db_open takes it) well formed? A connection string
 * ("host=x dbname=y") or URI (postgresql://...) is parsed as libpq will parse it, and its values
 * checked as libpq checks them when it connects (port=abc, sslmode=bogus), without connecting;
 * anything else is a database's name. Returns 0, or -1 with libpq's reason in err
 * ("unterminated quoted string in connection info string", "invalid connection option \"foo\"",
 * "invalid integer value \"abc\" for connection option \"port\""). */
int db_conninfo_check(const char *conninfo, struct ccrm_err *err);
/* Connect synchronously (start-up and batch mode). Returns a db or NULL with err set. */
struct db *db_open(const char *conninfo, const struct db_options *opt, struct ccrm_err *err);
void db_close(struct db **dbp);
/* Another connection like db's (the same connection string and options), e.g. for a child
 * process that must not share db's socket. NULL with err set. */
struct db *db_open_again(const struct db *db, const char *application_name, struct ccrm_err *err);

enum db_state db_state(const struct db *db);
/* The socket to poll and the events to poll for (-1 when offline). */
int db_socket(const struct db *db);
short db_poll_events(const struct db *db);
/* Called when poll() reports the socket ready. Consumes input, counts notifications on channel
 * "ccrm" into *wakeups. Returns 0, or -1 if the connection was lost (state becomes OFFLINE). */
int db_pump(struct db *db, int *wakeups);
/* A number that changes with every successful (re)connect: session state kept in the
 * database (presence) must be written again when it changes. */
int db_generation(const struct db *db);
/* Connected to a standby server: read-only, no LISTEN (db_options.live refuses one). */
int db_standby(const struct db *db);
/* Wake-ups that arrived during ordinary queries (libpq queues them there); resets the count. */
int db_take_wakeups(struct db *db);
/* Start a non-blocking reconnect (state CONNECTING); progress with db_pump. The hosts of the
 * connection string are tried in turn, each for at most connect_timeout seconds (libpq's
 * non-blocking connect has no timeout of its own). Returns 0/-1. */
int db_reconnect_start(struct db *db, struct ccrm_err *err);
/* While connecting: milliseconds until the attempt on the current host times out (0: it has;
 * call db_pump), or -1 when not connecting. Loops put it into their poll() timeout. */
int db_connect_wait_ms(const struct db *db);
/* Why the last reconnect attempt on a host failed ("" if none), for a message. */
const char *db_connect_error(const struct db *db);
/* Set when a query failed because the connection broke; the caller schedules a reconnect. */
int db_lost(const struct db *db);
/* A write that must not be done twice (a mail answer queued, a payment, a comment, a chat
 * message) that failed because the connection dropped as it committed may be in or not:
 * db_write_unanswered, called right after it failed, puts its transaction's id into xid (n
 * bytes; "" when no write is in question: it failed before its COMMIT, or was refused) and
 * forgets it. Keep it with what was typed and ask db_write_landed(xid) once online again,
 * before writing it a second time: 1 it was written, 0 it was not (or xid is ""), -1 when that
 * cannot be told now (err says why; ask again later). */
void db_write_unanswered(struct db *db, char *xid, size_t n);
int db_write_landed(struct db *db, const char *xid, struct ccrm_err *err);

/* Who we are and where. Borrowed strings, valid until db_close. */
const char *db_login(const struct db *db);
const char *db_display_name(const struct db *db);
const char *db_department(const struct db *db);
/* 1 when the user is a partner's (department "partner"): what the company shares with the
 * partner's organisation only, no campaigns, no internal notes. The one test of it. */
int db_is_partner(const struct db *db);
const char *db_where(const struct db *db);
/* The database as "dbname host port" (host: a socket directory or a name), whatever the
 * connection string said: a draft's record is offered again on that database only. */
const char *db_identity(const struct db *db);
/* The full-screen client's sessions show times in the person's own zone (SQL_LOCAL reads the
 * setting ccrm.tz this sets from their settings); a failure leaves the session's zone. */
void db_set_display_tz(struct db *db); /* "ccrm on /path/run" or "crm@db.example:5432" */

/* Schema version of the database (0 = none), and the newest this binary knows. */
int db_schema_version(struct db *db, struct ccrm_err *err);
int db_schema_known(void);
/* Apply pending migrations in one transaction, between two passes of schema/functions/ (also
 * when none is pending if refresh is set: ccrm --migrate), under an advisory lock waited for at
 * most wait_s seconds (the error names who holds it). Progress lines go to progress when
 * non-NULL. Returns the number applied, or -1. Refuses a newer schema. */
int db_migrate(struct db *db, int wait_s, int refresh, FILE *progress, struct ccrm_err *err);
/* Check the schema at start-up: 0 if current; -1 with a message if missing, older or newer. */
int db_schema_check(struct db *db, struct ccrm_err *err);

/* Load demo data (src/db/demo.sql) with n accounts; summary gets one line. Returns 0, 1 when
 * the database already has accounts (nothing loaded), or -1. */
int db_demo_load(struct db *db, int n_accounts, char *summary, size_t n, struct ccrm_err *err);

/* Load login, display name and department of current_user (from users). Returns 0/-1. */
int db_whoami(struct db *db, struct ccrm_err *err);

/* Log a ticket or an interaction ("ticket"/"interaction") for the contact with this e-mail
 * (src/db/log.c). body, channel and kind may be NULL. Returns 0 with a one-line description
 * in msg, 1 when the input is refused (no such contact, a value the database rejects: err says
 * which), -1 on other errors. */
int db_log_record(struct db *db, const char *what, const char *email, const char *subject,
                  const char *body, const char *channel, const char *kind, char *msg, size_t n,
                  struct ccrm_err *err);

/* File the search blocks' queue (schema/018) in chunks of 20,000 rows, each in its own
 * transaction, until it is empty; progress (may be NULL) is told the running total after each
 * chunk and stops the filing by returning non-zero. Returns the rows filed, or -1. */
int64_t db_blocks_file(struct db *db, int (*progress)(void *arg, int64_t filed), void *arg,
                       struct ccrm_err *err);

/* Presence and chat (src/db/presence.c). db_presence_set says this session shows the record
 * (and drops rows this login left in dead sessions); touch keeps it fresh (call every 30 s);
 * clear says it shows nothing. Each returns 0/-1. */
int db_presence_set(struct db *db, const char *entity, int64_t id, struct ccrm_err *err);
int db_presence_touch(struct db *db, struct ccrm_err *err);
/* Who else shows the record now ("Ana Admin (admin), ..."; "" for nobody): a malloc'd string in
 * *here. Returns 0 or -1. */
int db_presence_here(struct db *db, const char *entity, int64_t id, char **here,
                     struct ccrm_err *err);
int db_presence_clear(struct db *db, struct ccrm_err *err);
/* Post a chat message on a record: visibility "internal", "shared" or NULL (the writer's
 * default, as for comments). Returns 0/-1 (when the connection dropped as it committed,
 * db_write_unanswered says what to ask before it is sent again). */
int db_chat_send(struct db *db, const char *entity, int64_t id, const char *body,
                 const char *visibility, struct ccrm_err *err);

/* ---- list queries (keyset pagination; see src/db/list.c) ---- */

struct entity;

#define LIST_MAX_FILTERS 8

/* What a list shows: an entity of the registry with a list (include/ccrm/entity.h), one of its
 * sort orders, a search and its filters. */
struct list_query {
    const struct entity *e;
    int sort;           /* index into e->list->sorts */
    const char *search; /* NULL or "" = no search; matched case-insensitively, anywhere */
    /* filter[i]: the value e->list->filters[i] must equal, or NULL; fop[i] how it is
     * compared (LF_IN, LF_NOT_IN: filter[i] is a text array literal, '{"open","pending"}';
     * LF_NONE, LF_SOME: the value is not used, only set) */
    const char *filter[LIST_MAX_FILTERS];
    unsigned char fop[LIST_MAX_FILTERS];
};
enum list_filter_op { LF_EQ, LF_NE, LF_IN, LF_NOT_IN, LF_NONE, LF_SOME };
/* the most values one filter takes (status=a,b,...) */
#define LIST_FILTER_VALUES_MAX 8

/* One value for filter `filter` of e's list as the filter compares it (entity_filter_value):
 * in the stored spelling (status=Open is open, department=SALES sales), one outside a fixed
 * set refused. 0 with it in out (cap bytes), or -1 with err saying which value and why (the
 * valid ones named). The one reading of a filter's values: every list query passes its
 * filters through it (each value of LF_IN and LF_NOT_IN), and the `filter` prompt too, to
 * refuse a value at Enter and show what the list compares. */
int list_filter_value(const struct entity *e, int filter, const char *in, char *out, size_t cap,
                      struct ccrm_err *err);

/* Fetch up to limit rows after (dir > 0) or before (dir < 0) the row `from` in the query's
 * order; from == NULL starts at the top (dir > 0) or the bottom (dir < 0). Rows are written in
 * display order into out (caller provides limit slots). Returns the number of rows, or -1. */
int db_list_fetch(struct db *db, const struct list_query *q, const struct row *from, int dir,
                  int limit, struct row *out, struct ccrm_err *err);
/* Fetch one row by id with the query's columns (for repainting a changed row). 1 found, 0 not
 * found or filtered out, -1 error. */
int db_list_fetch_one(struct db *db, const struct list_query *q, int64_t id, struct row *out,
                      struct ccrm_err *err);

/* Would any of these rows (ids) show between first and last in the query's order? first or
 * last NULL leaves that end open. How many would (0: none), -1 error. One query: a list view asks
 * this before re-reading itself after a change it does not hold. */
int db_list_in_window(struct db *db, const struct list_query *q, const int64_t *ids, int n,
                      const struct row *first, const struct row *last, struct ccrm_err *err);

/* Write every row of the query (its displayed columns, with a header) to f as CSV, in the
 * query's order, page by page. Returns the number of rows, or -1 with err set. */
long long db_list_export(struct db *db, const struct list_query *q, FILE *f, struct ccrm_err *err);

/* The audit trail of an account: who changed what and when, old and new values, newest first
 * (lines only). NULL with err set (a role that may not read the audit gets 42501). */
struct detail *db_account_history(struct db *db, int64_t id, struct ccrm_err *err);

/* Account detail with contacts, deals, tickets and the latest interactions. NULL on error. */
struct detail *db_account_detail(struct db *db, int64_t id, struct ccrm_err *err);

#endif
