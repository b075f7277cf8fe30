/* The back office through libpq (include/ccrm/billing.h, docs/billing.md): a quote's or an
 * invoice's document with its lines, issuing, payments, credit notes, invoices from quotes and
 * deals, and the accounting exports. The rules live in the database (schema/functions/
 * 91_billing.sql): each action is one call of a function or one INSERT, and a refusal comes back
 * with the database's words and SQLSTATE. Every value is a parameter. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/billing.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "ccrm/value.h"
#include "db_int.h"

/* An invoice named by id ("42") or number ("2026-00001", "cn-2026-00001"). */
#define INVOICE_BY_REF                                                                             \
    "CASE WHEN btrim($1) ~ '^[0-9]{1,18}$' THEN i.id = btrim($1)::bigint"                          \
    " ELSE i.number = upper(btrim($1)) END"

static int
simple(struct db *db, const char *sql, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, 0, NULL, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

static void
rollback(struct db *db)
{
    PGresult *res = PQexec(db->conn, "ROLLBACK");

    PQclear(res);
}

static void
not_found(struct ccrm_err *err, const char *what, const char *ref)
{
    err_set(err, "%s \"%s\" not found", what, ref);
    str_copy(err->sqlstate, "P0002", sizeof err->sqlstate);
}

/* The invoice's id as text in id (24 bytes), or -1 with err (P0002 when there is none). */
static int
invoice_id(struct db *db, const char *ref, char *id, struct ccrm_err *err)
{
    const char *params[1] = {ref};
    PGresult *res =
        db_exec(db, "SELECT i.id FROM invoices i WHERE " INVOICE_BY_REF, 1, params, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        not_found(err, "invoice", ref);
        return -1;
    }
    str_copy(id, PQgetvalue(res, 0, 0), 24);
    PQclear(res);
    return 0;
}

int
db_bill_doc_head(struct db *db, const char *ref, struct bill_doc_head *h, struct ccrm_err *err)
{
    const char *params[1] = {ref};
    PGresult *res = db_exec(db,
                            "SELECT i.id, i.kind, i.status, coalesce(i.number, '') FROM invoices i"
                            " WHERE " INVOICE_BY_REF,
                            1, params, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        not_found(err, "invoice", ref);
        return -1;
    }
    h->id = strtoll(db_val(res, 0, 0), NULL, 10);
    h->kind = strcmp(db_val(res, 0, 1), "credit_note") == 0 ? BILL_CREDIT_NOTE : BILL_INVOICE;
    str_copy(h->status, db_val(res, 0, 2), sizeof h->status);
    str_copy(h->number, db_val(res, 0, 3), sizeof h->number);
    PQclear(res);
    return 0;
}

const char *
db_bill_doc_noun(struct db *db, const char *ref, char *name, size_t n)
{
    struct bill_doc_head h;
    struct ccrm_err lerr; /* the caller's err may hold what it says next */

    if (name != NULL && n > 0)
        name[0] = '\0';
    if (db_bill_doc_head(db, ref, &h, &lerr) == -1)
        return bill_kind_noun(BILL_INVOICE);
    if (name != NULL && h.number[0] != '\0')
        str_copy(name, h.number, n);
    else if (name != NULL)
        snprintf(name, n, "#%" PRId64, h.id);
    return bill_kind_noun(h.kind);
}

/* ---- loading a document ---- */

static const char invoice_sql[] =
    "SELECT i.id, i.kind, i.number, i.status,"
    "       ccrm_invoice_state(i.status, i.kind, i.paid_total, i.due_date) AS state,"
    "       i.currency, ccrm_minor_units(i.currency) AS minor_units,"
    "       i.issue_date::text AS date, i.due_date::text AS due_date,"
    "       i.payment_terms_days, i.notes, i.buyer_reference, o.number AS corrects,"
    "       o.issue_date::text AS corrects_date, i.quote_id::text AS quote_id, i.buyer_name,"
    "       i.buyer_address, i.buyer_postcode, i.buyer_city, i.buyer_country, i.buyer_vat_id,"
    "       i.buyer_contact, i.buyer_email, i.net_total, i.tax_total, i.gross_total,"
    "       i.paid_total, i.credited_total,"
    "       i.gross_total - i.paid_total - i.credited_total AS outstanding"
    "  FROM invoices i LEFT JOIN invoices o ON o.id = i.credit_of"
    " WHERE " INVOICE_BY_REF;

static const char quote_sql[] =
    "SELECT q.id, q.revision, q.status, ccrm_quote_state(q.status, q.valid_until) AS state,"
    "       q.currency, ccrm_minor_units(q.currency) AS minor_units,"
    "       coalesce(q.sent_at, now())::date::text AS date, q.valid_until::text AS valid_until,"
    "       q.title, q.notes, a.name AS buyer_name, a.city AS buyer_city,"
    "       ccrm_country_code(a.country) AS buyer_country,"
    "       nullif(btrim(concat_ws(' ', c.first_name, c.last_name)), '') AS buyer_contact,"
    "       c.email AS buyer_email, q.net_total, q.tax_total, q.gross_total"
    "  FROM quotes q JOIN accounts a ON a.id = q.account_id"
    "  LEFT JOIN contacts c ON c.id = q.contact_id"
    " WHERE btrim($1) ~ '^[0-9]{1,18}$' AND q.id = btrim($1)::bigint";

/* The columns an invoice's and a quote's queries both have, by the same names. */
static void
load_common(struct bill_doc *d, const PGresult *res)
{
    d->id = strtoll(db_get(res, 0, "id"), NULL, 10);
    d->status = db_take(res, 0, "status");
    d->state = db_take(res, 0, "state");
    d->currency = db_take(res, 0, "currency");
    d->minor_units = atoi(db_get(res, 0, "minor_units"));
    d->date = db_take(res, 0, "date");
    d->notes = db_take(res, 0, "notes");
    d->buyer.name = db_take(res, 0, "buyer_name");
    d->buyer.city = db_take(res, 0, "buyer_city");
    d->buyer.country = db_take(res, 0, "buyer_country");
    d->buyer.contact = db_take(res, 0, "buyer_contact");
    d->buyer.email = db_take(res, 0, "buyer_email");
    d->net_total = db_take(res, 0, "net_total");
    d->tax_total = db_take(res, 0, "tax_total");
    d->gross_total = db_take(res, 0, "gross_total");
}

static int
load_invoice(struct db *db, struct bill_doc *d, const char *ref, struct ccrm_err *err)
{
    const char *params[1] = {ref};
    PGresult *res = db_exec(db, invoice_sql, 1, params, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        not_found(err, "invoice", ref);
        return -1;
    }
    load_common(d, res);
    d->kind = strcmp(db_get(res, 0, "kind"), "credit_note") == 0 ? BILL_CREDIT_NOTE : BILL_INVOICE;
    d->number = db_take(res, 0, "number");
    d->due_date = db_take(res, 0, "due_date");
    d->payment_terms_days = atoi(db_get(res, 0, "payment_terms_days"));
    d->buyer_reference = db_take(res, 0, "buyer_reference");
    d->corrects = db_take(res, 0, "corrects");
    d->corrects_date = db_take(res, 0, "corrects_date");
    d->quote_ref = db_take(res, 0, "quote_id");
    d->buyer.address = db_take(res, 0, "buyer_address");
    d->buyer.postcode = db_take(res, 0, "buyer_postcode");
    d->buyer.vat_id = db_take(res, 0, "buyer_vat_id");
    d->paid_total = db_take(res, 0, "paid_total");
    d->credited_total = db_take(res, 0, "credited_total");
    d->outstanding = db_take(res, 0, "outstanding");
    PQclear(res);
    return 0;
}

static int
load_quote(struct db *db, struct bill_doc *d, const char *ref, struct ccrm_err *err)
{
    const char *params[1] = {ref};
    PGresult *res = db_exec(db, quote_sql, 1, params, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        not_found(err, "quote", ref);
        return -1;
    }
    load_common(d, res);
    d->kind = BILL_QUOTE;
    d->revision = atoi(db_get(res, 0, "revision"));
    d->valid_until = db_take(res, 0, "valid_until");
    d->title = db_take(res, 0, "title");
    PQclear(res);
    return 0;
}

/* a document's lines, and its VAT breakdown, from TABLE by its KEY column ($1) */
#define DOC_LINES_SQL(TABLE, KEY)                                                                  \
    "SELECT position, sku, description, unit, quantity, unit_price, discount_pct, tax_rate, net,"  \
    " tax, gross, round(quantity * unit_price, $2::int) AS base,"                                  \
    " round(quantity * unit_price, $2::int) - net AS allowance"                                    \
    " FROM " TABLE " WHERE " KEY " = $1 ORDER BY position"
#define DOC_TAXES_SQL(TABLE, KEY)                                                                  \
    "SELECT tax_rate, sum(net) AS net, sum(tax) AS tax FROM " TABLE " WHERE " KEY " = $1"          \
    " GROUP BY tax_rate ORDER BY tax_rate DESC"

/* The lines and the VAT breakdown of the loaded document. */
static int
load_lines(struct db *db, struct bill_doc *d, struct ccrm_err *err)
{
    int quote = d->kind == BILL_QUOTE;
    const char *lines_sql = quote ? DOC_LINES_SQL("quote_lines", "quote_id")
                                  : DOC_LINES_SQL("invoice_lines", "invoice_id");
    const char *taxes_sql = quote ? DOC_TAXES_SQL("quote_lines", "quote_id")
                                  : DOC_TAXES_SQL("invoice_lines", "invoice_id");
    char id[24], minor[16];
    const char *params[2] = {id, minor};
    PGresult *res;
    int i, n;

    snprintf(id, sizeof id, "%" PRId64, d->id);
    snprintf(minor, sizeof minor, "%d", d->minor_units);
    if ((res = db_exec(db, lines_sql, 2, params, err)) == NULL)
        return -1;
    n = PQntuples(res);
    d->lines = xcalloc((size_t)n + 1, sizeof *d->lines);
    for (i = 0; i < n; i++) {
        struct bill_line *l = &d->lines[i];

        l->position = atoi(db_get(res, i, "position"));
        l->sku = db_take(res, i, "sku");
        l->description = db_take(res, i, "description");
        l->unit = db_take(res, i, "unit");
        l->quantity = db_take(res, i, "quantity");
        l->unit_price = db_take(res, i, "unit_price");
        l->discount_pct = db_take(res, i, "discount_pct");
        l->tax_rate = db_take(res, i, "tax_rate");
        l->net = db_take(res, i, "net");
        l->tax = db_take(res, i, "tax");
        l->gross = db_take(res, i, "gross");
        l->base = db_take(res, i, "base");
        l->allowance = db_take(res, i, "allowance");
    }
    d->nlines = (size_t)n;
    PQclear(res);
    if ((res = db_exec(db, taxes_sql, 1, params, err)) == NULL)
        return -1;
    n = PQntuples(res);
    d->taxes = xcalloc((size_t)n + 1, sizeof *d->taxes);
    for (i = 0; i < n; i++) {
        d->taxes[i].rate = db_take(res, i, "tax_rate");
        d->taxes[i].net = db_take(res, i, "net");
        d->taxes[i].tax = db_take(res, i, "tax");
    }
    d->ntaxes = (size_t)n;
    PQclear(res);
    return 0;
}

struct bill_doc *
db_bill_load(struct db *db, const char *what, const char *ref, struct ccrm_err *err)
{
    struct bill_doc *d = xcalloc(1, sizeof *d);
    int quote = strcmp(what, "quote") == 0;

    /* one snapshot: the lines and the breakdown are those of the header read */
    if (simple(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) == -1) {
        free(d);
        return NULL;
    }
    if ((quote ? load_quote(db, d, ref, err) : load_invoice(db, d, ref, err)) == -1 ||
        load_lines(db, d, err) == -1) {
        rollback(db);
        bill_doc_free(&d);
        return NULL;
    }
    rollback(db); /* read only: nothing to keep */
    return d;
}

/* ---- actions ---- */

int
db_bill_issue(struct db *db, const char *ref, const char *date, char *number, size_t n,
              struct ccrm_err *err)
{
    char id[24];
    const char *params[2] = {id, date};
    PGresult *res;

    if (invoice_id(db, ref, id, err) == -1)
        return -1;
    res = db_exec(db, "SELECT ccrm_invoice_issue($1::bigint, $2::date)", 2, params, err);
    if (res == NULL) {
        /* no EXECUTE on ccrm_invoice_issue (the server's "permission denied for function
         * ccrm_invoice_issue"), or the function's own refusal, which says "invoices" of a
         * credit note too: in words, naming the document */
        if (strcmp(err->sqlstate, "42501") == 0) {
            err_set(err, "permission denied (only billing, management and admin issue %ss)",
                    db_bill_doc_noun(db, id, NULL, 0));
            str_copy(err->sqlstate, "42501", sizeof err->sqlstate);
        }
        return -1;
    }
    str_copy(number, PQgetvalue(res, 0, 0), n);
    PQclear(res);
    return 0;
}

/* Refuse a payment's amount (SQLSTATE 22023: exit 65): "could not record the payment" and
 * value.c's words (tail), or, with currency, why it is none in that currency. */
static int
amount_refused(struct ccrm_err *err, const char *tail, const char *amount, const char *currency,
               int minor, enum value_amount_why why, int decimals)
{
    char thousand[48], max[32];

    /* the amounts a thousand is in this currency, for the message (without decimals a lone
     * separator groups: value_amount) */
    if (minor == 0)
        snprintf(thousand, sizeof thousand, "1000, 1,000 or 1.000");
    else
        snprintf(thousand, sizeof thousand, "1000, 1.000,%.*s or 1,000.%.*s", minor, "0000000",
                 minor, "0000000");
    if (currency == NULL || why == VALUE_AMOUNT_BAD) {
        err_set(err, "could not record the payment%s", tail);
    } else if (why == VALUE_AMOUNT_LARGE) {
        value_amount_max(minor, max, sizeof max);
        err_set(err, "could not record the payment: \"%s\" is too large (at most %s %s)", amount,
                max, currency);
    } else if (why == VALUE_AMOUNT_DECIMALS && minor == 0) {
        err_set(err,
                "could not record the payment: \"%s\" has %d decimal%s, and %s has no decimals "
                "(a thousand is %s)",
                amount, decimals, decimals == 1 ? "" : "s", currency, thousand);
    } else if (why == VALUE_AMOUNT_DECIMALS) {
        err_set(err,
                "could not record the payment: \"%s\" has %d decimal%s, and %s has %d (a "
                "thousand is %s)",
                amount, decimals, decimals == 1 ? "" : "s", currency, minor, thousand);
    } else { /* "1,051" in a currency of three decimals: a thousand and more, or one and a bit? */
        err_set(err,
                "could not record the payment: \"%s\" is ambiguous in %s (a thousand is %s; one "
                "is 1; for decimals add a zero: %s0)",
                amount, currency, thousand, amount);
    }
    str_copy(err->sqlstate, "22023", sizeof err->sqlstate);
    return -1;
}

int
db_bill_payment(struct db *db, const char *ref, const char *amount, const char *date,
                const char *method, const char *reference, char *msg, size_t n,
                struct ccrm_err *err)
{
    char id[24], amt[40], open[64], paid[64], xid[24], cur[16], number[64];
    const char *params[5] = {id, amt, date, method, reference};
    enum value_amount_why why;
    struct value_err ve;
    PGresult *res;
    int minor, decimals;
    long len;

    /* read as forms read amounts (include/ccrm/value.h: ".50", "+5", "1'234.50" too): first
     * whether it is an amount at all, and more than 0, before the invoice is looked up (one
     * too large is said in the currency's decimals, below) */
    len = value_amount(amount, strlen(amount), 7, amt, sizeof amt, &decimals, &why, &ve);
    if (len < 0 && why == VALUE_AMOUNT_BAD)
        return amount_refused(err, ve.tail, amount, NULL, 0, why, decimals);
    if (len >= 0 && amt[strspn(amt, "0.")] == '\0') {
        err_set(err, "could not record the payment: a payment is more than 0");
        str_copy(err->sqlstate, "22023", sizeof err->sqlstate);
        return -1;
    }
    if (invoice_id(db, ref, id, err) == -1)
        return -1;
    res = db_exec(db,
                  "SELECT i.currency, ccrm_minor_units(i.currency), coalesce(i.number, '#' || i.id)"
                  "  FROM invoices i WHERE i.id = $1::bigint",
                  1, params, err);
    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        not_found(err, "invoice", ref);
        return -1;
    }
    /* then in the invoice's currency: "1,000" is a thousand to whoever wrote it, not 1.000
     * EUR: more decimals than the currency has are refused, but for zeros past them
     * ("12.5000" EUR, "1.000,00" in yen). (A currency of more than 7 decimals, which none
     * has: the reading above, and the database's rule.) */
    minor = atoi(db_val(res, 0, 1));
    if (minor >= 0 && minor <= 7)
        len = value_amount(amount, strlen(amount), minor, amt, sizeof amt, &decimals, &why, &ve);
    if (len < 0) {
        amount_refused(err, ve.tail, amount, minor >= 0 && minor <= 7 ? db_val(res, 0, 0) : NULL,
                       minor, why, decimals);
        PQclear(res);
        return -1;
    }
    str_copy(cur, db_val(res, 0, 0), sizeof cur);
    str_copy(number, db_val(res, 0, 2), sizeof number);
    PQclear(res);
    /* in a transaction of its own: a payment whose COMMIT went unanswered is asked about
     * (db_write_landed) before it is recorded again */
    if (db_write_begin(db, "could not record the payment", err) == -1)
        return -1;
    res = db_exec(db,
                  "INSERT INTO payments (invoice_id, amount, paid_on, method, reference)"
                  " VALUES ($1::bigint, $2::numeric, coalesce($3::date, current_date),"
                  "         coalesce($4, 'transfer'), $5)"
                  " RETURNING pg_current_xact_id()",
                  5, params, err);
    if (res == NULL) {
        db_rollback(db);
        return -1;
    }
    str_copy(xid, PQgetvalue(res, 0, 0), sizeof xid);
    PQclear(res);
    if (db_write_commit(db, "could not record the payment", xid, err) == -1)
        return -1;
    /* recorded: the line below only says what is still open. When it cannot be read (the
     * connection dropped) the payment stands all the same: 1 with what is known, never -1, or
     * a script that runs the command again on a failure records it twice */
    res = db_exec(db,
                  "SELECT i.number, i.currency, ccrm_minor_units(i.currency), i.status,"
                  "       i.gross_total - i.paid_total - i.credited_total,"
                  "       (SELECT p.amount FROM payments p WHERE p.invoice_id = i.id"
                  "         ORDER BY p.id DESC LIMIT 1)"
                  "  FROM invoices i WHERE i.id = $1::bigint",
                  1, params, err);
    if (res == NULL) {
        bill_fmt_amount(amt, minor, paid, sizeof paid);
        snprintf(msg, n, "recorded a payment of %s %s on %s", paid, cur, number);
        return 1;
    }
    minor = atoi(db_val(res, 0, 2));
    bill_fmt_amount(db_val(res, 0, 5), minor, paid, sizeof paid);
    bill_fmt_amount(db_val(res, 0, 4), minor, open, sizeof open);
    if (strcmp(db_val(res, 0, 3), "paid") == 0)
        snprintf(msg, n, "recorded a payment of %s %s on %s: paid in full", paid, db_val(res, 0, 1),
                 db_val(res, 0, 0));
    else
        snprintf(msg, n, "recorded a payment of %s %s on %s: %s %s outstanding", paid,
                 db_val(res, 0, 1), db_val(res, 0, 0), open, db_val(res, 0, 1));
    PQclear(res);
    return 0;
}

