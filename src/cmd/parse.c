/* The `:` command parser: a line → command + argument, and Tab completion candidates. Pure
 * string work: no curses, no libpq, no I/O (fuzzed by tests/fuzz/fuzz_cmd_parse.c). The
 * commands are the named actions of the action table (include/ccrm/cmd.h); the client runs
 * them (src/ui/commands.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "ccrm/cmd.h"
#include "ccrm/entity.h"
#include "ccrm/util.h"

const char *const cmd_views[] = {"feed",     "leads",     "accounts", "contacts",  "deals",
                                 "tickets",  "campaigns", "inbox",    "dashboard", "quotes",
                                 "invoices", "products",  NULL};

const char *
cmd_views_text(void)
{
    static char text[400];
    int i;

    if (text[0] == '\0')
        for (i = 0; cmd_views[i] != NULL; i++) {
            size_t n = strlen(text);

            snprintf(text + n, sizeof text - n, "%s%s",
                     i == 0             ? ""
                     : cmd_views[i + 1] ? ", "
                                        : " or ",
                     cmd_views[i]);
        }
    return text;
}

/* the channels a consent or an opt-out is about (consents.channel) */
static const char *const channels[] = {"email", "phone", "post", "all", NULL};

const char *const *
cmd_channel_names(void)
{
    return channels;
}

/* The commands: the actions of the table that have a name, in its order. */
#define MAX_COMMANDS 64
static const struct action *commands[MAX_COMMANDS];
static size_t ncommands;

static void
load_commands(void)
{
    int i;

    if (ncommands > 0)
        return;
    for (i = 0;
         (cmd_actions[i].name != NULL || cmd_actions[i].key != 0) && ncommands < MAX_COMMANDS; i++)
        if (cmd_actions[i].name != NULL)
            commands[ncommands++] = &cmd_actions[i];
}

const struct action *
cmd_action(enum cmd_kind kind)
{
    size_t i;

    load_commands();
    for (i = 0; i < ncommands; i++)
        if (commands[i]->kind == kind)
            return commands[i];
    return NULL;
}

/* What `:new` creates: the registry's entities with a form, by their singular, and those
 * created by words of their own (an interaction by its kind: "call"). add(word, entity) for
 * every word. */
static void
new_words(void (*add)(const char *word, const struct entity *e, void *ctx), void *ctx)
{
    int i, k;

    for (i = 0; entity_registry[i] != NULL; i++) {
        const struct entity *e = entity_registry[i];

        if (e->nfields == 0)
            continue;
        if (e->new_words == NULL)
            add(e->singular, e, ctx);
        for (k = 0; e->new_words != NULL && e->new_words[k] != NULL; k++)
            add(e->new_words[k], e, ctx);
    }
}

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

/* The character at s (at most n bytes) in lower case, in any script: its length in bytes (0 at
 * the end), the character in *c. ASCII is folded alone (the commands' names), other characters
 * by towlower in the locale's encoding (mbrtowc: no table of our own to drift from the
 * terminal's); a byte that is no character there stands for itself, outside Unicode, so that
 * it equals only the same byte. */
static size_t
fold_char(const char *s, size_t n, wint_t *c)
{
    mbstate_t st;
    wchar_t w;
    size_t k;

    if (n == 0 || *s == '\0')
        return 0;
    if ((unsigned char)*s < 0x80) {
        *c = (wint_t)(unsigned char)lower(*s);
        return 1;
    }
    memset(&st, 0, sizeof st);
    k = mbrtowc(&w, s, n, &st);
    if (k == 0 || k == (size_t)-1 || k == (size_t)-2) {
        *c = (wint_t)(0x110000u + (unsigned char)*s);
        return 1;
    }
    *c = towlower((wint_t)w);
    return k;
}

/* How far a (na bytes) and b (nb bytes) agree, letter case aside: the bytes of each that do
 * (*la, *lb; whole characters). */
