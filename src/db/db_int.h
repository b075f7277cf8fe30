/* Private to src/db/: the connection struct and query helpers. libpq stays in this folder. */
#ifndef CCRM_DB_INT_H
#define CCRM_DB_INT_H

#include <libpq-fe.h>

#include "ccrm/db.h"
#include "ccrm/strbuf.h"

#define DB_MAX_PARAMS 12
#define CCRM_XSTR(x) #x
#define CCRM_STR(x) CCRM_XSTR(x)

struct db {
    PGconn *conn;
    enum db_state state;
    int lost;
    int want_write; /* while connecting: PQconnectPoll wants POLLOUT */
    int generation; /* counts successful (re)connects */
    int live;       /* db_options.live: a standby is refused */
    int standby;    /* connected to a standby (read-only, no LISTEN) */
    /* the statements prepared on this connection (db_prepare): the text of statement i, named
     * ccrm_<i>, and its hash (compared first, the text decides). Full: statements run
     * unprepared. (Lists prepare their unsearched, unfiltered pages: four a list and order.) */
    char *prepared[128];
    unsigned prepared_hash[128];
    int nprepared;
    int wakeups; /* notifications drained during ordinary queries, handed out by db_pump */
    /* the transaction id of the last write whose COMMIT went unanswered (db_write_commit),
     * "" when none: its caller takes it to ask db_write_landed before writing it again */
    char unanswered[24];
    /* connection parameters kept for reconnects */
    const char *keys[DB_MAX_PARAMS];
    const char *vals[DB_MAX_PARAMS];
    char *conninfo;
    char timeout_buf[16];
    int statement_timeout_ms;
    /* reconnects go host by host with a deadline each: libpq's non-blocking connect ignores
     * connect_timeout, and a server that accepts but never answers would hold it forever */
    PQconninfoOption *opts; /* the options of the first connection (hosts, ports, ...) */
    int nhosts;
    int host; /* the host being tried */
    int connect_timeout_s;
    int64_t deadline_ms; /* when the attempt on this host is given up */
    char connect_error[256];
    char *login;
    char *display_name;
    char *department;
    char *where;
    char *identity; /* db_identity */
    /* what db_pump does once a non-blocking connect is made: NULL, the client's session
     * (session_setup: timeouts, LISTEN); a reader's own (src/db/marketing.c) */
    int (*setup)(struct db *db, struct ccrm_err *err);
};

/* Run a parameterised statement. Returns the result when its status is TUPLES_OK or
 * COMMAND_OK, else NULL with err filled (SQLSTATE kept) and, if the connection broke,
 * db->lost set. Free the result with PQclear. Notifications are drained into db->wakeups. */
PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
                  struct ccrm_err *err);

/* Run statements without parameters (PQexec: one or several, a script). Returns 0, or -1
 * with err filled as db_result does ("WHAT: server message"). */
int db_run(struct db *db, const char *sql, const char *what, struct ccrm_err *err);

/* ROLLBACK the open transaction, if the connection is still there to take it (errors are
 * ignored: a failed transaction is being left). */
void db_rollback(struct db *db);

/* A write that must not be done twice, in a transaction of its own: db_write_begin (BEGIN),
 * its statements, the last of which returns pg_current_xact_id() (its answer comes before the
 * COMMIT, whose answer may be lost), then db_write_commit with that id. In autocommit the id
 * would come with the answer that may be lost: nothing to ask about afterwards. A COMMIT whose
 * answer the dropped connection took may be in or not: its id is kept for db_write_unanswered
 * (until the next db_write_begin or reconnect). Both return 0 or -1 with err; a failed
 * statement in between is left with db_rollback. */
int db_write_begin(struct db *db, const char *what, struct ccrm_err *err);
int db_write_commit(struct db *db, const char *what, const char *xid, struct ccrm_err *err);

/* Parse what libpq holds and count the ccrm notifications into db->wakeups. Called after
 * every query, so no wake-up waits in libpq's buffer where poll() cannot see it. */
void db_drain_notifies(struct db *db);

/* Check a result the way db_exec does: returns res when it succeeded, else NULL with err
 * filled ("WHAT: server message", SQLSTATE kept) and the connection marked lost if it broke;
 * res is freed then. */
PGresult *db_result(struct db *db, PGresult *res, const char *what, struct ccrm_err *err);

/* A connection's settings, not connected yet: the application name, the connect timeout
 * (5 s unless told; PGCONNECT_TIMEOUT wins), TCP keepalives (with keepalive, also their
 * interval and count and a TCP user timeout: the client's session notices a dead peer; a
 * reader is opened again, not kept alive), then the conninfo, which overrides them all. */
struct db *db_new(const char *conninfo, const struct db_options *opt, int keepalive);
/* Whether the server connected to is a standby (in_hot_standby, PostgreSQL 14 and later);
 * sets db->standby and returns it. */
