/* ccrm --mail-in, --send-mail and --reply (docs/mail.md): one mail from an MTA's pipe into the
 * database, the outbox to sendmail(1), an answer queued from a script. No curses.
 *
 * --mail-in speaks to the MTA in exit codes (sysexits.h): 0 stored (a duplicate too), 75
 * EX_TEMPFAIL for anything that may pass (the database unreachable, a schema being migrated,
 * a lost race): the MTA keeps the mail and tries again; 65 EX_DATAERR and 67 EX_NOUSER refuse
 * a mail for good, with one line on stderr that the MTA puts in its bounce. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "ccrm/cli.h"
#include "ccrm/mail.h"
#include "ccrm/util.h"

#define RETRIES 3

enum mode { M_NONE, M_IN, M_SEND, M_REPLY };

struct mopts {
    enum mode mode;
    const char *conninfo, *config, *queue, *reply_ref, *body_file, *subject, *to, *cc;
    const char *recipient;
    const char *reply_entity; /* --reply's record: its table and id */
    int64_t reply_id;
    const char *attach[MAIL_REPLY_FILES_MAX]; /* --attach FILE, in order */
    int nattach;
    int no_send, quiet, verbose;
};

static void
usage(FILE *f)
{
    fputs("usage: ccrm --mail-in [--queue NAME] [--recipient ADDR] [--verbose]\n"
          "                          one mail on standard input (an MTA's pipe)\n"
          "       ccrm --send-mail [--quiet]          send what the outbox holds\n"
          "       ccrm --reply [ENTITY:]ID --body-file FILE [--subject TEXT] [--to ADDR]\n"
          "            [--cc ADDR] [--queue NAME] [--attach FILE]... [--no-send]\n"
          "ENTITY: ticket (the default), lead, contact, deal. FILE - reads standard input.\n"
          "--attach: a file sent with the answer (at most [mail] attachment_max bytes).\n"
          "Every command takes -d CONNINFO and -c FILE. See docs/mail.md.\n",
          f);
}

/* "12", "ticket:12", "lead:3", "contact:9", "deal:4" -> table and id. Returns 0/-1. */
static int
parse_ref(const char *ref, const char **entity, int64_t *id)
{
    static const char *const names[][2] = {
        {"ticket", "tickets"},     {"lead", "leads"},          {"contact", "contacts"},
        {"deal", "opportunities"}, {"tickets", "tickets"},     {"leads", "leads"},
        {"contacts", "contacts"},  {"deals", "opportunities"}, {"opportunity", "opportunities"},
    };
    const char *colon = strchr(ref, ':'), *num = ref;
    size_t i;

    *entity = "tickets";
    if (colon != NULL) {
        *entity = NULL;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i][0]) == (size_t)(colon - ref) &&
                strncasecmp(ref, names[i][0], (size_t)(colon - ref)) == 0)
                *entity = names[i][1];
        if (*entity == NULL)
            return -1;
        num = colon + 1;
    }
    if (*num == '#')
        num++;
    return cli_id(num, id);
}

enum {
    O_IN = 256,
    O_SEND,
    O_REPLY,
    O_QUEUE,
    O_BODY,
    O_SUBJ,
    O_TO,
    O_CC,
    O_NOSEND,
    O_RCPT,
    O_VERBOSE,
    O_ATTACH
};

/* the options of --mail-in, --send-mail and --reply (cli_int.h) */
const struct option cli_mail_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"quiet", no_argument, NULL, 'q'},
    {"mail-in", no_argument, NULL, O_IN},
    {"send-mail", no_argument, NULL, O_SEND},
    {"reply", required_argument, NULL, O_REPLY},
    {"queue", required_argument, NULL, O_QUEUE},
    {"body-file", required_argument, NULL, O_BODY},
    {"subject", required_argument, NULL, O_SUBJ},
    {"to", required_argument, NULL, O_TO},
    {"cc", required_argument, NULL, O_CC},
    {"no-send", no_argument, NULL, O_NOSEND},
    {"recipient", required_argument, NULL, O_RCPT},
    {"verbose", no_argument, NULL, O_VERBOSE},
    {"attach", required_argument, NULL, O_ATTACH},
    {NULL, 0, NULL, 0},
};

