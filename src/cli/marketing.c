/* Marketing's batch commands: ccrm --report NAME, ccrm --unmerge MERGE, ccrm --export
 * campaign_members --campaign N and ccrm --import FILE --into campaign_responses. Flags and
 * messages here; the SQL in src/db/marketing.c and schema/functions/92_marketing.sql. The CSV
 * of responses is read like every import (csvread.c, validate.c): streamed, each bad row named
 * by its line, all or nothing unless --rejects. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/marketing.h"
#include "ccrm/util.h"
#include "ccrm/value.h"
#include "cli_int.h"
#include "import_int.h"

/* The value of flag in argv ("--flag VALUE" or "--flag=VALUE"), or NULL. */
static const char *
flag_value(int argc, char **argv, const char *flag)
{
    size_t k = strlen(flag);
    int i;

    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], flag) == 0)
            return i + 1 < argc ? argv[i + 1] : "";
        if (strncmp(argv[i], flag, k) == 0 && argv[i][k] == '=')
            return argv[i] + k + 1;
    }
    return NULL;
}

static int
has_flag(int argc, char **argv, const char *flag)
{
    return flag_value(argc, argv, flag) != NULL;
}

static void
usage(FILE *f)
{
    fputs("usage: ccrm --report NAME|list [--format csv|jsonl] [--from DATE] [--to DATE]\n"
          "            [--output FILE] [--primary]\n"
          "       ccrm --unmerge MERGE\n"
          "       ccrm --export campaign_members --campaign N [--format csv|jsonl]\n"
          "            [-o|--output FILE]\n"
          "       ccrm --import FILE --into campaign_responses [--campaign N] [--rejects FILE]\n"
          "            [--delimiter ,|;|tab|'|'] [--dry-run]\n"
          "Every command takes -d CONNINFO and -c FILE. See ccrm(1).\n",
          f);
}

/* The exit code for a failed database call. */
static int
db_exit(struct db *db, const struct ccrm_err *err)
{
    if (db != NULL && db_lost(db))
        return EX_UNAVAILABLE;
    if (strcmp(err->sqlstate, "42501") == 0)
        return EX_NOPERM;
    if (strcmp(err->sqlstate, "P0002") == 0 || strcmp(err->sqlstate, "55000") == 0)
        return EX_DATAERR;
    if (strncmp(err->sqlstate, "22", 2) == 0)
        return EX_USAGE;
    if (strcmp(err->sqlstate, "58030") == 0) /* the output could not be written */
        return EX_IOERR;
    if (strcmp(err->sqlstate, "57014") == 0) /* statement_timeout: as --export says it */
        return EX_UNAVAILABLE;
    return EX_SOFTWARE;
}

/* The common flags of these commands. */
struct common {
    const char *conninfo, *config, *output;
    int jsonl, quiet;
    const char *given; /* the first of --format, --output and --quiet given, else NULL */
};

/* the options every command here takes */
enum { OPT_FORMAT = 300, OPT_OUTPUT };
static const struct option common_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"quiet", no_argument, NULL, 'q'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {NULL, 0, NULL, 0},
};

/* Parse -d, -c, --format, --output, --quiet and the command's own flags (extra, handled by
 * on_opt) through cli_getopt. Returns 0, or an exit code after saying what is wrong. */
static int
parse_common(int argc, char **argv, const struct option *extra, struct common *o,
             int (*on_opt)(int ch, const char *arg, void *st), void *st)
{
    static const char *const formats[] = {"csv", "jsonl", NULL};
    struct cli_flags flags = {0};
    struct option longopts[32];
    int n = 0, ch, rc;

    memset(o, 0, sizeof *o);
    for (; common_options[n].name != NULL; n++)
        longopts[n] = common_options[n];
    for (; extra != NULL && extra->name != NULL && n < 31; extra++)
        longopts[n++] = *extra;
    memset(&longopts[n], 0, sizeof longopts[n]);
    while ((ch = cli_getopt(argc, argv, ":d:c:hqo:", longopts, &flags, usage, 0)) != -1) {
        switch (ch) {
        case 'q':
            o->quiet = 1;
            o->given = o->given != NULL ? o->given : "--quiet";
            break;
        case OPT_FORMAT:
            if ((o->jsonl = cli_choice("--format", optarg, formats)) == -1)
                return cli_usage_error();
            o->given = o->given != NULL ? o->given : "--format";
            break;
        case 'o':
        case OPT_OUTPUT:
            o->output = optarg;
            o->given = o->given != NULL ? o->given : "--output";
            break;
        case '?':
            return cli_usage_error();
        default:
            if ((rc = on_opt(ch, optarg, st)) != 0)
                return rc == EX_USAGE ? cli_usage_error() : rc;
        }
    }
    o->conninfo = flags.conninfo;
    o->config = flags.config;
    return 0;
}

