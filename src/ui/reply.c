/* r and :reply: answer a ticket, lead, contact or deal by e-mail from the client, as mutt does:
 * the client steps out of curses, runs $VISUAL (else $EDITOR, else vi) on a temporary file that
 * quotes the customer's latest mail, comes back, shows to whom and with which subject the answer
 * goes and asks before sending. The question takes single keys, as mutt's compose menu does: y
 * sends, n (or Esc) keeps the answer unsent, t, c, s change To, Cc and Subject, : takes a line
 * such as :attach PATH. Sending takes the path of `ccrm --reply`: ccrm_mail_reply() commits the
 * answer to the outbox with every header decided (db_mail_reply), and a child process hands it
 * to sendmail (src/ui/mail_send.c) while the screen goes on answering keys. A failure is shown
 * and the mail stays in the outbox, tried again at its next attempt (the outbox's claim takes
 * only what is not sent, so nothing goes twice), also by `ccrm --send-mail`. The text is never
 * lost: an answer not sent (n, Esc, or the database refused) opens again with r on the same
 * record, also after the client stopped (SIGHUP, kill -9) or answered another record
 * meanwhile: what the editor left, with the To, Cc and Subject set and the paths of the files
 * attached, is kept in $XDG_STATE_HOME/ccrm/reply-ENTITY-ID.txt until it is queued. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ccrm/config.h"
#include "ccrm/draft.h"
#include "ccrm/entity.h"
#include "ccrm/mail.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "reply.h"

/* one line at 80 columns, under the line that says where the answer goes; shorter ones on a
 * narrow screen, down to 24 columns (the question must stay in sight) */
#define ASK_LABEL "send? y/n  t To  c Cc  s Subject  :attach FILE "
#define ASK_LABEL_MID "send? y/n t To c Cc s Subject : "
#define ASK_LABEL_SHORT "send? y/n t c s : "
#define FORM_MSG_MS 600000
/* the fewest columns of the subject shown on the form's line before it is left to wrap */
#define SUBJECT_MIN_COLS 16

/* The answer being written: kept until it is queued, so that nothing typed is lost. */
static struct {
    char entity[24];
    int64_t id;
    char *text;     /* what the editor left, or NULL */
    char *template; /* what the editor started with (unchanged: nothing written) */
    char to[256];   /* the customer, as the quote names them */
    /* what the reply form set ("": the database's choice) */
    char set_to[UI_INPUT_MAX * 4], set_cc[UI_INPUT_MAX * 4], set_subject[UI_INPUT_MAX * 4];
    int cc_set; /* Cc was set (to nothing, too) */
    int asking; /* which field is being edited: 't', 'c', 's' */
    /* files attached (:attach), in order: read when attached, sent with the answer; their
     * paths, kept on disk to attach them again after ccrm stopped */
    struct mail_attachment att[MAIL_REPLY_FILES_MAX];
    char *att_path[MAIL_REPLY_FILES_MAX];
    int natt;
    char note[512]; /* what could not be restored from disk, said at the question */
    /* y lost the database's answer as it committed: the transaction to ask about
     * (db_write_landed) before the answer is queued again, and the mail's id if it was */
    char xid[24];
    int64_t maybe_mid;
} draft;

static void
draft_clear(void)
{
    int i;

    free(draft.text);
    free(draft.template);
    for (i = 0; i < draft.natt; i++) {
        mail_attachment_fini(&draft.att[i]);
        free(draft.att_path[i]);
    }
    memset(&draft, 0, sizeof draft);
}

/* ---- the editor ---- */

/* Run the editor on path with curses stepped aside. Returns its exit status, or -1 with why. */
static int
run_editor(const char *path, char *why, size_t n)
{
    const char *ed = getenv("VISUAL");
    struct sigaction ign, old_int, old_quit;
    int status = -1;
    pid_t pid;

    if (ed == NULL || ed[0] == '\0')
        ed = getenv("EDITOR");
    if (ed == NULL || ed[0] == '\0')
        ed = "vi";
    def_prog_mode();
    ui_paste_mode(0);
    endwin();
    /* the terminal sends Ctrl-C to the editor: this process waits, it does not quit */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    pid = fork();
    if (pid == 0) {
        char *cmd = xasprintf("%s \"$1\"", ed); /* as a shell would run it; the file is $1 */

        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
        _exit(127);
    }
    if (pid == -1)
        snprintf(why, n, "could not start the editor: %s", strerror(errno));
    else
        while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
            ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    reset_prog_mode();
    ui_paste_mode(1); /* (the editor may have turned it off as it ended) */
    if (pid == -1)
        return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
        snprintf(why, n, "the editor (%s) did not run or did not finish", ed);
        return -1;
    }
    return WEXITSTATUS(status);
}

