/* ccrm --who / --agenda / --ics / --tick: who is competent for a matter and why, one's agenda
 * for scripts and login banners, one's tasks and meetings as an iCalendar file, and one run of
 * the scheduler for cron or a systemd timer. The database decides everything
 * (schema/functions/90_service.sql); this parses flags and prints. Never includes curses or
 * libpq. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/ics.h"
#include "ccrm/service.h"
#include "ccrm/util.h"
#include "cli_int.h"

enum action { ACT_NONE, ACT_WHO, ACT_AGENDA, ACT_ICS, ACT_TICK };

struct service_opts {
    enum action action;
    const char *conninfo;
    const char *config;
    struct who_query who;
    int all;
    int days;
    int past_days;
    const char *output;
    int verbose; /* --tick: 1 say what was done, 0 only on a terminal, -1 never */
};

static void
usage(FILE *f)
{
    fputs(
        "usage: ccrm --who [ticket ID | lead ID] [--all]\n"
        "       ccrm --who [--dept DEPT] [--account ACCOUNT] [--product P] [--queue Q]\n"
        "                  [--topic T] [--country C] [--subject TEXT] [--all]\n"
        "       ccrm --agenda [--days N]\n"
        "       ccrm --ics [--output FILE] [--past-days N]\n"
        "       ccrm --tick [--verbose | --quiet]\n"
        "\n"
        "  --who names the competent person for a matter and the rule that decided, as the\n"
        "  routing of new tickets and leads does: for a ticket or lead, from its own account,\n"
        "  product, queue and subject; else for DEPT (default support; \"tickets\" and \"leads\"\n"
        "  ask as their routing does) and the conditions given. ACCOUNT is an id, an exact name\n"
        "  or a domain; its country counts unless --country is given. --all lists every\n"
        "  matching rule in the order they are tried.\n"
        "  --agenda prints one's open tasks and meetings due in the next N days (default 7),\n"
        "  after those overdue, by day in one's time zone.\n"
        "  --ics writes one's tasks (VTODO) and meetings (VEVENT) as iCalendar, open ones and\n"
        "  those done in the last N days (default 30), to FILE (replaced whole, so a calendar\n"
        "  application can subscribe to it) or standard output.\n"
        "  --tick runs the scheduler once (SLA breaches and warnings, reminders, digests);\n"
        "  safe to run from several places at once. It says what it did on a terminal or with\n"
        "  --verbose.\n"
        "  -d, --db CONNINFO and -c, --config FILE work as for the client.\n",
        f);
}

static int
set_action(struct service_opts *o, enum action a)
{
    if (o->action != ACT_NONE) {
        fputs("ccrm: choose one of --who, --agenda, --ics, --tick\n", stderr);
        return -1;
    }
    o->action = a;
    return 0;
}

/* "ticket"/"tickets"/"lead"/"leads" -> the table name, else NULL */
static const char *
record_entity(const char *s)
{
    if (strcmp(s, "ticket") == 0 || strcmp(s, "tickets") == 0)
        return "tickets";
    if (strcmp(s, "lead") == 0 || strcmp(s, "leads") == 0)
        return "leads";
    return NULL;
}

/* Is s (NULL: not given) UTF-8 text? Else says so for flag. */
static int
utf8_ok(const char *flag, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0, k;
    uint32_t cp;

    for (; n > 0; s += k, n -= k)
        if ((k = utf8_decode(s, n, &cp)) == 0) {
            fprintf(stderr, "ccrm: %s: not UTF-8 text\n", flag);
            return 0;
        }
    return 1;
}

enum {
    OPT_WHO = 256,
    OPT_AGENDA,
    OPT_ICS,
    OPT_TICK,
    OPT_DEPT,
    OPT_ACCOUNT,
    OPT_PRODUCT,
    OPT_QUEUE,
    OPT_TOPIC,
    OPT_COUNTRY,
    OPT_SUBJECT,
    OPT_ALL,
    OPT_DAYS,
    OPT_PAST,
    OPT_OUTPUT,
    OPT_VERBOSE,
    OPT_QUIET
};

