/* Private to the registry (src/model/entity.c): SQL fragments too long to write inline. Fixed
 * text only: values are always parameters. */
#ifndef CCRM_MODEL_ENTITY_SQL_H
#define CCRM_MODEL_ENTITY_SQL_H

/* An interaction as a line says what it was and about what: "call: Renewal", and for an e-mail
 * which way it went, "email in: Pricing" (mail from the customer), "email out: Re: Pricing". */
#define KIND_SUBJECT                                                                               \
    "i.kind || CASE WHEN i.kind = 'email' THEN coalesce(' ' || i.direction, '') ELSE '' END"       \
    " || ': ' || coalesce(i.subject, '')"

/* Who an interaction's line names: a mail that came in, its sender; else whoever wrote it */
#define IX_WHO "ccrm_ix_who(i.id)"

/* A lead's person: its contact, or failing that the contact with the same e-mail (a lead is
 * the same person as a contact when it names the contact or shares its address). The latest
 * thing any department did with that person: an interaction on the lead or the contact, or a
 * ticket from the contact. One indexed lookup per branch, per row. */
#define LEAD_FROM                                                                                  \
    "leads a"                                                                                      \
    " LEFT JOIN LATERAL (SELECT coalesce(a.contact_id, (SELECT c.id FROM contacts c"               \
    "     WHERE lower(c.email) = lower(a.email) LIMIT 1)) AS id) pc ON true"                       \
    " LEFT JOIN LATERAL (SELECT x.at, x.who, x.what FROM ("                                        \
    "   (SELECT i.at, " IX_WHO " AS who, " KIND_SUBJECT " AS what"                                 \
    "      FROM interactions i WHERE i.lead_id = a.id ORDER BY i.at DESC LIMIT 1)"                 \
    "   UNION ALL"                                                                                 \
    "   (SELECT i.at, " IX_WHO ", " KIND_SUBJECT                                                   \
    "      FROM interactions i WHERE i.contact_id = pc.id ORDER BY i.at DESC LIMIT 1)"             \
    "   UNION ALL"                                                                                 \
    "   (SELECT t.created_at, t.created_by, 'ticket #' || t.id || ': ' || t.subject"               \
    "      FROM tickets t WHERE t.contact_id = pc.id ORDER BY t.created_at DESC LIMIT 1)"          \
    "  ) x ORDER BY x.at DESC LIMIT 1) act ON true"                                                \
    " LEFT JOIN users au ON au.login = act.who"

/* A list row's mark for mail waiting for an answer: the record's latest mail (from a person, or
 * ours) came in. One probe of the messages index of its column (schema/017) per row shown, never
 * part of the order: the keyset pages stay as they are. */
#define UNANSWERED_TEST(fk)                                                                        \
    "coalesce((SELECT m.direction = 'in' FROM messages m WHERE m." fk " = a.id"                    \
    "   AND (m.direction = 'out' OR m.status = 'received')"                                        \
    "   ORDER BY m.received_at DESC, m.id DESC LIMIT 1), false)"
#define UNANSWERED(fk) "CASE WHEN " UNANSWERED_TEST(fk) " THEN '✉' ELSE '' END"
/* The same test as a yes/no filter (`f unanswered`): the rows the mark is on */
#define UNANSWERED_FILTER(fk) "(" UNANSWERED_TEST(fk) ")::text"

/* An inbox row names its record: looked up by id in the record's table (through RLS, so a
 * record one may no longer see shows by number only). */
/* an Inbox line's record's name, NULL when it cannot be read; a partner's without campaigns,
 * which he may not read (every table a statement names is checked, also in a branch not taken) */
#define INBOX_NAME_OF(more)                                                                        \
    "CASE a.entity"                                                                                \
    " WHEN 'accounts' THEN (SELECT r.name FROM accounts r WHERE r.id = a.entity_id)"               \
    " WHEN 'contacts' THEN (SELECT concat_ws(' ', r.first_name, r.last_name) FROM contacts r"      \
    "   WHERE r.id = a.entity_id)"                                                                 \
    " WHEN 'leads' THEN (SELECT concat_ws(' ', r.first_name, r.last_name) FROM leads r"            \
    "   WHERE r.id = a.entity_id)"                                                                 \
    " WHEN 'opportunities' THEN (SELECT r.name FROM opportunities r WHERE r.id = a.entity_id)"     \
    " WHEN 'tickets' THEN (SELECT r.subject FROM tickets r WHERE r.id = a.entity_id)" more " END"
