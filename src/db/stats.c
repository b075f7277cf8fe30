/* Figures for the Deals pipeline and the Dashboard. Totals come from ccrm_totals, which
 * statement triggers keep exact (schema/007_views.sql): a GROUP BY over a million deals on
 * every change would cost a table scan per client and wake-up. A partner may not see those
 * totals (they count deals not shared with it); its few visible deals are counted live. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/billing.h"
#include "ccrm/entity.h"
#include "ccrm/record.h"
#include "ccrm/service.h"
#include "ccrm/stats.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "db_int.h"

/* An amount as the Dashboard and the pipeline write it: digits grouped by ',' and cents after
 * '.' whatever the server's locale, so that the client can tell the digits apart when it has
 * to write the figure shorter; 30 digits, as a sum of amounts can have many more than one
 * (a format too short writes "###"). */
#define AMOUNT_FMT "'FM999,999,999,999,999,999,999,999,999,990.00'"

/* (bucket, n, amounts) of an entity's totals; the live branch runs for partners only. */
static const char totals_sql[] =
    "SELECT t.bucket, sum(t.n)::bigint,"
    "       coalesce(string_agg(to_char(t.amount, " AMOUNT_FMT ") || ' ' || t.currency,"
    "                           ' + ' ORDER BY t.currency) FILTER (WHERE t.currency <> ''), '')"
    "  FROM (SELECT c.bucket, c.currency, c.n, c.amount FROM ccrm_totals c"
    "         WHERE c.entity = $1 AND ccrm_is_internal()"
    "        UNION ALL"
    "        SELECT o.stage, o.currency::text, count(*), coalesce(sum(o.amount), 0)"
    "          FROM opportunities o WHERE $1 = 'opportunities' AND NOT ccrm_is_internal()"
    "         GROUP BY 1, 2"
    "        UNION ALL"
    "        SELECT t.status, '', count(*), 0 FROM tickets t"
    "         WHERE $1 = 'tickets' AND NOT ccrm_is_internal() GROUP BY 1"
    "        UNION ALL"
    "        SELECT l.status, '', count(*), 0 FROM leads l"
    "         WHERE $1 = 'leads' AND NOT ccrm_is_internal() GROUP BY 1) t"
    " WHERE t.n <> 0 GROUP BY t.bucket";

int
db_pipeline_totals(struct db *db, struct stage_total *out, struct ccrm_err *err)
{
    const char *params[1] = {"opportunities"};
    PGresult *res = db_exec_prepared(db, totals_sql, 1, params, err);
    int i, j;

    if (res == NULL)
        return -1;
    for (j = 0; deal_stages[j] != NULL; j++) {
        str_copy(out[j].stage, deal_stages[j], sizeof out[j].stage);
        out[j].n = 0;
        out[j].amount[0] = '\0';
    }
    for (i = 0; i < PQntuples(res); i++)
        for (j = 0; deal_stages[j] != NULL; j++)
            if (strcmp(PQgetvalue(res, i, 0), deal_stages[j]) == 0) {
                out[j].n = strtoll(PQgetvalue(res, i, 1), NULL, 10);
                str_copy(out[j].amount, PQgetvalue(res, i, 2), sizeof out[j].amount);
            }
    PQclear(res);
    return 0;
}

int
db_pipeline_matches(struct db *db, const char *search, long long cap, long long *out,
                    struct ccrm_err *err)
{
    char *pattern = like_contains(search), capbuf[24];
    const char *params[3] = {pattern, NULL, capbuf};
    struct strbuf stages = STRBUF_INIT;
    PGresult *res;
    int i, j;

    for (j = 0; deal_stages[j] != NULL; j++) {
        strbuf_printf(&stages, "%s%s", j ? "," : "{", deal_stages[j]);
        out[j] = 0;
    }
    strbuf_puts(&stages, "}");
    params[1] = strbuf_str(&stages);
    snprintf(capbuf, sizeof capbuf, "%lld", cap);
    /* a LIMIT per stage: a search that matches a million deals costs no more than cap each */
    res = db_exec(db,
                  "SELECT s.stage, (SELECT count(*) FROM (SELECT 1 FROM opportunities a"
                  "                  WHERE a.stage = s.stage AND " ENTITY_SEARCH_COLUMN
                  "                  LIMIT $3::bigint) x)"
                  "  FROM unnest($2::text[]) s(stage)",
                  3, params, err);
    free(pattern);
    strbuf_fini(&stages);
    if (res == NULL)
        return -1;
    for (i = 0; i < PQntuples(res); i++)
        for (j = 0; deal_stages[j] != NULL; j++)
            if (strcmp(PQgetvalue(res, i, 0), deal_stages[j]) == 0)
                out[j] = strtoll(PQgetvalue(res, i, 1), NULL, 10);
    PQclear(res);
    return 0;
}

