/* Batch side of the event stream: `ccrm --feed [--follow]` prints events one a line (text or
 * JSON lines) for pipes, tmux status lines and scripts: every event the role may see, once, in
 * the order docs/architecture.md states, across dropped connections, server restarts, slow
 * readers and failovers; --since CURSOR and --state FILE resume where a consumer stopped.
 * (`ccrm --log`, writing from a script: src/cli/log.c.) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/events.h"
#include "ccrm/util.h"
#include "cli_int.h"

static volatile sig_atomic_t feed_stop;

static void
on_stop(int signo)
{
    (void)signo;
    feed_stop = 1;
}

struct feed_opts {
    const char *conninfo;
    const char *config;
    int follow;
    int jsonl;
    int limit;
    int limit_given;
    const char *since; /* --since CURSOR */
    const char *state; /* --state FILE */
    struct event_cursor *cur;
};

/* Write one line to stdout whole, with write(2): a line is either printed and counted or
 * neither. A signal that interrupts the write before any byte went out (a line shorter than
 * PIPE_BUF goes into a pipe all at once or not at all) leaves it unprinted; stdio would keep it
 * in its buffer and print it at exit, after the position had been saved without it. */
static int
write_line(const char *s, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(STDOUT_FILENO, s + done, n - done);

        if (w > 0) {
            done += (size_t)w;
        } else if (w == -1 && errno == EINTR) {
            if (done == 0 && feed_stop)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* One event, one line. Text is for people: every value goes through the terminal-safe filter
 * (a ticket subject cannot retitle or clear the reader's terminal). JSON lines are exact (the
 * database escapes control characters) and carry the cursor after the event, so a consumer
 * can resume from any line with --since. */
static int out_errno; /* why the last line could not be written (0: it was) */

static int
print_event(const struct event *ev, void *ctx)
{
    const struct feed_opts *o = ctx;
    char *line, *safe = NULL;
    int r;

    if (feed_stop)
        return -1; /* not printed, not counted: the position stays before it */
    if (o->jsonl) {
        char *cursor = event_cursor_text(o->cur);
        size_t len = strlen(ev->json);

        if (len > 0 && ev->json[len - 1] == '}')
            line = xasprintf("%.*s, \"cursor\" : \"%s\"}\n", (int)(len - 1), ev->json, cursor);
        else
            line = xasprintf("%s\n", ev->json);
        free(cursor);
    } else {
        char rec[96];

        if (ev->entity_id != 0)
            snprintf(rec, sizeof rec, "%s #%lld", ev->entity, (long long)ev->entity_id);
        else
            snprintf(rec, sizeof rec, "%s", ev->entity);
        safe = xasprintf("%s  %s%s%s%s  %s  %s%s%s%s", ev->at, ev->actor,
                         ev->department[0] ? " (" : "", ev->department,
                         ev->department[0] ? ")" : "", rec,
                         strcmp(ev->op, "insert") == 0   ? "new: "
                         : strcmp(ev->op, "delete") == 0 ? "deleted: "
                         : strcmp(ev->op, "update") == 0 ? "changed "
                                                         : "",
                         strcmp(ev->op, "update") == 0 ? ev->changed : "",
                         strcmp(ev->op, "update") == 0 ? ": " : "", ev->summary);
        line = str_safe(safe);
        free(safe);
        safe = line;
        line = xasprintf("%s\n", safe);
    }
    r = write_line(line, strlen(line));
    if (r == -1 && !(errno == EINTR && feed_stop))
        out_errno = errno; /* (a stop signal while the reader was slow is no failure) */
    free(line);
    free(safe);
    /* a reader that went away (ccrm --feed | head) ends the feed quietly; another failure (a
     * full disk) ends it with exit 74 */
    if (r == -1) {
        feed_stop = 1;
        return -1;
    }
    return 0;
}

static void
usage(FILE *f)
{
    fputs("usage: ccrm --feed [--follow] [--format text|jsonl] [--limit N | --since CURSOR]\n"
          "            [--state FILE] [-d CONNINFO] [-c FILE]\n",
          f);
}

static int
feed_usage(void)
{
    usage(stderr);
    return EX_USAGE;
}

/* Standard output is watched while the feed waits (with no events asked for): a pipe whose
 * reader went away (| head exited) reports POLLERR, a terminal that hung up POLLHUP. Without it
 * a quiet feed would learn of it only when it writes the next event, which may never come.
 * -1 once it turned out not to be open (poll() says POLLNVAL). */
static int out_fd = STDOUT_FILENO;

/* After a poll() that watched out_fd in *p: end the feed when its reader went away, as a write
 * would (not a failure: exit 0). */
static void
watch_reader(struct pollfd *p)
{
    if (p->revents & (POLLERR | POLLHUP))
        feed_stop = 1;
    else if (p->revents & POLLNVAL)
        out_fd = -1;
}

/* Sleep up to ms, waking early on a signal or when the reader goes away. */
static void
nap(int ms)
{
    struct pollfd p = {out_fd, 0, 0};

    if (poll(&p, 1, ms) > 0)
        watch_reader(&p);
}

static void
say_notice(struct event_cursor *cur)
{
    char *n = event_cursor_notice(cur);

    if (n != NULL) {
        safe_fprintf(stderr, "ccrm: %s\n", n);
        free(n);
    }
}

/* Write the state file after what was printed. Returns 0, or EX_CANTCREAT (said). */
static int
save_state(const struct feed_opts *o)
{
    if (o->state == NULL || !event_cursor_started(o->cur))
        return 0;
    if (event_cursor_save(o->cur, o->state) == -1) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", o->state, strerror(errno));
        return EX_CANTCREAT;
    }
    return 0;
}

/* Whether the state file can be written where it is, before anything is printed: it is first
 * written after the first batch, and a run that printed every event and only then found that
 * it could not save the position would print them all again the next time. event_cursor_save
 * writes FILE.tmp beside it and renames it over FILE: that file is made and removed here (one
 * left by a run that was killed is only opened). Returns 0, or EX_CANTCREAT (said). */
static int
check_state(const char *path)
{
    struct stat st;
    char *tmp;
    int fd, made;

    /* a file the caller may not write (chmod 444: kept from being overwritten) is refused, as
     * every --output is (src/cli/common.c): the rename would replace it all the same; a
     * directory could never be renamed over */
    if (stat(path, &st) == 0 && (S_ISDIR(st.st_mode) || access(path, W_OK) == -1)) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", path,
                     strerror(S_ISDIR(st.st_mode) ? EISDIR : errno));
        return EX_CANTCREAT;
    }
    /* nor anything but a file: a FIFO would stop the reading of it for ever, and the rename
     * would replace a device (--state /dev/null, run as root: /dev/null) */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        safe_fprintf(stderr, "ccrm: --state \"%s\" is not a regular file\n", path);
        return EX_CANTCREAT;
    }
    if ((errno = cli_rename_refused(path, stat(path, &st) == 0 ? &st : NULL)) != 0) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", path, strerror(errno));
        return EX_CANTCREAT;
    }
    tmp = xasprintf("%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    made = fd != -1;
    if (fd == -1 && errno == EEXIST)
        fd = open(tmp, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd == -1) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", path, strerror(errno));
        free(tmp);
        return EX_CANTCREAT;
    }
    close(fd);
    if (made)
        unlink(tmp);
    free(tmp);
    return 0;
}

