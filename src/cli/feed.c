/* Batch side of the event stream: `ccrm --feed [--follow]` prints events one a line (text or
 * JSON lines) for pipes, tmux status lines and scripts, with the guarantees of the client:
 * every event the role may see, once, in commit order, across dropped connections and server
 * restarts. `ccrm --log ticket|interaction` writes a ticket or an interaction from a script. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/events.h"
#include "ccrm/util.h"

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
};

static int
print_event(const struct event *ev, void *ctx)
{
    const struct feed_opts *o = ctx;
    int r;

    if (o->jsonl) {
        r = printf("%s\n", ev->json);
    } else {
        char rec[96];

        if (ev->entity_id != 0)
            snprintf(rec, sizeof rec, "%s #%lld", ev->entity, (long long)ev->entity_id);
        else
            snprintf(rec, sizeof rec, "%s", ev->entity);
        r = printf("%s  %s%s%s%s  %s  %s%s%s%s\n", ev->at, ev->actor, ev->department[0] ? " (" : "",
                   ev->department, ev->department[0] ? ")" : "", rec,
                   strcmp(ev->op, "insert") == 0   ? "new: "
                   : strcmp(ev->op, "delete") == 0 ? "deleted: "
                   : strcmp(ev->op, "update") == 0 ? "changed "
                                                   : "",
                   strcmp(ev->op, "update") == 0 ? ev->changed : "",
                   strcmp(ev->op, "update") == 0 ? ": " : "", ev->summary);
    }
    /* a reader that went away (ccrm --feed | head) ends the feed quietly */
    if (r < 0 || fflush(stdout) == EOF) {
        feed_stop = 1;
        return -1;
    }
    return 0;
}

static int
feed_usage(void)
{
    fputs(
        "usage: ccrm --feed [--follow] [--format text|jsonl] [--limit N] [-d CONNINFO] [-c FILE]\n"
        "       ccrm --log ticket|interaction --contact EMAIL --subject TEXT [--body TEXT]\n"
        "            [--channel C] [--kind call|email|meeting|chat|note|task]"
        " [-d CONNINFO] [-c FILE]\n",
        stderr);
    return EX_USAGE;
}

