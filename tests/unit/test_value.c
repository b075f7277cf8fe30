/* Unit tests for the one normaliser of typed values (src/model/value.c): every input format it
 * promises, the refusals and their two wordings (a form field's, an import report's), and that
 * a form and an import read the same text the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ccrm/value.h"

static const char *const stages[] = {"prospecting", "won", "lost", NULL};

/* normalise in with rule r: expect out (NULL = refused, with both messages) */
static void
expect_rule(const struct value_rule *r, const char *in, const char *out)
{
    char buf[256];
    struct value_err e = {"", ""};
    size_t len = strlen(in);
    const char *s = value_trim(in, &len, r->type == FIELD_MULTILINE);
    long n = len > 0 ? value_normalize(r, s, len, buf, sizeof buf, &e) : 0;

    if (len == 0)
        buf[0] = '\0';
    if (out == NULL) {
        if (n >= 0)
            fail_msg("type %d \"%s\": expected a refusal, got \"%s\"", (int)r->type, in, buf);
        assert_true(e.msg[0] != '\0');
        assert_true(e.tail[0] != '\0');
    } else {
        if (n < 0)
            fail_msg("type %d \"%s\": expected \"%s\", refused: %s", (int)r->type, in, out, e.msg);
        assert_int_equal(n, (long)strlen(out));
        assert_string_equal(buf, out);
    }
}

static void
expect(enum field_type t, const char *in, const char *out)
{
    struct value_rule r = {t, stages, 0, t == FIELD_INT ? 100 : 0, 0, 0, 0};

    expect_rule(&r, in, out);
}

static void
test_dates(void **state)
{
    (void)state;
    expect(FIELD_DATE, "2026-12-31", "2026-12-31");
    expect(FIELD_DATE, "2026-1-5", "2026-01-05");
    expect(FIELD_DATE, "31.12.2026", "2026-12-31");
    expect(FIELD_DATE, "5.1.2026", "2026-01-05");
    expect(FIELD_DATE, " 29.2.2024 ", "2024-02-29");
    expect(FIELD_DATE, "29.2.2025", NULL);
    expect(FIELD_DATE, "2000-02-29", "2000-02-29");
    expect(FIELD_DATE, "1900-02-29", NULL);
    expect(FIELD_DATE, "2026-13-01", NULL);
    expect(FIELD_DATE, "2026-04-31", NULL);
    expect(FIELD_DATE, "26-04-01", NULL);
    expect(FIELD_DATE, "1.4.26", NULL);
    expect(FIELD_DATE, "2026-04-01x", NULL);
    expect(FIELD_DATE, "tomorrow!", NULL);
    expect(FIELD_DATE, "tomorrowx", NULL);
}

/* 2026-02-28 18:00 UTC, read in UTC: the words cross a month's end */
static time_t
fixed_clock(void)
{
    return (time_t)1772301600;
}

/* 2028-02-28 12:00 UTC: a leap year's 29 February */
static time_t
leap_clock(void)
{
    return (time_t)1835352000;
}

static void
test_day_words(void **state)
{
    struct value_rule exact = {FIELD_DATETIME, NULL, 0, 0, 0, 1, 0};

    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    value_set_clock(fixed_clock);
    expect(FIELD_DATE, "today", "2026-02-28");
    expect(FIELD_DATE, "Today", "2026-02-28");
    expect(FIELD_DATE, " yesterday ", "2026-02-27");
    expect(FIELD_DATE, "TOMORROW", "2026-03-01");
    expect(FIELD_DATE, "tomorrow 9:30", NULL); /* a date field takes no time */
    expect(FIELD_DATE, "today2", NULL);
    expect(FIELD_DATE, "tod", NULL);
    expect(FIELD_DATETIME, "tomorrow 9:30", "2026-03-01 09:30");
    expect(FIELD_DATETIME, "today 14.05", "2026-02-28 14:05");
    expect(FIELD_DATETIME, "yesterday 23:59", "2026-02-27 23:59");
    expect(FIELD_DATETIME, "today", "2026-02-28 00:00"); /* as a date alone is read */
    expect_rule(&exact, "today", "2026-02-28 00:00");    /* an import reads it alike */
    expect(FIELD_DATETIME, "today 25:00", NULL);
    expect(FIELD_DATETIME, "todayT10:00", NULL);
    expect_rule(&exact, "today 10:00:30+01:00", "2026-02-28 10:00:30+01:00");
    /* the words are of the local calendar: 18:00 UTC is already the next day in Tokyo */
    setenv("TZ", "Asia/Tokyo", 1);
    tzset();
    expect(FIELD_DATE, "today", "2026-03-01");
    setenv("TZ", "UTC", 1);
    tzset();
    value_set_clock(leap_clock);
    expect(FIELD_DATE, "tomorrow", "2028-02-29");
    value_set_clock(NULL);
}