/* Reconnect with backoff and jitter, each host of the connection string tried for at most
 * connect_timeout. Returns when connected or stopped. */
static void
reconnect(struct db *db, int *backoff)
{
    struct ccrm_err err;
    char said[256] = "";

    while (!feed_stop && db_state(db) != DB_READY) {
        safe_fprintf(stderr, "ccrm: connection lost, reconnecting in %d ms\n", *backoff);
        nap(*backoff + rand() % (*backoff / 4 + 1));
        *backoff = *backoff < 8000 ? *backoff * 2 : 8000;
        if (feed_stop)
            return;
        if (db_reconnect_start(db, &err) == -1) {
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
            continue;
        }
        while (db_state(db) == DB_CONNECTING && !feed_stop) {
            struct pollfd cp[2] = {{db_socket(db), db_poll_events(db), 0}, {out_fd, 0, 0}};
            int wait = db_connect_wait_ms(db), wakeups = 0;

            if (poll(cp, 2, wait >= 0 && wait < 1000 ? wait : 1000) > 0)
                watch_reader(&cp[1]);
            if (feed_stop)
                break;
            if (cp[0].revents != 0 || cp[0].fd < 0 || db_connect_wait_ms(db) == 0)
                db_pump(db, &wakeups);
            /* a host given up on (no answer in time, refused, read-only): say so once */
            if (db_connect_error(db)[0] != '\0' && strcmp(said, db_connect_error(db)) != 0) {
                str_copy(said, db_connect_error(db), sizeof said);
                safe_fprintf(stderr, "ccrm: could not connect: %s\n", said);
            }
        }
    }
    if (db_state(db) == DB_READY) {
        fputs("ccrm: reconnected\n", stderr);
        *backoff = 250;
    }
}

/* One feed at a time per state file: a second would print the same events again and both
 * would write FILE.tmp at once, each renaming the other's half-written file over FILE. The lock
 * cannot be FILE's own (every save replaces it), and a lock file beside it would be one the
 * user never asked for: it is DIR/feed-HASH.lock, HASH of the file's absolute path, DIR the
 * user's own ($XDG_RUNTIME_DIR/ccrm, else /tmp/ccrm-feed-UID: made 0700, and used only while it
 * is a directory of this user's that nobody else may write), flock'd until the process ends.
 * Returns 0 (also when there is no such directory: no lock), or EX_TEMPFAIL (said). */
