/* Unit tests for src/billing/format.c and view.c: how documents write amounts, prices,
 * quantities, IBANs, units and text, and what a document says (the words the text and PDF
 * renderers share), without a database. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../src/billing/view.h"
#include "ccrm/billing.h"
#include "ccrm/util.h"
#include "ccrm/value.h"

static void
test_amounts(void **state)
{
    static const struct {
        const char *in;
        int minor;
        const char *want;
    } cases[] = {
        {"0", 2, "0.00"},
        {"0.00", 2, "0.00"},
        {"712.52", 2, "712.52"},
        {"1234567.5", 2, "1,234,567.50"},
        {"-1000.5", 2, "-1,000.50"},
        {"999", 2, "999.00"},
        {"1000", 2, "1,000.00"},
        {"100000", 0, "100,000"},
        {"2566", 0, "2,566"},
        {"3.240", 3, "3.240"},
        {"1234.568", 3, "1,234.568"},
        {"-0.00", 2, "0.00"},
        {"007.5", 2, "7.50"},
        {".5", 2, "0.50"},
        {NULL, 2, "0.00"},
    };
    char buf[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bill_fmt_amount(cases[i].in, cases[i].minor, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("amount \"%s\" (%d): got \"%s\", want \"%s\"",
                     cases[i].in ? cases[i].in : "NULL", cases[i].minor, buf, cases[i].want);
    }
}

static void
test_prices_and_numbers(void **state)
{
    static const struct {
        const char *in;
        int minor;
        const char *price, *number;
    } cases[] = {
        {"19.9900", 2, "19.99", "19.99"},  {"0.1250", 2, "0.125", "0.125"},
        {"4900.0000", 0, "4,900", "4900"}, {"8000.5000", 0, "8,000.5", "8000.5"},
        {"350.0000", 2, "350.00", "350"},  {"10.000", 3, "10.000", "10"},
        {"2.500", 2, "2.50", "2.5"},       {"-2.000", 2, "-2.00", "-2"},
        {"0.000", 2, "0.00", "0"},         {"12.50", 2, "12.50", "12.5"},
    };
    char buf[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bill_fmt_price(cases[i].in, cases[i].minor, buf, sizeof buf);
        if (strcmp(buf, cases[i].price) != 0)
            fail_msg("price \"%s\": got \"%s\", want \"%s\"", cases[i].in, buf, cases[i].price);
        bill_fmt_number(cases[i].in, buf, sizeof buf);
        if (strcmp(buf, cases[i].number) != 0)
            fail_msg("number \"%s\": got \"%s\", want \"%s\"", cases[i].in, buf, cases[i].number);
    }
}

static void
test_iban_units(void **state)
{
    char buf[64];

    (void)state;
    bill_fmt_iban("DE89370400440532013000", buf, sizeof buf);
    assert_string_equal(buf, "DE89 3704 0044 0532 0130 00");
    bill_fmt_iban("", buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_string_equal(bill_unit_code("hour"), "HUR");
    assert_string_equal(bill_unit_code("Hours"), "HUR");
    assert_string_equal(bill_unit_code("piece"), "H87");
    assert_string_equal(bill_unit_code("lump sum"), "LS");
    assert_string_equal(bill_unit_code("month"), "MON");
    assert_string_equal(bill_unit_code("Stück"), "H87"); /* case-insensitive ASCII only */
    assert_string_equal(bill_unit_code("KGM"), "KGM");   /* a code stays a code */
    assert_string_equal(bill_unit_code("E48"), "E48");
    assert_string_equal(bill_unit_code("widgets"), "C62");
    assert_string_equal(bill_unit_code("kg1x"), "C62");
    assert_string_equal(bill_unit_code(NULL), "C62");
}

static void
test_text(void **state)
{
    char *s;

    (void)state;
    assert_int_equal(bill_text_width("abc"), 3);
    assert_int_equal(bill_text_width("Łódź"), 4);
    assert_int_equal(bill_text_width("北京"), 4);
    assert_int_equal(bill_text_width("Ζωή & Söhne"), 11);
    assert_int_equal(bill_text_width(""), 0);
    s = bill_clean("a\x1b[2Jb\tc\nd\x7f\xc2\x9b", 1);
    assert_string_equal(s, "a?[2Jb c\nd??");
    free(s);
    s = bill_clean("line\nnext", 0);
    assert_string_equal(s, "line next");
    free(s);
    s = bill_clean("bad \xff utf-8 \xe2\x80\xae rtl override", 0);
    assert_string_equal(s, "bad ? utf-8 ? rtl override");
    free(s);
    s = bill_clean(NULL, 0);
    assert_string_equal(s, "");
    free(s);
}

