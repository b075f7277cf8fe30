/* Small helpers shared by every module: allocation that never returns NULL (out of memory is
 * fatal), string building, and the XDG base directories. No libpq, no curses here. */
#ifndef CCRM_UTIL_H
#define CCRM_UTIL_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Returns a malloc'd formatted string; free with free(). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy src into dst (size n), always NUL-terminated, truncating at a UTF-8 character boundary.
 * Returns strlen(src) like strlcpy. */
size_t str_copy(char *dst, const char *src, size_t n);

/* Trim ASCII whitespace at both ends in place; returns s. */
char *str_trim(char *s);

/* XDG base directory for kind "DATA", "STATE" or "CONFIG" with "/ccrm" appended, following the
 * XDG spec defaults (~/.local/share, ~/.local/state, ~/.config). Returns a malloc'd path. */
char *xdg_dir(const char *kind);

/* mkdir -p with the given mode for every missing component. Returns 0 or -1 (errno set). */
int mkdir_p(const char *path, unsigned mode);

#endif