static int
lock_state(const char *path)
{
    const char *slash = strrchr(path, '/'), *rt = getenv("XDG_RUNTIME_DIR");
    char *dir, *real, *lockdir, *lock;
    uint64_t h = FNV_START;
    struct stat st;
    int fd;

    dir = slash == NULL   ? xstrdup(".")
          : slash == path ? xstrdup("/")
                          : xasprintf("%.*s", (int)(slash - path), path);
    real = realpath(dir, NULL);
    fnv_text(&h, real != NULL ? real : dir);
    fnv_text(&h, slash != NULL ? slash + 1 : path);
    free(real);
    free(dir);
    lockdir = rt != NULL && rt[0] == '/' ? xasprintf("%s/ccrm", rt)
                                         : xasprintf("/tmp/ccrm-feed-%u", (unsigned)getuid());
    (void)mkdir(lockdir, 0700);
    if (lstat(lockdir, &st) == -1 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
        (st.st_mode & 077) != 0) {
        free(lockdir);
        return 0;
    }
    lock = xasprintf("%s/feed-%016" PRIx64 ".lock", lockdir, h);
    free(lockdir);
    fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    free(lock);
    if (fd == -1)
        return 0;
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        int e = errno;

        close(fd);
        if (e != EWOULDBLOCK)
            return 0;
        safe_fprintf(stderr,
                     "ccrm: --state \"%s\" is in use by another feed: one feed at a time "
                     "per state file\n",
                     path);
        return EX_TEMPFAIL;
    }
    /* (the descriptor stays open: the lock is held until the process ends) */
    return 0;
}

static int
run_feed(struct feed_opts *o)
{
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct event_cursor *cur = xcalloc(1, sizeof *cur);
    struct db *db;
    int private_db, rc, backoff = 250, loaded = 0;
    struct sigaction sa;

    o->cur = cur;
    cur->strict = 1;
    if (o->since != NULL && event_cursor_parse(cur, o->since, &err) == -1) {
        safe_fprintf(stderr, "ccrm: --since: %s\n", err.msg);
        free(cur);
        return EX_USAGE;
    }
    if (o->state != NULL && (rc = check_state(o->state)) != 0) {
        event_cursor_fini(cur);
        free(cur);
        return rc;
    }
    /* (locked before it is read: a feed that ends meanwhile has saved its last position) */
    if (o->state != NULL && (rc = lock_state(o->state)) != 0) {
        event_cursor_fini(cur);
        free(cur);
        return rc;
    }
    /* (an empty one, from mktemp or touch, loads nothing: the feed starts as without one) */
    if (o->state != NULL && (loaded = event_cursor_load(cur, o->state, &err)) == -1) {
        safe_fprintf(stderr, "ccrm: --state: %s\n", err.msg);
        event_cursor_fini(cur);
        free(cur);
        return EX_DATAERR;
    }
    if ((rc = cli_load_config(&cfg, o->config)) != 0) {
        event_cursor_fini(cur);
        free(cur);
        return rc;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* (live also without --follow: a cursor is a position in the primary's transactions) */
    if ((db = cli_open_db(o->conninfo, &cfg, CLI_DB_MIGRATE | CLI_DB_LIVE, &private_db, &err)) ==
        NULL) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(&cfg);
        event_cursor_fini(cur);
        free(cur);
        return EX_UNAVAILABLE;
    }
    rc = 0;
    if (db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = EX_UNAVAILABLE;
        goto out;
    }
    /* no position given: the newest events visible now, then the stream after them */
    if (o->since == NULL && !loaded &&
        db_events_recent(db, o->limit, cur, print_event, o, &err) == -1 && !feed_stop &&
        (!event_cursor_started(cur) || !o->follow || db_state(db) == DB_READY)) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        /* a login that is no ccrm user may not read the events: refused, 77, as by the other
         * commands (69 would say the database cannot be reached) */
        rc = strcmp(err.sqlstate, "42501") == 0 ? EX_NOPERM : EX_UNAVAILABLE;
        goto out;
    }
    if ((rc = save_state(o)) != 0 || (!o->follow && o->since == NULL && !loaded))
        goto out;
    /* from the position: catch up to now, and with --follow go on */
    while (!feed_stop) {
        int wakeups = 0, n, fresh;

        if (db_state(db) != DB_READY) {
            reconnect(db, &backoff);
            continue;
        }
        /* a read that starts now (not one left in progress by the position) reaches "now" */
        fresh = !event_cursor_pending(cur);
        n = db_events_since(db, cur, print_event, o, &err);
        say_notice(cur);
        if (n > 0 || feed_stop) {
            if ((rc = save_state(o)) != 0)
                goto out;
        }
        if (n == -1) {
            if (feed_stop)
                break;
            if (db_state(db) == DB_READY) {
                /* not the connection: a login that may not read the events (no ccrm user), a
                 * position from another cluster or another database of it, or a server
                 * error */
                safe_fprintf(stderr, "ccrm: %s\n", err.msg);
                rc = strcmp(err.sqlstate, "42501") == 0                       ? EX_NOPERM
                     : strstr(err.msg, "belongs to another database") != NULL ? EX_DATAERR
                                                                              : EX_SOFTWARE;
                break;
            }
            if (!o->follow && o->since == NULL && !loaded) {
                safe_fprintf(stderr, "ccrm: %s\n", err.msg);
                rc = EX_UNAVAILABLE;
                break;
            }
            continue; /* reconnect, then go on from the position */
        }
        if (event_cursor_pending(cur) || !fresh)
            continue; /* the read goes on (the next batch at once), or was an old one */
        if (!o->follow)
            break;
        /* caught up: wait for a wake-up (NOTIFY), or look anyway after 30 quiet seconds. A
         * NOTIFY that arrived while the read ran is already off the socket (libpq keeps it, and
         * db_exec counted it): poll() would sleep on it, so take those first. */
        wakeups += db_take_wakeups(db);
        while (!feed_stop && wakeups == 0 && db_state(db) == DB_READY) {
            struct pollfd pfd[2] = {{db_socket(db), db_poll_events(db), 0}, {out_fd, 0, 0}};
            int r = poll(pfd, 2, 30000);

            if (r == -1 && errno != EINTR)
                break;
            if (r > 0)
                watch_reader(&pfd[1]);
            if (pfd[0].revents != 0)
                db_pump(db, &wakeups);
            else if (r == 0)
                wakeups = 1;
            wakeups += db_take_wakeups(db);
        }
    }
    if (rc == 0 && (rc = save_state(o)) != 0)
        goto out;
out:
    if (out_errno != 0 && out_errno != EPIPE && (rc == 0 || rc == EX_UNAVAILABLE)) {
        safe_fprintf(stderr, "ccrm: could not write the feed: %s\n", strerror(out_errno));
        rc = EX_IOERR;
    }
    event_cursor_fini(cur);
    free(cur);
    db_close(&db);
    config_fini(&cfg);
    return rc;
}

