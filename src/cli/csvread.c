/* Streaming CSV reader on top of libcsv: records with the physical line they start on and
 * their original bytes (for --rejects). Input is handed to libcsv one physical line at a time
 * (split at every CR or LF), so after each call we know whether a record ended and which bytes
 * it consisted of. Memory is bounded by the largest record. No I/O here. */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "import_int.h"

/* libcsv's parser states (csv.h exposes the struct, not the names) */
#define LIBCSV_FIELD_BEGUN 2

struct csvr {
    struct csv_parser p;
    csvr_cb cb;
    void *arg;
    /* the record being read */
    char *raw;
    size_t rawlen, rawcap;
    char *fbuf; /* field bytes, each followed by a NUL */
    size_t flen, fcap;
    size_t *foff;
    size_t *flens;
    const char **fptr;
    size_t nf, nfcap;
    size_t nextra;    /* fields past IMP_MAX_FIELDS: counted, not kept */
    char toomany[96]; /* the error such a record is handed over with */
    long start_line;
    long quote_line; /* the line the quoted field open now began on */
    /* per physical segment */
    int ended;   /* a record with fields ended in this segment */
    int blank;   /* a terminator outside any record (blank line) */
    int pending; /* a record ended, waiting to see whether LF follows its CR */
    /* position */
    long line;   /* physical line of the next byte */
    int last_cr; /* the previous byte was a CR */
    int bom_done;
    char bom[3];
    size_t nbom;
    int had_bom; /* the input began with a UTF-8 BOM (skipped) */
    int stopped;
};

static void
on_field(void *s, size_t n, void *arg)
{
    struct csvr *r = arg;

    /* no file of ccrm has more columns (a header may not), so a record with more is refused
     * whatever they hold: past that they are only counted (a 15 MB line of commas was 15
     * million fields, kept at 25 bytes each: 390 MB to say it had too many) */
    if (r->nf == IMP_MAX_FIELDS) {
        r->nextra++;
        return;
    }
    if (r->nf == r->nfcap) {
        r->nfcap = r->nfcap ? r->nfcap * 2 : 16;
        r->foff = xrealloc(r->foff, r->nfcap * sizeof *r->foff);
        r->flens = xrealloc(r->flens, r->nfcap * sizeof *r->flens);
        r->fptr = xrealloc(r->fptr, r->nfcap * sizeof *r->fptr);
    }
    if (r->flen + n + 1 > r->fcap) {
        while (r->flen + n + 1 > r->fcap)
            r->fcap = r->fcap ? r->fcap * 2 : 4096;
        r->fbuf = xrealloc(r->fbuf, r->fcap);
    }
    if (n > 0)
        memcpy(r->fbuf + r->flen, s, n);
    r->foff[r->nf] = r->flen;
    r->flens[r->nf] = n;
    r->flen += n;
    r->fbuf[r->flen++] = '\0';
    r->nf++;
}

static void
on_record(int c, void *arg)
{
    struct csvr *r = arg;

    (void)c;
    if (r->nf > 0)
        r->ended = 1;
    else
        r->blank = 1;
}

static void
raw_add(struct csvr *r, const char *s, size_t n)
{
    if (r->rawlen + n > r->rawcap) {
        while (r->rawlen + n > r->rawcap)
            r->rawcap = r->rawcap ? r->rawcap * 2 : 4096;
        r->raw = xrealloc(r->raw, r->rawcap);
    }
    memcpy(r->raw + r->rawlen, s, n);
    r->rawlen += n;
}

