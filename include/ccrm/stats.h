/* Figures for the Deals pipeline and the Dashboard (src/db/stats.c): running totals kept by
 * the database (schema/007_views.sql), so they cost the same at ten deals and a million. */
#ifndef CCRM_STATS_H
#define CCRM_STATS_H

#include <stdint.h>

#include "ccrm/db.h"
#include "ccrm/entity.h"
#include "ccrm/model.h"

/* The pipeline's stages are deal_stages[] (the registry, include/ccrm/entity.h); the first four
 * are open. */
#define DEAL_OPEN_STAGES 4

struct stage_total {
    char stage[24];
    long long n;
    char amount[160]; /* "98,310,000.00 EUR + 1,200.00 USD", or "" */
};

/* Totals per stage, one entry per deal_stages[] entry in that order. A partner's totals are
 * counted over the deals it may see. Returns 0, or -1 with err set. */
int db_pipeline_totals(struct db *db, struct stage_total *out, struct ccrm_err *err);

/* Move a deal to a stage, as read at version (optimistic locking). 0 done; 1 refused (changed
 * by someone else meanwhile, or a rule of the database: err says which); -1 error. */
int db_deal_set_stage(struct db *db, int64_t id, const char *version, const char *stage,
                      struct ccrm_err *err);

/* The Dashboard: sections of figures and lists (open pipeline, tickets and leads by status,
 * biggest open deals, urgent tickets, my open tasks); lines name their records. A line of
 * figures is a row of cells separated by tabs, one letter a cell in its who saying what it is
 * (the view sizes the columns to the screen: src/ui/view_dashboard.c). */
struct detail *db_dashboard(struct db *db, struct ccrm_err *err);

/* How many deals of each stage a search of the pipeline finds (the deals list's own search:
 * its search column, include/ccrm/entity.h), counted up to cap each: a search's matches are
 * what the stage's header counts then. Returns 0 with out[] in deal_stages[] order, or -1
 * with err set. */
int db_pipeline_matches(struct db *db, const char *search, long long cap, long long *out,
                        struct ccrm_err *err);

/* Active logins starting with prefix (for completion): add is called for each, at most 50.
 * Returns how many, or -1 with err set. */
int db_logins(struct db *db, const char *prefix, void (*add)(const char *login, void *ctx),
              void *ctx, struct ccrm_err *err);

#endif
