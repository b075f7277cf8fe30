/* An issued invoice or credit note as a UBL 2.1 e-invoice following EN 16931 (the European
 * semantic model, urn:cen.eu:en16931:2017), written with libxml2's text writer: it escapes, keeps
 * the namespaces straight and writes UTF-8. Every amount is the database's decimal text, so the
 * document adds up exactly as the PDF does (BR-CO-10 .. BR-CO-16). docs/billing.md lists what is
 * written and which business rules the tests check. */
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/billing.h"
#include "ccrm/util.h"

#define NS_INVOICE "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#define NS_CREDIT "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
#define NS_CAC "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#define NS_CBC "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

struct ubl {
    xmlTextWriterPtr w;
    const char *currency;
    int failed;
};

static const xmlChar *
X(const char *s)
{
    return (const xmlChar *)s;
}

static void
check(struct ubl *u, int rc)
{
    if (rc < 0)
        u->failed = 1;
}

static void
open_el(struct ubl *u, const char *name)
{
    check(u, xmlTextWriterStartElement(u->w, X(name)));
}

static void
close_el(struct ubl *u)
{
    check(u, xmlTextWriterEndElement(u->w));
}

/* <name>value</name>, the value cleaned of what XML 1.0 cannot carry; nothing when value is
 * NULL or empty */
static void
el(struct ubl *u, const char *name, const char *value)
{
    char *v;

    if (value == NULL || value[0] == '\0')
        return;
    v = bill_clean(value, 1);
    check(u, xmlTextWriterWriteElement(u->w, X(name), X(v)));
    free(v);
}

/* <name currencyID="EUR">amount</name> */
static void
amount(struct ubl *u, const char *name, const char *value)
{
    open_el(u, name);
    check(u, xmlTextWriterWriteAttribute(u->w, X("currencyID"), X(u->currency)));
    check(u, xmlTextWriterWriteString(u->w, X(value != NULL ? value : "0")));
    close_el(u);
}

/* The VAT category of a rate: S (standard) above zero, Z (zero rated) at zero. */
static const char *
category(const char *rate)
{
    const char *p;

    for (p = rate; p != NULL && *p != '\0'; p++)
        if (*p >= '1' && *p <= '9')
            return "S";
    return "Z";
}

static void
tax_category(struct ubl *u, const char *element, const char *rate)
{
    char pct[32];

    bill_fmt_number(rate, pct, sizeof pct);
    open_el(u, element);
    el(u, "cbc:ID", category(rate));
    el(u, "cbc:Percent", pct);
    open_el(u, "cac:TaxScheme");
    el(u, "cbc:ID", "VAT");
    close_el(u);
    close_el(u);
}

/* The first line of a multi-line text (an item's name), the rest as its description */
static void
split_first(const char *s, char **first, char **rest)
{
    const char *nl = s != NULL ? strchr(s, '\n') : NULL;

    if (nl == NULL) {
        *first = xstrdup(s != NULL ? s : "");
        *rest = NULL;
        return;
    }
    *first = xmalloc((size_t)(nl - s) + 1);
    memcpy(*first, s, (size_t)(nl - s));
    (*first)[nl - s] = '\0';
    *rest = xstrdup(nl + 1);
}

static void
address(struct ubl *u, const char *l1, const char *l2, const char *l3, const char *city,
        const char *postcode, const char *country)
{
    open_el(u, "cac:PostalAddress");
    el(u, "cbc:StreetName", l1);
    el(u, "cbc:AdditionalStreetName", l2);
    el(u, "cbc:CityName", city);
    el(u, "cbc:PostalZone", postcode);
    if (l3 != NULL && l3[0] != '\0') {
        open_el(u, "cac:AddressLine");
        el(u, "cbc:Line", l3);
        close_el(u);
    }
    open_el(u, "cac:Country");
    el(u, "cbc:IdentificationCode", country);
    close_el(u);
    close_el(u);
}