/* Hand the finished record to the callback and reset. Returns 0/-1. */
static int
emit(struct csvr *r, const char *error)
{
    struct csv_record rec;
    size_t i;
    int rc;

    for (i = 0; i < r->nf; i++)
        r->fptr[i] = r->fbuf + r->foff[i];
    if (error == NULL && r->nextra > 0) {
        snprintf(r->toomany, sizeof r->toomany, "%zu fields, more than the %d a record may have",
                 r->nf + r->nextra, IMP_MAX_FIELDS);
        error = r->toomany;
    }
    rec.line = r->start_line;
    rec.nfields = r->nf;
    rec.field = r->fptr;
    rec.len = r->flens;
    rec.raw = r->raw != NULL ? r->raw : "";
    rec.rawlen = r->rawlen;
    rec.error = error;
    rc = r->cb(r->arg, &rec);
    r->nf = 0;
    r->nextra = 0;
    r->flen = 0;
    r->rawlen = 0;
    r->pending = 0;
    if (rc != 0)
        r->stopped = 1;
    return rc;
}

void
csvr_set_delim(struct csvr *r, char c)
{
    csv_set_delim(&r->p, (unsigned char)c);
}

char
csvr_guess_delim(const char *buf, size_t n)
{
    size_t i, comma = 0, semi = 0, tab = 0;
    int quoted = 0;

    for (i = 0; i < n; i++) {
        char c = buf[i];

        if (c == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (c == '\n' || c == '\r')
            break;
        else if (c == ',')
            comma++;
        else if (c == ';')
            semi++;
        else if (c == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

int
csvr_is_utf16(const char *buf, size_t n)
{
    const unsigned char *u = (const unsigned char *)buf;

    if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return 1;
    /* "n\0a\0" (little-endian) or "\0n\0a" (big-endian): no UTF-8 text has a NUL there */
    return n >= 4 && ((u[0] != 0 && u[0] < 0x80 && u[1] == 0 && u[2] != 0 && u[3] == 0) ||
                      (u[0] == 0 && u[1] != 0 && u[1] < 0x80 && u[2] == 0 && u[3] != 0));
}

struct csvr *
csvr_new(csvr_cb cb, void *arg)
{
    struct csvr *r = xcalloc(1, sizeof *r);

    /* strict: a quote inside a quoted field that is not doubled ("the error is "E42" on
     * start) is an error; libcsv would otherwise reopen the quote there and take the next
     * lines, records of their own, into that one field, without a word */
    if (csv_init(&r->p, CSV_REPALL_NL | CSV_STRICT) != 0)
        abort(); /* only fails on out of memory */
    /* a field's buffer grows by this much: libcsv's 128 bytes made a 1 MB field 8,192
     * reallocations, each moving the field (4 GB copied under ASan, 50 s) */
    csv_set_blk_size(&r->p, 16384);
    r->cb = cb;
    r->arg = arg;
    r->line = 1;
    r->start_line = 1;
    return r;
}

void
csvr_free(struct csvr **rp)
{
    struct csvr *r;

    if (rp == NULL || *rp == NULL)
        return;
    r = *rp;
    csv_free(&r->p);
    free(r->raw);
    free(r->fbuf);
    free(r->foff);
    free(r->flens);
    free(r->fptr);
    free(r);
    *rp = NULL;
}

long
csvr_lines(const struct csvr *r)
{
    return r->line;
}

/* Parse one segment: bytes up to and including one CR or LF (or the rest of the input). */
static int
segment(struct csvr *r, const char *s, size_t n, struct ccrm_err *err)
{
    size_t i, fields = r->nf + r->nextra;
    int quoted = r->p.quoted;

    if (r->rawlen == 0 && r->nf == 0)
        r->start_line = r->line;
    r->ended = r->blank = 0;
    if (csv_parse(&r->p, s, n, on_field, on_record, r) != n) {
        /* (libcsv's state tells which rule: a quote in a field that did not begin with one,
         * or something after a quoted field's closing quote) */
        if (csv_error(&r->p) == CSV_EPARSE && !r->p.quoted)
            err_set(err,
                    "line %ld is not valid CSV: a field that holds a quote must itself be in "
                    "quotes, with its quotes doubled (27\" Monitor is written \"27\"\" "
                    "Monitor\"), as spreadsheets write it",
                    r->line);
        else if (csv_error(&r->p) == CSV_EPARSE)
            err_set(err,
                    "line %ld is not valid CSV: a quote inside a quoted field must be doubled "
                    "(\"\"), and nothing may follow a quoted field's closing quote but a "
                    "separator or the line's end",
                    r->line);
        else
            err_set(err, "could not parse CSV: %s", csv_strerror(csv_error(&r->p)));
        return -1;
    }
    /* a quoted field open after this line began on it, unless the one open before it still
     * is (a field that ends, or a record, closes it: nothing else may follow a closing quote) */
    if (r->p.quoted && (!quoted || r->ended || r->nf + r->nextra != fields))
        r->quote_line = r->line;
    for (i = 0; i < n; i++) {
        if (s[i] == '\n') {
            if (!r->last_cr)
                r->line++;
            r->last_cr = 0;
        } else if (s[i] == '\r') {
            r->line++;
            r->last_cr = 1;
        } else {
            r->last_cr = 0;
        }
    }
    if (r->blank && !r->ended) {
        /* a blank line between records: not part of any record */
        r->rawlen = 0;
        return 0;
    }
    raw_add(r, s, n);
    if (r->rawlen > CSVR_MAX_RECORD) {
        err_set(err, "the record starting on line %ld is larger than %u MB", r->start_line,
                CSVR_MAX_RECORD >> 20);
        return -1;
    }
    if (r->ended)
        r->pending = 1;
    return 0;
}

int
csvr_feed(struct csvr *r, const char *buf, size_t n, struct ccrm_err *err)
{
    size_t i = 0, j;

    if (r->stopped)
        return -1;
    if (!r->bom_done) {
        while (r->nbom < 3 && i < n)
            r->bom[r->nbom++] = buf[i++];
        if (r->nbom < 3)
            return 0;
        r->bom_done = 1;
        r->had_bom = memcmp(r->bom, "\xef\xbb\xbf", 3) == 0;
        if (!r->had_bom && csvr_feed(r, r->bom, 3, err) == -1)
            return -1;
    }
    while (i < n) {
        if (r->pending) {
            /* a record ended: its CR may be followed by the LF of a CRLF */
            if (r->last_cr && buf[i] == '\n') {
                if (segment(r, buf + i, 1, err) == -1)
                    return -1;
                i++;
            }
            if (emit(r, NULL) != 0)
                return -1;
            continue;
        }
        for (j = i; j < n && buf[j] != '\n' && buf[j] != '\r'; j++)
            ;
        if (j < n)
            j++;
        if (segment(r, buf + i, j - i, err) == -1)
            return -1;
        i = j;
    }
    return 0;
}

int
csvr_had_bom(const struct csvr *r)
{
    return r->had_bom;
}

int
csvr_finish(struct csvr *r, struct ccrm_err *err)
{
    if (r->stopped)
        return -1;
    if (!r->bom_done) {
        r->bom_done = 1;
        if (r->nbom > 0 && csvr_feed(r, r->bom, r->nbom, err) == -1)
            return -1;
    }
    if (r->pending)
        return emit(r, NULL) != 0 ? -1 : 0;
    /* the file, not a record, is wrong: everything after the quote is in that one field (the
     * records of the lines after it too), as with a stray quote (segment) */
    if (r->p.quoted && r->p.pstate == LIBCSV_FIELD_BEGUN) {
        err_set(err,
                "line %ld is not valid CSV: the quoted field that begins there is never closed (a "
                "quote is missing), so it would take every line after it into that one field",
                r->quote_line);
        return -1;
    }
    r->ended = r->blank = 0;
    if (csv_fini(&r->p, on_field, on_record, r) != 0) {
        err_set(err, "could not parse CSV: %s", csv_strerror(csv_error(&r->p)));
        return -1;
    }
    if (r->ended)
        return emit(r, NULL) != 0 ? -1 : 0;
    return 0;
}