#define INBOX_NAME                                                                                 \
    INBOX_NAME_OF(                                                                                 \
        " WHEN 'campaigns' THEN (SELECT r.name FROM campaigns r WHERE r.id = a.entity_id)")
#define INBOX_NAME_PARTNER INBOX_NAME_OF("")
/* ... and the Record column: its name and (kind #id) */
#define INBOX_RECORD_OF(name)                                                                      \
    "coalesce(" name " || ' ', '') || '(' || CASE a.entity WHEN 'opportunities' THEN 'deal'"       \
    " ELSE rtrim(a.entity, 's') END || ' #' || a.entity_id || ')'"
#define INBOX_RECORD INBOX_RECORD_OF(INBOX_NAME)
#define INBOX_RECORD_PARTNER INBOX_RECORD_OF(INBOX_NAME_PARTNER)
/* ... and the Note column: the news, without the record when the note begins with it (the
 * function and the record's name only for such notes: a list reads 200 rows at a time) */
#define INBOX_NEWS_OF(name)                                                                        \
    "CASE WHEN a.count > 1 THEN '×' || a.count || ' ' ELSE '' END"                                \
    " || CASE WHEN a.note ~ '^(new )?[A-Za-z ]+ #[0-9]'"                                           \
    " THEN ccrm_inbox_news(a.note, a.entity, a.entity_id, " name ") ELSE coalesce(a.note, '') END"
#define INBOX_NEWS INBOX_NEWS_OF(INBOX_NAME)
#define INBOX_NEWS_PARTNER INBOX_NEWS_OF(INBOX_NAME_PARTNER)

/* ---- detail views: the timelines and related lines (src/db/detail.c runs them) ---- */

#include "ccrm/detail.h"

#define ENTITY_XSTR(x) #x
#define ENTITY_STR(x) ENTITY_XSTR(x)
#define RELATED_MAX 5   /* a person's leads, a deal's contacts */
#define PERSON_SCAN 200 /* an account's campaign responses: those of 200 of its people */

/* ---- SQL fragments (fixed text only: values are always parameters) ---- */

#define LIMIT_TL " LIMIT " ENTITY_STR(DETAIL_TIMELINE_MAX)
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

/* Every query of lines (a section, a timeline) names its columns at, who, what, entity and id
 * (src/db/detail.c reads them by name). A timeline: branches of (at, who, what, entity, id),
 * each newest first from an index and bounded, merged, then the person's department looked up. */
#define TL_BEGIN                                                                                   \
    "SELECT to_char(" SQL_LOCAL("t.at") ", 'YYYY-MM-DD HH24:MI') AS at,"                           \
                                        " t.who || coalesce(' (' || u.department || ')', '') AS "  \
                                        "who, t.what, t.entity, t.id FROM ("
#define TL_END ") t LEFT JOIN users u ON u.login = t.who ORDER BY t.at DESC, t.id DESC" LIMIT_TL
#define UNION " UNION ALL "

/* A note without a subject: its body's first words, on one line, instead of nothing (short:
 * a timeline's query repeats it and must stay under 4095 characters) */
#define IX_BODY_WORDS "left(regexp_replace(i.body,'\\s+',' ','g'),60)"
#define IX(cond)                                                                                   \
    "(SELECT i.at, " IX_WHO " AS who,"                                                             \
    " i.kind || CASE WHEN i.kind = 'email' THEN coalesce(' ' || i.direction, '') ELSE '' END"      \
    " || CASE WHEN i.kind = 'note' AND ccrm_is_internal()"                                         \
    "   THEN CASE i.visibility WHEN 'shared' THEN ' [shared]' ELSE ' [internal]' END ELSE '' END"  \
    " || ': ' || coalesce(nullif(i.subject,'')," IX_BODY_WORDS ",'') ||"                           \
    " CASE WHEN i.done_at IS NULL AND i.due_at IS NOT NULL"                                        \
    "      THEN ' (due ' || to_char(" SQL_LOCAL(                                                   \
        "i.due_at") ", 'YYYY-MM-DD') || ')' ELSE '' END AS what,"                                  \
                    " 'interactions'::text AS entity, i.id FROM interactions i WHERE " cond        \
                    " ORDER BY i.at DESC, i.id DESC" LIMIT_TL ")"
