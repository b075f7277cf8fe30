/* Handing a mail to sendmail(1) (mail_sendmail): the command line is split at spaces and run
 * without a shell, the mail goes to its standard input, the first line of its standard error
 * is kept for the report, and it gets a time limit. Exit status 0 means the MTA took the mail
 * (its exit, not the end of its standard error, which a child it leaves may hold).
 * It runs in a process group of its own, and the time limit kills that group: a sendmail
 * that is a script leaves none of its children (a hanging relay, a sleep) behind. No libpq,
 * no curses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"

#define MAX_ARGS 32

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
mail_sendmail(const char *command, const char *msg, size_t n, int timeout_s, struct ccrm_err *err)
{
    char *copy = xstrdup(command), *argv[MAX_ARGS + 1], *save = NULL, *t;
    char ebuf[512];
    size_t elen = 0, sent = 0;
    int in[2] = {-1, -1}, er[2] = {-1, -1}, argc = 0, status = 0, rc = -1, done_err = 0;
    int reaped = 0;
    struct sigaction ign, old;
    double deadline = now_s() + timeout_s;
    pid_t pid;

    for (t = strtok_r(copy, " \t", &save); t != NULL && argc < MAX_ARGS;
         t = strtok_r(NULL, " \t", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    if (argc == 0) {
        err_set(err, "no sendmail command configured");
        free(copy);
        return -1;
    }
    if (pipe2(in, O_CLOEXEC) == -1 || pipe2(er, O_CLOEXEC) == -1) {
        err_set(err, "could not run \"%s\": %s", argv[0], strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid == -1) {
        err_set(err, "could not run \"%s\": %s", argv[0], strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);

        setpgid(0, 0); /* its own group, which the time limit kills whole */
        dup2(in[0], 0);
        dup2(nul >= 0 ? nul : er[1], 1);
        dup2(er[1], 2);
        execv(argv[0], argv);
        dprintf(2, "could not run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    /* here too, so that the group exists before any kill(-pid) below (once the child has
     * run execv this fails, and the child has done it itself) */
    setpgid(pid, pid);
    close(in[0]);
    in[0] = -1;
    close(er[1]);
    er[1] = -1;
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    /* a sendmail that stops reading must not kill us with SIGPIPE */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    /* until it ended: the time limit holds also for a sendmail that closed its standard
     * error (a wrapper logging to a file) and then hangs, with nothing left to poll */
    while (!reaped) {
        struct pollfd pfd[2];
        int np = 0, ie = -1, ii = -1, ms = (int)((deadline - now_s()) * 1000);

        if (ms <= 0) {
            /* the group: what sendmail started goes with it (and holds our pipe no longer) */
            kill(-pid, SIGKILL);
            while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
                ;
            sigaction(SIGPIPE, &old, NULL);
            err_set(err, "%s did not finish within %d s", argv[0], timeout_s);
            goto out;
        }
        if (done_err && in[1] < 0) {
            /* nothing left to read or write: it ended, or it waits for the time limit */
            pid_t w = waitpid(pid, &status, WNOHANG);

            if (w == pid || (w == -1 && errno != EINTR)) {
                reaped = w == pid;
                break;
            }
        }
        if (!done_err) {
            ie = np;
            pfd[np].fd = er[0];
            pfd[np++].events = POLLIN;
        }
        if (in[1] >= 0) {
            ii = np;
            pfd[np].fd = in[1];
            pfd[np++].events = POLLOUT;
        }
        /* once the mail is written, its exit is the answer: a sendmail that leaves a child
         * in the background (a wrapper's delivery) may keep our stderr pipe open long after
         * it said yes. So look whether it ended, a few times a second. */
        if (in[1] < 0 && ms > 100)
            ms = 100;
        if (poll(np > 0 ? pfd : NULL, (nfds_t)np, ms) == -1) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (in[1] < 0 && !(ie >= 0 && (pfd[ie].revents & POLLIN))) {
            pid_t w = waitpid(pid, &status, WNOHANG);

            if (w == pid) {
                char tmp[512];
                ssize_t r;

                reaped = 1;
                /* what it wrote before it ended is in the pipe: take it without waiting */
                fcntl(er[0], F_SETFL, O_NONBLOCK);
                while (elen < sizeof ebuf - 1 &&
                       (r = read(er[0], tmp, sizeof ebuf - 1 - elen)) > 0) {
                    memcpy(ebuf + elen, tmp, (size_t)r);
                    elen += (size_t)r;
                }
                break;
            }
        }
        if (ii >= 0 && (pfd[ii].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(in[1], msg + sent, n - sent);

            if (w > 0)
                sent += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == n) {
                close(in[1]);
                in[1] = -1;
            }
        }
        if (ie >= 0 && (pfd[ie].revents & (POLLIN | POLLHUP | POLLERR))) {
            char tmp[512];
            ssize_t r = read(er[0], tmp, sizeof tmp);

            if (r <= 0) {
                done_err = 1;
            } else if (elen < sizeof ebuf - 1) {
                size_t take =
                    (size_t)r < sizeof ebuf - 1 - elen ? (size_t)r : sizeof ebuf - 1 - elen;

                memcpy(ebuf + elen, tmp, take);
                elen += take;
            }
        }
    }
    if (in[1] >= 0) {
        close(in[1]);
        in[1] = -1;
    }
    while (!reaped && waitpid(pid, &status, 0) == -1 && errno == EINTR)
        ;
    sigaction(SIGPIPE, &old, NULL);
    ebuf[elen] = '\0';
    ebuf[strcspn(ebuf, "\r\n")] = '\0';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && sent == n) {
        rc = 0;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        /* it said yes without having read the mail: not sent, whatever it says */
        err_set(err, "%s exited before reading the whole mail (%zu of %zu bytes): not sent",
                argv[0], sent, n);
    } else if (WIFEXITED(status)) {
        err_set(err, "%s exited with status %d%s%s", argv[0], WEXITSTATUS(status),
                ebuf[0] != '\0' ? ": " : "", ebuf);
    } else {
        err_set(err, "%s was killed by signal %d", argv[0],
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
out:
    if (in[0] >= 0)
        close(in[0]);
    if (in[1] >= 0)
        close(in[1]);
    if (er[0] >= 0)
        close(er[0]);
    if (er[1] >= 0)
        close(er[1]);
    free(copy);
    return rc;
}