int
db_deal_set_stage(struct db *db, int64_t id, const char *version, const char *stage,
                  struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[3] = {idbuf, version, stage};
    PGresult *res;
    int n;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    res = db_exec(db,
                  "UPDATE opportunities SET stage = $3, version = $2::int WHERE id = $1"
                  " RETURNING version",
                  3, params, err);
    if (res == NULL) /* CR001: changed since read; 23514 etc.: a rule of the database */
        return err->sqlstate[0] != '\0' && strncmp(err->sqlstate, "08", 2) != 0 ? 1 : -1;
    n = PQntuples(res);
    PQclear(res);
    if (n == 0) {
        err_set(err, "deal #%" PRId64 " " RECORD_GONE, id);
        return 1;
    }
    return 0;
}

/* The Dashboard's tables: a line of figures is its cells separated by tabs, and its who says
 * what each cell is, one letter each, so that the view can size the columns to the screen:
 * 's' a word never cut (a stage, a currency), 'l' a name cut with "…" when the room is short,
 * 'x' the rest of the line (likewise), 'n' a figure (right-aligned, written shorter rather than
 * cut), 'a' amounts joined by " + " (wrapped onto more lines, each written shorter when it
 * must). Consecutive lines with the same who are one table; when is "head" for its headings. */

/* A section of counts per bucket, in the given order. */
static int
counts(struct db *db, struct detail *d, const char *entity, const char *title,
       const char *const *order, struct ccrm_err *err)
{
    const char *params[1] = {entity};
    PGresult *res = db_exec_prepared(db, totals_sql, 1, params, err);
    int i, j;

    if (res == NULL)
        return -1;
    detail_add_line(d, "", "", title, "", 0);
    for (j = 0; order[j] != NULL; j++) {
        const char *n = "0", *amount = "";
        char *what;

        for (i = 0; i < PQntuples(res); i++)
            if (strcmp(PQgetvalue(res, i, 0), order[j]) == 0) {
                n = PQgetvalue(res, i, 1);
                amount = PQgetvalue(res, i, 2);
            }
        /* (padded: the sections' counts line up with each other, as they always have) */
        what = xasprintf("%-13s\t%10s\t%s", order[j], n, amount);
        detail_add_line(d, "", "sna", what, "figure", 0);
        free(what);
    }
    PQclear(res);
    return 0;
}

/* The back office's money, per currency (never summed across currencies: there is no rate to
 * sum them by): invoiced and paid this month, outstanding and overdue now. */
static int
money(struct db *db, struct detail *d, struct ccrm_err *err)
{
    struct bill_total t[16];
    int i, n = db_bill_totals(db, t, 16, err);
    char *what;

    if (n < 0)
        return -1;
    detail_add_line(d, "", "", "Invoices this month (per currency; outstanding and overdue now)",
                    "", 0);
    if (n == 0)
        detail_add_line(d, "", "", "none", "figure", 0);
    else {
        /* a table: the view sizes its columns to the screen (a total in dong or yen has 15
         * digits and more, and one huge total must not push the others off it) */
        detail_add_line(d, "head", "snnnn", "currency\tinvoiced\tpaid\toutstanding\toverdue",
                        "figure", 0);
        for (i = 0; i < n; i++) {
            what = xasprintf("%s\t%s\t%s\t%s\t%s", t[i].currency, t[i].invoiced, t[i].paid,
                             t[i].outstanding, t[i].overdue);
            detail_add_line(d, "", "snnnn", what, "figure", 0);
            free(what);
        }
    }
    return 0;
}

/* A section of records: (id, text) rows of sql, or (id, text, entity) rows when entity is
 * NULL (a task names the record it is on); with cells (a table's who, above), (id, cell...)
 * rows, one cell per letter. */
