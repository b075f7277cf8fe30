/* Collaboration actions on a record (src/ui/actions.h): comment, assign, hand off, convert a
 * lead, sales signal. Each asks on the bottom line, writes through src/db/actions.c and says
 * what happened. Nothing typed is lost when the write fails: offline, the line opens again at
 * once with the text (the status bar says why); refused by the database, its message is shown
 * and the same key on the same record offers the text again, to be corrected. A write whose
 * answer was lost as it committed is asked about before it is sent again (landed()). */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions.h"
#include "ccrm/actions.h"
#include "ccrm/entity.h"
#include "ccrm/form_model.h"
#include "ccrm/service.h"
#include "ccrm/util.h"

#define ACT_TEXT (UI_INPUT_MAX * 4)

enum act_kind { ACT_NONE, ACT_COMMENT, ACT_ASSIGN, ACT_HANDOFF, ACT_CONVERT, ACT_SIGNAL };

/* The action in progress, and after a refusal what was typed for it. Line input is modal
 * (keys go to it until Enter or Esc), so there is at most one; kept here rather than in a
 * view, which may close meanwhile. */
static struct {
    enum act_kind kind;
    char entity[24];
    int64_t id;
    int kept;            /* the last attempt failed: offer its text again */
    char xid[24];        /* ...its answer was lost as it committed: db_write_unanswered */
    uint64_t sent;       /* ...what was typed for it (typed()) */
    int shared;          /* comment: shared with the partner (W), else internal (c) */
    char to[ACT_TEXT];   /* assign: the person or department; convert: the amount */
    char text[ACT_TEXT]; /* the comment, the note, or the deal name */
    char suggest[64];    /* hand-off: the competent person by the rules (Enter alone takes it) */
    /* what the last write wrote (its answer comes before its COMMIT, whose answer may be
     * lost): the comment's or the lead's id; a conversion's records */
    int64_t got;
    struct lead_conversion conv;
} act;

static const char *
noun(const char *entity)
{
    return entity_noun(entity, 1);
}

/* Begin an action; returns 1 when it continues an attempt that failed (texts kept). */
static int
start(enum act_kind kind, const char *entity, int64_t id)
{
    if (act.kept && act.kind == kind && act.id == id && strcmp(act.entity, entity) == 0)
        return 1;
    memset(&act, 0, sizeof act);
    act.kind = kind;
    str_copy(act.entity, entity, sizeof act.entity);
    act.id = id;
    return 0;
}

/* What was typed for the action, as a number (FNV-1a): a retry that changed it is a new write. */
static uint64_t
typed(void)
{
    const char *parts[2] = {act.to, act.text};
    uint64_t h = 14695981039346656037u;
    int i;

    for (i = 0; i < 2; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];

        do
            h = (h ^ *p) * 1099511628211u;
        while (*p++ != '\0');
    }
    return (h ^ (uint64_t)act.shared) * 1099511628211u;
}

/* The write failed with rc (1 refused, -1 otherwise): keep what was typed; offline, offer
 * the first question again now (label, initial, cb), else show the database's message. */
static void
failed(struct app *app, int rc, const struct ccrm_err *err, const char *label, const char *initial,
       input_cb cb)
{
    act.kept = 1;
    db_write_unanswered(app->db, act.xid, sizeof act.xid);
    act.sent = typed();
    if (rc == -1 && db_state(app->db) != DB_READY) {
        ui_input_begin(app, label, initial, cb, NULL);
        ui_input_complete(app, strncmp(label, "to ", 3) == 0 ? UI_COMPLETE_PEOPLE
                                                             : UI_COMPLETE_MENTIONS);
        ui_message_error(app, "%s", err->msg);
        return;
    }
    ui_message_error(app, "%s", err->msg);
}

/* "account #12 (new), contact #34, deal #56 in USD": what a conversion made or found. */
static const char *
conversion(char *buf, size_t n)
{
    char contact[32] = "no contact", deal[48] = "no deal";

    if (act.conv.contact_id != 0)
        snprintf(contact, sizeof contact, "contact #%" PRId64, act.conv.contact_id);
    if (act.conv.opportunity_id != 0)
        snprintf(deal, sizeof deal, "deal #%" PRId64 " in %s", act.conv.opportunity_id,
                 act.conv.currency);
    snprintf(buf, n, "account #%" PRId64 " (%s), %s, %s", act.conv.account_id,
             act.conv.account_new ? "new" : "found", contact, deal);
    return buf;
}

