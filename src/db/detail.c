/* Record detail queries ("customer 360", DESIGN §5-6): a record's fields and related records,
 * its comments, its chat and who else is on it, and one timeline of what every department did
 * with that customer, newest first. Every list is bounded (LIMIT) and read through an index,
 * so a detail costs the same whether the tables hold a hundred rows or millions. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/detail.h"
#include "ccrm/util.h"
#include "db_int.h"

#define RELATED_MAX 5   /* a person's leads, a deal's contacts */
#define PERSON_SCAN 200 /* an account's campaign responses: those of 200 of its people */

/* ---- SQL fragments (fixed text only: values are always parameters) ---- */

#define LIMIT_TL " LIMIT " CCRM_STR(DETAIL_TIMELINE_MAX)
/* how a person or a lead is named on a line */
#define NAME_C                                                                                     \
    "coalesce(nullif(concat_ws(' ', c.first_name, c.last_name), ''), c.email, '#' || c.id)"
#define NAME_L                                                                                     \
    "coalesce(nullif(concat_ws(' ', l.first_name, l.last_name), ''), l.company, l.email,"          \
    " '#' || l.id)"
#define LEAD_STATUS "' [' || l.status || ', score ' || l.score || ']'"
/* a count shown in a subtitle: never more than 1000 rows read */
#define CAPPED(sub)                                                                                \
    "(SELECT CASE WHEN count(*) >= 1000 THEN '1000+' ELSE count(*)::text END"                      \
    " FROM (" sub " LIMIT 1000) s)"

/* A timeline: branches of (at, who, what, entity, id), each newest first from an index and
 * bounded, merged, then the person's department looked up. */
#define TL_BEGIN                                                                                   \
    "SELECT to_char(t.at, 'YYYY-MM-DD HH24:MI'),"                                                  \
    " t.who || coalesce(' (' || u.department || ')', ''), t.what, t.entity, t.id FROM ("
#define TL_END ") t LEFT JOIN users u ON u.login = t.who ORDER BY t.at DESC, t.id DESC" LIMIT_TL
#define UNION " UNION ALL "

#define IX(cond)                                                                                   \
    "(SELECT i.at, coalesce(i.created_by, '') AS who,"                                             \
    " i.kind || ': ' || coalesce(i.subject, '') ||"                                                \
    " CASE WHEN i.done_at IS NULL AND i.due_at IS NOT NULL"                                        \
    "      THEN ' (due ' || to_char(i.due_at, 'YYYY-MM-DD') || ')' ELSE '' END AS what,"           \
    " 'interactions'::text AS entity, i.id FROM interactions i WHERE " cond                        \
    " ORDER BY i.at DESC, i.id DESC" LIMIT_TL ")"
#define TICKETS(cond)                                                                              \
    "(SELECT k.created_at AS at, k.created_by AS who,"                                             \
    " 'ticket #' || k.id || ' ' || k.subject || ' [' || k.status || ', ' || k.priority || ']'"     \
    " AS what, 'tickets'::text AS entity, k.id FROM tickets k WHERE " cond                         \
    " ORDER BY k.created_at DESC, k.id DESC" LIMIT_TL ")"
#define DEALS(cond)                                                                                \
    "(SELECT o.created_at AS at, o.created_by AS who,"                                             \
    " 'deal ' || o.name || ' [' || o.stage || '] '"                                                \
    " || coalesce(to_char(o.amount, 'FM999G999G990') || ' ' || o.currency, '') AS what,"           \
    " 'opportunities'::text AS entity, o.id FROM opportunities o WHERE " cond                      \
    " ORDER BY o.created_at DESC, o.id DESC" LIMIT_TL ")"
#define LEADS(cond)                                                                                \
    "(SELECT l.created_at AS at, l.created_by AS who, 'lead ' || " NAME_L " || " LEAD_STATUS       \
    " AS what, 'leads'::text AS entity, l.id FROM leads l WHERE " cond                             \
    " ORDER BY l.created_at DESC, l.id DESC" LIMIT_TL ")"
/* campaign responses: when the member's status last changed, and who recorded it */
#define RESPONSES(from, cond, suffix)                                                              \
    "(SELECT cm.updated_at AS at, cm.updated_by AS who,"                                           \
    " 'campaign ' || cp.name || ': ' || cm.status" suffix " AS what,"                              \
    " 'campaigns'::text AS entity, cp.id"                                                          \
    " FROM " from " JOIN campaigns cp ON cp.id = cm.campaign_id WHERE " cond                       \
    " ORDER BY cm.updated_at DESC, cm.id DESC" LIMIT_TL ")"

/* An account ($1): its interactions (those on its tickets and deals too: the account is filled
 * in on insert), tickets, deals, leads, and the campaign responses of its people. */
#define ACCOUNT_TL                                                                                 \
    IX("i.account_id = $1")                                                                        \
    UNION TICKETS("k.account_id = $1") UNION DEALS("o.account_id = $1")                            \
        UNION LEADS("l.account_id = $1")