#define TICKETS(cond)                                                                              \
    "(SELECT k.created_at AS at, k.created_by AS who,"                                             \
    " 'ticket #' || k.id || ' ' || k.subject || ' [' || k.status || ', ' || k.priority || ']'"     \
    " AS what, 'tickets'::text AS entity, k.id FROM tickets k WHERE " cond                         \
    " ORDER BY k.created_at DESC, k.id DESC" LIMIT_TL ")"
#define DEALS(cond)                                                                                \
    "(SELECT o.created_at AS at, o.created_by AS who,"                                             \
    " 'deal ' || o.name || ' [' || o.stage || '] '"                                                \
    " || coalesce(" MONEY(                                                                         \
        "o.amount") " || ' ' || o.currency, '') AS what,"                                          \
                    " 'opportunities'::text AS entity, o.id FROM opportunities o WHERE " cond      \
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

/* the back office: quotes and invoices (credit notes too) with their state as people see it
 * and their gross amount (docs/billing.md) */
#define DOC_GROSS(x)                                                                               \
    "to_char(" x ".gross_total, 'FM999G999G999G999G999G990' || CASE ccrm_minor_units(" x           \
    ".currency)"                                                                                   \
    " WHEN 0 THEN '' ELSE 'D' || repeat('0', ccrm_minor_units(" x ".currency)) END)"               \
    " || ' ' || " x ".currency"
#define QUOTES(cond)                                                                               \
    "(SELECT q.created_at AS at, q.created_by AS who,"                                             \
    " 'quote #' || q.id || coalesce(' ' || q.title, '') || ' [' ||"                                \
    " ccrm_quote_state(q.status, q.valid_until) || '] ' || " DOC_GROSS(                            \
        "q") " AS what,"                                                                           \
             " 'quotes'::text AS entity, q.id FROM quotes q WHERE " cond                           \
             " ORDER BY q.created_at DESC, q.id DESC" LIMIT_TL ")"
#define INVOICES(cond)                                                                             \
    "(SELECT v.created_at AS at, v.created_by AS who,"                                             \
    " CASE v.kind WHEN 'credit_note' THEN 'credit note ' ELSE 'invoice ' END"                      \
    " || coalesce(v.number, 'draft #' || v.id) || ' [' ||"                                         \
    " ccrm_invoice_state(v.status, v.kind, v.paid_total, v.due_date) || '] ' || " DOC_GROSS(       \
        "v") " AS what, 'invoices'::text AS entity, v.id FROM invoices v WHERE " cond              \
             " ORDER BY v.created_at DESC, v.id DESC" LIMIT_TL ")"

/* An account ($1): its interactions (those on its tickets and deals too: the account is filled
 * in on insert), tickets, deals, leads, quotes, invoices, and the campaign responses of its
 * people. */
#define ACCOUNT_TL                                                                                 \
    IX("i.account_id = $1")                                                                        \
    UNION TICKETS("k.account_id = $1") UNION DEALS("o.account_id = $1")                            \
        UNION LEADS("l.account_id = $1") UNION QUOTES("q.account_id = $1")                         \
            UNION INVOICES("v.account_id = $1")
#define LIMIT_SCAN " LIMIT " ENTITY_STR(PERSON_SCAN)
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
 * contact and under the leads that are this person (docs/design.md §5: the lead's contact, or
 * failing that the same e-mail), the person's tickets, the account's deals, the quotes and
 * invoices that name the person, campaign responses. */
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
          " x)" UNION TICKETS("k.contact_id = $1") UNION DEALS("o.account_id = $2")                \
              UNION QUOTES("q.contact_id = $1") UNION INVOICES("v.contact_id = $1")
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
#define LIMIT_REL " LIMIT " ENTITY_STR(RELATED_MAX)
#define PERSON_LEADS                                                                               \
    "(SELECT '' AS at, '' AS who, 'lead: ' || " NAME_L " || " LEAD_STATUS " AS what,"              \
    " 'leads' AS entity, l.id"                                                                     \
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
/* a count with its noun, singular for one: "1 open deal", "3 open deals", "1000+ contacts" */
#define COUNTED(sub, one, many)                                                                    \
    "(SELECT n.v || CASE n.v WHEN '1' THEN ' " one "' ELSE ' " many "' END"                        \
    " FROM (SELECT " sub " AS v) n)"
#define CAMPAIGN_COUNT CAPPED("SELECT 1 FROM campaign_members m WHERE m.campaign_id = $1")

/* ---- the heads of detail views: a record's own row, columns named for the registry ---- */

