/* Marketing in the full-screen client (src/ui/market.h): interests, a campaign's members and
 * responses, segments. Every question is on the bottom line; every write is one call of
 * src/db/market_ui.c, whose functions hold the rules (an opted-out person is never added, and
 * the summary says how many were left out and why). Offline, the question opens again with
 * what was typed; a refusal shows the database's message and the same action offers the text
 * again, except the person to add (m): typed after, it would join the new one, so m starts
 * empty. */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ccrm/cmd.h"
#include "ccrm/entity.h"
#include "ccrm/marketing.h"
#include "ccrm/segment.h"
#include "ccrm/util.h"
#include "market.h"

#define MKT_TEXT (UI_INPUT_MAX * 4)

enum mkt_kind {
    MKT_NONE,
    MKT_INTEREST,
    MKT_SEGMENT_ADD,
    MKT_MEMBER_ADD,
    MKT_REMOVE,
    MKT_RESPOND,
    MKT_MARK_SENT,
    MKT_SEGMENT_SAVE,
    MKT_CONSENT
};

/* The question in progress (line input is modal: at most one), and after a failure what was
 * typed for it. */
static struct {
    enum mkt_kind kind;
    int64_t campaign;
    char entity[24];
    int64_t id;
    char label[160];
    int kept;
    struct interest_target target;
    char name[200];
    char text[MKT_TEXT];
    int out;           /* MKT_CONSENT: an opt-out (else a consent) */
    long long counted; /* the segment's words counted exactly (c) before it is saved; -1: not */
} mk;

static const char *const responses[] = {"sent",       "opened",    "clicked", "replied",
                                        "registered", "converted", NULL};

static int
start(enum mkt_kind kind, int64_t campaign, const char *entity, int64_t id)
{
    if (mk.kept && mk.kind == kind && mk.campaign == campaign && mk.id == id &&
        strcmp(mk.entity, entity != NULL ? entity : "") == 0)
        return 1;
    memset(&mk, 0, sizeof mk);
    mk.kind = kind;
    mk.campaign = campaign;
    str_copy(mk.entity, entity != NULL ? entity : "", sizeof mk.entity);
    mk.id = id;
    return 0;
}

/* Ask on the bottom line, starting with mk.text: Tab completes what the question takes where
 * the `:` command does (a campaign's person to add, a segment). */
static void
ask(struct app *app, const char *label, input_cb cb)
{
    ui_input_begin(app, label, mk.text, cb, NULL);
    if (mk.kind == MKT_MEMBER_ADD)
        ui_input_complete(app, UI_COMPLETE_MEMBERS);
    else if (mk.kind == MKT_SEGMENT_ADD)
        ui_input_complete(app, UI_COMPLETE_SEGMENTS);
}

/* The write failed with rc (1 refused, -1 otherwise): keep the text; offline, ask again now. */
static void
failed(struct app *app, int rc, const struct ccrm_err *err, const char *label, input_cb cb)
{
    mk.kept = 1;
    if (rc == -1 && db_state(app->db) != DB_READY)
        ask(app, label, cb);
    ui_message_error(app, "%s", err->msg);
}

static int
answered(struct app *app, int done, int ok, const char *what)
{
    if (done && !ok)
        ui_message(app, "%s cancelled", what);
    return done && ok;
}

/* ---- i: an interest ---- */

/* What the source record is called: "ticket", or for a call, e-mail or meeting its kind. */
static const char *
source_noun(const struct interest_target *t)
{
    return strcmp(t->source_entity, "interactions") == 0 ? t->source
                                                         : entity_noun(t->source_entity, 1);
}

#define INTEREST_LABEL "interested in (product, or topic: X): "

static void on_interest(struct app *app, void *ctx, const char *text, int done, int ok);

static void
do_interest(struct app *app)
{
    struct ccrm_err err;
    char what[MKT_TEXT];
    const char *product = NULL, *topic = NULL;
    int64_t id = 0;
    int rc;

    str_copy(what, mk.text, sizeof what);
    str_trim(what);
    if (strncasecmp(what, "topic:", 6) == 0) {
        topic = what + 6;
        while (*topic == ' ')
            topic++;
    } else {
        product = what;
    }
    rc = db_interest_add(app->db, &mk.target, product, topic, NULL, &id, &err);
    if (rc != 0) {
        failed(app, rc, &err, INTEREST_LABEL, on_interest);
        return;
    }
    mk.kept = 0;
    if (mk.target.source_entity[0] != '\0')
        ui_message(app, "interest in %s recorded on %s (from %s #%" PRId64 ")",
                   product ? product : topic, mk.target.who, source_noun(&mk.target),
                   mk.target.source_id);
    else
        ui_message(app, "interest in %s recorded on %s", product ? product : topic, mk.target.who);
}