#define LIMIT_SCAN " LIMIT " CCRM_STR(PERSON_SCAN)
#define ACCOUNT_PEOPLE                                                                             \
    "(SELECT c.id, " NAME_C " AS name FROM contacts c WHERE c.account_id = $1" LIMIT_SCAN ") p"
#define ACCOUNT_LEADS                                                                              \
    "(SELECT l.id, " NAME_L " AS name FROM leads l WHERE l.account_id = $1" LIMIT_SCAN ") p"
/* per person an index probe (a lateral join: never a scan of all members), newest first */
#define PEOPLE_RESPONSES(col)                                                                      \
    RESPONSES("campaign_members cm", "cm." col " = p.id", " || ' — ' || p.name")                   \
    " x ORDER BY x.at DESC, x.id DESC" LIMIT_TL ")"
#define ACCOUNT_TL_CAMPAIGNS                                                                       \
    UNION "(SELECT x.* FROM " ACCOUNT_PEOPLE ", LATERAL " PEOPLE_RESPONSES("contact_id") UNION     \
        "(SELECT x.* FROM " ACCOUNT_LEADS ", LATERAL " PEOPLE_RESPONSES("lead_id")

/* A contact ($1; $2 its account, $3 its e-mail): what was done with the person, under the
 * contact and under the leads that are this person (DESIGN §5: the lead's contact, or failing
 * that the same e-mail), the person's tickets, the account's deals, campaign responses. */
#define CONTACT_LEADS                                                                              \
    "WITH pl AS MATERIALIZED ("                                                                    \
    " (SELECT l.id FROM leads l WHERE l.contact_id = $1 ORDER BY l.id DESC LIMIT 20) UNION"        \
    " (SELECT l.id FROM leads l WHERE l.contact_id IS NULL AND lower(l.email) = lower($3)"         \
    "   ORDER BY l.id DESC LIMIT 20)) "
#define IX_OF_PERSON_LEADS IX("i.lead_id = pl.id AND i.contact_id IS DISTINCT FROM $1")
#define RESPONSES_OF_PERSON_LEADS RESPONSES("campaign_members cm", "cm.lead_id = pl.id", "")
#define CONTACT_TL                                                                                 \
    IX("i.contact_id = $1")                                                                        \
    UNION "(SELECT x.* FROM pl, LATERAL " IX_OF_PERSON_LEADS                                       \
          " x)" UNION TICKETS("k.contact_id = $1") UNION DEALS("o.account_id = $2")
#define CONTACT_TL_CAMPAIGNS                                                                       \
    UNION RESPONSES("campaign_members cm", "cm.contact_id = $1", "") UNION                         \
        "(SELECT x.* FROM pl, LATERAL " RESPONSES_OF_PERSON_LEADS " x)"

/* A lead ($1; $2 its person's contact, $3 its account): the same, seen from the lead. */
#define LEAD_TL                                                                                    \
    IX("i.lead_id = $1")                                                                           \
    UNION IX("i.contact_id = $2 AND i.lead_id IS DISTINCT FROM $1")                                \
        UNION TICKETS("k.contact_id = $2") UNION DEALS("o.account_id = $3")
#define LEAD_TL_CAMPAIGNS                                                                          \
    UNION RESPONSES("campaign_members cm", "cm.lead_id = $1", "")                                  \
        UNION RESPONSES("campaign_members cm", "cm.contact_id = $2", "")

/* The leads that are the person of contact $1 (e-mail $2): its own, or with its e-mail. */
#define LIMIT_REL " LIMIT " CCRM_STR(RELATED_MAX)
#define PERSON_LEADS                                                                               \
    "(SELECT '', '', 'lead: ' || " NAME_L " || " LEAD_STATUS ", 'leads', l.id"                     \
    "   FROM leads l WHERE l.contact_id = $1 ORDER BY l.id DESC" LIMIT_REL ")" UNION               \
    "(SELECT '', '', 'lead: ' || " NAME_L " || " LEAD_STATUS " || ' (same e-mail)',"               \
    " 'leads', l.id FROM leads l WHERE l.contact_id IS NULL AND lower(l.email) = lower($2)"        \
    " ORDER BY l.id DESC" LIMIT_REL ")"

/* An account's contacts, open tickets and open deals (for the subtitle; $1, not the outer
 * row's id, so that the planner sees which account and reads no more than the cap) */
#define COUNT_CONTACTS CAPPED("SELECT 1 FROM contacts c WHERE c.account_id = $1")
#define OPEN_TICKETS "t.account_id = $1 AND t.status NOT IN ('solved', 'closed')"
#define COUNT_TICKETS CAPPED("SELECT 1 FROM tickets t WHERE " OPEN_TICKETS)
#define OPEN_DEALS "o.account_id = $1 AND o.stage NOT IN ('won', 'lost')"
#define COUNT_DEALS CAPPED("SELECT 1 FROM opportunities o WHERE " OPEN_DEALS)
#define ACCOUNT_COUNTS COUNT_CONTACTS ", " COUNT_TICKETS ", " COUNT_DEALS
#define CAMPAIGN_COUNT CAPPED("SELECT 1 FROM campaign_members m WHERE m.campaign_id = $1")

