/* Terminal capability check before curses starts: newterm() would print and exit on its own
 * for a terminal it cannot drive; we want one clear line and a sysexits code instead. term.h
 * defines macros such as "lines", so it stays in this file. */
#include <stdlib.h>
#include <unistd.h>

#include "ui_int.h"
/* after ui_int.h: term.h defines macros named like our fields */
#include <term.h>

/* Can curses drive this terminal? Checked before newterm(), which would exit on its own. */
int
ui_check_terminal(struct ccrm_err *err)
{
    const char *term = getenv("TERM");
    int e = 0;
    char cup[] = "cup";

    if (term == NULL || term[0] == '\0') {
        err_set(err, "could not start the full-screen client: TERM is not set");
        return -1;
    }
    if (setupterm(NULL, STDOUT_FILENO, &e) != OK) {
        err_set(err, "could not start the full-screen client: unknown terminal type \"%s\"", term);
        return -1;
    }
    if (tigetstr(cup) == NULL || tigetstr(cup) == (char *)-1) {
        del_curterm(cur_term);
        err_set(err,
                "could not start the full-screen client: terminal \"%s\" cannot move the "
                "cursor; use the batch commands (ccrm --help)",
                term);
        return -1;
    }
    del_curterm(cur_term);
    return 0;
}