static void
test_times(void **state)
{
    struct value_rule exact = {FIELD_DATETIME, NULL, 0, 0, 0, 1, 0};

    (void)state;
    /* a form shows minutes, in the session's time zone unless an offset is given */
    expect(FIELD_DATETIME, "2026-11-01 9:05", "2026-11-01 09:05");
    expect(FIELD_DATETIME, "2026-11-01T09:05:59", "2026-11-01 09:05");
    expect(FIELD_DATETIME, "2026-11-01", "2026-11-01 00:00");
    expect(FIELD_DATETIME, "1.11.2026 23:59", "2026-11-01 23:59");
    expect(FIELD_DATETIME, "2026-11-01 9.30", "2026-11-01 09:30");
    expect(FIELD_DATETIME, "2026-11-01 09:30+01:00", "2026-11-01 09:30+01:00");
    expect(FIELD_DATETIME, "2026-11-01 09:30:00.5Z", "2026-11-01 09:30Z");
    expect(FIELD_DATETIME, "2026-11-01 24:00", NULL);
    expect(FIELD_DATETIME, "2026-11-01 12:60", NULL);
    expect(FIELD_DATETIME, "2026-11-01 12", NULL);
    expect(FIELD_DATETIME, "2026-11-01 10:00:00.", NULL);
    expect(FIELD_DATETIME, "2026-11-01 10:00+16", NULL);
    expect(FIELD_DATETIME, "2026-11-01 10:00+05:", NULL);
    /* a local mean time's offset, with seconds, as PostgreSQL writes it for old dates */
    expect(FIELD_DATETIME, "1930-05-01 12:00:00+01:19:32", "1930-05-01 12:00+01:19:32");
    expect(FIELD_DATETIME, "1930-05-01 12:00+01:19:", NULL);
    expect(FIELD_DATETIME, "1930-05-01 12:00+01:19:60", NULL);
    expect(FIELD_DATETIME, "1930-05-01 12:00+01:19:3", NULL);
    expect(FIELD_DATETIME, "1930-05-01 12:00+0119:32", NULL);
    expect(FIELD_DATETIME, "1930-05-01 12:00+011932", NULL); /* (PostgreSQL neither) */
    /* a time of day (quiet hours, a digest time) */
    expect(FIELD_TIME, "9:05", "09:05");
    expect(FIELD_TIME, " 22.30 ", "22:30");
    expect(FIELD_TIME, "00:00", "00:00");
    expect(FIELD_TIME, "23:59", "23:59");
    expect(FIELD_TIME, "24:00", NULL);
    expect(FIELD_TIME, "25:99", NULL);
    expect(FIELD_TIME, "12:5", NULL);
    expect(FIELD_TIME, "12", NULL);
    expect(FIELD_TIME, "12:00:00", NULL);
    expect(FIELD_TIME, "noon", NULL);
    /* an import keeps what PostgreSQL reads: ISO as given, the rest rebuilt */
    expect_rule(&exact, "2027-01-05 10:00", "2027-01-05 10:00");
    expect_rule(&exact, "2027-01-05T10:00:59.123456+05:30", "2027-01-05T10:00:59.123456+05:30");
    expect_rule(&exact, "2027-01-05 10:00:00Z", "2027-01-05 10:00:00Z");
    expect_rule(&exact, "2027-01-05 10:00:00+0530", "2027-01-05 10:00:00+0530");
    expect_rule(&exact, "5.1.2027 9:05:07", "2027-01-05 09:05:07");
    expect_rule(&exact, "5.1.2027 9:05+01", "2027-01-05 09:05+01");
    expect_rule(&exact, "1930-05-01 12:00:00+01:19:32", "1930-05-01 12:00:00+01:19:32");
    expect_rule(&exact, "1900-01-01 00:00:00-00:01:15", "1900-01-01 00:00:00-00:01:15");
    expect_rule(&exact, "1.5.1930 12:00:00+01:19:32", "1930-05-01 12:00:00+01:19:32");
    expect_rule(&exact, "2027-01-05 10:00:60", "2027-01-05 10:00:60"); /* a leap second */
    expect_rule(&exact, "2027-01-05 10:00:00.1234567", NULL);
    expect_rule(&exact, "the day before", NULL);
}

