/* ccrm --log ticket|interaction: write a ticket or an interaction from a script (a phone
 * system, a mail hook), for the contact with the given e-mail address; it shows up live in
 * every client like any other change (src/db/log.c writes it). */
#include <ctype.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ccrm/cli.h"
#include "ccrm/db.h"
#include "ccrm/entity.h"
#include "ccrm/util.h"
#include "ccrm/value.h"
#include "cli_int.h"
#include "import_int.h"

static void
usage(FILE *f)
{
    fputs("usage: ccrm --log ticket|interaction --contact EMAIL --subject TEXT [--body TEXT]\n"
          "            [--channel C] [--kind call|email|meeting|chat|note|task]"
          " [-d CONNINFO] [-c FILE]\n",
          f);
}

static int
log_usage(void)
{
    usage(stderr);
    return EX_USAGE;
}

static int
run_log(const char *what, const struct cli_flags *flags, const char *email, const char *subject,
        const char *body, const char *channel, const char *kind)
{
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    int private_db, rc;
    char msg[512];

    if ((rc = cli_load_config(&cfg, flags->config)) != 0)
        return rc;
    if ((db = cli_open_db(flags->conninfo, &cfg, 1, &private_db, &err)) == NULL) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    if (db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = EX_UNAVAILABLE;
    } else {
        rc = db_log_record(db, what, email, subject, body, channel, kind, msg, sizeof msg, &err);
        if (rc == 0) {
            safe_fprintf(stdout, "ccrm: %s\n", msg);
        } else {
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
            rc = rc == 1                              ? EX_DATAERR
                 : strcmp(err.sqlstate, "42501") == 0 ? EX_NOPERM
                 : db_state(db) != DB_READY           ? EX_UNAVAILABLE
                                                      : EX_SOFTWARE;
        }
    }
    db_close(&db);
    config_fini(&cfg);
    return rc;
}

enum { O_LOG = 256, O_CONTACT, O_SUBJECT, O_BODY, O_CHANNEL, O_KIND, O_FEED, O_FEED_ONLY };

/* the options of --log (cli_int.h) */
const struct option cli_log_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"log", required_argument, NULL, O_LOG},
    {"contact", required_argument, NULL, O_CONTACT},
    {"subject", required_argument, NULL, O_SUBJECT},
    {"body", required_argument, NULL, O_BODY},
    {"channel", required_argument, NULL, O_CHANNEL},
    {"kind", required_argument, NULL, O_KIND},
    /* --feed's own, only to say they are another command's */
    {"feed", no_argument, NULL, O_FEED},
    {"since", required_argument, NULL, O_FEED_ONLY},
    {"state", required_argument, NULL, O_FEED_ONLY},
    {NULL, 0, NULL, 0},
};

int
cli_log_main(int argc, char **argv)
{
    const char *log = NULL, *email = NULL, *subject = NULL, *body = NULL, *channel = NULL;
    static const char *const kinds[] = {"ticket", "interaction", NULL};
    const char *kind = NULL;
    struct cli_flags flags = {0};
    int c;

    while ((c = cli_getopt(argc, argv, ":d:c:", cli_log_options, &flags, usage, 0)) != -1) {
        switch (c) {
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
        case O_KIND: /* a choice: in any letter case, as forms and imports take it */
            for (char *k = optarg; *k != '\0'; k++)
                *k = (char)tolower((unsigned char)*k);
            kind = optarg;
            break;
        case O_FEED:
            fputs("ccrm: choose one of --feed and --log\n", stderr);
            return log_usage();
        case O_FEED_ONLY:
            fputs("ccrm: --since and --state go with --feed\n", stderr);
            return log_usage();
        default:
            return log_usage();
        }
    }
    if (log == NULL)
        return log_usage();
    if (cli_choice("--log", log, kinds) == -1)
        return EX_USAGE;
    if (channel != NULL && strcmp(log, "ticket") == 0) /* a ticket's channel is a choice */
        for (char *k = (char *)channel; *k != '\0'; k++)
            *k = (char)tolower((unsigned char)*k);
    if (email != NULL) { /* " a@b.example " as every writer reads an address: trimmed */
        char *end;

        email += strspn(email, " \t");
        for (end = (char *)email + strlen(email);
             end > email && (end[-1] == ' ' || end[-1] == '\t');)
            *--end = '\0';
    }
    if (kind != NULL && strcmp(log, "interaction") != 0) {
        fputs("ccrm: --kind goes with --log interaction (a ticket has none)\n", stderr);
        return cli_usage_error();
    }
    if (email == NULL || subject == NULL || subject[strspn(subject, " \t\r\n")] == '\0') {
        fputs("ccrm: --log needs --contact EMAIL and a non-empty --subject TEXT\n", stderr);
        return log_usage();
    }
    {
        /* text the database stores as UTF-8: a wrong byte is the command line's mistake */
        const char *const texts[][3] = {{"--subject", subject, "subject"},
                                        {"--body", body, "body"},
                                        {"--channel", channel, "channel"},
                                        {"--contact", email, "email"}};
        const char *table = strcmp(log, "ticket") == 0 ? "tickets" : "interactions";
        size_t i, at;

        for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
            if (texts[i][1] != NULL && imp_utf8_check(texts[i][1], strlen(texts[i][1]), &at) != 0) {
                fprintf(stderr, "ccrm: %s: not valid UTF-8 (byte %zu)\n", texts[i][0], at + 1);
                return cli_usage_error();
            }
        /* the choices the registry has from the CHECKs: said here, in one line, not as the
         * database's constraint error (exit 65, as a value the database refuses) */
        if (kind != NULL &&
            cli_choice("--kind", kind,
                       entity_field(entity_find("interactions"), "kind")->choices) == -1)
            return EX_DATAERR;
        if (channel != NULL && strcmp(log, "ticket") == 0 &&
            cli_choice("--channel", channel,
                       entity_field(entity_find("tickets"), "channel")->choices) == -1)
            return EX_DATAERR;
        /* a text as forms and imports take it */
        for (i = 0; i < 3; i++)
            if (texts[i][1] != NULL &&
                cli_text_ok(texts[i][0], table, texts[i][2], 1, 0, texts[i][1]) == -1)
                return EX_DATAERR;
    }
    {
        /* the address as every other writer reads one (it may become a new contact's) */
        static const struct value_rule rule = {.type = FIELD_EMAIL, .maxlen = 254};
        struct value_err verr;
        char norm[300];

        if (strlen(email) > 254 ||
            value_normalize(&rule, email, strlen(email), norm, sizeof norm, &verr) < 0) {
            safe_fprintf(stderr, "ccrm: --contact: \"%s\" is not a valid e-mail address\n", email);
            return EX_DATAERR;
        }
    }
    return run_log(log, &flags, email, subject, body, channel, kind);
}