/* the options of --who, --agenda, --ics and --tick (cli_int.h) */
const struct option cli_service_options[] = {
    {"who", no_argument, NULL, OPT_WHO},
    {"agenda", no_argument, NULL, OPT_AGENDA},
    {"ics", no_argument, NULL, OPT_ICS},
    {"tick", no_argument, NULL, OPT_TICK},
    {"dept", required_argument, NULL, OPT_DEPT},
    {"account", required_argument, NULL, OPT_ACCOUNT},
    {"product", required_argument, NULL, OPT_PRODUCT},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"country", required_argument, NULL, OPT_COUNTRY},
    {"subject", required_argument, NULL, OPT_SUBJECT},
    {"all", no_argument, NULL, OPT_ALL},
    {"days", required_argument, NULL, OPT_DAYS},
    {"past-days", required_argument, NULL, OPT_PAST},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    CLI_FLAGS_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static int
parse(int argc, char **argv, struct service_opts *o)
{
    struct cli_flags flags = {0};
    int c, r = 0, conditions = 0, days = 0, past = 0, output = 0, verbose = 0;
    int64_t id;
    long v;

    memset(o, 0, sizeof *o);
    o->days = 7;
    o->past_days = 30;
    flags.operands = 1; /* --who ticket ID: checked below */
    while (r == 0 &&
           (c = cli_getopt(argc, argv, ":d:c:ho:", cli_service_options, &flags, usage, 0)) != -1) {
        switch (c) {
        case OPT_WHO:
            r = set_action(o, ACT_WHO);
            break;
        case OPT_AGENDA:
            r = set_action(o, ACT_AGENDA);
            break;
        case OPT_ICS:
            r = set_action(o, ACT_ICS);
            break;
        case OPT_TICK:
            r = set_action(o, ACT_TICK);
            break;
        case OPT_DEPT:
            o->who.dept = optarg;
            conditions++;
            if (who_dept(optarg) < 0 && cli_choice("--dept", optarg, who_depts) == -1)
                r = -1;
            break;
        case OPT_ACCOUNT:
            o->who.account = optarg;
            conditions++;
            break;
        case OPT_PRODUCT:
            o->who.product = optarg;
            conditions++;
            break;
        case OPT_QUEUE:
            o->who.queue = optarg;
            conditions++;
            break;
        case OPT_TOPIC:
            o->who.topic = optarg;
            conditions++;
            break;
        case OPT_COUNTRY:
            o->who.country = optarg;
            conditions++;
            break;
        case OPT_SUBJECT:
            o->who.subject = optarg;
            conditions++;
            break;
        case OPT_ALL:
            conditions += !o->all; /* --all twice is --all */
            o->all = 1;
            break;
        case OPT_DAYS:
            if ((r = cli_number("--days", optarg, 1, 366, &v)) == 0)
                o->days = (int)v;
            days = 1;
            break;
        case OPT_PAST:
            if ((r = cli_number("--past-days", optarg, 1, 3660, &v)) == 0)
                o->past_days = (int)v;
            past = 1;
            break;
        case 'o':
        case OPT_OUTPUT:
            o->output = optarg;
            output = 1; /* (not "": cli_getopt refuses it) */
            break;
        case OPT_VERBOSE:
            o->verbose = 1;
            verbose++;
            break;
        case OPT_QUIET:
            o->verbose = -1;
            verbose++;
            break;
        default:
            return -1;
        }
    }
    if (r != 0)
        return -1;
    o->conninfo = flags.conninfo;
    o->config = flags.config;
    if (o->action == ACT_NONE) {
        usage(stderr);
        return -1;
    }
    if (!utf8_ok("--account", o->who.account) || !utf8_ok("--product", o->who.product) ||
        !utf8_ok("--queue", o->who.queue) || !utf8_ok("--topic", o->who.topic) ||
        !utf8_ok("--country", o->who.country) || !utf8_ok("--subject", o->who.subject))
        return -1;
    if (o->action == ACT_WHO && optind < argc) {
        if ((o->who.entity = record_entity(argv[optind])) == NULL || argc - optind < 2) {
            safe_fprintf(stderr, "ccrm: --who: expected \"ticket ID\" or \"lead ID\", got \"%s\"\n",
                         argv[optind]);
            return -1;
        }
        if (argc - optind > 2) {
            safe_fprintf(stderr, "ccrm: --who: one record at a time; unexpected \"%s\"\n",
                         argv[optind + 2]);
            return -1;
        }
        o->who.id = argv[optind + 1];
        if (cli_id(o->who.id, &id) == -1) {
            safe_fprintf(stderr, "ccrm: --who: expected a record id, got \"%s\"\n", o->who.id);
            return -1;
        }
        if (conditions > o->all) {
            fputs("ccrm: --who: a record brings its own conditions: give either a record or "
                  "--dept, --account, ...\n",
                  stderr);
            return -1;
        }
    } else if (optind < argc) {
        safe_fprintf(stderr, "ccrm: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    if ((o->action != ACT_WHO && conditions > 0) || (o->action != ACT_AGENDA && days) ||
        (o->action != ACT_ICS && (past || output)) || (o->action != ACT_TICK && verbose)) {
        fputs("ccrm: --dept, --account, --product, --queue, --topic, --country, --subject and "
              "--all go with --who, --days with --agenda, --output and --past-days with --ics, "
              "--verbose and --quiet with --tick\n",
              stderr);
        return -1;
    }
    if (verbose > 1) {
        fputs("ccrm: --tick: choose one of --verbose, --quiet\n", stderr);
        return -1;
    }
    return 0;
}

/* sysexits code for a failed database call */
static int
exit_code(const struct ccrm_err *err, const struct db *db)
{
    static const char *const data[] = {SERVICE_ERR_NOT_FOUND, SERVICE_ERR_AMBIGUOUS};
    size_t i;

    if (db_state(db) != DB_READY)
        return EX_UNAVAILABLE;
    if (strcmp(err->sqlstate, "42501") == 0)
        return EX_NOPERM;
    if (strncmp(err->sqlstate, "22", 2) == 0) /* a data exception: what was given */
        return EX_DATAERR;
    for (i = 0; i < sizeof data / sizeof data[0]; i++)
        if (strcmp(err->sqlstate, data[i]) == 0)
            return EX_DATAERR;
    return EX_SOFTWARE;
}

static int
run_who(struct db *db, const struct service_opts *o, struct ccrm_err *err)
{
    struct who_row *rows;
    int i, n, chosen = -1;

    if ((n = db_who(db, &o->who, &rows, err)) < 0)
        return -1;
    for (i = 0; i < n; i++)
        if (rows[i].chosen)
            chosen = i;
    if (!o->all) {
        if (chosen < 0)
            puts("nobody: no rule covers it");
        else
            safe_fprintf(stdout, "%s: %s\n", rows[chosen].login, rows[chosen].reason);
    } else if (n == 0) {
        puts("nobody: no rule covers it");
    } else {
        for (i = 0; i < n; i++) {
            const struct who_row *r = &rows[i];

            safe_fprintf(stdout, "%s rule #%lld  priority %d  %s -> %s%s%s\n",
                         r->chosen ? "*" : " ", r->rule_id, r->priority, r->conditions, r->person,
                         r->deputy != NULL ? ", deputy " : "", r->deputy != NULL ? r->deputy : "");
            safe_fprintf(stdout, "  %s%s%s\n", r->chosen ? r->login : "", r->chosen ? ": " : "",
                         r->reason);
        }
    }
    who_rows_free(rows, n);
    return 0;
}

static int
run_agenda(struct db *db, const struct service_opts *o, struct ccrm_err *err)
{
    struct agenda_item *items;
    const char *day = "";
    int i, n;

    if ((n = db_agenda(db, o->days, &items, err)) < 0)
        return -1;
    if (n == 0)
        printf("nothing due in the next %d day%s\n", o->days, o->days == 1 ? "" : "s");
    for (i = 0; i < n; i++) {
        const struct agenda_item *a = &items[i];

        if (strcmp(day, a->day) != 0) {
            day = a->day;
            if (i > 0)
                putchar('\n');
            safe_fprintf(stdout, "%s %s%s\n", a->weekday, a->day, a->today ? " (today)" : "");
        }
        /* a subject is anybody's text: no escape reaches the terminal (ccrm_safe) */
        safe_fprintf(stdout, "  %s  %-7s  %s%s%s  [#%lld]%s\n", a->time, a->kind, a->subject,
                     a->record != NULL ? " - " : "", a->record != NULL ? a->record : "", a->id,
                     a->overdue ? "  overdue" : "");
    }
    agenda_items_free(items, n);
    return 0;
}

/* Write text to path whole (src/cli/common.c): a temporary file beside it, then rename, so a
 * calendar application reading the file never sees half of it (a symbolic link's target is
 * written: a link into a web server's directory stays a link); a FIFO or device in place. A
 * file there keeps its mode (one made readable for a calendar server stays so); a new one is
 * the writer's only (0600: it names customers). Returns 0 or -1 with err set. */
static int
write_whole(const char *given, const char *text, struct ccrm_err *err)
{
    struct cli_out out;

    if (cli_out_open(&out, given, 0600, err) == -1)
        return -1;
    fputs(text, out.f);
    return cli_out_close(&out, 1, err);
}

/* "#ID" of an item (its UID names the interaction), else its UID */
static void
item_name(const struct ics_item *it, char *buf, size_t n)
{
    static const char prefix[] = "ccrm-interaction-";
    const char *s = it->uid + sizeof prefix - 1;

    if (strncmp(it->uid, prefix, sizeof prefix - 1) == 0 && strchr(s, '@') != NULL)
        snprintf(buf, n, "#%.*s", (int)(strchr(s, '@') - s), s);
    else
        snprintf(buf, n, "%s", it->uid);
}

/* Is item it in the calendar text? (Its UID line, which is never folded: under 75 octets.) */
static int
item_written(const char *text, const struct ics_item *it)
{
    char *line = xasprintf("\r\nUID:%s\r\n", it->uid);
    int found = strstr(text, line) != NULL;

    free(line);
    return found;
}

/* ics_render leaves out what libical cannot write (a time after the year 3000, as a typo makes
 * it): one such task is no reason to withhold all the others. Say how many and which (the
 * first three, as the agenda names them). */
static void
warn_left_out(const char *text, const struct ics_item *items, int n, int meetings, int tasks)
{
    char which[128] = "", one[64];
    int i, named = 0;
    size_t len;

    for (i = 0; i < n; i++) {
        if (item_written(text, &items[i]))
            continue;
        if (named++ == 3) {
            str_copy(which + strlen(which), ", ...", sizeof which - strlen(which));
            break;
        }
        item_name(&items[i], one, sizeof one);
        len = strlen(which);
        snprintf(which + len, sizeof which - len, "%s%s", named > 1 ? ", " : "", one);
    }
    fprintf(stderr, "ccrm: warning: left out ");
    if (tasks > 0)
        fprintf(stderr, "%d task%s%s", tasks, tasks == 1 ? "" : "s", meetings > 0 ? " and " : "");
    if (meetings > 0)
        fprintf(stderr, "%d meeting%s", meetings, meetings == 1 ? "" : "s");
    safe_fprintf(stderr,
                 "%s%s%s: dated after the year 3000 or before year 0, which libical cannot "
                 "write\n",
                 which[0] != '\0' ? " (" : "", which, which[0] != '\0' ? ")" : "");
}

/* The calendar did not read back: find the item that does not, alone, to name it */
static void
ics_culprit(const struct ics_item *items, int n, struct ccrm_err *err)
{
    struct ccrm_err e;
    char *text, one[64];
    int i, ev, todo, bad = -1;

    for (i = 0; i < n && bad < 0; i++) {
        if ((text = ics_render(&items[i], 1, "ccrm", &e)) == NULL ||
            ics_check(text, &ev, &todo) == -1)
            bad = i;
        free(text);
    }
    if (bad < 0) {
        err_set(err, "could not write the calendar: libical does not read back what it wrote");
        return;
    }
    item_name(&items[bad], one, sizeof one);
    err_set(err, "could not write the calendar: libical does not read back %s %s",
            items[bad].meeting ? "meeting" : "task", one);
}

/* Returns 0, -1 with err set (the database, the file), or EX_SOFTWARE with err set (libical) */
static int
run_ics(struct db *db, const struct service_opts *o, struct ccrm_err *err)
{
    struct ics_item *items;
    char *text, *name;
    int i, n, ev, todo, meetings = 0, rc = -1;

    if ((n = db_ics_items(db, o->past_days, &items, err)) < 0)
        return -1;
    for (i = 0; i < n; i++)
        meetings += items[i].meeting;
    name = xasprintf("ccrm: %s", db_login(db));
    text = ics_render(items, n, name, err);
    free(name);
    if (text == NULL) {
        ics_items_free(items, n);
        return EX_SOFTWARE;
    }
    if (ics_check(text, &ev, &todo) == -1 || ev > meetings || todo > n - meetings) {
        ics_culprit(items, n, err);
        ics_items_free(items, n);
        rc = EX_SOFTWARE;
        goto out;
    }
    if (ev + todo < n)
        warn_left_out(text, items, n, meetings - ev, n - meetings - todo);
    ics_items_free(items, n);
    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        errno = 0;
        if ((fputs(text, stdout) == EOF || fflush(stdout) == EOF) && !cli_reader_gone(stdout)) {
            err_set(err, "could not write the calendar: %s", strerror(errno));
            rc = EX_IOERR; /* standard output (a full disk), as --export and --agenda say */
            goto out;
        }
    } else if (write_whole(o->output, text, err) == -1) {
        goto out;
    } else {
        safe_fprintf(stderr, "ccrm: wrote %d meeting%s and %d task%s to %s\n", ev,
                     ev == 1 ? "" : "s", todo, todo == 1 ? "" : "s", o->output);
    }
    rc = 0;
out:
    free(text);
    return rc;
}

