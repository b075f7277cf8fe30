/* One list of timers for the client, as in Redis' ae.c: every deadline (reconnect backoff,
 * the debounced re-read, message and highlight expiry, presence heartbeats, the offline
 * countdown) is an entry, the event loop sleeps until the nearest one and runs those that are
 * due. Computing the timeout changes nothing. Pure (no I/O): tests/unit/test_timer.c. */
#ifndef CCRM_TIMER_H
#define CCRM_TIMER_H

#include <stdint.h>

#define TIMER_MAX 64

/* A timer's function: ctx is the list's owner (the client), arg the timer's own. */
typedef void (*timer_fn)(void *ctx, void *arg);

struct timer_list {
    struct timer {
        int64_t when; /* monotonic ms */
        unsigned id;  /* 0: a free slot */
        timer_fn fn;
        void *arg;
    } t[TIMER_MAX];
    unsigned last_id;
};

/* Run fn(ctx, arg) at when (monotonic ms), once. Returns the timer's id (never 0), or 0 when
 * the list is full (the caller's deadline is then missed: TIMER_MAX is far above what the
 * client ever has pending). */
unsigned timer_add(struct timer_list *l, int64_t when, timer_fn fn, void *arg);
/* Cancel timer id (0, or one that already ran: nothing happens). */
void timer_del(struct timer_list *l, unsigned id);
/* Is timer id still pending? */
int timer_pending(const struct timer_list *l, unsigned id);
/* Ms from now until the nearest timer (0 when one is due), or -1 when none is pending. */
int timer_timeout(const struct timer_list *l, int64_t now);
/* Run every timer due at now, each once, in the order of their deadlines (a timer added by one
 * that runs waits for the next call). Returns how many ran. */
int timer_run(struct timer_list *l, int64_t now, void *ctx);

#endif
