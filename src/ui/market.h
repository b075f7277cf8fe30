/* Marketing in the full-screen client (src/ui/market.c): an interest recorded on a record
 * (i), a campaign's members added from a segment or one by one, taken out, their responses
 * recorded (A, m, x, r on a campaign), segments saved and counted (:segment, :segment-count).
 * Each asks on the bottom line, writes through src/db/market_ui.c (the rules are the
 * database's) and says what happened; what was typed comes back when the write fails (the
 * person to add only when offline: each m asks afresh). */
#ifndef CCRM_UI_MARKET_H
#define CCRM_UI_MARKET_H

#include <stdint.h>

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

/* :segment NAME [: DEFINITION] saves a segment (asking for the definition when none is given)
 * and says its estimated size; :segment-count NAME counts it exactly. */
void mkt_segment_save(struct app *app, const char *arg);
void mkt_segment_count(struct app *app, const char *name);

/* O, :unsubscribe, :consent on a contact or lead (entity, id; label: "contact Anna Roth"): record
 * that its person opted out of a channel (out) or consented to it. text "CHANNEL [where it
 * was said]" (a channel may be shortened: "ph"); NULL or "": ask. */
void mkt_consent(struct app *app, const char *entity, int64_t id, const char *label, int out,
                 const char *text);

#endif
