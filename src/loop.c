/* THE event loop: one poll() over the keyboard, the signal pipe and the libpq socket, and one
 * list of timers (include/ccrm/timer.h: reconnect backoff, debounced re-reads, message and
 * highlight expiry, presence heartbeats) besides a reconnect's time limit per host (the
 * connection's own), the report pipes of child processes sending mail (SIGCHLD comes
 * through the signal pipe) and the sockets of sessions views open without blocking (the
 * Reports view's replica). Handlers only record; drawing happens once per iteration. Never blocks
 * on the network for longer than a query. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ccrm/app.h"
#include "ccrm/ui.h"

/* Re-reads after NOTIFY wake-ups are debounced: a burst of commits costs one re-read. Wake-ups
 * that brought nothing (anyone may send NOTIFY ccrm) stretch the interval, doubling up to 1 s,
 * until one brings an event again. Under load the interval adapts too: when re-reads follow
 * each other as fast as the interval lets them (the company commits faster than the interval),
 * it doubles, up to 400 ms, and halves again as soon as a re-read comes after a pause. "As
 * fast as the interval lets them" means the wake-up came while the interval since the last
 * re-read was still running, so the re-read had to wait: a steady stream slower than one
 * change per interval (20 a second against 30 ms) is drawn as it comes, every change at once,
 * while a flood gets the long interval. So a client reads at most a few times a second however
 * busy the company is (every open client costs the writers little), and a change is still
 * drawn within half a second; an idle client shows a lone change at once (leading edge). The
 * interval is also at least eight times what the last re-read took (REFRESH_LOAD_FACTOR): when
 * the clients themselves load the server, their queries slow down and they back off. */
#define REFRESH_DEBOUNCE_MS 30
#define REFRESH_QUIET_MAX_MS 1000
#define REFRESH_BUSY_MAX_MS 400
/* A re-read waits at least this many times as long as the last one took, up to the maximum:
 * on a server its clients keep busy, every query takes longer, and the clients back off on
 * their own before the writers starve (300 clients on a 2-core machine). */
#define REFRESH_LOAD_FACTOR 8
#define REFRESH_LOAD_MAX_MS 900
#define RECONNECT_MIN_MS 500
#define RECONNECT_MAX_MS 30000
#define LOOP_CHILDREN_MAX 16 /* child processes watched at once (mails being sent) */
#define LOOP_SIDE_MAX 4      /* sessions views open without blocking (the Reports' replica) */

static void schedule_reconnect(struct app *app);

static void
on_reconnect(void *ctx, void *arg)
{
    struct app *app = ctx;
    struct ccrm_err err;

    (void)arg;
    app->reconnect_timer = 0;
    app->reconnect_at = 0;
    if (db_reconnect_start(app->db, &err) == -1)
        schedule_reconnect(app);
    else
        ui_on_connection(app);
}

static void
schedule_reconnect(struct app *app)
{
    int jitter;

    if (app->reconnect_delay == 0)
        app->reconnect_delay = RECONNECT_MIN_MS;
    else if (app->reconnect_delay < RECONNECT_MAX_MS)
        app->reconnect_delay *= 2;
    if (app->reconnect_delay > RECONNECT_MAX_MS)
        app->reconnect_delay = RECONNECT_MAX_MS;
    jitter = rand() % (app->reconnect_delay / 4 + 1);
    app->reconnect_at = now_ms() + app->reconnect_delay + jitter;
    app->reconnect_timer = timer_add(&app->timers, app->reconnect_at, on_reconnect, NULL);
    ui_on_connection(app);
}

/* How long poll() may sleep: until the next timer, or until a reconnect gives up on a host that
 * does not answer in time (db_pump moves on). Computing it changes nothing. */
static int
poll_timeout(struct app *app)
{
    int t = timer_timeout(&app->timers, now_ms());
    int64_t d = db_connect_wait_ms(app->db);

    if (d >= 0 && (t < 0 || d < t))
        t = (int)d;
    return t;
}

/* The debounce interval now: the longest of the quiet and the busy stretch and the load. */
static int64_t
refresh_gap(const struct app *app)
{
    int64_t quiet = REFRESH_DEBOUNCE_MS, busy = REFRESH_DEBOUNCE_MS;
    int64_t load = app->refresh_cost * REFRESH_LOAD_FACTOR;
    int i;

    for (i = 0; i < app->quiet_wakeups && quiet < REFRESH_QUIET_MAX_MS; i++)
        quiet *= 2;
    for (i = 0; i < app->busy_level && busy < REFRESH_BUSY_MAX_MS; i++)
        busy *= 2;
    if (quiet > REFRESH_QUIET_MAX_MS)
        quiet = REFRESH_QUIET_MAX_MS;
    if (busy > REFRESH_BUSY_MAX_MS)
        busy = REFRESH_BUSY_MAX_MS;
    if (load > REFRESH_LOAD_MAX_MS)
        load = REFRESH_LOAD_MAX_MS;
    if (busy > quiet)
        quiet = busy;
    return load > quiet ? load : quiet;
}

