/* Private to src/ui/: the screen, views and their interface. curses lives only here. */
#ifndef CCRM_UI_INT_H
#define CCRM_UI_INT_H

#include <curses.h>
#include <stdint.h>
#include <wchar.h>

#include "ccrm/app.h"
#include "ccrm/cmd.h"
#include "ccrm/ui.h"

enum ui_pair {
    PAIR_TABS = 1,
    PAIR_TAB_ACTIVE,
    PAIR_STATUS,
    PAIR_HIGHLIGHT,
    PAIR_ERROR,
    PAIR_OFFLINE,
    PAIR_HEADER,
    PAIR_DIM,
};

struct view;
struct entity;
struct event_window;
struct list_query;
struct action;
struct draft;

/* What a list view answers, for the actions that work on lists (src/ui/commands.c): :sort,
 * :filter, :export, :new and the keys s, f, n. */
struct list_ops {
    /* the list as it is shown (its sort, search, filter) */
    const struct list_query *(*query)(struct view *v);
    /* the names of its sort orders, NULL-terminated (completion) */
    const char *const *(*sorts)(struct view *v);
    /* sort by the order named name (NULL: the next one): 0, or -1 if it has none such */
    int (*set_sort)(struct view *v, struct app *app, const char *name);
    /* the filter as text, for editing; set it from text ("mine status=open"): 0, or -1 with
     * the reason shown */
    void (*filter_text)(struct view *v, char *buf, size_t n);
    int (*set_filter)(struct view *v, struct app *app, const char *text);
    /* search (reloaded at the next draw) */
    void (*set_search)(struct view *v, struct app *app, const char *text);
    /* what :new and n create here (NULL: nothing), and the values a new one starts with
     * ("stage=proposal": the list's filters), NULL-terminated */
    const struct entity *(*entity)(struct view *v);
    /* the kind the list itself is (the Inbox, whose rows name other records); NULL: entity */
    const struct entity *(*own)(struct view *v);
    const char *const *(*prefill)(struct view *v);
    /* a record of its entity was just saved (a new one): the cursor on it, clearing a search
     * or filter that hides it: 0 with what was cleared said in said (" · search \"x\" cleared
     * to show it", or ""), -1 when the list does not show it even so (left as it was). NULL:
     * nothing. */
    int (*show)(struct view *v, struct app *app, int64_t id, char *said, size_t n);
    /* the list's first filter is its own, not set by f (the Pipeline's columns: the stage) */
    int fixed_filter;
};

struct view_ops {
    /* Draw into w (h rows, wd columns). */
    void (*draw)(struct view *v, struct app *app, WINDOW *w, int h, int wd);
    /* Handle a key of the view's own (moving, opening: wide char when !fkey, KEY_* when fkey).
     * Returns 1 if used; the action table (src/ui/commands.c) gets the others. */
    int (*handle_key)(struct view *v, struct app *app, wint_t key, int fkey);
    /* Data may have changed in the database. */
    void (*on_wakeup)(struct view *v, struct app *app);
    /* One line describing the view's state for the status bar (sort, search). */
    void (*describe)(struct view *v, char *buf, size_t n);
    /* Help for the view's own keys: NULL-terminated "key\tdescription" lines (the keys of the
     * actions it can run are added from the action table). Never NULL or empty. */
    const char *const *help;
    void (*free)(struct view *v);
    /* The record the view has selected: a list's row, the record shown. 0 with *e and *id,
     * or -1 when there is none. NULL: never. */
    int (*selected)(struct view *v, const struct entity **e, int64_t *id);
    /* A list: what it answers (NULL: not a list). */
    const struct list_ops *list;
    /* An action of the view's own kind (a record's chat, history, a call logged on it): 0 when
     * done, -1 when the view has none such. NULL: none. */
    int (*act)(struct view *v, struct app *app, const struct action *a, const char *arg);
    /* Fill w with the list's window, for the events read (db_events_since_ui). 0 when the view
     * holds no window to check (not loaded, empty, the Feed): then it re-reads anyway. */
    int (*window)(struct view *v, struct event_window *w);
    /* Has input that closing the view would lose (a changed form)? NULL: never. */
    int (*unsaved)(struct view *v);
    /* A wake-up that brought no event: check what the view shows that has none (presence);
     * NULL or 0: nothing changed, 1: re-read and redraw. */
    int (*on_quiet_wakeup)(struct view *v, struct app *app);
    /* Its unsaved input as a draft (include/ccrm/draft.h), kept when the client is stopped or
     * crashes and offered back at the next start. NULL: nothing to keep. */
    void (*draft)(struct view *v, struct draft *d);
    /* A session of its own the view is opening without blocking (the Reports view's replica):
     * the session while it connects, else NULL; NULL op: never. The event loop polls it
     * (ui_side_fds) and tells the view once it is made or has failed (connected). */
    struct db *(*connecting)(struct view *v);
    void (*connected)(struct view *v, struct app *app);
    /* A character of a paste (the terminal's bracketed paste marks pasted text): text only,
     * never a key's action; a newline is '\r' (one for CR LF); 0 when the paste ended with a
     * newline (a space on a line of one, taken back). NULL: nothing is pasted here. */
    void (*paste_key)(struct view *v, struct app *app, wint_t key);
};

