/* The libpq connection: connect, LISTEN, notifications, reconnect without blocking the UI.
 * NOTIFY is only a doorbell (docs/architecture.md): this module counts wake-ups, the views
 * re-read. Reconnects go through the hosts of the connection string one by one, each with a
 * deadline of its own. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/util.h"
#include "db_int.h"

static void remember_hosts(struct db *db);

/* Server notices would go to stderr, which is the screen while curses runs: drop them. */
static void
ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

void
db_drain_notifies(struct db *db)
{
    PGnotify *n;

    /* A notification that arrived right behind a query's result sits unparsed in libpq's
     * buffer: the socket is no longer readable, so poll() would never report it and the
     * wake-up would be lost until the next change. PQconsumeInput parses what is buffered. */
    if (db->state == DB_READY && PQconsumeInput(db->conn) == 0) {
        db->state = DB_OFFLINE;
        db->lost = 1;
        return;
    }
    while ((n = PQnotifies(db->conn)) != NULL) {
        if (strcmp(n->relname, "ccrm") == 0)
            db->wakeups++;
        PQfreemem(n);
    }
}

const char *
db_val(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
}

char *
db_dup(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

int
db_col(const PGresult *res, const char *name)
{
    int c = PQfnumber(res, name);

    if (c < 0)
        abort(); /* the query that made res has no such column: a programming error */
    return c;
}

const char *
db_get(const PGresult *res, int row, const char *name)
{
    return db_val(res, row, db_col(res, name));
}

char *
db_take(const PGresult *res, int row, const char *name)
{
    return db_dup(res, row, db_col(res, name));
}

/* The one check behind every query: keep a good result, else fill err (SQLSTATE kept) and
 * notice a broken connection. Notifications that arrived with the result are drained. */
PGresult *
db_result(struct db *db, PGresult *res, const char *what, struct ccrm_err *err)
{
    ExecStatusType st = PQresultStatus(res);

    db_drain_notifies(db);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    err_set_pg(err, res, db->conn, what);
    PQclear(res);
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        db->state = DB_OFFLINE;
        db->lost = 1;
        err_set(err, "lost the connection to the database");
    }
    return NULL;
}

PGresult *
db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
        struct ccrm_err *err)
{
    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return NULL;
    }
    return db_result(db, PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0), "",
                     err);
}

int
db_run(struct db *db, const char *sql, const char *what, struct ccrm_err *err)
{
    PGresult *res;

    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    if ((res = db_result(db, PQexec(db->conn, sql), what, err)) == NULL)
        return -1;
    PQclear(res);
    return 0;
}

void
db_rollback(struct db *db)
{
    if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
        PQclear(PQexec(db->conn, "ROLLBACK"));
}

int
db_write_begin(struct db *db, const char *what, struct ccrm_err *err)
{
    db->unanswered[0] = '\0';
    return db_run(db, "BEGIN", what, err);
}

int
db_write_commit(struct db *db, const char *what, const char *xid, struct ccrm_err *err)
{
    if (db_run(db, "COMMIT", what, err) == 0)
        return 0;
    if (db->state != DB_READY) /* (a COMMIT the server refused has rolled back) */
        str_copy(db->unanswered, xid, sizeof db->unanswered);
    return -1;
}

void
db_write_unanswered(struct db *db, char *xid, size_t n)
{
    str_copy(xid, db->unanswered, n);
    db->unanswered[0] = '\0';
}

int
db_write_landed(struct db *db, const char *xid, struct ccrm_err *err)
{
    const char *params[1] = {xid};
    PGresult *res;
    int landed;

    if (xid == NULL || xid[0] == '\0')
        return 0;
    /* NULL for an id the server has not reached yet (it never had that transaction: another
     * server since) and for one too old to know: not written */
    res = db_exec(db,
                  "SELECT CASE WHEN $1::xid8 < pg_snapshot_xmax(pg_current_snapshot())"
                  " THEN pg_xact_status($1::xid8) END",
                  1, params, err);
    if (res == NULL)
        return -1;
    if (strcmp(PQgetvalue(res, 0, 0), "in progress") == 0) {
        PQclear(res);
        err_set(err, "the last attempt is still being committed: try again in a moment");
        return -1;
    }
    landed = strcmp(PQgetvalue(res, 0, 0), "committed") == 0;
    PQclear(res);
    return landed;
}

