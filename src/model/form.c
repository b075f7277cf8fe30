/* Forms, the pure part (include/ccrm/form_model.h): the fields of every entity, checking and
 * normalising input, the three-way merge of optimistic locking and the field text buffer.
 * The choice lists must match the CHECK constraints of schema/001_init.sql. */
#define _GNU_SOURCE /* wcwidth */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/form_model.h"
#include "ccrm/util.h"

#define INT_FIELD_MAX 2147483647

/* ---- the entities ---- */

static const char *const lead_status[] = {"new",         "contacted", "qualified",
                                          "unqualified", "converted", NULL};
static const char *const deal_stage[] = {"prospecting", "qualification", "proposal", "negotiation",
                                         "won",         "lost",          NULL};
static const char *const ticket_status[] = {"new", "open", "pending", "solved", "closed", NULL};
static const char *const ticket_priority[] = {"low", "normal", "high", "urgent", NULL};
static const char *const ticket_channel[] = {"", "email", "phone", "chat", "web", "partner", NULL};
static const char *const campaign_status[] = {"planned", "active", "paused", "completed", NULL};
static const char *const interaction_kind[] = {"call", "email", "meeting", "chat",
                                               "note", "task",  NULL};
static const char *const interaction_direction[] = {"", "in", "out", NULL};

#define TEXT(col, label)                                                                           \
    {                                                                                              \
        col, label, FIELD_TEXT, 0, NULL, NULL, NULL, 0, 0, 0                                       \
    }
#define TEXT_REQ(col, label)                                                                       \
    {                                                                                              \
        col, label, FIELD_TEXT, 1, NULL, NULL, NULL, 0, 0, 0                                       \
    }
#define BODY(col, label)                                                                           \
    {                                                                                              \
        col, label, FIELD_MULTILINE, 0, NULL, NULL, NULL, 0, 0, 0                                  \
    }
#define EMAIL(col, label)                                                                          \
    {                                                                                              \
        col, label, FIELD_EMAIL, 0, NULL, NULL, NULL, 0, 0, 0                                      \
    }
#define DATE(col, label)                                                                           \
    {                                                                                              \
        col, label, FIELD_DATE, 0, NULL, NULL, NULL, 0, 0, 0                                       \
    }
#define DATETIME(col, label)                                                                       \
    {                                                                                              \
        col, label, FIELD_DATETIME, 0, NULL, NULL, NULL, 0, 0, 0                                   \
    }
#define AMOUNT(col, label)                                                                         \
    {                                                                                              \
        col, label, FIELD_AMOUNT, 0, NULL, NULL, NULL, 0, 0, 0                                     \
    }
#define REF(col, label, target)                                                                    \
    {                                                                                              \
        col, label, FIELD_REF, 0, NULL, target, NULL, 0, 0, 0                                      \
    }
#define REF_REQ(col, label, target)                                                                \
    {                                                                                              \
        col, label, FIELD_REF, 1, NULL, target, NULL, 0, 0, 0                                      \
    }
/* a required choice starts at def, which is also the database's default */
#define CHOICE_REQ(col, label, list, def)                                                          \
    {                                                                                              \
        col, label, FIELD_CHOICE, 1, list, NULL, def, 1, 0, 0                                      \
    }
#define CHOICE(col, label, list)                                                                   \
    {                                                                                              \
        col, label, FIELD_CHOICE, 0, list, NULL, NULL, 0, 0, 0                                     \
    }

static const struct field_spec account_fields[] = {
    TEXT_REQ("name", "Name"),
    TEXT("domain", "Domain"),
    TEXT("industry", "Industry"),
    TEXT("phone", "Phone"),
    TEXT("website", "Website"),
    TEXT("city", "City"),
    TEXT("country", "Country"),
    {"employees", "Employees", FIELD_INT, 0, NULL, NULL, NULL, 0, 0, INT_FIELD_MAX},
    AMOUNT("annual_revenue", "Revenue"),
    REF("owner", "Owner", "users"),
    BODY("description", "About"),
};

