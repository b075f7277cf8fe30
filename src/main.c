/* ccrm: flags → mode. The full-screen client, or one batch command (migrate, demo data, the
 * private cluster). Batch modes never start curses; exit codes come from sysexits.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/app.h"
#include "ccrm/cli.h"
#include "ccrm/cmd.h"
#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/draft.h"
#include "ccrm/local.h"
#include "ccrm/marketing.h"
#include "ccrm/trace.h"
#include "ccrm/ui.h"
#include "ccrm/util.h"
#include "cli/cli_int.h"

enum mode { MODE_TUI, MODE_MIGRATE, MODE_DEMO, MODE_LOCAL_START, MODE_LOCAL_STOP };

struct opts {
    enum mode mode;
    struct cli_flags flags; /* -d, -c */
    const char *view;
    int scale;
};

static void
usage(FILE *f)
{
    fputs("usage: ccrm [-d CONNINFO] [-c FILE] [--view VIEW]     full-screen client\n"
          "       ccrm --import FILE --into ENTITY [--map SRC=DST,...]\n"
          "            [--on-conflict error|skip|update] [--rejects FILE]\n"
          "            [--dry-run] [--quiet]\n"
          "                                                     import CSV (FILE - = stdin)\n"
          "            [--delimiter ,|;|tab|'|']                (guessed from the header)\n"
          "            [--create-missing accounts]              (an unknown organisation:\n"
          "                                                     a new account)\n"
          "       ccrm --batches                                the imports, newest first\n"
          "       ccrm --revert BATCH [--dry-run]               undo an import (CSV, mail)\n"
          "       ccrm --export ENTITY [--format csv|jsonl] [-o|--output FILE]\n"
          "       ccrm --export campaign_members --campaign N [--format csv|jsonl]\n"
          "            [-o|--output FILE]                       for a mailing tool (no\n"
          "                                                     opt-outs)\n"
          "       ccrm --import FILE --into campaign_responses [--campaign N]\n"
          "            [--rejects FILE] [--dry-run]             responses from a mailing\n"
          "            [--delimiter ,|;|tab|'|']                tool\n"
          "       ccrm --report NAME|list [--format csv|jsonl] [--from DATE] [--to DATE]\n"
          "            [--output FILE] [--primary]              figures for scripts (from a\n"
          "                                                     replica: replica_conninfo)\n"
          "       ccrm --unmerge MERGE                          undo a merge of duplicates\n",
          f);
    /* two strings: one would pass the 4095 characters C99 promises to support */
    fputs("       ccrm --feed [--follow] [--format text|jsonl] [--limit N | --since CURSOR]\n"
          "            [--state FILE]                           the event stream, a line\n"
          "                                                     each: every event once;\n"
          "                                                     commit order between reads;\n"
          "                                                     within one read,\n"
          "                                                     transaction by transaction\n"
          "                                                     as they began writing\n"
          "                                                     (ccrm(1))\n"
          "       ccrm --log ticket|interaction --contact EMAIL --subject TEXT\n"
          "            [--body TEXT] [--channel C]\n"
          "            [--kind call|email|meeting|chat|note|task]\n"
          "       ccrm --mail-in [--queue NAME] [--recipient ADDR] [--verbose]\n"
          "                                                     one mail on stdin (an MTA's\n"
          "                                                     pipe): exit 0 stored, 75\n"
          "                                                     try later, 65/67 refused\n"
          "                                                     for good\n"
          "       ccrm --import-mail MAILDIR|MBOX [--queue NAME] [--quiet]\n"
          "                                                     mail history, one batch\n"
          "       ccrm --reply [ENTITY:]ID --body-file FILE [--subject TEXT] [--to ADDR]\n"
          "            [--cc ADDR] [--queue NAME] [--no-send]   answer by mail (ENTITY:\n"
          "            [--attach FILE]...                       ticket, lead, contact or\n"
          "                                                     deal)\n"
          "       ccrm --send-mail [--quiet]                    send what the outbox holds\n",
          f);
    /* (two strings: one would be longer than a C compiler must support) */
    fputs("       ccrm --print quote|invoice N [--output FILE] [--format pdf|text|ubl]\n"
          "                                                     a PDF, text (FILE.txt) or\n"
          "                                                     UBL e-invoice (FILE.xml)\n"
          "       ccrm --send quote|invoice N [--to ADDR] [--queue NAME] [--no-send]\n"
          "                                                     mail its PDF (and UBL)\n"
          "       ccrm --issue INVOICE [--date YYYY-MM-DD]      number a draft invoice\n"
          "       ccrm --payment INVOICE --amount X [--date D] [--method M] [--reference R]\n"
          "       ccrm --credit-note INVOICE [--note TEXT]      draft a credit note\n"
          "       ccrm --invoice-from quote|deal N [--tax-rate PERCENT]\n"
          "                                                     draft an invoice\n"
          "       ccrm --add-user LOGIN --dept DEPT [--partner ORG] [--display-name NAME]\n"
          "            [--password] [--connection-limit N|none]      (admins only)\n"
          "       ccrm --disable-user LOGIN                     revoke a login, keep its\n"
          "                                                     history\n"
          "       ccrm --share ACCOUNT --partner ORG | --unshare ACCOUNT --partner ORG\n"
          "       ccrm --who [ticket ID | lead ID] [--all]      who is competent, and why\n"
          "       ccrm --who [--dept DEPT] [--account ACCOUNT] [--product P] [--queue Q]\n"
          "            [--topic T] [--country C] [--subject TEXT] [--all]\n"
          "       ccrm --agenda [--days N]                      one's tasks and meetings\n"
          "       ccrm --ics [--output FILE] [--past-days N]    the same as iCalendar\n"
          "       ccrm --tick [--verbose | --quiet]             SLA, reminders, digests\n"
          "                                                     (cron-safe)\n",
          f);
    fputs("       ccrm --migrate                                apply pending migrations,\n"
          "                                                     cut grown search blocks\n"
          "       ccrm --demo [--scale N]                       load demo data (N accounts,\n"
          "                                                     default 300)\n"
          "       ccrm --local-start | --local-stop             the private database\n"
          "       ccrm --help | --version\n"
          "\n"
          "ENTITY: ",
          f);
    cli_entities(f);
    fputs("\n        (or the table's name); for --export also invoices (a row per\n"
          "        invoice line), payments, overdue (dunning).\n"
          "INVOICE: an invoice's id or number (2026-00001).\n"
          "DEPT: sales, support, marketing, management, billing, partner, admin.\n"
          "ACCOUNT: an id, an exact name or a domain. Every command takes -d and -c.\n"
          "\n"
          "options:\n"
          "  -d, --db CONNINFO    PostgreSQL connection string or URI (over the config)\n"
          "  -c, --config FILE    read FILE after /etc/ccrm/ccrm.ini and\n"
          "                       ~/.config/ccrm/ccrm.ini\n"
          "      --view VIEW      start on VIEW (feed, leads, accounts, contacts, deals,\n"
          "                       tickets, campaigns, inbox, dashboard, quotes, invoices,\n"
          "                       products) instead of the department's own (marketing:\n"
          "                       leads, support: tickets, sales: deals, management:\n"
          "                       dashboard, billing: invoices, others: accounts)\n"
          "  -h, --help           show this help and exit\n"
          "  -V, --version        show the version and exit\n"
          "\n"
          "With no database configured (no -d, no [database] conninfo, none of PGHOST,\n"
          "PGHOSTADDR, PGPORT, PGDATABASE, PGSERVICE), ccrm starts a private PostgreSQL\n"
          "cluster under $XDG_DATA_HOME/ccrm and migrates it.\n"
          "Keys in the client: ? shows them. See ccrm(1), docs/import.md, docs/mail.md,\n"
          "docs/billing.md and docs/security.md.\n",
          f);
}

