/* The back office's documents (docs/billing.md): a quote, an invoice or a credit note as it is
 * printed, read from the database by src/db/billing.c and written by src/billing/ as plain text,
 * PDF (cairo and pango) or a UBL 2.1 e-invoice (libxml2). Amounts stay decimal text as the
 * database computed them (never a double): the renderers only lay them out. No libpq, no curses
 * in src/billing/. */
#ifndef CCRM_BILLING_H
#define CCRM_BILLING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/err.h"

enum bill_kind { BILL_QUOTE, BILL_INVOICE, BILL_CREDIT_NOTE };

struct bill_line {
    int position;
    char *sku; /* NULL for a free-text line */
    char *description;
    char *unit;
    char *quantity, *unit_price, *discount_pct, *tax_rate; /* decimal text */
    char *net, *tax, *gross;                               /* in the currency's minor unit */
    /* quantity x unit price rounded like net (the price before the discount), and the discount
     * as an amount: base - allowance = net, for the e-invoice's line allowance */
    char *base, *allowance;
};

/* The VAT breakdown: per tax rate, the sum of the lines' net amounts and of their tax */
struct bill_tax {
    char *rate, *net, *tax;
};

struct bill_party {
    char *name, *address, *postcode, *city, *country, *vat_id, *contact, *email;
};

struct bill_doc {
    enum bill_kind kind;
    int64_t id;
    char *number; /* invoices and credit notes once issued, else NULL */
    int revision; /* quotes */
    char *status; /* as stored: draft, sent, issued, paid, ... */
    char *state;  /* as it is today: overdue, partly_paid, expired, ... */
    char *currency;
    int minor_units;
    char *date;        /* issue date (YYYY-MM-DD); a quote's sending or creation date */
    char *due_date;    /* invoices */
    char *valid_until; /* quotes */
    int payment_terms_days;
    char *title; /* quotes */
    char *notes;
    char *buyer_reference;
    char *corrects;      /* credit notes: the invoice's number */
    char *corrects_date; /* and its issue date */
    char *quote_ref;     /* an invoice made from a quote: "#12" */
    struct bill_party buyer;
    char *net_total, *tax_total, *gross_total;
    char *paid_total, *credited_total, *outstanding; /* invoices */
    struct bill_line *lines;
    size_t nlines;
    struct bill_tax *taxes;
    size_t ntaxes;
};

void bill_doc_free(struct bill_doc **dp);

/* The document's name: "invoice", "credit note", "quote". */
const char *bill_kind_noun(enum bill_kind kind);

/* ---- src/db/billing.c ---- */

/* Load a quote (what = "quote": ref an id) or an invoice or credit note (what = "invoice": ref
 * an id or a number such as 2026-00001) with its lines and VAT breakdown, as the caller may see
 * it (row-level security: a partner gets only those of shared accounts). NULL with err set;
 * sqlstate P0002 when there is no such document (or it is not visible). Free with
 * bill_doc_free. */
struct bill_doc *db_bill_load(struct db *db, const char *what, const char *ref,
                              struct ccrm_err *err);

/* What an invoices row is, without its lines or amounts: one light query for the words that
 * name it and the checks an action makes before asking for more (db_bill_load reads all). */
struct bill_doc_head {
    int64_t id;
    enum bill_kind kind; /* BILL_INVOICE or BILL_CREDIT_NOTE */
    char status[16];     /* as stored: draft, issued, paid, cancelled */
    char number[40];     /* "" while a draft */
};
/* The invoices row ref (an id or a number, as db_bill_load takes it) as the caller may see it.
 * Returns 0, or -1 with err (P0002 when there is no such document, or it is not visible). */
int db_bill_doc_head(struct db *db, const char *ref, struct bill_doc_head *h, struct ccrm_err *err);