static int one_write(struct db *db, const char *sql, int n, const char *const *params, char *out,
                     size_t outn, struct ccrm_err *err);

/* One line about a new draft invoice or credit note (id, of kind), made and committed: 0; 1
 * when it could not be read (the connection dropped), msg then saying what is known, for the
 * draft is made all the same and must not be reported as failed (a script would run the
 * command again and draft a second one) */
static int
draft_message(struct db *db, const char *id, enum bill_kind kind, const char *from, char *msg,
              size_t n, struct ccrm_err *err)
{
    const char *params[1] = {id};
    PGresult *res =
        db_exec(db,
                "SELECT i.kind, i.gross_total, i.currency, ccrm_minor_units(i.currency),"
                "       (SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id)"
                "  FROM invoices i WHERE i.id = $1::bigint",
                1, params, err);
    char gross[64];

    if (res == NULL) {
        snprintf(msg, n, "%s #%s (draft) %s; issue it with ccrm --issue %s", bill_kind_noun(kind),
                 id, from, id);
        return 1;
    }
    bill_fmt_amount(db_val(res, 0, 1), atoi(db_val(res, 0, 3)), gross, sizeof gross);
    snprintf(msg, n, "%s #%s (draft) %s: %s line%s, %s %s; issue it with ccrm --issue %s",
             bill_kind_noun(strcmp(db_val(res, 0, 0), "credit_note") == 0 ? BILL_CREDIT_NOTE
                                                                          : BILL_INVOICE),
             id, from, db_val(res, 0, 4), strcmp(db_val(res, 0, 4), "1") == 0 ? "" : "s", gross,
             db_val(res, 0, 2), id);
    PQclear(res);
    return 0;
}

