/* The screen: curses start and stop, layout (tab bar, view, status bar, message line), resize,
 * global keys, line input and the help overlay. Views draw only inside the area given. */
#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "billing_ui.h"
#include "ccrm/actions.h"
#include "ccrm/cmd.h"
#include "ccrm/draft.h"
#include "ccrm/entity.h"
#include "ccrm/record.h"
#include "ccrm/stats.h"
#include "ccrm/trace.h"
#include "ccrm/util.h"
#include "form.h"
#include "reply.h"
#include "ui_int.h"

#define MSG_MS 4000
#define MSG_MS_MAX 9000
#define MIN_ROWS 6
#define MIN_COLS 24
/* A message wider than the screen is not cut (the rest could not be read anywhere): wrapped at
 * its blanks, it takes up to this many lines at the bottom, over the view's last rows, with
 * the status bar above them while it is shown. */
#define MSG_LINES 4
static int msg_toast;           /* the message is a toast: it stays on one line (read_events) */
static int msg_lines_drawn = 1; /* the lines the message took at the last paint */
/* the unsaved form kept on disk while typing (keep_live, below) */
#define LIVE_DRAFT_MS 1000
/* a bracketed paste's key codes (curses' own end at KEY_MAX), and how long a paste may pause
 * before its end marker counts as lost */
#define KEY_PASTE_BEGIN (KEY_MAX + 1)
#define KEY_PASTE_END (KEY_MAX + 2)
#define PASTE_GAP_MS 1500
/* a partner's view re-reads on a wake-up that brought him nothing at most this often */
#define PARTNER_LOOK_MS 3000
static struct strbuf live_text = STRBUF_INIT; /* what the file should hold */
static unsigned live_timer;
static int live_written = 1; /* the file holds live_text */

attr_t
ui_attr(struct app *app, enum ui_pair pair, attr_t fallback)
{
    if (app->ui->color)
        return COLOR_PAIR(pair) | (pair == PAIR_HIGHLIGHT || pair == PAIR_HEADER ? A_BOLD : 0);
    return fallback;
}

/* The topmost view not closing: the stack's, else the current tab. */
struct view *
ui_active(struct ui *ui)
{
    int i;

    for (i = ui->depth - 1; i >= 0; i--)
        if (!ui->stack[i]->closing)
            return ui->stack[i];
    return ui->ntabs > 0 ? ui->tabs[ui->tab] : NULL;
}

int
ui_page_size(struct app *app)
{
    return app->cfg->page_size > 0 ? app->cfg->page_size : 200;
}

/* Free the views marked closing, now that no handler of theirs runs. */
static void
reap(struct app *app)
{
    struct ui *ui = app->ui;
    int i, k = 0, closed = 0;

    for (i = 0; i < ui->depth; i++) {
        if (ui->stack[i]->closing) {
            ui->stack[i]->ops->free(ui->stack[i]);
            closed = 1;
            continue;
        }
        ui->stack[k++] = ui->stack[i];
    }
    ui->depth = k;
    if (!closed)
        return;
    ui->dirty = 1;
    /* what we return to may be stale */
    if (ui_active(ui) != NULL && ui_active(ui)->ops->on_wakeup != NULL)
        ui_active(ui)->dirty = 1;
}

/* Every view says what its keys do (? shows it): one without help is a programming error,
 * caught by the first test that opens it. */
static struct view *
checked(struct view *v)
{
    if (v != NULL && (v->ops->help == NULL || v->ops->help[0] == NULL)) {
        endwin();
        fprintf(stderr, "ccrm: the view \"%s\" has no help\n", v->title);
        abort();
    }
    return v;
}

/* The tabs that are views of their own; every other tab is the list of its registry entity */
static const struct {
    const char *view, *title;
    struct view *(*make)(struct app *app);
} own_tabs[] = {
    {"deals", "Deals", view_pipeline_new},
    {"dashboard", "Dashboard", view_dashboard_new},
};

/* What tab NAME (of cmd_views) is: its title, and *own its index in own_tabs (else -1) or *e
 * its entity. NULL: no tab. */
static const char *
tab_kind(const char *name, int *own, const struct entity **e)
{
    size_t i;

    *e = NULL;
    for (i = 0; i < sizeof own_tabs / sizeof own_tabs[0]; i++)
        if (strcmp(name, own_tabs[i].view) == 0) {
            *own = (int)i;
            return own_tabs[i].title;
        }
    *own = -1;
    *e = entity_by_view(name);
    return *e != NULL ? (*e)->list->title : NULL;
}

/* Tab t's view, made the first time it is asked for. */
struct view *
ui_tab_view(struct app *app, int t)
{
    struct ui *ui = app->ui;
    const struct entity *e;
    int own;

    if (t < 0 || t >= ui->ntabs)
        return NULL;
    if (ui->tabs[t] == NULL && tab_kind(cmd_views[t], &own, &e) != NULL)
        ui->tabs[t] = checked(own >= 0 ? own_tabs[own].make(app) : view_list_new(app, e));
    return ui->tabs[t];
}

int
ui_push(struct app *app, struct view *v)
{
    struct ui *ui = app->ui;
    int i;

    checked(v);
    reap(app);
    if (ui->depth == UI_MAX_STACK) {
        /* full: the oldest view that loses nothing by closing makes room; one with unsaved
         * input (a changed form) is never dropped */
        for (i = 0; i < ui->depth; i++)
            if (ui->stack[i]->ops->unsaved == NULL || !ui->stack[i]->ops->unsaved(ui->stack[i]))
                break;
        if (i == ui->depth || ui->stack[i] == ui_active(ui)) {
            v->ops->free(v);
            ui_message_error(app,
                             "could not open another view: %d are open with unsaved input "
                             "(save or close one first)",
                             UI_MAX_STACK);
            return -1;
        }
        ui->stack[i]->ops->free(ui->stack[i]);
        memmove(ui->stack + i, ui->stack + i + 1, (size_t)(ui->depth - i - 1) * sizeof *ui->stack);
        ui->depth--;
    }
    ui->stack[ui->depth++] = v;
    ui->dirty = 1;
    return 0;
}

void
ui_close(struct app *app, struct view *v)
{
    (void)app;
    v->closing = 1; /* freed by reap(), after the handler that closed it returns */
    app->ui->dirty = 1;
}

void
ui_pop(struct app *app)
{
    struct ui *ui = app->ui;
    struct view *v = ui_active(ui);

    if (v != NULL && ui->depth > 0 && v != ui->tabs[ui->tab])
        ui_close(app, v);
}

/* "quit and lose the unsaved form? (y/n)" takes one key, as it looks: y quits, any other key
 * (n, Esc, Enter) stays, the forms as they were. */
static void
on_quit_answer(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (ui_ask_key(app, text, done, ok, NULL) == 'y')
        app->quit = 1;
    else
        ui_message(app, "not quit: your input is kept");
}

/* How many open views have unsaved input (a changed form), and *top the topmost of them: what
 * quitting or leaving the tab would lose. */
static int
unsaved_views(struct ui *ui, const struct view **top)
{
    int i, n = 0;

    *top = NULL;
    for (i = ui->depth - 1; i >= 0; i--) {
        struct view *v = ui->stack[i];

        if (!v->closing && v->ops->unsaved != NULL && v->ops->unsaved(v)) {
            if (*top == NULL)
                *top = v;
            n++;
        }
    }
    return n;
}

void
ui_quit(struct app *app)
{
    struct ui *ui = app->ui;
    const struct view *top;
    /* a normal quit keeps no draft (only a signal or a crash does: keep_drafts), so what was
     * typed into a form under the view shown would be lost unasked */
    int n = unsaved_views(ui, &top);

    if (top == NULL) {
        app->quit = 1;
        return;
    }
    /* what would be lost, above the question (the line's label holds 63 bytes) */
    if (n == 1)
        ui_message_for(app, 600000, "\"%s\" has unsaved input", top->title);
    else
        ui_message_for(app, 600000, "%d forms have unsaved input (\"%s\" and %d more)", n,
                       top->title, n - 1);
    ui_input_begin(app,
                   n == 1 ? "quit and lose the unsaved form? (y/n) "
                          : "quit and lose the unsaved forms? (y/n) ",
                   "", on_quit_answer, NULL);
}

/* The message line's time is up. */
static void
on_message_expired(void *ctx, void *arg)
{
    struct app *app = ctx;

    (void)arg;
    app->ui->msg_timer = 0;
    app->ui->msg[0] = '\0';
    app->ui->chrome_dirty = 1;
}

static void
vmessage_for(struct app *app, int error, int ms, const char *fmt, va_list ap)
{
    struct ui *ui = app->ui;

    vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
    ui->msg_error = error;
    msg_toast = 0;
    timer_del(&app->timers, ui->msg_timer);
    ui->msg_timer = timer_add(&app->timers, now_ms() + ms, on_message_expired, NULL);
    ui->chrome_dirty = 1; /* the message line only: whatever else changed set ui->dirty */
}

/* A message is shown long enough to be read: 4 s for a short one, a fifth of a second more for
 * every word beyond the first ten (a refusal with its reason takes two lines at 80 columns and
 * went before it was read), and an error half as long again: it says what did not happen.
 * At most 9 s: a message that stays longer hides the next state of the status bar. */
static void
vmessage(struct app *app, int error, const char *fmt, va_list ap)
{
    struct ui *ui = app->ui;
    int ms = MSG_MS, words = 0;
    const char *p;

    vmessage_for(app, error, MSG_MS, fmt, ap);
    for (p = ui->msg; *p != '\0'; p++)
        if (*p == ' ' && p[1] != ' ' && p[1] != '\0')
            words++;
    if (words > 10)
        ms += (words - 10) * 200;
    if (error)
        ms += ms / 2;
    if (ms > MSG_MS_MAX)
        ms = MSG_MS_MAX;
    if (ms != MSG_MS) {
        timer_del(&app->timers, ui->msg_timer);
        ui->msg_timer = timer_add(&app->timers, now_ms() + ms, on_message_expired, NULL);
    }
}

void
ui_message_for(struct app *app, int ms, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmessage_for(app, 0, ms, fmt, ap);
    va_end(ap);
}

void
ui_message(struct app *app, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmessage(app, 0, fmt, ap);
    va_end(ap);
}

void
ui_message_error(struct app *app, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmessage(app, 1, fmt, ap);
    va_end(ap);
}

static void
init_colors(struct app *app)
{
    struct ui *ui = app->ui;
    enum config_color c = app->cfg->color;

    ui->color = 0;
    if (c == CONFIG_COLOR_NEVER || !has_colors())
        return;
    if (c == CONFIG_COLOR_AUTO && getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0')
        return;
    start_color();
    use_default_colors();
    init_pair(PAIR_TABS, COLOR_WHITE, COLOR_BLUE);
    init_pair(PAIR_TAB_ACTIVE, COLOR_BLACK, COLOR_CYAN);
    init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_WHITE);
    init_pair(PAIR_HIGHLIGHT, COLOR_YELLOW, -1);
    init_pair(PAIR_ERROR, COLOR_RED, -1);
    init_pair(PAIR_OFFLINE, COLOR_WHITE, COLOR_RED);
    init_pair(PAIR_HEADER, COLOR_CYAN, -1);
    init_pair(PAIR_DIM, COLOR_BLUE, -1);
    ui->color = 1;
}

static void count_inbox(struct app *app);
static void on_first_screen(void *ctx, void *arg);

/* The tab to start on: the configured view, else the department's own (docs/design.md §6). */
static int
start_tab(const char *name, const char *dept)
{
    const char *want = name;
    int i;

    if (want == NULL)
        want = strcmp(dept, "marketing") == 0    ? "leads"
               : strcmp(dept, "support") == 0    ? "tickets"
               : strcmp(dept, "sales") == 0      ? "deals"
               : strcmp(dept, "management") == 0 ? "dashboard"
               : strcmp(dept, "billing") == 0    ? "invoices"
                                                 : "accounts";
    for (i = 0; cmd_views[i] != NULL; i++)
        if (strcmp(cmd_views[i], want) == 0)
            return i;
    return 2;
}

/* Ctrl-C is a key (back, cancel, quit at the top: handle_key), not SIGINT: with the terminal's
 * ISIG on, a Ctrl-C typed right after ':' killed ccrm before the prompt could take it. Saved in
 * curses' program modes, so that every reset_prog_mode() (after libedit) keeps it. */
static void
keys_not_signals(void)
{
    struct termios t;

    if (tcgetattr(STDIN_FILENO, &t) == 0) {
        t.c_lflag &= ~(tcflag_t)ISIG;
        /* and no XON/XOFF from the start: a Ctrl-S pressed on a list (the save key of forms)
         * would stop the terminal's output, and the client with it, until a Ctrl-Q */
        t.c_iflag &= ~(tcflag_t)IXON;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
            def_prog_mode();
    }
}

static void offer_draft(struct app *app);
static void keep_drafts(struct app *app);
static void snapshot_draft(struct app *app);

