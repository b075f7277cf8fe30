/* Reading mail files: an mbox (RFC 4155) one mail at a time in constant memory, and a single
 * file (a Maildir entry). A mail in an mbox starts at a "From " line at the start of the file
 * or after an empty line; its ">From " lines (any number of '>') lose one '>' (mboxrd: the
 * writer added it), and the empty line before the next separator belongs to the file, not to
 * the mail. No libpq, no curses. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"

#define READ_SIZE (64 * 1024)

struct mail_mbox {
    int fd;
    char *path;
    char *rbuf; /* read buffer */
    size_t rlen, rpos;
    int eof;
    int64_t done, size;
    /* the current line: its first bytes, at most mb->max + 1 of them (a line without a newline
     * of gigabytes, a damaged file's run of NULs, is counted, not kept), and ldrop the rest */
    char *line;
    size_t llen, lcap, ldrop;
    int have_line; /* a line read ahead (the next separator) */
    int started;
    int not_mbox; /* the file did not start with "From " */
    size_t max;   /* a mail's bytes kept at most (mail_mbox_limit), 0: no limit */
};

void
mail_mbox_limit(struct mail_mbox *mb, size_t max)
{
    mb->max = max;
}

/* Append l bytes of a mail to out (len, cap), or only count them once the mail is longer than
 * mb->max (then nothing is kept). */
static void
keep(const struct mail_mbox *mb, char **out, size_t *len, size_t *cap, const char *p, size_t l)
{
    if (mb->max > 0 && *len + l > mb->max) { /* (and every line after: len stays over it) */
        free(*out);
        *out = NULL;
        *cap = 0;
        *len += l;
        return;
    }
    if (*len + l > *cap) {
        *cap = (*len + l) * 2 + 4096;
        *out = xrealloc(*out, *cap);
    }
    memcpy(*out + *len, p, l);
    *len += l;
}

struct mail_mbox *
mail_mbox_open(const char *path, struct ccrm_err *err)
{
    struct mail_mbox *mb;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd == -1) {
        err_set(err, "could not open \"%s\": %s", path, strerror(errno));
        return NULL;
    }
    mb = xcalloc(1, sizeof *mb);
    mb->fd = fd;
    mb->path = xstrdup(path);
    mb->rbuf = xmalloc(READ_SIZE);
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        mb->size = st.st_size;
    return mb;
}

/* Read one line (with its \n, if any) into mb->line. Returns 1, 0 at the end, -1 on error. */
static int
read_line(struct mail_mbox *mb, struct ccrm_err *err)
{
    size_t room = mb->max > 0 ? mb->max + 1 : (size_t)-1;

    mb->llen = 0;
    mb->ldrop = 0;
    for (;;) {
        char *nl;
        size_t take;

        if (mb->rpos == mb->rlen) {
            ssize_t r;

            if (mb->eof)
                return mb->llen > 0 || mb->ldrop > 0;
            do
                r = read(mb->fd, mb->rbuf, READ_SIZE);
            while (r == -1 && errno == EINTR);
            if (r < 0) {
                err_set(err, "could not read \"%s\": %s", mb->path, strerror(errno));
                return -1;
            }
            if (r == 0) {
                mb->eof = 1;
                return mb->llen > 0 || mb->ldrop > 0;
            }
            mb->rlen = (size_t)r;
            mb->rpos = 0;
            mb->done += r;
        }
        nl = memchr(mb->rbuf + mb->rpos, '\n', mb->rlen - mb->rpos);
        take = nl != NULL ? (size_t)(nl - (mb->rbuf + mb->rpos)) + 1 : mb->rlen - mb->rpos;
        {
            size_t kept = mb->llen >= room ? 0 : take < room - mb->llen ? take : room - mb->llen;

            if (mb->llen + kept + 1 > mb->lcap) {
                mb->lcap = (mb->llen + kept + 1) * 2;
                mb->line = xrealloc(mb->line, mb->lcap);
            }
            memcpy(mb->line + mb->llen, mb->rbuf + mb->rpos, kept);
            mb->llen += kept;
            mb->ldrop += take - kept;
        }
        mb->rpos += take;
        if (nl != NULL)
            return 1;
    }
}

static int
is_separator(const char *line, size_t n)
{
    return n >= 5 && memcmp(line, "From ", 5) == 0;
}

/* A separator after the first: "From " and the sender, then a date with its time, seconds
 * included ("From a@b.example Mon Dec  2 10:00:00 2024"), or nothing when the sender is an
 * address. A writer that
 * did not escape a body's "From " line ("From my point of view, ...") after an empty line would
 * otherwise cut the mail in two there, its end refused as "not a mail". */
