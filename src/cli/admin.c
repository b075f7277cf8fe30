/* ccrm --add-user / --disable-user / --share / --unshare: people, departments and partner
 * sharing from the command line. Parses and validates flags, then asks the database, which
 * decides (schema/004_rls.sql); exit codes from sysexits.h. Never includes curses or libpq. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "ccrm/admin.h"
#include "ccrm/cli.h"
#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/util.h"
#include "import_int.h"

enum action { ACT_NONE, ACT_ADD, ACT_DISABLE, ACT_SHARE, ACT_UNSHARE };

struct admin_opts {
    enum action action;
    const char *flag; /* the action's flag, for messages */
    const char *target;
    const char *dept;
    const char *partner;
    const char *display_name;
    struct cli_flags flags; /* -d, -c */
    const char *conn_limit; /* --connection-limit N|none, NULL: the configured default */
    int password;
};

static void
usage(FILE *f)
{
    fputs("usage: ccrm --add-user LOGIN --dept DEPT [--partner ORG] [--display-name NAME]\n"
          "                 [--password] [--connection-limit N|none]\n"
          "       ccrm --disable-user LOGIN\n"
          "       ccrm --share ACCOUNT --partner ORG\n"
          "       ccrm --unshare ACCOUNT --partner ORG\n"
          "\n"
          "  DEPT is sales, support, marketing, management, billing, partner or admin; a\n"
          "  partner user needs --partner ORG (the organisation is created if new). ACCOUNT is\n"
          "  an id, an exact name or a domain. --password asks for a password (twice on a\n"
          "  terminal, else one line on standard input); without it the user logs in by peer\n"
          "  or certificate authentication. --connection-limit caps the person's open\n"
          "  connections (default [users] connection_limit, 10), so that one login cannot\n"
          "  take every slot of the server. Only members of ccrm_admin may run these.\n"
          "  -d, --db CONNINFO and -c, --config FILE work as for the client.\n",
          f);
}

/* A login is a PostgreSQL role name ccrm accepts: 1-63 of [a-z0-9_], not starting with a
 * digit, and not in the reserved prefixes. Returns 1 if valid. */
static int
login_valid(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return strncmp(s, "pg_", 3) != 0 && strncmp(s, "ccrm_", 5) != 0;
}

static int
set_action(struct admin_opts *o, enum action a, const char *flag, const char *target)
{
    if (o->action != ACT_NONE) {
        safe_fprintf(stderr,
                     "ccrm: choose one of --add-user, --disable-user, --share, --unshare\n");
        return -1;
    }
    o->action = a;
    o->flag = flag;
    o->target = target;
    return 0;
}

enum {
    OPT_ADD = 256,
    OPT_DISABLE,
    OPT_SHARE,
    OPT_UNSHARE,
    OPT_DEPT,
    OPT_PARTNER,
    OPT_NAME,
    OPT_PASSWORD,
    OPT_CONNLIMIT
};

