/* Marketing in the full-screen client (src/ui/market.c): an interest recorded on a record
 * (i), a campaign's members added from a segment or one by one, taken out, their responses
 * recorded (A, m, x, r on a campaign), segments saved and counted (:segment, :segment-count).
 * Each asks on the bottom line, writes through src/db/market_ui.c (the rules are the
 * database's) and says what happened; what was typed comes back when the write fails (the
 * person to add only when offline: each m asks afresh). */
#ifndef CCRM_UI_MARKET_H
#define CCRM_UI_MARKET_H

#include <stdint.h>
#include <time.h>

#include "ui_int.h"

/* i, :interest [PRODUCT]: an interest of the record's person or account (from a ticket or a
 * call: its person, with the ticket or call kept as the source). text NULL or "": ask. A text
 * "topic: X" records a topic rather than a product. */
void mkt_interest(struct app *app, const char *entity, int64_t id, const char *text);

/* On campaign #campaign: add a segment's people (name NULL: ask), one person (who NULL: ask);
 * take the member out, record a response of the member (entity, id: the line selected; label
 * its text). */
void mkt_add_segment(struct app *app, int64_t campaign, const char *name);
void mkt_add_member(struct app *app, int64_t campaign, const char *who);
void mkt_remove_member(struct app *app, int64_t campaign, const char *entity, int64_t id,
                       const char *label);
void mkt_respond(struct app *app, int64_t campaign, const char *entity, int64_t id,
                 const char *label, const char *status);
/* :sent-all on campaign #campaign: asks, then records "sent" for every member not sent yet whom
 * the mailing tool gets (ccrm --export campaign_members), and says how many, and who was left. */
void mkt_mark_sent(struct app *app, int64_t campaign);

/* :segment NAME [: DEFINITION] saves a segment (asking for the definition when none is given)
 * and says its estimated size; :segment-count NAME counts it exactly. */
void mkt_segment_save(struct app *app, const char *arg);
void mkt_segment_count(struct app *app, const char *name);

/* Exact counts of saved segments made this session (c in the Segments view, a count before
 * saving or changing one), so that the list read again or opened anew shows them rather than
 * the estimate. A count is of segment id with definition (JSON): new words forget it. */
void mkt_count_keep(int64_t id, const char *definition, long long n);
/* The count kept for segment id with definition, or -1; *when (may be NULL) gets its time. */
long long mkt_count_kept(int64_t id, const char *definition, time_t *when);

/* Is the planner's estimate of definition (JSON) a guess? It rests on statistics, and text
 * compared ignoring case and accents (country=Germany, ticket=API) has none, so PostgreSQL
 * takes a fixed share of the rows: often far too few. mkt_estimate_said says which in words
 * ("an estimate", "a rough guess: c counts exactly"). */
int mkt_estimate_guessed(const char *definition);
const char *mkt_estimate_said(const char *definition);

/* O, :unsubscribe, :consent on a contact or lead (entity, id; label: "contact Anna Roth"): record
 * that its person opted out of a channel (out) or consented to it. text "CHANNEL [where it
 * was said]" (a channel may be shortened: "ph"); NULL or "": ask. */
void mkt_consent(struct app *app, const char *entity, int64_t id, const char *label, int out,
                 const char *text);

#endif
