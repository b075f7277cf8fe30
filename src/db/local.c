/* The embedded default database (include/ccrm/local.h): initdb, pg_ctl start/stop and CREATE
 * DATABASE for a private cluster that listens on a unix socket in a private directory only.
 * Server programs run with fork+execv (never a shell), their output goes to postgres.log, and as
 * root they run as an unprivileged user. Nothing here knows the schema or the terminal. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ccrm/err.h"
#include "ccrm/local.h"
#include "ccrm/util.h"

#define LOCAL_PORT "5432"
#define LOCAL_DBNAME "ccrm"
#define LOCAL_SOCKET "/.s.PGSQL." LOCAL_PORT
#define LOCAL_SOCKET_MAX 100 /* sun_path holds 108 bytes on Linux, 104 on the BSDs */
#define LOCAL_WAIT 30        /* seconds pg_ctl waits for start and stop */
#define STR_(x) #x
#define STR(x) STR_(x)
#define LOCAL_VARDIR "/var/lib/ccrm"
#define LOCAL_INCLUDE "include_if_exists = 'ccrm.conf'"

/* Who runs the server programs: this process's user, or (as root) an unprivileged one. */
struct runas {
    int drop; /* switch to uid, gid and groups in the child */
    uid_t uid;
    gid_t gid;
    char *name;
    gid_t *groups;
    int ngroups;
};

struct local {
    char *dir;      /* absolute; holds lock and, when the cluster lives elsewhere, cluster */
    char *cdir;     /* where the cluster lives: dir, or LOCAL_VARDIR/LOGIN-HASH as root */
    char *pgdata;   /* cdir/pgdata */
    char *sockdir;  /* cdir/run, or /tmp/ccrm-UID-HASH when that is too long for a socket */
    char *log;      /* cdir/postgres.log */
    char *login;    /* effective OS user: also the cluster's superuser role */
    char *conninfo; /* for database LOCAL_DBNAME, served by ra's user only (local_conninfo) */
    struct runas ra;
    int lockfd;
    int made; /* dir was made by local_init (not a directory of the user's that was there) */
};