/* the options of --add-user, --disable-user, --share and --unshare (cli_int.h) */
const struct option cli_admin_options[] = {
    {"add-user", required_argument, NULL, OPT_ADD},
    {"disable-user", required_argument, NULL, OPT_DISABLE},
    {"share", required_argument, NULL, OPT_SHARE},
    {"unshare", required_argument, NULL, OPT_UNSHARE},
    {"dept", required_argument, NULL, OPT_DEPT},
    {"partner", required_argument, NULL, OPT_PARTNER},
    {"display-name", required_argument, NULL, OPT_NAME},
    {"password", no_argument, NULL, OPT_PASSWORD},
    {"connection-limit", required_argument, NULL, OPT_CONNLIMIT},
    CLI_FLAGS_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static int
parse(int argc, char **argv, struct admin_opts *o)
{
    int c, r = 0;
    size_t i;

    memset(o, 0, sizeof *o);
    while (r == 0 &&
           (c = cli_getopt(argc, argv, ":d:c:h", cli_admin_options, &o->flags, usage, 0)) != -1) {
        switch (c) {
        case OPT_ADD:
            r = set_action(o, ACT_ADD, "--add-user", optarg);
            break;
        case OPT_DISABLE:
            r = set_action(o, ACT_DISABLE, "--disable-user", optarg);
            break;
        case OPT_SHARE:
            r = set_action(o, ACT_SHARE, "--share", optarg);
            break;
        case OPT_UNSHARE:
            r = set_action(o, ACT_UNSHARE, "--unshare", optarg);
            break;
        case OPT_DEPT:
            o->dept = optarg;
            break;
        case OPT_PARTNER:
            o->partner = optarg;
            break;
        case OPT_NAME:
            o->display_name = optarg;
            break;
        case OPT_PASSWORD:
            o->password = 1;
            break;
        case OPT_CONNLIMIT:
            o->conn_limit = optarg;
            break;
        default:
            return -1;
        }
    }
    if (r != 0)
        return -1;
    {
        /* names the database compares as UTF-8 text: a wrong byte is the command line's
         * mistake, said for its flag (the database's "invalid byte sequence for encoding"
         * named none, exit 65), as --log and --print say it */
        const char *const texts[][2] = {{o->action == ACT_SHARE     ? "--share"
                                         : o->action == ACT_UNSHARE ? "--unshare"
                                                                    : NULL,
                                         o->target},
                                        {"--partner", o->partner},
                                        {"--display-name", o->display_name}};
        size_t at;

        for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
            if (texts[i][0] != NULL && texts[i][1] != NULL &&
                imp_utf8_check(texts[i][1], strlen(texts[i][1]), &at) != 0) {
                fprintf(stderr, "ccrm: %s: not valid UTF-8 (byte %zu)\n", texts[i][0], at + 1);
                return -1;
            }
    }
    if (o->action == ACT_ADD || o->action == ACT_DISABLE) {
        if (!login_valid(o->target)) {
            safe_fprintf(stderr,
                         "ccrm: %s: invalid login name \"%s\": use 1 to 63 lower-case letters, "
                         "digits and _, not starting with a digit, pg_ or ccrm_\n",
                         o->flag, o->target);
            return -1;
        }
    }
    if (o->action == ACT_ADD) {
        if (o->dept == NULL) {
            fputs("ccrm: --add-user needs --dept\n", stderr);
            return -1;
        }
        for (i = 0; dept_names[i] != NULL; i++)
            if (strcmp(o->dept, dept_names[i]) == 0)
                break;
        if (dept_names[i] == NULL) {
            safe_fprintf(
                stderr,
                "ccrm: --dept: unknown department \"%s\" (known: sales, support, marketing, "
                "management, billing, partner, admin)\n",
                o->dept);
            return -1;
        }
        if ((strcmp(o->dept, "partner") == 0) != (o->partner != NULL)) {
            fputs("ccrm: --add-user: --partner ORG is needed for --dept partner, and only "
                  "there\n",
                  stderr);
            return -1;
        }
        if (o->conn_limit != NULL && strcmp(o->conn_limit, "none") != 0) {
            char *end;
            long v = strtol(o->conn_limit, &end, 10);

            if (*end != '\0' || end == o->conn_limit || v < 1 || v > 1000) {
                fprintf(stderr,
                        "ccrm: --connection-limit: expected 1 to 1000 or \"none\", got \"%s\"\n",
                        o->conn_limit);
                return -1;
            }
        }
    } else if (o->dept != NULL || o->display_name != NULL || o->password || o->conn_limit != NULL) {
        fputs("ccrm: --dept, --display-name, --password and --connection-limit go with "
              "--add-user\n",
              stderr);
        return -1;
    }
    if ((o->action == ACT_SHARE || o->action == ACT_UNSHARE) && o->partner == NULL) {
        safe_fprintf(stderr, "ccrm: %s needs --partner ORG\n", o->flag);
        return -1;
    }
    if (o->partner != NULL) {
        const char *p = o->partner;

        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0') {
            fputs("ccrm: --partner: the organisation's name is empty\n", stderr);
            return -1;
        }
    }
    if (o->action == ACT_DISABLE && o->partner != NULL) {
        fputs("ccrm: --partner does not go with --disable-user\n", stderr);
        return -1;
    }
    if (o->action == ACT_NONE) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Read one line into buf without echo when stdin is a terminal. Returns 0, or -1 at EOF. */
static int
read_secret(const char *prompt, char *buf, size_t n)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO);
    int rc = 0;

    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == -1)
            return -1;
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    if (fgets(buf, (int)n, stdin) == NULL)
        rc = -1;
    else if (strchr(buf, '\n') == NULL && !feof(stdin))
        rc = -2; /* longer than the buffer: cut, it would not be the password typed */
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (rc == 0)
        buf[strcspn(buf, "\r\n")] = '\0';
    return rc;
}

