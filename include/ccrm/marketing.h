/* Marketing's batch work (issue 19): reports (also from a streaming replica), the members of a
 * campaign for a mailing tool, campaign responses from a CSV file, and undoing a merge. The
 * SQL is in schema/functions/92_marketing.sql; src/db/marketing.c runs it, src/cli/marketing.c
 * holds the flags. */
#ifndef CCRM_MARKETING_H
#define CCRM_MARKETING_H

#include <stdint.h>
#include <stdio.h>

#include "ccrm/db.h"
#include "ccrm/err.h"

/* ---- src/db/marketing.c ---- */

/* Open a session for reading reports: as db_open, without LISTEN (a hot standby refuses it)
 * and read-only (default_transaction_read_only). Returns a db or NULL with err set. */
struct db *db_open_reader(const char *conninfo, const struct db_options *opt, struct ccrm_err *err);

/* The session reports read from a streaming replica ([database] replica_conninfo): a reader
 * (db_open_reader) whose schema version was checked like the primary's, for ccrm --report;
 * NULL with err set when it cannot be reached or is not current. */
struct db *db_report_reader(const char *replica_conninfo, const struct db_options *opt,
                            struct ccrm_err *err);

/* The same without blocking: starts connecting and returns the session in state
 * DB_CONNECTING (NULL with err set when it failed at once). The caller polls db_socket() for
 * db_poll_events() and calls db_pump() when it is ready or db_connect_wait_ms() has run out;
 * the session is then DB_READY (settings made, schema checked) or DB_OFFLINE
 * (db_connect_error() says why). The Reports view opens the replica so. */
struct db *db_report_reader_start(const char *replica_conninfo, const struct db_options *opt,
                                  struct ccrm_err *err);

/* Is the server a standby in recovery? 1 yes, 0 no, -1 error. */
int db_is_standby(struct db *db, struct ccrm_err *err);

/* The reports, NULL-terminated, and a line about each (same order). */
extern const char *const db_report_names[];
extern const char *const db_report_about[];

/* Run report name for dates [from, to) ("YYYY-MM-DD"; NULL: the report's default window),
 * writing its rows to f as CSV with a header row or as JSON lines, streamed row by row. Returns
 * the number of rows, or -1 with err set (an unknown name: err.sqlstate "22023"). */
long long db_report_write(struct db *db, const char *name, const char *from, const char *to,
                          int jsonl, FILE *f, struct ccrm_err *err);

/* The members of campaign id for a mailing tool, to f as CSV (email, first_name, last_name,
 * company, kind, id, status, and phone for a phone campaign) or JSON lines: never a person who
 * opted out of the campaign's channel; for e-mail campaigns only members with an address.
 * *opted_out and *no_address get how many members were left out for each reason. Returns the rows
 * written, or -1 (campaign not found: err.sqlstate "P0002"). */
long long db_campaign_members_export(struct db *db, int64_t campaign, int jsonl, FILE *f,
                                     long long *opted_out, long long *no_address,
                                     struct ccrm_err *err);

/* Undo merge id (ccrm_unmerge). msg gets the server's one-line summary. Returns 0, or -1 with
 * err (SQLSTATE kept: P0002 unknown, 55000 refused, 42501 not allowed). */
int db_unmerge(struct db *db, int64_t merge, char *msg, size_t n, struct ccrm_err *err);

/* Campaign responses from CSV: db_responses_begin starts a transaction with a staging table
 * and a COPY into it (columns line, reason, raw, campaign, email, contact_id, lead_id, status,
 * at, note as COPY text; raw as bytea); db_responses_put sends COPY lines; db_responses_finish
 * ends the COPY, resolves campaigns and members in SQL (reasons for rows that cannot be
 * recorded), hands each rejected row to reject(arg, line, reason, raw, rawlen) in line order,
 * and records the good rows (responses; "unsubscribed" rows as opt-outs of the campaign's
 * channel) unless rows were rejected and !keep_good, or dry_run: then it rolls back. */
struct db_responses;
struct db_responses_counts {
    long long recorded, opted_out, rejected;
};
struct db_responses *db_responses_begin(struct db *db, struct ccrm_err *err);
int db_responses_put(struct db_responses *r, const char *buf, size_t n, struct ccrm_err *err);
int db_responses_finish(struct db_responses *r, int64_t campaign, int keep_good, int dry_run,
                        int (*reject)(void *arg, long line, const char *reason, const char *raw,
                                      size_t rawlen),
                        void *arg, struct db_responses_counts *c, struct ccrm_err *err);
/* (db_responses_finish returns 1 when the rows were recorded and committed, 0 when it rolled
 * back (rows rejected and !keep_good, or dry_run; the counts say what a real run would do), -1
 * on an error; it frees r in every case.) Abandon an import before finishing (ROLLBACK) and
 * free it; NULL is allowed. */
void db_responses_abort(struct db_responses **rp);

