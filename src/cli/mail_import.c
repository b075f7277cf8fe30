/* ccrm --import-mail PATH: a Maildir (new/ and cur/, in delivery order) or an mbox file into
 * the database, as one import batch (one transaction, one summary event, --revert BATCH).
 * Mails are parsed here and stored a set at a time by ccrm_mail_store_many() (schema 017),
 * the same rules as live delivery; while the database stores one set, the next one is parsed.
 * Memory stays flat: one mail file, two sets of parsed mails, a page of file names (the
 * server sorts them). `ccrm --revert BATCH` is the CSV import's (src/cli/import.c): the server
 * reverts a mail batch its own way. No curses. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/mail.h"
#include "ccrm/util.h"

#define SET_MAX 400                 /* mails per call of ccrm_mail_store_many */
#define SET_BYTES (4 * 1024 * 1024) /* or this many bytes of mail, whichever comes first */

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
    db_mail_import_cancel();
}

/* db_blocks_file's progress: stop between chunks when interrupted (the batch is committed) */
static int
filing_stop(void *arg, int64_t filed)
{
    (void)arg;
    (void)filed;
    return interrupted;
}

struct set {
    struct mail_msg *m[SET_MAX];
    char *label[SET_MAX];
    struct mail_stored out[SET_MAX];
    int n;
    size_t bytes;
};

/* The names in a Maildir's cur/, sorted by their part before ':' (the flags after it change),
 * read when a listed file is gone: a mail program moved it there (new/ to cur/ once read) or
 * gave it a flag. Read again only when cur/ changed since (its modification time), so a mail
 * deleted meanwhile costs a stat(2), and a mailbox moved whole costs a read of cur/ or two. */
struct cur_names {
    char **names;
    size_t n;
    struct timespec mtime;
    int read;
};

struct imp {
    struct db *db;
    const char *queue;
    const char *label; /* the path as given */
    struct mail_parse_opts po;
    size_t message_max;
    struct set sets[2];
    struct cur_names cur; /* a Maildir's cur/, once a file went missing */
    int fill;             /* the set being filled */
    int inflight;         /* 1 when the other set is with the database */
    int64_t read, stored, dups, rejected, tickets, leads, contacts;
    struct ccrm_err err;
    int failed;
    /* progress */
    int progress;
    int64_t total;                /* files in a Maildir, bytes of an mbox */
    const struct mail_mbox *mbox; /* for bytes done */
    struct timespec t0, last;
};

static double
since(const struct timespec *a)
{
    struct timespec b;

    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void
progress(struct imp *im, int final)
{
    char a[32], b[32];
    double t, frac = -1;

    if (!im->progress)
        return;
    if (!final) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - im->last.tv_sec) +
                (double)(now.tv_nsec - im->last.tv_nsec) / 1e9 <
            0.1)
            return;
        im->last = now;
    }
    t = since(&im->t0);
    fprintf(stderr, "\r\033[K%s mails  %s mails/s", fmt_count(im->read, a),
            fmt_count(t > 0 ? (int64_t)((double)im->read / t) : 0, b));
    if (im->total > 0)
        frac = (double)(im->mbox != NULL ? mail_mbox_done(im->mbox) : im->read) / (double)im->total;
    if (frac > 0) {
        double eta = t / frac - t;

        fprintf(stderr, "  %3d%%  ETA %d:%02d", (int)(frac * 100), (int)eta / 60, (int)eta % 60);
    }
    fflush(stderr);
}