static void
on_interest(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, "interest"))
        return;
    str_copy(mk.text, text, sizeof mk.text);
    if (mk.text[0] == '\0') {
        ui_message(app, "no interest recorded");
        return;
    }
    do_interest(app);
}

void
mkt_interest(struct app *app, const char *entity, int64_t id, const char *text)
{
    struct ccrm_err err;
    int rc;

    if (!start(MKT_INTEREST, 0, entity, id)) {
        if ((rc = db_interest_target(app->db, entity, id, &mk.target, &err)) != 0) {
            ui_message_error(app, "%s", err.msg);
            mk.kind = MKT_NONE;
            return;
        }
        str_copy(mk.text, mk.target.product, sizeof mk.text); /* a ticket's product */
    }
    if (text != NULL && text[0] != '\0') {
        str_copy(mk.text, text, sizeof mk.text);
        do_interest(app);
        return;
    }
    if (mk.target.source_entity[0] != '\0')
        ui_message(app, "an interest of %s, learned in %s #%" PRId64, mk.target.who,
                   source_noun(&mk.target), mk.target.source_id);
    else
        ui_message(app, "an interest of %s", mk.target.who);
    ui_input_begin(app, INTEREST_LABEL, mk.text, on_interest, NULL);
}

/* ---- a campaign's members ---- */

#define SEGMENT_LABEL "add the people of segment: "

static void on_add_segment(struct app *app, void *ctx, const char *text, int done, int ok);

static void
do_add_segment(struct app *app)
{
    struct ccrm_err err;
    char summary[512];
    int rc;

    rc = db_campaign_add_segment(app->db, mk.campaign, mk.text, summary, sizeof summary, &err);
    if (rc != 0) {
        failed(app, rc, &err, SEGMENT_LABEL, on_add_segment);
        return;
    }
    mk.kept = 0;
    ui_message(app, "%s", summary);
}

static void
on_add_segment(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, "adding a segment"))
        return;
    str_copy(mk.text, text, sizeof mk.text);
    str_trim(mk.text);
    if (mk.text[0] == '\0') {
        ui_message(app, "no segment named: nobody added");
        return;
    }
    do_add_segment(app);
}

void
mkt_add_segment(struct app *app, int64_t campaign, const char *name)
{
    start(MKT_SEGMENT_ADD, campaign, "campaigns", campaign);
    if (name != NULL && name[0] != '\0') {
        str_copy(mk.text, name, sizeof mk.text);
        do_add_segment(app);
        return;
    }
    ask(app, SEGMENT_LABEL, on_add_segment);
}

#define MEMBER_LABEL "add (e-mail or full name): "

static void on_add_member(struct app *app, void *ctx, const char *text, int done, int ok);

static void
do_add_member(struct app *app)
{
    struct ccrm_err err;
    char summary[512];
    int rc;

    rc = db_campaign_add_person(app->db, mk.campaign, mk.text, summary, sizeof summary, &err);
    if (rc != 0) {
        failed(app, rc, &err, MEMBER_LABEL, on_add_member);
        return;
    }
    mk.kept = 0;
    ui_message(app, "%s", summary);
}

static void
on_add_member(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, "adding a member"))
        return;
    str_copy(mk.text, text, sizeof mk.text);
    str_trim(mk.text);
    if (mk.text[0] == '\0') {
        ui_message(app, "nobody named: nobody added");
        return;
    }
    do_add_member(app);
}

void
mkt_add_member(struct app *app, int64_t campaign, const char *who)
{
    start(MKT_MEMBER_ADD, campaign, "campaigns", campaign);
    /* each m asks afresh: a name or address the database refused is no start for the next
     * one (typed after it, "pwalk.tester" became "pwalk.testerpwalk.tester@example.com");
     * the refusal said what it was */
    mk.text[0] = '\0';
    mk.kept = 0;
    if (who != NULL && who[0] != '\0') {
        str_copy(mk.text, who, sizeof mk.text);
        do_add_member(app);
        return;
    }
    ask(app, MEMBER_LABEL, on_add_member);
}

