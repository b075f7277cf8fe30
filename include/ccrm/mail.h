/* E-mail (docs/mail.md). src/mail/ parses and composes mail with GMime, turns HTML into text
 * with libxml2, reads mbox files and runs sendmail(1): no libpq, no curses, so it is unit-tested
 * and fuzzed on its own. src/db/mail.c stores parsed mail (ccrm_mail_store_many() in schema
 * 017), queues answers and keeps the outbox; src/mail/outbox.c sends what the outbox holds. */
#ifndef CCRM_MAIL_H
#define CCRM_MAIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ccrm/db.h"
#include "ccrm/err.h"

/* ---- parsing (src/mail/parse.c) ---- */

/* What the headers say about who wrote a mail (schema 017 decides what that means). */
enum mail_auto {
    MAIL_PERSON,     /* a person wrote it */
    MAIL_AUTO_REPLY, /* Auto-Submitted, X-Autoreply, read receipts */
    MAIL_BULK,       /* Precedence: bulk or junk */
    MAIL_LIST,       /* List-Id, List-Unsubscribe, Precedence: list */
    MAIL_BOUNCE,     /* a delivery report, a null or mailer-daemon sender */
};

struct mail_attachment {
    char *name;    /* file name, UTF-8, no directories, never empty */
    char *type;    /* media type, lower case: "application/pdf" */
    size_t size;   /* decoded size in bytes */
    char *content; /* the decoded bytes, or NULL when size is over the limit */
};

/* One parsed mail. Every string is valid UTF-8 without NUL bytes (malformed input is
 * repaired, never refused); NULL when the mail has no such thing. */
struct mail_msg {
    char *message_id;  /* without <>; derived from the content when missing (derived_id) */
    int derived_id;    /* 1: the mail had no usable Message-ID */
    char *in_reply_to; /* without <> */
    char *references;  /* Message-IDs without <>, space-separated, oldest first */
    char *from_addr;   /* the sender's address */
    char *from_name;   /* its display name */
    char *reply_to;    /* the Reply-To header, decoded */
    char *to;          /* the To and Cc headers, decoded */
    char *cc;
    char *recipients; /* every recipient address (To, Cc, Delivered-To, X-Original-To,
                       * Envelope-To, the envelope), lower case, space-separated */
    char *subject;    /* decoded, on one line ("" when none) */
    int has_date;     /* the Date header was readable and plausible */
    int64_t date;     /* its time: microseconds since 1970-01-01 UTC */
    char *body;       /* the text: text/plain preferred, HTML turned into text */
    enum mail_auto autoclass;
    struct mail_attachment *att;
    int natt;
    size_t raw_size; /* bytes of the mail as read */
};

struct mail_parse_opts {
    size_t attachment_max; /* an attachment larger than this keeps its metadata only */
    const char *envelope;  /* more recipient addresses (the MTA's), space-separated, or NULL */
    int null_sender;       /* the envelope sender was <> (a bounce) */
};

/* 0 when mail can be parsed and composed in this process; -1 with err filled when not (the
 * binary's mail module, src/ext/, cannot be loaded: a reason to keep a mail for later, not to
 * refuse it). */
int mail_ready(struct ccrm_err *err);

/* Initialise GMime (once; later calls do nothing). mail_shutdown releases it at exit. */
void mail_init(void);
void mail_shutdown(void);

/* Parse one mail from buf[0..n). buf must come from malloc: the parse takes it over and frees
 * it. A leading mbox "From " line is skipped. Returns a mail, or NULL with err set when the
 * input is not a mail at all (empty, no header). Free with mail_msg_free. */
struct mail_msg *mail_parse(char *buf, size_t n, const struct mail_parse_opts *o,
                            struct ccrm_err *err);
void mail_msg_free(struct mail_msg **mp);

/* Readable text from HTML (UTF-8 in, UTF-8 out): paragraphs and line breaks kept, lists with
 * "- ", quotes with "> ", links as "text <url>", scripts and styles dropped. Never NULL; free
 * with free(). */
char *mail_html_to_text(const char *html, size_t n);

/* The text of bytes in a charset: UTF-8 out, always (undeclared or unknown charsets: UTF-8 if
 * the bytes are, else Windows-1252; ISO-8859-1 read as Windows-1252), NUL bytes dropped, CRLF
 * as LF. Free with free(). */
char *mail_to_utf8(const char *bytes, size_t n, const char *charset);

/* ---- mbox files (src/mail/mbox.c), RFC 4155 ---- */

