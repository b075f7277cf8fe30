/* ccrm --export: one entity streamed through COPY TO as CSV (the columns --import maps, so an
 * export imports back) or JSON lines, to a file or standard output. Row-level security applies:
 * a user exports what they may see. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "ccrm/cli.h"
#include "ccrm/import.h"
#include "ccrm/util.h"

static int
write_out(void *arg, const char *buf, size_t n)
{
    return fwrite(buf, 1, n, arg) == n ? 0 : -1;
}

static void
usage(FILE *f)
{
    fputs("usage: ccrm --export ENTITY [--format csv|jsonl] [--output FILE]\n"
          "ENTITY: leads, contacts, accounts, opportunities, tickets, interactions\n",
          f);
}

int
cli_export_main(int argc, char **argv)
{
    enum { OPT_EXPORT = 256, OPT_FORMAT, OPT_OUTPUT };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {NULL, 0, NULL, 0},
    };
    const char *conninfo = NULL, *config = NULL, *entity = NULL, *output = NULL;
    const struct imp_entity *e;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    FILE *out = stdout;
    int jsonl = 0, ch, rc, private_db;
    int64_t rows;

    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":d:c:hqo:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            conninfo = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'q':
            break;
        case OPT_EXPORT:
            entity = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                jsonl = 0;
            else if (strcmp(optarg, "jsonl") == 0)
                jsonl = 1;
            else {
                safe_fprintf(stderr, "ccrm: --format: expected csv or jsonl, got \"%s\"\n", optarg);
                return EX_USAGE;
            }
            break;
        case 'o':
        case OPT_OUTPUT:
            output = optarg;
            break;
        case ':':
            safe_fprintf(stderr, "ccrm: option \"%s\" needs a value\n", argv[optind - 1]);
            return EX_USAGE;
        default:
            safe_fprintf(stderr, "ccrm: unknown option \"%s\"\n", argv[optind - 1]);
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (optind < argc) {
        safe_fprintf(stderr, "ccrm: unexpected argument \"%s\"\n", argv[optind]);
        return EX_USAGE;
    }
    if (entity == NULL || (e = imp_entity_find(entity)) == NULL) {
        safe_fprintf(stderr,
                     "ccrm: --export: unknown entity \"%s\" (known: leads, contacts, accounts, "
                     "opportunities, tickets, interactions)\n",
                     entity != NULL ? entity : "");
        return EX_USAGE;
    }
    if ((rc = cli_load_config(&cfg, config)) != 0)
        return rc;
    if ((db = cli_open_db(conninfo, &cfg, 1, &private_db, &err)) == NULL ||
        db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        db_close(&db);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    config_fini(&cfg);
    if (output != NULL && strcmp(output, "-") != 0 && (out = fopen(output, "wb")) == NULL) {
        safe_fprintf(stderr, "ccrm: could not create \"%s\": %s\n", output, strerror(errno));
        db_close(&db);
        return EX_CANTCREAT;
    }
    rows = db_export(db, e, jsonl, write_out, out, &err);
    rc = 0;
    if (rows < 0) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = db_lost(db) ? EX_UNAVAILABLE : EX_SOFTWARE;
    }
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", output, strerror(errno));
        rc = EX_CANTCREAT;
    } else if (out == stdout && fflush(stdout) != 0 && rc == 0) {
        rc = EX_IOERR;
    }
    db_close(&db);
    return rc;
}