static void
test_amounts(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"12500,50", "12500.50"},
        {"12.500,50", "12500.50"},
        {"12,500.50", "12500.50"},
        {"1234.5", "1234.50"},
        {"1234,5", "1234.50"},
        {"1 234,5", "1234.50"},
        {"12'345.00", "12345.00"},
        {"1.234.567", "1234567.00"},
        {"1,234,567.8", "1234567.80"},
        {"0", "0.00"},
        {"007", "7.00"},
        {".5", "0.50"},
        {"5.", "5.00"},
        {"+12", "12.00"},
        {"999999999999.99", "999999999999.99"},
        {"1.234", NULL}, /* ambiguous: 1234 or 1.234? more than 2 decimals */
        {"1,2,3", NULL},
        {"1.23.456", NULL},
        {"12.500,5,0", NULL},
        {"-5", NULL},
        {"12 EUR", NULL},
        {".", NULL},
        {"1e5", NULL},
        {"1000000000000", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect(FIELD_AMOUNT, cases[i].in, cases[i].out);
}

static void
test_amount_scale_and_bound(void **state)
{
    struct value_rule price = {FIELD_AMOUNT, NULL, 0, 0, 0, 1, 4};
    struct value_rule qty = {FIELD_AMOUNT, NULL, 0, 0, 0, 1, 3};
    struct value_rule pct = {FIELD_AMOUNT, NULL, 0, 100, 0, 1, 0};
    struct value_rule sqty = {FIELD_AMOUNT, NULL, -1, 0, 0, 1, 3};

    (void)state;
    expect_rule(&price, "9.9000", "9.9000"); /* what an export writes imports back */
    expect_rule(&price, "120,0050", "120.0050");
    expect_rule(&price, "0.125", "0.125");
    expect_rule(&price, "12.5", "12.50");
    expect_rule(&price, "1.234", NULL); /* a thousand, or one and a bit? */
    expect_rule(&price, "1.23456", NULL);
    expect_rule(&qty, "2.5", "2.50");
    expect_rule(&qty, "0.333", "0.333");
    expect_rule(&qty, "0.3333", NULL);
    expect_rule(&pct, "19", "19.00");
    expect_rule(&pct, "100", "100.00");
    expect_rule(&pct, "100.01", NULL);
    expect_rule(&pct, "150", NULL);
    expect_rule(&pct, "1000", NULL);
    /* a quantity may be negative (min < 0: a returned item); a price may not */
    expect_rule(&sqty, "-3", "-3.00");
    expect_rule(&sqty, "-1,5", "-1.50");
    expect_rule(&sqty, "-0", "0.00");
    expect_rule(&qty, "-3", NULL);
    expect_rule(&price, "-1", NULL);
    /* zeros past the scale: "1.2340" is one, as the ambiguity's message advises */
    expect_rule(&qty, "1.2340", "1.234");
    expect_rule(&price, "1.23400", "1.2340");
    expect_rule(&qty, "1.2341", NULL);
    /* a lone separator before three zeros is a thousand or a cent amount: never 250.00 */
    struct value_rule money = {FIELD_AMOUNT, NULL, 0, 0, 0, 1, 0};
    expect_rule(&money, "250,000", NULL);
    expect_rule(&money, "12.500", NULL);
    expect_rule(&money, "1,000", NULL);
    expect_rule(&money, "250,000.00", "250000.00");
    expect_rule(&money, "12.5000", "12.50");
    expect_rule(&money, "1.000.000", "1000000.00");
}

/* money in a currency's scale (a payment: src/db/billing.c): read as forms read amounts, with
 * exactly the currency's decimals; zeros past them say nothing, other digits are refused */
static void
expect_money(const char *in, int scale, const char *out, int why, int decimals)
{
    struct value_err e = {"", ""};
    enum value_amount_why w = VALUE_AMOUNT_BAD;
    char buf[24];
    int d = -1;
    long n = value_amount(in, strlen(in), scale, buf, sizeof buf, &d, &w, &e);

    if (out != NULL) {
        if (n < 0)
            fail_msg("\"%s\" at scale %d: expected \"%s\", refused: %s", in, scale, out, e.msg);
        assert_string_equal(buf, out);
        assert_int_equal(n, (long)strlen(out));
    } else {
        if (n >= 0)
            fail_msg("\"%s\" at scale %d: expected a refusal, got \"%s\"", in, scale, buf);
        assert_int_equal((int)w, why);
        assert_true(e.msg[0] != '\0' && e.tail[0] != '\0');
    }
    if (decimals >= 0)
        assert_int_equal(d, decimals);
}

