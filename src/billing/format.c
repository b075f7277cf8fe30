/* How the back office's documents write numbers, units and text (include/ccrm/billing.h): pure
 * string work on the decimal text the database computed, so no amount ever passes through a
 * double. No libpq, no curses. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* wcwidth() */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "ccrm/billing.h"
#include "ccrm/util.h"
#include "ccrm/value.h"

const char *
bill_kind_noun(enum bill_kind kind)
{
    return kind == BILL_QUOTE ? "quote" : kind == BILL_CREDIT_NOTE ? "credit note" : "invoice";
}

static void
party_fini(struct bill_party *p)
{
    free(p->name);
    free(p->address);
    free(p->postcode);
    free(p->city);
    free(p->country);
    free(p->vat_id);
    free(p->contact);
    free(p->email);
}

void
bill_doc_free(struct bill_doc **dp)
{
    struct bill_doc *d = *dp;
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; i < d->nlines; i++) {
        struct bill_line *l = &d->lines[i];

        free(l->sku);
        free(l->description);
        free(l->unit);
        free(l->quantity);
        free(l->unit_price);
        free(l->discount_pct);
        free(l->tax_rate);
        free(l->net);
        free(l->tax);
        free(l->gross);
        free(l->base);
        free(l->allowance);
    }
    free(d->lines);
    for (i = 0; i < d->ntaxes; i++) {
        free(d->taxes[i].rate);
        free(d->taxes[i].net);
        free(d->taxes[i].tax);
    }
    free(d->taxes);
    party_fini(&d->buyer);
    free(d->number);
    free(d->status);
    free(d->state);
    free(d->currency);
    free(d->date);
    free(d->due_date);
    free(d->valid_until);
    free(d->title);
    free(d->notes);
    free(d->buyer_reference);
    free(d->corrects);
    free(d->corrects_date);
    free(d->quote_ref);
    free(d->net_total);
    free(d->tax_total);
    free(d->gross_total);
    free(d->paid_total);
    free(d->credited_total);
    free(d->outstanding);
    free(d);
    *dp = NULL;
}

/* Split a plain decimal into sign, integer digits and fraction digits (borrowed pointers into
 * dec, with lengths). A missing integer part is "0". */
struct dec_parts {
    int neg;
    const char *ip;
    size_t il;
    const char *fp;
    size_t fl;
};

static void
dec_split(const char *dec, struct dec_parts *p)
{
    const char *dot;

    if (dec == NULL)
        dec = "0";
    p->neg = dec[0] == '-';
    if (dec[0] == '-' || dec[0] == '+')
        dec++;
    dot = strchr(dec, '.');
    p->ip = dec;
    p->il = dot != NULL ? (size_t)(dot - dec) : strlen(dec);
    p->fp = dot != NULL ? dot + 1 : "";
    p->fl = strlen(p->fp);
    while (p->il > 1 && p->ip[0] == '0') { /* "007" -> "7" */
        p->ip++;
        p->il--;
    }
    if (p->il == 0) {
        p->ip = "0";
        p->il = 1;
    }
}

/* Write sign, integer part with thousands separators, and nf fraction digits (padded with
 * zeros) into buf. */