/* The text an answer starts with: room to write, then the customer's latest mail quoted. */
static char *
template_for(struct app *app, const struct entity *e, int64_t id)
{
    struct ccrm_err err;
    struct strbuf sb;
    char *from, *when, *body;
    const char *p;

    memset(&sb, 0, sizeof sb);
    strbuf_puts(&sb, "\n\n");
    if (db_mail_last_in(app->db, e->mail_fk, id, &from, &when, &body, &err) == 1) {
        str_copy(draft.to, from, sizeof draft.to);
        strbuf_printf(&sb, "On %s, %s wrote:\n", when, from);
        for (p = body; *p != '\0';) {
            const char *nl = strchr(p, '\n');
            size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

            strbuf_printf(&sb, ">%s%.*s\n", len > 0 && p[0] != '>' ? " " : "", (int)len, p);
            p = nl != NULL ? nl + 1 : p + len;
        }
    }
    if (from != NULL) {
        free(from);
        free(when);
        free(body);
    }
    return strbuf_steal(&sb);
}

static char *
read_all(const char *path)
{
    char *buf = NULL;
    size_t n = 0;
    struct ccrm_err err;

    if (mail_read_file(path, 16 * 1024 * 1024, &buf, &n, &err) == -1)
        return NULL;
    buf = xrealloc(buf, n + 1);
    buf[n] = '\0';
    if (strlen(buf) != n) /* a NUL byte: cut there */
        buf[strlen(buf)] = '\0';
    return buf;
}

/* Did the editor leave something to send (not just what it started with, or blanks)? */
static int
written(const char *text)
{
    const char *p;

    if (draft.template != NULL && strcmp(text, draft.template) == 0)
        return 0;
    for (p = text; *p != '\0'; p++)
        if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
            return 1;
    return 0;
}

static void ask_send(struct app *app, const char *note);
static void ask_input(struct app *app);
static void show_form(struct app *app, const char *note, const char *to, const char *cc,
                      const char *subject, const struct ccrm_err *err);

/* ---- the answer kept on disk until it is queued ---- */

/* Version 1 kept the text only; version 2 adds the form's To, Cc, Subject and the files. */
#define KEPT_MAGIC_1 "ccrm reply 1\n"
#define KEPT_MAGIC "ccrm reply 2\n"

static char *
kept_path(struct app *app, const char *entity, int64_t id)
{
    char *dir = draft_dir(), *path = xasprintf("%s/reply-%s-%" PRId64 ".txt", dir, entity, id);
    char *text = draft_read_file(path), *nl, *want;

    /* another login's answer, or one to the same number on another database, has the name
     * already: this one goes beside it (a second login of one system account wrote over the
     * first's answer) */
    nl = text != NULL ? strchr(text, '\n') : NULL;
    want = xasprintf("login %s\ndatabase %s\n", db_login(app->db), db_identity(app->db));
    if (nl != NULL && strncmp(nl + 1, "login ", 6) == 0 &&
        strncmp(nl + 1, want, strlen(want)) != 0) {
        uint64_t h = FNV_START;

        fnv_text(&h, db_login(app->db));
        fnv_text(&h, db_identity(app->db));
        free(path);
        path = xasprintf("%s/reply-%s-%" PRId64 "-%08" PRIx32 ".txt", dir, entity, id, (uint32_t)h);
    }
    free(want);
    free(text);
    free(dir);
    return path;
}

/* Write the answer for this record: whose and on which database, what the form set (a line
 * each, escaped as a draft's values are; "cc" also when set to nothing), the paths of the
 * files attached, a blank line, then the text. 0, or -1 with errno set. */