/* Forget the statements prepared on a connection (they die with it). */
static void
forget_prepared(struct db *db)
{
    while (db->nprepared > 0)
        free(db->prepared[--db->nprepared]);
}

const char *
db_prepare(struct db *db, const char *sql, int nparams, char name[32])
{
    unsigned h = 5381;
    const char *p;
    PGresult *res;
    int i;

    for (p = sql; *p != '\0'; p++)
        h = h * 33 + (unsigned char)*p;
    for (i = 0; i < db->nprepared; i++)
        if (db->prepared_hash[i] == h && strcmp(db->prepared[i], sql) == 0)
            break;
    snprintf(name, 32, "ccrm_%d", i);
    if (i < db->nprepared)
        return name;
    if (db->nprepared == (int)(sizeof db->prepared / sizeof db->prepared[0]))
        return NULL; /* full: run it unprepared */
    res = PQprepare(db->conn, name, sql, nparams, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        PQclear(res);
        return NULL; /* running it unprepared reports the error */
    }
    PQclear(res);
    db->prepared_hash[db->nprepared] = h;
    db->prepared[db->nprepared++] = xstrdup(sql);
    return name;
}

int
db_plan_stale(const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

    /* "cached plan must not change result type" (feature_not_supported) */
    return PQresultStatus(res) == PGRES_FATAL_ERROR && state != NULL &&
           strcmp(state, "0A000") == 0 && msg != NULL && strstr(msg, "result type") != NULL;
}

const char *
db_prepare_again(struct db *db, const char *sql, int nparams, char name[32])
{
    char dealloc[64];
    PGresult *res;
    int ok;

    if (db_prepare(db, sql, nparams, name) == NULL)
        return NULL;
    snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
    PQclear(PQexec(db->conn, dealloc));
    res = PQprepare(db->conn, name, sql, nparams, NULL);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (ok)
        return name;
    /* (its name is gone: start the connection's statements afresh, this one run unprepared) */
    PQclear(PQexec(db->conn, "DEALLOCATE ALL"));
    forget_prepared(db);
    return NULL;
}

PGresult *
db_exec_prepared(struct db *db, const char *sql, int nparams, const char *const *params,
                 struct ccrm_err *err)
{
    char name[32];
    PGresult *res;

    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return NULL;
    }
    if (db_prepare(db, sql, nparams, name) == NULL)
        return db_exec(db, sql, nparams, params, err);
    res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    if (db_plan_stale(res)) {
        /* a migration changed the type of a column the statement returns while we ran: the
         * server refuses the prepared statement from then on. Make it again and run it once
         * more (the failed run did nothing: no transaction of ours was open). */
        PQclear(res);
        if (db_prepare_again(db, sql, nparams, name) == NULL)
            return db_exec(db, sql, nparams, params, err);
        res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    }
    return db_result(db, res, "", err);
}

int
db_session_setup(struct db *db, const char *then, struct ccrm_err *err)
{
    char sql[160];

    db->state = DB_READY;
    db->generation++;
    forget_prepared(db); /* prepared statements die with the connection */
    /* one round trip: a new server process is slow enough at its first statements */
    snprintf(sql, sizeof sql, "SET statement_timeout = %d; %s", db->statement_timeout_ms, then);
    return db_run(db, sql, "", err);
}

/* The client's session after every (re)connect: timeouts, LISTEN, and no JIT: a key's query
 * walks a few rows, but row-level security and a bounded walk can put its estimate past
 * jit_above_cost, and compiling then costs 100-800 ms for a few milliseconds of work.
 * Returns 0/-1. */
