/* Forms, the pure part (include/ccrm/form_model.h): the fields of every entity, checking and
 * normalising input, the three-way merge of optimistic locking and the field text buffer.
 * The choice lists must match the CHECK constraints of schema/001_init.sql. */
#define _GNU_SOURCE /* wcwidth */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/form_model.h"
#include "ccrm/util.h"
#include "ccrm/value.h"

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

/* ---- checking and normalising: the one normaliser (src/model/value.c) ---- */

int
form_normalize(const struct field_spec *f, const char *in, char **out, char *msg, size_t n)
{
    struct value_rule r = {f->type, f->choices, f->min, f->max, 0, 0};
    struct value_err e;

    if (f->type == FIELD_REF && strcmp(f->ref, "users") == 0)
        r.type = FIELD_TEXT; /* a person is named by the login */
    msg[0] = '\0';
    if (value_normalize_str(&r, f->required, in, out, &e) != 0) {
        snprintf(msg, n, "%s", e.msg);
        return -1;
    }
    return 0;
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
