/* A segment's definition in words, both ways (include/ccrm/segment.h). The JSON is built and
 * read with jansson, so every value is escaped by the library; what the rules mean is the
 * database's (ccrm_segment_sql), which checks a definition again before it is saved. The
 * vocabulary is written once, in the tables below: the parser reads the words with them and
 * the renderer says a definition with them, so the two cannot drift apart. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ccrm/segment.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"

#define MAX_RULES 50 /* per list: the database's limit */
#define MAX_DEPTH 6  /* rules nest at most this deep (the database's limit) */
#define VALUE_MAX 1024
#define WORD_MAX 64

void
json_quote(struct strbuf *b, const char *s)
{
    strbuf_puts(b, "\"");
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            strbuf_printf(b, "\\%c", c);
        else if (c < 0x20)
            strbuf_printf(b, "\\u%04x", c);
        else
            strbuf_add(b, s, 1);
    }
    strbuf_puts(b, "\"");
}

/* ---- the vocabulary ---- */

enum ftype { FT_TEXT, FT_NUMBER, FT_TIME };

struct field {
    const char *name;
    enum ftype type;
};

/* a person's fields (contacts and leads: the database knows which has which) */
static const struct field person_fields[] = {
    {"first_name", FT_TEXT}, {"last_name", FT_TEXT},  {"email", FT_TEXT},
    {"phone", FT_TEXT},      {"title", FT_TEXT},      {"owner", FT_TEXT},
    {"company", FT_TEXT},    {"source", FT_TEXT},     {"status", FT_TEXT},
    {"score", FT_NUMBER},    {"created_at", FT_TIME}, {"updated_at", FT_TIME},
};
static const struct field account_fields[] = {
    {"name", FT_TEXT},        {"domain", FT_TEXT},           {"industry", FT_TEXT},
    {"city", FT_TEXT},        {"country", FT_TEXT},          {"owner", FT_TEXT},
    {"employees", FT_NUMBER}, {"annual_revenue", FT_NUMBER}, {"created_at", FT_TIME},
};
#define NF(a) (sizeof(a) / sizeof((a)[0]))

enum vkind { V_TEXT, V_LIST, V_BOOL, V_DAYS, V_NUMBER, V_ID };

static const char *const interest_sources[] = {"ticket", "call", "mail",   "meeting", "chat",
                                               "signal", "hand", "import", NULL};
static const char *const ticket_statuses[] = {"new", "open", "pending", "solved", "closed", NULL};
static const char *const ticket_priorities[] = {"low", "normal", "high", "urgent", NULL};
static const char *const deal_stages[] = {"prospecting", "qualification", "proposal", "negotiation",
                                          "won",         "lost",          NULL};
static const char *const member_statuses[] = {
    "unsent",     "sent",      "opened",    "clicked",      "replied",
    "registered", "converted", "responded", "unsubscribed", NULL};
static const char *const response_statuses[] = {"sent",       "opened",    "clicked", "replied",
                                                "registered", "converted", NULL};

/* A qualifier after ';' (its word, the JSON key, its value), what it calls the values. */
struct qual {
    const char *word, *key;
    enum vkind v;
    const char *const *allowed;
    const char *what;
};

static const struct qual interest_quals[] = {
    {"product", "product", V_TEXT, NULL, NULL},
    {"topic", "topic", V_TEXT, NULL, NULL},
    {"text", "text", V_TEXT, NULL, NULL},
    {"source", "source", V_LIST, interest_sources, "an interest's source"},
    {"days", "within_days", V_DAYS, NULL, NULL},
};
static const struct qual ticket_quals[] = {
    {"product", "product", V_TEXT, NULL, NULL},
    {"status", "status", V_LIST, ticket_statuses, "a ticket status"},
    {"priority", "priority", V_LIST, ticket_priorities, "a ticket priority"},
    {"open", "open", V_BOOL, NULL, NULL},
    {"subject", "subject_contains", V_TEXT, NULL, NULL},
    {"days", "within_days", V_DAYS, NULL, NULL},
};
static const struct qual deal_quals[] = {
    {"stage", "stage", V_LIST, deal_stages, "a deal stage"},
    {"open", "open", V_BOOL, NULL, NULL},
    {"won", "won", V_BOOL, NULL, NULL},
    {"min", "min_amount", V_NUMBER, NULL, NULL},
    {"max", "max_amount", V_NUMBER, NULL, NULL},
    {"days", "within_days", V_DAYS, NULL, NULL},
};
static const struct qual campaign_quals[] = {
    {"id", "id", V_ID, NULL, NULL},
    {"status", "status", V_LIST, member_statuses, "a campaign member's status"},
};
static const struct qual response_quals[] = {
    {"campaign", "campaign", V_ID, NULL, NULL},
    {"status", "status", V_LIST, response_statuses, "a response"},
    {"days", "within_days", V_DAYS, NULL, NULL},
};

struct kind {
    const char *name; /* the JSON key, and the rule's word */
    const struct qual *quals;
    size_t nquals;
    const char *expected; /* the qualifiers, for a refusal */
};

static const struct kind kinds[] = {
    {"interest", interest_quals, NF(interest_quals), "product=, topic=, text=, source=, days="},
    {"ticket", ticket_quals, NF(ticket_quals),
     "product=, status=, priority=, open=, subject=, days="},
    {"deal", deal_quals, NF(deal_quals), "stage=, open=, won=, min=, max=, days="},
    {"campaign", campaign_quals, NF(campaign_quals), "status="},
    {"response", response_quals, NF(response_quals), "campaign=, status=, days="},
};
enum { K_INTEREST, K_TICKET, K_DEAL, K_CAMPAIGN, K_RESPONSE };

