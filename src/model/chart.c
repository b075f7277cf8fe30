/* Bar and sparkline text for terminal charts (include/ccrm/chart.h): block characters in
 * eighths, width-bounded, readable without colour. Pure functions; tests/unit/test_chart.c. */
#define _GNU_SOURCE /* wcwidth */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ccrm/chart.h"

/* Rounds half away from zero, as lround(), clamped to what a bar or a sparkline can use; here
 * rather than libm's lround() so the client does not load libm (its pages count in the RSS of
 * every client: docs/performance.md). */
static long
round_units(double x)
{
    if (!(x > -1e9))
        return -1000000000L;
    if (x > 1e9)
        return 1000000000L;
    return x < 0 ? -(long)(0.5 - x) : (long)(x + 0.5);
}

/* U+2588 FULL BLOCK, then U+2589 .. U+258F (7/8 .. 1/8) */
static const char *const eighths[9] = {
    "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589", "\u2588",
};
/* U+2581 .. U+2588: one eighth to full height */
static const char *const heights[8] = {
    "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};

/* Append s to buf (n bytes, *len used) if it fits with the NUL. Returns 0, or -1 when full. */
static int
put(char *buf, size_t n, size_t *len, const char *s)
{
    size_t k = strlen(s);

    if (n == 0 || *len + k + 1 > n)
        return -1;
    memcpy(buf + *len, s, k);
    *len += k;
    buf[*len] = '\0';
    return 0;
}

int
chart_bar(char *buf, size_t n, double value, double max, int width)
{
    size_t len = 0;
    long units, full, i;
    int cols = 0;

    if (n > 0)
        buf[0] = '\0';
    if (width <= 0 || !isfinite(value) || !isfinite(max) || value <= 0 || max <= 0)
        return 0;
    if (value >= max)
        units = (long)width * 8;
    else {
        units = round_units(value / max * width * 8);
        if (units < 1)
            units = 1;
        if (units > (long)width * 8)
            units = (long)width * 8;
    }
    full = units / 8;
    for (i = 0; i < full; i++) {
        if (put(buf, n, &len, eighths[8]) == -1)
            return cols;
        cols++;
    }
    if (units % 8 != 0 && put(buf, n, &len, eighths[units % 8]) == 0)
        cols++;
    return cols;
}

int
chart_sparkline(char *buf, size_t n, const double *values, int count, int width)
{
    double lo = 0, hi = 0;
    int first, i, cols = 0, any = 0;
    size_t len = 0;

    if (n > 0)
        buf[0] = '\0';
    if (width <= 0 || count <= 0 || values == NULL)
        return 0;
    first = count > width ? count - width : 0;
    for (i = first; i < count; i++) {
        if (!isfinite(values[i]))
            continue;
        if (!any || values[i] > hi)
            hi = values[i];
        if (values[i] < lo)
            lo = values[i];
        any = 1;
    }
    if (hi < 0)
        hi = 0;
    for (i = first; i < count; i++) {
        const char *c = " ";

        if (isfinite(values[i])) {
            long level = hi > lo ? round_units((values[i] - lo) / (hi - lo) * 7) : 0;

            c = heights[level < 0 ? 0 : level > 7 ? 7 : level];
        }
        if (put(buf, n, &len, c) == -1)
            break;
        cols++;
    }
    return cols;
}

int
chart_width(const char *s)
{
    mbstate_t st;
    size_t len = strlen(s), k;
    wchar_t wc;
    int w = 0, cw;

    memset(&st, 0, sizeof st);
    while (len > 0) {
        k = mbrtowc(&wc, s, len, &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            memset(&st, 0, sizeof st);
            k = 1;
            cw = 1;
        } else {
            cw = wcwidth(wc);
            if (cw < 0)
                cw = 1;
        }
        w += cw;
        s += k;
        len -= k;
    }
    return w;
}

/* Append s cut to at most cols columns (whole characters only). Returns the columns added. */
static int
put_cut(char *buf, size_t n, size_t *len, const char *s, int cols)
{
    mbstate_t st;
    size_t rest = strlen(s), k;
    wchar_t wc;
    int w = 0, cw;
    char ch[8];

    memset(&st, 0, sizeof st);
    while (rest > 0) {
        k = mbrtowc(&wc, s, rest, &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            memset(&st, 0, sizeof st);
            k = 1;
            cw = 1;
            wc = L'?';
        } else {
            cw = wcwidth(wc);
            if (cw < 0) /* a control character: never into the terminal */
                cw = 1, wc = L'?';
        }
        if (w + cw > cols)
            break;
        if (wc == L'?' && (k != 1 || *s != '?')) {
            if (put(buf, n, len, "?") == -1)
                break;
        } else {
            memcpy(ch, s, k);
            ch[k] = '\0';
            if (put(buf, n, len, ch) == -1)
                break;
        }
        w += cw;
        s += k;
        rest -= k;
    }
    return w;
}

static int
pad(char *buf, size_t n, size_t *len, int cols)
{
    int i;

    for (i = 0; i < cols; i++)
        if (put(buf, n, len, " ") == -1)
            return i;
    return cols;
}

int
chart_bar_line(char *buf, size_t n, const char *label, int label_w, double value, double max,
               const char *value_text, int value_w, int width)
{
    size_t len = 0;
    int vw, own, lw, bw, cols = 0, drawn;

    if (n > 0)
        buf[0] = '\0';
    if (width <= 0)
        return 0;
    if (label == NULL)
        label = "";
    if (value_text == NULL)
        value_text = "";
    own = chart_width(value_text);
    if (own > width)
        own = width;
    vw = own < value_w ? value_w : own; /* the chart's room for values: one full bar length */
    if (vw > width)
        vw = width;
    lw = label_w < 0 ? 0 : label_w;
    if (lw + 1 + vw > width) /* no room for a bar: the label gives way */
        lw = width - vw - 1 > 0 ? width - vw - 1 : 0;
    bw = width - lw - vw - (lw > 0 ? 1 : 0) - 1;
    if (bw < 0)
        bw = 0;
    if (lw > 0) {
        cols += put_cut(buf, n, &len, label, lw);
        cols += pad(buf, n, &len, lw - cols + 1);
    }
    if (len < n) { /* the bar straight into buf's tail */
        drawn = chart_bar(buf + len, n - len, value, max, bw);
        len += strlen(buf + len);
        cols += drawn;
    }
    cols += pad(buf, n, &len, width - cols - own); /* the value ends at the right margin */
    cols += put_cut(buf, n, &len, value_text, width - cols);
    return cols;
}

char *
chart_number(char *buf, size_t n, double value, int decimals)
{
    char tmp[64], out[96];
    char *dot, *p;
    int i, o = 0, intlen;

    if (n == 0)
        return buf;
    if (!isfinite(value)) {
        snprintf(buf, n, "%s", isnan(value) ? "" : value > 0 ? "inf" : "-inf");
        return buf;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    snprintf(tmp, sizeof tmp, "%.*f", decimals, fabs(value));
    dot = strchr(tmp, '.');
    if (dot != NULL) { /* trailing zeros of the fraction go, and the dot with them */
        for (p = tmp + strlen(tmp) - 1; p > dot && *p == '0'; p--)
            *p = '\0';
        if (p == dot)
            *p = '\0';
    }
    dot = strchr(tmp, '.');
    intlen = dot != NULL ? (int)(dot - tmp) : (int)strlen(tmp);
    if (value < 0 && strcmp(tmp, "0") != 0)
        out[o++] = '-';
    for (i = 0; i < intlen; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
    if (dot != NULL)
        snprintf(out + o, sizeof out - (size_t)o, "%s", dot);
    snprintf(buf, n, "%s", out);
    return buf;
}