int
db_bill_credit_note(struct db *db, const char *ref, const char *note, char *msg, size_t n,
                    struct ccrm_err *err)
{
    char id[24], newid[24], from[64];
    const char *params[2] = {id, note};
    PGresult *res;

    if (invoice_id(db, ref, id, err) == -1)
        return -1;
    /* (named by its number, which the user may not have given: --credit-note 47) */
    res = db_exec(db,
                  "SELECT coalesce(i.number, '#' || i.id) FROM invoices i WHERE i.id = $1::bigint",
                  1, params, err);
    if (res == NULL)
        return -1;
    snprintf(from, sizeof from, "for invoice %s", db_val(res, 0, 0));
    PQclear(res);
    if (one_write(db, "SELECT ccrm_credit_note($1::bigint, $2), pg_current_xact_id()", 2, params,
                  newid, sizeof newid, err) == -1) {
        str_copy(msg, newid, n);
        return -1;
    }
    return draft_message(db, newid, BILL_CREDIT_NOTE, from, msg, n, err);
}

int
db_bill_invoice_from(struct db *db, const char *from, const char *id, const char *tax_rate,
                     char *msg, size_t n, struct ccrm_err *err)
{
    const char *params[2] = {id, tax_rate};
    int quote = strcmp(from, "quote") == 0;
    char newid[24], what[64];
    size_t i;

    for (i = 0; id[i] != '\0'; i++)
        if (!isdigit((unsigned char)id[i]) || i > 17)
            break;
    if (i == 0 || id[i] != '\0') {
        not_found(err, quote ? "quote" : "deal", id);
        return -1;
    }
    if (one_write(db,
                  quote ? "SELECT ccrm_invoice_from_quote($1::bigint), pg_current_xact_id()"
                        : "SELECT ccrm_invoice_from_deal($1::bigint, $2::numeric),"
                          " pg_current_xact_id()",
                  quote ? 1 : 2, params, newid, sizeof newid, err) == -1) {
        str_copy(msg, newid, n);
        return -1;
    }
    snprintf(what, sizeof what, "from %s #%s", quote ? "quote" : "deal", id);
    return draft_message(db, newid, BILL_INVOICE, what, msg, n, err);
}