static void
progress_clear(struct imp *im)
{
    if (im->progress) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static void
set_clear(struct set *s)
{
    int i;

    for (i = 0; i < s->n; i++) {
        mail_msg_free(&s->m[i]);
        free(s->label[i]);
        s->label[i] = NULL;
    }
    s->n = 0;
    s->bytes = 0;
}

/* Why the database refused a mail of a set, in words, from the SQLSTATE ccrm_mail_store_many
 * gives it (the classes it refuses a single mail for). */
static const char *
refused_why(const char *sqlstate)
{
    if (strncmp(sqlstate, "54", 2) == 0)
        return "a value of it is larger than the database can keep";
    if (strncmp(sqlstate, "23", 2) == 0)
        return "a value of it breaks a rule of the database";
    return "the database cannot take a value of it";
}

/* Collect the answer for the set in flight and count it. */
static int
wait_set(struct imp *im)
{
    struct set *s = &im->sets[1 - im->fill];
    int i;

    if (!im->inflight)
        return 0;
    im->inflight = 0;
    if (db_mail_store_wait(im->db, s->out, s->n, &im->err) == -1) {
        im->failed = 1;
        set_clear(s);
        return -1;
    }
    for (i = 0; i < s->n; i++) {
        const struct mail_stored *st = &s->out[i];

        if (strcmp(st->status, "noqueue") == 0) {
            progress_clear(im);
            safe_fprintf(stderr, "%s: no mail queue for %s (name one with --queue)\n", s->label[i],
                         s->m[i]->recipients != NULL ? s->m[i]->recipients
                                                     : "a mail without recipients");
            im->rejected++;
        } else if (strcmp(st->status, "refused") == 0) {
            /* the rest of the set is stored: the mail is named by its place, as one the
             * parser refused would be */
            progress_clear(im);
            safe_fprintf(stderr, "%s: not stored: %s (SQLSTATE %s)\n", s->label[i],
                         refused_why(st->thread_by), st->thread_by);
            im->rejected++;
        } else if (st->duplicate) {
            im->dups++;
        } else if (st->id > 0) {
            im->stored++;
            im->tickets += strstr(st->created, "ticket") != NULL;
            im->leads += strstr(st->created, "lead") != NULL;
            im->contacts += strstr(st->created, "contact") != NULL;
        }
    }
    set_clear(s);
    return 0;
}

/* Hand the filled set to the database and start filling the other one. */
static int
flush(struct imp *im)
{
    struct set *s = &im->sets[im->fill];

    if (s->n == 0)
        return 0;
    if (wait_set(im) == -1)
        return -1;
    if (db_mail_store_send(im->db, im->queue, 0, s->m, s->n, &im->err) == -1) {
        im->failed = 1;
        return -1;
    }
    im->inflight = 1;
    im->fill = 1 - im->fill;
    return 0;
}

/* One mail read from the source: parse it (buf is taken over) and add it to the set. */
static int
add(struct imp *im, char *buf, size_t n, char *label)
{
    struct set *s = &im->sets[im->fill];
    struct ccrm_err perr;
    struct mail_msg *m;

    im->read++;
    m = mail_parse(buf, n, &im->po, &perr);
    if (m == NULL) {
        progress_clear(im);
        safe_fprintf(stderr, "%s: %s\n", label, perr.msg);
        free(label);
        im->rejected++;
        return 0;
    }
    s->m[s->n] = m;
    s->label[s->n] = label;
    s->n++;
    s->bytes += n;
    if ((s->n == SET_MAX || s->bytes >= SET_BYTES) && flush(im) == -1)
        return -1;
    if ((im->read & 63) == 0)
        progress(im, 0);
    return 0;
}

static int
import_mbox(struct imp *im, const char *path)
{
    struct ccrm_err err;
    struct mail_mbox *mb = mail_mbox_open(path, &err);
    char *buf;
    size_t n;
    int r, rc = 0;

    if (mb == NULL) {
        progress_clear(im);
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return EX_NOINPUT;
    }
    mail_mbox_limit(mb, im->message_max);
    im->mbox = mb;
    im->total = mail_mbox_size(mb);
    while (!interrupted && (r = mail_mbox_next(mb, &buf, &n, &err)) == 1) {
        int64_t at = mail_mbox_done(mb);

        if (n > im->message_max) {
            free(buf);
            progress_clear(im);
            safe_fprintf(stderr,
                         "%s: mail %" PRId64 " (before byte %" PRId64 "): larger than %zu bytes "
                         "([mail] message_max)\n",
                         path, im->read + 1, at, im->message_max);
            im->read++;
            im->rejected++;
            continue;
        }
        if (add(im, buf, n, xasprintf("%s: mail %" PRId64, path, im->read + 1)) == -1) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && !interrupted && r == -1) {
        progress_clear(im);
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = mail_mbox_not_mbox(mb) ? EX_DATAERR : EX_IOERR;
    }
    im->mbox = NULL;
    mail_mbox_close(&mb);
    return rc;
}

static int
list_dir(struct imp *im, const char *path, const char *sub)
{
    char *dir = xasprintf("%s/%s", path, sub);
    DIR *d = opendir(dir);
    struct dirent *e;
    char *name;
    int rc = 0;

    if (d == NULL) {
        free(dir);
        return errno == ENOENT ? 0 : -1;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        /* a mail is a file of its own: a FIFO would block the read for ever, a link may point
         * anywhere (a Maildir's writer makes neither) */
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
            progress_clear(im);
            safe_fprintf(stderr, "%s/%s: not a regular file: skipped\n", sub, e->d_name);
            continue;
        }
        name = xasprintf("%s/%s", sub, e->d_name);
        if (db_mail_names_put(im->db, name, &im->err) == -1) {
            im->failed = 1;
            rc = -1;
        }
        im->total++;
        free(name);
    }
    closedir(d);
    free(dir);
    return rc;
}

