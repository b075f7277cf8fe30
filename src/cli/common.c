/* Shared by the batch commands: which database to open (docs/design.md §8), configuration
 * loading, and the parsing of their flags with every error said the same way everywhere (one
 * line naming the flag, exit 64 EX_USAGE). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ccrm/cli.h"
#include "ccrm/import.h"
#include "ccrm/local.h"
#include "ccrm/util.h"
#include "ccrm/value.h"

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
            if (optind < argc && !f->operands) {
                safe_fprintf(stderr, "ccrm: unexpected argument \"%s\"\n", argv[optind]);
                return '?';
            }
            return -1;
        default:
            return c;
        }
    }
}

int
cli_usage_error(void)
{
    fputs("Try \"ccrm --help\" for more information.\n", stderr);
    return EX_USAGE;
}

int
cli_number(const char *flag, const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    /* digits only ("+5" and " 5" are strtol's, not a number someone typed for us) */
    if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max ||
        !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1])))) {
        safe_fprintf(stderr, "ccrm: %s: expected a number from %ld to %ld, got \"%s\"\n", flag, min,
                     max, s);
        return -1;
    }
    *out = v;
    return 0;
}

int
cli_date(const char *flag, const char *s)
{
    int i, ok = strlen(s) == 10;

    static const struct value_rule rule = {.type = FIELD_DATE};
    struct value_err e;
    char out[32];

    for (i = 0; ok && i < 10; i++)
        ok = i == 4 || i == 7 ? s[i] == '-' : s[i] >= '0' && s[i] <= '9';
    if (!ok) {
        safe_fprintf(stderr, "ccrm: %s: expected a date YYYY-MM-DD, got \"%s\"\n", flag, s);
        return -1;
    }
    /* the calendar's say, as in forms and imports: 2026-13-01 and 2026-02-30 are no dates */
    if (value_normalize(&rule, s, 10, out, sizeof out, &e) < 0) {
        safe_fprintf(stderr, "ccrm: %s: \"%s\" is not a date in the calendar\n", flag, s);
        return -1;
    }
    return 0;
}

int
cli_choice(const char *flag, const char *s, const char *const *choices)
{
    int i, n;

    for (n = 0; choices[n] != NULL; n++)
        if (strcmp(s, choices[n]) == 0)
            return n;
    fprintf(stderr, "ccrm: %s: expected ", flag);
    for (i = 0; i < n; i++)
        fprintf(stderr, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", choices[i]);
    safe_fprintf(stderr, ", got \"%s\"\n", s);
    return -1;
}

int
cli_id(const char *s, int64_t *out)
{
    size_t n = strspn(s, "0123456789");
    long long v;

    if (n == 0 || n > 18 || s[n] != '\0' || (v = strtoll(s, NULL, 10)) <= 0)
        return -1;
    *out = v;
    return 0;
}

void
cli_entities(FILE *f)
{
    const struct imp_entity *e;
    int i;

    for (i = 0; (e = imp_entity_at(i)) != NULL; i++)
        fprintf(f, "%s%s", i > 0 ? ", " : "", e->plural);
}
