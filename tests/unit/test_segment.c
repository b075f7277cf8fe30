/* Unit tests for a segment's words made into its JSON definition and back (src/model/segment.c):
 * the vocabulary, every value escaped, "not", days on the rules that take them, the refusals
 * worded for the message line; and the round trip: for every rule of the JSON vocabulary,
 * parse(words(def)) == def, and words(parse(text)) is stable. The database evaluates the JSON
 * (tests/db/test_marketing.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

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
    {"deal=maybe", "deal= takes open, won or closed"},
    {"campaign=1; drop table", "unknown word \"drop\" in a campaign rule: expected status="},
    {"campaign=1 drop table", "campaign= takes a campaign's number"},
    {"ticket=API; colour=red", "unknown word \"colour\" in a ticket rule: expected product="},
    {"ticket; status=opne", "\"opne\" is not a ticket status: expected new, open, pending"},
    {"deal; stage=won|maybe", "\"maybe\" is not a deal stage: expected prospecting"},
    {"interest; source=fax", "\"fax\" is not an interest's source: expected ticket, call"},
    {"response; status=bounced", "\"bounced\" is not a response: expected sent"},
    {"campaign=3; status=gone", "\"gone\" is not a campaign member's status"},
    {"deal; open=maybe", "open= takes yes or no, not \"maybe\""},
    {"deal; min=lots", "min= takes an amount"},
    {"deal=open; open=no", "open= is said twice in a deal rule"},
    {"account.colour=red", "unknown account field \"colour\": expected name, domain"},
    {"email", "email needs an operator: =, !=, in, contains"},
    {"email like x", "unknown operator \"like\" after email: expected =, !=, in"},
    {"score contains 5", "unknown operator \"contains\" after score: expected =, !=, <"},
    {"email<x", "email takes =, !=, in, contains, starts with, ends with, is set or is empty, "
                "not <"},
    {"created_at=2026-01-01", "created_at takes before, after, within, older than"},
    {"created_at before yesterday", "created_at before takes a date (YYYY-MM-DD)"},
    {"created_at within a week", "created_at within takes a number of days"},
    {"score between 5", "score takes two numbers: between 10 and 20"},
    {"score between 5 and 1", "score: between takes the lower number first (between 1 and 5)"},
    {"score>many", "score> takes a number"},
    {"email is there", "email is: expected set or empty"},
    {"any(interest=x, ticket=y", "any( has no closing )"},
    {"any(interest=x))", "unexpected \")\": it closes no any( or all("},
    {"email=x; days=3", "only interest, ticket, deal, campaign and response rules take words"},
    {"not days=3", "days= is said on its own (days=90) or after a rule"},
    {"interest=\"open, quote", "the value of interest= has no closing quote"},
    {"interest=\"a\" b", "unexpected \"b\" after the quoted value of interest="},
    {"not not not not not not interest=x", "rules nest at most 6 deep"},
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

/* ---- the round trip ---- */

#define DEF(entity, match, rules)                                                                  \
    "{\"entity\": \"" entity "\", \"match\": \"" match "\", \"rules\": [" rules "]}"
#define P(rules) DEF("people", "all", rules)

/* Every rule of the JSON vocabulary (schema/functions/92_marketing.sql, ccrm_segment_rule):
 * each kind with each of its keys, each field of a person and of an account, each operator of
 * each type, not, all and any nested, both entities and match; and values that must be quoted
 * to be said in words. */
