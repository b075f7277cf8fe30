/* The back office's actions in the full-screen client (docs/billing.md, "In the client"): a
 * quote for a deal, its lines, sending, accepting, rejecting, revising it; an invoice from an
 * accepted quote or a won deal, issuing it, payments, credit notes; printing either, and
 * mailing either (:send: src/billing/send.c commits the mail, the client's sender sends it). Each
 * is an entry of the action table (src/ui/commands.c) that runs here: one call of src/db/billing.c,
 * whose rules are the database's (a refusal is shown in its words), then the record it made
 * is opened, or the record shown re-reads when the change's event arrives. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "billing_ui.h"
#include "ccrm/billing.h"
#include "ccrm/entity.h"
#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "form.h"
#include "record_view.h"
#include "reply.h"

/* The record the action works on (the list's selected row or the record shown), of an entity
 * that offers the action; -1 after saying why not. */
static int
target(struct app *app, const struct action *a, const struct entity **e, int64_t *id)
{
    struct view *v = ui_active(app->ui);

    if (v != NULL && v->ops->selected != NULL && v->ops->selected(v, e, id) == 0 &&
        ((*e)->actions & a->applies) == a->applies)
        return 0;
    ui_message_error(app, "select %s first (in a list, or open one)",
                     a->applies == ENT_INVOICE        ? "an invoice"
                     : a->applies == ENT_QUOTE        ? "a quote"
                     : a->applies == ENT_BILL_DEAL    ? "a deal"
                     : a->applies == ENT_INVOICE_FROM ? "an accepted quote or a won deal"
                     : a->applies == ENT_LINES        ? "a draft quote or invoice"
                     : a->applies == ENT_PRICES       ? "a product"
                                                      : "a quote or invoice");
    return -1;
}

/* What the record id of e is called in the client's words: "quote", or for an invoices row
 * "invoice" or "credit note" as it is (db_bill_doc_noun; "invoice" when it cannot be read:
 * the action that follows then says why). */
static const char *
doc_noun(struct app *app, const struct entity *e, int64_t id)
{
    char idt[24];

    if (strcmp(e->table, "invoices") != 0)
        return e->singular;
    snprintf(idt, sizeof idt, "%" PRId64, id);
    return db_bill_doc_noun(app->db, idt, NULL, 0);
}

static void
open_record(struct app *app, const char *entity, int64_t id)
{
    struct view *v = view_record_new(app, entity, id);

    if (v != NULL)
        ui_push(app, v);
}

/* The last document made by Q, V, I or K whose answer was lost as it committed (the connection
 * dropped): the key, the record it was pressed on, the document made if it landed, and the
 * transaction to ask about (db_write_landed) before the same key there makes another, which
 * would be a second quote or credit note; xid "" when none is in question. */
static struct {
    int key;
    char entity[24];
    int64_t id;
    int64_t made;
    char xid[24];
} made_kept;

/* Making a document failed (said: "could not make the quote: why"): say so, and keep what to
 * ask when its answer was lost as it committed (made: the document's id if it landed). */
static void
make_failed(struct app *app, const struct action *a, const struct entity *e, int64_t id,
            int64_t made, const char *said)
{
    char xid[sizeof made_kept.xid];

    db_write_unanswered(app->db, xid, sizeof xid);
    if (xid[0] == '\0') { /* (one still in question elsewhere stays so) */
        ui_message_error(app, "%s", said);
        return;
    }
    made_kept.key = a->key;
    str_copy(made_kept.entity, e->table, sizeof made_kept.entity);
    made_kept.id = id;
    made_kept.made = made;
    str_copy(made_kept.xid, xid, sizeof made_kept.xid);
    ui_message_error(app,
                     "%s: it may have been made as the connection dropped (%c on the %s tells, "
                     "and makes it only if it was not)",
                     said, a->key, e->singular);
}

/* Before Q, V, I or K makes a document where the last one's answer was lost as it committed:
 * did that one land? Then it is opened and said (what: "quote", "invoice", "credit note"), not
 * made a second time. Returns 1 when it was, or when that cannot be told now (said, still
 * kept); 0 when it is to be made now. */
