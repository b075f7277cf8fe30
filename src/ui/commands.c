/* The action table: every `:` command and every key that acts on a record or a list, with
 * what it needs from the view it runs in and its help, in one place. Key presses (screen.c),
 * the `:` prompt (prompt.c, parsed by src/cmd/parse.c) and the generated `?` help and record
 * hints all read it, so they cannot drift apart. Views are asked what they have through their
 * ops (selected(), list, act()), never probed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>

#include "actions.h"
#include "billing_ui.h"
#include "ccrm/actions.h"
#include "ccrm/billing.h"
#include "ccrm/cmd.h"
#include "ccrm/complete.h"
#include "ccrm/entity.h"
#include "ccrm/marketing.h"
#include "ccrm/record.h"
#include "ccrm/service.h"
#include "ccrm/util.h"
#include "dups.h"
#include "form.h"
#include "market.h"
#include "record_view.h"
#include "reply.h"
#include "ui_int.h"

#define NAMES_LIMIT 100

/* ---- what the active view has ---- */

/* The record the view has selected (a list's row, the record shown), or -1. */
static int
selected(struct view *v, const struct entity **e, int64_t *id)
{
    if (v == NULL || v->ops->selected == NULL)
        return -1;
    return v->ops->selected(v, e, id);
}

/* The entity whose actions the view offers: the record selected, else what its list holds. */
static const struct entity *
entity_of(struct view *v)
{
    const struct entity *e = NULL;
    int64_t id;

    if (selected(v, &e, &id) == 0)
        return e;
    if (v != NULL && v->ops->list != NULL)
        return v->ops->list->entity(v);
    return NULL;
}

/* The user is a partner: actions only internal users can run are not offered. */
static int partner_user;

void
commands_set_partner(int partner)
{
    partner_user = partner;
}

static int granted(const struct action *a, const struct entity *e);

/* Why view v does not offer action a to this person: 0 when it does, NOT_HERE when the view
 * has no such thing, NOT_ROLE when the role may not (a partner, a right the user lacks),
 * NOT_LIST when it is a record's action and v a list (open the record first). */
enum { OFFERED, NOT_HERE, NOT_ROLE, NOT_LIST };

static int
why_not(struct view *v, const struct action *a)
{
    const struct entity *e = NULL;

    if (v == NULL)
        return a->needs == 0 ? ((a->needs & NEEDS_INTERNAL) && partner_user ? NOT_ROLE : OFFERED)
                             : NOT_HERE;
    if ((a->needs & NEEDS_LIST) && v->ops->list == NULL)
        return NOT_HERE;
    /* n makes one of the list's own kind (run_new): a list of lines about other records (the
     * Inbox, the Feed) makes none, so the key is not offered there (:new WHAT still is) */
    if (a->kind == CMD_NEW && v->ops->list != NULL &&
        (v->ops->list->entity(v) == NULL || v->ops->list->entity(v)->nfields == 0))
        return NOT_HERE;
    if ((a->needs & NEEDS_RECORD) && v->ops->act == NULL)
        return NOT_HERE;
    if (a->needs & (NEEDS_SELECTED | NEEDS_RECORD | NEEDS_LIST)) {
        e = entity_of(v);
        if (e == NULL && (a->needs & (NEEDS_SELECTED | NEEDS_RECORD)))
            return NOT_HERE;
        if (e != NULL && a->applies != 0 && (e->actions & a->applies) != a->applies)
            return NOT_HERE;
    }
    /* a key that needs nothing selected but applies to one kind of view (x: the Inbox's
     * lines) is offered there only; its command may run anywhere (:read all) */
    if (!(a->needs & (NEEDS_SELECTED | NEEDS_RECORD | NEEDS_LIST)) && a->applies != 0) {
        /* the list's own kind (an Inbox line's selected record is what it names) */
        const struct entity *le =
            v->ops->list != NULL && v->ops->list->own != NULL ? v->ops->list->own(v) : entity_of(v);

        if (le == NULL || (le->actions & a->applies) != a->applies)
            return NOT_HERE;
    }
    if ((a->needs & NEEDS_INTERNAL) && partner_user)
        return NOT_ROLE;
    /* a list runs none of a record's own actions but marking an Inbox line read */
    if ((a->needs & NEEDS_RECORD) && v->ops->list != NULL && a->kind != CMD_READ)
        return NOT_LIST;
    if (e != NULL && !granted(a, e))
        return NOT_ROLE;
    return OFFERED;
}

/* Can view v run action a for this person (the help and the keys offer it)? */
static int
offers(struct view *v, const struct action *a)
{
    return why_not(v, a) == OFFERED;
}

/* The record an action acts on, or -1 after saying why not (from a command) or silently (from
 * a key: it goes on to the global keys). */
static int
target(struct app *app, const struct action *a, const char *arg, const struct entity **e,
       int64_t *id)
{
    if (selected(ui_active(app->ui), e, id) == 0 &&
        (a->applies == 0 || ((*e)->actions & a->applies) == a->applies))
        return 0;
    if (arg != NULL)
        ui_message_error(app, "select a record first (in a list, or open one)");
    return -1;
}

/* ---- running the actions ---- */

static int find_accounts(struct app *app, const char *arg);

/* The kind :open #N opens where none is said: what the view shows (a ticket in Tickets, a deal
 * in the Pipeline, an invoice in Invoices; on a record's detail, its kind), else a ticket: a
 * customer's mail quotes a ticket's number ("[#3224]"; a lead's is "[#L45]"). */
static const struct entity *
open_kind(struct view *v)
{
    const struct entity *e = NULL;
    int64_t id;

    if (v != NULL && v->ops->list != NULL)
        e = v->ops->list->entity(v);
    else if (v != NULL && v->ops->act != NULL && selected(v, &e, &id) != 0)
        e = NULL;
    return e != NULL && e->detail != NULL ? e : entity_find("tickets");
}

/* The number at the end of a :open argument cmd_open_number took ("ticket [#-5]": "-5"), as
 * typed: one no record has is said as typed (cut short when absurdly long). */
static void
typed_number(const char *typed, char *buf, size_t n)
{
    const char *end = typed + strlen(typed), *p;

    if (end > typed && end[-1] == ']')
        end--;
    for (p = end; p > typed && p[-1] >= '0' && p[-1] <= '9'; p--)
        ;
    if (p > typed && p[-1] == '-')
        p--;
    if ((size_t)(end - p) < n)
        snprintf(buf, n, "%.*s", (int)(end - p), p);
    else
        snprintf(buf, n, "%.*s…", (int)(n - sizeof "…"), p);
}

/* :open [KIND] N: record N of kind e, asked for first. One that is not there and one the user
 * may not see are said alike (a partner learns nothing of others' records), not opened as a
 * view that says so; a merged duplicate opens the record it went into (the view says so).
 * Where there is none, an account named exactly as typed is opened (one called "990017", or
 * "Ticket 5": Tab completes such names to :open). Only its stamp is asked for here: the view
 * reads the detail, once, and writes no presence on a record the user may not see. id 0: a
 * number no record has (0, negative, too long). */
static void
open_number(struct app *app, const struct entity *e, long long id, const char *typed)
{
    int64_t named;
    struct ccrm_err err;
    struct view *v;
    char num[32];
    int found = 0, version;

    if (id > 0 && (found = db_record_stamp(app->db, e, (int64_t)id, &version, NULL, 0, &err)) < 0) {
        if (db_state(app->db) != DB_READY || strcmp(err.sqlstate, "42501") != 0) {
            ui_message_error(app, "%s", err.msg);
            return;
        }
        found = 0; /* of a table the role may not read: as one not there */
    }
    if (found == 0 && id > 0 &&
        (strcmp(e->table, "contacts") == 0 || strcmp(e->table, "leads") == 0 ||
         strcmp(e->table, "accounts") == 0) &&
        db_resolve(app->db, e->table, (int64_t)id, &err) > 0)
        found = 1; /* merged into another: the view opens that one */
    if (found) {
        if ((v = view_record_new(app, e->table, (int64_t)id)) != NULL)
            ui_push(app, v);
        return;
    }
    /* not there, or hidden by row security */
    if ((named = db_account_named(app->db, typed, &err)) > 0) {
        if ((v = view_record_new(app, "accounts", named)) != NULL)
            ui_push(app, v);
        return;
    }
    if (id > 0)
        snprintf(num, sizeof num, "%lld", id);
    else
        typed_number(typed, num, sizeof num);
    ui_message_error(app, "no %s #%s (it " RECORD_GONE ")", e->singular, num);
}

/* A word of letters and digits joined by '-' with a digit in it and not a number alone:
 * "2026-00010", "CN-2026-00003" (an invoice's or credit note's number; case as typed). */
static int
doc_number_like(const char *s)
{
    int digit = 0, dash = 0;

    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9')
            digit = 1;
        else if (*s == '-' && s[1] != '\0' && s[1] != '-')
            dash = 1;
        else if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return 0;
    }
    return digit && dash;
}

/* :open [invoice|credit note] NUMBER: an invoice or credit note by its document number, as
 * `ccrm --send invoice 2026-00031` takes it (its id stays `:open invoice 14`). 1 when arg
 * named one (opened, or said missing), 0 when it is not a document number (without a kind
 * word, a number no document has is left to the accounts' names). */