int
ui_init(struct app *app, struct ccrm_err *err)
{
    struct ui *ui;
    const char *start = app->cfg->start_view;
    int i;

    if (ui_check_terminal(err) == -1)
        return -1;
    ui = xcalloc(1, sizeof *ui);
    app->ui = ui;
    ui->screen = newterm(NULL, stdout, stdin);
    if (ui->screen == NULL) {
        err_set(err, "could not start the full-screen client on this terminal");
        free(ui);
        app->ui = NULL;
        return -1;
    }
    /* ncurses (6.4) writes every cursor movement to the terminal by itself while the screen is
     * in its first state, which only a return from endwin() ends: a list's screen went out in
     * about 120 write()s, one per stretch of text, each a system call and a wake-up of the
     * terminal (or of sshd). Left once and taken back before anything is drawn, doupdate()
     * sends a screen in one write. First of all: endwin() also takes the keypad out of its
     * application mode, which keypad() below puts it in (arrow keys typed ahead of the first
     * key read would otherwise come in the other mode's codes: an Escape, then "[A"). */
    refresh();
    endwin();
    refresh();
    set_escdelay(25);
    cbreak();
    noecho();
    nonl();
    keys_not_signals();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    /* pasted text comes marked, so that its newlines cannot act as Enter and its letters as
     * keys (a mail pasted into a comment ran its later lines as commands) */
    define_key("\033[200~", KEY_PASTE_BEGIN);
    define_key("\033[201~", KEY_PASTE_END);
    ui_paste_mode(1);
    init_colors(app);
    getmaxyx(stdscr, ui->rows, ui->cols);
    /* the tabs in the order of cmd_views: a list of the registry's, or a view of its own,
     * made when first shown (ui_tab_view): a tab never opened costs no memory */
    for (i = 0; cmd_views[i] != NULL && ui->ntabs < UI_MAX_TABS; i++) {
        const struct entity *e;
        int own;
        const char *title = tab_kind(cmd_views[i], &own, &e);

        if (title != NULL)
            str_copy(ui->tab_title[ui->ntabs++], title, sizeof ui->tab_title[0]);
    }
    commands_set_db(app->db);   /* the keys under a record: the user's rights */
    db_set_display_tz(app->db); /* times on screen in the person's zone */
    /* a partner may read neither campaigns nor products: no tab that can only say so */
    if (db_is_partner(app->db)) {
        commands_set_partner(1);
        if ((i = ui_tab_of(app, "campaigns")) >= 0)
            ui->hidden[i] = 1;
        if ((i = ui_tab_of(app, "products")) >= 0)
            ui->hidden[i] = 1;
    }
    ui->tab = start_tab(start, db_department(app->db));
    if (ui->tab >= ui->ntabs || ui->hidden[ui->tab]) /* a view with no tab of its own */
        ui->tab = 0;
    ui_tab_view(app, ui->tab);
    /* the Inbox's count and the reminders' first look come right after the first screen (a
     * timer due at once): a new server process's first statements are slow */
    ui->first_screen_timer = timer_add(&app->timers, now_ms(), on_first_screen, NULL);
    reminders_start(app);
    offer_draft(app);
    ui->dirty = 1;
    ui->full_clear = 1;
    return 0;
}

void
ui_fini(struct app *app)
{
    struct ui *ui = app->ui;
    int i;

    if (ui == NULL)
        return;
    keep_drafts(app);
    mail_send_fini(app); /* mails still on their way go on: say so */
    crash_snapshot(NULL, 0);
    /* an orderly end: the drafts kept above (a signal) hold the forms, or they were saved */
    timer_del(&app->timers, live_timer);
    draft_keep_live(NULL, 0);
    strbuf_fini(&live_text);
    bill_ui_fini();
    for (i = 0; i < ui->depth; i++)
        ui->stack[i]->closing = 1;
    reap(app);
    for (i = 0; i < ui->ntabs; i++)
        if (ui->tabs[i] != NULL)
            ui->tabs[i]->ops->free(ui->tabs[i]);
    reminders_fini(app);
    timer_del(&app->timers, ui->msg_timer);
    timer_del(&app->timers, ui->countdown_timer);
    timer_del(&app->timers, ui->partner_timer);
    timer_del(&app->timers, ui->first_screen_timer);
    prompt_free(&ui->prompt); /* `:` prompt hook: libedit restores the tty before endwin */
    ui_paste_mode(0);
    endwin();
    delscreen(ui->screen);
    free(ui);
    app->ui = NULL;
}

void
ui_on_resize(struct app *app)
{
    struct ui *ui = app->ui;
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    getmaxyx(stdscr, ui->rows, ui->cols);
    ui->full_clear = 1;
    ui->dirty = 1;
}

/* What one read of the event stream brought, for the toast and the trace. */
struct wake {
    struct app *app;
    int n, mine, feed_unread;
    char toast[256];
    uint64_t toast_xid; /* the transaction of the change the toast names */
    int toast_inbox;    /* ... and the toast is one's Inbox line about it */
    uint64_t inbox_xid; /* the transaction of one's latest Inbox line (has_inbox) */
    int has_inbox;
    int others;
    /* the toast is one's own Inbox entry written by the scheduler (sched_kind): its words are
     * the entry's note, read once the events are (read_events) */
    int64_t sched_id;
    const char *sched_words;
    int64_t ids[UI_TRACE_IDS]; /* (for CCRM_TRACE: a read after a burst brings hundreds) */
    int nids;
};

/* What a toast calls a row of table: the registry's word, and the Feed's for the rows that
 * hang off records ("comment", "chat message"). */
static const char *
toast_noun(const char *table)
{
    static const struct {
        const char *table, *noun;
    } extra[] = {{"comments", "comment"},     {"chat_messages", "chat message"},
                 {"mentions", "mention"},     {"inbox", "inbox entry"},
                 {"messages", "mail"},        {"campaign_members", "campaign member"},
                 {"account_shares", "share"}, {NULL, NULL}};
    int i;

    if (entity_find(table) != NULL)
        return entity_noun(table, 1);
    for (i = 0; extra[i].table != NULL; i++)
        if (strcmp(extra[i].table, table) == 0)
            return extra[i].noun;
    return table;
}

/* Does the event's summary name its record already? A quote's and an invoice's do ("quote #5
 * …", "invoice 2026-00008 …", "credit note #13 (draft) …": schema/functions/30_events.sql);
 * the toast then names it once, in those words ("changed invoice 2026-00008 …", not "changed
 * invoice #8 invoice 2026-00008 …", nor "invoice #13" for a credit note). */
static int
names_itself(const char *table, const char *summary)
{
    if (strcmp(table, "quotes") == 0)
        return strncmp(summary, "quote #", 7) == 0;
    return strcmp(table, "invoices") == 0 &&
           (strncmp(summary, "invoice ", 8) == 0 || strncmp(summary, "credit note ", 12) == 0);
}

/* The toast's change is also in one's Inbox (a record one follows): it begins "Inbox: ". */
static void
prefix_inbox(struct wake *w)
{
    char t[sizeof w->toast + 8];

    snprintf(t, sizeof t, "Inbox: %s", w->toast);
    str_copy(w->toast, t, sizeof w->toast);
}

/* Is an inbox entry's event summary ("<kind>[ ×N] for <login>[ (quiet)]", schema/functions/
 * 30_events.sql) about an entry for login that pings (not a quiet one)? */
static int
inbox_for(const char *summary, const char *login)
{
    size_t sl = strlen(summary), ll = strlen(login);

    return sl >= ll + 5 && strcmp(summary + sl - ll, login) == 0 &&
           strncmp(summary + sl - ll - 5, " for ", 5) == 0;
}

/* The words for an inbox entry of a kind the scheduler writes (ccrm --tick: SLA breaches and
 * warnings, digests), or NULL for the others. Such an entry is from nobody: its event's actor
 * is whoever ran the scheduler, which says nothing to its recipient. */
static const char *
sched_kind(const char *summary)
{
    static const struct {
        const char *kind, *words;
    } kinds[] = {
        {"sla_breach", "SLA breach"}, {"sla_warning", "SLA warning"}, {"digest", "digest"}};
    size_t i, n;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        n = strlen(kinds[i].kind);
        if (strncmp(summary, kinds[i].kind, n) == 0 && summary[n] == ' ')
            return kinds[i].words;
    }
    return NULL;
}

static int
on_event(const struct event *ev, void *ctx)
{
    struct wake *w = ctx;
    const char *what = strcmp(ev->op, "insert") == 0   ? "new"
                       : strcmp(ev->op, "delete") == 0 ? "deleted"
                       : strcmp(ev->op, "update") == 0 ? "changed"
                                                       : "bulk";

    struct ui *ui = w->app->ui;
    const char *me = db_login(w->app->db), *sched = NULL;
    int same, inbox;

    w->n++;
    if (trace_enabled() && w->nids < (int)(sizeof w->ids / sizeof w->ids[0]))
        w->ids[w->nids++] = ev->id;
    if (ui->nwake < (int)(sizeof ui->wake_ev / sizeof ui->wake_ev[0])) {
        struct wake_event *we = &ui->wake_ev[ui->nwake++];

        str_copy(we->entity, ev->entity, sizeof we->entity);
        str_copy(we->op, ev->op, sizeof we->op);
        we->id = ev->entity_id;
        we->ev_id = ev->id;
    } else {
        ui->wake_valid = 0; /* too many to tell: everyone re-reads */
    }
    /* a reminder rings (for its person only) and is never toasted */
    if (reminders_on_event(w->app, ev)) {
        w->mine++;
        return 0;
    }
    /* inbox entries are everyone's to see, but only one's own deserve a toast */
    if (strcmp(ev->entity, "inbox") == 0) {
        if (!inbox_for(ev->summary, me)) {
            w->mine++; /* not counted on the Feed tab either */
            return 0;
        }
        sched = sched_kind(ev->summary);
    }
    /* one's own doing is no news; but the scheduler's notices are nobody's doing, even when
     * the person who ran it is the one told (a breach always pings: docs/ccrm.1) */
    if (strcmp(ev->actor, me) == 0 && sched == NULL) {
        w->mine++;
        return 0;
    }
    /* the rest of the bookkeeping (someone follows a record, sets quiet hours) is not news */
    if (entity_is_bookkeeping(ev->entity) && strcmp(ev->entity, "inbox") != 0 &&
        strcmp(ev->entity, "mentions") != 0) {
        w->mine++;
        return 0;
    }
    /* one's own Inbox line about a change of the same transaction (a record one follows, a
     * mention) is that change, not one more: the toast begins "Inbox: " (a narrow line cuts
     * its end), whichever of them came first */
    inbox = strcmp(ev->entity, "inbox") == 0;
    same = w->toast[0] != '\0' && ev->xid == w->toast_xid;
    if (inbox) {
        w->inbox_xid = ev->xid;
        w->has_inbox = 1;
    }
    /* the scheduler's notice to me is the toast, whatever else its pass changed (read_events
     * words it from the entry); the rest of that pass is part of it */
    if (sched != NULL) {
        if (w->toast[0] != '\0')
            w->others++;
        w->toast_xid = ev->xid;
        w->toast_inbox = 1;
        snprintf(w->toast, sizeof w->toast, "Inbox: %s", sched);
        w->sched_id = ev->entity_id;
        w->sched_words = sched;
        return 0;
    }
    if (w->sched_id != 0 && same)
        return 0;
    if (inbox && same) {
        if (!w->toast_inbox && strncmp(w->toast, "Inbox: ", 7) != 0)
            prefix_inbox(w);
        return 0;
    }
    /* the toast names the latest change by someone else, and counts the rest */
    if (w->toast[0] != '\0' && !(same && w->toast_inbox))
        w->others++;
    w->toast_xid = ev->xid;
    w->toast_inbox = inbox;
    if (strcmp(ev->op, "bulk") == 0)
        snprintf(w->toast, sizeof w->toast, "%s%s%s%s: %s", ev->actor,
                 ev->department[0] ? " (" : "", ev->department, ev->department[0] ? ")" : "",
                 ev->summary);
    else if (names_itself(ev->entity, ev->summary))
        snprintf(w->toast, sizeof w->toast, "%s%s%s%s: %s %s", ev->actor,
                 ev->department[0] ? " (" : "", ev->department, ev->department[0] ? ")" : "", what,
                 ev->summary);
    else
        snprintf(w->toast, sizeof w->toast, "%s%s%s%s: %s %s #%lld %s", ev->actor,
                 ev->department[0] ? " (" : "", ev->department, ev->department[0] ? ")" : "", what,
                 toast_noun(ev->entity), (long long)ev->entity_id, ev->summary);
    w->sched_id = 0;
    if (!inbox && w->has_inbox && w->inbox_xid == ev->xid)
        prefix_inbox(w);
    return 0;
}

/* The toast of the scheduler's notice to me in its entry's words: "Inbox: SLA breach: ticket
 * #12 Printer down: first response target breached at 2026-11-20 09:00" (the note names the
 * ticket and the clock: schema/functions/90_service.sql, ccrm_tick; the hidden whole_note
 * column, since the Note column leaves out the record). Left as it is ("Inbox: SLA breach")
 * when the entry cannot be read. */
static void
sched_toast(struct app *app, struct wake *w)
{
    struct list_query lq;
    struct ccrm_err err;
    struct row r;
    int c, note = -1;

    memset(&lq, 0, sizeof lq);
    memset(&r, 0, sizeof r);
    lq.e = entity_find("inbox");
    if (lq.e == NULL || lq.e->list == NULL)
        return;
    for (c = 0; c < lq.e->list->ncols; c++)
        if (strcmp(lq.e->list->cols[c].name, "whole_note") == 0)
            note = c;
    if (note < 0 || db_list_fetch_one(app->db, &lq, w->sched_id, &r, &err) != 1)
        return;
    if (r.col[note] != NULL && r.col[note][0] != '\0')
        snprintf(w->toast, sizeof w->toast, "Inbox: %s: %s", w->sched_words, r.col[note]);
    row_fini(&r);
}

/* Read the events since the cursor: a toast for what others did, the Feed tab's count, and
 * the ids for the latency trace. Returns the number of events read, or -1. */