int
db_note_standby(struct db *db)
{
    const char *hs = PQparameterStatus(db->conn, "in_hot_standby");

    db->standby = hs != NULL && strcmp(hs, "on") == 0;
    return db->standby;
}

static int
session_setup(struct db *db, struct ccrm_err *err)
{
    const char *host = PQhost(db->conn);

    /* A standby (PostgreSQL 14 and later say so at the connection) cannot LISTEN and takes no
     * writes: a command that only reads reads there, read-only; one that lives on its
     * notifications (the full-screen client, --feed --follow) is told to use the primary. */
    if (!db_note_standby(db))
        return db_session_setup(db, "SET jit = off; LISTEN ccrm", err);
    if (db->live) {
        err_set(err,
                "%s is a standby server (read-only, without live updates): this needs the "
                "primary (add target_session_attrs=read-write to the connection string)",
                host != NULL && host[0] != '\0' ? host : "the server");
        return -1;
    }
    return db_session_setup(db, "SET jit = off; SET default_transaction_read_only = on", err);
}

int
db_standby(const struct db *db)
{
    return db->standby;
}

static void
set_where(struct db *db)
{
    const char *host = PQhost(db->conn);
    const char *port = PQport(db->conn);

    free(db->identity);
    db->identity =
        xasprintf("%s %s %s", PQdb(db->conn), host != NULL ? host : "", port != NULL ? port : "");
    free(db->where);
    if (host != NULL && host[0] == '/')
        db->where = xasprintf("%s on %s", PQdb(db->conn), host);
    else
        db->where =
            xasprintf("%s@%s:%s", PQdb(db->conn), host ? host : "localhost", port ? port : "5432");
}

struct db *
db_new(const char *conninfo, const struct db_options *opt, int keepalive)
{
    struct db *db = xcalloc(1, sizeof *db);
    int k = 0;

    db->conninfo = xstrdup(conninfo != NULL ? conninfo : "");
    db->statement_timeout_ms = opt->statement_timeout_ms;
    db->connect_timeout_s = opt->connect_timeout_s > 0 ? opt->connect_timeout_s : 5;
    db->live = opt->live;
    /* defaults first: the user's conninfo (expanded from dbname) overrides them */
    /* the fallback: PGAPPNAME and a service file's application_name win, as libpq has it */
    db->keys[k] = "fallback_application_name";
    db->vals[k++] = opt->application_name ? opt->application_name : "ccrm";
    if (getenv("PGCONNECT_TIMEOUT") == NULL) {
        snprintf(db->timeout_buf, sizeof db->timeout_buf, "%d", db->connect_timeout_s);
        db->keys[k] = "connect_timeout";
        db->vals[k++] = db->timeout_buf;
    }
    /* no environment variables exist for these: notice dead peers */
    db->keys[k] = "keepalives_idle";
    db->vals[k++] = "30";
    if (keepalive) {
        db->keys[k] = "keepalives_interval";
        db->vals[k++] = "10";
        db->keys[k] = "keepalives_count";
        db->vals[k++] = "3";
        db->keys[k] = "tcp_user_timeout";
        db->vals[k++] = "60000";
    }
    db->keys[k] = "dbname";
    db->vals[k++] = db->conninfo;
    db->keys[k] = NULL;
    db->vals[k] = NULL;
    return db;
}

/* Why a connection to a server's unix socket failed, in ccrm's words whatever language libpq
 * speaks (it gives errno's text, translated, after the socket's path): the socket is tried
 * here, where a local connect() answers at once, and its errno tells a server not running from
 * a socket that is not ours to use. Returns 0 with out set; -1 for a TCP host, or when the
 * socket answers (then the failure was the server's, and its own words say it). */
