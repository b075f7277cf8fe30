/* Mailing a quote or an invoice (docs/billing.md, "Sending a document"): what `:send` in the
 * client and `ccrm --send` share. The document is rendered here, in memory, as the customer
 * gets it (the PDF; for an issued invoice or credit note also its UBL e-invoice), and handed
 * with its bytes to ccrm_billing_send(), which decides the rest in the database (the address,
 * the queue, the subject, the timeline entry, a draft quote becoming sent) and commits the mail
 * to the outbox. Sending it is the outbox's: the caller runs its sender for the mail's id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/billing.h"
#include "ccrm/util.h"

typedef int (*render_fn)(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
                         struct ccrm_err *err);

/* The document rendered by fn into memory (malloc'd, length in *n), or NULL with err. */
static char *
render(render_fn fn, const struct bill_doc *d, const struct ccrm_company *co, size_t *n,
       struct ccrm_err *err)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, n);
    int rc;

    if (f == NULL) {
        err_set(err, "could not render the document: %s", strerror(errno));
        return NULL;
    }
    rc = fn(d, co, f, err);
    if (fclose(f) != 0 && rc == 0) {
        err_set(err, "could not render the document: %s", strerror(errno));
        rc = -1;
    }
    if (rc == -1) {
        free(buf);
        return NULL;
    }
    return buf;
}

int64_t
bill_send(struct db *db, const struct ccrm_company *co, const char *what, const char *ref,
          const char *to, const char *queue, char *note, size_t nn, struct ccrm_err *err)
{
    struct bill_doc *d;
    struct bill_file files[2];
    struct ccrm_err uerr;
    char base[96], pdf_name[104], xml_name[104], *pdf, *xml = NULL;
    size_t pdf_len = 0, xml_len = 0;
    int nfiles = 1;
    int64_t mid;

    note[0] = '\0';
    if ((d = db_bill_load(db, what, ref, err)) == NULL)
        return -1;
    if (d->kind == BILL_QUOTE)
        snprintf(base, sizeof base, "quote-%lld", (long long)d->id);
    else if (d->number != NULL)
        snprintf(base, sizeof base, "%s-%s",
                 d->kind == BILL_CREDIT_NOTE ? "credit-note" : "invoice", d->number);
    else
        snprintf(base, sizeof base, "%s-draft-%lld",
                 d->kind == BILL_CREDIT_NOTE ? "credit-note" : "invoice", (long long)d->id);
    if ((pdf = render(bill_write_pdf, d, co, &pdf_len, err)) == NULL) {
        bill_doc_free(&d);
        return -1;
    }
    snprintf(pdf_name, sizeof pdf_name, "%s.pdf", base);
    files[0] = (struct bill_file){pdf_name, "application/pdf", pdf, pdf_len};
    /* the e-invoice of an issued invoice; without it (the letterhead lacks what EN 16931
     * requires, three decimals) the PDF still goes, and the caller is told why */
    if (d->kind != BILL_QUOTE && d->number != NULL) {
        if ((xml = render(bill_write_ubl, d, co, &xml_len, &uerr)) != NULL) {
            snprintf(xml_name, sizeof xml_name, "%s.xml", base);
            files[1] = (struct bill_file){xml_name, "application/xml", xml, xml_len};
            nfiles = 2;
        } else {
            snprintf(note, nn, " (without the e-invoice: %s)", uerr.msg);
        }
    }
    mid = db_bill_send(db, d->kind == BILL_QUOTE ? "quotes" : "invoices", d->id, files, nfiles, to,
                       queue, err);
    free(pdf);
    free(xml);
    bill_doc_free(&d);
    return mid;
}
