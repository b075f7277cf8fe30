/* Batch commands (src/cli/): each parses its own flags and returns a sysexits code. They
 * never include curses. main() hands argv to the command named by its mode flag. */
#ifndef CCRM_CLI_H
#define CCRM_CLI_H

#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/err.h"

/* Open the database the flags and configuration name: conninfo (-d) if not NULL, else
 * [database] conninfo, else libpq's environment (PGHOST, ...), else the private cluster, which
 * is migrated when migrate_private is set. *private_db tells which. NULL with err set. */
struct db *cli_open_db(const char *conninfo, const struct ccrm_config *cfg, int migrate_private,
                       int *private_db, struct ccrm_err *err);

/* Load the configuration for a batch command (-c FILE may be NULL). Prints the error and
 * returns EX_CONFIG on failure, else 0. */
int cli_load_config(struct ccrm_config *cfg, const char *file);

/* The commands: argv is the whole command line (argv[0] = "ccrm"). */
int cli_import_main(int argc, char **argv); /* --import, --revert (src/cli/import.c) */
int cli_export_main(int argc, char **argv); /* --export (src/cli/export.c) */
int cli_admin_main(int argc, char **argv);  /* --add-user, --disable-user, --share, --unshare */
int cli_feed_main(int argc, char **argv);   /* --feed, --log (src/cli/feed.c) */
int cli_mail_main(int argc, char **argv);   /* --mail-in, --send-mail, --reply (src/cli/mail.c) */
int cli_mail_import_main(int argc, char **argv); /* --import-mail (src/cli/mail_import.c) */

#endif