static int
kept_write(struct app *app)
{
    char *dir = draft_dir(), *path = kept_path(app, draft.entity, draft.id);
    char *tmp = xasprintf("%s.tmp", path);
    struct strbuf b = STRBUF_INIT;
    FILE *f;
    int ok = 0, i, saved;

    strbuf_printf(&b, KEPT_MAGIC "login %s\ndatabase %s\n", db_login(app->db),
                  db_identity(app->db));
    if (draft.set_to[0] != '\0') {
        strbuf_puts(&b, "to ");
        draft_put_escaped(&b, draft.set_to);
        strbuf_puts(&b, "\n");
    }
    if (draft.cc_set) {
        strbuf_puts(&b, "cc ");
        draft_put_escaped(&b, draft.set_cc);
        strbuf_puts(&b, "\n");
    }
    if (draft.set_subject[0] != '\0') {
        strbuf_puts(&b, "subject ");
        draft_put_escaped(&b, draft.set_subject);
        strbuf_puts(&b, "\n");
    }
    for (i = 0; i < draft.natt; i++) {
        strbuf_puts(&b, "attach ");
        draft_put_escaped(&b, draft.att_path[i]);
        strbuf_puts(&b, "\n");
    }
    if (draft.xid[0] != '\0') /* also after ccrm stopped: asked before it is queued again */
        strbuf_printf(&b, "queued %s %" PRId64 "\n", draft.xid, draft.maybe_mid);
    strbuf_puts(&b, "\n");
    strbuf_puts(&b, draft.text);
    if (mkdir_p(dir, 0700) == 0 && (f = fopen(tmp, "we")) != NULL) {
        fchmod(fileno(f), 0600);
        ok = fwrite(b.s, 1, b.len, f) == b.len;
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
        ok = fclose(f) == 0 && ok && rename(tmp, path) == 0;
    }
    saved = errno;
    if (!ok)
        unlink(tmp);
    strbuf_fini(&b);
    free(tmp);
    free(path);
    free(dir);
    errno = saved;
    return ok ? 0 : -1;
}

/* Keep the answer as it is now: after the editor, and after each change at the question. */
static void
kept_save(struct app *app)
{
    if (kept_write(app) == -1)
        ui_message_error(app, "could not keep the answer on disk (%s): it is kept until ccrm stops",
                         strerror(errno));
}

static void
kept_remove(struct app *app, const char *entity, int64_t id)
{
    char *path = kept_path(app, entity, id);

    unlink(path);
    free(path);
}

/* The value of a kept file's line "KEY VALUE" at p (up to nl), or NULL when it is another. */
static char *
kept_value(const char *p, const char *nl, const char *key)
{
    size_t k = strlen(key);

    if ((size_t)(nl - p) <= k || strncmp(p, key, k) != 0 || p[k] != ' ')
        return NULL;
    return draft_unescape(p + k + 1, (size_t)(nl - p) - k - 1);
}

/* Attach a kept file again (its bytes as they are now); why it cannot be goes to the note.
 * Takes path. */
static void
kept_attach(struct app *app, char *path)
{
    struct ccrm_err err;
    size_t len = strlen(draft.note);

    if (draft.natt < MAIL_REPLY_FILES_MAX &&
        mail_attach_file(path, (size_t)app->cfg->attachment_max, &draft.att[draft.natt], &err) ==
            0) {
        draft.att_path[draft.natt++] = path;
        return;
    }
    if (draft.natt == MAIL_REPLY_FILES_MAX)
        snprintf(err.msg, sizeof err.msg,
                 "could not attach \"%s\": an answer takes at most %d files", path,
                 MAIL_REPLY_FILES_MAX);
    if (len + 1 < sizeof draft.note)
        snprintf(draft.note + len, sizeof draft.note - len, "%s%.400s", len > 0 ? " · " : "",
                 err.msg);
    free(path);
}

/* The answer kept for this record by this login on this database, or NULL; a version 2 file
 * also sets the form's fields and attaches its files again. */
static char *
kept_load(struct app *app, const char *entity, int64_t id)
{
    char *path = kept_path(app, entity, id), *text = draft_read_file(path), *want, *out = NULL, *v;
    const char *p, *nl;
    size_t n;

    free(path);
    if (text != NULL && strncmp(text, KEPT_MAGIC_1, strlen(KEPT_MAGIC_1)) == 0) {
        want = xasprintf(KEPT_MAGIC_1 "login %s\ndatabase %s\n\n", db_login(app->db),
                         db_identity(app->db));
        if (strncmp(text, want, strlen(want)) == 0 && text[strlen(want)] != '\0')
            out = xstrdup(text + strlen(want));
        free(want);
        free(text);
        return out;
    }
    if (text == NULL || strncmp(text, KEPT_MAGIC, strlen(KEPT_MAGIC)) != 0) {
        free(text);
        return NULL;
    }
    /* whose and where first: another login's answer, or one on another database's record,
     * is not theirs to send */
    want = xasprintf(KEPT_MAGIC "login %s\ndatabase %s\n", db_login(app->db), db_identity(app->db));
    n = strlen(want);
    if (strncmp(text, want, n) != 0) {
        free(want);
        free(text);
        return NULL;
    }
    free(want);
    for (p = text + n; *p != '\0' && *p != '\n'; p = *nl != '\0' ? nl + 1 : nl) {
        nl = strchr(p, '\n');
        if (nl == NULL)
            nl = p + strlen(p);
        if ((v = kept_value(p, nl, "to")) != NULL) {
            str_copy(draft.set_to, v, sizeof draft.set_to);
        } else if ((v = kept_value(p, nl, "cc")) != NULL) {
            str_copy(draft.set_cc, v, sizeof draft.set_cc);
            draft.cc_set = 1;
        } else if ((v = kept_value(p, nl, "subject")) != NULL) {
            str_copy(draft.set_subject, v, sizeof draft.set_subject);
        } else if ((v = kept_value(p, nl, "attach")) != NULL) {
            kept_attach(app, v);
            v = NULL;
        } else if ((v = kept_value(p, nl, "queued")) != NULL) {
            char *mid = strchr(v, ' ');

            if (mid != NULL) {
                *mid++ = '\0';
                str_copy(draft.xid, v, sizeof draft.xid);
                draft.maybe_mid = strtoll(mid, NULL, 10);
            }
        }
        free(v);
    }
    if (*p == '\n' && p[1] != '\0')
        out = xstrdup(p + 1);
    free(text);
    return out;
}