static int
records(struct db *db, struct detail *d, const char *title, const char *entity, const char *cells,
        const char *sql, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, 0, NULL, err);
    int i, c, ncells = cells != NULL ? (int)strlen(cells) : 0;

    if (res == NULL)
        return -1;
    detail_add_line(d, "", "", title, "", 0);
    if (PQntuples(res) == 0)
        detail_add_line(d, "", "", "none", "figure", 0);
    for (i = 0; i < PQntuples(res); i++) {
        struct strbuf what = STRBUF_INIT;

        for (c = 0; c < ncells; c++) /* (a cell holds no tab: names are single lines) */
            strbuf_printf(&what, "%s%s", c > 0 ? "\t" : "", PQgetvalue(res, i, 1 + c));
        detail_add_line(d, "", cells != NULL ? cells : "",
                        cells != NULL ? strbuf_str(&what) : PQgetvalue(res, i, 1),
                        entity != NULL ? entity : PQgetvalue(res, i, 2),
                        strtoll(PQgetvalue(res, i, 0), NULL, 10));
        strbuf_fini(&what);
    }
    PQclear(res);
    return 0;
}

/* The SLA compliance of the last 30 days, per kind of clock (db_sla_compliance; partners may
 * not read the clocks' figures: they get no such section). */
static int
sla_section(struct db *db, struct detail *d, struct ccrm_err *err)
{
    struct sla_line l[4];
    int n, i;

    if (db_is_partner(db))
        return 0;
    if ((n = db_sla_compliance(db, l, 4, err)) < 0)
        return -1;
    detail_add_line(d, "", "", "SLA, last 30 days (% in time, of those met or overdue)", "", 0);
    if (n == 0)
        detail_add_line(d, "", "", "no SLA clocks started", "figure", 0);
    for (i = 0; i < n; i++) {
        char kind[24], *what;
        size_t k;

        str_copy(kind, l[i].kind, sizeof kind);
        for (k = 0; kind[k] != '\0'; k++)
            if (kind[k] == '_')
                kind[k] = ' ';
        /* every clock in one of four counts, so that they add up: the % is the first of the
         * three that are decided */
        what = xasprintf("%-14s %5s%s  in time %lld, met late %lld, overdue %lld, not yet due %lld",
                         kind, l[i].percent[0] ? l[i].percent : "-", l[i].percent[0] ? " %" : "  ",
                         l[i].met_in_time, l[i].met_late, l[i].overdue,
                         l[i].clocks - l[i].met_in_time - l[i].met_late - l[i].overdue);
        detail_add_line(d, "", "", what, "figure", 0);
        free(what);
    }
    return 0;
}

