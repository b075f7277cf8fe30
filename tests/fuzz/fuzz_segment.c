/* libFuzzer target for a segment's words (src/model/segment.c): any bytes as the words of
 * :segment. Whatever the parser takes must be said back in words that parse to the same
 * definition, and saying it again must give the same words; anything else aborts. Built and
 * run by tests/fuzz/run_segment.sh. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), json[8192], json2[8192], words[4096], again[4096], msg[256];
    json_t *a, *b;

    memcpy(text, data, size);
    text[size] = '\0';
    if (segment_def_parse(text, json, sizeof json, msg, sizeof msg) != 0) {
        free(text);
        return 0;
    }
    if (segment_def_words(json, words, sizeof words) != 0) {
        if (strlen(json) < 2000) /* long definitions may not fit the words' buffer */
            abort();
        free(text);
        return 0;
    }
    if (segment_def_parse(words, json2, sizeof json2, msg, sizeof msg) != 0)
        abort();
    a = json_loads(json, 0, NULL);
    b = json_loads(json2, 0, NULL);
    if (!json_equal(a, b))
        abort();
    if (segment_def_words(json2, again, sizeof again) != 0 || strcmp(words, again) != 0)
        abort();
    json_decref(a);
    json_decref(b);
    free(text);
    return 0;
}