static void
fold_common(const char *a, size_t na, const char *b, size_t nb, size_t *la, size_t *lb)
{
    size_t i = 0, j = 0, ka, kb;
    wint_t ca, cb;

    while ((ka = fold_char(a + i, na - i, &ca)) != 0 && (kb = fold_char(b + j, nb - j, &cb)) != 0 &&
           ca == cb) {
        i += ka;
        j += kb;
    }
    *la = i;
    *lb = j;
}

int
cmd_has_prefix(const char *s, const char *p, size_t n)
{
    size_t ls, lp;

    fold_common(s, strlen(s), p, n, &ls, &lp);
    return lp == n;
}

int
cmd_same_name(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), la, lb;

    fold_common(a, na, b, nb, &la, &lb);
    return la == na && lb == nb;
}

/* The kinds :open takes by number: the entities with a detail view. The name of e that arg
 * starts with, followed by a blank, '#' or '[' (its singular, plural or table, letter case
 * aside; the longest: "deals" before "deal"): the bytes of arg it takes, or 0. */
static size_t
kind_prefix(const struct entity *e, const char *arg)
{
    const char *names[3] = {e->singular, e->plural, e->table};
    size_t best = 0, na = strlen(arg), ln, la;
    int k;

    for (k = 0; k < 3; k++) {
        fold_common(names[k], strlen(names[k]), arg, na, &ln, &la);
        if (ln == strlen(names[k]) && la > best &&
            (is_space(arg[la]) || arg[la] == '#' || arg[la] == '['))
            best = la;
    }
    return best;
}

/* A record's number as people quote it: "3221", "#3221", "[#3221]", "#L45" (a lead's tag: *lead
 * set). 1 with *id, 0 when s is no number at all, -1 when it starts as one ('#') but is not. A
 * number no record has (0, "-5", more digits than a bigint holds) is a number still, *id 0: it
 * is said to be missing as any other is, not to be no number. */
static int
quoted_number(const char *s, long long *id, int *lead)
{
    const char *p = s, *sig;
    int bracket = 0, hash = 0, neg = 0;
    size_t digits;

    *lead = 0;
    if (p[0] == '[' && p[1] == '#') {
        bracket = 1;
        p++;
    }
    if (*p == '#') {
        hash = 1;
        p++;
    }
    if (hash && lower(*p) == 'l') {
        *lead = 1;
        p++;
    }
    if (*p == '-') {
        neg = 1;
        p++;
    }
    digits = strspn(p, "0123456789");
    if (digits == 0 || strcmp(p + digits, bracket ? "]" : "") != 0)
        return hash || bracket ? -1 : 0;
    for (sig = p; *sig == '0' && sig + 1 < p + digits; sig++)
        ;
    /* ids are positive; at most 18 digits, as a mail's tag (schema/functions/90_mail.sql), fit a
     * bigint */
    *id = neg || p + digits - sig > 18 ? 0 : strtoll(sig, NULL, 10);
    return 1;
}

int
cmd_open_number(const char *arg, const struct entity **kind, long long *id, struct ccrm_err *err)
{
    const char *rest = arg;
    size_t best = 0, n;
    int i, lead, r;

    err_clear(err);
    *kind = NULL;
    *id = 0;
    for (i = 0; entity_registry[i] != NULL; i++)
        if (entity_registry[i]->detail != NULL &&
            (n = kind_prefix(entity_registry[i], arg)) > best) {
            best = n;
            *kind = entity_registry[i];
        }
    for (rest = arg + best; is_space(*rest); rest++)
        ;
    if ((r = quoted_number(rest, id, &lead)) == 0) {
        *kind = NULL;
        return 0; /* a name ("Deal Partners"): the accounts' */
    }
    if (r < 0) {
        err_set(err, "open: expected a number, not \"%.64s\" (:open #3221, :open ticket 3221)",
                rest);
        return -1;
    }
    if (lead) {
        const struct entity *l = entity_find("leads");

        if (*kind != NULL && *kind != l) {
            err_set(err, "#L%lld is a lead's number: :open lead %lld", *id, *id);
            return -1;
        }
        *kind = l;
    }
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
    const struct action *a = cmd_action(kind);

    return a != NULL ? a->name : "";
}

