/* Collaboration actions (src/db/actions.c): comments with @mentions, assignments and hand-offs,
 * lead conversion, support's sales signal and the inbox. Thin calls of schema/006_collab.sql,
 * which holds every rule, so psql and ccrm behave alike.
 *
 * Each function returns 0 on success; 1 when the database refused what the user asked (an
 * unknown person, a converted lead, a record that is gone or not visible, a right the user
 * lacks: err has the database's message, SQLSTATE kept); -1 on other errors (connection lost,
 * timeout: err says so, and db_lost() tells whether to reconnect). */
#ifndef CCRM_ACTIONS_H
#define CCRM_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "ccrm/db.h"
#include "ccrm/err.h"

/* Comment on a record (entity is a table name: "accounts", "leads", "tickets", ...), written in
 * the user's name. Every "@login" in body lands in that person's Inbox (the database does it).
 * notified (n bytes) gets who was told, as "notified @marco, @sam", and the @names that told
 * no one ("; @nobody told no one: not a user, or not one who may read it"); "" when the
 * comment names nobody; comment_id
 * may be NULL. visibility: "internal", "shared" (with the partners who see the record), or
 * NULL for the writer's default (internal users: internal; partners: shared). */
int db_comment_add(struct db *db, const char *entity, int64_t id, const char *body,
                   const char *visibility, int64_t *comment_id, char *notified, size_t n,
                   struct ccrm_err *err);

/* An action of this file (comment, assignment, lead conversion, sales signal) that
 * returned -1 because the connection dropped after its COMMIT was sent may have been written:
 * its out parameters (ids) are filled all the same, and db_write_unanswered (ccrm/db.h) gives
 * what to ask db_write_landed before the action is sent a second time. */

/* Assign (handoff 0) or hand off (handoff 1) a record to a login or a department (sales,
 * support, marketing, management; departments only with handoff). A person becomes the owner
 * (tickets: assignee); a department keeps the owner and every member gets the hand-off. note
 * may be NULL. *inboxed (may be NULL) gets the number of people whose Inbox got it (0 when
 * assigning to oneself). */
int db_assign(struct db *db, const char *entity, int64_t id, const char *to, const char *note,
              int handoff, int *inboxed, struct ccrm_err *err);

/* What a lead conversion created or reused; 0 for none (no contact for a company-only lead,
 * no deal when neither name nor amount was given). */
struct lead_conversion {
    int64_t account_id;
    int64_t contact_id;
    int64_t opportunity_id;
    int account_new;  /* the account was made by the conversion (else found) */
    char currency[8]; /* the deal's currency ("" without a deal) */
};

/* The name a deal made from the lead gets by default ("<company> – new deal"), into buf. */
int db_lead_deal_name(struct db *db, int64_t lead, char *buf, size_t n, struct ccrm_err *err);

/* Convert a lead into account + contact + deal. deal_name NULL or blank uses the default name;
 * amount is the text the user typed (NULL or blank: none; the database parses it); currency a
 * code (NULL or blank: the account's usual one, schema/074). With both name and amount blank no
 * deal is created. */
int db_convert_lead(struct db *db, int64_t lead, const char *deal_name, const char *amount,
                    const char *currency, struct lead_conversion *out, struct ccrm_err *err);

/* Mark a ticket as a sales signal: creates or updates the lead of the ticket's person, notes
 * the signal on the timelines, hands the lead off to sales. *lead_id gets the lead. note may be
 * NULL. */
int db_ticket_signal(struct db *db, int64_t ticket, const char *note, int64_t *lead_id,
                     struct ccrm_err *err);

/* Mark one of the user's own inbox rows read (a row already read stays as it was). 1 when the
 * row is not the user's or does not exist. */
int db_inbox_mark_read(struct db *db, int64_t inbox_id, struct ccrm_err *err);
/* Mark all of the user's unread inbox rows read; *n (may be NULL) gets how many. */
int db_inbox_mark_all_read(struct db *db, int *n, struct ccrm_err *err);
/* The number of unread inbox rows of the current user, counted up to INBOX_COUNT_MAX (which
 * means "that many or more"), or -1 with err set. */
#define INBOX_COUNT_MAX 1000
int db_inbox_unread(struct db *db, struct ccrm_err *err);

#endif