/* A document as the database would give it */
static struct bill_doc *
doc(enum bill_kind kind, const char *number, const char *state)
{
    struct bill_doc *d = xcalloc(1, sizeof *d);

    d->kind = kind;
    d->id = 7;
    d->number = number != NULL ? xstrdup(number) : NULL;
    d->status = xstrdup(state);
    d->state = xstrdup(state);
    d->currency = xstrdup("EUR");
    d->minor_units = 2;
    d->date = xstrdup("2026-12-03");
    d->due_date = number != NULL ? xstrdup("2027-01-02") : NULL;
    d->payment_terms_days = 30;
    d->buyer.name = xstrdup("Müller Logistik GmbH");
    d->buyer.address = xstrdup("Hafenstraße 1\nTor 3");
    d->buyer.postcode = xstrdup("20457");
    d->buyer.city = xstrdup("Hamburg");
    d->buyer.country = xstrdup("DE");
    d->net_total = xstrdup("634.05");
    d->tax_total = xstrdup("78.47");
    d->gross_total = xstrdup("712.52");
    d->paid_total = xstrdup("100.00");
    d->credited_total = xstrdup("0.00");
    d->outstanding = xstrdup("612.52");
    d->taxes = xcalloc(2, sizeof *d->taxes);
    d->taxes[0].rate = xstrdup("19.00");
    d->taxes[0].net = xstrdup("284.05");
    d->taxes[0].tax = xstrdup("53.97");
    d->taxes[1].rate = xstrdup("7.00");
    d->taxes[1].net = xstrdup("350.00");
    d->taxes[1].tax = xstrdup("24.50");
    d->ntaxes = 2;
    return d;
}

static void
company_free(struct ccrm_company *co)
{
    free(co->name);
    free(co->address1);
    free(co->postcode);
    free(co->city);
    free(co->country);
    free(co->vat_id);
    free(co->iban);
    free(co->bic);
    memset(co, 0, sizeof *co);
}

static int
has_total(const struct bill_view *v, const char *label, const char *amount)
{
    int i;

    for (i = 0; i < v->ntotals; i++)
        if (strcmp(v->totals[i][0], label) == 0 && strcmp(v->totals[i][1], amount) == 0)
            return 1;
    return 0;
}