/* "remove the member? (y/n)" takes one key, as it looks: y takes the member out, any other key
 * (n, Esc, Enter) leaves it. */
static void
on_remove(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    int rc;

    (void)ctx;
    if (ui_ask_key(app, text, done, ok, NULL) != 'y') { /* n, Esc, Enter, any other key */
        ui_message(app, "not removed: %s stays in the campaign", mk.label);
        return;
    }
    rc = db_campaign_remove(app->db, mk.campaign, mk.entity, mk.id, &err);
    if (rc != 0) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    ui_message(app, "removed %s from the campaign", mk.label);
}

void
mkt_remove_member(struct app *app, int64_t campaign, const char *entity, int64_t id,
                  const char *label)
{
    start(MKT_REMOVE, campaign, entity, id);
    str_copy(mk.label, label, sizeof mk.label);
    ui_message(app, "take %s out of the campaign?", label);
    ui_input_begin(app, "remove the member? (y/n) ", "", on_remove, NULL);
}

#define RESPOND_LABEL "response (sent opened clicked replied registered converted): "

static void on_respond(struct app *app, void *ctx, const char *text, int done, int ok);

static void
do_respond(struct app *app)
{
    struct ccrm_err err;
    const char *status = NULL;
    size_t len;
    int i, rc;

    str_trim(mk.text);
    len = strlen(mk.text);
    /* a response's word, or the start of one ("op"), of one word only ("re": replied or
     * registered? asked again) */
    for (i = 0; responses[i] != NULL && len > 0; i++)
        if (strncasecmp(responses[i], mk.text, len) == 0) {
            if (status != NULL && strlen(responses[i]) != len && strlen(status) != len) {
                mk.kept = 1;
                ui_message_error(app, "\"%s\" could be %s or %s: type more of it", mk.text, status,
                                 responses[i]);
                ui_input_begin(app, RESPOND_LABEL, mk.text, on_respond, NULL);
                return;
            }
            if (status == NULL || strlen(responses[i]) == len)
                status = responses[i];
        }
    if (status == NULL) {
        mk.kept = 1;
        ui_message_error(app,
                         "not a response: \"%s\" (sent, opened, clicked, replied, "
                         "registered or converted)",
                         mk.text);
        ui_input_begin(app, RESPOND_LABEL, mk.text, on_respond, NULL);
        return;
    }
    rc = db_campaign_respond(app->db, mk.campaign, mk.entity, mk.id, status, &err);
    if (rc != 0) {
        failed(app, rc, &err, RESPOND_LABEL, on_respond);
        return;
    }
    mk.kept = 0;
    ui_message(app, "response recorded: %s %s", mk.label, status);
}

static void
on_respond(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, "response"))
        return;
    str_copy(mk.text, text, sizeof mk.text);
    do_respond(app);
}

void
mkt_respond(struct app *app, int64_t campaign, const char *entity, int64_t id, const char *label,
            const char *status)
{
    start(MKT_RESPOND, campaign, entity, id);
    str_copy(mk.label, label, sizeof mk.label);
    if (status != NULL && status[0] != '\0') {
        str_copy(mk.text, status, sizeof mk.text);
        do_respond(app);
        return;
    }
    ui_message(app, "a response of %s", label);
    ui_input_begin(app, RESPOND_LABEL, mk.text, on_respond, NULL);
}

/* ---- :sent-all: the members the mailing tool got, marked sent at once ---- */

static const char *
members_noun(long long n)
{
    return n == 1 ? "member" : "members";
}

/* "mark them sent? (y/n)" takes one key: y records "sent" for each, any other key nothing. */
static void
on_mark_sent(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    long long n[3];
    char left[160] = "";
    int rc;

    (void)ctx;
    if (ui_ask_key(app, text, done, ok, NULL) != 'y') {
        ui_message(app, "nothing marked: the members not sent yet stay so");
        return;
    }
    rc = db_campaign_mark_sent(app->db, mk.campaign, n, &err);
    if (rc != 0) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    if (n[1] > 0 || n[2] > 0)
        snprintf(left, sizeof left, "; left not sent: %lld opted out, %lld without an address",
                 n[1], n[2]);
    if (n[0] == 0)
        ui_message(app, "no member was waiting to be sent%s", left);
    else
        ui_message(app, "marked %lld %s sent%s", n[0], members_noun(n[0]), left);
}