static void
test_money(void **state)
{
    static const struct {
        const char *in;
        int scale;
        const char *out;
        int why, decimals;
    } cases[] = {
        {".50", 2, "0.50", 0, 2},
        {"+5", 2, "5.00", 0, 0},
        {"1'234.50", 2, "1234.50", 0, 2},
        {" 1 234,5 ", 2, "1234.50", 0, 1},
        {"1000,50", 2, "1000.50", 0, 2},
        {"12.5000", 2, "12.50", 0, 4},
        {"12.505", 2, NULL, VALUE_AMOUNT_DECIMALS, 3},
        {"12.5001", 2, NULL, VALUE_AMOUNT_DECIMALS, 4},
        {"1,000", 2, NULL, VALUE_AMOUNT_DECIMALS, 3}, /* a thousand, not 1.00 */
        {"12.500", 2, NULL, VALUE_AMOUNT_DECIMALS, 3},
        {"1.000.000", 2, "1000000.00", 0, 0},
        /* yen: no decimals; zero cents it has not say nothing */
        {"1.000,00", 0, "1000", 0, 2},
        {"5.0", 0, "5", 0, 1},
        {"1500", 0, "1500", 0, 0},
        {"1.5", 0, NULL, VALUE_AMOUNT_DECIMALS, 1},
        {"1,50", 0, NULL, VALUE_AMOUNT_DECIMALS, 2},
        /* ...so a lone separator before three digits can only group thousands, either mark */
        {"1,000", 0, "1000", 0, 0},
        {"1.000", 0, "1000", 0, 0},
        {"12,500", 0, "12500", 0, 0},
        {"999.999", 0, "999999", 0, 0},
        /* ...but not after a leading 0 or more than three digits, nor where spaces or '
         * group already: decimals there, refused */
        {"0,500", 0, NULL, VALUE_AMOUNT_DECIMALS, 3},
        {"1234,567", 0, NULL, VALUE_AMOUNT_DECIMALS, 3},
        {"1 000,500", 0, NULL, VALUE_AMOUNT_DECIMALS, 3},
        {"1,0000", 0, "1", 0, 4}, /* four digits: zeros past the scale, as "1.2340" */
        /* dinar: three decimals, so "1,000" is a thousand or one */
        {"1,000", 3, NULL, VALUE_AMOUNT_AMBIGUOUS, 3},
        {"100.500", 3, NULL, VALUE_AMOUNT_AMBIGUOUS, 3},
        /* no group of thousands starts with four digits or a 0: the mark is the decimal one */
        {"12345.678", 3, "12345.678", 0, 3},
        {"5000.500", 3, "5000.500", 0, 3},
        {"1.000,000", 3, "1000.000", 0, 3},
        {"1.5", 3, "1.500", 0, 1},
        {"0,125", 3, "0.125", 0, 3},
        /* not amounts */
        {"12 EUR", 2, NULL, VALUE_AMOUNT_BAD, -1},
        {"-5", 2, NULL, VALUE_AMOUNT_BAD, -1},
        {"", 2, NULL, VALUE_AMOUNT_BAD, -1},
        {"   ", 2, NULL, VALUE_AMOUNT_BAD, -1},
        {"1e5", 2, NULL, VALUE_AMOUNT_BAD, -1},
        /* too large: an amount, its bound in the scale's decimals (below) */
        {"1000000000000", 2, NULL, VALUE_AMOUNT_LARGE, -1},
        {"1.000.000.000.000", 0, NULL, VALUE_AMOUNT_LARGE, -1},
        {"999,999,999,999", 0, "999999999999", 0, 0},
        {"999.999.999.999,999", 3, "999999999999.999", 0, 3},
    };
    /* what a refusal says, in both wordings: the most an amount may be has the scale's
     * decimals (JPY none, KWD three), and "no decimals" where there are none */
    static const struct {
        const char *in;
        int scale;
        const char *msg, *tail;
    } words[] = {
        {"1000000000000", 0, "too large (at most 999,999,999,999)",
         ": \"1000000000000\" is too large (at most 999,999,999,999)"},
        {"1000000000000", 2, "too large (at most 999,999,999,999.99)",
         ": \"1000000000000\" is too large (at most 999,999,999,999.99)"},
        {"1000000000000", 3, "too large (at most 999,999,999,999.999)",
         ": \"1000000000000\" is too large (at most 999,999,999,999.999)"},
        {"1.5", 0, "no decimals: a whole amount", ": \"1.5\" is not a whole amount"},
        /* three digits after a lone mark may group thousands: ambiguous, not "cents" */
        {"12.505", 2, "12.505 is ambiguous: write 12505 or 12505.00",
         ": \"12.505\" is ambiguous (write 12505 or 12505.00)"},
        /* ...but not after four digits or a 0: those are decimals, too many */
        {"1234,567", 2, "at most 2 decimals (cents)",
         ": \"1234,567\" has more than 2 decimals (cents)"},
        {"0.505", 2, "at most 2 decimals (cents)", ": \"0.505\" has more than 2 decimals (cents)"},
    };
    struct value_rule price = {FIELD_AMOUNT, NULL, 0, 0, 0, 1, 4};
    enum value_amount_why w;
    struct value_err e;
    char buf[32];
    size_t i;
    int d;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_money(cases[i].in, cases[i].scale, cases[i].out, cases[i].why, cases[i].decimals);
    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
        assert_true(value_amount(words[i].in, strlen(words[i].in), words[i].scale, buf, sizeof buf,
                                 &d, &w, &e) < 0);
        assert_string_equal(e.msg, words[i].msg);
        assert_string_equal(e.tail, words[i].tail);
    }
    value_amount_max(0, buf, sizeof buf);
    assert_string_equal(buf, "999,999,999,999");
    value_amount_max(3, buf, sizeof buf);
    assert_string_equal(buf, "999,999,999,999.999");
    /* a form's price (4 decimals) is bounded in its own decimals, not in cents */
    assert_int_equal(value_normalize(&price, "1000000000000", 13, buf, sizeof buf, &e), -1);
    assert_string_equal(e.msg, "too large (at most 999,999,999,999.9999)");
}