static void
on_refresh(void *ctx, void *arg)
{
    struct app *app = ctx;
    int64_t t = now_ms(), since = t - app->last_refresh, gap = refresh_gap(app);

    (void)arg;
    app->refresh_timer = 0;
    /* held back by the interval: busier; after a pause of two intervals: calmer */
    if (app->refresh_held) {
        if (gap < REFRESH_BUSY_MAX_MS)
            app->busy_level++;
    } else if (since > 2 * gap && app->busy_level > 0) {
        app->busy_level--;
    }
    app->refresh_held = 0;
    app->last_refresh = t;
    if (db_state(app->db) == DB_READY) {
        ui_on_wakeup(app);
        app->refresh_cost = now_ms() - t;
    }
}

/* Wake-ups from the socket (counted by db_pump) and those drained during ordinary queries
 * schedule one re-read. Leading edge: a lone change is shown at once; a burst right after it
 * waits for the rest of the debounce interval and is read in one go. */
static void
schedule_refresh(struct app *app, int wakeups)
{
    int64_t t, gap;

    wakeups += db_take_wakeups(app->db);
    if (wakeups == 0 || app->refresh_timer != 0)
        return;
    gap = refresh_gap(app);
    t = now_ms();
    app->refresh_held = t - app->last_refresh < gap;
    app->refresh_timer =
        timer_add(&app->timers, app->refresh_held ? app->last_refresh + gap : t, on_refresh, NULL);
}

int
loop_run(struct app *app)
{
    enum db_state last_state = db_state(app->db);

    while (!app->quit) {
        struct pollfd pfd[3 + LOOP_CHILDREN_MAX + LOOP_SIDE_MAX];
        int child_fd[LOOP_CHILDREN_MAX], side_fd[LOOP_SIDE_MAX];
        short side_ev[LOOP_SIDE_MAX], side_rev[LOOP_SIDE_MAX];
        int wakeups = 0, nchild, nside, timeout, i;

        ui_redraw(app);
        /* Queries run since the last poll (key handling, re-reads, drawing) may have taken
         * notifications off the socket: act on them now, or poll() would sleep on them. */
        schedule_refresh(app, 0);
        pfd[0].fd = STDIN_FILENO;
        pfd[0].events = POLLIN;
        pfd[1].fd = sig_fd();
        pfd[1].events = POLLIN;
        pfd[2].fd = db_socket(app->db); /* -1 while offline: poll ignores it */
        pfd[2].events = db_poll_events(app->db);
        /* A re-read is already due (held back by the debounce interval): until then more
         * NOTIFYs say nothing new, so they wait in the socket (the kernel keeps them; the
         * re-read's queries take them off) instead of waking this process at every commit in
         * the company. With a hundred clients open, those wake-ups cost the server's two cores
         * more than the writers did (docs/performance.md, "Open clients and the writers"). */
        if (app->refresh_timer != 0 && db_state(app->db) == DB_READY)
            pfd[2].fd = -1;
        pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
        /* mails being sent by child processes: their reports (src/ui/mail_send.c) */
        nchild = ui_child_fds(app, child_fd, LOOP_CHILDREN_MAX);
        for (i = 0; i < nchild; i++) {
            pfd[3 + i].fd = child_fd[i];
            pfd[3 + i].events = POLLIN;
            pfd[3 + i].revents = 0;
        }
        /* sessions views are opening (src/ui/screen.c, ui_side_fds) */
        timeout = poll_timeout(app);
        nside = ui_side_fds(app, side_fd, side_ev, LOOP_SIDE_MAX, &timeout);
        for (i = 0; i < nside; i++) {
            pfd[3 + nchild + i].fd = side_fd[i];
            pfd[3 + nchild + i].events = side_ev[i];
            pfd[3 + nchild + i].revents = 0;
        }
        if (poll(pfd, (nfds_t)(3 + nchild + nside), timeout) == -1 && errno != EINTR)
            return -1;
        if (pfd[1].revents & POLLIN)
            sig_dispatch(app);
        if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            app->quit = 1; /* the terminal went away (ssh dropped): as a hang-up */
            app->quit_signal = SIGHUP;
        }
        if (pfd[0].revents & POLLIN)
            ui_read_keys(app);
        for (i = 0; i < nchild; i++)
            if (pfd[3 + i].revents & (POLLIN | POLLHUP | POLLERR))
                ui_child_ready(app, pfd[3 + i].fd);
        for (i = 0; i < nside; i++)
            side_rev[i] = pfd[3 + nchild + i].revents;
        ui_side_ready(app, side_fd, side_rev, nside);
        if ((pfd[2].revents & (POLLIN | POLLOUT | POLLERR | POLLHUP)) ||
            db_connect_wait_ms(app->db) == 0)
            db_pump(app->db, &wakeups);
        if (db_state(app->db) == DB_OFFLINE && app->reconnect_timer == 0)
            schedule_reconnect(app);
        if (db_state(app->db) != last_state) {
            if (db_state(app->db) == DB_READY)
                app->reconnect_delay = 0;
            last_state = db_state(app->db);
            ui_on_connection(app);
        }
        schedule_refresh(app, wakeups);
        timer_run(&app->timers, now_ms(), app);
    }
    return 0;
}