enum { O_FEED = 256, O_FOLLOW, O_FORMAT, O_LIMIT, O_LOG, O_SINCE, O_STATE };

/* the options of --feed (cli_int.h) */
const struct option cli_feed_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"feed", no_argument, NULL, O_FEED},
    {"follow", no_argument, NULL, O_FOLLOW},
    {"format", required_argument, NULL, O_FORMAT},
    {"limit", required_argument, NULL, O_LIMIT},
    {"log", required_argument, NULL, O_LOG}, /* only to say it is another command */
    {"since", required_argument, NULL, O_SINCE},
    {"state", required_argument, NULL, O_STATE},
    {NULL, 0, NULL, 0},
};

int
cli_feed_main(int argc, char **argv)
{
    struct feed_opts o = {NULL, NULL, 0, 0, 20, 0, NULL, NULL, NULL};
    static const char *const formats[] = {"text", "jsonl", NULL};
    struct cli_flags flags = {0};
    int c;
    long v;

    while ((c = cli_getopt(argc, argv, ":d:c:", cli_feed_options, &flags, usage, 0)) != -1) {
        switch (c) {
        case O_FEED:
            break;
        case O_FOLLOW:
            o.follow = 1;
            break;
        case O_FORMAT:
            if ((o.jsonl = cli_choice("--format", optarg, formats)) == -1)
                return EX_USAGE;
            break;
        case O_LIMIT:
            if (cli_number("--limit", optarg, 0, 1000000, &v) == -1)
                return EX_USAGE;
            o.limit = (int)v;
            o.limit_given = 1;
            break;
        case O_SINCE:
            o.since = optarg;
            break;
        case O_STATE:
            /* (a variable left empty in a script names no file: its events would be printed
             * and their place not kept) */
            if (optarg[0] == '\0') {
                fputs("ccrm: --state needs a file name\n", stderr);
                return feed_usage();
            }
            o.state = optarg;
            break;
        case O_LOG:
            fputs("ccrm: choose one of --feed and --log\n", stderr);
            return feed_usage();
        default:
            return feed_usage();
        }
    }
    if (o.since != NULL && (o.limit_given || o.state != NULL)) {
        fputs("ccrm: --since starts at a position: it does not go with --limit or --state\n",
              stderr);
        return feed_usage();
    }
    o.conninfo = flags.conninfo;
    o.config = flags.config;
    return run_feed(&o);
}
