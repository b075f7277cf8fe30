/* Drafts of unsaved forms and crash reports (include/ccrm/draft.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/draft.h"
#include "ccrm/util.h"

#define DRAFT_MAGIC "ccrm draft 1"

void
draft_add(struct draft *d, const char *col, const char *base, const char *val)
{
    d->f = xrealloc(d->f, (size_t)(d->n + 1) * sizeof *d->f);
    d->f[d->n].col = xstrdup(col);
    d->f[d->n].base = xstrdup(base != NULL ? base : "");
    d->f[d->n].val = xstrdup(val != NULL ? val : "");
    d->n++;
}

void
draft_fini(struct draft *d)
{
    int i;

    for (i = 0; i < d->n; i++) {
        free(d->f[i].col);
        free(d->f[i].base);
        free(d->f[i].val);
    }
    free(d->f);
    memset(d, 0, sizeof *d);
}

void
draft_put_escaped(struct strbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            strbuf_puts(b, "\\\\");
        else if (*s == '\t')
            strbuf_puts(b, "\\t");
        else if (*s == '\n')
            strbuf_puts(b, "\\n");
        else if (*s == '\r')
            strbuf_puts(b, "\\r");
        else
            strbuf_add(b, s, 1);
    }
}

void
draft_render(struct strbuf *b, const struct draft *d)
{
    int i;

    strbuf_printf(b, DRAFT_MAGIC "\nentity %s\nid %" PRId64 "\nversion %d\n", d->entity, d->id,
                  d->version);
    if (d->maybe_id > 0)
        strbuf_printf(b, "maybe %" PRId64 "\n", d->maybe_id);
    if (d->when[0] != '\0')
        strbuf_printf(b, "when %s\n", d->when);
    if (d->why[0] != '\0')
        strbuf_printf(b, "why %s\n", d->why);
    if (d->login[0] != '\0')
        strbuf_printf(b, "login %s\n", d->login);
    if (d->database[0] != '\0')
        strbuf_printf(b, "database %s\n", d->database);
    for (i = 0; i < d->n; i++) {
        strbuf_puts(b, "field ");
        draft_put_escaped(b, d->f[i].col);
        strbuf_puts(b, "\t");
        draft_put_escaped(b, d->f[i].base);
        strbuf_puts(b, "\t");
        draft_put_escaped(b, d->f[i].val);
        strbuf_puts(b, "\n");
    }
}

char *
draft_unescape(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            *o++ = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : s[i];
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

int
draft_parse(const char *text, struct draft *d)
{
    const char *p = text, *nl;

    memset(d, 0, sizeof *d);
    if (strncmp(text, DRAFT_MAGIC "\n", strlen(DRAFT_MAGIC) + 1) != 0)
        return -1;
    for (p = text + strlen(DRAFT_MAGIC) + 1; *p != '\0'; p = *nl ? nl + 1 : nl) {
        size_t len;

        nl = strchr(p, '\n');
        if (nl == NULL)
            nl = p + strlen(p);
        len = (size_t)(nl - p);
        if (strncmp(p, "entity ", 7) == 0 && len - 7 < sizeof d->entity) {
            memcpy(d->entity, p + 7, len - 7);
            d->entity[len - 7] = '\0';
        } else if (strncmp(p, "id ", 3) == 0) {
            d->id = strtoll(p + 3, NULL, 10);
        } else if (strncmp(p, "version ", 8) == 0) {
            d->version = atoi(p + 8);
        } else if (strncmp(p, "maybe ", 6) == 0) {
            d->maybe_id = strtoll(p + 6, NULL, 10);
        } else if (strncmp(p, "when ", 5) == 0 && len - 5 < sizeof d->when) {
            memcpy(d->when, p + 5, len - 5);
            d->when[len - 5] = '\0';
        } else if (strncmp(p, "login ", 6) == 0 && len - 6 < sizeof d->login) {
            memcpy(d->login, p + 6, len - 6);
            d->login[len - 6] = '\0';
        } else if (strncmp(p, "database ", 9) == 0 && len - 9 < sizeof d->database) {
            memcpy(d->database, p + 9, len - 9);
            d->database[len - 9] = '\0';
        } else if (strncmp(p, "why ", 4) == 0 && len - 4 < sizeof d->why) {
            memcpy(d->why, p + 4, len - 4);
            d->why[len - 4] = '\0';
        } else if (strncmp(p, "field ", 6) == 0) {
            const char *a = p + 6, *t1 = memchr(a, '\t', (size_t)(nl - a)), *t2;
            char *col, *base, *val;

            if (t1 == NULL || (t2 = memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1))) == NULL)
                continue;
            col = draft_unescape(a, (size_t)(t1 - a));
            base = draft_unescape(t1 + 1, (size_t)(t2 - t1 - 1));
            val = draft_unescape(t2 + 1, (size_t)(nl - t2 - 1));
            draft_add(d, col, base, val);
            free(col);
            free(base);
            free(val);
        }
    }
    if (d->entity[0] == '\0') {
        draft_fini(d);
        return -1;
    }
    return 0;
}

char *
draft_dir(void)
{
    return xdg_dir("STATE");
}

int
draft_save(const char *text, char *path, size_t n)
{
    static int seq;
    char *dir = draft_dir(), tmp[4096];
    size_t len = strlen(text);
    int fd, rc = -1;

    if (mkdir_p(dir, 0700) == -1) {
        free(dir);
        return -1;
    }
    snprintf(path, n, "%s/draft-%lld-%ld-%d.txt", dir, (long long)time(NULL), (long)getpid(),
             seq++);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    free(dir);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
        return -1;
    if (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
        rc = 0;
    if (close(fd) == -1)
        rc = -1;
    if (rc == 0 && rename(tmp, path) == -1)
        rc = -1;
    if (rc == -1)
        unlink(tmp);
    return rc;
}

/* When process pid started, in seconds since 1970 (Linux: its start in clock ticks after boot,
 * /proc/PID/stat field 22, plus the boot time, /proc/stat btime), or -1 when unknown. */