static int
open_document(struct app *app, const char *arg)
{
    static const char *const kinds[] = {"invoice", "credit note", "credit-note", "cn"};
    struct bill_doc_head h;
    struct ccrm_err err;
    const char *rest = arg;
    size_t i, n;
    int kind = 0;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        n = strlen(kinds[i]);
        if (strncasecmp(arg, kinds[i], n) == 0 && (arg[n] == ' ' || arg[n] == '#')) {
            kind = 1;
            for (rest = arg + n; *rest == ' '; rest++)
                ;
            break;
        }
    }
    if (*rest == '#')
        rest++;
    if (!doc_number_like(rest))
        return 0;
    if (db_bill_doc_head(app->db, rest, &h, &err) == -1) {
        if (!kind && strcmp(err.sqlstate, "P0002") == 0)
            return 0;
        if (strcmp(err.sqlstate, "P0002") == 0 || strcmp(err.sqlstate, "42501") == 0)
            ui_message_error(app, "no invoice or credit note numbered %.40s (it " RECORD_GONE ")",
                             rest);
        else
            ui_message_error(app, "%s", err.msg);
        return 1;
    }
    open_number(app, entity_find("invoices"), (long long)h.id, arg);
    return 1;
}

static void
run_open(struct app *app, const struct action *a, const char *arg)
{
    struct list_query q = {entity_find("accounts"), 0, arg, {NULL}, {0}};
    struct row rows[NAMES_LIMIT];
    struct ccrm_err err;
    struct view *d;
    const struct entity *kind;
    long long num;
    int64_t named = 0;
    int n, i, pick = 0;

    (void)a;
    if (arg != NULL && open_document(app, arg))
        return;
    switch (cmd_open_number(arg, &kind, &num, &err)) {
    case -1:
        ui_message_error(app, "%s", err.msg);
        return;
    case 1:
        open_number(app, kind != NULL ? kind : open_kind(ui_active(app->ui)), num, arg);
        return;
    default: /* an account's name */
        break;
    }
    memset(rows, 0, sizeof rows);
    n = db_list_fetch(app->db, &q, NULL, 1, NAMES_LIMIT, rows, &err);
    if (n < 0) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    if (n == 0) {
        const struct entity *e = entity_named(arg);

        /* ":open ticket" with no number: what it takes, not "no account matches" */
        if (e != NULL && e->detail != NULL)
            ui_message_error(app,
                             "no account matches \"%s\"; a %s opens by its number: :open %s "
                             "NUMBER",
                             arg, e->singular, e->singular);
        else
            ui_message_error(app, "no account matches \"%s\"", arg);
        return;
    }
    /* an exact name wins over the first match, in any letter case in any script (Öl and öl:
     * cmd_same_name folds as Tab completion does) */
    for (i = 0, pick = -1; i < n; i++)
        if (rows[i].col[0] != NULL && cmd_same_name(rows[i].col[0], arg)) {
            pick = i;
            break;
        }
    if (pick < 0 && n == 1)
        pick = 0;
    /* the first hundred may all merely contain it ("Zeta" behind "Alpha Zeta Holding 001"):
     * the name itself is asked for */
    if (pick < 0 && n == NAMES_LIMIT && (named = db_account_named(app->db, arg, &err)) > 0) {
        if ((d = view_record_new(app, "accounts", named)) != NULL)
            ui_push(app, d);
    } else if (pick >= 0) {
        if ((d = view_record_new(app, "accounts", rows[pick].id)) != NULL)
            ui_push(app, d);
    } else {
        /* several and none by its exact name: the list of them to choose from, not the first */
        if (find_accounts(app, arg) == 0)
            ui_message(app, "%s%d accounts match \"%s\": choose one (Enter opens it)",
                       n == NAMES_LIMIT ? "at least " : "", n, arg);
    }
    for (i = 0; i < n; i++)
        row_fini(&rows[i]);
}

/* The Accounts tab searched for arg: 0, or -1 when the tab could not be shown (said: a form
 * open has unsaved input). */
static int
find_accounts(struct app *app, const char *arg)
{
    int t = ui_tab_of(app, "accounts");
    struct view *v;

    if (t < 0 || ui_switch_tab(app, t) != 0)
        return -1;
    if ((v = ui_tab_view(app, t)) != NULL)
        v->ops->list->set_search(v, app, arg);
    return 0;
}

static void
run_find(struct app *app, const struct action *a, const char *arg)
{
    (void)a;
    find_accounts(app, arg);
}

static void
run_view(struct app *app, const struct action *a, const char *arg)
{
    int t = ui_tab_of(app, arg); /* the parser accepts only the tabs' names */

    (void)a;
    if (t >= 0)
        ui_switch_tab(app, t);
}