static int
socket_reason(PGconn *c, char *out, size_t n)
{
    const char *h = c != NULL ? PQhost(c) : NULL, *port = c != NULL ? PQport(c) : NULL;
    struct sockaddr_un sa;
    int fd, rc, e;

    if (h == NULL || h[0] != '/')
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/.s.PGSQL.%s", h,
                         port != NULL && port[0] != '\0' ? port : "5432") >= sizeof sa.sun_path)
        return -1;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
        return -1;
    rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    e = errno;
    close(fd);
    if (rc == 0)
        return -1;
    if (e == ENOENT)
        snprintf(out, n, "the database server is not running (no socket at %s)", sa.sun_path);
    else if (e == ECONNREFUSED)
        snprintf(out, n, "the database server is not running (its socket %s refuses connections)",
                 sa.sun_path);
    else if (e == EACCES)
        snprintf(out, n, "no permission to use the database server's socket %s", sa.sun_path);
    else
        return -1;
    return 0;
}

int
db_connect_now(struct db *db, struct ccrm_err *err)
{
    char msg[200];

    db->conn = PQconnectdbParams(db->keys, db->vals, 1);
    if (PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    if (socket_reason(db->conn, msg, sizeof msg) == 0) {
        err_set(err, "could not connect to the database: %s", msg);
        return -1;
    }
    str_copy(msg, PQerrorMessage(db->conn), sizeof msg);
    str_trim(msg);
    /* keep only the first line: libpq repeats itself per address tried */
    msg[strcspn(msg, "\n")] = '\0';
    err_set(err, "could not connect to the database: %s", msg);
    return -1;
}

/* The comma-separated items of a host, hostaddr or port value, as libpq counts them (NULL or
 * "": one, the default). */
static int
conninfo_items(const char *v)
{
    int n = 1;

    for (; v != NULL && *v != '\0'; v++)
        n += *v == ',';
    return n;
}

/* Is v an integer as libpq reads one (parse_int_param: strtol, whitespace around it)? */
static int
conninfo_int(const char *v, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(v, &end, 10);
    if (end == v || errno != 0 || *out < INT_MIN || *out > INT_MAX)
        return 0;
    while (*end != '\0' && isspace((unsigned char)*end))
        end++;
    return *end == '\0';
}

/* The values libpq 15 checks only as it connects (a port only once it has looked up the host
 * name), checked here as it checks them and said in its words: the whole numbers (a port, also
 * each of a list, from 1 to 65535), the choices, and as many ports as hosts. An option a later
 * libpq added is left to it. Returns 0, or -1 with err set. */
static int
conninfo_values_check(const PQconninfoOption *opts, struct ccrm_err *err)
{
    static const char *const ints[] = {"connect_timeout",
                                       "keepalives",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "tcp_user_timeout",
                                       NULL};
    static const struct {
        const char *key;
        const char *const values[7];
        int any_case;
    } choices[] = {
        {"sslmode", {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}, 0},
        {"gssencmode", {"disable", "prefer", "require"}, 0},
        {"channel_binding", {"disable", "prefer", "require"}, 0},
        {"target_session_attrs",
         {"any", "read-write", "read-only", "primary", "standby", "prefer-standby"},
         0},
        {"ssl_min_protocol_version", {"", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}, 1},
        {"ssl_max_protocol_version", {"", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}, 1},
    };
    const char *host = NULL, *hostaddr = NULL, *port = NULL, *service = NULL;
    const PQconninfoOption *o;
    size_t i, j;
    long v;

    for (o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "hostaddr") == 0)
            hostaddr = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "service") == 0)
            service = o->val;
        for (i = 0; ints[i] != NULL && strcmp(ints[i], o->keyword) != 0; i++)
            ;
        if (ints[i] != NULL && !conninfo_int(o->val, &v)) {
            err_set(err, "invalid integer value \"%s\" for connection option \"%s\"", o->val,
                    o->keyword);
            return -1;
        }
        for (i = 0; i < sizeof choices / sizeof choices[0]; i++) {
            if (strcmp(choices[i].key, o->keyword) != 0)
                continue;
            for (j = 0; choices[i].values[j] != NULL; j++)
                if ((choices[i].any_case ? strcasecmp : strcmp)(choices[i].values[j], o->val) == 0)
                    break;
            if (choices[i].values[j] == NULL) {
                err_set(err, "invalid %s value: \"%s\"", o->keyword, o->val);
                return -1;
            }
        }
    }
    if (port != NULL) {
        const char *p = port;

        do {
            size_t n = strcspn(p, ",");
            char one[32];

            if (n > 0) { /* (an empty item is the default port) */
                snprintf(one, sizeof one, "%.*s", (int)n, p);
                if (n >= sizeof one || !conninfo_int(one, &v)) {
                    err_set(err, "invalid integer value \"%.*s\" for connection option \"port\"",
                            (int)n, p);
                    return -1;
                }
                if (v < 1 || v > 65535) {
                    err_set(err, "invalid port number: \"%.*s\"", (int)n, p);
                    return -1;
                }
            }
            p += n;
        } while (*p++ != '\0');
    }
    /* the hosts counted only when this string names them: PGHOST or a service's may */
    if (service != NULL || (host == NULL && hostaddr == NULL))
        return 0;
    if (host != NULL && host[0] != '\0' && hostaddr != NULL && hostaddr[0] != '\0' &&
        conninfo_items(host) != conninfo_items(hostaddr)) {
        err_set(err, "could not match %d host names to %d hostaddr values", conninfo_items(host),
                conninfo_items(hostaddr));
        return -1;
    }
    if (port != NULL && conninfo_items(port) > 1) {
        int hosts = conninfo_items(hostaddr != NULL && hostaddr[0] != '\0' ? hostaddr : host);

        if (conninfo_items(port) != hosts) {
            err_set(err, "could not match %d port numbers to %d hosts", conninfo_items(port),
                    hosts);
            return -1;
        }
    }
    return 0;
}

