/* Unsaved input kept across an unexpected end (src/util/draft.c): a form's fields written as
 * a draft under $XDG_STATE_HOME/ccrm when the client is told to stop (SIGTERM, SIGHUP, the
 * terminal gone) or crashes (a fatal signal, written from the signal handler), and offered
 * back at the next start. No curses, no libpq. */
#ifndef CCRM_DRAFT_H
#define CCRM_DRAFT_H

#include <stddef.h>
#include <stdint.h>

#include "ccrm/strbuf.h"

struct draft_field {
    char *col;  /* the column ("subject") */
    char *base; /* its value when the form read the record ("" for a new one) */
    char *val;  /* what the form held */
};

struct draft {
    char entity[32];    /* the table: "tickets" */
    int64_t id;         /* 0: a new record */
    int version;        /* the version the form read (conflicts are found against it) */
    int64_t maybe_id;   /* a new record's insert whose answer was lost: the id it may have */
    char when[32];      /* "2026-12-03 14:35" */
    char why[32];       /* "SIGTERM", "SIGSEGV", "the terminal went away" */
    char login[64];     /* whose form it was: offered to that login only ("": to anyone) */
    char database[256]; /* where its record is (db_identity): offered there only ("": anywhere) */
    int n;
    struct draft_field *f;
};

/* A draft of the bottom line's typed text (a comment, a note) rather than of a form: entity
 * DRAFT_LINE, fields "on" (the view's title), "question" (the line's label) and "text". */
#define DRAFT_LINE "(line)"

/* Add a field (strings copied). */
void draft_add(struct draft *d, const char *col, const char *base, const char *val);
void draft_fini(struct draft *d);
/* The draft as text: a first line "ccrm draft 1", then "key value" lines; a field is
 * "field COL\tBASE\tVALUE" with \ \t \n escaped. */
void draft_render(struct strbuf *b, const struct draft *d);
/* Read a draft's text. 0, or -1 when it is not one (d is then empty). */
int draft_parse(const char *text, struct draft *d);
/* A value on one line of a draft (also of a kept answer, src/ui/reply.c): \ \t \n \r
 * escaped; draft_unescape reads s[0..n) back (malloc'd). */
void draft_put_escaped(struct strbuf *b, const char *s);
char *draft_unescape(const char *s, size_t n);

/* The directory of drafts and crash reports: $XDG_STATE_HOME/ccrm (malloc'd). */
char *draft_dir(void);
/* Write text as a new draft file (a temporary file renamed into place). Returns 0 with its
 * path in path, or -1 (errno set). */
int draft_save(const char *text, char *path, size_t n);
/* The oldest draft file waiting for login on database (db_identity): another login's, or one
 * made on another database, is left for them; NULL: any.
 * 1 with its path, 0 when there is none. */
int draft_next(char *path, size_t n, const char *login, const char *database);
/* A file's text (malloc'd), or NULL. */
char *draft_read_file(const char *path);

/* ---- a crash: written from the handler of a fatal signal ---- */

/* Install the handlers of SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT: each writes a short
 * report (which signal, when, the process) and the latest snapshot below as a draft, with
 * async-signal-safe calls only, says where on standard error, and dies of the signal. The
 * directory and the file names are made here, beforehand. Returns 0, or -1 with errno set when
 * the directory cannot be made (the handlers are installed all the same: a crash then gives
 * the terminal back and says nothing could be kept). */
int crash_init(const char *program_version);
/* What a crash keeps: the text of the unsaved form now on screen (draft_render), copied into
 * a fixed buffer (up to 64 KiB; NULL or n 0: nothing). Called after every key. */
void crash_snapshot(const char *text, size_t n);
/* Keep the unsaved form also against an end no handler sees (kill -9, a power cut): its text
 * (draft_render) written, a temporary file renamed, as this process's draft
 * live/draft-<time>-<pid>.txt, which draft_next offers once the process is gone. NULL or n 0
 * removes it (the form was saved, or closed). After crash_init. Returns 0 or -1. */
int draft_keep_live(const char *text, size_t n);
/* The path of the crash report the handler would write (tests, the man page). */
const char *crash_report_path(void);

#endif