static size_t
unique_len(const char *name)
{
    return strcspn(name, ":");
}

static int
cmp_unique(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = unique_len(x), ly = unique_len(y);
    int c = memcmp(x, y, lx < ly ? lx : ly);

    return c != 0 ? c : (lx > ly) - (lx < ly);
}

static void
cur_names_free(struct cur_names *cn)
{
    size_t i;

    for (i = 0; i < cn->n; i++)
        free(cn->names[i]);
    free(cn->names);
    cn->names = NULL;
    cn->n = 0;
}

/* Where a listed file that is gone went: "cur/NAME:2,S", the same mail under the name a mail
 * program gave it in cur/ (malloc'd), or NULL when it is not there (deleted). name is the
 * listed one, "new/NAME" or "cur/NAME:2,". */
static char *
moved_name(struct imp *im, const char *path, const char *name)
{
    struct cur_names *cn = &im->cur;
    const char *base = strchr(name, '/') != NULL ? strchr(name, '/') + 1 : name;
    char *dir = xasprintf("%s/cur", path);
    struct stat st;
    char **hit;

    if (stat(dir, &st) == 0 && (!cn->read || st.st_mtim.tv_sec != cn->mtime.tv_sec ||
                                st.st_mtim.tv_nsec != cn->mtime.tv_nsec)) {
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t cap = 0;

        cur_names_free(cn);
        cn->read = 1;
        cn->mtime = st.st_mtim;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            if (cn->n == cap) {
                cap = cap == 0 ? 1024 : cap * 2;
                cn->names = xrealloc(cn->names, cap * sizeof *cn->names);
            }
            cn->names[cn->n++] = xstrdup(e->d_name);
        }
        if (d != NULL)
            closedir(d);
        if (cn->n > 0)
            qsort(cn->names, cn->n, sizeof *cn->names, cmp_unique);
    }
    free(dir);
    hit = cn->n > 0 ? bsearch(&base, cn->names, cn->n, sizeof *cn->names, cmp_unique) : NULL;
    if (hit == NULL || (strncmp(name, "cur/", 4) == 0 && strcmp(*hit, base) == 0))
        return NULL; /* (the same name: gone again since cur/ was read) */
    return xasprintf("cur/%s", *hit);
}

static int
import_maildir(struct imp *im, const char *path)
{
    char **names;
    int i, n;

    if (db_mail_names_begin(im->db, &im->err) == -1) {
        im->failed = 1;
        return -1;
    }
    if (list_dir(im, path, "new") == -1 || list_dir(im, path, "cur") == -1) {
        if (!im->failed) {
            progress_clear(im);
            safe_fprintf(stderr, "ccrm: could not read the Maildir \"%s\": %s\n", path,
                         strerror(errno));
            db_mail_names_end(im->db, &im->err);
            return EX_NOINPUT;
        }
        return -1;
    }
    if (db_mail_names_end(im->db, &im->err) == -1) {
        im->failed = 1;
        return -1;
    }
    for (;;) {
        /* the cursor and a set in flight cannot share the connection */
        if (wait_set(im) == -1)
            return -1;
        if ((n = db_mail_names_next(im->db, &names, &im->err)) == -1) {
            im->failed = 1;
            return -1;
        }
        if (n == 0) {
            db_mail_names_free(names, n);
            return 0;
        }
        for (i = 0; i < n && !interrupted; i++) {
            char *file = xasprintf("%s/%s", path, names[i]), *buf;
            struct ccrm_err err;
            size_t len;
            int rr, moves = 0, gone = 0;

            /* a file gone since it was listed was moved by a mail program that reads the
             * Maildir meanwhile (new/ to cur/, a flag added): read it where it went */
            while ((rr = mail_read_file(file, im->message_max, &buf, &len, &err)) == -1 &&
                   moves < 3 && access(file, F_OK) == -1 && errno == ENOENT) {
                char *to = moved_name(im, path, file + strlen(path) + 1);

                if (to == NULL) {
                    progress_clear(im);
                    safe_fprintf(stderr,
                                 "%s: gone from the Maildir while it was imported (deleted): "
                                 "skipped\n",
                                 file);
                    gone = 1;
                    break;
                }
                free(file);
                file = xasprintf("%s/%s", path, to);
                free(to);
                moves++;
            }
            if (gone) {
                free(file);
                continue;
            }
            if (rr == -1) {
                progress_clear(im);
                safe_fprintf(stderr, "%s\n", err.msg);
                im->read++;
                im->rejected++;
                free(file);
                continue;
            }
            if (add(im, buf, len, file) == -1) {
                db_mail_names_free(names, n);
                return -1;
            }
        }
        db_mail_names_free(names, n);
        if (interrupted)
            return 0;
    }
}

