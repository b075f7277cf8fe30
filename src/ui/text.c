/* UTF-8 text for curses: width by wcwidth, truncation on character boundaries, padding.
 * Invalid bytes, control characters and invisible format characters (bidi overrides,
 * variation selectors) are shown as '?' so stored data can never move the cursor, break the
 * layout or disguise itself. Zero-width characters (ZWSP, ZWJ, the word joiner, BOM) are
 * drawn as nothing in text to read, as wcwidth counts them (a mail's text showed "a?b" and its
 * lines came out too long), and as '?' in text being typed (draw_input), where the cursor
 * must be able to stand on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ccrm/util.h"
#include "ui_int.h"

/* Is wc one of the zero-width characters (a subset of text_char_unsafe) that text to read
 * leaves out: ZWSP, ZWNJ, ZWJ, the word joiner and the invisible operators, and the BOM
 * (ZWNBSP)? The bidirectional marks, overrides and isolates and the variation selectors stay
 * '?': they can reorder what a terminal shows, or are drawn one or two columns wide. */
static int
zero_width(wchar_t wc)
{
    return (wc >= 0x200b && wc <= 0x200d) || (wc >= 0x2060 && wc <= 0x2064) || wc == 0xfeff;
}

/* The character shown for wc: '?' for a control or invisible format character
 * (text_char_unsafe: bidirectional overrides could reorder what a terminal shows, "Trojan
 * Source"), a space for newline and tab; L'\0' (nothing) for a zero-width one unless typed
 * (the text of a form's field, a prompt's line). */
static wchar_t
shown_char(wchar_t wc, int typed)
{
    if (wc == L'\n' || wc == L'\t')
        return L' ';
    if (wc >= 0 && text_char_unsafe((uint32_t)wc))
        return !typed && zero_width(wc) ? L'\0' : L'?';
    return wc;
}

/* Decode the next character of s (n bytes left) as it is shown (shown_char). Returns bytes
 * used (>= 1); *wc is '?' for an invalid character, L'\0' for one not drawn. */
static size_t
next_char(const char *s, size_t n, wchar_t *wc, int typed)
{
    mbstate_t st;
    size_t k;

    memset(&st, 0, sizeof st);
    k = mbrtowc(wc, s, n, &st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        *wc = L'?';
        return 1;
    }
    *wc = shown_char(*wc, typed);
    return k;
}

static int
char_width(wchar_t wc)
{
    int w;

    if (wc == L'\0') /* not drawn */
        return 0;
    w = wcwidth(wc);
    return w < 0 ? 1 : w;
}

int
text_wcswidth(const wchar_t *s, size_t n)
{
    int w = 0;
    size_t i;

    for (i = 0; i < n; i++)
        w += char_width(shown_char(s[i], 1));
    return w;
}

/* The width of s as drawn: typed (draw_input) or to read (draw_text). */
static int
width_of(const char *s, int typed)
{
    size_t n = strlen(s);
    int w = 0;
    wchar_t wc;

    while (n > 0) {
        size_t k = next_char(s, n, &wc, typed);

        w += char_width(wc);
        s += k;
        n -= k;
    }
    return w;
}

int
text_width(const char *s)
{
    return width_of(s, 0);
}

int
text_input_width(const char *s)
{
    return width_of(s, 1);
}

static void
draw(WINDOW *w, int y, int x, const char *s, int width, attr_t attr, int typed)
{
    wchar_t buf[512];
    size_t n = strlen(s);
    int used = 0, k = 0, total;
    wchar_t wc;

    if (width <= 0)
        return;
    total = width_of(s, typed);
    while (n > 0 && k < (int)(sizeof buf / sizeof buf[0]) - 2) {
        size_t len = next_char(s, n, &wc, typed);
        int cw = char_width(wc);

        /* leave room for the ellipsis when the text does not fit */
        if (used + cw > width || (total > width && used + cw > width - 1))
            break;
        if (wc != L'\0')
            buf[k++] = wc;
        used += cw;
        s += len;
        n -= len;
    }
    if (total > width && used < width && k < (int)(sizeof buf / sizeof buf[0]) - 1) {
        buf[k++] = L'…';
        used++;
    }
    while (used < width && k < (int)(sizeof buf / sizeof buf[0]) - 1) {
        buf[k++] = L' ';
        used++;
    }
    buf[k] = L'\0';
    wattron(w, attr);
    mvwaddnwstr(w, y, x, buf, k);
    wattroff(w, attr);
}

void
draw_text(WINDOW *w, int y, int x, const char *s, int width, attr_t attr)
{
    draw(w, y, x, s, width, attr, 0);
}

void
draw_input(WINDOW *w, int y, int x, const char *s, int width, attr_t attr)
{
    draw(w, y, x, s, width, attr, 1);
}

