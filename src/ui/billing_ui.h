/* The back office's actions in the client (src/ui/billing.c): the action table
 * (src/ui/commands.c) runs them; each acts on the record selected or shown. */
#ifndef CCRM_UI_BILLING_H
#define CCRM_UI_BILLING_H

#include "ccrm/cmd.h"
#include "ui_int.h"

void bill_run_quote(struct app *app, const struct action *a, const char *arg);
void bill_run_line(struct app *app, const struct action *a, const char *arg);
void bill_run_line_edit(struct app *app, const struct action *a, const char *arg);
void bill_run_status(struct app *app, const struct action *a, const char *arg);
void bill_run_revise(struct app *app, const struct action *a, const char *arg);
void bill_run_draft(struct app *app, const struct action *a, const char *arg);
void bill_run_issue(struct app *app, const struct action *a, const char *arg);
void bill_run_payment(struct app *app, const struct action *a, const char *arg);
void bill_run_print(struct app *app, const struct action *a, const char *arg);
void bill_run_send(struct app *app, const struct action *a, const char *arg);

/* At the client's end: give back what printing a PDF loaded (font caches), if it did. */
void bill_ui_fini(void);

#endif
