/* ccrm --import and --revert: flags, the read loop (file -> CSV records -> validated COPY
 * lines -> the staging table), the report of every bad row, the progress bar and the summary.
 * Memory stays flat: one read buffer, one record, one COPY buffer. SQL lives in
 * src/db/import.c; parsing and validation in csvread.c and validate.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/import.h"
#include "ccrm/util.h"
#include "cli_int.h"
#include "import_int.h"

#define READ_CHUNK (256 * 1024)
#define COPY_FLUSH (256 * 1024)

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
    db_import_cancel_current();
}

struct imp_state {
    const char *path;  /* as given */
    const char *label; /* for messages: path, or "stdin" */
    const struct imp_entity *e;
    const char *map;
    char delim; /* --delimiter, or 0 until guessed from the header */
    struct db *db;
    struct db_import *imp;
    struct imp_map m;
    struct imp_row row;
    struct sbuf copy;
    int keep_raw;
    int quiet;
    int create_accounts; /* --create-missing accounts */
    int have_header;
    int fatal; /* a sysexits code once something went wrong */
    struct ccrm_err err;
    /* the header record, for the rejects file */
    char *hdr_raw;
    size_t hdr_rawlen;
    int bom; /* the file began with a UTF-8 BOM: so does the rejects file */
    /* written beside the file named and renamed over it when the run is through (finished), so
     * a failed or interrupted import leaves the rejects file of the run before whole */
    struct cli_out rejects_out;
    FILE *rejects; /* rejects_out.f, or NULL without --rejects */
    const char *rejects_path;
    int rejects_started; /* its header is written */
    int finished;        /* the import (or the dry run) got to its summary */
    /* progress */
    int progress;
    int64_t rows;
    off_t size, done;
    struct timespec t0, last;
};

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
progress_draw(struct imp_state *st, int final)
{
    struct timespec now;
    double t, rate;
    char a[32], b[32];

    if (!st->progress)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!final && elapsed(&st->last, &now) < 0.1)
        return;
    st->last = now;
    t = elapsed(&st->t0, &now);
    rate = t > 0 ? (double)st->rows / t : 0;
    fprintf(stderr, "\r\033[K%s rows  %s rows/s", fmt_count(st->rows, a),
            fmt_count((int64_t)rate, b));
    if (st->size > 0 && st->done > 0) {
        double frac = (double)st->done / (double)st->size;
        double eta = frac > 0 ? t / frac - t : 0;

        fprintf(stderr, "  %3d%%  ETA %d:%02d", (int)(frac * 100), (int)eta / 60, (int)eta % 60);
    }
    fflush(stderr);
}

static void
progress_note(struct imp_state *st, const char *what)
{
    if (st->progress) {
        fprintf(stderr, "\r\033[K%s", what);
        fflush(stderr);
    }
}