#define STAMPS(x)                                                                                  \
    " to_char(" SQL_LOCAL(                                                                         \
        x ".created_at") ", 'YYYY-MM-DD HH24:MI') || ' by ' || " x ".created_by AS created,"       \
                         " to_char(" SQL_LOCAL(                                                    \
                             x ".updated_at") ", 'YYYY-MM-DD HH24:MI') || ' by ' || " x            \
                                              ".updated_by AS updated,"                            \
                                              " " x ".version, " x ".id"
#define MONEY(x) "to_char(" x ", 'FM999G999G999G999G999G990D00')"
#define DAY(x) "coalesce(to_char(" x ", 'YYYY-MM-DD'), '')"

#define ACCOUNT_HEAD                                                                                                                                                         \
    "SELECT a.name AS title,"                                                                                                                                                \
    " 'account #' || a.id || ' · ' || " COUNTED(                                                                                                                             \
        COUNT_CONTACTS, "contact",                                                                                                                                           \
        "contacts") " || ' · ' || " COUNTED(COUNT_TICKETS, "open ticket",                                                                                                    \
                                            "open tickets") " || ' · ' || " COUNTED(COUNT_DEALS,                                                                             \
                                                                                    "open deal",                                                                             \
                                                                                    "open deals") " AS subtitle,"                                                            \
                                                                                                  " coalesce(a.domain, '') AS domain, coalesce(a.industry, '') AS industry," \
                                                                                                  " coalesce(a.owner, '') AS owner, coalesce(a.phone, '') AS phone,"         \
                                                                                                  " coalesce(a.website, '') AS website, coalesce(a.tier, '') AS tier,"       \
                                                                                                  " concat_ws(', ', nullif(a.city, ''), nullif(a.country, '')) AS location," \
                                                                                                  " coalesce(a.employees::text, '') AS employees,"                           \
                                                                                                  " coalesce(" MONEY(                                                        \
                                                                                                      "a.annual_revenue") ", '') AS revenue,"                                \
                                                                                                                          " coalesce(a.description, '') AS about," STAMPS(   \
                                                                                                                              "a") ", a.id AS account_id"                    \
                                                                                                                                   " FROM accounts a WHERE a.id = $1"
#define ACCOUNT_PEOPLE_LINES                                                                       \
    "SELECT '' AS at, '' AS who, " NAME_C " || '  ' || concat_ws(' · ',"                          \
    " nullif(c.title, ''), nullif(c.email, ''), nullif(c.phone, '')) AS what,"                     \
    " 'contacts' AS entity, c.id FROM contacts c WHERE c.account_id = $1"                          \
    " ORDER BY c.last_name, c.first_name, c.id LIMIT " ENTITY_STR(DETAIL_PEOPLE_MAX)

#define CONTACT_HEAD                                                                               \
    "SELECT " NAME_C " AS title,"                                                                  \
    " 'contact #' || c.id || CASE"                                                                 \
    "   WHEN coalesce(c.title, '') <> '' AND coalesce(a.name, '') <> ''"                           \
    "   THEN ' · ' || c.title || ' at ' || a.name"                                                \
    "   WHEN coalesce(c.title, '') <> '' THEN ' · ' || c.title"                                   \
    "   WHEN coalesce(a.name, '') <> '' THEN ' · ' || a.name ELSE '' END AS subtitle,"            \
    " coalesce(c.title, '') AS job_title, coalesce(c.email, '') AS email,"                         \
    " coalesce(c.phone, '') AS phone, coalesce(c.owner, '') AS owner,"                             \
    " coalesce(a.name, '') AS account_name," STAMPS(                                               \
        "c") ", c.account_id, c.email AS person_email"                                             \
             "," CONSENT_SUMMARY("c.id", "NULL", "contact_id",                                     \
                                 "c.id") " FROM contacts c LEFT JOIN accounts a ON a.id = "        \
                                         "c.account_id WHERE c.id = $1"

