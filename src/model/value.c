/* The one normaliser of typed values (include/ccrm/value.h): forms, imports and the prompt
 * call it, so what one accepts the others accept, and a refusal says the same thing. Every
 * message is written here, once for a form field (msg) and once for an import's report
 * (tail). The choice lists and ranges come from the entity registry (src/model/entity.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ccrm/util.h"
#include "ccrm/value.h"

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char
ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The length in bytes of the Unicode space that u (left bytes) starts with, 0 if none: U+00A0,
 * U+1680, U+2000-U+200B, U+202F, U+205F, U+3000, U+FEFF (a value of only these looked filled
 * and was not: a name of one no-break space). Joiners and marks are not spaces. */
static size_t
uspace(const unsigned char *u, size_t left)
{
    if (left >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
        return 2;
    if (left < 3)
        return 0;
    if ((u[0] == 0xe2 && u[1] == 0x80 && (u[2] <= 0x8b || u[2] == 0xaf)) ||
        (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) ||
        (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) ||
        (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) ||
        (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf))
        return 3;
    return 0;
}

/* The length of the blank (ASCII or a Unicode space) that ends s[0..n), 0 if none. */
static size_t
blank_before(const char *s, size_t n)
{
    if (n > 0 && is_blank(s[n - 1]))
        return 1;
    if (n >= 2 && uspace((const unsigned char *)s + n - 2, 2) == 2)
        return 2;
    if (n >= 3 && uspace((const unsigned char *)s + n - 3, 3) == 3)
        return 3;
    return 0;
}

/* The length of the blank that starts s (n bytes), 0 if none. */
static size_t
blank_at(const char *s, size_t n)
{
    return n > 0 && is_blank(*s) ? 1 : uspace((const unsigned char *)s, n);
}

const char *
value_trim(const char *s, size_t *len, int multiline)
{
    size_t n = *len, k, b;

    while ((b = blank_before(s, n)) > 0)
        n -= b;
    if (multiline) {
        for (k = 0; k < n && (b = blank_at(s + k, n - k)) > 0; k += b)
            ;
        if (k == n) /* only blank lines */
            n = 0;
    } else {
        while ((b = blank_at(s, n)) > 0)
            s += b, n -= b;
    }
    *len = n;
    return s;
}

/* ---- messages ---- */

/* The value quoted for a report: at most 60 bytes, cut at a character boundary. */
static void
quoted(char *out, size_t n, const char *s, size_t len)
{
    size_t l = len > 60 ? 60 : len;

    while (l < len && l > 0 && ((unsigned char)s[l] & 0xc0) == 0x80)
        l--;
    snprintf(out, n, "\"%.*s%s\"", (int)l, s, l < len ? "..." : "");
}

/* Refuse the value: msg for a field, and "<value> <phrase>" as an import's tail. */
static long
refuse(struct value_err *e, const char *in, size_t len, const char *msg, const char *phrase)
{
    char q[80];

    quoted(q, sizeof q, in, len);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    snprintf(e->tail, sizeof e->tail, ": %s %s", q, phrase);
    return -1;
}

void
value_required(struct value_err *e)
{
    snprintf(e->msg, sizeof e->msg, "required");
    snprintf(e->tail, sizeof e->tail, " is required");
}

/* ---- dates and times ---- */

static int
days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* Read 1 to max digits at *p (p < end). Returns the number (and how many in *k), or -1. */
static int
digits(const char **p, const char *end, int max, int *k)
{
    int v = 0, n = 0;

    while (n < max && *p < end && is_digit(**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    if (k != NULL)
        *k = n;
    return n > 0 ? v : -1;
}

static time_t (*value_clock)(void);

void
value_set_clock(time_t (*now)(void))
{
    value_clock = now;
}

/* "today", "yesterday" or "tomorrow" (any case) at *p, alone or before a blank: the day on
 * this computer's calendar (its local time, as the user's other clocks), as PostgreSQL reads
 * the same words. Returns 1 and advances *p, or 0. */
static int
relative_day(const char **p, const char *end, int *y, int *m, int *d)
{
    static const struct {
        const char *word;
        int days;
    } words[] = {{"today", 0}, {"yesterday", -1}, {"tomorrow", 1}};
    size_t i, n;
    time_t t;
    struct tm tm;

    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
        n = strlen(words[i].word);
        if ((size_t)(end - *p) < n || strncasecmp(*p, words[i].word, n) != 0 ||
            (*p + n < end && (*p)[n] != ' '))
            continue;
        t = value_clock != NULL ? value_clock() : time(NULL);
        if (localtime_r(&t, &tm) == NULL)
            return 0;
        tm.tm_mday += words[i].days;
        tm.tm_hour = 12; /* midday: a change of summer time moves no day */
        tm.tm_isdst = -1;
        if (mktime(&tm) == (time_t)-1)
            return 0;
        *y = tm.tm_year + 1900, *m = tm.tm_mon + 1, *d = tm.tm_mday;
        *p += n;
        return 1;
    }
    return 0;
}

/* dates before this year are refused as slips (parse_date) */
#define CCRM_FIRST_YEAR 1900

/* A date at *p: YYYY-M-D or D.M.YYYY. Returns 0 and advances *p; -1 when it is not written as
 * a date; -2 (advanced too) when it is, but the calendar has no such day ("31.2.2026": the
 * format is right, the day is not, and the two are said differently). *iso is set when it was
 * written YYYY-MM-DD exactly. */
static int
parse_date(const char **p, const char *end, int *y, int *m, int *d, int *iso)
{
    const char *s = *p;
    int a, b, c, ka, kb, kc;

    if (relative_day(p, end, y, m, d)) {
        *iso = 0;
        return 0;
    }
    if ((a = digits(&s, end, 4, &ka)) < 0)
        return -1;
    if (ka == 4 && s < end && *s == '-') {
        s++;
        if ((b = digits(&s, end, 2, &kb)) < 0 || s >= end || *s++ != '-' ||
            (c = digits(&s, end, 2, &kc)) < 0)
            return -1;
        *y = a, *m = b, *d = c;
        *iso = kb == 2 && kc == 2;
    } else if (ka <= 2 && s < end && *s == '.') {
        s++;
        if ((b = digits(&s, end, 2, NULL)) < 0 || s >= end || *s++ != '.' ||
            (c = digits(&s, end, 4, &kc)) < 0 || kc != 4)
            return -1;
        *y = c, *m = b, *d = a;
        *iso = 0;
    } else {
        return -1;
    }
    *p = s;
    /* (before 1900: a slip of the fingers, 0026 for 2026, not a customer's date; a deal
     * saved closing in the year 1 sorted before every other) */
    if (*y < CCRM_FIRST_YEAR || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -2;
    return 0;
}

/* Why the calendar has no day d.m.y (parse_date's -2), into buf: "there is no 31 February
 * 2026", not "use YYYY-MM-DD" to someone who wrote just that. */
static void
no_such_day(char *buf, size_t n, int y, int m, int d)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};

    if (m < 1 || m > 12)
        snprintf(buf, n, "there is no month %d", m);
    else if (y < 1)
        snprintf(buf, n, "there is no year %d", y);
    else if (y < CCRM_FIRST_YEAR)
        snprintf(buf, n, "the year %d is before %d: a slip? (the year in four digits)", y,
                 CCRM_FIRST_YEAR);
    else if (m == 2 && d == 29)
        snprintf(buf, n, "there is no 29 February %d (not a leap year)", y);
    else
        snprintf(buf, n, "there is no %d %s %d", d, months[m - 1], y);
}

/* Refuse a value written as a date (and time) whose day or time does not exist: why (from
 * no_such_day or no_such_time) for a field, after what it is not for an import's report. */
static long
refuse_none(struct value_err *e, const char *in, size_t len, const char *what, const char *why)
{
    char phrase[160];

    snprintf(phrase, sizeof phrase, "is not a %s: %s", what, why);
    return refuse(e, in, len, why, phrase);
}

static long
norm_date(const char *in, size_t len, char *out, size_t outcap, struct value_err *e)
{
    const char *s = in, *end = in + len;
    int y, m, d, iso, rc = parse_date(&s, end, &y, &m, &d, &iso);
    char why[80];

    if (rc == -2 && s == end) {
        no_such_day(why, sizeof why, y, m, d);
        return refuse_none(e, in, len, "date in the calendar", why);
    }
    if (rc != 0 || s != end)
        return refuse(e, in, len, "not a date: use YYYY-MM-DD or D.M.YYYY",
                      "is not a valid date (YYYY-MM-DD or D.M.YYYY)");
    return snprintf(out, outcap, "%04d-%02d-%02d", y, m, d);
}

/* A time of day: H:MM or H.MM (no date, no zone: a person's local time). */
static long
norm_time(const char *in, size_t len, char *out, size_t outcap, struct value_err *e)
{
    static const char *msg = "not a time: use HH:MM (00:00 to 23:59)";
    static const char *phrase = "is not a valid time of day (HH:MM)";
    const char *s = in, *end = in + len;
    int h, mi, km;
    char why[80];

    if ((h = digits(&s, end, 2, NULL)) < 0 || s >= end || (*s != ':' && *s != '.'))
        return refuse(e, in, len, msg, phrase);
    s++;
    if ((mi = digits(&s, end, 2, &km)) < 0 || km != 2 || s != end)
        return refuse(e, in, len, msg, phrase);
    if (h > 23 || mi > 59) { /* written as a time, but none: "25:00" */
        snprintf(why, sizeof why, "there is no %02d:%02d (00:00 to 23:59)", h, mi);
        return refuse_none(e, in, len, "time of day", why);
    }
    return snprintf(out, outcap, "%02d:%02d", h, mi);
}

/* A date and time: date [(" "|"T")+ H:MM or H.MM [:SS[.f]] [Z | ±HH[[:]MM] | ±HH:MM:SS]]. An
 * offset with seconds is what PostgreSQL writes for a zone's local mean time (Europe/Amsterdam
 * before 1937: "1930-05-01 11:00:00+00:19:32", in summer +01:19:32), so an export of such a
 * date imports back; it reads seconds after a colon only (not "+001932"), as accepted here. */
static long
norm_datetime(const struct value_rule *r, const char *in, size_t len, char *out, size_t outcap,
              struct value_err *e)
{
    static const char *bad_msg = "not a date and time: use YYYY-MM-DD HH:MM (or D.M.YYYY HH:MM)";
    static const char *bad_time = "not a time: use HH:MM (00:00 to 23:59)";
    static const char *phrase = "is not a valid time (YYYY-MM-DD HH:MM[:SS][+HH:MM])";
    const char *s = in, *end = in + len, *frac = NULL, *tz = NULL, *none_what = "";
    int y, mo, d, iso, h = 0, mi = 0, sec = -1, kh = 2, km = 2, ks = 2, nfrac = 0, plain;
    char tzbuf[16] = "", none[80] = "";
    int rc = parse_date(&s, end, &y, &mo, &d, &iso);

    /* a day or time that does not exist, written as it should be, is said once the rest is
     * read as a date and time too ("2026-02-31 10:00": there is no 31 February 2026) */
    if (rc == -1)
        return refuse(e, in, len, bad_msg, phrase);
    if (rc == -2) {
        no_such_day(none, sizeof none, y, mo, d);
        none_what = "date in the calendar";
    }
    plain = iso;
    if (s < end && (*s == ' ' || *s == 'T')) {
        plain = plain && s + 1 < end && s[1] != ' ' && s[1] != 'T';
        while (s < end && (*s == ' ' || *s == 'T'))
            s++;
        /* "9.30" too: ':' opens the command prompt where a view cannot take it */
        if ((h = digits(&s, end, 2, &kh)) < 0 || s >= end || (*s != ':' && *s != '.'))
            return refuse(e, in, len, bad_time, phrase);
        plain = plain && *s == ':';
        s++;
        if ((mi = digits(&s, end, 2, &km)) < 0)
            return refuse(e, in, len, bad_time, phrase);
        if ((h > 23 || mi > 59) && none[0] == '\0') {
            snprintf(none, sizeof none, "there is no %02d:%02d (00:00 to 23:59)", h, mi);
            none_what = "time";
        }
        if (s < end && *s == ':') {
            s++;
            if ((sec = digits(&s, end, 2, &ks)) < 0)
                return refuse(e, in, len, bad_time, phrase);
            if (sec > 60 && none[0] == '\0') { /* 60: a leap second */
                snprintf(none, sizeof none, "there is no %02d:%02d:%02d", h, mi, sec);
                none_what = "time";
            }
            if (s < end && *s == '.') {
                frac = ++s;
                while (s < end && is_digit(*s))
                    s++;
                nfrac = (int)(s - frac);
                if (nfrac == 0 || nfrac > 6)
                    return refuse(e, in, len, bad_time, phrase);
            }
        }
        if (s < end && (*s == 'Z' || *s == '+' || *s == '-')) {
            int oh, om = 0, os = 0, ko;

            tz = s;
            if (*s == 'Z') {
                s++;
            } else {
                s++;
                if ((oh = digits(&s, end, 2, &ko)) < 0 || ko != 2 || oh > 15)
                    return refuse(e, in, len, bad_time, phrase);
                if ((s < end && *s == ':' && ++s == end) ||
                    (s < end && ((om = digits(&s, end, 2, &ko)) < 0 || ko != 2 || om > 59)))
                    return refuse(e, in, len, bad_time, phrase);
                /* seconds: after "HH:MM" only */
                if (s < end && *s == ':' && s - tz == 6 && tz[3] == ':' &&
                    (++s == end || (os = digits(&s, end, 2, &ko)) < 0 || ko != 2 || os > 59))
                    return refuse(e, in, len, bad_time, phrase);
            }
            snprintf(tzbuf, sizeof tzbuf, "%.*s", (int)(s - tz), tz);
        }
    }
    if (s != end)
        return refuse(e, in, len, bad_msg, phrase);
    if (none[0] != '\0')
        return refuse_none(e, in, len, none_what, none);
    if (r->exact) {
        /* an import keeps what PostgreSQL reads as it is: the text as given when it is ISO */
        if (plain && kh == 2 && km == 2 && ks == 2) {
            memcpy(out, in, len);
            out[len] = '\0';
            return (long)len;
        }
        if (sec < 0)
            return snprintf(out, outcap, "%04d-%02d-%02d %02d:%02d%s", y, mo, d, h, mi, tzbuf);
        return snprintf(out, outcap, "%04d-%02d-%02d %02d:%02d:%02d%s%.*s%s", y, mo, d, h, mi, sec,
                        frac ? "." : "", nfrac, frac ? frac : "", tzbuf);
    }
    /* a form shows minutes: seconds are accepted and dropped */
    return snprintf(out, outcap, "%04d-%02d-%02d %02d:%02d%s", y, mo, d, h, mi, tzbuf);
}

/* ---- amounts ---- */

/* Digits before the decimal mark at most: numeric(14,2), the schema's amounts */
#define AMOUNT_DIGITS 12

void
value_amount_max(int scale, char *buf, size_t n)
{
    if (scale < 0 || scale > 7)
        scale = 2;
    snprintf(buf, n, "999,999,999,999%s%.*s", scale > 0 ? "." : "", scale, "9999999");
}

/* Refuse an amount beyond value_amount_max in maxdec decimals. */
static long
too_large(struct value_err *e, const char *in, size_t len, size_t maxdec,
          enum value_amount_why *why)
{
    char max[32], m1[64], m2[64];

    value_amount_max((int)maxdec, max, sizeof max);
    snprintf(m1, sizeof m1, "too large (at most %s)", max);
    snprintf(m2, sizeof m2, "is too large (at most %s)", max);
    *why = VALUE_AMOUNT_LARGE;
    return refuse(e, in, len, m1, m2);
}

/* When both '.' and ',' occur, the last one separates the cents and the other groups
 * thousands; when one of them occurs several times it groups thousands; once, it separates
 * the cents ("1.234" has three decimals: refused as ambiguous), but where there are no
 * decimals (maxdec 0) before exactly three digits it groups them. Spaces and ' group too. At
 * most maxdec decimals (zeros past them dropped), at least pad written. *written gets the
 * digits written after the decimal mark, *why the kind of a refusal (value_amount). */
static long
read_amount(const struct value_rule *r, size_t maxdec, size_t pad, const char *in, size_t len,
            char *out, size_t outcap, int *written, enum value_amount_why *why, struct value_err *e)
{
    static const char *bad = "not an amount: use digits, with . or , before the cents (1234.50)";
    static const char *phrase = "is not an amount (digits, with . or , before the cents: 1234.50)";
    char buf[64], ip[16] = "", fp[8] = "", res[48];
    const char *s, *end = in + len, *ld, *lc;
    char dec = 0, grp = 0;
    size_t k = 0, ni = 0, nf = 0;
    int ndot = 0, ncomma = 0, neg = 0, sgrp = 0;

    *written = 0;
    *why = VALUE_AMOUNT_BAD;
    s = in;
    if (s < end && *s == '-') {
        /* min < 0: a quantity may be negative (a returned item, a correction) */
        if (r->min >= 0)
            return refuse(e, in, len, "must not be negative",
                          "is negative (amounts are 0 or more)");
        neg = 1;
        s++;
    }
    if (s < end && *s == '+')
        s++;
    for (; s < end; s++) {
        if (*s == ' ' || *s == '\'') {
            sgrp = 1; /* "1'000.500": grouped, so the lone . is the decimal mark */
            continue;
        }
        if (k + 1 >= sizeof buf)
            return too_large(e, in, len, maxdec, why);
        if (!is_digit(*s) && *s != '.' && *s != ',')
            return refuse(e, in, len, bad, phrase);
        ndot += *s == '.';
        ncomma += *s == ',';
        buf[k++] = *s;
    }
    buf[k] = '\0';
    if (k == 0)
        return refuse(e, in, len, bad, phrase);
    ld = strrchr(buf, '.');
    lc = strrchr(buf, ',');
    if (ld != NULL && lc != NULL) {
        dec = ld > lc ? '.' : ',';
        grp = dec == '.' ? ',' : '.';
        if ((dec == '.' ? ndot : ncomma) != 1)
            return refuse(e, in, len, bad, phrase);
    } else if (ndot + ncomma == 1) {
        dec = ld != NULL ? '.' : ',';
    } else if (ndot + ncomma > 1) {
        grp = ld != NULL ? '.' : ',';
    }
    /* no decimals (yen): a lone mark before exactly three digits cannot start decimals the
     * currency has none of, so it groups thousands: "1,000" and "1.000" are a thousand, as
     * whoever wrote them meant (with cents it is refused, with fils ambiguous: below). Not
     * after a leading 0 or more than three digits ("0,500", "1234,567" group nothing), nor
     * where spaces or ' group already ("1 000,500": the mark is the decimal mark): decimals,
     * refused as such. */
    if (maxdec == 0 && ndot + ncomma == 1 && !sgrp) {
        const char *m = dec == '.' ? ld : lc;
        size_t lead = (size_t)(m - buf);

        if (lead >= 1 && lead <= 3 && buf[0] != '0' && strlen(m + 1) == 3) {
            grp = dec;
            dec = 0;
        }
    }
    /* the whole part: digits, with group separators followed by exactly 3 digits */
    for (s = buf; *s != '\0' && *s != dec; s++) {
        if (*s == grp && grp != 0) {
            if (s == buf || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
                (s[4] != '\0' && s[4] != grp && s[4] != dec))
                return refuse(e, in, len, bad, phrase);
            continue;
        }
        if (!is_digit(*s))
            return refuse(e, in, len, bad, phrase);
        if (ni == 0 && *s == '0')
            continue; /* leading zeros */
        if (ni >= AMOUNT_DIGITS)
            return too_large(e, in, len, maxdec, why);
        ip[ni++] = *s;
    }
    ip[ni] = '\0';
    if (*s == dec && dec != 0) {
        size_t i;

        nf = strlen(s + 1);
        *written = (int)nf;
        /* "1.234" or "1,234" with more than cents allowed: a thousand, or one and a bit? Not
         * after more than three digits or a leading 0 ("12345.678", "0.500"): no group of
         * thousands starts so, the mark is the decimal one */
        if (maxdec > 2 && nf == 3 && ni > 0 && ni <= 3 && ip[0] != '0' && ndot + ncomma == 1 &&
            !sgrp) {
            /* the two readings written out: "1.500" is 1500 or 1.5, "7.000" 7000 or 7, and
             * "1.234" 1234 or 1.2340 (a fourth digit tells decimals) */
            char whole[16], one[20], m1[160], m2[160];
            int nz = 3;

            while (nz > 0 && s[nz] == '0')
                nz--;
            snprintf(whole, sizeof whole, "%s%.3s%.3s", neg ? "-" : "", ip, s + 1);
            snprintf(one, sizeof one, "%s%.3s%s%.*s%s", neg ? "-" : "", ip, nz > 0 ? "." : "", nz,
                     s + 1, nz == 3 ? "0" : "");
            snprintf(m2, sizeof m2, "is ambiguous (write %s or %s)", whole, one);
            snprintf(m1, sizeof m1, "ambiguous: write %s or %s", whole, one);
            *why = VALUE_AMOUNT_AMBIGUOUS;
            return refuse(e, in, len, m1, m2);
        }
        /* "250,000" or "1.234" in a field of cents: three digits after a lone mark cannot be
         * cents, so whoever wrote it most likely grouped thousands (a quarter of a million),
         * or mistyped: refused as before, but said as the quantity's is (ambiguous), not as
         * "at most 2 decimals (cents)" to someone who meant no cents at all. The amounts
         * that spell out what was meant are written out for them. */
        if (maxdec >= 1 && maxdec <= 2 && r->max <= 0 && nf == 3 && ni > 0 && ni <= 3 &&
            ip[0] != '0' && ndot + ncomma == 1 && !sgrp) {
            char whole[16], m1[160], m2[160];

            snprintf(whole, sizeof whole, "%s%.3s%.3s", neg ? "-" : "", ip, s + 1);
            snprintf(m1, sizeof m1, "%.*s is ambiguous: write %s or %s.%.*s", (int)len, in, whole,
                     whole, (int)maxdec, "00");
            snprintf(m2, sizeof m2, "is ambiguous (write %s or %s.%.*s)", whole, whole, (int)maxdec,
                     "00");
            *why = VALUE_AMOUNT_DECIMALS;
            return refuse(e, in, len, m1, m2);
        }
        /* trailing zeros past the scale say nothing ("1.2340" is how one is told apart
         * from a thousand), except in the three digits after a lone separator: "250,000" may
         * be a quarter of a million, never 250.00 */
        if (!(nf == 3 && ni > 0 && ndot + ncomma == 1))
            while (nf > maxdec && s[nf] == '0')
                nf--;
        if (nf > maxdec) {
            char m1[64], m2[64];
            const char *cents = maxdec == 2 && r->max <= 0 ? " (cents)" : "";

            *why = VALUE_AMOUNT_DECIMALS;
            if (maxdec == 0)
                return refuse(e, in, len, "no decimals: a whole amount", "is not a whole amount");
            snprintf(m1, sizeof m1, "at most %zu decimals%s", maxdec, cents);
            snprintf(m2, sizeof m2, "has more than %zu decimals%s", maxdec, cents);
            return refuse(e, in, len, m1, m2);
        }
        for (i = 0; i < nf; i++)
            if (!is_digit(s[1 + i]))
                return refuse(e, in, len, bad, phrase);
        if (nf == 0 && s == buf)
            return refuse(e, in, len, bad, phrase);
        memcpy(fp, s + 1, nf);
        fp[nf] = '\0';
    }
    /* a percentage: at most 100 (ip has at most 12 digits) */
    if (r->max > 0 &&
        (strtoll(ni > 0 ? ip : "0", NULL, 10) > r->max ||
         (strtoll(ni > 0 ? ip : "0", NULL, 10) == r->max && fp[strspn(fp, "0")] != '\0'))) {
        char m1[64], m2[64];

        snprintf(m1, sizeof m1, "at most %ld", r->max);
        snprintf(m2, sizeof m2, "is more than %ld", r->max);
        return refuse(e, in, len, m1, m2);
    }
    /* -0 is 0 */
    if (neg && ni == 0 && fp[strspn(fp, "0")] == '\0')
        neg = 0;
    snprintf(res, sizeof res, "%s%s%s%s%.*s", neg ? "-" : "", ni > 0 ? ip : "0",
             nf > 0 || pad > 0 ? "." : "", fp, (int)(pad > nf ? pad - nf : 0), "0000000");
    return snprintf(out, outcap, "%s", res);
}

static long
norm_amount(const struct value_rule *r, const char *in, size_t len, char *out, size_t outcap,
            struct value_err *e)
{
    size_t maxdec = r->decimals > 0 && r->decimals < 8 ? (size_t)r->decimals : 2;
    enum value_amount_why why;
    int written;

    return read_amount(r, maxdec, 2, in, len, out, outcap, &written, &why, e);
}

long
value_amount(const char *in, size_t len, int scale, char *out, size_t outcap, int *decimals,
             enum value_amount_why *why, struct value_err *e)
{
    static const struct value_rule money = {.type = FIELD_AMOUNT};
    size_t n = len;
    const char *s = value_trim(in, &n, 0);

    if (scale < 0 || scale > 7)
        abort(); /* a caller's mistake: no currency has more */
    return read_amount(&money, (size_t)scale, (size_t)scale, s, n, out, outcap, decimals, why, e);
}

/* ---- the rest ---- */

static long
norm_int(const struct value_rule *r, const char *in, size_t len, char *out, size_t outcap,
         struct value_err *e)
{
    const char *p = in, *end = in + len;
    long long v = 0;
    int neg = 0;
    char msg[80], phrase[80];

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (p == end)
        return refuse(e, in, len, "not a whole number", "is not a whole number");
    for (; p < end; p++) {
        if (!is_digit(*p))
            return refuse(e, in, len, "not a whole number", "is not a whole number");
        if (v < 10000000000LL)
            v = v * 10 + (*p - '0');
    }
    if (neg)
        v = -v;
    if (v < r->min || v > r->max) {
        if (r->max == 2147483647L && v < r->min)
            snprintf(msg, sizeof msg, "must be at least %ld", r->min);
        else if (r->max == 2147483647L)
            snprintf(msg, sizeof msg, "too large (at most %ld)", r->max);
        else
            snprintf(msg, sizeof msg, "must be between %ld and %ld", r->min, r->max);
        snprintf(phrase, sizeof phrase, "is out of range (%ld to %ld)", r->min, r->max);
        return refuse(e, in, len, msg, phrase);
    }
    return snprintf(out, outcap, "%lld", v);
}

/* Is s[i..] a UTF-8 space, control or invisible format character (no-break space, the
 * typographic spaces, zero widths, line and paragraph separators, the BOM)? */
static int
unicode_blank(const unsigned char *u, size_t left)
{
    if (left >= 2 && u[0] == 0xc2 && (u[1] <= 0x9f || u[1] == 0xa0))
        return 1; /* C1 controls, U+00A0 */
    if (left >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
        (u[2] <= 0x8f || (u[2] >= 0xa8 && u[2] <= 0xaf)))
        return 1; /* U+2000-U+200F, U+2028-U+202F */
    if (left >= 3 && u[0] == 0xe2 && u[1] == 0x81 && (u[2] == 0x9f || u[2] == 0xa0))
        return 1; /* U+205F, U+2060 */
    if (left >= 3 && ((u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) ||
                      (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) ||
                      (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)))
        return 1; /* U+1680, U+3000, U+FEFF */
    return 0;
}

/* name@domain: one @, no blanks (Unicode ones included) or characters mail cannot carry
 * unquoted, a dot inside the domain, no empty labels, none starting or ending with "-". */
static int
valid_email(const char *s, size_t len)
{
    const char *at = NULL;
    size_t i, local, dl;
    int dot = 0;

    if (len > 254)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x80 && unicode_blank((const unsigned char *)s + i, len - i))
            return 0;

        if (c <= ' ' || c == 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' ||
            c == ';' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\')
            return 0;
        if (c == '@') {
            if (at != NULL)
                return 0;
            at = s + i;
        }
    }
    if (at == NULL)
        return 0;
    local = (size_t)(at - s);
    dl = len - local - 1;
    if (local == 0 || local > 64 || dl == 0 || s[0] == '.' || at[-1] == '.')
        return 0;
    for (i = 1; i < local; i++)
        if (s[i] == '.' && s[i - 1] == '.')
            return 0;
    for (i = 0; i < dl; i++) {
        unsigned char c = (unsigned char)at[1 + i];

        if (c == '-' && (i == 0 || i == dl - 1 || at[i] == '.' || at[i + 2] == '.'))
            return 0; /* a label neither starts nor ends with a hyphen */
        if (c == '.') {
            if (i == 0 || i == dl - 1 || at[i] == '.')
                return 0;
            dot = 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
                     c == '-' || c >= 0x80)) {
            return 0;
        }
    }
    return dot;
}