/* The words that start a rule about the person's records: the kind, the key its value
 * goes to (NULL: deal's own words), whether a value is required. */
static const struct {
    const char *word;
    int kind;
    const char *key;
    int needs_value;
} heads[] = {
    {"interest", K_INTEREST, "product", 0}, {"product", K_INTEREST, "product", 1},
    {"topic", K_INTEREST, "topic", 1},      {"interested", K_INTEREST, "text", 1},
    {"ticket", K_TICKET, "product", 0},     {"deal", K_DEAL, NULL, 0},
    {"campaign", K_CAMPAIGN, "id", 1},      {"response", K_RESPONSE, "campaign", 0},
};

#define RULE_WORDS                                                                                 \
    "interest=, topic=, interested=, ticket=, deal=, campaign=, response=, country=, "             \
    "industry=, account.FIELD, a person's field (email=, status=, score>, created_at ...), "       \
    "not RULE, any(...), all(...)"

static const struct field *
find_field(const struct field *f, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

static const struct qual *
find_qual(const struct kind *k, const char *word, const char *key)
{
    size_t i;

    for (i = 0; i < k->nquals; i++)
        if ((word != NULL && strcmp(k->quals[i].word, word) == 0) ||
            (key != NULL && strcmp(k->quals[i].key, key) == 0))
            return &k->quals[i];
    return NULL;
}

/* ---- words → JSON ---- */

struct ps {
    const char *s; /* where reading is */
    int depth;     /* open groups: inside one, ')' ends a value */
    char *msg;
    size_t mn;
};

static void __attribute__((format(printf, 2, 3))) say(struct ps *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->msg, p->mn, fmt, ap);
    va_end(ap);
}

static void
skip_ws(struct ps *p)
{
    while (isspace((unsigned char)*p->s))
        p->s++;
}

/* A word (letters, digits, _ and .), lower-cased, into w; its length (0: none there). */
static size_t
read_word(struct ps *p, char *w, size_t n)
{
    size_t len = 0;

    while (isalnum((unsigned char)*p->s) || *p->s == '_' || *p->s == '.') {
        if (len + 1 < n)
            w[len++] = (char)tolower((unsigned char)*p->s);
        p->s++;
    }
    w[len] = '\0';
    return len;
}

static int
item_ends(const struct ps *p)
{
    return *p->s == '\0' || *p->s == ',' || (*p->s == ')' && p->depth > 0);
}

/* A value: "quoted" (\" and \\ inside), or the text up to , ; (bar: |) or, inside a group, ),
 * trimmed. what names it in a refusal. */
static int
read_value(struct ps *p, char *buf, size_t n, int bar, const char *what)
{
    size_t len = 0;

    skip_ws(p);
    if (*p->s == '"') {
        for (p->s++;; p->s++) {
            char c = *p->s;

            if (c == '\0') {
                say(p, "the value of %s has no closing quote (\")", what);
                return -1;
            }
            if (c == '"')
                break;
            if (c == '\\' && p->s[1] != '\0')
                c = *++p->s;
            if (len + 1 >= n) {
                say(p, "the value of %s is too long", what);
                return -1;
            }
            buf[len++] = c;
        }
        p->s++;
        buf[len] = '\0';
        skip_ws(p);
        if (!item_ends(p) && *p->s != ';' && !(bar && *p->s == '|')) {
            say(p, "unexpected \"%.20s\" after the quoted value of %s", p->s, what);
            return -1;
        }
    } else {
        const char *start = p->s;

        while (*p->s != '\0' && *p->s != ',' && *p->s != ';' && !(bar && *p->s == '|') &&
               !(*p->s == ')' && p->depth > 0))
            p->s++;
        len = (size_t)(p->s - start);
        while (len > 0 && isspace((unsigned char)start[len - 1]))
            len--;
        if (len >= n) {
            say(p, "the value of %s is too long", what);
            return -1;
        }
        memcpy(buf, start, len);
        buf[len] = '\0';
    }
    if (buf[0] == '\0') {
        say(p, "%s needs a value", what);
        return -1;
    }
    return 0;
}

static json_t *
text_value(struct ps *p, const char *s, const char *what)
{
    json_t *j = json_string(s);

    if (j == NULL)
        say(p, "the value of %s is not valid UTF-8", what);
    return j;
}

static int
whole_number(const char *s, long lo, long hi, long *out)
{
    const char *c;

    if (*s == '\0' || strlen(s) > 9)
        return 0;
    for (c = s; *c != '\0'; c++)
        if (!isdigit((unsigned char)*c))
            return 0;
    *out = strtol(s, NULL, 10);
    return *out >= lo && *out <= hi;
}

/* A plain decimal number (-12, 12500.50) as a JSON number, or NULL. */
static json_t *
number_value(const char *s)
{
    const char *c = s;
    int digits = 0, dot = 0;

    if (*c == '-')
        c++;
    for (; *c != '\0'; c++) {
        if (isdigit((unsigned char)*c))
            digits++;
        else if (*c == '.' && !dot && digits > 0 && isdigit((unsigned char)c[1]))
            dot = 1;
        else
            return NULL;
    }
    if (digits == 0 || digits > 15)
        return NULL;
    return dot ? json_real(strtod(s, NULL)) : json_integer(strtoll(s, NULL, 10));
}