/* a lead's person: its contact, or failing that the contact with its e-mail */
#define LEAD_HEAD                                                                                  \
    "SELECT " NAME_L " AS title,"                                                                  \
    " 'lead #' || l.id || ' · ' || l.status || ' · score ' || l.score"                           \
    " || coalesce(' · ' || nullif(l.company, ''), '') AS subtitle,"                               \
    " coalesce(l.company, '') AS company, coalesce(l.email, '') AS email,"                         \
    " coalesce(l.phone, '') AS phone,"                                                             \
    " coalesce(l.source, '') AS source, l.status, l.status AS phase, l.score::text AS score,"      \
    " coalesce(l.owner, '') AS owner, coalesce(l.queue, '') AS queue," STAMPS(                     \
        "l") ", c.id AS contact_id,"                                                               \
             " coalesce(" NAME_C " || coalesce(' <' || c.email || '>', ''), '')"                   \
             " || CASE WHEN l.contact_id IS NULL THEN ' (same e-mail)' ELSE '' END AS "            \
             "contact_name,"                                                                       \
             " a.id AS account_id, coalesce(a.name, '') AS account_name," CONSENT_SUMMARY(         \
                 "NULL", "l.id", "lead_id",                                                        \
                 "l.id") " FROM leads l"                                                           \
                         " LEFT JOIN contacts c ON c.id = coalesce(l.contact_id,"                  \
                         "   (SELECT c2.id FROM contacts c2 WHERE lower(c2.email) = "              \
                         "lower(l.email) LIMIT 1))"                                                \
                         " LEFT JOIN accounts a ON a.id = coalesce(l.account_id, c.account_id)"    \
                         " WHERE l.id = $1"

#define DEAL_HEAD                                                                                  \
    "SELECT o.name AS title, 'deal #' || o.id || ' · ' || o.stage"                                \
    " || coalesce(' · ' || " MONEY(                                                                \
        "o.amount") " || ' ' || o.currency, '') AS subtitle,"                                      \
                    " o.stage, CASE WHEN o.stage = 'won' AND EXISTS (SELECT FROM invoices i"       \
                    " WHERE i.opportunity_id = o.id AND i.kind = 'invoice'"                        \
                    " AND i.status <> 'cancelled') THEN 'invoiced' ELSE o.stage END AS phase,"     \
                    " coalesce(" MONEY(                                                            \
                        "o.amount") " || ' ' || o.currency, '') AS amount,"                        \
                                    " " DAY(                                                       \
                                        "o.close_date") " AS close_date, coalesce(o.owner, '') "   \
                                                        "AS owner,"                                \
                                                        " coalesce(a.name, '') AS "                \
                                                        "account_name," STAMPS(                    \
                                                            "o") ", o.account_id"                  \
                                                                 " FROM opportunities o LEFT "     \
                                                                 "JOIN accounts a ON a.id = "      \
                                                                 "o.account_id WHERE o.id = $1"
/* a deal has no contact column: the people its calls and meetings were with */
#define DEAL_CONTACT_LINES                                                                         \
    "SELECT '' AS at, '' AS who,"                                                                  \
    " 'contact: ' || " NAME_C " || coalesce(' <' || c.email || '>', '') AS what,"                  \
    " 'contacts' AS entity, c.id FROM contacts c WHERE c.id IN (SELECT i.contact_id FROM"          \
    "   (SELECT i.contact_id FROM interactions i"                                                  \
    "     WHERE i.opportunity_id = $1 AND i.contact_id IS NOT NULL"                                \
    "     ORDER BY i.at DESC, i.id DESC LIMIT 50) i)"                                              \
    " ORDER BY c.last_name, c.first_name, c.id LIMIT " ENTITY_STR(RELATED_MAX)

/* A ticket's head: its message as written, without its quoted lines (the conversation has
 * them), one line break for a blank line between paragraphs. */
#define TICKET_HEAD                                                                                 \
    "SELECT '#' || k.id || ' ' || k.subject AS title,"                                              \
    " 'ticket #' || k.id || ' · ' || k.status || ' · ' || k.priority || ' priority' AS subtitle," \
    " k.status, k.priority, coalesce(k.channel, '') AS channel,"                                    \
    " coalesce(k.assignee, '') AS assignee, coalesce(k.product, '') AS product,"                    \
    " coalesce(a.name, '') AS account_name, coalesce(k.queue, '') AS queue,"                        \
    " coalesce(" NAME_C " || coalesce(' <' || c.email || '>', ''), '') AS contact_name,"            \
    " coalesce(left(btrim(regexp_replace(regexp_replace(replace(k.body, E'\\r', ''),"               \
    " '(^|\\n)>[^\\n]*', '', 'g'), '\\n\\s*\\n', E'\\n', 'g'), E' \\n\\t'), 4000), '')"             \
    " AS message,"                                                                                  \
    " ccrm_ticket_sla(k.id) AS sla," STAMPS(                                                        \
        "k") ", k.account_id, k.contact_id, c.email AS contact_email"                               \
             " FROM tickets k LEFT JOIN accounts a ON a.id = k.account_id"                          \
             " LEFT JOIN contacts c ON c.id = k.contact_id WHERE k.id = $1"