/* :new WHAT (a table, or "interactions:call"), or this list's kind ("" or a key). */
static void
run_new(struct app *app, const struct action *a, const char *arg)
{
    struct view *v = ui_active(app->ui), *f;
    const struct entity *e = NULL, *te;
    const char *const *pre = NULL;
    const char *colon = arg != NULL ? strchr(arg, ':') : NULL;
    const char *words[4] = {NULL, NULL, NULL, NULL};
    char table[32], kind[48] = "", fk[48] = "";
    const struct entity *about = NULL;
    int64_t id = 0;

    (void)a;
    if (arg == NULL || arg[0] == '\0') { /* this list's kind, starting with its filters */
        if (v != NULL && v->ops->list != NULL && (e = v->ops->list->entity(v)) != NULL)
            pre = v->ops->list->prefill(v);
        if (e == NULL || e->nfields == 0) {
            if (arg != NULL)
                ui_message_error(app, "new what? try :new contact (or deal, ticket, lead, ...)");
            return;
        }
    } else {
        snprintf(table, sizeof table, "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
        e = entity_find(table);
    }
    if (e != NULL && colon != NULL && e->new_field != NULL) {
        /* a call, an e-mail, ...: logged against the record shown, if any */
        snprintf(kind, sizeof kind, "%s=%s", e->new_field, colon + 1);
        words[0] = kind;
        if (v != NULL && v->ops->act != NULL && selected(v, &te, &id) == 0 &&
            te->timeline_fk != NULL) {
            snprintf(fk, sizeof fk, "%s=%lld", te->timeline_fk, (long long)id);
            words[1] = fk;
            about = te; /* and the record's account, contact, ... as `l` does */
        }
        pre = words;
    }
    /* :new deal on an account's detail: the deal's account is that one (and a ticket made on
     * a contact's, its contact and account), as a call logged there takes them */
    if (e != NULL && about == NULL && arg != NULL && arg[0] != '\0' && v != NULL &&
        v->ops->list == NULL && v->ops->act != NULL && selected(v, &te, &id) == 0 && te != e)
        about = te;
    if (e != NULL && about != NULL)
        f = view_form_new_about(app, e->table, pre, about->table, id);
    else
        f = e != NULL ? view_form_new(app, e->table, 0, pre) : NULL;
    if (f != NULL)
        ui_push(app, f);
}

static void
run_edit(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    int64_t id;
    struct view *f;

    if (target(app, a, arg, &e, &id) == 0 && (f = view_form_new(app, e->table, id, NULL)) != NULL)
        ui_push(app, f);
}

static void
run_comment(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    int64_t id;

    if (target(app, a, arg, &e, &id) != 0)
        return;
    if (arg == NULL)
        act_comment(app, e->table, id, a->kind == CMD_SHARE);
    else
        act_comment_text(app, e->table, id, a->kind == CMD_SHARE, arg);
}

static void
run_assign(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    const char *note;
    char who[64];
    int64_t id;

    if (target(app, a, arg, &e, &id) != 0)
        return;
    if (arg == NULL) {
        act_assign(app, e->table, id, a->kind == CMD_HANDOFF);
        return;
    }
    note = cmd_split(arg, who, sizeof who);
    act_assign_to(app, e->table, id, a->kind == CMD_HANDOFF, who, note);
}

static void
run_convert(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    int64_t id;

    if (target(app, a, arg, &e, &id) == 0)
        act_convert_lead(app, id);
}

static void
run_signal(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    int64_t id;

    if (target(app, a, arg, &e, &id) == 0)
        act_ticket_signal(app, id);
}

/* x: the task or meeting is done */
static void
run_done(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    struct view *v = ui_active(app->ui);
    int64_t id;
    int r;

    if (target(app, a, arg, &e, &id) != 0)
        return;
    if ((r = db_task_done(app->db, (long long)id, &err)) < 0) {
        ui_message_error(app, "could not mark the task done: %s", err.msg);
        return;
    }
    if (r)
        ui_message(app, "done: task #%lld", (long long)id);
    else
        ui_message(app, "task #%lld was done already", (long long)id);
    view_list_reload(v, app);
}

/* :tasks [FILTER]: the Tasks list over the current view. Its filter is mine and open unless
 * the words say whose (team, person=LOGIN) or all. */
static void
run_tasks(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e = entity_by_view("tasks");
    char text[CMD_ARG_MAX + 16];
    struct view *v;

    (void)a;
    if (e == NULL || (v = view_list_new(app, e)) == NULL)
        return;
    if (ui_push(app, v) == -1 || arg == NULL || arg[0] == '\0')
        return;
    if (strstr(arg, "all") != NULL)
        snprintf(text, sizeof text, "%s", arg);
    else
        snprintf(text, sizeof text, "%s%s open",
                 strstr(arg, "mine") || strstr(arg, "team") || strstr(arg, "person=") ? ""
                                                                                      : "mine ",
                 arg);
    v->ops->list->set_filter(v, app, text);
}

/* The next word of *p into out: KEY=VALUE or a bare word, VALUE possibly in double quotes
 * (product="ccrm Pro"). Returns 0 at the end. */
static int
next_word(const char **p, char *out, size_t n)
{
    const char *s = *p;
    size_t len = 0;
    int quoted = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    for (; *s != '\0' && (quoted || (*s != ' ' && *s != '\t')); s++) {
        if (*s == '"') {
            quoted = !quoted;
            continue;
        }
        if (len + 1 < n)
            out[len++] = *s;
    }
    out[len] = '\0';
    *p = s;
    return 1;
}

/* :who [ticket ID | lead ID | DEPT] [account=A] [product=P] [queue=Q] [topic=T] [country=C]
 * [subject=TEXT]: the answer of `ccrm --who` (the routing's own function), with every rule that
 * matched; without words, for the ticket or lead selected. */
static void
run_who(struct app *app, const struct action *a, const char *arg)
{
    static const char *const keys[] = {"dept",  "account", "product", "queue",
                                       "topic", "country", "subject", NULL};
    char words[8][CMD_ARG_MAX], w[CMD_ARG_MAX], idbuf[24], ask[CMD_ARG_MAX + 32];
    const char *vals[8] = {NULL}, *p = arg != NULL ? arg : "";
    struct who_query q;
    struct who_row *rows;
    struct ccrm_err err;
    struct view *v;
    const struct entity *e;
    int64_t id;
    int nw = 0, i, k, n, chosen = -1;

    (void)a;
    memset(&q, 0, sizeof q);
    while (nw < 8 && next_word(&p, w, sizeof w)) {
        char *eq = strchr(w, '=');

        if (eq == NULL && nw == 0 && q.entity == NULL && q.dept == NULL &&
            (strcmp(w, "ticket") == 0 || strcmp(w, "lead") == 0)) {
            q.entity = strcmp(w, "ticket") == 0 ? "tickets" : "leads";
            if (!next_word(&p, idbuf, sizeof idbuf) || strspn(idbuf, "0123456789") == 0 ||
                idbuf[strspn(idbuf, "0123456789")] != '\0') {
                ui_message_error(app, "who: expected \"%s ID\"", w);
                return;
            }
            q.id = idbuf;
            continue;
        }
        if (eq == NULL && q.dept == NULL && q.entity == NULL) {
            str_copy(words[nw], w, sizeof words[nw]);
            q.dept = words[nw++];
            continue;
        }
        for (k = 0; eq != NULL && keys[k] != NULL; k++)
            if ((size_t)(eq - w) == strlen(keys[k]) && strncmp(w, keys[k], strlen(keys[k])) == 0)
                break;
        if (eq != NULL && keys[k] != NULL && eq[1] == '\0') {
            ui_message_error(app, "who: %s needs a value (%s=WORD, or %s=\"two words\")", w,
                             keys[k], keys[k]);
            return;
        }
        if (eq == NULL || keys[k] == NULL) {
            ui_message_error(app,
                             "who: \"%s\" is not a condition (account=, product=, queue=, "
                             "topic=, country=, subject=)",
                             w);
            return;
        }
        str_copy(words[nw], eq + 1, sizeof words[nw]);
        vals[k] = words[nw++];
    }
    if (q.entity != NULL &&
        (q.dept != NULL || vals[1] || vals[2] || vals[3] || vals[4] || vals[5] || vals[6])) {
        ui_message_error(app, "who: a record brings its own conditions: give a record or them");
        return;
    }
    if (vals[0] != NULL)
        q.dept = vals[0];
    if (q.dept != NULL && who_dept(q.dept) < 0) {
        char known[128];
        size_t len = 0;

        /* the departments ccrm_who answers for (not partner) */
        known[0] = '\0';
        for (k = 0; dept_names[k] != NULL && len < sizeof known; k++)
            if (who_dept(dept_names[k]) >= 0)
                len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "",
                                        dept_names[k]);
        ui_message_error(app, "who: no department \"%s\" (%s)", q.dept, known);
        return;
    }
    q.account = vals[1];
    q.product = vals[2];
    q.queue = vals[3];
    q.topic = vals[4];
    q.country = vals[5];
    q.subject = vals[6];
    if (q.entity == NULL && q.dept == NULL && !vals[1] && !vals[2] && !vals[3] && !vals[4] &&
        !vals[5] && !vals[6]) {
        /* nothing asked: the ticket or lead selected */
        if (selected(ui_active(app->ui), &e, &id) != 0 ||
            (strcmp(e->table, "tickets") != 0 && strcmp(e->table, "leads") != 0)) {
            ui_message_error(app, "who for what? :who product=X account=Y, or select a ticket "
                                  "or lead");
            return;
        }
        q.entity = e->table;
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
        q.id = idbuf;
    }
    if ((n = db_who(app->db, &q, &rows, &err)) < 0) {
        ui_message_error(app, "who: %s", err.msg);
        return;
    }
    for (i = 0; i < n; i++)
        if (rows[i].chosen)
            chosen = i;
    if (q.entity != NULL)
        snprintf(ask, sizeof ask, "%s #%s", strcmp(q.entity, "tickets") == 0 ? "ticket" : "lead",
                 q.id);
    else
        snprintf(ask, sizeof ask, "%s", arg);
    if ((v = view_text_new(app, "Who", "Who is competent")) == NULL) {
        who_rows_free(rows, n);
        return;
    }
    view_text_add(v, "# Who is competent: %s", ask);
    if (chosen < 0)
        view_text_add(v, "nobody: no rule covers it");
    else
        view_text_add(v, "%s: %s", rows[chosen].login, rows[chosen].reason);
    view_text_add(v, "%s", "");
    view_text_add(v, "# The rules that match, in the order they are tried");
    for (i = 0; i < n; i++) {
        const struct who_row *r = &rows[i];

        view_text_add(v, "%s rule #%lld  priority %d  %s -> %s%s%s", r->chosen ? "*" : " ",
                      r->rule_id, r->priority, r->conditions, r->person,
                      r->deputy != NULL ? ", deputy " : "", r->deputy != NULL ? r->deputy : "");
        view_text_add(v, "    %s%s%s", r->chosen ? r->login : "", r->chosen ? ": " : "", r->reason);
    }
    if (n == 0)
        view_text_add(v, "none");
    if (ui_push(app, v) == 0) {
        if (chosen < 0)
            ui_message(app, "who: nobody, no rule covers it");
        else
            ui_message(app, "who: %s (rule #%lld)", rows[chosen].login, rows[chosen].rule_id);
    }
    who_rows_free(rows, n);
}

/* :rules and :absences: the responsibility rules and who is away, as lists over the current
 * view (their forms edit one); :calendars and :sla the same for the service levels */
static void
run_rules(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e = entity_by_view(a->kind == CMD_ABSENCES    ? "absences"
                                            : a->kind == CMD_CALENDARS ? "calendars"
                                            : a->kind == CMD_SLA       ? "sla"
                                                                       : "rules");
    struct view *v;

    if (e == NULL || (v = view_list_new(app, e)) == NULL || ui_push(app, v) == -1)
        return;
    if (arg != NULL && arg[0] != '\0')
        v->ops->list->set_filter(v, app, arg);
}

/* x, :read [all]: Inbox entries read without opening what they name (Enter opens and marks) */
static void
run_read(struct app *app, const struct action *a, const char *arg)
{
    struct view *v = ui_active(app->ui);
    struct ccrm_err err;
    int n = 0;

    if (arg != NULL && strcmp(arg, "all") == 0) {
        if (db_inbox_mark_all_read(app->db, &n, &err) == -1)
            ui_message_error(app, "%s", err.msg);
        else
            ui_message(app,
                       n == 0   ? "nothing unread in your Inbox"
                       : n == 1 ? "1 Inbox entry marked read"
                                : "%d Inbox entries marked read",
                       n);
        app->ui->dirty = 1;
        return;
    }
    if (arg != NULL && arg[0] != '\0') {
        ui_message_error(app, ":read takes no argument but \"all\"");
        return;
    }
    if (v == NULL || v->ops->act == NULL || v->ops->act(v, app, a, arg) == -1)
        ui_message_error(app, "x and :read mark an Inbox entry read (8: the Inbox; :read all: "
                              "every one)");
}

/* w, :watch, :unwatch: follow the record or stop (the key toggles); its changes by others
 * reach the Inbox of those who follow it */
static void
run_watch(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    struct ccrm_err err;
    int64_t id;
    int now;

    if (target(app, a, arg, &e, &id) != 0)
        return;
    now =
        db_follow(app->db, e->table, (long long)id, arg == NULL ? -1 : a->kind == CMD_WATCH, &err);
    if (now < 0) {
        ui_message_error(app, "could not %s %s #%lld: %s",
                         a->kind == CMD_UNWATCH ? "unwatch" : "watch", e->singular, (long long)id,
                         err.msg);
        return;
    }
    if (now)
        ui_message(app, "watching %s #%lld: changes by others reach your Inbox", e->singular,
                   (long long)id);
    else
        ui_message(app, "not watching %s #%lld any more", e->singular, (long long)id);
    /* the Following list drops the row now, not at the wake-up its own commit rings */
    if (view_list_names_records(ui_active(app->ui)))
        view_list_reload(ui_active(app->ui), app);
    app->ui->dirty = 1;
}

/* :following [FILTER]: the records one follows (watched, owned or assigned, unless
 * unwatched), last changed first; Enter opens one, w unwatches it */
static void
run_following(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e = entity_by_view("following");
    struct view *v;

    (void)a;
    if (e == NULL || (v = view_list_new(app, e)) == NULL || ui_push(app, v) == -1)
        return;
    if (arg != NULL && arg[0] != '\0')
        v->ops->list->set_filter(v, app, arg);
}

/* :settings: one's own time zone, quiet hours and digest time, in a form (a new row the first
 * time) */
static void
run_settings(struct app *app, const struct action *a, const char *arg)
{
    struct ccrm_err err;
    struct view *f;
    long long id;

    (void)a;
    (void)arg;
    if ((id = db_settings_id(app->db, &err)) < 0) {
        ui_message_error(app, "could not read your settings: %s", err.msg);
        return;
    }
    if ((f = view_form_new(app, "inbox_settings", (int64_t)id, NULL)) != NULL)
        ui_push(app, f);
}