static void
seller(struct ubl *u, const struct ccrm_company *co)
{
    open_el(u, "cac:AccountingSupplierParty");
    open_el(u, "cac:Party");
    open_el(u, "cac:PartyName");
    el(u, "cbc:Name", co->name);
    close_el(u);
    address(u, co->address1, co->address2, co->address3, co->city, co->postcode, co->country);
    open_el(u, "cac:PartyTaxScheme"); /* BT-31 */
    el(u, "cbc:CompanyID", co->vat_id);
    open_el(u, "cac:TaxScheme");
    el(u, "cbc:ID", "VAT");
    close_el(u);
    close_el(u);
    if (co->tax_id != NULL) { /* BT-32, the national tax number */
        open_el(u, "cac:PartyTaxScheme");
        el(u, "cbc:CompanyID", co->tax_id);
        open_el(u, "cac:TaxScheme");
        el(u, "cbc:ID", "FC");
        close_el(u);
        close_el(u);
    }
    open_el(u, "cac:PartyLegalEntity");
    el(u, "cbc:RegistrationName", co->name);         /* BT-27 */
    el(u, "cbc:CompanyLegalForm", co->registration); /* BT-33 */
    close_el(u);
    if (co->phone != NULL || co->email != NULL) {
        open_el(u, "cac:Contact");
        el(u, "cbc:Telephone", co->phone);
        el(u, "cbc:ElectronicMail", co->email);
        close_el(u);
    }
    close_el(u);
    close_el(u);
}

static void
buyer(struct ubl *u, const struct bill_party *b)
{
    char *l1 = NULL, *rest = NULL, *l2 = NULL, *l3 = NULL;

    split_first(b->address, &l1, &rest);
    if (rest != NULL)
        split_first(rest, &l2, &l3);
    open_el(u, "cac:AccountingCustomerParty");
    open_el(u, "cac:Party");
    address(u, l1, l2, l3, b->city, b->postcode, b->country);
    if (b->vat_id != NULL && b->vat_id[0] != '\0') {
        open_el(u, "cac:PartyTaxScheme"); /* BT-48 */
        el(u, "cbc:CompanyID", b->vat_id);
        open_el(u, "cac:TaxScheme");
        el(u, "cbc:ID", "VAT");
        close_el(u);
        close_el(u);
    }
    open_el(u, "cac:PartyLegalEntity");
    el(u, "cbc:RegistrationName", b->name); /* BT-44 */
    close_el(u);
    if (b->contact != NULL || b->email != NULL) {
        open_el(u, "cac:Contact");
        el(u, "cbc:Name", b->contact);
        el(u, "cbc:ElectronicMail", b->email);
        close_el(u);
    }
    close_el(u);
    close_el(u);
    free(l1);
    free(rest);
    free(l2);
    free(l3);
}

static int
nonzero(const char *dec)
{
    const char *p;

    for (p = dec; p != NULL && *p != '\0'; p++)
        if (*p >= '1' && *p <= '9')
            return 1;
    return 0;
}