static void
test_view(void **state)
{
    struct ccrm_company co;
    struct bill_view v;
    struct bill_doc *d;

    (void)state;
    memset(&co, 0, sizeof co);
    co.name = xstrdup("Nordlicht Software GmbH");
    co.address1 = xstrdup("Straße des 17. Juni 135");
    co.postcode = xstrdup("10623");
    co.city = xstrdup("Berlin");
    co.country = xstrdup("DE");
    co.vat_id = xstrdup("DE123456789");
    co.iban = xstrdup("DE89370400440532013000");
    co.bic = xstrdup("COBADEFFXXX");

    d = doc(BILL_INVOICE, "2026-00001", "partly_paid");
    bill_view_build(d, &co, &v);
    assert_string_equal(v.title, "Invoice");
    assert_string_equal(v.company, "Nordlicht Software GmbH");
    assert_string_equal(v.seller[1], "10623 Berlin, DE");
    assert_string_equal(v.buyer[1], "Hafenstraße 1"); /* address lines one by one */
    assert_string_equal(v.buyer[2], "Tor 3");
    assert_string_equal(v.buyer[3], "20457 Hamburg");
    assert_true(has_total(&v, "Net total", "634.05"));
    assert_true(has_total(&v, "VAT 19% on 284.05", "53.97"));
    assert_true(has_total(&v, "VAT 7% on 350.00", "24.50"));
    assert_true(has_total(&v, "Total EUR", "712.52"));
    assert_true(has_total(&v, "Paid", "-100.00"));
    assert_true(has_total(&v, "Outstanding EUR", "612.52"));
    assert_string_equal(v.payment, "Please transfer 612.52 EUR by 2027-01-02 to IBAN DE89 3704 "
                                   "0044 0532 0130 00, BIC COBADEFFXXX, quoting 2026-00001.");
    assert_non_null(strstr(v.footer, "VAT ID DE123456789"));
    bill_view_fini(&v);
    bill_doc_free(&d);

    d = doc(BILL_INVOICE, NULL, "draft");
    bill_view_build(d, &co, &v);
    assert_string_equal(v.title, "Draft invoice");
    assert_string_equal(v.meta[0][1], "(not issued)");
    assert_false(has_total(&v, "Paid", "-100.00")); /* a draft shows no payments */
    assert_non_null(strstr(v.payment, "not an invoice yet"));
    bill_view_fini(&v);
    bill_doc_free(&d);

    d = doc(BILL_INVOICE, "2026-00002", "paid");
    bill_view_build(d, &co, &v);
    assert_string_equal(v.payment, "Paid in full. Thank you.");
    bill_view_fini(&v);
    bill_doc_free(&d);

    company_free(&co); /* no [company]: still a document, just no letterhead */
    d = doc(BILL_CREDIT_NOTE, "CN-2026-00001", "issued");
    d->corrects = xstrdup("2026-00001");
    bill_view_build(d, &co, &v);
    assert_string_equal(v.title, "Credit note");
    assert_string_equal(v.company, "");
    assert_string_equal(v.payment,
                        "This credit note corrects invoice 2026-00001: 712.52 EUR are credited to "
                        "you.");
    bill_view_fini(&v);
    bill_doc_free(&d);
}

/* 2026-02-28 18:00 UTC: what "today" is in the payment words below */
static time_t
fixed_clock(void)
{
    return (time_t)1772301600;
}