/* Resolve a command word of n bytes: the index in commands[], -1 unknown, -2 ambiguous. */
static int
lookup(const char *word, size_t n)
{
    size_t i;
    int found = -1;

    load_commands();
    for (i = 0; i < ncommands; i++) {
        if (n == 1 && lower(word[0]) == 'q' && commands[i]->kind == CMD_QUIT)
            return (int)i; /* "q" stays quit, whatever else may start with q */
        if (strlen(commands[i]->name) == n && cmd_has_prefix(commands[i]->name, word, n))
            return (int)i; /* exact */
        if (cmd_has_prefix(commands[i]->name, word, n))
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

static int cmp_str(const void *a, const void *b);

/* Which :new word a typed word is (the known ones listed for the message). */
struct new_match {
    const char *typed;
    size_t len;
    const struct entity *e;
    const char *word;
    char known[256];
};

static void
new_match_word(const char *word, const struct entity *e, void *ctx)
{
    struct new_match *m = ctx;
    size_t kl = strlen(m->known);

    if (strlen(word) == m->len && cmd_has_prefix(word, m->typed, m->len)) {
        m->e = e;
        m->word = word;
    }
    snprintf(m->known + kl, sizeof m->known - kl, "%s%s", kl ? ", " : "", word);
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

        const char *names[MAX_COMMANDS];
        size_t nn = 0;

        for (k = 0; k < ncommands; k++)
            if (cmd_has_prefix(commands[k]->name, w, n))
                names[nn++] = commands[k]->name;
        qsort(names, nn, sizeof names[0], cmp_str); /* in the order of the alphabet */
        for (k = 0; k < nn; k++) {
            if (list[0] != '\0')
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, names[k], sizeof list - strlen(list) - 1);
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
    if (commands[i]->arg == CMD_ARG_REQUIRED && alen == 0) {
        err_set(err, "command \"%s\" needs an argument: try :help", commands[i]->name);
        return -1;
    }
    if (commands[i]->arg == CMD_ARG_NONE && alen > 0) {
        err_set(err, "command \"%s\" takes no argument", commands[i]->name);
        return -1;
    }
    if (alen >= sizeof out->arg) {
        err_set(err, "argument of \"%s\" is too long (at most %d bytes)", commands[i]->name,
                (int)sizeof out->arg - 1);
        return -1;
    }
    memcpy(out->arg, a, alen);
    out->arg[alen] = '\0';
    if (commands[i]->kind == CMD_VIEW) {
        int v, match = -1;

        for (v = 0; cmd_views[v] != NULL; v++)
            if (cmd_has_prefix(cmd_views[v], out->arg, alen))
                match = match == -1 ? v : -2;
        if (match < 0) {
            err_set(err, "%s view \"%.64s\": expected %s", match == -2 ? "ambiguous" : "unknown",
                    out->arg, cmd_views_text());
            return -1;
        }
        str_copy(out->arg, cmd_views[match], sizeof out->arg);
    }
    if (commands[i]->kind == CMD_NEW && alen > 0) {
        struct new_match m;

        memset(&m, 0, sizeof m);
        m.typed = out->arg;
        m.len = alen;
        if (m.len > 1 && lower(out->arg[m.len - 1]) == 's') /* "deals", "tickets" */
            m.len--;
        new_words(new_match_word, &m);
        if (m.e == NULL) {
            err_set(err, "cannot create \"%.64s\": expected %s", out->arg, m.known);
            return -1;
        }
        /* an interaction keeps its kind: "interactions:call" */
        if (m.e->new_field != NULL)
            snprintf(out->arg, sizeof out->arg, "%s:%s", m.e->table, m.word);
        else
            str_copy(out->arg, m.e->table, sizeof out->arg);
    }
    out->kind = commands[i]->kind;
    return 0;
}

/* ---- completion ---- */

struct collect {
    struct cmd_completion *c;
    const char *word;
    size_t n;
};

/* A candidate as it is (a source that matched it itself: src->matched). */
static void
add_matched(const char *name, void *actx)
{
    struct collect *col = actx;
    struct cmd_completion *c = col->c;

    if (name == NULL)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->cand = xrealloc(c->cand, (size_t)c->cap * sizeof *c->cand);
    }
    c->cand[c->n++] = xstrdup(name);
}

/* A candidate if it starts with the word typed. */
static void
add_cand(const char *name, void *actx)
{
    struct collect *col = actx;

    if (name != NULL && cmd_has_prefix(name, col->word, col->n))
        add_matched(name, actx);
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

static void
add_new_word(const char *word, const struct entity *e, void *ctx)
{
    (void)e;
    add_cand(word, ctx);
}

/* The candidates for the argument a (so far) of command c. */
static void
complete_arg(const struct action *c, const char *a, const struct cmd_complete_src *src,
             struct collect *col)
{
    int i;

    switch (c->complete) {
    case CMPL_NONE:
        break;
    case CMPL_VIEWS:
        add_list(col, cmd_views);
        break;
    case CMPL_SORTS:
        if (src != NULL)
            add_list(col, src->sorts);
        break;
    case CMPL_NEW:
        new_words(add_new_word, col);
        break;
    case CMPL_CHANNELS:
        if (strpbrk(a, " \t") == NULL) /* past the channel: where it was said, free text */
            add_list(col, channels);
        break;
    case CMPL_OPEN: /* the kinds (by number: "ticket 3221"), then account names */
        for (i = 0; entity_registry[i] != NULL; i++)
            if (entity_registry[i]->detail != NULL)
                add_cand(entity_registry[i]->singular, col);
        if (src != NULL && src->names != NULL)
            src->names(c->kind, a, src->matched ? add_matched : add_cand, col, src->ctx);
        break;
    case CMPL_ACCOUNTS:
    case CMPL_PEOPLE:
        if (c->complete == CMPL_PEOPLE && strpbrk(a, " \t") != NULL)
            break;                  /* past the login: the note is free text */
        if (c->kind == CMD_HANDOFF) /* to a team: the company's own departments */
            for (i = 0; i < DEPT_TEAMS; i++)
                add_cand(dept_names[i], col);
        if (src != NULL && src->names != NULL)
            src->names(c->kind, a, src->matched ? add_matched : add_cand, col, src->ctx);
        break;
    case CMPL_MENTIONS: { /* the @login being typed, at the end of the text */
        const char *at = strrchr(a, '@');

        if (at == NULL || strpbrk(at, " \t") != NULL || (at > a && !is_space(at[-1])))
            break;
        col->word = at + 1;
        col->n = strlen(at + 1);
        if (src != NULL && src->names != NULL)
            src->names(CMD_ASSIGN, at + 1, src->matched ? add_matched : add_cand, col, src->ctx);
        break;
    }
    case CMPL_MEMBERS: /* names have blanks: the whole argument is the word */
    case CMPL_SEGMENTS:
        if (src != NULL && src->names != NULL)
            src->names(c->kind, a, src->matched ? add_matched : add_cand, col, src->ctx);
        break;
    }
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
        load_commands();
        for (i = 0; i < ncommands; i++)
            add_cand(commands[i]->name, &col);
    } else {
        int ci = lookup(w, (size_t)(e - w));

        for (a = e; is_space(*a); a++)
            ;
        col.word = a;
        col.n = strlen(a);
        if (ci >= 0)
            complete_arg(commands[ci], a, src, &col);
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
    /* the longest common prefix, letter case aside, never ending inside a UTF-8 character */
    if (out->n > 0) {
        size_t l = strlen(out->cand[0]), lj;
        const char *from = out->cand[0];

        for (j = 1; j < out->n; j++)
            fold_common(out->cand[0], l, out->cand[j], strlen(out->cand[j]), &l, &lj);
        while (l > 0 && ((unsigned char)out->cand[0][l] & 0xC0) == 0x80)
            l--;
        /* candidates a source matched its own way (accents folded: "ol" found "Öl Handel"
         * and "Olive") may agree on less than was typed: what was typed stays */
        if (utf8_len(out->cand[0], l) < utf8_len(col.word, col.n)) {
            from = col.word;
            l = col.n;
        }
        out->common = xmalloc(l + 1);
        memcpy(out->common, from, l);
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