static const char *const entities[] = {"accounts", "contacts",  "leads", "opportunities",
                                       "tickets",  "campaigns", NULL};

int
db_detail_entity(const char *entity)
{
    int i;

    for (i = 0; entity != NULL && entities[i] != NULL; i++)
        if (strcmp(entities[i], entity) == 0)
            return 1;
    return 0;
}

/* ---- building a detail ---- */

/* A related record: a line without time or person, which Enter opens. */
static void
add_related(struct detail *d, const char *label, const char *name, const char *entity,
            const char *id)
{
    char *what;

    if (id == NULL || id[0] == '\0')
        return;
    what = xasprintf("%s: %s", label, name);
    detail_add_line(d, "", "", what, entity, strtoll(id, NULL, 10));
    free(what);
}

/* Append the rows of res, (when, who, what, entity, id) each, as lines. */
static void
add_rows(struct detail *d, const PGresult *res)
{
    int i, n = PQntuples(res);

    for (i = 0; i < n; i++)
        detail_add_line(d, db_val(res, i, 0), db_val(res, i, 1), db_val(res, i, 2),
                        db_val(res, i, 3), strtoll(db_val(res, i, 4), NULL, 10));
}

/* Run a query of lines and append them under a heading "name (n[+]suffix)"; with skip_empty,
 * nothing at all when there are none. Returns 0 or -1. */
static int
add_section(struct db *db, struct detail *d, const char *name, const char *suffix, int max,
            int skip_empty, const char *sql, int nparams, const char *const *params,
            struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    char heading[128];
    int n;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n > 0 || !skip_empty) {
        snprintf(heading, sizeof heading, "%s (%d%s%s)", name, n, n >= max ? "+" : "", suffix);
        detail_add_line(d, "", "", heading, "", 0);
        add_rows(d, res);
    }
    PQclear(res);
    return 0;
}

/* Who else shows this record now (row-level security filters presence like the record's
 * account; stale rows of crashed clients are ignored). */
static int
add_presence(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    return db_presence_here(db, params[0], strtoll(params[1], NULL, 10), &d->here, err);
}

/* The latest comments and chat messages on the record, each oldest first. */
static int
add_comments_chat(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    PGresult *res;
    char buf[96];
    int n;

    res = db_exec(
        db,
        "SELECT to_char(m.created_at, 'YYYY-MM-DD HH24:MI'),"
        "       m.author || coalesce(' (' || u.department || ')', ''),"
        "       regexp_replace(m.body, '\\s+', ' ', 'g'), 'comments', m.id"
        "  FROM (SELECT * FROM comments c WHERE c.entity = $1 AND c.entity_id = $2"
        "         ORDER BY c.created_at DESC, c.id DESC"
        "         LIMIT " CCRM_STR(DETAIL_COMMENTS_MAX) ") m"
                                                        "  LEFT JOIN users u ON u.login = m.author"
                                                        " ORDER BY m.created_at, m.id",
        2, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "Comments (%s%d) · c to write",
             n == DETAIL_COMMENTS_MAX ? "latest " : "", n);
    detail_add_line(d, "", "", buf, "", 0);
    add_rows(d, res);
    PQclear(res);

    res = db_exec(db,
                  "SELECT to_char(m.created_at, 'MM-DD HH24:MI'),"
                  "       m.created_by || coalesce(' (' || u.department || ')', ''), m.body,"
                  "       'chat', m.id"
                  "  FROM (SELECT * FROM chat_messages c"
                  "         WHERE c.entity = $1 AND c.entity_id = $2"
                  "         ORDER BY c.id DESC LIMIT " CCRM_STR(
                      DETAIL_CHAT_MAX) ") m"
                                       "  LEFT JOIN users u ON u.login = m.created_by"
                                       " ORDER BY m.id",
                  2, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "Chat (%s%d) · t to write", n == DETAIL_CHAT_MAX ? "latest " : "", n);
    detail_add_line(d, "", "", buf, "", 0);
    add_rows(d, res);
    PQclear(res);
    return 0;
}

/* Run the query of a record's own row: NULL (err set, SQLSTATE empty) when there is none. */
static PGresult *
head(struct db *db, const char *sql, const char *noun, const char *const *params,
     struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, 1, params, err);

    if (res != NULL && PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "%s %s does not exist (or is not shared with you)", noun, params[0]);
        return NULL;
    }
    return res;
}

/* Campaigns are marketing's: partners may not read them, and a statement naming a table it
 * may not read fails as a whole, so their timelines leave campaign responses out. */
