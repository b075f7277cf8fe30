/* Latency tracing for benchmarks: with CCRM_TRACE=FILE set, the client appends one line per
 * measured event ("paint_startup 12.345", "key 338 3.210": milliseconds). Off (and free) when
 * the variable is unset. */
#ifndef CCRM_TRACE_H
#define CCRM_TRACE_H

/* Read CCRM_TRACE and remember the process start time. */
void trace_init(void);
int trace_enabled(void);
/* Milliseconds since trace_init (monotonic). */
double trace_now(void);
/* Milliseconds from the exec to trace_init, when CCRM_TRACE_T0 says when the exec began
 * (seconds since 1970, as bash's $EPOCHREALTIME: the loading of the shared libraries is in
 * it); -1 when unknown. */
double trace_exec_ms(void);
/* Append "name value" to the trace file. */
void trace_event(const char *name, double ms);

#endif