/* The conversion's amount prompt takes a currency too, before or after the figure ("12000
 * USD", "usd 12.000,50"): split off a word of three letters. 1 when one was found (into cur,
 * upper case; the figure left in num); 0 when the text has none. */
static int
amount_currency(const char *text, char *num, size_t nn, char *cur, size_t nc)
{
    const char *s = text, *e = text + strlen(text), *w;

    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    cur[0] = '\0';
    if (e - s > 4 && isalpha((unsigned char)e[-1]) && isalpha((unsigned char)e[-2]) &&
        isalpha((unsigned char)e[-3]) && isspace((unsigned char)e[-4]))
        w = e - 3; /* "12000 USD" */
    else if (e - s > 4 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
             isalpha((unsigned char)s[2]) && isspace((unsigned char)s[3]))
        w = s; /* "USD 12000" */
    else
        return 0;
    snprintf(cur, nc, "%c%c%c", toupper((unsigned char)w[0]), toupper((unsigned char)w[1]),
             toupper((unsigned char)w[2]));
    if (w == s)
        snprintf(num, nn, "%.*s", (int)(e - s - 4), s + 4);
    else
        snprintf(num, nn, "%.*s", (int)(w - s - 1), s);
    return 1;
}

/* Before an action is written again after an attempt whose answer was lost as it committed:
 * did that attempt land? Then that is said, and it is not written twice (a second comment or
 * note, the person told twice; or a refusal caused by our own write: "already converted").
 * Returns 0 when the action is to be written now; else 1: it was, or that cannot be told yet
 * (then failed() as for the write: label, initial, cb; the text kept). */
static int
landed(struct app *app, const char *label, const char *initial, input_cb cb)
{
    struct ccrm_err err;
    char buf[128];
    int rc;

    if (act.xid[0] == '\0' || act.sent != typed()) /* (changed: a new write) */
        return 0;
    if ((rc = db_write_landed(app->db, act.xid, &err)) == -1) {
        char xid[sizeof act.xid];

        str_copy(xid, act.xid, sizeof xid); /* (failed() takes the last write's: none) */
        failed(app, rc, &err, label, initial, cb);
        str_copy(act.xid, xid, sizeof act.xid); /* still in question */
        return 1;
    }
    act.kept = 0;
    act.xid[0] = '\0';
    if (rc == 0)
        return 0;
    switch (act.kind) {
    case ACT_COMMENT:
        ui_message(app,
                   "the comment was saved as the connection dropped (comment %" PRId64
                   "): not added again",
                   act.got);
        break;
    case ACT_ASSIGN:
    case ACT_HANDOFF:
        ui_message(
            app,
            "the %s was saved as the connection dropped (%s #%" PRId64 " to %s): not done again",
            act.kind == ACT_HANDOFF ? "hand-off" : "assignment", noun(act.entity), act.id, act.to);
        break;
    case ACT_CONVERT:
        ui_message(app, "the conversion was saved as the connection dropped (%s): not done again",
                   conversion(buf, sizeof buf));
        break;
    case ACT_SIGNAL:
        ui_message(app,
                   "the sales signal was saved as the connection dropped (lead #%" PRId64
                   "): not done again",
                   act.got);
        break;
    case ACT_NONE:
        break;
    }
    return 1;
}

/* Was the question answered (Enter)? Cancelled (Esc): say so. Still typing: no. */
static int
answered(struct app *app, int done, int ok, const char *what)
{
    if (done && !ok)
        ui_message(app, "%s cancelled", what);
    return done && ok;
}

/* ---- c: comment ---- */

static void on_comment(struct app *app, void *ctx, const char *text, int done, int ok);

/* Write act.text as the comment. */
static void
do_comment(struct app *app)
{
    const char *retry =
        act.shared ? "shared comment (Enter retries): " : "comment (Enter retries): ";
    struct ccrm_err err;
    char notified[256];
    int rc;

    if (landed(app, retry, act.text, on_comment))
        return;
    rc = db_comment_add(app->db, act.entity, act.id, act.text, act.shared ? "shared" : NULL,
                        &act.got, notified, sizeof notified, &err);
    if (rc != 0) {
        failed(app, rc, &err, retry, act.text, on_comment);
        return;
    }
    act.kept = 0;
    act.xid[0] = '\0';
    if (notified[0] != '\0')
        ui_message(app, "%s comment added; %s", act.shared ? "shared" : "internal", notified);
    else
        ui_message(app, "%s comment added", act.shared ? "shared" : "internal");
}

