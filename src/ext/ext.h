/* The two loadable modules of ccrm (src/ext/): what they export and how the binary finds them.
 *
 * GMime, libxml2, libical, cairo and pango (and what they pull in: GLib, ICU, fontconfig,
 * harfbuzz, X11's client libraries, gpgme: about 60 shared libraries) are needed by mail, by
 * printing and by the calendar export only, but every process of a binary linked with them loads
 * them and resolves all their symbols at start (Debian builds them with BIND_NOW): 15 ms of
 * start-up and 9 MB of RSS for every client and every `--mail-in`. So that code is built into two
 * modules, ccrm-mail.so (GMime, libxml2's HTML parser) and ccrm-doc.so (cairo and pango, libxml2's
 * writer, libical), loaded with dlopen() the first time one of their functions is called.
 * ccrm-mail.so opens libical itself when a mail is an invitation (src/mail/parse.c). The
 * functions keep their names and prototypes (include/ccrm/mail.h, billing.h, ics.h): the binary
 * defines them as forwarders (src/ext/load.c); the unit tests link the real ones directly.
 *
 * Each module exports one table, checked by its version and size. The module holds its own
 * copy of the small utilities it uses (err_set, xmalloc: no state) and exports nothing else. */
#ifndef CCRM_EXT_H
#define CCRM_EXT_H

#include <stddef.h>
#include <stdio.h>

struct ccrm_company;
struct ccrm_err;
struct bill_doc;
struct ics_item;
struct mail_msg;
struct mail_out;
struct mail_parse_opts;

#define EXT_VERSION 1

/* the start of every table */
struct ext_head {
    unsigned version; /* EXT_VERSION when it was built */
    size_t size;      /* the size of the whole table when it was built */
};

struct ext_mail {
    struct ext_head head;
    void (*init)(void);
    void (*shutdown)(void);
    struct mail_msg *(*parse)(char *buf, size_t n, const struct mail_parse_opts *o,
                              struct ccrm_err *err);
    void (*msg_free)(struct mail_msg **mp);
    char *(*compose)(const struct mail_out *o, size_t *len, struct ccrm_err *err);
    int (*addresses_check)(const char *text, const char *what, struct ccrm_err *err);
};

struct ext_doc {
    struct ext_head head;
    int (*write_pdf)(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
                     struct ccrm_err *err);
    void (*pdf_shutdown)(void);
    int (*write_ubl)(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
                     struct ccrm_err *err);
    char *(*ics_render)(const struct ics_item *items, int n, const char *calname,
                        struct ccrm_err *err);
    int (*ics_check)(const char *text, int *events, int *todos);
};

/* the exported symbols */
#define EXT_MAIL_SYMBOL "ccrm_ext_mail"
#define EXT_DOC_SYMBOL "ccrm_ext_doc"

#endif
