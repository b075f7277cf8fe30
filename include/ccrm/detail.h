/* Record detail ("customer 360") queries (src/db/detail.c): one record's fields, related
 * records, comments, chat, who else is on it, and the timeline of every department's work with
 * that customer. Every list is bounded; rows come back as a struct detail (ccrm/model.h). */
#ifndef CCRM_DETAIL_H
#define CCRM_DETAIL_H

#include <stdint.h>

#include "ccrm/db.h"
#include "ccrm/model.h"

/* Bounds of the lists of a detail (a heading says "+" when one was reached). */
#define DETAIL_TIMELINE_MAX 60 /* timeline entries; a campaign's members */
#define DETAIL_PEOPLE_MAX 30   /* an account's contacts */
#define DETAIL_COMMENTS_MAX 10 /* the latest comments, oldest of them first */
#define DETAIL_CHAT_MAX 8      /* the latest chat messages, oldest of them first */
#define DETAIL_HISTORY_MAX 100 /* audit rows */
#define DETAIL_HANDOFFS_MAX 10 /* hand-offs and assignments of a record */

/* A conversation (mail): its latest mails, oldest of them first, and the characters of a mail's
 * text shown (the rest is counted) */
#define DETAIL_MAILS_MAX 10
#define DETAIL_MAIL_TEXT_MAX 20000

/* Does entity (a table) have a detail view in the registry? 1 or 0. */
int db_detail_entity(const char *entity);

/* The detail of one record: title, subtitle, fields, then lines in display order — related
 * records, "Comments", "Chat" and the timeline (a campaign: its members), each section
 * opened by a heading line (entity ""). A line's entity and entity_id name what Enter opens:
 * a table name above, or "interactions" (a call, e-mail, ...), or "comments", "chat" (not
 * records to open). d->entity, d->id and d->account_id say which record it is and which
 * customer (account) it belongs to. Returns a malloc'd detail (free with detail_free), or
 * NULL with err set: a record that does not exist or that row-level security hides leaves
 * err->sqlstate empty. */
struct detail *db_record_detail(struct db *db, const char *entity, int64_t id,
                                struct ccrm_err *err);
/* The same with page `page` (from 0) of a paged section (a campaign's members): a line of
 * entity "page" and id 1 ("next ...") after the page when more follow, id -1 ("previous ...")
 * before it after the first page. A page past the end shows the last one. */
struct detail *db_record_detail_page(struct db *db, const char *entity, int64_t id, int page,
                                     struct ccrm_err *err);

/* The audit trail of one record (any entity above): who changed what and when, old and new
 * values, newest first (lines only). NULL with err set (a role that may not read the audit
 * gets 42501). */
struct detail *db_record_history(struct db *db, const char *entity, int64_t id,
                                 struct ccrm_err *err);

#endif