static const struct field_spec contact_fields[] = {
    TEXT("first_name", "First name"), TEXT("last_name", "Last name"),
    EMAIL("email", "E-mail"),         TEXT("phone", "Phone"),
    TEXT("title", "Title"),           REF("account_id", "Account", "accounts"),
    REF("owner", "Owner", "users"),
};

static const struct field_spec lead_fields[] = {
    TEXT("first_name", "First name"),
    TEXT("last_name", "Last name"),
    EMAIL("email", "E-mail"),
    TEXT("company", "Company"),
    TEXT("source", "Source"),
    CHOICE_REQ("status", "Status", lead_status, "new"),
    {"score", "Score", FIELD_INT, 1, NULL, NULL, "0", 1, 0, 100},
    REF("owner", "Owner", "users"),
    REF("account_id", "Account", "accounts"),
    REF("contact_id", "Contact", "contacts"),
};

static const struct field_spec deal_fields[] = {
    TEXT_REQ("name", "Name"),
    REF_REQ("account_id", "Account", "accounts"),
    CHOICE_REQ("stage", "Stage", deal_stage, "prospecting"),
    AMOUNT("amount", "Amount"),
    {"currency", "Currency", FIELD_CURRENCY, 1, NULL, NULL, "EUR", 1, 0, 0},
    DATE("close_date", "Close date"),
    REF("owner", "Owner", "users"),
};

static const struct field_spec ticket_fields[] = {
    TEXT_REQ("subject", "Subject"),
    REF("account_id", "Account", "accounts"),
    REF("contact_id", "Contact", "contacts"),
    CHOICE_REQ("status", "Status", ticket_status, "new"),
    CHOICE_REQ("priority", "Priority", ticket_priority, "normal"),
    CHOICE("channel", "Channel", ticket_channel),
    REF("assignee", "Assignee", "users"),
    TEXT("product", "Product"),
    BODY("body", "Description"),
};

static const struct field_spec campaign_fields[] = {
    TEXT_REQ("name", "Name"),       CHOICE_REQ("status", "Status", campaign_status, "planned"),
    DATE("starts_on", "Starts on"), DATE("ends_on", "Ends on"),
    AMOUNT("budget", "Budget"),     REF("owner", "Owner", "users"),
};

static const struct field_spec interaction_fields[] = {
    {"kind", "Kind", FIELD_CHOICE, 1, interaction_kind, NULL, "note", 0, 0, 0},
    TEXT("subject", "Subject"),
    REF("account_id", "Account", "accounts"),
    REF("contact_id", "Contact", "contacts"),
    REF("lead_id", "Lead", "leads"),
    REF("opportunity_id", "Deal", "opportunities"),
    REF("ticket_id", "Ticket", "tickets"),
    TEXT("channel", "Channel"),
    CHOICE("direction", "Direction", interaction_direction),
    DATETIME("at", "When"),
    DATETIME("due_at", "Due"),
    DATETIME("done_at", "Done"),
    BODY("body", "Notes"),
};

static const char *const contact_identity[] = {"first_name", "last_name", "email", NULL};
static const char *const lead_identity[] = {"first_name", "last_name", "email", "company", NULL};

#define NF(a) ((int)(sizeof(a) / sizeof(a)[0]))

static const struct entity_spec entities[] = {
    {"accounts", "account", account_fields, NF(account_fields), NULL, NULL},
    {"contacts", "contact", contact_fields, NF(contact_fields), contact_identity,
     "give a first name, a last name or an e-mail address"},
    {"leads", "lead", lead_fields, NF(lead_fields), lead_identity,
     "give a name, an e-mail address or a company"},
    {"opportunities", "deal", deal_fields, NF(deal_fields), NULL, NULL},
    {"tickets", "ticket", ticket_fields, NF(ticket_fields), NULL, NULL},
    {"campaigns", "campaign", campaign_fields, NF(campaign_fields), NULL, NULL},
    {"interactions", "interaction", interaction_fields, NF(interaction_fields), NULL, NULL},
};

static const char *const entity_names[] = {"accounts", "contacts",  "leads",        "opportunities",
                                           "tickets",  "campaigns", "interactions", NULL};