static long long
proc_started(long pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ticks = 0;
    long long btime = -1;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f;
    int i;

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (hz <= 0 || (f = fopen(path, "re")) == NULL)
        return -1;
    p = fgets(buf, sizeof buf, f);
    fclose(f);
    /* after the command's ")" (which may hold spaces): state is field 3, starttime field 22 */
    if (p == NULL || (p = strrchr(buf, ')')) == NULL)
        return -1;
    for (i = 2; i < 22 && p != NULL; i++)
        p = strchr(p + 1, ' ');
    if (p == NULL || sscanf(p + 1, "%llu", &ticks) != 1 || (f = fopen("/proc/stat", "re")) == NULL)
        return -1;
    while (fgets(buf, sizeof buf, f) != NULL)
        if (sscanf(buf, "btime %lld", &btime) == 1)
            break;
    fclose(f);
    return btime < 0 ? -1 : btime + (long long)(ticks / (unsigned long long)hz);
}

/* Is the client that named a live draft "draft-<t>-<pid>" still running? The process pid must
 * exist and have started when that client did (t is its start, as proc_started read it):
 * after a reboot, or in a container, another process (this one, too) has the same pid.
 * Unknown start: running. */
static int
live_owner_running(long long t, long pid)
{
    long long started;

    if (pid != (long)getpid() && kill((pid_t)pid, 0) == -1 && errno != EPERM)
        return 0;
    if ((started = proc_started(pid)) < 0)
        return 1;
    return started >= t - 1 && started <= t + 1;
}

/* The oldest draft file in dir (see draft_next); live: the files of draft_keep_live, each
 * taken only once its process is gone. */