#define CAMPAIGN_HEAD                                                                              \
    "SELECT p.name AS title,"                                                                      \
    " 'campaign #' || p.id || ' · ' || p.status || ' · ' || m.n || ' members' AS subtitle,"      \
    " p.status, p.channel, " DAY("p.starts_on") " AS starts, " DAY(                                \
        "p.ends_on") " AS ends,"                                                                   \
                     " coalesce(" MONEY(                                                           \
                         "p.budget") ", '') AS budget, coalesce(p.owner, '') AS owner,"            \
                                     " m.n AS members," STAMPS(                                    \
                                         "p") ", NULL::bigint AS account_id"                       \
                                              " FROM campaigns p, LATERAL (SELECT " CAMPAIGN_COUNT \
                                              " AS n) m WHERE p.id = $1"
#define CAMPAIGN_MEMBER_LINES                                                                      \
    "SELECT to_char(" SQL_LOCAL(                                                                   \
        "m.updated_at") ", 'YYYY-MM-DD HH24:MI') AS at,"                                           \
                        " m.updated_by || coalesce(' (' || u.department || ')', '') AS who,"       \
                        " CASE WHEN m.lead_id IS NOT NULL"                                         \
                        "      THEN 'lead ' || coalesce(" NAME_L ", '#' || m.lead_id)"             \
                        "      ELSE 'contact ' || coalesce(" NAME_C ", '#' || m.contact_id) END"   \
                        " || ': ' || m.status AS what,"                                            \
                        " CASE WHEN m.lead_id IS NOT NULL THEN 'leads' ELSE 'contacts' END AS "    \
                        "entity,"                                                                  \
                        " coalesce(m.lead_id, m.contact_id) AS id"                                 \
                        " FROM (SELECT * FROM campaign_members cm WHERE cm.campaign_id = $1"       \
                        "        ORDER BY cm.updated_at DESC, cm.id DESC"                          \
                        "        LIMIT " ENTITY_STR(                                               \
                            DETAIL_TIMELINE_MAX) " + 1 OFFSET $2::int) m"                          \
                                                 " LEFT JOIN leads l ON l.id = m.lead_id LEFT "    \
                                                 "JOIN contacts c ON "                             \
                                                 "c.id = m.contact_id"                             \
                                                 " LEFT JOIN users u ON u.login = m.updated_by"    \
                                                 " ORDER BY m.updated_at DESC, m.id DESC"

/* ---- marketing on the detail views (schema 021) ---- */

/* A record's interests (ccrm_record_interests: a person's own and its leads' or contact's, an
 * account's and its people's), newest first: what, whose when not the record's own, where it
 * was learned. Enter opens the ticket or the call it came from. */
#define INTERESTS_MAX 20
#define INTEREST_WHAT(x)                                                                           \
    " coalesce(" x ".product, 'topic ' || " x ".topic)"                                            \
    " || CASE WHEN " x ".product IS NOT NULL AND " x ".topic IS NOT NULL"                          \
    "         THEN ' · ' || " x ".topic ELSE '' END"                                               \
    " || CASE " x ".source_entity WHEN 'tickets' THEN ' · from ticket #' || " x ".source_id"       \
    "         WHEN 'opportunities' THEN ' · from deal #' || " x ".source_id"                       \
    "         ELSE ' · ' || " x ".source END"
#define INTEREST_LINES(ent)                                                                        \
    "SELECT to_char(" SQL_LOCAL(                                                                   \
        "x.created_at") ", 'YYYY-MM-DD HH24:MI') AS at,"                                           \
                        " x.created_by || coalesce(' (' || u.department || ')', '') AS "           \
                        "who," INTEREST_WHAT(                                                      \
                            "x") " || CASE WHEN x.subject_entity <> '" ent                         \
                                 "' OR x.subject_id <> $1"                                         \
                                 "         THEN ' · ' || coalesce(x.subject, '') ELSE '' END AS " \
                                 "what,"                                                           \
                                 " coalesce(x.source_entity, 'interests') AS entity,"              \
                                 " coalesce(x.source_id, x.id) AS id"                              \
                                 " FROM ccrm_record_interests('" ent "', $1, " ENTITY_STR(         \
                                     INTERESTS_MAX) ") x"                                          \
                                                    " LEFT JOIN users u ON u.login = x.created_by" \
                                                    " ORDER BY x.created_at DESC, x.id DESC"