void
reply_keep_note(struct app *app, const char *why)
{
    size_t len = strlen(app->exit_note);
    char *path;

    if (draft.text == NULL || len + 1 >= sizeof app->exit_note)
        return;
    path = kept_path(app, draft.entity, draft.id);
    /* written once more as it is now (a change whose writing failed is tried again) */
    if (kept_write(app) == 0)
        snprintf(app->exit_note + len, sizeof app->exit_note - len,
                 "%sccrm: stopped by %s: the answer to %s #%" PRId64 ", not sent, was kept in %s; "
                 "r on the %s opens it again",
                 len ? "\n" : "", why, entity_noun(draft.entity, 1), draft.id, path,
                 entity_noun(draft.entity, 1));
    else
        snprintf(app->exit_note + len, sizeof app->exit_note - len,
                 "%sccrm: stopped by %s: could not keep the answer to %s #%" PRId64 ": %s",
                 len ? "\n" : "", why, entity_noun(draft.entity, 1), draft.id, strerror(errno));
    free(path);
}

/* ---- the files of the answer: :attach PATH, :detach N ---- */

/* The path of a file attached as it is found again after ccrm stopped, maybe elsewhere:
 * absolute (as the shell would take "~/", it stays so). */
static char *
full_path(const char *path)
{
    char *real;

    path += strspn(path, " ");
    if (path[0] == '/' || (path[0] == '~' && (path[1] == '/' || path[1] == '\0')))
        return xstrdup(path);
    if ((real = realpath(path, NULL)) != NULL) {
        char *out = xstrdup(real);

        free(real);
        return out;
    }
    return xstrdup(path);
}

static void
attach_path(struct app *app, const char *path)
{
    struct ccrm_err err;

    if (draft.natt == MAIL_REPLY_FILES_MAX) {
        ui_message_error(app, "could not attach \"%s\": an answer takes at most %d files", path,
                         MAIL_REPLY_FILES_MAX);
        ask_input(app);
        return;
    }
    if (mail_attach_file(path, (size_t)app->cfg->attachment_max, &draft.att[draft.natt], &err) ==
        -1) {
        /* the answer and its other files stay as they are */
        ui_message_error(app, "%s", err.msg);
        ask_input(app);
        return;
    }
    draft.att_path[draft.natt++] = full_path(path);
    kept_save(app);
    ask_send(app, NULL);
}

static void
on_attach_path(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!done)
        return;
    if (ok && text[strspn(text, " ")] != '\0')
        attach_path(app, text);
    else
        ask_send(app, NULL);
}

static void
detach(struct app *app, const char *arg)
{
    char *end = NULL;
    long k = *arg == '\0' && draft.natt == 1 ? 1 : strtol(arg, &end, 10);

    if (draft.natt == 0) {
        ui_message_error(app, "nothing is attached to the answer");
    } else if ((end != NULL && (*end != '\0' || end == arg)) || k < 1 || k > draft.natt) {
        if (draft.natt == 1)
            ui_message_error(app, "no attachment \"%s\": the answer has one (:detach 1)", arg);
        else
            ui_message_error(app, "%s%s%sthe answer has %d files: :detach 1 to %d",
                             *arg ? "no attachment \"" : "which one? ", arg, *arg ? "\": " : "",
                             draft.natt, draft.natt);
    } else {
        mail_attachment_fini(&draft.att[k - 1]);
        free(draft.att_path[k - 1]);
        memmove(&draft.att[k - 1], &draft.att[k], (size_t)(draft.natt - k) * sizeof draft.att[0]);
        memmove(&draft.att_path[k - 1], &draft.att_path[k],
                (size_t)(draft.natt - k) * sizeof draft.att_path[0]);
        draft.natt--;
        memset(&draft.att[draft.natt], 0, sizeof draft.att[0]);
        draft.att_path[draft.natt] = NULL;
        kept_save(app);
        ask_send(app, NULL);
        return;
    }
    ask_input(app);
}

