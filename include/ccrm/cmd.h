/* The `:` command language: parse a line into a command and its argument, and list completion
 * candidates for the word at the cursor. Pure (no curses, no libpq) and fuzzed. The commands,
 * with the keys that do the same in views and the help of both, are one table: the action
 * table (struct action, defined by the full-screen client in src/ui/commands.c); the parser
 * reads its names. */
#ifndef CCRM_CMD_H
#define CCRM_CMD_H

#include <stddef.h>

#include "ccrm/err.h"

enum cmd_kind {
    CMD_NONE,    /* empty line: nothing to do */
    CMD_OPEN,    /* open NAME: the first account the Accounts search finds */
    CMD_FIND,    /* find TEXT: the Accounts view with that search */
    CMD_VIEW,    /* view NAME (arg holds the full view name: feed, leads, ... dashboard) */
    CMD_SORT,    /* sort NAME: a sort order of the current list (checked by the UI) */
    CMD_HISTORY, /* toggle the history of the record shown */
    CMD_HELP,
    CMD_QUIT,
    CMD_FILTER,  /* filter TEXT: "mine", "status=open owner=marco", "all" (checked by the UI) */
    CMD_NEW,     /* new [WHAT]: arg is the entity's table (the registry's), "" = this list's */
    CMD_EDIT,    /* edit the selected or shown record */
    CMD_ASSIGN,  /* assign LOGIN [NOTE] */
    CMD_HANDOFF, /* handoff LOGIN|DEPARTMENT [NOTE] */
    CMD_COMMENT, /* comment TEXT (with @login mentions) */
    CMD_EXPORT,  /* export FILE: the current list, as its search and filter show it, to CSV */
};

/* The views in tab order (the tabs 1-9), NULL-terminated: `:view`, [ui] start_view, --view. */
extern const char *const cmd_views[];

struct app;

enum cmd_arg { CMD_ARG_NONE, CMD_ARG_REQUIRED, CMD_ARG_OPTIONAL };

/* What Tab completes in an action's argument. */
enum cmd_complete_what {
    CMPL_NONE,
    CMPL_VIEWS,    /* the view names */
    CMPL_SORTS,    /* the sort orders of the list shown */
    CMPL_NEW,      /* what :new creates */
    CMPL_ACCOUNTS, /* account names (and for :find, logins) */
    CMPL_PEOPLE,   /* logins, then free text (a note); for :handoff departments too */
};

/* What an action needs from the view it runs in (bits). */
enum action_needs {
    NEEDS_SELECTED = 1 << 0, /* a record: a list's selected row, or the record shown */
    NEEDS_LIST = 1 << 1,     /* a list (its sort, filter, search, export) */
    NEEDS_RECORD = 1 << 2,   /* a record's detail view (its chat, its history) */
};

/* An action: a `:` command, a key in views, or both, with the help of both (? and :help are
 * made from this table, so keys, commands and help cannot drift apart). */
struct action {
    const char *name;   /* the : command, or NULL for a key only */
    int key;            /* the key in views, or 0 for a command only */
    enum cmd_kind kind; /* what cmd_parse returns for name */
    enum cmd_arg arg;
    enum cmd_complete_what complete;
    unsigned needs;    /* enum action_needs bits */
    unsigned applies;  /* the record's entity must offer these (enum entity_action), 0: any */
    const char *hint;  /* a word or two under a record ("c comment"), or NULL */
    const char *usage; /* ":assign LOGIN [NOTE]" (commands), or NULL */
    const char *help;  /* what it does, one line (never empty) */
    /* Run it: arg is the command's argument, or NULL from a key (then it asks, if it must). */
    void (*run)(struct app *app, const struct action *a, const char *arg);
};

/* The action table, ended by an entry with neither name nor key. */
extern const struct action cmd_actions[];
/* The action with this command kind, or NULL. */
const struct action *cmd_action(enum cmd_kind kind);

#define CMD_ARG_MAX 256

struct cmd {
    enum cmd_kind kind;
    char arg[CMD_ARG_MAX]; /* trimmed, surrounding double quotes removed; "" when none */
};

/* Parse one line (a leading ':' is allowed). Command names may be shortened to any unique
 * prefix. Returns 0 with out filled in, or -1 with err set ("unknown command \"x\": try :help"). */
int cmd_parse(const char *line, struct cmd *out, struct ccrm_err *err);

/* Split "WORD rest of text" (assign, handoff): the first word into word (n bytes), a pointer
 * to the rest (after blanks) returned; "" when there is none. */
const char *cmd_split(const char *arg, char *word, size_t n);

/* The name of a command kind ("open", ...), or "" for CMD_NONE. */
const char *cmd_name(enum cmd_kind kind);

/* Called by a completion source for each candidate it knows. */
typedef void (*cmd_add_fn)(const char *name, void *actx);
/* Supplies argument candidates the parser cannot know (account names, logins) for command kind;
 * prefix is what was typed so far (a hint: results are filtered again). */
typedef void (*cmd_names_fn)(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx,
                             void *ctx);

struct cmd_complete_src {
    const char *const *sorts; /* sort names of the current list, NULL-terminated, or NULL */
    cmd_names_fn names;       /* may be NULL */
    void *ctx;
};

struct cmd_completion {
    char **cand; /* matching candidates, sorted, without duplicates */
    int n, cap;
    size_t start; /* byte offset in line where the word being completed starts */
    char *common; /* longest common prefix of the candidates ("" when none) */
    int is_cmd;   /* the word is the command name */
};

/* Candidates for the word that ends at byte offset cursor of line: command names for the first
 * word, else view names, sort names or what src->names adds, by command. Matching is by prefix,
 * ASCII case-insensitive. Fills out (free with cmd_completion_fini); returns out->n. */
int cmd_complete(const char *line, size_t cursor, const struct cmd_complete_src *src,
                 struct cmd_completion *out);
void cmd_completion_fini(struct cmd_completion *c);

/* The departments a hand-off names (NULL-terminated), for completion. */
const char *const *cmd_department_names(void);

#endif