/* libpq's refusal of a URI quotes it whole, its password too ("postgresql://u:secret@[::1/db"),
 * and the line goes to a terminal, a log or, from --mail-in, an MTA's report: the password
 * between "user:" and "@" is written as "***" */
static void
mask_uri_password(char *msg, size_t size)
{
    char *p = msg, *end, *at, *colon;

    while ((p = strstr(p, "://")) != NULL) {
        p += 3;
        end = p + strcspn(p, "/?\" \t");
        at = NULL;
        for (char *q = p; q < end; q++)
            if (*q == '@')
                at = q;
        if (at == NULL || (colon = memchr(p, ':', (size_t)(at - p))) == NULL || colon + 1 == at)
            continue;
        if (strlen(msg) - (size_t)(at - colon - 1) + 3 >= size) {
            colon[1] = '\0'; /* no room for the stars: cut rather than shown */
            return;
        }
        memmove(colon + 4, at, strlen(at) + 1);
        memcpy(colon + 1, "***", 3);
        p = colon + 4;
    }
}

int
db_conninfo_check(const char *conninfo, struct ccrm_err *err)
{
    PQconninfoOption *opts;
    char *msg = NULL;
    int rc;

    /* libpq expands dbname (db_new) as it decides here: a string with '=' or a URI prefix is
     * a connection string, anything else the database's name */
    if (strchr(conninfo, '=') == NULL && strncmp(conninfo, "postgresql://", 13) != 0 &&
        strncmp(conninfo, "postgres://", 11) != 0)
        return 0;
    if ((opts = PQconninfoParse(conninfo, &msg)) != NULL) {
        rc = conninfo_values_check(opts, err);
        PQconninfoFree(opts);
        return rc;
    }
    if (msg != NULL) {
        err_set(err, "%s", msg);
        str_trim(err->msg);
        mask_uri_password(err->msg, sizeof err->msg);
        PQfreemem(msg);
    } else {
        err_set(err, "out of memory");
    }
    return -1;
}

struct db *
db_open(const char *conninfo, const struct db_options *opt, struct ccrm_err *err)
{
    struct db *db = db_new(conninfo, opt, 1);

    if (db_connect_now(db, err) == -1) {
        db_close(&db);
        return NULL;
    }
    PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
    set_where(db);
    remember_hosts(db);
    if (session_setup(db, err) == -1) {
        db_close(&db);
        return NULL;
    }
    return db;
}