struct mail_mbox;

/* Open an mbox file. NULL with err set (errno kept) when it cannot be opened. */
struct mail_mbox *mail_mbox_open(const char *path, struct ccrm_err *err);
/* The next mail: a malloc'd buffer the caller owns (hand it to mail_parse), with ">From " lines
 * unescaped and the separator line left out. Returns 1, 0 at the end, -1 on a read error or a
 * file that does not start with "From " (err set). */
int mail_mbox_next(struct mail_mbox *mb, char **buf, size_t *n, struct ccrm_err *err);
/* Keep at most max bytes of a mail (0: no limit): a longer one is read to its end but not kept,
 * and mail_mbox_next gives an empty buffer with n its whole length, for the caller to refuse
 * by its size (an mbox of one 200 MB mail took 200 MB to be told it was too large). */
void mail_mbox_limit(struct mail_mbox *mb, size_t max);
/* Bytes read so far and the file's size (0 if not a regular file). */
int64_t mail_mbox_done(const struct mail_mbox *mb);
int64_t mail_mbox_size(const struct mail_mbox *mb);
/* After mail_mbox_next returned -1: was it because the file is not an mbox? */
int mail_mbox_not_mbox(const struct mail_mbox *mb);
void mail_mbox_close(struct mail_mbox **mbp);

/* Read a whole file into a malloc'd buffer (at most max bytes: longer is an error). Returns 0
 * or -1 with err set. */
int mail_read_file(const char *path, size_t max, char **buf, size_t *n, struct ccrm_err *err);

/* ---- files attached to an answer (src/mail/attach_file.c) ---- */

/* Read the file at path ("~/" is $HOME) as an attachment: its name without directories, its
 * media type (mail_type_for_name) and its bytes, when it is a readable regular file of at most
 * max bytes ([mail] attachment_max, the limit incoming attachments are kept up to). Returns 0,
 * or -1 with err saying why ("could not attach \"/x\": Permission denied", "... 12.0 MB is
 * more than the 10.0 MB of [mail] attachment_max"). Free with mail_attachment_fini. */
int mail_attach_file(const char *path, size_t max, struct mail_attachment *a, struct ccrm_err *err);
void mail_attachment_fini(struct mail_attachment *a);
/* The media type of a file name's extension ("report.PDF": application/pdf), else
 * application/octet-stream. A static string. */
const char *mail_type_for_name(const char *name);
/* A size for people: "18 bytes", "12.3 KB", "4.0 MB". */
void mail_size_text(int64_t n, char *buf, size_t len);

/* ---- composing and sending (src/mail/compose.c, src/mail/sendmail.c) ---- */

/* An outgoing mail as the outbox holds it (schema 017, ccrm_mail_outbox_claim). */
struct mail_out {
    int64_t id;
    const char *message_id; /* without <> */
    const char *from_addr;
    const char *from_name;
    const char *reply_to;
    const char *to;
    const char *cc;
    const char *subject;
    const char *body;
    const char *in_reply_to; /* without <> */
    const char *references;  /* space-separated, without <> */
    int64_t date;            /* microseconds since 1970 */
    /* files attached (a quote's or an invoice's PDF, an e-invoice: ccrm_billing_send): name,
     * media type, size and the bytes (content) of each; none when natt is 0 */
    const struct mail_attachment *att;
    int natt;
};

/* The RFC 5322 message for o: its text as text/plain (UTF-8, quoted-printable as needed),
 * inside a multipart/mixed with each attachment in base64 after it when o has attachments;
 * headers encoded. Returns a malloc'd string (length in *len), or NULL with err set (an address
 * that does not parse, an attachment without its bytes). */
char *mail_compose(const struct mail_out *o, size_t *len, struct ccrm_err *err);
/* Is text (a To or Cc, as typed) a list of mailboxes, each local@domain (groups' members too)?
 * 0, or -1 with err naming the first that is not, after what ("To"). NULL or "": 0. */
int mail_addresses_check(const char *text, const char *what, struct ccrm_err *err);

/* Run command (split at spaces, no shell: "/usr/sbin/sendmail -t -oi") with msg on its
 * standard input, for at most timeout_s seconds. Returns 0 when it exited 0, else -1 with err
 * saying why (its exit status and the first line it wrote to stderr). */
int mail_sendmail(const char *command, const char *msg, size_t n, int timeout_s,
                  struct ccrm_err *err);

/* ---- showing a mail's text (src/mail/quote.c) ---- */

