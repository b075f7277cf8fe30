/* libFuzzer target for src/cmd/parse.c: any bytes as a `:` line, parsed and completed at every
 * cursor position. Built and run by tests/fuzz/run_cmd.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parser reads the action table, which the full-screen client defines with the functions
 * that run each action (src/ui/commands.c); the fuzzer is built without the client, so it has
 * a table of its own: every kind of argument and completion, nothing to run. */
const struct action cmd_actions[] = {
    {.name = "open",
     .kind = CMD_OPEN,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_ACCOUNTS,
     .help = "-"},
    {.name = "find",
     .kind = CMD_FIND,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_ACCOUNTS,
     .help = "-"},
    {.name = "view",
     .kind = CMD_VIEW,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_VIEWS,
     .help = "-"},
    {.key = 'C', .help = "-"},
    {.name = "new",
     .key = 'n',
     .kind = CMD_NEW,
     .arg = CMD_ARG_OPTIONAL,
     .complete = CMPL_NEW,
     .help = "-"},
    {.name = "edit", .key = 'e', .kind = CMD_EDIT, .help = "-"},
    {.name = "comment", .kind = CMD_COMMENT, .arg = CMD_ARG_REQUIRED, .help = "-"},
    {.name = "assign",
     .kind = CMD_ASSIGN,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_PEOPLE,
     .help = "-"},
    {.name = "handoff",
     .kind = CMD_HANDOFF,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_PEOPLE,
     .help = "-"},
    {.name = "history", .kind = CMD_HISTORY, .help = "-"},
    {.name = "filter", .kind = CMD_FILTER, .arg = CMD_ARG_REQUIRED, .help = "-"},
    {.name = "sort",
     .kind = CMD_SORT,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMPL_SORTS,
     .help = "-"},
    {.name = "export", .kind = CMD_EXPORT, .arg = CMD_ARG_REQUIRED, .help = "-"},
    {.name = "help", .kind = CMD_HELP, .help = "-"},
    {.name = "quit", .kind = CMD_QUIT, .help = "-"},
    {.name = NULL, .key = 0},
};

static void
names(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx, void *ctx)
{
    (void)kind;
    (void)ctx;
    add("Atlas Corp", actx);
    add("Ätna Größe", actx);
    add(prefix, actx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sorts[] = {"name", "updated", NULL};
    struct cmd_complete_src src = {sorts, names, NULL, 0};
    struct cmd_completion c;
    struct ccrm_err err;
    struct cmd cmd;
    char *line;
    size_t cur;

    if (size > 4096)
        return 0;
    line = malloc(size + 1);
    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    if (cmd_parse(line, &cmd, &err) == 0 && strlen(cmd.arg) >= sizeof cmd.arg)
        abort();
    for (cur = 0; cur <= size; cur += 1 + size / 16) {
        int i;

        cmd_complete(line, cur, &src, &c);
        for (i = 0; i < c.n; i++)
            if (strncasecmp(c.cand[i], c.common, strlen(c.common)) != 0)
                abort();
        cmd_completion_fini(&c);
    }
    free(line);
    return 0;
}