/* ":attach PATH", "attach PATH", "a" (asks for the path), ":detach N": handled (1), or not a
 * command of the form (0). */
static int
form_command(struct app *app, const char *text)
{
    char *t = xstrdup(text), *w = str_trim(t), *arg;
    size_t len;

    if (*w == ':')
        w++;
    len = strcspn(w, " ");
    arg = w + len + strspn(w + len, " ");
    if ((len == 6 && strncmp(w, "attach", 6) == 0) || (len == 1 && *w == 'a' && *arg == '\0')) {
        if (*arg != '\0') {
            attach_path(app, arg);
        } else {
            ui_message_for(app, FORM_MSG_MS,
                           "the file to attach (Tab completes the path; at "
                           "most [mail] attachment_max)");
            ui_input_begin(app, "attach: ", "", on_attach_path, NULL);
            ui_input_complete(app, UI_COMPLETE_FILES);
        }
    } else if (len == 6 && strncmp(w, "detach", 6) == 0) {
        detach(app, arg);
    } else {
        free(t);
        return 0;
    }
    free(t);
    return 1;
}

static void
on_field(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!done)
        return;
    if (ok) {
        char *t = xstrdup(text);
        struct ccrm_err err;

        str_trim(t);
        /* an address sendmail would take otherwise (a bare "root" is a local mailbox) or could
         * not read (the mail would stay in the outbox for good): said now, the line kept */
        if ((draft.asking == 't' || draft.asking == 'c') &&
            mail_addresses_check(t, draft.asking == 't' ? "To" : "Cc", &err) == -1) {
            ui_message_error(app, "%s", err.msg);
            ui_input_begin(app, draft.asking == 't' ? "To: " : "Cc: ", t, on_field, NULL);
            free(t);
            return;
        }
        if (draft.asking == 't')
            str_copy(draft.set_to, t, sizeof draft.set_to);
        else if (draft.asking == 'c') {
            str_copy(draft.set_cc, t, sizeof draft.set_cc);
            draft.cc_set = 1;
        } else if (draft.asking == 's')
            str_copy(draft.set_subject, t, sizeof draft.set_subject);
        free(t);
        kept_save(app); /* also across an end by a signal */
    }
    draft.asking = 0;
    ask_send(app, NULL); /* Esc leaves the field as it was and asks again */
}

/* The overrides for ccrm_mail_reply: NULL where the database chooses. */
static const char *
set_or_null(const char *v)
{
    return v[0] != '\0' ? v : NULL;
}

/* n, Esc: the answer stays as it is (in memory and on disk) for the next r on the record. */
static void
not_sent(struct app *app)
{
    ui_message(app, "the answer is not sent but kept: r on this %s opens it again",
               entity_noun(draft.entity, 1));
}

/* The last y on this answer lost the database's answer as it committed: was the answer queued
 * then? Then it is not queued twice: that is said, the answer kept no more, and the mail sent.
 * Returns 1 when it was, or when that cannot be told now (said; the answer kept); 0 when it was
 * not (or no y is in question): go on. */
static int
queued_already(struct app *app)
{
    struct ccrm_err err;
    char entity[24], said[300];
    int64_t id, mid;
    int rc;

    if (draft.xid[0] == '\0')
        return 0;
    if ((rc = db_write_landed(app->db, draft.xid, &err)) == -1) {
        ui_message_error(app,
                         "could not tell whether the answer was queued as the connection dropped: "
                         "%s (r asks again)",
                         err.msg);
        return 1;
    }
    if (rc == 0) {
        draft.xid[0] = '\0';
        draft.maybe_mid = 0;
        kept_save(app);
        return 0;
    }
    str_copy(entity, draft.entity, sizeof entity);
    id = draft.id;
    mid = draft.maybe_mid;
    kept_remove(app, entity, id);
    draft_clear();
    snprintf(said, sizeof said,
             "the answer to %s #%" PRId64 " was queued as the connection dropped (mail %" PRId64
             "): not queued again",
             entity_noun(entity, 1), id, mid);
    if (mid > 0 && mail_send_start(app, mid, 0, NULL) == 0) /* as a y that got its answer would */
        mail_send_said(mid, said); /* "sent" does not wipe this: it is said with it */
    ui_message(app, "%s", said);
    return 1;
}