/* ---- exports ---- */

#define INVOICE_COLS                                                                               \
    "i.id AS invoice_id, i.number, i.kind, i.series, i.year, i.seq, i.status,"                     \
    " ccrm_invoice_state(i.status, i.kind, i.paid_total, i.due_date) AS state, i.issue_date,"      \
    " i.due_date, i.currency,"                                                                     \
    " (SELECT coalesce(a.domain, a.name) FROM accounts a WHERE a.id = i.account_id) AS account,"   \
    " i.buyer_name, i.buyer_address, i.buyer_postcode, i.buyer_city, i.buyer_country,"             \
    " i.buyer_vat_id, i.buyer_reference, o.number AS credit_of, i.quote_id, i.opportunity_id,"     \
    " i.net_total, i.tax_total, i.gross_total, i.paid_total, i.credited_total,"                    \
    " i.gross_total - i.paid_total - i.credited_total AS outstanding, i.issued_by, i.issued_at"

#define LINE_COLS                                                                                  \
    "l.position AS line, l.sku, l.description, l.quantity, l.unit, l.unit_price, l.discount_pct,"  \
    " l.tax_rate, l.net AS line_net, l.tax AS line_tax, l.gross AS line_gross"

static const struct bill_export {
    const char *name;
    const char *csv;   /* one statement for COPY ... TO STDOUT CSV */
    const char *jsonl; /* one statement yielding one JSON text per row */
} exports[] = {
    {"invoices",
     "SELECT " INVOICE_COLS ", " LINE_COLS
     "  FROM invoices i LEFT JOIN invoices o ON o.id = i.credit_of"
     "  LEFT JOIN invoice_lines l ON l.invoice_id = i.id"
     " WHERE i.status <> 'draft' ORDER BY i.series, i.year, i.seq, l.position",
     /* the invoice's columns in order, then its lines in an array: row_to_json keeps the
      * order of the columns (jsonb would sort them) */
     "SELECT left(row_to_json(x)::text, -1) || ',\"lines\":[' || coalesce((SELECT"
     "        string_agg(row_to_json(y)::text, ',' ORDER BY y.line) FROM (SELECT " LINE_COLS
     "        FROM invoice_lines l WHERE l.invoice_id = x.invoice_id) y), '') || ']}'"
     "  FROM (SELECT " INVOICE_COLS
     "          FROM invoices i LEFT JOIN invoices o ON o.id = i.credit_of"
     "         WHERE i.status <> 'draft') x"
     " ORDER BY x.series, x.year, x.seq"},
    {"payments",
     "SELECT p.id AS payment_id, i.number AS invoice, p.paid_on, p.amount, i.currency, p.method,"
     "       p.reference, p.note,"
     "       (SELECT coalesce(a.domain, a.name) FROM accounts a WHERE a.id = i.account_id)"
     "         AS account, i.buyer_name, p.created_by AS recorded_by, p.created_at AS recorded_at"
     "  FROM payments p JOIN invoices i ON i.id = p.invoice_id ORDER BY p.paid_on, p.id",
     NULL},
    {"overdue",
     "SELECT number, account, buyer_name, buyer_contact, buyer_email, currency, issue_date,"
     "       due_date, days_overdue, gross_total, paid_total, credited_total, outstanding, owner"
     "  FROM invoices_overdue ORDER BY due_date, id",
     NULL},
};