struct view {
    const struct view_ops *ops;
    char title[64];
    int dirty;
    /* set by on_wakeup when nothing the view shows changed: only the tab bar, the status bar
     * and the message line are redrawn (with 100 clients, most wake-ups are such) */
    int kept;
    int takes_text; /* every printable key is input (a form): `:` does not open the prompt */
    int closing;    /* closed: freed once the handler that closed it has returned */
};

/* Line input on the bottom line (search, later the command prompt). */
typedef void (*input_cb)(struct app *app, void *ctx, const char *text, int done, int ok);

#define UI_MAX_TABS 24 /* 1-9 and 0 by number; the rest by Tab and :view (cmd_views has 12) */
#define UI_MAX_STACK 8
/* characters on the bottom line (a comment, a note, a chat line); a line that is full says so
 * rather than dropping keys silently. A search keeps at most UI_SEARCH_TEXT bytes of it. */
#define UI_INPUT_MAX 2048
#define UI_SEARCH_TEXT 1024
#define UI_TRACE_IDS 1024 /* event ids a read and a paint trace (CCRM_TRACE) */
#define UI_INBOX_TAB 7    /* tabs: feed leads accounts contacts deals tickets campaigns inbox ... */
#define REMIND_RUNG_MAX 64
#define REMIND_PENDING_MAX 16

