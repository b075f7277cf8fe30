/* The growable string of include/ccrm/strbuf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/strbuf.h"
#include "ccrm/util.h"

void
strbuf_grow(struct strbuf *b, size_t n)
{
    size_t want = b->len + n + 1;

    if (want <= b->cap)
        return;
    if (b->cap == 0)
        b->cap = 256;
    while (b->cap < want)
        b->cap *= 2;
    b->s = xrealloc(b->s, b->cap);
}

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
    strbuf_grow(b, n);
    if (n > 0)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void
strbuf_puts(struct strbuf *b, const char *s)
{
    strbuf_add(b, s, strlen(s));
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return; /* an encoding error in a format of ours: add nothing */
    strbuf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
strbuf_reset(struct strbuf *b)
{
    b->len = 0;
    if (b->s != NULL)
        b->s[0] = '\0';
}

const char *
strbuf_str(const struct strbuf *b)
{
    return b->s != NULL ? b->s : "";
}

char *
strbuf_steal(struct strbuf *b)
{
    char *s = b->s != NULL ? b->s : xstrdup("");

    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void
strbuf_fini(struct strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