void
mkt_mark_sent(struct app *app, int64_t campaign)
{
    start(MKT_MARK_SENT, campaign, "campaigns", campaign);
    ui_message(app, "every member not sent yet whom the export gives the mailing tool "
                    "(not opted out, with an address) gets the response \"sent\", now");
    ui_input_begin(app, "mark them sent? (y/n) ", "", on_mark_sent, NULL);
}

/* ---- segments: exact counts kept for the session ---- */

/* A count is of one definition: the segment's id and its definition, canonical (jansson, keys
 * sorted, compact: the JSON the client sent and the jsonb text the database gives back are the
 * same definition), hashed; new words forget the count. The oldest is overwritten when full. */
#define COUNTS_KEPT 256

static struct {
    int64_t id;
    uint64_t def;
    long long n;
    time_t when;
} counts[COUNTS_KEPT];
static int ncounts, next_count;

static uint64_t
def_hash(const char *definition)
{
    json_t *j = json_loads(definition != NULL ? definition : "", 0, NULL);
    char *canon = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    const char *s = canon != NULL ? canon : definition != NULL ? definition : "";
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    free(canon);
    json_decref(j);
    return h;
}

void
mkt_count_keep(int64_t id, const char *definition, long long n)
{
    uint64_t h = def_hash(definition);
    int i;

    for (i = 0; i < ncounts; i++)
        if (counts[i].id == id && counts[i].def == h)
            break;
    if (i == ncounts) {
        i = next_count;
        next_count = (next_count + 1) % COUNTS_KEPT;
        if (ncounts < COUNTS_KEPT)
            ncounts++;
    }
    counts[i].id = id;
    counts[i].def = h;
    counts[i].n = n;
    counts[i].when = time(NULL);
}

long long
mkt_count_kept(int64_t id, const char *definition, time_t *when)
{
    uint64_t h = def_hash(definition);
    int i;

    for (i = 0; i < ncounts; i++)
        if (counts[i].id == id && counts[i].def == h) {
            if (when != NULL)
                *when = counts[i].when;
            return counts[i].n;
        }
    return -1;
}

/* ---- segments: how good an estimate is ---- */

/* Does rule j compare text folded (ccrm_segment_compare and the ticket rule of
 * schema/functions/92_marketing.sql: ccrm_fold(column) = ccrm_fold(value), LIKE on a folded
 * column)? The planner has no statistics for such an expression (no index on it), so it takes
 * a fixed share of the rows (half a percent for =): its figure is a guess, often far too low.
 * An interest's product and topic have an index on the folded column, hence statistics. */
static int
rule_folded(const json_t *j, int depth)
{
    const char *key;
    json_t *v;
    size_t i;

    if (!json_is_object(j) || depth > 8)
        return 0;
    if (json_object_get(j, "field") != NULL) {
        const char *op = json_string_value(json_object_get(j, "op"));

        /* a text field's value is a string (a number's or a time's compares plainly) */
        return json_is_string(json_object_get(j, "value")) ||
               (op != NULL && (strcmp(op, "in") == 0 || strcmp(op, "contains") == 0 ||
                               strcmp(op, "starts_with") == 0 || strcmp(op, "ends_with") == 0));
    }
    json_object_foreach((json_t *)j, key, v)
    {
        if (strcmp(key, "account") == 0 && rule_folded(v, depth + 1))
            return 1;
        if (strcmp(key, "ticket") == 0 && (json_object_get(v, "product") != NULL ||
                                           json_object_get(v, "subject_contains") != NULL))
            return 1;
        if (strcmp(key, "not") == 0 && rule_folded(v, depth + 1))
            return 1;
        if ((strcmp(key, "all") == 0 || strcmp(key, "any") == 0) && json_is_array(v))
            for (i = 0; i < json_array_size(v); i++)
                if (rule_folded(json_array_get(v, i), depth + 1))
                    return 1;
    }
    return 0;
}

int
mkt_estimate_guessed(const char *definition)
{
    json_t *j = json_loads(definition != NULL ? definition : "", 0, NULL);
    json_t *rules = json_object_get(j, "rules");
    size_t i;
    int guessed = 0;

    for (i = 0; json_is_array(rules) && i < json_array_size(rules) && !guessed; i++)
        guessed = rule_folded(json_array_get(rules, i), 0);
    json_decref(j);
    return guessed;
}