static void
test_numbers_choices_codes(void **state)
{
    struct value_rule big = {FIELD_INT, NULL, 0, 2147483647L, 0, 0, 0};
    struct value_rule ref = {FIELD_REF, NULL, 0, 0, 0, 0, 0};
    struct value_rule name = {FIELD_TEXT, NULL, 0, 0, 5, 0, 0};
    struct value_err e;
    char buf[64], *out;

    (void)state;
    expect(FIELD_INT, "42", "42");
    expect(FIELD_INT, "+7", "7");
    expect(FIELD_INT, "007", "7");
    expect(FIELD_INT, "101", NULL);
    expect(FIELD_INT, "-1", NULL);
    expect(FIELD_INT, "4.5", NULL);
    expect(FIELD_INT, "99999999999999999999", NULL);
    expect_rule(&big, "250", "250");
    expect_rule(&big, "-3", NULL);
    assert_int_equal(value_normalize(&name,
                                     "a\xc2\x85"
                                     "b",
                                     4, buf, sizeof buf, &e),
                     -1);
    assert_string_equal(e.msg, "control character U+0085 is not allowed");
    assert_int_equal(value_normalize(&name, "x\u202egnp", 7, buf, sizeof buf, &e), -1);
    assert_string_equal(e.tail, ": bidirectional control U+202E");
    assert_int_equal(value_normalize(&name, "x\u2067y", 5, buf, sizeof buf, &e), -1);
    assert_int_equal(value_normalize(&name, "a\u200db", 5, buf, sizeof buf, &e), 5); /* ZWJ */
    assert_int_equal(value_normalize(&big, "3000000000", 10, buf, sizeof buf, &e), -1);
    assert_string_equal(e.msg, "too large (at most 2147483647)"); /* not "at least 0" */
    expect(FIELD_CHOICE, "Won", "won");
    expect(FIELD_CHOICE, "closed", NULL);
    expect(FIELD_CURRENCY, "usd", "USD");
    expect(FIELD_CURRENCY, "EURO", NULL);
    expect(FIELD_CURRENCY, "E1R", NULL);
    expect_rule(&ref, "12", "12");
    expect_rule(&ref, "Müller GmbH", NULL);
    expect_rule(&name, "Zoë", "Zoë");
    expect_rule(&name, "Zoë Za", NULL); /* six characters: too long */
    expect(FIELD_TEXT, "bell\x07", NULL);
    /* one line: a tab or line break inside would break a list's row (an import's quoted
     * field may hold them); around the value they are blanks; a body keeps them */
    expect(FIELD_TEXT, "tab\there", NULL);
    expect(FIELD_TEXT, "Hop\r\nper", NULL);
    expect(FIELD_TEXT, "Old\rTown", NULL);
    expect(FIELD_TEXT, "Neun\xe2\x80\xa8Zehn", NULL); /* U+2028 LINE SEPARATOR */
    expect(FIELD_TEXT, "Neun\xe2\x80\xa9Zehn", NULL); /* U+2029 PARAGRAPH SEPARATOR */
    expect(FIELD_MULTILINE, "Neun\xe2\x80\xa8Zehn", "Neun\xe2\x80\xa8Zehn");
    expect(FIELD_TEXT, "\t Ada Lovelace\r\n", "Ada Lovelace");
    expect(FIELD_MULTILINE, "two\r\nlines\twith a tab", "two\r\nlines\twith a tab");
    assert_int_equal(value_normalize(&name, "a\nb", 3, buf, sizeof buf, &e), -1);
    assert_string_equal(e.msg, "a line break is not allowed (one line only)");
    assert_string_equal(e.tail, ": line break in a one-line field");
    assert_int_equal(value_normalize(&name, "a\tb", 3, buf, sizeof buf, &e), -1);
    assert_string_equal(e.msg, "a tab is not allowed (one line only)");
    assert_string_equal(e.tail, ": tab in a one-line field");
    expect(FIELD_PHONE, "030\t123", "030 123"); /* a phone number's blanks become one space */
    expect(FIELD_MULTILINE, "line one\nline two\n\n  ", "line one\nline two");
    expect(FIELD_MULTILINE, "  indented\n", "  indented");
    expect(FIELD_MULTILINE, "\n \n", "");
    /* the two wordings of one refusal */
    assert_int_equal(value_normalize(&big, "ten", 3, buf, sizeof buf, &e), -1);
    assert_string_equal(e.msg, "not a whole number");
    assert_string_equal(e.tail, ": \"ten\" is not a whole number");
    {
        struct value_rule score = {FIELD_INT, NULL, 0, 100, 0, 1, 0};

        assert_int_equal(value_normalize(&score, "101", 3, buf, sizeof buf, &e), -1);
        assert_string_equal(e.msg, "must be between 0 and 100");
        assert_string_equal(e.tail, ": \"101\" is out of range (0 to 100)");
    }
    assert_int_equal(value_normalize_str(&name, 1, "  ", &out, &e), -1);
    assert_null(out);
    assert_string_equal(e.msg, "required");
    assert_string_equal(e.tail, " is required");
    /* Unicode spaces are blanks too: a name of a no-break space, a zero-width space or an
     * ideographic space is no name; around a name they go, inside it they stay */
    assert_int_equal(value_normalize_str(&name, 1, "\u00a0", &out, &e), -1);
    assert_string_equal(e.msg, "required");
    assert_int_equal(value_normalize_str(&name, 1, " \u200b\u3000 ", &out, &e), -1);
    assert_int_equal(value_normalize_str(&name, 1, "\u00a0M\u00fc\u00a0Ab\u3000", &out, &e), 0);
    assert_string_equal(out, "M\u00fc\u00a0Ab");
    free(out);
}

