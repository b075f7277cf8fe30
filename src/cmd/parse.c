/* The `:` command parser: a line → command + argument, and Tab completion candidates. Pure
 * string work: no curses, no libpq, no I/O (fuzzed by tests/fuzz/fuzz_cmd_parse.c). The UI
 * runs the commands (src/ui/prompt.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/cmd.h"
#include "ccrm/util.h"

static const struct {
    const char *name;
    enum cmd_kind kind;
    int arg; /* 1: required, 0: none, 2: optional */
} commands[] = {
    {"assign", CMD_ASSIGN, 1},   {"comment", CMD_COMMENT, 1}, {"edit", CMD_EDIT, 0},
    {"export", CMD_EXPORT, 1},   {"filter", CMD_FILTER, 1},   {"find", CMD_FIND, 1},
    {"handoff", CMD_HANDOFF, 1}, {"help", CMD_HELP, 0},       {"history", CMD_HISTORY, 0},
    {"new", CMD_NEW, 2},         {"open", CMD_OPEN, 1},       {"quit", CMD_QUIT, 0},
    {"sort", CMD_SORT, 1},       {"view", CMD_VIEW, 1},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

const char *const cmd_views[] = {"feed",    "leads",     "accounts", "contacts",  "deals",
                                 "tickets", "campaigns", "inbox",    "dashboard", NULL};

/* What `:new` creates: the words people use, and the table each means. */
static const char *const new_words[] = {"account", "contact",  "lead", "deal",
                                        "ticket",  "campaign", "call", "email",
                                        "meeting", "note",     "task", NULL};
static const char *const new_tables[] = {
    "accounts",     "contacts",     "leads",        "opportunities", "tickets",     "campaigns",
    "interactions", "interactions", "interactions", "interactions",  "interactions"};

static const char *const departments[] = {"sales", "support", "marketing", "management", NULL};

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Does s start with the first n bytes of p, ASCII case-insensitively? */
static int
has_prefix(const char *s, const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == '\0' || lower(s[i]) != lower(p[i]))
            return 0;
    return 1;
}

const char *
cmd_split(const char *arg, char *word, size_t n)
{
    size_t l = 0;

    while (*arg != '\0' && !is_space(*arg)) {
        if (l + 1 < n)
            word[l++] = *arg;
        arg++;
    }
    if (n > 0)
        word[l] = '\0';
    while (is_space(*arg))
        arg++;
    return arg;
}

const char *
cmd_name(enum cmd_kind kind)
{
    size_t i;

    for (i = 0; i < NCOMMANDS; i++)
        if (commands[i].kind == kind)
            return commands[i].name;
    return "";
}

/* Resolve a command word of n bytes: the index in commands[], -1 unknown, -2 ambiguous. */
static int
lookup(const char *word, size_t n)
{
    size_t i;
    int found = -1;

    for (i = 0; i < NCOMMANDS; i++) {
        if (n == 1 && lower(word[0]) == 'q' && commands[i].kind == CMD_QUIT)
            return (int)i; /* "q" stays quit, whatever else may start with q */
        if (strlen(commands[i].name) == n && has_prefix(commands[i].name, word, n))
            return (int)i; /* exact */
        if (has_prefix(commands[i].name, word, n))
            found = found == -1 ? (int)i : -2;
    }
    return found;
}

/* Where the command word starts (after blanks and one optional ':'). */
static const char *
skip_lead(const char *s)
{
    while (is_space(*s))
        s++;
    if (*s == ':')
        s++;
    while (is_space(*s))
        s++;
    return s;
}

int
cmd_parse(const char *line, struct cmd *out, struct ccrm_err *err)
{
    const char *w = skip_lead(line), *e, *a, *end;
    size_t n, alen;
    int i;

    memset(out, 0, sizeof *out);
    err_clear(err);
    for (e = w; *e != '\0' && !is_space(*e); e++)
        ;
    n = (size_t)(e - w);
    if (n == 0)
        return 0; /* CMD_NONE */
    i = lookup(w, n);
    if (i == -2) {
        char list[128] = "";
        size_t k;

        for (k = 0; k < NCOMMANDS; k++)
            if (has_prefix(commands[k].name, w, n)) {
                if (list[0] != '\0')
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, commands[k].name, sizeof list - strlen(list) - 1);
            }
        err_set(err, "ambiguous command \"%.*s\": could be %s", (int)(n > 64 ? 64 : n), w, list);
        return -1;
    }
    if (i < 0) {
        err_set(err, "unknown command \"%.*s\": try :help", (int)(n > 64 ? 64 : n), w);
        return -1;
    }
    /* the argument: the rest of the line, trimmed, without surrounding double quotes */
    for (a = e; is_space(*a); a++)
        ;
    end = a + strlen(a);
    while (end > a && is_space(end[-1]))
        end--;
    if (end - a >= 2 && a[0] == '"' && end[-1] == '"') {
        a++;
        end--;
    }
    alen = (size_t)(end - a);
    if (commands[i].arg == 1 && alen == 0) {
        err_set(err, "command \"%s\" needs an argument: try :help", commands[i].name);
        return -1;
    }
    if (!commands[i].arg && alen > 0) {
        err_set(err, "command \"%s\" takes no argument", commands[i].name);
        return -1;
    }
    if (alen >= sizeof out->arg) {
        err_set(err, "argument of \"%s\" is too long (at most %d bytes)", commands[i].name,
                (int)sizeof out->arg - 1);
        return -1;
    }
    memcpy(out->arg, a, alen);
    out->arg[alen] = '\0';
    if (commands[i].kind == CMD_VIEW) {
        int v, match = -1;

        for (v = 0; cmd_views[v] != NULL; v++)
            if (has_prefix(cmd_views[v], out->arg, alen))
                match = match == -1 ? v : -2;
        if (match < 0) {
            err_set(err,
                    "%s view \"%.64s\": expected feed, leads, accounts, contacts, deals,"
                    " tickets, campaigns, inbox or dashboard",
                    match == -2 ? "ambiguous" : "unknown", out->arg);
            return -1;
        }
        str_copy(out->arg, cmd_views[match], sizeof out->arg);
    }
    if (commands[i].kind == CMD_NEW && alen > 0) {
        int v, match = -1;
        size_t wl = alen;

        if (wl > 1 && lower(out->arg[wl - 1]) == 's') /* "deals", "tickets" */
            wl--;
        for (v = 0; new_words[v] != NULL; v++)
            if (strlen(new_words[v]) == wl && has_prefix(new_words[v], out->arg, wl))
                match = v;
        if (match < 0) {
            err_set(err,
                    "cannot create \"%.64s\": expected account, contact, lead, deal, ticket,"
                    " campaign, call, email, meeting, note or task",
                    out->arg);
            return -1;
        }
        /* interactions keep their kind: "interactions:call" */
        if (strcmp(new_tables[match], "interactions") == 0)
            snprintf(out->arg, sizeof out->arg, "interactions:%s", new_words[match]);
        else
            str_copy(out->arg, new_tables[match], sizeof out->arg);
    }
    out->kind = commands[i].kind;
    return 0;
}