/* A second connection to the same database as db, as the same user, with the same options
 * (the client's mail sender opens one in its child process). */
struct db *
db_open_again(const struct db *db, const char *application_name, struct ccrm_err *err)
{
    struct db_options opt = {db->statement_timeout_ms, db->connect_timeout_s, application_name,
                             db->live};

    return db_open(db->conninfo, &opt, err);
}

void
db_close(struct db **dbp)
{
    struct db *db;

    if (dbp == NULL || *dbp == NULL)
        return;
    db = *dbp;
    if (db->conn != NULL)
        PQfinish(db->conn);
    if (db->opts != NULL)
        PQconninfoFree(db->opts);
    forget_prepared(db);
    free(db->conninfo);
    free(db->login);
    free(db->display_name);
    free(db->department);
    free(db->where);
    free(db->identity);
    free(db);
    *dbp = NULL;
}

enum db_state
db_state(const struct db *db)
{
    return db->state;
}

int
db_lost(const struct db *db)
{
    return db->lost;
}

int
db_socket(const struct db *db)
{
    if (db->state == DB_OFFLINE || db->conn == NULL)
        return -1;
    return PQsocket(db->conn);
}

short
db_poll_events(const struct db *db)
{
    return db->state == DB_CONNECTING && db->want_write ? 4 /* POLLOUT */ : 1 /* POLLIN */;
}

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
opt_val(const struct db *db, const char *key)
{
    const PQconninfoOption *o;

    for (o = db->opts; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, key) == 0)
            return o->val;
    return NULL;
}