static void
test_email_phone(void **state)
{
    (void)state;
    expect(FIELD_EMAIL, "anna@example.com", "anna@example.com");
    expect(FIELD_EMAIL, " Jürgen.Weiß@bäckerei.de ", "Jürgen.Weiß@bäckerei.de");
    expect(FIELD_EMAIL, "A.B+tag@Sub.Example.ORG", "A.B+tag@Sub.Example.ORG");
    expect(FIELD_EMAIL, "anna.example.com", NULL);
    expect(FIELD_EMAIL, "anna@", NULL);
    expect(FIELD_EMAIL, "@example.com", NULL);
    expect(FIELD_EMAIL, "an na@example.com", NULL);
    expect(FIELD_EMAIL, "a@b@c.org", NULL);
    expect(FIELD_EMAIL, "a@b", NULL);
    expect(FIELD_EMAIL, "a@b..org", NULL);
    expect(FIELD_EMAIL, "a.@b.org", NULL);
    expect(FIELD_EMAIL, "pi\xc2\xa0y@probe.test", NULL);     /* a no-break space */
    expect(FIELD_EMAIL, "pi\xe2\x80\x83x@probe.test", NULL); /* an em space */
    expect(FIELD_EMAIL, "pi\xe2\x80\x8bx@probe.test", NULL); /* a zero-width space */
    expect(FIELD_EMAIL, "x@-example.com", NULL);
    expect(FIELD_EMAIL, "x@example-.com", NULL);
    expect(FIELD_EMAIL, "x@my-example.com", "x@my-example.com");
    expect(FIELD_PHONE, "+49 40 123 45-67", "+49 40 123 45-67");
    expect(FIELD_PHONE, "(040)  123/456", "(040) 123/456");
    expect(FIELD_PHONE, "030.123 x12", "030.123 x12");
    expect(FIELD_PHONE, "030 123 ext. 4", "030 123 ext. 4");
    expect(FIELD_PHONE, "+45 2222", "+45 2222");
    expect(FIELD_PHONE, "030 1234567 x", NULL); /* an extension of nothing */
    expect(FIELD_PHONE, "030 1234567 ext", NULL);
    expect(FIELD_PHONE, "12", NULL);
    expect(FIELD_PHONE, "call me", NULL);
    expect(FIELD_PHONE, "030+123", NULL);
    expect(FIELD_PHONE, "0800-FLOWERS", NULL);
}

