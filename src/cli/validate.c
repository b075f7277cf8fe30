/* Import mapping and validation, pure: the entity whitelist (the importable entities of the
 * registry, include/ccrm/entity.h: tables, columns, types, choices, synonyms), header names to
 * columns, and per-field checks with the one normaliser (include/ccrm/value.h). No I/O, no
 * libpq: unit-tested and fuzzed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/entity.h"
#include "ccrm/util.h"
#include "ccrm/value.h"
#include "import_int.h"

/* ---- the whitelist: the importable entities of the registry (src/model/entity.c) ---- */

#define IMP_MAX_ENTITIES 16
#define IMP_MAX_COLS 64

static struct imp_entity imp_ents[IMP_MAX_ENTITIES];
static struct imp_column imp_cols[IMP_MAX_ENTITIES][IMP_MAX_COLS];
static const struct entity_field *imp_fields[IMP_MAX_ENTITIES][IMP_MAX_COLS];
static const struct imp_entity *imp_list[IMP_MAX_ENTITIES + 1];

/* An import column from a registry field: its kind, SQL type and what it requires. */
static void
column_of(struct imp_column *c, const struct entity_field *f)
{
    memset(c, 0, sizeof *c);
    c->name = f->csv != NULL ? f->csv : f->column;
    c->target = f->column;
    /* a value is needed where the database has no default */
    c->required = f->required && f->sqldef == NULL;
    c->maxlen = f->maxlen;
    c->min = f->min;
    c->max = f->max;
    c->choices = f->choices;
    c->sqldef = f->sqldef;
    c->synonyms = f->synonyms != NULL ? f->synonyms : "";
    c->sqltype = "text";
    switch (f->type) {
    case FIELD_TEXT:
    case FIELD_MULTILINE:
    case FIELD_PHONE:
        c->type = IMP_TEXT;
        break;
    case FIELD_EMAIL:
        c->type = IMP_EMAIL;
        break;
    case FIELD_INT:
        c->type = IMP_INT;
        c->sqltype = "int";
        break;
    case FIELD_AMOUNT:
        c->type = IMP_NUMERIC;
        c->sqltype = "numeric";
        break;
    case FIELD_DATE:
        c->type = IMP_DATE;
        c->sqltype = "date";
        break;
    case FIELD_DATETIME:
        c->type = IMP_TIMESTAMP;
        c->sqltype = "timestamptz";
        break;
    case FIELD_TIME: /* no import takes one yet: the database reads the text */
        c->type = IMP_TEXT;
        c->sqltype = "time";
        break;
    case FIELD_CHOICE:
        c->type = IMP_CHOICE;
        /* true or false: a boolean column (a product's active), cast as one */
        if (f->choices != NULL && f->choices[0] != NULL && strcmp(f->choices[0], "true") == 0 &&
            f->choices[1] != NULL && strcmp(f->choices[1], "false") == 0 && f->choices[2] == NULL)
            c->sqltype = "boolean";
        break;
    case FIELD_CURRENCY:
        c->type = IMP_CURRENCY;
        break;
    case FIELD_REF: /* looked up in SQL: an account by domain or name, a contact or lead by
                     * e-mail, a deal by name, a ticket by subject, a person by login */
        c->type = strcmp(f->ref, "accounts") == 0        ? IMP_ACCOUNT
                  : strcmp(f->ref, "contacts") == 0      ? IMP_CONTACT
                  : strcmp(f->ref, "leads") == 0         ? IMP_LEAD
                  : strcmp(f->ref, "opportunities") == 0 ? IMP_DEAL
                  : strcmp(f->ref, "tickets") == 0       ? IMP_TICKET
                                                         : IMP_LOGIN;
        if (c->type != IMP_LOGIN)
            c->sqltype = "bigint";
        break;
    }
}

/* Index of column `column` among the export columns of re, or -1. */
static int
export_index(const struct entity *re, const char *column)
{
    int k;

    for (k = 0; column != NULL && re->exports[k] != NULL; k++)
        if (strcmp(re->exports[k], column) == 0)
            return k;
    return -1;
}