static int
made_already(struct app *app, const struct action *a, const struct entity *e, int64_t id,
             const char *what)
{
    struct ccrm_err err;
    int rc;

    if (made_kept.xid[0] == '\0' || made_kept.key != a->key || made_kept.id != id ||
        strcmp(made_kept.entity, e->table) != 0)
        return 0;
    if ((rc = db_write_landed(app->db, made_kept.xid, &err)) == -1) {
        ui_message_error(app,
                         "could not tell whether the last %s was made as the connection dropped: "
                         "%s (%c asks again)",
                         what, err.msg, a->key);
        return 1;
    }
    made_kept.xid[0] = '\0';
    if (rc == 0)
        return 0;
    open_record(app, strcmp(what, "quote") == 0 ? "quotes" : "invoices", made_kept.made);
    ui_message(app, "%s #%" PRId64 " was made as the connection dropped: opened, not made again",
               what, made_kept.made);
    return 1;
}

/* Q on a deal: a draft quote for it, opened. */
void
bill_run_quote(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    int64_t id, q;
    char said[512];

    (void)arg;
    if (target(app, a, &e, &id) != 0 || made_already(app, a, e, id, "quote"))
        return;
    if (db_bill_quote_for_deal(app->db, id, &q, &err) == -1) {
        snprintf(said, sizeof said, "could not make a quote: %.400s", err.msg);
        make_failed(app, a, e, id, q, said);
        return;
    }
    open_record(app, "quotes", q);
    ui_message(app, "quote #%" PRId64 " (draft) for deal #%" PRId64 ": L adds a line", q, id);
}

/* Whether the lines of quote or invoice id may change: only a draft's do. -1 (said, with why
 * and what to do instead) for an issued invoice or credit note or a quote that was sent, so
 * that L does not open a form refused only at Ctrl-S and :remove-line does not say "has no
 * line" of a line it has. 0 otherwise (a failure to ask is left to the action itself). */
static int
lines_locked(struct app *app, const struct entity *e, int64_t id)
{
    int inv = strcmp(e->table, "invoices") == 0;
    char idt[24], what[96];
    const char *params[1] = {idt};
    struct ccrm_err err;

    snprintf(idt, sizeof idt, "%" PRId64, id);
    if (db_bill_preview(app->db,
                        inv ? "SELECT CASE kind WHEN 'credit_note' THEN 'credit note '"
                              " ELSE 'invoice ' END || coalesce(number, '#' || id) || ' is '"
                              " || replace(status, '_', ' ') FROM invoices"
                              " WHERE id = $1::bigint AND status <> 'draft'"
                            : "SELECT 'quote #' || id || ' is ' || status FROM quotes"
                              " WHERE id = $1::bigint AND status <> 'draft'",
                        1, params, what, sizeof what, &err) == -1 ||
        what[0] == '\0')
        return 0;
    ui_message_error(app, "%s: its lines are kept (%s)", what,
                     inv ? "a credit note, K, corrects an issued invoice"
                         : "V makes a revision to change");
    return -1;
}

/* L on a draft quote or invoice: the line form, the product found by typing; L on a product
 * (:price): the form of its price in another currency. */
void
bill_run_line(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    char pre[48];
    const char *words[2] = {pre, NULL};
    struct view *f;
    int64_t id;
    int inv;

    (void)arg;
    if (target(app, a, &e, &id) != 0)
        return;
    if (strcmp(e->table, "products") == 0) { /* :price: a price in another currency */
        snprintf(pre, sizeof pre, "product_id=%" PRId64, id);
        if ((f = view_form_new(app, "product_prices", 0, words)) != NULL)
            ui_push(app, f);
        return;
    }
    if (lines_locked(app, e, id) != 0)
        return;
    inv = strcmp(e->table, "invoices") == 0;
    snprintf(pre, sizeof pre, "%s=%" PRId64, inv ? "invoice_id" : "quote_id", id);
    if ((f = view_form_new(app, inv ? "invoice_lines" : "quote_lines", 0, words)) != NULL)
        ui_push(app, f);
}

/* The line numbers of :remove-line N and :move-line N M: how many were given (-1: a word
 * that is no number, or one out of range: sscanf's %d wrapped 4294967299 to line 3). */
