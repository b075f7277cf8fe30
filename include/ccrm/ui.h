/* The full-screen client's screen: the only module that includes curses (src/ui/). */
#ifndef CCRM_UI_H
#define CCRM_UI_H

#include <stdint.h>

#include "ccrm/app.h"
#include "ccrm/err.h"

/* Can curses drive the terminal on stdout (TERM set, known, able to move the cursor)? 0, or -1
 * with err set. Cheap, and asked before the database is opened: a terminal the client cannot
 * use must not first create and migrate the private database (src/ui/term.c). */
int ui_check_terminal(struct ccrm_err *err);
/* Start curses on the controlling terminal; a clear error (no crash) when the terminal cannot
 * be driven. Returns 0 or -1. */
int ui_init(struct app *app, struct ccrm_err *err);
/* Restore the terminal. Safe to call twice. */
void ui_fini(struct app *app);
/* Redraw what is dirty, with one doupdate(). */
void ui_redraw(struct app *app);
/* Read every key curses holds (until ERR) and act on them. */
void ui_read_keys(struct app *app);
/* The terminal changed size: re-read it and relayout. */
void ui_on_resize(struct app *app);
/* The database said something changed: re-read the visible data. */
void ui_on_wakeup(struct app *app);
/* Connection state changed (lost, reconnecting, back). */
void ui_on_connection(struct app *app);
/* Child processes the client waits on without blocking (mails being sent, src/ui/mail_send.c):
 * their report pipes to poll (at most max into fds; returns how many); one of them is readable
 * or closed; SIGCHLD arrived (reap what has ended). */
int ui_child_fds(struct app *app, int *fds, int max);
void ui_child_ready(struct app *app, int fd);
/* Sessions views are opening without blocking (the Reports view's replica): their sockets
 * and what to poll them for (at most max; returns how many), and *wait_ms lowered to when the
 * first of them gives up on its host. Then: drive the ones poll() found ready (revents[i] for
 * fds[i]) or whose time ran out; a view whose session is made or has failed is told. */
int ui_side_fds(struct app *app, int *fds, short *events, int max, int *wait_ms);
void ui_side_ready(struct app *app, const int *fds, const short *revents, int n);
void ui_on_child(struct app *app);
/* Show a one-line message in the status bar for a few seconds. */
void ui_message(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
