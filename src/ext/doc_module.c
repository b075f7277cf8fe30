/* ccrm-doc.so: printing (src/billing/pdf.c, ubl.c: cairo, pango, libxml2) and the calendar export
 * (src/cli/ics.c: libical) as one table (src/ext/ext.h). */
#include <stdio.h>

#include "ccrm/billing.h"
#include "ccrm/ics.h"
#include "ext/ext.h"

__attribute__((visibility("default"))) const struct ext_doc ccrm_ext_doc = {
    .head = {EXT_VERSION, sizeof(struct ext_doc)},
    .write_pdf = bill_write_pdf,
    .pdf_shutdown = bill_pdf_shutdown,
    .write_ubl = bill_write_ubl,
    .ics_render = ics_render,
    .ics_check = ics_check,
};