const struct entity_spec *
form_entity(const char *table)
{
    size_t i;

    if (table == NULL)
        return NULL;
    for (i = 0; i < sizeof entities / sizeof entities[0]; i++)
        if (strcmp(entities[i].table, table) == 0)
            return &entities[i];
    return NULL;
}

const char *const *
form_entities(void)
{
    return entity_names;
}

int
form_field_index(const struct entity_spec *e, const char *column)
{
    int i;

    if (column == NULL)
        return -1;
    for (i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].column, column) == 0)
            return i;
    return -1;
}

int
form_constraint_field(const struct entity_spec *e, const char *constraint, const char *column)
{
    static const char *const suffixes[] = {"_check", "_key", "_fkey", NULL};
    char name[128];
    size_t tl = strlen(e->table), nl;
    int i;

    if (column != NULL && column[0] != '\0' && (i = form_field_index(e, column)) >= 0)
        return i;
    if (constraint == NULL || strncmp(constraint, e->table, tl) != 0 || constraint[tl] != '_')
        return -1;
    str_copy(name, constraint + tl + 1, sizeof name);
    if (strcmp(name, "identity_check") == 0 && e->one_of != NULL)
        return form_field_index(e, e->one_of[0]);
    if (strcmp(name, "dates_check") == 0) /* campaigns: ends_on >= starts_on */
        return form_field_index(e, "ends_on");
    nl = strlen(name);
    for (i = 0; suffixes[i] != NULL; i++) {
        size_t sl = strlen(suffixes[i]);

        if (nl > sl && strcmp(name + nl - sl, suffixes[i]) == 0) {
            name[nl - sl] = '\0';
            return form_field_index(e, name);
        }
    }
    return -1;
}

/* ---- checking and normalising ---- */

static int
fail(char *msg, size_t n, const char *text)
{
    snprintf(msg, n, "%s", text);
    return -1;
}

/* malloc'd copy of s without ASCII whitespace at both ends */
static char *
trimmed(const char *s)
{
    char *t = xstrdup(s);

    return str_trim(t);
}

static int
all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