/* y: commit the answer to the outbox, then send it without waiting. */
/* Just before the answer's COMMIT: its transaction and the mail's id go onto disk with it, so
 * that a client killed between the COMMIT and its answer asks, at the next r, whether it was
 * queued (it queued the answer a second time, with another Message-ID). */
static void
before_commit(const char *xid, int64_t mid, void *ctx)
{
    str_copy(draft.xid, xid, sizeof draft.xid);
    draft.maybe_mid = mid;
    kept_save(ctx);
}

static void
send_answer(struct app *app)
{
    struct ccrm_err err;
    int64_t mid, maybe = 0;

    if (queued_already(app))
        return;
    mid = db_mail_reply_told(app->db, draft.entity, draft.id, draft.text,
                             set_or_null(draft.set_subject), set_or_null(draft.set_to),
                             draft.cc_set ? draft.set_cc : NULL, NULL, draft.att, draft.natt,
                             &maybe, before_commit, app, &err);
    if (mid < 0) {
        db_write_unanswered(app->db, draft.xid, sizeof draft.xid);
        if (draft.xid[0] == '\0') { /* refused, not lost: nothing to ask about next time */
            draft.maybe_mid = 0;
            kept_save(app);
        }
        if (draft.xid[0] != '\0') {
            /* kept with the answer: r (also after ccrm stopped) asks before queuing it again */
            draft.maybe_mid = maybe;
            kept_save(app);
            ui_message_error(app,
                             "%s: it may have been queued as the connection dropped (r tells, "
                             "and queues it only if it was not)",
                             err.msg);
            return;
        }
        ui_message_error(app, "could not queue the answer: %s (r opens it again)", err.msg);
        return;
    }
    kept_remove(app, draft.entity, draft.id);
    draft_clear();
    /* committed to the outbox: from here on it is the outbox's to send, in a child process */
    mail_send_start(app, mid, 0, NULL);
}

/* t, c, s: To, Cc or Subject on the bottom line, filled in with what the answer would have. */
static void
edit_field(struct app *app, int k)
{
    static const char *const label[] = {"To: ", "Cc: ", "Subject: "};
    struct ccrm_err err;
    char *to = NULL, *cc = NULL, *subject = NULL;
    const char *init;

    if (db_mail_reply_preview(app->db, draft.entity, draft.id, set_or_null(draft.set_subject),
                              set_or_null(draft.set_to), draft.cc_set ? draft.set_cc : NULL, &to,
                              &cc, &subject, &err) == 0) {
        show_form(app, NULL, to, cc, subject, NULL); /* without a note about a key before */
    } else {
        to = xstrdup(draft.set_to);
        cc = xstrdup(draft.set_cc);
        subject = xstrdup(draft.set_subject);
    }
    init = k == 't' ? to : k == 'c' ? (draft.cc_set ? draft.set_cc : cc) : subject;
    draft.asking = k;
    ui_input_begin(app, label[k == 't' ? 0 : k == 'c' ? 1 : 2], init, on_field, NULL);
    free(to);
    free(cc);
    free(subject);
}

/* A line after `:`: ":attach PATH", ":detach N", and what the question took on a line before
 * it took single keys ("t ADDRESS", "c ADDRESS", "s SUBJECT", "y", "n"). */
static void
on_command(struct app *app, void *ctx, const char *text, int done, int ok)
{
    char *t, *w;
    int k;

    (void)ctx;
    if (!done)
        return;
    t = xstrdup(text);
    w = str_trim(t);
    if (*w == ':')
        w++;
    k = w[0] >= 'A' && w[0] <= 'Z' ? w[0] + 'a' - 'A' : w[0];
    if (!ok || *w == '\0') {
        ask_send(app, NULL); /* Esc, or nothing typed: back to the question */
    } else if (form_command(app, w)) {
        ;
    } else if ((k == 't' || k == 'c' || k == 's') && w[1] == ' ') {
        draft.asking = k; /* the field in one go */
        on_field(app, NULL, w + 2, 1, 1);
    } else if ((k == 't' || k == 'c' || k == 's') && w[1] == '\0') {
        edit_field(app, k);
    } else if (strcasecmp(w, "y") == 0 || strcasecmp(w, "yes") == 0) {
        send_answer(app);
    } else if (strcasecmp(w, "n") == 0 || strcasecmp(w, "no") == 0) {
        not_sent(app);
    } else {
        ui_message_error(app, "no :%s here: :attach FILE, :detach N; y sends, n keeps it unsent",
                         w);
        ask_input(app);
    }
    free(t);
}

