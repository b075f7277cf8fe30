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
 * company, kind, id, status) or JSON lines: never a person who opted out of the campaign's
 * channel; for e-mail campaigns only members with an address. *opted_out and *no_address get
 * how many members were left out for each reason. Returns the rows written, or -1 (campaign
 * not found: err.sqlstate "P0002"). */
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

/* ---- src/cli/marketing.c ---- */

/* The marketing commands: --report, --unmerge, --export campaign_members and --import FILE
 * --into campaign_responses. Returns the command's exit code, or -1 when argv is none of
 * them (main then tries the others). */
int cli_marketing_dispatch(int argc, char **argv);

#endif