static const char *
base_name(const char *path)
{
    const char *s;
    size_t len = strlen(path);

    while (len > 1 && path[len - 1] == '/')
        len--;
    for (s = path + len; s > path && s[-1] != '/'; s--)
        ;
    return s;
}

static int
db_code(const struct ccrm_err *err, struct db *db)
{
    if (strcmp(err->sqlstate, "42501") == 0)
        return EX_NOPERM;
    /* a conflict, a lock not had in time (another import of the same mails, a login's
     * lock_timeout), the database gone: the same import may pass later */
    if (strcmp(err->sqlstate, "40001") == 0 || strcmp(err->sqlstate, "40P01") == 0 ||
        strcmp(err->sqlstate, "55P03") == 0 || db_lost(db))
        return EX_TEMPFAIL;
    if (strcmp(err->sqlstate, "CR067") == 0)
        return EX_NOUSER;
    return EX_SOFTWARE;
}

static void
usage(FILE *f)
{
    fputs("usage: ccrm --import-mail PATH [--queue NAME] [--quiet]\n"
          "PATH: a Maildir (its new/ and cur/) or an mbox file. Without --queue, each mail goes\n"
          "to the queue whose address it was sent to. See docs/mail.md.\n",
          f);
}

/* "1 mail", "2 mails", "1,000 mails" */
static const char *
plural(int64_t n)
{
    return n == 1 ? "" : "s";
}

enum { O_IMPORT = 256, O_QUEUE };

/* the options of --import-mail (cli_int.h) */
const struct option cli_mail_import_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"quiet", no_argument, NULL, 'q'},
    {"import-mail", required_argument, NULL, O_IMPORT},
    {"queue", required_argument, NULL, O_QUEUE},
    {NULL, 0, NULL, 0},
};