const char *
mkt_estimate_said(const char *definition)
{
    return mkt_estimate_guessed(definition) ? "a rough guess: c counts exactly" : "an estimate";
}

/* ---- segments: :segment, :segment-count ---- */

#define DEFINITION_LABEL "segment: interest= ticket= days= country= ...: "
#define CONFIRM_LABEL "save it? (y: yes, c: count exactly): "

static void on_definition(struct app *app, void *ctx, const char *text, int done, int ok);
static void on_confirm(struct app *app, void *ctx, const char *text, int done, int ok);

/* The definition of the words typed (mk.text) into json, or -1 after asking again. */
static int
definition(struct app *app, char *json, size_t n)
{
    char msg[256];

    if (segment_def_parse(mk.text, json, n, msg, sizeof msg) == -1) {
        mk.kept = 1;
        ui_message_error(app, "could not build the segment: %s", msg);
        ui_input_begin(app, DEFINITION_LABEL, mk.text, on_definition, NULL);
        return -1;
    }
    return 0;
}

/* Preview: the size of the definition (at once: counted when that is cheap, else an estimate;
 * exact on request), then ask. */
static void
preview(struct app *app, int exact)
{
    struct ccrm_err err;
    char json[2048];
    long long n;

    if (definition(app, json, sizeof json) == -1)
        return;
    if ((n = db_segment_preview(app->db, json, exact, &exact, &err)) < 0) {
        mk.kept = 1;
        ui_message_error(app, "%s", err.msg);
        if (n == -2 || db_state(app->db) != DB_READY)
            ui_input_begin(app, DEFINITION_LABEL, mk.text, on_definition, NULL);
        return;
    }
    mk.counted = exact ? n : -1;
    ui_message(app, "segment \"%s\": %s%lld %s (%s)", mk.name, exact ? "" : "about ", n,
               n == 1 ? "person" : "people", exact ? "exact" : mkt_estimate_said(json));
    ui_input_begin(app, CONFIRM_LABEL, "", on_confirm, NULL);
}

static void
do_segment_save(struct app *app)
{
    struct ccrm_err err;
    char json[2048];
    long long estimate = 0;
    int64_t id = 0;
    int rc, counted = 0;

    if (definition(app, json, sizeof json) == -1)
        return;
    rc = db_segment_save(app->db, mk.name, json, &id, &estimate, &counted, &err);
    if (rc != 0) {
        failed(app, rc, &err, DEFINITION_LABEL, on_definition);
        return;
    }
    mk.kept = 0;
    if (mk.counted >= 0) { /* counted a moment ago: that, not the estimate again */
        mkt_count_keep(id, json, mk.counted); /* the Segments view shows it */
        ui_message(app, "saved segment \"%s\" (#%" PRId64 "): %lld %s (exact, as counted)", mk.name,
                   id, mk.counted, mk.counted == 1 ? "person" : "people");
    } else if (counted) { /* the database counted them, it was cheap */
        mkt_count_keep(id, json, estimate);
        ui_message(app, "saved segment \"%s\" (#%" PRId64 "): %lld %s (exact)", mk.name, id,
                   estimate, estimate == 1 ? "person" : "people");
    } else {
        ui_message(app,
                   "saved segment \"%s\" (#%" PRId64 "): about %lld %s (%s; "
                   ":segment-count %s counts)",
                   mk.name, id, estimate, estimate == 1 ? "person" : "people",
                   mkt_estimate_guessed(json) ? "a rough guess" : "an estimate", mk.name);
    }
}

/* save it? takes one key, as it looks: y saves, c counts exactly and asks again, n or Esc
 * keeps the words for the next :segment of that name; Enter or another key asks again. */
static void
on_confirm(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    switch (ui_ask_key(app, text, done, ok, NULL)) {
    case 'y':
        do_segment_save(app);
        break;
    case 'c':
        preview(app, 1);
        break;
    case 'n':
    case 27:
        mk.kept = 1;
        ui_message(app, "segment not saved");
        break;
    default: /* the size said stays on the message line */
        beep();
        ui_input_begin(app, CONFIRM_LABEL, "", on_confirm, NULL);
        break;
    }
}

static void
on_definition(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, "segment"))
        return;
    str_copy(mk.text, text, sizeof mk.text);
    preview(app, 0);
}