/* The interests recorded from a ticket or a deal ($1; src: tickets, opportunities), on whom. */
#define TICKET_INTEREST_LINES SOURCE_INTEREST_LINES("tickets")
#define DEAL_INTEREST_LINES SOURCE_INTEREST_LINES("opportunities")
#define SOURCE_INTEREST_LINES(src)                                                                 \
    "SELECT to_char(" SQL_LOCAL(                                                                   \
        "x.created_at") ", 'YYYY-MM-DD HH24:MI') AS at,"                                           \
                        " x.created_by || coalesce(' (' || u.department || ')', '') AS "           \
                        "who," INTEREST_WHAT(                                                      \
                            "x") " || ' · ' || coalesce(CASE WHEN x.contact_id IS NOT NULL THEN " \
                                 "'contact ' || " NAME_C                                           \
                                 "   WHEN x.lead_id IS NOT NULL THEN 'lead ' || " NAME_L           \
                                 "   ELSE 'account ' || a.name END, '') AS what,"                  \
                                 " CASE WHEN x.contact_id IS NOT NULL THEN 'contacts' WHEN "       \
                                 "x.lead_id IS NOT NULL"                                           \
                                 "      THEN 'leads' ELSE 'accounts' END AS entity,"               \
                                 " coalesce(x.contact_id, x.lead_id, x.account_id) AS id"          \
                                 " FROM (SELECT * FROM interests i WHERE i.source_entity = '" src  \
                                 "'"                                                               \
                                 "        AND i.source_id = $1 ORDER BY i.created_at DESC, i.id "  \
                                 "DESC"                                                            \
                                 "        LIMIT " ENTITY_STR(                                      \
                                     INTERESTS_MAX) ") x"                                          \
                                                    " LEFT JOIN contacts c ON c.id = x.contact_id" \
                                                    " LEFT JOIN leads l ON l.id = x.lead_id"       \
                                                    " LEFT JOIN accounts a ON a.id = x.account_id" \
                                                    " LEFT JOIN users u ON u.login = x.created_by" \
                                                    " ORDER BY x.created_at DESC, x.id DESC"

/* A person's consents, for the head of a contact or lead (contact, lead: the record as
 * ccrm_opted_out takes it; col: its column in consents): per channel (email, phone, post, and
 * "all" when recorded) opted in, opted out or unknown, with when, where it was said and who
 * recorded it; channels alike are named together ("phone, post unknown"). The record's own
 * row decides, unless the person opted out elsewhere (another record of the same person, or
 * all channels: ccrm_opted_out, the rule every campaign follows). One row per channel, by the
 * unique (col, channel) index. */
#define CONSENT_SUMMARY(contact, lead, col, id)                                                    \
    " (SELECT string_agg(g.t, ' · ' ORDER BY g.n) FROM ("                                         \
    "   SELECT min(y.n) AS n, string_agg(y.c, ', ' ORDER BY y.n) || ' ' || y.st AS t FROM ("       \
    "     SELECT ch.n, ch.c, CASE"                                                                 \
    "       WHEN k.opted_out_at IS NOT NULL THEN 'opted out '"                                     \
    "            || to_char(" SQL_LOCAL(                                                           \
        "k.opted_out_at") ", 'YYYY-MM-DD HH24:MI')"                                                \
                          "            || ' (' || concat_ws(', ', k.source, k.updated_by) || ')'"  \
                          "       WHEN o.at IS NOT NULL THEN 'opted out ' || to_char(" SQL_LOCAL(  \
                              "o.at") ", 'YYYY-MM-DD HH24:MI')"                                    \
                                      "            || ' (the same person elsewhere, or all "       \
                                      "channels)'"                                                 \
                                      "       WHEN k.consented_at IS NOT NULL THEN 'opted in '"    \
                                      "            || to_char(" SQL_LOCAL(                         \
                                          "k.consented_at") ", 'YYYY-MM-DD HH24:MI')"              \
                                                            "            || ' (' || concat_ws(', " \
                                                            "', k.source, k.updated_by) || ')'"    \
                                                            "       ELSE 'unknown' END AS st"      \
                                                            "     FROM (VALUES (1, 'email'), (2, " \
                                                            "'phone'), (3, 'post'), (4, 'all')) "  \
                                                            "ch(n, c)"                             \
                                                            "     LEFT JOIN consents k ON k." col  \
                                                            " = " id " AND k.channel = ch.c"       \
                                                            "     CROSS JOIN LATERAL (SELECT "     \
                                                            "ccrm_opted_out(" contact ", " lead    \
                                                            ", ch.c) AS at) o"                     \
                                                            "     WHERE ch.c <> 'all' OR k.id IS " \
                                                            "NOT NULL) y"                          \
                                                            "   GROUP BY y.st) g) AS consent"