static const struct bill_export *
export_find(const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < sizeof exports / sizeof exports[0]; i++)
        if (strcasecmp(exports[i].name, name) == 0) /* as the registry's (entity_named) */
            return &exports[i];
    return NULL;
}

int
db_bill_export_known(const char *name)
{
    return export_find(name) != NULL;
}

int64_t
db_bill_export(struct db *db, const char *name, int jsonl,
               int (*write)(void *arg, const char *buf, size_t n), void *arg, struct ccrm_err *err)
{
    const struct bill_export *e = export_find(name);
    int64_t rows;
    char *sql;

    if (e == NULL) {
        err_set(err, "could not export: unknown export \"%s\"", name != NULL ? name : "");
        return -1;
    }
    /* streamed as --export streams an entity (src/db/export.c): one snapshot, a reader that
     * goes away cancels the server's COPY, a connection lost halfway is said as such; JSON
     * lines are one text column, COPY's escapes undone */
    if (!jsonl)
        sql = xasprintf("COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER)", e->csv);
    else if (e->jsonl != NULL)
        sql = xasprintf("COPY (%s) TO STDOUT", e->jsonl);
    else
        sql = xasprintf("COPY (SELECT row_to_json(x)::text FROM (%s) x) TO STDOUT", e->csv);
    rows = db_copy_out(db, sql, jsonl, write, arg, err);
    free(sql);
    return rows;
}

/* ---- the full-screen client's actions (src/ui/billing.c) ---- */