static void
on_comment(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!done || !ok)
        return;
    if (text[0] == '\0') {
        ui_message(app, "no comment written");
        return;
    }
    str_copy(act.text, text, sizeof act.text);
    do_comment(app);
}

/* The question says who will read the comment. */
static const char *
comment_label(void)
{
    return act.shared ? "shared comment (the partner reads it too): " : "internal comment: ";
}

void
act_comment(struct app *app, const char *entity, int64_t id, int shared)
{
    start(ACT_COMMENT, entity, id);
    act.shared = shared;
    ui_input_begin(app, comment_label(), act.text, on_comment, NULL);
    ui_input_complete(app, UI_COMPLETE_MENTIONS);
}

void
act_comment_text(struct app *app, const char *entity, int64_t id, int shared, const char *text)
{
    start(ACT_COMMENT, entity, id);
    act.shared = shared;
    if (text == NULL || text[0] == '\0') {
        ui_input_begin(app, comment_label(), act.text, on_comment, NULL);
        ui_input_complete(app, UI_COMPLETE_MENTIONS);
        return;
    }
    str_copy(act.text, text, sizeof act.text);
    do_comment(app);
}

/* ---- a, h: assign, hand off ---- */

#define HANDOFF (act.kind == ACT_HANDOFF)
#define WHAT (HANDOFF ? "hand-off" : "assignment")
/* an assignment names one person; a hand-off may go to a department (its competent person) */
#define TO_LABEL (HANDOFF ? "to (login or department): " : "to (login): ")

static void on_assign_to(struct app *app, void *ctx, const char *text, int done, int ok);

/* Assign or hand off to act.to with the note act.text. */
static void
do_assign(struct app *app)
{
    struct ccrm_err err;
    int n = 0, rc;

    if (landed(app, TO_LABEL, act.to, on_assign_to))
        return;
    rc = db_assign(app->db, act.entity, act.id, act.to, act.text, HANDOFF, &n, &err);
    if (rc != 0) {
        /* back to the first question with both answers kept: the fix is often the name */
        failed(app, rc, &err, TO_LABEL, act.to, on_assign_to);
        return;
    }
    act.kept = 0;
    if (n == 0)
        ui_message(app, "%s #%" PRId64 " is yours now", noun(act.entity), act.id);
    else if (dept_is_team(act.to))
        ui_message(app, "handed %s #%" PRId64 " off to %s (%d %s)", noun(act.entity), act.id,
                   act.to, n, n == 1 ? "person" : "people");
    else
        ui_message(app, "%s %s #%" PRId64 " %s %s", HANDOFF ? "handed" : "assigned",
                   noun(act.entity), act.id, HANDOFF ? "off to" : "to", act.to);
}

static void
on_assign_note(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, WHAT))
        return;
    str_copy(act.text, text, sizeof act.text);
    do_assign(app);
}

/* Take the person or department (a leading @ is allowed); 0 if none was named. */
static int
set_to(const char *text)
{
    while (*text == ' ' || *text == '@')
        text++;
    str_copy(act.to, text, sizeof act.to);
    str_trim(act.to);
    return act.to[0] != '\0';
}

static void
on_assign_to(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, WHAT))
        return;
    if (!set_to(text) && !(act.suggest[0] != '\0' && set_to(act.suggest))) {
        ui_message(app, "nobody named: %s cancelled", WHAT);
        return;
    }
    ui_input_begin(app, "note: ", act.text, on_assign_note, NULL);
    ui_input_complete(app, UI_COMPLETE_MENTIONS);
}

/* The competent person for a ticket or lead by the rules (what :who answers), into login.
 * Returns 1 when there is one. */
static int
competent(struct app *app, const char *entity, int64_t id, char *login, size_t n)
{
    struct who_query q;
    struct who_row *rows;
    struct ccrm_err err;
    char idbuf[24];
    int i, k, found = 0;

    if (strcmp(entity, "tickets") != 0 && strcmp(entity, "leads") != 0)
        return 0;
    memset(&q, 0, sizeof q);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
    q.entity = entity;
    q.id = idbuf;
    if ((k = db_who(app->db, &q, &rows, &err)) < 0)
        return 0;
    for (i = 0; i < k; i++)
        if (rows[i].chosen && rows[i].login != NULL) {
            str_copy(login, rows[i].login, n);
            found = 1;
        }
    who_rows_free(rows, k);
    return found;
}