int
text_wrap(const char *s, int width, size_t *starts, int max)
{
    size_t n = strlen(s), off = 0;
    int lines = 0;

    if (width < 1)
        width = 1;
    int hard = 1; /* the text's own line breaks stay, with the indentation after them */

    while (off < n && lines < max) {
        size_t k = off, brk = 0;
        int used = 0;
        wchar_t wc;

        if (!hard)
            while (off < n && s[off] == ' ') /* a wrapped line does not start with a blank */
                off++;
        if (off >= n)
            break;
        starts[lines++] = off;
        k = off;
        hard = 0;
        while (k < n) {
            size_t len;
            int cw;

            if (s[k] == '\n') {
                hard = 1;
                break;
            }
            len = next_char(s + k, n - k, &wc, 0);
            cw = char_width(wc);
            if (used + cw > width)
                break;
            if (wc == L' ')
                brk = k;
            used += cw;
            k += len;
        }
        /* break at the last blank of the line when a word would be cut */
        off = hard ? k + 1 : k < n && brk > off ? brk : k;
    }
    return lines;
}

/* ---- figures written to fit (the Dashboard, the Pipeline, Reports) ---- */

/* text ("-11,899,999,999,999,880,988,112,800.21": digits grouped by ',', cents after '.') with
 * sig significant digits, rounded, as "-1.19×10²⁵"; its width, or -1 when text is no such
 * figure or has no digit before the point (it is short then). */
int
ui_short_figure(char *buf, size_t n, const char *text, int sig)
{
    static const char *const sup[10] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    char dig[64], ex[32], sups[64] = "";
    int nd = 0, nint = -1, neg = 0, e, k, carry;
    const char *p = text;

    while (*p == ' ')
        p++;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p != '\0'; p++) {
        if (*p >= '0' && *p <= '9') {
            if (nd == 0 && *p == '0' && nint < 0)
                continue; /* leading zeros */
            if (nd < (int)sizeof dig - 1)
                dig[nd++] = *p;
            else if (nint >= 0)
                continue;
            else
                return -1;
        } else if (*p == '.' && nint < 0) {
            nint = nd;
        } else if (*p != ',') {
            return -1;
        }
    }
    if (nint < 0)
        nint = nd;
    if (nint == 0 || sig < 1 || sig > 3)
        return -1;
    while (nd <= sig)
        dig[nd++] = '0';
    e = nint - 1;
    /* round half up at the digit after the last one kept */
    carry = dig[sig] >= '5';
    for (k = sig - 1; k >= 0 && carry; k--) {
        if (dig[k] == '9') {
            dig[k] = '0';
        } else {
            dig[k]++;
            carry = 0;
        }
    }
    if (carry) { /* 9.99 became 10.0: one digit more before the point */
        memmove(dig + 1, dig, (size_t)sig);
        dig[0] = '1';
        e++;
    }
    snprintf(ex, sizeof ex, "%d", e);
    for (k = 0; ex[k] != '\0'; k++)
        strncat(sups, sup[ex[k] - '0'], sizeof sups - strlen(sups) - 1);
    snprintf(buf, n, "%s%c%s%.*s×10%s", neg ? "-" : "", dig[0], sig > 1 ? "." : "", sig - 1,
             dig + 1, sups);
    return text_width(buf);
}

/* text, a figure, in at most width columns: as it is when it fits, else in the short form with
 * as many significant digits as fit (3, 2, 1): "1.19×10²⁵", never its digits cut. Returns the
 * columns written (more than width when not even that fits). */
int
ui_fit_figure(char *buf, size_t n, const char *text, int width)
{
    int tw = text_width(text), sig, sw;

    str_copy(buf, text, n);
    if (tw <= width)
        return tw;
    for (sig = 3; sig >= 1; sig--) {
        char s[64];

        if ((sw = ui_short_figure(s, sizeof s, text, sig)) < 0)
            return tw;
        if (sw <= width || (sig == 1 && sw < tw)) {
            str_copy(buf, s, n);
            return sw;
        }
    }
    return tw;
}

/* An amount with its currency ("1,000.00 EUR") in at most width columns: the figure shorter
 * when it must be, the currency always (the Dashboard, lists' amount columns). */
int
ui_fit_amount(char *buf, size_t n, const char *item, int width)
{
    const char *sp = strrchr(item, ' ');
    char fig[96];
    int cw;

    if (sp == NULL || text_width(item) <= width)
        return ui_fit_figure(buf, n, item, width);
    snprintf(fig, sizeof fig, "%.*s", (int)(sp - item), item);
    cw = text_width(sp); /* " EUR" */
    ui_fit_figure(buf, n, fig, width - cw);
    strncat(buf, sp, n - strlen(buf) - 1);
    return text_width(buf);
}