static int
line_numbers(const char *arg, int out[2])
{
    const char *p = arg;
    char *end;
    long v;
    int n = 0;

    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        errno = 0;
        v = strtol(p, &end, 10);
        if (end == p || errno != 0 || v < -1000000 || v > 1000000 || n == 2 ||
            (*end != '\0' && *end != ' ' && *end != '\t'))
            return -1;
        out[n++] = (int)v;
        p = end;
    }
    return n;
}

/* :remove-line N, :move-line N M on a draft quote. */
void
bill_run_line_edit(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    int64_t id;
    int nums[2] = {0, 0}, from, to, n;

    if (target(app, a, &e, &id) != 0)
        return;
    n = line_numbers(arg, nums);
    from = nums[0];
    to = nums[1];
    if (a->kind == CMD_REMOVE_LINE ? n != 1 : n != 2) {
        ui_message_error(app, "usage: %s", a->usage);
        return;
    }
    if (lines_locked(app, e, id) != 0)
        return;
    if ((a->kind == CMD_REMOVE_LINE
             ? db_bill_line_delete(app->db, e->table, id, from, &err)
             : (to = db_bill_line_move(app->db, e->table, id, from, to, &err))) == -1) {
        ui_message_error(app, "could not change the lines: %s", err.msg);
        return;
    }
    if (a->kind == CMD_REMOVE_LINE)
        ui_message(app, "line %d removed from %s #%" PRId64, from, doc_noun(app, e, id), id);
    else
        ui_message(app, "line %d of %s #%" PRId64 " is now line %d", from, doc_noun(app, e, id), id,
                   to);
}

/* A on a sent quote whose net total is not its deal's amount: the deal's pipeline value would
 * stay what was guessed before the quote, so A asks first whether the amount becomes the
 * quote's (y), is kept (n), or nothing is done (Esc, Enter). Both are one statement
 * (db_bill_quote_accept). A deal in another currency keeps its amount, and A says so. */
static struct {
    int64_t quote, deal;
    char net[48], currency[8];
} accepting;

static void
accept_quote(struct app *app, int64_t id, int set_amount, const char *left)
{
    struct ccrm_err err;
    int set;

    if (db_bill_quote_accept(app->db, id, set_amount, &set, &err) == -1) {
        ui_message_error(app, "could not mark quote #%" PRId64 " accepted: %s", id, err.msg);
        return;
    }
    if (set)
        ui_message(app,
                   "quote #%" PRId64 " is accepted and deal #%" PRId64
                   "'s amount is now %s %s: I drafts its invoice",
                   id, accepting.deal, accepting.net, accepting.currency);
    else if (left != NULL)
        ui_message(app, "quote #%" PRId64 " is accepted: I drafts its invoice; %s", id, left);
    else
        ui_message(app, "quote #%" PRId64 " is accepted: I drafts its invoice", id);
}

/* "set the deal's amount to it? (y/n)" takes one key, as it looks (ui_ask_key) */
static void
on_accept_amount(struct app *app, void *ctx, const char *text, int done, int ok)
{
    int k = ui_ask_key(app, text, done, ok, NULL);
    char left[96];

    (void)ctx;
    if (k == 'y') {
        accept_quote(app, accepting.quote, 1, NULL);
    } else if (k == 'n') {
        snprintf(left, sizeof left, "deal #%" PRId64 "'s amount is kept", accepting.deal);
        accept_quote(app, accepting.quote, 0, left);
    } else { /* Esc, Enter, any other key */
        ui_message(app, "not accepted: quote #%" PRId64 " stays sent", accepting.quote);
    }
}

/* The quote's deal when its amount is not the quote's net total: "" (nothing to ask: no
 * deal, the same amount, or a quote the accept will refuse in its own words), else its id,
 * currencies and amounts, tab-separated. */