static int
run_tick(struct db *db, const struct service_opts *o, struct ccrm_err *err)
{
    struct tick_result r;

    if (db_tick(db, &r, err) == -1)
        return -1;
    if (o->verbose > 0 || (o->verbose == 0 && isatty(STDOUT_FILENO)))
        printf("ccrm: tick: %d breach%s, %d warning%s, %d reminder%s, %d digest%s\n", r.breaches,
               r.breaches == 1 ? "" : "es", r.warnings, r.warnings == 1 ? "" : "s", r.reminders,
               r.reminders == 1 ? "" : "s", r.digests, r.digests == 1 ? "" : "s");
    return 0;
}

int
cli_service_main(int argc, char **argv)
{
    struct service_opts o;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    int rc, private_db;

    if (parse(argc, argv, &o) == -1)
        return cli_usage_error();
    if ((rc = cli_load_config(&cfg, o.config)) != 0)
        return rc;
    db = cli_open_db(o.conninfo, &cfg, 1, &private_db, &err);
    config_fini(&cfg);
    if (db == NULL) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return EX_UNAVAILABLE;
    }
    if (db_schema_check(db, &err) == -1 || db_whoami(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        /* a login that is no ccrm user may not read users: refused, 77, as the commands'
         * own reads are (exit_code) */
        rc = strcmp(err.sqlstate, "42501") == 0 ? EX_NOPERM : EX_UNAVAILABLE;
        db_close(&db);
        return rc;
    }
    switch (o.action) {
    case ACT_WHO:
        rc = run_who(db, &o, &err);
        break;
    case ACT_AGENDA:
        rc = run_agenda(db, &o, &err);
        break;
    case ACT_ICS:
        rc = run_ics(db, &o, &err);
        break;
    default:
        rc = run_tick(db, &o, &err);
        break;
    }
    if (rc != 0) {
        if (rc == -1)
            rc = err.sqlstate[0] != '\0' || db_state(db) != DB_READY ? exit_code(&err, db)
                                                                     : EX_CANTCREAT;
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
    }
    db_close(&db);
    return rc;
}
