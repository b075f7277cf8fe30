/* Placeholder until src/cli/import.c exists: says clearly that the command is missing.
 * Delete this file when the command is built. */
#include <stdio.h>
#include <sysexits.h>

#include "ccrm/cli.h"

static int
not_yet(const char *what)
{
    fprintf(stderr, "ccrm: %s is not available in this version yet\n", what);
    return EX_UNAVAILABLE;
}


int
cli_import_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return not_yet("--import/--revert");
}