enum mail_line_kind {
    MAIL_LINE_TEXT,   /* the writer's own text */
    MAIL_LINE_QUOTED, /* quoted text, shown */
    MAIL_LINE_FOLDED, /* "··· 12 quoted lines (z shows them)": a run of quoted text folded */
};
typedef void (*mail_line_fn)(void *ctx, const char *line, enum mail_line_kind kind);

/* The lines of a mail's text for a screen width in columns (at least 10; wcwidth in the
 * caller's locale): lines wrapped at spaces (a longer word is cut), at most one blank line in a
 * row, none at the ends. Quoted text (lines starting with ">", the "On ... wrote:" line that
 * introduces them and blank lines between them; everything from an "-----Original
 * Message-----" line on) is one MAIL_LINE_FOLDED line per run unless unfold. emit gets each
 * line, valid during the call. Returns the number of quoted lines. */
int mail_text_lines(const char *text, int width, int unfold, mail_line_fn emit, void *ctx);

/* ---- the database (src/db/mail.c) ---- */

/* What storing one mail did (a row of ccrm_mail_store_many). */
struct mail_stored {
    int64_t id; /* the mail's id (the stored one for a duplicate); 0 when not stored */
    char status[12];
    int duplicate;
    char thread_by[12];
    int64_t ticket_id, lead_id, contact_id, opportunity_id, account_id; /* 0: none */
    char created[40];
};

/* Store a set of parsed mails (live: as a delivery; else as history). queue may be NULL (by
 * recipient). out gets n rows. Uses ccrm_mail_deliver() when the session may only deliver
 * (the mail login), else ccrm_mail_store_many(). Returns 0, or -1 with err (SQLSTATE kept:
 * CR067 no such queue, 40001 raced another delivery). */
int db_mail_store(struct db *db, const char *queue, int live, struct mail_msg *const *msgs, int n,
                  struct mail_stored *out, struct ccrm_err *err);

/* The same without waiting: send the set, and later collect what happened. The messages must
 * stay alive until db_mail_store_wait. Only one set can be in flight per connection. */
int db_mail_store_send(struct db *db, const char *queue, int live, struct mail_msg *const *msgs,
                       int n, struct ccrm_err *err);
int db_mail_store_wait(struct db *db, struct mail_stored *out, int n, struct ccrm_err *err);

/* The history import's transaction: BEGIN and the import batch (ccrm_import_begin); then
 * db_mail_store_* with live = 0; then commit with the duplicates and rejects it skipped (the
 * server counts what was stored), or db_mail_import_abort. --revert BATCH is the CSV import's
 * (ccrm_import_revert hands a mail batch to ccrm_mail_import_revert). */
int64_t db_mail_import_begin(struct db *db, const char *file_name, struct ccrm_err *err);
int db_mail_import_commit(struct db *db, int64_t batch, int64_t duplicates, int64_t rejected,
                          struct ccrm_err *err);
void db_mail_import_abort(struct db *db);
/* Signal-safe: cancel the statement the import is running. */
void db_mail_import_cancel(void);

/* A Maildir's file names, sorted by the server (constant memory whatever their number), in
 * the import transaction: names_begin, names_put for each, names_end, then names_next hands
 * out up to 1,000 at a time in name order (delivery order for Maildir names) until it returns
 * 0. names_next needs the connection idle (no set in flight). Return -1 with err on errors. */
int db_mail_names_begin(struct db *db, struct ccrm_err *err);
int db_mail_names_put(struct db *db, const char *name, struct ccrm_err *err);
int db_mail_names_end(struct db *db, struct ccrm_err *err);
/* *names: malloc'd array of malloc'd strings; free with db_mail_names_free. Returns how many. */
int db_mail_names_next(struct db *db, char ***names, struct ccrm_err *err);
void db_mail_names_free(char **names, int n);

/* Queue an answer (ccrm_mail_reply): entity tickets, leads, contacts or opportunities. subject,
 * to, cc, queue may be NULL. att: natt files attached (at most MAIL_REPLY_FILES_MAX; none when
 * natt is 0), stored as the mail's attachments and sent with it. Returns the mail's id, or -1
 * with err. Queued in a transaction of its own: when the connection dropped as it committed,
 * *maybe_id (may be NULL; else 0) gets the id the mail has if it was queued, and
 * db_write_unanswered what to ask db_write_landed before it is queued again. */