/* What the invoices row ref is, for the words that name it: "credit note" or "invoice"
 * (bill_kind_noun); "invoice" when it cannot be read (gone, not visible, not connected: what
 * the caller does next says why). name (n bytes; may be NULL) gets how its user knows it: its
 * number once issued, else "#id"; "" when it cannot be read. Leaves the caller's error alone.
 * (db_bill_doc_head's query.) */
const char *db_bill_doc_noun(struct db *db, const char *ref, char *name, size_t n);

/* Issue a draft invoice or credit note (ccrm_invoice_issue); date NULL means today. Its number
 * goes to number. Returns 0, or -1 with err (the database's refusal and its SQLSTATE; a role
 * that may not issue: "permission denied (only billing, ... issue credit notes)", 42501). */
int db_bill_issue(struct db *db, const char *ref, const char *date, char *number, size_t n,
                  struct ccrm_err *err);

/* Record a payment on an issued invoice; date, method and reference may be NULL. msg gets one
 * line (amount, what is still open). Returns 0 or -1 (when the connection dropped as it
 * committed, db_write_unanswered says what to ask before it is recorded again); 1 when it was
 * recorded but what is still open could not be read after the COMMIT (msg says the rest, err
 * why). */
int db_bill_payment(struct db *db, const char *ref, const char *amount, const char *date,
                    const char *method, const char *reference, char *msg, size_t n,
                    struct ccrm_err *err);

/* A draft credit note for an issued invoice (ccrm_credit_note), or a draft invoice from an
 * accepted quote or a won deal (from = "quote" or "deal"; tax_rate for a deal without an
 * accepted quote, else NULL). msg gets one line naming the new draft. Returns 0 or -1; when
 * the connection dropped as it committed, msg gets the id the draft has if it was made, and
 * db_write_unanswered what to ask before it is made again. 1: made, but its lines and total
 * could not be read after the COMMIT (msg names it without them, err says why). */
int db_bill_credit_note(struct db *db, const char *ref, const char *note, char *msg, size_t n,
                        struct ccrm_err *err);
int db_bill_invoice_from(struct db *db, const char *from, const char *id, const char *tax_rate,
                         char *msg, size_t n, struct ccrm_err *err);

/* ---- the full-screen client's actions (each one statement; the rules are the database's) ----
 * Each returns 0, or -1 with err holding the database's refusal. Those that make a document
 * (a quote, a revision, a draft) do it in a transaction of their own: when the connection
 * dropped as it committed, the id out parameter names the document it made if it landed, and
 * db_write_unanswered says what to ask (db_write_landed) before it is made a second time. */

/* A draft quote for a deal (its account, name and currency), owned by the caller. */
int db_bill_quote_for_deal(struct db *db, int64_t deal, int64_t *quote, struct ccrm_err *err);
/* A quote's status: sent, accepted, rejected, expired (the triggers say what may follow what). */
int db_bill_quote_status(struct db *db, int64_t quote, const char *status, struct ccrm_err *err);
/* A sent quote accepted; with set_amount, in the same statement its deal's amount becomes the
 * quote's net total when both are in one currency (*amount_set 1 when it did). */
int db_bill_quote_accept(struct db *db, int64_t quote, int set_amount, int *amount_set,
                         struct ccrm_err *err);
/* A new revision (a draft) of a sent quote: ccrm_quote_revise. dropped (dropn bytes): the name
 * of the quote's contact when the revision goes without them (now at another account), else "". */
int db_bill_quote_revise(struct db *db, int64_t quote, int64_t *revision, char *dropped,
                         size_t dropn, struct ccrm_err *err);
/* A draft invoice from an accepted quote (from = "quotes") or a won deal ("opportunities"), or a
 * draft credit note for an issued invoice ("invoices"). */
int db_bill_invoice_draft(struct db *db, const char *from, int64_t id, int64_t *invoice,
                          struct ccrm_err *err);
/* A draft quote's or invoice's (doc "quotes", "invoices") line at position: removed
 * (ccrm_delete), or moved to another position, the lines between moving by one, in one
 * statement; a position past the last line is the last. db_bill_line_move returns the line's
 * new position (>= 1), or -1. */