static int
next_in(const char *dir, int live, char *path, size_t n, const char *login, const char *database)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    char best[256] = "";

    if (dp == NULL)
        return 0;
    /* draft-<time>-<pid>-<seq>.txt: the oldest by name is close enough to the oldest */
    while ((de = readdir(dp)) != NULL) {
        char name[256];
        size_t l;
        const char *taken;
        long owner;

        str_copy(name, de->d_name, sizeof name);
        l = strlen(name);
        taken = strstr(name, ".txt.taken-");
        /* claimed by a client that started to open it (offer_draft) and died before it
         * could: offered again, under its own name */
        if (strncmp(name, "draft-", 6) == 0 && taken != NULL &&
            sscanf(taken, ".txt.taken-%ld", &owner) == 1 && owner > 0 &&
            kill((pid_t)owner, 0) == -1 && errno == ESRCH) {
            char *from = xasprintf("%s/%s", dir, name);
            char *to = xasprintf("%s/%.*s.txt", dir, (int)(taken - name), name);

            if (rename(from, to) == 0) {
                l = (size_t)(taken - name) + 4;
                memcpy(name + l - 4, ".txt", 5); /* (a copy: the entry's own name stays) */
            }
            free(from);
            free(to);
        }
        if (strncmp(name, "draft-", 6) != 0 || l < 5 || l >= sizeof best ||
            strcmp(name + l - 4, ".txt") != 0)
            continue;
        if (best[0] != '\0' && strcmp(name, best) >= 0)
            continue;
        if (live) {
            /* kept while typing by a client that may still be running: its form, not ours */
            long long t;
            long pid;

            if (sscanf(name, "draft-%lld-%ld", &t, &pid) != 2 || live_owner_running(t, pid))
                continue;
        }
        if (login != NULL || database != NULL) {
            /* another login's form waits for them; a form on another database's record waits
             * for a client of that database (the same id there is another record) */
            char *file = xasprintf("%s/%s", dir, name), *text = draft_read_file(file);
            struct draft d;
            int theirs = 0;

            if (text != NULL && draft_parse(text, &d) == 0) {
                theirs = (login != NULL && d.login[0] != '\0' && strcmp(d.login, login) != 0) ||
                         (database != NULL && d.database[0] != '\0' &&
                          strcmp(d.database, database) != 0);
                draft_fini(&d);
            }
            free(text);
            free(file);
            if (theirs)
                continue;
        }
        memcpy(best, name, l + 1);
    }
    closedir(dp);
    if (best[0] != '\0')
        snprintf(path, n, "%s/%s", dir, best);
    return best[0] != '\0';
}

int
draft_next(char *path, size_t n, const char *login, const char *database)
{
    char *dir = draft_dir(), *live = xasprintf("%s/live", dir);
    int found =
        next_in(dir, 0, path, n, login, database) || next_in(live, 1, path, n, login, database);

    free(live);
    free(dir);
    return found;
}

char *
draft_read_file(const char *path)
{
    FILE *f = fopen(path, "re");
    struct strbuf b = STRBUF_INIT;
    char buf[4096];
    size_t n;

    if (f == NULL)
        return NULL;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&b, buf, n);
    fclose(f);
    return strbuf_steal(&b);
}

/* ---- crashes ---- */

/* The form as last drawn, for the crash handler (which may not allocate): as large as the form
 * is (a 100,000-character description is kept whole), grown here, outside any handler. */
static char *snapshot;
static size_t snapshot_cap;
static volatile sig_atomic_t snapshot_len;
static char report_path[1024], draft_path[1024], live_path[1024], version_text[64];
static int live_kept;
static char alt_stack[65536];
/* the terminal as the shell left it, put back by the handler (curses had it raw) */
static struct termios shell_tty;
static int shell_tty_saved;

void
crash_snapshot(const char *text, size_t n)
{
    snapshot_len = 0; /* a crash while copying keeps nothing rather than half */
    if (text == NULL || n == 0)
        return;
    if (n > snapshot_cap) {
        size_t cap = n < 65536 ? 65536 : n + n / 4;
        char *grown = realloc(snapshot, cap);

        if (grown == NULL)
            return; /* no snapshot: the crash leaves the live draft (draft_keep_live) alone */
        snapshot = grown;
        snapshot_cap = cap;
    }
    memcpy(snapshot, text, n);
    snapshot_len = (sig_atomic_t)n;
}

