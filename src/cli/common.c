/* Shared by the batch commands: which database to open (docs/design.md §8), configuration
 * loading, the parsing of their flags with every error said the same way everywhere (one
 * line naming the flag, exit 64 EX_USAGE; an option given twice and --output "" too), and
 * their output: a file written whole for --output, a reader of standard output that went away
 * (cli_int.h). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/entity.h"
#include "ccrm/import.h"
#include "ccrm/local.h"
#include "ccrm/util.h"
#include "ccrm/value.h"
#include "cli_int.h"

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
cli_open_db(const char *conninfo_flag, const struct ccrm_config *cfg, int how, int *private_db,
            struct ccrm_err *err)
{
    struct db_options dbo = {cfg->statement_timeout_ms, cfg->connect_timeout_s, "ccrm",
                             (how & CLI_DB_LIVE) != 0};
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
    if (*private_db && (how & CLI_DB_MIGRATE) &&
        db_migrate(db, cfg->migrate_wait_s, 0, stderr, err) == -1) {
        db_close(&db);
        return NULL;
    }
    return db;
}

int
cli_write_landed(struct db *db, const char *xid, struct ccrm_err *err)
{
    int tries, wakeups = 0;

    for (tries = 0; tries < 4; tries++) {
        if (tries > 0)
            usleep(500000u * (unsigned)tries);
        if (db_state(db) != DB_READY && db_reconnect_start(db, err) == -1)
            continue;
        while (db_state(db) == DB_CONNECTING) {
            struct pollfd p = {db_socket(db), db_poll_events(db), 0};
            int wait = db_connect_wait_ms(db);

            if (p.fd < 0 || poll(&p, 1, wait >= 0 && wait < 1000 ? wait : 1000) != 0 ||
                db_connect_wait_ms(db) == 0)
                db_pump(db, &wakeups);
        }
        if (db_state(db) == DB_READY)
            return db_write_landed(db, xid, err);
        err_set(err, "could not connect to the database: %s", db_connect_error(db));
    }
    return -1;
}

int
cli_load_config(struct ccrm_config *cfg, const char *file)
{
    struct ccrm_err err;

    if (config_load(cfg, file, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(cfg);
        return EX_CONFIG;
    }
    return 0;
}

/* Every long option of every command and the names of those that choose the command or mode
 * (cli_options_known(), from main()). */
static const struct option *every_opt;
static const char *const *command_names;

void
cli_options_known(const struct option *every, const char *const *commands)
{
    every_opt = every;
    command_names = commands;
}

static int
option_in(const char *name, size_t len, const struct option *t)
{
    for (; t != NULL && t->name != NULL; t++)
        if (strncmp(t->name, name, len) == 0 && t->name[len] == '\0')
            return 1;
    return 0;
}

/* The command or mode the words choose ("agenda"), as this command reads them (values are not
 * options), or NULL: the full-screen client. Reads the words afresh (getopt_long's place in
 * them is lost), so only after an error that ends the reading. */
static const char *
command_chosen(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    char **copy = xmalloc(((size_t)argc + 1) * sizeof *copy);
    const char *found = NULL;
    int saved = optind;
    int c, idx, i;

    /* getopt_long reorders the words it reads: a copy (the strings are the same) */
    memcpy(copy, argv, ((size_t)argc + 1) * sizeof *copy);
    optind = 0;
    opterr = 0;
    while (found == NULL) {
        idx = -1;
        if ((c = getopt_long(argc, copy, shortopts, longopts, &idx)) == -1)
            break;
        for (i = 0; idx >= 0 && command_names[i] != NULL; i++)
            if (strcmp(longopts[idx].name, command_names[i]) == 0)
                found = command_names[i];
    }
    free(copy);
    optind = saved;
    return found;
}

/* word, which the command's getopt_long() refused, is an option of another command or mode
 * ("ccrm --agenda --view x"): say so, rather than "unknown option". Returns 1 when said. */
