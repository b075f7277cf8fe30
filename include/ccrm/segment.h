/* A segment's definition in words (src/model/segment.c): the words a marketer types on the `:`
 * line ("interest=ccrm Pro, days=90, country=Germany") made into the JSON definition the
 * database evaluates (schema/functions/92_marketing.sql, ccrm_segment_sql: a fixed vocabulary,
 * never SQL), and a saved definition said back in the same words. The words cover every rule
 * of the JSON vocabulary. The database checks the JSON again and names the place of any
 * problem. No libpq, no curses; JSON through jansson. */
#ifndef CCRM_SEGMENT_H
#define CCRM_SEGMENT_H

#include <stddef.h>

struct strbuf;

/* Append s to b as a JSON string (quotes, backslashes and control characters escaped). */
void json_quote(struct strbuf *b, const char *s);

/* The words, items separated by commas:
 *   people | contacts | leads     whom it finds (people: both; the default)
 *   any | all                     any rule may hold, or all of them (the default)
 *   days=N                        interest, ticket and deal rules of the last N days only
 *                                 (those that do not say their own days)
 *   RULE                          one condition; "not RULE" negates it; any(RULE, RULE, ...)
 *                                 and all(RULE, ...) group rules
 * A rule about the person's records is a head and qualifiers after ';':
 *   interest[=PRODUCT] topic=TOPIC interested=TEXT
 *                ; product= topic= text= source=ticket|call|... days=N
 *   ticket[=PRODUCT]   ; status=open|pending priority=high|urgent open=yes|no subject=TEXT days=N
 *   deal[=open|won|closed] ; stage=a|b open=yes|no won=yes|no min=AMOUNT max=AMOUNT days=N
 *   campaign=ID        ; status=sent|opened|...            a member of the campaign
 *   response[=ID]      ; status=opened|clicked|... days=N  answered a campaign (that one)
 * A rule about a field compares (FIELD: a person's, account.FIELD or country, industry: the
 * account's):
 *   FIELD=V  FIELD!=V  FIELD in A|B  FIELD contains V  FIELD starts with V  FIELD ends with V
 *   FIELD<N  <=  >  >=  FIELD between N and M  FIELD before DATE  FIELD after DATE
 *   FIELD within N days  FIELD older than N days  FIELD is set  FIELD is empty
 * A value holding , ; | ( ) or spaces at its ends is written in double quotes ("a, b"; \" and
 * \\ inside). Writes the JSON into json (n bytes) and returns 0, or -1 with msg (mn bytes)
 * naming the word that is wrong and what was expected. */
int segment_def_parse(const char *text, char *json, size_t n, char *msg, size_t mn);

/* A definition (JSON text) in the words segment_def_parse takes back to the same definition,
 * into words (n bytes): 0, or -1 when the JSON is not a definition these words can say (the
 * caller shows the JSON). */
int segment_def_words(const char *json, char *words, size_t n);

#endif