static const char *const defs[] = {
    /* interest: product, topic, text, source, within_days */
    P("{\"interest\": {\"product\": \"ccrm Pro\"}}"),
    P("{\"interest\": {\"topic\": \"GDPR\"}}"),
    P("{\"interest\": {\"text\": \"migration\"}}"),
    P("{\"interest\": {}}"),
    P("{\"interest\": {\"product\": \"ccrm Pro\", \"topic\": \"GDPR\", \"text\": \"x\", "
      "\"source\": [\"ticket\", \"call\", \"mail\", \"meeting\", \"chat\", \"signal\", "
      "\"hand\", \"import\"], \"within_days\": 30}}"),
    P("{\"interest\": {\"source\": [\"hand\"]}}"),
    /* ticket: product, status, priority, open, subject_contains, within_days */
    P("{\"ticket\": {\"product\": \"API\", \"status\": [\"new\", \"open\", \"pending\", "
      "\"solved\", \"closed\"], \"priority\": [\"low\", \"normal\", \"high\", \"urgent\"], "
      "\"open\": true, \"subject_contains\": \"invoice\", \"within_days\": 14}}"),
    P("{\"ticket\": {\"open\": false}}"),
    P("{\"ticket\": {}}"),
    /* deal: stage, open, won, min_amount, max_amount, within_days */
    P("{\"deal\": {\"open\": true}}"),
    P("{\"deal\": {\"won\": true}}"),
    P("{\"deal\": {\"open\": false}}"),
    P("{\"deal\": {\"won\": false, \"open\": false}}"),
    P("{\"deal\": {\"open\": true, \"won\": true}}"),
    P("{\"deal\": {\"stage\": [\"prospecting\", \"qualification\", \"proposal\", "
      "\"negotiation\", \"won\", \"lost\"], \"min_amount\": 1000, \"max_amount\": "
      "12500.5, \"within_days\": 365}}"),
    P("{\"deal\": {}}"),
    /* campaign: id, status; response: campaign, status, within_days */
    P("{\"campaign\": {\"id\": 12}}"),
    P("{\"campaign\": {\"id\": 12, \"status\": [\"unsent\", \"sent\", \"opened\", "
      "\"clicked\", \"replied\", \"registered\", \"converted\", \"responded\", "
      "\"unsubscribed\"]}}"),
    P("{\"response\": {}}"),
    P("{\"response\": {\"campaign\": 7, \"status\": [\"sent\", \"opened\", \"clicked\", "
      "\"replied\", \"registered\", \"converted\"], \"within_days\": 60}}"),
    P("{\"response\": {\"status\": [\"clicked\"]}}"),
    /* a person's fields: text, number and time operators */
    P("{\"field\": \"first_name\", \"op\": \"eq\", \"value\": \"Anna\"}"),
    P("{\"field\": \"last_name\", \"op\": \"ne\", \"value\": \"Smith\"}"),
    P("{\"field\": \"email\", \"op\": \"ends_with\", \"value\": \"@example.com\"}"),
    DEF("contacts", "all", "{\"field\": \"phone\", \"op\": \"is_set\"}"),
    DEF("contacts", "all", "{\"field\": \"title\", \"op\": \"contains\", \"value\": \"Manager\"}"),
    P("{\"field\": \"owner\", \"op\": \"in\", \"value\": [\"marco\", \"sofia\"]}"),
    DEF("leads", "all", "{\"field\": \"company\", \"op\": \"starts_with\", \"value\": \"Acme\"}"),
    DEF("leads", "all", "{\"field\": \"source\", \"op\": \"is_empty\"}"),
    DEF("leads", "any",
        "{\"field\": \"status\", \"op\": \"in\", \"value\": [\"new\", "
        "\"working\"]}, {\"field\": \"score\", \"op\": \"ge\", \"value\": 50}"),
    DEF("leads", "all",
        "{\"field\": \"score\", \"op\": \"eq\", \"value\": 5}, {\"field\": "
        "\"score\", \"op\": \"ne\", \"value\": 6}, {\"field\": \"score\", \"op\": \"lt\", "
        "\"value\": 7}, {\"field\": \"score\", \"op\": \"le\", \"value\": 8}, {\"field\": "
        "\"score\", \"op\": \"gt\", \"value\": -9}, {\"field\": \"score\", \"op\": "
        "\"between\", \"value\": [10, 20.25]}, {\"field\": \"score\", \"op\": \"is_set\"}"),
    DEF("contacts", "all",
        "{\"field\": \"created_at\", \"op\": \"before\", \"value\": "
        "\"2026-01-31\"}, {\"field\": \"created_at\", \"op\": \"after\", \"value\": "
        "\"2025-01-01\"}, {\"field\": \"updated_at\", \"op\": \"within_days\", \"value\": 30}, "
        "{\"field\": \"updated_at\", \"op\": \"older_than_days\", \"value\": 400}, "
        "{\"field\": \"updated_at\", \"op\": \"is_empty\"}"),
    /* an account's fields */
    P("{\"account\": {\"field\": \"country\", \"op\": \"eq\", \"value\": \"Germany\"}}"),
    P("{\"account\": {\"field\": \"industry\", \"op\": \"in\", \"value\": [\"Retail\", "
      "\"Banking\"]}}"),
    P("{\"account\": {\"field\": \"name\", \"op\": \"starts_with\", \"value\": \"Ac\"}}"),
    P("{\"account\": {\"field\": \"domain\", \"op\": \"ends_with\", \"value\": \".de\"}}"),
    P("{\"account\": {\"field\": \"city\", \"op\": \"ne\", \"value\": \"Berlin\"}}"),
    P("{\"account\": {\"field\": \"owner\", \"op\": \"is_empty\"}}"),
    P("{\"account\": {\"field\": \"employees\", \"op\": \"between\", \"value\": [50, "
      "500]}}"),
    P("{\"account\": {\"field\": \"annual_revenue\", \"op\": \"gt\", \"value\": "
      "1000000.75}}"),
    P("{\"account\": {\"field\": \"created_at\", \"op\": \"older_than_days\", \"value\": "
      "90}}"),
    /* a whole amount written as a real (found by tests/fuzz/run_segment.sh) */
    DEF("leads", "all", "{\"field\": \"score\", \"op\": \"ge\", \"value\": 333.0}"),
    /* not, all, any, nested; the days every rule says, said once */
    P("{\"not\": {\"interest\": {\"product\": \"ccrm Pro\"}}}"),
    P("{\"any\": [{\"ticket\": {\"product\": \"API\"}}, {\"all\": [{\"deal\": {\"won\": "
      "true}}, {\"not\": {\"any\": [{\"campaign\": {\"id\": 3}}, {\"field\": \"email\", "
      "\"op\": \"is_empty\"}]}}]}]}"),
    DEF("contacts", "any",
        "{\"interest\": {\"product\": \"A\", \"within_days\": 90}}, "
        "{\"not\": {\"ticket\": {\"product\": \"B\", \"within_days\": 90}}}, {\"any\": "
        "[{\"deal\": {\"open\": true, \"within_days\": 90}}]}, {\"response\": "
        "{\"within_days\": 7}}"),
    /* values that must be quoted: , ; | ( ) spaces at the ends, a leading quote, backslashes */
    P("{\"interest\": {\"product\": \"Acme, Inc.; (EU) a|b\"}}"),
    P("{\"interest\": {\"topic\": \" padded \"}}"),
    P("{\"interest\": {\"product\": \"\\\"quoted\\\" \\\\ back\"}}"),
    P("{\"interest\": {\"product\": \"say \\\"hi\\\" \\\\o/\"}}"),
    P("{\"field\": \"owner\", \"op\": \"in\", \"value\": [\"a|b\", \"c,d\", \"x\"]}"),
    DEF("contacts", "all", "{\"field\": \"title\", \"op\": \"eq\", \"value\": \"=is set\"}"),
    DEF("contacts", "all",
        "{\"field\": \"title\", \"op\": \"starts_with\", \"value\": \"with care\"}"),
    P("{\"interest\": {\"product\": \"Müller & Söhne ✓\"}}"),
};