static long
norm_email(const char *in, size_t len, char *out, struct value_err *e)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (is_blank(in[i]))
            return refuse(e, in, len, "an e-mail address has no spaces",
                          "is not a valid e-mail address");
    if (!valid_email(in, len))
        return refuse(e, in, len, "not an e-mail address (name@example.com)",
                      "is not a valid e-mail address");
    memcpy(out, in, len);
    out[len] = '\0';
    return (long)len;
}

/* Digits with + ( ) - . / and blanks (a + only first), at least three digits, and an
 * extension "x12" or "ext. 12" at the end; runs of blanks become one space. */
static long
norm_phone(const char *in, size_t len, char *out, struct value_err *e)
{
    static const char *msg = "not a phone number: use digits with + ( ) - . / and spaces";
    const char *s = in, *end = in + len;
    size_t o = 0;
    int nd = 0, ext = 0, ext_digits = 0;

    for (; s < end; s++) {
        char c = *s;

        if (is_blank(c)) {
            if (o > 0 && out[o - 1] != ' ')
                out[o++] = ' ';
            continue;
        }
        if (!ext && nd >= 3 && (ascii_lower(c) == 'x' || ascii_lower(c) == 'e')) {
            /* "x12", "ext 12", "ext. 12" */
            if (ascii_lower(c) == 'e') {
                if (end - s < 3 || ascii_lower(s[1]) != 'x' || ascii_lower(s[2]) != 't')
                    return refuse(e, in, len, msg, "is not a phone number");
                memcpy(out + o, s, 3);
                o += 3;
                s += 2;
                if (s + 1 < end && s[1] == '.')
                    out[o++] = *++s;
            } else {
                out[o++] = c;
            }
            ext = 1;
            continue;
        }
        if (is_digit(c)) {
            nd++;
            ext_digits += ext;
        } else if (ext || (c == '+' && o > 0) ||
                   (c != '+' && c != '(' && c != ')' && c != '-' && c != '.' && c != '/'))
            return refuse(e, in, len, msg, "is not a phone number");
        out[o++] = c;
    }
    if (nd < 3 || (ext && ext_digits == 0)) /* "030 1234567 ext": an extension of nothing */
        return refuse(e, in, len, msg, "is not a phone number");
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return (long)o;
}