/* :payment's line: the amount, then date and method in either order, then the reference */
static void
test_payment_words(void **state)
{
    struct bill_pay_words w;

    (void)state;
    assert_int_equal(bill_parse_payment("300,00", &w), 0);
    assert_string_equal(w.amount, "300,00");
    assert_string_equal(w.date, "");
    assert_string_equal(w.method, "");
    assert_string_equal(w.reference, "");
    assert_int_equal(bill_parse_payment("  612.52 2026-11-30 card  R-4711 Müller GmbH ", &w), 0);
    assert_string_equal(w.amount, "612.52");
    assert_string_equal(w.date, "2026-11-30");
    assert_string_equal(w.method, "card");
    assert_string_equal(w.reference, "R-4711 Müller GmbH");
    assert_int_equal(bill_parse_payment("10 Direct_Debit 2026-01-02", &w), 0);
    assert_string_equal(w.method, "direct_debit");
    assert_string_equal(w.date, "2026-01-02");
    /* a reference follows its method: a word in the method's place that is neither date nor
     * method is refused, naming the methods, not taken for the reference ("cahs" was, and the
     * payment recorded as a transfer) */
    assert_int_equal(bill_parse_payment("10 cahs", &w), -3);
    assert_string_equal(w.method_why, "not a payment method: \"cahs\" (transfer, direct_debit, "
                                      "card, cash, cheque or other, then the reference)");
    assert_string_equal(w.reference, "");
    assert_int_equal(bill_parse_payment("10 2026-01-02 cahs R-1", &w), -3);
    assert_int_equal(bill_parse_payment("10 SEPA cash 2026-01-02", &w), -3);
    assert_int_equal(bill_parse_payment("12 4711", &w), -3);
    assert_int_equal(bill_parse_payment("10 transfer SEPA cash 2026-01-02", &w), 0);
    assert_string_equal(w.method, "transfer");
    assert_string_equal(w.date, "");
    assert_string_equal(w.reference, "SEPA cash 2026-01-02"); /* the rest is kept as typed */
    assert_int_equal(bill_parse_payment("10 CASH 2026-01-02 Kasse 3", &w), 0);
    assert_string_equal(w.method, "cash");
    assert_string_equal(w.date, "2026-01-02");
    assert_string_equal(w.reference, "Kasse 3");
    /* a long word is cut at a character's start, the message stays short */
    assert_int_equal(bill_parse_payment("10 Überweisung-Überweisung-Überweisung-Überweisung", &w),
                     -3);
    assert_string_equal(w.method_why, "not a payment method: \"Überweisung-Überweisung-"
                                      "Überweisung-...\" (transfer, direct_debit, card, cash, "
                                      "cheque or other, then the reference)");
    /* thousands grouped by spaces, as forms read them: the groups go on the amount */
    /* a day's word is a date, before or after the method ("yesterday": was "not a payment
     * method") */
    setenv("TZ", "UTC", 1);
    tzset();
    value_set_clock(fixed_clock);
    assert_int_equal(bill_parse_payment("12,5 yesterday cash", &w), 0);
    assert_string_equal(w.method, "cash");
    assert_string_equal(w.date, "2026-02-27");
    assert_int_equal(bill_parse_payment("12,5 card Today R-9", &w), 0);
    assert_string_equal(w.date, "2026-02-28");
    assert_string_equal(w.reference, "R-9");
    assert_int_equal(bill_parse_payment("12,5 card R-9 today", &w), 0);
    assert_string_equal(w.date, "");
    assert_string_equal(w.reference, "R-9 today");
    value_set_clock(NULL);
    assert_int_equal(bill_parse_payment("1 234,50 2026-12-05 transfer REF-X", &w), 0);
    assert_string_equal(w.amount, "1234,50");
    assert_string_equal(w.date, "2026-12-05");
    assert_string_equal(w.reference, "REF-X");
    assert_int_equal(bill_parse_payment("1 234 567.89", &w), 0);
    assert_string_equal(w.amount, "1234567.89");
    assert_int_equal(bill_parse_payment("12 card 4711", &w), 0); /* four digits: a reference */
    assert_string_equal(w.amount, "12");
    assert_string_equal(w.reference, "4711");
    assert_int_equal(bill_parse_payment("", &w), -1);
    assert_int_equal(bill_parse_payment("   ", &w), -1);
    /* a date as forms take it; one not in the calendar is refused, not made the reference */
    assert_int_equal(bill_parse_payment("2 1.12.2026 card", &w), 0);
    assert_string_equal(w.date, "2026-12-01");
    assert_string_equal(w.method, "card");
    assert_string_equal(w.reference, "");
    assert_int_equal(bill_parse_payment("2 2026-3-5", &w), 0);
    assert_string_equal(w.date, "2026-03-05");
    assert_int_equal(bill_parse_payment("10 2026-13-45", &w), -2);
    assert_int_equal(bill_parse_payment("10 31.2.2026 cash", &w), -2);
    assert_string_equal(w.date_why, "there is no 31 February 2026"); /* not "use D.M.YYYY" */
    assert_int_equal(bill_parse_payment("10 2026.02.28", &w), -2);
    assert_string_equal(w.date_why, "not a date: use YYYY-MM-DD or D.M.YYYY");
    assert_int_equal(bill_parse_payment("10 cash 4711", &w), 0);
    assert_string_equal(w.reference, "4711");
    /* the date read by the forms' own reader (value.c), so the two never disagree */
    {
        static const char *const dates[] = {"29.2.2028",  "29.2.2027", "2026-02-29", "1.1.1899",
                                            "05.01.2026", "2026-1-05", "31.04.2026", "1.1.26"};
        static const struct value_rule rule = {.type = FIELD_DATE};
        struct value_err e;
        char line[64], want[32];
        size_t i;

        for (i = 0; i < sizeof dates / sizeof dates[0]; i++) {
            long n = value_normalize(&rule, dates[i], strlen(dates[i]), want, sizeof want, &e);

            snprintf(line, sizeof line, "5 %s", dates[i]);
            if (n < 0) {
                assert_int_equal(bill_parse_payment(line, &w), -2);
            } else {
                assert_int_equal(bill_parse_payment(line, &w), 0);
                assert_string_equal(w.date, want);
            }
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts),    cmocka_unit_test(test_prices_and_numbers),
        cmocka_unit_test(test_iban_units), cmocka_unit_test(test_text),
        cmocka_unit_test(test_view),       cmocka_unit_test(test_payment_words),
    };

    setlocale(LC_ALL, "C.UTF-8");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