/* The day delta days after day (YYYY-MM-DD) into out, and its weekday ("Mon") into wd.
 * Returns 0, or -1 when day is no date. */
static int
day_step(const char *day, int delta, char out[11], char wd[4])
{
    static const char *const names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    struct tm tm;
    time_t t;

    memset(&tm, 0, sizeof tm);
    if (sscanf(day, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday += delta;
    tm.tm_hour = 12; /* a calendar day: noon is safe from any shift */
    t = timegm(&tm);
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    strftime(out, 11, "%Y-%m-%d", &tm);
    str_copy(wd, names[tm.tm_wday], 4);
    return 0;
}

/* :agenda [DAYS]: one's open meetings and due tasks, day by day from today (the overdue ones
 * first, under their own days) */
/* One line of the agenda: "! 09:30  task    #12 Call back · ticket #4 ..." */
static void
agenda_line(struct view *v, const struct agenda_item *it)
{
    view_text_add(v, "%s%s  %-7s #%lld %s%s%s", it->overdue ? "! " : "  ", it->time, it->kind,
                  it->id, it->subject, it->record != NULL ? " · " : "",
                  it->record != NULL ? it->record : "");
}

static void
run_agenda(struct app *app, const struct action *a, const char *arg)
{
    struct agenda_item *items;
    struct ccrm_err err;
    struct view *v;
    char desc[64], today[11], day[11], wd[4];
    int days = 7, i = 0, d, n;

    (void)a;
    if (arg != NULL && arg[0] != '\0') {
        char *end;
        long k = strtol(arg, &end, 10);

        if (*end != '\0' || k < 1 || k > 366) {
            ui_message_error(app, "agenda: give a number of days from 1 to 366, not \"%s\"", arg);
            return;
        }
        days = (int)k;
    }
    if (db_agenda_today(app->db, today, &err) == -1 ||
        (n = db_agenda(app->db, days, &items, &err)) < 0) {
        ui_message_error(app, "agenda: %s", err.msg);
        return;
    }
    snprintf(desc, sizeof desc, "Agenda, %d day%s", days, days == 1 ? "" : "s");
    v = view_text_new(app, "Agenda", desc);
    /* what is overdue from earlier days first, under its day */
    while (i < n && strcmp(items[i].day, today) < 0) {
        const char *first = items[i].day;

        view_text_add(v, "# %s %s (overdue)", items[i].weekday, first);
        for (; i < n && strcmp(items[i].day, first) == 0; i++)
            agenda_line(v, &items[i]);
        view_text_add(v, "%s", "");
    }
    /* then every day from today, with what is due on it or "nothing due" */
    for (d = 0; d < days; d++) {
        if (day_step(today, d, day, wd) == -1)
            break;
        view_text_add(v, "# %s %s%s", wd, day, d == 0 ? " (today)" : "");
        if (i >= n || strcmp(items[i].day, day) != 0)
            view_text_add(v, "    nothing due");
        for (; i < n && strcmp(items[i].day, day) == 0; i++)
            agenda_line(v, &items[i]);
    }
    agenda_items_free(items, n);
    ui_push(app, v);
}

static void
run_reply(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    int64_t id;

    if (target(app, a, arg, &e, &id) == 0)
        act_reply(app, e, id);
}

/* :save-attachment N [PATH]: attachment N (the number the conversation shows) to PATH, asked
 * for when missing; D: the attachment on the cursor (the record view finds it). */
static void
run_save_attachment(struct app *app, const struct action *a, const char *arg)
{
    struct view *v = ui_active(app->ui);
    char word[32], *end;
    const char *path;
    long long n;

    if (arg == NULL || arg[0] == '\0') {
        if (v == NULL || v->ops->act == NULL || v->ops->act(v, app, a, NULL) == -1)
            ui_message_error(app, "open a record with a conversation, or name the attachment: "
                                  ":save-attachment N [PATH]");
        return;
    }
    path = cmd_split(arg, word, sizeof word);
    errno = 0;
    n = strtoll(word[0] == '#' ? word + 1 : word, &end, 10);
    if (errno != 0 || n <= 0 || *end != '\0') {
        ui_message_error(app, "expected the attachment's number, as the conversation shows it "
                              "(\"Attachment 12: ...\"), then a path");
        return;
    }
    attach_save(app, (int64_t)n, path[0] != '\0' ? path : NULL);
}

/* A record's own actions (its chat, its history, a call logged on it): the record view does
 * them. */
static void
run_record(struct app *app, const struct action *a, const char *arg)
{
    struct view *v = ui_active(app->ui);

    if (v == NULL || v->ops->act == NULL || v->ops->act(v, app, a, arg) == -1)
        if (arg != NULL)
            ui_message_error(app, "no record shown: open one to see its history");
}

/* ---- marketing: interests, a campaign's members, segments (src/ui/market.c) ---- */

static void
run_interest(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    char line[24], what[256];
    int64_t id, lid;

    if (target(app, a, arg, &e, &id) != 0)
        return;
    /* on a call, e-mail or meeting of the timeline: learned there, about its person */
    if (view_record_line(ui_active(app->ui), line, sizeof line, &lid, what, sizeof what) == 0 &&
        strcmp(line, "interactions") == 0)
        mkt_interest(app, "interactions", lid, arg);
    else
        mkt_interest(app, e->table, id, arg);
}

static void
run_interests(struct app *app, const struct action *a, const char *arg)
{
    struct view *v;

    (void)a;
    if ((v = view_interests_new(app, arg)) != NULL)
        ui_push(app, v);
}

/* The campaign shown (a record view of one), or -1 after saying why not. */
static int
campaign_shown(struct app *app, const struct action *a, const char *arg, int64_t *id)
{
    const struct entity *e;
    struct view *v = ui_active(app->ui);

    if (v != NULL && v->ops->act != NULL && target(app, a, NULL, &e, id) == 0)
        return 0;
    (void)arg;
    ui_message_error(app, "open a campaign first (Campaigns, Enter)");
    return -1;
}

/* The member on the line selected in the campaign shown, or -1 after saying why not. */
static int
member_selected(struct app *app, char *entity, size_t en, int64_t *id, char *what, size_t wn)
{
    char *status;

    if (view_record_line(ui_active(app->ui), entity, en, id, what, wn) == 0 &&
        (strcmp(entity, "contacts") == 0 || strcmp(entity, "leads") == 0)) {
        if ((status = strrchr(what, ':')) != NULL) /* "contact Anna Roth: sent" */
            *status = '\0';
        return 0;
    }
    ui_message_error(app, "select a member first (a line under Members)");
    return -1;
}

static void
run_campaign(struct app *app, const struct action *a, const char *arg)
{
    char entity[24], what[256];
    int64_t campaign, id;

    if (campaign_shown(app, a, arg, &campaign) != 0)
        return;
    switch (a->kind) {
    case CMD_ADD_SEGMENT: /* named: at once; else pick one from the Segments */
        if (arg != NULL && arg[0] != '\0') {
            mkt_add_segment(app, campaign, arg);
        } else {
            struct view *sv = view_segments_new(app, campaign);

            if (sv != NULL)
                ui_push(app, sv);
        }
        break;
    case CMD_ADD_MEMBER:
        mkt_add_member(app, campaign, arg);
        break;
    case CMD_REMOVE_MEMBER:
        if (member_selected(app, entity, sizeof entity, &id, what, sizeof what) == 0)
            mkt_remove_member(app, campaign, entity, id, what);
        break;
    case CMD_RESPOND:
        if (member_selected(app, entity, sizeof entity, &id, what, sizeof what) == 0)
            mkt_respond(app, campaign, entity, id, what, arg);
        break;
    case CMD_SENT_ALL:
        mkt_mark_sent(app, campaign);
        break;
    default:
        break;
    }
}

static void
run_segment(struct app *app, const struct action *a, const char *arg)
{
    struct view *v;

    if (a->kind == CMD_SEGMENTS) {
        if ((v = view_segments_new(app, 0)) != NULL)
            ui_push(app, v);
        return;
    }
    if (a->kind == CMD_SEGMENT_COUNT)
        mkt_segment_count(app, arg);
    else
        mkt_segment_save(app, arg);
}

static void
run_duplicates(struct app *app, const struct action *a, const char *arg)
{
    struct view *v;

    (void)a;
    if (arg != NULL && arg[0] != '\0' && strncmp("contacts", arg, strlen(arg)) != 0 &&
        strncmp("leads", arg, strlen(arg)) != 0 && strncmp("accounts", arg, strlen(arg)) != 0) {
        ui_message_error(app, "duplicates of what? contacts, leads or accounts");
        return;
    }
    if ((v = view_dups_new(app, arg)) != NULL)
        ui_push(app, v);
}

static void
run_reports(struct app *app, const struct action *a, const char *arg)
{
    struct view *v;

    (void)a;
    if (arg != NULL && arg[0] != '\0' && view_reports_known(arg) < 0) {
        ui_message_error(app,
                         "no report \"%s\": pipeline, win_rate, tickets_by_product, "
                         "response_times, interests_by_product, campaign_funnel",
                         arg);
        return;
    }
    if ((v = view_reports_new(app, arg)) != NULL)
        ui_push(app, v);
}

/* O, :unsubscribe, :consent on a contact or lead */
static void
run_consent(struct app *app, const struct action *a, const char *arg)
{
    const struct entity *e;
    char label[160];
    int64_t id;

    if (target(app, a, arg, &e, &id) != 0)
        return;
    snprintf(label, sizeof label, "%s #%lld", e->singular, (long long)id);
    mkt_consent(app, e->table, id, label, a->kind == CMD_OPT_OUT, arg);
}

/* R, :results on a campaign: its results counted in its detail however many members it has */
static void
run_results(struct app *app, const struct action *a, const char *arg)
{
    struct view *v = ui_active(app->ui);
    struct ccrm_err err;
    int64_t campaign;

    if (campaign_shown(app, a, arg, &campaign) != 0)
        return;
    if (db_campaign_results_on(app->db, campaign, &err) != 0) {
        ui_message_error(app, "could not count the results: %s", err.msg);
        return;
    }
    v->ops->on_wakeup(v, app);
    v->dirty = 1;
    ui_message(app, "results of campaign #%lld counted here, again with every change",
               (long long)campaign);
}

/* :from, :to: the Reports view's window */
static void
run_window(struct app *app, const struct action *a, const char *arg)
{
    if (view_reports_window(ui_active(app->ui), app, a->kind == CMD_FROM, arg) < 0)
        ui_message_error(app, ":%s sets the window of the Reports view: open it first (:reports)",
                         a->name);
}

/* ---- lists ---- */

static struct view *
list_view(struct app *app, const char *arg, const char *what)
{
    struct view *v = ui_active(app->ui);

    if (v != NULL && v->ops->list != NULL)
        return v;
    if (arg != NULL)
        ui_message_error(app, "only a list can be %s", what);
    return NULL;
}

static void
run_sort(struct app *app, const struct action *a, const char *arg)
{
    struct view *v = list_view(app, arg, "sorted");

    (void)a;
    if (v != NULL && v->ops->list->set_sort(v, app, arg) == -1)
        ui_message_error(app, "unknown sort \"%s\" for %s", arg, v->title);
}

/* A filter refused (why is said on the message line, the line closed as any refusal closes
 * it) is not lost: the next f of that view offers it again, as typed, to correct */
static const struct view *filter_refused_of;
static char filter_refused[256];

static void
on_filter(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct view *v = ctx;

    if (done && !ok && filter_refused_of == v)
        filter_refused_of = NULL; /* Esc: the filter in force, next time */
    if (!done || !ok)
        return;
    if (v->ops->list->set_filter(v, app, text) == -1) {
        filter_refused_of = v;
        str_copy(filter_refused, text, sizeof filter_refused);
    } else if (filter_refused_of == v) {
        filter_refused_of = NULL;
    }
}

static void
run_filter(struct app *app, const struct action *a, const char *arg)
{
    static char text[256];
    struct view *v = list_view(app, arg, "filtered");

    (void)a;
    if (v == NULL)
        return;
    if (arg != NULL) {
        v->ops->list->set_filter(v, app, arg);
        return;
    }
    if (filter_refused_of == v) { /* the one refused, to correct: the cursor at its end */
        ui_input_begin(app, "filter: ", filter_refused, on_filter, v);
        return;
    }
    v->ops->list->filter_text(v, text, sizeof text);
    ui_input_begin(app, "filter: ", text, on_filter, v);
    ui_input_select(app); /* typing a filter replaces the current one ("comingall" was none) */
}

static void
run_export(struct app *app, const struct action *a, const char *arg)
{
    struct view *v = list_view(app, arg, "exported: go to one first");
    struct ccrm_err err;
    long long n;
    FILE *f;

    (void)a;
    if (v == NULL)
        return;
    if ((f = fopen(arg, "wx")) == NULL) {
        ui_message_error(app, "cannot write %s: %s", arg,
                         errno == EEXIST ? "it exists already (not overwritten)" : strerror(errno));
        return;
    }
    n = db_list_export(app->db, v->ops->list->query(v), f, &err);
    if (fclose(f) != 0 && n >= 0) {
        err_set(&err, "could not write %s: %s", arg, strerror(errno));
        n = -1;
    }
    if (n < 0) {
        remove(arg);
        ui_message_error(app, "export failed, nothing written: %s", err.msg);
        return;
    }
    ui_message(app, "exported %lld row%s of %s to %s", n, n == 1 ? "" : "s", v->title, arg);
}

static void
run_help(struct app *app, const struct action *a, const char *arg)
{
    (void)a;
    (void)arg;
    app->ui->help = 1;
    app->ui->dirty = 1;
}

static void
run_quit(struct app *app, const struct action *a, const char *arg)
{
    (void)a;
    (void)arg;
    ui_quit(app);
}

/* The table. Order: the help's order; a record's own actions (convert, signal) lead its
 * hint. What a partner may not do is not offered to one, by one of two marks: a right the
 * database grants (.grant, asked once), or NEEDS_INTERNAL where the grants cannot tell: the
 * functions that partners may call but that refuse them inside (ccrm_convert_lead,
 * ccrm_ticket_signal, ccrm_interest_add, ccrm_mail_reply, ...). An action with neither is
 * offered to partners: check docs/security.md §3 before leaving both out. */
const struct action cmd_actions[] = {
    {.name = "open",
     .kind = CMD_OPEN,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_OPEN,
     .usage = ":open NAME | [KIND] #N",
     .help = "open the account with this name, or record N (ticket 3221, deal #12, #3221: of "
             "the kind shown)",
     .run = run_open},
    {.name = "find",
     .kind = CMD_FIND,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_ACCOUNTS,
     .usage = ":find TEXT",
     .help = "search the accounts",
     .run = run_find},
    {.name = "view",
     .kind = CMD_VIEW,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_VIEWS,
     .usage = ":view NAME",
     .help = "go to a view (feed, leads, ... dashboard)",
     .run = run_view},
    {.key = 'C',
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_CONVERT,
     .hint = "C convert",
     .when = "!|converted|",
     .help = "convert the lead: account, contact and deal",
     .run = run_convert},
    {.key = 'S',
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_SIGNAL,
     .hint = "S sales signal",
     .help = "sales signal: a lead for this ticket's person",
     .run = run_signal},
    /* the key makes one of the list's kind; the command any kind, anywhere */
    {.name = "new",
     .key = 'n',
     .kind = CMD_NEW,
     .arg = CMD_ARG_OPTIONAL,
     .complete = CMPL_NEW,
     .needs = NEEDS_LIST,
     .grant = "table % INSERT",
     .usage = ":new [WHAT]",
     .help = "new record of this list's kind; :new deal, :new call, ... anywhere",
     .run = run_new},
    {.name = "edit",
     .key = 'e',
     .kind = CMD_EDIT,
     .needs = NEEDS_SELECTED,
     .applies = ENT_EDIT,
     .hint = "e edit",
     .grant = "table % UPDATE",
     .usage = ":edit",
     .help = "edit the selected record",
     .run = run_edit},
    {.name = "comment",
     .key = 'c',
     .kind = CMD_COMMENT,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_MENTIONS,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_COMMENT,
     .hint = "c comment",
     .usage = ":comment TEXT",
     .help = "internal comment (@login tells that person)",
     .run = run_comment},
    {.name = "share",
     .key = 'W',
     .kind = CMD_SHARE,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_MENTIONS,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_COMMENT | ENT_PARTNER,
     .hint = "W shared comment",
     .usage = ":share TEXT",
     .help = "comment shared with the partner who sees the record",
     .run = run_comment},
    {.name = "assign",
     .key = 'a',
     .kind = CMD_ASSIGN,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_PEOPLE,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_ASSIGN,
     .hint = "a assign",
     .usage = ":assign LOGIN [NOTE]",
     .help = "assign to a person (the owner; a ticket's assignee)",
     .run = run_assign},
    {.name = "handoff",
     .key = 'h',
     .kind = CMD_HANDOFF,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_PEOPLE,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_ASSIGN,
     .hint = "h hand off",
     .usage = ":handoff WHO [NOTE]",
     .help = "hand off to a person or department, with a note",
     .run = run_assign},
    {.key = 'l',
     .needs = NEEDS_RECORD,
     .applies = ENT_LOG,
     .hint = "l log",
     .help = "log a call, e-mail, meeting, task or note",
     .run = run_record},
    {.name = "reply",
     .key = 'r',
     .kind = CMD_REPLY,
     .needs = NEEDS_RECORD | NEEDS_INTERNAL,
     .applies = ENT_REPLY,
     .hint = "r reply",
     .usage = ":reply",
     .help = "answer by e-mail in $VISUAL or $EDITOR (t, c, s: To, Cc, Subject); sent through "
             "the outbox",
     .run = run_reply},
    {.name = "save-attachment",
     .key = 'D',
     .kind = CMD_SAVE_ATTACHMENT,
     .arg = CMD_ARG_OPTIONAL,
     .needs = NEEDS_RECORD,
     .applies = ENT_REPLY,
     .usage = ":save-attachment N [PATH]",
     .help = "write a mail's attachment to a file (D: the one on the cursor; asks before "
             "replacing one)",
     .run = run_save_attachment},
    {.key = 't',
     .needs = NEEDS_RECORD,
     .applies = ENT_CHAT,
     .hint = "t chat",
     .help = "write in the record's live chat (internal users: internal)",
     .run = run_record},
    {.key = 'T',
     .needs = NEEDS_RECORD | NEEDS_INTERNAL,
     .applies = ENT_CHAT | ENT_PARTNER,
     .help = "write in the live chat, shared with the partner",
     .run = run_record},
    {.name = "history",
     .key = 'H',
     .kind = CMD_HISTORY,
     .needs = NEEDS_RECORD,
     .applies = ENT_HISTORY,
     .hint = "H history",
     .grant = "table audit SELECT",
     .usage = ":history",
     .help = "history: who changed what, when (again: back)",
     .run = run_record},
    {.key = 'x',
     .needs = NEEDS_SELECTED,
     .applies = ENT_DONE,
     .hint = "x done",
     .grant = "table interactions UPDATE",
     .help = "mark the task or meeting done",
     .run = run_done},
    {.name = "tasks",
     .kind = CMD_TASKS,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":tasks [mine|team|overdue|today|week ...]",
     .help = "tasks and meetings (x done, n new; f filters)",
     .run = run_tasks},
    {.name = "agenda",
     .kind = CMD_AGENDA,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":agenda [DAYS]",
     .help = "your meetings and due tasks, by day (7 days unless told)",
     .run = run_agenda},
    {.name = "who",
     .kind = CMD_WHO,
     .needs = NEEDS_INTERNAL,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":who [product=P account=A queue=Q topic=T country=C subject=S]",
     .help = "who is competent, and the rule that decided (the ticket or lead selected)",
     .run = run_who},
    {.name = "rules",
     .kind = CMD_RULES,
     .needs = NEEDS_INTERNAL,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":rules [department=D ...]",
     .help = "the responsibility rules (n new, Enter edits; management and admin)",
     .run = run_rules},
    {.name = "absences",
     .kind = CMD_ABSENCES,
     .needs = NEEDS_INTERNAL,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":absences [mine|current|all ...]",
     .help = "who is away (n new, Enter edits; one's own, or one's team's as its lead)",
     .run = run_rules},
    {.name = "calendars",
     .kind = CMD_CALENDARS,
     .needs = NEEDS_INTERNAL,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":calendars [default=true]",
     .help = "business-hours calendars (Enter opens, n new, e edits; management and admin)",
     .run = run_rules},
    {.name = "sla",
     .kind = CMD_SLA,
     .needs = NEEDS_INTERNAL,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":sla [active=true ...]",
     .help = "the SLA policies: targets by priority, queue, tier (Enter opens, n new, e edits; "
             "management and admin)",
     .run = run_rules},
    {.name = "watch",
     .key = 'w',
     .kind = CMD_WATCH,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_WATCH,
     .hint = "w watch",
     .usage = ":watch",
     .help = "watch the record: changes by others reach your Inbox (w again: unwatch)",
     .run = run_watch},
    {.name = "unwatch",
     .kind = CMD_UNWATCH,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_WATCH,
     .usage = ":unwatch",
     .help = "stop watching the record (also one you own or are assigned)",
     .run = run_watch},
    {.name = "following",
     .kind = CMD_FOLLOWING,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":following [kind=deal why=owner ...]",
     .help = "the records you follow (watched, owned, assigned), last changed first; w "
             "unwatches",
     .run = run_following},
    {.name = "settings",
     .kind = CMD_SETTINGS,
     .needs = NEEDS_INTERNAL,
     .usage = ":settings",
     .help = "your time zone, quiet hours and daily digest time (no pings then)",
     .run = run_settings},
    /* the back office (src/ui/billing.c, docs/billing.md) */
    {.key = 'Q',
     .needs = NEEDS_SELECTED,
     .applies = ENT_BILL_DEAL,
     .hint = "Q quote",
     .grant = "table quotes INSERT",
     .help = "a new quote for this deal (then L adds its lines)",
     .run = bill_run_quote},
    {.name = "line",
     .key = 'L',
     .kind = CMD_LINE,
     .needs = NEEDS_SELECTED,
     .applies = ENT_LINES,
     .hint = "L line",
     .grant = "table @_lines INSERT",
     .when = "|draft|invoice_draft|credit_draft|",
     .usage = ":line",
     .help = "add a line to the draft quote or invoice: a product found by typing, or free text",
     .run = bill_run_line},
    {.name = "price",
     .key = 'L',
     .kind = CMD_PRICE,
     .needs = NEEDS_SELECTED,
     .applies = ENT_PRICES,
     .hint = "L price",
     .grant = "table product_prices INSERT",
     .usage = ":price",
     .help = "add the product's net price in another currency (Enter on one edits it)",
     .run = bill_run_line},
    {.name = "remove-line",
     .kind = CMD_REMOVE_LINE,
     .arg = CMD_ARG_REQUIRED,
     .needs = NEEDS_SELECTED,
     .applies = ENT_LINES,
     .usage = ":remove-line N",
     .help = "remove line N of the draft quote or invoice",
     .run = bill_run_line_edit},
    {.name = "move-line",
     .kind = CMD_MOVE_LINE,
     .arg = CMD_ARG_REQUIRED,
     .needs = NEEDS_SELECTED,
     .applies = ENT_LINES,
     .usage = ":move-line N M",
     .help = "move line N of the draft quote or invoice to place M",
     .run = bill_run_line_edit},
    {.name = "mark-sent",
     .key = 'M',
     .kind = CMD_SENT,
     .needs = NEEDS_SELECTED,
     .applies = ENT_QUOTE,
     .hint = "M mark sent",
     .grant = "table quotes UPDATE",
     .when = "|draft|",
     .usage = ":mark-sent",
     .help = "mark the quote sent to the customer (from then on it is never edited)",
     .run = bill_run_status},
    {.name = "accept",
     .key = 'A',
     .kind = CMD_ACCEPT,
     .needs = NEEDS_SELECTED,
     .applies = ENT_QUOTE,
     .hint = "A accept",
     .grant = "table quotes UPDATE",
     .when = "|sent|",
     .usage = ":accept",
     .help = "the customer accepted the sent quote",
     .run = bill_run_status},
    {.name = "reject",
     .key = 'R',
     .kind = CMD_REJECT,
     .needs = NEEDS_SELECTED,
     .applies = ENT_QUOTE,
     .hint = "R reject",
     .grant = "table quotes UPDATE",
     .when = "|sent|sent_expired|",
     .usage = ":reject",
     .help = "the customer rejected the sent quote",
     .run = bill_run_status},
    {.name = "revise",
     .key = 'V',
     .kind = CMD_REVISE,
     .needs = NEEDS_SELECTED,
     .applies = ENT_QUOTE,
     .hint = "V revise",
     .grant = "table quotes INSERT",
     .when = "|sent|sent_expired|expired|rejected|",
     .usage = ":revise",
     .help = "a new revision of the sent quote, to edit (a sent one stays as sent)",
     .run = bill_run_revise},
    {.name = "invoice",
     .key = 'I',
     .kind = CMD_INVOICE,
     .needs = NEEDS_SELECTED,
     .applies = ENT_INVOICE_FROM,
     .hint = "I invoice",
     .grant = "table invoices INSERT",
     .when = "|accepted|won|",
     .usage = ":invoice",
     .help = "draft the invoice of the accepted quote or the won deal",
     .run = bill_run_draft},
    {.name = "issue",
     .key = 'N',
     .kind = CMD_ISSUE,
     .needs = NEEDS_SELECTED,
     .applies = ENT_INVOICE,
     .hint = "N issue (number it)",
     .grant = "function ccrm_invoice_issue(bigint,date) EXECUTE",
     .when = "|invoice_draft|credit_draft|",
     .usage = ":issue",
     .help = "issue the draft invoice: its number, its due date (billing, management)",
     .run = bill_run_issue},
    {.name = "payment",
     .key = 'P',
     .kind = CMD_PAYMENT,
     .arg = CMD_ARG_OPTIONAL,
     .needs = NEEDS_SELECTED,
     .applies = ENT_INVOICE,
     .hint = "P payment",
     .grant = "table payments INSERT",
     .when = "|invoice_issued|invoice_partly_paid|invoice_overdue|",
     .usage = ":payment [AMOUNT]",
     .help = "record a payment received on the issued invoice",
     .run = bill_run_payment},
    {.name = "credit-note",
     .key = 'K',
     .kind = CMD_CREDIT_NOTE,
     .needs = NEEDS_SELECTED,
     .applies = ENT_INVOICE,
     .hint = "K credit note",
     .grant = "table invoices INSERT",
     .when = "|invoice_issued|invoice_partly_paid|invoice_overdue|invoice_paid|",
     .usage = ":credit-note",
     .help = "draft a credit note correcting the issued invoice",
     .run = bill_run_draft},
    {.name = "print",
     .key = 'p',
     .kind = CMD_PRINT,
     .arg = CMD_ARG_OPTIONAL,
     .needs = NEEDS_SELECTED,
     .applies = ENT_PRINT,
     .hint = "p print",
     .usage = ":print [pdf|text|ubl]",
     .help = "write the document as PDF (text, and show it; ubl: the e-invoice) under "
             "~/.local/share/ccrm",
     .run = bill_run_print},
    {.name = "send",
     .key = 'E',
     .kind = CMD_SEND,
     .arg = CMD_ARG_OPTIONAL,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_PRINT,
     .hint = "E send",
     .when = "!|invoice_draft|credit_draft|rejected|expired|sent_expired|",
     .usage = ":send [ADDRESS]",
     .help = "mail the PDF (an invoice's with its e-invoice) to the customer's contact",
     .run = bill_run_send},
    {.name = "interest",
     .key = 'i',
     .kind = CMD_INTEREST,
     .arg = CMD_ARG_OPTIONAL,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_INTEREST,
     .hint = "i interest",
     .usage = ":interest [PRODUCT | topic: TOPIC]",
     .help = "record an interest of the person or account (from a ticket or a call: its person)",
     .run = run_interest},
    {.name = "interests",
     .kind = CMD_INTERESTS,
     .arg = CMD_ARG_REQUIRED,
     .usage = ":interests TEXT",
     .help = "the interests that mention TEXT (product, topic, note), and whose they are",
     .run = run_interests},
    {.name = "add-segment",
     .key = 'A',
     .kind = CMD_ADD_SEGMENT,
     .arg = CMD_ARG_OPTIONAL,
     .complete = CMPL_SEGMENTS,
     .needs = NEEDS_RECORD,
     .applies = ENT_MEMBERS,
     .hint = "A add segment",
     .usage = ":add-segment [NAME]",
     .help = "add a segment's people to the campaign (opt-outs left out); A: pick one; Tab: names",
     .run = run_campaign},
    {.name = "add-member",
     .key = 'm',
     .kind = CMD_ADD_MEMBER,
     .arg = CMD_ARG_OPTIONAL,
     .complete = CMPL_MEMBERS,
     .needs = NEEDS_RECORD,
     .applies = ENT_MEMBERS,
     .hint = "m add member",
     .usage = ":add-member [E-MAIL | NAME]",
     .help = "add one person (a contact, else a lead) to the campaign; Tab completes name, e-mail",
     .run = run_campaign},
    {.name = "remove-member",
     .key = 'x',
     .kind = CMD_REMOVE_MEMBER,
     .needs = NEEDS_RECORD,
     .applies = ENT_MEMBERS,
     .hint = "x remove",
     .usage = ":remove-member",
     .help = "take the member selected out of the campaign",
     .run = run_campaign},
    {.name = "respond",
     .key = 'r',
     .kind = CMD_RESPOND,
     .arg = CMD_ARG_OPTIONAL,
     .needs = NEEDS_RECORD,
     .applies = ENT_MEMBERS,
     .hint = "r response",
     .usage = ":respond [STATUS]",
     .help = "record a response of the member selected (sent, opened, ... converted)",
     .run = run_campaign},
    {.name = "sent-all",
     .kind = CMD_SENT_ALL,
     .needs = NEEDS_RECORD,
     .applies = ENT_MEMBERS,
     .grant = "table campaign_responses INSERT",
     .usage = ":sent-all",
     .help = "mark sent every member not sent yet whom --export campaign_members gives",
     .run = run_campaign},
    {.name = "segment",
     .kind = CMD_SEGMENT,
     .arg = CMD_ARG_REQUIRED,
     .usage = ":segment NAME [: interest=PRODUCT, days=90, ...]",
     .help = "save a segment of contacts and leads; says its size (estimate)",
     .run = run_segment},
    {.name = "segments",
     .kind = CMD_SEGMENTS,
     .usage = ":segments",
     .help = "the saved segments: estimated sizes, c counts, n makes one",
     .run = run_segment},
    {.name = "segment-count",
     .kind = CMD_SEGMENT_COUNT,
     .arg = CMD_ARG_REQUIRED,
     .usage = ":segment-count NAME",
     .help = "count a segment's people exactly",
     .run = run_segment},
    {.name = "duplicates",
     .kind = CMD_DUPLICATES,
     .needs = NEEDS_INTERNAL,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":duplicates [contacts|leads|accounts]",
     .help = "likely duplicates: mark them not duplicates, or compare and merge",
     .run = run_duplicates},
    {.name = "reports",
     .kind = CMD_REPORTS,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":reports [NAME]",
     .help = "reports as charts: pipeline, win rate, tickets, response times, interests, funnel",
     .run = run_reports},
    {.name = "unsubscribe",
     .key = 'O',
     .kind = CMD_OPT_OUT,
     .arg = CMD_ARG_OPTIONAL,
     .complete = CMPL_CHANNELS,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_CONSENT,
     .hint = "O opt-out",
     .usage = ":unsubscribe [CHANNEL [WHERE]]",
     .help = "the person opted out of a channel (email, phone, post, all): never in its campaigns",
     .run = run_consent},
    {.name = "consent",
     .kind = CMD_CONSENT,
     .arg = CMD_ARG_OPTIONAL,
     .complete = CMPL_CHANNELS,
     .needs = NEEDS_SELECTED | NEEDS_INTERNAL,
     .applies = ENT_CONSENT,
     .usage = ":consent [CHANNEL [WHERE]]",
     .help = "the person consented to a channel (an earlier opt-out of it is lifted)",
     .run = run_consent},
    {.name = "results",
     .key = 'R',
     .kind = CMD_RESULTS,
     .needs = NEEDS_RECORD,
     .applies = ENT_MEMBERS,
     .usage = ":results",
     .help = "count the campaign's results here even over 1,000 members (in SQL, then live)",
     .run = run_results},
    {.name = "from",
     .kind = CMD_FROM,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":from [YYYY-MM-DD]",
     .help = "Reports: the window starts on that day (none: the report's own window)",
     .run = run_window},
    {.name = "to",
     .kind = CMD_TO,
     .arg = CMD_ARG_OPTIONAL,
     .usage = ":to [YYYY-MM-DD]",
     .help = "Reports: the window ends before that day (none: the report's own window)",
     .run = run_window},
    {.name = "read",
     .key = 'x',
     .kind = CMD_READ,
     .arg = CMD_ARG_OPTIONAL,
     .applies = ENT_MARK_READ,
     .hint = "x read",
     .usage = ":read [all]",
     .help = "mark the Inbox entry read without opening it (:read all: every one of yours)",
     .run = run_read},
    {.name = "filter",
     .key = 'f',
     .kind = CMD_FILTER,
     .arg = CMD_ARG_REQUIRED,
     .needs = NEEDS_LIST,
     .usage = ":filter NAME=VALUE ... | all", /* the list's own filters: the line below */
     .help = "filter the list",
     .run = run_filter},
    {.name = "sort",
     .key = 's',
     .kind = CMD_SORT,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_SORTS,
     .needs = NEEDS_LIST,
     .usage = ":sort NAME",
     .help = "next sort order",
     .run = run_sort},
    {.name = "export",
     .kind = CMD_EXPORT,
     .arg = CMD_ARG_REQUIRED,
     .needs = NEEDS_LIST,
     .usage = ":export FILE",
     .help = "write the list as shown to a CSV file",
     .run = run_export},
    {.name = "help",
     .key = '?',
     .kind = CMD_HELP,
     .usage = ":help",
     .help = "this help (j k PgDn PgUp scroll it; other keys close it)",
     .run = run_help},
    {.name = "quit", .kind = CMD_QUIT, .usage = ":quit", .help = "quit ccrm", .run = run_quit},
    {.name = NULL, .key = 0},
};

int
commands_key(struct app *app, struct view *v, wint_t key)
{
    const struct action *a;

    for (a = cmd_actions; a->name != NULL || a->key != 0; a++) {
        int why;

        if (a->key == 0 || (wint_t)a->key != key || (why = why_not(v, a)) == NOT_HERE)
            continue;
        if (why == NOT_ROLE || why == NOT_LIST) {
            char what[64];

            /* "a assign", or the key and its command: "n (:new)", or what it does (T: "T
             * write in the live chat, shared with the partner") */
            if (a->hint != NULL)
                snprintf(what, sizeof what, "%s", a->hint);
            else if (a->name != NULL)
                snprintf(what, sizeof what, "%c (:%s)", a->key, a->name);
            else
                snprintf(what, sizeof what, "%c %s", a->key, a->help != NULL ? a->help : "");
            if (why == NOT_ROLE) /* said, not a form that can only say "read-only" */
                ui_message_error(app, "%s is not available to your role", what);
            else
                ui_message(app, "%s: open the record first (Enter)", what);
            return 1;
        }
        {
            if (a->needs & NEEDS_SELECTED) { /* a list without rows has nothing selected */
                const struct entity *e;
                int64_t id;

                if (selected(v, &e, &id) != 0) {
                    /* said, as > on an empty Pipeline stage says it: a key that did nothing
                     * and told nobody looks broken */
                    e = entity_of(v);
                    ui_message(app, "no %s selected", e != NULL ? e->singular : "record");
                    return 1;
                }
            }
            a->run(app, a, NULL);
            return 1;
        }
    }
    return 0;
}

void
commands_run(struct app *app, const char *line)
{
    struct cmd c;
    struct ccrm_err err;
    const struct action *a;

    if (cmd_parse(line, &c, &err) == -1) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    if (c.kind == CMD_NONE || (a = cmd_action(c.kind)) == NULL)
        return;
    if ((a->needs & NEEDS_INTERNAL) && partner_user) {
        ui_message_error(app, ":%s is not available to your role", a->name);
        return;
    }
    a->run(app, a, c.arg);
    app->ui->dirty = 1;
}

/* The lines every view's help ends with: the global keys and the commands. */
static const char *const global_help[] = {
    "Tab, S-Tab\tnext / previous view",
    "1-9, 0\tgo to view by number (0: the tenth; the ones after it: Tab)",
    "Enter\topen the selected record",
    ":open #N\trecord N of the kind shown (else a ticket); :open deal N, invoice #N, ...; :open "
    "NAME: an account",
    "q\tback; quits from a top view",
    "Esc\tback (in a list: clear the search)",
    "Ctrl-L\tredraw the screen",
    "F1\tthis help, also in a form (where ? is text)",
    NULL,
};

#define HELP_TEXT 800
#define HELP_MAX 64

/* Is the key tok (tn bytes) one of those a help line names before its tab ("q, Esc")? */
static int
names_key(const char *line, const char *tok, size_t tn)
{
    const char *p = line, *tab = strchr(line, '\t');

    while (tab != NULL && p < tab) {
        size_t kn = strcspn(p, ",\t");

        if (kn == tn && strncmp(p, tok, tn) == 0)
            return 1;
        for (p += kn; *p == ',' || *p == ' '; p++)
            ;
    }
    return 0;
}

/* Does the view's own help already say what every key of the global line does (a record's
 * "Enter", "q, Esc")? Its words are the ones that apply there: the global line would say it
 * twice, differently. A view that selects nothing has no Enter to open with. */
static int
own_says(struct view *v, const char *line)
{
    const char *p = line, *tab = strchr(line, '\t');
    int i;

    if (strncmp(line, "Enter\t", 6) == 0 && (v == NULL || v->ops->selected == NULL))
        return 1;
    if (v == NULL || v->ops->help == NULL || tab == NULL)
        return 0;
    while (p < tab) {
        size_t kn = strcspn(p, ",\t");

        for (i = 0; v->ops->help[i] != NULL && !names_key(v->ops->help[i], p, kn); i++)
            ;
        if (v->ops->help[i] == NULL)
            return 0;
        for (p += kn; *p == ',' || *p == ' '; p++)
            ;
    }
    return 1;
}

/* The list v shows (its filters and sort orders), or NULL. */
static const struct entity_list *
list_of(struct view *v)
{
    const struct entity *e = NULL;

    if (v == NULL || v->ops->list == NULL)
        return NULL;
    if (v->ops->list->own != NULL)
        e = v->ops->list->own(v);
    if (e == NULL)
        e = v->ops->list->entity(v);
    return e != NULL ? e->list : NULL;
}

/* What f and s take on list l, under their lines of the help ("\tfilters: mine, status=…,
 * all"): next to the key, not under the list's own keys. Those that read what partners may
 * not are not offered to them. Returns the lines written into text (at most room). */
static int
list_words(const struct entity_list *l, int fixed, int key, char (*text)[HELP_TEXT], int room)
{
    size_t len;
    int i, n = 0;

    if (l == NULL || room < 2)
        return 0;
    if (key == 'f') {
        len = (size_t)snprintf(text[n], HELP_TEXT, "\tfilters: ");
        for (i = 0; i < l->nfilters; i++)
            if (l->filters[i].mine) {
                len += (size_t)snprintf(text[n] + len, HELP_TEXT - len, "mine, ");
                break;
            }
        /* (not a fixed first filter: :filter refuses it, as parse_filter in view_list.c) */
        for (i = fixed ? 1 : 0; i < l->nfilters && len < HELP_TEXT; i++)
            if (!(l->filters[i].internal && partner_user))
                len += (size_t)snprintf(
                    text[n] + len, HELP_TEXT - len, "%s%s, ", l->filters[i].name,
                    l->filters[i].field == NULL && strstr(l->filters[i].sql, "::text") != NULL
                        ? ""
                        : "=…"); /* a yes/no filter is a bare word */
        if (len < HELP_TEXT)
            snprintf(text[n] + len, HELP_TEXT - len, "all");
        n++;
        snprintf(text[n++], HELP_TEXT,
                 "\ta=x,y any of them; a!=x not; a=none unset; a=\"two words\"");
    } else if (key == 's' && l->nsorts > 0) {
        len = (size_t)snprintf(text[n], HELP_TEXT, "\tsort orders: ");
        for (i = 0; i < l->nsorts && len < HELP_TEXT; i++)
            if (!(l->sorts[i].internal && partner_user))
                len +=
                    (size_t)snprintf(text[n] + len, HELP_TEXT - len, "%s%s",
                                     len > strlen("\tsort orders: ") ? ", " : "", l->sorts[i].name);
        n++;
    }
    return n;
}

int
commands_help(struct view *v, const char **lines, int max)
{
    static char text[HELP_MAX][HELP_TEXT];
    const struct action *a;
    int n = 0, t = 0, i, k;
    size_t len;

    /* a view that takes text (a form) has its own keys only: there letters, digits, ":" and q
     * are typed, and Tab moves between fields */
    if (v != NULL && v->takes_text)
        return 0;
    for (a = cmd_actions; (a->name != NULL || a->key != 0) && n < max && t < HELP_MAX; a++) {
        if (a->key == 0 || !offers(v, a))
            continue;
        snprintf(text[t], HELP_TEXT, "%c\t%s%s%s%s", a->key, a->help, a->usage ? " (" : "",
                 a->usage ? a->usage : "", a->usage ? ")" : "");
        lines[n++] = text[t++];
        if (a->needs & NEEDS_LIST) {
            int w =
                list_words(list_of(v), v->ops->list->fixed_filter, a->key, text + t, HELP_MAX - t);

            for (k = 0; k < w && n < max; k++)
                lines[n++] = text[t + k];
            t += w;
        }
    }
    for (i = 0; global_help[i] != NULL && n < max; i++)
        if (!own_says(v, global_help[i]))
            lines[n++] = global_help[i];
    /* the commands, by name (":help" lists what each takes); not those a partner may not run */
    if (n < max && t < HELP_MAX) {
        len = (size_t)snprintf(text[t], HELP_TEXT, ":\tcommand:");
        for (a = cmd_actions; a->name != NULL || a->key != 0; a++)
            if (a->name != NULL && !((a->needs & NEEDS_INTERNAL) && partner_user) &&
                len < HELP_TEXT)
                len += (size_t)snprintf(text[t] + len, HELP_TEXT - len, " %s", a->name);
        lines[n++] = text[t++];
    }
    if (n < max)
        lines[n++] = "\t(Tab completes a command and its argument)";
    return n;
}

/* The connection the hint asks about rights on, and what it was told (rights change when an
 * admin moves someone to another department: seldom enough to ask once a session). */
static struct db *grant_db;
static struct {
    char what[96];
    int may;
} grants[32];
static int ngrants;

void
commands_set_db(struct db *db)
{
    grant_db = db;
    ngrants = 0;
}

/* a->grant for records of e, its placeholders filled in ("table quote_lines INSERT") */
static void
grant_text(const struct action *a, const struct entity *e, char *what, size_t n)
{
    const char *p;
    size_t o = 0;

    for (p = a->grant; *p != '\0' && o + 1 < n; p++) {
        const char *put = *p == '%' ? e->table : *p == '@' ? e->singular : NULL;

        if (put != NULL)
            o += (size_t)snprintf(what + o, n - o, "%s", put);
        else
            what[o++] = *p;
        if (o >= n)
            o = n - 1;
    }
    what[o] = '\0';
}

static int
grant_known(const char *what)
{
    int i;

    for (i = 0; i < ngrants; i++)
        if (strcmp(grants[i].what, what) == 0)
            return i;
    return -1;
}

/* Ask the database, in one round trip, every right e's actions need that is not known yet. */
static void
ask_grants(const struct entity *e)
{
    enum { MAX_ASK = 16 };
    char what[MAX_ASK][96], kind[16], obj[MAX_ASK][80], priv[MAX_ASK][16];
    const char *objs[MAX_ASK], *privs[MAX_ASK];
    int fn[MAX_ASK], may[MAX_ASK], n = 0, i;
    const struct action *a;

    for (a = cmd_actions; (a->name != NULL || a->key != 0) && n < MAX_ASK; a++) {
        if (a->grant == NULL || (e->actions & a->applies) != a->applies)
            continue;
        grant_text(a, e, what[n], sizeof what[n]);
        for (i = 0; i < n && strcmp(what[i], what[n]) != 0; i++)
            ;
        if (i < n || grant_known(what[n]) >= 0 ||
            sscanf(what[n], "%15s %79s %15s", kind, obj[n], priv[n]) != 3)
            continue;
        fn[n] = strcmp(kind, "function") == 0;
        objs[n] = obj[n];
        privs[n] = priv[n];
        n++;
    }
    if (n == 0 || db_may_many(grant_db, n, fn, objs, privs, may) != 0)
        return; /* not known now: offered, the database decides; asked again next time */
    for (i = 0; i < n && ngrants < (int)(sizeof grants / sizeof grants[0]); i++) {
        str_copy(grants[ngrants].what, what[i], sizeof grants[ngrants].what);
        grants[ngrants++].may = may[i];
    }
}

/* May the user do a's kind of thing to records of e (a->grant)? Yes when unknown. */
static int
granted(const struct action *a, const struct entity *e)
{
    char what[96];
    int i;

    if (a->grant == NULL || grant_db == NULL || e == NULL)
        return 1;
    grant_text(a, e, what, sizeof what);
    if ((i = grant_known(what)) < 0) {
        ask_grants(e);
        i = grant_known(what);
    }
    return i < 0 || grants[i].may;
}

int
commands_may(const char *name, const struct entity *e)
{
    const struct action *a;

    for (a = cmd_actions; a->name != NULL || a->key != 0; a++)
        if (a->name != NULL && strcmp(a->name, name) == 0)
            return !((a->needs & NEEDS_INTERNAL) && partner_user) && granted(a, e);
    return 0;
}

/* Is a offered to a record in this phase ("" or NULL: the record says none, all are)? Its
 * when lists the phases it is offered in, or with a '!' before them those it is not. */
static int
offered(const struct action *a, const char *phase)
{
    char word[32];
    int but;

    if (a->when == NULL || phase == NULL || phase[0] == '\0')
        return 1;
    but = a->when[0] == '!';
    snprintf(word, sizeof word, "|%s|", phase);
    return (strstr(a->when + but, word) != NULL) != but;
}

void
commands_hint(const struct entity *e, const char *phase, char *buf, size_t n)
{
    const struct action *a;
    size_t len = 0;
    int pass;

    buf[0] = '\0';
    /* the entity's own actions first, then Enter, then those every record has */
    for (pass = 0; pass < 2; pass++) {
        for (a = cmd_actions; a->name != NULL || a->key != 0; a++) {
            int own =
                (a->applies & (ENT_CONVERT | ENT_SIGNAL | ENT_QUOTE | ENT_INVOICE | ENT_BILL_DEAL |
                               ENT_INVOICE_FROM | ENT_PRINT | ENT_LINES | ENT_PRICES)) != 0;

            if (a->hint == NULL || own != (pass == 0) || (e->actions & a->applies) != a->applies ||
                ((a->needs & NEEDS_INTERNAL) && partner_user) || !offered(a, phase) ||
                !granted(a, e))
                continue;
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? " · " : "",
                                    a->hint);
        }
        if (pass == 0)
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%sEnter open",
                                    len ? " · " : "");
    }
}