void
act_assign(struct app *app, const char *entity, int64_t id, int handoff)
{
    /* a hand-off offers the competent person by the rules first: Enter alone takes it */
    if (!start(handoff ? ACT_HANDOFF : ACT_ASSIGN, entity, id) && handoff &&
        competent(app, entity, id, act.suggest, sizeof act.suggest))
        ui_message_for(app, 60000, "competent by the rules: %s (Enter alone hands it to them)",
                       act.suggest);
    ui_input_begin(app, TO_LABEL, act.to, on_assign_to, NULL);
    ui_input_complete(app, UI_COMPLETE_PEOPLE);
}

void
act_assign_to(struct app *app, const char *entity, int64_t id, int handoff, const char *who,
              const char *note)
{
    start(handoff ? ACT_HANDOFF : ACT_ASSIGN, entity, id);
    if (who == NULL || !set_to(who)) {
        ui_input_begin(app, TO_LABEL, act.to, on_assign_to, NULL);
        ui_input_complete(app, UI_COMPLETE_PEOPLE);
        return;
    }
    str_copy(act.text, note != NULL ? note : "", sizeof act.text);
    do_assign(app);
}

/* ---- convert a lead ---- */

static void on_convert_name(struct app *app, void *ctx, const char *text, int done, int ok);

/* (a currency may follow the figure: "12000 USD"; without one, the account's usual one) */
#define AMOUNT_LABEL "amount [currency] (empty: none): "

static void
on_convert_amount(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    char buf[128];
    int rc;

    (void)ctx;
    if (!answered(app, done, ok, "conversion"))
        return;
    str_copy(act.to, text, sizeof act.to);
    if (landed(app, "deal name: ", act.text, on_convert_name))
        return;
    {
        /* the amount as the deal form reads it ("12.345,5", "12000"), a currency beside it */
        const struct entity_field *f = entity_field(entity_named("deal"), "amount");
        char msg[160], *amount = NULL, num[sizeof act.to], cur[8];

        if (!amount_currency(text, num, sizeof num, cur, sizeof cur))
            str_copy(num, text, sizeof num);
        if (form_normalize(f, num, &amount, msg, sizeof msg) == -1) {
            ui_message_error(app, "amount: %s", msg);
            ui_input_begin(app, AMOUNT_LABEL, text, on_convert_amount, NULL);
            return;
        }
        rc = db_convert_lead(app->db, act.id, act.text, amount, cur, &act.conv, &err);
        free(amount);
    }
    if (rc != 0) {
        failed(app, rc, &err, "deal name: ", act.text, on_convert_name);
        return;
    }
    act.kept = 0;
    ui_message(app, "lead converted: %s", conversion(buf, sizeof buf));
}

static void
on_convert_name(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, "conversion"))
        return;
    str_copy(act.text, text, sizeof act.text);
    /* an empty name and an empty amount convert without a deal */
    ui_input_begin(app, AMOUNT_LABEL, act.to, on_convert_amount, NULL);
}

void
act_convert_lead(struct app *app, int64_t lead_id)
{
    struct ccrm_err err;

    if (!start(ACT_CONVERT, "leads", lead_id) &&
        db_lead_deal_name(app->db, lead_id, act.text, sizeof act.text, &err) != 0) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    ui_input_begin(app, "deal name: ", act.text, on_convert_name, NULL);
}

/* ---- sales signal from a ticket ---- */

static void
on_signal(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    int rc;

    (void)ctx;
    if (!answered(app, done, ok, "sales signal"))
        return;
    str_copy(act.text, text, sizeof act.text);
    if (landed(app, "signal note (Enter retries): ", act.text, on_signal))
        return;
    rc = db_ticket_signal(app->db, act.id, act.text, &act.got, &err);
    if (rc != 0) {
        failed(app, rc, &err, "signal note (Enter retries): ", act.text, on_signal);
        return;
    }
    act.kept = 0;
    ui_message(app, "sales signal sent: lead #%" PRId64 " handed off to sales", act.got);
}

void
act_ticket_signal(struct app *app, int64_t ticket_id)
{
    start(ACT_SIGNAL, "tickets", ticket_id);
    ui_input_begin(app, "sales signal note: ", act.text, on_signal, NULL);
}
