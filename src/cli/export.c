/* ccrm --export: one entity streamed through COPY TO as CSV (the columns --import maps, so an
 * export imports back) or JSON lines, to a file or standard output (src/db/export.c runs it).
 * Row-level security applies: a user exports what they may see. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ccrm/billing.h"
#include "ccrm/cli.h"
#include "ccrm/export.h"
#include "ccrm/util.h"
#include "cli_int.h"

static int
write_out(void *arg, const char *buf, size_t n)
{
    return fwrite(buf, 1, n, arg) == n ? 0 : -1;
}

static void
usage(FILE *f)
{
    fputs("usage: ccrm --export ENTITY [--format csv|jsonl] [--output FILE]\nENTITY: ", f);
    cli_entities(f);
    fputs(",\n        invoices, payments, overdue (docs/billing.md)\n", f);
}

int
cli_export_main(int argc, char **argv)
{
    enum { OPT_EXPORT = 256, OPT_FORMAT, OPT_OUTPUT };
    static const struct option longopts[] = {
        CLI_FLAGS_LONGOPTS,
        {"quiet", no_argument, NULL, 'q'},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {NULL, 0, NULL, 0},
    };
    static const char *const formats[] = {"csv", "jsonl", NULL};
    struct cli_flags flags = {0};
    int created = 0;
    const char *entity = NULL, *output = NULL;
    const struct imp_entity *e = NULL;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    FILE *out = stdout;
    int jsonl = 0, ch, rc, private_db;
    int64_t rows;

    while ((ch = cli_getopt(argc, argv, ":d:c:hqo:", longopts, &flags, usage, 1)) != -1) {
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
        case OPT_OUTPUT:
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
    if (output != NULL && strcmp(output, "-") != 0 && access(output, F_OK) != 0)
        created = 1; /* removed again when the export fails */
    if (output != NULL && strcmp(output, "-") != 0 && (out = fopen(output, "wb")) == NULL) {
        safe_fprintf(stderr, "ccrm: could not create \"%s\": %s\n", output, strerror(errno));
        db_close(&db);
        return EX_CANTCREAT;
    }
    rows = e != NULL ? db_export(db, e, jsonl, write_out, out, &err)
                     : db_bill_export(db, entity, jsonl, write_out, out, &err);
    rc = 0;
    if (rows < 0 && out == stdout && strncmp(err.msg, "could not write", 15) == 0 &&
        cli_reader_gone(stdout))
        rows = 0; /* the reader went away (| head): no failure */
    if (rows < 0) {
        if (strncmp(err.msg, "could not write", 15) == 0 && out != stdout)
            safe_fprintf(stderr, "ccrm: %s: %s\n", output, err.msg);
        else
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = strcmp(err.sqlstate, "42501") == 0             ? EX_NOPERM
             : strncmp(err.msg, "could not write", 15) == 0 ? EX_IOERR
             : db_lost(db)                                  ? EX_UNAVAILABLE
                                                            : EX_SOFTWARE;
    }
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", output, strerror(errno));
        rc = EX_IOERR;
    } else if (out == stdout && (fflush(stdout) != 0 || ferror(stdout)) && rc == 0 &&
               !cli_reader_gone(stdout)) {
        safe_fprintf(stderr, "ccrm: could not write the export: %s\n", strerror(errno));
        rc = EX_IOERR;
    }
    if (rc != 0 && created)
        unlink(output); /* no half or empty file where there was none */
    db_close(&db);
    return rc;
}
