/* A document as plain UTF-8 text, 88 columns (ccrm --print ... --output FILE.txt): the same words
 * as the PDF (view.c), laid out in fixed-width columns measured in display cells, so names in
 * any script line up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "view.h"

#define WIDTH 88
#define RIGHT_COL 52 /* where the header's facts start */

/* UTF-8 length in bytes of the prefix of s that fits in width display cells, and its width */
static size_t
fit(const char *s, size_t width, size_t *used)
{
    size_t i = 0, w = 0, len, cw;
    char one[8];

    while (s[i] != '\0') {
        len = 1;
        while ((s[i + len] & 0xC0) == 0x80)
            len++;
        if (len >= sizeof one)
            break;
        memcpy(one, s + i, len);
        one[len] = '\0';
        cw = bill_text_width(one);
        if (w + cw > width)
            break;
        w += cw;
        i += len;
    }
    if (used != NULL)
        *used = w;
    return i;
}

/* s in a cell of width cells, left or right aligned (RIGHT), or left aligned without the
 * padding when it ends the line (LAST); cut (with "…") when too wide */
#define LAST 2
static void
cell(FILE *f, const char *s, size_t width, int right)
{
    size_t w = bill_text_width(s), used, n;

    if (w > width) {
        n = fit(s, width > 0 ? width - 1 : 0, &used);
        fwrite(s, 1, n, f);
        fputs("…", f);
        for (; used + 1 < width && right != LAST; used++)
            fputc(' ', f);
        return;
    }
    if (right == 1)
        for (; w < width; w++)
            fputc(' ', f);
    fputs(s, f);
    if (right == 0)
        for (; w < width; w++)
            fputc(' ', f);
}

static void
spaces(FILE *f, size_t n)
{
    while (n-- > 0)
        fputc(' ', f);
}

/* Word-wrap text (newlines kept) to width cells. Returns a malloc'd array of malloc'd lines
 * (at least one), its length in *n. */
static char **
wrap(const char *text, size_t width, int *n)
{
    char **out = NULL;
    const char *p = text, *nl, *brk;
    size_t len, k, used;
    int cap = 0;

    *n = 0;
    do {
        nl = strchr(p, '\n');
        len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        char *para = xmalloc(len + 1);
        const char *q = para;

        memcpy(para, p, len);
        para[len] = '\0';
        do {
            k = fit(q, width, &used);
            if (q[k] != '\0') {
                /* break at the last space within the fit, if any */
                for (brk = q + k; brk > q && *brk != ' '; brk--)
                    ;
                if (brk > q)
                    k = (size_t)(brk - q);
                if (k == 0) /* a cell narrower than one character: take one anyway */
                    k = q[0] != '\0' ? 1 : 0;
            }
            if (*n == cap) {
                cap = cap ? cap * 2 : 4;
                out = xrealloc(out, (size_t)cap * sizeof *out);
            }
            out[*n] = xmalloc(k + 1);
            memcpy(out[*n], q, k);
            out[*n][k] = '\0';
            (*n)++;
            q += k;
            while (*q == ' ')
                q++;
        } while (*q != '\0');
        free(para);
        p = nl != NULL ? nl + 1 : NULL;
    } while (p != NULL);
    return out;
}