int
cli_mail_import_main(int argc, char **argv)
{
    struct cli_flags flags = {0};
    const char *path = NULL;
    struct ccrm_config cfg;
    struct sigaction sa;
    struct stat st;
    struct imp im;
    int ch, quiet = 0, private_db, rc, is_dir;
    int64_t batch;
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
    double t;

    memset(&im, 0, sizeof im);
    while ((ch = cli_getopt(argc, argv, ":d:c:hq", cli_mail_import_options, &flags, usage, 0)) !=
           -1) {
        switch (ch) {
        case 'q':
            quiet = 1;
            break;
        case O_IMPORT:
            path = optarg;
            break;
        case O_QUEUE:
            im.queue = optarg;
            break;
        default:
            return cli_usage_error();
        }
    }
    if (path == NULL) {
        usage(stderr);
        return EX_USAGE;
    }
    if (stat(path, &st) == -1) {
        safe_fprintf(stderr, "ccrm: could not open \"%s\": %s\n", path, strerror(errno));
        return EX_NOINPUT;
    }
    is_dir = S_ISDIR(st.st_mode);
    if (is_dir) {
        char *cur = xasprintf("%s/cur", path), *new = xasprintf("%s/new", path);
        int ok = access(cur, R_OK) == 0 || access(new, R_OK) == 0;

        free(cur);
        free(new);
        if (!ok) {
            safe_fprintf(stderr, "ccrm: \"%s\" is not a Maildir: it has neither cur/ nor new/\n",
                         path);
            return EX_NOINPUT;
        }
    } else if (!S_ISREG(st.st_mode) || access(path, R_OK) != 0) {
        safe_fprintf(stderr, "ccrm: could not open \"%s\": %s\n", path,
                     S_ISREG(st.st_mode) ? strerror(errno) : "not a file or a Maildir");
        return EX_NOINPUT;
    }
    if ((rc = cli_load_config(&cfg, flags.config)) != 0)
        return rc;
    if ((im.db = cli_open_db(flags.conninfo, &cfg, 1, &private_db, &im.err)) == NULL ||
        db_schema_check(im.db, &im.err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", im.err.msg);
        db_close(&im.db);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    im.label = path;
    im.po.attachment_max = (size_t)cfg.attachment_max;
    im.message_max = (size_t)cfg.message_max;
    im.progress = !quiet && isatty(STDERR_FILENO);
    config_fini(&cfg);
    if (mail_ready(&im.err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", im.err.msg);
        db_close(&im.db);
        return EX_UNAVAILABLE;
    }
    mail_init();

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    clock_gettime(CLOCK_MONOTONIC, &im.t0);
    im.last = im.t0;

    if ((batch = db_mail_import_begin(im.db, base_name(path), &im.err)) == -1) {
        safe_fprintf(stderr, "ccrm: could not import %s: %s\n", path, im.err.msg);
        rc = db_code(&im.err, im.db);
        goto out;
    }
    rc = is_dir ? import_maildir(&im, path) : import_mbox(&im, path);
    if (rc == 0 && !interrupted && flush(&im) == -1)
        rc = -1;
    if (rc == 0 && !interrupted && wait_set(&im) == -1)
        rc = -1;
    if (interrupted) {
        progress_clear(&im);
        db_mail_import_abort(im.db);
        fputs("ccrm: interrupted; nothing written\n", stderr);
        rc = EX_TEMPFAIL;
        goto out;
    }
    if (rc != 0) {
        progress_clear(&im);
        db_mail_import_abort(im.db);
        if (rc == -1) {
            safe_fprintf(stderr, "ccrm: could not import %s: %s; nothing written\n", path,
                         im.err.msg);
            rc = db_code(&im.err, im.db);
        } else {
            fputs("ccrm: nothing written\n", stderr);
        }
        goto out;
    }
    if (im.read == 0) {
        /* an empty mbox or Maildir: said so, and no batch of nothing in --batches and the Feed */
        progress_clear(&im);
        db_mail_import_abort(im.db);
        safe_fprintf(stdout, "ccrm: no mails in %s: nothing imported, no batch\n", path);
        rc = 0;
        goto out;
    }
    if (im.stored == 0) {
        /* every mail a duplicate (the same mailbox imported again) or refused: nothing
         * written, so no batch of nothing in --batches and the Feed, as a CSV import */
        progress_clear(&im);
        db_mail_import_abort(im.db);
        printf("ccrm: nothing new: 0 mails stored, %s duplicate%s skipped, %s rejected (%s); "
               "no batch\n",
               fmt_count(im.dups, b), plural(im.dups), fmt_count(im.rejected, c), base_name(path));
        rc = im.rejected > 0 ? EX_DATAERR : 0;
        goto out;
    }
    progress(&im, 1);
    if (db_mail_import_commit(im.db, batch, im.dups, im.rejected, &im.err) == -1) {
        progress_clear(&im);
        safe_fprintf(stderr, "ccrm: could not import %s: %s; nothing written\n", path, im.err.msg);
        rc = db_code(&im.err, im.db);
        goto out;
    }
    progress_clear(&im);
    t = since(&im.t0);
    printf("ccrm: batch %" PRId64 ": %s mail%s stored, %s duplicate%s skipped, %s rejected (%s, "
           "%.1f s, %s mails/s); new: %s ticket%s, %s lead%s, %s contact%s\n",
           batch, fmt_count(im.stored, a), plural(im.stored), fmt_count(im.dups, b),
           plural(im.dups), fmt_count(im.rejected, c), base_name(path), t,
           fmt_count(t > 0 ? (int64_t)((double)im.read / t) : im.read, d), fmt_count(im.tickets, e),
           plural(im.tickets), fmt_count(im.leads, f), plural(im.leads), fmt_count(im.contacts, g),
           plural(im.contacts));
    rc = im.rejected > 0 ? EX_DATAERR : 0;
    /* the mails are in; now their search blocks, as ccrm --import does (the triggers queued
     * them, schema/018, and file nothing inside an import: ccrm_search_blocks_queued); a
     * failure or an interrupt here loses nothing (the next writers, --tick and --migrate file
     * the rest) */
    fflush(stdout);
    if (db_blocks_file(im.db, filing_stop, NULL, &im.err) == -1)
        safe_fprintf(stderr,
                     "ccrm: warning: the search blocks were not filed (%s); ccrm --migrate "
                     "files them\n",
                     im.err.msg);
out:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    set_clear(&im.sets[0]);
    set_clear(&im.sets[1]);
    cur_names_free(&im.cur);
    db_close(&im.db);
    mail_shutdown();
    return rc;
}