/* ---- for the full-screen client (src/db/market_ui.c) ----
 * Each returns 0 on success; 1 when the database refused (a rule, a right, not found: err has
 * its message, SQLSTATE kept); -1 on other errors (connection lost, timeout). */

/* Whom an interest noted on a record is about, and where it was learned: a contact, lead or
 * account as such (source "hand"); a ticket's person (its contact, else its account; source
 * "ticket", the ticket kept); a call's, e-mail's or meeting's (its contact, lead or account;
 * the interaction kept). */
struct interest_target {
    char entity[16]; /* contacts, leads or accounts */
    int64_t id;
    char source[16];        /* ticket, call, mail, meeting, chat, hand */
    char source_entity[16]; /* tickets, interactions, or "" */
    int64_t source_id;      /* 0 for none */
    char who[160];          /* "contact Anna Müller" */
    char product[200];      /* a ticket's product: what the question suggests, or "" */
};
int db_interest_target(struct db *db, const char *entity, int64_t id, struct interest_target *t,
                       struct ccrm_err *err);
/* Record an interest (ccrm_interest_add) in product or topic (either may be NULL). note may be
 * NULL. *id (may be NULL) gets the interest. */
int db_interest_add(struct db *db, const struct interest_target *t, const char *product,
                    const char *topic, const char *note, int64_t *id, struct ccrm_err *err);

/* Add to campaign everybody segment finds (its name, or "#id"), or one person (who: an e-mail
 * address or a full name of a contact, else a lead). summary gets the database's account of
 * it ("added 3 to campaign "X"; left out 1: 1 opted out of email"). */
int db_campaign_add_segment(struct db *db, int64_t campaign, const char *segment, char *summary,
                            size_t n, struct ccrm_err *err);
int db_campaign_add_person(struct db *db, int64_t campaign, const char *who, char *summary,
                           size_t n, struct ccrm_err *err);
/* Take a member (entity contacts or leads) out; record a response (sent, opened, clicked,
 * replied, registered, converted) of a member, now. */
int db_campaign_remove(struct db *db, int64_t campaign, const char *entity, int64_t id,
                       struct ccrm_err *err);
int db_campaign_respond(struct db *db, int64_t campaign, const char *entity, int64_t id,
                        const char *status, struct ccrm_err *err);

/* Record "sent" for every member of campaign not sent yet whom the mailing tool gets (not
 * opted out, with an address: what --export campaign_members writes). counts: how many were
 * marked, then the not-sent members left out, opted out and without an e-mail address. */
int db_campaign_mark_sent(struct db *db, int64_t campaign, long long counts[3],
                          struct ccrm_err *err);

/* Save a segment (definition: JSON, checked by the database); *id and *estimate (its people:
 * ccrm_segment_size, counted when that is cheap, else the planner's estimate) come back, and
 * *counted (may be NULL) says which: 1 exact, 0 estimated. */
int db_segment_save(struct db *db, const char *name, const char *definition, int64_t *id,
                    long long *estimate, int *counted, struct ccrm_err *err);
/* The number of people of the segment named segment (the newest of that name): the planner's
 * estimate, or exact (it runs the segment). name gets the segment's name as written. */
int db_segment_count(struct db *db, const char *segment, int exact, char *name, size_t n,
                     long long *count, struct ccrm_err *err);

/* Candidate duplicate pairs of entity (contacts, leads, accounts; ccrm_duplicate_pairs: pairs
 * marked "not a duplicate" and merged records left out), best first, at most max. Returns
 * how many, -1 on an error, -2 when refused (err set). */
struct dup_pair {
    int64_t a, b;      /* a < b */
    int score;         /* 0..100 */
    char reasons[128]; /* "same e-mail, similar name" */
    char a_label[160]; /* "Anna Roth <anna@x.example> (Acme)" */
    char b_label[160];
};
int db_duplicate_pairs(struct db *db, const char *entity, struct dup_pair *out, int max,
                       struct ccrm_err *err);
/* Remember that a and b are not duplicates (ccrm_not_duplicate). */
int db_not_duplicate(struct db *db, const char *entity, int64_t a, int64_t b, struct ccrm_err *err);
/* The values of columns cols (the registry's field columns) of records a and b, as text
 * (NULL for SQL NULL; malloc'd, the caller frees), into left and right. */
int db_pair_values(struct db *db, const char *entity, int64_t a, int64_t b, const char *const *cols,
                   int ncols, char **left, char **right, struct ccrm_err *err);
/* Merge merged into survivor (ccrm_merge: one transaction; every reference re-pointed, the
 * merged id resolves to the survivor, undone with ccrm --unmerge). fields: JSON
 * {"column": "survivor" | "merged"}. *merge_id gets the merge. */
int db_merge(struct db *db, const char *entity, int64_t survivor, int64_t merged,
             const char *fields, int64_t *merge_id, struct ccrm_err *err);

