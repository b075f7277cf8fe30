/* Forms, the pure part (include/ccrm/form_model.h): which entities have forms (their fields
 * are the registry's, src/model/entity.c), checking input with the one normaliser
 * (src/model/value.c), the three-way merge of optimistic locking and the field text buffer. */
#define _GNU_SOURCE /* wcwidth */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/form_model.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "ccrm/value.h"

const struct entity *
form_entity(const char *table)
{
    const struct entity *e = entity_find(table);

    return e != NULL && e->nfields > 0 ? e : NULL;
}

const char *const *
form_entities(void)
{
    static const char *names[32];
    int i, n = 0;

    if (names[0] == NULL)
        for (i = 0; entity_registry[i] != NULL && n + 1 < 32; i++)
            if (entity_registry[i]->nfields > 0)
                names[n++] = entity_registry[i]->table;
    return names;
}

int
form_field_index(const struct entity *e, const char *column)
{
    return entity_field_index(e, column);
}

int
form_field_dbdef(const struct entity_field *f)
{
    return f->def != NULL && f->sqldef != NULL;
}

int
form_constraint_field(const struct entity *e, const char *constraint, const char *column)
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
            const char *u;
            int f;

            name[nl - sl] = '\0';
            if ((f = form_field_index(e, name)) >= 0)
                return f;
            /* a key over several columns (product_prices_product_id_currency_key): the last
             * column that is a field, the one a form changes to make the row another */
            for (u = strrchr(name, '_'); u != NULL; u = memrchr(name, '_', (size_t)(u - name)))
                if ((f = form_field_index(e, u + 1)) >= 0)
                    return f;
            return -1;
        }
    }
    return -1;
}

/* ---- checking and normalising: the one normaliser (src/model/value.c) ---- */

/* A list ("DE, at , CH"): each item normalised by the field's type (or its choices), empty
 * items dropped, repeated ones kept once, joined by ", ". */
static int
normalize_list(const struct entity_field *f, const char *in, char **out, char *msg, size_t n)
{
    struct value_rule r = entity_form_rule(f);
    struct value_err e;
    struct strbuf b = STRBUF_INIT;
    const char *p = in != NULL ? in : "", *comma;
    int items = 0;

    if (f->choices != NULL)
        r.type = FIELD_CHOICE;
    r.maxlen = 0;
    for (; *p != '\0'; p = *comma != '\0' ? comma + 1 : comma) {
        char *item, *norm;

        comma = strchr(p, ',');
        if (comma == NULL)
            comma = p + strlen(p);
        item = xasprintf("%.*s", (int)(comma - p), p);
        if (value_normalize_str(&r, 0, item, &norm, &e) != 0) {
            snprintf(msg, n, "\"%s\": %s", str_trim(item), e.msg);
            free(item);
            strbuf_fini(&b);
            return -1;
        }
        free(item);
        if (norm[0] != '\0') {
            /* once each: ", x," inside the list so far */
            char *seen = xasprintf(", %s,", norm);
            char *have = xasprintf(", %s,", strbuf_str(&b));

            if (strstr(have, seen) == NULL) {
                strbuf_printf(&b, "%s%s", items > 0 ? ", " : "", norm);
                items++;
            }
            free(seen);
            free(have);
        }
        free(norm);
    }
    if (items == 0 && f->required) {
        value_required(&e);
        snprintf(msg, n, "%s", e.msg);
        strbuf_fini(&b);
        return -1;
    }
    if (f->maxlen > 0 && strlen(strbuf_str(&b)) > (size_t)f->maxlen) {
        snprintf(msg, n, "too long (at most %d characters)", f->maxlen);
        strbuf_fini(&b);
        return -1;
    }
    *out = xstrdup(strbuf_str(&b));
    strbuf_fini(&b);
    return 0;
}

int
form_normalize(const struct entity_field *f, const char *in, char **out, char *msg, size_t n)
{
    struct value_rule r = entity_form_rule(f);
    struct value_err e;

    msg[0] = '\0';
    *out = NULL;
    if (f->list != LIST_NONE)
        return normalize_list(f, in, out, msg, n);
    if (value_normalize_str(&r, f->required, in, out, &e) != 0) {
        snprintf(msg, n, "%s", e.msg);
        return -1;
    }
    return 0;
}

int
form_check_one_of(const struct entity *e, const char *const *vals, int *field, char *msg, size_t n)
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

/* The buffer converts UTF-8 itself (utf8_decode, utf8_encode) rather than with the locale's
 * mbrtowc/wcrtomb: values come from the database and go back to it as UTF-8 whatever the locale
 * says, and a field nobody touched must come out byte for byte as it went in (form saves compare it
 * with what was read; in a C locale every non-ASCII character came out as '?' and was saved so).
 * wchar_t holds Unicode code points (glibc, musl, the BSDs and macOS in UTF-8 locales), the
 * values curses shows and get_wch returns in the client's UTF-8 locale (src/main.c). */

void
editbuf_set(struct editbuf *b, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    int k = 0;

    reserve(b, (int)n);
    while (n > 0) {
        uint32_t cp;
        size_t r = utf8_decode(s, n, &cp);

        if (r == 0) {
            cp = 0xfffd;
            r = 1;
        }
        b->s[k++] = (wchar_t)cp;
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
    char *out = xmalloc((size_t)b->len * 4 + 1);
    size_t k = 0;
    int i;

    for (i = 0; i < b->len; i++) {
        /* (a negative wchar_t becomes a number above U+10FFFF: no character) */
        size_t r = utf8_encode((uint32_t)b->s[i], out + k);

        if (r == 0) {
            out[k] = '?';
            r = 1;
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
        /* as the client draws it (src/ui/text.c): a control or invisible format character,
         * such as a zero-width joiner, shows as '?' in one column; wcwidth counts none */
        int cw = s[i] >= 0 && text_char_unsafe((uint32_t)s[i]) ? 1 : wcwidth(s[i]);

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