static int
other_commands_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
                      const char *word)
{
    const char *command;
    size_t len;

    if (every_opt == NULL || command_names == NULL)
        return 0;
    /* -o and -q are --output and --quiet where they are taken: said as those (the command
     * that takes no --output said "unknown option -o" and printed the whole usage) */
    if (word[0] == '-' && (word[1] == 'o' || word[1] == 'q'))
        word = word[1] == 'o' ? "--output" : "--quiet";
    if (strncmp(word, "--", 2) != 0)
        return 0;
    word += 2;
    len = strcspn(word, "=");
    /* named in full only: getopt_long would have taken an abbreviation of one of its own, and
     * a command's name is never abbreviated (src/main.c) */
    if (!option_in(word, len, every_opt) || option_in(word, len, longopts))
        return 0;
    command = command_chosen(argc, argv, shortopts, longopts);
    if (command != NULL)
        fprintf(stderr, "ccrm: --%.*s cannot be used with --%s\n", (int)len, word, command);
    else
        fprintf(stderr, "ccrm: --%.*s cannot be used with the full-screen client\n", (int)len,
                word);
    return 1;
}

/* The name of the option getopt_long() just returned (c; idx when it was a long one), for
 * "given twice": the long name a short option stands for where there is one. */
static const char *
option_name(int c, int idx, const struct option *longopts, char *buf, size_t n)
{
    int i;

    if (idx >= 0)
        return longopts[idx].name;
    for (i = 0; longopts[i].name != NULL; i++)
        if (longopts[i].flag == NULL && longopts[i].val == c)
            return longopts[i].name;
    if (c == 'o')
        return "output";
    snprintf(buf, n, "%c", c);
    return buf;
}

int
cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
           struct cli_flags *f, void (*usage)(FILE *), int usage_on_error)
{
    /* the options seen so far: each is given once (the last one silently winning would hide
     * a mistake in a script), but for those that add to a list */
    static const char *const lists[] = {"attach", NULL};
    static char seen[64][40];
    static int nseen;
    char one[2];
    const char *name;
    int c, i, idx;

