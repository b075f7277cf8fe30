/* Sending the client's answers without waiting for sendmail (r, :reply; docs/mail.md §6a). The
 * answer is committed to the outbox first (db_mail_reply); then a child process, forked here,
 * opens a connection of its own and sends that one mail the way `ccrm --send-mail` does
 * (mail_outbox_send: claim, sendmail, record), and writes one line about the outcome to a pipe.
 * The event loop polls that pipe beside the keyboard and the database (ui_child_fds,
 * ui_child_ready) and reaps the child on SIGCHLD, which arrives through the signal pipe
 * (ui_on_child): nothing waits, so the screen answers keys while sendmail runs (up to 120 s).
 *
 * The child is a session of its own (setsid): a terminal that closes, or a client that quits,
 * does not stop it, and it records the outcome itself. A mail sendmail refused stays in the
 * outbox (queued, with its next attempt); this client tries it again at that time, as long as
 * it runs, and `ccrm --send-mail` from cron does too. The outbox's claim takes only unsent mail,
 * under a lock per mail, so each goes once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "reply.h"

#define SENDS_MAX 16
#define REPORT_MAX 600
#define SENDING_MSG_MS 600000
#define RETRY_FALLBACK_MS 60000
#define RETRY_MAX_MS 600000

/* Mails being sent now: a child each. */
static struct send {
    int64_t id;
    pid_t pid;             /* 0: reaped */
    int fd;                /* its report, -1 once read to the end */
    int again;             /* attempts of this session before this one (0: the first) */
    char note[REPORT_MAX]; /* said after "sending mail N…" and "mail N sent": "" or " (…)" */
    char said[REPORT_MAX]; /* said before "sent" in its place: "" or what came first */
    size_t len;
    char buf[REPORT_MAX];
} sends[SENDS_MAX];
static int nsends;

/* Mails of this session waiting for their next attempt. */
static struct {
    int64_t id[SENDS_MAX];
    int64_t due[SENDS_MAX]; /* monotonic ms */
    int tries[SENDS_MAX];   /* attempts of this session so far */
    int n;
    unsigned timer;
} waiting;

/* ---- the child ---- */