static int
sees_campaigns(struct db *db)
{
    return strcmp(db_department(db), "partner") != 0;
}

/* What the timeline query of a record needs from its own row: the person's contact (a lead's
 * contact, or the contact with its e-mail), its e-mail and the account. */
struct rec_ctx {
    char contact[24];
    char account[24];
    char email[320];
    int has_email;
};

static int
load_account(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    PGresult *res;

    res = head(db,
               "SELECT a.name, coalesce(a.domain, ''), coalesce(a.industry, ''),"
               " coalesce(a.owner, ''), coalesce(a.phone, ''), coalesce(a.website, ''),"
               " concat_ws(', ', nullif(a.city, ''), nullif(a.country, '')),"
               " coalesce(a.employees::text, ''),"
               " coalesce(to_char(a.annual_revenue, 'FM999G999G999G990D00'), ''),"
               " coalesce(a.description, ''),"
               " to_char(a.created_at, 'YYYY-MM-DD HH24:MI') || ' by ' || a.created_by,"
               " to_char(a.updated_at, 'YYYY-MM-DD HH24:MI') || ' by ' || a.updated_by,"
               " a.version, " ACCOUNT_COUNTS " FROM accounts a WHERE a.id = $1",
               "account", params, err);
    if (res == NULL)
        return -1;
    d->title = xstrdup(db_val(res, 0, 0));
    d->subtitle = xasprintf("account #%s · %s contacts · %s open tickets · %s open deals",
                            params[0], db_val(res, 0, 13), db_val(res, 0, 14), db_val(res, 0, 15));
    detail_add_field(d, "Domain", db_val(res, 0, 1));
    detail_add_field(d, "Industry", db_val(res, 0, 2));
    detail_add_field(d, "Owner", db_val(res, 0, 3));
    detail_add_field(d, "Phone", db_val(res, 0, 4));
    detail_add_field(d, "Website", db_val(res, 0, 5));
    detail_add_field(d, "Location", db_val(res, 0, 6));
    detail_add_field(d, "Employees", db_val(res, 0, 7));
    detail_add_field(d, "Revenue", db_val(res, 0, 8));
    detail_add_field(d, "Created", db_val(res, 0, 10));
    detail_add_field(d, "Updated", db_val(res, 0, 11));
    detail_add_field(d, "About", db_val(res, 0, 9));
    d->version = atoi(db_val(res, 0, 12));
    d->account_id = d->id;
    PQclear(res);

    return add_section(db, d, "People", "", DETAIL_PEOPLE_MAX, 0,
                       "SELECT '', '', " NAME_C " || '  ' || concat_ws(' · ',"
                       " nullif(c.title, ''), nullif(c.email, ''), nullif(c.phone, '')),"
                       " 'contacts', c.id FROM contacts c WHERE c.account_id = $1"
                       " ORDER BY c.last_name, c.first_name, c.id"
                       " LIMIT " CCRM_STR(DETAIL_PEOPLE_MAX),
                       1, params, err);
}

static int
timeline_account(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    return add_section(db, d, "Timeline", ", newest first", DETAIL_TIMELINE_MAX, 0,
                       sees_campaigns(db) ? TL_BEGIN ACCOUNT_TL ACCOUNT_TL_CAMPAIGNS TL_END
                                          : TL_BEGIN ACCOUNT_TL TL_END,
                       1, params, err);
}

/* The leads that are this person: the contact's own, or failing that the same e-mail. */
static int
add_person_leads(struct db *db, struct detail *d, const char *contact_id, const char *email,
                 struct ccrm_err *err)
{
    const char *params[2] = {contact_id, email};
    PGresult *res;

    if (contact_id == NULL)
        return 0;
    res = db_exec(db, PERSON_LEADS, 2, params, err);
    if (res == NULL)
        return -1;
    add_rows(d, res);
    PQclear(res);
    return 0;
}

static int
load_contact(struct db *db, struct detail *d, const char *const *params, struct rec_ctx *cx,
             struct ccrm_err *err)
{
    PGresult *res;
    int rc;

