/* The running full-screen client: configuration, connection, timers and UI state shared by the
 * event loop (src/loop.c), signal dispatch and the UI. The UI's own state is opaque here. */
#ifndef CCRM_APP_H
#define CCRM_APP_H

#include <stdint.h>

#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/events.h"
#include "ccrm/timer.h"

struct ui;

struct app {
    struct ccrm_config *cfg;
    struct db *db;
    struct ui *ui;
    int quit;
    int quit_signal;            /* stopped by SIGTERM, SIGHUP, ... (or SIGHUP: the terminal went
                                 * away): unsaved forms are kept as drafts */
    char exit_note[1024];       /* said on standard error after the screen is left */
    int private_db;             /* running on the private local cluster */
    int db_named;               /* -d named the database: reports read it, not the replica */
    struct timer_list timers;   /* every deadline of the client (src/loop.c runs them) */
    int64_t reconnect_at;       /* monotonic ms of the next reconnect attempt, 0 = none */
    unsigned reconnect_timer;   /* its timer, 0 = none */
    int reconnect_delay;        /* current backoff in ms */
    unsigned refresh_timer;     /* the debounced re-read after wake-ups, 0 = none */
    int64_t last_refresh;       /* when the last re-read ran (leading-edge debounce) */
    int quiet_wakeups;          /* wake-ups in a row that brought no event (any role may NOTIFY:
                                 * they stretch the debounce, so a flood costs little) */
    int busy_level;             /* re-reads held back to back by the debounce: each doubles it
                                 * (up to 400 ms), a pause halves it (src/loop.c) */
    int refresh_held;           /* the pending re-read had to wait for the interval */
    int64_t refresh_cost;       /* ms the last re-read took: a loaded server answers slowly, and
                                 * the next one waits longer (src/loop.c, refresh_gap) */
    struct event_cursor events; /* what the user has been shown of the event stream */
};

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);
/* The wall clock in milliseconds since the epoch (due times from the database). */
int64_t wall_ms(void);

/* The event loop: returns 0 on a normal quit, -1 on a fatal error. */
int loop_run(struct app *app);

/* Signals: handlers only write the signal number to a pipe (src/sig.c). */
int sig_init(void);
int sig_fd(void);
/* Read pending signals and act on them (resize, quit). */
void sig_dispatch(struct app *app);

#endif
