/* Benchmark tracing (see include/ccrm/trace.h). Lines are written with one write(2) each so
 * a reader polling the file never sees half a line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/trace.h"

static int trace_fd = -1;
static struct timespec t0;
static double exec_ms = -1; /* from the exec (CCRM_TRACE_T0) to trace_init; -1: not known */

void
trace_init(void)
{
    const char *path = getenv("CCRM_TRACE");
    const char *t = getenv("CCRM_TRACE_T0");

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (path != NULL && path[0] != '\0')
        trace_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (trace_fd >= 0 && t != NULL && t[0] != '\0') {
        /* seconds since 1970 when the exec began, as bash's $EPOCHREALTIME (read before
         * setlocale: the decimal point is '.') */
        struct timespec now;
        char *end;
        double at = strtod(t, &end), d;

        clock_gettime(CLOCK_REALTIME, &now);
        d = ((double)now.tv_sec + (double)now.tv_nsec / 1e9 - at) * 1e3;
        if (*end == '\0' && d >= 0 && d < 10000)
            exec_ms = d;
    }
}

double
trace_exec_ms(void)
{
    return exec_ms;
}

int
trace_enabled(void)
{
    return trace_fd >= 0;
}

double
trace_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - t0.tv_sec) * 1e3 + (double)(ts.tv_nsec - t0.tv_nsec) / 1e6;
}

void
trace_event(const char *name, double ms)
{
    char line[128];
    int n;

    if (trace_fd < 0)
        return;
    n = snprintf(line, sizeof line, "%s %.3f\n", name, ms);
    if (n > 0 && write(trace_fd, line, (size_t)n) < 0) {
        /* tracing is best effort */
    }
}
