/* The `:` command prompt on the bottom line. libedit (native el_* API) is a headless line
 * editor: it never draws (its output goes to /dev/null) and never reads the terminal; the main
 * loop feeds it the keys it read with wget_wch(), one el_wgets() per key, and we draw the line
 * from el_wline() (docs/architecture.md, "The `:` prompt"). History: $state_dir/history, 0600.
 * A finished line is run by the action table (src/ui/commands.c). */
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "ccrm/cmd.h"
#include "ccrm/complete.h"
#include "ccrm/entity.h"
#include "ccrm/stats.h"
#include "ccrm/util.h"
#include "ui_int.h"

#define HISTORY_SIZE 500
#define NAMES_LIMIT 100

struct prompt {
    EditLine *el;
    HistoryW *hist;
    FILE *devnull;
    char *hist_path; /* NULL: no history file (no state_dir) */
    int open;
    int used;      /* the line editor has state from an earlier line: reset at the next open */
    int browsed;   /* Up was used on this line (before it, Down would blank the line) */
    int full_said; /* "the line is full" was said for this line */
    wchar_t key;
    int have_key;
    struct app *app;
    char listed[64]; /* the start of what Tab listed in the message line ("": nothing) */
};

/* What Tab listed belongs to the line being typed: when the line is done or cancelled, it
 * goes too, unless another message has taken its place meanwhile. */
static void
unlist(struct prompt *p)
{
    struct ui *ui = p->app->ui;

    if (p->listed[0] != '\0' && strncmp(ui->msg, p->listed, strlen(p->listed)) == 0) {
        ui->msg[0] = '\0';
        ui->chrome_dirty = 1;
    }
    p->listed[0] = '\0';
}

/* libedit's input: the one key prompt_key() is feeding, else end of input. */
static int
getcfn(EditLine *el, wchar_t *c)
{
    struct prompt *p = NULL;

    el_get(el, EL_CLIENTDATA, &p);
    if (p == NULL || !p->have_key)
        return 0;
    *c = p->key;
    p->have_key = 0;
    return 1;
}

/* wide → malloc'd UTF-8 (NULL if not convertible) */
static char *
to_mb(const wchar_t *w, size_t n)
{
    wchar_t *tmp = xcalloc(n + 1, sizeof *tmp);
    size_t len;
    char *s = NULL;

    wmemcpy(tmp, w, n);
    len = wcstombs(NULL, tmp, 0);
    if (len != (size_t)-1) {
        s = xmalloc(len + 1);
        wcstombs(s, tmp, len + 1);
    }
    free(tmp);
    return s;
}

/* A login for :find, if it starts with what was typed (the source's names are not filtered
 * again: src.matched). */
static void
add_login(const char *login, const char *prefix, cmd_add_fn add, void *actx)
{
    if (login != NULL && cmd_has_prefix(login, prefix, strlen(prefix)))
        add(login, actx);
}

/* Completion source: account names (open, find) and logins (find) from the database, each
 * starting with what was typed; for a campaign the people it takes (add-member: full names and
 * e-mail addresses) and segment names (add-segment). The names are the database's matches
 * (db_account_names: by their beginning, accents folded as the Accounts search folds them). */
void
prompt_names(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx, void *ctx)
{
    struct app *app = ctx;
    struct ccrm_err err;

    if (db_state(app->db) != DB_READY)
        return;
    if (kind == CMD_ASSIGN || kind == CMD_HANDOFF) {
        db_logins(app->db, prefix, add, actx, &err);
        return;
    }
    /* a campaign's: a partner sees no campaign, so the add could only fail; and under its
     * row-level security the ranges of the folded names' index are no index condition
     * (ccrm_person_name is not leakproof: it is tested after the policy, row by row) */
    if (kind == CMD_ADD_MEMBER || kind == CMD_ADD_SEGMENT) {
        if (db_is_partner(app->db))
            return;
        if (kind == CMD_ADD_MEMBER)
            db_person_names(app->db, prefix, NAMES_LIMIT, add, actx, &err);
        else
            db_segment_names(app->db, prefix, NAMES_LIMIT, add, actx, &err);
        return;
    }
    db_account_names(app->db, prefix, NAMES_LIMIT, add, actx, &err);
    if (kind == CMD_FIND) { /* logins: ours, and those active in the Feed */
        struct list_query fq = {entity_find("events"), 0, NULL, {NULL}, {0}};
        struct row *rows = xcalloc(NAMES_LIMIT, sizeof *rows);
        int n, i;

        add_login(db_login(app->db), prefix, add, actx);
        n = db_list_fetch(app->db, &fq, NULL, 1, NAMES_LIMIT, rows, &err);
        for (i = 0; i < n; i++) {
            add_login(rows[i].col[1], prefix, add, actx);
            row_fini(&rows[i]);
        }
        free(rows);
    }
}