/* the options of the client and of the commands without options of their own (parse_args) */
enum { OPT_MIGRATE = 256, OPT_DEMO, OPT_SCALE, OPT_LSTART, OPT_LSTOP, OPT_VIEW };
static const struct option main_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"version", no_argument, NULL, 'V'},
    {"migrate", no_argument, NULL, OPT_MIGRATE},
    {"demo", no_argument, NULL, OPT_DEMO},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"local-start", no_argument, NULL, OPT_LSTART},
    {"local-stop", no_argument, NULL, OPT_LSTOP},
    {"view", required_argument, NULL, OPT_VIEW},
    {NULL, 0, NULL, 0},
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
    int c, modes = 0, scale_given = 0;
    char *end;
    long v;

    memset(o, 0, sizeof *o);
    o->scale = 300;
    while ((c = cli_getopt(argc, argv, ":d:c:hV", main_options, &o->flags, usage, 0)) != -1) {
        switch (c) {
        case 'V':
            printf("ccrm %s (schema version %d)\n", CCRM_VERSION, db_schema_known());
            cli_exit_printed();
        case OPT_MIGRATE:
            o->mode = MODE_MIGRATE;
            modes++;
            break;
        case OPT_DEMO:
            o->mode = MODE_DEMO;
            modes++;
            break;
        case OPT_LSTART:
            o->mode = MODE_LOCAL_START;
            modes++;
            break;
        case OPT_LSTOP:
            o->mode = MODE_LOCAL_STOP;
            modes++;
            break;
        case OPT_SCALE:
            v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 1 || v > 10000000) {
                safe_fprintf(stderr,
                             "ccrm: --scale: expected a number of accounts from 1 to "
                             "10000000, got \"%s\"\n",
                             optarg);
                return -1;
            }
            o->scale = (int)v;
            scale_given = 1;
            break;
        case OPT_VIEW:
            o->view = optarg;
            break;
        default:
            return -1;
        }
    }
    if (modes > 1) {
        fputs("ccrm: choose one of --migrate, --demo, --local-start, --local-stop\n", stderr);
        return -1;
    }
    if (o->flags.conninfo != NULL && (o->mode == MODE_LOCAL_START || o->mode == MODE_LOCAL_STOP)) {
        fputs("ccrm: --local-start and --local-stop act on the private database only; -d names "
              "another\n",
              stderr);
        return -1;
    }
    if (o->view != NULL && o->mode != MODE_TUI) {
        fputs("ccrm: --view goes with the full-screen client\n", stderr);
        return -1;
    }
    if (scale_given && o->mode != MODE_DEMO) {
        fputs("ccrm: --scale goes with --demo (the number of demo accounts)\n", stderr);
        return -1;
    }
    if (o->view != NULL && !config_view_known(o->view)) {
        safe_fprintf(stderr, "ccrm: --view: unknown view \"%s\" (known: %s)\n", o->view,
                     cmd_views_text());
        return -1;
    }
    return 0;
}

