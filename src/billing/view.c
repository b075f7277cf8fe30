/* What a printed quote, invoice or credit note says, as lines of text (src/billing/view.h): the
 * letterhead, the header facts, the buyer, the totals and the payment instruction. The plain text
 * and the PDF renderers lay out the same words, so the two never disagree. Pure: no libpq, no
 * curses, no cairo. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "view.h"

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    s = xmalloc((size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static int
set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static void
add_line(char **lines, int *n, int max, char *s)
{
    if (*n < max)
        lines[(*n)++] = s;
    else
        free(s);
}

/* Every line of a multi-line text (an address), cleaned */
static void
add_text(char **lines, int *n, int max, const char *text)
{
    char *t, *p, *nl;

    if (!set(text))
        return;
    t = bill_clean(text, 1);
    for (p = t; p != NULL; p = nl) {
        nl = strchr(p, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        if (*str_trim(p) != '\0')
            add_line(lines, n, max, xstrdup(str_trim(p)));
    }
    free(t);
}

static void
add_meta(struct bill_view *v, const char *label, char *value)
{
    if (value == NULL || v->nmeta == BILL_VIEW_MAX)
        free(value);
    else {
        v->meta[v->nmeta][0] = xstrdup(label);
        v->meta[v->nmeta][1] = value;
        v->nmeta++;
    }
}

static void
add_total(struct bill_view *v, char *label, const char *amount, int minor, int negate, int strong)
{
    char buf[64], *a = buf;

    if (v->ntotals == BILL_VIEW_MAX) {
        free(label);
        return;
    }
    bill_fmt_amount(amount, minor, buf + 1, sizeof buf - 1);
    if (negate && buf[1] != '0') {
        buf[0] = '-';
    } else {
        a = buf + 1;
    }
    v->totals[v->ntotals][0] = label;
    v->totals[v->ntotals][1] = xstrdup(a);
    v->strong[v->ntotals] = strong;
    v->ntotals++;
}

static int
positive(const char *dec)
{
    const char *p;

    if (dec == NULL || dec[0] == '-')
        return 0;
    for (p = dec; *p != '\0'; p++)
        if (*p >= '1' && *p <= '9')
            return 1;
    return 0;
}

void
bill_view_build(const struct bill_doc *d, const struct ccrm_company *co, struct bill_view *v)
{
    int draft = d->kind != BILL_QUOTE && d->number == NULL;
    const char *cur = d->currency != NULL ? d->currency : "";
    char a[64], b[64], iban[64];
    char *t;
    size_t i;

    memset(v, 0, sizeof *v);
    snprintf(v->title, sizeof v->title, "%s",
             d->kind == BILL_QUOTE         ? "Quote"
             : d->kind == BILL_CREDIT_NOTE ? (draft ? "Draft credit note" : "Credit note")
                                           : (draft ? "Draft invoice" : "Invoice"));

    /* the letterhead */
    v->company = bill_clean(set(co->name) ? co->name : "", 0);
    add_text(v->seller, &v->nseller, BILL_VIEW_MAX, co->address1);
    add_text(v->seller, &v->nseller, BILL_VIEW_MAX, co->address2);
    add_text(v->seller, &v->nseller, BILL_VIEW_MAX, co->address3);
    if (set(co->postcode) || set(co->city) || set(co->country)) {
        t = fmt("%s%s%s%s%s", set(co->postcode) ? co->postcode : "",
                set(co->postcode) && set(co->city) ? " " : "", set(co->city) ? co->city : "",
                set(co->country) ? (set(co->postcode) || set(co->city) ? ", " : "") : "",
                set(co->country) ? co->country : "");
        add_text(v->seller, &v->nseller, BILL_VIEW_MAX, t);
        free(t);
    }
    if (set(co->phone) || set(co->email)) {
        t = fmt("%s%s%s", set(co->phone) ? co->phone : "",
                set(co->phone) && set(co->email) ? " · " : "", set(co->email) ? co->email : "");
        add_text(v->seller, &v->nseller, BILL_VIEW_MAX, t);
        free(t);
    }
    add_text(v->seller, &v->nseller, BILL_VIEW_MAX, co->website);

    /* the facts of the document */
    if (d->kind == BILL_QUOTE) {
        add_meta(v, "Quote",
                 d->revision > 1 ? fmt("#%" PRId64 " (revision %d)", d->id, d->revision)
                                 : fmt("#%" PRId64, d->id));
        add_meta(v, "Date", set(d->date) ? xstrdup(d->date) : NULL);
        add_meta(v, "Valid until", set(d->valid_until) ? xstrdup(d->valid_until) : NULL);
        if (set(d->state) && strcmp(d->state, "sent") != 0)
            add_meta(v, "Status", xstrdup(d->state));
    } else {
        add_meta(v, "Number", draft ? xstrdup("(not issued)") : xstrdup(d->number));
        add_meta(v, "Date", set(d->date) ? xstrdup(d->date) : NULL);
        if (d->kind == BILL_INVOICE)
            add_meta(v, "Due",
                     set(d->due_date) ? xstrdup(d->due_date)
                                      : fmt("%d days after issue", d->payment_terms_days));
        if (d->kind == BILL_CREDIT_NOTE && set(d->corrects)) {
            /* two lines: one would not fit the text's column of facts (21 cells) */
            add_meta(v, "Corrects", fmt("invoice %s", d->corrects));
            add_meta(v, "of", set(d->corrects_date) ? xstrdup(d->corrects_date) : NULL);
        }
        if (set(d->buyer_reference))
            add_meta(v, "Your reference", bill_clean(d->buyer_reference, 0));
        if (set(d->quote_ref))
            add_meta(v, "Our quote", fmt("#%s", d->quote_ref));
    }
    add_meta(v, "Currency", xstrdup(cur));

    /* the buyer */
    add_text(v->buyer, &v->nbuyer, BILL_VIEW_MAX, d->buyer.name);
    if (set(d->buyer.contact)) {
        t = fmt("Attn. %s", d->buyer.contact);
        add_text(v->buyer, &v->nbuyer, BILL_VIEW_MAX, t);
        free(t);
    }
    add_text(v->buyer, &v->nbuyer, BILL_VIEW_MAX, d->buyer.address);
    if (set(d->buyer.postcode) || set(d->buyer.city)) {
        t = fmt("%s%s%s", set(d->buyer.postcode) ? d->buyer.postcode : "",
                set(d->buyer.postcode) && set(d->buyer.city) ? " " : "",
                set(d->buyer.city) ? d->buyer.city : "");
        add_text(v->buyer, &v->nbuyer, BILL_VIEW_MAX, t);
        free(t);
    }
    add_text(v->buyer, &v->nbuyer, BILL_VIEW_MAX, d->buyer.country);
    if (set(d->buyer.vat_id)) {
        t = fmt("VAT ID %s", d->buyer.vat_id);
        add_text(v->buyer, &v->nbuyer, BILL_VIEW_MAX, t);
        free(t);
    }

    /* what the document is about */
    if (set(d->title))
        v->subject = bill_clean(d->title, 0);
    if (set(d->notes))
        v->notes = bill_clean(d->notes, 1);

    /* totals: net, VAT per rate (the sums of the lines' own amounts), gross; then what was paid
     * and credited and what is still open */
    add_total(v, xstrdup("Net total"), d->net_total, d->minor_units, 0, 0);
    for (i = 0; i < d->ntaxes; i++) {
        bill_fmt_number(d->taxes[i].rate, a, sizeof a);
        bill_fmt_amount(d->taxes[i].net, d->minor_units, b, sizeof b);
        add_total(v, fmt("VAT %s%% on %s", a, b), d->taxes[i].tax, d->minor_units, 0, 0);
    }
    add_total(v, fmt("Total %s", cur), d->gross_total, d->minor_units, 0, 1);
    if (d->kind == BILL_INVOICE && !draft &&
        (positive(d->paid_total) || positive(d->credited_total))) {
        if (positive(d->paid_total))
            add_total(v, xstrdup("Paid"), d->paid_total, d->minor_units, 1, 0);
        if (positive(d->credited_total))
            add_total(v, xstrdup("Credited"), d->credited_total, d->minor_units, 1, 0);
        add_total(v, fmt("Outstanding %s", cur), d->outstanding, d->minor_units, 0, 1);
    }

    /* how to pay (or what this is) */
    bill_fmt_amount(d->kind == BILL_INVOICE && !draft ? d->outstanding : d->gross_total,
                    d->minor_units, a, sizeof a);
    bill_fmt_iban(co->iban, iban, sizeof iban);
    if (d->kind == BILL_QUOTE) {
        v->payment = set(d->valid_until)
                         ? fmt("This quote is valid until %s. Prices are net, plus VAT as shown.",
                               d->valid_until)
                         : xstrdup("Prices are net, plus VAT as shown.");
    } else if (draft) {
        v->payment = fmt("Draft: this is not %s yet and has no number.",
                         d->kind == BILL_CREDIT_NOTE ? "a credit note" : "an invoice");
    } else if (d->kind == BILL_CREDIT_NOTE) {
        v->payment = fmt("This credit note corrects invoice %s: %s %s are credited to you.",
                         set(d->corrects) ? d->corrects : "", a, cur);
    } else if (d->state != NULL && strcmp(d->state, "cancelled") == 0) {
        v->payment = xstrdup("This invoice was cancelled by credit note. Nothing is due.");
    } else if (d->state != NULL && strcmp(d->state, "paid") == 0) {
        v->payment = xstrdup("Paid in full. Thank you.");
    } else if (set(co->iban)) {
        v->payment = fmt("Please transfer %s %s by %s to %s%sIBAN %s%s%s, quoting %s.", a, cur,
                         set(d->due_date) ? d->due_date : "the due date",
                         set(co->bank) ? co->bank : "", set(co->bank) ? ", " : "", iban,
                         set(co->bic) ? ", BIC " : "", set(co->bic) ? co->bic : "", d->number);
    } else {
        v->payment = fmt("Please pay %s %s by %s, quoting %s.", a, cur,
                         set(d->due_date) ? d->due_date : "the due date", d->number);
    }
    t = v->payment;
    v->payment = bill_clean(t, 0);
    free(t);

    /* the footer: who we are, legally */
    t = fmt("%s%s%s%s%s%s%s%s%s%s%s", set(co->name) ? co->name : "",
            set(co->vat_id) ? " · VAT ID " : "", set(co->vat_id) ? co->vat_id : "",
            set(co->tax_id) ? " · Tax no. " : "", set(co->tax_id) ? co->tax_id : "",
            set(co->registration) ? " · " : "", set(co->registration) ? co->registration : "",
            set(co->iban) ? " · IBAN " : "", set(co->iban) ? iban : "",
            set(co->bic) ? " · BIC " : "", set(co->bic) ? co->bic : "");
    v->footer = bill_clean(t, 0);
    free(t);
}

void
bill_view_fini(struct bill_view *v)
{
    int i;

    free(v->company);
    for (i = 0; i < v->nseller; i++)
        free(v->seller[i]);
    for (i = 0; i < v->nbuyer; i++)
        free(v->buyer[i]);
    for (i = 0; i < v->nmeta; i++) {
        free(v->meta[i][0]);
        free(v->meta[i][1]);
    }
    for (i = 0; i < v->ntotals; i++) {
        free(v->totals[i][0]);
        free(v->totals[i][1]);
    }
    free(v->subject);
    free(v->notes);
    free(v->payment);
    free(v->footer);
    memset(v, 0, sizeof *v);
}

/* The cells of a line as printed: description (cleaned, newlines kept), quantity, unit, unit
 * price, discount, VAT rate and net amount. Free with bill_cells_fini. */
void
bill_cells(const struct bill_doc *d, const struct bill_line *l, struct bill_cells *c)
{
    char buf[64];

    c->pos = fmt("%d", l->position);
    c->description = bill_clean(l->description, 1);
    bill_fmt_number(l->quantity, buf, sizeof buf);
    c->quantity = xstrdup(buf);
    c->unit = bill_clean(l->unit, 0);
    bill_fmt_price(l->unit_price, d->minor_units, buf, sizeof buf);
    c->price = xstrdup(buf);
    bill_fmt_number(l->discount_pct, buf, sizeof buf);
    c->discount = strcmp(buf, "0") == 0 ? xstrdup("") : fmt("%s%%", buf);
    bill_fmt_number(l->tax_rate, buf, sizeof buf);
    c->tax_rate = fmt("%s%%", buf);
    bill_fmt_amount(l->net, d->minor_units, buf, sizeof buf);
    c->net = xstrdup(buf);
    c->sku = l->sku != NULL ? bill_clean(l->sku, 0) : NULL;
}

const char *const bill_col_heads[8] = {"Pos",   "Description", "Qty", "Unit",
                                       "Price", "Disc.",       "VAT", "Net"};

void
bill_cells_row(const struct bill_cells *c, const char *row[8])
{
    row[0] = c->pos;
    row[1] = c->description;
    row[2] = c->quantity;
    row[3] = c->unit;
    row[4] = c->price;
    row[5] = c->discount;
    row[6] = c->tax_rate;
    row[7] = c->net;
}

void
bill_cells_fini(struct bill_cells *c)
{
    free(c->pos);
    free(c->description);
    free(c->quantity);
    free(c->unit);
    free(c->price);
    free(c->discount);
    free(c->tax_rate);
    free(c->net);
    free(c->sku);
    memset(c, 0, sizeof *c);
}