int db_bill_line_delete(struct db *db, const char *doc, int64_t id, int position,
                        struct ccrm_err *err);
int db_bill_line_move(struct db *db, const char *doc, int64_t id, int from, int to,
                      struct ccrm_err *err);

/* The document a line or a payment belongs to (entity "quote_lines", "invoice_lines" or
 * "payments"): 0 with *doc ("quotes", "invoices") and *doc_id; 1 when entity is none of them;
 * -1 with err (P0002: gone, or not visible). The Feed opens it for their events. */
int db_bill_document_of(struct db *db, const char *entity, int64_t id, const char **doc,
                        int64_t *doc_id, struct ccrm_err *err);

/* A form's preview line (struct entity's preview): sql run with n parameters (NULL: SQL NULL),
 * its one text value into out ("" when it returns no row or NULL). 0 or -1. */
int db_bill_preview(struct db *db, const char *sql, int n, const char *const *params, char *out,
                    size_t outn, struct ccrm_err *err);

/* The Dashboard's money, per currency (never summed across currencies): invoiced and paid this
 * month, outstanding and overdue now (ccrm_billing_totals), formatted in the currency's minor
 * unit. Returns the number of currencies filled (at most max), or -1. */
struct bill_total {
    char currency[4];
    char invoiced[40], paid[40], outstanding[40], overdue[40];
};
int db_bill_totals(struct db *db, struct bill_total *t, int max, struct ccrm_err *err);

/* ---- sending a document by e-mail (docs/billing.md, "Sending a document") ---- */

/* A file attached to a document's mail: name, media type, the bytes. */
struct bill_file {
    const char *name, *type;
    const char *data;
    size_t size;
};

/* Where the mail of a quote or an invoice (entity "quotes", "invoices") goes unless someone
 * names an address (ccrm_billing_mail_to): "Name" <address>, or "" when it has none. 0 or -1. */
int db_bill_mail_to(struct db *db, const char *entity, int64_t id, char *to, size_t n,
                    struct ccrm_err *err);
/* Commit the document's mail to the outbox with files[0..n) attached (1..4), filed on the
 * document and on its customer's timeline; a draft quote becomes sent (ccrm_billing_send). to
 * and queue may be NULL (the document's contact; the billing or sales queue). Returns the
 * mail's id (send it with mail_outbox_send), or -1 with err (the database's refusal). */
int64_t db_bill_send(struct db *db, const char *entity, int64_t id, const struct bill_file *files,
                     int n, const char *to, const char *queue, struct ccrm_err *err);

/* ---- src/billing/send.c: what :send and ccrm --send share ---- */

/* Render the document (what "quote" or "invoice", ref an id or an invoice's number) as PDF,
 * and for an issued invoice or credit note also as UBL e-invoice, and commit its mail to the
 * outbox (db_bill_send). note gets "" or, when the e-invoice could not be made, " (without
 * the e-invoice: why)". Returns the mail's id or -1 with err. */
int64_t bill_send(struct db *db, const struct ccrm_company *co, const char *what, const char *ref,
                  const char *to, const char *queue, char *note, size_t nn, struct ccrm_err *err);

/* Is name an export of the back office ("invoices", "payments", "overdue")? */
int db_bill_export_known(const char *name);

/* Stream an export of the back office to write() (which returns 0/-1), as --export writes its
 * entities: CSV with a header (invoices: one row per invoice line, the invoice's columns on
 * every row; payments: one row per payment; overdue: the dunning list) or JSON lines (an
 * invoice per line with its lines in an array). Issued documents only, in number order; row-
 * level security applies. A write that fails cancels the server's COPY ("could not write the
 * export: Broken pipe"); a connection lost halfway is said as such (db_lost). Returns the
 * number of rows written (CSV) or objects (JSON), or -1. */
