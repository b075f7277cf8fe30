/* Small helpers shared by every module: allocation that never returns NULL (out of memory is
 * fatal), string building, and the XDG base directories. No libpq, no curses here. */
#ifndef CCRM_UTIL_H
#define CCRM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Returns a malloc'd formatted string; free with free(). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy src into dst (size n), always NUL-terminated, truncating at a UTF-8 character boundary.
 * Returns strlen(src) like strlcpy. */
size_t str_copy(char *dst, const char *src, size_t n);
/* v with thousands separated ("12,345") into buf (at least 32 bytes); returns buf. */
const char *fmt_count(int64_t v, char *buf);

/* The characters in the first n bytes of UTF-8 text s (every byte that does not continue a
 * character begins one). Inline: the fuzz targets link no util code. */
static inline size_t
utf8_len(const char *s, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    return k;
}

/* The departments a person belongs to (users.department, schema/020_back_office.sql), in the
 * order they are offered: the company's own teams first (records are handed off and routed
 * to them), then partner and admin. NULL-terminated. One list for the client, the batch
 * commands and the completions. */
extern const char *const dept_names[];
/* How many of dept_names are the company's own teams (sales ... billing). */
#define DEPT_TEAMS 5
/* 1 when name is one of the company's own teams (in any case: "Sales"), else 0. */
int dept_is_team(const char *name);

/* Trim ASCII whitespace at both ends in place; returns s. */
char *str_trim(char *s);

/* XDG base directory for kind "DATA", "STATE" or "CONFIG" with "/ccrm" appended, following the
 * XDG spec defaults (~/.local/share, ~/.local/state, ~/.config). Returns a malloc'd path. */
char *xdg_dir(const char *kind);

/* mkdir -p with the given mode for every missing component. Returns 0 or -1 (errno set). */
int mkdir_p(const char *path, unsigned mode);

/* FNV-1a over n bytes and then n itself, added to *h (start at FNV_START): "ab" + "c" hashes
 * apart from "a" + "bc". fnv_text: a string, NULL as a value of its own. */
#define FNV_START 14695981039346656037u
void fnv_bytes(uint64_t *h, const void *p, size_t n);
void fnv_text(uint64_t *h, const char *s);

/* ---- text for a terminal (src/util/safe.c) ----
 * Data printed for a person (the text feed, import messages, admin answers) must not drive the
 * terminal: invalid UTF-8, control characters (C0 such as ESC and BEL, DEL, the C1 range
 * U+0080..U+009F such as CSI) and invisible format characters (bidirectional overrides,
 * zero-width characters) become '?', newline and tab a space, so a value stays on its line.
 * Machine output (JSON lines, CSV, the rejects file) is written exactly, not through these. */

/* 1 when code point cp must not reach a terminal as it is. */
int text_char_unsafe(uint32_t cp);
/* Decode one UTF-8 character of s (n bytes available) into *cp. Returns its length in bytes,
 * or 0 when the bytes are not valid UTF-8 (overlong forms and surrogates included). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Code point cp as UTF-8 at out (room for 4 bytes, not NUL-terminated): its length, or 0 when
 * cp is no character (a surrogate, above U+10FFFF). utf8_decode reads back what it writes. */
size_t utf8_encode(uint32_t cp, char *out);
/* Copy src into dst (size n > 0) made safe, NUL-terminated, truncated on a character boundary.
 * Returns the length written. */
size_t str_safe_copy(char *dst, const char *src, size_t n);
/* Copy src into dst (size n) to quote in a message: each byte that is not part of a printable
 * UTF-8 character as \xNN, cut after max columns (an escape counts 4) ending in "..."; n of
 * 4 * max + 4 always holds it. Returns the length written. */
size_t str_escape_copy(char *dst, size_t n, const char *src, size_t max);
/* src made safe, malloc'd (never longer than src). */
char *str_safe(const char *s);
/* fprintf with the whole formatted text made safe; a final newline is kept. */
int safe_fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int safe_vfprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
