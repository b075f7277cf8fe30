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

#include "actions.h"
#include "ccrm/cmd.h"
#include "ccrm/entity.h"
#include "ccrm/util.h"
#include "form.h"
#include "record_view.h"
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

/* Can view v run action a (for help: does it offer it)? */
static int
offers(struct view *v, const struct action *a)
{
    const struct entity *e;

    if (v == NULL)
        return a->needs == 0;
    if ((a->needs & NEEDS_LIST) && v->ops->list == NULL)
        return 0;
    if ((a->needs & NEEDS_RECORD) && v->ops->act == NULL)
        return 0;
    if (a->needs & (NEEDS_SELECTED | NEEDS_RECORD)) {
        if ((e = entity_of(v)) == NULL)
            return 0;
        if (a->applies != 0 && (e->actions & a->applies) != a->applies)
            return 0;
    }
    return 1;
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

static void
run_open(struct app *app, const struct action *a, const char *arg)
{
    struct list_query q = {entity_find("accounts"), 0, arg, {NULL}, {0}};
    struct row rows[NAMES_LIMIT];
    struct ccrm_err err;
    struct view *d;
    int n, i, pick = 0;

    (void)a;
    memset(rows, 0, sizeof rows);
    n = db_list_fetch(app->db, &q, NULL, 1, NAMES_LIMIT, rows, &err);
    if (n < 0) {
        ui_message_error(app, "%s", err.msg);
        return;
    }
    if (n == 0) {
        ui_message_error(app, "no account matches \"%s\"", arg);
        return;
    }
    for (i = 0; i < n; i++) /* an exact name wins over the first match */
        if (rows[i].col[0] != NULL && strcasecmp(rows[i].col[0], arg) == 0) {
            pick = i;
            break;
        }
    if ((d = view_record_new(app, "accounts", rows[pick].id)) != NULL)
        ui_push(app, d);
    for (i = 0; i < n; i++)
        row_fini(&rows[i]);
}

static void
run_find(struct app *app, const struct action *a, const char *arg)
{
    int t = ui_tab_of(app, "accounts");
    struct view *v;

    (void)a;
    if (t < 0)
        return;
    ui_switch_tab(app, t);
    v = app->ui->tabs[t];
    v->ops->list->set_search(v, app, arg);
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
    int64_t id;

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
        }
        pre = words;
    }
    if (e != NULL && (f = view_form_new(app, e->table, 0, pre)) != NULL)
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
        act_comment(app, e->table, id);
    else
        act_comment_text(app, e->table, id, arg);
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

static void
on_filter(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct view *v = ctx;

    if (done && ok)
        v->ops->list->set_filter(v, app, text);
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
    v->ops->list->filter_text(v, text, sizeof text);
    ui_input_begin(app, "filter: ", text, on_filter, v);
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
    app->quit = 1;
}

/* The table. Order: the help's order; a record's own actions (convert, signal) lead its
 * hint. */
