/* Text from the database or from a file, made safe to print on a terminal (see
 * include/ccrm/util.h). A partner's ticket subject or a CSV value must not be able to retitle a
 * manager's terminal, clear it, write its clipboard (OSC 52) or hide text: every byte that is
 * not a printable UTF-8 character becomes '?'. The same rule as the full-screen client's
 * (src/ui/text.c), but decoded by hand, so that it holds whatever the locale is. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"

int
text_char_unsafe(uint32_t cp)
{
    /* C0 controls (ESC, BEL, CR, BS...), DEL and the C1 controls (U+0080..U+009F: CSI 0x9b,
     * OSC 0x9d, ST 0x9c, which some terminals obey in UTF-8 too) */
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
        return 1;
    /* invisible format characters: bidirectional overrides and isolates reorder what a terminal
     * shows ("Trojan Source"), zero-width ones hide text; and the variation selectors, which
     * wcwidth() counts as nothing while some terminals (tmux, kitty) draw "☺" with U+FE0F
     * after it two columns wide and others one: a list's columns moved by as many */
    return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061c ||
           cp == 0xfeff || (cp >= 0xfe00 && cp <= 0xfe0f);
}

size_t
utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len, i;
    uint32_t c, min;

    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1f;
        min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0f;
        min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid */
    if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 0;
    *cp = c;
    return len;
}

size_t
str_safe_copy(char *dst, const char *src, size_t n)
{
    size_t left = strlen(src), o = 0;

    if (n == 0)
        return 0;
    while (left > 0) {
        uint32_t cp = 0;
        size_t k = utf8_decode(src, left, &cp);
        const char *out = src;
        size_t outlen = k;

        if (k == 0 || text_char_unsafe(cp)) {
            out = k != 0 && (cp == '\n' || cp == '\t') ? " " : "?";
            outlen = 1;
            if (k == 0)
                k = 1; /* an invalid byte: one '?' for it, then go on with the next */
        }
        if (o + outlen >= n)
            break; /* truncated on a character boundary */
        memcpy(dst + o, out, outlen);
        o += outlen;
        src += k;
        left -= k;
    }
    dst[o] = '\0';
    return o;
}

size_t
str_escape_copy(char *dst, size_t n, const char *src, size_t max)
{
    size_t left = strlen(src), o = 0, cols = 0, k, i;
    uint32_t cp = 0;

    while (left > 0) {
        k = utf8_decode(src, left, &cp);
        if (k == 0 || text_char_unsafe(cp)) {
            if (k == 0)
                k = 1;
            if (cols + 4 * k > max || o + 4 * k + 4 > n)
                break;
            for (i = 0; i < k; i++)
                o += (size_t)snprintf(dst + o, n - o, "\\x%02x", (unsigned char)src[i]);
            cols += 4 * k;
        } else {
            if (cols + 1 > max || o + k + 4 > n)
                break;
            memcpy(dst + o, src, k);
            o += k;
            cols++;
        }
        src += k;
        left -= k;
    }
    if (left > 0) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return o;
}

char *
str_safe(const char *s)
{
    /* a '?' or ' ' never takes more bytes than what it replaces */
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);

    str_safe_copy(d, s, n);
    return d;
}

int
safe_vfprintf(FILE *f, const char *fmt, va_list ap)
{
    char *text, *safe;
    size_t len;
    int nl, r;

    if (vasprintf(&text, fmt, ap) < 0)
        return -1;
    len = strlen(text);
    nl = len > 0 && text[len - 1] == '\n';
    if (nl)
        text[len - 1] = '\0';
    safe = str_safe(text);
    r = fprintf(f, "%s%s", safe, nl ? "\n" : "");
    free(safe);
    free(text);
    return r;
}

int
safe_fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = safe_vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}