static int
accept_asks(struct app *app, int64_t id, char *out, size_t n)
{
    char idt[24];
    const char *params[1] = {idt};
    struct ccrm_err err;

    snprintf(idt, sizeof idt, "%" PRId64, id);
    return db_bill_preview(app->db,
                           "SELECT o.id || E'\\t' || o.currency || E'\\t' || q.currency || E'\\t'"
                           " || coalesce(o.amount::text, '') || E'\\t' || q.net_total || E'\\t'"
                           " || coalesce(ccrm_minor_units(o.currency), 2) || E'\\t'"
                           " || coalesce(ccrm_minor_units(q.currency), 2)"
                           " FROM quotes q JOIN opportunities o ON o.id = q.opportunity_id"
                           " WHERE q.id = $1::bigint AND q.status = 'sent'"
                           " AND (q.valid_until IS NULL OR q.valid_until >= current_date)"
                           " AND NOT EXISTS (SELECT FROM quotes r WHERE r.previous_id = q.id)"
                           " AND o.amount IS DISTINCT FROM q.net_total",
                           1, params, out, n, &err) == 0 &&
           out[0] != '\0';
}

/* A on a sent quote: asked about its deal's amount (above) when it differs. */
static void
run_accept(struct app *app, int64_t id)
{
    char row[256], none[1] = "", *f[7], *p = row, amount[48], left[160];
    int i;

    if (!accept_asks(app, id, row, sizeof row)) {
        accept_quote(app, id, 0, NULL);
        return;
    }
    for (i = 0; i < 7; i++) { /* deal, its currency, the quote's, amount, net, their decimals */
        f[i] = p;
        p = p != NULL ? strchr(p, '\t') : NULL;
        if (p != NULL)
            *p++ = '\0';
        if (f[i] == NULL)
            f[i] = none;
    }
    accepting.quote = id;
    accepting.deal = strtoll(f[0], NULL, 10);
    bill_fmt_amount(f[4], atoi(f[6]), accepting.net, sizeof accepting.net);
    str_copy(accepting.currency, f[2], sizeof accepting.currency);
    if (f[3][0] != '\0')
        bill_fmt_amount(f[3], atoi(f[5]), amount, sizeof amount);
    else
        str_copy(amount, "none", sizeof amount);
    if (strcmp(f[1], f[2]) != 0) { /* no amount in another currency is the quote's */
        snprintf(left, sizeof left,
                 "deal #%" PRId64 "'s amount %s %s is kept: the quote is in %s, not %s",
                 accepting.deal, amount, f[1], f[2], f[1]);
        accept_quote(app, id, 0, left);
        return;
    }
    /* what changes, above the question (the line's label holds 63 bytes) */
    ui_message_for(app, 600000,
                   "quote #%" PRId64 "'s net total %s %s, deal #%" PRId64 "'s amount %s%s%s", id,
                   accepting.net, accepting.currency, accepting.deal, amount,
                   f[3][0] != '\0' ? " " : "", f[3][0] != '\0' ? f[1] : "");
    ui_input_begin(app, "accept, and set the deal's amount to it? (y/n) ", "", on_accept_amount,
                   NULL);
}

/* M, A, R: a quote's status. */
void
bill_run_status(struct app *app, const struct action *a, const char *arg)
{
    const char *status = a->kind == CMD_SENT     ? "sent"
                         : a->kind == CMD_ACCEPT ? "accepted"
                                                 : "rejected";
    const struct entity *e;
    struct ccrm_err err;
    int64_t id;

    (void)arg;
    if (target(app, a, &e, &id) != 0)
        return;
    if (a->kind == CMD_ACCEPT) {
        run_accept(app, id);
        return;
    }
    if (db_bill_quote_status(app->db, id, status, &err) == -1) {
        ui_message_error(app, "could not mark quote #%" PRId64 " %s: %s", id, status, err.msg);
        return;
    }
    ui_message(app, "quote #%" PRId64 " is %s", id, status);
}

/* V: a new revision of a sent quote (a sent quote is never edited in place). */
void
bill_run_revise(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    int64_t id, r;
    char dropped[128], said[512];

    (void)arg;
    if (target(app, a, &e, &id) != 0 || made_already(app, a, e, id, "quote"))
        return;
    if (db_bill_quote_revise(app->db, id, &r, dropped, sizeof dropped, &err) == -1) {
        snprintf(said, sizeof said, "could not revise quote #%" PRId64 ": %.400s", id, err.msg);
        make_failed(app, a, e, id, r, said);
        return;
    }
    open_record(app, "quotes", r);
    /* its contact moved to another account since: the revision goes without (a document's
     * contact is one of its account's), and is given one before it is sent */
    if (dropped[0] != '\0')
        ui_message(app,
                   "quote #%" PRId64 " (draft) revises quote #%" PRId64
                   " without %s, now at another account: e chooses a contact",
                   r, id, dropped);
    else
        ui_message(app, "quote #%" PRId64 " (draft) revises quote #%" PRId64, r, id);
}