/* normalise in with rule r, expecting a refusal saying msg (a field's) and tail (an import's) */
static void
expect_words(const struct value_rule *r, const char *in, const char *msg, const char *tail)
{
    struct value_err e = {"", ""};
    char buf[256];

    if (value_normalize(r, in, strlen(in), buf, sizeof buf, &e) >= 0)
        fail_msg("\"%s\": expected a refusal, got \"%s\"", in, buf);
    assert_string_equal(e.msg, msg);
    if (tail != NULL)
        assert_string_equal(e.tail, tail);
}

/* a date or time written as one, that the calendar or the clock has not, says so: not "use
 * YYYY-MM-DD or D.M.YYYY" to someone who wrote D.M.YYYY (forms, imports and the prompt read
 * through here alike); what is not written as one still says the format */
static void
test_no_such_day(void **state)
{
    struct value_rule date = {FIELD_DATE, NULL, 0, 0, 0, 0, 0};
    struct value_rule when = {FIELD_DATETIME, NULL, 0, 0, 0, 0, 0};
    struct value_rule exact = {FIELD_DATETIME, NULL, 0, 0, 0, 1, 0};
    struct value_rule tod = {FIELD_TIME, NULL, 0, 0, 0, 0, 0};

    (void)state;
    expect_words(&date, "31.2.2026", "there is no 31 February 2026",
                 ": \"31.2.2026\" is not a date in the calendar: there is no 31 February 2026");
    expect_words(&date, "2026-04-31", "there is no 31 April 2026", NULL);
    expect_words(&date, "29.2.2025", "there is no 29 February 2025 (not a leap year)", NULL);
    expect_words(&date, "1900-02-29", "there is no 29 February 1900 (not a leap year)", NULL);
    expect_words(&date, "2026-13-01", "there is no month 13", NULL);
    /* a year before 1900 is a slip (0026 for 2026), not a customer's date */
    expect_words(&date, "0026-12-31",
                 "the year 26 is before 1900: a slip? (the year in four digits)", NULL);
    expect_words(&date, "1.1.0001", "the year 1 is before 1900: a slip? (the year in four digits)",
                 NULL);
    expect_words(&date, "2026-00-10", "there is no month 0", NULL);
    expect_words(&date, "0.3.2026", "there is no 0 March 2026", NULL);
    expect_words(&date, "0000-01-01", "there is no year 0", NULL);
    /* not written as a date: the format */
    expect_words(&date, "2026-02-31x", "not a date: use YYYY-MM-DD or D.M.YYYY", NULL);
    expect_words(&date, "1.4.26", "not a date: use YYYY-MM-DD or D.M.YYYY", NULL);
    expect_words(&date, "someday", "not a date: use YYYY-MM-DD or D.M.YYYY",
                 ": \"someday\" is not a valid date (YYYY-MM-DD or D.M.YYYY)");
    /* a call's When: the day first, then the time */
    expect_words(&when, "2026-02-31 10:00", "there is no 31 February 2026", NULL);
    expect_words(&when, "29.2.2026 9.30", "there is no 29 February 2026 (not a leap year)",
                 ": \"29.2.2026 9.30\" is not a date in the calendar: there is no 29 February "
                 "2026 (not a leap year)");
    expect_words(&when, "31.2.2026", "there is no 31 February 2026", NULL);
    expect_words(&when, "2026-02-31 25:00", "there is no 31 February 2026", NULL);
    expect_words(&when, "2026-11-01 25:00", "there is no 25:00 (00:00 to 23:59)",
                 ": \"2026-11-01 25:00\" is not a time: there is no 25:00 (00:00 to 23:59)");
    expect_words(&when, "1.11.2026 9.75", "there is no 09:75 (00:00 to 23:59)", NULL);
    expect_words(&when, "2026-11-01 24:00", "there is no 24:00 (00:00 to 23:59)", NULL);
    expect_words(&exact, "2027-01-05 10:00:61", "there is no 10:00:61", NULL);
    expect_words(&exact, "2027-01-05 25:00:00+01", "there is no 25:00 (00:00 to 23:59)", NULL);
    /* ...and what is not written as a date and time still says the format */
    expect_words(&when, "2026-02-31 10", "not a time: use HH:MM (00:00 to 23:59)", NULL);
    expect_words(&when, "2026-02-31 10:00 pm",
                 "not a date and time: use YYYY-MM-DD HH:MM (or D.M.YYYY HH:MM)", NULL);
    expect_words(&when, "soon", "not a date and time: use YYYY-MM-DD HH:MM (or D.M.YYYY HH:MM)",
                 NULL);
    /* a time of day (quiet hours) */
    expect_words(&tod, "25:00", "there is no 25:00 (00:00 to 23:59)",
                 ": \"25:00\" is not a time of day: there is no 25:00 (00:00 to 23:59)");
    expect_words(&tod, "9.60", "there is no 09:60 (00:00 to 23:59)", NULL);
    expect_words(&tod, "noon", "not a time: use HH:MM (00:00 to 23:59)", NULL);
    expect_words(&tod, "12:5", "not a time: use HH:MM (00:00 to 23:59)", NULL);
}

