/* Plain data the views and batch commands pass around: no libpq, no curses (unit-tested). */
#ifndef CCRM_MODEL_H
#define CCRM_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* One row of a list view. Column texts are owned by the row (free with row_fini). The sort key
 * (key, key2, id) is what keyset pagination continues from. */
#define ROW_MAX_COLS 12
struct row {
    int64_t id;
    char *col[ROW_MAX_COLS];
    char *key;  /* primary sort key as text (NULL = SQL NULL) */
    char *key2; /* secondary sort key (3-column keysets), or NULL */
};

void row_fini(struct row *r);
void row_copy(struct row *dst, const struct row *src);

/* The time left until a due time, as a list shows it (the Tickets' SLA column): due is epoch
 * milliseconds as text, "paused", "paused late" (paused after its due time) or "" (none). Writes
 * "3h 20m", "12m", "<1m", "2d 4h", and once it is past "! due", "! -5m" (the mark keeps it readable
 * without colour), or "paused", "! paused", or "". Returns 0 (nothing to count), 1 (running), 2
 * (less than an hour left), 3 (past due, or paused late); *next_ms is how long the text stays as
 * it is (0: for ever). */
int time_left_text(const char *due, int64_t now_ms, char *buf, size_t n, int64_t *next_ms);

/* A window of consecutive rows of a sorted list: the only rows a list view holds in memory,
 * whatever the size of the table. */
struct rowbuf {
    struct row *rows;
    int n;
    int cap;
    int at_start; /* no rows before rows[0] */
    int at_end;   /* no rows after rows[n-1] */
};

void rowbuf_init(struct rowbuf *b);
void rowbuf_clear(struct rowbuf *b);
void rowbuf_fini(struct rowbuf *b);
/* Append (or prepend) rows, taking ownership of their strings; src rows are zeroed. */
void rowbuf_append(struct rowbuf *b, struct row *src, int n);
void rowbuf_prepend(struct rowbuf *b, struct row *src, int n);
/* Drop k rows from the front or the back (keeps memory flat while scrolling). */
void rowbuf_drop_front(struct rowbuf *b, int k);
void rowbuf_drop_back(struct rowbuf *b, int k);
/* Index of the row with this id, or -1. */
int rowbuf_find(const struct rowbuf *b, int64_t id);
/* Drop (row_fini) the rows of rows[0..n) that b already holds (b may be NULL) or whose id is
 * id (0: none), keeping the others in order at the front. Returns how many are left. A row
 * whose change moved it in the order comes back from a page read from a key it had before:
 * a list shows every record once. */
int rows_drop_known(struct row *rows, int n, const struct rowbuf *b, int64_t id);

/* A labelled value for a detail view ("Domain", "mueller-logistik.de"). */
struct field {
    char *label;
    char *value;
};

/* A line of a record's timeline, related list or chat. */
struct detail_line {
    char *when; /* "2026-11-01 09:00" or "" */
    char *who;  /* "sofia (support)" or "" */
    char *what; /* "ticket #12 Cannot export invoices [open]" */
    char *entity;
    int64_t entity_id;
};

/* One mail of a record's conversation (a ticket's, a lead's): what the detail view shows of it.
 * Strings are never NULL ("" when the mail has none). */
struct detail_mail {
    int64_t id;
    int out;       /* 1: ours (the outbox), 0: received */
    char *status;  /* received, auto, bounce, loop; queued, sending, sent, failed */
    char *when;    /* "2026-11-01 09:00": the Date header, or when it arrived or was queued */
    char *from;    /* "Anna Berger <anna@kunde.de>" */
    char *to, *cc; /* as the headers said */
    char *subject;
    char *body;     /* the text (at most DETAIL_MAIL_TEXT_MAX bytes of it) */
    long long more; /* bytes of the text left out */
    char *atts;     /* attachments, one per line: "id\tname\tsize in bytes" */
    char *error;    /* out: the last sendmail error, while it is retried */
};

struct detail {
    char *title;
    char *subtitle;
    struct field *fields;
    int nfields;
    struct detail_line *lines; /* related records and timeline, in display order */
    int nlines;
    char *here; /* who else is looking at it now: "Marco Rossi (marketing), ..." */
    int version;
    int page;    /* the page of a paged section shown (a campaign's members), from 0 */
    int page_at; /* the index of its first line */
    /* the record shown (fixed size: detail_free has nothing more to free) */
    char entity[24];    /* its table: "accounts", "contacts", ... */
    int64_t id;         /* its id */
    int64_t account_id; /* the customer (account) it belongs to, 0 if none */
    /* what it is now, for the actions that depend on it (the head's column phase: "draft",
     * "won"); "" when the head has none */
    char phase[24];
    /* the conversation (entities whose detail has one, has_mails 1): its mails, oldest first,
     * shown after line mails_at (its heading) */
    struct detail_mail *mails;
    int nmails;
    int has_mails, mails_at;
};

void detail_free(struct detail **dp);
/* Append an empty mail to d's conversation; the caller fills in malloc'd strings. */
struct detail_mail *detail_add_mail(struct detail *d);
/* Append a field (skipped when value is empty) or a line (strings copied). */
void detail_add_field(struct detail *d, const char *label, const char *value);
void detail_add_line(struct detail *d, const char *when, const char *who, const char *what,
                     const char *entity, int64_t id);

/* LIKE pattern for a case-insensitive "contains" search: escapes \ % _ and wraps in %...%.
 * Returns a malloc'd string. */
char *like_contains(const char *text);

#endif