static int
read_events(struct app *app)
{
    struct ui *ui = app->ui;
    struct view *v = ui_active(ui);
    struct wake w;
    struct event_window win;
    struct ccrm_err err;
    int asked, n, i;

    memset(&w, 0, sizeof w);
    w.app = app;
    ui->nwake = 0;
    ui->wake_valid = 1;
    ui->wake_window_view = NULL;
    /* a list on screen asks with the same statement whether the events touch its window */
    asked = v != NULL && v->ops->window != NULL && v->ops->window(v, &win);
    n = db_events_since_ui(app->db, &app->events, asked ? &win : NULL, on_event, &w, &err);
    if (n < 0 && asked && db_state(app->db) == DB_READY) {
        /* the window check failed, not the connection: read the events without it and let
         * the list re-read. The read streams and moves the cursor with every event: those
         * delivered before the failure stay counted in w and the wake-ups (they are not read
         * again), the rest come now */
        asked = 0;
        n = db_events_since_ui(app->db, &app->events, NULL, on_event, &w, &err);
    }
    if (n < 0) {
        ui->wake_valid = 0;
        return -1;
    }
    if (asked) {
        ui->wake_window_view = v;
        ui->wake_in_window = win.in_window;
    }
    if (w.sched_id != 0)
        sched_toast(app, &w);
    /* an error the person has not had time to read is not covered by someone else's change,
     * nor what a question on the bottom line is about ("the answer goes to ..." above "send
     * the answer?"): the Feed tab counts it; the message expires as every message does */
    if (w.toast[0] != '\0' && !(ui->msg[0] != '\0' && (ui->msg_error || ui->input))) {
        if (w.others > 0)
            ui_message(app, "%s (and %d more change%s)", w.toast, w.others,
                       w.others == 1 ? "" : "s");
        else
            ui_message(app, "%s", w.toast);
        /* one line however long: the Feed has it whole, and others' changes come too often
         * to cover the view's rows */
        msg_toast = 1;
    }
    reminders_after_read(app); /* after the toast: a reminder's message wins */
    if (ui->ntabs > 0 && ui->tab != 0)
        ui->feed_unread += w.n - w.mine; /* what others did */
    /* added to those not painted yet: two reads can come before one paint (a wake-up's
     * leading edge, then a due timer in the same turn of the loop) */
    for (i = 0; trace_enabled() && i < w.nids &&
                ui->ntrace_ids < (int)(sizeof ui->trace_ids / sizeof ui->trace_ids[0]);
         i++)
        ui->trace_ids[ui->ntrace_ids++] = w.ids[i];
    return n;
}

/* A partner's client: has what is shared with him changed since the last look? A share or
 * unshare is no event he may read, so nothing else would tell his open views. The first look
 * only remembers. */
static int
shares_changed(struct app *app)
{
    struct ui *ui = app->ui;
    struct ccrm_err err;
    char fp[sizeof ui->shares_seen];
    int changed;

    if (!db_is_partner(app->db) || db_shares_seen(app->db, fp, sizeof fp, &err) == -1)
        return 0;
    changed = ui->shares_seen[0] != '\0' && strcmp(fp, ui->shares_seen) != 0;
    str_copy(ui->shares_seen, fp, sizeof ui->shares_seen);
    return changed;
}

/* The Inbox tab's count of unread entries. */
static void
count_inbox(struct app *app)
{
    struct ccrm_err err;
    int n = db_inbox_unread(app->db, &err);

    if (n >= 0)
        app->ui->inbox_unread = n;
}

static void
on_first_screen(void *ctx, void *arg)
{
    struct app *app = ctx;

    (void)arg;
    app->ui->first_screen_timer = 0;
    count_inbox(app);
    (void)shares_changed(app); /* a partner's first look: what is shared with him now */
    reminders_first_look(app);
    app->ui->chrome_dirty = 1;
}

static void on_partner_look(void *ctx, void *arg);

/* One wake-up: read the events, then let the views re-read what they concern. forced (after a
 * reconnect): the views re-read even when no event came, since anything may have changed while
 * the client was away. */
static void
wakeup(struct app *app, int forced)
{
    struct ui *ui = app->ui;
    struct view *v = ui_active(ui);
    int i, n, inbox = 0;

    n = read_events(app);
    if (n >= 0 && shares_changed(app)) {
        ui->wake_valid = 0; /* shared or unshared: every view re-reads */
        forced = 1;
    }
    /* A partner's rows can change by writes whose events he may not read (a record moved to
     * an account not shared with him, a comment made internal, an import, a statement over
     * many accounts): a wake-up that brought him nothing re-reads his view all the same, at
     * most every PARTNER_LOOK_MS (then, or by a timer at the end of that time). Partners are
     * few; the company's clients keep skipping what cannot concern them. */
    if (n == 0 && ui->wake_valid && !forced && db_is_partner(app->db)) {
        if (now_ms() - ui->partner_look_ms >= PARTNER_LOOK_MS) {
            ui->wake_valid = 0;
            forced = 1;
        } else if (ui->partner_timer == 0) {
            ui->partner_timer = timer_add(&app->timers, ui->partner_look_ms + PARTNER_LOOK_MS,
                                          on_partner_look, NULL);
        }
    }
    if (n == 0 && ui->wake_valid && !forced) {
        /* Nothing new that this user may see: any role can send NOTIFY ccrm, so a wake-up is
         * only "go and look", and this look cost one query. No view re-reads; a view that
         * shows what has no events (who else is here) checks that alone. */
        app->quiet_wakeups++;
        if (v != NULL && v->ops->on_quiet_wakeup != NULL && v->ops->on_quiet_wakeup(v, app))
            ui->dirty = 1;
        return;
    }
    app->quiet_wakeups = 0;
    ui->partner_look_ms = now_ms();
    for (i = 0; i < ui->nwake; i++)
        if (strcmp(ui->wake_ev[i].entity, "inbox") == 0)
            inbox = 1;
    if (inbox || !ui->wake_valid)
        count_inbox(app);
    /* the visible view re-reads now; the others when they are shown again */
    for (i = 0; i < ui->ntabs; i++)
        if (ui->tabs[i] != NULL && ui->tabs[i] != v)
            ui->tabs[i]->dirty = 1;
    if (v != NULL)
        v->kept = 0;
    if (v != NULL && v->ops->on_wakeup != NULL)
        v->ops->on_wakeup(v, app);
    /* the toast and the tabs' counts may have changed; the view only if it says so */
    if (v != NULL && v->kept)
        ui->chrome_dirty = 1;
    else
        ui->dirty = 1;
}

/* A partner's look that a quiet wake-up put off (wakeup) */
static void
on_partner_look(void *ctx, void *arg)
{
    struct app *app = ctx;

    (void)arg;
    app->ui->partner_timer = 0;
    if (db_state(app->db) == DB_READY)
        wakeup(app, 0);
}

/* While offline, the status bar counts down to the next attempt: repaint it every second. */
static void
on_countdown(void *ctx, void *arg)
{
    struct app *app = ctx;

    (void)arg;
    app->ui->countdown_timer = 0;
    if (app->reconnect_at == 0)
        return;
    app->ui->chrome_dirty = 1;
    app->ui->countdown_timer = timer_add(&app->timers, now_ms() + 1000, on_countdown, NULL);
}

void
ui_on_wakeup(struct app *app)
{
    wakeup(app, 0);
}

/* Why a connection could not be made, as a person reads it. A server's unix socket missing,
 * refusing or not ours is said by src/db/conn.c (socket_reason), whatever language libpq
 * speaks. For a TCP host libpq's text names it, then says only errno's words ("connection to
 * server at "db1" (10.0.0.5), port 5432 failed: Connection refused"): what they mean is said,
 * with the host kept. The server's own words (a disabled login, a server shutting down) and
 * every other reason are said as they are. */
static void
reconnect_why(const char *raw, char *out, size_t n)
{
    const char *why = raw, *p, *q;
    char where[300] = "", lower[128];
    size_t i;

    if ((p = strstr(raw, "server at \"")) != NULL && (q = strchr(p + 11, '"')) != NULL) {
        const char *port = strstr(q, "port ");

        snprintf(where, sizeof where, "%.*s%s%.*s", (int)(q - p - 11), p + 11,
                 port != NULL ? ", port " : "",
                 port != NULL ? (int)strspn(port + 5, "0123456789") : 0,
                 port != NULL ? port + 5 : "");
    }
    /* the server's words first: libpq's text names the host before them */
    for (p = strstr(why, "failed: "); p != NULL; p = strstr(p + 1, "failed: "))
        why = p + strlen("failed: ");
    if (strncmp(why, "FATAL:", 6) == 0)
        why += 6;
    while (*why == ' ')
        why++;
    if (where[0] == '\0' || why == raw) {
        str_copy(out, why, n);
    } else if (strncmp(why, "Connection refused", 18) == 0) {
        snprintf(out, n, "the database server at %s refused the connection (is it running?)",
                 where);
    } else if (strstr(why, "timed out") != NULL || strstr(why, "unreachable") != NULL ||
               strstr(why, "No route to host") != NULL) {
        for (i = 0; why[i] != '\0' && i + 1 < sizeof lower; i++)
            lower[i] =
                i == 0 && why[i] >= 'A' && why[i] <= 'Z' ? (char)(why[i] + 'a' - 'A') : why[i];
        lower[i] = '\0';
        snprintf(out, n, "the database server at %s cannot be reached (%s)", where, lower);
    } else {
        str_copy(out, why, n);
    }
}

void
ui_on_connection(struct app *app)
{
    if (app->ui == NULL)
        return;
    if (app->reconnect_at != 0 && app->ui->countdown_timer == 0)
        app->ui->countdown_timer = timer_add(&app->timers, now_ms() + 1000, on_countdown, NULL);
    /* (an error the person has not had time to read, such as why the save or the mail just
     * tried did not go, is not covered by it: the reason is said at a later try, once that
     * error has gone; the status bar says offline meanwhile) */
    if (db_state(app->db) == DB_OFFLINE && db_connect_error(app->db)[0] != '\0' &&
        strcmp(db_connect_error(app->db), app->ui->conn_error_shown) != 0 &&
        !(app->ui->msg_error && app->ui->msg[0] != '\0' && app->ui->msg_timer != 0)) {
        /* why it cannot get back (a disabled login, a changed password, a server gone), once
         * per new reason: the status bar counts down to the next try */
        char why[512];

        str_copy(app->ui->conn_error_shown, db_connect_error(app->db),
                 sizeof app->ui->conn_error_shown);
        reconnect_why(db_connect_error(app->db), why, sizeof why);
        /* the private database is this person's own: nobody else starts it again */
        ui_message_error(app, "cannot reconnect: %s%s", why,
                         app->private_db ? " (if the private database stopped: ccrm --local-start "
                                           "in another terminal starts it)"
                                         : "");
    }
    if (db_state(app->db) == DB_READY) {
        app->ui->conn_error_shown[0] = '\0';
        db_set_display_tz(app->db); /* a new session: the person's zone again */
        ui_message(app, "connection restored");
        wakeup(app, 1);
        reminders_check(app); /* what fell due while away */
    }
    app->ui->dirty = 1;
}

/* How a tab's label is written, from the longest to the shortest: " 3 Accounts "; the same
 * without its trailing blank (the tabs then one blank apart), its title cut to at most `cap`
 * cells ("Acco…") when cap > 0; the same cut to its first three letters, unmarked (" 3 Acc":
 * short names, each still telling which tab it is; a title of four letters stays whole);
 * " 3 " (the key only: the tabs after the tenth, which have no key, keep their title); and,
 * when not even that fits, the tabs after the tenth cut to their first letters. Counts (the
 * Feed's, the Inbox's) stay. */
enum tab_form { TAB_FULL, TAB_COMPACT, TAB_SHORT, TAB_KEY, TAB_LETTERS };

static void
tab_label(struct ui *ui, int i, enum tab_form form, int cap, char *buf, size_t n)
{
    int count = i == 0 ? ui->feed_unread : (i == UI_INBOX_TAB ? ui->inbox_unread : 0);
    int titled = form == TAB_FULL || form == TAB_COMPACT || form == TAB_SHORT;
    const char *end = form == TAB_FULL || form == TAB_KEY || form == TAB_LETTERS ? " " : "";
    char c[24] = "", title[sizeof ui->tab_title[0] + 4];

    if (count >= INBOX_COUNT_MAX && i == UI_INBOX_TAB)
        snprintf(c, sizeof c, titled || i >= 10 ? " (%d+)" : "(%d+)", INBOX_COUNT_MAX - 1);
    else if (count > 0)
        snprintf(c, sizeof c, titled || i >= 10 ? " (%d)" : "(%d)", count);
    /* (the titles are the registry's, in ASCII: a byte is a cell) */
    if (form == TAB_LETTERS || (form == TAB_SHORT && strlen(ui->tab_title[i]) > 4))
        snprintf(title, sizeof title, "%.3s", ui->tab_title[i]);
    else if (cap > 1 && (int)strlen(ui->tab_title[i]) > cap)
        snprintf(title, sizeof title, "%.*s…", cap - 1, ui->tab_title[i]);
    else
        str_copy(title, ui->tab_title[i], sizeof title);
    /* 1-9 and 0 are keys; the tabs after the tenth have none, so no number either */
    if (i >= 10)
        snprintf(buf, n, " %s%s%s", title, c, end);
    else if (titled)
        snprintf(buf, n, " %d %s%s%s", (i + 1) % 10, title, c, end);
    else
        snprintf(buf, n, " %d%s ", (i + 1) % 10, c);
}