/* Words as people type them: said back, they are the same definition, and saying it again
 * gives the same words. */
static const char *const texts[] = {
    "interest=ccrm Pro, days=90, country=Germany",
    " Contacts , ANY , ticket = API ; Status = Open|PENDING ; days = 30 days",
    "leads, score >= 50, status in new | working, not response=4; status=opened",
    "deal=won; min=1000; max=5000.50, account.employees between 10 and 200",
    "any(interested=migration, topic=GDPR), all(deal=open, not ticket; open=yes)",
    "contacts, email ends with \"@example.com\", created_at older than 30 days, phone is set",
    "interest=x; days=7, ticket=y",
    "interest=x; days=7",
    "product=Widget, campaign=3; status=sent|opened",
};

static json_t *
load(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);

    if (j == NULL)
        fail_msg("not JSON (%s): %s", e.text, s);
    return j;
}

static void
test_round_trip(void **state)
{
    char words[2048], again[2048], json[4096], msg[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        json_t *want = load(defs[i]), *got;

        if (segment_def_words(defs[i], words, sizeof words) != 0)
            fail_msg("no words for %s", defs[i]);
        if (segment_def_parse(words, json, sizeof json, msg, sizeof msg) != 0)
            fail_msg("the words of %s\n  \"%s\"\nare refused: %s", defs[i], words, msg);
        got = load(json);
        if (!json_equal(want, got))
            fail_msg("parse(words(def)) != def:\n  def   %s\n  words %s\n  parse %s", defs[i],
                     words, json);
        if (segment_def_words(json, again, sizeof again) != 0 || strcmp(words, again) != 0)
            fail_msg("words not stable: \"%s\" then \"%s\"", words, again);
        json_decref(want);
        json_decref(got);
    }
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char json2[4096];
        json_t *a, *b;

        if (segment_def_parse(texts[i], json, sizeof json, msg, sizeof msg) != 0)
            fail_msg("\"%s\": %s", texts[i], msg);
        if (segment_def_words(json, words, sizeof words) != 0)
            fail_msg("no words for %s", json);
        if (segment_def_parse(words, json2, sizeof json2, msg, sizeof msg) != 0)
            fail_msg("\"%s\" said back as \"%s\": %s", texts[i], words, msg);
        a = load(json);
        b = load(json2);
        if (!json_equal(a, b))
            fail_msg("\"%s\" said back as \"%s\" is another definition:\n %s\n %s", texts[i], words,
                     json, json2);
        json_decref(a);
        json_decref(b);
        if (segment_def_words(json2, again, sizeof again) != 0 || strcmp(words, again) != 0)
            fail_msg("words(parse(\"%s\")) not stable: \"%s\" then \"%s\"", texts[i], words, again);
    }
}