const struct action cmd_actions[] = {
    {.name = "open",
     .kind = CMD_OPEN,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_ACCOUNTS,
     .usage = ":open NAME",
     .help = "open the account with this name",
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
     .needs = NEEDS_SELECTED,
     .applies = ENT_CONVERT,
     .hint = "C convert",
     .help = "convert the lead: account, contact and deal",
     .run = run_convert},
    {.key = 'S',
     .needs = NEEDS_SELECTED,
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
     .usage = ":new [WHAT]",
     .help = "new record of this list's kind; :new deal, :new call, ... anywhere",
     .run = run_new},
    {.name = "edit",
     .key = 'e',
     .kind = CMD_EDIT,
     .needs = NEEDS_SELECTED,
     .applies = ENT_EDIT,
     .hint = "e edit",
     .usage = ":edit",
     .help = "edit the selected record",
     .run = run_edit},
    {.name = "comment",
     .key = 'c',
     .kind = CMD_COMMENT,
     .arg = CMD_ARG_REQUIRED,
     .needs = NEEDS_SELECTED,
     .applies = ENT_COMMENT,
     .hint = "c comment",
     .usage = ":comment TEXT",
     .help = "comment (@login tells that person)",
     .run = run_comment},
    {.name = "assign",
     .key = 'a',
     .kind = CMD_ASSIGN,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_PEOPLE,
     .needs = NEEDS_SELECTED,
     .applies = ENT_ASSIGN,
     .hint = "a assign",
     .usage = ":assign LOGIN [NOTE]",
     .help = "assign to a person (owner)",
     .run = run_assign},
    {.name = "handoff",
     .key = 'h',
     .kind = CMD_HANDOFF,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_PEOPLE,
     .needs = NEEDS_SELECTED,
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
    {.key = 't',
     .needs = NEEDS_RECORD,
     .applies = ENT_CHAT,
     .hint = "t chat",
     .help = "write in the record's live chat",
     .run = run_record},
    {.name = "history",
     .key = 'H',
     .kind = CMD_HISTORY,
     .needs = NEEDS_RECORD,
     .applies = ENT_HISTORY,
     .hint = "H history",
     .usage = ":history",
     .help = "history: who changed what, when (again: back)",
     .run = run_record},
    {.name = "filter",
     .key = 'f',
     .kind = CMD_FILTER,
     .arg = CMD_ARG_REQUIRED,
     .needs = NEEDS_LIST,
     .usage = ":filter mine status=open ... | all",
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
     .help = "this help (any key closes it)",
     .run = run_help},
    {.name = "quit", .kind = CMD_QUIT, .usage = ":quit", .help = "quit ccrm", .run = run_quit},
    {.name = NULL, .key = 0},
};

int
commands_key(struct app *app, struct view *v, wint_t key)
{
    const struct action *a;

    for (a = cmd_actions; a->name != NULL || a->key != 0; a++)
        if (a->key != 0 && (wint_t)a->key == key && offers(v, a)) {
            if (a->needs & NEEDS_SELECTED) { /* a list without rows has nothing selected */
                const struct entity *e;
                int64_t id;

                if (selected(v, &e, &id) != 0)
                    return 0;
            }
            a->run(app, a, NULL);
            return 1;
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
    a->run(app, a, c.arg);
    app->ui->dirty = 1;
}

/* The lines every view's help ends with: the global keys and the commands. */
static const char *const global_help[] = {
    "Tab, S-Tab\tnext / previous view",
    "1-9\tgo to view by number",
    "Enter\topen the selected record",
    "q\tback; quits from a top view",
    "Esc\tback (in a list: clear the search)",
    "Ctrl-L\tredraw the screen",
    "F1\tthis help, also in a form (where ? is text)",
    NULL,
};

#define HELP_TEXT 160
#define HELP_MAX 64

int
commands_help(struct view *v, const char **lines, int max)
{
    static char text[HELP_MAX][HELP_TEXT];
    const struct action *a;
    int n = 0, t = 0, i;
    size_t len;

    for (a = cmd_actions; (a->name != NULL || a->key != 0) && n < max && t < HELP_MAX; a++) {
        if (a->key == 0 || !offers(v, a))
            continue;
        snprintf(text[t], HELP_TEXT, "%c\t%s%s%s%s", a->key, a->help, a->usage ? " (" : "",
                 a->usage ? a->usage : "", a->usage ? ")" : "");
        lines[n++] = text[t++];
    }
    for (i = 0; global_help[i] != NULL && n < max; i++)
        lines[n++] = global_help[i];
    /* the commands, by name (":help" lists what each takes) */
    if (n < max && t < HELP_MAX) {
        len = (size_t)snprintf(text[t], HELP_TEXT, ":\tcommand:");
        for (a = cmd_actions; a->name != NULL || a->key != 0; a++)
            if (a->name != NULL && len < HELP_TEXT)
                len += (size_t)snprintf(text[t] + len, HELP_TEXT - len, " %s", a->name);
        lines[n++] = text[t++];
    }
    if (n < max)
        lines[n++] = "\t(Tab completes a command and its argument)";
    return n;
}

void
commands_hint(const struct entity *e, char *buf, size_t n)
{
    const struct action *a;
    size_t len = 0;
    int pass;

    buf[0] = '\0';
    /* the entity's own actions first, then Enter, then those every record has */
    for (pass = 0; pass < 2; pass++) {
        for (a = cmd_actions; a->name != NULL || a->key != 0; a++) {
            int own = (a->applies & (ENT_CONVERT | ENT_SIGNAL)) != 0;

            if (a->hint == NULL || own != (pass == 0) || (e->actions & a->applies) != a->applies)
                continue;
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? " · " : "",
                                    a->hint);
        }
        if (pass == 0)
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%sEnter open",
                                    len ? " · " : "");
    }
}