static void
dec_write(const struct dec_parts *p, size_t nf, char *buf, size_t n)
{
    char tmp[128];
    size_t o = 0, i;
    int zero = 1;

    for (i = 0; i < p->il; i++)
        zero &= p->ip[i] == '0';
    for (i = 0; i < nf && i < p->fl; i++)
        zero &= p->fp[i] == '0';
    if (p->neg && !zero)
        tmp[o++] = '-';
    for (i = 0; i < p->il && o < sizeof tmp - 2; i++) {
        if (i > 0 && (p->il - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = p->ip[i];
    }
    if (nf > 0 && o < sizeof tmp - 2)
        tmp[o++] = '.';
    for (i = 0; i < nf && o < sizeof tmp - 1; i++)
        tmp[o++] = i < p->fl ? p->fp[i] : '0';
    tmp[o] = '\0';
    str_copy(buf, tmp, n);
}

void
bill_fmt_amount(const char *dec, int minor, char *buf, size_t n)
{
    struct dec_parts p;

    dec_split(dec, &p);
    dec_write(&p, minor > 0 ? (size_t)minor : 0, buf, n);
}

void
bill_fmt_price(const char *dec, int minor, char *buf, size_t n)
{
    struct dec_parts p;
    size_t nf;

    dec_split(dec, &p);
    nf = p.fl;
    while (nf > (size_t)(minor > 0 ? minor : 0) && p.fp[nf - 1] == '0')
        nf--;
    if (nf < (size_t)(minor > 0 ? minor : 0))
        nf = (size_t)minor;
    dec_write(&p, nf, buf, n);
}

void
bill_fmt_number(const char *dec, char *buf, size_t n)
{
    struct dec_parts p;
    size_t nf;
    char tmp[128];
    size_t o = 0, i;

    dec_split(dec, &p);
    nf = p.fl;
    while (nf > 0 && p.fp[nf - 1] == '0')
        nf--;
    if (p.neg)
        tmp[o++] = '-';
    for (i = 0; i < p.il && o < sizeof tmp - 2; i++)
        tmp[o++] = p.ip[i];
    if (nf > 0)
        tmp[o++] = '.';
    for (i = 0; i < nf && o < sizeof tmp - 1; i++)
        tmp[o++] = p.fp[i];
    tmp[o] = '\0';
    if (strcmp(tmp, "-0") == 0)
        strcpy(tmp, "0");
    str_copy(buf, tmp, n);
}

void
bill_fmt_iban(const char *iban, char *buf, size_t n)
{
    char tmp[64];
    size_t o = 0, i;

    for (i = 0; iban != NULL && iban[i] != '\0' && o < sizeof tmp - 2; i++) {
        if (i > 0 && i % 4 == 0)
            tmp[o++] = ' ';
        tmp[o++] = iban[i];
    }
    tmp[o] = '\0';
    str_copy(buf, tmp, n);
}

const char *
bill_unit_code(const char *unit)
{
    static const struct {
        const char *word, *code;
    } units[] = {
        {"piece", "H87"},   {"pieces", "H87"},  {"pcs", "H87"},     {"pc", "H87"},
        {"stück", "H87"},   {"stk", "H87"},     {"unit", "C62"},    {"units", "C62"},
        {"seat", "C62"},    {"seats", "C62"},   {"licence", "C62"}, {"license", "C62"},
        {"user", "C62"},    {"users", "C62"},   {"hour", "HUR"},    {"hours", "HUR"},
        {"h", "HUR"},       {"hr", "HUR"},      {"std", "HUR"},     {"stunde", "HUR"},
        {"minute", "MIN"},  {"minutes", "MIN"}, {"min", "MIN"},     {"day", "DAY"},
        {"days", "DAY"},    {"tag", "DAY"},     {"week", "WEE"},    {"weeks", "WEE"},
        {"month", "MON"},   {"months", "MON"},  {"monat", "MON"},   {"year", "ANN"},
        {"years", "ANN"},   {"jahr", "ANN"},    {"kg", "KGM"},      {"g", "GRM"},
        {"t", "TNE"},       {"l", "LTR"},       {"litre", "LTR"},   {"liter", "LTR"},
        {"m", "MTR"},       {"metre", "MTR"},   {"meter", "MTR"},   {"km", "KMT"},
        {"m2", "MTK"},      {"m²", "MTK"},      {"m3", "MTQ"},      {"m³", "MTQ"},
        {"lump sum", "LS"}, {"flat", "LS"},     {"pauschal", "LS"}, {"set", "SET"},
        {"kwh", "KWH"},     {"gb", "E34"},      {"tb", "E35"},      {"page", "ZZ"},
        {"pages", "ZZ"},
    };
    size_t i, n;

    if (unit == NULL)
        return "C62";
    for (i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(unit, units[i].word) == 0)
            return units[i].code;
    /* already a code: two or three upper-case letters or digits, starting with a letter or
     * digit (C62, H87, LS, E48) */
    n = strlen(unit);
    if (n >= 2 && n <= 3) {
        for (i = 0; i < n; i++)
            if (!((unit[i] >= 'A' && unit[i] <= 'Z') || (unit[i] >= '0' && unit[i] <= '9')))
                break;
        if (i == n)
            return unit;
    }
    return "C62";
}

/* Decode one UTF-8 character; returns its length (0 at the end, -1 when invalid). */
static int
utf8_next(const char *s, unsigned *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    int len, i;

    if (p[0] == 0)
        return 0;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2, *cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3, *cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4, *cp = p[0] & 0x07;
    else
        return -1;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && *cp < 0x800) || (len == 4 && (*cp < 0x10000 || *cp > 0x10FFFF)) ||
        (*cp >= 0xD800 && *cp <= 0xDFFF))
        return -1;
    return len;
}