static void
progress_clear(struct imp_state *st)
{
    if (st->progress) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static int
flush_copy(struct imp_state *st)
{
    if (st->copy.len == 0)
        return 0;
    if (db_import_put(st->imp, st->copy.p, st->copy.len, &st->err) == -1) {
        st->fatal = EX_UNAVAILABLE;
        return -1;
    }
    st->copy.len = 0;
    return 0;
}

static int
on_header(struct imp_state *st, const struct csv_record *rec)
{
    int mapped[64], c;

    st->have_header = 1;
    if (rec->error != NULL) {
        err_set(&st->err, "%s:%ld: %s", st->label, rec->line, rec->error);
        st->fatal = EX_DATAERR;
        return -1;
    }
    if (imp_map_header(&st->m, st->e, rec, st->map, &st->err) == -1) {
        char msg[sizeof st->err.msg];

        str_copy(msg, st->err.msg, sizeof msg);
        err_set(&st->err, "%s:%ld: %s", st->label, rec->line, msg);
        /* a --map that names nothing is a mistake in the command, not in the file */
        st->fatal = strncmp(msg, "--map:", 6) == 0 ? EX_USAGE : EX_DATAERR;
        return -1;
    }
    if (st->m.nunknown > 0)
        safe_fprintf(stderr, "ccrm: %s: ignoring unknown column%s %s\n", st->label,
                     st->m.nunknown > 1 ? "s" : "", st->m.unknown);
    st->hdr_raw = xmalloc(rec->rawlen + 1);
    memcpy(st->hdr_raw, rec->raw, rec->rawlen);
    st->hdr_rawlen = rec->rawlen;
    for (c = 0; c < st->e->ncols; c++)
        mapped[c] = st->m.mapped[c] >= 0;
    if ((st->imp = db_import_begin(st->db, st->e, mapped, st->keep_raw, &st->err)) == NULL) {
        st->fatal = strcmp(st->err.sqlstate, "42501") == 0 ? EX_NOPERM : EX_UNAVAILABLE;
        return -1;
    }
    return 0;
}

static int
on_record(void *arg, const struct csv_record *rec)
{
    struct imp_state *st = arg;
    char reason[300], num[24];
    int c, bad;

    if (interrupted)
        return -1;
    if (!st->have_header)
        return on_header(st, rec);
    if (rec->error == NULL && imp_record_blank(rec))
        return 0;
    st->rows++;
    bad = imp_validate(&st->m, rec, &st->row, reason, sizeof reason) != 0;
    sbuf_add(&st->copy, num, (size_t)snprintf(num, sizeof num, "%ld\t", rec->line));
    if (bad)
        imp_copy_value(&st->copy, reason, strlen(reason));
    else
        sbuf_add(&st->copy, "\\N", 2);
    sbuf_add(&st->copy, "\t", 1);
    if (st->keep_raw)
        imp_copy_bytea(&st->copy, rec->raw, rec->rawlen);
    else
        sbuf_add(&st->copy, "\\N", 2);
    for (c = 0; c < st->e->ncols; c++) {
        sbuf_add(&st->copy, "\t", 1);
        imp_copy_value(&st->copy, bad ? NULL : st->row.val[c], st->row.vlen[c]);
    }
    sbuf_add(&st->copy, "\n", 1);
    if (st->copy.len >= COPY_FLUSH && flush_copy(st) == -1)
        return -1;
    if ((st->rows & 1023) == 0)
        progress_draw(st, 0);
    return 0;
}

struct reject_ctx {
    struct imp_state *st;
    int failed;
};

/* The bytes of the line terminator that ends a raw record (0, 1 or 2). */
static size_t
terminator(const char *raw, size_t len)
{
    if (len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n')
        return 2;
    return len >= 1 && (raw[len - 1] == '\n' || raw[len - 1] == '\r') ? 1 : 0;
}

/* A record of the rejects file: the original bytes, then one more field (the reason, quoted
 * as CSV), then the record's terminator; the file's last record, which may lack one, gets the
 * header's. Returns 0, or -1 when the file could not be written. */
static int
write_reject(struct imp_state *st, const char *raw, size_t rawlen, const char *reason)
{
    size_t t = terminator(raw, rawlen), ht = terminator(st->hdr_raw, st->hdr_rawlen);
    const char *s;
    int bad = 0;

    if (fwrite(raw, 1, rawlen - t, st->rejects) != rawlen - t)
        bad = 1;
    fputc(st->delim, st->rejects);
    fputc('"', st->rejects);
    for (s = reason; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', st->rejects);
        fputc(*s, st->rejects);
    }
    fputc('"', st->rejects);
    if (t > 0)
        bad |= fwrite(raw + rawlen - t, 1, t, st->rejects) != t;
    else if (ht > 0)
        bad |= fwrite(st->hdr_raw + st->hdr_rawlen - ht, 1, ht, st->rejects) != ht;
    else
        fputc('\n', st->rejects);
    return bad ? -1 : 0;
}

/* The header of the rejects file: the file's own, and the reason column. */
static void
write_reject_header(struct imp_state *st)
{
    size_t ht = terminator(st->hdr_raw, st->hdr_rawlen);

    if (st->bom) /* (before the header: its first name stays as it was) */
        fputs(CSVR_BOM, st->rejects);
    fwrite(st->hdr_raw, 1, st->hdr_rawlen - ht, st->rejects);
    fprintf(st->rejects, "%c%s", st->delim, IMP_REASON_COLUMN);
    if (ht > 0)
        fwrite(st->hdr_raw + st->hdr_rawlen - ht, 1, ht, st->rejects);
    else
        fputc('\n', st->rejects);
}

static int
on_reject(void *arg, int64_t line, const char *reason, const char *raw, size_t rawlen)
{
    struct reject_ctx *rc = arg;
    struct imp_state *st = rc->st;

    safe_fprintf(stderr, "%s:%" PRId64 ": %s\n", st->label, line, reason);
    if (st->rejects != NULL && raw != NULL && write_reject(st, raw, rawlen, reason) == -1)
        rc->failed = 1;
    return 0;
}

/* A row that changed under the import since it was checked, and what the import did with it */
static int
on_note(void *arg, int64_t line, const char *text)
{
    struct imp_state *st = arg;

    progress_clear(st);
    safe_fprintf(stderr, "%s:%" PRId64 ": %s\n", st->label, line, text);
    return 0;
}

/* Report the rejected rows not reported yet, and keep them in the rejects file (its header
 * before the first). Returns 0, -1 on a database error (st->err), or an exit code. */
static int
report_rejects(struct imp_state *st, struct reject_ctx *rctx)
{
    if (st->rejects != NULL && !st->rejects_started) {
        write_reject_header(st);
        st->rejects_started = 1;
    }
    if (db_import_rejects(st->imp, on_reject, rctx, &st->err) == -1)
        return -1;
    if (st->rejects != NULL && (fflush(st->rejects) != 0 || rctx->failed)) {
        safe_fprintf(stderr, "ccrm: could not write \"%s\": %s\n", st->rejects_path,
                     strerror(errno));
        return EX_CANTCREAT;
    }
    return 0;
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

/* The file's name for the batch record and the summary, into out (size n): its bytes that are
 * not UTF-8 (a name from a Latin-1 file system, "kund\xe9.csv") each as U+FFFD, as an
 * attachment's name is mended (src/mail/attach_file.c), since the database takes UTF-8 only;
 * cut on a character boundary to fit */
static void
name_text(char *out, size_t n, const char *name)
{
    size_t len = strlen(name), i = 0, o = 0, k;
    char ch[4];
    uint32_t cp;

    while (i < len) {
        size_t m;

        if ((k = utf8_decode(name + i, len - i, &cp)) > 0) {
            memcpy(ch, name + i, k);
            m = k;
        } else {
            k = 1;
            m = utf8_encode(0xFFFD, ch);
        }
        if (o + m >= n)
            break;
        memcpy(out + o, ch, m);
        o += m;
        i += k;
    }
    out[o] = '\0';
}

static int
code_for_db_error(const struct ccrm_err *err)
{
    if (strncmp(err->sqlstate, "23", 2) == 0 || strncmp(err->sqlstate, "22", 2) == 0)
        return EX_DATAERR;
    if (strcmp(err->sqlstate, "42501") == 0)
        return EX_NOPERM;
    if (strcmp(err->sqlstate, "57014") == 0 && interrupted)
        return EX_TEMPFAIL;
    if (strcmp(err->sqlstate, "57014") == 0) /* statement_timeout: as --export says it */
        return EX_UNAVAILABLE;
    if (strcmp(err->sqlstate, "55P03") == 0 || strcmp(err->sqlstate, "40001") == 0 ||
        strcmp(err->sqlstate, "40P01") == 0)
        return EX_TEMPFAIL; /* a row lock not had in time, a conflict: try again later */
    if (strstr(err->msg, "connection") != NULL)
        return EX_UNAVAILABLE;
    return EX_SOFTWARE;
}

static void
usage(FILE *f)
{
    fputs("usage: ccrm --import FILE --into ENTITY [--map SRC=DST,...]\n"
          "            [--on-conflict error|skip|update] [--rejects FILE] [--dry-run] [--quiet]\n"
          "            [--delimiter ,|;|tab|'|'] [--create-missing accounts]\n"
          "       ccrm --batches\n"
          "       ccrm --revert BATCH [--dry-run]\n"
          "ENTITY: ",
          f);
    cli_entities(f);
    fputs("; FILE - reads\nstandard input. See docs/import.md.\n", f);
}

/* Before the summary: the accounts --create-missing made (or would make), and the lines of
 * --on-conflict update that repeat a key above them, which the counts take as one record (as
 * the batch and its event do) */
static void
say_made(const struct imp_state *st, const struct imp_counts *cnt, int64_t made, int dry_run)
{
    char n[32];

    if (made > 0)
        safe_fprintf(stdout, "ccrm: %s %s new account%s for organisations not found\n",
                     dry_run ? "would create" : "created", fmt_count(made, n),
                     made == 1 ? "" : "s");
    if (cnt->merged > 0)
        safe_fprintf(stderr,
                     "ccrm: %s: %s %s the key of a line above: one record each, with the "
                     "values of its last line\n",
                     st->label, fmt_count(cnt->merged, n),
                     cnt->merged == 1 ? "line repeats" : "lines repeat");
}

static int
run_import(struct imp_state *st, enum imp_conflict conflict, int dry_run, const char *file_name)
{
    struct imp_counts cnt = {0};
    struct reject_ctx rctx = {st, 0};
    struct timespec now;
    char a[32], b[32], c[32], d[32], r[32], u[64], what[48], summary[512];
    char *buf = xmalloc(READ_CHUNK);
    struct csvr *rd = csvr_new(on_record, st);
    int fd = 0, rc = 0;
    ssize_t n;
    double t;
    int64_t batch, unchanged, made = 0;

    if (strcmp(st->path, "-") != 0) {
        struct stat sb;

        if ((fd = open(st->path, O_RDONLY)) == -1) {
            safe_fprintf(stderr, "ccrm: could not open \"%s\": %s\n", st->path, strerror(errno));
            rc = EX_NOINPUT;
            goto out;
        }
        if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            safe_fprintf(stderr, "ccrm: could not read \"%s\": it is a directory\n", st->path);
            rc = EX_NOINPUT;
            goto out;
        }
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
            st->size = sb.st_size;
    }
    clock_gettime(CLOCK_MONOTONIC, &st->t0);
    st->last = st->t0;
    for (;;) {
        n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR && !interrupted)
            continue;
        if (interrupted)
            break;
        if (n < 0) {
            safe_fprintf(stderr, "ccrm: could not read \"%s\": %s\n", st->path, strerror(errno));
            rc = EX_IOERR;
            goto out;
        }
        if (n == 0) {
            if (csvr_finish(rd, &st->err) == -1 && !st->fatal && !interrupted) {
                char msg[sizeof st->err.msg];

                str_copy(msg, st->err.msg, sizeof msg);
                err_set(&st->err, "%s: %s", st->label, msg);
                st->fatal = EX_DATAERR;
            }
            break;
        }
        /* the header whole before its separator is guessed: a pipe may bring it in pieces */
        while (st->done == 0 && n < READ_CHUNK && memchr(buf, '\n', (size_t)n) == NULL &&
               memchr(buf, '\r', (size_t)n) == NULL) {
            ssize_t m = read(fd, buf + n, (size_t)(READ_CHUNK - n));

            if (m < 0 && errno == EINTR && !interrupted)
                continue;
            if (m <= 0)
                break; /* the end, or an error the next read reports */
            n += m;
        }
        if (st->done == 0 && csvr_is_utf16(buf, (size_t)n)) {
            err_set(&st->err,
                    "%s: the file is UTF-16; save it as UTF-8 (in a spreadsheet: CSV UTF-8)",
                    st->label);
            st->fatal = EX_DATAERR;
            break;
        }
        if (st->done == 0) { /* the header's separator: given, or the one it uses */
            int guessed = st->delim == 0;

            if (guessed)
                st->delim = csvr_guess_delim(buf, (size_t)n);
            csvr_set_delim(rd, st->delim);
            if (guessed && st->delim != ',' && !st->quiet)
                safe_fprintf(stderr, "ccrm: %s: the columns are separated by %s\n", st->label,
                             st->delim == ';' ? "\";\"" : "tabs");
        }
        st->done += n;
        if (csvr_feed(rd, buf, (size_t)n, &st->err) == -1) {
            if (!st->fatal && !interrupted) {
                char msg[sizeof st->err.msg];

                str_copy(msg, st->err.msg, sizeof msg);
                err_set(&st->err, "%s: %s", st->label, msg);
                st->fatal = EX_DATAERR;
            }
            break;
        }
    }
    st->bom = csvr_had_bom(rd);
    if (interrupted)
        goto interrupted;
    if (st->fatal) {
        safe_fprintf(stderr, "ccrm: %s\n", st->err.msg);
        rc = st->fatal;
        goto out;
    }
    if (!st->have_header) {
        safe_fprintf(stderr, "ccrm: %s: the file is empty (expected a header row)\n", st->label);
        rc = EX_DATAERR;
        goto out;
    }
    if (flush_copy(st) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", st->err.msg);
        rc = st->fatal;
        goto out;
    }
    progress_draw(st, 1);
    /* imports into one table take turns (docs/import.md): say so when this one waits */
    switch (db_import_lock(st->imp, 0, &st->err)) {
    case -1:
        goto db_failed;
    case 0:
        progress_clear(st);
        safe_fprintf(stderr, "ccrm: waiting for another import into %s to finish\n", st->e->plural);
        if (db_import_lock(st->imp, 1, &st->err) == -1)
            goto db_failed;
        break;
    }
    /* (the merge makes them, for the rows it writes only: said once they are in, or as what a
     * dry run would do; an import that then writes nothing creates none) */
    if (st->create_accounts) {
        db_import_create_missing(st->imp);
        /* ... in turn with the imports that make accounts too: each name once */
        switch (db_import_lock_accounts(st->imp, 0, &st->err)) {
        case -1:
            goto db_failed;
        case 0:
            progress_clear(st);
            safe_fprintf(stderr, "ccrm: waiting for another import into accounts to finish\n");
            if (db_import_lock_accounts(st->imp, 1, &st->err) == -1)
                goto db_failed;
            break;
        }
    }
    progress_note(st, "checking references and duplicates...");
    if (db_import_classify(st->imp, conflict, &cnt, &st->err) == -1)
        goto db_failed;
    /* a dry run writes the rows and undoes it: the table's own rules (a department's, a
     * CHECK) refuse a row as the import would, named by line */
    if (dry_run && db_import_try(st->imp, &cnt, &st->err) == -1)
        goto db_failed;
    progress_clear(st);
    if (cnt.rejected > 0 && (rc = report_rejects(st, &rctx)) != 0) {
        if (rc == -1)
            goto db_failed;
        goto out;
    }
    if (interrupted)
        goto interrupted;
    if (dry_run) {
        /* rows that hold the file's values already are not updated (src/db/import.c) */
        if ((unchanged = db_import_unchanged(st->imp, &cnt, &st->err)) == -1)
            goto db_failed;
        snprintf(u, sizeof u, ", leave %s unchanged", fmt_count(unchanged, r));
        made = db_import_created(st->imp);
        say_made(st, &cnt, made, 1);
        safe_fprintf(stdout,
                     "ccrm: dry run: would insert %s, update %s%s, skip %s, reject %s (%s from "
                     "%s); nothing written\n",
                     fmt_count(cnt.inserted, a), fmt_count(cnt.updated, b), unchanged > 0 ? u : "",
                     fmt_count(cnt.skipped, c), fmt_count(cnt.rejected, d), st->e->plural,
                     file_name);
        /* as the real run would exit: 65 when rows are left out, --rejects or not */
        rc = cnt.rejected > 0 ? EX_DATAERR : 0;
        st->finished = 1;
        goto out;
    }
    if (cnt.rejected > 0 && st->rejects == NULL) {
        safe_fprintf(
            stderr,
            "ccrm: %s %s rejected, nothing written (%s from %s; --rejects FILE imports the "
            "good rows and keeps the bad ones)\n",
            fmt_count(cnt.rejected, r), cnt.rejected == 1 ? "row" : "rows", st->e->plural,
            file_name);
        rc = EX_DATAERR;
        goto out;
    }
    progress_note(st, "writing...");
    /* rows the table's own rules refuse are found when the merge fails (-2): rejected as the
     * others, and without --rejects nothing is written */
    while ((batch = db_import_commit(st->imp, file_name, &cnt, on_note, st, &st->err)) == -2) {
        progress_clear(st);
        if ((rc = report_rejects(st, &rctx)) != 0) {
            if (rc == -1)
                goto db_failed;
            goto out;
        }
        if (st->rejects == NULL) {
            safe_fprintf(stderr,
                         "ccrm: %s %s rejected, nothing written (%s from %s; --rejects FILE "
                         "imports the good rows and keeps the bad ones)\n",
                         fmt_count(cnt.rejected, r), cnt.rejected == 1 ? "row" : "rows",
                         st->e->plural, file_name);
            rc = EX_DATAERR;
            goto out;
        }
        if (interrupted)
            goto interrupted;
        progress_note(st, "writing...");
    }
    if (batch == -1)
        goto db_failed;
    st->finished = 1; /* the rows are in: the rejects file is the one of this import */
    progress_clear(st);
    clock_gettime(CLOCK_MONOTONIC, &now);
    t = elapsed(&st->t0, &now);
    /* (after the commit: what the merge found, no query) */
    unchanged = db_import_unchanged(st->imp, &cnt, &st->err);
    snprintf(u, sizeof u, ", %s unchanged", fmt_count(unchanged, r));
    if (batch > 0)
        snprintf(what, sizeof what, "batch %" PRId64, batch);
    else /* nothing to write: no batch was made */
        snprintf(what, sizeof what, "nothing changed, no batch");
    made = batch > 0 ? db_import_created(st->imp) : 0; /* (rolled back with the rest) */
    say_made(st, &cnt, made, 0);
    snprintf(summary, sizeof summary,
             "%s: %s inserted, %s updated%s, %s skipped, %s rejected (%s from %s, %.1f s, %s "
             "rows/s)",
             what, fmt_count(cnt.inserted, a), fmt_count(cnt.updated, b), unchanged > 0 ? u : "",
             fmt_count(cnt.skipped, c), fmt_count(cnt.rejected, d), st->e->plural, file_name, t,
             fmt_count(t > 0 ? (int64_t)((double)st->rows / t) : st->rows, r));
    safe_fprintf(stdout, "ccrm: %s\n", summary);
    rc = cnt.rejected > 0 ? EX_DATAERR : 0;
    if (batch == 0)
        goto out;
    /* the batch is committed: its line is out before the filing below. A summary that could
     * not be written (a full disk) must not leave the importer guessing whether the rows are
     * in: said on standard error, with the batch that --revert takes, exit 74 (65 still when
     * rows were rejected); the line is dropped, so that it is not said twice at the exit */
    errno = 0;
    if ((fflush(stdout) == EOF || ferror(stdout)) && !cli_reader_gone(stdout)) {
        int why = errno;

        safe_fprintf(stderr,
                     "ccrm: could not write the summary to standard output%s%s; the import was "
                     "committed: %s\n",
                     why != 0 ? ": " : "", why != 0 ? strerror(why) : "", summary);
        __fpurge(stdout);
        clearerr(stdout);
        if (rc == 0)
            rc = EX_IOERR;
    }
    /* the rows are in; now their search blocks (queued by the triggers, schema/018), so that
     * searches use the blocks again soon; a failure here loses nothing (--migrate files too) */
    if (db_blocks_file(st->db, NULL, NULL, &st->err) == -1)
        fprintf(stderr,
                "ccrm: warning: the search blocks were not filed (%s); ccrm --migrate "
                "files them\n",
                st->err.msg);
    goto out;
db_failed:
    progress_clear(st);
    if (interrupted)
        goto interrupted;
    safe_fprintf(stderr, "ccrm: could not import %s: %s\n", st->label, st->err.msg);
    rc = code_for_db_error(&st->err);
    goto out;
interrupted:
    progress_clear(st);
    safe_fprintf(stderr, "ccrm: interrupted; nothing written\n");
    rc = EX_TEMPFAIL;
out:
    db_import_abort(&st->imp);
    csvr_free(&rd);
    if (fd > 0)
        close(fd);
    free(buf);
    return rc;
}

#define BATCHES_SHOWN 50

static int
print_line(void *arg, const char *line)
{
    (void)arg;
    safe_fprintf(stdout, "%s\n", line);
    return 0;
}

enum {
    OPT_IMPORT = 256,
    OPT_INTO,
    OPT_MAP,
    OPT_CONFLICT,
    OPT_REJECTS,
    OPT_DRY,
    OPT_REVERT,
    OPT_DELIM,
    OPT_BATCHES,
    OPT_CREATE
};

/* The name of option ch when only --import takes it, else NULL */
static const char *
import_option(int ch)
{
    switch (ch) {
    case 'q':
        return "--quiet";
    case OPT_INTO:
        return "--into";
    case OPT_MAP:
        return "--map";
    case OPT_CONFLICT:
        return "--on-conflict";
    case OPT_REJECTS:
        return "--rejects";
    case OPT_DELIM:
        return "--delimiter";
    case OPT_CREATE:
        return "--create-missing";
    default:
        return NULL;
    }
}

/* the options of --import, --revert and --batches (cli_int.h) */
const struct option cli_import_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"quiet", no_argument, NULL, 'q'},
    {"import", required_argument, NULL, OPT_IMPORT},
    {"into", required_argument, NULL, OPT_INTO},
    {"map", required_argument, NULL, OPT_MAP},
    {"on-conflict", required_argument, NULL, OPT_CONFLICT},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"dry-run", no_argument, NULL, OPT_DRY},
    {"revert", required_argument, NULL, OPT_REVERT},
    {"delimiter", required_argument, NULL, OPT_DELIM},
    {"batches", no_argument, NULL, OPT_BATCHES},
    {"create-missing", required_argument, NULL, OPT_CREATE},
    {NULL, 0, NULL, 0},
};

