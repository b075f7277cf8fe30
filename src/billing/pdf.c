/* A document as an A4 PDF (ccrm --print): cairo draws, pango shapes the text. Pango picks a font
 * for every character through fontconfig (DejaVu for Latin, Greek and Cyrillic, a CJK font such
 * as Droid Sans Fallback for Chinese and Japanese names), shapes Arabic and Indic scripts and
 * lays out right-to-left text, and cairo embeds the glyphs with their Unicode text, so the PDF
 * reads back (pdftotext) as what was printed. Two passes: the first counts the pages ("page 2 of
 * 3"), the second draws. The words come from view.c, as in the text version. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "view.h"

#define PAGE_W 595.28 /* A4 in points */
#define PAGE_H 841.89
#define MARGIN 50.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BOTTOM (PAGE_H - 70.0) /* the footer lives below */
#define FONT "DejaVu Sans"

/* the table: pos, description, quantity, unit, unit price, discount, VAT, net; the widths
 * the columns start from (a document's own: widths(), wider for long numbers) */
static const double col_w0[8] = {22, 201, 42, 48, 62, 34, 30, 56};
static const int col_right[8] = {1, 0, 1, 0, 1, 1, 1, 1};

struct pdf {
    cairo_t *cr;
    PangoContext *ctx; /* one context for every layout: making one per layout costs more than
                        * shaping the text */
    PangoFontDescription *fonts[8];
    double font_size[8];
    int font_bold[8], nfonts;
    int draw;  /* 0: the counting pass */
    int page;  /* the current page, from 1 */
    int pages; /* known in the drawing pass */
    double y;
    double col_w[8]; /* this document's column widths (widths()) */
    const struct bill_view *v;
    double *row_h;       /* each line's height, measured in the counting pass */
    const char *running; /* "Invoice 2026-00001", on the pages after the first */
};