/* One row, one column of a statement that returns a new id (or a word) into out. */
static int
one_value(struct db *db, const char *sql, int n, const char *const *params, char *out, size_t outn,
          struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, n, params, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        not_found(err, "record", params[0]);
        return -1;
    }
    str_copy(out, db_val(res, 0, 0), outn);
    PQclear(res);
    return 0;
}

/* one_value() for a new document that must not be made twice (a quote, its revision, a draft
 * invoice or credit note), in a transaction of its own: sql's last column is
 * pg_current_xact_id(). out gets the new id before the COMMIT, so when its answer is lost out
 * names the document it made if it landed, and db_write_unanswered what to ask. */
static int
one_write(struct db *db, const char *sql, int n, const char *const *params, char *out, size_t outn,
          struct ccrm_err *err)
{
    char xid[24];
    PGresult *res;

    out[0] = '\0';
    if (db_write_begin(db, "", err) == -1)
        return -1;
    if ((res = db_exec(db, sql, n, params, err)) == NULL) {
        db_rollback(db);
        return -1;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        db_rollback(db);
        not_found(err, "record", params[0]);
        return -1;
    }
    str_copy(out, db_val(res, 0, 0), outn);
    str_copy(xid, db_val(res, 0, PQnfields(res) - 1), sizeof xid);
    PQclear(res);
    return db_write_commit(db, "", xid, err);
}

int
db_bill_quote_for_deal(struct db *db, int64_t deal, int64_t *quote, struct ccrm_err *err)
{
    char id[24], out[24];
    const char *params[1] = {id};
    int rc;

    snprintf(id, sizeof id, "%" PRId64, deal);
    /* the deal's currency when the back office knows it; the account follows the deal
     * (ccrm_doc_account), its owner is who makes the quote */
    rc = one_write(db,
                   "INSERT INTO quotes (opportunity_id, title, currency, owner)"
                   " SELECT o.id, o.name, coalesce((SELECT c.code FROM currencies c"
                   "   WHERE c.code = o.currency), 'EUR'), current_user"
                   "  FROM opportunities o WHERE o.id = $1::bigint"
                   " RETURNING id, pg_current_xact_id()",
                   1, params, out, sizeof out, err);
    *quote = strtoll(out, NULL, 10);
    return rc;
}

int
db_bill_quote_status(struct db *db, int64_t quote, const char *status, struct ccrm_err *err)
{
    char id[24], out[24];
    const char *params[2] = {id, status};

    snprintf(id, sizeof id, "%" PRId64, quote);
    return one_value(db, "UPDATE quotes SET status = $2 WHERE id = $1::bigint RETURNING id", 2,
                     params, out, sizeof out, err);
}

int
db_bill_quote_accept(struct db *db, int64_t quote, int set_amount, int *amount_set,
                     struct ccrm_err *err)
{
    char id[24], out[24];
    const char *params[2] = {id, set_amount ? "true" : "false"};

    *amount_set = 0;
    snprintf(id, sizeof id, "%" PRId64, quote);
    /* one statement, so one transaction: the quote is not accepted without the amount asked
     * for, nor the other way round; each table's triggers keep the audit and the events of
     * its update as for any other */
    if (one_value(db,
                  "WITH q AS (UPDATE quotes SET status = 'accepted' WHERE id = $1::bigint"
                  "   RETURNING id, opportunity_id, net_total, currency),"
                  " d AS (UPDATE opportunities o SET amount = q.net_total FROM q"
                  "   WHERE $2::boolean AND o.id = q.opportunity_id AND o.currency = q.currency"
                  "     AND o.amount IS DISTINCT FROM q.net_total RETURNING o.id)"
                  " SELECT (SELECT count(*) FROM d) FROM q",
                  2, params, out, sizeof out, err) == -1)
        return -1;
    *amount_set = atoi(out) > 0;
    return 0;
}

int
db_bill_quote_revise(struct db *db, int64_t quote, int64_t *revision, char *dropped, size_t dropn,
                     struct ccrm_err *err)
{
    char id[24], out[24];
    const char *params[2] = {id, out};
    struct ccrm_err ignored;
    PGresult *res;
    int rc;

    dropped[0] = '\0';
    snprintf(id, sizeof id, "%" PRId64, quote);
    rc = one_write(db, "SELECT ccrm_quote_revise($1::bigint), pg_current_xact_id()", 1, params, out,
                   sizeof out, err);
    *revision = strtoll(out, NULL, 10);
    if (rc == -1)
        return -1;
    /* the quote's contact left behind (now at another account: ccrm_quote_revise), by name;
     * asked after the revision is made, which this statement's snapshot sees. Not finding out
     * leaves the revision as made. */
    res = db_exec(db,
                  "SELECT coalesce(nullif(btrim(concat_ws(' ', c.first_name, c.last_name)), ''),"
                  "                'contact #' || c.id)"
                  "  FROM quotes q JOIN quotes r ON r.id = $2::bigint AND r.contact_id IS NULL"
                  "  JOIN contacts c ON c.id = q.contact_id"
                  " WHERE q.id = $1::bigint",
                  2, params, &ignored);
    if (res != NULL && PQntuples(res) == 1)
        str_copy(dropped, db_val(res, 0, 0), dropn);
    PQclear(res);
    return 0;
}

int
db_bill_invoice_draft(struct db *db, const char *from, int64_t id, int64_t *invoice,
                      struct ccrm_err *err)
{
    char idt[24], out[24];
    const char *params[1] = {idt};
    int rc;

    snprintf(idt, sizeof idt, "%" PRId64, id);
    rc = one_write(db,
                   strcmp(from, "quotes") == 0
                       ? "SELECT ccrm_invoice_from_quote($1::bigint), pg_current_xact_id()"
                   : strcmp(from, "invoices") == 0
                       ? "SELECT ccrm_credit_note($1::bigint), pg_current_xact_id()"
                       : "SELECT ccrm_invoice_from_deal($1::bigint), pg_current_xact_id()",
                   1, params, out, sizeof out, err);
    *invoice = strtoll(out, NULL, 10);
    return rc;
}

