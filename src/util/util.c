/* Allocation, string and path helpers (see include/ccrm/util.h). Out of memory is fatal. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccrm/util.h"

static void
oom(void)
{
    fputs("ccrm: out of memory\n", stderr);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        oom();
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL)
        oom();
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        oom();
    return q;
}

char *
xstrdup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        oom();
    return p;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return s;
}

const char *const dept_names[] = {"sales",   "support", "marketing", "management",
                                  "billing", "partner", "admin",     NULL};

int
dept_is_team(const char *name)
{
    int i;

    for (i = 0; i < DEPT_TEAMS; i++)
        if (strcasecmp(name, dept_names[i]) == 0)
            return 1;
    return 0;
}

size_t
utf8_encode(uint32_t c, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xc0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c >= 0xd800 && c <= 0xdfff)
        return 0;
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xe0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
        o[2] = (unsigned char)(0x80 | (c & 0x3f));
        return 3;
    }
    if (c > 0x10ffff)
        return 0;
    o[0] = (unsigned char)(0xf0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
    o[3] = (unsigned char)(0x80 | (c & 0x3f));
    return 4;
}

size_t
str_copy(char *dst, const char *src, size_t n)
{
    size_t len = strlen(src);
    size_t k;

    if (n == 0)
        return len;
    k = len < n - 1 ? len : n - 1;
    /* do not cut a UTF-8 sequence in half: back up over continuation bytes */
    if (k < len)
        while (k > 0 && ((unsigned char)src[k] & 0xC0) == 0x80)
            k--;
    memcpy(dst, src, k);
    dst[k] = '\0';
    return len;
}

char *
str_trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        memmove(s, s + 1, strlen(s));
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* $HOME, or the passwd entry's home when it is unset or not absolute: a relative one would put
 * the private database and the state under whatever directory ccrm was started in (another
 * one from each), and read a file there as the user's configuration. */
static const char *
home_dir(void)
{
    const char *h = getenv("HOME");
    struct passwd *pw;

    if (h != NULL && *h == '/')
        return h;
    pw = getpwuid(getuid());
    return pw != NULL ? pw->pw_dir : "/";
}

char *
xdg_dir(const char *kind)
{
    char var[32];
    const char *v;
    const char *def;

    snprintf(var, sizeof var, "XDG_%s_HOME", kind);
    v = getenv(var);
    if (v != NULL && v[0] == '/')
        return xasprintf("%s/ccrm", v);
    if (strcmp(kind, "DATA") == 0)
        def = ".local/share";
    else if (strcmp(kind, "STATE") == 0)
        def = ".local/state";
    else
        def = ".config";
    return xasprintf("%s/%s/ccrm", home_dir(), def);
}

void
fnv_bytes(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 1099511628211u;
    for (i = 0; i < sizeof n; i++)
        *h = (*h ^ ((n >> (8 * i)) & 0xff)) * 1099511628211u;
}

void
fnv_text(uint64_t *h, const char *s)
{
    fnv_bytes(h, s != NULL ? s : "\x01(none)", strlen(s != NULL ? s : "\x01(none)"));
}

int
mkdir_p(const char *path, unsigned mode)
{
    char *p = xstrdup(path);
    char *s;
    int rc = 0;

    for (s = p + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) == -1 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *s = '/';
    }
    if (rc == 0 && mkdir(p, (mode_t)mode) == -1 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

const char *
fmt_count(int64_t v, char *buf)
{
    char tmp[32];
    int len, i, o = 0;

    len = snprintf(tmp, sizeof tmp, "%" PRId64, v < 0 ? -v : v);
    if (v < 0)
        buf[o++] = '-';
    for (i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}
