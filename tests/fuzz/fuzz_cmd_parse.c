/* libFuzzer target for src/cmd/parse.c: any bytes as a `:` line, parsed and completed at every
 * cursor position. Built and run by tests/fuzz/run_cmd.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    struct cmd_complete_src src = {sorts, names, NULL};
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