/* The fixed SQL of a document's lines: quotes or invoices (never text a user typed). */
#define LINES_SQL(inv, q, i) ((inv) ? (i) : (q))

int
db_bill_line_delete(struct db *db, const char *doc, int64_t id_, int position, struct ccrm_err *err)
{
    int inv = strcmp(doc, "invoices") == 0;
    char id[24], pos[16], line[24], out[24];
    const char *params[2] = {id, pos};
    PGresult *res;

    snprintf(id, sizeof id, "%" PRId64, id_);
    snprintf(pos, sizeof pos, "%d", position);
    if (one_value(db,
                  LINES_SQL(inv,
                            "SELECT l.id FROM quote_lines l WHERE l.quote_id = $1::bigint"
                            " AND l.position = $2::int",
                            "SELECT l.id FROM invoice_lines l WHERE l.invoice_id = $1::bigint"
                            " AND l.position = $2::int"),
                  2, params, line, sizeof line, err) == -1) {
        if (strcmp(err->sqlstate, "P0002") == 0)
            err_set(err, "%s #%s has no line %s", inv ? db_bill_doc_noun(db, id, NULL, 0) : "quote",
                    id, pos);
        return -1;
    }
    /* one transaction: the line goes (ccrm_delete: the rights and the draft rule), and the
     * lines after it move up, so that the numbers stay 1..n as the document shows them */
    if (simple(db, "BEGIN", err) == -1)
        return -1;
    params[0] = inv ? "invoice_lines" : "quote_lines";
    params[1] = line;
    if (one_value(db, "SELECT ccrm_delete($1, $2::bigint)", 2, params, out, sizeof out, err) == -1)
        goto fail;
    params[0] = id;
    params[1] = pos;
    res = db_exec(db,
                  LINES_SQL(inv,
                            "UPDATE quote_lines l SET position = l.position - 1"
                            " WHERE l.quote_id = $1::bigint AND l.position > $2::int",
                            "UPDATE invoice_lines l SET position = l.position - 1"
                            " WHERE l.invoice_id = $1::bigint AND l.position > $2::int"),
                  2, params, err);
    if (res == NULL)
        goto fail;
    PQclear(res);
    return simple(db, "COMMIT", err);
fail:
    rollback(db);
    return -1;
}

int
db_bill_line_move(struct db *db, const char *doc, int64_t id_, int from, int to,
                  struct ccrm_err *err)
{
    int inv = strcmp(doc, "invoices") == 0;
    char id[24], a[16], b[16];
    const char *params[3] = {id, a, b};
    PGresult *res;
    int n, place;

    snprintf(id, sizeof id, "%" PRId64, id_);
    snprintf(a, sizeof a, "%d", from);
    snprintf(b, sizeof b, "%d", to);
    if (from < 1 || to < 1) {
        err_set(err, "lines are numbered from 1, not %d", from < 1 ? from : to);
        str_copy(err->sqlstate, "22023", sizeof err->sqlstate);
        return -1;
    }
    /* one statement: the line goes to its new place and those between move by one (the
     * unique position is checked at commit). A place past the last line is the last: the
     * numbers stay 1..n, as the document shows them. */
    res = db_exec(
        db,
        LINES_SQL(inv,
                  "WITH t AS (SELECT least($3::int, max(x.position)) AS place FROM quote_lines x"
                  "   WHERE x.quote_id = $1::bigint)"
                  " UPDATE quote_lines l SET position = CASE WHEN l.position = $2::int THEN"
                  "   t.place WHEN $2::int < t.place THEN l.position - 1 ELSE l.position + 1 END"
                  " FROM t WHERE l.quote_id = $1::bigint"
                  "   AND l.position BETWEEN least($2::int, t.place) AND greatest($2::int, t.place)"
                  "   AND EXISTS (SELECT 1 FROM quote_lines x WHERE x.quote_id = $1::bigint"
                  "     AND x.position = $2::int)"
                  " RETURNING t.place",
                  "WITH t AS (SELECT least($3::int, max(x.position)) AS place FROM invoice_lines x"
                  "   WHERE x.invoice_id = $1::bigint)"
                  " UPDATE invoice_lines l SET position = CASE WHEN l.position = $2::int THEN"
                  "   t.place WHEN $2::int < t.place THEN l.position - 1 ELSE l.position + 1 END"
                  " FROM t WHERE l.invoice_id = $1::bigint"
                  "   AND l.position BETWEEN least($2::int, t.place) AND greatest($2::int, t.place)"
                  "   AND EXISTS (SELECT 1 FROM invoice_lines x WHERE x.invoice_id = $1::bigint"
                  "     AND x.position = $2::int)"
                  " RETURNING t.place"),
        3, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    place = n > 0 ? atoi(db_val(res, 0, 0)) : 0;
    PQclear(res);
    if (n == 0) {
        err_set(err, "%s #%s has no line %s", inv ? db_bill_doc_noun(db, id, NULL, 0) : "quote", id,
                a);
        str_copy(err->sqlstate, "P0002", sizeof err->sqlstate);
        return -1;
    }
    return place;
}

int
db_bill_document_of(struct db *db, const char *entity, int64_t id, const char **doc,
                    int64_t *doc_id, struct ccrm_err *err)
{
    char idt[24], out[24];
    const char *params[1] = {idt};
    const char *sql;

    if (strcmp(entity, "quote_lines") == 0) {
        *doc = "quotes";
        sql = "SELECT l.quote_id FROM quote_lines l WHERE l.id = $1::bigint";
    } else if (strcmp(entity, "invoice_lines") == 0) {
        *doc = "invoices";
        sql = "SELECT l.invoice_id FROM invoice_lines l WHERE l.id = $1::bigint";
    } else if (strcmp(entity, "payments") == 0) {
        *doc = "invoices";
        sql = "SELECT p.invoice_id FROM payments p WHERE p.id = $1::bigint";
    } else {
        return 1;
    }
    snprintf(idt, sizeof idt, "%" PRId64, id);
    if (one_value(db, sql, 1, params, out, sizeof out, err) == -1)
        return -1;
    *doc_id = strtoll(out, NULL, 10);
    return 0;
}

int
db_bill_preview(struct db *db, const char *sql, int n, const char *const *params, char *out,
                size_t outn, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, n, params, err);