    if (!f->started) {
        optind = 1;
        opterr = 0;
        f->started = 1;
        nseen = 0;
    }
    for (;;) {
        idx = -1;
        c = getopt_long(argc, argv, shortopts, longopts, &idx);
        if (c != -1 && c != '?' && c != ':' && c != 'h') {
            name = option_name(c, idx, longopts, one, sizeof one);
            for (i = 0; lists[i] != NULL && strcmp(lists[i], name) != 0; i++)
                ;
            if (lists[i] == NULL) {
                for (i = 0; i < nseen && strcmp(seen[i], name) != 0; i++)
                    ;
                if (i < nseen) {
                    /* one line, and nothing else: no database was opened yet */
                    fprintf(stderr, "ccrm: %s%s given twice\n", name[1] == '\0' ? "-" : "--", name);
                    exit(EX_USAGE);
                }
                if (nseen < (int)(sizeof seen / sizeof seen[0]))
                    snprintf(seen[nseen++], sizeof seen[0], "%s", name);
            }
            /* --output "" (a variable left empty in a script) names no file: said here once
             * for every command that writes one, not taken for standard output */
            if (strcmp(name, "output") == 0 && optarg != NULL && optarg[0] == '\0') {
                fputs("ccrm: --output: name a file (or leave --output out for standard output)\n",
                      stderr);
                exit(cli_usage_error());
            }
        }
        switch (c) {
        case 'd': {
            struct ccrm_err err;

            /* a connection string libpq cannot read is a usage error, said before anything
             * is opened: not 69, which says the server could not be reached */
            if (db_conninfo_check(optarg, &err) == -1) {
                safe_fprintf(stderr, "ccrm: -d: %s\n", err.msg);
                exit(EX_USAGE);
            }
            f->conninfo = optarg;
            break;
        }
        case 'c':
            f->config = optarg;
            break;
        case 'h':
            usage(stdout);
            cli_exit_printed();
        case ':':
            safe_fprintf(stderr, "ccrm: option \"%s\" needs a value\n", argv[optind - 1]);
            return '?';
        case '?':
            if (!other_commands_option(argc, argv, shortopts, longopts, argv[optind - 1]))
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
        safe_fprintf(stderr, "ccrm: %s: \"%s\" is not a date in the calendar: %s\n", flag, s,
                     e.msg);
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

/* Where a symbolic link points (its target's real path, or, for a link to nothing yet, the
 * path it names), else path itself. Returns a malloc'd path. */
static char *
link_target(const char *path)
{
    struct stat st;
    char buf[4096], *real;
    ssize_t n;

    if (lstat(path, &st) == -1 || !S_ISLNK(st.st_mode))
        return xstrdup(path);
    if ((real = realpath(path, NULL)) != NULL)
        return real;
    /* a link to a file not written yet: where it points */
    if ((n = readlink(path, buf, sizeof buf - 1)) <= 0)
        return xstrdup(path);
    buf[n] = '\0';
    if (buf[0] != '/' && strrchr(path, '/') != NULL)
        return xasprintf("%.*s/%s", (int)(strrchr(path, '/') - path), path, buf);
    return xstrdup(buf);
}

/* The temporary files being written (cli_out_open), removed when Ctrl-C, a kill or a hang-up
 * ends the program: a killed --export -o leaves no half-written file beside the real one. The
 * handler is installed only for a signal nobody else handles (an import's own handler stops it
 * cleanly, and the close removes the file). */
#define TMP_LIVE_MAX 8
static char *volatile tmp_live[TMP_LIVE_MAX];

static void
tmp_on_signal(int sig)
{
    int i;

    for (i = 0; i < TMP_LIVE_MAX; i++)
        if (tmp_live[i] != NULL)
            unlink(tmp_live[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
tmp_hook(char *path)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    static int hooked;
    int i;

    for (i = 0; i < TMP_LIVE_MAX; i++)
        if (tmp_live[i] == NULL) {
            tmp_live[i] = path;
            break;
        }
    if (hooked)
        return;
    hooked = 1;
    for (i = 0; i < (int)(sizeof sigs / sizeof sigs[0]); i++) {
        struct sigaction old, sa;

        if (sigaction(sigs[i], NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
            old.sa_handler == SIG_DFL) {
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = tmp_on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, NULL);
        }
    }
}

static void
tmp_unhook(const char *path)
{
    int i;

    for (i = 0; i < TMP_LIVE_MAX; i++)
        if (tmp_live[i] == path)
            tmp_live[i] = NULL;
}

int
cli_text_ok(const char *flag, const char *table, const char *column, int multiline, int maxlen,
            const char *s)
{
    const struct entity_field *f = entity_field(entity_find(table), column);
    struct value_rule r = {.type = multiline ? FIELD_MULTILINE : FIELD_TEXT, .maxlen = maxlen};
    struct value_err e;
    size_t len = strlen(s);
    char *out;

    if (f != NULL)
        r = entity_form_rule(f);
    out = xmalloc(len + 16);
    if (value_normalize(&r, s, len, out, len + 16, &e) < 0) {
        free(out);
        safe_fprintf(stderr, "ccrm: %s: %s\n", flag, e.msg);
        return -1;
    }
    free(out);
    return 0;
}

/* Why renaming a file into path would fail, as an errno (0: it would not): a name longer than
 * the file system takes, or, in a sticky directory (/tmp), a file of another user that only its
 * owner, the directory's or root may replace. st: the file's, NULL when there is none. */
int
cli_rename_refused(const char *path, const struct stat *st)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xasprintf("%.*s", (int)(slash - path), path);
    long name_max = pathconf(dir, _PC_NAME_MAX);
    struct stat ds;
    int refused = 0;

    if (strlen(slash != NULL ? slash + 1 : path) > (size_t)(name_max > 0 ? name_max : 255))
        refused = ENAMETOOLONG;
    else if (st != NULL && stat(dir, &ds) == 0 && (ds.st_mode & S_ISVTX) && geteuid() != 0 &&
             st->st_uid != geteuid() && ds.st_uid != geteuid())
        refused = EPERM;
    free(dir);
    return refused;
}

int
cli_out_open(struct cli_out *o, const char *path, mode_t new_mode, struct ccrm_err *err)
{
    struct stat st, lst;
    mode_t mask;
    int fd, have, magic;

    memset(o, 0, sizeof *o);
    have = stat(path, &st) == 0;
    /* a FIFO, a device, /dev/stdout and /proc/self/fd/N (links to a pipe, a terminal or the
     * file the shell opened: renaming over that file would leave the shell's one empty): in
     * place, as the shell's > would */
    magic = (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0) &&
            lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
    if ((have && !S_ISREG(st.st_mode)) || magic) {
        o->path = xstrdup(path);
        if ((o->f = fopen(path, "wb")) == NULL) {
            err_set(err, "could not write \"%s\": %s", path, strerror(errno));
            free(o->path);
            o->path = NULL;
            return -1;
        }
        return 0;
    }
    o->path = link_target(path);
    /* a file the caller may not write (chmod 444: kept from being overwritten) is refused, as
     * the shell's > refuses it: the rename below would replace it all the same */
    if (have && access(o->path, W_OK) == -1) {
        err_set(err, "could not write \"%s\": %s", o->path, strerror(errno));
        goto fail;
    }
    /* what the rename at the end would refuse, found now: before an import commits or an
     * export runs (it was found after, with the rows in and exit 73) */
    if ((errno = cli_rename_refused(o->path, have ? &st : NULL)) != 0) {
        err_set(err, "could not write \"%s\": %s", o->path, strerror(errno));
        goto fail;
    }
    {
        /* FILE.XXXXXX beside it; a name that long would pass NAME_MAX: .ccrm.XXXXXX */
        const char *slash = strrchr(o->path, '/');
        size_t blen = strlen(slash != NULL ? slash + 1 : o->path);

        if (blen + 7 <= 255)
            o->tmp = xasprintf("%s.XXXXXX", o->path);
        else
            o->tmp = xasprintf("%.*s.ccrm.XXXXXX", slash != NULL ? (int)(slash - o->path) + 1 : 0,
                               o->path);
    }
    if ((fd = mkstemp(o->tmp)) == -1) {
        err_set(err, "could not write \"%s\": %s", o->path, strerror(errno));
        goto fail;
    }
    tmp_hook(o->tmp);
    if (have) {
        /* the file's owner and mode stay (a file made readable for a server stays so) */
        if (fchown(fd, st.st_uid, st.st_gid) == -1 && fchown(fd, (uid_t)-1, st.st_gid) == -1) {
            /* not ours to give away: the file becomes ours */
        }
        (void)fchmod(fd, st.st_mode & 07777);
    } else {
        mask = umask(0);
        umask(mask);
        (void)fchmod(fd, new_mode & ~mask & 0777);
    }
    if ((o->f = fdopen(fd, "wb")) == NULL) {
        err_set(err, "could not write \"%s\": %s", o->path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        goto fail;
    }
    return 0;
fail:
    if (o->tmp != NULL)
        tmp_unhook(o->tmp);
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
    return -1;
}

int
cli_rejects_open(struct cli_out *o, const char *rejects, const char *input)
{
    struct stat in, out;
    struct ccrm_err err;

    /* the rejects would replace the file being imported (standard input's too: `--import -
     * --rejects a.csv < a.csv`, or --rejects /dev/stdin) */
    if ((input == NULL || strcmp(input, "-") == 0 ? fstat(0, &in) : stat(input, &in)) == 0 &&
        stat(rejects, &out) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
        safe_fprintf(stderr, "ccrm: --rejects \"%s\" is the file being imported; name another\n",
                     rejects);
        return EX_USAGE;
    }
    if (cli_out_open(o, rejects, 0666, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return EX_CANTCREAT;
    }
    return 0;
}

int
cli_out_close(struct cli_out *o, int ok, struct ccrm_err *err)
{
    int rc = ok ? 0 : -1;

    if (o->f == NULL)
        return -1;
    errno = 0;
    if (ok &&
        (fflush(o->f) == EOF || ferror(o->f) || (o->tmp != NULL && fsync(fileno(o->f)) == -1))) {
        err_set(err, "could not write \"%s\": %s", o->path,
                errno != 0 ? strerror(errno) : "a write failed");
        rc = -1;
    }
    if (fclose(o->f) == EOF && rc == 0) {
        err_set(err, "could not write \"%s\": %s", o->path, strerror(errno));
        rc = -1;
    }
    o->f = NULL;
    if (o->tmp != NULL && rc == 0 && rename(o->tmp, o->path) == -1) {
        err_set(err, "could not write \"%s\": %s", o->path, strerror(errno));
        rc = -1;
    }
    if (o->tmp != NULL && rc == -1)
        unlink(o->tmp);
    if (o->tmp != NULL)
        tmp_unhook(o->tmp);
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
    return rc;
}

int
cli_reader_gone(FILE *f)
{
    struct pollfd p;
    struct stat st;

    if (errno == EPIPE)
        return 1;
    /* the error may be older than errno: ask the pipe whether anyone still reads it */
    p.fd = fileno(f);
    p.events = POLLOUT;
    p.revents = 0;
    return p.fd >= 0 && fstat(p.fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
           poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

_Noreturn void
cli_exit_printed(void)
{
    errno = 0;
    if (fflush(stdout) == EOF || ferror(stdout)) {
        if (cli_reader_gone(stdout))
            exit(0);
        fprintf(stderr, "ccrm: could not write to standard output%s%s\n", errno ? ": " : "",
                errno ? strerror(errno) : "");
        exit(EX_IOERR);
    }
    exit(0);
}