static void
free_lines(char **lines, int n)
{
    int i;

    for (i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

static void
rule(FILE *f, const char *c)
{
    int i;

    for (i = 0; i < WIDTH; i++)
        fputs(c, f);
    fputc('\n', f);
}

int
bill_write_text(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
                struct ccrm_err *err)
{
    /* table columns: pos, description, quantity, unit, unit price, discount, VAT, net: a
     * column of numbers as wide as its widest (450,000,000 VND a line is never cut), the
     * description what is left of the width, at least 16 */
    static const size_t cw0[8] = {3, 29, 7, 8, 11, 6, 4, 12};
    size_t cw[8], others = 0, standard = 0;
    struct bill_view v;
    char **dl, hdr[32];
    int i, k, rows, ndl;
    size_t j;

    bill_view_build(d, co, &v);
    memcpy(cw, cw0, sizeof cw);
    for (k = 0; k < 8; k++)
        if (bill_col_number(k) && bill_text_width(bill_col_heads[k]) > cw[k])
            cw[k] = bill_text_width(bill_col_heads[k]);
    for (j = 0; j < d->nlines; j++) {
        struct bill_cells c;
        const char *row[8];

        bill_cells(d, &d->lines[j], &c);
        bill_cells_row(&c, row);
        for (k = 0; k < 8; k++)
            if (bill_col_number(k) && bill_text_width(row[k]) > cw[k])
                cw[k] = bill_text_width(row[k]);
        bill_cells_fini(&c);
    }
    for (k = 0; k < 8; k++)
        if (k != 1) {
            others += cw[k];
            standard += cw0[k];
        }
    /* what the other columns took more than their standard widths, the description gives */
    cw[1] = cw0[1] > others - standard + 16 ? cw0[1] - (others - standard) : 16;

    /* letterhead left, the document's facts right */
    rows = 1 + (v.nseller > v.nmeta ? v.nseller : v.nmeta);
    for (i = 0; i < rows; i++) {
        const char *left = i == 0 ? v.company : i - 1 < v.nseller ? v.seller[i - 1] : "";

        if (i > v.nmeta) { /* nothing on the right: no trailing blanks */
            cell(f, left, RIGHT_COL - 2, LAST);
            fputc('\n', f);
            continue;
        }
        cell(f, left, RIGHT_COL - 2, 0);
        spaces(f, 2);
        if (i == 0) {
            for (j = 0; v.title[j] != '\0' && j < sizeof hdr - 1; j++)
                hdr[j] =
                    (char)(v.title[j] >= 'a' && v.title[j] <= 'z' ? v.title[j] - 32 : v.title[j]);
            hdr[j] = '\0';
            fputs(hdr, f);
        } else if (i - 1 < v.nmeta) {
            cell(f, v.meta[i - 1][0], 15, 0);
            cell(f, v.meta[i - 1][1], WIDTH - RIGHT_COL - 15, LAST);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    if (v.nbuyer > 0) {
        fputs("To:\n", f);
        for (i = 0; i < v.nbuyer; i++) {
            cell(f, v.buyer[i], WIDTH, LAST);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    if (v.subject != NULL) {
        dl = wrap(v.subject, WIDTH, &ndl);
        for (k = 0; k < ndl; k++)
            fprintf(f, "%s\n", dl[k]);
        free_lines(dl, ndl);
        fputc('\n', f);
    }

    /* the lines */
    {
        for (k = 0; k < 8; k++) {
            cell(f, bill_col_heads[k], cw[k], k != 1 && k != 3);
            fputc(k == 7 ? '\n' : ' ', f);
        }
        rule(f, "─");
    }
    for (j = 0; j < d->nlines; j++) {
        struct bill_cells c;
        char *desc;

        bill_cells(d, &d->lines[j], &c);
        desc = c.sku != NULL ? xasprintf("%s (%s)", c.description, c.sku) : xstrdup(c.description);
        dl = wrap(desc, cw[1], &ndl);
        for (k = 0; k < ndl; k++) {
            const char *cells[8] = {k == 0 ? c.pos : "",      dl[k],
                                    k == 0 ? c.quantity : "", k == 0 ? c.unit : "",
                                    k == 0 ? c.price : "",    k == 0 ? c.discount : "",
                                    k == 0 ? c.tax_rate : "", k == 0 ? c.net : ""};
            int m;

            for (m = 0; m < 8; m++) {
                if (k > 0 && m > 1) /* a description's further lines: no trailing blanks */
                    break;
                cell(f, cells[m], cw[m], k > 0 && m == 1 ? LAST : m != 1 && m != 3);
                if (m < 7 && !(k > 0 && m == 1))
                    fputc(' ', f);
            }
            fputc('\n', f);
        }
        free_lines(dl, ndl);
        free(desc);
        bill_cells_fini(&c);
    }
    rule(f, "─");

    /* totals, right-aligned: labels in 34 cells, amounts in 16, both wider when one of them
     * is (a total is never cut, as a line's net is not), the block moving left to make room */
    {
        size_t lw = 34, aw = 16, tw, at;

        for (i = 0; i < v.ntotals; i++) {
            if (bill_text_width(v.totals[i][0]) + 1 > lw)
                lw = bill_text_width(v.totals[i][0]) + 1;
            if (bill_text_width(v.totals[i][1]) > aw)
                aw = bill_text_width(v.totals[i][1]);
        }
        tw = lw + aw;
        at = tw < WIDTH ? WIDTH - tw : 0;
        for (i = 0; i < v.ntotals; i++) {
            spaces(f, at);
            cell(f, v.totals[i][0], lw, 0); /* the amount after it is right-aligned */
            cell(f, v.totals[i][1], aw, 1);
            fputc('\n', f);
            if (v.strong[i] && i + 1 < v.ntotals) {
                spaces(f, at);
                for (j = 0; j < tw; j++)
                    fputs("═", f);
                fputc('\n', f);
            }
        }
    }
    fputc('\n', f);
    if (v.notes != NULL) {
        dl = wrap(v.notes, WIDTH, &ndl);
        for (k = 0; k < ndl; k++)
            fprintf(f, "%s\n", dl[k]);
        free_lines(dl, ndl);
        fputc('\n', f);
    }
    dl = wrap(v.payment, WIDTH, &ndl);
    for (k = 0; k < ndl; k++)
        fprintf(f, "%s\n", dl[k]);
    free_lines(dl, ndl);
    if (v.footer[0] != '\0') {
        fputc('\n', f);
        rule(f, "─");
        dl = wrap(v.footer, WIDTH, &ndl);
        for (k = 0; k < ndl; k++)
            fprintf(f, "%s\n", dl[k]);
        free_lines(dl, ndl);
    }
    bill_view_fini(&v);
    if (ferror(f)) {
        err_set(err, "could not write the document: %s", strerror(errno));
        return -1;
    }
    return 0;
}