/* The tab bar's layouts, from the widest: every title whole, two blanks apart, then one; every
 * title cut to the same length (the current tab's stays whole, and its neighbours' where the
 * room left allows); to three letters; to three letters the current one too (cap 1: it is
 * marked by its colour; "8 Inbox (12)" at 80 columns left no room for a whole "Campaigns", and
 * every other tab fell to its bare key); the keys 1-9 and 0 alone. */
static const struct {
    enum tab_form form;
    int cap;
} tab_layouts[] = {{TAB_FULL, 0},    {TAB_COMPACT, 0}, {TAB_COMPACT, 8}, {TAB_COMPACT, 7},
                   {TAB_COMPACT, 6}, {TAB_COMPACT, 5}, {TAB_SHORT, 0},   {TAB_SHORT, 1},
                   {TAB_KEY, 0},     {TAB_LETTERS, 0}};
#define TAB_LAYOUTS ((int)(sizeof tab_layouts / sizeof tab_layouts[0]))

/* Tab i's label in layout k: the current tab always keeps its whole title, and so does a tab
 * named whole (whole[i]: the current tab's neighbours, when the cut titles, the short names or
 * the keys leave room) */
static void
tab_label_in(struct ui *ui, int i, int k, const unsigned char *whole, char *buf, size_t n)
{
    enum tab_form form = tab_layouts[k].form;

    if (form == TAB_FULL || form == TAB_COMPACT)
        tab_label(ui, i, form, i == ui->tab || whole[i] ? 0 : tab_layouts[k].cap, buf, n);
    else if (form == TAB_SHORT)
        tab_label(ui, i,
                  (i == ui->tab && tab_layouts[k].cap == 0) || whole[i] ? TAB_COMPACT : TAB_SHORT,
                  0, buf, n);
    else if (i == ui->tab || whole[i] || (i >= 10 && form == TAB_KEY))
        tab_label(ui, i, TAB_FULL, 0, buf, n);
    else
        tab_label(ui, i, i >= 10 ? TAB_LETTERS : TAB_KEY, 0, buf, n);
}

/* How wide the tab bar is in layout k (without the name " ccrm ") */
static int
tabs_width(struct ui *ui, int k, const unsigned char *whole)
{
    char label[96];
    int i, total = tab_layouts[k].form == TAB_COMPACT || tab_layouts[k].form == TAB_SHORT;

    /* (a blank after the last label, in the layouts whose labels have none of their own) */
    for (i = 0; i < ui->ntabs; i++)
        if (!ui->hidden[i]) {
            tab_label_in(ui, i, k, whole, label, sizeof label);
            total += text_width(label);
        }
    return total;
}

static void
draw_tabs(struct app *app)
{
    struct ui *ui = app->ui;
    int x = 0, i, k, d, total = 0, brand;
    attr_t bar = ui_attr(app, PAIR_TABS, A_REVERSE);
    char label[96];
    unsigned char whole[UI_MAX_TABS] = {0};

    /* the widest layout in which every tab fits, the same for all of them: each tab readable
     * (its title, its short name or its key), never one cut to a few letters beside others
     * written out. The name " ccrm " on the left gives way before a title is cut, and comes
     * back with the keys */
    for (k = 0; k < TAB_LAYOUTS - 1; k++) {
        total = tabs_width(ui, k, whole);
        if (total + (tab_layouts[k].form == TAB_FULL ? 6 : 0) <= ui->cols)
            break;
    }
    /* titles cut, short names or keys (80 columns): the room left names the current tab's
     * neighbours whole, the nearest first, so that where one is and the tabs beside it read as
     * words (a partner's ten tabs at 80 columns on Deals: "6 Tickets", where all were cut) */
    if ((tab_layouts[k].form == TAB_COMPACT && tab_layouts[k].cap > 0) ||
        tab_layouts[k].form == TAB_SHORT || tab_layouts[k].form == TAB_KEY)
        /* (where the current tab is short too, no other is named whole: "5 Deals 6 Tic" read
         * as if Deals were the tab one is on) */
        for (d = tab_layouts[k].cap == 1 ? 0 : 1;
             d < ui->ntabs && (d == 0 || whole[ui->tab] || tab_layouts[k].cap != 1); d++)
            for (i = ui->tab + d; i >= ui->tab - d; i -= d > 0 ? 2 * d : 1)
                if (i >= 0 && i < ui->ntabs && !ui->hidden[i]) {
                    int t;

                    whole[i] = 1;
                    if ((t = tabs_width(ui, k, whole)) <= ui->cols)
                        total = t;
                    else
                        whole[i] = 0;
                }
    /* (the last layout, letters, is for when even the keys do not fit: no room for the name) */
    brand = tab_layouts[k].form != TAB_LETTERS && tab_layouts[k].form != TAB_SHORT &&
                    tab_layouts[k].cap == 0 && total + 6 <= ui->cols
                ? 6
                : 0;
    draw_text(stdscr, 0, 0, "", ui->cols, bar);
    if (brand)
        draw_text(stdscr, 0, 0, " ccrm ", 6 < ui->cols ? 6 : ui->cols, bar | A_BOLD);
    x = brand;
    for (i = 0; i < ui->ntabs && x < ui->cols; i++) {
        int w;

        if (ui->hidden[i])
            continue;
        tab_label_in(ui, i, k, whole, label, sizeof label);
        w = text_width(label);
        if (x + w > ui->cols)
            w = ui->cols - x;
        draw_text(stdscr, 0, x, label, w,
                  i == ui->tab ? ui_attr(app, PAIR_TAB_ACTIVE, A_BOLD) : bar);
        x += w;
    }
}

/* The status bar, on line y. */
static void
draw_status(struct app *app, int y)
{
    struct ui *ui = app->ui;
    struct view *v = ui_active(ui);
    char left[512], state[64], desc[200] = "";
    attr_t bar = ui_attr(app, PAIR_STATUS, A_REVERSE);
    const char *hint = " ?:help ";
    int hw = text_width(hint);
    attr_t sattr = bar;

    switch (db_state(app->db)) {
    case DB_READY:
        snprintf(state, sizeof state, " online ");
        break;
    case DB_CONNECTING:
        snprintf(state, sizeof state, " connecting… ");
        sattr = ui_attr(app, PAIR_OFFLINE, A_REVERSE | A_BOLD);
        break;
    default:
        if (app->reconnect_at != 0)
            snprintf(state, sizeof state, " offline, retry in %llds ",
                     (long long)((app->reconnect_at - now_ms() + 999) / 1000));
        else
            snprintf(state, sizeof state, " offline ");
        sattr = ui_attr(app, PAIR_OFFLINE, A_REVERSE | A_BOLD);
        break;
    }
    if (v != NULL && v->ops->describe != NULL)
        v->ops->describe(v, desc, sizeof desc);
    /* most useful first: what the view shows, then who, then where (truncated first) */
    snprintf(left, sizeof left, " %s%s%s (%s) │ %s", desc, desc[0] ? " │ " : "",
             db_display_name(app->db),
             db_department(app->db)[0] ? db_department(app->db) : "no department",
             app->private_db ? "private database" : db_where(app->db));
    draw_text(stdscr, y, 0, state, text_width(state) < ui->cols ? text_width(state) : ui->cols,
              sattr);
    if (text_width(state) < ui->cols) {
        int x = text_width(state);
        int room = ui->cols - x - (ui->cols - x > hw + 10 ? hw : 0);

        draw_text(stdscr, y, x, left, room, bar);
        if (x + room < ui->cols)
            draw_text(stdscr, y, x + room, hint, ui->cols - x - room, bar);
    }
}

/* How many lines the message takes (1: as always, cut to the line if need be), and where each
 * begins: one wider than the screen is wrapped at its blanks, up to MSG_LINES lines (the last
 * one cut), leaving the tab bar, a row of the view and the status bar. A toast stays on one
 * line, as does what the `:` prompt covers. */
static int
msg_lines(struct app *app, size_t *starts)
{
    struct ui *ui = app->ui;
    int max = ui->rows - 3 < MSG_LINES ? ui->rows - 3 : MSG_LINES, n;

    starts[0] = 0;
    if (ui->msg[0] == '\0' || msg_toast || max < 2 || prompt_is_open(app) ||
        text_width(ui->msg) <= ui->cols)
        return 1;
    n = text_wrap(ui->msg, ui->cols, starts, max);
    return n < 1 ? 1 : n;
}

/* The message's n lines from line y down; the last one goes on to the end (cut if need be). */
static void
draw_msg(struct app *app, int y, const size_t *starts, int n, attr_t attr)
{
    struct ui *ui = app->ui;
    char part[sizeof ui->msg];
    int r;

    for (r = 0; r < n; r++) {
        if (r + 1 < n)
            snprintf(part, sizeof part, "%.*s", (int)(starts[r + 1] - starts[r]),
                     ui->msg + starts[r]);
        else
            str_copy(part, ui->msg + starts[r], sizeof part);
        draw_text(stdscr, y + r, 0, part, ui->cols, attr);
    }
}

/* The bottom line: the prompt, the line input (with a message above it), or the message on
 * the nml lines of msg_lines. */
static void
draw_bottom(struct app *app, const size_t *starts, int nml)
{
    struct ui *ui = app->ui;
    int y = ui->rows - 1;

    if (prompt_is_open(app)) { /* `:` prompt hook (src/ui/prompt.c) */
        prompt_draw(app, y);
        return;
    }
    if (ui->input) {
        char buf[UI_INPUT_MAX * 4 + 64];
        char line[UI_INPUT_MAX * 4];
        int lab, tw, lw, cx;

        /* a message that arrived while typing (why a save was refused) shows above the line,
         * over the status bar, until it expires */
        if (ui->msg[0] != '\0')
            draw_msg(app, y - nml, starts, nml,
                     ui->msg_error ? ui_attr(app, PAIR_ERROR, A_BOLD | A_REVERSE) : A_REVERSE);

        /* the longest form of the question that fits this width (it changes on a resize) */
        if (ui->input_nlabels > 1) {
            int i = 0;

            while (i < ui->input_nlabels - 1 && text_width(ui->input_labels[i]) >= ui->cols)
                i++;
            str_copy(ui->input_label, ui->input_labels[i], sizeof ui->input_label);
        }
        wcstombs(line, ui->ibuf, sizeof line);
        snprintf(buf, sizeof buf, "%s%s", ui->input_label, line);
        /* (the text typed as typed: a zero-width character as '?', which the cursor counts) */
        draw_input(stdscr, y, 0, buf, ui->cols, A_NORMAL);
        /* cursor column: label + width of the text before the cursor */
        lab = text_input_width(ui->input_label);
        tw = text_wcswidth(ui->ibuf, (size_t)ui->icur);
        lw = lab + tw;
        cx = lw < ui->cols ? lw : ui->cols - 1;
        if (ui->isel && lw < ui->cols)
            mvchgat(y, lab, tw, A_REVERSE, 0, NULL); /* shown selected: typing replaces it */
        if (lw >= ui->cols && ui->cols > 4) {
            /* longer than the screen (a long question, a long path after it): the question
             * stays in sight, cut with "…" where it must (to half the line when text is
             * typed after it), and the text that ends at the cursor follows, after "…" when
             * it is cut too, so that what is typed stays in sight */
            int room = lab < ui->cols / 2 ? lab : ui->cols / 2, start = ui->icur, w = 0, cw;

            if (room < ui->cols - 1 - tw)
                room = ui->cols - 1 - tw;
            draw_text(stdscr, y, 0, ui->input_label, room, A_NORMAL);
            if (room + tw < ui->cols) {
                /* the text before the cursor fits beside the cut question */
                draw_input(stdscr, y, room, buf + strlen(ui->input_label), ui->cols - room,
                           A_NORMAL);
                cx = room + tw;
            } else {
                while (start > 0) {
                    cw = wcwidth(ui->ibuf[start - 1]);
                    cw = cw < 1 ? 1 : cw;
                    if (w + cw > ui->cols - room - 2)
                        break;
                    w += cw;
                    start--;
                }
                wcstombs(line, ui->ibuf + start, sizeof line);
                snprintf(buf, sizeof buf, "…%s", line);
                draw_input(stdscr, y, room, buf, ui->cols - room, A_NORMAL);
                cx = room + 1 + w;
            }
        }
        move(y, cx);
        curs_set(1);
        return;
    }
    curs_set(0);
    if (ui->msg[0] != '\0')
        draw_msg(app, y - nml + 1, starts, nml,
                 ui->msg_error ? ui_attr(app, PAIR_ERROR, A_BOLD) : A_NORMAL);
    else
        draw_text(stdscr, y, 0, "", ui->cols, A_NORMAL);
}

/* One line of the help's body: line number *vy of them all, drawn if it is among the avail
 * lines shown from skip on (at y0 and below). */
static void
help_put(int *vy, int skip, int avail, int y0, int x, int width, const char *line)
{
    int r = *vy - skip;

    if (r >= 0 && r < avail)
        draw_text(stdscr, y0 + r, x, line, width, A_REVERSE);
    (*vy)++;
}

/* A line of the help: the key (kl bytes of key) in a column 12 wide on the screen, then the
 * text. Padded by width, not by bytes: "↑ ↓" is 7 bytes and 3 columns. */
static void
help_line(char *line, size_t size, const char *key, int kl, const char *text)
{
    char k[64];
    int pad;

    snprintf(k, sizeof k, "%.*s", kl, key);
    pad = 12 - text_width(k);
    snprintf(line, size, "  %s%*s %s", k, pad > 0 ? pad : 0, "", text);
}

