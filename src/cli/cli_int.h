/* Private to the batch commands (src/cli/, and main.c): their options, a file written whole
 * for --output, and standard output's reader that went away. */
#ifndef CCRM_CLI_INT_H
#define CCRM_CLI_INT_H

#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ccrm/err.h"

/* The long options of each command, the very tables their cli_getopt() reads: main() reads the
 * command line with all of them (src/main.c) to find which command it names and which words
 * are values, so an option added to a command is known there too. Marketing's commands have a
 * table each, and one for the options all of them take (a NULL-terminated list). */
extern const struct option cli_admin_options[];            /* --add-user, --share, ... (admin.c) */
extern const struct option cli_billing_options[];          /* --print, --issue, ... (billing.c) */
extern const struct option cli_export_options[];           /* --export (export.c) */
extern const struct option cli_feed_options[];             /* --feed (feed.c) */
extern const struct option cli_import_options[];           /* --import, --revert, --batches */
extern const struct option cli_log_options[];              /* --log (log.c) */
extern const struct option cli_mail_options[];             /* --mail-in, --send-mail, --reply */
extern const struct option cli_mail_import_options[];      /* --import-mail (mail_import.c) */
extern const struct option cli_service_options[];          /* --who, --agenda, --ics, --tick */
extern const struct option *const cli_marketing_options[]; /* --report, --unmerge, ... */

/* Set by main() before a command reads its options: every long option of every command (as
 * above, each once) and the names among them that choose a command or a mode ("agenda",
 * "migrate"), both NULL-terminated. An option of another command is then refused as such
 * ("ccrm: --view cannot be used with --agenda"), not as unknown. */
void cli_options_known(const struct option *every, const char *const *commands);

/* A file being written for --output. A regular file (also one a symbolic link points to, or a
 * new one) is written to a temporary file beside it and renamed over it at the end, so no
 * reader sees half of it and a failure leaves what was there; a file that was there keeps its
 * mode and, where we may, its owner; one the caller may not write (chmod 444) is refused, as
 * the shell's > refuses it. Anything else (a FIFO, a device, /dev/stdout, a file under /dev
 * or /proc) is written in place: renaming would replace it with a regular file. */
struct cli_out {
    FILE *f;
    char *path; /* the file written (a symbolic link's target) */
    char *tmp;  /* renamed to path by cli_out_close(); NULL when written in place */
};

/* Open path for writing; a new file gets new_mode less the umask. Returns 0, or -1 with err
 * set ("could not write ...: Permission denied"). */
int cli_out_open(struct cli_out *o, const char *path, mode_t new_mode, struct ccrm_err *err);
/* A text given on the command line as forms and imports take it (value.c: no control
 * characters, C1 ones such as CSI included, no bidirectional overrides; the field's length):
 * the rule of table's column in the registry, else one line (or lines) of at most maxlen
 * characters (0: any). Returns 0, or -1 after one line naming flag. */
int cli_text_ok(const char *flag, const char *table, const char *column, int multiline, int maxlen,
                const char *s);
/* Why renaming a file into path would fail, as an errno (0: it would not): a name too long for
 * its file system, or a file of another user in a sticky directory. st: the file's, or NULL. */
int cli_rename_refused(const char *path, const struct stat *st);

/* Open the --rejects file of an import of input (NULL: standard input) with cli_out_open().
 * Returns 0, or an exit code after saying why on standard error: EX_USAGE when it names the
 * file being imported (it would replace it), EX_CANTCREAT when it cannot be written (a
 * directory, a directory that does not exist, a file the caller may not write). */
int cli_rejects_open(struct cli_out *o, const char *rejects, const char *input);

/* Finish the file: with ok, flush it, sync and rename a temporary file into place; without,
 * or when that fails, remove the temporary file. Returns 0, or -1 (with err set when ok was
 * given and writing failed: "could not write ...: No space left on device"). */
int cli_out_close(struct cli_out *o, int ok, struct ccrm_err *err);

/* Did the reader of the pipe or socket behind f go away (| head)? A write then failed with
 * EPIPE, which is no failure of ours (ccrm(1), EXIT STATUS). */
int cli_reader_gone(FILE *f);

/* After --help or --version: exit 0, or 74 after one line when standard output did not get
 * it (a full disk); a reader that went away is no failure. */
_Noreturn void cli_exit_printed(void);

#endif