/* Tab: replace the word before the cursor by the candidates' common prefix; list them. */
static unsigned char
complete(EditLine *el, int ch)
{
    struct prompt *p = NULL;
    const LineInfoW *li = el_wline(el);
    struct cmd_completion c;
    struct cmd_complete_src src = {NULL, prompt_names, NULL, 1};
    struct ui *ui;
    struct view *v;
    char *line, list[sizeof ui->msg];
    size_t nchars;
    int i;

    (void)ch;
    el_get(el, EL_CLIENTDATA, &p);
    if (p == NULL || (line = to_mb(li->buffer, (size_t)(li->cursor - li->buffer))) == NULL)
        return CC_ERROR;
    ui = p->app->ui;
    v = ui_active(ui);
    src.sorts = v != NULL && v->ops->list != NULL ? v->ops->list->sorts(v) : NULL;
    src.ctx = p->app;
    cmd_complete(line, strlen(line), &src, &c);
    if (c.n == 0) {
        ui_message(p->app, "no completions");
        str_copy(p->listed, ui->msg, sizeof p->listed);
    } else {
        if (c.n == 1 && ui->msg[0] != '\0') { /* an earlier Tab's list or "no completions" */
            ui->msg[0] = '\0';
            ui->chrome_dirty = 1;
        }
        nchars = mbstowcs(NULL, line + c.start, 0);
        if (nchars != (size_t)-1) {
            el_deletestr(el, (int)nchars);
            el_insertstr(el, c.common);
            if (c.n == 1 && c.is_cmd)
                el_insertstr(el, " ");
        }
        if (c.n > 1) {
            list[0] = '\0';
            for (i = 0; i < c.n && strlen(list) + strlen(c.cand[i]) + 3 < sizeof list; i++) {
                strcat(list, c.cand[i]);
                strcat(list, "  ");
            }
            ui_message(p->app, "%s%s", list, i < c.n ? "…" : "");
            str_copy(p->listed, ui->msg, sizeof p->listed);
        }
    }
    cmd_completion_fini(&c);
    free(line);
    return CC_REFRESH;
}

/* A history file written before the prompt had a limit may hold lines of any length (a paste
 * of 100,000 characters), which Up would bring back and the line editor take 30 s to show:
 * such lines go, the file kept 0600. libedit writes a line encoded (vis), at most four bytes a
 * character. */
static void
hist_trim(const char *path)
{
    FILE *in = fopen(path, "r"), *out;
    char *line = NULL, *tmp;
    size_t cap = 0;
    ssize_t n;
    int fd, drop = 0;

    if (in == NULL)
        return;
    while ((n = getline(&line, &cap, in)) != -1)
        drop |= n > 4 * UI_INPUT_MAX;
    if (!drop) {
        free(line);
        fclose(in);
        return;
    }
    rewind(in);
    tmp = xasprintf("%s.XXXXXX", path);
    if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0600) == -1 || (out = fdopen(fd, "w")) == NULL) {
        if (fd != -1) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        free(line);
        fclose(in);
        return;
    }
    while ((n = getline(&line, &cap, in)) != -1)
        if (n <= 4 * UI_INPUT_MAX)
            fwrite(line, 1, (size_t)n, out);
    if (fclose(out) == 0)
        rename(tmp, path);
    else
        unlink(tmp);
    free(tmp);
    free(line);
    fclose(in);
}

static void
hist_init(struct prompt *p, struct app *app)
{
    HistEventW ev;
    const char *dir = app->cfg->state_dir;

    p->hist = history_winit();
    history_w(p->hist, &ev, H_SETSIZE, HISTORY_SIZE);
    history_w(p->hist, &ev, H_SETUNIQUE, 1);
    if (dir == NULL || dir[0] == '\0')
        return;
    if (mkdir_p(dir, 0700) == -1) {
        ui_message_error(app, "could not create directory \"%s\": %s", dir, strerror(errno));
        return;
    }
    p->hist_path = xasprintf("%s/history", dir);
    hist_trim(p->hist_path);
    history_w(p->hist, &ev, H_LOAD, p->hist_path); /* missing on first use: fine */
}