static int
days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* Read up to max digits at *p (at least one). Returns the number or -1. */
static int
digits(const char **p, int max)
{
    int v = 0, k = 0;

    while (k < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    return k > 0 ? v : -1;
}

/* Parse a date at *p: YYYY-M-D or D.M.YYYY. Returns 0 and advances *p, or -1. */
static int
parse_date(const char **p, int *y, int *m, int *d)
{
    const char *s = *p;
    int a, b, c;

    if ((a = digits(&s, 4)) < 0)
        return -1;
    if (s - *p == 4 && *s == '-') {
        s++;
        if ((b = digits(&s, 2)) < 0 || *s++ != '-' || (c = digits(&s, 2)) < 0)
            return -1;
        *y = a, *m = b, *d = c;
    } else if (s - *p <= 2 && *s == '.') {
        const char *ys;

        s++;
        if ((b = digits(&s, 2)) < 0 || *s++ != '.')
            return -1;
        ys = s;
        if ((c = digits(&s, 4)) < 0 || s - ys != 4)
            return -1;
        *y = c, *m = b, *d = a;
    } else {
        return -1;
    }
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    *p = s;
    return 0;
}

static int
norm_date(const char *s, char **out, char *msg, size_t n)
{
    int y, m, d;

    if (parse_date(&s, &y, &m, &d) != 0 || *s != '\0')
        return fail(msg, n, "not a date: use YYYY-MM-DD");
    *out = xasprintf("%04d-%02d-%02d", y, m, d);
    return 0;
}

static int
norm_datetime(const char *s, char **out, char *msg, size_t n)
{
    int y, mo, d, h = 0, mi = 0;

    if (parse_date(&s, &y, &mo, &d) != 0)
        return fail(msg, n, "not a date and time: use YYYY-MM-DD HH:MM");
    if (*s == ' ' || *s == 'T') {
        while (*s == ' ' || *s == 'T')
            s++;
        /* "9.30" too: ':' opens the command prompt where a view cannot take it */
        if ((h = digits(&s, 2)) < 0 || (*s != ':' && *s != '.'))
            return fail(msg, n, "not a time: use HH:MM (00:00 to 23:59)");
        s++;
        if ((mi = digits(&s, 2)) < 0 || h > 23 || mi > 59)
            return fail(msg, n, "not a time: use HH:MM (00:00 to 23:59)");
        if (*s == ':') { /* seconds are accepted and dropped: forms show minutes */
            int sec;

            s++;
            if ((sec = digits(&s, 2)) < 0 || sec > 59)
                return fail(msg, n, "not a time: use HH:MM (00:00 to 23:59)");
        }
    }
    if (*s != '\0')
        return fail(msg, n, "not a date and time: use YYYY-MM-DD HH:MM");
    *out = xasprintf("%04d-%02d-%02d %02d:%02d", y, mo, d, h, mi);
    return 0;
}

/* Amounts: "1234.5", "1234,50", "1.234,50", "1,234.50", "1 234,5", "12'345.00". When both '.'
 * and ',' occur, the last one separates the cents and the other groups thousands; when one of
 * them occurs several times it groups thousands; once, it separates the cents. */
static int
norm_amount(const char *in, char **out, char *msg, size_t n)
{
    static const char *bad = "not an amount: use digits, with . or , before the cents (1234.50)";
    char buf[64], ip[64] = "", fp[3] = "";
    const char *s;
    const char *ld, *lc;
    char dec = 0, grp = 0;
    size_t k = 0, ni = 0;
    int ndot = 0, ncomma = 0;

    if (in[0] == '-')
        return fail(msg, n, "must not be negative");
    if (in[0] == '+')
        in++;
    for (s = in; *s != '\0'; s++) {
        if (*s == ' ' || *s == '\'')
            continue;
        if (k + 1 >= sizeof buf)
            return fail(msg, n, "too large (at most 999,999,999,999.99)");
        if (!isdigit((unsigned char)*s) && *s != '.' && *s != ',')
            return fail(msg, n, bad);
        ndot += *s == '.';
        ncomma += *s == ',';
        buf[k++] = *s;
    }
    buf[k] = '\0';
    if (k == 0)
        return fail(msg, n, bad);
    ld = strrchr(buf, '.');
    lc = strrchr(buf, ',');
    if (ld != NULL && lc != NULL) {
        dec = ld > lc ? '.' : ',';
        grp = dec == '.' ? ',' : '.';
        if ((dec == '.' ? ndot : ncomma) != 1)
            return fail(msg, n, bad);
    } else if (ndot + ncomma == 1) {
        dec = ld != NULL ? '.' : ',';
    } else if (ndot + ncomma > 1) {
        grp = ld != NULL ? '.' : ',';
    }
    /* integer part: digits, with group separators followed by exactly 3 digits */
    for (s = buf; *s != '\0' && *s != dec; s++) {
        if (*s == grp && grp != 0) {
            if (s == buf || !all_digits(s + 1, 3) || (s[4] != '\0' && s[4] != grp && s[4] != dec))
                return fail(msg, n, bad);
            continue;
        }
        if (!isdigit((unsigned char)*s))
            return fail(msg, n, bad);
        if (ni == 0 && *s == '0')
            continue; /* leading zeros */
        if (ni >= 12)
            return fail(msg, n, "too large (at most 999,999,999,999.99)");
        ip[ni++] = *s;
    }
    ip[ni] = '\0';
    if (*s == dec && dec != 0) {
        size_t nf = strlen(s + 1);

        if (nf > 2)
            return fail(msg, n, "at most 2 decimals (cents)");
        if (nf > 0 && !all_digits(s + 1, nf))
            return fail(msg, n, bad);
        if (nf == 0 && s == buf)
            return fail(msg, n, bad);
        memcpy(fp, s + 1, nf);
        fp[nf] = '\0';
    }
    *out = xasprintf("%s.%s%s", ni > 0 ? ip : "0", fp, fp[0] == '\0' ? "00" : fp[1] ? "" : "0");
    return 0;
}

static int
norm_int(const struct field_spec *f, const char *s, char **out, char *msg, size_t n)
{
    const char *p = s;
    long long v = 0;
    int neg = 0;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (*p == '\0')
        return fail(msg, n, "not a whole number");
    for (; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p))
            return fail(msg, n, "not a whole number");
        if (v < 10000000000LL)
            v = v * 10 + (*p - '0');
    }
    if (neg)
        v = -v;
    if (v < f->min || v > f->max) {
        if (f->max == INT_FIELD_MAX)
            snprintf(msg, n, "must be at least %d", f->min);
        else
            snprintf(msg, n, "must be between %d and %d", f->min, f->max);
        return -1;
    }
    *out = xasprintf("%lld", v);
    return 0;
}

