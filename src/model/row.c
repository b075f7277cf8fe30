/* Rows and the row window of list views (see include/ccrm/model.h). Pure: unit-tested. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/model.h"
#include "ccrm/util.h"

void
row_fini(struct row *r)
{
    int i;

    for (i = 0; i < ROW_MAX_COLS; i++)
        free(r->col[i]);
    free(r->key);
    free(r->key2);
    memset(r, 0, sizeof *r);
}

static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

void
row_copy(struct row *dst, const struct row *src)
{
    int i;

    dst->id = src->id;
    for (i = 0; i < ROW_MAX_COLS; i++)
        dst->col[i] = dup_or_null(src->col[i]);
    dst->key = dup_or_null(src->key);
    dst->key2 = dup_or_null(src->key2);
}

void
rowbuf_init(struct rowbuf *b)
{
    memset(b, 0, sizeof *b);
}

void
rowbuf_clear(struct rowbuf *b)
{
    int i;

    for (i = 0; i < b->n; i++)
        row_fini(&b->rows[i]);
    b->n = 0;
    b->at_start = 0;
    b->at_end = 0;
}

void
rowbuf_fini(struct rowbuf *b)
{
    rowbuf_clear(b);
    free(b->rows);
    memset(b, 0, sizeof *b);
}

static void
reserve(struct rowbuf *b, int extra)
{
    if (b->n + extra <= b->cap)
        return;
    b->cap = (b->n + extra) * 2;
    b->rows = xrealloc(b->rows, (size_t)b->cap * sizeof *b->rows);
}

void
rowbuf_append(struct rowbuf *b, struct row *src, int n)
{
    if (n <= 0)
        return;
    reserve(b, n);
    memcpy(b->rows + b->n, src, (size_t)n * sizeof *src);
    memset(src, 0, (size_t)n * sizeof *src);
    b->n += n;
}

void
rowbuf_prepend(struct rowbuf *b, struct row *src, int n)
{
    if (n <= 0)
        return;
    reserve(b, n);
    memmove(b->rows + n, b->rows, (size_t)b->n * sizeof *b->rows);
    memcpy(b->rows, src, (size_t)n * sizeof *src);
    memset(src, 0, (size_t)n * sizeof *src);
    b->n += n;
}

void
rowbuf_drop_front(struct rowbuf *b, int k)
{
    int i;

    if (k <= 0)
        return;
    if (k > b->n)
        k = b->n;
    for (i = 0; i < k; i++)
        row_fini(&b->rows[i]);
    if (b->n > k)
        memmove(b->rows, b->rows + k, (size_t)(b->n - k) * sizeof *b->rows);
    b->n -= k;
    b->at_start = 0;
}

void
rowbuf_drop_back(struct rowbuf *b, int k)
{
    int i;

    if (k <= 0)
        return;
    if (k > b->n)
        k = b->n;
    for (i = b->n - k; i < b->n; i++)
        row_fini(&b->rows[i]);
    b->n -= k;
    b->at_end = 0;
}

int
rowbuf_find(const struct rowbuf *b, int64_t id)
{
    int i;

    for (i = 0; i < b->n; i++)
        if (b->rows[i].id == id)
            return i;
    return -1;
}

int
rows_drop_known(struct row *rows, int n, const struct rowbuf *b, int64_t id)
{
    int i, j = 0;

    for (i = 0; i < n; i++) {
        if ((id != 0 && rows[i].id == id) || (b != NULL && rowbuf_find(b, rows[i].id) >= 0)) {
            row_fini(&rows[i]);
            continue;
        }
        if (j != i) {
            rows[j] = rows[i];
            memset(&rows[i], 0, sizeof rows[i]);
        }
        j++;
    }
    return j;
}

void
detail_add_field(struct detail *d, const char *label, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    d->fields = xrealloc(d->fields, (size_t)(d->nfields + 1) * sizeof *d->fields);
    d->fields[d->nfields].label = xstrdup(label);
    d->fields[d->nfields].value = xstrdup(value);
    d->nfields++;
}

void
detail_add_line(struct detail *d, const char *when, const char *who, const char *what,
                const char *entity, int64_t id)
{
    struct detail_line *l;

    d->lines = xrealloc(d->lines, (size_t)(d->nlines + 1) * sizeof *d->lines);
    l = &d->lines[d->nlines++];
    l->when = xstrdup(when);
    l->who = xstrdup(who);
    l->what = xstrdup(what);
    l->entity = xstrdup(entity);
    l->entity_id = id;
}

struct detail_mail *
detail_add_mail(struct detail *d)
{
    struct detail_mail *m;

    d->mails = xrealloc(d->mails, (size_t)(d->nmails + 1) * sizeof *d->mails);
    m = &d->mails[d->nmails++];
    memset(m, 0, sizeof *m);
    return m;
}

void
detail_free(struct detail **dp)
{
    struct detail *d;
    int i;

    if (dp == NULL || *dp == NULL)
        return;
    d = *dp;
    free(d->title);
    free(d->subtitle);
    free(d->here);
    for (i = 0; i < d->nfields; i++) {
        free(d->fields[i].label);
        free(d->fields[i].value);
    }
    free(d->fields);
    for (i = 0; i < d->nlines; i++) {
        free(d->lines[i].when);
        free(d->lines[i].who);
        free(d->lines[i].what);
        free(d->lines[i].entity);
    }
    free(d->lines);
    for (i = 0; i < d->nmails; i++) {
        struct detail_mail *m = &d->mails[i];

        free(m->status);
        free(m->when);
        free(m->from);
        free(m->to);
        free(m->cc);
        free(m->subject);
        free(m->body);
        free(m->atts);
        free(m->error);
    }
    free(d->mails);
    free(d);
    *dp = NULL;
}

/* Is s the UTF-8 of a character that ccrm_fold (unaccent) turns into %, _ or \ (fullwidth
 * and small forms: ％ ＿ ＼ ﹪ ﹨ ∖ ﹍ ﹎ ﹏)? The pattern is folded after it is escaped, so those
 * need the escape too. */