    out[0] = '\0';
    if (res == NULL)
        return -1;
    if (PQntuples(res) == 1)
        str_copy(out, db_val(res, 0, 0), outn);
    PQclear(res);
    return 0;
}

int
db_bill_totals(struct db *db, struct bill_total *t, int max, struct ccrm_err *err)
{
    PGresult *res = db_exec(db,
                            "SELECT currency, invoiced, paid, outstanding, overdue,"
                            " ccrm_minor_units(currency) FROM ccrm_billing_totals()",
                            0, NULL, err);
    int i, n;

    if (res == NULL)
        return -1;
    n = PQntuples(res) < max ? PQntuples(res) : max;
    for (i = 0; i < n; i++) {
        int minor = atoi(db_val(res, i, 5));

        str_copy(t[i].currency, db_val(res, i, 0), sizeof t[i].currency);
        bill_fmt_amount(db_val(res, i, 1), minor, t[i].invoiced, sizeof t[i].invoiced);
        bill_fmt_amount(db_val(res, i, 2), minor, t[i].paid, sizeof t[i].paid);
        bill_fmt_amount(db_val(res, i, 3), minor, t[i].outstanding, sizeof t[i].outstanding);
        bill_fmt_amount(db_val(res, i, 4), minor, t[i].overdue, sizeof t[i].overdue);
    }
    PQclear(res);
    return n;
}

/* ---- sending a document by e-mail (ccrm_billing_send, migration 026) ---- */

int
db_bill_mail_to(struct db *db, const char *entity, int64_t id, char *to, size_t n,
                struct ccrm_err *err)
{
    char idt[24];
    const char *params[2] = {entity, idt};
    PGresult *res;

    snprintf(idt, sizeof idt, "%" PRId64, id);
    res = db_exec(db, "SELECT ccrm_billing_mail_to($1, $2::bigint)", 2, params, err);
    if (res == NULL)
        return -1;
    str_copy(to, PQntuples(res) == 1 ? db_val(res, 0, 0) : "", n);
    PQclear(res);
    return 0;
}

#define SEND_FILES_MAX 4

/* The database names an invoice in its refusals by id ("invoice #21 has no contact with an
 * e-mail address"); the user knows it by its number, and a credit note as one: "credit note
 * CN-2026-00003 has ...". err is left as it is when the invoice cannot be read. */
static void
name_invoice(struct db *db, const char *id, struct ccrm_err *err)
{
    char needle[40], name[64], msg[sizeof err->msg];
    const char *noun;
    char *at;
    size_t k;

    snprintf(needle, sizeof needle, "invoice #%s", id);
    if ((at = strstr(err->msg, needle)) == NULL || isdigit((unsigned char)at[strlen(needle)]) ||
        db->state != DB_READY)
        return;
    noun = db_bill_doc_noun(db, id, name, sizeof name);
    if (name[0] == '\0')
        return;
    k = (size_t)(at - err->msg);
    snprintf(msg, sizeof msg, "%.*s%s %s%s", (int)k, err->msg, noun, name, at + strlen(needle));
    str_copy(err->msg, msg, sizeof err->msg);
}

int64_t
db_bill_send(struct db *db, const char *entity, int64_t id, const struct bill_file *files, int n,
             const char *to, const char *queue, struct ccrm_err *err)
{
    /* $1 entity, $2 id, $3 to, $4 queue, then name, type and bytes of each file: the arrays
     * are written from placeholders (fixed text), the values travel as parameters, the bytes
     * in binary */
    const char *values[4 + 3 * SEND_FILES_MAX];
    int lengths[4 + 3 * SEND_FILES_MAX], formats[4 + 3 * SEND_FILES_MAX];
    char idt[24], *sql, *arrays;
    struct db_files fl = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0};
    PGresult *res;
    int64_t mid;
    int i, np = 4;

    if (n < 1 || n > SEND_FILES_MAX) {
        err_set(err, "could not send it: %d files to attach", n);
        return -1;
    }
    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    snprintf(idt, sizeof idt, "%" PRId64, id);
    memset(lengths, 0, sizeof lengths);
    memset(formats, 0, sizeof formats);
    values[0] = entity;
    values[1] = idt;
    values[2] = to != NULL && to[0] != '\0' ? to : NULL;
    values[3] = queue != NULL && queue[0] != '\0' ? queue : NULL;
    for (i = 0; i < n; i++)
        db_files_add(&fl, values, lengths, formats, &np, files[i].name, files[i].type,
                     files[i].data, files[i].size);
    arrays = db_files_sql(&fl);
    sql = xasprintf("SELECT ccrm_billing_send($1, $2::bigint, %s, $3, $4)", arrays);
    free(arrays);
    res = db_result(db, PQexecParams(db->conn, sql, np, NULL, values, lengths, formats, 0),
                    "could not send it", err);
    free(sql);
    if (res == NULL) {
        if (strcmp(entity, "invoices") == 0)
            name_invoice(db, idt, err);
        return -1;
    }
    mid = strtoll(db_val(res, 0, 0), NULL, 10);
    PQclear(res);
    return mid;
}
