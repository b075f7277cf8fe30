/* The back office's batch commands (docs/billing.md): --print renders a quote or an invoice as
 * PDF, text or a UBL e-invoice; --send mails it (src/billing/send.c, then the outbox's sender);
 * --issue, --payment, --credit-note and --invoice-from act on invoices. Each is one call into the
 * database, which holds every rule; refusals come back in its words with a sysexits code. No
 * curses. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "ccrm/billing.h"
#include "ccrm/cli.h"
#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "ccrm/value.h"
#include "cli_int.h"
#include "import_int.h"

enum bill_action { BA_NONE, BA_PRINT, BA_ISSUE, BA_PAYMENT, BA_CREDIT, BA_FROM, BA_SEND };
enum bill_format { BF_AUTO, BF_PDF, BF_TEXT, BF_UBL };

struct bill_opts {
    enum bill_action action;
    const char *flag;
    const char *what; /* --print, --send quote|invoice, --invoice-from quote|deal */
    const char *ref;  /* the document */
    const char *output;
    enum bill_format format;
    int format_given;
    const char *date, *amount, *method, *reference, *note, *tax_rate;
    char tax_buf[32];       /* --tax-rate as PostgreSQL reads it (7,7 -> 7.7) */
    const char *to, *queue; /* --send */
    int no_send;
    const char *conninfo, *config;
};

static void
usage(FILE *f)
{
    fputs("usage: ccrm --print quote|invoice N [--output FILE] [--format pdf|text|ubl]\n"
          "       ccrm --send quote|invoice N [--to ADDR] [--queue NAME] [--no-send]\n"
          "       ccrm --issue INVOICE [--date YYYY-MM-DD]\n"
          "       ccrm --payment INVOICE --amount X [--date YYYY-MM-DD]\n"
          "            [--method transfer|direct_debit|card|cash|cheque|other] [--reference TEXT]\n"
          "       ccrm --credit-note INVOICE [--note TEXT]\n"
          "       ccrm --invoice-from quote|deal N [--tax-rate PERCENT]\n"
          "\n"
          "  INVOICE is an invoice's id or number (2026-00001, CN-2026-00001); N an id.\n"
          "  --print writes a PDF, or plain text when FILE ends in .txt, or a UBL 2.1 e-invoice\n"
          "  (EN 16931) when FILE ends in .xml or with --format ubl; the letterhead comes from\n"
          "  [company] in the configuration. Without --output it writes to standard output\n"
          "  (a PDF only when that is not a terminal).\n"
          "  --send mails the PDF (an invoice's with its UBL e-invoice) to the document's\n"
          "  contact, or ADDR, from the billing or sales mail queue (or NAME), through the\n"
          "  outbox: it is sent at once unless --no-send ([mail] sendmail).\n"
          "  --issue gives a draft its number (billing, management, admin); --payment records\n"
          "  a payment (billing); --credit-note drafts a credit note with the invoice's lines;\n"
          "  --invoice-from drafts an invoice from an accepted quote or a won deal (a deal\n"
          "  without an accepted quote needs --tax-rate for its one line).\n"
          "  -d, --db CONNINFO and -c, --config FILE work as for the client.\n",
          f);
}

enum {
    OPT_PRINT = 256,
    OPT_ISSUE,
    OPT_PAYMENT,
    OPT_CREDIT,
    OPT_FROM,
    OPT_OUTPUT,
    OPT_FORMAT,
    OPT_DATE,
    OPT_AMOUNT,
    OPT_METHOD,
    OPT_REFERENCE,
    OPT_NOTE,
    OPT_TAXRATE,
    OPT_SEND,
    OPT_TO,
    OPT_QUEUE,
    OPT_NOSEND
};