/* The question takes one key, as it looks: each key typed ends the line at once. */
static void
on_key(struct app *app, void *ctx, const char *text, int done, int ok)
{
    char note[96];
    /* the question is answered by one key; what was typed after y or n ("yes", "no" out of
     * habit) is dropped, not handed to the view below (e edits the ticket, s types into it);
     * after t, c, s, a or : it is the line they open */
    int k = ui_ask_key(app, text, done, ok, "tcsa:");

    (void)ctx;
    switch (k) {
    case 27: /* Esc, ^G, ^C */
        not_sent(app);
        break;
    case '\n': /* Enter: neither yes nor no */
        ask_send(app, "Enter does nothing here: y sends, n keeps the answer unsent");
        break;
    case 'y':
        send_answer(app);
        break;
    case 'n':
        not_sent(app);
        break;
    case 't':
    case 'c':
    case 's':
        edit_field(app, k);
        break;
    case 'a': /* as :attach without a path */
        form_command(app, "attach");
        break;
    case ':':
        ui_input_begin(app, ":", "", on_command, NULL);
        ui_input_complete(app, UI_COMPLETE_ARG_FILES);
        break;
    default:
        snprintf(note, sizeof note, "\"%s\" does nothing here: y sends, n keeps the answer unsent",
                 text);
        beep();
        ask_send(app, note);
        break;
    }
}

/* The question on the bottom line, as long as the screen is wide (also after a resize). */
static void
ask_input(struct app *app)
{
    ui_input_begin(app, ASK_LABEL, "", on_key, NULL);
    ui_input_shorter(app, ASK_LABEL_MID, ASK_LABEL_SHORT);
}

/* subject cut to cols columns with "…" (the form's line on a narrow screen; s shows it whole). */
static char *
cut_subject(const char *subject, int cols)
{
    mbstate_t st;
    size_t off = 0, n = strlen(subject), len;
    int used = 0, cw;
    wchar_t wc;

    if (text_width(subject) <= cols)
        return xstrdup(subject);
    memset(&st, 0, sizeof st);
    while (off < n) {
        len = mbrtowc(&wc, subject + off, n - off, &st);
        if (len == (size_t)-1 || len == (size_t)-2) { /* as text_width counts a bad byte */
            memset(&st, 0, sizeof st);
            len = 1;
            wc = L'?';
        }
        cw = wcwidth(wc);
        cw = cw < 1 ? 1 : cw;
        if (used + cw > cols - 1)
            break;
        used += cw;
        off += len;
    }
    return xasprintf("%.*s…", (int)off, subject);
}

/* The reply form's line above the question: a note (NULL: none), the files attached (numbered,
 * with their sizes) and where the answer goes, the subject cut so that this is one line if it
 * can be (at 80 columns the view's keys stay in sight). to NULL: it cannot go, err says why. */
static void
show_form(struct app *app, const char *note, const char *to, const char *cc, const char *subject,
          const struct ccrm_err *err)
{
    struct strbuf head = STRBUF_INIT;
    char *shown, size[32];
    int i, room;

    if (note != NULL)
        strbuf_printf(&head, "%s · ", note);
    for (i = 0; i < draft.natt; i++) {
        mail_size_text((int64_t)draft.att[i].size, size, sizeof size);
        strbuf_printf(&head, "%s%d %s (%s)", i > 0 ? ", " : "attached: ", i + 1, draft.att[i].name,
                      size);
    }
    if (draft.natt > 0)
        strbuf_puts(&head, " (:detach N) · ");
    if (to != NULL) {
        strbuf_printf(&head, "To: %s%s%s · Subject: ", to, cc[0] ? " · Cc: " : "", cc);
        room = app->ui->cols - text_width(strbuf_str(&head));
        shown = cut_subject(subject, room >= SUBJECT_MIN_COLS ? room : INT_MAX);
        ui_message_for(app, FORM_MSG_MS, "%s%s", strbuf_str(&head), shown);
        free(shown);
    } else {
        /* (no address to write to, or a first mail without a subject: ccrm_mail_reply) */
        ui_message_for(app, FORM_MSG_MS,
                       "%sthe answer cannot go like this: %s (t sets To, s the subject)",
                       strbuf_str(&head), err->msg);
    }
    strbuf_fini(&head);
}

/* The reply form on the bottom lines: where the answer goes (after a note, NULL: none), and the
 * question under it. */
