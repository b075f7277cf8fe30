/* Signals: each handler writes the signal number to a self-pipe and nothing else; the event
 * loop reads the pipe and acts (resize, quit, reap a child that sent mail, lay out again after
 * a stop). Installed before curses starts, so ncurses installs no SIGWINCH handler of its
 * own. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ccrm/app.h"
#include "ccrm/ui.h"

static int sig_pipe[2] = {-1, -1};

static void
on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;

    if (write(sig_pipe[1], &b, 1) == -1) {
        /* pipe full: a byte of this kind is already waiting */
    }
    errno = saved;
}

int
sig_init(void)
{
    static const int sigs[] = {SIGWINCH, SIGCONT, SIGTERM, SIGHUP, SIGINT, SIGCHLD};
    struct sigaction sa;
    size_t i;

    if (sig_pipe[0] == -1) {
        if (pipe(sig_pipe) == -1)
            return -1;
        for (i = 0; i < 2; i++) {
            fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sa.sa_flags = SA_RESTART | (sigs[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
        if (sigaction(sigs[i], &sa, NULL) == -1)
            return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int
sig_fd(void)
{
    return sig_pipe[0];
}

void
sig_dispatch(struct app *app)
{
    unsigned char buf[64];
    ssize_t n, i;
    int resized = 0, child = 0;

    while ((n = read(sig_pipe[0], buf, sizeof buf)) > 0) {
        for (i = 0; i < n; i++) {
            if (buf[i] == SIGWINCH)
                resized = 1;
            else if (buf[i] == SIGCONT)
                /* ccrm was stopped (Ctrl-Z, a kill -TSTP) and goes on: the terminal may have
                 * another size now, and the SIGWINCH of a resize meanwhile went to the shell,
                 * which had the terminal. As a resize: the size read again, all repainted. */
                resized = 1;
            else if (buf[i] == SIGCHLD)
                child = 1; /* a child process ended (a mail sender): reap it */
            else {
                app->quit = 1;
                app->quit_signal = buf[i];
            }
        }
    }
    if (child)
        ui_on_child(app);
    if (resized && !app->quit)
        ui_on_resize(app);
}