/* the options of the billing commands (cli_int.h) */
const struct option cli_billing_options[] = {
    CLI_FLAGS_LONGOPTS,
    {"print", required_argument, NULL, OPT_PRINT},
    {"issue", required_argument, NULL, OPT_ISSUE},
    {"payment", required_argument, NULL, OPT_PAYMENT},
    {"credit-note", required_argument, NULL, OPT_CREDIT},
    {"invoice-from", required_argument, NULL, OPT_FROM},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"date", required_argument, NULL, OPT_DATE},
    {"amount", required_argument, NULL, OPT_AMOUNT},
    {"method", required_argument, NULL, OPT_METHOD},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"note", required_argument, NULL, OPT_NOTE},
    {"tax-rate", required_argument, NULL, OPT_TAXRATE},
    {"send", required_argument, NULL, OPT_SEND},
    {"to", required_argument, NULL, OPT_TO},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"no-send", no_argument, NULL, OPT_NOSEND},
    {NULL, 0, NULL, 0},
};

static int
parse(int argc, char **argv, struct bill_opts *o)
{
    static const char *const formats[] = {"pdf", "text", "ubl", NULL};
    static const char *const methods[] = {"transfer", "direct_debit", "card", "cash",
                                          "cheque",   "other",        NULL};
    struct cli_flags flags = {0};
    int c, k, actions = 0;
    int64_t id;

    memset(o, 0, sizeof *o);
    flags.operands = 1; /* --print quote|invoice N: checked below */
    while ((c = cli_getopt(argc, argv, ":d:c:ho:", cli_billing_options, &flags, usage, 0)) != -1) {
        switch (c) {
        case OPT_PRINT:
        case OPT_SEND:
        case OPT_FROM:
            o->action = c == OPT_PRINT ? BA_PRINT : c == OPT_SEND ? BA_SEND : BA_FROM;
            o->flag = c == OPT_PRINT ? "--print" : c == OPT_SEND ? "--send" : "--invoice-from";
            o->what = optarg;
            actions++;
            break;
        case OPT_ISSUE:
        case OPT_PAYMENT:
        case OPT_CREDIT:
            o->action = c == OPT_ISSUE ? BA_ISSUE : c == OPT_PAYMENT ? BA_PAYMENT : BA_CREDIT;
            o->flag = c == OPT_ISSUE ? "--issue" : c == OPT_PAYMENT ? "--payment" : "--credit-note";
            o->ref = optarg;
            actions++;
            break;
        case 'o':
        case OPT_OUTPUT:
            o->output = optarg;
            break;
        case OPT_FORMAT: /* txt and xml too, as the file names say */
            k = strcmp(optarg, "txt") == 0   ? 1
                : strcmp(optarg, "xml") == 0 ? 2
                                             : cli_choice("--format", optarg, formats);
            if (k == -1)
                return -1;
            o->format = k == 0 ? BF_PDF : k == 1 ? BF_TEXT : BF_UBL;
            o->format_given = 1;
            break;
        case OPT_DATE:
            if (cli_date("--date", optarg) == -1)
                return -1;
            o->date = optarg;
            break;
        case OPT_AMOUNT:
            /* not an amount, or not more than 0, is a mistake in the command (exit 64, as a
             * bad --date): said before the database is asked; the invoice's currency decides
             * the decimals later (db_bill_payment) */
            {
                char amt[40];
                struct value_err ve;
                enum value_amount_why why;
                int decimals;
                long len =
                    value_amount(optarg, strlen(optarg), 7, amt, sizeof amt, &decimals, &why, &ve);

                if (len < 0 && why == VALUE_AMOUNT_BAD) { /* in the forms' words */
                    safe_fprintf(stderr, "ccrm: --amount%s\n", ve.tail);
                    return -1;
                }
                if (len >= 0 && amt[strspn(amt, "0.")] == '\0') {
                    safe_fprintf(stderr, "ccrm: --amount: a payment is more than 0, got \"%s\"\n",
                                 optarg);
                    return -1;
                }
            }
            o->amount = optarg;
            break;
        case OPT_METHOD: /* payments_method_check */
            if (cli_choice("--method", optarg, methods) == -1)
                return -1;
            o->method = optarg;
            break;
        case OPT_REFERENCE:
            o->reference = optarg;
            break;
        case OPT_NOTE:
            o->note = optarg;
            break;
        case OPT_TAXRATE:
            /* a percentage: 19, 7.7 or 7,7, from 0 to 100. Plain decimals only, read here
             * digit by digit: strtod took 0x10, 1e-5, inf and nan, which PostgreSQL's numeric
             * then refused with a syntax error, and it reads the decimal point of LC_NUMERIC */
            {
                int digits = 0, points = 0, whole = 0, fraction = 0;

                for (k = 0; optarg[k] != '\0' && k < (int)sizeof o->tax_buf - 1; k++) {
                    if (isdigit((unsigned char)optarg[k])) {
                        digits++;
                        if (points > 0)
                            fraction |= optarg[k] != '0';
                        else if (whole <= 100) /* (past 100 it only matters that it is) */
                            whole = whole * 10 + (optarg[k] - '0');
                    } else if (optarg[k] == '.' || optarg[k] == ',') {
                        points++;
                    } else {
                        break;
                    }
                    o->tax_buf[k] = optarg[k] == ',' ? '.' : optarg[k];
                }
                o->tax_buf[k] = '\0';
                if (digits == 0 || points > 1 || optarg[k] != '\0' || whole > 100 ||
                    (whole == 100 && fraction)) {
                    safe_fprintf(stderr,
                                 "ccrm: --tax-rate: expected a percentage from 0 to 100 (19 or "
                                 "7.7), got \"%s\"\n",
                                 optarg);
                    return -1;
                }
                o->tax_rate = o->tax_buf;
            }
            break;
        case OPT_TO:
            o->to = optarg;
            break;
        case OPT_QUEUE:
            o->queue = optarg;
            break;
        case OPT_NOSEND:
            o->no_send = 1;
            break;
        default:
            return -1;
        }
    }
    o->conninfo = flags.conninfo;
    o->config = flags.config;
    if (actions != 1) {
        fputs("ccrm: choose one of --print, --send, --issue, --payment, --credit-note, "
              "--invoice-from\n",
              stderr);
        return -1;
    }
    if (o->action == BA_PRINT || o->action == BA_SEND || o->action == BA_FROM) {
        const char *b = o->action == BA_FROM ? "deal" : "invoice";

        if (strcmp(o->what, "quote") != 0 && strcmp(o->what, b) != 0) {
            safe_fprintf(stderr, "ccrm: %s: expected quote or %s, got \"%s\"\n", o->flag, b,
                         o->what);
            return -1;
        }
        if (optind != argc - 1) {
            safe_fprintf(stderr, "ccrm: %s %s: name one %s by its %s\n", o->flag, o->what, o->what,
                         strcmp(o->what, "invoice") == 0 ? "id or number" : "id");
            return -1;
        }
        o->ref = argv[optind];
        if (strcmp(o->what, "invoice") != 0 && cli_id(o->ref, &id) == -1) {
            safe_fprintf(stderr, "ccrm: %s %s: expected a %s's id, got \"%s\"\n", o->flag, o->what,
                         o->what, o->ref);
            return -1;
        }
    } else if (optind < argc) {
        safe_fprintf(stderr, "ccrm: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    if (o->action == BA_PAYMENT && o->amount == NULL) {
        fputs("ccrm: --payment needs --amount\n", stderr);
        return -1;
    }
    if (o->output != NULL && o->action != BA_PRINT) {
        fputs("ccrm: --output goes with --print\n", stderr);
        return -1;
    }
    if ((o->to != NULL || o->queue != NULL || o->no_send) && o->action != BA_SEND) {
        fputs("ccrm: --to, --queue and --no-send go with --send\n", stderr);
        return -1;
    }
    /* an option the command does not take is a mistake to say, not a value to drop (a
     * payment's --note was lost without a word) */
    if ((o->date != NULL && o->action != BA_ISSUE && o->action != BA_PAYMENT) ||
        ((o->amount != NULL || o->method != NULL || o->reference != NULL) &&
         o->action != BA_PAYMENT) ||
        (o->note != NULL && o->action != BA_CREDIT) ||
        (o->tax_rate != NULL && o->action != BA_FROM) ||
        (o->format_given && o->action != BA_PRINT)) {
        safe_fprintf(stderr, "ccrm: %s takes %s\n", o->flag,
                     o->action == BA_ISSUE     ? "--date only"
                     : o->action == BA_PAYMENT ? "--amount, --date, --method and --reference only"
                     : o->action == BA_CREDIT  ? "--note only"
                     : o->action == BA_FROM    ? "--tax-rate only"
                     : o->action == BA_PRINT   ? "--output and --format only"
                                               : "--to, --queue and --no-send only");
        return -1;
    }
    /* what goes to the database is UTF-8 text: a wrong byte is the command line's mistake,
     * said for its option before any database is opened (exit 64, as --log says it), not the
     * server's "invalid byte sequence" as bad data (65) */
    {
        const char *const texts[][2] = {{o->flag, o->ref},
                                        {"--reference", o->reference},
                                        {"--note", o->note},
                                        {"--to", o->to},
                                        {"--queue", o->queue}};
        size_t i, at;

        for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
            if (texts[i][1] != NULL && imp_utf8_check(texts[i][1], strlen(texts[i][1]), &at) != 0) {
                fprintf(stderr, "ccrm: %s: not valid UTF-8 (byte %zu)\n", texts[i][0], at + 1);
                return -1;
            }
    }
    /* an empty document is a value missing, not one the database looks for and does not
     * find ("invoice \"\" not found", exit 65) */
    if (o->ref != NULL && o->ref[strspn(o->ref, " \t")] == '\0') {
        safe_fprintf(stderr, "ccrm: %s: expected an invoice's id or number, got \"%s\"\n", o->flag,
                     o->ref);
        return -1;
    }
    /* free text that goes on the payment or onto the credit note (its PDF, its e-invoice) as
     * forms and imports take it: no control characters (an escape sequence was printed on
     * the credit note as "?[2J"), one line for a reference */
    if ((o->reference != NULL &&
         cli_text_ok("--reference", "payments", "reference", 0, 500, o->reference) == -1) ||
        (o->note != NULL && cli_text_ok("--note", "invoices", "notes", 1, 2000, o->note) == -1))
        return -1;
    if (o->tax_rate != NULL && o->action == BA_FROM && o->what != NULL &&
        strcmp(o->what, "quote") == 0) {
        fputs("ccrm: --invoice-from quote takes no --tax-rate: the quote's lines have theirs\n",
              stderr);
        return -1;
    }
    return 0;
}

/* sysexits code for a failed database call */
static int
exit_code(const struct ccrm_err *err, const struct db *db)
{
    static const char *const data[] = {"22023", "23505", "23503", "23514", "23502", "55000",
                                       "P0002", "22007", "22008", "22P02", "22003"};
    size_t i;

    if (db_state(db) != DB_READY)
        return EX_UNAVAILABLE;
    if (strcmp(err->sqlstate, "42501") == 0)
        return EX_NOPERM;
    for (i = 0; i < sizeof data / sizeof data[0]; i++)
        if (strcmp(err->sqlstate, data[i]) == 0)
            return EX_DATAERR;
    if (strncmp(err->sqlstate, "22", 2) == 0) /* a data exception: what was given (not UTF-8) */
        return EX_DATAERR;
    return EX_SOFTWARE;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Render the document to o->output (through a temporary file renamed at the end, so a failure
 * leaves no half-written document; a FIFO or device in place: src/cli/common.c) or standard
 * output. */
static int
print_doc(struct db *db, const struct bill_opts *o, const struct ccrm_company *co)
{
    enum bill_format fmt = o->format;
    int to_stdout = o->output == NULL || strcmp(o->output, "-") == 0;
    struct cli_out out;
    struct bill_doc *d;
    struct ccrm_err err;
    FILE *f = stdout;
    int rc;

    if (fmt == BF_AUTO)
        fmt = to_stdout                      ? BF_PDF
              : ends_with(o->output, ".txt") ? BF_TEXT
              : ends_with(o->output, ".xml") ? BF_UBL
                                             : BF_PDF;
    if (fmt == BF_PDF && to_stdout && isatty(STDOUT_FILENO)) {
        fputs("ccrm: --print: not writing a PDF to a terminal: give --output FILE, or --format "
              "text\n",
              stderr);
        return EX_USAGE;
    }
    if (fmt == BF_UBL && strcmp(o->what, "quote") == 0) {
        fputs("ccrm: --print: an e-invoice (--format ubl) is made of an issued invoice, not of a "
              "quote\n",
              stderr);
        return EX_USAGE;
    }
    if ((d = db_bill_load(db, o->what, o->ref, &err)) == NULL) {
        safe_fprintf(stderr, "ccrm: could not print %s %s: %s\n", o->what, o->ref, err.msg);
        return exit_code(&err, db);
    }
    if (!to_stdout) {
        if (cli_out_open(&out, o->output, 0666, &err) == -1) {
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
            bill_doc_free(&d);
            return EX_CANTCREAT;
        }
        f = out.f;
    }
    rc = fmt == BF_PDF    ? bill_write_pdf(d, co, f, &err)
         : fmt == BF_TEXT ? bill_write_text(d, co, f, &err)
                          : bill_write_ubl(d, co, f, &err);
    bill_doc_free(&d);
    if (to_stdout) {
        /* a reader that went away (| head) is no failure; a full disk is (main's
         * stdout_checked says so, once) */
        if (fflush(stdout) == EOF || ferror(stdout))
            return cli_reader_gone(stdout) ? 0 : EX_IOERR;
        if (rc == -1)
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return rc == 0 ? 0 : fmt == BF_UBL ? EX_DATAERR : EX_SOFTWARE;
    }
    if (rc == -1) {
        /* the document could not be made (an e-invoice's rules), or not written (a full disk):
         * no file, and what there was stays */
        int write_failed = ferror(f);

        cli_out_close(&out, 0, NULL);
        if (write_failed)
            safe_fprintf(stderr, "ccrm: %s: %s\n", o->output, err.msg);
        else
            safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return write_failed || fmt != BF_UBL ? EX_CANTCREAT : EX_DATAERR;
    }
    if (cli_out_close(&out, 1, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        return EX_CANTCREAT;
    }
    return 0;
}

/* --send: the document's mail committed to the outbox (src/billing/send.c, as :send in the
 * client does), then sent through the outbox's sender unless --no-send. */
static int
send_doc(struct db *db, const struct bill_opts *o, const struct ccrm_config *cfg)
{
    struct mail_send_report rep;
    struct ccrm_err err;
    char note[320];
    int64_t mid;
    int rc = 0;

    mid = bill_send(db, &cfg->company, o->what, o->ref, o->to, o->queue, note, sizeof note, &err);
    bill_pdf_shutdown();
    if (mid < 0) {
        safe_fprintf(stderr, "ccrm: --send %s %s: %s\n", o->what, o->ref, err.msg);
        return exit_code(&err, db);
    }
    safe_fprintf(stdout, "ccrm: mail %lld queued with %s %s%s\n", (long long)mid, o->what, o->ref,
                 note);
    if (o->no_send)
        return 0;
    mail_init();
    if (mail_outbox_send(db, cfg->sendmail, mid, NULL, NULL, &rep, &err) == -1) {
        safe_fprintf(stderr, "ccrm: mail %lld stays queued: %s\n", (long long)mid, err.msg);
        rc = EX_TEMPFAIL;
    } else if (rep.sent == 1) {
        safe_fprintf(stdout, "ccrm: mail %lld sent\n", (long long)mid);
    } else {
        safe_fprintf(stderr,
                     "ccrm: could not send mail %lld yet: %s (it stays in the outbox; ccrm "
                     "--send-mail tries again)\n",
                     (long long)mid, rep.last_error);
        rc = EX_TEMPFAIL;
    }
    mail_shutdown();
    return rc;
}

/* A payment, credit note or draft invoice whose COMMIT's answer was lost (the connection
 * dropped): asked whether it was written before anything is said, so that a script does not run
 * the command again, which would write it twice. made: the new draft's id if it was made.
 * Returns the exit code: 0 when it was written. */
static int
lost_answer(struct db *db, const struct bill_opts *o, const char *xid, const char *made,
            const struct ccrm_err *err)
{
    const char *what = o->action == BA_PAYMENT  ? "payment"
                       : o->action == BA_CREDIT ? "credit note"
                                                : "invoice";
    struct ccrm_err e;

    switch (cli_write_landed(db, xid, &e)) {
    case 1:
        if (o->action == BA_PAYMENT)
            safe_fprintf(stdout,
                         "ccrm: the payment was recorded as the connection dropped (on invoice "
                         "%s): not recorded again\n",
                         o->ref);
        else
            safe_fprintf(stdout,
                         "ccrm: %s #%s (draft) was made as the connection dropped: not made "
                         "again; issue it with ccrm --issue %s\n",
                         what, made, made);
        return 0;
    case 0:
        safe_fprintf(stderr, "ccrm: %s: %s; the %s was not %s: running the command again is safe\n",
                     o->flag, err->msg, what, o->action == BA_PAYMENT ? "recorded" : "made");
        return EX_UNAVAILABLE;
    default:
        safe_fprintf(stderr,
                     "ccrm: %s: %s as it committed: the %s may have been %s, which could not be "
                     "told (%s); look before running the command again\n",
                     o->flag, err->msg, what, o->action == BA_PAYMENT ? "recorded" : "made", e.msg);
        return EX_UNAVAILABLE;
    }
}

int
cli_billing_main(int argc, char **argv)
{
    struct bill_opts o;
    struct ccrm_config cfg;
    struct ccrm_err err;
    struct db *db;
    char msg[512];
    int rc, private_db;

    if (parse(argc, argv, &o) == -1)
        return cli_usage_error();
    if ((rc = cli_load_config(&cfg, o.config)) != 0)
        return rc;
    if ((db = cli_open_db(o.conninfo, &cfg, 1, &private_db, &err)) == NULL ||
        db_schema_check(db, &err) == -1) {
        safe_fprintf(stderr, "ccrm: %s\n", err.msg);
        db_close(&db);
        config_fini(&cfg);
        return EX_UNAVAILABLE;
    }
    switch (o.action) {
    case BA_PRINT:
        rc = print_doc(db, &o, &cfg.company);
        bill_pdf_shutdown();
        break;
    case BA_SEND:
        rc = send_doc(db, &o, &cfg);
        break;
    case BA_ISSUE: /* named by what it is: the new number's series is the user's to choose */
        if ((rc = db_bill_issue(db, o.ref, o.date, msg, sizeof msg, &err)) == 0)
            safe_fprintf(stdout, "ccrm: issued %s %s as %s\n", db_bill_doc_noun(db, msg, NULL, 0),
                         o.ref, msg);
        break;
    case BA_PAYMENT:
        if ((rc = db_bill_payment(db, o.ref, o.amount, o.date, o.method, o.reference, msg,
                                  sizeof msg, &err)) == 0)
            safe_fprintf(stdout, "ccrm: %s\n", msg);
        break;
    case BA_CREDIT:
        if ((rc = db_bill_credit_note(db, o.ref, o.note, msg, sizeof msg, &err)) == 0)
            safe_fprintf(stdout, "ccrm: %s\n", msg);
        break;
    default:
        if ((rc = db_bill_invoice_from(db, o.what, o.ref, o.tax_rate, msg, sizeof msg, &err)) == 0)
            safe_fprintf(stdout, "ccrm: %s\n", msg);
        break;
    }
    if (o.action != BA_PRINT && o.action != BA_SEND && rc == 1) {
        /* written and committed; only the line about it could not be read: a success, or a
         * script that runs the command again on a failure would write it twice */
        safe_fprintf(stdout, "ccrm: %s\n", msg);
        if (o.action == BA_PAYMENT)
            safe_fprintf(stderr,
                         "ccrm: %s: the payment was recorded, but what is still open could not "
                         "be read: %s\n",
                         o.flag, err.msg);
        else
            safe_fprintf(stderr,
                         "ccrm: %s: the draft was made, but its lines and total could not be "
                         "read: %s\n",
                         o.flag, err.msg);
        rc = 0;
    } else if (o.action != BA_PRINT && o.action != BA_SEND && rc == -1) {
        char xid[24];

        db_write_unanswered(db, xid, sizeof xid);
        if (xid[0] != '\0') /* (nothing else runs in between: the write's own id) */
            rc = lost_answer(db, &o, xid, msg, &err);
        else {
            safe_fprintf(stderr, "ccrm: %s: %s\n", o.flag, err.msg);
            rc = exit_code(&err, db);
        }
    }
    db_close(&db);
    config_fini(&cfg);
    return rc;
}
