/* Private to src/ui/: the screen, views and their interface. curses lives only here. */
#ifndef CCRM_UI_INT_H
#define CCRM_UI_INT_H

#include <curses.h>
#include <stdint.h>
#include <wchar.h>

#include "ccrm/app.h"
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

struct view_ops {
    /* Draw into w (h rows, wd columns). */
    void (*draw)(struct view *v, struct app *app, WINDOW *w, int h, int wd);
    /* Handle a key (wide char when !fkey, KEY_* when fkey). Returns 1 if used. */
    int (*handle_key)(struct view *v, struct app *app, wint_t key, int fkey);
    /* Data may have changed in the database. */
    void (*on_wakeup)(struct view *v, struct app *app);
    /* Ms until the view needs redrawing for a timer (highlight expiry), or -1. */
    int (*tick)(struct view *v, int64_t now);
    /* One line describing the view's state for the status bar (sort, search). */
    void (*describe)(struct view *v, char *buf, size_t n);
    /* Help: NULL-terminated "key\tdescription" lines. */
    const char *const *help;
    void (*free)(struct view *v);
};

struct view {
    const struct view_ops *ops;
    char title[64];
    int dirty;
    /* set by on_wakeup when nothing the view shows changed: only the tab bar, the status bar
     * and the message line are redrawn (with 100 clients, most wake-ups are such) */
    int kept;
    int takes_text; /* every printable key is input (a form): `:` does not open the prompt */
};

/* Line input on the bottom line (search, later the command prompt). */
typedef void (*input_cb)(struct app *app, void *ctx, const char *text, int done, int ok);

#define UI_MAX_TABS 9
#define UI_MAX_STACK 8
#define UI_INPUT_MAX 256
#define UI_INBOX_TAB 7 /* tabs: feed leads accounts contacts deals tickets campaigns inbox ... */

struct ui {
    SCREEN *screen;
    struct view *tabs[UI_MAX_TABS];
    int ntabs;
    int tab;
    struct view *stack[UI_MAX_STACK]; /* detail views opened over the current tab */
    int depth;
    int help;
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
    int64_t trace_ids[64]; /* events read by the last wake-up, traced when painted */
    int ntrace_ids;
    int feed_unread;  /* events since the Feed was last shown, on its tab */
    int inbox_unread; /* unread entries in the user's Inbox, on its tab */
    /* what the last wake-up's events touched, so that views can tell whether they must
     * re-read (wake_valid 0: unknown, re-read) */
    struct wake_event {
        char entity[24];
        char op[8];
        int64_t id;
    } wake_ev[64];
    int nwake;
    int wake_valid;
    /* the list view that asked, with the same read, whether the events touch its window
     * (db_events_since_ui), and the answer; NULL: none asked */
    const struct view *wake_window_view;
    int wake_in_window;
    int64_t msg_until;
    /* line input */
    int input;
    char input_label[64];
    wchar_t ibuf[UI_INPUT_MAX];
    int ilen, icur;
    input_cb icb;
    void *ictx;
    struct prompt *prompt; /* the `:` prompt (src/ui/prompt.c), NULL until first used */
};

/* The view keys go to: the top of the stack, else the current tab. */
struct view *ui_active(struct ui *ui);
void ui_push(struct app *app, struct view *v);
void ui_pop(struct app *app);
void ui_input_begin(struct app *app, const char *label, const char *initial, input_cb cb,
                    void *ctx);
void ui_message_error(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ui_page_size(struct app *app);
/* A view calls this when it drew real rows (for the startup-paint trace). */
void ui_painted_data(struct app *app);

/* Text: draw UTF-8 s at (y, x) in exactly width columns (truncated with "…" or padded). */
void draw_text(WINDOW *w, int y, int x, const char *s, int width, attr_t attr);
/* Display width of UTF-8 s (invalid bytes count as one column). */
int text_width(const char *s);
attr_t ui_attr(struct app *app, enum ui_pair pair, attr_t fallback);

/* Can curses drive the terminal on stdout? 0, or -1 with err set (src/ui/term.c). */
int ui_check_terminal(struct ccrm_err *err);

/* Views */
struct entity;
struct view *view_list_new(struct app *app, const struct entity *e);
struct view *view_account_new(struct app *app, int64_t id);

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
/* Go to tab t (closing detail views), as the 1-9 keys do. */
void ui_switch_tab(struct app *app, int t);
/* List views: set the search (reloaded at the next draw); set the sort by name (0, or -1 if
 * unknown); the sort names (NULL if v is not a list view). */
void view_list_set_search(struct view *v, struct app *app, const char *text);
int view_list_set_sort(struct view *v, struct app *app, const char *name);
const char *const *view_list_sort_names(struct view *v);
/* A list whose first filter is fixed to value (a pipeline column: stage=value). */
struct view *view_list_new_fixed(struct app *app, const struct entity *e, const char *value);
/* Set the filter from text ("mine", "status=open owner=marco", "all"); shows errors. 0/-1. */
int view_list_set_filter(struct view *v, struct app *app, const char *text);
/* The row under the cursor (NULL: none or not a list), the list's entity (-1: not a list),
 * and re-read the rows around the cursor now. */
const struct row *view_list_current(struct view *v);
const struct entity *view_list_entity(struct view *v);
void view_list_reload(struct view *v, struct app *app);
/* The current sort's name; show or hide the cursor bar (pipeline columns without focus);
 * re-read the list around the record id, cursor on it (-1: not in this list). */
const char *view_list_sort_name(struct view *v);
void view_list_set_active(struct view *v, int active);
int view_list_show_record(struct view *v, struct app *app, int64_t id);
int view_pipeline_is(const struct view *v);
/* The pipeline's focused column (a list view); set the filter of every column. */
struct view *view_pipeline_focus(struct view *v);
void view_pipeline_filter(struct view *v, struct app *app, const char *text);
/* Sort every column by the named order: 0, or -1 if the name is unknown. */
int view_pipeline_sort(struct view *v, struct app *app, const char *name);
/* The query a list view shows (NULL: not a list). */
const struct list_query *view_list_query(struct view *v);
/* Fill w with the list's window, for the events read (db_events_since_ui). 0 when v is not a
 * list, or holds no window to check (not loaded, empty, the Feed): then it re-reads anyway. */
struct event_window;
int view_list_window(struct view *v, struct event_window *w);
/* Deals pipeline (src/ui/view_pipeline.c) and Dashboard (src/ui/view_dashboard.c). */
struct view *view_pipeline_new(struct app *app);
struct view *view_dashboard_new(struct app *app);
/* Account view: show or hide the history, as key H does. 0, or -1 if v is not one. */
int view_account_toggle_history(struct view *v, struct app *app);

#endif
