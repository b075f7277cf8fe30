/* Error helpers (see include/ccrm/err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ccrm/err.h"

void
err_set(struct ccrm_err *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->sqlstate[0] = '\0';
}

void
err_clear(struct ccrm_err *err)
{
    if (err == NULL)
        return;
    err->msg[0] = '\0';
    err->sqlstate[0] = '\0';
}