static void
hist_add(struct prompt *p, const wchar_t *line)
{
    if (wcslen(line) >= UI_INPUT_MAX)
        return; /* a line the prompt would not take (an older version's): not kept */
    HistEventW ev;
    FILE *f;
    int fd;

    history_w(p->hist, &ev, H_ENTER, line);
    if (p->hist_path == NULL)
        return;
    /* it holds customer names: only we may read it */
    fd = open(p->hist_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1 || fchmod(fd, 0600) == -1 || (f = fdopen(fd, "w")) == NULL) {
        ui_message_error(p->app, "could not write file \"%s\": %s", p->hist_path, strerror(errno));
        if (fd != -1)
            close(fd);
        return;
    }
    history_w(p->hist, &ev, H_SAVE_FP, f);
    fclose(f);
}

static struct prompt *
prompt_new(struct app *app)
{
    struct prompt *p = xcalloc(1, sizeof *p);

    p->app = app;
    p->devnull = fopen("/dev/null", "w");
    if (p->devnull == NULL) {
        free(p);
        return NULL;
    }
    /* drawing goes to /dev/null; the tty fds keep editing enabled */
    p->el = el_init_fd("ccrm", stdin, p->devnull, p->devnull, 0, 1, 2);
    if (p->el == NULL) {
        fclose(p->devnull);
        free(p);
        return NULL;
    }
    hist_init(p, app);
    el_set(p->el, EL_CLIENTDATA, p);
    el_wset(p->el, EL_EDITOR, L"emacs");
    el_set(p->el, EL_SIGNAL, 0);
    el_wset(p->el, EL_HIST, history_w, p->hist);
    el_set(p->el, EL_GETCFN, getcfn);
    el_wset(p->el, EL_ADDFN, L"ccrm-complete", L"complete a : command", complete);
    el_wset(p->el, EL_BIND, L"^I", L"ccrm-complete", NULL);
    /* libedit's edit mode would turn ISIG back on (Ctrl-C would kill ccrm) */
    el_wset(p->el, EL_SETTY, L"-d", L"-isig", L"-inlcr", L"-icrnl", NULL);
    el_set(p->el, EL_UNBUFFERED, 1);
    return p;
}

int
prompt_is_open(struct app *app)
{
    return app->ui->prompt != NULL && app->ui->prompt->open;
}

void
prompt_open(struct app *app)
{
    struct ui *ui = app->ui;
    struct prompt *p = ui->prompt;

    if (p == NULL && (p = ui->prompt = prompt_new(app)) == NULL) {
        ui_message_error(app, "could not start the command line editor");
        return;
    }
    if (p->used) { /* a fresh line and history position (read_prepare resets both) */
        el_set(p->el, EL_UNBUFFERED, 0);
        el_set(p->el, EL_UNBUFFERED, 1);
        p->used = 0;
    }
    reset_prog_mode(); /* starting libedit (or resetting its line) set its terminal modes */
    p->browsed = 0;
    p->full_said = 0;
    p->open = 1;
    ui->msg[0] = '\0';
    ui->dirty = 1;
}

static void
finish(struct prompt *p, const wchar_t *line, size_t n)
{
    struct app *app = p->app;
    char *mb = to_mb(line, n);
    wchar_t *copy;

    p->open = 0;
    unlist(p);
    app->ui->dirty = 1;
    /* repaint the whole screen once the line is done, in case anything drew while libedit's
     * terminal modes were in force (see prompt_key) */
    app->ui->full_clear = 1;
    if (mb == NULL) {
        ui_message_error(app, "the command is not valid text");
        return;
    }
    if (strspn(mb, " \t:") != strlen(mb)) {
        copy = xcalloc(n + 1, sizeof *copy);
        wmemcpy(copy, line, n);
        hist_add(p, copy);
        free(copy);
    }
    commands_run(app, mb);
    free(mb);
}