static void
ask_send(struct app *app, const char *note)
{
    struct ccrm_err err;
    char *to, *cc, *subject;

    if (db_mail_reply_preview(app->db, draft.entity, draft.id, set_or_null(draft.set_subject),
                              set_or_null(draft.set_to), draft.cc_set ? draft.set_cc : NULL, &to,
                              &cc, &subject, &err) == 0) {
        show_form(app, note, to, cc, subject, NULL);
        free(to);
        free(cc);
        free(subject);
    } else {
        show_form(app, note, NULL, NULL, NULL, &err);
    }
    ask_input(app);
}

/* The file the editor gets, where the answer is kept and named after it (the login and the
 * database in a number: another's is not theirs): an editor that ccrm did not wait for (ccrm
 * killed while it ran) leaves its text there, and the next r on the record opens it. */
static char *
edit_path(struct app *app, const char *entity, int64_t id)
{
    const char *parts[2] = {db_login(app->db), db_identity(app->db)};
    char *dir = draft_dir(), *path;
    uint32_t h = 2166136261u;
    int i;

    for (i = 0; i < 2; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];

        do
            h = (h ^ *p) * 16777619u;
        while (*p++ != '\0');
    }
    path = xasprintf("%s/reply-%s-%" PRId64 "-%08" PRIx32 ".edit", dir, entity, id, h);
    free(dir);
    return path;
}

/* Write text to the editor's file (only this user may read it). 0, or -1 with errno. */
static int
edit_write(const char *path, const char *text)
{
    char *dir = xstrdup(path);
    size_t len = strlen(text);
    int fd, ok, saved;

    *strrchr(dir, '/') = '\0';
    fd = -1;
    if (mkdir_p(dir, 0700) == 0)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    free(dir);
    if (fd == -1)
        return -1;
    ok = fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len;
    saved = errno;
    ok = close(fd) == 0 && ok;
    if (!ok)
        errno = saved;
    return ok ? 0 : -1;
}

void
act_reply(struct app *app, const struct entity *e, int64_t id)
{
    char why[256] = "";
    char *file, *text;
    int rc;

    if (e->mail_fk == NULL) {
        ui_message_error(app, "%s are not answered by e-mail", e->plural);
        return;
    }
    if (db_is_partner(app->db)) {
        ui_message_error(app, "answers by e-mail are written by the company's staff");
        return;
    }
    if (db_state(app->db) != DB_READY) {
        ui_message_error(app, "offline: an answer is written when the database is back");
        return;
    }
    if (draft.text == NULL || draft.id != id || strcmp(draft.entity, e->table) != 0) {
        draft_clear();
        str_copy(draft.entity, e->table, sizeof draft.entity);
        draft.id = id;
        draft.template = template_for(app, e, id);
        draft.text = kept_load(app, e->table, id); /* not sent before ccrm stopped */
    }
    /* its last y lost the database's answer: queued then, it is not written again */
    if (queued_already(app))
        return;
    file = edit_path(app, e->table, id);
    /* left by an editor ccrm did not wait for: newer than the answer kept */
    if ((text = read_all(file)) != NULL && written(text) &&
        (draft.text == NULL || strcmp(text, draft.text) != 0)) {
        free(draft.text);
        draft.text = text;
        kept_save(app);
        text = NULL;
    }
    free(text);
    if (edit_write(file, draft.text != NULL ? draft.text : draft.template) == -1) {
        ui_message_error(app, "could not write %s: %s", file, strerror(errno));
        unlink(file);
        free(file);
        return;
    }
    rc = run_editor(file, why, sizeof why);
    app->ui->full_clear = 1;
    app->ui->dirty = 1;
    text = read_all(file);
    unlink(file);
    free(file);
    if (rc != 0) {
        /* an editor ended by a signal (the terminal closed) or an error: what it saved is kept
         * all the same, as the answer not sent */
        if (text != NULL && written(text) &&
            (draft.text == NULL || strcmp(text, draft.text) != 0)) {
            free(draft.text);
            draft.text = text;
            kept_save(app);
            ui_message_error(app, "%s; nothing sent, what it saved is kept (r opens it again)",
                             rc > 0 ? "the editor exited with an error" : why);
            return;
        }
        free(text);
        ui_message_error(app, "%s; nothing sent", rc > 0 ? "the editor exited with an error" : why);
        return;
    }
    if (text == NULL || !written(text)) {
        free(text);
        ui_message(app, "nothing written: no answer sent");
        if (draft.text == NULL)
            draft_clear();
        return;
    }
    free(draft.text);
    draft.text = text;
    kept_save(app);
    /* a file kept with the answer that could not be attached again is said once */
    ask_send(app, draft.note[0] != '\0' ? draft.note : NULL);
    draft.note[0] = '\0';
}