#define MAIL_REPLY_FILES_MAX 10
int64_t db_mail_reply(struct db *db, const char *entity, int64_t id, const char *body,
                      const char *subject, const char *to, const char *cc, const char *queue,
                      const struct mail_attachment *att, int natt, int64_t *maybe_id,
                      struct ccrm_err *err);
/* The same, telling before_commit (when not NULL) the transaction and the mail's id just before
 * the COMMIT: a client killed between the COMMIT and its answer has them on disk, to ask
 * db_write_landed before it queues the answer again (it was queued twice). */
int64_t db_mail_reply_told(struct db *db, const char *entity, int64_t id, const char *body,
                           const char *subject, const char *to, const char *cc, const char *queue,
                           const struct mail_attachment *att, int natt, int64_t *maybe_id,
                           void (*before_commit)(const char *xid, int64_t mid, void *ctx),
                           void *ctx, struct ccrm_err *err);

/* The full-screen client's answer quotes the record's latest mail from a person (src/db/mail_ui.c):
 * mail_fk is the registry's column of messages that names the record ("ticket_id"). Returns 1
 * with *from ("Name <addr>"), *when and *body (at most MAIL_QUOTE_MAX characters) malloc'd, 0
 * when the record has none, -1 with err. */
#define MAIL_QUOTE_MAX 20000
int db_mail_last_in(struct db *db, const char *mail_fk, int64_t id, char **from, char **when,
                    char **body, struct ccrm_err *err);
/* The client's reply form (src/db/mail_ui.c): the To, Cc and Subject ccrm_mail_reply() gives an
 * answer with these overrides (NULL: its own choice), found by running it in a transaction that
 * is rolled back. *out_* malloc'd. Returns 0, or -1 with err (what the answer would be refused
 * with: no address, a partner). */
int db_mail_reply_preview(struct db *db, const char *entity, int64_t id, const char *subject,
                          const char *to, const char *cc, char **out_to, char **out_cc,
                          char **out_subject, struct ccrm_err *err);
/* Milliseconds until the outbox tries mail id again (its next_attempt_at; 0: due), -2 when it
 * is not waiting for another attempt (sent, given up, being sent), -1 with err. */
int64_t db_mail_retry_ms(struct db *db, int64_t id, struct ccrm_err *err);
/* A received attachment, as the reader may see it: 1 with *name (malloc'd), *size and whether
 * its bytes were kept (*kept), 0 when there is none such, -1 with err. */
int db_mail_attachment(struct db *db, int64_t id, char **name, int64_t *size, int *kept,
                       struct ccrm_err *err);
/* len bytes of its content from offset off (fewer at the end) into *buf (malloc'd, *n bytes).
 * Returns 0 or -1 with err. */
int db_mail_attachment_chunk(struct db *db, int64_t id, int64_t off, int len, unsigned char **buf,
                             size_t *n, struct ccrm_err *err);

/* A claimed outgoing mail; strings and attachments owned by the row. */
struct mail_claimed {
    struct mail_out out;
    char *strings[10];
    struct mail_attachment *att; /* its attachments (out.att points here), in the order stored */
    int attempts;
    int resent; /* an earlier attempt was interrupted: sent again with the same Message-ID */
};

/* Claim up to max outgoing mails that are due (only_id > 0: just that one, due or not), with
 * their attachments (read in one more query; the mail login reads those of outgoing mail).
 * Returns the number claimed (rows in *rows, free with db_mail_claimed_free), or -1. */
int db_mail_outbox_claim(struct db *db, int max, int64_t only_id, struct mail_claimed **rows,
                         struct ccrm_err *err);
void db_mail_claimed_free(struct mail_claimed *rows, int n);
/* Record the outcome of one claimed mail. status gets "sent", "queued" (retried later) or
 * "failed". Returns 0/-1. */
int db_mail_outbox_done(struct db *db, int64_t id, int ok, const char *error, char status[12],
                        struct ccrm_err *err);

/* ---- the outbox (src/mail/outbox.c) ---- */

struct mail_send_report {
    int sent, retry, failed;
    char last_error[256];
};

/* Send what the outbox holds: every mail due (only_id > 0: that one), through command
 * (sendmail). A line about each mail sent goes to log, and about each one not sent to errlog,
 * when not NULL. Returns 0, or -1 with err when the database failed (the report counts what
 * was done before). */
int mail_outbox_send(struct db *db, const char *command, int64_t only_id, FILE *log, FILE *errlog,
                     struct mail_send_report *rep, struct ccrm_err *err);

#endif
