/* Unit tests for a segment's words made into its JSON definition (src/model/segment.c): the
 * vocabulary, every value escaped, "not", days on the rules that take them, and the refusals
 * worded for the message line. The database evaluates the JSON (tests/db/test_marketing.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/segment.h"

static const struct {
    const char *words;
    const char *json;
} good[] = {
    {"interest=ccrm Pro",
     "{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"interest\": {\"product\": "
     "\"ccrm Pro\"}}]}"},
    {" ticket = API , days=90, contacts ",
     "{\"entity\": \"contacts\", \"match\": \"all\", \"rules\": [{\"ticket\": {\"product\": "
     "\"API\", \"within_days\": 90}}]}"},
    {"leads, any, topic=GDPR, not interest=ccrm Pro",
     "{\"entity\": \"leads\", \"match\": \"any\", \"rules\": [{\"interest\": {\"topic\": "
     "\"GDPR\"}}, {\"not\": {\"interest\": {\"product\": \"ccrm Pro\"}}}]}"},
    {"country=Germany, industry=Manufacturing, deal=open",
     "{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"account\": {\"field\": "
     "\"country\", \"op\": \"eq\", \"value\": \"Germany\"}}, {\"account\": {\"field\": "
     "\"industry\", \"op\": \"eq\", \"value\": \"Manufacturing\"}}, {\"deal\": {\"open\": "
     "true}}]}"},
    /* quotes, backslashes and a value holding the placeholder stay values */
    {"interest=say \"hi\" \\o/ @DAYS@, days=7",
     "{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"interest\": {\"product\": "
     "\"say \\\"hi\\\" \\\\o/ @DAYS@\", \"within_days\": 7}}]}"},
    {"country=x@DAYS@\x01, days=3",
     "{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"account\": {\"field\": "
     "\"country\", \"op\": \"eq\", \"value\": \"x@DAYS@\\u0001\"}}]}"},
    {"campaign=12", "{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"campaign\": "
                    "{\"id\": 12}}]}"},
};

static const struct {
    const char *words;
    const char *msg;
} bad[] = {
    {"", "a segment needs a rule"},
    {"contacts", "a segment needs a rule"},
    {"interest=", "interest= needs a value"},
    {"days=0, interest=x", "days= takes a number of days"},
    {"days=ninety, interest=x", "days= takes a number of days"},
    {"colour=red", "unknown rule \"colour=\""},
    {"hello", "unknown word \"hello\""},
    {"deal=maybe", "deal= takes open or won"},
    {"campaign=1; drop table", "campaign= takes a campaign's number"},
};

static void
test_good(void **state)
{
    char json[1024], msg[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (segment_def_parse(good[i].words, json, sizeof json, msg, sizeof msg) != 0)
            fail_msg("\"%s\": %s", good[i].words, msg);
        if (strcmp(json, good[i].json) != 0)
            fail_msg("\"%s\":\n got %s\nwant %s", good[i].words, json, good[i].json);
    }
}

static void
test_bad(void **state)
{
    char json[1024], msg[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (segment_def_parse(bad[i].words, json, sizeof json, msg, sizeof msg) != -1)
            fail_msg("\"%s\" was taken: %s", bad[i].words, json);
        if (strstr(msg, bad[i].msg) == NULL)
            fail_msg("\"%s\": \"%s\" does not say \"%s\"", bad[i].words, msg, bad[i].msg);
    }
    /* too long for the buffer: refused, not cut */
    assert_int_equal(segment_def_parse("interest=ccrm Pro", json, 20, msg, sizeof msg), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