/* The help's body: the view's own keys, a blank line, the actions' and the global keys, a
 * blank line. Draws the avail lines from skip on (none with avail 0); returns how many lines
 * there are in all. */
static int
help_body(const char *const *own, const char **acts, int nacts, int x, int width, int y0, int skip,
          int avail)
{
    char part[256], line[sizeof part + 80]; /* + the key and its column */
    int vy = 0, l, i;

    for (l = 0; l < 2; l++) {
        int n = l == 0 ? 0 : nacts;

        if (l == 0)
            while (own != NULL && own[n] != NULL)
                n++;
        for (i = 0; i < n; i++) {
            const char *s = l == 0 ? own[i] : acts[i];
            const char *tab = strchr(s, '\t');
            const char *text = tab ? tab + 1 : "";
            int kl = tab ? (int)(tab - s) : 0, nr, r;
            /* a line at least of every byte: the list of commands at 24 columns is long */
            size_t *starts = xmalloc((strlen(text) + 1) * sizeof *starts);

            /* a text wider than the box goes on under itself (the list of commands) */
            nr = width > 20 ? text_wrap(text, width - 15, starts, (int)strlen(text) + 1) : 0;
            if (nr <= 1) {
                help_line(line, sizeof line, s, kl, text);
                help_put(&vy, skip, avail, y0, x, width, line);
                free(starts);
                continue;
            }
            for (r = 0; r < nr; r++) {
                size_t end = r + 1 < nr ? starts[r + 1] : strlen(text);

                snprintf(part, sizeof part, "%.*s", (int)(end - starts[r]), text + starts[r]);
                help_line(line, sizeof line, s, r == 0 ? kl : 0, part);
                help_put(&vy, skip, avail, y0, x, width, line);
            }
            free(starts);
        }
        help_put(&vy, skip, avail, y0, x, width, "");
    }
    return vy;
}

/* The keys handle_key takes before any view, forms too: in the help after the global keys of
 * commands_help (before the commands), or after a form's own. */
static const char screen_help[] = "Ctrl-Z\tsuspend ccrm (fg in the shell resumes it)";

/* The help's lines after the view's own: commands_help's, with screen_help among them. */
static int
help_lines(struct view *v, const char **lines, int max)
{
    int n = commands_help(v, lines, max - 1), at = n, i;

    for (i = 0; i < n; i++)
        if (strncmp(lines[i], ":\t", 2) == 0) {
            at = i;
            break;
        }
    memmove(lines + at + 1, lines + at, (size_t)(n - at) * sizeof *lines);
    lines[at] = screen_help;
    return n + 1;
}

/* The help overlay: the view's own keys, then the keys of the actions it can run and the
 * global ones (src/ui/commands.c, and screen_help), all from the tables that handle them.
 * Taller than the screen, it scrolls (j, k, PgDn, PgUp: screen_key) from ui->help_skip on. */
static void
draw_help(struct app *app, int top, int h)
{
    struct ui *ui = app->ui;
    struct view *v = ui_active(ui);
    const char *acts[64];
    int nacts = help_lines(v, acts, 64);
    const char *const *own = v != NULL ? v->ops->help : NULL;
    int width = 30, x, y = top, i, l, avail, total, last, shown;
    char line[256];

    /* as wide as its longest line (the screen allowing) */
    for (l = 0; l < 2; l++)
        for (i = 0; l == 0 ? own != NULL && own[i] != NULL : i < nacts; i++) {
            const char *s = l == 0 ? own[i] : acts[i];
            const char *tab = strchr(s, '\t');
            int kl = tab ? (int)(tab - s) : 0;

            help_line(line, sizeof line, s, kl, tab ? tab + 1 : "");
            if (text_width(line) + 1 > width)
                width = text_width(line) + 1;
        }
    if (width > ui->cols - 2)
        width = ui->cols - 2;
    x = (ui->cols - width) / 2;
    if (width < 10)
        return;
    /* the rows under the box are cleared whole: what the list showed beside it (the half of a
     * wide character cut at its edge) would read as part of the help */
    for (i = top; i < top + h && i < ui->rows; i++) {
        move(i, 0);
        clrtoeol();
    }
    snprintf(line, sizeof line, " Keys: %s ", v != NULL ? v->title : "");
    draw_text(stdscr, y++, x, line, width, A_REVERSE | A_BOLD);
    /* the title and the last line (what closes it) around the body */
    avail = h - 2 > 0 ? h - 2 : 0;
    total = help_body(own, acts, nacts, x, width, y, 0, 0);
    ui->help_page = avail;
    /* pages do not overlap (1-19, 20-38, 39-46 of 46): the last one may have fewer lines */
    last = avail > 0 && total > avail ? (total - 1) / avail * avail : 0;
    if (ui->help_skip > last)
        ui->help_skip = last;
    if (ui->help_skip < 0 || total <= avail)
        ui->help_skip = 0;
    ui->help_more = total > avail;
    help_body(own, acts, nacts, x, width, y, ui->help_skip, avail);
    shown = total - ui->help_skip < avail ? total - ui->help_skip : avail;
    ui->help_end = ui->help_skip + shown >= total;
    for (i = shown; ui->help_more && i < avail; i++) /* the box keeps its height */
        draw_text(stdscr, y + i, x, "", width, A_REVERSE);
    y += total < avail ? total : avail;
    if (ui->help_more) {
        /* shorter when narrow: what is shown and how to scroll, rather than a cut sentence */
        snprintf(line, sizeof line, "  %d-%d of %d  j k PgDn PgUp Space: more, other keys close",
                 ui->help_skip + 1, ui->help_skip + shown, total);
        if (text_width(line) > width)
            snprintf(line, sizeof line, "  %d-%d/%d  j k PgDn PgUp, q closes", ui->help_skip + 1,
                     ui->help_skip + shown, total);
        if (text_width(line) > width)
            snprintf(line, sizeof line, " %d-%d/%d PgDn PgUp", ui->help_skip + 1,
                     ui->help_skip + shown, total);
        draw_text(stdscr, y, x, line, width, A_REVERSE | A_DIM);
    } else {
        draw_text(stdscr, y, x, "  press any key to close", width, A_REVERSE | A_DIM);
    }
}

static void paint(struct app *app);

void
ui_redraw(struct app *app)
{
    struct ui *ui = app->ui;
    struct view *v;
    int vh = ui->rows - 3, nml, sy;
    size_t starts[MSG_LINES];

    reap(app);
    v = ui_active(ui);
    if (v != NULL && v->dirty && v->ops->on_wakeup != NULL && db_state(app->db) == DB_READY) {
        v->dirty = 0;
        ui->wake_valid = 0; /* stale since some earlier wake-up: re-read, whatever changed */
        v->ops->on_wakeup(v, app);
        ui->dirty = 1;
    }
    if (!ui->dirty && !ui->chrome_dirty)
        return;
    /* a message on several lines covers the view's last rows: the status bar goes above it */
    nml = msg_lines(app, starts);
    sy = ui->input ? ui->rows - 2 : ui->rows - 1 - nml;
    if (!ui->dirty && !ui->full_clear && ui->rows >= MIN_ROWS && ui->cols >= MIN_COLS && nml == 1 &&
        msg_lines_drawn == 1) {
        /* the view's area is as it was drawn last: repaint the lines around it only */
        ui->chrome_dirty = 0;
        draw_tabs(app);
        draw_status(app, sy);
        draw_bottom(app, starts, nml);
        paint(app);
        return;
    }
    msg_lines_drawn = nml;
    ui->dirty = ui->chrome_dirty = 0;
    if (ui->full_clear) {
        clear();
        ui->full_clear = 0;
    } else {
        erase();
    }
    if (ui->rows < MIN_ROWS || ui->cols < MIN_COLS) {
        char m[64];

        /* on short lines of their own, the sizes first: the terminal is narrow (a cut end);
         * and that keys wait (they are not taken: handle_key), so that typing on is no
         * surprise */
        snprintf(m, sizeof m, "%dx%d: too small", ui->cols, ui->rows);
        draw_text(stdscr, ui->rows / 2 > 0 ? ui->rows / 2 - 1 : 0, 0, m, ui->cols, A_BOLD);
        snprintf(m, sizeof m, "ccrm needs %dx%d", MIN_COLS, MIN_ROWS);
        draw_text(stdscr, ui->rows / 2, 0, m, ui->cols, A_BOLD);
        if (ui->rows / 2 + 1 < ui->rows)
            draw_text(stdscr, ui->rows / 2 + 1, 0, "keys not taken", ui->cols, A_NORMAL);
        curs_set(0);
        refresh();
        return;
    }
    draw_tabs(app);
    if (v != NULL) {
        WINDOW *w = derwin(stdscr, vh, ui->cols, 1, 0);

        if (w != NULL) {
            v->ops->draw(v, app, w, vh, ui->cols);
            delwin(w);
        }
    }
    if (ui->help)
        draw_help(app, 1, vh);
    draw_status(app, sy);
    draw_bottom(app, starts, nml);
    paint(app);
}

/* Send what changed to the terminal, and trace what was painted. */
static void
paint(struct app *app)
{
    struct ui *ui = app->ui;

    wnoutrefresh(stdscr);
    doupdate();
    if (trace_enabled()) {
        char name[48];

        if (ui->painted_data == 1) {
            trace_event("paint_startup", trace_now());
            if (trace_exec_ms() >= 0)
                trace_event("paint_exec", trace_exec_ms() + trace_now());
            ui->painted_data = 2;
        }
        if (ui->ntrace_ids > 0) {
            struct timespec ts;
            int i;

            clock_gettime(CLOCK_REALTIME, &ts);
            for (i = 0; i < ui->ntrace_ids; i++) {
                snprintf(name, sizeof name, "event %lld", (long long)ui->trace_ids[i]);
                trace_event(name, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
            }
            ui->ntrace_ids = 0;
        }
        if (ui->key_t0 > 0) {
            snprintf(name, sizeof name, "key %u", (unsigned)ui->key_code);
            trace_event(name, trace_now() - ui->key_t0);
            ui->key_t0 = 0;
        }
    }
}

void
ui_painted_data(struct app *app)
{
    if (app->ui->painted_data == 0)
        app->ui->painted_data = 1;
}

/* ---- line input ---- */

void
ui_input_begin(struct app *app, const char *label, const char *initial, input_cb cb, void *ctx)
{
    struct ui *ui = app->ui;
    size_t n;

    ui->input = 1;
    ui->ifull_said = 0;
    ui->isel = 0;
    ui->ityped = 0;
    str_copy(ui->input_label, label, sizeof ui->input_label);
    str_copy(ui->input_labels[0], label, sizeof ui->input_labels[0]);
    ui->input_nlabels = 1;
    n = mbstowcs(ui->ibuf, initial != NULL ? initial : "", UI_INPUT_MAX - 1);
    if (n == (size_t)-1)
        n = 0;
    ui->ibuf[n] = L'\0';
    ui->ilen = ui->icur = (int)n;
    ui->icb = cb;
    ui->ictx = ctx;
    ui->icomplete = UI_COMPLETE_NONE;
    ui->dirty = 1;
}

void
ui_input_shorter(struct app *app, const char *mid, const char *shortest)
{
    struct ui *ui = app->ui;
    const char *alt[2] = {mid, shortest};
    int i;

    for (i = 0; i < 2; i++)
        if (alt[i] != NULL && ui->input_nlabels < 3)
            str_copy(ui->input_labels[ui->input_nlabels++], alt[i], sizeof ui->input_labels[0]);
    ui->dirty = 1;
}

void
ui_input_select(struct app *app)
{
    app->ui->isel = app->ui->ilen > 0;
}

void
ui_input_complete(struct app *app, enum ui_complete kind)
{
    app->ui->icomplete = kind;
}

int
ui_ask_key(struct app *app, const char *text, int done, int ok, const char *keep)
{
    int k;

    if (done) /* Enter, or Esc (^G, ^C): the line is closed already */
        return ok ? '\n' : 27;
    app->ui->input = 0; /* the first key typed answers: no Enter after it */
    k = text[0] != '\0' && text[1] == '\0' ? (unsigned char)text[0] : 0;
    if (k >= 'A' && k <= 'Z')
        k += 'a' - 'A';
    /* what was typed after it ("yes" out of habit, an Enter) is dropped, not handed to the
     * view below, where Enter opens a record and a letter may be a command; after a key that
     * opens a line of its own it is that line's */
    if (k == 0 || keep == NULL || strchr(keep, k) == NULL) {
        flushinp();
        app->ui->pasting = 0; /* (a paste's end marker went with it) */
    }
    return k;
}

#define COMPLETE_MAX 50

struct candidates {
    char name[COMPLETE_MAX][64];
    int n;
};

static void
add_candidate(const char *name, void *ctx)
{
    struct candidates *c = ctx;

    if (c->n < COMPLETE_MAX)
        str_copy(c->name[c->n++], name, sizeof c->name[0]);
}

/* Tab in a line that is a path from column from on: what is between it and the cursor
 * completed from the file names that start with it (a directory gets its "/"); several give
 * their common beginning and are listed. */
static void
complete_path(struct app *app, int from)
{
    struct ui *ui = app->ui;
    char cur[1024], pat[1040], list[256];
    wchar_t wfull[UI_INPUT_MAX], save = ui->ibuf[ui->icur];
    size_t n, len = 0, i, k, common;
    glob_t g;

    ui->ibuf[ui->icur] = L'\0';
    n = wcstombs(cur, ui->ibuf + from, sizeof cur);
    ui->ibuf[ui->icur] = save;
    if (n == (size_t)-1 || n >= sizeof cur - 1)
        return;
    snprintf(pat, sizeof pat, "%s*", cur);
    memset(&g, 0, sizeof g);
    if (glob(pat, GLOB_MARK | GLOB_TILDE, NULL, &g) != 0 || g.gl_pathc == 0) {
        ui_message(app, "no file name starts with \"%s\"", cur);
        globfree(&g);
        return;
    }
    common = strlen(g.gl_pathv[0]);
    for (i = 1; i < g.gl_pathc; i++) {
        for (k = 0; k < common && g.gl_pathv[i][k] == g.gl_pathv[0][k]; k++)
            ;
        common = k;
    }
    str_copy(pat, g.gl_pathv[0], sizeof pat);
    pat[common < sizeof pat ? common : sizeof pat - 1] = '\0';
    n = mbstowcs(wfull, pat, UI_INPUT_MAX - 1);
    if (n != (size_t)-1 && strlen(pat) >= strlen(cur) &&
        from + (int)n + ui->ilen - ui->icur < UI_INPUT_MAX - 1) {
        /* what was before the cursor becomes the common beginning */
        wmemmove(ui->ibuf + from + n, ui->ibuf + ui->icur, (size_t)(ui->ilen - ui->icur + 1));
        wmemcpy(ui->ibuf + from, wfull, n);
        ui->ilen += from + (int)n - ui->icur;
        ui->icur = from + (int)n;
    }
    if (g.gl_pathc > 1) {
        list[0] = '\0';
        for (i = 0; i < g.gl_pathc && len < sizeof list; i++) {
            const char *b = g.gl_pathv[i] + strlen(g.gl_pathv[i]);

            if (b > g.gl_pathv[i] && b[-1] == '/')
                b--; /* a directory: its name with the / */
            while (b > g.gl_pathv[i] && b[-1] != '/')
                b--;
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? " " : "", b);
        }
        ui_message(app, "%s", list);
    }
    globfree(&g);
}