struct detail *
db_dashboard(struct db *db, struct ccrm_err *err)
{
    static const char *const ticket_order[] = {"new", "open", "pending", "solved", "closed", NULL};
    static const char *const lead_order[] = {"new",         "contacted", "qualified",
                                             "unqualified", "converted", NULL};
    struct detail *d = xcalloc(1, sizeof *d);

    d->title = xstrdup("Dashboard");
    d->subtitle = xstrdup("live figures: they change as anyone works");
    if (counts(db, d, "opportunities", "Pipeline by stage (deals, amount)", deal_stages, err) ||
        money(db, d, err) || counts(db, d, "tickets", "Tickets by status", ticket_order, err) ||
        sla_section(db, d, err) || counts(db, d, "leads", "Leads by status", lead_order, err))
        goto fail;
    /* each open stage's biggest deals come off its (stage, amount) index; then the best three
     * of each currency: amounts in different currencies are never compared (nor converted) */
    /* (name, amount, currency, stage and owner: the view sizes them; the currency is never
     * cut, nor the amount's digits) */
    if (records(db, d, "Biggest open deals, by currency (amounts not converted)", "opportunities",
                "lnsx",
                "SELECT b.id, translate(b.name, E'\\t', ' '),"
                "  coalesce(to_char(b.amount, " AMOUNT_FMT "), ''),"
                "  CASE WHEN b.amount IS NULL THEN '' ELSE b.currency END,"
                "  b.stage || coalesce('  · ' || b.owner, '')"
                "  FROM (SELECT o.*, row_number() OVER (PARTITION BY o.currency"
                "                     ORDER BY coalesce(o.amount, 0) DESC, o.id DESC) AS rank"
                "          FROM ("
                "   (SELECT * FROM opportunities WHERE stage = 'prospecting'"
                "     ORDER BY coalesce(amount, 0) DESC, id DESC LIMIT 30) UNION ALL"
                "   (SELECT * FROM opportunities WHERE stage = 'qualification'"
                "     ORDER BY coalesce(amount, 0) DESC, id DESC LIMIT 30) UNION ALL"
                "   (SELECT * FROM opportunities WHERE stage = 'proposal'"
                "     ORDER BY coalesce(amount, 0) DESC, id DESC LIMIT 30) UNION ALL"
                "   (SELECT * FROM opportunities WHERE stage = 'negotiation'"
                "     ORDER BY coalesce(amount, 0) DESC, id DESC LIMIT 30)) o) b"
                " WHERE b.rank <= 3"
                " ORDER BY b.currency, coalesce(b.amount, 0) DESC, b.id DESC LIMIT 12",
                err) ||
        records(db, d, "Urgent tickets not solved yet", "tickets", NULL,
                "SELECT t.id, '#' || t.id || '  ' || t.subject || '  [' || t.status || ']'"
                "       || coalesce('  · ' || t.assignee, '  · unassigned')"
                "  FROM tickets t WHERE t.priority = 'urgent'"
                "   AND t.status IN ('new', 'open', 'pending')"
                " ORDER BY t.updated_at DESC, t.id DESC LIMIT 8",
                err) ||
        /* a task says what it is on (Enter opens that record) and whether it is overdue */
        records(
            db, d, "My open tasks", NULL, NULL,
            "SELECT coalesce(i.ticket_id, i.opportunity_id, i.lead_id, i.contact_id,"
            "                i.account_id, i.id),"
            "       to_char(" SQL_LOCAL(
                "i.due_at") ", 'YYYY-MM-DD HH24:MI')"
                            "       || CASE WHEN i.due_at < now() THEN '  OVERDUE  ' ELSE '        "
                            "   ' END"
                            "       || coalesce(i.subject, i.kind)"
                            "       || coalesce('  · ' || CASE"
                            "            WHEN i.ticket_id IS NOT NULL THEN 'ticket #' || "
                            "i.ticket_id"
                            "              || coalesce(' ' || (SELECT t.subject FROM tickets t"
                            "                                   WHERE t.id = i.ticket_id), '')"
                            "            WHEN i.opportunity_id IS NOT NULL THEN 'deal '"
                            "              || coalesce((SELECT o.name FROM opportunities o"
                            "                            WHERE o.id = i.opportunity_id), '#' || "
                            "i.opportunity_id)"
                            "            WHEN i.lead_id IS NOT NULL THEN 'lead '"
                            "              || coalesce((SELECT nullif(concat_ws(' ', l.first_name, "
                            "l.last_name), "
                            "'')"
                            "                             FROM leads l WHERE l.id = i.lead_id), "
                            "'#' || i.lead_id)"
                            "            WHEN i.contact_id IS NOT NULL THEN coalesce("
                            "              (SELECT nullif(concat_ws(' ', c.first_name, "
                            "c.last_name), '')"
                            "                 FROM contacts c WHERE c.id = i.contact_id), 'contact "
                            "#' || "
                            "i.contact_id)"
                            "            WHEN i.account_id IS NOT NULL THEN coalesce("
                            "              (SELECT a.name FROM accounts a WHERE a.id = "
                            "i.account_id),"
                            "               'account #' || i.account_id) END, ''),"
                            "       CASE WHEN i.ticket_id IS NOT NULL THEN 'tickets'"
                            "            WHEN i.opportunity_id IS NOT NULL THEN 'opportunities'"
                            "            WHEN i.lead_id IS NOT NULL THEN 'leads'"
                            "            WHEN i.contact_id IS NOT NULL THEN 'contacts'"
                            "            WHEN i.account_id IS NOT NULL THEN 'accounts'"
                            "            ELSE 'interactions' END"
                            "  FROM interactions i WHERE i.done_at IS NULL AND i.due_at IS NOT NULL"
                            "   AND coalesce(i.owner, i.created_by) = current_user AND i.kind IN "
                            "('task', "
                            "'meeting')"
                            " ORDER BY i.due_at, i.id LIMIT 8",
            err))
        goto fail;
    return d;
fail:
    detail_free(&d);
    return NULL;
}

int
db_logins(struct db *db, const char *prefix, void (*add)(const char *login, void *ctx), void *ctx,
          struct ccrm_err *err)
{
    const char *params[1] = {prefix};
    PGresult *res;
    int i, n;

    res = db_exec(db,
                  "SELECT u.login FROM users u WHERE u.active"
                  "   AND left(lower(u.login), length($1)) = lower($1) ORDER BY u.login LIMIT 50",
                  1, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n; i++)
        add(PQgetvalue(res, i, 0), ctx);
    PQclear(res);
    return n;
}
