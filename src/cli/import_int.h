/* Private to the import/export commands: the streaming CSV reader (csvread.c) and the pure
 * header mapping and row validation (validate.c). Neither does I/O, so both are unit-tested
 * and fuzzed (tests/unit/test_import.c, tests/fuzz/fuzz_import.c). */
#ifndef CCRM_CLI_IMPORT_INT_H
#define CCRM_CLI_IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ccrm/err.h"
#include "ccrm/import.h"

/* ---- csvread.c: RFC 4180 records with their first physical line and original bytes ---- */

#define CSVR_MAX_RECORD (16u << 20) /* a record larger than this stops the import */

struct csv_record {
    long line; /* physical line (1-based) where the record starts */
    size_t nfields;
    const char **field; /* field[i] has len[i] bytes plus a NUL (it may contain NULs) */
    const size_t *len;
    const char *raw; /* the record's original bytes, line terminator included */
    size_t rawlen;
    const char *error; /* non-NULL: the record could not be parsed (reason) */
};

struct csvr;

/* cb gets each record (borrowed until it returns) and returns 0, or -1 to stop. */
typedef int (*csvr_cb)(void *arg, const struct csv_record *rec);

/* Returns a reader; free with csvr_free. A UTF-8 BOM at the start is skipped. */
struct csvr *csvr_new(csvr_cb cb, void *arg);
void csvr_free(struct csvr **rp);
/* Fields are separated by c (',' unless told; before the first csvr_feed). */
void csvr_set_delim(struct csvr *r, char c);
/* The separator of the first record in buf (n bytes, the file's start): the one of ',', ';'
 * and tab found most often outside quotes in it (',' on a tie or when there is none).
 * Spreadsheets set to German or French write ';', many CRMs' exports tabs. */
char csvr_guess_delim(const char *buf, size_t n);

/* Is the file's start (buf, n bytes) UTF-16: its byte order mark (FF FE or FE FF), or a header
 * of ASCII letters each with a NUL byte beside it (saved without the mark)? Read as UTF-8 it
 * gives an error for every line, none of them saying what is wrong. */
int csvr_is_utf16(const char *buf, size_t n);
/* Feed the next n bytes. Returns 0, or -1 when cb stopped or on a fatal error (err set:
 * a record over CSVR_MAX_RECORD). */
int csvr_feed(struct csvr *r, const char *buf, size_t n, struct ccrm_err *err);
/* End of input: the last record (possibly without a line terminator). Returns 0/-1. */
int csvr_finish(struct csvr *r, struct ccrm_err *err);
/* Physical lines seen so far. */
long csvr_lines(const struct csvr *r);
/* Did the input begin with a UTF-8 BOM (skipped: no header name has it)? A rejects file begins
 * with one then too, so that a spreadsheet reads it as UTF-8 as it read the input. */
int csvr_had_bom(const struct csvr *r);

#define CSVR_BOM "\xef\xbb\xbf"

/* ---- validate.c ---- */

#define IMP_MAX_FIELDS 256

/* The last column of a rejects file: why the row was rejected. An import ignores it, so the
 * file can be corrected and imported as it is. */
#define IMP_REASON_COLUMN "ccrm_reason"

struct imp_map {
    const struct imp_entity *e;
    size_t nfields;          /* fields the header has */
    int col[IMP_MAX_FIELDS]; /* header field -> entity column, -1 unknown, -2 ignored */
    int mapped[64];          /* entity column -> header field, or -1 */
    char unknown[512];       /* "foo", "bar" for the one report of unknown columns */
    int nunknown;
    /* a full-name column ("Name", "Full Name", Pipedrive's "Person - Name") feeding both
     * first_name and last_name when the file has neither: their entity columns, or -1 */
    int split_first, split_last;
};

/* Fold a header name for matching: lower case ASCII letters and digits only ("E-Mail" ->
 * "email"). Writes at most n bytes to out, NUL-terminated. */
void imp_fold(const char *s, size_t len, char *out, size_t n);

/* Map the header record to the columns of e, applying overrides ("SRC=DST,..." or NULL; DST
 * may be "-" to ignore SRC). Returns 0, or -1 with err (a missing required column, a column
 * mapped twice, an override naming nothing). */
int imp_map_header(struct imp_map *m, const struct imp_entity *e, const struct csv_record *hdr,
                   const char *overrides, struct ccrm_err *err);

/* Validated, normalised values of one row: val[i]/vlen[i] per entity column, val NULL = none.
 * The storage is owned by the row; imp_row_fini frees it. */
struct imp_row {
    const char *val[64];
    size_t vlen[64];
    char *buf;
    size_t cap, used;
};

void imp_row_init(struct imp_row *row);
void imp_row_fini(struct imp_row *row);

/* Does the record hold nothing but empty or blank fields (skipped like a blank line)? */
int imp_record_blank(const struct csv_record *rec);

/* Validate rec against the map into row. Returns 0, or -1 with a reason ("column \"email\":
 * ...") in reason (size n). */
int imp_validate(const struct imp_map *m, const struct csv_record *rec, struct imp_row *row,
                 char *reason, size_t n);

/* Check one value of type c (trimmed, UTF-8 already checked) with the one normaliser
 * (include/ccrm/value.h) and write its normal form to out (at least len + 16 bytes). Returns the
 * normalised length, or -1 with reason filled. */
long imp_check_value(const struct imp_column *c, const char *s, size_t len, char *out, char *reason,
                     size_t n);

/* Is s (len bytes) valid UTF-8 without NUL bytes? Returns 0 if so, else 1 (invalid UTF-8) or
 * 2 (a NUL byte); *at gets the byte offset of the problem. */
int imp_utf8_check(const char *s, size_t len, size_t *at);

/* Growable byte buffer for COPY lines. */
struct sbuf {
    char *p;
    size_t len, cap;
};
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_fini(struct sbuf *b);

/* Append s as one COPY text-format value (\\, tab, newline, CR escaped); s NULL -> \N. */
void imp_copy_value(struct sbuf *b, const char *s, size_t n);
/* Append bytes as a COPY text-format bytea value (\\x hex). */
void imp_copy_bytea(struct sbuf *b, const char *s, size_t n);

#endif