    res = head(db,
               "SELECT " NAME_C ", coalesce(c.title, ''), coalesce(c.email, ''),"
               " coalesce(c.phone, ''), coalesce(c.owner, ''), coalesce(a.name, ''),"
               " to_char(c.created_at, 'YYYY-MM-DD HH24:MI') || ' by ' || c.created_by,"
               " to_char(c.updated_at, 'YYYY-MM-DD HH24:MI') || ' by ' || c.updated_by,"
               " c.version, c.account_id"
               " FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = $1",
               "contact", params, err);
    if (res == NULL)
        return -1;
    d->title = xstrdup(db_val(res, 0, 0));
    if (db_val(res, 0, 1)[0] != '\0' && db_val(res, 0, 5)[0] != '\0')
        d->subtitle =
            xasprintf("contact #%s · %s at %s", params[0], db_val(res, 0, 1), db_val(res, 0, 5));
    else
        d->subtitle = xasprintf("contact #%s%s%s", params[0],
                                db_val(res, 0, 1)[0] || db_val(res, 0, 5)[0] ? " · " : "",
                                db_val(res, 0, 1)[0] ? db_val(res, 0, 1) : db_val(res, 0, 5));
    detail_add_field(d, "Title", db_val(res, 0, 1));
    detail_add_field(d, "E-mail", db_val(res, 0, 2));
    detail_add_field(d, "Phone", db_val(res, 0, 3));
    detail_add_field(d, "Owner", db_val(res, 0, 4));
    detail_add_field(d, "Account", db_val(res, 0, 5));
    detail_add_field(d, "Created", db_val(res, 0, 6));
    detail_add_field(d, "Updated", db_val(res, 0, 7));
    d->version = atoi(db_val(res, 0, 8));
    d->account_id = strtoll(db_val(res, 0, 9), NULL, 10);
    detail_add_line(d, "", "", "Related", "", 0);
    add_related(d, "account", db_val(res, 0, 5), "accounts", db_val(res, 0, 9));
    str_copy(cx->account, db_val(res, 0, 9), sizeof cx->account);
    str_copy(cx->email, db_val(res, 0, 2), sizeof cx->email);
    cx->has_email = !PQgetisnull(res, 0, 2);
    rc = add_person_leads(db, d, params[0], PQgetisnull(res, 0, 2) ? NULL : db_val(res, 0, 2), err);
    PQclear(res);
    return rc;
}

static int
timeline_contact(struct db *db, struct detail *d, const char *const *params,
                 const struct rec_ctx *cx, struct ccrm_err *err)
{
    const char *tp[3] = {params[0], cx->account[0] ? cx->account : NULL,
                         cx->has_email ? cx->email : NULL};

    return add_section(db, d, "Timeline", ", newest first", DETAIL_TIMELINE_MAX, 0,
                       sees_campaigns(db)
                           ? CONTACT_LEADS TL_BEGIN CONTACT_TL CONTACT_TL_CAMPAIGNS TL_END
                           : CONTACT_LEADS TL_BEGIN CONTACT_TL TL_END,
                       3, tp, err);
}

static int
load_lead(struct db *db, struct detail *d, const char *const *params, struct rec_ctx *cx,
          struct ccrm_err *err)
{
    PGresult *res;

    res = head(db,
               "SELECT " NAME_L ", coalesce(l.company, ''), coalesce(l.email, ''),"
               " coalesce(l.source, ''), l.status, l.score::text, coalesce(l.owner, ''),"
               " to_char(l.created_at, 'YYYY-MM-DD HH24:MI') || ' by ' || l.created_by,"
               " to_char(l.updated_at, 'YYYY-MM-DD HH24:MI') || ' by ' || l.updated_by,"
               " l.version, c.id,"
               " coalesce(" NAME_C " || coalesce(' <' || c.email || '>', ''), ''),"
               " l.contact_id IS NULL, a.id, coalesce(a.name, '')"
               " FROM leads l"
               " LEFT JOIN contacts c ON c.id = coalesce(l.contact_id,"
               "   (SELECT c2.id FROM contacts c2 WHERE lower(c2.email) = lower(l.email)"
               "     LIMIT 1))"
               " LEFT JOIN accounts a ON a.id = coalesce(l.account_id, c.account_id)"
               " WHERE l.id = $1",
               "lead", params, err);
    if (res == NULL)
        return -1;
    d->title = xstrdup(db_val(res, 0, 0));
    d->subtitle =
        xasprintf("lead #%s · %s · score %s%s%s", params[0], db_val(res, 0, 4), db_val(res, 0, 5),
                  db_val(res, 0, 1)[0] ? " · " : "", db_val(res, 0, 1));
    detail_add_field(d, "Company", db_val(res, 0, 1));
    detail_add_field(d, "E-mail", db_val(res, 0, 2));
    detail_add_field(d, "Source", db_val(res, 0, 3));
    detail_add_field(d, "Status", db_val(res, 0, 4));
    detail_add_field(d, "Score", db_val(res, 0, 5));
    detail_add_field(d, "Owner", db_val(res, 0, 6));
    detail_add_field(d, "Account", db_val(res, 0, 14));
    detail_add_field(d, "Created", db_val(res, 0, 7));
    detail_add_field(d, "Updated", db_val(res, 0, 8));
    d->version = atoi(db_val(res, 0, 9));
    d->account_id = strtoll(db_val(res, 0, 13), NULL, 10);
    str_copy(cx->contact, db_val(res, 0, 10), sizeof cx->contact);
    str_copy(cx->account, db_val(res, 0, 13), sizeof cx->account);
    detail_add_line(d, "", "", "Related", "", 0);
    add_related(d, "account", db_val(res, 0, 14), "accounts", db_val(res, 0, 13));
    if (cx->contact[0] != '\0') {
        char *name = xasprintf("%s%s", db_val(res, 0, 11),
                               strcmp(db_val(res, 0, 12), "t") == 0 ? " (same e-mail)" : "");

        add_related(d, "contact", name, "contacts", cx->contact);
        free(name);
    }
    PQclear(res);
    return 0;
}