int
draft_keep_live(const char *text, size_t n)
{
    char tmp[1100];
    int fd, rc = -1;

    if (live_path[0] == '\0')
        return -1;
    if (text == NULL || n == 0) {
        if (live_kept && unlink(live_path) == -1 && errno != ENOENT)
            return -1;
        live_kept = 0;
        return 0;
    }
    if (!live_kept) {
        char *dir = draft_dir(), *live = xasprintf("%s/live", dir);
        int made = mkdir_p(live, 0700);

        free(live);
        free(dir);
        if (made == -1)
            return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", live_path);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
        return -1;
    if (write(fd, text, n) == (ssize_t)n && fsync(fd) == 0)
        rc = 0;
    if (close(fd) == -1)
        rc = -1;
    if (rc == 0 && rename(tmp, live_path) == -1)
        rc = -1;
    if (rc == -1)
        unlink(tmp);
    else
        live_kept = 1;
    return rc;
}

const char *
crash_report_path(void)
{
    return report_path;
}

/* async-signal-safe: write, strlen, and our own number formatting */
static void
put(int fd, const char *s)
{
    size_t n = strlen(s);

    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void
put_num(int fd, long long v)
{
    char buf[24], *p = buf + sizeof buf - 1;
    int neg = v < 0;
    unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (neg)
        *--p = '-';
    put(fd, p);
}

static const char *
signame(int signo)
{
    switch (signo) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGABRT:
        return "SIGABRT";
    default:
        return "a fatal signal";
    }
}

static void
on_fatal(int signo)
{
    int fd, reported = 0, kept = 0;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    /* (no paths: the state directory could not be made, see crash_init) */
    fd = report_path[0] != '\0' ? open(report_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
                                : -1;
    if (fd != -1) {
        put(fd, "ccrm ");
        put(fd, version_text);
        put(fd, " crashed: ");
        put(fd, signame(signo));
        put(fd, " (signal ");
        put_num(fd, signo);
        put(fd, ")\npid ");
        put_num(fd, (long long)getpid());
        put(fd, "\ntime ");
        put_num(fd, (long long)ts.tv_sec);
        put(fd, " (seconds since 1970)\nunsaved form: ");
        put(fd, snapshot_len > 0 ? draft_path : "none");
        put(fd, "\n");
        close(fd);
        reported = 1;
    }
    if (snapshot_len > 0 && draft_path[0] != '\0' &&
        (fd = open(draft_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) != -1) {
        ssize_t w = write(fd, snapshot, (size_t)snapshot_len);

        (void)w;
        if (snapshot[snapshot_len - 1] != '\n')
            put(fd, "\n");
        put(fd, "why ");
        put(fd, signame(signo));
        put(fd, "\n");
        close(fd);
        kept = 1;
        if (live_path[0] != '\0')
            unlink(live_path); /* the crash's own draft is newer */
    }
    /* the terminal is still in full-screen mode: leave the alternate screen, show the cursor,
     * and give the shell back its line discipline (tcsetattr may be called here) */
    put(STDERR_FILENO, "\033[?2004l\033[?1049l\033[?25h\r\n"); /* (paste mode off too) */
    if (shell_tty_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &shell_tty);
    put(STDERR_FILENO, "ccrm: crashed (");
    put(STDERR_FILENO, signame(signo));
    if (reported) {
        put(STDERR_FILENO, "): report in ");
        put(STDERR_FILENO, report_path);
    } else {
        put(STDERR_FILENO, "): no report could be written (the state directory cannot be written)");
    }
    if (snapshot_len > 0)
        put(STDERR_FILENO, kept ? "; the unsaved form is kept and offered at the next start"
                                : "; the unsaved form could not be kept");
    put(STDERR_FILENO, "\r\n");
    /* die of the signal (the handler was reset to the default on entry) */
    raise(signo);
}

int
crash_init(const char *program_version)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;
    stack_t ss;
    char *dir = draft_dir();
    long long now = (long long)time(NULL);
    size_t i;
    int rc = 0, saved_errno = 0;

    shell_tty_saved = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &shell_tty) == 0;
    /* without a state directory the handlers are still installed: a crash then gives the
     * terminal back and says that nothing could be kept, instead of leaving it raw */
    if (mkdir_p(dir, 0700) == -1) {
        rc = -1;
        saved_errno = errno;
        report_path[0] = draft_path[0] = live_path[0] = '\0';
        goto handlers;
    }
    snprintf(report_path, sizeof report_path, "%s/crash-%lld-%ld.txt", dir, now, (long)getpid());
    /* a draft file like any other: the next start offers it back */
    snprintf(draft_path, sizeof draft_path, "%s/draft-%lld-%ld-crash.txt", dir, now,
             (long)getpid());
    /* beside the others, in live/: a file of a client still running is not one to offer */
    {
        /* named by the process's start, which a later reader compares (live_owner_running) */
        long long started = proc_started((long)getpid());

        snprintf(live_path, sizeof live_path, "%s/live/draft-%lld-%ld.txt", dir,
                 started >= 0 ? started : now, (long)getpid());
    }
handlers:
    str_copy(version_text, program_version, sizeof version_text);
    free(dir);
    /* a stack overflow must still find a stack to run the handler on */
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof alt_stack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_ONSTACK | SA_NODEFER;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) == -1)
            return -1;
    errno = saved_errno;
    return rc;
}