static int
folds_to_like_char(const unsigned char *s)
{
    if (s[0] == 0xef && s[1] == 0xbc)
        return s[2] == 0x85 || s[2] == 0xbf || s[2] == 0xbc;
    if (s[0] == 0xef && s[1] == 0xb9)
        return s[2] == 0xaa || s[2] == 0xa8 || (s[2] >= 0x8d && s[2] <= 0x8f);
    return s[0] == 0xe2 && s[1] == 0x88 && s[2] == 0x96;
}

char *
like_contains(const char *text)
{
    size_t n = strlen(text);
    char *out = xmalloc(2 * n + 3);
    char *o = out;

    *o++ = '%';
    for (; *text != '\0'; text++) {
        if (*text == '\\' || *text == '%' || *text == '_' ||
            ((unsigned char)*text >= 0xe2 && text[1] != '\0' && text[2] != '\0' &&
             folds_to_like_char((const unsigned char *)text)))
            *o++ = '\\';
        *o++ = *text;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

/* "2d 4h", "3h 20m", "12m" for a span of m whole minutes */
static void
span_text(int64_t m, char *buf, size_t n)
{
    if (m >= 24 * 60)
        snprintf(buf, n, "%lldd %lldh", (long long)(m / (24 * 60)), (long long)(m / 60 % 24));
    else if (m >= 60)
        snprintf(buf, n, "%lldh %lldm", (long long)(m / 60), (long long)(m % 60));
    else
        snprintf(buf, n, "%lldm", (long long)m);
}

int
time_left_text(const char *due, int64_t now_ms, char *buf, size_t n, int64_t *next_ms)
{
    char span[32], *end;
    long long s;
    int64_t left;

    *next_ms = 0;
    if (n > 0)
        buf[0] = '\0';
    if (due == NULL || due[0] == '\0')
        return 0;
    if (strcmp(due, "paused") == 0) {
        snprintf(buf, n, "paused");
        return 0;
    }
    /* paused after its due time: breached (the Dashboard and `f breached` count it) */
    if (strcmp(due, "paused late") == 0) {
        snprintf(buf, n, "! paused");
        return 3;
    }
    s = strtoll(due, &end, 10);
    if (*end != '\0')
        return 0;
    left = (int64_t)s - now_ms;
    if (left > 0) {
        /* the text changes when a whole minute has gone by, and at the due time */
        *next_ms = left % 60000 != 0 ? left % 60000 : 60000;
        if (left < 60000)
            snprintf(buf, n, "<1m");
        else {
            span_text(left / 60000, span, sizeof span);
            snprintf(buf, n, "%s", span);
        }
        return left < 3600000 ? 2 : 1;
    }
    *next_ms = 60000 - (-left) % 60000;
    if (-left < 60000) {
        snprintf(buf, n, "! due");
    } else {
        span_text(-left / 60000, span, sizeof span);
        snprintf(buf, n, "! -%s", span);
    }
    return 3;
}
