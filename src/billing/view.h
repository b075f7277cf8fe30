/* Private to src/billing/: the words of a printed document (view.c), shared by the text and the
 * PDF renderer. Every string is malloc'd, cleaned of control characters and owned by the view. */
#ifndef CCRM_BILLING_VIEW_H
#define CCRM_BILLING_VIEW_H

#include <inttypes.h>

#include "ccrm/billing.h"

#define BILL_VIEW_MAX 12

struct bill_view {
    char title[32];              /* "Invoice", "Draft invoice", "Credit note", "Quote" */
    char *company;               /* the company's name ("" when not configured) */
    char *seller[BILL_VIEW_MAX]; /* its address and contact lines */
    int nseller;
    char *meta[BILL_VIEW_MAX][2]; /* label, value: number, dates, references */
    int nmeta;
    char *buyer[BILL_VIEW_MAX]; /* the address block */
    int nbuyer;
    char *subject;                  /* a quote's title, or NULL */
    char *notes;                    /* with newlines, or NULL */
    char *totals[BILL_VIEW_MAX][2]; /* label, amount */
    int strong[BILL_VIEW_MAX];      /* printed in bold: the totals that count */
    int ntotals;
    char *payment; /* how to pay, or what the document is */
    char *footer;  /* the legal line at the bottom of every page */
};

struct bill_cells {
    char *pos, *description, *quantity, *unit, *price, *discount, *tax_rate, *net;
    char *sku; /* NULL for a free-text line */
};

void bill_view_build(const struct bill_doc *d, const struct ccrm_company *co, struct bill_view *v);
void bill_view_fini(struct bill_view *v);
void bill_cells(const struct bill_doc *d, const struct bill_line *l, struct bill_cells *c);
void bill_cells_fini(struct bill_cells *c);
/* The table's columns: their heads, and a line's cells in the same order (pos, description,
 * quantity, unit, unit price, discount, VAT, net); every one but description and unit is a
 * number (bill_col_number). */
extern const char *const bill_col_heads[8];
void bill_cells_row(const struct bill_cells *c, const char *row[8]);
#define bill_col_number(i) ((i) != 1 && (i) != 3)

#endif
