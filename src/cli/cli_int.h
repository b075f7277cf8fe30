/* Private to the batch commands (src/cli/, and main.c): a file written whole for --output, and
 * standard output's reader that went away. */
#ifndef CCRM_CLI_INT_H
#define CCRM_CLI_INT_H

#include <stdio.h>
#include <sys/types.h>

#include "ccrm/err.h"

/* A file being written for --output. A regular file (also one a symbolic link points to, or a
 * new one) is written to a temporary file beside it and renamed over it at the end, so no
 * reader sees half of it and a failure leaves what was there; a file that was there keeps its
 * mode and, where we may, its owner. Anything else (a FIFO, a device, /dev/stdout, a file
 * under /dev or /proc) is written in place: renaming would replace it with a regular file. */
struct cli_out {
    FILE *f;
    char *path; /* the file written (a symbolic link's target) */
    char *tmp;  /* renamed to path by cli_out_close(); NULL when written in place */
};

/* Open path for writing; a new file gets new_mode less the umask. Returns 0, or -1 with err
 * set ("could not write ...: Permission denied"). */
int cli_out_open(struct cli_out *o, const char *path, mode_t new_mode, struct ccrm_err *err);

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