static long
norm_choice(const struct value_rule *r, const char *in, size_t len, char *out, struct value_err *e)
{
    char list[256] = "", msg[300], phrase[300];
    size_t k;
    int i;

    for (i = 0; r->choices[i] != NULL; i++) {
        const char *c = r->choices[i];

        if (strlen(c) != len)
            continue;
        for (k = 0; k < len && ascii_lower(c[k]) == ascii_lower(in[k]); k++)
            ;
        if (k == len) {
            memcpy(out, c, len + 1);
            return (long)len;
        }
    }
    for (i = 0; r->choices[i] != NULL; i++) {
        if (r->choices[i][0] == '\0')
            continue;
        if (list[0] != '\0')
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, r->choices[i], sizeof list - strlen(list) - 1);
    }
    snprintf(msg, sizeof msg, "choose one of: %s", list);
    snprintf(phrase, sizeof phrase, "is not one of %s", list);
    return refuse(e, in, len, msg, phrase);
}

static long
norm_currency(const char *in, size_t len, char *out, struct value_err *e)
{
    size_t i;

    for (i = 0; i < len && len == 3; i++) {
        char c = in[i];

        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            break;
        out[i] = c;
    }
    if (len != 3 || i != 3)
        return refuse(e, in, len, "use a 3-letter currency code such as EUR",
                      "is not a three-letter currency code");
    out[3] = '\0';
    return 3;
}

