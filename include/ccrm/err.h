/* Error reporting: a fixed-size message for the human plus the SQLSTATE when PostgreSQL gave one.
 * Fallible functions return 0/-1 or a pointer/NULL and fill a struct ccrm_err
 * (docs/architecture.md, "Errors"). */
#ifndef CCRM_ERR_H
#define CCRM_ERR_H

struct ccrm_err {
    char msg[1024]; /* room for a long path and the reason after it */
    char sqlstate[6];
};

/* Fill err with a printf-style message and clear the SQLSTATE. err may be NULL. */
void err_set(struct ccrm_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset err to "no error". */
void err_clear(struct ccrm_err *err);

#endif