int db_note_standby(struct db *db);

/* Connect db (from db_new) and wait: 0, or -1 with the first line of libpq's message. */
int db_connect_now(struct db *db, struct ccrm_err *err);

/* A session just connected: state READY (a new generation, no statements prepared), its
 * statement timeout, then the statement then ("LISTEN ccrm" for the client's session, the
 * read-only setting for a reader's). Returns 0/-1. */
int db_session_setup(struct db *db, const char *then, struct ccrm_err *err);

/* Files as the three array arguments of a statement (names text[], types text[], contents
 * bytea[]: ccrm_mail_reply, ccrm_billing_send, which store them with ccrm_mail_out_attach):
 * db_files_add puts one file's name, type and bytes (in binary) into the parameters from
 * values[*np] on and their placeholders into the arrays; db_files_sql returns
 * "ARRAY[$5::text], ARRAY[$6::text], ARRAY[$7::bytea]" (NULL arrays when none was added),
 * malloc'd, and releases the rest. src/db/mail.c. */
struct db_files {
    struct strbuf names, types, bytes;
    int n;
};
void db_files_add(struct db_files *f, const char **values, int *lengths, int *formats, int *np,
                  const char *name, const char *type, const char *data, size_t size);
char *db_files_sql(struct db_files *f);

/* Prepare sql once per connection (the same text, compared in full, is prepared once) under a
 * name written to name. Returns name, or NULL when it cannot be prepared: then run it
 * unprepared. */
const char *db_prepare(struct db *db, const char *sql, int nparams, char name[32]);
/* Is RES the server's refusal of a prepared statement because the type of a column it returns
 * changed since it was prepared (a migration ran meanwhile)? Then db_prepare_again(sql) makes
 * it anew and returns its name, or NULL after forgetting the connection's statements (run it
 * unprepared). */
int db_plan_stale(const PGresult *res);
const char *db_prepare_again(struct db *db, const char *sql, int nparams, char name[32]);

/* Like db_exec, for a statement run very often with plans that do not depend on the values:
 * prepared once per connection (db_prepare), then only executed. */
PGresult *db_exec_prepared(struct db *db, const char *sql, int nparams, const char *const *params,
                           struct ccrm_err *err);

/* The in-window count of db_list_in_window as one SELECT on the rows named by ids_cond (a
 * condition on a.id), for use inside a larger statement too: the search is written on $1, whose
 * value the caller puts in params[0] (list_window_pattern: malloc'd, NULL when not searching);
 * the caller's own parameters follow, then this appends the filters' and the window ends'
 * values to params (*np counts them; at most 4 + LIST_MAX_FILTERS). first/last NULL: that end
 * is open. keys holds the ends' ids as text until the statement has run. Returns the SQL
 * (malloc'd). */
char *list_window_sql(struct db *db, const struct list_query *q, const char *ids_cond,
                      const struct row *first, const struct row *last, const char **params, int *np,
                      char keys[2][24]);
char *list_window_pattern(const struct list_query *q);

/* An export: sql, a COPY ... TO STDOUT, run in a REPEATABLE READ, read-only transaction of its
 * own (one snapshot; no statement timeout, ISO dates, floats in full), each row handed to
 * write() (returning 0/-1), with COPY's text escapes undone when unescape (one text column:
 * JSON lines). A write that fails (| head, a full disk) cancels the COPY on the server instead
 * of reading the rest ("could not write the export: Broken pipe"); a connection lost halfway
 * marks db lost ("lost the connection to the database": exit 69). Returns the rows, or -1 with
 * err set. src/db/export.c (ccrm --export's entities and the back office's exports). */
int64_t db_copy_out(struct db *db, const char *sql, int unescape,
                    int (*write)(void *arg, const char *buf, size_t n), void *arg,
                    struct ccrm_err *err);

/* Fill err from a failed result: "<what>: <server message>" and the SQLSTATE. */
void err_set_pg(struct ccrm_err *err, const PGresult *res, const PGconn *conn, const char *what);
/* The same from an error's SQLSTATE (or NULL) and primary message, caught by the server (a
 * row's refusal found by an import, src/db/import.c). */
void err_set_state(struct ccrm_err *err, const char *state, const char *primary, const char *what);

/* Text of a value, "" for SQL NULL (borrowed from res). */
const char *db_val(const PGresult *res, int row, int col);
/* malloc'd copy of a value, NULL for SQL NULL. */
char *db_dup(const PGresult *res, int row, int col);
/* The same by the column's name (the query's column or its alias: quote the name for
 * PQfnumber if it has capitals): db_col is its number; a name the query does not have aborts,
 * a programming error the first test of that query finds. */
int db_col(const PGresult *res, const char *name);
const char *db_get(const PGresult *res, int row, const char *name);
char *db_take(const PGresult *res, int row, const char *name);

#endif
