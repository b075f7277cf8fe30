/* Configuration: built-in defaults < /etc/ccrm/ccrm.ini < $XDG_CONFIG_HOME/ccrm/ccrm.ini
 * < -c FILE < command-line flags (docs/design.md §8, docs/config.md). Read with iniparser; every
 * value is copied into struct ccrm_config, so the dictionary never outlives config_load(). No
 * libpq, no curses. */
#ifndef CCRM_CONFIG_H
#define CCRM_CONFIG_H

#include "ccrm/err.h"

enum config_color { CONFIG_COLOR_AUTO, CONFIG_COLOR_ALWAYS, CONFIG_COLOR_NEVER };

/* [company]: the letterhead of quotes and invoices and the seller of e-invoices (docs/config.md).
 * Every field is NULL when not set. */
struct ccrm_company {
    char *name;     /* legal name (EN 16931 BT-27) */
    char *address1; /* street and number, and up to two more address lines */
    char *address2;
    char *address3;
    char *postcode;
    char *city;
    char *country;      /* ISO 3166-1 alpha-2, upper case */
    char *vat_id;       /* VAT identifier (BT-31), e.g. DE123456789 */
    char *tax_id;       /* national tax number (BT-32), optional */
    char *registration; /* commercial register entry, e.g. "Amtsgericht Berlin HRB 12345" */
    char *email;
    char *phone;
    char *website;
    char *bank; /* the bank's name */
    char *iban; /* spaces removed, upper case, checksum checked */
    char *bic;
};

struct ccrm_config {
    char *conninfo;           /* [database] conninfo; NULL = not configured */
    int statement_timeout_ms; /* [database] statement_timeout_ms, default 5000, 0 = none */
    int connect_timeout_s;    /* [database] connect_timeout, default 5 */
    char *data_dir;           /* [local] data_dir, default $XDG_DATA_HOME/ccrm */
    char *state_dir;          /* [local] state_dir, default $XDG_STATE_HOME/ccrm */
    char *start_view;         /* [ui] start_view: NULL = by department */
    enum config_color color;  /* [ui] color = auto|always|never; NO_COLOR forces never */
    int page_size;            /* [ui] page_size rows fetched per page, default 200, 20..2000 */
    char *sendmail;           /* [mail] sendmail: command that sends, "/usr/sbin/sendmail -t -oi" */
    int attachment_max;       /* [mail] attachment_max: bytes of an attachment kept (10 MiB) */
    int message_max;          /* [mail] message_max: the largest mail accepted (64 MiB) */
    int connection_limit;     /* [users] connection_limit of a new login, default 10, 1..1000 */
    int migrate_wait_s;       /* [database] migrate_wait: seconds --migrate waits, default 60 */
    struct ccrm_company company; /* [company] */
    char *replica_conninfo;      /* [database] replica_conninfo: a streaming replica for reports
                                  * (ccrm --report); NULL = read reports from the primary */
    char **loaded;               /* files that were read, in order (NULL-terminated) */
};

/* Fill cfg with built-in defaults (environment included: XDG dirs, NO_COLOR). */
void config_defaults(struct ccrm_config *cfg);

/* Layer one INI file onto cfg. A missing file is an error only when required is non-zero.
 * Unknown sections/keys and bad values are errors naming the file and the key
 * ("FILE: [ui] color: expected auto, always or never, got \"blue\""). Returns 0 or -1. */
int config_load_file(struct ccrm_config *cfg, const char *path, int required, struct ccrm_err *err);

/* Defaults, then /etc/ccrm/ccrm.ini (or $CCRM_SYSCONFDIR/ccrm.ini when set, for tests), then
 * the XDG user file, then explicit (may be NULL; must exist when given). Returns 0 or -1. */
int config_load(struct ccrm_config *cfg, const char *explicit_file, struct ccrm_err *err);

/* Free everything config_load/config_defaults allocated; cfg may be reused after. */
void config_fini(struct ccrm_config *cfg);

/* Is name one of the views (feed, leads, accounts, contacts, deals, tickets, campaigns, inbox,
 * dashboard)? */
int config_view_known(const char *name);

#endif