int64_t db_bill_export(struct db *db, const char *name, int jsonl,
                       int (*write)(void *arg, const char *buf, size_t n), void *arg,
                       struct ccrm_err *err);

/* ---- src/billing/format.c: pure helpers, unit-tested ---- */

/* An amount with thousands separators and exactly minor decimals: "1234567.5" -> "1,234,567.50".
 * dec is a plain decimal (optional '-', digits, optional '.' and digits). */
void bill_fmt_amount(const char *dec, int minor, char *buf, size_t n);
/* A price: thousands separators, at least minor decimals, no trailing zeros beyond them:
 * "19.9900" (2) -> "19.99", "0.1250" (2) -> "0.125", "4900.0000" (0) -> "4,900". */
void bill_fmt_price(const char *dec, int minor, char *buf, size_t n);
/* A quantity or a percentage without trailing zeros: "10.000" -> "10", "2.500" -> "2.5". */
void bill_fmt_number(const char *dec, char *buf, size_t n);
/* An IBAN in groups of four: "DE89370400440532013000" -> "DE89 3704 0044 0532 0130 00". */
void bill_fmt_iban(const char *iban, char *buf, size_t n);
/* The UN/ECE Recommendation 20 code of a unit ("hour" -> "HUR", "piece" -> "H87"); a unit that
 * already looks like a code is kept; anything else is "C62" (one). */
const char *bill_unit_code(const char *unit);
/* What `:payment` (and P) take on one line: "AMOUNT [YYYY-MM-DD] [METHOD] [REFERENCE...]": the
 * amount first, then the date and the method (either order, each optional), then the reference
 * (the rest of the line): "612,52 2026-11-30 card R-4711 Müller". METHOD is
 * one of transfer, direct_debit, card, cash, cheque, other; the rest of the line is the
 * reference. Returns 0 (fields "" when not given), or -1 when there is no amount or a word is
 * too long. The values are checked by the database (the amount by db_bill_payment). */
struct bill_pay_words {
    char amount[40];
    char date[11];
    char method[16];
    char reference[200];
    char date_why[120];   /* -2: why the date is none, in the forms' words (value.c) */
    char method_why[200]; /* -3: the word that is no method, and the methods there are */
};
/* ":payment AMOUNT [DATE] [METHOD [REFERENCE]]" in words (date and method in either order): 0,
 * -1 without an amount, -2 for a date not in the calendar (DATE: YYYY-MM-DD or D.M.YYYY, given
 * back as YYYY-MM-DD), with date_why ("there is no 31 February 2026"), -3 for a word in the
 * method's place that is none of transfer, direct_debit, card, cash, cheque, other (a
 * reference follows its method), with method_why */
int bill_parse_payment(const char *line, struct bill_pay_words *w);
/* Columns of UTF-8 text on a terminal or in a fixed-width file (wide CJK characters count 2). */
size_t bill_text_width(const char *s);
/* s with control characters (but newlines when keep_newlines) and invalid UTF-8 replaced by
 * '?': a document's text cannot drive a terminal or break XML. malloc'd. */
char *bill_clean(const char *s, int keep_newlines);

/* ---- src/billing/text.c, pdf.c, ubl.c ----
 * Each writes the document to f and returns 0, or -1 with err set. The company is the letterhead
 * ([company] in the configuration). */
int bill_write_text(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
                    struct ccrm_err *err);
int bill_write_pdf(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
                   struct ccrm_err *err);
/* Give back what cairo, pango and fontconfig keep for the process (font caches), before exit;
 * rendering again afterwards loads them anew. */
void bill_pdf_shutdown(void);
/* A UBL 2.1 Invoice or CreditNote following EN 16931 (docs/billing.md lists the rules the tests
 * check). Only for issued invoices and credit notes; refuses (-1, err says why) a draft, a quote,
 * a currency with more than two decimals (EN 16931 allows two) and a company whose name,
 * address, country or VAT identifier is missing from [company]. */
int bill_write_ubl(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
                   struct ccrm_err *err);

#endif