/* I on an accepted quote or a won deal, K on an issued invoice: a draft invoice or credit
 * note, opened. */
void
bill_run_draft(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    int64_t id, inv;
    char said[512];

    (void)arg;
    if (target(app, a, &e, &id) != 0 ||
        made_already(app, a, e, id, a->kind == CMD_CREDIT_NOTE ? "credit note" : "invoice"))
        return;
    if (db_bill_invoice_draft(app->db, e->table, id, &inv, &err) == -1) {
        snprintf(said, sizeof said, "could not draft the %s: %.400s",
                 a->kind == CMD_CREDIT_NOTE ? "credit note" : "invoice", err.msg);
        make_failed(app, a, e, id, inv, said);
        return;
    }
    open_record(app, "invoices", inv);
    ui_message(app, "%s #%" PRId64 " (draft) from %s #%" PRId64 ": %s",
               a->kind == CMD_CREDIT_NOTE ? "credit note" : "invoice", inv, e->singular, id,
               commands_may("issue", entity_find("invoices")) ? "N issues it"
                                                              : "billing or management issue it");
}

/* N on a draft invoice or credit note: issue it (billing, management, admin: the database
 * says who). The draft asked about: issuing is final (a gapless number that is never given
 * back), so N asks first; y issues. */
static int64_t issue_id;
static const char *issue_noun; /* "invoice", "credit note" */

/* "issue it? (y/n)" takes one key, as it looks: y issues, any other key (n, Esc, Enter) leaves
 * the draft. */
static void
on_issue(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    char idt[24], number[64];
    int k = ui_ask_key(app, text, done, ok, NULL);

    (void)ctx;
    snprintf(idt, sizeof idt, "%" PRId64, issue_id);
    if (k != 'y') { /* n, Esc, Enter, any other key */
        ui_message(app, "not issued: %s #%s stays a draft", issue_noun, idt);
        return;
    }
    /* a role that may not issue is told so by db_bill_issue, naming the document */
    if (db_bill_issue(app->db, idt, NULL, number, sizeof number, &err) == -1) {
        ui_message_error(app, "could not issue %s #%s: %s", issue_noun, idt, err.msg);
        return;
    }
    ui_message(app, "issued %s #%s as %s", issue_noun, idt, number);
}

void
bill_run_issue(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    char label[96];

    (void)arg;
    if (target(app, a, &e, &issue_id) != 0)
        return;
    issue_noun = doc_noun(app, e, issue_id);
    snprintf(label, sizeof label, "issue %s #%" PRId64 "? Its number and date are final (y/n) ",
             issue_noun, issue_id);
    ui_input_begin(app, label, "", on_issue, NULL);
}

/* P on an issued invoice: the amount (and date, method, reference) asked on the bottom line,
 * or :payment AMOUNT [DATE] [METHOD [REFERENCE]]. */
static int64_t pay_invoice;
/* what was typed for a payment the database (or the reading) refused, and on which invoice:
 * P there again offers it, as the other actions' texts are (README) */
static int64_t pay_kept_invoice;
static char pay_kept[512];
/* ...and when the connection dropped as it committed, the transaction to ask about before
 * the same payment is offered again (db_write_landed): "" when none is in question */
static char pay_kept_xid[24];

static void
pay_keep(const char *line)
{
    pay_kept_invoice = pay_invoice;
    str_copy(pay_kept, line, sizeof pay_kept);
    pay_kept_xid[0] = '\0';
}

/* The payment kept for this invoice was written all the same, its answer lost as it
 * committed? Then it is not offered again: said. Returns 1 when it was, or when that cannot be
 * told now (said, kept); 0 when it was not, or none is in question. */