static int
norm_email(const char *s, char **out, char *msg, size_t n)
{
    const char *at = strchr(s, '@'), *p;

    for (p = s; *p != '\0'; p++)
        if (isspace((unsigned char)*p))
            return fail(msg, n, "an e-mail address has no spaces");
    if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return fail(msg, n, "not an e-mail address (name@example.com)");
    *out = xstrdup(s);
    return 0;
}

static int
norm_choice(const struct field_spec *f, const char *s, char **out, char *msg, size_t n)
{
    char list[256] = "";
    int i;

    for (i = 0; f->choices[i] != NULL; i++)
        if (strcasecmp(f->choices[i], s) == 0) {
            *out = xstrdup(f->choices[i]);
            return 0;
        }
    for (i = 0; f->choices[i] != NULL; i++)
        if (f->choices[i][0] != '\0') {
            if (list[0] != '\0')
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, f->choices[i], sizeof list - strlen(list) - 1);
        }
    snprintf(msg, n, "choose one of: %s", list);
    return -1;
}

int
form_normalize(const struct field_spec *f, const char *in, char **out, char *msg, size_t n)
{
    char *s;
    int rc = 0;

    *out = NULL;
    msg[0] = '\0';
    if (f->type == FIELD_MULTILINE) {
        size_t k;

        s = xstrdup(in != NULL ? in : "");
        k = strlen(s);
        while (k > 0 && isspace((unsigned char)s[k - 1]))
            s[--k] = '\0';
        if (strspn(s, " \t\r\n") == k)
            s[0] = '\0';
    } else {
        s = trimmed(in != NULL ? in : "");
    }
    if (s[0] == '\0') {
        if (f->required) {
            free(s);
            return fail(msg, n, "required");
        }
        *out = s;
        return 0;
    }
    switch (f->type) {
    case FIELD_TEXT:
    case FIELD_MULTILINE:
        *out = s;
        return 0;
    case FIELD_CHOICE:
        rc = norm_choice(f, s, out, msg, n);
        break;
    case FIELD_DATE:
        rc = norm_date(s, out, msg, n);
        break;
    case FIELD_DATETIME:
        rc = norm_datetime(s, out, msg, n);
        break;
    case FIELD_AMOUNT:
        rc = norm_amount(s, out, msg, n);
        break;
    case FIELD_INT:
        rc = norm_int(f, s, out, msg, n);
        break;
    case FIELD_EMAIL:
        rc = norm_email(s, out, msg, n);
        break;
    case FIELD_CURRENCY: {
        size_t i;

        if (strlen(s) != 3 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]) ||
            !isalpha((unsigned char)s[2])) {
            rc = fail(msg, n, "use a 3-letter currency code such as EUR");
            break;
        }
        for (i = 0; i < 3; i++)
            s[i] = (char)toupper((unsigned char)s[i]);
        *out = s;
        return 0;
    }
    case FIELD_REF:
        if (strcmp(f->ref, "users") != 0 && (strlen(s) > 18 || !all_digits(s, strlen(s)))) {
            rc = fail(msg, n, "choose a record from the list (type to search)");
            break;
        }
        *out = s;
        return 0;
    }
    free(s);
    return rc;
}