static int
parse(int argc, char **argv, struct mopts *o)
{
    struct cli_flags flags = {0};
    int ch, modes = 0;

    memset(o, 0, sizeof *o);
    while ((ch = cli_getopt(argc, argv, ":d:c:hq", cli_mail_options, &flags, usage, 0)) != -1) {
        switch (ch) {
        case 'q':
            o->quiet = 1;
            break;
        case O_IN:
            o->mode = M_IN;
            modes++;
            break;
        case O_SEND:
            o->mode = M_SEND;
            modes++;
            break;
        case O_REPLY:
            o->mode = M_REPLY;
            o->reply_ref = optarg;
            modes++;
            break;
        case O_QUEUE:
            o->queue = optarg;
            break;
        case O_BODY:
            o->body_file = optarg;
            break;
        case O_SUBJ:
            o->subject = optarg;
            break;
        case O_TO:
            o->to = optarg;
            break;
        case O_CC:
            o->cc = optarg;
            break;
        case O_NOSEND:
            o->no_send = 1;
            break;
        case O_RCPT:
            o->recipient = optarg;
            break;
        case O_VERBOSE:
            o->verbose = 1;
            break;
        case O_ATTACH:
            if (o->nattach == MAIL_REPLY_FILES_MAX) {
                safe_fprintf(stderr, "ccrm: --attach: at most %d files\n", MAIL_REPLY_FILES_MAX);
                return -1;
            }
            o->attach[o->nattach++] = optarg;
            break;
        default:
            return -1;
        }
    }
    o->conninfo = flags.conninfo;
    o->config = flags.config;
    if (modes != 1) {
        fputs("ccrm: choose one of --mail-in, --send-mail, --reply\n", stderr);
        return -1;
    }
    if (o->mode == M_REPLY && parse_ref(o->reply_ref, &o->reply_entity, &o->reply_id) == -1) {
        safe_fprintf(stderr,
                     "ccrm: --reply: expected a ticket number or ENTITY:ID (ticket, lead, "
                     "contact, deal), got \"%s\"\n",
                     o->reply_ref);
        return -1;
    }
    if (o->mode == M_REPLY && o->body_file == NULL) {
        fputs("ccrm: --reply needs --body-file FILE (- for standard input)\n", stderr);
        return -1;
    }
    if (o->nattach > 0 && o->mode != M_REPLY) {
        fputs("ccrm: --attach goes with --reply\n", stderr);
        return -1;
    }
    return 0;
}

/* ---- --mail-in ---- */

/* Read all of standard input, at most max bytes. Returns 0, 1 when there was more than max,
 * -1 on a read error. */
static int
read_stdin(size_t max, char **buf, size_t *n)
{
    size_t len = 0, cap = 65536;
    char *p = xmalloc(cap);

    for (;;) {
        ssize_t r;

        if (len == cap) {
            cap *= 2;
            p = xrealloc(p, cap);
        }
        r = read(STDIN_FILENO, p + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(p);
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > max) {
            free(p);
            return 1;
        }
    }
    *buf = p;
    *n = len;
    return 0;
}

static int
retryable(const struct ccrm_err *err)
{
    /* also a record the mail files on that went away under it (a contact merged, a ticket
     * deleted: 23503) or a row of the same mail stored meanwhile (23505): tried again, it
     * files on what is there now */
    return strcmp(err->sqlstate, "40001") == 0 || strcmp(err->sqlstate, "40P01") == 0 ||
           strcmp(err->sqlstate, "23503") == 0 || strcmp(err->sqlstate, "23505") == 0;
}

/* The exit code for an error of the database while storing: the mail's own fault (a value
 * the database refuses, or one larger than it can keep or index: SQLSTATE class 54) is
 * permanent, and deferring it would only have the MTA retry it for days before it bounces;
 * everything else may pass, so the MTA keeps the mail. */