static int
timeline_lead(struct db *db, struct detail *d, const char *const *params, const struct rec_ctx *cx,
              struct ccrm_err *err)
{
    const char *tp[3] = {params[0], cx->contact[0] ? cx->contact : NULL,
                         cx->account[0] ? cx->account : NULL};

    return add_section(db, d, "Timeline", ", newest first", DETAIL_TIMELINE_MAX, 0,
                       sees_campaigns(db) ? TL_BEGIN LEAD_TL LEAD_TL_CAMPAIGNS TL_END
                                          : TL_BEGIN LEAD_TL TL_END,
                       3, tp, err);
}

static int
load_deal(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    PGresult *res;

    res = head(db,
               "SELECT o.name, o.stage,"
               " coalesce(to_char(o.amount, 'FM999G999G999G990D00') || ' ' || o.currency, ''),"
               " coalesce(to_char(o.close_date, 'YYYY-MM-DD'), ''), coalesce(o.owner, ''),"
               " coalesce(a.name, ''),"
               " to_char(o.created_at, 'YYYY-MM-DD HH24:MI') || ' by ' || o.created_by,"
               " to_char(o.updated_at, 'YYYY-MM-DD HH24:MI') || ' by ' || o.updated_by,"
               " o.version, o.account_id"
               " FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id"
               " WHERE o.id = $1",
               "deal", params, err);
    if (res == NULL)
        return -1;
    d->title = xstrdup(db_val(res, 0, 0));
    d->subtitle = xasprintf("deal #%s · %s%s%s", params[0], db_val(res, 0, 1),
                            db_val(res, 0, 2)[0] ? " · " : "", db_val(res, 0, 2));
    detail_add_field(d, "Account", db_val(res, 0, 5));
    detail_add_field(d, "Stage", db_val(res, 0, 1));
    detail_add_field(d, "Amount", db_val(res, 0, 2));
    detail_add_field(d, "Close date", db_val(res, 0, 3));
    detail_add_field(d, "Owner", db_val(res, 0, 4));
    detail_add_field(d, "Created", db_val(res, 0, 6));
    detail_add_field(d, "Updated", db_val(res, 0, 7));
    d->version = atoi(db_val(res, 0, 8));
    d->account_id = strtoll(db_val(res, 0, 9), NULL, 10);
    detail_add_line(d, "", "", "Related", "", 0);
    add_related(d, "account", db_val(res, 0, 5), "accounts", db_val(res, 0, 9));
    PQclear(res);

    /* a deal has no contact column: the people its calls and meetings were with */
    res =
        db_exec(db,
                "SELECT '', '', 'contact: ' || " NAME_C " || coalesce(' <' || c.email || '>', ''),"
                " 'contacts', c.id FROM contacts c WHERE c.id IN (SELECT i.contact_id FROM"
                "   (SELECT i.contact_id FROM interactions i"
                "     WHERE i.opportunity_id = $1 AND i.contact_id IS NOT NULL"
                "     ORDER BY i.at DESC, i.id DESC LIMIT 50) i)"
                " ORDER BY c.last_name, c.first_name, c.id LIMIT " CCRM_STR(RELATED_MAX),
                1, params, err);
    if (res == NULL)
        return -1;
    add_rows(d, res);
    PQclear(res);
    return 0;
}