/* Open the database for a command (the migration of a private database included). */
static struct db *
open_db(const struct common *o, struct ccrm_config *cfg, int *rc)
{
    struct ccrm_err err;
    struct db *db;
    int private_db;

    if ((db = cli_open_db(o->conninfo, cfg, 1, &private_db, &err)) == NULL ||
        db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        db_close(&db);
        *rc = EX_UNAVAILABLE;
        return NULL;
    }
    return db;
}

/* Where a report or an export goes: standard output, or the --output file written whole
 * through a temporary file renamed over it at the end (src/cli/common.c), so a failure leaves
 * what was there and no half-written file. */
struct output {
    const char *path; /* NULL: standard output */
    struct cli_out file;
    FILE *f;
};

/* Returns 0, or -1 with *rc set after saying why. */
static int
open_output(struct output *out, const char *path, int *rc)
{
    struct ccrm_err err;

    memset(out, 0, sizeof *out);
    out->f = stdout;
    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    if (cli_out_open(&out->file, path, 0666, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        *rc = EX_CANTCREAT;
        return -1;
    }
    out->path = path;
    out->f = out->file.f;
    return 0;
}

/* Finish the output of a command that wrote rows (rows < 0: it failed, err says why). A write
 * to standard output that failed because its reader went away (| head) is no failure and says
 * nothing (the other batch commands exit 0 then too); the file is renamed into place only when
 * all went well, else removed. Returns the exit code. */
static int
close_output(struct output *out, struct db *db, long long rows, const struct ccrm_err *err)
{
    struct ccrm_err werr;
    int rc = 0;

    if (out->path == NULL && (fflush(stdout) != 0 || ferror(stdout))) {
        if (cli_reader_gone(stdout))
            return 0;
        rc = EX_IOERR;
    }
    if (rows < 0) {
        safe_fprintf(stderr, "ccrm: %s\n", err->msg);
        rc = db_exit(db, err);
    }
    if (out->path != NULL && cli_out_close(&out->file, rc == 0, &werr) == -1 && rc == 0) {
        safe_fprintf(stderr, "ccrm: %s\n", werr.msg);
        rc = EX_IOERR; /* as a write that failed on the way (58030) */
    }
    return rc;
}

/* ---- ccrm --report NAME ---- */

struct report_opts {
    const char *name, *from, *to;
    int primary;
};

static int
report_opt(int ch, const char *arg, void *st)
{
    struct report_opts *r = st;

    switch (ch) {
    case 400:
        r->name = arg;
        return 0;
    case 401:
    case 402:
        if (cli_date(ch == 401 ? "--from" : "--to", arg) == -1)
            return EX_USAGE;
        if (ch == 401)
            r->from = arg;
        else
            r->to = arg;
        return 0;
    case 403:
        r->primary = 1;
        return 0;
    }
    return EX_USAGE;
}

static void
report_list(FILE *f)
{
    int i;

    fputs("reports (ccrm --report NAME [--format csv|jsonl] [--from DATE] [--to DATE]):\n", f);
    for (i = 0; db_report_names[i] != NULL; i++)
        fprintf(f, "  %-22s %s\n", db_report_names[i], db_report_about[i]);
}

static const struct option report_options[] = {
    {"report", required_argument, NULL, 400},
    {"from", required_argument, NULL, 401},
    {"to", required_argument, NULL, 402},
    {"primary", no_argument, NULL, 403},
    {NULL, 0, NULL, 0},
};

static int
report_main(int argc, char **argv)
{
    struct report_opts r = {NULL, NULL, NULL, 0};
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct common o;
    struct db *db = NULL;
    struct output out;
    long long rows;
    int rc, i, known = 0;

    if ((rc = parse_common(argc, argv, report_options, &o, report_opt, &r)) != 0)
        return rc;
    if (r.name != NULL && strcmp(r.name, "list") == 0 &&
        (o.given != NULL || r.from != NULL || r.to != NULL || r.primary)) {
        /* the list is text for a person, not a report: it would go to the terminal anyway */
        fprintf(stderr, "ccrm: %s does not go with --report list\n",
                o.given != NULL  ? o.given
                : r.from != NULL ? "--from"
                : r.to != NULL   ? "--to"
                                 : "--primary");
        return cli_usage_error();
    }
    if (r.name == NULL || strcmp(r.name, "list") == 0) {
        report_list(r.name == NULL ? stderr : stdout);
        return r.name == NULL ? EX_USAGE : 0;
    }
    for (i = 0; db_report_names[i] != NULL; i++)
        known |= strcmp(db_report_names[i], r.name) == 0;
    if (!known) {
        safe_fprintf(stderr, "ccrm: --report: unknown report \"%s\"\n", r.name);
        report_list(stderr);
        return EX_USAGE;
    }
    if (r.from != NULL && r.to != NULL && strcmp(r.from, r.to) >= 0) {
        fprintf(stderr, "ccrm: --from %s is not before --to %s\n", r.from, r.to);
        return cli_usage_error();
    }
    if ((rc = cli_load_config(&cfg, o.config)) != 0)
        return rc;
    /* reports are reads: a streaming replica takes them when one is configured, unless a
     * database was named on the command line or --primary asks for the primary */
    if (cfg.replica_conninfo != NULL && o.conninfo == NULL && !r.primary) {
        struct db_options dbo = {cfg.statement_timeout_ms, cfg.connect_timeout_s, "ccrm report", 0};

        if ((db = db_report_reader(cfg.replica_conninfo, &dbo, &err)) == NULL) {
            safe_fprintf(stderr, "ccrm: the replica ([database] replica_conninfo): %s\n", err.msg);
            config_fini(&cfg);
            return EX_UNAVAILABLE;
        }
    } else if ((db = open_db(&o, &cfg, &rc)) == NULL) {
        config_fini(&cfg);
        return rc;
    }
    config_fini(&cfg);
    if (open_output(&out, o.output, &rc) == -1) {
        db_close(&db);
        return rc;
    }
    rows = db_report_write(db, r.name, r.from, r.to, o.jsonl, out.f, &err);
    rc = close_output(&out, db, rows, &err);
    db_close(&db);
    return rc;
}

/* ---- ccrm --unmerge MERGE ---- */

static int
unmerge_opt(int ch, const char *arg, void *st)
{
    if (ch != 410)
        return EX_USAGE;
    *(const char **)st = arg;
    return 0;
}

static const struct option unmerge_options[] = {
    {"unmerge", required_argument, NULL, 410},
    {NULL, 0, NULL, 0},
};

static int
unmerge_main(int argc, char **argv)
{
    const char *arg = NULL;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct common o;
    struct db *db;
    int64_t id;
    char msg[512]; /* the summary, and the opt-outs kept for both records */
    int rc;

    if ((rc = parse_common(argc, argv, unmerge_options, &o, unmerge_opt, &arg)) != 0)
        return rc;
    if (arg == NULL || cli_id(arg, &id) == -1) {
        safe_fprintf(stderr, "ccrm: --unmerge: expected a merge number, got \"%s\"\n",
                     arg != NULL ? arg : "");
        return cli_usage_error();
    }
    if (o.given != NULL) { /* it writes one line and no file: nothing to format or put */
        fprintf(stderr, "ccrm: %s does not go with --unmerge\n", o.given);
        return cli_usage_error();
    }
    if ((rc = cli_load_config(&cfg, o.config)) != 0)
        return rc;
    db = open_db(&o, &cfg, &rc);
    config_fini(&cfg);
    if (db == NULL)
        return rc;
    if (db_unmerge(db, id, msg, sizeof msg, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = db_exit(db, &err);
    } else {
        printf("ccrm: %s\n", msg);
        rc = 0;
    }
    db_close(&db);
    return rc;
}

/* ---- ccrm --export campaign_members --campaign N ---- */

static int
export_opt(int ch, const char *arg, void *st)
{
    if (ch == 420) /* --export: the entity, checked by the dispatcher */
        return 0;
    if (ch != 421)
        return EX_USAGE;
    *(const char **)st = arg;
    return 0;
}

static const struct option members_options[] = {
    {"export", required_argument, NULL, 420},
    {"campaign", required_argument, NULL, 421},
    {NULL, 0, NULL, 0},
};

static int
members_export_main(int argc, char **argv)
{
    const char *arg = NULL;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct common o;
    struct db *db;
    long long rows, opted, noaddr;
    int64_t id;
    struct output out;
    int rc;

    if ((rc = parse_common(argc, argv, members_options, &o, export_opt, &arg)) != 0)
        return rc;
    if (arg == NULL || cli_id(arg, &id) == -1) {
        fprintf(stderr, "ccrm: --export campaign_members needs --campaign N (a campaign's id)%s\n",
                arg != NULL ? ", got a value that is not one" : "");
        return cli_usage_error();
    }
    if ((rc = cli_load_config(&cfg, o.config)) != 0)
        return rc;
    db = open_db(&o, &cfg, &rc);
    config_fini(&cfg);
    if (db == NULL)
        return rc;
    if (open_output(&out, o.output, &rc) == -1) {
        db_close(&db);
        return rc;
    }
    rows = db_campaign_members_export(db, id, o.jsonl, out.f, &opted, &noaddr, &err);
    rc = close_output(&out, db, rows, &err);
    if (rc == 0 && rows >= 0 && !o.quiet && (opted > 0 || noaddr > 0)) {
        fprintf(stderr, "ccrm: %lld members exported; left out: ", rows);
        if (opted > 0)
            fprintf(stderr, "%lld who opted out%s", opted, noaddr > 0 ? ", " : "");
        if (noaddr > 0)
            fprintf(stderr, "%lld without an e-mail address", noaddr);
        fputc('\n', stderr);
    }
    db_close(&db);
    return rc;
}

/* ---- ccrm --import FILE --into campaign_responses ---- */

enum resp_col { RC_CAMPAIGN, RC_EMAIL, RC_CONTACT, RC_LEAD, RC_STATUS, RC_AT, RC_NOTE, RC_N };

/* A note is at most this many characters (campaign_responses_note_check, schema/021); a value
 * of any column is read into a buffer that holds that many characters of four bytes. */
#define RESP_NOTE_MAX 2000
#define RESP_VAL_MAX (4 * RESP_NOTE_MAX + 16)

static const char *const resp_names[RC_N] = {
    "campaign", "email", "contact_id", "lead_id", "status", "at", "note",
};
/* header names folded (lower case letters and digits), '|'-separated */
static const char *const resp_synonyms[RC_N] = {
    "campaign|campaignid|campaignname",
    "email|emailaddress|mail|recipient|address|contactemail",
    "contactid|contact",
    "leadid|lead",
    "status|event|response|action|activity|type",
    "at|time|timestamp|date|datetime|eventtime|occurredat",
    "note|notes|comment|comments",
};
/* The e-mail address and the time, read as every import reads them (the one normaliser: an
 * import keeps a time's seconds and offset as given). */
static const struct value_rule email_rule = {.type = FIELD_EMAIL, .maxlen = 254};
static const struct value_rule at_rule = {.type = FIELD_DATETIME, .maxlen = 64, .exact = 1};

static long
resp_value(const struct value_rule *r, const char *name, const char *v, size_t len, char *out,
           size_t outcap, char *reason, size_t n)
{
    struct value_err e;
    long l = value_normalize(r, v, len, out, outcap, &e);

    /* a reason longer than n is cut (the return value read: no truncation warning) */
    if (l < 0 && snprintf(reason, n, "column \"%s\"%s", name, e.tail) < 0)
        reason[0] = '\0';
    return l;
}

/* A status as mailing tools write it, to ours: NULL when unknown. */
static const char *
resp_status(const char *s, size_t len)
{
    static const struct {
        const char *in, *out;
    } map[] = {
        {"sent", "sent"},
        {"send", "sent"},
        {"delivered", "sent"},
        {"opened", "opened"},
        {"open", "opened"},
        {"clicked", "clicked"},
        {"click", "clicked"},
        {"replied", "replied"},
        {"reply", "replied"},
        {"responded", "replied"},
        {"registered", "registered"},
        {"register", "registered"},
        {"converted", "converted"},
        {"convert", "converted"},
        {"unsubscribed", "unsubscribed"},
        {"unsubscribe", "unsubscribed"},
        {"optout", "unsubscribed"},
        {"optedout", "unsubscribed"},
    };
    char f[32];
    size_t i;

    if (len >= sizeof f)
        return NULL;
    imp_fold(s, len, f, sizeof f);
    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(f, map[i].in) == 0)
            return map[i].out;
    return NULL;
}

struct resp_state {
    const char *label;
    struct db *db;
    struct db_responses *imp;
    struct sbuf copy;
    int col[IMP_MAX_FIELDS]; /* header field -> resp_col, -1 ignored */
    size_t nfields;
    int have[RC_N];
    int have_header, fatal;
    char *hdr_raw;
    size_t hdr_rawlen;
    /* --rejects: written beside the file and renamed over it when the run is through, so a
     * run that fails (no database, a refusal, a bad file) leaves the rejects file there was */
    struct cli_out rejects_out;
    FILE *rejects; /* rejects_out.f, or NULL without --rejects */
    const char *rejects_path;
    long long rows;
    /* the lines of good "unsubscribed" rows, in order, and how many of them the database
     * rejected: the rows recorded as responses are the others, so the responses skipped as
     * recorded already are what is left of them after counts.recorded */
    long *unsub;
    size_t nunsub, unsub_cap, unsub_rejected;
    struct ccrm_err err;
};

/* Map the header; returns 0, or -1 with a message printed. */
static int
resp_header(struct resp_state *s, const struct csv_record *rec)
{
    char f[128], unknown[256] = "";
    size_t i;
    int c;

    if (rec->nfields > IMP_MAX_FIELDS) {
        safe_fprintf(stderr, "ccrm: %s: the header has %zu columns, at most %d are read\n",
                     s->label, rec->nfields, IMP_MAX_FIELDS);
        return -1;
    }
    s->nfields = rec->nfields;
    for (i = 0; i < rec->nfields; i++) {
        imp_fold(rec->field[i], rec->len[i], f, sizeof f);
        s->col[i] = -1;
        for (c = 0; c < RC_N; c++) {
            char syn[128], *p, *save = NULL;

            str_copy(syn, resp_synonyms[c], sizeof syn);
            for (p = strtok_r(syn, "|", &save); p != NULL; p = strtok_r(NULL, "|", &save))
                if (strcmp(p, f) == 0)
                    break;
            if (p != NULL)
                break;
        }
        if (c < RC_N && !s->have[c]) {
            s->col[i] = c;
            s->have[c] = 1;
        } else if (c < RC_N) {
            safe_fprintf(stderr, "ccrm: %s: column \"%s\" appears twice in the header\n", s->label,
                         resp_names[c]);
            return -1;
        } else if (f[0] != '\0' && strlen(unknown) + strlen(rec->field[i]) + 4 < sizeof unknown) {
            snprintf(unknown + strlen(unknown), sizeof unknown - strlen(unknown), "%s\"%s\"",
                     unknown[0] ? ", " : "", rec->field[i]);
        }
    }
    if (!s->have[RC_STATUS] || !(s->have[RC_EMAIL] || s->have[RC_CONTACT] || s->have[RC_LEAD])) {
        fprintf(stderr,
                "ccrm: %s: the header needs a status column and one of email, contact_id, "
                "lead_id\n",
                s->label);
        return -1;
    }
    if (unknown[0] != '\0')
        safe_fprintf(stderr, "ccrm: %s: columns ignored: %s\n", s->label, unknown);
    return 0;
}

/* Check one record into vals; returns 0, or -1 with reason. */
static int
resp_check(struct resp_state *s, const struct csv_record *rec, const char *vals[RC_N],
           char bufs[RC_N][RESP_VAL_MAX], char *reason, size_t n)
{
    size_t i, at;
    int c, bad;

    if (rec->error != NULL) {
        snprintf(reason, n, "%s", rec->error);
        return -1;
    }
    if (rec->nfields != s->nfields) {
        snprintf(reason, n, "expected %zu fields, found %zu", s->nfields, rec->nfields);
        return -1;
    }
    for (c = 0; c < RC_N; c++)
        vals[c] = NULL;
    for (i = 0; i < rec->nfields; i++) {
        const char *v = rec->field[i];
        size_t len = rec->len[i];

        if ((c = s->col[i]) < 0)
            continue;
        /* said as the import says it (src/cli/validate.c): a NUL byte is no UTF-8 error */
        if ((bad = imp_utf8_check(v, len, &at)) != 0) {
            snprintf(reason, n, "column \"%s\": %s at byte %zu", resp_names[c],
                     bad == 2 ? "NUL byte" : "invalid UTF-8", at + 1);
            return -1;
        }
        while (len > 0 && (*v == ' ' || *v == '\t'))
            v++, len--;
        while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
            len--;
        if (len == 0)
            continue;
        if (c == RC_NOTE && utf8_len(v, len) > RESP_NOTE_MAX) {
            char limit[32], has[32];

            snprintf(reason, n,
                     "column \"note\" is longer than %s characters, the database's limit "
                     "(it has %s)",
                     fmt_count(RESP_NOTE_MAX, limit), fmt_count((int64_t)utf8_len(v, len), has));
            return -1;
        }
        if (len + 16 > sizeof bufs[c]) {
            char limit[32];

            snprintf(reason, n, "column \"%s\" is too long (at most %s bytes)", resp_names[c],
                     fmt_count((int64_t)(sizeof bufs[c] - 16), limit));
            return -1;
        }
        switch (c) {
        case RC_EMAIL:
            if (resp_value(&email_rule, resp_names[c], v, len, bufs[c], sizeof bufs[c], reason, n) <
                0)
                return -1;
            break;
        case RC_AT:
            if (resp_value(&at_rule, resp_names[c], v, len, bufs[c], sizeof bufs[c], reason, n) < 0)
                return -1;
            break;
        case RC_CONTACT:
        case RC_LEAD: {
            int64_t id;

            memcpy(bufs[c], v, len);
            bufs[c][len] = '\0';
            if (cli_id(bufs[c], &id) == -1) {
                snprintf(reason, n, "column \"%s\": expected an id", resp_names[c]);
                return -1;
            }
            break;
        }
        case RC_STATUS: {
            const char *st = resp_status(v, len);

            if (st == NULL) {
                snprintf(reason, n,
                         "column \"status\": \"%.*s\" is not one of sent, opened, clicked, "
                         "replied, registered, converted, unsubscribed",
                         (int)(len > 40 ? 40 : len), v);
                return -1;
            }
            str_copy(bufs[c], st, sizeof bufs[c]);
            break;
        }
        default: { /* campaign, note: text without control characters */
            size_t k;

            for (k = 0; k < len; k++)
                if (((unsigned char)v[k] < 0x20 && v[k] != '\n' && v[k] != '\t') || v[k] == 0x7f) {
                    snprintf(reason, n, "column \"%s\": control character 0x%02x", resp_names[c],
                             (unsigned char)v[k]);
                    return -1;
                }
            memcpy(bufs[c], v, len);
            bufs[c][len] = '\0';
        }
        }
        vals[c] = bufs[c];
    }
    if (vals[RC_STATUS] == NULL) {
        snprintf(reason, n, "column \"status\" is empty");
        return -1;
    }
    if (vals[RC_CONTACT] != NULL && vals[RC_LEAD] != NULL) {
        /* a response is a contact's or a lead's (campaign_responses_person_check) */
        snprintf(reason, n, "a contact_id and a lead_id: give one of them");
        return -1;
    }
    if (vals[RC_EMAIL] == NULL && vals[RC_CONTACT] == NULL && vals[RC_LEAD] == NULL) {
        snprintf(reason, n, "no person: give an email, a contact_id or a lead_id");
        return -1;
    }
    return 0;
}

static int
resp_record(void *arg, const struct csv_record *rec)
{
    struct resp_state *s = arg;
    const char *vals[RC_N];
    static char bufs[RC_N][RESP_VAL_MAX];
    char reason[300], line[24];
    int c, bad;

    if (!s->have_header) {
        s->have_header = 1;
        if (rec->error != NULL) {
            safe_fprintf(stderr, "ccrm: %s:%ld: %s\n", s->label, rec->line, rec->error);
            s->fatal = EX_DATAERR;
            return -1;
        }
        if (resp_header(s, rec) == -1) {
            s->fatal = EX_DATAERR;
            return -1;
        }
        s->hdr_raw = xmalloc(rec->rawlen + 1);
        memcpy(s->hdr_raw, rec->raw, rec->rawlen);
        s->hdr_rawlen = rec->rawlen;
        return 0;
    }
    if (rec->error == NULL && imp_record_blank(rec))
        return 0;
    bad = resp_check(s, rec, vals, bufs, reason, sizeof reason) == -1;
    snprintf(line, sizeof line, "%ld", rec->line);
    sbuf_add(&s->copy, line, strlen(line));
    sbuf_add(&s->copy, "\t", 1);
    imp_copy_value(&s->copy, bad ? reason : NULL, bad ? strlen(reason) : 0);
    sbuf_add(&s->copy, "\t", 1);
    imp_copy_bytea(&s->copy, rec->raw, rec->rawlen);
    for (c = 0; c < RC_N; c++) {
        const char *v = bad ? NULL : vals[c];

        sbuf_add(&s->copy, "\t", 1);
        imp_copy_value(&s->copy, v, v != NULL ? strlen(v) : 0);
    }
    sbuf_add(&s->copy, "\n", 1);
    s->rows++;
    if (!bad && strcmp(vals[RC_STATUS], "unsubscribed") == 0) {
        if (s->nunsub == s->unsub_cap) {
            s->unsub_cap = s->unsub_cap ? 2 * s->unsub_cap : 64;
            s->unsub = xrealloc(s->unsub, s->unsub_cap * sizeof *s->unsub);
        }
        s->unsub[s->nunsub++] = rec->line;
    }
    if (s->copy.len >= 256 * 1024) {
        if (db_responses_put(s->imp, s->copy.p, s->copy.len, &s->err) == -1) {
            s->fatal = EX_UNAVAILABLE;
            return -1;
        }
        s->copy.len = 0;
    }
    return 0;
}

static int
resp_reject(void *arg, long line, const char *reason, const char *raw, size_t rawlen)
{
    struct resp_state *s = arg;
    size_t lo = 0, hi = s->nunsub;

    while (lo < hi) { /* the lines are in order */
        size_t mid = lo + (hi - lo) / 2;

        if (s->unsub[mid] < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->nunsub && s->unsub[lo] == line)
        s->unsub_rejected++;
    /* FILE:LINE: reason, as every import names a bad row (src/cli/import.c) */
    safe_fprintf(stderr, "%s:%ld: %s\n", s->label, line, reason);
    if (s->rejects != NULL && fwrite(raw, 1, rawlen, s->rejects) != rawlen)
        return -1;
    return 0;
}

/* ", 3 skipped as already recorded" when some were, ", 2 already opted out" when some opt-outs
 * were (an opt-out of someone opted out before was counted nowhere: five rows came out as
 * four), else "". */
static const char *
skipped_words(long long n, long long opted_before, char *buf, size_t cap)
{
    int k = 0;

    buf[0] = '\0';
    if (n > 0)
        k = snprintf(buf, cap, ", %lld skipped as already recorded", n);
    if (opted_before > 0 && k >= 0 && (size_t)k < cap)
        snprintf(buf + k, cap - (size_t)k, ", %lld already opted out", opted_before);
    return buf;
}

struct resp_opts {
    const char *file, *rejects;
    const char *campaign;
    int dry_run;
    char delim; /* --delimiter, or 0: guessed from the header, as every import does */
};

static int
resp_opt(int ch, const char *arg, void *st)
{
    struct resp_opts *r = st;

    switch (ch) {
    case 430:
        r->file = arg;
        return 0;
    case 431: /* --into, checked by the dispatcher */
        return 0;
    case 432:
        r->campaign = arg;
        return 0;
    case 433:
        r->rejects = arg;
        return 0;
    case 434:
        r->dry_run = 1;
        return 0;
    case 435: /* the words of the general import's --delimiter (src/cli/import.c) */
        if (strcmp(arg, ",") == 0 || strcmp(arg, "comma") == 0)
            r->delim = ',';
        else if (strcmp(arg, ";") == 0 || strcmp(arg, "semicolon") == 0)
            r->delim = ';';
        else if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0 || strcmp(arg, "\t") == 0)
            r->delim = '\t';
        else if (strcmp(arg, "|") == 0)
            r->delim = '|';
        else {
            safe_fprintf(stderr,
                         "ccrm: --delimiter: expected \",\", \";\", \"|\" or tab, got \"%s\"\n",
                         arg);
            return EX_USAGE;
        }
        return 0;
    case 436: /* the general import's options (src/cli/import.c), which responses do not take */
    case 437:
    case 438:
        safe_fprintf(stderr, "ccrm: %s does not go with --into campaign_responses\n",
                     ch == 436   ? "--on-conflict"
                     : ch == 437 ? "--create-missing"
                                 : "--map");
        return EX_USAGE;
    }
    return EX_USAGE;
}

static const struct option responses_options[] = {
    {"import", required_argument, NULL, 430},
    {"into", required_argument, NULL, 431},
    {"campaign", required_argument, NULL, 432},
    {"rejects", required_argument, NULL, 433},
    {"dry-run", no_argument, NULL, 434},
    {"delimiter", required_argument, NULL, 435},
    {"on-conflict", required_argument, NULL, 436}, /* (refused by name: resp_opt) */
    {"create-missing", required_argument, NULL, 437},
    {"map", required_argument, NULL, 438},
    {NULL, 0, NULL, 0},
};

static int
responses_main(int argc, char **argv)
{
    struct resp_opts ro = {NULL, NULL, NULL, 0, 0};
    struct db_responses_counts counts;
    struct resp_state s;
    struct ccrm_config cfg;
    struct common o;
    struct csvr *csv = NULL;
    struct timespec t0, t1;
    int64_t campaign = 0;
    struct ccrm_err werr;
    char *buf = NULL;
    ssize_t got;
    long long skipped = 0, opted_before = 0;
    char skip[128];
    int fd = -1, rc, done, finished = 0, first = 1;

    if ((rc = parse_common(argc, argv, responses_options, &o, resp_opt, &ro)) != 0)
        return rc;
    if (ro.campaign != NULL && cli_id(ro.campaign, &campaign) == -1) {
        safe_fprintf(stderr, "ccrm: --campaign: expected a campaign's id, got \"%s\"\n",
                     ro.campaign);
        return cli_usage_error();
    }
    if (ro.file == NULL || ro.file[0] == '\0') {
        fputs("ccrm: --import needs a FILE (- for standard input)\n", stderr);
        return cli_usage_error();
    }
    memset(&s, 0, sizeof s);
    s.label = strcmp(ro.file, "-") == 0 ? "stdin" : ro.file;
    if (strcmp(ro.file, "-") == 0)
        fd = STDIN_FILENO;
    else if ((fd = open(ro.file, O_RDONLY | O_CLOEXEC)) == -1) {
        safe_fprintf(stderr, "ccrm: could not open \"%s\": %s\n", ro.file, strerror(errno));
        return EX_NOINPUT;
    }
    s.rejects_path = ro.rejects;
    if ((rc = cli_load_config(&cfg, o.config)) != 0)
        goto out;
    s.db = open_db(&o, &cfg, &rc);
    config_fini(&cfg);
    if (s.db == NULL)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((s.imp = db_responses_begin(s.db, &s.err)) == NULL) {
        safe_fprintf(stderr, "ccrm: %s\n", s.err.msg);
        rc = db_exit(s.db, &s.err);
        goto out;
    }
    if (ro.rejects != NULL) {
        /* before anything is read: no import when its rejects cannot be kept */
        if ((rc = cli_rejects_open(&s.rejects_out, ro.rejects,
                                   fd != STDIN_FILENO ? ro.file : NULL)) != 0)
            goto abort;
        s.rejects = s.rejects_out.f;
    }
    csv = csvr_new(resp_record, &s);
    buf = xmalloc(256 * 1024);
    for (done = 0; !done;) {
        got = read(fd, buf, 256 * 1024);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            safe_fprintf(stderr, "ccrm: could not read \"%s\": %s\n", s.label, strerror(errno));
            rc = EX_IOERR;
            goto abort;
        }
        /* the header whole before its separator is guessed (a pipe may bring it in pieces),
         * as the general import does */
        while (first && got > 0 && got < 256 * 1024 && memchr(buf, '\n', (size_t)got) == NULL &&
               memchr(buf, '\r', (size_t)got) == NULL) {
            ssize_t m = read(fd, buf + got, (size_t)(256 * 1024 - got));

            if (m < 0 && errno == EINTR)
                continue;
            if (m <= 0)
                break; /* the end, or an error the next read reports */
            got += m;
        }
        if (first && got > 0 && csvr_is_utf16(buf, (size_t)got)) {
            fprintf(stderr,
                    "ccrm: %s: the file is UTF-16; save it as UTF-8 (in a spreadsheet: CSV "
                    "UTF-8)\n",
                    s.label);
            rc = EX_DATAERR;
            goto abort;
        }
        if (first && got > 0) {
            int guessed = ro.delim == 0;

            if (guessed)
                ro.delim = csvr_guess_delim(buf, (size_t)got);
            csvr_set_delim(csv, ro.delim);
            if (guessed && ro.delim != ',' && !o.quiet)
                safe_fprintf(stderr, "ccrm: %s: the columns are separated by %s\n", s.label,
                             ro.delim == ';' ? "\";\"" : "tabs");
            first = 0;
        }
        if (got == 0) {
            done = 1;
            if (csvr_finish(csv, &s.err) == -1 && !s.fatal)
                s.fatal = EX_DATAERR;
        } else if (csvr_feed(csv, buf, (size_t)got, &s.err) == -1 && !s.fatal) {
            s.fatal = EX_DATAERR;
        }
        if (s.fatal) {
            if (s.err.msg[0] != '\0')
                safe_fprintf(stderr, "ccrm: %s: %s\n", s.label, s.err.msg);
            rc = s.fatal;
            goto abort;
        }
    }
    if (!s.have_header) {
        safe_fprintf(stderr, "ccrm: %s: no header row\n", s.label);
        rc = EX_DATAERR;
        goto abort;
    }
    if (s.copy.len > 0 && db_responses_put(s.imp, s.copy.p, s.copy.len, &s.err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", s.err.msg);
        rc = db_exit(s.db, &s.err);
        goto abort;
    }
    /* (the file's BOM too, before its header, as an import's rejects file keeps it) */
    if (s.rejects != NULL && ((csvr_had_bom(csv) && fputs(CSVR_BOM, s.rejects) == EOF) ||
                              fwrite(s.hdr_raw, 1, s.hdr_rawlen, s.rejects) != s.hdr_rawlen)) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", ro.rejects, strerror(errno));
        rc = EX_CANTCREAT;
        goto abort;
    }
    rc = db_responses_finish(s.imp, campaign, ro.rejects != NULL, ro.dry_run, resp_reject, &s,
                             &counts, &s.err);
    s.imp = NULL; /* freed by finish */
    if (rc == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", s.err.msg);
        rc = strncmp(s.err.msg, "could not write the rejected", 28) == 0 ? EX_CANTCREAT
                                                                         : db_exit(s.db, &s.err);
        goto out;
    }
    finished = 1; /* the responses are in (or counted, --dry-run): the rejects are this run's */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    skipped = s.rows - counts.rejected - (long long)(s.nunsub - s.unsub_rejected) - counts.recorded;
    opted_before = (long long)(s.nunsub - s.unsub_rejected) - counts.opted_out;
    if (counts.rejected > 0 && ro.rejects == NULL)
        safe_fprintf(
            stdout,
            "ccrm: nothing recorded: %lld of %lld rows rejected (campaign_responses from %s); "
            "fix them, or give --rejects FILE to record the others\n",
            counts.rejected, s.rows, s.label);
    else if (ro.dry_run) /* in the words of the other dry runs */
        safe_fprintf(stdout,
                     "ccrm: dry run: would record %lld responses, %lld opt-outs, %lld rejected%s "
                     "(campaign_responses from %s); nothing written\n",
                     counts.recorded, counts.opted_out, counts.rejected,
                     skipped_words(skipped, opted_before, skip, sizeof skip), s.label);
    else
        safe_fprintf(
            stdout,
            "ccrm: %lld responses recorded, %lld opt-outs, %lld rejected%s (campaign_responses "
            "from %s, %.1f s)\n",
            counts.recorded, counts.opted_out, counts.rejected,
            skipped_words(skipped, opted_before, skip, sizeof skip), s.label,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    rc = counts.rejected > 0 ? EX_DATAERR : 0;
    goto out;
abort:
    db_responses_abort(&s.imp);
out:
    csvr_free(&csv);
    free(buf);
    free(s.hdr_raw);
    free(s.unsub);
    sbuf_fini(&s.copy);
    /* (not finished: the file being written is removed, the one there before stays) */
    if (s.rejects != NULL && cli_out_close(&s.rejects_out, finished, &werr) == -1 && finished) {
        safe_fprintf(stderr, "ccrm: %s\n", werr.msg);
        rc = EX_CANTCREAT;
    }
    if (fd > STDIN_FILENO)
        close(fd);
    db_close(&s.db);
    return rc;
}

/* the options of each command here (cli_int.h) */
const struct option *const cli_marketing_options[] = {
    common_options, report_options, unmerge_options, members_options, responses_options, NULL,
};

int
cli_marketing_dispatch(int argc, char **argv)
{
    const char *v;

    if (has_flag(argc, argv, "--report"))
        return report_main(argc, argv);
    if (has_flag(argc, argv, "--unmerge"))
        return unmerge_main(argc, argv);
    if ((v = flag_value(argc, argv, "--export")) != NULL && strcasecmp(v, "campaign_members") == 0)
        return members_export_main(argc, argv);
    if ((v = flag_value(argc, argv, "--into")) != NULL &&
        strcasecmp(v, "campaign_responses") == 0 && has_flag(argc, argv, "--import"))
        return responses_main(argc, argv);
    return -1;
}
