/* A segment's definition typed on the `:` line (src/model/segment.c): a few words a marketer
 * writes ("interest=ccrm Pro, days=90, country=Germany") made into the JSON definition the
 * database evaluates (schema/functions/92_marketing.sql, ccrm_segment_sql: a fixed vocabulary,
 * never SQL). The database checks the result again and names the place of any problem. No
 * libpq, no curses. */
#ifndef CCRM_SEGMENT_H
#define CCRM_SEGMENT_H

#include <stddef.h>

struct strbuf;

/* Append s to b as a JSON string (quotes, backslashes and control characters escaped). */
void json_quote(struct strbuf *b, const char *s);

/* The words, separated by commas (a rule may start with "not "):
 *   people | contacts | leads     whom it finds (people: both; the default)
 *   any                           any rule may hold (default: all of them)
 *   interest=PRODUCT  topic=TOPIC  interested=TEXT (product, topic or note)
 *   ticket=PRODUCT                opened a ticket about the product
 *   deal=open | deal=won          their account has an open (won) deal
 *   country=X  industry=X         their account's
 *   campaign=ID                   a member of campaign ID
 *   days=N                        interests, tickets and deals of the last N days only
 * Writes the JSON into json (n bytes) and returns 0, or -1 with msg (mn bytes) saying what is
 * wrong ("unknown word \"foo\": try interest=, topic=, ticket=, ..."). */
int segment_def_parse(const char *text, char *json, size_t n, char *msg, size_t mn);

#endif