/* Tab in a line that is command kind's argument (m on a campaign: :add-member's), completed
 * as the `:` prompt completes "add-member ..." (cmd_complete, the same source, prompt_names):
 * what is before the cursor becomes the candidates' common beginning, letter case and accents
 * aside; several are listed on the message line. */
static void
complete_as_command(struct app *app, enum cmd_kind kind)
{
    struct ui *ui = app->ui;
    struct cmd_complete_src src = {NULL, prompt_names, NULL, 1};
    struct cmd_completion c;
    wchar_t save = ui->ibuf[ui->icur], *w;
    char typed[UI_INPUT_MAX * 4], list[256], *line;
    size_t n, len = 0;
    int i, nw;

    ui->ibuf[ui->icur] = L'\0';
    n = wcstombs(typed, ui->ibuf, sizeof typed);
    ui->ibuf[ui->icur] = save;
    if (n == (size_t)-1 || n >= sizeof typed - 1)
        return;
    src.ctx = app;
    line = xasprintf("%s %s", cmd_name(kind), typed);
    cmd_complete(line, strlen(line), &src, &c);
    free(line);
    if (c.n == 0) {
        ui_message(app, "no completions");
        cmd_completion_fini(&c);
        return;
    }
    /* the argument starts after the command and its blank: what was typed (its leading blanks
     * aside) is replaced by the common beginning */
    w = xcalloc(UI_INPUT_MAX, sizeof *w);
    n = mbstowcs(w, c.common, UI_INPUT_MAX - 1);
    nw = n == (size_t)-1 ? -1 : (int)n;
    for (i = 0; i < ui->icur && ui->ibuf[i] == L' '; i++)
        ;
    if (nw >= 0 && i + nw + ui->ilen - ui->icur < UI_INPUT_MAX - 1) {
        wmemmove(ui->ibuf + i + nw, ui->ibuf + ui->icur, (size_t)(ui->ilen - ui->icur + 1));
        wmemcpy(ui->ibuf + i, w, (size_t)nw);
        ui->ilen += i + nw - ui->icur;
        ui->icur = i + nw;
    }
    free(w);
    if (c.n > 1) {
        list[0] = '\0';
        for (i = 0; i < c.n && len + strlen(c.cand[i]) + 3 < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s  ", c.cand[i]);
        ui_message(app, "%s%s", list, i < c.n ? "…" : "");
    } else if (ui->msg[0] != '\0') { /* an earlier Tab's list or "no completions" */
        ui->msg[0] = '\0';
        ui->chrome_dirty = 1;
    }
    cmd_completion_fini(&c);
}

/* Tab in the line: the word before the cursor (an @mention, or the login or department asked
 * for) completed from the active logins (and the departments): one match is put in with a
 * blank after it, several give their common beginning and are listed. */
static void
input_complete(struct app *app)
{
    struct ui *ui = app->ui;
    struct candidates c;
    char prefix[64], list[256];
    wchar_t wfull[64];
    const char *const *d;
    struct ccrm_err err;
    int ws = ui->icur, at, i, k, common;
    size_t len = 0, n;

    if (ui->icomplete == UI_COMPLETE_FILES) {
        complete_path(app, 0);
        return;
    }
    if (ui->icomplete == UI_COMPLETE_MEMBERS || ui->icomplete == UI_COMPLETE_SEGMENTS) {
        complete_as_command(app, ui->icomplete == UI_COMPLETE_MEMBERS ? CMD_ADD_MEMBER
                                                                      : CMD_ADD_SEGMENT);
        return;
    }
    if (ui->icomplete == UI_COMPLETE_ARG_FILES) {
        /* a command and its path: the path after the first word */
        for (ws = 0; ws < ui->icur && ui->ibuf[ws] != L' '; ws++)
            ;
        if (ws == ui->icur)
            return;
        while (ws < ui->icur && ui->ibuf[ws] == L' ')
            ws++;
        complete_path(app, ws);
        return;
    }
    while (ws > 0 && ui->ibuf[ws - 1] != L' ')
        ws--;
    at = ws < ui->icur && ui->ibuf[ws] == L'@';
    if (ui->icomplete == UI_COMPLETE_MENTIONS && !at)
        return; /* only a mention is completed in free text */
    n = wcstombs(NULL, ui->ibuf + ws + at, 0);
    if (n == (size_t)-1 || n >= sizeof prefix)
        return;
    {
        wchar_t save = ui->ibuf[ui->icur];

        ui->ibuf[ui->icur] = L'\0';
        wcstombs(prefix, ui->ibuf + ws + at, sizeof prefix);
        ui->ibuf[ui->icur] = save;
    }
    memset(&c, 0, sizeof c);
    if (db_state(app->db) == DB_READY)
        db_logins(app->db, prefix, add_candidate, &c, &err);
    if (ui->icomplete == UI_COMPLETE_PEOPLE)
        for (d = dept_names; d < dept_names + DEPT_TEAMS; d++) /* handed off to */
            if (strncmp(*d, prefix, strlen(prefix)) == 0)
                add_candidate(*d, &c);
    if (c.n == 0) {
        ui_message(app, "no login%s starts with \"%s\"",
                   ui->icomplete == UI_COMPLETE_PEOPLE ? " or department" : "", prefix);
        return;
    }
    /* the common beginning of the candidates */
    common = (int)strlen(c.name[0]);
    for (i = 1; i < c.n; i++) {
        for (k = 0; k < common && c.name[i][k] == c.name[0][k]; k++)
            ;
        common = k;
    }
    str_copy(list, c.name[0], sizeof list);
    list[common < (int)sizeof list ? common : (int)sizeof list - 1] = '\0';
    if (c.n == 1)
        snprintf(list + strlen(list), sizeof list - strlen(list), " ");
    n = mbstowcs(wfull, list, 63);
    if (n == (size_t)-1)
        return;
    wfull[n] = L'\0';
    /* replace the word (after its @) by it */
    if (ui->ilen - (ui->icur - (ws + at)) + (int)n >= UI_INPUT_MAX - 1)
        return;
    wmemmove(ui->ibuf + ws + at + n, ui->ibuf + ui->icur, (size_t)(ui->ilen - ui->icur + 1));
    wmemcpy(ui->ibuf + ws + at, wfull, n);
    ui->ilen += (int)n - (ui->icur - (ws + at));
    ui->icur = ws + at + (int)n;
    if (c.n > 1) {
        list[0] = '\0';
        for (i = 0; i < c.n && len < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? " " : "", c.name[i]);
        ui_message(app, "%s", list);
    }
}

/* An input line is full (UI_INPUT_MAX): said once a line (*said), and a beep for each key not
 * taken; enter says what Enter does with what is there. */
void
ui_line_full(struct app *app, int *said, const char *enter)
{
    if (!*said)
        ui_message_error(app, "the line is full (%d characters): what you type is not taken; %s",
                         UI_INPUT_MAX - 1, enter);
    *said = 1;
    beep();
}

static void
input_key(struct app *app, wint_t key, int fkey)
{
    struct ui *ui = app->ui;
    char text[UI_INPUT_MAX * 4];
    int changed = 0, done = 0, ok = 0, keep;

    if (ui->isel) {
        /* a selected value: a printable key replaces it, any other key ends the selection
         * and does what it does (← → Home End Backspace to edit it, Enter to keep it) */
        ui->isel = 0;
        if (!fkey && key >= 0x20 && key != 127) {
            ui->ibuf[0] = L'\0';
            ui->ilen = ui->icur = 0;
        }
    }
    if (fkey) {
        switch (key) {
        case KEY_LEFT:
            if (ui->icur > 0)
                ui->icur--;
            break;
        case KEY_RIGHT:
            if (ui->icur < ui->ilen)
                ui->icur++;
            break;
        case KEY_HOME:
            ui->icur = 0;
            break;
        case KEY_END:
            ui->icur = ui->ilen;
            break;
        case KEY_BACKSPACE:
            if (ui->icur > 0) {
                wmemmove(ui->ibuf + ui->icur - 1, ui->ibuf + ui->icur,
                         (size_t)(ui->ilen - ui->icur + 1));
                ui->icur--;
                ui->ilen--;
                changed = 1;
            }
            break;
        case KEY_DC:
            if (ui->icur < ui->ilen) {
                wmemmove(ui->ibuf + ui->icur, ui->ibuf + ui->icur + 1,
                         (size_t)(ui->ilen - ui->icur));
                ui->ilen--;
                changed = 1;
            }
            break;
        case KEY_ENTER:
            done = ok = 1;
            break;
        case KEY_UP: /* an empty line: the text of the one last cancelled */
            if (ui->ilen == 0 && ui->icancelled_len > 0) {
                wmemcpy(ui->ibuf, ui->icancelled, (size_t)ui->icancelled_len + 1);
                ui->ilen = ui->icur = ui->icancelled_len;
                changed = 1;
            }
            break;
        default:
            break;
        }
    } else if (key == L'\r' || key == L'\n') {
        done = ok = 1;
    } else if (key == L'\t') {
        if (ui->icomplete != UI_COMPLETE_NONE) {
            input_complete(app);
            changed = 1;
        }
    } else if (key == 27 || key == 7 || key == 3) { /* Esc, ^G, ^C */
        done = 1;
    } else if (key == 127 || key == 8) {
        input_key(app, KEY_BACKSPACE, 1);
        return;
    } else if (key == 21) { /* ^U: kill to start */
        wmemmove(ui->ibuf, ui->ibuf + ui->icur, (size_t)(ui->ilen - ui->icur + 1));
        ui->ilen -= ui->icur;
        ui->icur = 0;
        changed = 1;
    } else if (key == 1) {
        ui->icur = 0;
    } else if (key == 5) {
        ui->icur = ui->ilen;
    } else if (key >= 0x20 && ui->ilen < UI_INPUT_MAX - 1) {
        wmemmove(ui->ibuf + ui->icur + 1, ui->ibuf + ui->icur, (size_t)(ui->ilen - ui->icur + 1));
        ui->ibuf[ui->icur++] = (wchar_t)key;
        ui->ilen++;
        changed = 1;
    } else if (key >= 0x20) { /* full: say so, once per line, rather than drop keys unseen */
        ui_line_full(app, &ui->ifull_said, "Enter keeps what is there");
    }
    ui->dirty = 1;
    if (!fkey && key == 0)
        changed = 1; /* a paste ended: its text, whole */
    if (!changed && !done)
        return;
    /* while a paste comes in, the line fills without its callback (told at the end) */
    if (ui->pasting && !done) {
        ui->paste_input = 1;
        return;
    }
    if (wcstombs(text, ui->ibuf, sizeof text) == (size_t)-1)
        text[0] = '\0';
    ui->ityped |= changed;
    /* (a line opened with a text and left as it was keeps nothing: it was not typed) */
    keep = done && !ok && ui->ilen > 0 && ui->ityped;
    if (keep) {
        wmemcpy(ui->icancelled, ui->ibuf, (size_t)ui->ilen + 1);
        ui->icancelled_len = ui->ilen;
    }
    if (done) {
        ui->input = 0;
        /* an error about an earlier line stays above the input while the next is typed; once
         * that line is taken, the error is no longer true (the answer says its own words) */
        if (ui->msg_error && ui->msg[0] != '\0') {
            timer_del(&app->timers, ui->msg_timer);
            ui->msg_timer = 0;
            ui->msg[0] = '\0';
            ui->chrome_dirty = 1;
        }
    }
    ui->icb(app, ui->ictx, text, done, ok);
    if (keep)
        ui_message(app, "cancelled; what you typed is kept: Up on the next such line brings it "
                        "back");
}

/* ---- job control ---- */

/* Ctrl-Z: what the terminal's suspend character does with ISIG on, which ccrm turns off
 * (keys_not_signals): the terminal back as the shell left it, the job stopped by SIGTSTP
 * with its default action (the shell's job control takes over), and after fg the screen as it
 * was, at the terminal's size then. All else stays: a form and what was typed in it, the
 * connection, the events that came meanwhile (read as after any pause). */
static void
suspend(struct app *app)
{
    struct sigaction dfl, old;
    sigset_t tstp, cont, mask, pending;
    int continued;

    /* what is typed in a form is on disk first (keys of this batch too): a stopped ccrm may be
     * killed */
    snapshot_draft(app);
    if (!live_written && draft_keep_live(live_text.s, live_text.len) == 0)
        live_written = 1;
    def_prog_mode();
    ui_paste_mode(0);
    endwin();
    fflush(stdout);
    /* curses' own handler would leave curses mode a second time */
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &old);
    sigemptyset(&tstp);
    sigaddset(&tstp, SIGTSTP);
    sigprocmask(SIG_UNBLOCK, &tstp, &mask);
    /* SIGCONT held back until the stop is over (it continues the job all the same): pending
     * then, it tells that the job was stopped and went on */
    sigemptyset(&cont);
    sigaddset(&cont, SIGCONT);
    sigprocmask(SIG_BLOCK, &cont, NULL);
    /* the whole process group, as the terminal would: a script that started ccrm stops too,
     * or the shell would wait for it */
    kill(0, SIGTSTP);
    /* stopped here until fg */
    continued = sigpending(&pending) == 0 && sigismember(&pending, SIGCONT) == 1;
    /* the SIGCONT goes to src/sig.c now, as after a kill -TSTP from outside: the loop lays
     * out and repaints the whole screen at the terminal's size then */
    sigprocmask(SIG_SETMASK, &mask, NULL);
    sigaction(SIGTSTP, &old, NULL);
    reset_prog_mode();
    ui_paste_mode(1);
    ui_on_resize(app);
    /* the kernel drops the stop of a process group no shell controls (ccrm started by tmux,
     * by ssh with a command): nothing happened */
    if (!continued)
        ui_message_error(app, "Ctrl-Z: no job control here (ccrm was not started from a shell)");
}