static int
is_next_separator(const char *line, size_t n)
{
    size_t i = 5;

    if (!is_separator(line, n))
        return 0;
    while (n > i && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
        n--;
    if (i == n || line[i] == ' ' || line[i] == '\t')
        return 0; /* no sender */
    while (i < n && line[i] != ' ' && line[i] != '\t')
        i++;
    if (i == n) /* "From a@b.example" alone, not "From here" */
        return memchr(line + 5, '@', n - 5) != NULL;
    for (; i + 7 < n; i++)
        if (isdigit((unsigned char)line[i]) && isdigit((unsigned char)line[i + 1]) &&
            line[i + 2] == ':' && isdigit((unsigned char)line[i + 3]) &&
            isdigit((unsigned char)line[i + 4]) && line[i + 5] == ':' &&
            isdigit((unsigned char)line[i + 6]) && isdigit((unsigned char)line[i + 7]))
            return 1; /* a time as asctime writes it: hh:mm:ss ("From 9:00 to 17:30" is text) */
    return 0;
}

static int
is_blank(const char *line, size_t n)
{
    return n == 0 || (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n');
}

/* ">From ", ">>From ", ...: one '>' goes */
static int
escaped_from(const char *line, size_t n)
{
    size_t i = 0;

    while (i < n && line[i] == '>')
        i++;
    return i > 0 && n - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

int
mail_mbox_next(struct mail_mbox *mb, char **buf, size_t *n, struct ccrm_err *err)
{
    char *out = NULL;
    size_t len = 0, cap = 0;
    int r, blank_before = 0, pending_blank = 0;
    size_t blank_len = 0;
    char blank[2];

    *buf = NULL;
    *n = 0;
    if (!mb->have_line) {
        r = read_line(mb, err);
        if (r <= 0)
            return r;
        if (!mb->started && !is_separator(mb->line, mb->llen)) {
            mb->not_mbox = 1;
            err_set(err, "\"%s\" is not an mbox file: it does not start with \"From \"", mb->path);
            return -1;
        }
    }
    mb->have_line = 0;
    mb->started = 1;
    /* mb->line is the separator: the mail starts after it */
    for (;;) {
        r = read_line(mb, err);
        if (r < 0) {
            free(out);
            return -1;
        }
        if (r == 0)
            break;
        if (mb->ldrop == 0 && is_next_separator(mb->line, mb->llen) && (blank_before || len == 0)) {
            mb->have_line = 1;
            break;
        }
        if (pending_blank) { /* the blank line was the mail's own after all */
            keep(mb, &out, &len, &cap, blank, blank_len);
            pending_blank = 0;
        }
        blank_before = mb->ldrop == 0 && is_blank(mb->line, mb->llen);
        if (blank_before) {
            /* held back: if a separator follows, it belongs to the file */
            pending_blank = 1;
            blank_len = mb->llen;
            memcpy(blank, mb->line, mb->llen);
            continue;
        }
        {
            const char *p = mb->line;
            size_t l = mb->llen;

            if (escaped_from(p, l)) {
                p++;
                l--;
            }
            keep(mb, &out, &len, &cap, p, l);
            if (mb->ldrop > 0) { /* the line was longer than the mail may be: counted */
                free(out);
                out = NULL;
                cap = 0;
                len += mb->ldrop;
            }
        }
    }
    if (out == NULL)
        out = xmalloc(1);
    *buf = out;
    *n = len;
    /* a huge mail leaves a huge line buffer: give it back */
    if (mb->lcap > 1024 * 1024) {
        free(mb->line);
        mb->line = NULL;
        mb->lcap = 0;
        if (mb->have_line) { /* keep the separator read ahead */
            mb->have_line = 1;
            mb->line = xmalloc(8);
            memcpy(mb->line, "From \n", 6);
            mb->llen = 6;
            mb->lcap = 8;
        }
    }
    return 1;
}

int64_t
mail_mbox_done(const struct mail_mbox *mb)
{
    return mb->done - (int64_t)(mb->rlen - mb->rpos);
}

int
mail_mbox_not_mbox(const struct mail_mbox *mb)
{
    return mb->not_mbox;
}

int64_t
mail_mbox_size(const struct mail_mbox *mb)
{
    return mb->size;
}

void
mail_mbox_close(struct mail_mbox **mbp)
{
    struct mail_mbox *mb;

    if (mbp == NULL || *mbp == NULL)
        return;
    mb = *mbp;
    close(mb->fd);
    free(mb->path);
    free(mb->rbuf);
    free(mb->line);
    free(mb);
    *mbp = NULL;
}

int
mail_read_file(const char *path, size_t max, char **buf, size_t *n, struct ccrm_err *err)
{
    struct stat st;
    char *p = NULL;
    size_t len = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *buf = NULL;
    *n = 0;
    if (fd == -1) {
        err_set(err, "could not open \"%s\": %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
        err_set(err, "\"%s\" is larger than the largest mail accepted (%zu bytes)", path, max);
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t r;

        if (len == cap) {
            cap = cap == 0 ? (S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536) : cap * 2;
            p = xrealloc(p, cap);
        }
        r = read(fd, p + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err_set(err, "could not read \"%s\": %s", path, strerror(errno));
            free(p);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > max) {
            err_set(err, "\"%s\" is larger than the largest mail accepted (%zu bytes)", path, max);
            free(p);
            close(fd);
            return -1;
        }
    }
    close(fd);
    *buf = p;
    *n = len;
    return 0;
}