static void
build_entities(void)
{
    int i, n = 0, k;

    if (imp_list[0] != NULL)
        return;
    for (i = 0; entity_registry[i] != NULL && n < IMP_MAX_ENTITIES; i++) {
        const struct entity *re = entity_registry[i];
        struct imp_entity *e = &imp_ents[n];

        if (re->exports == NULL)
            continue;
        e->name = re->table;
        e->singular = re->singular;
        e->plural = re->plural;
        e->cols = imp_cols[n];
        for (k = 0; re->exports[k] != NULL && k < IMP_MAX_COLS; k++) {
            const struct entity_field *f = entity_io_field(re, re->exports[k]);

            if (f == NULL)
                abort(); /* the registry names a column it has no field for */
            column_of(&imp_cols[n][k], f);
            imp_fields[n][k] = f;
        }
        e->ncols = k;
        e->key = export_index(re, re->dup_key);
        e->keyword = re->dup_word;
        for (k = 0; k < 4; k++)
            e->identity[k] = -1;
        for (k = 0; re->one_of != NULL && re->one_of[k] != NULL && k < 4; k++)
            e->identity[k] = export_index(re, re->one_of[k]);
        imp_list[n++] = e;
    }
    imp_list[n] = NULL;
}

const struct imp_entity *
imp_entity_at(int i)
{
    int k;

    build_entities();
    for (k = 0; k < i && imp_list[k] != NULL; k++)
        ;
    return imp_list[k];
}

const struct imp_entity *
imp_entity_find(const char *name)
{
    const struct entity *re = entity_named(name);
    int i;

    build_entities();
    for (i = 0; re != NULL && imp_list[i] != NULL; i++)
        if (strcmp(imp_list[i]->name, re->table) == 0)
            return imp_list[i];
    return NULL;
}

/* ---- header mapping ---- */

/* Columns any export of ours has that an import ignores without a word. */
static const char *const ignored_cols[] = {"id",         "createdat", "createdby", "updatedat",
                                           "updatedby",  "version",   "search",    "mode",
                                           "ccrmreason", NULL};

void
imp_fold(const char *s, size_t len, char *out, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i < len && o + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 'A' && c <= 'Z')
            out[o++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[o++] = (char)c;
    }
    if (n > 0)
        out[o] = '\0';
}