int
cli_import_main(int argc, char **argv)
{
    struct imp_state st;
    struct ccrm_config cfg;
    struct sigaction sa;
    enum imp_conflict conflict = IMP_CONFLICT_ERROR;
    static const char *const conflicts[] = {"error", "skip", "update", NULL};
    struct cli_flags flags = {0};
    const char *into = NULL, *revert = NULL;
    /* the first option given that only an import takes: --revert and --batches refuse it
     * rather than run without it (--dry-run goes with --revert too) */
    const char *import_only = NULL;
    int quiet = 0, dry_run = 0, batches = 0, ch, rc, private_db;
    int64_t revert_id = 0;
    char file_name[256];

    memset(&st, 0, sizeof st);
    imp_row_init(&st.row);
    while ((ch = cli_getopt(argc, argv, ":d:c:hq", cli_import_options, &flags, usage, 1)) != -1) {
        if (import_only == NULL)
            import_only = import_option(ch);
        switch (ch) {
        case 'q':
            quiet = 1;
            break;
        case OPT_IMPORT:
            st.path = optarg;
            break;
        case OPT_INTO:
            into = optarg;
            break;
        case OPT_MAP:
            st.map = optarg;
            break;
        case OPT_CONFLICT:
            switch (cli_choice("--on-conflict", optarg, conflicts)) {
            case 0:
                conflict = IMP_CONFLICT_ERROR;
                break;
            case 1:
                conflict = IMP_CONFLICT_SKIP;
                break;
            case 2:
                conflict = IMP_CONFLICT_UPDATE;
                break;
            default:
                return EX_USAGE;
            }
            break;
        case OPT_REJECTS:
            if (strcmp(optarg, "-") == 0 || optarg[0] == '\0') {
                /* standard output holds the summary: the rejects need a file of their own */
                fputs("ccrm: --rejects: name a file (standard output has the summary)\n", stderr);
                return EX_USAGE;
            }
            st.rejects_path = optarg;
            break;
        case OPT_DRY:
            dry_run = 1;
            break;
        case OPT_REVERT:
            revert = optarg;
            break;
        case OPT_CREATE:
            if (strcmp(optarg, "accounts") != 0) {
                safe_fprintf(stderr, "ccrm: --create-missing: only accounts can be, got \"%s\"\n",
                             optarg);
                return EX_USAGE;
            }
            st.create_accounts = 1;
            break;
        case OPT_BATCHES:
            batches = 1;
            break;
        case OPT_DELIM:
            if (strcmp(optarg, ",") == 0 || strcmp(optarg, "comma") == 0)
                st.delim = ',';
            else if (strcmp(optarg, ";") == 0 || strcmp(optarg, "semicolon") == 0)
                st.delim = ';';
            else if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0 ||
                     strcmp(optarg, "\t") == 0)
                st.delim = '\t';
            else if (strcmp(optarg, "|") == 0)
                st.delim = '|';
            else {
                safe_fprintf(stderr,
                             "ccrm: --delimiter: expected \",\", \";\", \"|\" or tab, got \"%s\"\n",
                             optarg);
                return EX_USAGE;
            }
            break;
        default:
            return EX_USAGE;
        }
    }
    if ((revert != NULL) + (st.path != NULL) + batches > 1) {
        fputs("ccrm: choose one of --import, --revert and --batches\n", stderr);
        return EX_USAGE;
    }
    if (batches && dry_run && import_only == NULL)
        import_only = "--dry-run"; /* (--revert takes it) */
    if ((revert != NULL || batches) && import_only != NULL) {
        safe_fprintf(stderr, "ccrm: %s does not go with %s (only with --import%s)\n", import_only,
                     revert != NULL ? "--revert" : "--batches",
                     strcmp(import_only, "--dry-run") == 0 ? " and --revert" : "");
        return EX_USAGE;
    }
    if (batches) {
        /* nothing to check before connecting */
    } else if (revert == NULL) {
        if (st.path == NULL) {
            usage(stderr);
            return EX_USAGE;
        }
        if (into == NULL) {
            fputs("ccrm: --import needs --into ENTITY (", stderr);
            cli_entities(stderr);
            fputs(")\n", stderr);
            return EX_USAGE;
        }
        if ((st.e = imp_entity_find(into)) == NULL) {
            safe_fprintf(stderr, "ccrm: --into: unknown entity \"%s\" (known: ", into);
            cli_entities(stderr);
            fputs(")\n", stderr);
            return EX_USAGE;
        }
        if (strcmp(st.path, "-") != 0 && access(st.path, R_OK) != 0) {
            safe_fprintf(stderr, "ccrm: could not open \"%s\": %s\n", st.path, strerror(errno));
            return EX_NOINPUT;
        }
    } else if (cli_id(revert, &revert_id) == -1) {
        safe_fprintf(stderr, "ccrm: --revert: expected a batch number, got \"%s\"\n", revert);
        return EX_USAGE;
    }
    if ((rc = cli_load_config(&cfg, flags.config)) != 0)
        return rc;
    if ((st.db = cli_open_db(flags.conninfo, &cfg, 1, &private_db, &st.err)) == NULL ||
        db_schema_check(st.db, &st.err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", st.err.msg);
        db_close(&st.db);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    config_fini(&cfg);
    if (batches) {
        int n = db_import_batches(st.db, BATCHES_SHOWN, print_line, NULL, &st.err);

        /* the batches on standard output, for scripts; the hints beside them on standard error
         * (after them, also where both go to one file) */
        fflush(stdout);
        if (n < 0)
            safe_fprintf(stderr, "ccrm: could not list the import batches: %s\n", st.err.msg);
        else if (n == 0)
            fputs("ccrm: no imports yet\n", stderr);
        else
            safe_fprintf(stderr, "ccrm: ccrm --revert BATCH undoes one (newest %d shown)\n",
                         BATCHES_SHOWN);
        /* a login that may not read the batches (no ccrm user) is refused, 77, as an import */
        rc = n >= 0 ? 0 : db_lost(st.db) ? EX_UNAVAILABLE : code_for_db_error(&st.err);
        db_close(&st.db);
        return rc;
    }
    if (revert != NULL) {
        char summary[512];

        if (db_import_revert(st.db, revert_id, dry_run, summary, sizeof summary, &st.err) == -1) {
            if (db_lost(st.db))
                /* the server's words name whatever statement it was in (a trigger deep in
                 * the revert): what matters is that its transaction did not commit */
                safe_fprintf(stderr,
                             "ccrm: lost the connection to the database during the revert of "
                             "batch %" PRId64 ": not reverted, unless it was as the connection "
                             "dropped (ccrm --batches says); running it again is safe\n",
                             revert_id);
            else
                safe_fprintf(stderr, "ccrm: %s\n", st.err.msg);
            /* a row lock not had in time (another writer, a revert still running): try again
             * later, as an import says; a refusal (unknown, changed since) is data */
            rc = db_lost(st.db)                              ? EX_UNAVAILABLE
                 : code_for_db_error(&st.err) == EX_TEMPFAIL ? EX_TEMPFAIL
                 : code_for_db_error(&st.err) == EX_NOPERM   ? EX_NOPERM
                                                             : EX_DATAERR;
        } else if (dry_run) {
            /* the server's "reverted import batch 7 (...): ..." said as what would be */
            safe_fprintf(stdout, "ccrm: dry run: would revert %s; nothing written\n",
                         strncmp(summary, "reverted ", 9) == 0 ? summary + 9 : summary);
            rc = 0;
        } else {
            safe_fprintf(stdout, "ccrm: %s\n", summary);
            rc = 0;
        }
        db_close(&st.db);
        return rc;
    }
    if (st.rejects_path != NULL) {
        /* before anything is read: no import when its rejects cannot be kept */
        if ((rc = cli_rejects_open(&st.rejects_out, st.rejects_path,
                                   strcmp(st.path, "-") != 0 ? st.path : NULL)) != 0) {
            db_close(&st.db);
            return rc;
        }
        st.rejects = st.rejects_out.f;
    }
    st.keep_raw = st.rejects != NULL;
    st.label = strcmp(st.path, "-") == 0 ? "stdin" : st.path;
    name_text(file_name, sizeof file_name,
              strcmp(st.path, "-") == 0 ? "stdin" : base_name(st.path));
    st.progress = !quiet && isatty(STDERR_FILENO);
    st.quiet = quiet;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rc = run_import(&st, conflict, dry_run, file_name);

    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    /* (not finished: the file being written is removed, the one there before stays) */
    if (st.rejects != NULL && cli_out_close(&st.rejects_out, st.finished, &st.err) == -1 &&
        st.finished) {
        safe_fprintf(stderr, "ccrm: %s\n", st.err.msg);
        rc = EX_CANTCREAT;
    }
    db_close(&st.db);
    imp_row_fini(&st.row);
    sbuf_fini(&st.copy);
    free(st.hdr_raw);
    return rc;
}