/* Ask for a password (twice on a terminal). Returns 0, or -1 with a message printed. */
static int
ask_password(char *pw, size_t n)
{
    char again[256];
    int rc;

    if ((rc = read_secret("Password for the new user: ", pw, n)) == -1) {
        fputs("ccrm: --password: no password given\n", stderr);
        return -1;
    }
    if (rc == -2) {
        memset(pw, 0, n);
        fprintf(stderr, "ccrm: --password: the password is too long (at most %zu bytes)\n", n - 2);
        return -1;
    }
    if (isatty(STDIN_FILENO)) {
        if (read_secret("Again: ", again, sizeof again) != 0 || strcmp(pw, again) != 0) {
            memset(again, 0, sizeof again);
            fputs("ccrm: --password: the passwords do not match\n", stderr);
            return -1;
        }
        memset(again, 0, sizeof again);
    }
    if (pw[0] == '\0') {
        fputs("ccrm: --password: the password is empty\n", stderr);
        return -1;
    }
    return 0;
}

/* sysexits code for a failed database call */
static int
exit_code(const struct ccrm_err *err, const struct db *db)
{
    static const char *const data[] = {
        "22023", "23505", "23503", "23514", "22001", ADMIN_ERR_NOT_FOUND, ADMIN_ERR_AMBIGUOUS};
    size_t i;

    if (db_state(db) != DB_READY)
        return EX_UNAVAILABLE;
    if (strcmp(err->sqlstate, "42501") == 0)
        return EX_NOPERM;
    for (i = 0; i < sizeof data / sizeof data[0]; i++)
        if (strcmp(err->sqlstate, data[i]) == 0)
            return EX_DATAERR;
    if (strncmp(err->sqlstate, "22", 2) == 0) /* a data exception: what was given (not UTF-8) */
        return EX_DATAERR;
    return EX_SOFTWARE;
}

int
cli_admin_main(int argc, char **argv)
{
    struct admin_opts o;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    char msg[512], pw[256];
    int rc, private_db, allowed, conn_limit;

    if (parse(argc, argv, &o) == -1)
        return cli_usage_error();
    if ((rc = cli_load_config(&cfg, o.flags.config)) != 0)
        return rc;
    conn_limit = o.conn_limit == NULL                ? cfg.connection_limit
                 : strcmp(o.conn_limit, "none") == 0 ? -1
                                                     : atoi(o.conn_limit);
    pw[0] = '\0';
    if (o.password && ask_password(pw, sizeof pw) == -1) {
        config_fini(&cfg);
        return EX_DATAERR;
    }
    db = cli_open_db(o.flags.conninfo, &cfg, 1, &private_db, &err);
    config_fini(&cfg);
    if (db == NULL) {
        memset(pw, 0, sizeof pw);
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return EX_UNAVAILABLE;
    }
    if (db_schema_check(db, &err) == -1) {
        rc = EX_UNAVAILABLE;
        goto fail;
    }
    /* a clear answer up front; the database refuses on its own anyway */
    if ((allowed = db_admin_allowed(db, &err)) == -1) {
        rc = exit_code(&err, db);
        goto fail;
    }
    if (!allowed) {
        safe_fprintf(stderr, "ccrm: %s: only members of ccrm_admin may manage users and sharing\n",
                     o.flag);
        memset(pw, 0, sizeof pw);
        db_close(&db);
        return EX_NOPERM;
    }
    switch (o.action) {
    case ACT_ADD:
        rc = db_user_add(db, o.target, o.dept, o.partner, o.display_name, o.password ? pw : NULL,
                         conn_limit, msg, sizeof msg, &err);
        break;
    case ACT_DISABLE:
        rc = db_user_disable(db, o.target, msg, sizeof msg, &err);
        break;
    default:
        rc =
            db_account_share(db, o.target, o.partner, o.action == ACT_SHARE, msg, sizeof msg, &err);
        break;
    }
    memset(pw, 0, sizeof pw);
    if (rc == -1) {
        rc = exit_code(&err, db);
        goto fail;
    }
    safe_fprintf(stdout, "ccrm: %s\n", msg);
    db_close(&db);
    return 0;
fail:
    memset(pw, 0, sizeof pw);
    safe_fprintf(stderr, "ccrm: %s\n", err.msg);
    db_close(&db);
    return rc;
}
