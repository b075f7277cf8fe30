/* A growable string: every SQL statement (and every chunk of COPY data) is built in one, so no
 * text is ever cut off or refused for its length. Out of memory is fatal, as in xmalloc. No
 * libpq, no curses. */
#ifndef CCRM_STRBUF_H
#define CCRM_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *s;    /* NUL-terminated once anything was added; NULL before */
    size_t len; /* bytes in s, without the NUL */
    size_t cap; /* bytes allocated */
};

#define STRBUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Append n bytes of s (which may hold NULs), a string, or printf-formatted text. */
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes (and the NUL) without adding them. */
void strbuf_grow(struct strbuf *b, size_t n);
/* Empty it, keeping the memory for the next use (a statement rebuilt per key press allocates
 * nothing once the buffer is big enough). */
void strbuf_reset(struct strbuf *b);
/* The text ("" when nothing was added), borrowed until the next change. */
const char *strbuf_str(const struct strbuf *b);
/* Hand the text over (malloc'd, never NULL; free with free()) and empty the buffer. */
char *strbuf_steal(struct strbuf *b);
void strbuf_fini(struct strbuf *b);

#endif