/* ---- completion ---- */

struct collect {
    struct cmd_completion *c;
    const char *word;
    size_t n;
};

static void
add_cand(const char *name, void *actx)
{
    struct collect *col = actx;
    struct cmd_completion *c = col->c;

    if (name == NULL || !has_prefix(name, col->word, col->n))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->cand = xrealloc(c->cand, (size_t)c->cap * sizeof *c->cand);
    }
    c->cand[c->n++] = xstrdup(name);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_list(struct collect *col, const char *const *list)
{
    int i;

    for (i = 0; list != NULL && list[i] != NULL; i++)
        add_cand(list[i], col);
}

int
cmd_complete(const char *line, size_t cursor, const struct cmd_complete_src *src,
             struct cmd_completion *out)
{
    char *buf = xmalloc(cursor + 1);
    const char *w, *e, *a;
    struct collect col;
    size_t len, i;
    int j, k;

    memset(out, 0, sizeof *out);
    /* only what is before the cursor counts */
    len = strnlen(line, cursor);
    memcpy(buf, line, len);
    buf[len] = '\0';
    w = skip_lead(buf);
    for (e = w; *e != '\0' && !is_space(*e); e++)
        ;
    col.c = out;
    if (*e == '\0') { /* still in the command word */
        out->is_cmd = 1;
        col.word = w;
        col.n = (size_t)(e - w);
        for (i = 0; i < NCOMMANDS; i++)
            add_cand(commands[i].name, &col);
    } else {
        int ci = lookup(w, (size_t)(e - w));

        for (a = e; is_space(*a); a++)
            ;
        col.word = a;
        col.n = strlen(a);
        if (ci >= 0 && commands[ci].kind == CMD_VIEW)
            add_list(&col, cmd_views);
        else if (ci >= 0 && commands[ci].kind == CMD_SORT && src != NULL)
            add_list(&col, src->sorts);
        else if (ci >= 0 && commands[ci].kind == CMD_NEW)
            add_list(&col, new_words);
        else if ((ci >= 0 &&
                  (commands[ci].kind == CMD_ASSIGN || commands[ci].kind == CMD_HANDOFF)) &&
                 strpbrk(a, " \t") != NULL)
            ; /* past the login: the note is free text */
        else if (ci >= 0 &&
                 (commands[ci].kind == CMD_OPEN || commands[ci].kind == CMD_FIND ||
                  commands[ci].kind == CMD_ASSIGN || commands[ci].kind == CMD_HANDOFF) &&
                 src != NULL && src->names != NULL) {
            if (commands[ci].kind == CMD_HANDOFF)
                add_list(&col, departments);
            src->names(commands[ci].kind, a, add_cand, &col, src->ctx);
        }
    }
    out->start = (size_t)(col.word - buf);
    /* sorted, no duplicates */
    if (out->n > 1)
        qsort(out->cand, (size_t)out->n, sizeof *out->cand, cmp_str);
    for (j = 0, k = 0; j < out->n; j++) {
        if (k > 0 && strcmp(out->cand[k - 1], out->cand[j]) == 0) {
            free(out->cand[j]);
            continue;
        }
        out->cand[k++] = out->cand[j];
    }
    out->n = k;
    /* the longest common prefix, never ending inside a UTF-8 character */
    if (out->n > 0) {
        size_t l = strlen(out->cand[0]);

        for (j = 1; j < out->n; j++) {
            size_t m = 0;

            while (m < l && out->cand[j][m] != '\0' &&
                   (out->cand[j][m] == out->cand[0][m] ||
                    ((unsigned char)out->cand[0][m] < 0x80 &&
                     lower(out->cand[j][m]) == lower(out->cand[0][m]))))
                m++;
            l = m;
        }
        while (l > 0 && ((unsigned char)out->cand[0][l] & 0xC0) == 0x80)
            l--;
        out->common = xmalloc(l + 1);
        memcpy(out->common, out->cand[0], l);
        out->common[l] = '\0';
    } else {
        out->common = xstrdup("");
    }
    free(buf);
    return out->n;
}

void
cmd_completion_fini(struct cmd_completion *c)
{
    int i;

    for (i = 0; i < c->n; i++)
        free(c->cand[i]);
    free(c->cand);
    free(c->common);
    memset(c, 0, sizeof *c);
}