/* East Asian wide and fullwidth ranges, for when the locale's wcwidth() cannot tell. */
static int
wide(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
           (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t
bill_text_width(const char *s)
{
    size_t w = 0;
    unsigned cp;
    int len, cw;

    while (s != NULL && (len = utf8_next(s, &cp)) != 0) {
        if (len < 0) {
            w++;
            s++;
            continue;
        }
        cw = wcwidth((wchar_t)cp);
        if (cw < 0)
            cw = wide(cp) ? 2 : 1;
        else if (cw == 1 && wide(cp))
            cw = 2;
        w += (size_t)cw;
        s += len;
    }
    return w;
}

char *
bill_clean(const char *s, int keep_newlines)
{
    char *out, *o;
    unsigned cp;
    int len;

    if (s == NULL)
        return xstrdup("");
    o = out = xmalloc(strlen(s) + 1);
    while ((len = utf8_next(s, &cp)) != 0) {
        if (len < 0) {
            *o++ = '?';
            s++;
            continue;
        }
        if (cp == '\n' && keep_newlines) {
            *o++ = '\n';
        } else if (cp == '\t' || cp == '\r' || cp == '\n') {
            *o++ = ' ';
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
                   (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
                   cp == 0xFFFE || cp == 0xFFFF) {
            *o++ = '?';
        } else {
            memcpy(o, s, (size_t)len);
            o += len;
        }
        s += len;
    }
    *o = '\0';
    return out;
}

static const char *const pay_methods[] = {"transfer", "direct_debit", "card", "cash",
                                          "cheque",   "other",        NULL};

/* Digits with - or . between them, at least one of each: what a person types as a date. */
static int
looks_like_date(const char *s, size_t n)
{
    size_t i, digits = 0, seps = 0;

    for (i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == '-' || s[i] == '.')
            seps++;
        else
            return 0;
    }
    return digits >= 4 && seps >= 1;
}

/* A date as YYYY-M-D or D.M.YYYY (a day of the calendar) into out (11 bytes) as YYYY-MM-DD, or
 * -1 with why (wn bytes) said as forms say it (value.c): "31.2.2026" is written right, and
 * there is no 31 February 2026. */
static int
pay_date(const char *s, size_t n, char *out, char *why, size_t wn)
{
    static const struct value_rule rule = {.type = FIELD_DATE};
    struct value_err e;
    char buf[32];

    if (n > 10 || value_normalize(&rule, s, n, buf, sizeof buf, &e) != 10) {
        str_copy(why, n > 10 ? "not a date: use YYYY-MM-DD or D.M.YYYY" : e.msg, wn);
        return -1;
    }
    memcpy(out, buf, 11);
    return 0;
}

/* Why the word s (n bytes) is no method, naming the methods as ccrm --method does
 * (cli_choice), and where the reference goes. The word is cut to 40 bytes at a character's
 * start: the message stays short. */
static void
pay_method_why(const char *s, size_t n, char *why, size_t wn)
{
    size_t k = n > 40 ? 40 : n, off;
    int i;

    while (k < n && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    off = (size_t)snprintf(why, wn, "not a payment method: \"%.*s%s\" (", (int)k, s,
                           k < n ? "..." : "");
    for (i = 0; pay_methods[i] != NULL && off < wn; i++) {
        const char *sep = i == 0 ? "" : pay_methods[i + 1] == NULL ? " or " : ", ";

        off += (size_t)snprintf(why + off, wn - off, "%s%s", sep, pay_methods[i]);
    }
    if (off < wn)
        snprintf(why + off, wn - off, ", then the reference)");
}

int
bill_parse_payment(const char *line, struct bill_pay_words *w)
{
    const char *p = line != NULL ? line : "";
    size_t rl = 0;
    int i;

    memset(w, 0, sizeof *w);
    while (*p != '\0') {
        const char *start;
        size_t n;

        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        start = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        n = (size_t)(p - start);
        if (w->amount[0] == '\0') {
            if (n >= sizeof w->amount)
                return -1;
            memcpy(w->amount, start, n);
            continue;
        }
        /* "1 234,50": a group of three digits after the amount's first digits (no decimals
         * yet) goes on the amount, as forms read a space between thousands (it was taken for
         * the reference, and 1.00 recorded) */
        if (w->date[0] == '\0' && w->method[0] == '\0' && rl == 0 && n >= 3 &&
            strspn(start, "0123456789") >= 3 && (n == 3 || (start[3] == ',' || start[3] == '.')) &&
            (n == 3 || strspn(start + 4, "0123456789") == n - 4) &&
            strspn(w->amount, "+-0123456789") == strlen(w->amount) &&
            strlen(w->amount) + n < sizeof w->amount) {
            strncat(w->amount, start, n);
            continue;
        }
        if (w->date[0] == '\0' && rl == 0 && looks_like_date(start, n)) {
            /* YYYY-MM-DD or D.M.YYYY, as forms take dates; a date not in the calendar is
             * refused, not taken for the reference */
            if (pay_date(start, n, w->date, w->date_why, sizeof w->date_why) == -1)
                return -2;
            continue;
        }
        if (w->date[0] == '\0' && rl == 0) {
            /* a day's word ("yesterday": value.c) is the date too */
            char why[8];

            if (pay_date(start, n, w->date, why, sizeof why) == 0)
                continue;
        }
        if (w->method[0] == '\0') {
            for (i = 0; pay_methods[i] != NULL; i++)
                if (strlen(pay_methods[i]) == n && strncasecmp(pay_methods[i], start, n) == 0)
                    break;
            if (pay_methods[i] != NULL) {
                memcpy(w->method, pay_methods[i], n + 1);
                continue;
            }
            /* a reference comes after its method: a word in the method's place that is none
             * is refused, not taken for the reference ("cahs" was, and the payment recorded
             * as a transfer with the reference "cahs") */
            pay_method_why(start, n, w->method_why, sizeof w->method_why);
            return -3;
        }
        /* everything from here on is the reference, as typed */
        n = strlen(start);
        while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
            n--;
        if (n >= sizeof w->reference)
            return -1;
        memcpy(w->reference, start, n);
        rl = n;
        break;
    }
    return w->amount[0] != '\0' ? 0 : -1;
}