/* an amount of cents with three digits after a lone mark ("250,000": a quarter of a million?)
 * is refused as before, but said to be ambiguous, with the amounts that say what was meant;
 * a percentage or a price of 4 decimals says what it said */
static void
test_amount_ambiguous(void **state)
{
    struct value_rule money = {FIELD_AMOUNT, NULL, 0, 0, 0, 1, 0};
    struct value_rule sqty2 = {FIELD_AMOUNT, NULL, -1, 0, 0, 1, 2};
    struct value_rule pct = {FIELD_AMOUNT, NULL, 0, 100, 0, 1, 0};
    struct value_rule qty = {FIELD_AMOUNT, NULL, 0, 0, 0, 1, 3};

    (void)state;
    expect_words(&money, "250,000", "250,000 is ambiguous: write 250000 or 250000.00",
                 ": \"250,000\" is ambiguous (write 250000 or 250000.00)");
    expect_words(&money, "1.234", "1.234 is ambiguous: write 1234 or 1234.00", NULL);
    expect_words(&money, "+1,000", "+1,000 is ambiguous: write 1000 or 1000.00", NULL);
    expect_words(&sqty2, "-1,500", "-1,500 is ambiguous: write -1500 or -1500.00", NULL);
    /* what it points to is taken */
    expect_rule(&money, "250000", "250000.00");
    expect_rule(&money, "250000.00", "250000.00");
    expect_rule(&money, "250,000.00", "250000.00");
    expect_rule(&money, "250.000,00", "250000.00");
    /* decimals where no group of thousands is: too many, as before */
    expect_words(&money, "1234.567", "at most 2 decimals (cents)", NULL);
    expect_words(&money, "0,125", "at most 2 decimals (cents)", NULL);
    expect_words(&money, "1 000,500", "at most 2 decimals (cents)", NULL);
    expect_words(&money, "1,000.505", "at most 2 decimals (cents)", NULL);
    /* a percentage has no quarter of a million; a quantity its own ambiguity */
    expect_words(&pct, "1.234", "at most 2 decimals", NULL);
    expect_words(&qty, "1.234", "ambiguous: write 1234 or 1.2340", NULL);
    /* the two readings as they would be written: one and a half, seven */
    expect_words(&qty, "1.500", "ambiguous: write 1500 or 1.5",
                 ": \"1.500\" is ambiguous (write 1500 or 1.5)");
    expect_words(&qty, "7.000", "ambiguous: write 7000 or 7", NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),       cmocka_unit_test(test_times),
        cmocka_unit_test(test_amounts),     cmocka_unit_test(test_amount_scale_and_bound),
        cmocka_unit_test(test_money),       cmocka_unit_test(test_numbers_choices_codes),
        cmocka_unit_test(test_email_phone), cmocka_unit_test(test_no_such_day),
        cmocka_unit_test(test_day_words),   cmocka_unit_test(test_amount_ambiguous),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