/* Sleep up to ms, waking early on a signal. */
static void
nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static int
run_feed(struct feed_opts *o)
{
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct event_cursor cur = {NULL};
    struct db *db;
    int private_db, rc, backoff = 250;
    struct sigaction sa;

    if ((rc = cli_load_config(&cfg, o->config)) != 0)
        return rc;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((db = cli_open_db(o->conninfo, &cfg, 1, &private_db, &err)) == NULL) {
        fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    if (db_schema_check(db, &err) == -1 ||
        db_events_recent(db, o->limit, &cur, print_event, o, &err) == -1) {
        fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = EX_UNAVAILABLE;
        goto out;
    }
    rc = 0;
    while (o->follow && !feed_stop) {
        struct pollfd pfd = {db_socket(db), db_poll_events(db), 0};
        int wakeups = 0;

        if (db_state(db) == DB_OFFLINE) {
            /* reconnect with backoff and jitter, then catch up from the cursor */
            fprintf(stderr, "ccrm: connection lost, reconnecting in %d ms\n", backoff);
            nap(backoff + rand() % (backoff / 4 + 1));
            backoff = backoff < 8000 ? backoff * 2 : 8000;
            if (db_reconnect_start(db, &err) == -1)
                continue;
            while (db_state(db) == DB_CONNECTING && !feed_stop) {
                struct pollfd cp = {db_socket(db), db_poll_events(db), 0};

                if (poll(&cp, 1, 1000) > 0 || cp.fd < 0)
                    db_pump(db, &wakeups);
            }
            if (db_state(db) != DB_READY)
                continue;
            fputs("ccrm: reconnected\n", stderr);
            backoff = 250;
            wakeups = 1;
        } else if (poll(&pfd, 1, 30000) == -1) {
            if (errno != EINTR)
                break;
            continue;
        } else if (pfd.revents != 0) {
            db_pump(db, &wakeups);
        } else {
            wakeups = 1; /* quiet for 30 s: look anyway (a cheap, indexed query) */
        }
        wakeups += db_take_wakeups(db);
        if (wakeups > 0 && db_state(db) == DB_READY &&
            db_events_since(db, &cur, print_event, o, &err) == -1 && db_state(db) == DB_READY &&
            !feed_stop) {
            fprintf(stderr, "ccrm: %s\n", err.msg);
            rc = EX_SOFTWARE;
            break;
        }
    }
out:
    event_cursor_fini(&cur);
    db_close(&db);
    config_fini(&cfg);
    return rc;
}

static int
run_log(const char *what, const char *conninfo, const char *config, const char *email,
        const char *subject, const char *body, const char *channel, const char *kind)
{
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    int private_db, rc;
    char msg[512];

    if ((rc = cli_load_config(&cfg, config)) != 0)
        return rc;
    if ((db = cli_open_db(conninfo, &cfg, 1, &private_db, &err)) == NULL) {
        fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    if (db_schema_check(db, &err) == -1) {
        fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = EX_UNAVAILABLE;
    } else {
        rc = db_log_record(db, what, email, subject, body, channel, kind, msg, sizeof msg, &err);
        if (rc == 0) {
            printf("ccrm: %s\n", msg);
        } else {
            fprintf(stderr, "ccrm: %s\n", err.msg);
            rc = rc == 1 ? EX_DATAERR : EX_SOFTWARE;
        }
    }
    db_close(&db);
    config_fini(&cfg);
    return rc;
}

int
cli_feed_main(int argc, char **argv)
{
    enum {
        O_FEED = 256,
        O_FOLLOW,
        O_FORMAT,
        O_LIMIT,
        O_LOG,
        O_CONTACT,
        O_SUBJECT,
        O_BODY,
        O_CHANNEL,
        O_KIND
    };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"feed", no_argument, NULL, O_FEED},
        {"follow", no_argument, NULL, O_FOLLOW},
        {"format", required_argument, NULL, O_FORMAT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"log", required_argument, NULL, O_LOG},
        {"contact", required_argument, NULL, O_CONTACT},
        {"subject", required_argument, NULL, O_SUBJECT},
        {"body", required_argument, NULL, O_BODY},
        {"channel", required_argument, NULL, O_CHANNEL},
        {"kind", required_argument, NULL, O_KIND},
        {NULL, 0, NULL, 0},
    };
    struct feed_opts o = {NULL, NULL, 0, 0, 20};
    const char *log = NULL, *email = NULL, *subject = NULL, *body = NULL, *channel = NULL;
    const char *kind = NULL;
    int c, feed = 0;
    char *end;
    long v;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.conninfo = optarg;
            break;
        case 'c':
            o.config = optarg;
            break;
        case O_FEED:
            feed = 1;
            break;
        case O_FOLLOW:
            o.follow = 1;
            break;
        case O_FORMAT:
            if (strcmp(optarg, "jsonl") == 0)
                o.jsonl = 1;
            else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr, "ccrm: --format: expected text or jsonl, got \"%s\"\n", optarg);
                return EX_USAGE;
            }
            break;
        case O_LIMIT:
            v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 0 || v > 1000000) {
                fprintf(stderr, "ccrm: --limit: expected a number from 0 to 1000000, got \"%s\"\n",
                        optarg);
                return EX_USAGE;
            }
            o.limit = (int)v;
            break;
        case O_LOG:
            log = optarg;
            break;
        case O_CONTACT:
            email = optarg;
            break;
        case O_SUBJECT:
            subject = optarg;
            break;
        case O_BODY:
            body = optarg;
            break;
        case O_CHANNEL:
            channel = optarg;
            break;
        case O_KIND:
            kind = optarg;
            break;
        case ':':
            fprintf(stderr, "ccrm: option \"%s\" needs a value\n", argv[optind - 1]);
            return feed_usage();
        default:
            fprintf(stderr, "ccrm: unknown option \"%s\"\n", argv[optind - 1]);
            return feed_usage();
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ccrm: unexpected argument \"%s\"\n", argv[optind]);
        return feed_usage();
    }
    if (feed && log != NULL) {
        fputs("ccrm: choose one of --feed and --log\n", stderr);
        return feed_usage();
    }
    if (feed)
        return run_feed(&o);
    if (strcmp(log, "ticket") != 0 && strcmp(log, "interaction") != 0) {
        fprintf(stderr, "ccrm: --log: expected ticket or interaction, got \"%s\"\n", log);
        return EX_USAGE;
    }
    if (email == NULL || subject == NULL || subject[0] == '\0') {
        fputs("ccrm: --log needs --contact EMAIL and a non-empty --subject TEXT\n", stderr);
        return feed_usage();
    }
    return run_log(log, o.conninfo, o.config, email, subject, body, channel, kind);
}