static long
norm_ref(const char *in, size_t len, char *out, struct value_err *e)
{
    size_t i;

    for (i = 0; i < len && is_digit(in[i]); i++)
        ;
    if (i != len || len > 18)
        return refuse(e, in, len, "choose a record from the list (type to search)",
                      "is not a record number");
    memcpy(out, in, len);
    out[len] = '\0';
    return (long)len;
}

long
value_normalize(const struct value_rule *r, const char *in, size_t len, char *out, size_t outcap,
                struct value_err *e)
{
    size_t i, chars;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];

        if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f) {
            snprintf(e->msg, sizeof e->msg, "control character 0x%02x is not allowed", ch);
            snprintf(e->tail, sizeof e->tail, ": control character 0x%02x", ch);
            return -1;
        }
        /* a one-line text (a name, a subject, a city) is shown as one row of a list: a line
         * break or tab in it (a quoted CSV field may hold them; a form cannot type them)
         * would break the row on screen. A body (FIELD_MULTILINE) keeps them. */
        if ((ch == '\t' || ch == '\n' || ch == '\r') && r->type == FIELD_TEXT) {
            const char *what = ch == '\t' ? "tab" : "line break";

            snprintf(e->msg, sizeof e->msg, "a %s is not allowed (one line only)", what);
            snprintf(e->tail, sizeof e->tail, ": %s in a one-line field", what);
            return -1;
        }
        /* ... and Unicode's own: the line and paragraph separators U+2028, U+2029 */
        if (ch == 0xe2 && r->type == FIELD_TEXT && i + 2 < len &&
            (unsigned char)in[i + 1] == 0x80 &&
            ((unsigned char)in[i + 2] == 0xa8 || (unsigned char)in[i + 2] == 0xa9)) {
            snprintf(e->msg, sizeof e->msg, "a line break is not allowed (one line only)");
            snprintf(e->tail, sizeof e->tail, ": line break in a one-line field");
            return -1;
        }
        /* C1 controls (U+0080-U+009F: a terminal may obey them) and the bidirectional
         * overrides and isolates (U+202A-U+202E, U+2066-U+2069: they reorder what is shown,
         * "Trojan Source"), as --log refuses them */
        if (ch == 0xc2 && i + 1 < len && (unsigned char)in[i + 1] <= 0x9f) {
            snprintf(e->msg, sizeof e->msg, "control character U+%04X is not allowed",
                     (unsigned char)in[i + 1]);
            snprintf(e->tail, sizeof e->tail, ": control character U+%04X",
                     (unsigned char)in[i + 1]);
            return -1;
        }
        if (ch == 0xe2 && i + 2 < len &&
            (((unsigned char)in[i + 1] == 0x80 && (unsigned char)in[i + 2] >= 0xaa &&
              (unsigned char)in[i + 2] <= 0xae) ||
             ((unsigned char)in[i + 1] == 0x81 && (unsigned char)in[i + 2] >= 0xa6 &&
              (unsigned char)in[i + 2] <= 0xa9))) {
            unsigned cp = 0x2000u | (((unsigned char)in[i + 1] & 0x3fu) << 6) |
                          ((unsigned char)in[i + 2] & 0x3fu);

            snprintf(e->msg, sizeof e->msg,
                     "bidirectional control U+%04X is not allowed (it reorders what is shown)", cp);
            snprintf(e->tail, sizeof e->tail, ": bidirectional control U+%04X", cp);
            return -1;
        }
    }
    if (outcap < len + 16)
        abort(); /* a caller's mistake: the contract is len + 16 */
    switch (r->type) {
    case FIELD_TEXT:
    case FIELD_MULTILINE:
        memmove(out, in, len);
        out[len] = '\0';
        break;
    case FIELD_CHOICE:
        return norm_choice(r, in, len, out, e);
    case FIELD_DATE:
        return norm_date(in, len, out, outcap, e);
    case FIELD_DATETIME:
        return norm_datetime(r, in, len, out, outcap, e);
    case FIELD_TIME:
        return norm_time(in, len, out, outcap, e);
    case FIELD_AMOUNT:
        return norm_amount(r, in, len, out, outcap, e);
    case FIELD_INT:
        return norm_int(r, in, len, out, outcap, e);
    case FIELD_EMAIL:
        if (norm_email(in, len, out, e) < 0)
            return -1;
        break;
    case FIELD_PHONE:
        if (norm_phone(in, len, out, e) < 0)
            return -1;
        break;
    case FIELD_CURRENCY:
        return norm_currency(in, len, out, e);
    case FIELD_REF:
        return norm_ref(in, len, out, e);
    }
    /* the length of what was given (text, e-mail, phone) */
    if (r->maxlen > 0 && (chars = utf8_len(in, len)) > (size_t)r->maxlen) {
        snprintf(e->msg, sizeof e->msg, "too long (%zu characters, at most %d)", chars, r->maxlen);
        snprintf(e->tail, sizeof e->tail, " is too long (%zu characters, at most %d)", chars,
                 r->maxlen);
        return -1;
    }
    return (long)strlen(out);
}

int
value_normalize_str(const struct value_rule *r, int required, const char *in, char **out,
                    struct value_err *e)
{
    size_t len = in != NULL ? strlen(in) : 0;
    const char *s = value_trim(in != NULL ? in : "", &len, r->type == FIELD_MULTILINE);
    long n;

    *out = NULL;
    e->msg[0] = e->tail[0] = '\0';
    if (len == 0) {
        if (required) {
            value_required(e);
            return -1;
        }
        *out = xstrdup("");
        return 0;
    }
    *out = xmalloc(len + 16);
    n = value_normalize(r, s, len, *out, len + 16, e);
    if (n < 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