/* Elements in a comma-separated list ("" and NULL: 0) */
static int
list_len(const char *s)
{
    int n = 1;

    if (s == NULL || *s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        n += *s == ',';
    return n;
}

/* Element i of a comma-separated list into buf; a list of one applies to every host (libpq's
 * rule for port). NULL when the list is empty. */
static const char *
list_item(const char *s, int i, char *buf, size_t n)
{
    int len = list_len(s);
    const char *end;

    if (len == 0)
        return NULL;
    if (len == 1)
        i = 0;
    for (; i > 0 && s != NULL; i--)
        s = (s = strchr(s, ',')) != NULL ? s + 1 : NULL;
    if (s == NULL)
        return NULL;
    end = strchr(s, ',');
    if (end == NULL)
        end = s + strlen(s);
    if ((size_t)(end - s) >= n)
        return NULL;
    memcpy(buf, s, (size_t)(end - s));
    buf[end - s] = '\0';
    return buf;
}

/* Keep the options libpq used for the first connection (the environment, a service file and
 * defaults applied): reconnects try its hosts one by one. */
static void
remember_hosts(struct db *db)
{
    int h, a;

    if (db->opts != NULL)
        PQconninfoFree(db->opts);
    db->opts = PQconninfo(db->conn);
    h = list_len(opt_val(db, "host"));
    a = list_len(opt_val(db, "hostaddr"));
    db->nhosts = h > a ? h : a;
    if (db->nhosts < 1)
        db->nhosts = 1;
}

/* The attempt's time limit: connect_timeout as libpq reads it (at least 2 s), or ours when
 * none is set, since "wait forever" is what a frozen server must not get */
static int
attempt_timeout_ms(const struct db *db)
{
    const char *v = opt_val(db, "connect_timeout");
    int t = v != NULL ? atoi(v) : 0;

    if (t <= 0)
        t = db->connect_timeout_s;
    return (t < 2 ? 2 : t) * 1000;
}

/* Start connecting to host db->host. Returns 0, or -1 when it failed at once. */
static int
start_attempt(struct db *db)
{
    const char *keys[64], *vals[64];
    char host[512], addr[512], port[64];
    const PQconninfoOption *o;
    int k = 0;

    if (db->conn != NULL)
        PQfinish(db->conn);
    db->conn = NULL;
    if (db->opts == NULL) {
        /* no options kept (cannot happen after db_open): let libpq read the string */
        db->conn = PQconnectStartParams(db->keys, db->vals, 1);
    } else {
        for (o = db->opts; o->keyword != NULL && k < 60; o++) {
            if (o->val == NULL || o->val[0] == '\0' || strcmp(o->keyword, "host") == 0 ||
                strcmp(o->keyword, "hostaddr") == 0 || strcmp(o->keyword, "port") == 0)
                continue;
            keys[k] = o->keyword;
            vals[k++] = o->val;
        }
        if (list_item(opt_val(db, "host"), db->host, host, sizeof host) != NULL) {
            keys[k] = "host";
            vals[k++] = host;
        }
        if (list_item(opt_val(db, "hostaddr"), db->host, addr, sizeof addr) != NULL) {
            keys[k] = "hostaddr";
            vals[k++] = addr;
        }
        if (list_item(opt_val(db, "port"), db->host, port, sizeof port) != NULL) {
            keys[k] = "port";
            vals[k++] = port;
        }
        keys[k] = NULL;
        vals[k] = NULL;
        db->conn = PQconnectStartParams(keys, vals, 0);
    }
    db->deadline_ms = mono_ms() + attempt_timeout_ms(db);
    if (db->conn == NULL || PQstatus(db->conn) == CONNECTION_BAD) {
        snprintf(db->connect_error, sizeof db->connect_error, "%s",
                 db->conn != NULL ? PQerrorMessage(db->conn) : "out of memory");
        return -1;
    }
    PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
    db->state = DB_CONNECTING;
    db->want_write = 1; /* PQconnectStart: wait for writable first, as the manual says */
    return 0;
}

/* Which host an attempt is on, for messages */
static const char *
attempt_host(const struct db *db, char *buf, size_t n)
{
    const char *h = list_item(opt_val(db, "host"), db->host, buf, n);

    if (h == NULL)
        h = list_item(opt_val(db, "hostaddr"), db->host, buf, n);
    if (h == NULL && db->conn != NULL && PQhost(db->conn) != NULL && PQhost(db->conn)[0] != '\0') {
        str_copy(buf, PQhost(db->conn), n); /* no options kept (a reader): libpq's own */
        h = buf;
    }
    return h != NULL ? h : "the default host";
}

/* The attempt on this host failed (why; failed: the connection when why is libpq's text of
 * its failure): try the next one. Returns 0 while there is one, -1 when every host failed
 * (state OFFLINE). */
static int
next_host(struct db *db, const char *why, PGconn *failed)
{
    char host[512], reason[256], *msg;

    /* why may be db->connect_error itself, or libpq's text of the connection about to go */
    if (socket_reason(failed, reason, sizeof reason) == 0) {
        msg = xstrdup(reason); /* names the socket: no host before it */
    } else {
        str_copy(reason, why, sizeof reason);
        str_trim(reason);
        reason[strcspn(reason, "\n")] = '\0';
        msg = xasprintf("%s: %s", attempt_host(db, host, sizeof host), reason);
    }
    str_copy(db->connect_error, msg, sizeof db->connect_error);
    free(msg);
    while (++db->host < db->nhosts)
        if (start_attempt(db) == 0)
            return 0;
    if (db->conn != NULL)
        PQfinish(db->conn);
    db->conn = NULL;
    db->state = DB_OFFLINE;
    db->lost = 1;
    return -1;
}

int
db_reconnect_start(struct db *db, struct ccrm_err *err)
{
    db->host = 0;
    db->connect_error[0] = '\0';
    db->unanswered[0] = '\0'; /* taken by its caller as it failed, or by no one */
    if (start_attempt(db) == 0 || next_host(db, db->connect_error, db->conn) == 0)
        return 0;
    err_set(err, "could not connect to the database: %s", db->connect_error);
    db->state = DB_OFFLINE;
    return -1;
}

int
db_connect_wait_ms(const struct db *db)
{
    int64_t d;

    if (db->state != DB_CONNECTING)
        return -1;
    d = db->deadline_ms - mono_ms();
    return d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

const char *
db_connect_error(const struct db *db)
{
    return db->connect_error;
}

int
db_pump(struct db *db, int *wakeups)
{
    if (db->state == DB_CONNECTING) {
        PostgresPollingStatusType st;
        struct ccrm_err err;

        if (mono_ms() >= db->deadline_ms) {
            char why[64];

            snprintf(why, sizeof why, "no answer within %d s", attempt_timeout_ms(db) / 1000);
            return next_host(db, why, NULL);
        }
        st = PQconnectPoll(db->conn);
        if (st == PGRES_POLLING_WRITING || st == PGRES_POLLING_READING) {
            db->want_write = st == PGRES_POLLING_WRITING;
            return 0;
        }
        if (st == PGRES_POLLING_OK) {
            db->lost = 0;
            db->want_write = 0;
            if ((db->setup != NULL ? db->setup(db, &err) : session_setup(db, &err)) == 0) {
                set_where(db);
                *wakeups += 1; /* catch up on whatever happened while we were away */
                return 0;
            }
            return next_host(db, err.msg, NULL);
        }
        return next_host(db, PQerrorMessage(db->conn), db->conn);
    }
    if (db->state != DB_READY)
        return -1;
    db_drain_notifies(db); /* reads the socket; a dead server shows here */
    if (db->state != DB_READY)
        return -1;
    *wakeups += db->wakeups;
    db->wakeups = 0;
    return 0;
}

int
db_generation(const struct db *db)
{
    return db->generation;
}

int
db_take_wakeups(struct db *db)
{
    int n = db->wakeups;

    db->wakeups = 0;
    return n;
}

const char *
db_login(const struct db *db)
{
    return db->login ? db->login : "";
}

const char *
db_display_name(const struct db *db)
{
    return db->display_name ? db->display_name : db_login(db);
}

const char *
db_department(const struct db *db)
{
    return db->department ? db->department : "";
}

int
db_is_partner(const struct db *db)
{
    return strcmp(db_department(db), "partner") == 0;
}

const char *
db_where(const struct db *db)
{
    return db->where ? db->where : "";
}

void
db_set_display_tz(struct db *db)
{
    struct ccrm_err err;
    PGresult *res;

    if (db_state(db) != DB_READY)
        return;
    res = db_exec(db, "SELECT set_config('ccrm.tz', ccrm_user_tz(current_user), false)", 0, NULL,
                  &err);
    /* the client's own clock readings (a kept form's "at 14:35") in the same zone */
    if (res != NULL && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
        PQgetvalue(res, 0, 0)[0] != '\0' && setenv("TZ", PQgetvalue(res, 0, 0), 1) == 0)
        tzset();
    PQclear(res);
}

const char *
db_identity(const struct db *db)
{
    return db->identity ? db->identity : "";
}

int
db_whoami(struct db *db, struct ccrm_err *err)
{
    /* the server reports is_superuser to every new session (no pg_roles to read) */
    const char *flag = PQparameterStatus(db->conn, "is_superuser");
    const char *su[1] = {flag != NULL && strcmp(flag, "on") == 0 ? "true" : "false"};
    PGresult *res;

    res = db_exec(db,
                  "SELECT current_user::text, coalesce(u.display_name, current_user::text),"
                  "       coalesce(u.department, CASE WHEN $1::boolean THEN 'admin' END, '')"
                  "  FROM (SELECT 1) one LEFT JOIN users u ON u.login = current_user",
                  1, su, err);
    if (res == NULL)
        return -1;
    free(db->login);
    free(db->display_name);
    free(db->department);
    db->login = xstrdup(db_val(res, 0, 0));
    db->display_name = xstrdup(db_val(res, 0, 1));
    db->department = xstrdup(db_val(res, 0, 2));
    PQclear(res);
    return 0;
}
