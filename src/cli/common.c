/* Shared by the batch commands: which database to open (docs/design.md §8) and configuration
 * loading with the error printed the same way everywhere. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "ccrm/cli.h"
#include "ccrm/import.h"
#include "ccrm/local.h"
#include "ccrm/util.h"

/* Is a database configured through libpq's own environment? */
static int
pg_env_set(void)
{
    static const char *const vars[] = {"PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE", "PGPORT"};
    size_t i;

    for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]) != NULL && getenv(vars[i])[0] != '\0')
            return 1;
    return 0;
}

struct db *
cli_open_db(const char *conninfo_flag, const struct ccrm_config *cfg, int migrate_private,
            int *private_db, struct ccrm_err *err)
{
    struct db_options dbo = {cfg->statement_timeout_ms, cfg->connect_timeout_s, "ccrm"};
    char local[1024];
    const char *conninfo = conninfo_flag;
    struct db *db;

    *private_db = 0;
    if (conninfo == NULL)
        conninfo = cfg->conninfo;
    if (conninfo == NULL && pg_env_set())
        conninfo = "";
    if (conninfo == NULL) {
        if (local_cluster_ensure(cfg->data_dir, local, sizeof local, stderr, err) == -1)
            return NULL;
        conninfo = local;
        *private_db = 1;
    }
    if ((db = db_open(conninfo, &dbo, err)) == NULL)
        return NULL;
    if (*private_db && migrate_private &&
        db_migrate(db, cfg->migrate_wait_s, 0, stderr, err) == -1) {
        db_close(&db);
        return NULL;
    }
    return db;
}

int
cli_load_config(struct ccrm_config *cfg, const char *file)
{
    struct ccrm_err err;

    if (config_load(cfg, file, &err) == -1) {
        fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(cfg);
        return EX_CONFIG;
    }
    return 0;
}

int
cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
           struct cli_flags *f, void (*usage)(FILE *), int usage_on_error)
{
    int c;

    if (!f->started) {
        optind = 1;
        opterr = 0;
        f->started = 1;
    }
    for (;;) {
        switch ((c = getopt_long(argc, argv, shortopts, longopts, NULL))) {
        case 'd':
            f->conninfo = optarg;
            break;
        case 'c':
            f->config = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            safe_fprintf(stderr, "ccrm: option \"%s\" needs a value\n", argv[optind - 1]);
            return '?';
        case '?':
            safe_fprintf(stderr, "ccrm: unknown option \"%s\"\n", argv[optind - 1]);
            if (usage_on_error)
                usage(stderr);
            return '?';
        case -1:
            if (optind < argc) {
                safe_fprintf(stderr, "ccrm: unexpected argument \"%s\"\n", argv[optind]);
                return '?';
            }
            return -1;
        default:
            return c;
        }
    }
}

void
cli_entities(FILE *f)
{
    const struct imp_entity *e;
    int i;

    for (i = 0; (e = imp_entity_at(i)) != NULL; i++)
        fprintf(f, "%s%s", i > 0 ? ", " : "", e->plural);
}