int
form_check_one_of(const struct entity_spec *e, const char *const *vals, int *field, char *msg,
                  size_t n)
{
    int i, k;

    *field = -1;
    if (e->one_of == NULL)
        return 0;
    for (i = 0; e->one_of[i] != NULL; i++)
        if ((k = form_field_index(e, e->one_of[i])) >= 0 && vals[k] != NULL && vals[k][0] != '\0')
            return 0;
    *field = form_field_index(e, e->one_of[0]);
    snprintf(msg, n, "%s", e->one_of_msg);
    return -1;
}

/* ---- the three-way merge ---- */

enum merge_pick
form_merge3(const char *base, const char *mine, const char *theirs)
{
    base = base != NULL ? base : "";
    mine = mine != NULL ? mine : "";
    theirs = theirs != NULL ? theirs : "";
    if (strcmp(mine, theirs) == 0)
        return MERGE_SAME;
    if (strcmp(mine, base) == 0)
        return MERGE_THEIRS;
    if (strcmp(theirs, base) == 0)
        return MERGE_MINE;
    return MERGE_BOTH;
}

/* ---- the text buffer ---- */

void
editbuf_init(struct editbuf *b)
{
    b->cap = 16;
    b->s = xcalloc((size_t)b->cap, sizeof *b->s);
    b->len = b->cur = 0;
    b->col = -1;
}

void
editbuf_fini(struct editbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static void
reserve(struct editbuf *b, int n)
{
    if (b->s == NULL)
        editbuf_init(b);
    if (n + 1 <= b->cap)
        return;
    while (b->cap < n + 1)
        b->cap *= 2;
    b->s = xrealloc(b->s, (size_t)b->cap * sizeof *b->s);
}

void
editbuf_set(struct editbuf *b, const char *s)
{
    mbstate_t st;
    size_t n = s != NULL ? strlen(s) : 0;
    int k = 0;

    reserve(b, (int)n);
    memset(&st, 0, sizeof st);
    while (n > 0) {
        wchar_t wc;
        size_t r = mbrtowc(&wc, s, n, &st);

        if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
            wc = 0xfffd;
            r = 1;
            memset(&st, 0, sizeof st);
        }
        b->s[k++] = wc;
        s += r;
        n -= r;
    }
    b->s[k] = L'\0';
    b->len = b->cur = k;
    b->col = -1;
}

char *
editbuf_get(const struct editbuf *b)
{
    size_t cap = (size_t)b->len * MB_CUR_MAX + 1, k = 0;
    char *out = xmalloc(cap > 8 ? cap : 8);
    mbstate_t st;
    int i;

    memset(&st, 0, sizeof st);
    for (i = 0; i < b->len; i++) {
        size_t r = wcrtomb(out + k, b->s[i], &st);

        if (r == (size_t)-1) {
            out[k] = '?';
            r = 1;
            memset(&st, 0, sizeof st);
        }
        k += r;
    }
    out[k] = '\0';
    return out;
}

int
editbuf_insert(struct editbuf *b, wchar_t c)
{
    if ((c < 0x20 && c != L'\n') || c == 0x7f || (c >= 0x80 && c < 0xa0))
        return 0;
    reserve(b, b->len + 1);
    wmemmove(b->s + b->cur + 1, b->s + b->cur, (size_t)(b->len - b->cur + 1));
    b->s[b->cur++] = c;
    b->len++;
    b->col = -1;
    return 1;
}

static void
cut(struct editbuf *b, int from, int to)
{
    if (to <= from)
        return;
    wmemmove(b->s + from, b->s + to, (size_t)(b->len - to + 1));
    b->len -= to - from;
    b->cur = from;
    b->col = -1;
}

int
editbuf_backspace(struct editbuf *b)
{
    if (b->cur == 0)
        return 0;
    cut(b, b->cur - 1, b->cur);
    return 1;
}

int
editbuf_delete(struct editbuf *b)
{
    int at = b->cur;

    if (b->cur >= b->len)
        return 0;
    cut(b, at, at + 1);
    return 1;
}

static int
line_start(const struct editbuf *b, int pos)
{
    while (pos > 0 && b->s[pos - 1] != L'\n')
        pos--;
    return pos;
}

static int
line_end(const struct editbuf *b, int pos)
{
    while (pos < b->len && b->s[pos] != L'\n')
        pos++;
    return pos;
}

