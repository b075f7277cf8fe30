/* The `:` command language: parse a line into a command and its argument, and list completion
 * candidates for the word at the cursor. Pure (no curses, no libpq) and fuzzed; the UI runs the
 * commands (src/ui/prompt.c). */
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
    CMD_NEW,     /* new [ENTITY]: arg is the table ("opportunities" for "deal"), "" = this list's */
    CMD_EDIT,    /* edit the selected or shown record */
    CMD_ASSIGN,  /* assign LOGIN [NOTE] */
    CMD_HANDOFF, /* handoff LOGIN|DEPARTMENT [NOTE] */
    CMD_COMMENT, /* comment TEXT (with @login mentions) */
    CMD_EXPORT,  /* export FILE: the current list, as its search and filter show it, to CSV */
};

/* The views in tab order (the tabs 1-9), NULL-terminated: `:view`, [ui] start_view, --view. */
extern const char *const cmd_views[];

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

#endif
