/* A mail's text as lines for a screen (mail_text_lines): wrapped at spaces to a width, and the
 * quoted text folded into one line, as mail readers do. Quoted text is a run of lines that
 * start with ">" (with the line that introduces them, "On ... wrote:", and blank lines between
 * them), or everything from an "-----Original Message-----" line on (Outlook quotes below a
 * separator, without ">"). Widths are display columns (wcwidth in the caller's locale). No
 * GMime here: it is plain text work, unit-tested in tests/unit/test_mail.c. */
#define _GNU_SOURCE /* wcwidth */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"

/* Columns of the character at s (n bytes at most); its length in *len (1 for a bad byte). */
static int
char_cols(const char *s, size_t n, size_t *len)
{
    mbstate_t st;
    wchar_t wc;
    size_t k;
    int w;

    memset(&st, 0, sizeof st);
    k = mbrtowc(&wc, s, n, &st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        *len = 1;
        return 1;
    }
    *len = k;
    w = wcwidth(wc);
    return w < 0 ? 1 : w;
}

static int
blank(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static int
quoted(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i < n && s[i] == '>';
}

/* "-----Original Message-----", "-------- Original-Nachricht --------", "-----Ursprüngliche
 * Nachricht-----": a separator line of dashes around words */
static int
separator(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n < 12 || strncmp(s, "-----", 5) != 0 || strncmp(s + n - 5, "-----", 5) != 0)
        return 0;
    for (; n > 0; s++, n--) /* words between the dashes */
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
            return 1;
    return 0;
}

/* Does the line end with ':' (it introduces what follows)? */
static int
introduces(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n > 0 && s[n - 1] == ':';
}

/* Emit s[0..n) wrapped at width columns, each piece as kind. */
static void
wrap(const char *s, size_t n, int width, enum mail_line_kind kind, mail_line_fn emit, void *ctx)
{
    char *buf = xmalloc(n + 1);

    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0) {
        emit(ctx, "", kind);
        free(buf);
        return;
    }
    while (n > 0) {
        size_t i = 0, cut = 0, len;
        int cols = 0;

        /* as many characters as fit; the last space among them is where the line breaks */
        while (i < n) {
            int w = char_cols(s + i, n - i, &len);

            if (cols + w > width)
                break;
            if (s[i] == ' ' && i > 0)
                cut = i;
            cols += w;
            i += len;
        }
        if (i < n && s[i] == ' ') /* the line is full up to a space */
            cut = i;
        if (i < n && cut > 0)
            i = cut;
        if (i == 0) /* one character wider than the line */
            char_cols(s, n, &i);
        memcpy(buf, s, i);
        buf[i] = '\0';
        emit(ctx, buf, kind);
        s += i;
        n -= i;
        while (n > 0 && *s == ' ') {
            s++;
            n--;
        }
    }
    free(buf);
}

int
mail_text_lines(const char *text, int width, int unfold, mail_line_fn emit, void *ctx)
{
    const char **ls;
    size_t *lens;
    char *q; /* per line: 1 quoted */
    size_t n = 0, cap = 64, i, j;
    const char *p = text, *nl;
    int total = 0, blanks = 0;

    if (width < 10)
        width = 10;
    ls = xmalloc(cap * sizeof *ls);
    lens = xmalloc(cap * sizeof *lens);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            ls = xrealloc(ls, cap * sizeof *ls);
            lens = xrealloc(lens, cap * sizeof *lens);
        }
        nl = strchr(p, '\n');
        ls[n] = p;
        lens[n] = nl != NULL ? (size_t)(nl - p) : strlen(p);
        n++;
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    while (n > 0 && blank(ls[n - 1], lens[n - 1])) /* trailing blank lines */
        n--;
    q = xcalloc(n + 1, 1);
    for (i = 0; i < n; i++) {
        if (separator(ls[i], lens[i])) { /* Outlook: all that follows is the quote */
            for (j = i; j < n; j++)
                q[j] = 1;
            break;
        }
        q[i] = (char)quoted(ls[i], lens[i]);
    }
    /* blank lines between quoted lines belong to the quote, and so does the line that
     * introduces it ("On Mon, Anna wrote:"), with blank lines after that */
    for (i = 0; i < n; i++) {
        if (q[i] || !blank(ls[i], lens[i]))
            continue;
        for (j = i; j < n && !q[j] && blank(ls[j], lens[j]); j++)
            ;
        if (i > 0 && q[i - 1] && j < n && q[j])
            memset(q + i, 1, j - i);
    }
    for (i = 0; i + 1 < n; i++) {
        if (q[i] || !introduces(ls[i], lens[i]))
            continue;
        for (j = i + 1; j < n && !q[j] && blank(ls[j], lens[j]); j++)
            ;
        if (j < n && q[j])
            memset(q + i, 1, j - i);
    }
    for (i = 0; i < n;) {
        if (!q[i]) {
            /* at most one blank line in a row; none at the start */
            if (blank(ls[i], lens[i])) {
                if (blanks++ == 0 && i > 0)
                    emit(ctx, "", MAIL_LINE_TEXT);
            } else {
                blanks = 0;
                wrap(ls[i], lens[i], width, MAIL_LINE_TEXT, emit, ctx);
            }
            i++;
            continue;
        }
        for (j = i; j < n && q[j]; j++)
            ;
        total += (int)(j - i);
        if (unfold) {
            for (; i < j; i++)
                wrap(ls[i], lens[i], width, MAIL_LINE_QUOTED, emit, ctx);
        } else {
            char line[96];

            snprintf(line, sizeof line, "··· %d quoted line%s (z shows them)", (int)(j - i),
                     j - i == 1 ? "" : "s");
            emit(ctx, line, MAIL_LINE_FOLDED);
            i = j;
        }
        blanks = 0;
    }
    free(q);
    free(ls);
    free(lens);
    return total;
}