int
editbuf_kill_start(struct editbuf *b)
{
    int from = line_start(b, b->cur);

    if (from == b->cur)
        return 0;
    cut(b, from, b->cur);
    return 1;
}

int
editbuf_kill_end(struct editbuf *b)
{
    int to = line_end(b, b->cur), at = b->cur;

    if (to == b->cur)
        return 0;
    cut(b, at, to);
    return 1;
}

void
editbuf_left(struct editbuf *b)
{
    if (b->cur > 0)
        b->cur--;
    b->col = -1;
}

void
editbuf_right(struct editbuf *b)
{
    if (b->cur < b->len)
        b->cur++;
    b->col = -1;
}

void
editbuf_home(struct editbuf *b)
{
    b->cur = line_start(b, b->cur);
    b->col = -1;
}

void
editbuf_end(struct editbuf *b)
{
    b->cur = line_end(b, b->cur);
    b->col = -1;
}

int
edit_width(const wchar_t *s, int from, int to)
{
    int w = 0, i;

    for (i = from; i < to; i++) {
        int cw = wcwidth(s[i]);

        w += cw < 0 ? 1 : cw;
    }
    return w;
}

/* Put the cursor on the line starting at start, as near as possible to display column col. */
static void
to_column(struct editbuf *b, int start, int col)
{
    int end = line_end(b, start), pos = start, w = 0;

    while (pos < end) {
        int cw = edit_width(b->s, pos, pos + 1);

        if (w + cw > col)
            break;
        w += cw;
        pos++;
    }
    b->cur = pos;
}

int
editbuf_up(struct editbuf *b)
{
    int ls = line_start(b, b->cur);
    int col = b->col >= 0 ? b->col : edit_width(b->s, ls, b->cur);

    if (ls == 0)
        return 0;
    to_column(b, line_start(b, ls - 1), col);
    b->col = col;
    return 1;
}

int
editbuf_down(struct editbuf *b)
{
    int ls = line_start(b, b->cur), le = line_end(b, b->cur);
    int col = b->col >= 0 ? b->col : edit_width(b->s, ls, b->cur);

    if (le >= b->len)
        return 0;
    to_column(b, le + 1, col);
    b->col = col;
    return 1;
}

int
editbuf_lines(const struct editbuf *b)
{
    int n = 1, i;

    for (i = 0; i < b->len; i++)
        n += b->s[i] == L'\n';
    return n;
}

int
editbuf_cur_line(const struct editbuf *b)
{
    int n = 0, i;

    for (i = 0; i < b->cur; i++)
        n += b->s[i] == L'\n';
    return n;
}

void
editbuf_line(const struct editbuf *b, int line, int *start, int *end)
{
    int pos = 0;

    while (line > 0 && pos < b->len) {
        pos = line_end(b, pos);
        if (pos < b->len)
            pos++;
        line--;
    }
    *start = pos;
    *end = line_end(b, pos);
}

/* Does the cursor cell show when the line is drawn from first in width columns? */
static int
fits(const wchar_t *s, int len, int cur, int first, int width)
{
    int room = width - (first > 0 ? 1 : 0); /* "…" on the left when scrolled */
    int before = edit_width(s, first, cur);

    if (cur == len) /* the cursor sits after the text */
        return before + 1 <= room;
    if (edit_width(s, first, len) <= room) /* all of the rest shows */
        return 1;
    return before + edit_width(s, cur, cur + 1) <= room - 1; /* "…" on the right */
}

int
edit_scroll(const wchar_t *s, int len, int cur, int first, int width)
{
    if (cur < 0)
        cur = 0;
    if (cur > len)
        cur = len;
    if (first < 0)
        first = 0;
    if (first > cur)
        first = cur;
    if (width < 3)
        return cur;
    while (first < cur && !fits(s, len, cur, first, width))
        first++;
    /* after a deletion (or in a wider box) use the room freed on the right */
    while (first > 0 &&
           edit_width(s, first - 1, len) + (cur == len) <= width - (first - 1 > 0 ? 1 : 0))
        first--;
    return first;
}