/* the statement timeout of a delivery at least (ms) */
#define MAIL_IN_TIMEOUT_MS 300000

static int
mail_in_code(const struct ccrm_err *err)
{
    if (strcmp(err->sqlstate, "CR067") == 0)
        return EX_NOUSER;
    /* (a race with another writer, still there after the retries, is not the mail's fault:
     * the MTA keeps it and tries later) */
    if (strcmp(err->sqlstate, "23503") == 0 || strcmp(err->sqlstate, "23505") == 0)
        return EX_TEMPFAIL;
    if (strncmp(err->sqlstate, "22", 2) == 0 || strncmp(err->sqlstate, "23", 2) == 0 ||
        strncmp(err->sqlstate, "54", 2) == 0)
        return EX_DATAERR;
    return EX_TEMPFAIL;
}

static int
mail_in(const struct mopts *o)
{
    struct ccrm_config cfg;
    struct mail_parse_opts po;
    struct mail_msg *m = NULL;
    struct mail_stored st;
    struct ccrm_err err;
    struct db *db = NULL;
    char *buf = NULL, *envelope = NULL;
    const char *sender = getenv("SENDER");
    size_t n = 0;
    int r, tries, private_db, rc;

    /* a broken configuration is the administrator's to fix: keep the mail meanwhile */
    if (config_load(&cfg, o->config, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s (the mail stays with the MTA)\n", err.msg);
        config_fini(&cfg);
        return EX_TEMPFAIL;
    }
    if (mail_ready(&err) == -1) {
        safe_fprintf(stderr, "ccrm: %s (the mail stays with the MTA)\n", err.msg);
        config_fini(&cfg);
        return EX_TEMPFAIL;
    }
    r = read_stdin((size_t)cfg.message_max, &buf, &n);
    if (r != 0) {
        if (r == 1)
            safe_fprintf(stderr, "ccrm: mail refused: larger than %d bytes ([mail] message_max)\n",
                         cfg.message_max);
        else
            safe_fprintf(stderr, "ccrm: could not read the mail: %s\n", strerror(errno));
        config_fini(&cfg);
        return r == 1 ? EX_DATAERR : EX_TEMPFAIL;
    }
    /* what the MTA knows about the envelope: exim and postfix set these for pipes */
    envelope = xasprintf("%s %s %s", o->recipient != NULL ? o->recipient : "",
                         getenv("RECIPIENT") != NULL ? getenv("RECIPIENT") : "",
                         getenv("ORIGINAL_RECIPIENT") != NULL ? getenv("ORIGINAL_RECIPIENT") : "");
    memset(&po, 0, sizeof po);
    po.attachment_max = (size_t)cfg.attachment_max;
    po.envelope = envelope;
    po.null_sender = sender != NULL && (*sender == '\0' || strcmp(sender, "<>") == 0);
    mail_init();
    m = mail_parse(buf, n, &po, &err);
    free(envelope);
    if (m == NULL) {
        safe_fprintf(stderr, "ccrm: mail refused: %s\n", err.msg);
        config_fini(&cfg);
        mail_shutdown();
        return EX_DATAERR;
    }
    /* the general statement timeout is for people waiting on a screen: a mail of 60 MB in
     * attachments takes longer to store than that, and deferred for it, it would be tried
     * again for days and then bounced. The MTA's own pipe timeout still bounds it. */
    if (cfg.statement_timeout_ms != 0 && cfg.statement_timeout_ms < MAIL_IN_TIMEOUT_MS)
        cfg.statement_timeout_ms = MAIL_IN_TIMEOUT_MS;
    if ((db = cli_open_db(o->conninfo, &cfg, 1, &private_db, &err)) == NULL ||
        db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s (the MTA will try again)\n", err.msg);
        rc = EX_TEMPFAIL;
        goto out;
    }
    for (tries = 0;; tries++) {
        if (db_mail_store(db, o->queue, 1, &m, 1, &st, &err) == 0)
            break;
        if (retryable(&err) && tries < RETRIES)
            continue;
        rc = mail_in_code(&err);
        safe_fprintf(stderr, "ccrm: %s%s\n", err.msg,
                     rc == EX_TEMPFAIL ? " (the MTA will try again)" : "");
        goto out;
    }
    if (o->verbose) {
        char where[64] = "";

        if (st.ticket_id > 0)
            snprintf(where, sizeof where, " on ticket #%" PRId64, st.ticket_id);
        else if (st.opportunity_id > 0)
            snprintf(where, sizeof where, " on deal #%" PRId64, st.opportunity_id);
        else if (st.lead_id > 0)
            snprintf(where, sizeof where, " on lead #%" PRId64, st.lead_id);
        safe_fprintf(stderr, "ccrm: mail %" PRId64 " %s (%s%s%s)%s%s%s\n", st.id,
                     st.duplicate ? "was stored before" : "stored", st.status,
                     st.thread_by[0] != '\0' ? ", threaded by " : "", st.thread_by, where,
                     st.created[0] != '\0' ? ", new " : "", st.created);
    }
    rc = 0;
out:
    db_close(&db);
    mail_msg_free(&m);
    config_fini(&cfg);
    mail_shutdown();
    return rc;
}

/* ---- --send-mail ---- */

static int
send_mail(const struct mopts *o)
{
    struct ccrm_config cfg;
    struct mail_send_report rep;
    struct ccrm_err err;
    struct db *db;
    int private_db, rc;

    if ((rc = cli_load_config(&cfg, o->config)) != 0)
        return rc;
    if ((db = cli_open_db(o->conninfo, &cfg, 1, &private_db, &err)) == NULL ||
        db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        db_close(&db);
        config_fini(&cfg);
        return EX_TEMPFAIL;
    }
    mail_init();
    /* --quiet leaves out what went well (the lines of mails sent, the summary), never a mail
     * not sent: cron mails what a quiet run says */
    if (mail_outbox_send(db, cfg.sendmail, 0, o->quiet ? NULL : stdout, stderr, &rep, &err) == -1) {
        safe_fprintf(stderr, "ccrm: could not send the outbox: %s\n", err.msg);
        rc = strcmp(err.sqlstate, "42501") == 0 ? EX_NOPERM : EX_TEMPFAIL;
    } else {
        if (!o->quiet)
            printf("ccrm: %d sent, %d to be tried again, %d given up\n", rep.sent, rep.retry,
                   rep.failed);
        rc = rep.retry > 0 || rep.failed > 0 ? EX_TEMPFAIL : 0;
    }
    db_close(&db);
    config_fini(&cfg);
    mail_shutdown();
    return rc;
}

/* ---- --reply ---- */

/* Where an answer whose COMMIT's answer was lost, and could not be asked about, is kept for the
 * next run with the same answer (record, text, subject, addresses, queue, files) to ask before
 * it queues it a second time: STATE_DIR/reply-unanswered-HASH, "XID MAIL-ID". malloc'd; NULL
 * without a state directory. */
static char *
unanswered_path(const struct ccrm_config *cfg, const struct mopts *o, const char *body,
                const struct mail_attachment *att, int natt)
{
    uint64_t h = FNV_START;
    char id[24];
    int i;

    if (cfg->state_dir == NULL || cfg->state_dir[0] == '\0')
        return NULL;
    snprintf(id, sizeof id, "%" PRId64, o->reply_id);
    fnv_text(&h, o->reply_entity);
    fnv_text(&h, id);
    fnv_text(&h, body);
    fnv_text(&h, o->subject);
    fnv_text(&h, o->to);
    fnv_text(&h, o->cc);
    fnv_text(&h, o->queue);
    for (i = 0; i < natt; i++) {
        fnv_text(&h, att[i].name);
        fnv_bytes(&h, att[i].content != NULL ? att[i].content : "",
                  att[i].content ? att[i].size : 0);
    }
    return xasprintf("%s/reply-unanswered-%016" PRIx64, cfg->state_dir, h);
}

/* Did an earlier run with this same answer queue it (kept: its file), which that run could not
 * tell (the connection dropped as it committed, and did not come back)? 1 it did: *mid is the
 * mail (said); 0 it did not, or none is in question (the file removed); -1 that cannot be told
 * now either (said; the file stays). */
static int
earlier_run(struct db *db, const char *kept, int64_t *mid, int quiet)
{
    struct ccrm_err err;
    char xid[24];
    long long id;
    FILE *f;
    int rc;

    if (kept == NULL || (f = fopen(kept, "r")) == NULL)
        return 0;
    rc = fscanf(f, "%23s %lld", xid, &id) == 2;
    fclose(f);
    if (!rc) {
        unlink(kept);
        return 0;
    }
    if ((rc = db_write_landed(db, xid, &err)) == -1) {
        safe_fprintf(
            stderr,
            "ccrm: could not tell whether an earlier run queued this answer (as mail %lld) "
            "as the connection dropped: %s; run it again later\n",
            id, err.msg);
        return -1;
    }
    unlink(kept);
    if (rc == 1) {
        *mid = id;
        if (!quiet)
            printf("ccrm: mail %lld was queued by an earlier run as the connection dropped: not "
                   "queued again\n",
                   id);
    }
    return rc;
}

/* Keep xid and the mail's id in kept for the next run (earlier_run). 0, or -1. */
static int
keep_unanswered(const struct ccrm_config *cfg, const char *kept, const char *xid, int64_t mid)
{
    FILE *f;
    int fd;

    if (kept == NULL || mkdir_p(cfg->state_dir, 0700) == -1 ||
        (fd = open(kept, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
        return -1;
    if ((f = fdopen(fd, "w")) == NULL) {
        close(fd);
        return -1;
    }
    fprintf(f, "%s %" PRId64 "\n", xid, mid);
    return fclose(f) == 0 ? 0 : -1;
}

static int
reply(const struct mopts *o)
{
    struct ccrm_config cfg;
    struct mail_send_report rep;
    struct ccrm_err err;
    struct mail_attachment att[MAIL_REPLY_FILES_MAX];
    struct db *db;
    char *body = NULL;
    size_t n = 0;
    struct ccrm_err lost;
    char xid[24], *kept = NULL;
    int64_t mid = -1, maybe = 0;
    int private_db, rc, i, natt = 0;

    if ((rc = cli_load_config(&cfg, o->config)) != 0)
        return rc;
    if (strcmp(o->body_file, "-") == 0) {
        if (read_stdin((size_t)cfg.message_max, &body, &n) != 0) {
            safe_fprintf(stderr, "ccrm: could not read the answer from standard input\n");
            config_fini(&cfg);
            return EX_IOERR;
        }
    } else if (mail_read_file(o->body_file, (size_t)cfg.message_max, &body, &n, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        config_fini(&cfg);
        return EX_NOINPUT;
    }
    body = xrealloc(body, n + 1);
    body[n] = '\0';
    if (strlen(body) != n) {
        safe_fprintf(stderr, "ccrm: could not read the answer: it contains a NUL byte\n");
        free(body);
        config_fini(&cfg);
        return EX_DATAERR;
    }
    /* an address sendmail -t would deliver locally ("root") or that could never be composed
     * ("a b@x"): refused before anything else, not queued to stay in the outbox or go astray */
    if (mail_addresses_check(o->to, "--to", &err) == -1 ||
        mail_addresses_check(o->cc, "--cc", &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        free(body);
        config_fini(&cfg);
        mail_shutdown();
        return EX_DATAERR; /* (as the database says it of an address it refuses) */
    }
    for (natt = 0; natt < o->nattach; natt++)
        if (mail_attach_file(o->attach[natt], (size_t)cfg.attachment_max, &att[natt], &err) == -1) {
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
            while (natt > 0)
                mail_attachment_fini(&att[--natt]);
            free(body);
            config_fini(&cfg);
            mail_shutdown();
            return EX_NOINPUT;
        }
    if ((db = cli_open_db(o->conninfo, &cfg, 1, &private_db, &err)) == NULL ||
        db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        db_close(&db);
        free(body);
        for (i = 0; i < natt; i++)
            mail_attachment_fini(&att[i]);
        config_fini(&cfg);
        mail_shutdown();
        return EX_UNAVAILABLE;
    }
    kept = unanswered_path(&cfg, o, body, att, natt);
    xid[0] = '\0';
    if ((rc = earlier_run(db, kept, &maybe, o->quiet)) == 1)
        mid = maybe; /* (not said "queued" again) */
    else if (rc == 0)
        mid = db_mail_reply(db, o->reply_entity, o->reply_id, body, o->subject, o->to, o->cc,
                            o->queue, att, natt, &maybe, &err);
    free(body);
    for (i = 0; i < natt; i++)
        mail_attachment_fini(&att[i]);
    if (rc == -1) {
        rc = EX_UNAVAILABLE;
        goto out;
    }
    if (mid < 0)
        db_write_unanswered(db, xid, sizeof xid);
    if (mid < 0 && xid[0] != '\0') {
        /* the connection dropped as it committed: asked before anything is said, so that a
         * script does not run the command again when the answer was queued (the customer would
         * get it twice) */
        switch (cli_write_landed(db, xid, &lost)) {
        case 1:
            mid = maybe;
            if (!o->quiet)
                printf("ccrm: mail %" PRId64 " was queued as the connection dropped: not queued "
                       "again\n",
                       mid);
            break;
        case 0:
            safe_fprintf(stderr,
                         "ccrm: %s; the answer was not queued: running the command again is "
                         "safe\n",
                         err.msg);
            rc = EX_UNAVAILABLE;
            goto out;
        default:
            if (keep_unanswered(&cfg, kept, xid, maybe) == 0)
                safe_fprintf(stderr,
                             "ccrm: %s as it committed: the answer may have been queued (as mail "
                             "%" PRId64
                             "), which could not be told (%s); the same command run again "
                             "finds out, and queues it only if it was not\n",
                             err.msg, maybe, lost.msg);
            else
                safe_fprintf(stderr,
                             "ccrm: %s as it committed: the answer may have been queued (as mail "
                             "%" PRId64
                             "), which could not be told (%s); look at the outbox before "
                             "running the command again\n",
                             err.msg, maybe, lost.msg);
            rc = EX_UNAVAILABLE;
            goto out;
        }
    }
    if (mid < 0) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        rc = strcmp(err.sqlstate, "42501") == 0   ? EX_NOPERM
             : strcmp(err.sqlstate, "P0002") == 0 ? EX_NOINPUT
             : db_lost(db)                        ? EX_UNAVAILABLE
                                                  : EX_DATAERR;
        goto out;
    }
    if (!o->quiet && maybe == 0)
        printf("ccrm: mail %" PRId64 " queued\n", mid);
    rc = 0;
    if (!o->no_send) {
        mail_init();
        if (mail_outbox_send(db, cfg.sendmail, mid, NULL, NULL, &rep, &err) == -1) {
            safe_fprintf(stderr, "ccrm: mail %" PRId64 " stays queued: %s\n", mid, err.msg);
        } else if (rep.sent == 1) {
            if (!o->quiet)
                printf("ccrm: mail %" PRId64 " sent\n", mid);
        } else {
            safe_fprintf(stderr,
                         "ccrm: could not send mail %" PRId64 " yet: %s (it stays in the outbox; "
                         "ccrm --send-mail tries again)\n",
                         mid, rep.last_error);
        }
        mail_shutdown();
    }
out:
    free(kept);
    db_close(&db);
    config_fini(&cfg);
    mail_shutdown(); /* (started by the addresses' check; once only: GMime starts once) */
    return rc;
}

int
cli_mail_main(int argc, char **argv)
{
    struct mopts o;

    if (parse(argc, argv, &o) == -1)
        return cli_usage_error();
    switch (o.mode) {
    case M_IN:
        return mail_in(&o);
    case M_SEND:
        return send_mail(&o);
    case M_REPLY:
        return reply(&o);
    case M_NONE:
        break;
    }
    return EX_USAGE;
}
