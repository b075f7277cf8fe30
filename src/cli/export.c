/* ccrm --export: one entity streamed through COPY TO as CSV (the columns --import maps, so an
 * export imports back) or JSON lines, to a file or standard output (src/db/export.c runs it).
 * Row-level security applies: a user exports what they may see. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "ccrm/billing.h"
#include "ccrm/cli.h"
#include "ccrm/export.h"
#include "ccrm/util.h"
#include "cli_int.h"

/* Where the export goes: standard output, or the --output file, opened at the first write (a
 * refusal by the database, which comes before any row, then leaves no trace in the directory)
 * through a temporary file renamed over it at the end (src/cli/common.c), so a failure leaves
 * what was there. */
struct sink {
    const char *path; /* NULL: standard output */
    struct cli_out out;
    FILE *f;
    int open_failed;
    struct ccrm_err err;
};

static int
sink_open(struct sink *s)
{
    if (s->f != NULL)
        return 0;
    if (cli_out_open(&s->out, s->path, 0666, &s->err) == -1) {
        s->open_failed = 1;
        return -1;
    }
    s->f = s->out.f;
    return 0;
}

static int
write_out(void *arg, const char *buf, size_t n)
{
    struct sink *s = arg;

    if (sink_open(s) == -1)
        return -1;
    return fwrite(buf, 1, n, s->f) == n ? 0 : -1;
}

static void
usage(FILE *f)
{
    fputs("usage: ccrm --export ENTITY [--format csv|jsonl] [-o|--output FILE]\nENTITY: ", f);
    cli_entities(f);
    fputs(",\n        invoices, payments, overdue (docs/billing.md)\n", f);
}

enum { OPT_EXPORT = 256, OPT_FORMAT, OPT_OUTPUT };

/* the options of --export (cli_int.h) */
const struct option cli_export_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"quiet", no_argument, NULL, 'q'},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {NULL, 0, NULL, 0},
};

int
cli_export_main(int argc, char **argv)
{
    static const char *const formats[] = {"csv", "jsonl", NULL};
    struct cli_flags flags = {0};
    struct sink sink = {0};
    const char *entity = NULL, *output = NULL;
    const struct imp_entity *e = NULL;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    int jsonl = 0, ch, rc, private_db;
    int64_t rows;

    while ((ch = cli_getopt(argc, argv, ":d:c:hqo:", cli_export_options, &flags, usage, 1)) != -1) {
        switch (ch) {
        case 'q':
            break;
        case OPT_EXPORT:
            entity = optarg;
            break;
        case OPT_FORMAT:
            if ((jsonl = cli_choice("--format", optarg, formats)) == -1)
                return EX_USAGE;
            break;
        case 'o':
        case OPT_OUTPUT: /* (not "": cli_getopt refuses it) */
            output = optarg;
            break;
        default:
            return EX_USAGE;
        }
    }
    /* the back office's exports (src/db/billing.c) beside the registry's entities */
    if (entity == NULL ||
        (!db_bill_export_known(entity) && (e = imp_entity_find(entity)) == NULL)) {
        safe_fprintf(
            stderr, "ccrm: --export: unknown entity \"%s\" (known: ", entity != NULL ? entity : "");
        cli_entities(stderr);
        fputs(", invoices, payments, overdue)\n", stderr);
        return EX_USAGE;
    }
    if ((rc = cli_load_config(&cfg, flags.config)) != 0)
        return rc;
    if ((db = cli_open_db(flags.conninfo, &cfg, 1, &private_db, &err)) == NULL ||
        db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        db_close(&db);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    config_fini(&cfg);
    if (output != NULL && strcmp(output, "-") != 0)
        sink.path = output;
    else
        sink.f = stdout;
    rows = e != NULL ? db_export(db, e, jsonl, write_out, &sink, &err)
                     : db_bill_export(db, entity, jsonl, write_out, &sink, &err);
    if (rows >= 0 && sink.path != NULL && sink_open(&sink) == -1)
        rows = -1; /* nothing to write (no rows as JSON lines): the file still is made, empty */
    rc = 0;
    if (sink.open_failed) {
        /* the helper's "could not write "FILE": reason", said as creating it (nothing was) */
        const char *m = sink.err.msg;

        if (strncmp(m, "could not write ", 16) == 0)
            safe_fprintf(stderr, "ccrm: could not create %s\n", m + 16);
        else
            safe_fprintf(stderr, "ccrm: %s\n", m);
        rc = EX_CANTCREAT;
    } else if (rows < 0 && sink.path == NULL && strncmp(err.msg, "could not write", 15) == 0 &&
               cli_reader_gone(stdout)) {
        rows = 0; /* the reader went away (| head): no failure */
    } else if (rows < 0) {
        if (strncmp(err.msg, "could not write", 15) == 0 && sink.path != NULL)
            safe_fprintf(stderr, "ccrm: %s: %s\n", output, err.msg);
        else
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = strcmp(err.sqlstate, "42501") == 0             ? EX_NOPERM
             : strncmp(err.msg, "could not write", 15) == 0 ? EX_IOERR
             : db_lost(db)                                  ? EX_UNAVAILABLE
                                                            : EX_SOFTWARE;
    }
    if (sink.path != NULL && sink.f != NULL) {
        /* renamed into place only when all of it was written; else the temporary file goes */
        if (cli_out_close(&sink.out, rc == 0, &sink.err) == -1 && rc == 0) {
            safe_fprintf(stderr, "ccrm: %s\n", sink.err.msg);
            rc = EX_IOERR;
        }
    } else if (sink.path == NULL && (fflush(stdout) != 0 || ferror(stdout)) && rc == 0 &&
               !cli_reader_gone(stdout)) {
        safe_fprintf(stderr, "ccrm: could not write the export: %s\n", strerror(errno));
        rc = EX_IOERR;
    }
    db_close(&db);
    return rc;
}