int
prompt_key(struct app *app, wint_t key, int fkey)
{
    struct prompt *p = app->ui->prompt;
    const LineInfoW *li = el_wline(p->el);
    int empty = li->lastchar == li->buffer, n;
    wchar_t k;

    app->ui->dirty = 1;
    if (fkey) {
        switch (key) {
        case KEY_UP:
            k = 16; /* ^P */
            break;
        case KEY_DOWN:
            k = 14; /* ^N */
            break;
        case KEY_LEFT:
            k = 2; /* ^B */
            break;
        case KEY_RIGHT:
            k = 6; /* ^F */
            break;
        case KEY_HOME:
            k = 1; /* ^A */
            break;
        case KEY_END:
            k = 5; /* ^E */
            break;
        case KEY_BACKSPACE:
            k = 127;
            break;
        case KEY_DC:
            if (li->cursor == li->lastchar)
                return 0;
            k = 4; /* ^D: delete under the cursor */
            break;
        case KEY_ENTER:
            k = L'\r';
            break;
        default:
            return 0;
        }
    } else if (key == 27 || key == 7 || key == 3 || (key == 4 && empty)) {
        p->open = 0; /* Esc, ^G, ^C, ^D on an empty line: cancel */
        unlist(p);
        app->ui->full_clear = 1;
        p->used = 1;
        return 1;
    } else if (key == 12) { /* ^L */
        app->ui->full_clear = 1;
        return 0;
    } else if (key == 0 || (key < 0x20 && strchr("\1\2\4\5\6\10\11\12\13\15\16\20\24\25\27\31",
                                                 (int)key) == NULL)) {
        /* only plain editing keys: others wait for a second key we do not feed (^V, ^X),
         * or start modes that draw into the line (^R, ^S incremental search) */
        return 0;
    } else {
        k = (wchar_t)key;
    }
    /* at most what the other input lines take: a paste of 100,000 characters stops here,
     * said once (the line editor's redisplay grows with the line's length) */
    if (k >= 0x20 && k != 127 && li->lastchar - li->buffer >= UI_INPUT_MAX - 1) {
        ui_line_full(app, &p->full_said, "Enter runs what is there");
        return 0;
    }
    if (k == 16)
        p->browsed = 1;
    else if (k == 14 && !p->browsed)
        return 0; /* libedit would replace the line by an empty saved one */
    p->key = k;
    p->have_key = 1;
    p->used = 1;
    el_wgets(p->el, &n);
    /* libedit puts the terminal into its own modes around each call (it turns ONLCR back on,
     * so curses' "\n" also returned the carriage and the screen went one row or column off);
     * give curses its modes back at once */
    reset_prog_mode();
    p->have_key = 0;
    li = el_wline(p->el);
    if (li->lastchar > li->buffer && li->lastchar[-1] == L'\n') {
        finish(p, li->buffer, (size_t)(li->lastchar - li->buffer - 1));
        return 1;
    }
    return 0;
}

void
prompt_draw(struct app *app, int y)
{
    struct ui *ui = app->ui;
    struct prompt *p = ui->prompt;
    const LineInfoW *li = el_wline(p->el);
    size_t start = 0, ncur = (size_t)(li->cursor - li->buffer);
    size_t nall = (size_t)(li->lastchar - li->buffer);
    int cw, cx;
    char *text, *buf;

    /* what Tab listed, or an error, on the line above (over the status bar) */
    if (ui->msg[0] != '\0' && y > 0)
        draw_text(stdscr, y - 1, 0, ui->msg, ui->cols,
                  ui->msg_error ? ui_attr(app, PAIR_ERROR, A_BOLD) : A_REVERSE);
    /* scroll horizontally so that the cursor stays on screen: back from the cursor while the
     * characters fit (as drawn: a zero-width character typed shows as '?'); a walk from the
     * line's start, one character at a time, took time with the square of its length */
    start = ncur;
    cw = 0;
    while (start > 0) {
        int w = text_wcswidth(li->buffer + start - 1, 1);

        if (1 + cw + w >= ui->cols)
            break;
        cw += w;
        start--;
    }
    text = to_mb(li->buffer + start, nall - start);
    buf = xasprintf(":%s", text != NULL ? text : "");
    draw_input(stdscr, y, 0, buf, ui->cols, A_NORMAL);
    cx = 1 + cw < ui->cols ? 1 + cw : ui->cols - 1;
    move(y, cx);
    curs_set(1);
    free(buf);
    free(text);
}

void
prompt_free(struct prompt **pp)
{
    struct prompt *p = *pp;

    if (p == NULL)
        return;
    el_end(p->el); /* before endwin(): it restores the tty modes it found */
    history_wend(p->hist);
    fclose(p->devnull);
    free(p->hist_path);
    free(p);
    *pp = NULL;
}