static void
child_report(int fd, const char *kind, int64_t id, const char *text)
{
    char line[REPORT_MAX];
    int n = snprintf(line, sizeof line, "%s\t%" PRId64 "\t%s\n", kind, id, text ? text : "");

    if (n < 0 || n >= (int)sizeof line) { /* a long error: cut, the line still ends */
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    if (write(fd, line, (size_t)n) == -1) {
        /* the client is gone: the outcome is in the outbox all the same */
    }
}

/* In the child: send mail id on a connection of its own, report, and end. Never returns. */
static void
child_main(struct app *app, int64_t id, int fd)
{
    static const int dfl[] = {SIGTERM, SIGINT, SIGQUIT, SIGWINCH, SIGCHLD,
                              SIGSEGV, SIGBUS, SIGFPE,  SIGILL,   SIGABRT};
    struct mail_send_report rep;
    struct ccrm_err err;
    struct db *db;
    size_t i;
    int nul;

    /* the client's handlers write into its signal pipe and keep its drafts: not ours */
    for (i = 0; i < sizeof dfl / sizeof dfl[0]; i++)
        signal(dfl[i], SIG_DFL);
    signal(SIGHUP, SIG_IGN);  /* the terminal closing does not stop a mail being sent */
    signal(SIGPIPE, SIG_IGN); /* nor a client that quit before reading the report */
    setsid();
    /* the terminal is the client's; its connection too (never touched here: closing the
     * descriptor leaves the client's session as it is) */
    if ((nul = open("/dev/null", O_RDWR)) >= 0) {
        dup2(nul, STDIN_FILENO);
        dup2(nul, STDOUT_FILENO);
        dup2(nul, STDERR_FILENO);
        if (nul > STDERR_FILENO)
            close(nul);
    }
    if (db_socket(app->db) >= 0)
        close(db_socket(app->db));
    if ((db = db_open_again(app->db, "ccrm (sending mail)", &err)) == NULL) {
        child_report(fd, "error", id, err.msg);
        _exit(0);
    }
    mail_init();
    if (mail_outbox_send(db, app->cfg->sendmail, id, NULL, NULL, &rep, &err) == -1)
        child_report(fd, "error", id, err.msg);
    else if (rep.sent == 1)
        child_report(fd, "sent", id, NULL);
    else if (rep.failed == 1)
        child_report(fd, "failed", id, rep.last_error);
    else if (rep.retry == 1)
        child_report(fd, "retry", id, rep.last_error);
    else
        child_report(fd, "none", id, NULL);
    _exit(0); /* no exit handlers: they are the client's (curses, the drafts) */
}

/* ---- retries ---- */

static void on_retry(void *ctx, void *arg);

static void
schedule_retry(struct app *app)
{
    int64_t first = 0;
    int i;

    timer_del(&app->timers, waiting.timer);
    waiting.timer = 0;
    for (i = 0; i < waiting.n; i++)
        if (first == 0 || waiting.due[i] < first)
            first = waiting.due[i];
    if (waiting.n > 0)
        waiting.timer = timer_add(&app->timers, first, on_retry, NULL);
}

/* The delay before mail id is tried again: the outbox's next attempt (1, 2, 4 ... minutes);
 * CCRM_MAIL_RETRY_MS sets the first for the tests (doubling after each of tries). */
static int64_t
retry_delay(struct app *app, int64_t id, int tries)
{
    const char *v = getenv("CCRM_MAIL_RETRY_MS");
    long n = v != NULL ? strtol(v, NULL, 10) : 0;
    struct ccrm_err err;
    int64_t ms;

    if (n >= 10 && n <= RETRY_MAX_MS) {
        while (--tries > 0 && n < RETRY_MAX_MS)
            n *= 2;
        return n < RETRY_MAX_MS ? n : RETRY_MAX_MS;
    }
    if (db_state(app->db) != DB_READY)
        return RETRY_FALLBACK_MS;
    ms = db_mail_retry_ms(app->db, id, &err);
    if (ms == -1)
        return RETRY_FALLBACK_MS;
    return ms < 0 ? -1 : ms + 200; /* -1: it waits for nothing (sent, given up) */
}

static void
wait_for_retry(struct app *app, int64_t id, int tries)
{
    int64_t ms = retry_delay(app, id, tries);
    int i;

    if (ms < 0)
        return;
    for (i = 0; i < waiting.n && waiting.id[i] != id; i++)
        ;
    if (i == waiting.n) {
        if (waiting.n == SENDS_MAX)
            return; /* the outbox keeps it: ccrm --send-mail sends it */
        waiting.n++;
    }
    waiting.id[i] = id;
    waiting.due[i] = now_ms() + ms;
    waiting.tries[i] = tries;
    schedule_retry(app);
}

static void
on_retry(void *ctx, void *arg)
{
    struct app *app = ctx;
    int64_t t = now_ms();
    int i = 0;

    (void)arg;
    waiting.timer = 0;
    while (i < waiting.n) {
        if (waiting.due[i] <= t) {
            int64_t id = waiting.id[i];
            int tries = waiting.tries[i];

            waiting.n--;
            waiting.id[i] = waiting.id[waiting.n];
            waiting.due[i] = waiting.due[waiting.n];
            waiting.tries[i] = waiting.tries[waiting.n];
            mail_send_start(app, id, tries, NULL);
        } else {
            i++;
        }
    }
    schedule_retry(app);
}

/* ---- the client's side ---- */

int
mail_send_start(struct app *app, int64_t id, int again, const char *note)
{
    struct send *s;
    int p[2];
    pid_t pid;
    int i;

    for (i = 0; i < nsends; i++)
        if (sends[i].id == id && sends[i].fd >= 0)
            return 0; /* on its way already */
    if (nsends == SENDS_MAX) {
        ui_message_error(app,
                         "mail %" PRId64 " waits in the outbox: %d mails are being sent "
                         "already (it is tried again)",
                         id, SENDS_MAX);
        wait_for_retry(app, id, again + 1);
        return -1;
    }
    if (pipe2(p, O_CLOEXEC) == -1) {
        ui_message_error(app, "could not send mail %" PRId64 " yet: %s (it stays in the outbox)",
                         id, strerror(errno));
        wait_for_retry(app, id, again + 1);
        return -1;
    }
    pid = fork();
    if (pid == -1) {
        ui_message_error(app, "could not send mail %" PRId64 " yet: %s (it stays in the outbox)",
                         id, strerror(errno));
        close(p[0]);
        close(p[1]);
        wait_for_retry(app, id, again + 1);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(app, id, p[1]);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    s = &sends[nsends++];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->pid = pid;
    s->fd = p[0];
    s->again = again;
    str_copy(s->note, note != NULL ? note : "", sizeof s->note);
    ui_message_for(app, SENDING_MSG_MS, "sending mail %" PRId64 "%s…%s", id, again ? " again" : "",
                   s->note);
    return 0;
}

void
mail_send_said(int64_t id, const char *said)
{
    int i;

    for (i = 0; i < nsends; i++)
        if (sends[i].id == id && sends[i].fd >= 0)
            str_copy(sends[i].said, said, sizeof sends[i].said);
}

/* Forget the sends that are over: reported and reaped. */
static void
compact(void)
{
    int i = 0;

    while (i < nsends)
        if (sends[i].fd < 0 && sends[i].pid == 0)
            sends[i] = sends[--nsends];
        else
            i++;
}

static void
reap(struct send *s)
{
    int status;

    if (s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == s->pid)
        s->pid = 0;
}

/* The child's line: "sent|retry|failed|none|error <tab> id <tab> text". */
static void
report(struct app *app, struct send *s)
{
    const char *kind = s->buf, *text = "";
    char *tab;

    s->buf[s->len] = '\0';
    s->buf[strcspn(s->buf, "\n")] = '\0';
    if ((tab = strchr(s->buf, '\t')) != NULL) {
        *tab = '\0';
        text = strchr(tab + 1, '\t');
        text = text != NULL ? text + 1 : "";
    }
    if (strcmp(kind, "sent") == 0 && s->said[0] != '\0') {
        ui_message(app, "%s; sent%s", s->said, s->again ? " (on a later attempt)" : "");
    } else if (strcmp(kind, "sent") == 0) {
        ui_message(app, "mail %" PRId64 " sent%s%s", s->id, s->again ? " (on a later attempt)" : "",
                   s->note);
    } else if (strcmp(kind, "failed") == 0) {
        ui_message_error(app,
                         "could not send mail %" PRId64 ": %s (given up after the last "
                         "attempt; it stays in the conversation)",
                         s->id, text);
    } else if (strcmp(kind, "retry") == 0) {
        ui_message_error(app,
                         "could not send mail %" PRId64 " yet (it stays in the outbox and "
                         "is tried again): %s",
                         s->id, text);
        wait_for_retry(app, s->id, s->again + 1);
    } else if (strcmp(kind, "none") == 0) {
        ui_message(app,
                   "mail %" PRId64 " is not waiting to be sent (sent, or another sender "
                   "has it)",
                   s->id);
    } else {
        ui_message_error(app,
                         "mail %" PRId64 " is in the outbox, not sent yet (it is tried "
                         "again): %s",
                         s->id, strcmp(kind, "error") == 0 ? text : "the sender stopped");
        wait_for_retry(app, s->id, s->again + 1);
    }
    app->ui->dirty = 1;
}

int
ui_child_fds(struct app *app, int *fds, int max)
{
    int i, n = 0;

    (void)app;
    for (i = 0; i < nsends && n < max; i++)
        if (sends[i].fd >= 0)
            fds[n++] = sends[i].fd;
    return n;
}

void
ui_child_ready(struct app *app, int fd)
{
    struct send *s = NULL;
    char scratch[256];
    int i;

    for (i = 0; i < nsends; i++)
        if (sends[i].fd == fd)
            s = &sends[i];
    if (s == NULL)
        return;
    for (;;) {
        size_t room = sizeof s->buf - 1 - s->len;
        ssize_t r = room > 0 ? read(fd, s->buf + s->len, room) : read(fd, scratch, sizeof scratch);

        if (r > 0) {
            if (room > 0)
                s->len += (size_t)r;
            continue;
        }
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1 && errno == EAGAIN)
            return; /* more to come */
        break;      /* the end (or an error: the same) */
    }
    close(fd);
    s->fd = -1;
    report(app, s);
    reap(s);
    compact();
}

void
ui_on_child(struct app *app)
{
    int i;

    (void)app;
    for (i = 0; i < nsends; i++)
        reap(&sends[i]);
    compact();
}

void
mail_send_fini(struct app *app)
{
    size_t len = strlen(app->exit_note);
    int i, n = 0;

    timer_del(&app->timers, waiting.timer);
    waiting.timer = 0;
    for (i = 0; i < nsends; i++) {
        if (sends[i].fd < 0)
            continue;
        len += (size_t)snprintf(app->exit_note + len,
                                len < sizeof app->exit_note ? sizeof app->exit_note - len : 0,
                                "%sccrm: mail %" PRId64 " was still being handed to sendmail: "
                                "that goes on after ccrm, and the outbox keeps it until it is "
                                "sent (ccrm --send-mail sends what is left)",
                                len ? "\n" : "", sends[i].id);
        if (len >= sizeof app->exit_note)
            len = sizeof app->exit_note - 1;
        close(sends[i].fd);
        sends[i].fd = -1;
        n++;
    }
    for (i = 0; i < waiting.n && len < sizeof app->exit_note; i++)
        len += (size_t)snprintf(app->exit_note + len, sizeof app->exit_note - len,
                                "%sccrm: mail %" PRId64 " is in the outbox, not sent yet: ccrm "
                                "--send-mail sends it",
                                len ? "\n" : "", waiting.id[i]);
    waiting.n = 0;
    (void)n;
}