static int
load_ticket(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    PGresult *res;
    int rc;

    res = head(db,
               "SELECT k.subject, k.status, k.priority, coalesce(k.channel, ''),"
               " coalesce(k.assignee, ''), coalesce(k.product, ''), coalesce(a.name, ''),"
               " coalesce(" NAME_C " || coalesce(' <' || c.email || '>', ''), ''),"
               " coalesce(left(regexp_replace(k.body, '\\s+', ' ', 'g'), 400), ''),"
               " to_char(k.created_at, 'YYYY-MM-DD HH24:MI') || ' by ' || k.created_by,"
               " to_char(k.updated_at, 'YYYY-MM-DD HH24:MI') || ' by ' || k.updated_by,"
               " k.version, k.account_id,"
               " k.contact_id, c.email"
               " FROM tickets k LEFT JOIN accounts a ON a.id = k.account_id"
               " LEFT JOIN contacts c ON c.id = k.contact_id"
               " WHERE k.id = $1",
               "ticket", params, err);
    if (res == NULL)
        return -1;
    d->title = xasprintf("#%s %s", params[0], db_val(res, 0, 0));
    d->subtitle =
        xasprintf("ticket #%s · %s · %s priority", params[0], db_val(res, 0, 1), db_val(res, 0, 2));
    detail_add_field(d, "Status", db_val(res, 0, 1));
    detail_add_field(d, "Priority", db_val(res, 0, 2));
    detail_add_field(d, "Channel", db_val(res, 0, 3));
    detail_add_field(d, "Assignee", db_val(res, 0, 4));
    detail_add_field(d, "Product", db_val(res, 0, 5));
    detail_add_field(d, "Account", db_val(res, 0, 6));
    detail_add_field(d, "Contact", db_val(res, 0, 7));
    detail_add_field(d, "Created", db_val(res, 0, 9));
    detail_add_field(d, "Updated", db_val(res, 0, 10));
    detail_add_field(d, "Message", db_val(res, 0, 8));
    d->version = atoi(db_val(res, 0, 11));
    d->account_id = strtoll(db_val(res, 0, 12), NULL, 10);
    detail_add_line(d, "", "", "Related", "", 0);
    add_related(d, "account", db_val(res, 0, 6), "accounts", db_val(res, 0, 12));
    add_related(d, "contact", db_val(res, 0, 7), "contacts", db_val(res, 0, 13));
    /* the person's leads: a sales signal from support lands on one of these */
    rc = add_person_leads(db, d, PQgetisnull(res, 0, 13) ? NULL : db_val(res, 0, 13),
                          PQgetisnull(res, 0, 14) ? NULL : db_val(res, 0, 14), err);
    PQclear(res);
    return rc;
}

static int
load_campaign(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    PGresult *res;

    res = head(db,
               "SELECT p.name, p.status, coalesce(to_char(p.starts_on, 'YYYY-MM-DD'), ''),"
               " coalesce(to_char(p.ends_on, 'YYYY-MM-DD'), ''),"
               " coalesce(to_char(p.budget, 'FM999G999G999G990D00'), ''), coalesce(p.owner, ''),"
               " " CAMPAIGN_COUNT ","
               " to_char(p.created_at, 'YYYY-MM-DD HH24:MI') || ' by ' || p.created_by,"
               " to_char(p.updated_at, 'YYYY-MM-DD HH24:MI') || ' by ' || p.updated_by,"
               " p.version FROM campaigns p WHERE p.id = $1",
               "campaign", params, err);
    if (res == NULL)
        return -1;
    d->title = xstrdup(db_val(res, 0, 0));
    d->subtitle = xasprintf("campaign #%s · %s · %s members", params[0], db_val(res, 0, 1),
                            db_val(res, 0, 6));
    detail_add_field(d, "Status", db_val(res, 0, 1));
    detail_add_field(d, "Starts", db_val(res, 0, 2));
    detail_add_field(d, "Ends", db_val(res, 0, 3));
    detail_add_field(d, "Budget", db_val(res, 0, 4));
    detail_add_field(d, "Owner", db_val(res, 0, 5));
    detail_add_field(d, "Members", db_val(res, 0, 6));
    detail_add_field(d, "Created", db_val(res, 0, 7));
    detail_add_field(d, "Updated", db_val(res, 0, 8));
    d->version = atoi(db_val(res, 0, 9));
    PQclear(res);
    return 0;
}

static int
members_campaign(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    return add_section(
        db, d, "Members", ", newest first", DETAIL_TIMELINE_MAX, 0,
        "SELECT to_char(m.updated_at, 'YYYY-MM-DD HH24:MI'),"
        " m.updated_by || coalesce(' (' || u.department || ')', ''),"
        " CASE WHEN m.lead_id IS NOT NULL"
        "      THEN 'lead ' || coalesce(" NAME_L ", '#' || m.lead_id)"
        "      ELSE 'contact ' || coalesce(" NAME_C ", '#' || m.contact_id) END"
        " || ': ' || m.status,"
        " CASE WHEN m.lead_id IS NOT NULL THEN 'leads' ELSE 'contacts' END,"
        " coalesce(m.lead_id, m.contact_id)"
        " FROM (SELECT * FROM campaign_members cm WHERE cm.campaign_id = $1"
        "        ORDER BY cm.updated_at DESC, cm.id DESC" LIMIT_TL ") m"
        " LEFT JOIN leads l ON l.id = m.lead_id LEFT JOIN contacts c ON c.id = m.contact_id"
        " LEFT JOIN users u ON u.login = m.updated_by"
        " ORDER BY m.updated_at DESC, m.id DESC",
        1, params, err);
}

static int
timeline_ix(struct db *db, struct detail *d, const char *const *params, const char *sql,
            struct ccrm_err *err)
{
    return add_section(db, d, "Timeline", ", newest first", DETAIL_TIMELINE_MAX, 0, sql, 1, params,
                       err);
}