static uint32_t
hash32(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Returns s in single quotes with ' and \ escaped by a backslash, as both libpq conninfo and
 * postgresql.conf read it; unquoted when !always and s needs no quotes in a conninfo.
 * Returns a malloc'd string. */
static char *
quote(const char *s, int always)
{
    char *q = xmalloc(2 * strlen(s) + 3);
    char *p = q;

    if (!always && *s != '\0' && strpbrk(s, " \t\n\r\f\v'\\=") == NULL) {
        strcpy(q, s);
        return q;
    }
    *p++ = '\'';
    for (; *s != '\0'; s++) {
        if (*s == '\'' || *s == '\\')
            *p++ = '\\';
        *p++ = *s;
    }
    *p++ = '\'';
    *p = '\0';
    return q;
}

/* Copy a libpq message into out (size n) on one line, without the final newline. */
static void
one_line(char *out, const char *msg, size_t n)
{
    char *p;

    str_copy(out, msg, n);
    for (p = out; *p != '\0'; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    str_trim(out);
}

static int
exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static void
runas_fini(struct runas *ra)
{
    free(ra->name);
    free(ra->groups);
    memset(ra, 0, sizeof *ra);
}

/* Fill ra for pw; drop says whether the child must switch to it. */
static void
runas_set(struct runas *ra, const struct passwd *pw, int drop)
{
    int n = 32;

    runas_fini(ra);
    ra->drop = drop;
    ra->uid = pw->pw_uid;
    ra->gid = pw->pw_gid;
    ra->name = xstrdup(pw->pw_name);
    if (!drop)
        return;
    /* look the groups up here: the child should do as little as possible between fork and exec */
    ra->groups = xmalloc(sizeof *ra->groups * (size_t)n);
    while (getgrouplist(pw->pw_name, pw->pw_gid, ra->groups, &n) == -1) {
        n = n < 64 ? 64 : n * 2;
        ra->groups = xrealloc(ra->groups, sizeof *ra->groups * (size_t)n);
    }
    ra->ngroups = n;
}

/* Decide who runs the server: ourselves, or as root the owner of an existing data directory,
 * else $CCRM_LOCAL_USER, else "postgres". Returns 0 or -1 with err filled in. */
static int
runas_resolve(struct local *l, struct ccrm_err *err)
{
    const char *name = getenv("CCRM_LOCAL_USER");
    struct passwd *pw;
    struct stat st;

    if (geteuid() != 0) {
        pw = getpwuid(geteuid());
        if (pw == NULL) {
            err_set(err, "could not look up the current user (uid %u)", (unsigned)geteuid());
            return -1;
        }
        runas_set(&l->ra, pw, 0);
        return 0;
    }
    if (stat(l->pgdata, &st) == 0 && st.st_uid != 0) {
        pw = getpwuid(st.st_uid);
        if (pw == NULL) {
            err_set(err, "could not look up the owner (uid %u) of \"%s\"", (unsigned)st.st_uid,
                    l->pgdata);
            return -1;
        }
    } else {
        if (name == NULL || *name == '\0')
            name = "postgres";
        pw = getpwnam(name);
        if (pw == NULL) {
            err_set(err,
                    "could not find the unprivileged user \"%s\" to run the private database "
                    "as root",
                    name);
            return -1;
        }
        if (pw->pw_uid == 0) {
            err_set(err, "could not use user \"%s\" to run the private database: it is root", name);
            return -1;
        }
    }
    runas_set(&l->ra, pw, 1);
    return 0;
}

/* In a child: become ra's user. Returns 0 or -1 (errno set). */
static int
runas_enter(const struct runas *ra)
{
    if (!ra->drop)
        return 0;
    if (setgroups((size_t)ra->ngroups, ra->groups) == -1 || setgid(ra->gid) == -1 ||
        setuid(ra->uid) == -1)
        return -1;
    if (setuid(0) != -1) { /* must be irreversible */
        errno = EPERM;
        return -1;
    }
    return 0;
}

/* Give path to the server user when we are root and it is root's. fd: an open descriptor for
 * path, or -1. Returns 0 or -1 (errno set). */
static int
give(const struct local *l, const char *path, int fd)
{
    if (!l->ra.drop)
        return 0;
    if (fd != -1)
        return fchown(fd, l->ra.uid, l->ra.gid);
    return chown(path, l->ra.uid, l->ra.gid);
}

static void
close_from(int lowfd)
{
    long max;
    int fd;

#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
        return;
#endif
    max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (fd = lowfd; fd < max; fd++)
        close(fd);
}

/* In a child: stdin from /dev/null, stdout and stderr to logfd, nothing else inherited (our
 * lock, sockets and pipes must not live on in the postmaster), default signals, ra's user, then
 * exec path. Never returns. */
static void
child_exec(const char *path, const char *const *argv, int logfd, const struct runas *ra)
{
    static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGCHLD, SIGWINCH};
    sigset_t none;
    size_t i;
    int fd;

    if (logfd < 3)
        logfd = fcntl(logfd, F_DUPFD, 3);
    fd = open("/dev/null", O_RDONLY);
    if (logfd == -1 || fd == -1 || dup2(fd, 0) == -1 || dup2(logfd, 1) == -1 ||
        dup2(logfd, 2) == -1)
        _exit(127);
    close_from(3);
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    umask(077);
    if (runas_enter(ra) == -1) {
        dprintf(2, "ccrm: could not switch to user \"%s\": %s\n", ra->name, strerror(errno));
        _exit(127);
    }
    if (chdir("/") == -1)
        _exit(127);
    execv(path, (char *const *)argv);
    dprintf(2, "ccrm: could not execute \"%s\": %s\n", path, strerror(errno));
    _exit(127);
}

/* Run argv (argv[0] an absolute path) as l's server user with output appended to logfd.
 * Returns its exit status, or -1 with err filled in when it could not run or was killed. */
static int
run(const struct local *l, const char *const *argv, int logfd, struct ccrm_err *err)
{
    pid_t pid;
    int status;

    pid = fork();
    if (pid == -1) {
        err_set(err, "could not run \"%s\": %s", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0)
        child_exec(argv[0], argv, logfd, &l->ra);
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR) {
            err_set(err, "could not wait for \"%s\": %s", argv[0], strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    err_set(err, "\"%s\" was terminated by signal %d", argv[0],
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

/* Can the server user search (reach) path? Runs access() in a child with its identity.
 * Returns 1 or 0. */
static int
can_reach(const struct local *l, const char *path)
{
    pid_t pid;
    int status;

    if (!l->ra.drop)
        return 1;
    pid = fork();
    if (pid == -1)
        return 0;
    if (pid == 0)
        _exit(runas_enter(&l->ra) == 0 && access(path, X_OK) == 0 ? 0 : 1);
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int
has_server_programs(const char *bindir)
{
    char *a = xasprintf("%s/initdb", bindir);
    char *b = xasprintf("%s/pg_ctl", bindir);
    int ok = access(a, X_OK) == 0 && access(b, X_OK) == 0;

    free(a);
    free(b);
    return ok;
}

/* Find the directory holding initdb and pg_ctl: $CCRM_PG_BINDIR, else
 * /usr/lib/postgresql/VERSION/bin for the version of an existing cluster in pgdata (so that
 * installing a newer PostgreSQL does not strand it), else the newest of those, else the PATH.
 * Returns a malloc'd path, or NULL with err filled in. */
static char *
find_bindir(const char *pgdata, struct ccrm_err *err)
{
    const char *env = getenv("CCRM_PG_BINDIR");
    char *best = NULL;
    long best_ver = -1;
    struct dirent *de;
    char *path, *p, *s;
    char version[16];
    FILE *f;
    DIR *d;

    if (env != NULL && *env != '\0') {
        if (has_server_programs(env))
            return xstrdup(env);
        err_set(err, "could not find initdb and pg_ctl in CCRM_PG_BINDIR \"%s\"", env);
        return NULL;
    }
    path = xasprintf("%s/PG_VERSION", pgdata);
    f = fopen(path, "r");
    free(path);
    if (f != NULL) {
        if (fgets(version, sizeof version, f) != NULL && strchr(str_trim(version), '/') == NULL &&
            version[0] != '.') {
            best = xasprintf("/usr/lib/postgresql/%s/bin", version);
            if (!has_server_programs(best)) {
                free(best);
                best = NULL;
            }
        }
        fclose(f);
        if (best != NULL)
            return best;
    }
    d = opendir("/usr/lib/postgresql");
    while (d != NULL && (de = readdir(d)) != NULL) {
        char *end;
        long major = strtol(de->d_name, &end, 10);
        long minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0; /* 9.6 */
        char *bin;

        if (end == de->d_name || major * 1000 + minor <= best_ver)
            continue;
        bin = xasprintf("/usr/lib/postgresql/%s/bin", de->d_name);
        if (has_server_programs(bin)) {
            free(best);
            best = bin;
            best_ver = major * 1000 + minor;
        } else {
            free(bin);
        }
    }
    if (d != NULL)
        closedir(d);
    if (best != NULL)
        return best;
    path = xstrdup(getenv("PATH") != NULL ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin");
    for (s = path; best == NULL && s != NULL; s = p) {
        p = strchr(s, ':');
        if (p != NULL)
            *p++ = '\0';
        if (*s == '/' && has_server_programs(s))
            best = xstrdup(s);
    }
    free(path);
    if (best == NULL)
        err_set(err, "could not find PostgreSQL server programs (initdb, pg_ctl): install "
                     "postgresql");
    return best;
}

/* Why did a server program fail? Looks at what it appended to log after offset: the last
 * FATAL/PANIC line, else the last ERROR or "error:" line, else the last line, without its
 * prefix. Writes it into out (size n). */
static void
log_reason(const char *log, off_t offset, char *out, size_t n)
{
    static const char *const marks[] = {"FATAL:", "PANIC:", "ERROR:", "error:"};
    char buf[8192];
    const char *best = NULL;
    int best_rank = -1;
    char *line, *next;
    size_t len;
    FILE *f;

    str_copy(out, "unknown reason", n);
    f = fopen(log, "r");
    if (f == NULL)
        return;
    if (fseeko(f, 0, SEEK_END) == 0 && ftello(f) - offset > (off_t)sizeof buf - 1)
        offset = ftello(f) - (off_t)sizeof buf + 1;
    if (fseeko(f, offset, SEEK_SET) == -1)
        offset = 0;
    len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    for (line = buf; line != NULL && *line != '\0'; line = next) {
        int rank = 0;
        size_t i;
        char *m = NULL;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*str_trim(line) == '\0')
            continue;
        for (i = 0; i < sizeof marks / sizeof marks[0] && m == NULL; i++)
            if ((m = strstr(line, marks[i])) != NULL)
                rank = i < 2 ? 2 : 1;
        if (m != NULL)
            for (m = strchr(m, ':') + 1; *m == ' '; m++)
                ;
        if (rank >= best_rank) {
            best_rank = rank;
            best = m != NULL ? m : line;
        }
    }
    if (best != NULL)
        str_copy(out, best, n);
}

static off_t
log_size(int logfd)
{
    struct stat st;

    return fstat(logfd, &st) == 0 ? st.st_size : 0;
}

/* Open the log for appending, owned by the server user. Returns an fd or -1 with err. */
static int
log_open(const struct local *l, struct ccrm_err *err)
{
    int fd = open(l->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd == -1 || give(l, l->log, fd) == -1) {
        err_set(err, "could not open log file \"%s\": %s", l->log, strerror(errno));
        if (fd != -1)
            close(fd);
        return -1;
    }
    return fd;
}

/* Create (if needed) a directory that only the server user may enter, and check that nobody
 * else owns it: it may sit in /tmp. Returns 0 or -1 with err filled in. */
static int
private_dir(const struct local *l, const char *path, struct ccrm_err *err)
{
    struct stat st;
    int fd;

    if (mkdir(path, 0700) == -1 && errno != EEXIST) {
        err_set(err, "could not create directory \"%s\": %s", path, strerror(errno));
        return -1;
    }
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 || fstat(fd, &st) == -1) {
        err_set(err, "could not open directory \"%s\": %s", path, strerror(errno));
        goto fail;
    }
    if (st.st_uid != l->ra.uid && !(st.st_uid == 0 && l->ra.drop)) {
        err_set(err, "could not use directory \"%s\": it belongs to uid %u", path,
                (unsigned)st.st_uid);
        goto fail;
    }
    if (st.st_uid != l->ra.uid && give(l, path, fd) == -1) {
        err_set(err, "could not change owner of \"%s\": %s", path, strerror(errno));
        goto fail;
    }
    if ((st.st_mode & 077) != 0 && fchmod(fd, 0700) == -1) {
        err_set(err, "could not change permissions of \"%s\": %s", path, strerror(errno));
        goto fail;
    }
    close(fd);
    return 0;
fail:
    if (fd != -1)
        close(fd);
    return -1;
}

/* As root the server user must be able to pass through dir: add o+x to a directory of ours. */
static int
let_through(const struct local *l, const char *path, struct ccrm_err *err)
{
    struct stat st;

    if (!l->ra.drop || stat(path, &st) == -1 || (st.st_mode & S_IXOTH) != 0)
        return 0;
    if (chmod(path, (st.st_mode & 07777) | S_IXOTH) == -1) {
        err_set(err, "could not change permissions of \"%s\": %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Set the paths that follow from l->cdir. */
static void
local_paths(struct local *l)
{
    free(l->pgdata);
    free(l->sockdir);
    free(l->log);
    l->pgdata = xasprintf("%s/pgdata", l->cdir);
    l->log = xasprintf("%s/postgres.log", l->cdir);
    l->sockdir = xasprintf("%s/run", l->cdir);
    if (strlen(l->sockdir) + strlen(LOCAL_SOCKET) > LOCAL_SOCKET_MAX) {
        free(l->sockdir);
        l->sockdir = xasprintf("/tmp/ccrm-%u-%08x", (unsigned)geteuid(), hash32(l->cdir));
    }
}

/* Is l's socket in /tmp/ccrm-UID-HASH, not in l->cdir/run (local_paths)? */
static int
socket_in_tmp(const struct local *l)
{
    size_t n = strlen(l->cdir);

    return strncmp(l->sockdir, l->cdir, n) != 0 || strcmp(l->sockdir + n, "/run") != 0;
}

/* The conninfo of database dbname on l's socket. A socket in /tmp/ccrm-UID-HASH (l->cdir's
 * path too long for one) has a name anyone can work out, and a server another user started
 * there first (trusting every login) got our connections, the migrations and then the CRM's
 * data: there, requirepeer lets only a server that runs as the server user (l->ra,
 * runas_resolve) be talked to. A socket in l->cdir/run is in a directory only we (and the
 * server's user) may write, and needs no such check (libpq's check looks the peer's user up,
 * which costs an ASan build's leak check at exit some 0.4 s). Returns a malloc'd string. */
static char *
conninfo_for(const struct local *l, const char *dbname)
{
    char *host = quote(l->sockdir, 0);
    char *user = quote(l->login, 0);
    char *peer = socket_in_tmp(l) && l->ra.name != NULL ? quote(l->ra.name, 0) : NULL;
    char *ci = xasprintf("host=%s port=" LOCAL_PORT " dbname=%s user=%s%s%s", host, dbname, user,
                         peer != NULL ? " requirepeer=" : "", peer != NULL ? peer : "");

    free(peer);
    free(user);
    free(host);
    return ci;
}

static void
local_conninfo(struct local *l)
{
    free(l->conninfo);
    l->conninfo = conninfo_for(l, LOCAL_DBNAME);
}

static void
local_fini(struct local *l)
{
    if (l->lockfd != -1)
        close(l->lockfd); /* releases the flock */
    free(l->dir);
    free(l->cdir);
    free(l->pgdata);
    free(l->sockdir);
    free(l->log);
    free(l->login);
    free(l->conninfo);
    runas_fini(&l->ra);
}

/* pg_ctl starts the server through /bin/sh with the paths in double quotes: in them ` $ " and
 * \ are the shell's (a $x expanded, a `command` run as the server's user). path is checked as
 * written and as it resolves (a symbolic link may lead to such a name); dir names it. */
static int
shell_safe(const char *path, const char *dir, struct ccrm_err *err)
{
    if (path == NULL || strpbrk(path, "`$\"\\") == NULL)
        return 1;
    err_set(err,
            "could not use directory \"%s\": its name%s contains ` $ \" or \\, which pg_ctl "
            "would hand to a shell",
            dir, strcmp(path, dir) == 0 ? "" : " (as its links resolve)");
    return 0;
}

/* Resolve dir (creating it 0700 when create), take the lock and find the cluster: dir/cluster
 * links to it when it lives elsewhere. Returns 0, 1 when !create and there is no dir, or -1
 * with err filled in. Release with local_fini() in every case. */
static int
local_init(struct local *l, const char *dir, int create, FILE *progress, struct ccrm_err *err)
{
    struct passwd *pw = getpwuid(geteuid());
    char target[4096];
    char *path;
    ssize_t len;

    memset(l, 0, sizeof *l);
    l->lockfd = -1;
    if (pw == NULL) {
        err_set(err, "could not look up the current user (uid %u)", (unsigned)geteuid());
        return -1;
    }
    l->login = xstrdup(pw->pw_name);
    if (strchr(dir, '\n') != NULL) {
        err_set(err, "could not use directory \"%s\": its name contains a newline", dir);
        return -1;
    }
    if (!shell_safe(dir, dir, err))
        return -1;
    if (create && !exists(dir)) {
        if (mkdir_p(dir, 0700) == -1) {
            err_set(err, "could not create directory \"%s\": %s", dir, strerror(errno));
            return -1;
        }
        l->made = 1;
    }
    l->dir = realpath(dir, NULL);
    if (l->dir == NULL) {
        if (!create && errno == ENOENT)
            return 1;
        err_set(err, "could not find directory \"%s\": %s", dir, strerror(errno));
        return -1;
    }
    if (!shell_safe(l->dir, dir, err))
        return -1;
    path = xasprintf("%s/lock", l->dir);
    l->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (l->lockfd == -1) {
        err_set(err, "could not open lock file \"%s\": %s", path, strerror(errno));
        free(path);
        return -1;
    }
    if (flock(l->lockfd, LOCK_EX | LOCK_NB) == -1) {
        if (progress != NULL && errno == EWOULDBLOCK)
            fprintf(progress, "ccrm: waiting for another ccrm to set up the private database\n");
        while (flock(l->lockfd, LOCK_EX) == -1) {
            if (errno != EINTR) {
                err_set(err, "could not lock \"%s\": %s", path, strerror(errno));
                free(path);
                return -1;
            }
        }
    }
    free(path);
    path = xasprintf("%s/cluster", l->dir);
    len = readlink(path, target, sizeof target - 1);
    free(path);
    if (len > 0 && target[0] == '/') {
        target[len] = '\0';
        l->cdir = xstrdup(target);
    } else {
        l->cdir = xstrdup(l->dir);
    }
    if (!shell_safe(l->cdir, dir, err))
        return -1;
    local_paths(l);
    /* the server's user is needed before the first probe only for requirepeer (conninfo_for);
     * elsewhere it is looked up once the hot path (a server running) is not taken */
    if (socket_in_tmp(l) && runas_resolve(l, err) == -1)
        return -1;
    local_conninfo(l);
    return 0;
}

/* As root on first use: if the server user cannot reach dir (say it is under /root), put the
 * cluster in LOCAL_VARDIR/LOGIN-HASH and link dir/cluster to it. Returns 0 or -1 with err. */
static int
place_cluster(struct local *l, FILE *progress, struct ccrm_err *err)
{
    char *parent, *slash, *link;
    char *cdir;
    int ok;

    if (l->ra.drop && strcmp(l->cdir, l->dir) != 0 && !exists(l->cdir)) {
        /* the link's directory was removed (by hand, a cleaned /var/lib): made again as on
         * first use, and a new cluster is made in it */
        if (mkdir_p(l->cdir, 0711) == -1) {
            err_set(err, "could not create directory \"%s\": %s", l->cdir, strerror(errno));
            return -1;
        }
        if (let_through(l, LOCAL_VARDIR, err) == -1 || let_through(l, l->cdir, err) == -1)
            return -1;
        return 0;
    }
    parent = xasprintf("%s/PG_VERSION", l->pgdata);
    ok = exists(parent);
    free(parent);
    if (!l->ra.drop || strcmp(l->cdir, l->dir) != 0 || ok)
        return 0;
    parent = xstrdup(l->dir);
    slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent)
        *slash = '\0';
    else
        strcpy(parent, "/");
    /* a directory of the user's that was there (data_dir = ~/, a private one) is not opened up
     * for the server: only one ccrm made gets o+x (let_through) */
    ok = can_reach(l, parent) && (l->made || can_reach(l, l->dir));
    free(parent);
    if (ok)
        return 0;
    cdir = xasprintf(LOCAL_VARDIR "/%s-%08x", l->login, hash32(l->dir));
    if (mkdir_p(cdir, 0711) == -1) {
        err_set(err, "could not create directory \"%s\": %s", cdir, strerror(errno));
        free(cdir);
        return -1;
    }
    /* mkdir_p's modes are subject to our umask */
    if (let_through(l, LOCAL_VARDIR, err) == -1 || let_through(l, cdir, err) == -1 ||
        !can_reach(l, cdir)) {
        err_set(err,
                "could not find a directory that user \"%s\" can reach for the private "
                "database: tried \"%s\"",
                l->ra.name, cdir);
        free(cdir);
        return -1;
    }
    link = xasprintf("%s/cluster", l->dir);
    if (symlink(cdir, link) == -1) {
        err_set(err, "could not create symbolic link \"%s\": %s", link, strerror(errno));
        free(link);
        free(cdir);
        return -1;
    }
    if (progress != NULL)
        fprintf(progress,
                "ccrm: user \"%s\" cannot reach %s, so the private database goes to %s "
                "(linked from %s)\n",
                l->ra.name, l->dir, cdir, link);
    free(link);
    free(l->cdir);
    l->cdir = cdir;
    local_paths(l);
    if (runas_resolve(l, err) == -1)
        return -1;
    local_conninfo(l);
    return 0;
}

/* Does the server in bindir have pg_cron (its library and its extension)? Debian installs
 * both for postgresql-15-cron: lib/ beside bin/, and share/postgresql/15/extension. */
static int
have_pg_cron(const char *bindir)
{
    static const char debian[] = "/usr/lib/postgresql/";
    char *lib = xasprintf("%s/../lib/pg_cron.so", bindir);
    char *ctl = NULL;
    char version[16];
    int ok;

    /* /usr/lib/postgresql/15/bin: /usr/share/postgresql/15/extension; else the layout of a
     * build from source (share/ beside bin/) */
    if (strncmp(bindir, debian, sizeof debian - 1) == 0 &&
        sscanf(bindir + sizeof debian - 1, "%15[0-9.]", version) == 1)
        ctl = xasprintf("/usr/share/postgresql/%s/extension/pg_cron.control", version);
    else
        ctl = xasprintf("%s/../share/extension/pg_cron.control", bindir);
    ok = exists(lib) && exists(ctl);
    free(ctl);
    free(lib);
    return ok;
}

/* Write pgdata/ccrm.conf (socket only, in our private directory) and make sure postgresql.conf
 * includes it. Rewritten at every start, so a moved cluster follows. When the server has
 * pg_cron, it is loaded for database ccrm with background workers (no TCP here for it to
 * connect through), and `ccrm --migrate` schedules ccrm_tick() every minute. Returns 0 or -1. */
static int
write_conf(const struct local *l, const char *bindir, struct ccrm_err *err)
{
    char *path = xasprintf("%s/ccrm.conf", l->pgdata);
    char *main_conf = xasprintf("%s/postgresql.conf", l->pgdata);
    char *sock = quote(l->sockdir, 1);
    char *text = NULL;
    char buf[65536];
    size_t len = 0;
    FILE *f;
    int fd = -1;
    int rc = -1;

    text = xasprintf("# Written by ccrm at every start of its private database: do not edit.\n"
                     "listen_addresses = ''\n"
                     "port = " LOCAL_PORT "\n"
                     "unix_socket_directories = %s\n"
                     "unix_socket_permissions = 0700\n"
                     "%s",
                     sock,
                     have_pg_cron(bindir)
                         ? "# the scheduler (SLA breaches, reminders, digests): ccrm_tick() every "
                           "minute\n"
                           "shared_preload_libraries = 'pg_cron'\n"
                           "cron.database_name = '" LOCAL_DBNAME "'\n"
                           "cron.use_background_workers = on\n"
                         : "");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd == -1 || give(l, path, fd) == -1 ||
        write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        err_set(err, "could not write \"%s\": %s", path, strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    f = fopen(main_conf, "r");
    if (f != NULL) {
        len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    buf[len] = '\0';
    if (strstr(buf, LOCAL_INCLUDE) == NULL) {
        static const char inc[] =
            "\n# ccrm: socket-only settings for the private database\n" LOCAL_INCLUDE "\n";

        fd = open(main_conf, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd == -1 || write(fd, inc, sizeof inc - 1) != (ssize_t)(sizeof inc - 1)) {
            err_set(err, "could not write \"%s\": %s", main_conf, strerror(errno));
            goto out;
        }
    }
    rc = 0;
out:
    if (fd != -1)
        close(fd);
    free(text);
    free(sock);
    free(main_conf);
    free(path);
    return rc;
}

/* initdb a new cluster. Returns 0 or -1 with err filled in. */
static int
do_initdb(const struct local *l, const char *bindir, int logfd, struct ccrm_err *err)
{
    char *prog = xasprintf("%s/initdb", bindir);
    char *user = xasprintf("--username=%s", l->login);
    locale_t loc = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    const char *locale = loc != (locale_t)0 ? "--locale=C.UTF-8" : "--locale=C";
    const char *argv[] = {prog,
                          "-D",
                          l->pgdata,
                          user,
                          "--auth-local=trust",
                          "--auth-host=reject",
                          "--encoding=UTF8",
                          locale,
                          NULL};
    off_t off = log_size(logfd);
    char reason[200];
    int rc;

    if (loc != (locale_t)0)
        freelocale(loc);
    rc = run(l, argv, logfd, err);
    if (rc > 0) {
        log_reason(l->log, off, reason, sizeof reason);
        err_set(err, "could not create the private database: %s (see %s)", reason, l->log);
    }
    free(user);
    free(prog);
    return rc == 0 ? 0 : -1;
}

/* pg_ctl start or stop. Returns 0 or -1 with err filled in. */
static int
do_pg_ctl(const struct local *l, const char *bindir, const char *action, int logfd,
          struct ccrm_err *err)
{
    char *prog = xasprintf("%s/pg_ctl", bindir);
    const char *start[] = {prog, "start",         "-D", l->pgdata, "-s", "-w",
                           "-t", STR(LOCAL_WAIT), "-l", l->log,    NULL};
    const char *stop[] = {prog, "stop",          "-D", l->pgdata, "-s", "-w",
                          "-t", STR(LOCAL_WAIT), "-m", "fast",    NULL};
    off_t off = log_size(logfd);
    char reason[200];
    int rc;

    rc = run(l, strcmp(action, "start") == 0 ? start : stop, logfd, err);
    if (rc > 0) {
        log_reason(l->log, off, reason, sizeof reason);
        err_set(err, "could not %s the private database: %s (see %s)", action, reason, l->log);
    }
    free(prog);
    return rc == 0 ? 0 : -1;
}

/* Is process pid a zombie, dead but not reaped? A server killed where nobody reaps orphans (a
 * container whose first process does not wait for them) stays one: its number is taken, and
 * kill(pid, 0) succeeds on it (the server's own check of postmaster.pid says "lock file already
 * exists"), but it is gone and holds nothing. 1 or 0 (not known: no /proc). */
/* Read the start of /proc/PID/WHAT into buf, NUL-terminated. Returns its length, or -1 (no
 * such process, or no /proc). */
static ssize_t
proc_read(long pid, const char *what, char *buf, size_t size)
{
    char *path = xasprintf("/proc/%ld/%s", pid, what);
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    free(path);
    if (fd == -1)
        return -1;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return n;
}

static int
zombie(long pid)
{
    char buf[512];
    char *paren;

    if (proc_read(pid, "stat", buf, sizeof buf) == -1)
        return 0;
    /* "PID (COMM) STATE ...": the command's name may hold ") " itself */
    paren = strrchr(buf, ')');
    return paren != NULL && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Does postmaster.pid name a process that is not this cluster's server? A crash or a reboot
 * leaves the file, and its number may since be another process's (as root the server's user is
 * postgres, which the system's own PostgreSQL runs as): pg_ctl stop would signal that process,
 * and the server refuses to start while it lives. 1: stale (no such process, a zombie, or one
 * whose command line is not a server of this pgdata), 0: ours, or not known. */
static int
pidfile_stale(const struct local *l)
{
    char *path = xasprintf("%s/postmaster.pid", l->pgdata);
    char buf[8192];
    FILE *f = fopen(path, "re");
    long pid = 0;
    ssize_t n;
    size_t i;
    int stale = 1;

    free(path);
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0)
        return 0;
    if (kill((pid_t)pid, 0) == -1)
        return errno == ESRCH;
    if (zombie(pid))
        return 1;
    if ((n = proc_read(pid, "cmdline", buf, sizeof buf)) == -1)
        return 0;
    /* pg_ctl starts it as "postgres -D PGDATA ...": the arguments are NUL-separated */
    for (i = 0; i < (size_t)n; i += strlen(buf + i) + 1)
        if (strcmp(buf + i, l->pgdata) == 0)
            stale = 0;
    return stale;
}

/* A stale postmaster.pid (pidfile_stale, and nothing answers on the socket) is moved aside, so
 * that the server starts and nothing is signalled. Returns 1 when it was stale. */
static int
pidfile_set_aside(const struct local *l, FILE *progress)
{
    char *path, *aside;
    int moved;

    if (!pidfile_stale(l) || PQping(l->conninfo) != PQPING_NO_RESPONSE)
        return 0;
    path = xasprintf("%s/postmaster.pid", l->pgdata);
    aside = xasprintf("%s/postmaster.pid.stale", l->pgdata);
    moved = rename(path, aside) == 0;
    if (moved && progress != NULL)
        fprintf(progress,
                "ccrm: the private database's postmaster.pid was left by a server that is gone "
                "(its process number is not this database's server): set aside as %s\n",
                aside);
    free(path);
    free(aside);
    return moved;
}

/* Create database ccrm unless it exists, connected to database postgres. A concurrent
 * creation ("already exists") is fine. Returns 0 or -1 with err filled in. */
static int
create_db(const struct local *l, struct ccrm_err *err)
{
    char *ci = conninfo_for(l, "postgres");
    PGconn *conn = PQconnectdb(ci);
    PGresult *res = NULL;
    const char *state;
    char msg[200];
    int rc = -1;

    if (PQstatus(conn) != CONNECTION_OK) {
        one_line(msg, PQerrorMessage(conn), sizeof msg);
        err_set(err, "could not connect to the private database: %s", msg);
        goto out;
    }
    res = PQexec(conn, "SELECT 1 FROM pg_database WHERE datname = '" LOCAL_DBNAME "'");
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        rc = 0;
        goto out;
    }
    PQclear(res);
    res = PQexec(conn, "CREATE DATABASE " LOCAL_DBNAME);
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (PQresultStatus(res) != PGRES_COMMAND_OK &&
        (state == NULL || strcmp(state, "42P04") != 0)) { /* duplicate_database */
        one_line(msg, PQresultErrorMessage(res), sizeof msg);
        err_set(err, "could not create database \"" LOCAL_DBNAME "\": %s", msg);
        goto out;
    }
    rc = 0;
out:
    PQclear(res);
    PQfinish(conn);
    free(ci);
    return rc;
}

/* PQping, waiting while the server starts up or shuts down (REJECT). */
static PGPing
wait_ping(const char *conninfo)
{
    PGPing ping = PQping(conninfo);
    int i;

    for (i = 0; ping == PQPING_REJECT && i < 10 * LOCAL_WAIT; i++) {
        sleep_ms(100);
        ping = PQping(conninfo);
    }
    return ping;
}

/* Try to connect. Returns 1 when connected, else 0 with libpq's message in msg (size n). */
static int
probe(const char *conninfo, char *msg, size_t n)
{
    PGconn *conn = PQconnectdb(conninfo);
    int ok = PQstatus(conn) == CONNECTION_OK;

    if (!ok)
        one_line(msg, PQerrorMessage(conn), n);
    PQfinish(conn);
    return ok;
}

int
local_cluster_ensure(const char *dir, char *conninfo, size_t n, FILE *progress,
                     struct ccrm_err *err)
{
    struct local l;
    char *bindir = NULL;
    char *version = NULL;
    char msg[200];
    PGPing ping;
    int logfd = -1;
    int rc = -1;

    if (local_init(&l, dir, 1, progress, err) != 0)
        goto out;
    if (probe(l.conninfo, msg, sizeof msg)) /* the hot path: it is running */
        goto done;
    if (runas_resolve(&l, err) == -1)
        goto out;

    ping = wait_ping(l.conninfo);
    if (ping == PQPING_NO_RESPONSE) {
        char *cdir = xstrdup(l.cdir);

        if ((bindir = find_bindir(l.pgdata, err)) == NULL ||
            place_cluster(&l, progress, err) == -1) {
            free(cdir);
            goto out;
        }
        if (strcmp(cdir, l.cdir) != 0)
            ping = wait_ping(l.conninfo);
        free(cdir);
    }
    if (ping == PQPING_NO_RESPONSE) {
        if (let_through(&l, l.cdir, err) == -1 || private_dir(&l, l.pgdata, err) == -1 ||
            private_dir(&l, l.sockdir, err) == -1 || (logfd = log_open(&l, err)) == -1)
            goto out;
        version = xasprintf("%s/PG_VERSION", l.pgdata);
        if (!exists(version)) {
            if (progress != NULL)
                fprintf(progress, "ccrm: creating a private database in %s%s%s%s\n", l.cdir,
                        l.ra.drop ? " run by user \"" : "", l.ra.drop ? l.ra.name : "",
                        l.ra.drop ? "\"" : "");
            if (do_initdb(&l, bindir, logfd, err) == -1)
                goto out;
        } else {
            pidfile_set_aside(&l, progress);
            if (progress != NULL)
                fprintf(progress, "ccrm: starting the private database in %s\n", l.cdir);
        }
        if (write_conf(&l, bindir, err) == -1 || do_pg_ctl(&l, bindir, "start", logfd, err) == -1)
            goto out;
    } else if (ping != PQPING_OK) {
        err_set(err, "could not connect to the private database: %s", msg);
        goto out;
    }
    /* the server runs: the database may still be missing (first start, or an earlier
     * attempt died between start and CREATE DATABASE) */
    if (create_db(&l, err) == -1)
        goto out;
    if (!probe(l.conninfo, msg, sizeof msg)) {
        err_set(err, "could not connect to the private database: %s", msg);
        goto out;
    }
done:
    if (strlen(l.conninfo) >= n) {
        err_set(err, "could not return the conninfo: it needs %zu bytes", strlen(l.conninfo) + 1);
        goto out;
    }
    strcpy(conninfo, l.conninfo);
    rc = 0;
out:
    if (logfd != -1)
        close(logfd);
    free(version);
    free(bindir);
    local_fini(&l);
    return rc;
}

int
local_cluster_stop(const char *dir, struct ccrm_err *err)
{
    struct local l;
    char *pidfile = NULL;
    char *bindir = NULL;
    int logfd = -1;
    int rc = -1;

    rc = local_init(&l, dir, 0, NULL, err);
    if (rc != 0) {
        rc = rc == 1 ? 0 : -1;
        goto out;
    }
    rc = -1;
    pidfile = xasprintf("%s/postmaster.pid", l.pgdata);
    /* (a stale one names a process that is not the server: nothing to stop, nothing signalled) */
    if (!exists(pidfile) || pidfile_set_aside(&l, NULL)) {
        rc = 0;
        goto out;
    }
    if (runas_resolve(&l, err) == -1 || (bindir = find_bindir(l.pgdata, err)) == NULL ||
        (logfd = log_open(&l, err)) == -1)
        goto out;
    /* pg_ctl fails on a stale postmaster.pid (after a crash) too: then it is stopped */
    if (do_pg_ctl(&l, bindir, "stop", logfd, err) == -1 && exists(pidfile) &&
        PQping(l.conninfo) != PQPING_NO_RESPONSE)
        goto out;
    err_clear(err);
    rc = 0;
out:
    if (logfd != -1)
        close(logfd);
    free(bindir);
    free(pidfile);
    local_fini(&l);
    return rc;
}