/* ---- keys ---- */

/* Show tab t: the views open over the current one close. Not while one of them has unsaved
 * input (the rule quitting asks by, ui_quit): closing it would drop what was typed, which no
 * draft keeps, so the switch is refused, saying which form and how to leave it. 0 when
 * switched, -1 when not (said). */
static int
switch_tab(struct app *app, int t)
{
    struct ui *ui = app->ui;
    const struct view *top;
    int i;

    if (t < 0 || t >= ui->ntabs)
        return -1;
    if (ui->hidden[t]) {
        ui_message_error(app, "%s are not available to your role", ui->tab_title[t]);
        return -1;
    }
    /* (one at a time: once it is saved or left, the next one is named) */
    if (unsaved_views(ui, &top) > 0) {
        if (top != ui_active(ui))
            ui_message_error(app,
                             "\"%s\" has unsaved input under this view: q goes back to it, "
                             "Ctrl-S there saves it, Esc leaves it",
                             top->title);
        else
            ui_message_error(app, "\"%s\" has unsaved input: Ctrl-S saves it, Esc leaves it",
                             top->title);
        return -1;
    }
    for (i = 0; i < ui->depth; i++)
        ui_close(app, ui->stack[i]);
    ui->tab = t;
    ui_tab_view(app, t);
    if (t == 0)
        ui->feed_unread = 0;
    ui->dirty = 1;
    return 0;
}

/* The next (step 1) or previous (-1) tab the role can use. */
static int
next_tab(struct ui *ui, int step)
{
    int t = ui->tab, n;

    for (n = 0; n < ui->ntabs; n++) {
        t = (t + step + ui->ntabs) % ui->ntabs;
        if (!ui->hidden[t])
            break;
    }
    return t;
}

/* `:` prompt hook: its commands switch tabs like the 1-9 keys. */
int
ui_switch_tab(struct app *app, int t)
{
    return switch_tab(app, t);
}

int
ui_tab_of(struct app *app, const char *name)
{
    int i;

    /* the tabs are made in the order of cmd_views */
    for (i = 0; cmd_views[i] != NULL && i < app->ui->ntabs; i++)
        if (strcmp(cmd_views[i], name) == 0)
            return i;
    return -1;
}

wint_t
ui_paste_char(wint_t key, int keep_lines)
{
    if (key == L'\r')
        return keep_lines ? L'\r' : L' ';
    if (key == L'\t')
        return L' ';
    if (key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0))
        return 0;
    return key;
}

void
ui_paste_mode(int on)
{
    /* (a terminal that has no such mode ignores it, as it does every private mode it lacks) */
    fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
    fflush(stdout);
}

/* A character of a bracketed paste: text where text is typed (the line at the bottom, the `:`
 * prompt, a view that takes pastes: a form), with its newlines and tabs as spaces on a line of
 * one; never a key that acts. Elsewhere it is dropped, and that is said once. */
static void
paste_key(struct app *app, wint_t key, int fkey)
{
    struct ui *ui = app->ui;
    struct view *v = ui_active(ui);

    if (fkey) /* (no function keys come in a paste) */
        return;
    if (key == 0) { /* the paste ended: a newline it ended with was a space, taken back */
        int nl = ui->paste_cr || ui->paste_lf;

        ui->paste_lf = 0;
        if (!nl || ui->rows < MIN_ROWS || ui->cols < MIN_COLS)
            return;
        if (ui->input && ui->icur > 0 && ui->ibuf[ui->icur - 1] == L' ')
            input_key(app, KEY_BACKSPACE, 1);
        else if (!ui->input && prompt_is_open(app))
            prompt_key(app, KEY_BACKSPACE, 1);
        else if (!ui->input && v != NULL && v->ops->paste_key != NULL)
            v->ops->paste_key(v, app, 0);
        ui->dirty = 1;
        return;
    }
    ui->paste_lf = key == L'\n';
    if (key == L'\n' && ui->paste_cr) { /* CR LF: one newline */
        ui->paste_cr = 0;
        return;
    }
    ui->paste_cr = key == L'\r';
    if (key == L'\n')
        key = L'\r';
    if (ui->rows < MIN_ROWS || ui->cols < MIN_COLS)
        return;
    if (ui->input || prompt_is_open(app)) {
        if ((key = ui_paste_char(key, 0)) == 0)
            return;
        if (ui->input)
            input_key(app, key, 0);
        else
            prompt_key(app, key, 0);
        ui->dirty = 1;
        return;
    }
    if (!ui->help && v != NULL && v->ops->paste_key != NULL) {
        v->ops->paste_key(v, app, key);
        ui->dirty = 1;
        return;
    }
    if (!ui->paste_said)
        ui_message(app, "pasted text is taken where text is typed (a form, a comment, the "
                        "`:` prompt): here it was left out");
    ui->paste_said = 1;
}

static void
handle_key(struct app *app, wint_t key, int fkey)
{
    struct ui *ui = app->ui;
    struct view *v;

    if (fkey && key == KEY_RESIZE) {
        /* curses already resized (resizeterm queues this key): only relayout. Calling
         * resizeterm again here would queue another KEY_RESIZE, forever. */
        getmaxyx(stdscr, ui->rows, ui->cols);
        ui->full_clear = 1;
        ui->dirty = 1;
        return;
    }
    if (fkey && (key == KEY_PASTE_BEGIN || key == KEY_PASTE_END)) {
        if (key == KEY_PASTE_END && ui->pasting)
            paste_key(app, 0, 0); /* the end: a last newline is not kept as a space */
        ui->pasting = key == KEY_PASTE_BEGIN;
        ui->paste_ms = now_ms();
        ui->paste_cr = ui->paste_said = 0;
        /* the bottom line hears of a paste once, whole, at its end: a one-key question (y/n)
         * is answered by one key, not by the first letter of a pasted text */
        if (!ui->pasting && ui->paste_input && ui->input)
            input_key(app, 0, 0);
        ui->paste_input = 0;
        return;
    }
    /* (a paste whose end marker was lost ends when nothing came for a while: the time since
     * the last pasted character was handled, not how long handling it took) */
    if (ui->pasting && now_ms() - ui->paste_ms > PASTE_GAP_MS) {
        ui->pasting = 0;
        if (ui->paste_input && ui->input)
            input_key(app, 0, 0);
        ui->paste_input = 0;
    }
    if (ui->pasting) {
        paste_key(app, key, fkey);
        ui->paste_ms = now_ms();
        return;
    }
    /* ^Z and ^\ without ISIG: before any view, which would take them as typed text */
    if (!fkey && key == 26) {
        suspend(app);
        return;
    }
    if (!fkey && key == 28) { /* SIGQUIT would have ended ccrm with a core dump */
        ui_message(app, "Ctrl-\\ does nothing in ccrm (Ctrl-Z suspends it)");
        return;
    }
    if (ui->rows < MIN_ROWS || ui->cols < MIN_COLS) {
        /* nothing is shown but "terminal too small": a key would act unseen (a conflict's
         * "theirs", a form's save); it waits for a terminal that shows what it does */
        beep();
        return;
    }
    if (ui->input) {
        input_key(app, key, fkey);
        return;
    }
    /* `:` prompt hook (src/ui/prompt.c): it takes every key while open */
    if (prompt_is_open(app)) {
        prompt_key(app, key, fkey);
        return;
    }
    if (ui->help) {
        /* a help taller than the screen scrolls; any other key closes it */
        int step = 0;

        if (ui->help_more && !fkey && (key == L'j' || key == L'k'))
            step = key == L'j' ? 1 : -1;
        else if (ui->help_more && fkey && (key == KEY_DOWN || key == KEY_UP))
            step = key == KEY_DOWN ? 1 : -1;
        else if (ui->help_more && fkey && (key == KEY_NPAGE || key == KEY_PPAGE))
            step = (key == KEY_NPAGE ? 1 : -1) * (ui->help_page > 0 ? ui->help_page : 1);
        /* Space and b page as in the views (and in more(1)): Space on the last page closes */
        else if (ui->help_more && !fkey && ((key == L' ' && !ui->help_end) || key == L'b'))
            step = (key == L' ' ? 1 : -1) * (ui->help_page > 0 ? ui->help_page : 1);
        if (step != 0) {
            ui->help_skip += step; /* kept within the lines by draw_help */
            if (ui->help_skip < 0)
                ui->help_skip = 0;
        } else {
            ui->help = 0;
            ui->help_skip = 0;
        }
        ui->dirty = 1;
        return;
    }
    v = ui_active(ui);
    if (fkey && key == KEY_F(1)) { /* help, also where ? is text (a form) */
        ui->help = 1;
        ui->dirty = 1;
        return;
    }
    if (!fkey && key == L':' && (v == NULL || !v->takes_text)) {
        prompt_open(app);
        return;
    }
    if (v != NULL && v->ops->handle_key(v, app, key, fkey)) {
        ui->dirty = 1;
        return;
    }
    /* the keys of the action table (e, c, a, n, f, s, ?, ...) the view can run */
    if (!fkey && commands_key(app, v, key)) {
        ui->dirty = 1;
        return;
    }
    if (!fkey && key == L'\t') {
        switch_tab(app, next_tab(ui, 1));
    } else if (fkey && key == KEY_BTAB) {
        switch_tab(app, next_tab(ui, -1));
    } else if (!fkey && key >= L'1' && key <= L'9') {
        switch_tab(app, (int)(key - L'1'));
    } else if (!fkey && key == L'0') {
        switch_tab(app, 9);
    } else if (!fkey && key == 12) { /* ^L */
        ui->full_clear = 1;
        ui->dirty = 1;
    } else if (!fkey && (key == L'q' || key == 27)) {
        if (ui->depth > 0)
            ui_pop(app);
        else if (key == L'q')
            ui_quit(app);
    } else if (!fkey && key == 3) { /* ^C without ISIG */
        ui_quit(app);
    } else if (!fkey && key == L'n') {
        /* a view of lines about other records (the Feed) makes none of its own: said, not a
         * key that does nothing */
        ui_message(app, "n makes a record in a list of records; here :new deal, :new call, "
                        ":new ticket, ... (Tab completes)");
    }
}

/* The unsaved form kept on disk while typing (draft_keep_live): written a moment after the
 * last change, so that a kill -9 or a power cut loses at most that moment's keys. */

static void
on_live_draft(void *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    live_timer = 0;
    if (!live_written && draft_keep_live(live_text.s, live_text.len) == 0)
        live_written = 1;
}

static void
keep_live(struct app *app, const struct strbuf *b)
{
    if (b->len == 0) { /* saved or closed: gone at once */
        if (live_text.len > 0 || !live_written) {
            strbuf_reset(&live_text);
            timer_del(&app->timers, live_timer);
            live_timer = 0;
            draft_keep_live(NULL, 0);
            live_written = 1;
        }
        return;
    }
    if (live_text.len == b->len && memcmp(live_text.s, b->s, b->len) == 0)
        return;
    strbuf_reset(&live_text);
    strbuf_add(&live_text, b->s, b->len);
    live_written = 0;
    if (!timer_pending(&app->timers, live_timer))
        live_timer = timer_add(&app->timers, now_ms() + LIVE_DRAFT_MS, on_live_draft, NULL);
}