/* The font of a size and weight, made once per document */
static const PangoFontDescription *
font(struct pdf *p, double size, int bold)
{
    PangoFontDescription *fd;
    int i;

    for (i = 0; i < p->nfonts; i++)
        if (p->font_size[i] == size && p->font_bold[i] == bold)
            return p->fonts[i];
    fd = pango_font_description_from_string(FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    if (p->nfonts == (int)(sizeof p->fonts / sizeof p->fonts[0])) {
        pango_font_description_free(p->fonts[0]); /* not reached: the renderer uses fewer */
        p->nfonts = 0;
    }
    p->fonts[p->nfonts] = fd;
    p->font_size[p->nfonts] = size;
    p->font_bold[p->nfonts] = bold;
    p->nfonts++;
    return fd;
}

static PangoLayout *
layout(struct pdf *p, const char *text, double size, int bold, double width, PangoAlignment align)
{
    PangoLayout *l = pango_layout_new(p->ctx);

    pango_layout_set_font_description(l, font(p, size, bold));
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        /* numbers (right-aligned) are never broken: a too long one runs left instead */
        pango_layout_set_wrap(l,
                              align == PANGO_ALIGN_RIGHT ? PANGO_WRAP_WORD : PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, text, -1);
    return l;
}

static double
height_of(PangoLayout *l)
{
    int w, h;

    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

/* Draw text at (x, y) in a box of width (0: unbounded); returns its height. */
static double
text(struct pdf *p, double x, double y, const char *s, double size, int bold, double width,
     PangoAlignment align, double grey)
{
    PangoLayout *l = layout(p, s, size, bold, width, align);
    double h = height_of(l);

    if (p->draw) {
        cairo_set_source_rgb(p->cr, grey, grey, grey);
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, l);
    }
    g_object_unref(l);
    return h;
}

static void
hline(struct pdf *p, double y, double width)
{
    if (!p->draw)
        return;
    cairo_set_source_rgb(p->cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, MARGIN, y);
    cairo_line_to(p->cr, PAGE_W - MARGIN, y);
    cairo_stroke(p->cr);
}

static void
footer(struct pdf *p)
{
    char pg[64];

    hline(p, PAGE_H - 58, 0.4);
    text(p, MARGIN, PAGE_H - 52, p->v->footer, 7, 0, CONTENT_W - 70, PANGO_ALIGN_LEFT, 0.35);
    if (p->pages > 0)
        snprintf(pg, sizeof pg, "Page %d of %d", p->page, p->pages);
    else
        snprintf(pg, sizeof pg, "Page %d", p->page);
    text(p, PAGE_W - MARGIN - 70, PAGE_H - 52, pg, 7, 0, 70, PANGO_ALIGN_RIGHT, 0.35);
}

static void
table_head(struct pdf *p)
{
    double x = MARGIN;
    int i;

    for (i = 0; i < 8; i++) {
        text(p, x + (i == 3 ? 5 : 0), p->y, bill_col_heads[i], 8, 1, p->col_w[i] - (i == 3 ? 9 : 4),
             col_right[i] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT, 0);
        x += p->col_w[i];
    }
    p->y += 13;
    hline(p, p->y, 0.6);
    p->y += 4;
}

/* End this page and start the next one, with the running header and the table's head. */
static void
next_page(struct pdf *p, int with_table)
{
    footer(p);
    if (p->draw)
        cairo_show_page(p->cr);
    p->page++;
    p->y = MARGIN;
    text(p, MARGIN, p->y, p->running, 8, 0, CONTENT_W, PANGO_ALIGN_LEFT, 0.35);
    p->y += 22;
    if (with_table)
        table_head(p);
}

/* Make room for h points (a new page when they do not fit). */
static void
need(struct pdf *p, double h, int with_table)
{
    if (p->y + h > BOTTOM)
        next_page(p, with_table);
}

static void
watermark(struct pdf *p)
{
    PangoLayout *l;

    if (!p->draw)
        return;
    l = layout(p, "DRAFT", 110, 1, 0, PANGO_ALIGN_LEFT);
    cairo_save(p->cr);
    cairo_translate(p->cr, PAGE_W / 2, PAGE_H / 2);
    cairo_rotate(p->cr, -0.9);
    cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
    cairo_move_to(p->cr, -180, -70);
    pango_cairo_show_layout(p->cr, l);
    cairo_restore(p->cr);
    g_object_unref(l);
}

/* The width s takes in points at size and weight. */
static double
width_of(struct pdf *p, const char *s, double size, int bold)
{
    PangoLayout *l = layout(p, s, size, bold, 0, PANGO_ALIGN_LEFT);
    int w, h;

    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    return (double)w / PANGO_SCALE;
}

/* The columns of d's table: a number is never cut or run into its neighbour (450,000,000 VND
 * a line), so a column of numbers is as wide as its widest; the description takes what is
 * left, and at least a third of the table. */
static void
widths(struct pdf *p, const struct bill_doc *d)
{
    double others = 0;
    size_t j;
    int i;

    memcpy(p->col_w, col_w0, sizeof p->col_w);
    for (i = 0; i < 8; i++)
        if (bill_col_number(i))
            p->col_w[i] = MAX(p->col_w[i], width_of(p, bill_col_heads[i], 8, 1) + 6);
    for (j = 0; j < d->nlines; j++) {
        struct bill_cells c;
        const char *row[8];

        bill_cells(d, &d->lines[j], &c);
        bill_cells_row(&c, row);
        for (i = 0; i < 8; i++)
            if (bill_col_number(i))
                p->col_w[i] = MAX(p->col_w[i], width_of(p, row[i], 8.5, 0) + 6);
        bill_cells_fini(&c);
    }
    for (i = 0; i < 8; i++)
        if (i != 1)
            others += p->col_w[i];
    p->col_w[1] = MAX(CONTENT_W - others, CONTENT_W / 3);
}

/* The room a line has on a page of its own: below the running header and the table's head
 * (next_page), above the footer, less the row's padding. */
#define ROW_ROOM (BOTTOM - (MARGIN + 22 + 17) - 4)

/* A line whose description is taller than a page: its text is cut between its lines into
 * pieces that fit, the first with the line's other cells (and its SKU), the others alone
 * under the table's head of the next pages. Drawn whole, a 10,000-character description ran
 * off the paper and the text beyond the page was lost. The same in both passes. */
static void
long_row(struct pdf *p, const char *const *cells, const char *sku)
{
    const char *desc = cells[1];
    double w = p->col_w[1] - 6;
    PangoLayout *dl = layout(p, desc, 8.5, 0, w, PANGO_ALIGN_LEFT);
    double sku_h = 0;
    int n = pango_layout_get_line_count(dl), k = 0, first = 1, i;

    if (sku != NULL) {
        PangoLayout *sl = layout(p, sku, 7, 0, w, PANGO_ALIGN_LEFT);

        sku_h = height_of(sl);
        g_object_unref(sl);
    }
    while (k < n) {
        double room = BOTTOM - p->y - 4 - (first ? sku_h : 0), used = 0, x = MARGIN;
        int e = k, from, to;
        char *piece;

        if (room < 60) { /* hardly a line left here: the piece starts on the next page */
            next_page(p, 1);
            room = BOTTOM - p->y - 4 - (first ? sku_h : 0);
        }
        while (e < n) {
            PangoRectangle ink, log;

            pango_layout_line_get_extents(pango_layout_get_line_readonly(dl, e), &ink, &log);
            if (used + (double)log.height / PANGO_SCALE > room && e > k)
                break;
            used += (double)log.height / PANGO_SCALE;
            e++;
        }
        from = pango_layout_get_line_readonly(dl, k)->start_index;
        to = e < n ? pango_layout_get_line_readonly(dl, e)->start_index : (int)strlen(desc);
        piece = g_strndup(desc + from, (gsize)(to - from));
        for (i = 0; i < 8 && p->draw; i++) {
            const char *s = i == 1 ? piece : first ? cells[i] : "";

            text(p, x + (i == 3 ? 5 : 0), p->y, s, 8.5, 0,
                 p->col_w[i] - (i == 1   ? 6
                                : i == 3 ? 9
                                         : 4),
                 col_right[i] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT, 0);
            if (i == 1 && first && sku != NULL)
                text(p, x, p->y + used, sku, 7, 0, w, PANGO_ALIGN_LEFT, 0.45);
            x += p->col_w[i];
        }
        g_free(piece);
        p->y += used + (first ? sku_h : 0) + 4;
        first = 0;
        k = e;
        if (k < n)
            next_page(p, 1);
    }
    g_object_unref(dl);
}

static void
render(struct pdf *p, const struct bill_doc *d)
{
    const struct bill_view *v = p->v;
    double y0, yl, yr, x, h;
    size_t j;
    int i;

    p->page = 1;
    p->y = MARGIN;
    if (d->kind != BILL_QUOTE && d->number == NULL)
        watermark(p);

    /* letterhead left; title and facts right */
    yl = p->y;
    yl += text(p, MARGIN, yl, v->company, 13, 1, 280, PANGO_ALIGN_LEFT, 0);
    for (i = 0; i < v->nseller; i++)
        yl += text(p, MARGIN, yl, v->seller[i], 8, 0, 280, PANGO_ALIGN_LEFT, 0.3);
    yr = p->y;
    yr += text(p, PAGE_W - MARGIN - 200, yr, v->title, 18, 1, 200, PANGO_ALIGN_RIGHT, 0) + 6;
    for (i = 0; i < v->nmeta; i++) {
        h = text(p, PAGE_W - MARGIN - 200, yr, v->meta[i][0], 8.5, 0, 85, PANGO_ALIGN_LEFT, 0.3);
        h = MAX(h, text(p, PAGE_W - MARGIN - 115, yr, v->meta[i][1], 8.5, 1, 115, PANGO_ALIGN_RIGHT,
                        0));
        yr += h + 1;
    }
    p->y = MAX(yl, yr) + 24;

    /* the buyer */
    if (v->nbuyer > 0) {
        p->y += text(p, MARGIN, p->y, "To", 7.5, 0, 0, PANGO_ALIGN_LEFT, 0.45) + 2;
        for (i = 0; i < v->nbuyer; i++)
            p->y += text(p, MARGIN, p->y, v->buyer[i], i == 0 ? 10 : 9.5, i == 0, 300,
                         PANGO_ALIGN_LEFT, 0);
        p->y += 18;
    }
    if (v->subject != NULL)
        p->y += text(p, MARGIN, p->y, v->subject, 11, 1, CONTENT_W, PANGO_ALIGN_LEFT, 0) + 10;

    /* the lines */
    need(p, 40, 0);
    table_head(p);
    for (j = 0; j < d->nlines; j++) {
        struct bill_cells c;
        const char *cells[8];
        PangoLayout *dl, *sl = NULL;
        double rh;

        bill_cells(d, &d->lines[j], &c);
        cells[0] = c.pos, cells[1] = c.description, cells[2] = c.quantity, cells[3] = c.unit;
        cells[4] = c.price, cells[5] = c.discount, cells[6] = c.tax_rate, cells[7] = c.net;
        if (!p->draw) {
            dl = layout(p, c.description, 8.5, 0, p->col_w[1] - 6, PANGO_ALIGN_LEFT);
            rh = height_of(dl);
            if (c.sku != NULL) {
                sl = layout(p, c.sku, 7, 0, p->col_w[1] - 6, PANGO_ALIGN_LEFT);
                rh += height_of(sl);
            }
            g_object_unref(dl);
            if (sl != NULL)
                g_object_unref(sl);
            /* a long unit wraps in its narrow cell too */
            dl = layout(p, c.unit, 8.5, 0, p->col_w[3] - 9, PANGO_ALIGN_LEFT);
            rh = MAX(rh, height_of(dl));
            g_object_unref(dl);
            p->row_h[j] = rh;
        }
        rh = p->row_h[j];
        if (rh > ROW_ROOM) {
            long_row(p, cells, c.sku);
            bill_cells_fini(&c);
            continue;
        }
        need(p, rh + 4, 1);
        x = MARGIN;
        for (i = 0; i < 8 && p->draw; i++) { /* counting pages needs only the heights */
            /* the unit keeps a little distance from the quantity before it */
            y0 = text(p, x + (i == 3 ? 5 : 0), p->y, cells[i], 8.5, 0,
                      p->col_w[i] - (i == 1   ? 6
                                     : i == 3 ? 9
                                              : 4),
                      col_right[i] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT, 0);
            if (i == 1 && c.sku != NULL)
                text(p, x, p->y + y0, c.sku, 7, 0, p->col_w[1] - 6, PANGO_ALIGN_LEFT, 0.45);
            x += p->col_w[i];
        }
        p->y += rh + 4;
        bill_cells_fini(&c);
    }
    hline(p, p->y, 0.6);
    p->y += 8;

    /* totals */
    need(p, 14.0 * v->ntotals + 10, 0);
    for (i = 0; i < v->ntotals; i++) {
        if (v->strong[i] && i > 0) {
            if (p->draw) {
                cairo_set_source_rgb(p->cr, 0.55, 0.55, 0.55);
                cairo_set_line_width(p->cr, 0.4);
                cairo_move_to(p->cr, PAGE_W - MARGIN - 260, p->y);
                cairo_line_to(p->cr, PAGE_W - MARGIN, p->y);
                cairo_stroke(p->cr);
            }
            p->y += 3;
        }
        h = text(p, PAGE_W - MARGIN - 260, p->y, v->totals[i][0], 9, v->strong[i], 170,
                 PANGO_ALIGN_LEFT, 0);
        text(p, PAGE_W - MARGIN - 90, p->y, v->totals[i][1], 9, v->strong[i], 90, PANGO_ALIGN_RIGHT,
             0);
        p->y += h + 3;
    }
    p->y += 16;

    /* notes and how to pay */
    if (v->notes != NULL) {
        PangoLayout *nl = layout(p, v->notes, 9, 0, CONTENT_W, PANGO_ALIGN_LEFT);

        h = height_of(nl);
        g_object_unref(nl);
        need(p, h, 0);
        p->y += text(p, MARGIN, p->y, v->notes, 9, 0, CONTENT_W, PANGO_ALIGN_LEFT, 0) + 10;
    }
    need(p, 30, 0);
    p->y += text(p, MARGIN, p->y, v->payment, 9.5, 1, CONTENT_W, PANGO_ALIGN_LEFT, 0);
    footer(p);
    if (p->draw)
        cairo_show_page(p->cr);
}

/* cairo's stream: the file and the first write's error (cairo keeps only that one failed) */
struct sink {
    FILE *f;
    int err;
};

static cairo_status_t
write_file(void *closure, const unsigned char *data, unsigned int length)
{
    struct sink *k = closure;

    if (k->err != 0)
        return CAIRO_STATUS_WRITE_ERROR;
    errno = 0;
    if (fwrite(data, 1, length, k->f) == length)
        return CAIRO_STATUS_SUCCESS;
    k->err = errno != 0 ? errno : EIO;
    return CAIRO_STATUS_WRITE_ERROR;
}

int
bill_write_pdf(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
               struct ccrm_err *err)
{
    struct sink k = {f, 0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_file, &k, PAGE_W, PAGE_H);
    struct bill_view v;
    struct pdf p;
    char running[160];
    cairo_status_t st;
    int i;

    bill_view_build(d, co, &v);
    snprintf(running, sizeof running, "%s · %s %s · %s", v.company, v.title,
             d->kind == BILL_QUOTE || d->number == NULL ? "" : d->number,
             v.nbuyer > 0 ? v.buyer[0] : "");
    {
        /* cut where a character ends: a long buyer's name cut inside one made pango and the
         * PDF's metadata refuse the whole document */
        const gchar *end;

        if (!g_utf8_validate(running, -1, &end))
            running[end - running] = '\0';
    }
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, running);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, v.company);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "ccrm");
    memset(&p, 0, sizeof p);
    p.cr = cairo_create(s);
    p.ctx = pango_cairo_create_context(p.cr);
    p.row_h = xcalloc(d->nlines + 1, sizeof *p.row_h);
    p.v = &v;
    p.running = running;
    widths(&p, d); /* once for both passes */
    render(&p, d); /* counting */
    p.pages = p.page;
    p.draw = 1;
    render(&p, d);
    for (i = 0; i < p.nfonts; i++)
        pango_font_description_free(p.fonts[i]);
    g_object_unref(p.ctx);
    free(p.row_h);
    cairo_destroy(p.cr);
    cairo_surface_finish(s);
    st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    bill_view_fini(&v);
    /* cairo does not always pass a failed write on in its status: the stream says, and what
     * stdio still holds must reach the file too (a full disk) */
    if (k.err == 0 && st == CAIRO_STATUS_SUCCESS) {
        errno = 0;
        if (fflush(f) == EOF || ferror(f))
            k.err = errno != 0 ? errno : EIO;
    }
    if (k.err != 0) {
        err_set(err, "could not write the PDF: %s", strerror(k.err));
        return -1;
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        err_set(err, "could not write the PDF: %s", cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

void
bill_pdf_shutdown(void)
{
    /* pango's font map holds fontconfig's patterns. Neither cairo_debug_reset_static_data()
     * nor FcFini(): each asserts that nothing of it is alive any more, and a scaled font that
     * a cache lets go of later made `ccrm --print` abort (exit 134) now and then. What cairo
     * and fontconfig keep is reachable from their globals: not a leak. */
    pango_cairo_font_map_set_default(NULL);
}