static int
is_date(const char *s)
{
    int i;

    for (i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return 0;
    return s[10] == '\0';
}

/* "30 days" (or "30"): the number of days. */
static int
days_value(struct ps *p, char *buf, long *out, const char *what)
{
    size_t len = strlen(buf);

    if (len > 5 && strcasecmp(buf + len - 5, " days") == 0)
        buf[len - 5] = '\0';
    else if (len > 4 && strcasecmp(buf + len - 4, " day") == 0)
        buf[len - 4] = '\0';
    str_trim(buf);
    if (!whole_number(buf, 1, 36500, out)) {
        say(p, "%s takes a number of days (1 to 36500), not \"%.40s\"", what, buf);
        return -1;
    }
    return 0;
}

/* A list a|b|c of texts; allowed: the known values (case does not matter; the known spelling
 * is kept) or NULL for any text. */
static json_t *
list_value(struct ps *p, const char *const *allowed, const char *what, const char *word)
{
    json_t *list = json_array();
    char buf[VALUE_MAX];

    for (;;) {
        json_t *e;

        if (read_value(p, buf, sizeof buf, 1, word) == -1)
            goto bad;
        if (allowed != NULL) {
            const char *const *a;
            struct strbuf known = STRBUF_INIT;

            for (a = allowed; *a != NULL && strcasecmp(*a, buf) != 0; a++)
                ;
            if (*a == NULL) {
                for (a = allowed; *a != NULL; a++)
                    strbuf_printf(&known, "%s%s", a == allowed ? "" : ", ", *a);
                say(p, "\"%.40s\" is not %s: expected %s", buf, what, strbuf_str(&known));
                strbuf_fini(&known);
                goto bad;
            }
            e = json_string(*a);
        } else if ((e = text_value(p, buf, word)) == NULL) {
            goto bad;
        }
        if (json_array_size(list) == MAX_RULES) {
            json_decref(e);
            say(p, "%s takes at most %d values", word, MAX_RULES);
            goto bad;
        }
        json_array_append_new(list, e);
        if (*p->s != '|')
            return list;
        p->s++;
    }
bad:
    json_decref(list);
    return NULL;
}

/* The value of a qualifier (or a head) q. */
static json_t *
qual_value(struct ps *p, const struct qual *q, const char *word)
{
    char buf[VALUE_MAX];
    long n;
    json_t *j;

    if (q->v == V_LIST)
        return list_value(p, q->allowed, q->what, word);
    if (read_value(p, buf, sizeof buf, 0, word) == -1)
        return NULL;
    switch (q->v) {
    case V_TEXT:
        return text_value(p, buf, word);
    case V_BOOL:
        if (strcasecmp(buf, "yes") == 0 || strcasecmp(buf, "true") == 0)
            return json_true();
        if (strcasecmp(buf, "no") == 0 || strcasecmp(buf, "false") == 0)
            return json_false();
        say(p, "%s takes yes or no, not \"%.40s\"", word, buf);
        return NULL;
    case V_DAYS:
        if (days_value(p, buf, &n, word) == -1)
            return NULL;
        return json_integer(n);
    case V_ID:
        if (!whole_number(buf, 1, 999999999, &n)) {
            say(p, "%s takes a campaign's number, not \"%.40s\"", word, buf);
            return NULL;
        }
        return json_integer(n);
    case V_NUMBER:
        if ((j = number_value(buf)) == NULL)
            say(p, "%s takes an amount (12500 or 12500.50), not \"%.40s\"", word, buf);
        return j;
    case V_LIST:
        break;
    }
    return NULL;
}

static const char *const text_ops =
    "=, !=, in, contains, starts with, ends with, is set or is empty";
static const char *const number_ops = "=, !=, <, <=, >, >=, between, is set or is empty";
static const char *const time_ops = "before, after, within, older than, is set or is empty";

/* A comparison on a field of type t (name: as written): {"field", "op", "value"}. sym: the
 * operator already read (=, !=, <, ...) or NULL (a word follows). */
static json_t *
compare(struct ps *p, const char *field, const char *name, enum ftype t, const char *sym)
{
    const char *ops = t == FT_TEXT ? text_ops : t == FT_NUMBER ? number_ops : time_ops;
    const char *op = NULL;
    char w[WORD_MAX], buf[VALUE_MAX], what[WORD_MAX + 32];
    json_t *val = NULL, *rule;
    long n;

    if (sym != NULL) {
        static const struct {
            const char *sym, *op;
        } syms[] = {{"=", "eq"},  {"!=", "ne"}, {"<", "lt"},
                    {"<=", "le"}, {">", "gt"},  {">=", "ge"}};
        size_t i;

        for (i = 0; i < NF(syms); i++)
            if (strcmp(syms[i].sym, sym) == 0)
                op = syms[i].op;
        if (t == FT_TIME || (t == FT_TEXT && strcmp(op, "eq") != 0 && strcmp(op, "ne") != 0)) {
            say(p, "%s takes %s, not %s", name, ops, sym);
            return NULL;
        }
    } else {
        const char *save;

        if (read_word(p, w, sizeof w) == 0) {
            say(p, "%s needs an operator: %s", name, ops);
            return NULL;
        }
        skip_ws(p);
        save = p->s;
        if (strcmp(w, "in") == 0 && t == FT_TEXT) {
            op = "in";
        } else if (strcmp(w, "contains") == 0 && t == FT_TEXT) {
            op = "contains";
        } else if ((strcmp(w, "starts") == 0 || strcmp(w, "ends") == 0) && t == FT_TEXT) {
            op = w[0] == 's' ? "starts_with" : "ends_with";
            if (read_word(p, buf, sizeof buf) == 0 || strcmp(buf, "with") != 0)
                p->s = save;
        } else if (strcmp(w, "between") == 0 && t == FT_NUMBER) {
            op = "between";
        } else if ((strcmp(w, "before") == 0 || strcmp(w, "after") == 0) && t == FT_TIME) {
            op = w[0] == 'b' ? "before" : "after";
        } else if (strcmp(w, "within") == 0 && t == FT_TIME) {
            op = "within_days";
        } else if (strcmp(w, "older") == 0 && t == FT_TIME) {
            op = "older_than_days";
            if (read_word(p, buf, sizeof buf) == 0 || strcmp(buf, "than") != 0)
                p->s = save;
        } else if (strcmp(w, "is") == 0) {
            if (read_word(p, buf, sizeof buf) == 0 ||
                (strcmp(buf, "set") != 0 && strcmp(buf, "empty") != 0)) {
                say(p, "%s is: expected set or empty", name);
                return NULL;
            }
            op = buf[0] == 's' ? "is_set" : "is_empty";
        } else {
            say(p, "unknown operator \"%.20s\" after %s: expected %s", w, name, ops);
            return NULL;
        }
    }
    snprintf(what, sizeof what, "%s%s%s", name, sym != NULL ? "" : " ", sym != NULL ? sym : w);
    if (strcmp(op, "is_set") == 0 || strcmp(op, "is_empty") == 0) {
        skip_ws(p);
    } else if (strcmp(op, "in") == 0) {
        if ((val = list_value(p, NULL, NULL, what)) == NULL)
            return NULL;
    } else if (read_value(p, buf, sizeof buf, 0, what) == -1) {
        return NULL;
    } else if (strcmp(op, "between") == 0) {
        char *sep = buf;
        json_t *lo, *hi;

        while (*sep != '\0' && strncasecmp(sep, " and ", 5) != 0)
            sep++;
        if (*sep == '\0') {
            say(p, "%s takes two numbers: between 10 and 20", name);
            return NULL;
        }
        *sep = '\0';
        str_trim(buf);
        str_trim(sep + 5);
        if ((lo = number_value(buf)) == NULL || (hi = number_value(sep + 5)) == NULL) {
            json_decref(lo);
            say(p, "%s takes two numbers: between 10 and 20", name);
            return NULL;
        }
        if (json_number_value(lo) > json_number_value(hi)) { /* nobody would match */
            say(p, "%s: between takes the lower number first (between %s and %s)", name, sep + 5,
                buf);
            json_decref(lo);
            json_decref(hi);
            return NULL;
        }
        val = json_pack("[oo]", lo, hi);
    } else if (strcmp(op, "within_days") == 0 || strcmp(op, "older_than_days") == 0) {
        if (days_value(p, buf, &n, what) == -1)
            return NULL;
        val = json_integer(n);
    } else if (strcmp(op, "before") == 0 || strcmp(op, "after") == 0) {
        if (!is_date(buf)) {
            say(p, "%s takes a date (YYYY-MM-DD), not \"%.40s\"", what, buf);
            return NULL;
        }
        val = json_string(buf);
    } else if (t == FT_NUMBER) {
        if ((val = number_value(buf)) == NULL) {
            say(p, "%s takes a number, not \"%.40s\"", what, buf);
            return NULL;
        }
    } else if ((val = text_value(p, buf, what)) == NULL) {
        return NULL;
    }
    rule = json_pack("{ss ss}", "field", field, "op", op);
    if (val != NULL)
        json_object_set_new(rule, "value", val);
    return rule;
}

static json_t *parse_rule(struct ps *p, int level);

/* any(RULE, ...) or all(RULE, ...), the '(' read. */
static json_t *
group(struct ps *p, const char *how, int level)
{
    json_t *list = json_array();

    p->depth++;
    for (;;) {
        json_t *r = parse_rule(p, level + 1);

        if (r == NULL)
            goto bad;
        if (json_array_size(list) == MAX_RULES) {
            json_decref(r);
            say(p, "%s( takes at most %d rules", how, MAX_RULES);
            goto bad;
        }
        json_array_append_new(list, r);
        skip_ws(p);
        if (*p->s == ')')
            break;
        if (*p->s == '\0') {
            say(p, "%s( has no closing )", how);
            goto bad;
        }
        if (*p->s != ',') {
            say(p, "unexpected \"%.20s\" in %s(", p->s, how);
            goto bad;
        }
        p->s++;
    }
    p->s++;
    p->depth--;
    return json_pack("{so}", how, list);
bad:
    json_decref(list);
    return NULL;
}

/* A rule about the person's records: the head (its word w read, sym: "=" or NULL) and the
 * qualifiers after ';'. */
static json_t *
kind_rule(struct ps *p, size_t h, const char *sym)
{
    const struct kind *k = &kinds[heads[h].kind];
    json_t *body = json_object(), *v;
    char w[WORD_MAX], what[WORD_MAX + 8];

    snprintf(what, sizeof what, "%s=", heads[h].word);
    if (sym != NULL && strcmp(sym, "=") != 0) {
        say(p, "%s takes =, not %s", heads[h].word, sym);
        goto bad;
    }
    if (sym == NULL && heads[h].needs_value) {
        say(p, "%s needs a value", what);
        goto bad;
    }
    if (sym != NULL && heads[h].key == NULL) { /* deal=open, won or closed */
        char buf[VALUE_MAX];

        if (read_value(p, buf, sizeof buf, 0, what) == -1)
            goto bad;
        if (strcasecmp(buf, "open") == 0)
            json_object_set_new(body, "open", json_true());
        else if (strcasecmp(buf, "won") == 0)
            json_object_set_new(body, "won", json_true());
        else if (strcasecmp(buf, "closed") == 0)
            json_object_set_new(body, "open", json_false());
        else {
            say(p, "deal= takes open, won or closed, not \"%.40s\"", buf);
            goto bad;
        }
    } else if (sym != NULL) {
        if ((v = qual_value(p, find_qual(k, NULL, heads[h].key), what)) == NULL)
            goto bad;
        json_object_set_new(body, heads[h].key, v);
    }
    for (;;) {
        const struct qual *q;

        skip_ws(p);
        if (*p->s != ';')
            break;
        p->s++;
        skip_ws(p);
        if (read_word(p, w, sizeof w) == 0) {
            say(p, "expected a word after \";\" in a %s rule: %s", k->name, k->expected);
            goto bad;
        }
        if ((q = find_qual(k, w, NULL)) == NULL) {
            say(p, "unknown word \"%s\" in a %s rule: expected %s", w, k->name, k->expected);
            goto bad;
        }
        skip_ws(p);
        if (*p->s != '=') {
            say(p, "%s in a %s rule needs = and a value", w, k->name);
            goto bad;
        }
        p->s++;
        if (json_object_get(body, q->key) != NULL) {
            say(p, "%s= is said twice in a %s rule", w, k->name);
            goto bad;
        }
        snprintf(what, sizeof what, "%s=", w);
        if ((v = qual_value(p, q, what)) == NULL)
            goto bad;
        json_object_set_new(body, q->key, v);
    }
    if (heads[h].kind == K_CAMPAIGN && json_object_get(body, "id") == NULL) {
        say(p, "campaign= needs a value");
        goto bad;
    }
    return json_pack("{so}", k->name, body);
bad:
    json_decref(body);
    return NULL;
}

static json_t *
parse_rule(struct ps *p, int level)
{
    char w[WORD_MAX];
    const char *sym = NULL;
    const struct field *f;
    size_t i;

    skip_ws(p);
    if (level > MAX_DEPTH) {
        say(p, "rules nest at most %d deep", MAX_DEPTH);
        return NULL;
    }
    if (read_word(p, w, sizeof w) == 0) {
        if (*p->s == '\0' || *p->s == ',' || *p->s == ')')
            say(p, "expected a rule: %s", RULE_WORDS);
        else
            say(p, "unexpected \"%.20s\": expected a rule", p->s);
        return NULL;
    }
    if (strcmp(w, "not") == 0 && isspace((unsigned char)*p->s)) {
        json_t *r = parse_rule(p, level + 1);

        return r != NULL ? json_pack("{so}", "not", r) : NULL;
    }
    skip_ws(p);
    if ((strcmp(w, "any") == 0 || strcmp(w, "all") == 0) && *p->s == '(') {
        p->s++;
        return group(p, w, level);
    }
    if (strncmp(p->s, "!=", 2) == 0 || strncmp(p->s, "<=", 2) == 0 || strncmp(p->s, ">=", 2) == 0)
        sym = p->s[0] == '!' ? "!=" : p->s[0] == '<' ? "<=" : ">=";
    else if (*p->s == '=' || *p->s == '<' || *p->s == '>')
        sym = p->s[0] == '=' ? "=" : p->s[0] == '<' ? "<" : ">";
    if (sym != NULL)
        p->s += strlen(sym);
    for (i = 0; i < NF(heads); i++)
        if (strcmp(heads[i].word, w) == 0)
            return kind_rule(p, i, sym);
    if (strcmp(w, "days") == 0) {
        say(p, "days= is said on its own (days=90) or after a rule (ticket=API; days=90)");
        return NULL;
    }
    if (strcmp(w, "country") == 0 || strcmp(w, "industry") == 0 || strncmp(w, "account.", 8) == 0) {
        const char *name = strncmp(w, "account.", 8) == 0 ? w + 8 : w;
        json_t *c;

        if ((f = find_field(account_fields, NF(account_fields), name)) == NULL) {
            struct strbuf known = STRBUF_INIT;

            for (i = 0; i < NF(account_fields); i++)
                strbuf_printf(&known, "%s%s", i > 0 ? ", " : "", account_fields[i].name);
            say(p, "unknown account field \"%s\": expected %s", name, strbuf_str(&known));
            strbuf_fini(&known);
            return NULL;
        }
        if ((c = compare(p, f->name, w, f->type, sym)) == NULL)
            return NULL;
        return json_pack("{so}", "account", c);
    }
    if ((f = find_field(person_fields, NF(person_fields), w)) != NULL)
        return compare(p, f->name, w, f->type, sym);
    if (sym != NULL && strcmp(sym, "=") == 0)
        say(p, "unknown rule \"%s=\": expected %s", w, RULE_WORDS);
    else
        say(p, "unknown word \"%s\": expected %s, or people, contacts, leads, any, all, days=", w,
            RULE_WORDS);
    return NULL;
}

/* days=N for the interest, ticket and deal rules (at any depth) that say no days of their own */
static void
apply_days(json_t *r, long days)
{
    const char *key;
    json_t *v;
    size_t i;

    if (json_is_array(r)) {
        json_array_foreach(r, i, v) apply_days(v, days);
        return;
    }
    json_object_foreach(r, key, v)
    {
        if (strcmp(key, "not") == 0 || strcmp(key, "all") == 0 || strcmp(key, "any") == 0)
            apply_days(v, days);
        else if ((strcmp(key, "interest") == 0 || strcmp(key, "ticket") == 0 ||
                  strcmp(key, "deal") == 0) &&
                 json_object_get(v, "within_days") == NULL)
            json_object_set_new(v, "within_days", json_integer(days));
    }
}

int
segment_def_parse(const char *text, char *json, size_t n, char *msg, size_t mn)
{
    struct ps p = {.s = text != NULL ? text : "", .msg = msg, .mn = mn};
    const char *entity = "people", *match = "all";
    json_t *rules = json_array(), *root = NULL;
    char *out = NULL;
    long days = 0;
    int rc = -1;

    msg[0] = '\0';
    for (;;) {
        const char *save;
        char w[WORD_MAX];
        json_t *r;

        skip_ws(&p);
        if (*p.s == '\0')
            break;
        if (*p.s == ',') {
            p.s++;
            continue;
        }
        save = p.s;
        read_word(&p, w, sizeof w);
        skip_ws(&p);
        if ((*p.s == ',' || *p.s == '\0') &&
            (strcmp(w, "people") == 0 || strcmp(w, "contacts") == 0 || strcmp(w, "leads") == 0)) {
            entity = w[0] == 'p' ? "people" : w[0] == 'c' ? "contacts" : "leads";
            continue;
        }
        if ((*p.s == ',' || *p.s == '\0') && (strcmp(w, "any") == 0 || strcmp(w, "all") == 0)) {
            match = w[1] == 'n' ? "any" : "all";
            continue;
        }
        if (strcmp(w, "days") == 0 && *p.s == '=') {
            char buf[VALUE_MAX];

            p.s++;
            if (read_value(&p, buf, sizeof buf, 0, "days=") == -1 ||
                days_value(&p, buf, &days, "days=") == -1)
                goto out;
        } else {
            p.s = save;
            if ((r = parse_rule(&p, 1)) == NULL)
                goto out;
            if (json_array_size(rules) == MAX_RULES) {
                json_decref(r);
                say(&p, "at most %d rules", MAX_RULES);
                goto out;
            }
            json_array_append_new(rules, r);
        }
        skip_ws(&p);
        if (*p.s == ';') {
            say(&p,
                "unexpected \"%.20s\": only interest, ticket, deal, campaign and response "
                "rules take words after ;",
                p.s);
            goto out;
        }
        if (*p.s == ')') {
            say(&p, "unexpected \")\": it closes no any( or all(");
            goto out;
        }
        if (*p.s != ',' && *p.s != '\0') {
            say(&p, "unexpected \"%.20s\": a comma goes between rules", p.s);
            goto out;
        }
    }
    if (json_array_size(rules) == 0) {
        say(&p, "a segment needs a rule: interest=PRODUCT, ticket=PRODUCT, ...");
        goto out;
    }
    if (days > 0)
        apply_days(rules, days);
    root = json_pack("{ss ss sO}", "entity", entity, "match", match, "rules", rules);
    out = json_dumps(root, JSON_REAL_PRECISION(15));
    if (out == NULL || strlen(out) >= n) {
        say(&p, "the definition is too long");
        goto out;
    }
    memcpy(json, out, strlen(out) + 1);
    rc = 0;
out:
    free(out);
    json_decref(root);
    json_decref(rules);
    return rc;
}

/* ---- JSON → words ---- */

/* A value as the parser reads it back: quoted when it holds what ends a value or has spaces
 * at its ends. */
static void
put_value(struct strbuf *b, const char *s)
{
    size_t len = strlen(s);
    const char *c;

    if (len > 0 && !isspace((unsigned char)s[0]) && !isspace((unsigned char)s[len - 1]) &&
        s[0] != '"' && strpbrk(s, ",;|()") == NULL) {
        strbuf_puts(b, s);
        return;
    }
    strbuf_puts(b, "\"");
    for (c = s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            strbuf_puts(b, "\\");
        strbuf_add(b, c, 1);
    }
    strbuf_puts(b, "\"");
}

static int
put_number(struct strbuf *b, const json_t *v)
{
    char buf[64];

    if (json_is_integer(v)) {
        strbuf_printf(b, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_real(v))
        return -1;
    snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
    if (strtod(buf, NULL) != json_real_value(v))
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
    if (strpbrk(buf, "eEn") != NULL) /* 1e+20, nan: not words the parser takes */
        return -1;
    strbuf_puts(b, buf);
    if (strchr(buf, '.') == NULL) /* 333.0 stays a real: the words read "333" as whole */
        strbuf_puts(b, ".0");
    return 0;
}

static int
put_list(struct strbuf *b, const json_t *v)
{
    const json_t *e;
    size_t i;

    if (json_is_string(v)) { /* "source": "ticket" */
        put_value(b, json_string_value(v));
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return -1;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return -1;
        if (i > 0)
            strbuf_puts(b, "|");
        put_value(b, json_string_value(e));
    }
    return 0;
}

static int
put_qual_value(struct strbuf *b, const struct qual *q, const json_t *v)
{
    switch (q->v) {
    case V_TEXT:
        if (!json_is_string(v))
            return -1;
        put_value(b, json_string_value(v));
        return 0;
    case V_LIST:
        return put_list(b, v);
    case V_BOOL:
        if (!json_is_boolean(v))
            return -1;
        strbuf_puts(b, json_is_true(v) ? "yes" : "no");
        return 0;
    case V_DAYS:
    case V_ID:
        if (!json_is_integer(v))
            return -1;
        return put_number(b, v);
    case V_NUMBER:
        return put_number(b, v);
    }
    return -1;
}

static int
put_compare(struct strbuf *b, const json_t *c, const char *name, const struct field *fields,
            size_t nfields)
{
    const char *field, *op;
    const json_t *v = json_object_get(c, "value");
    const struct field *f;
    const char *key;
    const json_t *x;

    json_object_foreach((json_t *)c, key, x)
    {
        if (strcmp(key, "field") != 0 && strcmp(key, "op") != 0 && strcmp(key, "value") != 0)
            return -1;
    }
    if ((field = json_string_value(json_object_get(c, "field"))) == NULL ||
        (op = json_string_value(json_object_get(c, "op"))) == NULL ||
        (f = find_field(fields, nfields, field)) == NULL)
        return -1;
    strbuf_puts(b, name);
    if (strcmp(op, "is_set") == 0 || strcmp(op, "is_empty") == 0) {
        if (v != NULL)
            return -1;
        strbuf_puts(b, op[3] == 's' ? " is set" : " is empty");
        return 0;
    }
    if (v == NULL)
        return -1;
    if (f->type == FT_TEXT) {
        static const struct {
            const char *op, *words;
        } t[] = {{"eq", "="},
                 {"ne", "!="},
                 {"contains", " contains "},
                 {"starts_with", " starts with "},
                 {"ends_with", " ends with "}};
        size_t i;

        if (strcmp(op, "in") == 0) {
            strbuf_puts(b, " in ");
            return json_is_array(v) ? put_list(b, v) : -1;
        }
        for (i = 0; i < NF(t); i++)
            if (strcmp(t[i].op, op) == 0 && json_is_string(v)) {
                strbuf_puts(b, t[i].words);
                put_value(b, json_string_value(v));
                return 0;
            }
        return -1;
    }
    if (f->type == FT_NUMBER) {
        static const struct {
            const char *op, *sym;
        } t[] = {{"eq", "="}, {"ne", "!="}, {"lt", "<"}, {"le", "<="}, {"gt", ">"}, {"ge", ">="}};
        size_t i;

        if (strcmp(op, "between") == 0) {
            if (!json_is_array(v) || json_array_size(v) != 2)
                return -1;
            strbuf_puts(b, " between ");
            if (put_number(b, json_array_get(v, 0)) == -1)
                return -1;
            strbuf_puts(b, " and ");
            return put_number(b, json_array_get(v, 1));
        }
        for (i = 0; i < NF(t); i++)
            if (strcmp(t[i].op, op) == 0) {
                strbuf_puts(b, t[i].sym);
                return put_number(b, v);
            }
        return -1;
    }
    if ((strcmp(op, "before") == 0 || strcmp(op, "after") == 0) && json_is_string(v) &&
        is_date(json_string_value(v))) {
        strbuf_printf(b, " %s %s", op, json_string_value(v));
        return 0;
    }
    if ((strcmp(op, "within_days") == 0 || strcmp(op, "older_than_days") == 0) &&
        json_is_integer(v)) {
        strbuf_printf(b, " %s %lld days", op[0] == 'w' ? "within" : "older than",
                      (long long)json_integer_value(v));
        return 0;
    }
    return -1;
}

static int put_rule(struct strbuf *b, const json_t *r, long gdays, int level);

static int
put_kind(struct strbuf *b, const struct kind *k, const json_t *body, long gdays)
{
    const char *head_key = NULL, *key;
    const json_t *v;
    size_t i;

    if (!json_is_object(body))
        return -1;
    json_object_foreach((json_t *)body, key, v)
    {
        if (find_qual(k, NULL, key) == NULL)
            return -1;
    }
    if (strcmp(k->name, "deal") == 0) {
        const json_t *open = json_object_get(body, "open"), *won = json_object_get(body, "won");

        if (json_is_true(open))
            strbuf_puts(b, "deal=open"), head_key = "open";
        else if (json_is_true(won))
            strbuf_puts(b, "deal=won"), head_key = "won";
        else if (json_is_false(open))
            strbuf_puts(b, "deal=closed"), head_key = "open";
        else
            strbuf_puts(b, "deal");
    } else {
        /* the first head of this kind whose key the rule has; else the kind's word alone */
        for (i = 0; i < NF(heads) && head_key == NULL; i++)
            if (strcmp(kinds[heads[i].kind].name, k->name) == 0 && heads[i].key != NULL &&
                json_object_get(body, heads[i].key) != NULL) {
                head_key = heads[i].key;
                strbuf_printf(b, "%s=", heads[i].word);
                if (put_qual_value(b, find_qual(k, NULL, head_key),
                                   json_object_get(body, head_key)) == -1)
                    return -1;
            }
        if (head_key == NULL)
            strbuf_puts(b, k->name);
    }
    for (i = 0; i < k->nquals; i++) {
        const struct qual *q = &k->quals[i];

        if ((v = json_object_get(body, q->key)) == NULL ||
            (head_key != NULL && strcmp(q->key, head_key) == 0))
            continue;
        if (gdays > 0 && strcmp(q->key, "within_days") == 0 && strcmp(k->name, "response") != 0)
            continue;
        strbuf_printf(b, "; %s=", q->word);
        if (put_qual_value(b, q, v) == -1)
            return -1;
    }
    return 0;
}

static int
put_rule(struct strbuf *b, const json_t *r, long gdays, int level)
{
    const char *key;
    const json_t *v;
    size_t i;

    if (!json_is_object(r) || level > MAX_DEPTH)
        return -1;
    if (json_object_get(r, "field") != NULL) {
        const char *f = json_string_value(json_object_get(r, "field"));

        return f != NULL ? put_compare(b, r, f, person_fields, NF(person_fields)) : -1;
    }
    if (json_object_size(r) != 1)
        return -1;
    json_object_foreach((json_t *)r, key, v)
    {
        if (strcmp(key, "not") == 0) {
            strbuf_puts(b, "not ");
            return put_rule(b, v, gdays, level + 1);
        }
        if (strcmp(key, "all") == 0 || strcmp(key, "any") == 0) {
            const json_t *e;

            if (!json_is_array(v) || json_array_size(v) == 0)
                return -1;
            strbuf_printf(b, "%s(", key);
            json_array_foreach(v, i, e)
            {
                if (i > 0)
                    strbuf_puts(b, ", ");
                if (put_rule(b, e, gdays, level + 1) == -1)
                    return -1;
            }
            strbuf_puts(b, ")");
            return 0;
        }
        if (strcmp(key, "account") == 0) {
            const char *f = json_string_value(json_object_get(v, "field"));
            char name[WORD_MAX];

            if (!json_is_object(v) || f == NULL || strlen(f) > 40)
                return -1;
            snprintf(name, sizeof name, "%s%s",
                     strcmp(f, "country") == 0 || strcmp(f, "industry") == 0 ? "" : "account.", f);
            return put_compare(b, v, name, account_fields, NF(account_fields));
        }
        for (i = 0; i < NF(kinds); i++)
            if (strcmp(kinds[i].name, key) == 0)
                return put_kind(b, &kinds[i], v, gdays);
    }
    return -1;
}

/* The days every interest, ticket and deal rule says (then said once: days=N), or 0. */
static void
common_days(const json_t *r, long *days, int *mixed)
{
    const char *key;
    const json_t *v;
    size_t i;

    if (json_is_array(r)) {
        json_array_foreach(r, i, v) common_days(v, days, mixed);
        return;
    }
    if (!json_is_object(r))
        return;
    json_object_foreach((json_t *)r, key, v)
    {
        if (strcmp(key, "not") == 0 || strcmp(key, "all") == 0 || strcmp(key, "any") == 0) {
            common_days(v, days, mixed);
        } else if (strcmp(key, "interest") == 0 || strcmp(key, "ticket") == 0 ||
                   strcmp(key, "deal") == 0) {
            const json_t *d = json_object_get(v, "within_days");
            long n = json_is_integer(d) ? (long)json_integer_value(d) : 0;

            if (n <= 0 || (*days != 0 && *days != n))
                *mixed = 1;
            *days = n;
        }
    }
}

int
segment_def_words(const char *json, char *words, size_t n)
{
    json_t *root = json_loads(json != NULL ? json : "", 0, NULL);
    const json_t *rules, *r;
    const char *entity = "people", *match = "all", *key;
    struct strbuf b = STRBUF_INIT;
    long days = 0;
    int mixed = 0, rc = -1;
    size_t i;
    json_t *v;

    if (!json_is_object(root))
        goto out;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "entity") == 0 && json_is_string(v))
            entity = json_string_value(v);
        else if (strcmp(key, "match") == 0 && json_is_string(v))
            match = json_string_value(v);
        else if (strcmp(key, "rules") != 0)
            goto out;
    }
    rules = json_object_get(root, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0 ||
        (strcmp(entity, "people") != 0 && strcmp(entity, "contacts") != 0 &&
         strcmp(entity, "leads") != 0) ||
        (strcmp(match, "all") != 0 && strcmp(match, "any") != 0))
        goto out;
    common_days(rules, &days, &mixed);
    if (mixed)
        days = 0;
    if (strcmp(entity, "people") != 0)
        strbuf_printf(&b, "%s, ", entity);
    if (strcmp(match, "any") == 0)
        strbuf_puts(&b, "any, ");
    json_array_foreach(rules, i, r)
    {
        if (i > 0)
            strbuf_puts(&b, ", ");
        if (put_rule(&b, r, days, 1) == -1)
            goto out;
    }
    if (days > 0)
        strbuf_printf(&b, ", days=%ld", days);
    if (strlen(strbuf_str(&b)) >= n)
        goto out;
    memcpy(words, strbuf_str(&b), strlen(strbuf_str(&b)) + 1);
    rc = 0;
out:
    strbuf_fini(&b);
    json_decref(root);
    return rc;
}
