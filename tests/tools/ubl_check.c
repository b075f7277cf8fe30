/* ubl_check FILE.xml: checks a UBL 2.1 invoice or credit note against the EN 16931 business rules
 * listed in docs/billing.md, independently of the code that wrote it (tests/db/test_print.sh).
 * The rules are read from the standard (the CEN schematron's assertions), amounts compared as
 * exact decimals. Prints one line per rule ("BR-CO-10 ok", "BR-CO-10 FAILED: ...") and exits 1
 * when any rule fails, 2 when the file is not well-formed XML. */
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xmlXPathContextPtr ctx;
static int failures;
static int is_credit;

static void result(const char *rule, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
result(const char *rule, int ok, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("%s ok\n", rule);
        return;
    }
    failures++;
    printf("%s FAILED: ", rule);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* The nodes an XPath finds (relative to node, or the document when NULL); free with
 * xmlXPathFreeObject. */
static xmlXPathObjectPtr
find(xmlNodePtr node, const char *xpath)
{
    ctx->node = node != NULL ? node : xmlDocGetRootElement(ctx->doc);
    return xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
}

static int
count(xmlNodePtr node, const char *xpath)
{
    xmlXPathObjectPtr o = find(node, xpath);
    int n = o != NULL && o->nodesetval != NULL ? o->nodesetval->nodeNr : 0;

    xmlXPathFreeObject(o);
    return n;
}

/* The text of the first node found, malloc'd, or NULL */
static char *
text(xmlNodePtr node, const char *xpath)
{
    xmlXPathObjectPtr o = find(node, xpath);
    char *s = NULL;

    if (o != NULL && o->nodesetval != NULL && o->nodesetval->nodeNr > 0) {
        xmlChar *c = xmlNodeGetContent(o->nodesetval->nodeTab[0]);

        s = strdup((const char *)c);
        xmlFree(c);
    }
    xmlXPathFreeObject(o);
    return s;
}

static int
present(xmlNodePtr node, const char *xpath)
{
    char *s = text(node, xpath);
    int ok = s != NULL && s[0] != '\0';

    free(s);
    return ok;
}

/* A decimal with at most `scale` fraction digits, as an integer of 10^-scale units. Returns 0,
 * or -1 when it is not such a decimal. */
static int
parse_dec(const char *s, int scale, long long *out)
{
    long long v = 0;
    int neg = 0, frac = -1;

    if (s == NULL || *s == '\0')
        return -1;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    for (; *s != '\0'; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            return -1;
        if (frac >= 0 && ++frac > scale)
            return -1;
        v = v * 10 + (*s - '0');
    }
    for (frac = frac < 0 ? 0 : frac; frac < scale; frac++)
        v *= 10;
    *out = neg ? -v : v;
    return 0;
}

/* An amount in cents (EN 16931 amounts have two decimals at most); -1 when absent or invalid */
static int
amount(xmlNodePtr node, const char *xpath, long long *cents)
{
    char *s = text(node, xpath);
    int rc = parse_dec(s, 2, cents);

    free(s);
    return rc;
}

static long long
div_round(long long a, long long b) /* a / b rounded half away from zero, b > 0 */
{
    return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

int
main(int argc, char **argv)
{
    const char *line_el;
    xmlXPathObjectPtr o;
    xmlDocPtr doc;
    long long bt106, bt109, bt110, bt112, bt113 = 0, bt114 = 0, bt115, sum, v;
    char *s;
    int i, n, ok;

    if (argc != 2) {
        fputs("usage: ubl_check FILE.xml\n", stderr);
        return 2;
    }
    doc = xmlReadFile(argv[1], NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (doc == NULL) {
        printf("well-formed FAILED: %s is not well-formed XML\n", argv[1]);
        return 2;
    }
    printf("well-formed ok\n");
    ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, (const xmlChar *)"inv",
                       (const xmlChar *)"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2");
    xmlXPathRegisterNs(
        ctx, (const xmlChar *)"cn",
        (const xmlChar *)"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2");
    xmlXPathRegisterNs(
        ctx, (const xmlChar *)"cac",
        (const xmlChar
             *)"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2");
    xmlXPathRegisterNs(
        ctx, (const xmlChar *)"cbc",
        (const xmlChar *)"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2");
    is_credit = count(NULL, "/cn:CreditNote") == 1;
    result("root", is_credit || count(NULL, "/inv:Invoice") == 1,
           "the root is neither a UBL Invoice nor a CreditNote");
    line_el = is_credit ? "cac:CreditNoteLine" : "cac:InvoiceLine";

    /* BR-01 .. BR-16: what every invoice has */
    s = text(NULL, "cbc:CustomizationID");
    result("BR-01", s != NULL && strncmp(s, "urn:cen.eu:en16931:2017", 23) == 0,
           "specification identifier (BT-24) is \"%s\"", s ? s : "(none)");
    free(s);
    result("BR-02", present(NULL, "cbc:ID"), "no invoice number (BT-1)");
    s = text(NULL, "cbc:IssueDate");
    result("BR-03", s != NULL && strlen(s) == 10 && s[4] == '-' && s[7] == '-',
           "issue date (BT-2) is \"%s\"", s ? s : "(none)");
    free(s);
    s = text(NULL, is_credit ? "cbc:CreditNoteTypeCode" : "cbc:InvoiceTypeCode");
    result("BR-04", s != NULL && strcmp(s, is_credit ? "381" : "380") == 0,
           "type code (BT-3) is \"%s\"", s ? s : "(none)");
    free(s);
    s = text(NULL, "cbc:DocumentCurrencyCode");
    result("BR-05", s != NULL && strlen(s) == 3, "currency code (BT-5) is \"%s\"",
           s ? s : "(none)");
    result("BR-CL-currency",
           s != NULL && count(NULL, "//*[@currencyID]") ==
                            count(NULL, "//*[@currencyID = /*/cbc:DocumentCurrencyCode]"),
           "an amount is not in the document's currency");
    free(s);
    result("BR-06",
           present(NULL, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/"
                         "cbc:RegistrationName"),
           "no seller name (BT-27)");
    result("BR-07",
           present(NULL, "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/"
                         "cbc:RegistrationName"),
           "no buyer name (BT-44)");
    result("BR-08", count(NULL, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress") == 1,
           "no seller postal address (BG-5)");
    s = text(NULL, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/"
                   "cbc:IdentificationCode");
    result("BR-09", s != NULL && strlen(s) == 2, "seller country code (BT-40) is \"%s\"",
           s ? s : "(none)");
    free(s);
    result("BR-10", count(NULL, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress") == 1,
           "no buyer postal address (BG-8)");
    s = text(NULL, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/"
                   "cbc:IdentificationCode");
    result("BR-11", s != NULL && strlen(s) == 2, "buyer country code (BT-55) is \"%s\"",
           s ? s : "(none)");
    free(s);
    result("BR-12", amount(NULL, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount", &bt106) == 0,
           "no sum of line net amounts (BT-106), or more than two decimals");
    result("BR-13", amount(NULL, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", &bt109) == 0,
           "no total without VAT (BT-109)");
    result("BR-14", amount(NULL, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", &bt112) == 0,
           "no total with VAT (BT-112)");
    result("BR-15", amount(NULL, "cac:LegalMonetaryTotal/cbc:PayableAmount", &bt115) == 0,
           "no amount due (BT-115)");
    n = count(NULL, line_el);
    result("BR-16", n > 0, "no invoice line (BG-25)");

    /* BR-DEC: every amount has at most two decimals (prices, BT-146 and BT-148, may have more) */
    o = find(NULL, "//*[@currencyID][local-name() != 'PriceAmount' and local-name() != "
                   "'BaseAmount' or local-name() = 'BaseAmount' and not(parent::cac:Price)]");
    for (ok = 1, i = 0; o != NULL && o->nodesetval != NULL && i < o->nodesetval->nodeNr; i++) {
        xmlChar *c = xmlNodeGetContent(o->nodesetval->nodeTab[i]);

        if (parse_dec((const char *)c, 2, &v) != 0) {
            result("BR-DEC", 0, "%s has more than two decimals: %s",
                   (const char *)o->nodesetval->nodeTab[i]->name, (const char *)c);
            ok = 0;
        }
        xmlFree(c);
    }
    xmlXPathFreeObject(o);
    if (ok)
        result("BR-DEC", 1, "-");

    /* the lines: BR-21 .. BR-27, BR-41, BR-42, BR-S-05, BR-Z-05; and sum them for BR-CO-10 */
    o = find(NULL, line_el);
    for (sum = 0, ok = 1, i = 0; o != NULL && o->nodesetval != NULL && i < o->nodesetval->nodeNr;
         i++) {
        xmlNodePtr l = o->nodesetval->nodeTab[i];
        const char *qty = is_credit ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity";
        char q[64], *cat, *rate;
        long long price, net, r;

        snprintf(q, sizeof q, "%s/@unitCode", qty);
        if (!present(l, "cbc:ID"))
            result("BR-21", ok = 0, "line %d has no identifier", i + 1);
        if (!present(l, qty))
            result("BR-22", ok = 0, "line %d has no quantity", i + 1);
        if (!present(l, q))
            result("BR-23", ok = 0, "line %d has no unit code", i + 1);
        if (amount(l, "cbc:LineExtensionAmount", &net) != 0)
            result("BR-24", ok = 0, "line %d has no net amount", i + 1);
        else
            sum += net;
        if (!present(l, "cac:Item/cbc:Name"))
            result("BR-25", ok = 0, "line %d has no item name", i + 1);
        s = text(l, "cac:Price/cbc:PriceAmount");
        if (parse_dec(s, 9, &price) != 0)
            result("BR-26", ok = 0, "line %d has no net price", i + 1);
        else if (price < 0)
            result("BR-27", ok = 0, "line %d has a negative price %s", i + 1, s);
        free(s);
        if (count(l, "cac:AllowanceCharge[not(cbc:Amount)]") > 0)
            result("BR-41", ok = 0, "line %d has an allowance without an amount", i + 1);
        if (count(l, "cac:AllowanceCharge[not(cbc:AllowanceChargeReason) and "
                     "not(cbc:AllowanceChargeReasonCode)]") > 0)
            result("BR-42", ok = 0, "line %d has an allowance without a reason", i + 1);
        cat = text(l, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID");
        rate = text(l, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent");
        if (cat == NULL || parse_dec(rate, 3, &r) != 0)
            result("BR-CO-04", ok = 0, "line %d has no VAT category or rate", i + 1);
        else if (strcmp(cat, "S") == 0 && r <= 0)
            result("BR-S-05", ok = 0, "line %d is standard rated at %s%%", i + 1, rate);
        else if (strcmp(cat, "Z") == 0 && r != 0)
            result("BR-Z-05", ok = 0, "line %d is zero rated at %s%%", i + 1, rate);
        free(cat);
        free(rate);
    }
    xmlXPathFreeObject(o);
    if (ok)
        result("BR-21..BR-27, BR-41, BR-42, BR-S-05, BR-Z-05", 1, "-");

    /* the totals: BR-CO-10 .. BR-CO-16 (no document level allowances or charges here) */
    result("BR-CO-10", sum == bt106, "BT-106 is %lld cents, the lines add up to %lld", bt106, sum);
    result("BR-CO-11/12",
           count(NULL, "cac:AllowanceCharge") == 0 ||
               count(NULL, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount") > 0,
           "document level allowances without their sum");
    result("BR-CO-13", bt109 == bt106, "BT-109 %lld != BT-106 %lld", bt109, bt106);
    ok = amount(NULL, "cac:TaxTotal/cbc:TaxAmount", &bt110) == 0;
    result("BR-CO-18", count(NULL, "cac:TaxTotal/cac:TaxSubtotal") > 0, "no VAT breakdown (BG-23)");
    o = find(NULL, "cac:TaxTotal/cac:TaxSubtotal");
    for (sum = 0, i = 0; o != NULL && o->nodesetval != NULL && i < o->nodesetval->nodeNr; i++) {
        xmlNodePtr t = o->nodesetval->nodeTab[i];
        long long taxable, tax, rate, want, lines = 0;
        char *cat = text(t, "cac:TaxCategory/cbc:ID"),
             *pct = text(t, "cac:TaxCategory/cbc:Percent");
        char xp[256];
        xmlXPathObjectPtr lo;
        int j;

        if (amount(t, "cbc:TaxableAmount", &taxable) != 0 ||
            amount(t, "cbc:TaxAmount", &tax) != 0 || parse_dec(pct, 3, &rate) != 0 || cat == NULL) {
            result("BG-23", 0, "a VAT breakdown without taxable amount, tax, category or rate");
            free(cat);
            free(pct);
            continue;
        }
        sum += tax;
        /* BR-CO-17 / BR-S-09: tax = taxable x rate, within one unit (the schematron's test) */
        want = div_round(taxable * rate, 100000);
        result(strcmp(cat, "S") == 0 ? "BR-S-09" : "BR-CO-17",
               (rate == 0 && tax == 0) || (tax - 100 < want && tax + 100 > want),
               "category %s %s%%: tax %lld cents, taxable x rate = %lld", cat, pct, tax, want);
        if (strcmp(cat, "Z") == 0)
            result("BR-Z-09", tax == 0, "zero rated tax is %lld cents", tax);
        /* BR-S-08 / BR-Z-08: taxable = the lines' net amounts of this category and rate */
        snprintf(xp, sizeof xp,
                 "/*/%s[cac:Item/cac:ClassifiedTaxCategory/cbc:ID = '%s' and "
                 "number(cac:Item/cac:ClassifiedTaxCategory/cbc:Percent) = %s]",
                 line_el, cat, pct);
        lo = find(NULL, xp);
        for (j = 0; lo != NULL && lo->nodesetval != NULL && j < lo->nodesetval->nodeNr; j++)
            if (amount(lo->nodesetval->nodeTab[j], "cbc:LineExtensionAmount", &v) == 0)
                lines += v;
        xmlXPathFreeObject(lo);
        result(strcmp(cat, "S") == 0 ? "BR-S-08" : "BR-Z-08", taxable == lines,
               "category %s %s%%: taxable %lld cents, the lines add up to %lld", cat, pct, taxable,
               lines);
        free(cat);
        free(pct);
    }
    xmlXPathFreeObject(o);
    result("BR-CO-14", ok && bt110 == sum, "BT-110 %lld != the breakdown's %lld", bt110, sum);
    result("BR-CO-15", bt112 == bt109 + bt110, "BT-112 %lld != BT-109 %lld + BT-110 %lld", bt112,
           bt109, bt110);
    amount(NULL, "cac:LegalMonetaryTotal/cbc:PrepaidAmount", &bt113);
    amount(NULL, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", &bt114);
    result("BR-CO-16", bt115 == bt112 - bt113 + bt114, "BT-115 %lld != %lld - %lld + %lld", bt115,
           bt112, bt113, bt114);
    /* BR-S-01, BR-Z-01: a category on a line is in the breakdown; BR-S-02, BR-Z-02: the seller's
     * VAT identifier */
    for (i = 0; i < 2; i++) {
        const char *cat = i == 0 ? "S" : "Z";
        char xl[160], xb[160];

        snprintf(xl, sizeof xl, "//cac:ClassifiedTaxCategory[cbc:ID = '%s']", cat);
        snprintf(xb, sizeof xb, "cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID = '%s']", cat);
        if (count(NULL, xl) == 0)
            continue;
        result(i == 0 ? "BR-S-01" : "BR-Z-01", count(NULL, xb) > 0,
               "lines of category %s but no such VAT breakdown", cat);
        result(i == 0 ? "BR-S-02" : "BR-Z-02",
               present(NULL, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"
                             "[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID"),
               "category %s without the seller's VAT identifier (BT-31)", cat);
    }
    if (is_credit)
        result("BG-3", present(NULL, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
               "a credit note without the invoice it corrects");

    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    xmlCleanupParser();
    printf("%d rule%s failed\n", failures, failures == 1 ? "" : "s");
    return failures > 0 ? 1 : 0;
}