/* The record a merged id now is (ccrm_resolve, through every merge since): the survivor's
 * id, 0 when id was not merged, -1 on an error. */
int64_t db_resolve(struct db *db, const char *entity, int64_t id, struct ccrm_err *err);

/* A report's rows as text, for the Reports view (src/db/marketing.c, the statement of
 * db_report_write): at most REPORT_ROWS_MAX rows of report name (one of db_report_names) for
 * dates [from, to) ("YYYY-MM-DD"; NULL: the report's default window), cells row by row (NULL
 * for SQL NULL). Returns 0, 1 when refused (a bad window: err has the server's words), -1 when
 * the connection failed. Free with report_table_free. */
#define REPORT_ROWS_MAX 500
struct report_table {
    int ncols, nrows;
    char **cols;  /* column names */
    char **cells; /* nrows * ncols */
};
int db_report_table(struct db *db, const char *name, const char *from, const char *to,
                    struct report_table *t, struct ccrm_err *err);
void report_table_free(struct report_table *t);

/* Likely duplicates of a record being typed (ccrm_duplicates_for: one index probe per signal,
 * about a millisecond): values is JSON of the form's fields ({"email": ..., "id": the record's
 * own when editing}). out gets the best three ("#12 Anna Roth (same e-mail)", joined by
 * " · "), "" for none. Returns how many, or -1 (err set). */
int db_duplicates_for(struct db *db, const char *entity, const char *values, char *out, size_t n,
                      struct ccrm_err *err);

/* The newest max segments the user may see, each with the size of its people (ccrm_segment_size):
 * exact when counting was cheap (then exact is the count too), else estimate alone (exact: -1,
 * not counted). Returns how many, or -1. db_segment_exact counts segment id's
 * people (ccrm_segment_count), or -1. */
#define SEGMENT_WORDS_MAX 512
struct segment_row {
    int64_t id;
    char name[200];
    char owner[64];
    char description[200];
    char definition[2048];         /* the JSON, as the database gives it back */
    char words[SEGMENT_WORDS_MAX]; /* it said in words (segment_def_words), or "" */
    long long estimate, exact;
    int version; /* as read: a change or delete of it checks it */
};
int db_segments_list(struct db *db, struct segment_row *out, int max, struct ccrm_err *err);
long long db_segment_exact(struct db *db, int64_t id, struct ccrm_err *err);

/* Record that the person of a contact or lead (entity, id) opted out of channel (out) or
 * consented to it (ccrm_consent_set: email, phone, post or all; source: where it was said, NULL
 * for "by hand"). An opt-out takes the person out of the campaigns of that channel that are
 * not completed, and nobody adds them again. After a consent, still_out (may be NULL) says
 * whether the person stays opted out of that channel all the same (an opt-out of all). */
int db_consent_set(struct db *db, const char *entity, int64_t id, const char *channel, int out,
                   const char *source, int *still_out, struct ccrm_err *err);

/* Change a saved segment read at version: its name and/or its definition (NULL: kept). Under
 * the user's row-level security: a segment the user may not change is refused (1, err says
 * who may), as is one changed since (err says so). db_segment_delete deletes one
 * (ccrm_delete: marketing, management and admin any, others their own). */
int db_segment_update(struct db *db, int64_t id, int version, const char *name,
                      const char *definition, struct ccrm_err *err);
int db_segment_delete(struct db *db, int64_t id, int version, struct ccrm_err *err);

/* Count the results of campaign (over 1,000 members: the detail shows them only on request)
 * in this session's detail views from now on: the detail's statement aggregates them in SQL
 * (ccrm_campaign_results), one row, on every re-read. */
int db_campaign_results_on(struct db *db, int64_t campaign, struct ccrm_err *err);

/* Interests whose product, topic or note holds text (case and accents ignored), newest first,
 * at most max, each with whom it is about (entity and id: what Enter opens). Returns how many,
 * or -1. */
struct interest_row {
    char at[20];
    char who[64];
    char what[256];
    char entity[16];
    int64_t id;
    char subject[200];
};
int db_interests_search(struct db *db, const char *text, struct interest_row *out, int max,
                        struct ccrm_err *err);

/* The size of a definition not saved yet: at once (ccrm_segment_size: counted when that is
 * cheap, else the planner's estimate; *counted, may be NULL, says which), or exact (it runs
 * it; *counted 1). -1 on an error, -2 when the database refused the definition (err names the
 * place). */
long long db_segment_preview(struct db *db, const char *definition, int exact, int *counted,
                             struct ccrm_err *err);

/* ---- src/cli/marketing.c ---- */

/* The marketing commands: --report, --unmerge, --export campaign_members and --import FILE
 * --into campaign_responses. Returns the command's exit code, or -1 when argv is none of
 * them (main then tries the others). */
int cli_marketing_dispatch(int argc, char **argv);

#endif