void
mkt_segment_save(struct app *app, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char name[sizeof mk.name];

    snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
    str_trim(name);
    if (name[0] == '\0') {
        ui_message_error(app, "name the segment: :segment NAME [: interest=PRODUCT, ...]");
        return;
    }
    if (!start(MKT_SEGMENT_SAVE, 0, name, 0) || strcmp(mk.name, name) != 0) {
        memset(&mk, 0, sizeof mk);
        mk.kind = MKT_SEGMENT_SAVE;
        str_copy(mk.entity, name, sizeof mk.entity);
    }
    str_copy(mk.name, name, sizeof mk.name);
    mk.counted = -1; /* a count is of the words previewed: none yet */
    if (colon != NULL && colon[1] != '\0') {
        str_copy(mk.text, colon + 1, sizeof mk.text);
        do_segment_save(app);
        return;
    }
    ui_message(app, "segment \"%s\": whom it finds, e.g. interest=ccrm Pro, days=90", name);
    ui_input_begin(app, DEFINITION_LABEL, mk.text, on_definition, NULL);
}

void
mkt_segment_count(struct app *app, const char *name)
{
    struct ccrm_err err;
    char written[200];
    long long n = 0;

    if (db_segment_count(app->db, name, 1, written, sizeof written, &n, &err) != 0) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    ui_message(app, "segment \"%s\": %lld %s (exact)", written, n, n == 1 ? "person" : "people");
}

/* ---- consents: O, :unsubscribe, :consent ---- */

#define OPT_OUT_LABEL "opted out of (email phone post all) [where it was said]: "
#define CONSENT_LABEL "consented to (email phone post all) [where it was said]: "

static void on_consent(struct app *app, void *ctx, const char *text, int done, int ok);

static void
do_consent(struct app *app)
{
    struct ccrm_err err;
    char word[32];
    const char *const *channels = cmd_channel_names();
    const char *rest, *channel = NULL;
    size_t len;
    int i, rc, still_out = 0;

    str_trim(mk.text);
    rest = cmd_split(mk.text, word, sizeof word);
    len = strlen(word);
    /* a channel's word, or the start of one ("ph") */
    for (i = 0; channels[i] != NULL && len > 0; i++)
        if (strncasecmp(channels[i], word, len) == 0) {
            channel = channels[i];
            break;
        }
    if (channel == NULL) {
        mk.kept = 1;
        ui_message_error(app, "not a channel: \"%s\" (email, phone, post or all)", word);
        ui_input_begin(app, mk.out ? OPT_OUT_LABEL : CONSENT_LABEL, mk.text, on_consent, NULL);
        return;
    }
    rc = db_consent_set(app->db, mk.entity, mk.id, channel, mk.out, rest, &still_out, &err);
    if (rc != 0) {
        failed(app, rc, &err, mk.out ? OPT_OUT_LABEL : CONSENT_LABEL, on_consent);
        return;
    }
    mk.kept = 0;
    if (mk.out)
        ui_message(app,
                   "%s opted out of %s: recorded (not a member of %s campaigns from now on, "
                   "and never added)",
                   mk.label, channel, strcmp(channel, "all") == 0 ? "any" : channel);
    else if (still_out) /* "recorded" alone read as if the person could be mailed again */
        ui_message(app,
                   "%s consented to %s: recorded, but the person stays opted out of it (an "
                   "opt-out of all channels, or on their other record, still applies)",
                   mk.label, channel);
    else
        ui_message(app, "%s consented to %s: recorded", mk.label, channel);
}

static void
on_consent(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!answered(app, done, ok, mk.out ? "opt-out" : "consent"))
        return;
    str_copy(mk.text, text, sizeof mk.text);
    if (mk.text[0] == '\0') {
        ui_message(app, "no channel named: nothing recorded");
        return;
    }
    do_consent(app);
}

void
mkt_consent(struct app *app, const char *entity, int64_t id, const char *label, int out,
            const char *text)
{
    if (!start(MKT_CONSENT, 0, entity, id) || mk.out != out) {
        memset(&mk, 0, sizeof mk);
        mk.kind = MKT_CONSENT;
        str_copy(mk.entity, entity, sizeof mk.entity);
        mk.id = id;
    }
    mk.out = out;
    str_copy(mk.label, label, sizeof mk.label);
    if (text != NULL && text[0] != '\0') {
        str_copy(mk.text, text, sizeof mk.text);
        do_consent(app);
        return;
    }
    ui_input_begin(app, out ? OPT_OUT_LABEL : CONSENT_LABEL, mk.text, on_consent, NULL);
}