static int
paid_already(struct app *app, int64_t invoice)
{
    struct ccrm_err err;
    int rc;

    if (pay_kept_invoice != invoice || pay_kept_xid[0] == '\0')
        return 0;
    if ((rc = db_write_landed(app->db, pay_kept_xid, &err)) == -1) {
        ui_message_error(app,
                         "could not tell whether the last payment (%s) was recorded as the "
                         "connection dropped: %s (P asks again)",
                         pay_kept, err.msg);
        return 1;
    }
    pay_kept_xid[0] = '\0';
    if (rc == 0)
        return 0;
    pay_kept_invoice = 0;
    ui_message(app,
               "the payment (%s) on invoice #%" PRId64
               " was recorded as the connection dropped: not recorded again",
               pay_kept, invoice);
    return 1;
}

static void
pay(struct app *app, const char *line)
{
    struct bill_pay_words w;
    struct ccrm_err err;
    char idt[24], msg[256];

    switch (bill_parse_payment(line, &w)) {
    case -1:
        pay_keep(line);
        ui_message_error(app, "usage: :payment AMOUNT [YYYY-MM-DD] [METHOD [REFERENCE]]");
        return;
    case -2:
        pay_keep(line);
        ui_message_error(app, "%s (the day it was paid)", w.date_why);
        return;
    case -3:
        pay_keep(line);
        ui_message_error(app, "%s", w.method_why);
        return;
    }
    snprintf(idt, sizeof idt, "%" PRId64, pay_invoice);
    if (db_bill_payment(app->db, idt, w.amount, w.date[0] ? w.date : NULL,
                        w.method[0] ? w.method : NULL, w.reference[0] ? w.reference : NULL, msg,
                        sizeof msg, &err) == -1) {
        pay_keep(line);
        db_write_unanswered(app->db, pay_kept_xid, sizeof pay_kept_xid);
        if (pay_kept_xid[0] != '\0')
            ui_message_error(app,
                             "%s: it may have been recorded as the connection dropped (P on the "
                             "invoice tells, and offers it again only if it was not)",
                             err.msg);
        else
            ui_message_error(app, "%s", err.msg);
        return;
    }
    pay_kept_invoice = 0;
    ui_message(app, "%s", msg);
}

static void
on_amount(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!done)
        return;
    if (!ok || text[0] == '\0') {
        pay_kept_invoice = 0; /* let go of on purpose */
        ui_message(app, "no payment recorded");
        return;
    }
    pay(app, text);
}

void
bill_run_payment(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    int64_t id;

    if (target(app, a, &e, &id) != 0)
        return;
    /* a credit note is settled against its invoice, never paid itself, and a draft is not
     * owed yet: say so before an amount is asked for and typed in vain (the database refuses
     * both all the same; an invoice that cannot be read here is left to it). Its kind and
     * status are all it takes: not the whole document with its lines (db_bill_load). */
    {
        char idt[24];
        struct ccrm_err err;
        struct bill_doc_head h;

        snprintf(idt, sizeof idt, "%" PRId64, id);
        if (db_bill_doc_head(app->db, idt, &h, &err) == 0) {
            if (h.kind == BILL_CREDIT_NOTE) {
                ui_message_error(
                    app, "credit note #%" PRId64 ": payments are recorded on invoices only", id);
                return;
            }
            if (strcmp(h.status, "draft") == 0) {
                ui_message_error(app,
                                 "invoice #%" PRId64 " is still a draft: payments are recorded on "
                                 "issued invoices (N issues it)",
                                 id);
                return;
            }
        }
    }
    pay_invoice = id;
    if (paid_already(app, id))
        return;
    if (arg != NULL && arg[0] != '\0')
        pay(app, arg);
    else
        ui_input_begin(app, "payment received (amount [date] [method] [reference]): ",
                       pay_kept_invoice == id ? pay_kept : "", on_amount, NULL);
}

/* ---- printing ---- */

static int pdf_used; /* a PDF was rendered: cairo, pango and fontconfig hold caches */

void
bill_ui_fini(void)
{
    if (pdf_used)
        bill_pdf_shutdown();
    pdf_used = 0;
}

/* The document as plain text (malloc'd), or NULL with err. */
static char *
doc_text(struct app *app, const struct bill_doc *d, struct ccrm_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc;

    if (f == NULL) {
        err_set(err, "could not render the text: %s", strerror(errno));
        return NULL;
    }
    rc = bill_write_text(d, &app->cfg->company, f, err);
    if (fclose(f) != 0 || rc == -1) {
        free(buf);
        return NULL;
    }
    return buf;
}