/* Is the character set of LC_CTYPE UTF-8? */
static int
ctype_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);

    return strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0;
}

/* The database and every value in it are UTF-8, and the client turns bytes into characters
 * and back with the locale's converters (curses' input and output, the form's text buffer,
 * the `/` line). In a locale of another character set (LANG unset, C, POSIX: common on ssh
 * hosts) each non-ASCII character became '?', and a form's save wrote those '?' over fields
 * nobody touched. So characters are UTF-8 whatever the locale says; the rest of the locale
 * (dates, numbers, collation) stays the person's. Without any UTF-8 locale installed the
 * full-screen client refuses to start (run_tui); batch commands pass bytes through. */
static void
ctype_utf8(void)
{
    static const char *const names[] = {"C.UTF-8",    "C.utf8", "en_US.UTF-8",
                                        "en_US.utf8", "UTF-8",  NULL};
    int i;

    if (ctype_is_utf8())
        return;
    for (i = 0; names[i] != NULL; i++)
        if (setlocale(LC_CTYPE, names[i]) != NULL && ctype_is_utf8())
            return;
    setlocale(LC_CTYPE, "");
}

static int
run_tui(const struct opts *o, struct ccrm_config *cfg)
{
    struct app app;
    struct ccrm_err err;
    int rc = EX_UNAVAILABLE;

    memset(&app, 0, sizeof app);
    app.cfg = cfg;
    app.db_named = o->flags.conninfo != NULL;
    if (o->view != NULL) {
        char *p;

        free(cfg->start_view);
        cfg->start_view = xstrdup(o->view);
        for (p = cfg->start_view; *p != '\0'; p++) /* "Deals" as "deals", as in the config */
            *p = (char)tolower((unsigned char)*p);
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fputs("ccrm: the full-screen client needs a terminal; for batch work see ccrm --help\n",
              stderr);
        return EX_USAGE;
    }
    if (!ctype_is_utf8()) { /* ctype_utf8 found no UTF-8 locale */
        fprintf(stderr,
                "ccrm: could not start the full-screen client: no UTF-8 locale is installed (the "
                "locale's character set is %s); install C.UTF-8 or use the batch commands "
                "(ccrm --help)\n",
                nl_langinfo(CODESET));
        return EX_UNAVAILABLE;
    }
    /* a terminal curses cannot drive is said before the database is opened: not after a
     * connection timeout, nor after creating and migrating a private database for nothing */
    if (ui_check_terminal(&err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return EX_UNAVAILABLE;
    }
    if ((app.db = cli_open_db(o->flags.conninfo, cfg, CLI_DB_MIGRATE | CLI_DB_LIVE, &app.private_db,
                              &err)) == NULL) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return EX_UNAVAILABLE;
    }
    if (db_schema_check(app.db, &err) == -1 || db_whoami(app.db, &err) == -1 ||
        db_events_start(app.db, &app.events, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        goto out;
    }
    /* a crash writes a report and keeps the unsaved form (under $XDG_STATE_HOME/ccrm) */
    if (crash_init(CCRM_VERSION) == -1)
        fprintf(stderr, "ccrm: could not prepare crash reports: %s\n", strerror(errno));
    if (sig_init() == -1) {
        perror("ccrm: could not install signal handlers");
        rc = EX_OSERR;
        goto out;
    }
    if (ui_init(&app, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        goto out;
    }
    rc = loop_run(&app) == 0 ? 0 : EX_SOFTWARE;
    ui_fini(&app);
    if (app.exit_note[0] != '\0')
        fprintf(stderr, "%s\n", app.exit_note);
    /* stopped by a signal: say so in the exit status too, as a shell does (128 + the signal) */
    if (rc == 0 && app.quit_signal != 0)
        rc = 128 + app.quit_signal;
out:
    /* leaving: a hang-up now (the terminal closing behind us) must not interrupt the exit;
     * LeakSanitizer's exit-time check in test builds deadlocks when one arrives */
    signal(SIGHUP, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    event_cursor_fini(&app.events);
    db_close(&app.db);
    return rc;
}

static int
run_batch(const struct opts *o, struct ccrm_config *cfg)
{
    struct ccrm_err err;
    struct db *db;
    char buf[1024];
    int private_db, n;

    if (o->mode == MODE_LOCAL_START) {
        if (local_cluster_ensure(cfg->data_dir, buf, sizeof buf, stderr, &err) == -1)
            goto fail_unavailable;
        puts(buf);
        return 0;
    }
    if (o->mode == MODE_LOCAL_STOP) {
        if (local_cluster_stop(cfg->data_dir, &err) == -1)
            goto fail_unavailable;
        return 0;
    }
    if ((db = cli_open_db(o->flags.conninfo, cfg, o->mode != MODE_MIGRATE, &private_db, &err)) ==
        NULL)
        goto fail_unavailable;
    if (o->mode == MODE_MIGRATE) {
        if ((n = db_migrate(db, cfg->migrate_wait_s, 1, stdout, &err)) == -1) {
            /* not the owner: 77; the migration lock not taken in time: 75, try again later */
            n = strcmp(err.sqlstate, "42501") == 0   ? EX_NOPERM
                : strcmp(err.sqlstate, "55P03") == 0 ? EX_TEMPFAIL
                                                     : EX_SOFTWARE;
            db_close(&db);
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
            return n;
        }
        printf("ccrm: schema is at version %d (%d migration%s applied)\n", db_schema_known(), n,
               n == 1 ? "" : "s");
        db_close(&db);
        return 0;
    }
    /* MODE_DEMO */
    if (db_schema_check(db, &err) == -1 ||
        db_demo_load(db, o->scale, buf, sizeof buf, &err) == -1) {
        db_close(&db);
        safe_fprintf(stderr, "ccrm: could not load demo data: %s\n", err.msg);
        return EX_SOFTWARE;
    }
    printf("ccrm: %s\n", buf);
    db_close(&db);
    return 0;
fail_unavailable:
    safe_fprintf(stderr, "ccrm: %s\n", err.msg);
    return EX_UNAVAILABLE;
}

/* The flags that name a command, and the command they are handed to with the whole command
 * line; --report and --unmerge are marketing's, which cli_marketing_dispatch() takes first
 * (as it takes --export campaign_members and --import ... --into campaign_responses). */
static const struct {
    const char *flag;
    int (*run)(int, char **);
} commands[] = {
    {"import", cli_import_main},
    {"revert", cli_import_main},
    {"batches", cli_import_main},
    {"export", cli_export_main},
    {"add-user", cli_admin_main},
    {"disable-user", cli_admin_main},
    {"share", cli_admin_main},
    {"unshare", cli_admin_main},
    {"feed", cli_feed_main},
    {"log", cli_log_main},
    {"mail-in", cli_mail_main},
    {"send-mail", cli_mail_main},
    {"reply", cli_mail_main},
    {"import-mail", cli_mail_import_main},
    {"who", cli_service_main},
    {"agenda", cli_service_main},
    {"ics", cli_service_main},
    {"tick", cli_service_main},
    {"print", cli_billing_main},
    {"send", cli_billing_main},
    {"issue", cli_billing_main},
    {"payment", cli_billing_main},
    {"credit-note", cli_billing_main},
    {"invoice-from", cli_billing_main},
    {"report", NULL},
    {"unmerge", NULL},
};

/* Every long option of every command (their own tables, cli_int.h, and parse_args'), each
 * once, and whether it takes a value: main() reads the command line as the command will, so
 * that a value is never taken for a flag ("--note --help" is a credit note's text, "--subject
 * --report" a ticket's subject; tests/db/test_cli_flags.sh). val is 'C' for the flags that
 * name a command, the letter for -d, -c and --help, else 0: one for all, as getopt_long takes
 * an abbreviation that fits options of differing vals for ambiguous. every_option_fill(). */
static struct option every_option[128];
/* The options that choose a command (commands[]) or a mode of parse_args (the client's without
 * any), for cli_options_known(). */
static const char *command_names[sizeof commands / sizeof commands[0] + 5];

static void
every_option_add(const struct option *t)
{
    size_t n, k;

    for (n = 0; every_option[n].name != NULL; n++)
        ;
    for (; t->name != NULL; t++) {
        for (k = 0; k < n && strcmp(every_option[k].name, t->name) != 0; k++)
            ;
        if (k < n) {
            /* main() cannot tell a value from a flag for an option that takes one in one
             * command and none in another: a mistake of ours, for the tests to find */
            if (every_option[k].has_arg != t->has_arg) {
                fprintf(stderr, "ccrm: --%s takes a value in one command and none in another\n",
                        t->name);
                abort();
            }
            continue;
        }
        if (n + 1 >= sizeof every_option / sizeof every_option[0]) {
            fputs("ccrm: too many options for every_option[] (src/main.c)\n", stderr);
            abort();
        }
        every_option[n].name = t->name;
        every_option[n].has_arg = t->has_arg;
        every_option[n].flag = NULL;
        every_option[n].val = t->val == 'd' || t->val == 'c' || t->val == 'h' ? t->val : 0;
        for (k = 0; k < sizeof commands / sizeof commands[0]; k++)
            if (strcmp(commands[k].flag, t->name) == 0)
                every_option[n].val = 'C';
        n++;
    }
}

static void
every_option_fill(void)
{
    static const struct option *const tables[] = {
        main_options,        cli_import_options,  cli_export_options, cli_admin_options,
        cli_feed_options,    cli_log_options,     cli_mail_options,   cli_mail_import_options,
        cli_service_options, cli_billing_options,
    };
    size_t i;

    if (every_option[0].name != NULL)
        return;
    for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
        every_option_add(tables[i]);
    for (i = 0; cli_marketing_options[i] != NULL; i++)
        every_option_add(cli_marketing_options[i]);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        command_names[i] = commands[i].flag;
    command_names[i++] = "migrate";
    command_names[i++] = "demo";
    command_names[i++] = "local-start";
    command_names[i++] = "local-stop";
    cli_options_known(every_option, command_names);
}

/* The command line as the commands read it: whether help was asked for, the first flag that
 * names a command ("export"), and argv with each value that looks like an option joined to
 * it ("--output=--report", "-o--report"), for cli_marketing_dispatch(), which looks for its
 * flags among the words as they are. joined (argc + 1 long) is freed by the caller. */
struct command_line {
    int help;
    const char *command;
    char **joined;
    int njoined;
};

static void
read_command_line(int argc, char **argv, struct command_line *cl)
{
    char **copy = xmalloc(((size_t)argc + 1) * sizeof *copy);
    unsigned char *join = xmalloc((size_t)argc + 1);
    int c, k, idx;

    every_option_fill();
    memset(cl, 0, sizeof *cl);
    memset(join, 0, (size_t)argc + 1);
    /* getopt_long reorders the words it reads: a copy (the strings are the same) */
    memcpy(copy, argv, ((size_t)argc + 1) * sizeof *copy);
    optind = 0; /* (a fresh start; the command's own reading starts afresh too) */
    opterr = 0;
    for (;;) {
        idx = -1;
        if ((c = getopt_long(argc, copy, ":d:c:o:hqV", every_option, &idx)) == -1)
            break;
        if (c == 'h') {
            cl->help = 1;
            continue;
        }
        if (c == ':' && optopt == 'C' && cl->command == NULL && optind > 0 &&
            strncmp(copy[optind - 1], "--", 2) == 0) {
            /* a command named in full without its value ("ccrm --export"): still the command,
             * whose reading says that the value is missing, not "unknown option" */
            for (k = 0; every_option[k].name != NULL; k++)
                if (every_option[k].val == 'C' &&
                    strcmp(copy[optind - 1] + 2, every_option[k].name) == 0)
                    cl->command = every_option[k].name;
            continue;
        }
        if (c == '?' || c == ':')
            continue; /* the command says what is wrong */
        if (c == 'C') {
            /* a command is named in full ("--report", "--report=x"): getopt_long takes any
             * unambiguous prefix, and "--rep" would be --reply as much as --report */
            const char *w = copy[optind - 1 - (optarg != NULL && optarg == copy[optind - 1])];
            size_t len = strlen(every_option[idx].name);

            if (strncmp(w, "--", 2) != 0 || strncmp(w + 2, every_option[idx].name, len) != 0 ||
                (w[2 + len] != '\0' && w[2 + len] != '='))
                continue;
            if (cl->command == NULL)
                cl->command = every_option[idx].name;
            /* "ccrm --export --help" asks for help, not for the entity "--help" */
            if (optarg != NULL && (strcmp(optarg, "--help") == 0 || strcmp(optarg, "-h") == 0))
                cl->help = 1;
        }
        /* a value given as a word of its own that looks like an option: joined to it */
        if (optarg != NULL && optarg[0] == '-' && optarg == copy[optind - 1])
            for (k = 2; k < argc; k++)
                if (argv[k] == optarg)
                    join[k - 1] = 1;
    }
    optind = 0;
    cl->joined = xmalloc(((size_t)argc + 1) * sizeof *cl->joined);
    for (k = 0; k < argc; k++) {
        if (join[k]) {
            cl->joined[cl->njoined++] =
                xasprintf(argv[k][1] == '-' ? "%s=%s" : "%s%s", argv[k], argv[k + 1]);
            k++;
        } else {
            cl->joined[cl->njoined++] = xstrdup(argv[k]);
        }
    }
    cl->joined[cl->njoined] = NULL;
    free(join);
    free(copy);
}

static void
command_line_fini(struct command_line *cl)
{
    int k;

    for (k = 0; k < cl->njoined; k++)
        free(cl->joined[k]);
    free(cl->joined);
    cl->joined = NULL;
}

/* Batch commands with flags of their own are handed the whole command line. Returns the
 * command's exit code, or -1 when argv names none of them. */
static int
dispatch_command(int argc, char **argv)
{
    static struct command_line cl; /* (static: a command may exit() while it is in use) */
    size_t c;
    int rc;

    read_command_line(argc, argv, &cl);
    /* help wins wherever it is asked for ("ccrm --export --help"), but not as a value */
    if (cl.help) {
        command_line_fini(&cl);
        usage(stdout);
        cli_exit_printed();
    }
    /* --report, --unmerge, --export campaign_members, --import ... --into campaign_responses */
    rc = cli_marketing_dispatch(cl.njoined, cl.joined);
    command_line_fini(&cl);
    if (rc >= 0)
        return rc;
    for (c = 0; cl.command != NULL && c < sizeof commands / sizeof commands[0]; c++)
        if (strcmp(cl.command, commands[c].flag) == 0 && commands[c].run != NULL)
            return commands[c].run(argc, argv);
    return -1;
}

/* Standard input, output and error closed by the caller (`ccrm --feed >&-`): the next file
 * opened, the database's socket, would take their numbers, and output meant for the reader
 * would go to the server (and --feed --state count it as printed). Each closed one is held by
 * /dev/null opened the other way round, so that using it fails (EBADF) as it would closed. */
static void
hold_std_fds(void)
{
    int fd;

    for (fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);

            if (got != fd && got >= 0)
                close(got); /* (a lower one was free: it is being held by now) */
        }
}

/* A batch command's output that did not reach standard output (a full disk, stdout closed)
 * is a failure, exit 74, not a quiet 0; a reader that went away (| head) is not. A command
 * that failed with 74 already said why (--export, --report, --ics: "could not write the
 * export: No space left on device"): not said a second time. */
static int
stdout_checked(int rc)
{
    errno = 0;
    if (fflush(stdout) == EOF || ferror(stdout)) {
        if (cli_reader_gone(stdout) || rc == EX_IOERR)
            return rc;
        fprintf(stderr, "ccrm: could not write to standard output%s%s\n", errno ? ": " : "",
                errno ? strerror(errno) : "");
        return rc == 0 ? EX_IOERR : rc;
    }
    return rc;
}

#ifdef __SANITIZE_ADDRESS__
/* The sanitizer build's LeakSanitizer (GCC 12 with glibc 2.36) misreads the dynamic TLS of the
 * libraries a module brings (GLib's, dlopen()ed with ccrm-mail.so or ccrm-doc.so) and dies at
 * exit, "Tracer caught signal 11", exit 1, depending on how the heap lies (an --attach of one
 * more name did it). It does not read thread-local storage here: ccrm keeps nothing there,
 * and what GLib, libical, Kerberos, OpenSSL and glibc's dlerror() keep only there (per-thread
 * caches, icalerrno, libpq's GSSAPI and TLS state, the last dlopen() error) is theirs, not a leak
 * of ours. So a leak through GLib's allocator goes unreported in this build; ccrm's own are still
 * found. */
__attribute__((visibility("default"))) const char *__lsan_default_options(void);
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void);

const char *
__lsan_default_options(void)
{
    return "use_tls=0";
}

const char *
__lsan_default_suppressions(void)
{
    return "leak:libglib-2.0.so\nleak:libgobject-2.0.so\nleak:libgio-2.0.so\nleak:libical.so\n"
           "leak:libkrb5support.so\nleak:libkrb5.so\nleak:libgssapi_krb5.so\nleak:libcrypto.so\n"
           "leak:libssl.so\nleak:_dlerror_run\nleak:_dl_exception_create_format\n";
}
#endif

int
main(int argc, char **argv)
{
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct opts o;
    int rc;

    hold_std_fds();
    trace_init();
    setlocale(LC_ALL, "");
    ctype_utf8();
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    /* a batch command's reader that goes away (| head) is no failure (stdout_checked): its
     * writes fail with EPIPE instead of killing it; the client installs its own (sig_init) */
    signal(SIGPIPE, SIG_IGN);
    if ((rc = dispatch_command(argc, argv)) >= 0)
        return stdout_checked(rc);
    if (parse_args(argc, argv, &o) == -1)
        return cli_usage_error();
    if (config_load(&cfg, o.flags.config, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(&cfg);
        return EX_CONFIG;
    }
    rc = o.mode == MODE_TUI ? run_tui(&o, &cfg) : run_batch(&o, &cfg);
    config_fini(&cfg);
    return o.mode == MODE_TUI ? rc : stdout_checked(rc);
}