struct ui {
    SCREEN *screen;
    /* the tabs' views, made when first shown (NULL until then: ui_tab_view); their titles
     * from the start, for the tab bar */
    struct view *tabs[UI_MAX_TABS];
    char tab_title[UI_MAX_TABS][32];
    int ntabs;
    int tab;
    struct view *stack[UI_MAX_STACK]; /* detail views opened over the current tab */
    int depth;
    int help;
    int help_skip, help_page, help_more; /* a help taller than the screen: its scrolling */
    int help_end;                        /* ... its last line is shown */
    int color;
    int rows, cols;
    int dirty;        /* redraw everything */
    int chrome_dirty; /* redraw only the tab bar, the status bar and the bottom line */
    int full_clear;
    char msg[256];
    int msg_error;
    /* benchmark tracing: time the first key of a batch arrived, and whether data was painted */
    double key_t0;
    wint_t key_code;
    int painted_data;
    int64_t trace_ids[UI_TRACE_IDS]; /* events read since the last paint, traced when painted */
    int ntrace_ids;
    int feed_unread;             /* events since the Feed was last shown, on its tab */
    int inbox_unread;            /* unread entries in the user's Inbox, on its tab */
    unsigned first_screen_timer; /* the Inbox's count and the reminders' first look */
    /* tabs the role cannot use (a partner's Campaigns): not drawn, skipped by Tab; their
     * numbers stay, so that 8 is the Inbox for everyone */
    unsigned char hidden[UI_MAX_TABS];
    /* what the last wake-up's events touched, so that views can tell whether they must
     * re-read (wake_valid 0: unknown, re-read) */
    struct wake_event {
        char entity[24];
        char op[8];
        int64_t id;    /* the record's */
        int64_t ev_id; /* the event's own (a Feed row) */
    } wake_ev[64];
    int nwake;
    int wake_valid;
    /* a partner's: what was shared with him at the last look (db_shares_seen); when his view
     * last re-read, and the timer of the next look a quiet wake-up asked for (wakeup) */
    char shares_seen[48];
    int64_t partner_look_ms;
    unsigned partner_timer;
    /* the list view that asked, with the same read, whether the events touch its window
     * (db_events_since_ui), and the answer; NULL: none asked */
    const struct view *wake_window_view;
    int wake_in_window;
    unsigned msg_timer;         /* the message line's expiry */
    unsigned countdown_timer;   /* the offline countdown's repaint */
    char conn_error_shown[256]; /* the reconnect failure last said on the message line */
    /* line input */
    int input;
    char input_label[64];     /* the question drawn: the longest of these that fits */
    char input_labels[3][64]; /* the question, then shorter ones (ui_input_shorter) */
    int input_nlabels;
    wchar_t ibuf[UI_INPUT_MAX];
    int ilen, icur;
    int ifull_said; /* the line filled up and that was said */
    int isel;       /* the line's text is selected (ui_input_select): typing replaces it */
    /* the text of the last line cancelled with Esc (a comment, a note): Up on an empty line
     * brings it back, so that one key does not lose a paragraph */
    wchar_t icancelled[UI_INPUT_MAX];
    int icancelled_len;
    int ityped; /* the line was typed in (not only the text it was opened with) */
    /* a bracketed paste is coming in (ESC [200~ .. ESC [201~): its characters are text, not
     * keys; the time of its last character (an end marker that never came is given up on),
     * whether the last was a CR, whether a paste where none is taken was said */
    int pasting;
    int64_t paste_ms;
    int paste_cr, paste_lf, paste_said;
    int paste_input; /* it went into the bottom line, whose callback is told at its end */
    input_cb icb;
    int icomplete; /* what Tab completes in the line (enum ui_complete) */
    void *ictx;
    struct prompt *prompt; /* the `:` prompt (src/ui/prompt.c), NULL until first used */
    /* reminders (src/ui/reminders.c): one's tasks due after remind_after_ms (epoch ms) ring at
     * remind_timer; what rang (task, due time); reminder rows the last read brought */
    long long remind_after_ms;
    unsigned remind_timer;
    int remind_recheck;
    struct {
        long long id, due_ms;
    } rung[REMIND_RUNG_MAX];
    int nrung;
    long long pending_reminders[REMIND_PENDING_MAX];
    int npending_reminders;
};

/* The view keys go to: the top of the stack (views closing aside), else the current tab. */
struct view *ui_active(struct ui *ui);
/* Tab t's view, made when first asked for (NULL: no such tab). */
struct view *ui_tab_view(struct app *app, int t);
/* Put v on the stack; it is the stack's from then on. When the stack is full the oldest view
 * without unsaved input is closed; when every one has some, v is freed and -1 returned (with a
 * message). Returns 0. */
int ui_push(struct app *app, struct view *v);
/* Close v (on the stack): it is freed after the handler running now has returned, so a view
 * may close itself and go on using its own state until it returns. ui_pop closes the top. */
void ui_close(struct app *app, struct view *v);
void ui_pop(struct app *app);
/* Quit (q and Ctrl-C at the top, :quit): at once, unless an open form has unsaved input; then
 * one question first, y quits and loses it. */
void ui_quit(struct app *app);
/* The terminal's bracketed paste on (pasted text comes marked) or off (before curses is left
 * for a shell, an editor or the end). */
void ui_paste_mode(int on);
/* A pasted character as text: a newline ('\r') kept when keep_lines, else a space, as a tab
 * is; another control character is 0 (left out). */
wint_t ui_paste_char(wint_t key, int keep_lines);
void ui_input_begin(struct app *app, const char *label, const char *initial, input_cb cb,
                    void *ctx);
/* Shorter forms of the question just begun (NULL: none), longest first: the line shows the
 * longest that fits the screen's width, chosen again whenever the screen is resized. */
void ui_input_shorter(struct app *app, const char *mid, const char *shortest);
/* The line just begun holds a current value (the filter, the search) that is more often
 * replaced than edited: it shows selected, the first printable key typed replaces it, and a
 * cursor or editing key (← → Home End Backspace) first leaves it to edit. */
void ui_input_select(struct app *app);
/* What Tab completes in the line just begun: the login or department being typed (a, h), an
 * @mention anywhere in the text (comments, notes, chat), a file name (the line is a path:
 * saving an attachment), the path after the line's first word (":attach PATH" in the reply
 * form), or the whole line as a command's argument, as the `:` prompt completes it (m on a
 * campaign: what :add-member takes). */