/* The bottom line's typed text as a draft (DRAFT_LINE): a comment or a note of a paragraph
 * is kept like a form when ccrm stops or dies, and given back at the next start as the line Up
 * brings back (offer_line). 1 when there is one (d filled, why and when left to the caller). */
static int
line_draft(struct app *app, struct draft *d)
{
    struct ui *ui = app->ui;
    struct view *v = ui_active(ui);
    char text[UI_INPUT_MAX * 4], question[sizeof ui->input_label];
    size_t n;

    /* (a y/n question's answer is not work to keep) */
    if (!ui->input || ui->ilen == 0 || !(ui->ityped || ui->paste_input) ||
        strstr(ui->input_label, "(y/n)") != NULL ||
        wcstombs(text, ui->ibuf, sizeof text) == (size_t)-1)
        return 0;
    str_copy(question, ui->input_label, sizeof question); /* "comment: " as "comment" */
    for (n = strlen(question); n > 0 && (question[n - 1] == ' ' || question[n - 1] == ':'); n--)
        question[n - 1] = '\0';
    memset(d, 0, sizeof *d);
    str_copy(d->entity, DRAFT_LINE, sizeof d->entity);
    str_copy(d->login, db_login(app->db), sizeof d->login);
    str_copy(d->database, db_identity(app->db), sizeof d->database);
    draft_add(d, "on", "", v != NULL ? v->title : "");
    draft_add(d, "question", "", question);
    draft_add(d, "text", "", text);
    return 1;
}

/* What a crash would keep: the draft of the top-most view with unsaved input, else the bottom
 * line's typed text (after every batch of keys; the handler of a fatal signal writes it,
 * src/util/draft.c); the same kept on disk a moment later (keep_live). */
static void
snapshot_draft(struct app *app)
{
    struct ui *ui = app->ui;
    struct strbuf b = STRBUF_INIT;
    struct draft d;
    int i;

    for (i = ui->depth - 1; i >= 0; i--) {
        struct view *v = ui->stack[i];

        if (v->closing || v->ops->draft == NULL || v->ops->unsaved == NULL || !v->ops->unsaved(v))
            continue;
        memset(&d, 0, sizeof d);
        v->ops->draft(v, &d);
        str_copy(d.login, db_login(app->db), sizeof d.login);
        str_copy(d.database, db_identity(app->db), sizeof d.database);
        str_copy(d.why, "an end without warning", sizeof d.why);
        {
            time_t now = time(NULL);

            strftime(d.when, sizeof d.when, "%Y-%m-%d %H:%M", localtime(&now));
        }
        draft_render(&b, &d);
        draft_fini(&d);
        break;
    }
    if (b.len == 0 && line_draft(app, &d)) {
        time_t now = time(NULL);

        str_copy(d.why, "an end without warning", sizeof d.why);
        strftime(d.when, sizeof d.when, "%Y-%m-%d %H:%M", localtime(&now));
        draft_render(&b, &d);
        draft_fini(&d);
    }
    crash_snapshot(b.s, b.len);
    keep_live(app, &b);
    strbuf_fini(&b);
}

/* Stopped by a signal (SIGTERM, SIGHUP, the terminal gone): every view with unsaved input is
 * kept as a draft, and app->exit_note says where. */
static void
keep_drafts(struct app *app)
{
    struct ui *ui = app->ui;
    char why[48], when[32], path[1024];
    time_t now = time(NULL);
    int i, kept = 0;
    size_t len = 0;
    struct draft line;

    if (app->quit_signal == 0)
        return;
    snprintf(why, sizeof why, "%s",
             app->quit_signal == SIGTERM  ? "SIGTERM"
             : app->quit_signal == SIGHUP ? "SIGHUP"
             : app->quit_signal == SIGINT ? "SIGINT"
                                          : "a signal");
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&now));
    for (i = 0; i < ui->depth; i++) {
        struct view *v = ui->stack[i];
        struct strbuf b = STRBUF_INIT;
        struct draft d;

        if (v->ops->draft == NULL || v->ops->unsaved == NULL || !v->ops->unsaved(v))
            continue;
        memset(&d, 0, sizeof d);
        v->ops->draft(v, &d);
        str_copy(d.why, why, sizeof d.why);
        str_copy(d.when, when, sizeof d.when);
        str_copy(d.login, db_login(app->db), sizeof d.login);
        str_copy(d.database, db_identity(app->db), sizeof d.database);
        draft_render(&b, &d);
        if (draft_save(strbuf_str(&b), path, sizeof path) == 0) {
            kept++;
            len += (size_t)snprintf(app->exit_note + len, sizeof app->exit_note - len,
                                    "%sccrm: stopped by %s: the unsaved form \"%s\" was kept in "
                                    "%s; it is offered at the next start",
                                    len ? "\n" : "", why, v->title, path);
        } else {
            len +=
                (size_t)snprintf(app->exit_note + len, sizeof app->exit_note - len,
                                 "%sccrm: stopped by %s: could not keep the unsaved form \"%s\": "
                                 "%s",
                                 len ? "\n" : "", why, v->title, strerror(errno));
        }
        if (len >= sizeof app->exit_note)
            len = sizeof app->exit_note - 1;
        draft_fini(&d);
        strbuf_fini(&b);
    }
    if (line_draft(app, &line)) {
        struct strbuf b = STRBUF_INIT;

        str_copy(line.why, why, sizeof line.why);
        str_copy(line.when, when, sizeof line.when);
        draft_render(&b, &line);
        if (draft_save(strbuf_str(&b), path, sizeof path) == 0 && len < sizeof app->exit_note) {
            struct strbuf note = STRBUF_INIT;

            strbuf_printf(&note,
                          "%sccrm: stopped by %s: the line you were typing (%s) was kept in %s; "
                          "the next start gives it back",
                          len ? "\n" : "", why, line.f[1].val, path);
            str_copy(app->exit_note + len, strbuf_str(&note), sizeof app->exit_note - len);
            strbuf_fini(&note);
        }
        draft_fini(&line);
        strbuf_fini(&b);
    }
    (void)kept;
    reply_keep_note(app, why); /* an answer by e-mail not sent, with its form */
}

/* At start: the line someone was typing when ccrm stopped (line_draft) becomes the line Up
 * brings back on the next empty line, and is said so. The file stays, as PATH.given, in case
 * the line is cancelled again before it is used. */
static void
offer_line(struct app *app, const struct draft *d, const char *path, const char *claimed)
{
    struct ui *ui = app->ui;
    const char *on = "", *question = "", *text = "";
    char given[1040];
    size_t n;
    int i;

    for (i = 0; i < d->n; i++) {
        if (strcmp(d->f[i].col, "on") == 0)
            on = d->f[i].val;
        else if (strcmp(d->f[i].col, "question") == 0)
            question = d->f[i].val;
        else if (strcmp(d->f[i].col, "text") == 0)
            text = d->f[i].val;
    }
    snprintf(given, sizeof given, "%s.given", path);
    if (rename(claimed, given) == -1)
        str_copy(given, claimed, sizeof given);
    n = mbstowcs(ui->icancelled, text, UI_INPUT_MAX - 1);
    if (n == (size_t)-1 || n == 0)
        return;
    ui->icancelled[n] = L'\0';
    ui->icancelled_len = (int)n;
    ui_message_for(app, MSG_MS_MAX,
                   "ccrm stopped (%s, %s) while you typed %s on %s: Up on the next such line "
                   "brings it back (also in %s)",
                   d->why[0] ? d->why : "a signal", d->when, question[0] ? question : "a line",
                   on[0] ? on : "a view", given);
}

/* At start: a draft kept when ccrm stopped or crashed opens as its form (the file is removed:
 * the form is now what holds it; stopped again, it is kept again). A draft whose record is
 * gone is set aside as FILE.gone and said so; offline, it waits for the next start. Several
 * (two clients of one person ended by one ssh drop, a form on another) open one over the
 * other, up to DRAFT_FORMS_MAX, and the person is told: each shows when the one above it is
 * saved or closed (the second waited for the next start without a word). */
#define DRAFT_FORMS_MAX 4

static void
offer_draft(struct app *app)
{
    char path[1024], claimed[1100];
    char *text;
    struct draft d;
    struct view *v;
    int lines = 0, forms = 0;

again:
    if (!draft_next(path, sizeof path, db_login(app->db), db_identity(app->db)))
        goto told;
    /* claimed first: two clients started at once both took one draft and saved it twice. The
     * one whose rename wins has it (the name no longer ends in .txt: no other client offers
     * it); it goes back under its name if it cannot be opened now. */
    snprintf(claimed, sizeof claimed, "%s.taken-%ld", path, (long)getpid());
    if (rename(path, claimed) == -1)
        return;
    text = draft_read_file(claimed);
    if (text == NULL || draft_parse(text, &d) == -1) {
        /* not a draft: set aside, so that it is not offered at every start */
        char bad[1040];

        snprintf(bad, sizeof bad, "%s.unreadable", path);
        rename(claimed, bad);
        free(text);
        goto told;
    }
    free(text);
    if (strcmp(d.entity, DRAFT_LINE) == 0) {
        /* a line, not a form: given back, then the next draft (a form waits behind it) */
        offer_line(app, &d, path, claimed);
        draft_fini(&d);
        if (++lines < 20)
            goto again;
        goto told;
    }
    if (forms == DRAFT_FORMS_MAX) {
        rename(claimed, path); /* the next start's */
        draft_fini(&d);
        goto told;
    }
    v = view_form_restore(app, &d);
    if (v == NULL && d.id != 0 && db_state(app->db) == DB_READY) {
        /* online, and its record is gone (deleted, merged, no longer shared): it would fail
         * at every start; set aside where the person can read what was typed */
        char kept[1040];

        snprintf(kept, sizeof kept, "%s.gone", path);
        if (rename(claimed, kept) == 0)
            ui_message_error(app,
                             "the unsaved form of %s #%lld could not be reopened (it " RECORD_GONE
                             "): what was typed is in %s",
                             entity_find(d.entity) != NULL ? entity_noun(d.entity, 1) : d.entity,
                             (long long)d.id, kept);
    }
    draft_fini(&d);
    if (v != NULL && ui_push(app, v) == 0) {
        unlink(claimed);
        forms++;
        goto again;
    }
    rename(claimed, path); /* (gone already when set aside above) */
told:
    if (forms > 1)
        ui_message(app,
                   "%d unsaved forms were kept when ccrm stopped: each shows when the one above "
                   "it is saved (Ctrl-S) or closed%s",
                   forms,
                   draft_next(path, sizeof path, db_login(app->db), db_identity(app->db))
                       ? "; more wait for the next start"
                       : "");
}

/* The views the event loop may have to drive a session for: the tabs and the stack */
static int
side_views(struct app *app, struct view **vs, int max)
{
    struct ui *ui = app->ui;
    int i, n = 0;

    for (i = 0; i < ui->ntabs && n < max; i++)
        if (ui->tabs[i] != NULL && !ui->tabs[i]->closing && ui->tabs[i]->ops->connecting != NULL)
            vs[n++] = ui->tabs[i];
    for (i = 0; i < ui->depth && n < max; i++)
        if (!ui->stack[i]->closing && ui->stack[i]->ops->connecting != NULL)
            vs[n++] = ui->stack[i];
    return n;
}

int
ui_side_fds(struct app *app, int *fds, short *events, int max, int *wait_ms)
{
    struct view *vs[UI_MAX_TABS + UI_MAX_STACK];
    int nv = side_views(app, vs, UI_MAX_TABS + UI_MAX_STACK), i, n = 0;

    for (i = 0; i < nv && n < max; i++) {
        struct db *db = vs[i]->ops->connecting(vs[i]);
        int d;

        if (db == NULL || db_state(db) != DB_CONNECTING)
            continue;
        fds[n] = db_socket(db);
        events[n++] = db_poll_events(db);
        d = db_connect_wait_ms(db);
        if (d >= 0 && (*wait_ms < 0 || d < *wait_ms))
            *wait_ms = d;
    }
    return n;
}

void
ui_side_ready(struct app *app, const int *fds, const short *revents, int n)
{
    struct view *vs[UI_MAX_TABS + UI_MAX_STACK];
    int nv = side_views(app, vs, UI_MAX_TABS + UI_MAX_STACK), i, j, wakeups = 0;

    /* by socket, not by position: keys handled since the poll may have closed views */
    for (i = 0; i < nv; i++) {
        struct db *db = vs[i]->ops->connecting(vs[i]);
        int go;

        if (db == NULL || db_state(db) != DB_CONNECTING)
            continue;
        go = db_connect_wait_ms(db) == 0;
        for (j = 0; j < n && !go; j++)
            go = fds[j] == db_socket(db) && (revents[j] & (POLLIN | POLLOUT | POLLERR | POLLHUP));
        if (!go)
            continue;
        db_pump(db, &wakeups);
        if (db_state(db) != DB_CONNECTING) {
            vs[i]->ops->connected(vs[i], app);
            vs[i]->dirty = 1;
        }
    }
}

void
ui_read_keys(struct app *app)
{
    wint_t key;
    int r;

    /* curses may hold keys poll() cannot see: always drain until ERR */
    while (!app->quit && (r = wget_wch(stdscr, &key)) != ERR) {
        if (app->ui->key_t0 == 0 && trace_enabled()) {
            app->ui->key_t0 = trace_now();
            app->ui->key_code = key;
        }
        handle_key(app, key, r == KEY_CODE_YES);
        reap(app); /* views closed by the key's handlers, now that they have returned */
    }
    snapshot_draft(app);
}