struct detail *
db_record_detail(struct db *db, const char *entity, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    const char *ep[2] = {entity, idbuf};
    struct rec_ctx cx;
    struct detail *d;
    int rc;

    if (!db_detail_entity(entity)) {
        err_set(err, "there is no detail view of %s", entity != NULL ? entity : "nothing");
        return NULL;
    }
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    memset(&cx, 0, sizeof cx);
    d = xcalloc(1, sizeof *d);
    str_copy(d->entity, entity, sizeof d->entity);
    d->id = id;

    /* fields and related records */
    if (strcmp(entity, "accounts") == 0)
        rc = load_account(db, d, params, err);
    else if (strcmp(entity, "contacts") == 0)
        rc = load_contact(db, d, params, &cx, err);
    else if (strcmp(entity, "leads") == 0)
        rc = load_lead(db, d, params, &cx, err);
    else if (strcmp(entity, "opportunities") == 0)
        rc = load_deal(db, d, params, err);
    else if (strcmp(entity, "tickets") == 0)
        rc = load_ticket(db, d, params, err);
    else
        rc = load_campaign(db, d, params, err);
    if (rc == -1 || add_presence(db, d, ep, err) == -1 || add_comments_chat(db, d, ep, err) == -1)
        goto fail;

    /* the timeline (a campaign: its members) */
    if (strcmp(entity, "accounts") == 0)
        rc = timeline_account(db, d, params, err);
    else if (strcmp(entity, "contacts") == 0)
        rc = timeline_contact(db, d, params, &cx, err);
    else if (strcmp(entity, "leads") == 0)
        rc = timeline_lead(db, d, params, &cx, err);
    else if (strcmp(entity, "opportunities") == 0)
        rc = timeline_ix(db, d, params, TL_BEGIN IX("i.opportunity_id = $1") TL_END, err);
    else if (strcmp(entity, "tickets") == 0)
        rc = timeline_ix(db, d, params, TL_BEGIN IX("i.ticket_id = $1") TL_END, err);
    else
        rc = members_campaign(db, d, params, err);
    if (rc == -1)
        goto fail;
    return d;
fail:
    detail_free(&d);
    return NULL;
}

struct detail *
db_record_history(struct db *db, const char *entity, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[2] = {entity, idbuf};
    struct detail *d;
    PGresult *res;
    int n;
    char buf[96];

    if (!db_detail_entity(entity)) {
        err_set(err, "there is no history of %s", entity != NULL ? entity : "nothing");
        return NULL;
    }
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    /* the audit trail of the row: who changed what, old and new values */
    res =
        db_exec(db,
                "SELECT to_char(a.at, 'YYYY-MM-DD HH24:MI'),"
                "       a.actor || coalesce(' (' || u.department || ')', ''),"
                "       CASE a.op"
                "         WHEN 'update' THEN 'changed ' || coalesce((SELECT string_agg(k.key || ' '"
                "              || coalesce(quote_literal(a.old_row ->> k.key), 'empty') || ' → '"
                "              || coalesce(quote_literal(a.new_row ->> k.key), 'empty'), ', '"
                "              ORDER BY k.key)"
                "              FROM jsonb_each(a.new_row) k"
                "             WHERE k.key NOT IN ('updated_at', 'updated_by', 'version', 'search')"
                "               AND k.value IS DISTINCT FROM a.old_row -> k.key), 'nothing')"
                "         WHEN 'insert' THEN 'created ' || coalesce(ccrm_event_summary(a.entity,"
                "              a.new_row), (SELECT 'with ' || to_char(sum(upper(r) - lower(r)) - 1,"
                "              'FM999,999,999,990') || ' other ' || replace(a.entity, '_', ' ')"
                "              || ' in one statement' FROM unnest(a.ids) r))"
                "         WHEN 'delete' THEN 'deleted ' || ccrm_event_summary(a.entity, a.old_row)"
                "         ELSE a.op END,"
                "       'audit', a.id"
                "  FROM audit a LEFT JOIN users u ON u.login = a.actor"
                " WHERE a.entity = $1 AND (a.entity_id = $2"
                "        OR (a.ids IS NOT NULL AND a.ids @> $2::bigint))"
                " ORDER BY a.id DESC LIMIT " CCRM_STR(DETAIL_HISTORY_MAX),
                2, params, err);
    if (res == NULL)
        return NULL;
    d = xcalloc(1, sizeof *d);
    str_copy(d->entity, entity, sizeof d->entity);
    d->id = id;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "History (%d%s changes, newest first) · H: back", n,
             n == DETAIL_HISTORY_MAX ? "+" : "");
    detail_add_line(d, "", "", buf, "", 0);
    add_rows(d, res);
    PQclear(res);
    return d;
}

/* ---- the account detail of earlier versions (include/ccrm/db.h) ---- */

struct detail *
db_account_detail(struct db *db, int64_t id, struct ccrm_err *err)
{
    return db_record_detail(db, "accounts", id, err);
}

struct detail *
db_account_history(struct db *db, int64_t id, struct ccrm_err *err)
{
    return db_record_history(db, "accounts", id, err);
}