static int
syn_match(const char *syn, const char *folded)
{
    size_t fl = strlen(folded);
    const char *p = syn;

    while (p != NULL && *p != '\0') {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);

        if (l == fl && memcmp(p, folded, l) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* Column of e that a header name denotes: by folded name, then synonyms. -1 if none. */
static int
find_column(const struct imp_entity *e, const char *name, size_t len)
{
    char f[128], cf[64];
    int i;

    imp_fold(name, len, f, sizeof f);
    if (f[0] == '\0')
        return -1;
    for (i = 0; i < e->ncols; i++) {
        imp_fold(e->cols[i].name, strlen(e->cols[i].name), cf, sizeof cf);
        if (strcmp(cf, f) == 0)
            return i;
    }
    for (i = 0; i < e->ncols; i++)
        if (syn_match(e->cols[i].synonyms, f))
            return i;
    return -1;
}

static int
is_ignored(const char *name, size_t len)
{
    char f[64];
    int i;

    imp_fold(name, len, f, sizeof f);
    for (i = 0; ignored_cols[i] != NULL; i++)
        if (strcmp(ignored_cols[i], f) == 0)
            return 1;
    return 0;
}

/* Does header field h (trimmed) equal src case-insensitively? */
static int
header_is(const char *h, size_t hl, const char *src, size_t sl)
{
    size_t i;

    while (hl > 0 && (*h == ' ' || *h == '\t'))
        h++, hl--;
    while (hl > 0 && (h[hl - 1] == ' ' || h[hl - 1] == '\t'))
        hl--;
    if (hl != sl)
        return 0;
    for (i = 0; i < hl; i++) {
        char a = h[i], b = src[i];

        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return 1;
}

/* Apply one SRC=DST override; by[i] is the override that mapped header field i before (NULL:
 * none), bylen its length. A source named twice is refused: which of its targets is meant is
 * the command's to say (the last one won without a word, or left a required field without a
 * column). Returns 0/-1. */
static int
apply_override(struct imp_map *m, const struct csv_record *hdr, const char *ov, size_t ol,
               const char **by, size_t *bylen, struct ccrm_err *err)
{
    const char *eq = memchr(ov, '=', ol);
    const char *src, *dst;
    size_t sl, dl, i;
    int c = -2, found = 0;

    if (eq == NULL) {
        err_set(err, "--map: expected SRC=DST, got \"%.*s\"", (int)ol, ov);
        return -1;
    }
    src = ov;
    sl = (size_t)(eq - ov);
    dst = eq + 1;
    dl = ol - sl - 1;
    while (dl > 0 && *dst == ' ')
        dst++, dl--;
    while (dl > 0 && dst[dl - 1] == ' ')
        dl--;
    while (sl > 0 && src[sl - 1] == ' ')
        sl--;
    while (sl > 0 && *src == ' ')
        src++, sl--;
    if (dl == 0 || sl == 0) { /* "Email=" dropped the column without a word */
        err_set(err, "--map: expected SRC=DST (SRC=- leaves a column out), got \"%.*s\"", (int)ol,
                ov);
        return -1;
    }
    if (!(dl == 1 && dst[0] == '-')) {
        for (c = 0; c < m->e->ncols; c++)
            if (strlen(m->e->cols[c].name) == dl && strncasecmp(m->e->cols[c].name, dst, dl) == 0)
                break; /* "Email" is email */
        if (c == m->e->ncols) {
            err_set(err, "--map: %s have no column \"%.*s\"", m->e->name, (int)dl, dst);
            return -1;
        }
    }
    for (i = 0; i < hdr->nfields && i < IMP_MAX_FIELDS; i++)
        if (header_is(hdr->field[i], hdr->len[i], src, sl)) {
            if (by[i] != NULL) {
                err_set(err, "--map: the column \"%.*s\" is mapped twice (%.*s, %.*s)", (int)sl,
                        src, (int)bylen[i], by[i], (int)ol, ov);
                return -1;
            }
            by[i] = ov;
            bylen[i] = ol;
            m->col[i] = c;
            found = 1;
        }
    if (!found) {
        err_set(err, "--map: the file has no column \"%.*s\"", (int)sl, src);
        return -1;
    }
    return 0;
}

/* Header names of one column holding a person's whole name (folded). */
static const char *const fullname_cols[] = {"name",        "fullname", "contactname",
                                            "personname",  "leadname", "contactfullname",
                                            "displayname", NULL};

static int
col_named(const struct imp_entity *e, const char *name)
{
    int c;

    for (c = 0; c < e->ncols; c++)
        if (strcmp(e->cols[c].name, name) == 0)
            return c;
    return -1;
}

/* People imported from a CRM that keeps one name: when the file has no first or last name
 * column but a full-name one, it feeds both (split at its last space, imp_validate). */
static void
map_fullname(struct imp_map *m, const struct csv_record *hdr)
{
    int first = col_named(m->e, "first_name"), last = col_named(m->e, "last_name"), k;
    char f[64];
    size_t i;

    m->split_first = m->split_last = -1;
    if (first < 0 || last < 0 || m->mapped[first] >= 0 || m->mapped[last] >= 0)
        return;
    for (i = 0; i < hdr->nfields; i++) {
        if (m->col[i] != -1)
            continue;
        imp_fold(hdr->field[i], hdr->len[i], f, sizeof f);
        for (k = 0; fullname_cols[k] != NULL; k++)
            if (strcmp(fullname_cols[k], f) == 0) {
                m->col[i] = -3; /* not unknown: split */
                m->mapped[first] = m->mapped[last] = (int)i;
                m->split_first = first;
                m->split_last = last;
                return;
            }
    }
}

int
imp_map_header(struct imp_map *m, const struct imp_entity *e, const struct csv_record *hdr,
               const char *overrides, struct ccrm_err *err)
{
    size_t i, at, bylen[IMP_MAX_FIELDS];
    const char *by[IMP_MAX_FIELDS] = {NULL};
    int c, k, bad;

    memset(m, 0, sizeof *m);
    m->split_first = m->split_last = -1;
    m->e = e;
    m->nfields = hdr->nfields;
    if (hdr->nfields > IMP_MAX_FIELDS) {
        err_set(err, "the header has %zu columns, more than %d", hdr->nfields, IMP_MAX_FIELDS);
        return -1;
    }
    for (i = 0; i < hdr->nfields; i++) {
        /* said as for a value (imp_validate): a NUL byte is no UTF-8 error */
        if ((bad = imp_utf8_check(hdr->field[i], hdr->len[i], &at)) != 0) {
            err_set(err, "header column %zu: %s at byte %zu", i + 1,
                    bad == 2 ? "NUL byte" : "invalid UTF-8", at + 1);
            return -1;
        }
        c = find_column(e, hdr->field[i], hdr->len[i]);
        if (c < 0 && is_ignored(hdr->field[i], hdr->len[i]))
            c = -2;
        m->col[i] = c;
    }
    while (overrides != NULL && *overrides != '\0') {
        const char *comma = strchr(overrides, ',');
        size_t l = comma ? (size_t)(comma - overrides) : strlen(overrides);

        if (l > 0 && apply_override(m, hdr, overrides, l, by, bylen, err) == -1)
            return -1;
        overrides = comma ? comma + 1 : NULL;
    }
    for (c = 0; c < e->ncols; c++)
        m->mapped[c] = -1;
    for (i = 0; i < hdr->nfields; i++) /* the full name first: it is not an unknown column */
        if (m->col[i] >= 0)
            m->mapped[m->col[i]] = (int)i;
    map_fullname(m, hdr);
    for (c = 0; c < e->ncols; c++)
        if (c != m->split_first && c != m->split_last)
            m->mapped[c] = -1;
    for (i = 0; i < hdr->nfields; i++) {
        c = m->col[i];
        if (c == -1) {
            char name[64];

            str_copy(name, hdr->field[i], sizeof name);
            str_trim(name);
            if (m->nunknown++ > 0)
                strncat(m->unknown, ", ", sizeof m->unknown - strlen(m->unknown) - 1);
            snprintf(m->unknown + strlen(m->unknown), sizeof m->unknown - strlen(m->unknown),
                     "\"%s\"", name);
            continue;
        }
        if (c < 0)
            continue;
        if (m->mapped[c] >= 0) {
            /* which of them is meant is the command's to say (exit 64, on_header) */
            err_set(err,
                    "--map: columns %d and %zu both map to %s (choose one: SRC=- leaves a "
                    "column out)",
                    m->mapped[c] + 1, i + 1, e->cols[c].name);
            return -1;
        }
        m->mapped[c] = (int)i;
    }
    for (c = 0; c < e->ncols; c++)
        if (e->cols[c].required && m->mapped[c] < 0) {
            err_set(err, "no column for \"%s\", which %s need", e->cols[c].name, e->name);
            return -1;
        }
    if (e->identity[0] >= 0) {
        for (k = 0; k < 4 && e->identity[k] >= 0; k++)
            if (m->mapped[e->identity[k]] >= 0)
                break;
        if (k == 4 || e->identity[k] < 0) {
            err_set(err, "no column for any of %s%s%s%s%s%s%s, which %s need",
                    e->cols[e->identity[0]].name, e->identity[1] >= 0 ? ", " : "",
                    e->identity[1] >= 0 ? e->cols[e->identity[1]].name : "",
                    e->identity[2] >= 0 ? ", " : "",
                    e->identity[2] >= 0 ? e->cols[e->identity[2]].name : "",
                    e->identity[3] >= 0 ? ", " : "",
                    e->identity[3] >= 0 ? e->cols[e->identity[3]].name : "", e->name);
            return -1;
        }
    }
    return 0;
}

/* ---- values ---- */

int
imp_utf8_check(const char *s, size_t len, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned char c = p[i];
        size_t n, k;
        unsigned long cp;

        if (c == 0) {
            *at = i;
            return 2;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, cp = c & 0x07;
        else
            goto bad;
        if (len - i - 1 < n)
            goto bad;
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                goto bad;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            goto bad;
        i += n + 1;
    }
    return 0;
bad:
    *at = i;
    return 1;
}

/* The registry's field behind an import column (its values follow the field's rule). */
static const struct entity_field *
field_of(const struct imp_column *c)
{
    int n;

    for (n = 0; n < IMP_MAX_ENTITIES; n++)
        if (c >= imp_cols[n] && c < imp_cols[n] + IMP_MAX_COLS)
            return imp_fields[n][c - imp_cols[n]];
    abort(); /* not one of ours */
}

long
imp_check_value(const struct imp_column *c, const char *s, size_t len, char *out, char *reason,
                size_t n)
{
    struct value_rule r = entity_import_rule(field_of(c));
    struct value_err e;
    long l;

    /* a contact or lead named by name, not e-mail: an export writes one without an address so
     * (looked up in SQL as by e-mail; a value with "@" is still an address to check) */
    if ((c->type == IMP_CONTACT || c->type == IMP_LEAD) && memchr(s, '@', len) == NULL)
        r.type = FIELD_TEXT;
    l = value_normalize(&r, s, len, out, len + 16, &e);

    if (l < 0)
        snprintf(reason, n, "column \"%s\"%s", c->name, e.tail);
    return l;
}

void
imp_row_init(struct imp_row *row)
{
    memset(row, 0, sizeof *row);
}

void
imp_row_fini(struct imp_row *row)
{
    free(row->buf);
    memset(row, 0, sizeof *row);
}

static int
blank_value(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

int
imp_record_blank(const struct csv_record *rec)
{
    size_t i;

    for (i = 0; i < rec->nfields; i++)
        if (!blank_value(rec->field[i], rec->len[i]))
            return 0;
    return 1;
}

int
imp_validate(const struct imp_map *m, const struct csv_record *rec, struct imp_row *row,
             char *reason, size_t n)
{
    const struct imp_entity *e = m->e;
    size_t need = 0, at;
    int c, k, bad;

    if (rec->error != NULL) {
        snprintf(reason, n, "%s", rec->error);
        return -1;
    }
    if (rec->nfields != m->nfields) {
        snprintf(reason, n, "expected %zu fields, found %zu", m->nfields, rec->nfields);
        return -1;
    }
    for (c = 0; c < e->ncols; c++)
        if (m->mapped[c] >= 0)
            need += rec->len[m->mapped[c]] + 16;
    if (need > row->cap) {
        row->cap = need + 256;
        free(row->buf);
        row->buf = xmalloc(row->cap);
    }
    row->used = 0;
    for (c = 0; c < e->ncols; c++) {
        const struct imp_column *col = &e->cols[c];
        const char *s;
        size_t len;
        long l;

        row->val[c] = NULL;
        row->vlen[c] = 0;
        if (m->mapped[c] < 0)
            continue;
        s = rec->field[m->mapped[c]];
        len = rec->len[m->mapped[c]];
        if ((bad = imp_utf8_check(s, len, &at)) != 0) {
            if (bad == 2)
                snprintf(reason, n, "column \"%s\": NUL byte at byte %zu", col->name, at + 1);
            else
                snprintf(reason, n, "column \"%s\": invalid UTF-8 at byte %zu", col->name, at + 1);
            return -1;
        }
        s = value_trim(s, &len, field_of(col)->type == FIELD_MULTILINE);
        if (c == m->split_first || c == m->split_last) { /* "Ada King Lovelace": last word */
            size_t sp = len;

            while (sp > 0 && s[sp - 1] != ' ')
                sp--;
            if (c == m->split_last) {
                s += sp;
                len -= sp;
            } else {
                len = sp;
                while (len > 0 && s[len - 1] == ' ')
                    len--;
            }
        }
        if (len == 0) {
            if (col->required) {
                struct value_err ve;

                value_required(&ve);
                snprintf(reason, n, "column \"%s\"%s", col->name, ve.tail);
                return -1;
            }
            continue;
        }
        l = imp_check_value(col, s, len, row->buf + row->used, reason, n);
        if (l < 0)
            return -1;
        row->val[c] = row->buf + row->used;
        row->vlen[c] = (size_t)l;
        row->used += (size_t)l + 1;
    }
    if (e->identity[0] >= 0) {
        for (k = 0; k < 4 && e->identity[k] >= 0; k++)
            if (row->val[e->identity[k]] != NULL)
                return 0;
        snprintf(reason, n, "one of %s%s%s%s%s%s%s is required", e->cols[e->identity[0]].name,
                 e->identity[1] >= 0 ? ", " : "",
                 e->identity[1] >= 0 ? e->cols[e->identity[1]].name : "",
                 e->identity[2] >= 0 ? ", " : "",
                 e->identity[2] >= 0 ? e->cols[e->identity[2]].name : "",
                 e->identity[3] >= 0 ? ", " : "",
                 e->identity[3] >= 0 ? e->cols[e->identity[3]].name : "");
        return -1;
    }
    return 0;
}

/* ---- COPY text format ---- */

void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (n == 0) /* nothing to add; b->p may still be NULL (found by fuzz_import) */
        return;
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 65536;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void
sbuf_fini(struct sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void
imp_copy_value(struct sbuf *b, const char *s, size_t n)
{
    size_t i, start = 0;

    if (s == NULL) {
        sbuf_add(b, "\\N", 2);
        return;
    }
    for (i = 0; i < n; i++) {
        const char *esc = NULL;

        switch (s[i]) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            continue;
        }
        sbuf_add(b, s + start, i - start);
        sbuf_add(b, esc, 2);
        start = i + 1;
    }
    sbuf_add(b, s + start, n - start);
}

void
imp_copy_bytea(struct sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[512];
    size_t i, o = 0;

    sbuf_add(b, "\\\\x", 3);
    for (i = 0; i < n; i++) {
        tmp[o++] = hex[(unsigned char)s[i] >> 4];
        tmp[o++] = hex[(unsigned char)s[i] & 15];
        if (o == sizeof tmp) {
            sbuf_add(b, tmp, o);
            o = 0;
        }
    }
    sbuf_add(b, tmp, o);
}