/* What the Segments view shows: the words as a marketer writes them. */
static const struct {
    const char *json, *words;
} said[] = {
    {P("{\"interest\": {\"product\": \"ccrm Pro\", \"within_days\": 90}}, {\"account\": "
       "{\"field\": \"country\", \"op\": \"eq\", \"value\": \"Germany\"}}"),
     "interest=ccrm Pro, country=Germany, days=90"},
    /* jsonb's order of keys (as the database gives it back), and entity and match left out */
    {"{\"rules\": [{\"ticket\": {\"status\": [\"open\", \"pending\"], \"product\": "
     "\"API\"}}]}",
     "ticket=API; status=open|pending"},
    {DEF("contacts", "any",
         "{\"response\": {\"campaign\": 4, \"status\": [\"opened\"]}}, "
         "{\"field\": \"title\", \"op\": \"contains\", \"value\": \"Manager\"}, "
         "{\"interest\": {\"product\": \"A, B\", \"within_days\": 5}}, {\"deal\": "
         "{\"open\": true}}"),
     "contacts, any, response=4; status=opened, title contains Manager, interest=\"A, B\"; "
     "days=5, deal=open"},
    {P("{\"account\": {\"field\": \"employees\", \"op\": \"ge\", \"value\": 50}}, "
       "{\"not\": {\"any\": [{\"campaign\": {\"id\": 3}}, {\"deal\": {\"won\": true}}]}}"),
     "account.employees>=50, not any(campaign=3, deal=won)"},
};

static void
test_words(void **state)
{
    static const char *const not_words[] = {
        "",
        "[]",
        "{\"rules\": []}",
        "{\"rules\": [{\"colour\": {}}]}",
        "{\"rules\": [{\"field\": \"shoe_size\", \"op\": \"eq\", \"value\": 4}]}",
        "{\"entity\": \"robots\", \"rules\": [{\"deal\": {}}]}",
        "{\"rules\": [{\"ticket\": {\"status\": 4}}]}",
        "{\"rules\": [{\"ticket\": {}}], \"extra\": 1}",
    };
    char words[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof said / sizeof said[0]; i++) {
        if (segment_def_words(said[i].json, words, sizeof words) != 0)
            fail_msg("no words for %s", said[i].json);
        if (strcmp(words, said[i].words) != 0)
            fail_msg("%s:\n got \"%s\"\nwant \"%s\"", said[i].json, words, said[i].words);
    }
    for (i = 0; i < sizeof not_words / sizeof not_words[0]; i++)
        if (segment_def_words(not_words[i], words, sizeof words) != -1)
            fail_msg("%s said as \"%s\"", not_words[i], words);
    /* too long for the buffer: refused, not cut */
    assert_int_equal(segment_def_words(said[0].json, words, 10), -1);
}

/* --json: the definitions the words of every rule above parse to, one a line, for
 * tests/db/test_segment_words.sh to hand to the database (which must take and run each). */
static int
print_json(void)
{
    char words[2048], json[4096], msg[256];
    size_t i;

    for (i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        if (segment_def_words(defs[i], words, sizeof words) != 0 ||
            segment_def_parse(words, json, sizeof json, msg, sizeof msg) != 0)
            return 1;
        printf("%s\n", json);
    }
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (segment_def_parse(texts[i], json, sizeof json, msg, sizeof msg) != 0)
            return 1;
        printf("%s\n", json);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_words),
    };

    if (argc > 1 && strcmp(argv[1], "--json") == 0)
        return print_json();

    return cmocka_run_group_tests(tests, NULL, NULL);
}