/* A campaign's results ($1; ccrm_campaign_results), read again on every wake-up like the rest
 * of the detail, so they move while responses come in: members and responses (and the members
 * nothing was sent to yet, "unsent": schema/076, when there are any), the funnel of
 * members by the furthest step reached (a bar of block characters and the figure, readable
 * without colour), responses by status, and what the engaged members influenced. The first
 * line is the section's heading (entity ''). Counting reads every member, so a detail (which
 * costs the same at any size) counts them up to RESULTS_MAX members; a bigger campaign's are
 * counted on request: R sets this session's ccrm.results_of to the campaign, and from then on
 * its detail aggregates them in SQL (one row: the client's memory stays flat) on every
 * re-read, so they move live as well. */
#define RESULTS_MAX 1000
/* asked for in this session (R: db_campaign_results_on): counted however many members */
#define RESULTS_ASKED                                                                              \
    " (CASE WHEN current_setting('ccrm.results_of', true) ~ '^[0-9]{1,18}$'"                       \
    "       THEN current_setting('ccrm.results_of', true)::bigint END) = $1"
#define FUNNEL(n, word, col)                                                                       \
    " (" #n ", rpad('" word "', 11) || lpad(r." col "::text, 8) || '  '"                           \
    "  || repeat('█', (24 * r." col " / greatest(r.members, 1))::int)),"
/* one clause a line: clang-format would cut the macros' strings into pieces */
/* clang-format off */
#define CAMPAIGN_RESULT_LINES                                                                      \
    "SELECT '' AS at, '' AS who, w.what, CASE WHEN w.n = 0 THEN '' ELSE 'results' END AS entity,"  \
    " 0::bigint AS id"                                                                             \
    " FROM (SELECT count(*) AS n FROM (SELECT 1 FROM campaign_members m"                           \
    "        WHERE m.campaign_id = $1 LIMIT " ENTITY_STR(RESULTS_MAX) " + 1) x) c"                 \
    " CROSS JOIN LATERAL ("                                                                        \
    " SELECT v.* FROM ccrm_campaign_results($1) r, LATERAL (VALUES"                                \
    " (0, 'Results · members ' || r.members || ' · responses ' || r.responses"                     \
    "     || coalesce(' · not sent yet ' || nullif((SELECT count(*) FROM campaign_members u"       \
    "          WHERE u.campaign_id = r.campaign_id AND u.status = 'unsent'), 0), '')),"            \
    FUNNEL(1, "sent", "sent") FUNNEL(2, "opened", "opened") FUNNEL(3, "clicked", "clicked")        \
    FUNNEL(4, "replied", "replied") FUNNEL(5, "registered", "registered")                          \
    FUNNEL(6, "converted", "converted")                                                            \
    " (7, 'responses by status: ' || coalesce((SELECT string_agg(s.status || ' ' || s.n, ', '"     \
    "      ORDER BY ccrm_response_rank(s.status)) FROM (SELECT cr.status, count(*) AS n"           \
    "      FROM campaign_responses cr WHERE cr.campaign_id = r.campaign_id"                        \
    "      GROUP BY cr.status) s), 'none yet')),"                                                  \
    " (8, 'leads influenced ' || r.leads_influenced || ' · deals influenced '"                     \
    "     || r.deals_influenced || ' · won ' || r.deals_won || ' · revenue won '"                  \
    "     || coalesce((SELECT string_agg(to_char(e.v::numeric, 'FM999,999,999,999,999,990.00') || ' '"     \
    "        || e.k, ', ' ORDER BY e.k) FROM jsonb_each_text(r.revenue_won) e(k, v)), 'none'))"    \
    " ) v(n, what) WHERE c.n <= " ENTITY_STR(RESULTS_MAX) " OR " RESULTS_ASKED                     \
    " UNION ALL"                                                                                   \
    " SELECT 0, 'Results · over " ENTITY_STR(RESULTS_MAX) " members: counted on request"           \
    " (R counts them here; :reports campaign_funnel)'"                                             \
    " WHERE c.n > " ENTITY_STR(RESULTS_MAX) " AND NOT coalesce(" RESULTS_ASKED ", false)) w"       \
    " ORDER BY w.n"
/* clang-format on */

#endif