enum ui_complete {
    UI_COMPLETE_NONE,
    UI_COMPLETE_PEOPLE,
    UI_COMPLETE_MENTIONS,
    UI_COMPLETE_FILES,
    UI_COMPLETE_ARG_FILES,
    UI_COMPLETE_MEMBERS, /* the line is :add-member's argument (m): a full name or address */
    UI_COMPLETE_SEGMENTS /* the line is :add-segment's argument: a segment's name */
};
void ui_input_complete(struct app *app, enum ui_complete kind);
/* A question on the bottom line answered by one key, as it looks ("replace it? (y/n)", "save
 * it? (y: yes, c: count exactly)", "send? y/n"): call it first in the question's input_cb.
 * The first key typed ends the line (no Enter after it) and is returned in lower case; what
 * was typed after it is dropped, unless the key is in keep (may be NULL): a key that opens a
 * line of its own (the reply's t, :), which takes what follows. Enter gives '\n', Esc (^G,
 * ^C) 27, a key that is no single character 0. */
int ui_ask_key(struct app *app, const char *text, int done, int ok, const char *keep);
void ui_message_error(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An input line is full (UI_INPUT_MAX): said once a line (*said, reset by the line's owner), a
 * beep for each key not taken; enter says what Enter does with what is there. */
void ui_line_full(struct app *app, int *said, const char *enter);
/* A message that stays ms milliseconds (unless a newer one replaces it). */
void ui_message_for(struct app *app, int ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ui_page_size(struct app *app);
/* A view calls this when it drew real rows (for the startup-paint trace). */
void ui_painted_data(struct app *app);

/* Text: draw UTF-8 s at (y, x) in exactly width columns (truncated with "…" or padded). A
 * control or invisible format character shows as '?', a zero-width one (ZWSP, ZWJ) as
 * nothing (src/ui/text.c). */
void draw_text(WINDOW *w, int y, int x, const char *s, int width, attr_t attr);
/* draw_text for text being typed (a form's field, the `:` line, the bottom line's input): a
 * zero-width character shows as '?' in a column of its own, so the cursor can stand on it
 * (text_wcswidth measures it so). */
void draw_input(WINDOW *w, int y, int x, const char *s, int width, attr_t attr);
/* Display width of UTF-8 s as draw_text draws it (invalid bytes count as one column). */
int text_width(const char *s);
/* ... and as draw_input draws it (a zero-width character as '?', one column). */
int text_input_width(const char *s);
/* A figure ("-11,899,999,999,999,880,988,112,800.21") in at most width columns: whole when it
 * fits, else with three, two or one significant digits ("-1.19×10²⁵"), never its digits cut.
 * Returns the columns written, more than width when not even that fits. */
int ui_fit_figure(char *buf, size_t n, const char *text, int width);
/* An amount with its currency ("1,000.00 EUR") in at most width columns the same way, the
 * currency always kept. Returns the columns written. */
int ui_fit_amount(char *buf, size_t n, const char *item, int width);
/* The figure text with sig (1 to 3) significant digits, rounded: "-1.19×10²⁵". Its width, or -1
 * when text is no figure or has no digit before the point. */
int ui_short_figure(char *buf, size_t n, const char *text, int sig);
/* Display width of the n wide characters at s as draw_input shows them (a control or invisible
 * format character as '?', one column, a zero-width one too): where a cursor goes in typed
 * text. */
int text_wcswidth(const wchar_t *s, size_t n);
/* Wrap s into lines of at most width columns, at blanks where a word would be cut: the byte
 * offset where each line starts into starts (at most max). Returns the number of lines; a line
 * ends where the next starts (its trailing blanks are not drawn: draw_text pads anyway). */
int text_wrap(const char *s, int width, size_t *starts, int max);
attr_t ui_attr(struct app *app, enum ui_pair pair, attr_t fallback);

/* Views */
struct view *view_list_new(struct app *app, const struct entity *e);

/* ---- the `:` prompt (src/ui/prompt.c) and what its commands call ---- */
struct prompt;
int prompt_is_open(struct app *app);
void prompt_open(struct app *app);
/* Feed one key; runs the command on Enter. Returns 1 when the prompt closed, else 0. */
int prompt_key(struct app *app, wint_t key, int fkey);
/* Draw ":" + the line and place the cursor on row y (Tab's list or an error on row y - 1). */
void prompt_draw(struct app *app, int y);
/* el_end() and free; call before endwin(). Accepts NULL. */
void prompt_free(struct prompt **pp);
/* The `:` prompt's completion source (struct cmd_complete_src, ctx: the app): what the
 * database offers for command kind's argument typed so far (account names, logins, a campaign's
 * people, segment names), each already matched (src.matched). */
void prompt_names(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx, void *ctx);
/* Go to tab t (closing detail views), as the 1-9 keys do: 0, or -1 when it did not (said: a
 * view open has unsaved input, or the tab is not the role's). */
int ui_switch_tab(struct app *app, int t);
/* The tab showing view name ("accounts"), or -1. */
int ui_tab_of(struct app *app, const char *name);

/* ---- a view of text lines (src/ui/view_text.c): :who, :agenda, :print text ---- */
/* A new, empty one (title on the tab bar's place, desc on the status bar); add its lines
 * ("# heading", "! warning", else plain) before it is shown. */
struct view *view_text_new(struct app *app, const char *title, const char *desc);
void view_text_add(struct view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add a text's lines as they are (`:print text`: a document), terminal-safe. */
void view_text_add_text(struct view *v, const char *text);

/* ---- reminders (src/ui/reminders.c) ---- */
struct event;
/* At start-up (after the connection): unseen reminders ring, the next due task is awaited. */
void reminders_start(struct app *app);
void reminders_first_look(struct app *app);
/* One's tasks that fell due since the last look ring; the timer waits for the next one. */
void reminders_check(struct app *app);
/* An event of the read in progress: 1 when it is a reminder (never toasted), else 0. */
int reminders_on_event(struct app *app, const struct event *ev);
/* After the read: ring the reminders it brought, look again if tasks changed. */
void reminders_after_read(struct app *app);
void reminders_fini(struct app *app);

/* ---- the action table (src/ui/commands.c) ---- */
/* Run the action key names for the active view, if it has one that the view can run (keys
 * the view did not take itself). Returns 1 if one ran. */
int commands_key(struct app *app, struct view *v, wint_t key);
/* Run a `:` line (errors on the message line). */
void commands_run(struct app *app, const char *line);
/* The help lines of the actions view v can run ("key\tdescription"), at most max into lines
 * (texts kept until the next call), and the global lines. Returns how many. */
int commands_help(struct view *v, const char **lines, int max);
/* May the user run the action named name on records of e (its grant; yes when unknown)? */
int commands_may(const char *name, const struct entity *e);
/* The user is a partner: keys and commands of internal users only are not offered. */
void commands_set_partner(int partner);
/* The connection the keys under a record ask about the user's rights on (once a session). */
void commands_set_db(struct db *db);
/* The hint under a record of entity e: "C convert · Enter open · e edit · ..." */
/* The keys offered under a record of e in this phase (struct detail's; "": all of e's). */
void commands_hint(const struct entity *e, const char *phase, char *buf, size_t n);

/* ---- list views (src/ui/view_list.c), as the pipeline composes them ---- */
/* A list whose first filter is fixed to value (a pipeline column: stage=value). */
struct view *view_list_new_fixed(struct app *app, const struct entity *e, const char *value);
/* The row under the cursor (NULL: none), re-read the rows around the cursor now, the current
 * sort's name; show or hide the cursor bar (pipeline columns without focus); re-read the
 * list around the record id, cursor on it (-1: not in this list). */
const struct row *view_list_current(struct view *v);
/* The next word of a filter's text at *p, in *word: up to a blank outside double quotes, the
 * quotes kept (its values are split later), the blank after it overwritten with '\0'. Returns
 * 1, 0 at the end of the text, or -1 when the word's quote is not closed (it ran to the end). */
int view_list_filter_word(char **p, char **word);
void view_list_reload(struct view *v, struct app *app);
const char *view_list_sort_name(struct view *v);
void view_list_set_active(struct view *v, int active);
int view_list_show_record(struct view *v, struct app *app, int64_t id);
/* Is v a list whose rows name records of several kinds (the Following list)? */
int view_list_names_records(struct view *v);
/* Deals pipeline (src/ui/view_pipeline.c) and Dashboard (src/ui/view_dashboard.c). */
struct view *view_pipeline_new(struct app *app);
struct view *view_dashboard_new(struct app *app);

#endif