static void
line(struct ubl *u, const struct bill_doc *d, const struct bill_line *l)
{
    int credit = d->kind == BILL_CREDIT_NOTE;
    char pos[16], pct[32], *name, *desc;

    snprintf(pos, sizeof pos, "%d", l->position);
    open_el(u, credit ? "cac:CreditNoteLine" : "cac:InvoiceLine");
    el(u, "cbc:ID", pos);                                                 /* BT-126 */
    open_el(u, credit ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity"); /* BT-129, BT-130 */
    check(u, xmlTextWriterWriteAttribute(u->w, X("unitCode"), X(bill_unit_code(l->unit))));
    check(u, xmlTextWriterWriteString(u->w, X(l->quantity)));
    close_el(u);
    amount(u, "cbc:LineExtensionAmount", l->net); /* BT-131 */
    if (nonzero(l->discount_pct)) {
        /* the line's discount as an allowance (BG-27): base - allowance = the line's net */
        bill_fmt_number(l->discount_pct, pct, sizeof pct);
        open_el(u, "cac:AllowanceCharge");
        el(u, "cbc:ChargeIndicator", "false");
        el(u, "cbc:AllowanceChargeReasonCode", "95"); /* UNTDID 5189: discount */
        el(u, "cbc:AllowanceChargeReason", "Discount");
        el(u, "cbc:MultiplierFactorNumeric", pct);
        amount(u, "cbc:Amount", l->allowance); /* BT-136 */
        amount(u, "cbc:BaseAmount", l->base);  /* BT-137 */
        close_el(u);
    }
    split_first(l->description, &name, &desc);
    open_el(u, "cac:Item");
    el(u, "cbc:Description", desc); /* BT-154 */
    el(u, "cbc:Name", name);        /* BT-153 */
    if (l->sku != NULL) {
        open_el(u, "cac:SellersItemIdentification");
        el(u, "cbc:ID", l->sku); /* BT-155 */
        close_el(u);
    }
    tax_category(u, "cac:ClassifiedTaxCategory", l->tax_rate); /* BT-151, BT-152 */
    close_el(u);
    open_el(u, "cac:Price");
    amount(u, "cbc:PriceAmount", l->unit_price); /* BT-146: the price before the discount */
    close_el(u);
    close_el(u);
    free(name);
    free(desc);
}

/* What EN 16931 needs of the seller that only the configuration can give. */
static const char *
company_missing(const struct ccrm_company *co)
{
    if (co->name == NULL)
        return "name (BT-27, BR-06)";
    if (co->city == NULL)
        return "city (the seller's postal address, BR-08)";
    if (co->country == NULL)
        return "country (BT-40, BR-09)";
    if (co->vat_id == NULL)
        return "vat_id (BT-31, BR-S-02 and BR-Z-02)";
    return NULL;
}

int
bill_write_ubl(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
               struct ccrm_err *err)
{
    int credit = d->kind == BILL_CREDIT_NOTE;
    xmlOutputBufferPtr out;
    struct ubl u;
    const char *missing;
    char note[160];
    size_t i;

    if (d->kind == BILL_QUOTE || d->number == NULL) {
        err_set(err, "could not write the e-invoice: %s is not an issued invoice or credit note",
                d->kind == BILL_QUOTE ? "a quote" : "a draft");
        return -1;
    }
    if (d->minor_units > 2) {
        err_set(err,
                "could not write the e-invoice: EN 16931 amounts have at most two decimals, and "
                "%s has %d",
                d->currency, d->minor_units);
        return -1;
    }
    if ((missing = company_missing(co)) != NULL) {
        err_set(err, "could not write the e-invoice: [company] %s is not set in the configuration",
                missing);
        return -1;
    }
    if (d->buyer.name == NULL || d->buyer.country == NULL) {
        err_set(err, "could not write the e-invoice: the buyer's name or country is missing");
        return -1;
    }
    if ((out = xmlOutputBufferCreateFile(f, NULL)) == NULL ||
        (u.w = xmlNewTextWriter(out)) == NULL) {
        err_set(err, "could not write the e-invoice: out of memory");
        return -1;
    }
    u.currency = d->currency;
    u.failed = 0;
    check(&u, xmlTextWriterSetIndent(u.w, 1));
    check(&u, xmlTextWriterSetIndentString(u.w, X("  ")));
    check(&u, xmlTextWriterStartDocument(u.w, NULL, "UTF-8", NULL));
    open_el(&u, credit ? "CreditNote" : "Invoice");
    check(&u, xmlTextWriterWriteAttribute(u.w, X("xmlns"), X(credit ? NS_CREDIT : NS_INVOICE)));
    check(&u, xmlTextWriterWriteAttribute(u.w, X("xmlns:cac"), X(NS_CAC)));
    check(&u, xmlTextWriterWriteAttribute(u.w, X("xmlns:cbc"), X(NS_CBC)));
    el(&u, "cbc:CustomizationID", "urn:cen.eu:en16931:2017"); /* BT-24, BR-01 */
    el(&u, "cbc:ID", d->number);                              /* BT-1, BR-02 */
    el(&u, "cbc:IssueDate", d->date);                         /* BT-2, BR-03 */
    if (!credit)
        el(&u, "cbc:DueDate", d->due_date);                           /* BT-9 */
    el(&u, credit ? "cbc:CreditNoteTypeCode" : "cbc:InvoiceTypeCode", /* BT-3, BR-04 */
       credit ? "381" : "380");
    el(&u, "cbc:Note", d->notes);                     /* BT-22 */
    el(&u, "cbc:DocumentCurrencyCode", d->currency);  /* BT-5, BR-05 */
    el(&u, "cbc:BuyerReference", d->buyer_reference); /* BT-10 */
    if (credit && d->corrects != NULL) {              /* BG-3: the invoice it corrects */
        open_el(&u, "cac:BillingReference");
        open_el(&u, "cac:InvoiceDocumentReference");
        el(&u, "cbc:ID", d->corrects);
        el(&u, "cbc:IssueDate", d->corrects_date);
        close_el(&u);
        close_el(&u);
    }
    seller(&u, co);
    buyer(&u, &d->buyer);
    if (!credit && co->iban != NULL) { /* BG-16, BG-17 */
        open_el(&u, "cac:PaymentMeans");
        /* UNTDID 4461: 58 SEPA credit transfer (euro), 30 credit transfer */
        el(&u, "cbc:PaymentMeansCode", strcmp(d->currency, "EUR") == 0 ? "58" : "30");
        el(&u, "cbc:PaymentID", d->number); /* BT-83 */
        open_el(&u, "cac:PayeeFinancialAccount");
        el(&u, "cbc:ID", co->iban); /* BT-84 */
        el(&u, "cbc:Name", co->name);
        if (co->bic != NULL) {
            open_el(&u, "cac:FinancialInstitutionBranch");
            el(&u, "cbc:ID", co->bic); /* BT-86 */
            close_el(&u);
        }
        close_el(&u);
        close_el(&u);
    }
    if (!credit) {
        snprintf(note, sizeof note, "Payable within %d days, by %s.", d->payment_terms_days,
                 d->due_date != NULL ? d->due_date : "the due date");
        open_el(&u, "cac:PaymentTerms");
        el(&u, "cbc:Note", note); /* BT-20 */
        close_el(&u);
    }
    /* the VAT breakdown (BG-23): per rate, the sums of the lines' net amounts and of their tax */
    open_el(&u, "cac:TaxTotal");
    amount(&u, "cbc:TaxAmount", d->tax_total); /* BT-110 */
    for (i = 0; i < d->ntaxes; i++) {
        open_el(&u, "cac:TaxSubtotal");
        amount(&u, "cbc:TaxableAmount", d->taxes[i].net);      /* BT-116 */
        amount(&u, "cbc:TaxAmount", d->taxes[i].tax);          /* BT-117 */
        tax_category(&u, "cac:TaxCategory", d->taxes[i].rate); /* BT-118, BT-119 */
        close_el(&u);
    }
    close_el(&u);
    open_el(&u, "cac:LegalMonetaryTotal");                /* BG-22 */
    amount(&u, "cbc:LineExtensionAmount", d->net_total);  /* BT-106 */
    amount(&u, "cbc:TaxExclusiveAmount", d->net_total);   /* BT-109 */
    amount(&u, "cbc:TaxInclusiveAmount", d->gross_total); /* BT-112 */
    amount(&u, "cbc:PayableAmount", d->gross_total);      /* BT-115 */
    close_el(&u);
    for (i = 0; i < d->nlines; i++)
        line(&u, d, &d->lines[i]);
    close_el(&u);
    check(&u, xmlTextWriterEndDocument(u.w));
    xmlFreeTextWriter(u.w); /* flushes and closes the output buffer, not f */
    if (u.failed || ferror(f)) {
        err_set(err, "could not write the e-invoice");
        return -1;
    }
    return 0;
}
