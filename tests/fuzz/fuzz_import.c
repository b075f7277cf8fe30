/* libFuzzer target over the import's pure parts: the streaming CSV reader fed in chunks of
 * input-chosen sizes, header mapping, row validation and COPY escaping. Build and run with
 * tests/fuzz/run.sh [SECONDS]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/cli/import_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    const struct imp_entity *e;
    struct imp_map m;
    struct imp_row row;
    struct sbuf copy;
    int have_header;
    long last_line;
};

static int
on_rec(void *arg, const struct csv_record *rec)
{
    struct fz *f = arg;
    struct ccrm_err err;
    char reason[300];
    int c;

    if (rec->line < f->last_line || rec->raw == NULL)
        __builtin_trap(); /* records come in line order */
    f->last_line = rec->line;
    if (!f->have_header) {
        f->have_header = 1;
        if (imp_map_header(&f->m, f->e, rec, "x=-,Mail=email", &err) == -1 &&
            imp_map_header(&f->m, f->e, rec, NULL, &err) == -1)
            return -1;
        return 0;
    }
    if (imp_record_blank(rec))
        return 0;
    f->copy.len = 0;
    if (imp_validate(&f->m, rec, &f->row, reason, sizeof reason) == 0) {
        for (c = 0; c < f->e->ncols; c++) {
            if (f->row.val[c] != NULL && strlen(f->row.val[c]) != f->row.vlen[c])
                __builtin_trap(); /* a valid value holds no NUL */
            imp_copy_value(&f->copy, f->row.val[c], f->row.vlen[c]);
        }
    } else {
        imp_copy_value(&f->copy, reason, strlen(reason));
    }
    imp_copy_bytea(&f->copy, rec->raw, rec->rawlen);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    struct ccrm_err err;
    struct csvr *r;
    size_t i, step;
    int n = 0;

    if (size < 2)
        return 0;
    while (imp_entity_at(n) != NULL)
        n++;
    memset(&f, 0, sizeof f);
    f.e = imp_entity_at(data[0] % n);
    step = (size_t)data[1] % 64 + 1;
    data += 2;
    size -= 2;
    imp_row_init(&f.row);
    r = csvr_new(on_rec, &f);
    for (i = 0; i < size; i += step)
        if (csvr_feed(r, (const char *)data + i, size - i < step ? size - i : step, &err) != 0)
            break;
    if (i >= size)
        (void)csvr_finish(r, &err);
    csvr_free(&r);
    imp_row_fini(&f.row);
    sbuf_fini(&f.copy);
    return 0;
}