enum doc_format { DOC_PDF, DOC_TEXT, DOC_UBL };

/* Write the document to dir/name through a temporary file renamed at the end. 0 or -1. */
static int
write_doc(struct app *app, const struct bill_doc *d, enum doc_format fmt, const char *path,
          struct ccrm_err *err)
{
    char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc;

    if (f == NULL) {
        err_set(err, "could not create \"%s\": %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    pdf_used |= fmt == DOC_PDF;
    rc = fmt == DOC_PDF   ? bill_write_pdf(d, &app->cfg->company, f, err)
         : fmt == DOC_UBL ? bill_write_ubl(d, &app->cfg->company, f, err)
                          : bill_write_text(d, &app->cfg->company, f, err);
    if (fclose(f) != 0 && rc == 0) {
        err_set(err, "could not write \"%s\": %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        err_set(err, "could not write \"%s\": %s", path, strerror(errno));
        rc = -1;
    }
    if (rc == -1)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* set once a printed document named no seller and the user was told why */
static int no_seller_said;

/* :print [pdf|text|ubl], p: the PDF (or the text, or an issued invoice's UBL e-invoice) into
 * the user's documents directory ($XDG_DATA_HOME/ccrm/documents), named after the document;
 * `:print text` also shows it. */
void
bill_run_print(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    struct bill_doc *d;
    char idt[24], name[96], *dir, *path, *text;
    int64_t id;
    int as_text = arg != NULL && strcmp(arg, "text") == 0;
    int as_ubl = arg != NULL && (strcmp(arg, "ubl") == 0 || strcmp(arg, "xml") == 0);
    enum doc_format fmt = as_text ? DOC_TEXT : as_ubl ? DOC_UBL : DOC_PDF;
    const char *ext = as_text ? "txt" : as_ubl ? "xml" : "pdf";

    if (arg != NULL && arg[0] != '\0' && !as_text && !as_ubl && strcmp(arg, "pdf") != 0) {
        ui_message_error(app, "usage: %s", a->usage);
        return;
    }
    if (target(app, a, &e, &id) != 0)
        return;
    snprintf(idt, sizeof idt, "%" PRId64, id);
    if ((d = db_bill_load(app->db, strcmp(e->table, "quotes") == 0 ? "quote" : "invoice", idt,
                          &err)) == NULL) {
        ui_message_error(app, "could not print %s #%s: %s", doc_noun(app, e, id), idt, err.msg);
        return;
    }
    if (d->number != NULL)
        snprintf(name, sizeof name, "%s-%s.%s",
                 d->kind == BILL_CREDIT_NOTE ? "credit-note" : "invoice", d->number, ext);
    else
        snprintf(name, sizeof name, "%s-%s%s.%s",
                 d->kind == BILL_QUOTE         ? "quote"
                 : d->kind == BILL_CREDIT_NOTE ? "credit-note"
                                               : "invoice",
                 d->kind == BILL_QUOTE ? "" : "draft-", idt, ext);
    dir = xdg_dir("DATA");
    path = xasprintf("%s/documents", dir);
    free(dir);
    dir = path;
    if (mkdir_p(dir, 0700) == -1) {
        ui_message_error(app, "could not create \"%s\": %s", dir, strerror(errno));
        goto out;
    }
    path = xasprintf("%s/%s", dir, name);
    if (write_doc(app, d, fmt, path, &err) == -1) {
        ui_message_error(app, "could not print %s #%s: %s", bill_kind_noun(d->kind), idt, err.msg);
        free(path);
        goto out;
    }
    if (as_text && (text = doc_text(app, d, &err)) != NULL) {
        struct view *v = view_text_new(app, name, "a document's text");

        view_text_add_text(v, text);
        free(text);
        if (v != NULL)
            ui_push(app, v);
    }
    /* without [company] the document names no seller at all: said on the first one of a
     * session (not on each, the user has been told) */
    if (fmt != DOC_UBL && (app->cfg->company.name == NULL || app->cfg->company.name[0] == '\0') &&
        !no_seller_said) {
        no_seller_said = 1;
        ui_message(app, "wrote %s (it names no seller: [company] is not set in the config)", path);
    } else {
        ui_message(app, "wrote %s", path);
    }
    free(path);
out:
    free(dir);
    bill_doc_free(&d);
}

/* ---- :send: the document by e-mail ---- */

static struct {
    char what[8];     /* "quote", "invoice" (a credit note too: bill_send) */
    const char *noun; /* what the messages call it: "quote", "invoice", "credit note" */
    int64_t id;
    /* the To typed for a document that was not sent (refused, offline): the next E on it
     * starts from it, not from the document's contact again */
    char kept_what[8];
    int64_t kept_id;
    char kept_to[UI_INPUT_MAX * 4];
} sending;

static void on_send_to(struct app *app, void *ctx, const char *text, int done, int ok);

static const char *
send_label(const char *to)
{
    return to[0] != '\0' ? "send to: " : "send to (it names no address): ";
}

static void
send_to(struct app *app, const char *to)
{
    struct ccrm_err err;
    char idt[24], note[320];
    int64_t mid;

    snprintf(idt, sizeof idt, "%" PRId64, sending.id);
    mail_init(); /* (GMime reads the addresses) */
    /* an address sendmail could not take: said before the document is rendered (the database
     * refused it after, and the address typed was gone); the line closes, as any refusal
     * closes it, and the next E offers what was typed. Without the mail module the database's
     * own check decides, as before. */
    if (mail_ready(NULL) == 0 && mail_addresses_check(to, "To", &err) == -1) {
        str_copy(sending.kept_what, sending.what, sizeof sending.kept_what);
        sending.kept_id = sending.id;
        str_copy(sending.kept_to, to, sizeof sending.kept_to);
        ui_message_error(app, "%s #%s not sent: %s (E offers the address typed again)",
                         sending.noun, idt, err.msg);
        return;
    }
    mid = bill_send(app->db, &app->cfg->company, sending.what, idt, to, NULL, note, sizeof note,
                    &err);
    pdf_used = 1;
    if (mid < 0) { /* refused, or offline: the next E offers the address typed */
        str_copy(sending.kept_what, sending.what, sizeof sending.kept_what);
        sending.kept_id = sending.id;
        str_copy(sending.kept_to, to, sizeof sending.kept_to);
        ui_message_error(app, "%s #%s: %s (E offers the address typed again)", sending.noun, idt,
                         err.msg);
        return;
    }
    if (sending.kept_id == sending.id && strcmp(sending.kept_what, sending.what) == 0)
        sending.kept_id = 0;
    ui_message(app, "%s #%s is in the outbox as mail %" PRId64 " to %s%s", sending.noun, idt, mid,
               to, note);
    mail_send_start(app, mid, 0, note); /* its messages keep the note: they replace this one */
}

static void
on_send_to(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!done)
        return;
    if (!ok || text[0] == '\0') {
        if (ok) /* emptied on purpose: E starts from the contact again */
            sending.kept_id = 0;
        ui_message(app, "not sent");
        return;
    }
    send_to(app, text);
}

/* :send [ADDRESS] on a quote or an issued invoice: To asked on the bottom line, starting with
 * the document's contact (ccrm_billing_mail_to), unless given. */
void
bill_run_send(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    char to[320];
    int64_t id;

    if (target(app, a, &e, &id) != 0)
        return;
    if (db_is_partner(app->db)) {
        ui_message_error(app, "documents are mailed by the company's staff");
        return;
    }
    str_copy(sending.what, strcmp(e->table, "quotes") == 0 ? "quote" : "invoice",
             sizeof sending.what);
    sending.noun = doc_noun(app, e, id);
    sending.id = id;
    if (arg != NULL && arg[0] != '\0') {
        send_to(app, arg);
        return;
    }
    if (sending.kept_id == id && strcmp(sending.kept_what, sending.what) == 0) {
        ui_message(app, "%s #%" PRId64 ": the address typed before, not sent yet", sending.noun,
                   id);
        ui_input_begin(app, send_label(sending.kept_to), sending.kept_to, on_send_to, NULL);
        return;
    }
    if (db_bill_mail_to(app->db, e->table, id, to, sizeof to, &err) == -1) {
        ui_message_error(app, "could not send %s #%" PRId64 ": %s", sending.noun, id, err.msg);
        return;
    }
    ui_input_begin(app, send_label(to), to, on_send_to, NULL);
}
