/* Batch commands (src/cli/): each parses its own flags and returns a sysexits code. They
 * never include curses. main() hands argv to the command named by its mode flag. */
#ifndef CCRM_CLI_H
#define CCRM_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/err.h"

/* Open the database the flags and configuration name: conninfo (-d) if not NULL, else
 * [database] conninfo, else libpq's environment (PGHOST, ...), else the private cluster, which
 * is migrated with CLI_DB_MIGRATE in how. With CLI_DB_LIVE the command needs live updates
 * (LISTEN): a standby server is refused, saying so; without it a standby is read from (its
 * writes are refused as read-only). *private_db tells which. NULL with err set. */
enum { CLI_DB_MIGRATE = 1, CLI_DB_LIVE = 2 };
struct db *cli_open_db(const char *conninfo, const struct ccrm_config *cfg, int how,
                       int *private_db, struct ccrm_err *err);

/* A write that must not be done twice failed as the connection dropped as it committed
 * (db_write_unanswered gave xid, not ""): connect again (a few tries, some seconds) and ask
 * whether it was written (db_write_landed), so that the command says what happened rather than
 * leave it to a retry that would do it twice. 1 it was, 0 it was not, -1 that cannot be told
 * (err says why). */
int cli_write_landed(struct db *db, const char *xid, struct ccrm_err *err);

/* Load the configuration for a batch command (-c FILE may be NULL). Prints the error and
 * returns EX_CONFIG on failure, else 0. */
int cli_load_config(struct ccrm_config *cfg, const char *file);

/* The flags every command takes, and getopt_long's answers said the same way everywhere. */
struct cli_flags {
    const char *conninfo; /* -d, --db */
    const char *config;   /* -c, --config */
    int operands;         /* set by the command: arguments that are no option are its own */
    int started;
};
#define CLI_FLAGS_LONGOPTS                                                                         \
    {"db", required_argument, NULL, 'd'}, {"config", required_argument, NULL, 'c'},                \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* getopt_long() for a command (f zeroed before the first call; shortopts start with ":d:c:h",
 * longopts include CLI_FLAGS_LONGOPTS). Takes -d and -c into f and answers -h (usage on
 * standard output, exit 0) itself; returns the next option that is the command's own, -1 at
 * the end of a valid command line, or '?' after saying on standard error what is wrong (an
 * option without its value; an unknown option, then usage(stderr) if usage_on_error; an
 * argument that is no option, unless f->operands: then argv[optind..argc-1] are the
 * command's to check). An option given twice, and an empty --output, are said and exit 64
 * here. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               struct cli_flags *f, void (*usage)(FILE *), int usage_on_error);

/* After a command line error said in one line on standard error: the hint
 * 'Try "ccrm --help" for more information.', and EX_USAGE to return. */
int cli_usage_error(void);

/* The checks of flag values shared by the commands. Each returns 0, or -1 after one line on
 * standard error that names the flag and the value (the caller then returns EX_USAGE, through
 * cli_usage_error() in the commands that give the hint). */
/* a whole number from min to max: "ccrm: --days: expected a number from 1 to 366, got "x"" */
int cli_number(const char *flag, const char *s, long min, long max, long *out);
/* a date YYYY-MM-DD (whether the day exists, the server says) */
int cli_date(const char *flag, const char *s);
/* one of the words in choices (NULL-terminated): its index, or -1 after
 * "ccrm: --format: expected csv or jsonl, got "x"" */
int cli_choice(const char *flag, const char *s, const char *const *choices);
/* A record's id: 1 to 18 digits, not 0. Returns 0 and sets *out, or -1 (quietly: the callers
 * say what the number names). */
int cli_id(const char *s, int64_t *out);

/* Print what --import and --export take ("leads, accounts, contacts, deals, ..."). */
void cli_entities(FILE *f);

/* The commands: argv is the whole command line (argv[0] = "ccrm"). */
int cli_import_main(int argc, char **argv); /* --import, --revert (src/cli/import.c) */
int cli_export_main(int argc, char **argv); /* --export (src/cli/export.c) */
int cli_admin_main(int argc, char **argv);  /* --add-user, --disable-user, --share, --unshare */
int cli_feed_main(int argc, char **argv);   /* --feed (src/cli/feed.c) */
int cli_log_main(int argc, char **argv);    /* --log (src/cli/log.c) */
int cli_mail_main(int argc, char **argv);   /* --mail-in, --send-mail, --reply (src/cli/mail.c) */
int cli_mail_import_main(int argc, char **argv); /* --import-mail (src/cli/mail_import.c) */
/* --who, --agenda, --ics, --tick (src/cli/service.c) */
int cli_service_main(int argc, char **argv);
/* --print, --issue, --payment, --credit-note, --invoice-from (src/cli/billing.c) */
int cli_billing_main(int argc, char **argv);

#endif
