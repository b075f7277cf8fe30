/* The entity registry (include/ccrm/entity.h): every kind of record ccrm knows, described once.
 * The choice lists match the CHECK constraints of the schema (schema/001_init.sql), the sort
 * orders the indexes that walk them (schema/007, 013, 016), the defaults the columns' own.
 *
 * One name per concept: people say "deal", the table is `opportunities` (a name kept from the
 * first schema); this registry (singular, plural, the list's view and title) is where the two
 * meet, and nothing else in the code spells out the difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/entity.h"
#include "ccrm/util.h"
#include "entity_sql.h"

#define N(a) ((int)(sizeof(a) / sizeof(a)[0]))
#define INT_MAXV 2147483647L

/* ---- choices (the CHECK constraints of schema/001_init.sql) ---- */

/* the values of a yes/no filter (`f breached` is breached=true): another, breached=yes, is
 * refused naming these, not taken for a value no row has */
const char *const entity_yes_no[] = {"true", "false", NULL};

static const char *const lead_status[] = {"new",         "contacted", "qualified",
                                          "unqualified", "converted", NULL};
const char *const deal_stages[] = {"prospecting", "qualification", "proposal", "negotiation",
                                   "won",         "lost",          NULL};
/* the stages that close a deal: a form asks before closing or reopening one */
static const char *const deal_closed_stages[] = {"won", "lost", NULL};
static const char *const ticket_status[] = {"new", "open", "pending", "solved", "closed", NULL};
static const char *const ticket_priority[] = {"low", "normal", "high", "urgent", NULL};
static const char *const visibility_choices[] = {"internal", "shared", NULL};
static const char *const ticket_channel[] = {"email", "phone", "chat", "web", "partner", NULL};
static const char *const campaign_status[] = {"planned", "active", "paused", "completed", NULL};
static const char *const interaction_kind[] = {"call", "email", "meeting", "chat",
                                               "note", "task",  NULL};
static const char *const interaction_direction[] = {"in", "out", NULL};
static const char *const inbox_kinds[] = {"mention", "assignment", "handoff",     "routed",
                                          "change",  "comment",    "sla_warning", "sla_breach",
                                          "digest",  NULL};

/* ---- fields shared in shape (each entity still lists its own) ---- */

#define OWNER_SYNONYMS "ownerlogin|assignedto|accountowner|leadowner|contactowner"
/* a new record's owner is the person creating it, unless they choose another */
#define OWNER                                                                                      \
    {                                                                                              \
        .column = "owner", .label = "Owner", .type = FIELD_REF, .ref = "users", .maxlen = 63,      \
        .synonyms = OWNER_SYNONYMS, .me = 1                                                        \
    }
/* a new lead's owner left empty is chosen by the rules (ccrm_route, schema/019) */
#define OWNER_ROUTED                                                                               \
    {                                                                                              \
        .column = "owner", .label = "Owner", .type = FIELD_REF, .ref = "users", .maxlen = 63,      \
        .synonyms = OWNER_SYNONYMS, .routed = 1                                                    \
    }
#define ACCOUNT_REF(req)                                                                           \
    {                                                                                              \
        .column = "account_id", .label = "Account", .type = FIELD_REF, .required = req,            \
        .ref = "accounts", .maxlen = 200, .csv = "account",                                        \
        .synonyms = "accountname|accountdomain|customer|company|companyname|organization|"         \
                    "organisation|organizationname|associatedcompany|personorganization|"          \
                    "dealorganization"                                                             \
    }
/* one of the account's contacts: picking one fills in its account (struct entity_field) */
#define CONTACT_REF(syn)                                                                           \
    {                                                                                              \
        .column = "contact_id", .label = "Contact", .type = FIELD_REF, .ref = "contacts",          \
        .maxlen = 254, .csv = "contact", .synonyms = syn, .within = "account_id"                   \
    }
#define FIRST_NAME                                                                                 \
    {                                                                                              \
        .column = "first_name", .label = "First name", .type = FIELD_TEXT, .maxlen = 200,          \
        .synonyms = "firstname|givenname|forename|vorname|personfirstname"                         \
    }
#define LAST_NAME                                                                                  \
    {                                                                                              \
        .column = "last_name", .label = "Last name", .type = FIELD_TEXT, .maxlen = 200,            \
        .synonyms = "lastname|surname|familyname|nachname|personlastname"                          \
    }
#define PERSON_EMAIL                                                                               \
    {                                                                                              \
        .column = "email", .label = "E-mail", .type = FIELD_EMAIL, .maxlen = 254,                  \
        .synonyms = "emailaddress|mail|mailaddress|emailwork|emailhome|emailother|"                \
                    "personemail|personemailwork|primaryemail|workemail|businessemail"             \
    }

/* ---- accounts ---- */

static const struct entity_field account_fields[] = {
    {.column = "name",
     .label = "Name",
     .type = FIELD_TEXT,
     .required = 1,
     .maxlen = 200,
     .synonyms = "accountname|companyname|company|organisation|organization|"
                 "organizationname|firma"},
    {.column = "domain",
     .label = "Domain",
     .type = FIELD_TEXT,
     .maxlen = 253,
     .synonyms = "webdomain|emaildomain|companydomainname|domainname"},
    {.column = "industry",
     .label = "Industry",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "sector|branche|organizationindustry|companyindustry"},
    {.column = "phone",
     .label = "Phone",
     .type = FIELD_PHONE,
     .maxlen = 50,
     .synonyms = "telephone|phonenumber|tel|telefon|companyphone|organizationphone|"
                 "businessphone|mainphone"},
    {.column = "website",
     .label = "Website",
     .type = FIELD_TEXT,
     .maxlen = 500,
     .synonyms = "web|url|homepage|websiteurl|companywebsite|organizationwebsite"},
    {.column = "city",
     .label = "City",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "town|ort|stadt|billingcity|shippingcity|mailingcity|organizationcity"},
    {.column = "country",
     .label = "Country",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "land|billingcountry|shippingcountry|countryregion|"
                 "organizationcountry"},
    {.column = "employees",
     .label = "Employees",
     .type = FIELD_INT,
     .min = 0,
     .max = INT_MAXV,
     .synonyms = "numberofemployees|headcount|staff|employeecount"},
    {.column = "annual_revenue",
     .label = "Revenue",
     .type = FIELD_AMOUNT,
     .synonyms = "revenue|annualrevenue|umsatz"},
    OWNER,
    {.column = "description",
     .label = "About",
     .type = FIELD_MULTILINE,
     .maxlen = 100000,
     .synonyms = "notes|about"},
};

/* an account's service tier, which SLA policies match on (schema/019): exported, imported
 * and in the detail; not in the form, whose fields keep their places and keys */
static const struct entity_field account_io_fields[] = {
    {.column = "tier",
     .label = "Tier",
     .type = FIELD_TEXT,
     .maxlen = 31,
     .synonyms = "servicetier|supporttier|customertier",
     .internal = 1},
};

static const char *const account_exports[] = {
    "name",    "domain",    "industry",       "owner",       "phone", "website", "city",
    "country", "employees", "annual_revenue", "description", "tier",  NULL};

static const struct entity_column account_cols[] = {
    {.name = "Name", .sql = "a.name", .min = 16, .weight = 34, .priority = 1},
    {.name = "Domain", .sql = "coalesce(a.domain, '')", .min = 12, .weight = 18, .priority = 3},
    {.name = "Industry", .sql = "coalesce(a.industry, '')", .min = 10, .weight = 14, .priority = 4},
    {.name = "Owner", .sql = "coalesce(a.owner, '')", .min = 8, .weight = 8, .priority = 2},
    {.name = "City",
     .sql = "concat_ws(', ', nullif(a.city, ''), nullif(a.country, ''))",
     .min = 12,
     .weight = 16,
     .priority = 5},
    {.name = "Updated",
     .sql = "to_char(" SQL_LOCAL("a.updated_at") ", 'YYYY-MM-DD HH24:MI')",
     .min = 16,
     .priority = 6},
    {.name = "id", .sql = "a.id::text", .hidden = 1},
};

static const struct entity_sort account_sorts[] = {
    {.name = "name",
     .key = "a.name",
     .keytype = "text",
     .blocks = "accounts_name",
     .index = "accounts_name_idx"},
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .index = "accounts_updated_idx"},
    {.name = "industry",
     .key = "coalesce(a.industry, '')",
     .keytype = "text",
     .key2 = "a.name",
     .index = "accounts_industry_name_idx"},
};

static const struct entity_filter account_filters[] = {
    {.name = "owner", .sql = "a.owner", .mine = 1, .match = FILTER_FOLDED},
    {.name = "industry", .sql = "a.industry", .match = FILTER_TEXT},
};

static const struct entity_list account_list = {
    .view = "accounts",
    .title = "Accounts",
    .from = "accounts a",
    .base = "accounts a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "name and domain",
    .windowed = 1,
    .cols = account_cols,
    .ncols = N(account_cols),
    .sorts = account_sorts,
    .nsorts = N(account_sorts),
    .filters = account_filters,
    .nfilters = N(account_filters),
    .rows_are_records = 1,
};

static const struct entity_ref account_ref = {
    .from = "accounts r",
    .key = "r.id::text",
    .label = "r.name",
    .detail = "concat_ws(' · ', nullif(r.domain, ''), nullif(r.city, ''))",
    /* the folded search column and its trigram index (schema/002_search.sql) */
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.name, r.id",
    .by_key = "r.id = $1::bigint",
};

/* the fields, sections and timeline of an account's detail (its people, then everything every
 * department did with the customer) */
static const struct entity_detail_field account_detail_fields[] = {
    {"Domain", "domain"},       {"Industry", "industry"}, {"Owner", "owner"},
    {"Phone", "phone"},         {"Website", "website"},   {"Location", "location"},
    {"Employees", "employees"}, {"Revenue", "revenue"},   {"Tier", "tier"},
    {"Created", "created"},     {"Updated", "updated"},   {"About", "about"},
};
static const struct entity_section account_people[] = {
    {
        .heading = "People",
        .suffix = "",
        .max = DETAIL_PEOPLE_MAX,
        .sql = ACCOUNT_PEOPLE_LINES,
        .params = {"id"},
    },
    /* what its people and the account asked about (i records one) */
    {
        .heading = "Interests",
        .suffix = ", newest first",
        .max = INTERESTS_MAX,
        .sql = INTEREST_LINES("accounts"),
        .params = {"id"},
    },
};
static const struct entity_section account_timeline = {
    .heading = "Timeline",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = TL_BEGIN ACCOUNT_TL ACCOUNT_TL_CAMPAIGNS TL_END,
    .partner_sql = TL_BEGIN ACCOUNT_TL TL_END,
    .params = {"id"},
};
static const struct entity_detail account_detail = {
    .head = ACCOUNT_HEAD,
    .fields = account_detail_fields,
    .nfields = N(account_detail_fields),
    .before = account_people,
    .nbefore = N(account_people),
    .timeline = &account_timeline,
};

static const struct entity accounts = {
    .table = "accounts",
    .singular = "account",
    .plural = "accounts",
    .help = "a customer: a company, with its people, deals, tickets and leads",
    .fields = account_fields,
    .nfields = N(account_fields),
    .io_fields = account_io_fields,
    .nio_fields = N(account_io_fields),
    .exports = account_exports,
    .dup_key = "domain",
    .dup_word = "domain",
    .ref = &account_ref,
    .list = &account_list,
    .detail = &account_detail,
    .timeline_fk = "account_id",
    .actions = ENT_EDIT | ENT_COMMENT | ENT_PARTNER | ENT_ASSIGN | ENT_LOG | ENT_CHAT |
               ENT_HISTORY | ENT_INTEREST | ENT_WATCH,
};

/* ---- contacts ---- */

static const struct entity_field contact_fields[] = {
    FIRST_NAME,
    LAST_NAME,
    PERSON_EMAIL,
    {.column = "phone",
     .label = "Phone",
     .type = FIELD_PHONE,
     .maxlen = 50,
     .synonyms = "telephone|phonenumber|tel|mobile|telefon|phonework|phonemobile|"
                 "personphone|personphonework|mobilephone|mobilephonenumber|businessphone|"
                 "workphone"},
    {.column = "title",
     .label = "Title",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "jobtitle|position|role|persontitle|personjobtitle"},
    ACCOUNT_REF(0),
    OWNER,
};

static const char *const contact_exports[] = {"account_id", "first_name", "last_name", "email",
                                              "phone",      "title",      "owner",     NULL};
static const char *const contact_identity[] = {"first_name", "last_name", "email", NULL};

static const struct entity_column contact_cols[] = {
    {.name = "Name",
     .sql = "concat_ws(' ', a.first_name, a.last_name)",
     .min = 16,
     .weight = 24,
     .priority = 1},
    {.name = "E-mail", .sql = "coalesce(a.email, '')", .min = 14, .weight = 22, .priority = 2},
    {.name = "Account", .sql = "coalesce(acc.name, '')", .min = 12, .weight = 18, .priority = 3},
    {.name = "Title", .sql = "coalesce(a.title, '')", .min = 10, .weight = 12, .priority = 5},
    {.name = "Owner", .sql = "coalesce(a.owner, '')", .min = 8, .weight = 4, .priority = 4},
    {.name = "Updated",
     .sql = "to_char(" SQL_LOCAL("a.updated_at") ", 'YYYY-MM-DD HH24:MI')",
     .min = 16,
     .priority = 6},
    {.name = "account_id", .sql = "coalesce(a.account_id::text, '')", .hidden = 1},
};

static const struct entity_sort contact_sorts[] = {
    {.name = "name",
     .key = "coalesce(a.last_name, '')",
     .keytype = "text",
     .key2 = "coalesce(a.first_name, '')",
     .blocks = "contacts_name",
     .index = "contacts_sortname_idx"},
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .index = "contacts_updated_idx"},
};

static const struct entity_filter contact_filters[] = {
    {.name = "owner", .sql = "a.owner", .mine = 1, .match = FILTER_FOLDED},
};

/* the account's name */
static const char *const contact_shows[] = {"accounts", NULL};

static const struct entity_list contact_list = {
    .view = "contacts",
    .shows = contact_shows,
    .title = "Contacts",
    .from = "contacts a LEFT JOIN accounts acc ON acc.id = a.account_id",
    .base = "contacts a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "name and e-mail",
    .cols = contact_cols,
    .ncols = N(contact_cols),
    .sorts = contact_sorts,
    .nsorts = N(contact_sorts),
    .filters = contact_filters,
    .nfilters = N(contact_filters),
    .rows_are_records = 1,
};

static const struct entity_ref contact_ref = {
    .from = "contacts r LEFT JOIN accounts a ON a.id = r.account_id",
    .key = "r.id::text",
    .label = "coalesce(nullif(concat_ws(' ', r.first_name, r.last_name), ''), r.email,"
             " '#' || r.id)",
    .detail = "concat_ws(' · ', r.email, a.name)",
    /* folded name and e-mail (schema/009_people_search.sql) */
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.last_name, r.first_name, r.id",
    .by_key = "r.id = $1::bigint",
};

static const struct entity_detail_field contact_detail_fields[] = {
    {"Title", "job_title"}, {"E-mail", "email"},         {"Phone", "phone"},
    {"Owner", "owner"},     {"Account", "account_name"}, {"Created", "created"},
    {"Updated", "updated"}, {"Consent", "consent"},
};
static const struct entity_related contact_related[] = {
    {"account", "account_name", "accounts", "account_id"},
};
/* the leads that are this person: the contact's own, or failing that the same e-mail */
static const struct entity_section contact_leads[] = {
    {
        .sql = PERSON_LEADS,
        .params = {"id", "person_email"},
    },
    {
        .heading = "Interests",
        .suffix = ", newest first",
        .max = INTERESTS_MAX,
        .sql = INTEREST_LINES("contacts"),
        .params = {"id"},
    },
};
static const struct entity_section contact_timeline = {
    .heading = "Timeline",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = CONTACT_LEADS TL_BEGIN CONTACT_TL CONTACT_TL_CAMPAIGNS TL_END,
    .partner_sql = CONTACT_LEADS TL_BEGIN CONTACT_TL TL_END,
    .params = {"id", "account_id", "person_email"},
};
static const struct entity_detail contact_detail = {
    .head = CONTACT_HEAD,
    .fields = contact_detail_fields,
    .nfields = N(contact_detail_fields),
    .related = contact_related,
    .nrelated = N(contact_related),
    .before = contact_leads,
    .nbefore = N(contact_leads),
    .timeline = &contact_timeline,
};

static const struct entity contacts = {
    .table = "contacts",
    .singular = "contact",
    .plural = "contacts",
    .help = "a person at a customer",
    .fields = contact_fields,
    .nfields = N(contact_fields),
    .one_of = contact_identity,
    .one_of_msg = "give a first name, a last name or an e-mail address",
    .exports = contact_exports,
    .dup_key = "email",
    .dup_word = "e-mail",
    .ref = &contact_ref,
    .list = &contact_list,
    .detail = &contact_detail,
    .timeline_fk = "contact_id",
    .mail_fk = "contact_id",
    .actions = ENT_EDIT | ENT_COMMENT | ENT_PARTNER | ENT_ASSIGN | ENT_LOG | ENT_CHAT |
               ENT_HISTORY | ENT_INTEREST | ENT_REPLY | ENT_WATCH | ENT_CONSENT,
};

/* ---- leads ---- */

static const struct entity_field lead_fields[] = {
    FIRST_NAME,
    LAST_NAME,
    PERSON_EMAIL,
    {.column = "company",
     .label = "Company",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "companyname|organisation|organization|organizationname|firma"},
    {.column = "phone",
     .label = "Phone",
     .type = FIELD_PHONE,
     .maxlen = 50,
     .synonyms = "telephone|phonenumber|tel|mobile|telefon|phonework|phonemobile|"
                 "personphone|personphonework|mobilephone|mobilephonenumber|businessphone|"
                 "workphone"},
    {.column = "source",
     .label = "Source",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "leadsource|origin|originalsource|quelle"},
    {.column = "status",
     .label = "Status",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = lead_status,
     .def = "new",
     .sqldef = "'new'",
     .synonyms = "leadstatus"},
    {.column = "score",
     .label = "Score",
     .type = FIELD_INT,
     .required = 1,
     .def = "0",
     .sqldef = "0",
     .min = 0,
     .max = 100,
     .synonyms = "leadscore|rating"},
    OWNER_ROUTED,
    ACCOUNT_REF(0),
    CONTACT_REF("contactemail"),
};

/* the queue a lead came in through (a mail queue, a web form), which routing rules match
 * on: exported, imported and in the detail; not in the form */
static const struct entity_field lead_io_fields[] = {
    {.column = "queue",
     .label = "Queue",
     .type = FIELD_TEXT,
     .maxlen = 63,
     .synonyms = "leadqueue",
     .internal = 1},
};

static const char *const lead_exports[] = {
    "first_name", "last_name", "email",      "company",    "phone", "source", "status",
    "score",      "owner",     "contact_id", "account_id", "queue", NULL};
static const char *const lead_identity[] = {"first_name", "last_name", "email", "company", NULL};

static const struct entity_column lead_cols[] = {
    {.name = "Name",
     .sql = "concat_ws(' ', a.first_name, a.last_name)",
     .min = 16,
     .weight = 18,
     .priority = 1},
    {.name = "✉", .sql = UNANSWERED("lead_id"), .min = 1, .priority = 2},
    {.name = "Company", .sql = "coalesce(a.company, '')", .min = 12, .weight = 14, .priority = 3},
    {.name = "Status", .sql = "a.status", .min = 10, .priority = 4},
    {.name = "Score", .sql = "a.score::text", .min = 5, .priority = 5},
    {.name = "Owner", .sql = "coalesce(a.owner, '')", .min = 8, .weight = 4, .priority = 6},
    {.name = "Latest from any department",
     .sql = "coalesce(to_char(" SQL_LOCAL(
         "act.at") ", 'MM-DD HH24:MI') || ' ' || act.who"
                   " || coalesce(' (' || au.department || ')', '') || ' ' || act.what, '')",
     .min = 20,
     .weight = 50,
     .priority = 2},
    {.name = "account_id", .sql = "coalesce(a.account_id::text, '')", .hidden = 1},
};

static const struct entity_sort lead_sorts[] = {
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .blocks = "leads_updated",
     .index = "leads_updated_idx"},
    {.name = "score", .key = "a.score", .keytype = "int", .desc = 1, .index = "leads_score_idx"},
};

static const struct entity_filter lead_filters[] = {
    {.name = "status", .sql = "a.status", .field = "status"},
    {.name = "owner", .sql = "a.owner", .mine = 1, .match = FILTER_FOLDED},
    {.name = "source", .sql = "a.source", .match = FILTER_TEXT},
    /* the ✉ mark: mail waiting for an answer (a yes/no filter: `f unanswered`) */
    {.name = "unanswered", .sql = UNANSWERED_FILTER("lead_id"), .choices = entity_yes_no},
};

static const char *const lead_shows[] = {"tickets", "interactions", "contacts",
                                         "users",   "messages",     NULL};

static const struct entity_list lead_list = {
    .view = "leads",
    .title = "Leads",
    .from = LEAD_FROM,
    .base = "leads a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "name, company and e-mail",
    .cols = lead_cols,
    .ncols = N(lead_cols),
    .sorts = lead_sorts,
    .nsorts = N(lead_sorts),
    .filters = lead_filters,
    .nfilters = N(lead_filters),
    .rows_are_records = 1,
    .shows = lead_shows,
};

static const struct entity_ref lead_ref = {
    .from = "leads r",
    .key = "r.id::text",
    .label = "coalesce(nullif(concat_ws(' ', r.first_name, r.last_name), ''), r.company, r.email,"
             " '#' || r.id)",
    .detail = "concat_ws(' · ', r.email, r.company, r.status)",
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.last_name, r.first_name, r.id",
    .by_key = "r.id = $1::bigint",
};

static const struct entity_detail_field lead_detail_fields[] = {
    {"Company", "company"}, {"E-mail", "email"},         {"Phone", "phone"},
    {"Source", "source"},   {"Status", "status"},        {"Score", "score"},
    {"Owner", "owner"},     {"Account", "account_name"}, {"Queue", "queue"},
    {"Created", "created"}, {"Updated", "updated"},      {"Consent", "consent"},
};
static const struct entity_related lead_related[] = {
    {"account", "account_name", "accounts", "account_id"},
    {"contact", "contact_name", "contacts", "contact_id"},
};
static const struct entity_section lead_timeline = {
    .heading = "Timeline",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = TL_BEGIN LEAD_TL LEAD_TL_CAMPAIGNS TL_END,
    .partner_sql = TL_BEGIN LEAD_TL TL_END,
    .params = {"id", "contact_id", "account_id"},
};
static const struct entity_section lead_interests = {
    .heading = "Interests",
    .suffix = ", newest first",
    .max = INTERESTS_MAX,
    .sql = INTEREST_LINES("leads"),
    .params = {"id"},
};
static const struct entity_detail lead_detail = {
    .head = LEAD_HEAD,
    .fields = lead_detail_fields,
    .nfields = N(lead_detail_fields),
    .related = lead_related,
    .nrelated = N(lead_related),
    .before = &lead_interests,
    .nbefore = 1,
    .timeline = &lead_timeline,
    .conversation = 1,
};

static const struct entity leads = {
    .table = "leads",
    .singular = "lead",
    .plural = "leads",
    .help = "someone who may buy: marketing's, until sales converts it",
    .fields = lead_fields,
    .nfields = N(lead_fields),
    .io_fields = lead_io_fields,
    .nio_fields = N(lead_io_fields),
    .one_of = lead_identity,
    .one_of_msg = "give a name, an e-mail address or a company",
    .exports = lead_exports,
    .dup_key = "email",
    .dup_word = "e-mail",
    .ref = &lead_ref,
    .list = &lead_list,
    .detail = &lead_detail,
    .timeline_fk = "lead_id",
    .mail_fk = "lead_id",
    .actions = ENT_EDIT | ENT_COMMENT | ENT_PARTNER | ENT_ASSIGN | ENT_LOG | ENT_CHAT |
               ENT_HISTORY | ENT_CONVERT | ENT_INTEREST | ENT_REPLY | ENT_WATCH | ENT_CONSENT,
};

/* ---- deals (the table is opportunities) ---- */

static const struct entity_field deal_fields[] = {
    {.column = "name",
     .label = "Name",
     .type = FIELD_TEXT,
     .required = 1,
     .maxlen = 200,
     .synonyms = "opportunityname|dealname|opportunity|deal|dealtitle|title"},
    ACCOUNT_REF(1),
    {.column = "stage",
     .label = "Stage",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = deal_stages,
     .def = "prospecting",
     .sqldef = "'prospecting'",
     .synonyms = "dealstage",
     .asks = deal_closed_stages},
    {.column = "amount",
     .label = "Amount",
     .type = FIELD_AMOUNT,
     .synonyms = "value|dealvalue|dealamount|expectedrevenue"},
    {.column = "currency",
     .label = "Currency",
     .type = FIELD_CURRENCY,
     .required = 1,
     .def = "EUR",
     .sqldef = "'EUR'",
     .maxlen = 3,
     .synonyms = "waehrung|dealcurrency|currencycode|currencyisocode"},
    {.column = "close_date",
     .label = "Close date",
     .type = FIELD_DATE,
     .synonyms = "closedate|expectedclose|closingdate|expectedclosedate|"
                 "dealexpectedclosedate"},
    OWNER,
};

static const char *const deal_exports[] = {"account_id", "name",       "stage", "amount",
                                           "currency",   "close_date", "owner", NULL};

static const struct entity_column deal_cols[] = {
    {.name = "Deal", .sql = "a.name", .min = 14, .weight = 30, .priority = 1},
    {.name = "Amount",
     .sql = "coalesce(to_char(a.amount, 'FM999G999G999G999G999G990D00') || ' ' || a.currency, '')",
     .min = 14,
     .fit = 10,
     .weight = 6,
     .priority = 2},
    {.name = "Account", .sql = "coalesce(acc.name, '')", .min = 12, .weight = 20, .priority = 3},
    {.name = "Close",
     .sql = "coalesce(to_char(a.close_date, 'YYYY-MM-DD'), '')",
     .min = 10,
     .priority = 5},
    {.name = "Owner", .sql = "coalesce(a.owner, '')", .min = 8, .weight = 6, .priority = 4},
    {.name = "Stage", .sql = "a.stage", .min = 12, .priority = 6},
    {.name = "account_id", .sql = "coalesce(a.account_id::text, '')", .hidden = 1},
    {.name = "version", .sql = "a.version::text", .hidden = 1},
};

static const struct entity_sort deal_sorts[] = {
    {.name = "amount",
     .key = "coalesce(a.amount, 0)",
     .keytype = "numeric",
     .desc = 1,
     .index = "opportunities_stage_amount_idx"},
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .index = "opportunities_stage_updated_idx"},
};

static const struct entity_filter deal_filters[] = {
    {.name = "stage", .sql = "a.stage", .field = "stage"},
    {.name = "owner", .sql = "a.owner", .mine = 1, .match = FILTER_FOLDED},
};

/* the account's name */
static const char *const deal_shows[] = {"accounts", NULL};

static const struct entity_list deal_list = {
    .view = "deals",
    .shows = deal_shows,
    .title = "Deals",
    .from = "opportunities a LEFT JOIN accounts acc ON acc.id = a.account_id",
    .base = "opportunities a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "deal names",
    .cols = deal_cols,
    .ncols = N(deal_cols),
    .sorts = deal_sorts,
    .nsorts = N(deal_sorts),
    .filters = deal_filters,
    .nfilters = N(deal_filters),
    .rows_are_records = 1,
};

static const struct entity_ref deal_ref = {
    .from = "opportunities r LEFT JOIN accounts a ON a.id = r.account_id",
    .key = "r.id::text",
    .label = "r.name",
    .detail = "concat_ws(' · ', a.name, r.stage)",
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.name, r.id",
    .by_key = "r.id = $1::bigint",
};

static const struct entity_detail_field deal_detail_fields[] = {
    {"Account", "account_name"},  {"Stage", "stage"}, {"Amount", "amount"},
    {"Close date", "close_date"}, {"Owner", "owner"}, {"Created", "created"},
    {"Updated", "updated"},
};
static const struct entity_related deal_related[] = {
    {"account", "account_name", "accounts", "account_id"},
};
static const struct entity_section deal_contacts[] = {
    {
        .sql = DEAL_CONTACT_LINES,
        .params = {"id"},
    },
    /* what was learned in it (i records one on the deal's account) */
    {
        .heading = "Interests from this deal",
        .suffix = "",
        .max = INTERESTS_MAX,
        .sql = DEAL_INTEREST_LINES,
        .params = {"id"},
    },
};
static const struct entity_section deal_timeline = {
    .heading = "Timeline",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = TL_BEGIN IX("i.opportunity_id = $1") UNION QUOTES("q.opportunity_id = $1")
        UNION INVOICES("v.opportunity_id = $1") TL_END,
    .partner_sql = NULL,
    .params = {"id"},
};
static const struct entity_detail deal_detail = {
    .head = DEAL_HEAD,
    .fields = deal_detail_fields,
    .nfields = N(deal_detail_fields),
    .related = deal_related,
    .nrelated = N(deal_related),
    .before = deal_contacts,
    .nbefore = N(deal_contacts),
    .timeline = &deal_timeline,
};

static const struct entity deals = {
    .table = "opportunities",
    .singular = "deal",
    .plural = "deals",
    .help = "a sale in the making, moved through the pipeline's stages",
    .fields = deal_fields,
    .nfields = N(deal_fields),
    .exports = deal_exports,
    .ref = &deal_ref,
    .list = &deal_list,
    .detail = &deal_detail,
    .timeline_fk = "opportunity_id",
    .mail_fk = "opportunity_id",
    .actions = ENT_EDIT | ENT_COMMENT | ENT_PARTNER | ENT_ASSIGN | ENT_LOG | ENT_CHAT |
               ENT_HISTORY | ENT_REPLY | ENT_BILL_DEAL | ENT_INVOICE_FROM | ENT_WATCH |
               ENT_INTEREST,
};

/* ---- tickets ---- */

static const struct entity_field ticket_fields[] = {
    {.column = "subject",
     .label = "Subject",
     .type = FIELD_TEXT,
     .required = 1,
     .maxlen = 500,
     .synonyms = "title|summary|betreff"},
    ACCOUNT_REF(0),
    CONTACT_REF("contactemail|requester|requesteremail|email"),
    {.column = "status",
     .label = "Status",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = ticket_status,
     .def = "new",
     .sqldef = "'new'",
     .synonyms = "ticketstatus",
     .internal = 1},
    {.column = "priority",
     .label = "Priority",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = ticket_priority,
     .def = "normal",
     .sqldef = "'normal'",
     .synonyms = "prio"},
    {.column = "channel",
     .label = "Channel",
     .type = FIELD_CHOICE,
     .choices = ticket_channel,
     .synonyms = "source"},
    {.column = "assignee",
     .label = "Assignee",
     .type = FIELD_REF,
     .ref = "users",
     .maxlen = 63,
     .synonyms = "assignedto|agent|owner",
     .internal = 1,
     .routed = 1},
    {.column = "product",
     .label = "Product",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "productname"},
    {.column = "body",
     .label = "Description",
     .type = FIELD_MULTILINE,
     .maxlen = 100000,
     .synonyms = "description|text|message"},
};

/* the queue a ticket came in through (a mail queue: support, billing), which routing rules
 * and SLA policies match on (another queue, that queue's policy): exported, imported and in
 * the detail; not in the form, whose fields keep their places and keys */
static const struct entity_field ticket_io_fields[] = {
    {.column = "queue",
     .label = "Queue",
     .type = FIELD_TEXT,
     .maxlen = 63,
     .synonyms = "ticketqueue",
     .internal = 1},
};

static const char *const ticket_exports[] = {"account_id", "contact_id", "subject", "body",
                                             "status",     "priority",   "channel", "assignee",
                                             "product",    "queue",      NULL};

static const struct entity_column ticket_cols[] = {
    {.name = "#", .sql = "'#' || a.id", .min = 5, .fit = 1, .priority = 1},
    {.name = "✉", .sql = UNANSWERED("ticket_id"), .min = 1, .priority = 2},
    /* cut sooner at 80 columns, so that who asked and who has it stay on screen */
    {.name = "Subject", .sql = "a.subject", .min = 20, .least = 14, .weight = 50, .priority = 1},
    {.name = "Status", .sql = "a.status", .min = 8, .priority = 2},
    {.name = "Priority", .sql = "a.priority", .min = 8, .priority = 4},
    /* the deciding SLA clock (schema/019): its due time, the client counts down to it; a
     * paused one has none, so one paused after its due time says it is breached (the mark) */
    {.name = "Left",
     .sql = "CASE WHEN k.id IS NULL THEN '' WHEN k.running_since IS NULL THEN CASE WHEN"
            " k.breached_at IS NOT NULL THEN 'paused late' ELSE 'paused' END"
            " ELSE floor(extract(epoch FROM k.due_at) * 1000)::bigint::text END",
     .min = 10, /* "! -15h 42m" */
     .priority = 2,
     .time_left = 1,
     .partner_sql = "''"}, /* SLA clocks are not a partner's business (schema/019) */
    {.name = "Account", .sql = "coalesce(acc.name, '')", .min = 12, .weight = 20, .priority = 3},
    {.name = "Assignee", .sql = "coalesce(a.assignee, '')", .min = 8, .weight = 6, .priority = 3},
    /* how long it has waited since it came in: 45m, 5h, 3d */
    {.name = "Age",
     .sql =
         "CASE WHEN now() - a.created_at < interval '1 hour'"
         " THEN greatest(floor(extract(epoch FROM now() - a.created_at) / 60), 0)::int || 'm'"
         " WHEN now() - a.created_at < interval '1 day'"
         " THEN floor(extract(epoch FROM now() - a.created_at) / 3600)::int || 'h'"
         " WHEN now() - a.created_at < interval '1000 days'"
         " THEN floor(extract(epoch FROM now() - a.created_at) / 86400)::int || 'd'"
         /* an imported history's old ticket: 3y, in the column's four cells */
         " ELSE floor(extract(epoch FROM now() - a.created_at) / 86400 / 365.25)::int || 'y' END",
     .min = 4,
     .priority = 5,
     .ticks = 1},
    /* who asked: the contact's name, else its address */
    {.name = "Requester",
     .sql = "coalesce(nullif(concat_ws(' ', req.first_name, req.last_name), ''), req.email, '')",
     .min = 12,
     .weight = 10,
     .priority = 3},
    {.name = "Updated",
     .sql = "to_char(" SQL_LOCAL("a.updated_at") ", 'MM-DD HH24:MI')",
     .min = 11,
     .priority = 6},
    {.name = "account_id", .sql = "coalesce(a.account_id::text, '')", .hidden = 1},
};

static const struct entity_sort ticket_sorts[] = {
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .blocks = "tickets_updated",
     .index = "tickets_updated_idx"},
    {.name = "newest", .key = "a.id", .keytype = "bigint", .desc = 1, .index = "tickets_pkey"},
    /* least time left first: the tickets with a running or paused SLA clock, walked on the
     * clocks' own index; tickets without a clock are not in this order */
    {.name = "left",
     .key = "coalesce(k.due_at, 'infinity')",
     .keytype = "timestamptz",
     .index = "sla_clocks_time_left_idx",
     .base = "tickets a JOIN sla_clocks k ON k.ticket_id = a.id AND k.current",
     .cond = "k.id IS NOT NULL",
     .internal = 1},
    /* the queue's orders: urgent first (the oldest first within a priority), and the oldest
     * first */
    {.name = "priority",
     .key = "array_position('{urgent,high,normal,low}'::text[], a.priority::text)",
     .keytype = "int",
     .index = "none by priority: the (filtered) rows are sorted; tickets_pkey within one"},
    {.name = "age", .key = "a.id", .keytype = "bigint", .index = "tickets_pkey"},
};

static const struct entity_filter ticket_filters[] = {
    {.name = "status", .sql = "a.status", .field = "status"},
    {.name = "priority", .sql = "a.priority", .field = "priority"},
    {.name = "assignee", .sql = "a.assignee", .mine = 1, .match = FILTER_FOLDED},
    /* its deciding clock is breached (a yes/no filter: `f breached`): past its due time or
     * marked by the scheduler (a paused one has only the mark), as sla_compliance and the
     * Dashboard count it (schema/073), whether or not --tick has run */
    {.name = "breached",
     .sql = "(EXISTS (SELECT 1 FROM sla_clocks x WHERE x.ticket_id = a.id AND x.current"
            " AND (x.breached_at IS NOT NULL OR x.due_at <= now())))::text",
     .choices = entity_yes_no,
     .internal = 1},
    /* the ✉ mark: mail waiting for an answer (a yes/no filter: `f unanswered`) */
    {.name = "unanswered", .sql = UNANSWERED_FILTER("ticket_id"), .choices = entity_yes_no},
};

/* the mark of unanswered mail, the time left of the SLA clock, the account's and the
 * requester's names (a renamed account is repainted, as the record's own change is) */
static const char *const ticket_shows[] = {"messages", ENTITY_SLA_SHOWS, "accounts", "contacts",
                                           NULL};

static const struct entity_list ticket_list = {
    .view = "tickets",
    .title = "Tickets",
    .from = "tickets a LEFT JOIN accounts acc ON acc.id = a.account_id"
            " LEFT JOIN sla_clocks k ON k.ticket_id = a.id AND k.current"
            " LEFT JOIN contacts req ON req.id = a.contact_id",
    .partner_from = "tickets a LEFT JOIN accounts acc ON acc.id = a.account_id"
                    " LEFT JOIN contacts req ON req.id = a.contact_id",
    .base = "tickets a",
    /* a ticket also matches its account's name and its requester (name, address), through
     * their tables' indexes: a renamed contact is found by its new name at once (schema/067) */
    .search = "(a.search LIKE ccrm_fold($1) OR a.account_id IN (SELECT x.id FROM accounts x"
              " WHERE x.search LIKE ccrm_fold($1)) OR a.contact_id IN (SELECT y.id FROM"
              " contacts y WHERE y.search LIKE ccrm_fold($1)))",
    .search_help = "subject, account and requester",
    .cols = ticket_cols,
    .ncols = N(ticket_cols),
    .sorts = ticket_sorts,
    .nsorts = N(ticket_sorts),
    .filters = ticket_filters,
    .nfilters = N(ticket_filters),
    .rows_are_records = 1,
    .shows = ticket_shows,
    .row_events = ENTITY_SLA_ROWS, /* a ticket's clocks moved: its time left, breached or not */
};

static const struct entity_ref ticket_ref = {
    .from = "tickets r LEFT JOIN accounts a ON a.id = r.account_id",
    .key = "r.id::text",
    .label = "'#' || r.id || ' ' || r.subject",
    .detail = "concat_ws(' · ', a.name, r.status)",
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.id DESC",
    .by_key = "r.id = $1::bigint",
};

static const struct entity_detail_field ticket_detail_fields[] = {
    {"Status", "status"},
    {"Priority", "priority"},
    {"Channel", "channel"},
    {"Assignee", "assignee"},
    {"Product", "product"},
    {"Queue", "queue"},
    {"Account", "account_name"},
    {"Contact", "contact_name"},
    {"Created", "created"},
    {"Updated", "updated"},
    {"SLA", "sla"},
    {"Message", "message"},
};
static const struct entity_related ticket_related[] = {
    {"account", "account_name", "accounts", "account_id"},
    {"contact", "contact_name", "contacts", "contact_id"},
};
/* the person's leads: a sales signal from support lands on one of these */
static const struct entity_section ticket_leads[] = {
    {
        .sql = PERSON_LEADS,
        .params = {"contact_id", "contact_email"},
        .needs_param = 1,
    },
    /* what support learned in it (i records one on the ticket's person) */
    {
        .heading = "Interests from this ticket",
        .suffix = "",
        .max = INTERESTS_MAX,
        .sql = TICKET_INTEREST_LINES,
        .params = {"id"},
    },
};
static const struct entity_section ticket_timeline = {
    .heading = "Timeline",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = TL_BEGIN IX("i.ticket_id = $1") TL_END,
    .partner_sql = NULL,
    .params = {"id"},
};
static const struct entity_detail ticket_detail = {
    .head = TICKET_HEAD,
    .fields = ticket_detail_fields,
    .nfields = N(ticket_detail_fields),
    .related = ticket_related,
    .nrelated = N(ticket_related),
    .before = ticket_leads,
    .nbefore = N(ticket_leads),
    .timeline = &ticket_timeline,
    .conversation = 1,
};

static const struct entity tickets = {
    .table = "tickets",
    .singular = "ticket",
    .plural = "tickets",
    .help = "a customer's question or problem, support's work",
    .fields = ticket_fields,
    .nfields = N(ticket_fields),
    .io_fields = ticket_io_fields,
    .nio_fields = N(ticket_io_fields),
    .exports = ticket_exports,
    .ref = &ticket_ref,
    .list = &ticket_list,
    .detail = &ticket_detail,
    .timeline_fk = "ticket_id",
    .mail_fk = "ticket_id",
    .actions = ENT_EDIT | ENT_COMMENT | ENT_PARTNER | ENT_ASSIGN | ENT_LOG | ENT_CHAT |
               ENT_HISTORY | ENT_SIGNAL | ENT_INTEREST | ENT_REPLY | ENT_WATCH,
};

/* ---- campaigns ---- */

static const char *const campaign_channels[] = {"email", "phone", "post", "event",
                                                "web",   "other", NULL};

static const struct entity_field campaign_fields[] = {
    {.column = "name", .label = "Name", .type = FIELD_TEXT, .required = 1, .maxlen = 200},
    {.column = "status",
     .label = "Status",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = campaign_status,
     .def = "planned",
     .sqldef = "'planned'"},
    /* which opt-outs apply to its members (a phone campaign calls those who opted out of mail) */
    {.column = "channel",
     .label = "Channel",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = campaign_channels,
     .def = "email",
     .sqldef = "'email'"},
    {.column = "starts_on", .label = "Starts on", .type = FIELD_DATE},
    {.column = "ends_on", .label = "Ends on", .type = FIELD_DATE},
    {.column = "budget", .label = "Budget", .type = FIELD_AMOUNT},
    OWNER,
};

static const struct entity_column campaign_cols[] = {
    {.name = "Campaign", .sql = "a.name", .min = 18, .weight = 40, .priority = 1},
    {.name = "Status", .sql = "a.status", .min = 9, .priority = 2},
    {.name = "Starts",
     .sql = "coalesce(to_char(a.starts_on, 'YYYY-MM-DD'), '')",
     .min = 10,
     .priority = 3},
    {.name = "Ends",
     .sql = "coalesce(to_char(a.ends_on, 'YYYY-MM-DD'), '')",
     .min = 10,
     .priority = 4},
    {.name = "Budget",
     .sql = "coalesce(to_char(a.budget, 'FM999G999G999G999G999G990D00'), '')",
     .min = 12,
     .fit = 10, /* a figure: right-aligned, never cut */
     .weight = 6,
     .priority = 6},
    {.name = "Owner", .sql = "coalesce(a.owner, '')", .min = 8, .weight = 6, .priority = 5},
};

static const struct entity_sort campaign_sorts[] = {
    {.name = "name",
     .key = "a.name",
     .keytype = "text",
     .blocks = "campaigns_name",
     .index = "campaigns_name_idx"},
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .index = "campaigns_updated_idx"},
};

static const struct entity_filter campaign_filters[] = {
    {.name = "status", .sql = "a.status", .field = "status"},
    {.name = "owner", .sql = "a.owner", .mine = 1, .match = FILTER_FOLDED},
};

static const struct entity_list campaign_list = {
    .view = "campaigns",
    .title = "Campaigns",
    .from = "campaigns a",
    .base = "campaigns a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "campaign names",
    .cols = campaign_cols,
    .ncols = N(campaign_cols),
    .sorts = campaign_sorts,
    .nsorts = N(campaign_sorts),
    .filters = campaign_filters,
    .nfilters = N(campaign_filters),
    .rows_are_records = 1,
};

static const struct entity_detail_field campaign_detail_fields[] = {
    {"Status", "status"},   {"Channel", "channel"}, {"Starts", "starts"},
    {"Ends", "ends"},       {"Budget", "budget"},   {"Owner", "owner"},
    {"Members", "members"}, {"Created", "created"}, {"Updated", "updated"},
};
/* a campaign shows its members instead of a timeline */
static const struct entity_section campaign_members = {
    .heading = "Members",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = CAMPAIGN_MEMBER_LINES,
    .params = {"id"},
    .paged = 1,
    .total = "members",
};
/* its results first (they move while responses come in) */
static const struct entity_section campaign_results = {
    .sql = CAMPAIGN_RESULT_LINES,
    .params = {"id"},
};
static const struct entity_detail campaign_detail = {
    .head = CAMPAIGN_HEAD,
    .fields = campaign_detail_fields,
    .nfields = N(campaign_detail_fields),
    .before = &campaign_results,
    .nbefore = 1,
    .timeline = &campaign_members,
};

static const struct entity campaigns = {
    .table = "campaigns",
    .singular = "campaign",
    .plural = "campaigns",
    .help = "marketing's campaign and the people it reached",
    .fields = campaign_fields,
    .nfields = N(campaign_fields),
    .list = &campaign_list,
    .detail = &campaign_detail,
    .actions =
        ENT_EDIT | ENT_COMMENT | ENT_ASSIGN | ENT_CHAT | ENT_HISTORY | ENT_MEMBERS | ENT_WATCH,
};

/* ---- interactions: calls, e-mails, meetings, notes and tasks on a timeline ---- */

static const struct entity_field interaction_fields[] = {
    {.column = "kind",
     .label = "Kind",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = interaction_kind,
     .def = "note", /* the database has no default: an import must name it */
     .synonyms = "type|activitytype"},
    {.column = "subject",
     .label = "Subject",
     .type = FIELD_TEXT,
     .maxlen = 500,
     .synonyms = "title|summary|betreff"},
    ACCOUNT_REF(0),
    CONTACT_REF("contactemail|email"),
    /* in an import or export (csv): a lead by its e-mail, a deal by its name and a ticket by its
     * subject, the last two among the row's account's when it names one */
    {.column = "lead_id",
     .label = "Lead",
     .type = FIELD_REF,
     .ref = "leads",
     .csv = "lead",
     .synonyms = "leademail"},
    {.column = "opportunity_id",
     .label = "Deal",
     .type = FIELD_REF,
     .ref = "opportunities",
     .within = "account_id",
     .csv = "deal",
     .synonyms = "dealname|opportunity|opportunityname"},
    {.column = "ticket_id",
     .label = "Ticket",
     .type = FIELD_REF,
     .ref = "tickets",
     .within = "account_id",
     .csv = "ticket",
     .synonyms = "ticketsubject"},
    {.column = "channel",
     .label = "Channel",
     .type = FIELD_TEXT,
     .maxlen = 50,
     .synonyms = "medium"},
    {.column = "direction",
     .label = "Direction",
     .type = FIELD_CHOICE,
     .choices = interaction_direction},
    {.column = "at",
     .label = "When",
     .type = FIELD_DATETIME,
     .sqldef = "now()",
     .synonyms = "date|time|when|datetime"},
    {.column = "due_at", .label = "Due", .type = FIELD_DATETIME, .synonyms = "due|duedate"},
    {.column = "done_at",
     .label = "Done",
     .type = FIELD_DATETIME,
     .synonyms = "done|completed|completedat"},
    {.column = "body",
     .label = "Notes",
     .type = FIELD_MULTILINE,
     .maxlen = 100000,
     .synonyms = "description|text|notes"},
    /* last, out of the way of Tab: who reads a note (022): internal users only, or the
     * partners who see the record too; a partner's notes are always shared (its default) */
    {.column = "visibility",
     .label = "Visibility",
     .type = FIELD_CHOICE,
     .choices = visibility_choices,
     .def = "internal",
     .sqldef = "ccrm_default_visibility()",
     .internal = 1,
     .keys_only = 1},
};

/* a task's person (schema/019): not in the form, but an export keeps it and an import takes it */
static const struct entity_field interaction_io_fields[] = {
    {.column = "owner",
     .label = "Owner",
     .type = FIELD_REF,
     .ref = "users",
     .maxlen = 63,
     .synonyms = OWNER_SYNONYMS,
     .internal = 1},
};

static const char *const interaction_exports[] = {
    "kind",      "channel", "direction",  "subject",    "body",    "at",
    "due_at",    "done_at", "account_id", "contact_id", "lead_id", "opportunity_id",
    "ticket_id", "owner",   "visibility", NULL};
static const char *const interaction_new[] = {"call", "email", "meeting", "note", "task", NULL};

/* an interaction with neither says nothing: the timeline would show an empty "note:" */
static const char *const interaction_text[] = {"subject", "body", NULL};

static const struct entity interactions = {
    .table = "interactions",
    .singular = "interaction",
    .plural = "interactions",
    .help = "a call, e-mail, meeting, note or task on a customer's timeline",
    .fields = interaction_fields,
    .nfields = N(interaction_fields),
    .exports = interaction_exports,
    .io_fields = interaction_io_fields,
    .nio_fields = N(interaction_io_fields),
    .new_words = interaction_new,
    .new_field = "kind",
    .one_of = interaction_text,
    .one_of_msg = "give a subject or a note",
    .actions = ENT_EDIT | ENT_DONE, /* in the Tasks list, whose rows are interactions */
};

/* ---- tasks: the tasks and meetings of every department (the view `tasks`, schema/019) ---- */

/* the start of the person's day, in their time zone (schema/functions/90_service.sql) */
#define TASK_DAY0                                                                                  \
    "(date_trunc('day', now() AT TIME ZONE ccrm_user_tz(current_user))"                            \
    " AT TIME ZONE ccrm_user_tz(current_user))"

static const struct entity_column task_cols[] = {
    /* the weekday in this year, the year in another (which year: the session's is close
     * enough for a format, and spares two calls of ccrm_user_tz a row) */
    {.name = "Due",
     .sql = "to_char(a.due_at AT TIME ZONE ccrm_user_tz(current_user),"
            " CASE WHEN date_trunc('year', a.due_at) = date_trunc('year', now())"
            " THEN 'Dy MM-DD HH24:MI' ELSE 'YYYY-MM-DD HH24:MI' END)",
     .min = 16,
     .priority = 1},
    {.name = "State",
     .sql = "CASE a.state WHEN 'overdue' THEN '! overdue' ELSE a.state END",
     .min = 9,
     .priority = 1},
    {.name = "Kind", .sql = "a.kind", .min = 7, .priority = 4},
    {.name = "Subject", .sql = "coalesce(a.subject, '')", .min = 16, .weight = 40, .priority = 1},
    {.name = "Record",
     .sql = "coalesce(ccrm_task_record(a.ticket_id, a.opportunity_id, a.lead_id, a.contact_id,"
            " a.account_id), '')",
     .min = 14,
     .weight = 30,
     .priority = 2},
    {.name = "Person", .sql = "a.person", .min = 8, .weight = 4, .priority = 3},
    {.name = "alert", .sql = "(a.state = 'overdue')::text", .hidden = 1},
    {.name = "entity",
     .sql = "CASE WHEN a.ticket_id IS NOT NULL THEN 'tickets' WHEN a.opportunity_id IS NOT NULL"
            " THEN 'opportunities' WHEN a.lead_id IS NOT NULL THEN 'leads' WHEN a.contact_id IS"
            " NOT NULL THEN 'contacts' WHEN a.account_id IS NOT NULL THEN 'accounts' ELSE '' END",
     .hidden = 1},
    {.name = "entity_id",
     .sql = "coalesce(coalesce(a.ticket_id, a.opportunity_id, a.lead_id, a.contact_id,"
            " a.account_id)::text, '')",
     .hidden = 1},
};

static const struct entity_sort task_sorts[] = {
    {.name = "due",
     .key = "a.due_at",
     .keytype = "timestamptz",
     .index = "interactions_person_due_idx"},
};

static const struct entity_filter task_filters[] = {
    {.name = "person", .sql = "a.person", .mine = 1, .match = FILTER_FOLDED},
    /* yes/no filters (`f team overdue`) */
    {.name = "team",
     .sql = "(a.person IN (SELECT ccrm_team(current_user)))::text",
     .choices = entity_yes_no},
    {.name = "open", .sql = "(a.done_at IS NULL)::text", .choices = entity_yes_no},
    {.name = "overdue",
     .sql = "(a.done_at IS NULL AND a.due_at < now())::text",
     .choices = entity_yes_no},
    {.name = "today",
     .sql = "(a.done_at IS NULL AND a.due_at >= " TASK_DAY0 " AND a.due_at < " TASK_DAY0
            " + interval '1 day')::text",
     .choices = entity_yes_no},
    {.name = "week",
     .sql = "(a.done_at IS NULL AND a.due_at >= " TASK_DAY0 " AND a.due_at < " TASK_DAY0
            " + interval '7 days')::text",
     .choices = entity_yes_no},
    {.name = "kind", .sql = "a.kind", .choices = interaction_kind},
};

static const char *const task_shows[] = {"interactions", NULL};
static const char *const task_new[] = {"kind=task", NULL};

static const struct entity_list task_list = {
    .view = "tasks",
    .title = "Tasks",
    .from = "tasks a",
    .base = "tasks a",
    .search = "ccrm_fold(coalesce(a.subject, '') || ' ' || coalesce(a.body, ''))"
              " LIKE ccrm_fold($1)",
    .search_help = "subjects and notes",
    .cols = task_cols,
    .ncols = N(task_cols),
    .sorts = task_sorts,
    .nsorts = N(task_sorts),
    .filters = task_filters,
    .nfilters = N(task_filters),
    .rows_are_records = 1,
    .shows = task_shows,
    .start_filter = "mine open",
    .empty = "no tasks here: n adds one, f changes the filter (mine, team, overdue, today, week)",
};

static const struct entity tasks = {
    .table = "tasks",
    .singular = "task",
    .plural = "tasks",
    .help = "tasks and meetings with a due time, of every department (x: done)",
    .list = &task_list,
    .rows_of = "interactions",
    .new_values = task_new,
};

/* ---- the Feed and the Inbox: lists whose rows name records of other tables ---- */

#define FEED_EVENTS "(SELECT * FROM events WHERE entity NOT IN (" ENTITY_BOOKKEEPING_SQL ")) a"

static const struct entity_column feed_cols[] = {
    {.name = "Time",
     .sql = "to_char(" SQL_LOCAL("a.at") ", 'MM-DD HH24:MI:SS')",
     .min = 14,
     .priority = 2},
    {.name = "Who", .sql = "a.actor", .min = 8, .weight = 4, .priority = 1},
    {.name = "Dept", .sql = "coalesce(a.department, '')", .min = 10, .priority = 4},
    /* a credit note is an invoices row: named as its summary names it (30_events.sql) */
    {.name = "Record",
     .sql = "CASE WHEN a.entity_id IS NULL THEN ccrm_entity_noun(a.entity)"
            " WHEN a.entity = 'invoices' AND starts_with(a.summary, 'credit note ')"
            " THEN 'credit note #' || a.entity_id"
            " ELSE ccrm_entity_noun(a.entity) || ' #' || a.entity_id END",
     .min = 14,
     .fit = 1, /* "interaction #1234" whole, at 80 columns too */
     .weight = 8,
     .priority = 3},
    {.name = "What",
     .sql = "ccrm_feed_what(a.op, a.entity, a.changed, a.summary)",
     .min = 20,
     .weight = 60,
     .priority = 1},
    {.name = "account_id", .sql = "coalesce(a.account_id::text, '')", .hidden = 1},
    {.name = "entity", .sql = "a.entity", .hidden = 1},
    {.name = "entity_id", .sql = "coalesce(a.entity_id::text, '')", .hidden = 1},
};

static const struct entity_sort feed_sorts[] = {
    {.name = "newest",
     .key = "a.id",
     .keytype = "bigint",
     .desc = 1,
     .blocks = "events_newest",
     .index = "events_id_search_idx"},
};

static const struct entity_filter feed_filters[] = {
    {.name = "actor", .sql = "a.actor", .match = FILTER_FOLDED},
    /* users.department (dept_names); the Feed's events carry the actor's */
    {.name = "department", .sql = "a.department", .choices = dept_names},
    {.name = "entity", .sql = "a.entity", .read = "ccrm_entity_table"},
};

static const struct entity_list feed_list = {
    .view = "feed",
    .title = "Feed",
    /* the bookkeeping of inboxes (entries, read marks, digests, one's quiet hours), mentions,
     * reminders and followers is not news: the Inbox shows one's own, the comment that
     * mentions someone is in the Feed already, a reminder rings in its owner's client */
    .from = FEED_EVENTS,
    .base = FEED_EVENTS,
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "the event summaries",
    .cols = feed_cols,
    .ncols = N(feed_cols),
    .sorts = feed_sorts,
    .nsorts = N(feed_sorts),
    .filters = feed_filters,
    .nfilters = N(feed_filters),
    .always_reread = 1,
};

static const struct entity events = {
    .table = "events",
    .singular = "event",
    .plural = "events",
    .help = "what everyone changed, newest first (the Feed)",
    .list = &feed_list,
};

static const struct entity_column inbox_cols[] = {
    {.name = "When",
     .sql = "to_char(" SQL_LOCAL("a.created_at") ", 'MM-DD HH24:MI')",
     .min = 11,
     .priority = 2},
    {.name = "Kind",
     .sql = "replace(a.kind, '_', ' ')",
     .min = 11,
     .priority = 3}, /* "sla warning" */
    {.name = "From",
     .sql = "coalesce(fu.display_name || coalesce(' (' || fu.department || ')', ''),"
            " a.from_login, '')",
     .min = 14,
     .weight = 10,
     .priority = 1,
     .snug = 1},
    {.name = "Record",
     .sql = INBOX_RECORD,
     .min = 20,
     .weight = 30,
     .priority = 1,
     .partner_sql = INBOX_RECORD_PARTNER,
     .snug = 1},
    /* repeats of one kind on one record are one line (schema/019): "×4" says how many; the
     * longest text of the list (a change, a mention): it takes all the room left, also what
     * From and Record (snug) do not need */
    {.name = "Note",
     .sql = INBOX_NEWS,
     .min = 16,
     .weight = 40,
     .priority = 2,
     .partner_sql = INBOX_NEWS_PARTNER},
    /* an unread entry that came in quiet hours (or for someone who takes a digest) did not
     * ping: held for the next digest, or listed in one already (schema/019) */
    {.name = "Digest",
     .sql = "CASE WHEN NOT a.quiet OR a.read_at IS NOT NULL THEN ''"
            " WHEN a.updated_at > coalesce((SELECT max(d.due_at) FROM digests d"
            " WHERE d.login = a.login), '-infinity') THEN 'held' ELSE 'in digest' END",
     .min = 9,
     .priority = 4,
     .partner_sql = "''"}, /* partners may not read digests (nor take one) */
    {.name = "entity", .sql = "coalesce(a.entity, '')", .hidden = 1},
    {.name = "entity_id", .sql = "coalesce(a.entity_id::text, '')", .hidden = 1},
    {.name = "unread", .sql = "(a.read_at IS NULL)::text", .hidden = 1},
    /* the whole note, the record named in it as written (the toast of a scheduler's notice) */
    {.name = "whole_note", .sql = "coalesce(a.note, '')", .hidden = 1},
};

static const struct entity_sort inbox_sorts[] = {
    {.name = "newest",
     .key = "a.id",
     .keytype = "bigint",
     .desc = 1,
     .blocks = "inbox_newest",
     .index = "inbox_login_idx"},
};

static const struct entity_filter inbox_filters[] = {
    {.name = "unread", .sql = "(a.read_at IS NULL)::text", .choices = entity_yes_no},
    {.name = "kind", .sql = "a.kind", .choices = inbox_kinds},
};

/* its senders, and the records its lines name (their names and subjects) */
static const char *const inbox_shows[] = {"users",         "accounts", "contacts", "leads",
                                          "opportunities", "tickets",  NULL};

#define INBOX_FROM                                                                                 \
    "(SELECT * FROM inbox i WHERE i.login = current_user) a"                                       \
    " LEFT JOIN users fu ON fu.login = a.from_login"

static const struct entity_list inbox_list = {
    .view = "inbox",
    .title = "Inbox",
    /* one's own inbox: the subquery keeps every statement on the (login, id) index */
    .from = INBOX_FROM,
    .partner_from = INBOX_FROM, /* the same, with the partner's Digest column */
    .base = "(SELECT * FROM inbox i WHERE i.login = current_user) a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "notes and senders",
    .cols = inbox_cols,
    .ncols = N(inbox_cols),
    .sorts = inbox_sorts,
    .nsorts = N(inbox_sorts),
    .filters = inbox_filters,
    .nfilters = N(inbox_filters),
    .shows = inbox_shows,
    .empty = "your inbox is empty: mentions, assignments and hand-offs to you land here",
};

static const struct entity inbox = {
    .table = "inbox",
    .singular = "inbox entry",
    .plural = "inbox entries",
    .help = "mentions, assignments and hand-offs to you",
    .list = &inbox_list,
    .actions = ENT_MARK_READ,
};

/* ---- responsibility rules: who is competent for what (schema/019; management and admin
 * write them, the database refuses everyone else) ---- */

static const char *const yes_no[] = {"true", "false", NULL};

static const struct entity_field rule_fields[] = {
    {.column = "department",
     .label = "Department",
     .type = FIELD_TEXT,
     .required = 1,
     .def = "support",
     .maxlen = 63},
    {.column = "priority",
     .label = "Priority",
     .type = FIELD_INT,
     .required = 1,
     .min = 0,
     .max = 1000000,
     .def = "100",
     .sqldef = "100"},
    {.column = "person",
     .label = "Person",
     .type = FIELD_REF,
     .required = 1,
     .ref = "users",
     .maxlen = 63},
    {.column = "deputy", .label = "Deputy", .type = FIELD_REF, .ref = "users", .maxlen = 63},
    ACCOUNT_REF(0),
    {.column = "product", .label = "Product", .type = FIELD_TEXT, .maxlen = 200},
    {.column = "queue", .label = "Queue", .type = FIELD_TEXT, .maxlen = 63},
    {.column = "topic", .label = "Topic", .type = FIELD_TEXT, .maxlen = 200},
    /* countries as accounts spell them (the database compares them folded) */
    {.column = "territory",
     .label = "Territory",
     .type = FIELD_TEXT,
     .list = LIST_NULL,
     .maxlen = 2000},
    {.column = "active",
     .label = "Active",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = yes_no,
     .def = "true",
     .sqldef = "true"},
    {.column = "note", .label = "Note", .type = FIELD_TEXT, .maxlen = 500},
};

static const struct entity_column rule_cols[] = {
    {.name = "#", .sql = "'#' || a.id", .min = 4, .fit = 1, .priority = 1},
    {.name = "Dept", .sql = "a.department", .min = 10, .priority = 1},
    {.name = "Prio", .sql = "a.priority::text", .min = 6, .priority = 2},
    {.name = "Conditions",
     .sql = "coalesce(nullif(concat_ws(' · ', 'account \"' || acc.name || '\"', 'territory ' ||"
            " array_to_string(a.territory, ', '), 'product \"' || a.product || '\"', 'queue ' ||"
            " a.queue, 'topic \"' || a.topic || '\"'), ''), 'any')",
     .min = 16,
     .weight = 40,
     .priority = 1},
    {.name = "Person", .sql = "a.person", .min = 8, .weight = 4, .priority = 1},
    {.name = "Deputy", .sql = "coalesce(a.deputy, '')", .min = 8, .weight = 4, .priority = 3},
    {.name = "Active",
     .sql = "CASE WHEN a.active THEN 'yes' ELSE 'no' END",
     .min = 6,
     .priority = 4},
    {.name = "Note", .sql = "coalesce(a.note, '')", .min = 10, .weight = 20, .priority = 5},
};

static const struct entity_sort rule_sorts[] = {
    /* the order they are tried in, per department */
    {.name = "department",
     .key = "a.department",
     .keytype = "text",
     .key2 = "lpad(a.priority::text, 7, '0')",
     .index = "responsibilities_dept_idx"},
};

static const struct entity_filter rule_filters[] = {
    /* rules hold lower-case words (a CHECK), not only the users' departments */
    {.name = "department", .sql = "a.department", .match = FILTER_FOLDED},
    {.name = "person", .sql = "a.person", .mine = 1, .match = FILTER_FOLDED},
    {.name = "active", .sql = "(a.active)::text", .choices = entity_yes_no},
};

static const struct entity_list rule_list = {
    .view = "rules",
    .title = "Rules",
    .from = "responsibilities a LEFT JOIN accounts acc ON acc.id = a.account_id",
    .base = "responsibilities a",
    .search = "ccrm_fold(concat_ws(' ', a.department, a.product, a.queue, a.topic, a.person,"
              " a.deputy, a.note)) LIKE ccrm_fold($1)",
    .search_help = "departments, products, queues, topics, people and notes",
    .cols = rule_cols,
    .ncols = N(rule_cols),
    .sorts = rule_sorts,
    .nsorts = N(rule_sorts),
    .filters = rule_filters,
    .nfilters = N(rule_filters),
    .rows_are_records = 1,
    .empty = "no rules yet: n adds one (management and admin)",
};

static const struct entity responsibilities = {
    .table = "responsibilities",
    .singular = "rule",
    .plural = "rules",
    .help = "who is competent for what: new tickets and leads are routed by these (:who)",
    .fields = rule_fields,
    .nfields = N(rule_fields),
    .list = &rule_list,
    .actions = ENT_EDIT | ENT_HISTORY,
};

/* ---- absences: a person away on some days; routing hands their work to the deputy (the
 * person, their team lead and management write them) ---- */

static const struct entity_field absence_fields[] = {
    {.column = "login",
     .label = "Person",
     .type = FIELD_REF,
     .required = 1,
     .ref = "users",
     .maxlen = 63},
    {.column = "starts_on", .label = "From", .type = FIELD_DATE, .required = 1},
    {.column = "ends_on", .label = "To", .type = FIELD_DATE, .required = 1},
    {.column = "deputy", .label = "Deputy", .type = FIELD_REF, .ref = "users", .maxlen = 63},
    {.column = "note", .label = "Note", .type = FIELD_TEXT, .maxlen = 500},
};

static const struct entity_column absence_cols[] = {
    {.name = "Person", .sql = "a.login", .min = 10, .weight = 4, .priority = 1},
    {.name = "From", .sql = "to_char(a.starts_on, 'YYYY-MM-DD')", .min = 10, .priority = 1},
    {.name = "To", .sql = "to_char(a.ends_on, 'YYYY-MM-DD')", .min = 10, .priority = 1},
    {.name = "Deputy", .sql = "coalesce(a.deputy, '')", .min = 10, .weight = 4, .priority = 2},
    {.name = "Now",
     .sql = "CASE WHEN current_date BETWEEN a.starts_on AND a.ends_on THEN 'away' ELSE '' END",
     .min = 5,
     .priority = 3},
    {.name = "Note", .sql = "coalesce(a.note, '')", .min = 10, .weight = 20, .priority = 4},
};

static const struct entity_sort absence_sorts[] = {
    {.name = "latest",
     .key = "a.ends_on",
     .keytype = "date",
     .desc = 1,
     .index = "absences_login_idx"},
};

static const struct entity_filter absence_filters[] = {
    {.name = "person", .sql = "a.login", .mine = 1, .match = FILTER_FOLDED},
    {.name = "current",
     .sql = "(current_date BETWEEN a.starts_on AND a.ends_on)::text",
     .choices = entity_yes_no},
    {.name = "coming", .sql = "(a.ends_on >= current_date)::text", .choices = entity_yes_no},
};

static const struct entity_list absence_list = {
    .view = "absences",
    .title = "Absences",
    .from = "absences a",
    .base = "absences a",
    .search = "ccrm_fold(concat_ws(' ', a.login, a.deputy, a.note)) LIKE ccrm_fold($1)",
    .search_help = "people and notes",
    .cols = absence_cols,
    .ncols = N(absence_cols),
    .sorts = absence_sorts,
    .nsorts = N(absence_sorts),
    .filters = absence_filters,
    .nfilters = N(absence_filters),
    .rows_are_records = 1,
    .start_filter = "coming",
    .empty = "nobody is away: n adds an absence (yours, or your team's as its lead)",
};

static const struct entity absences = {
    .table = "absences",
    .singular = "absence",
    .plural = "absences",
    .help = "someone away on some days: the rules route their work to the deputy",
    .fields = absence_fields,
    .nfields = N(absence_fields),
    .list = &absence_list,
    .actions = ENT_EDIT | ENT_HISTORY,
};

/* ---- people who use ccrm: named in owner and assignee fields ---- */

static const struct entity_ref user_ref = {
    .from = "users r",
    .key = "r.login",
    .label = "r.display_name || ' (' || r.login || ')'",
    .detail = "r.department",
    /* the people a record, task or rule may be given to: active and internal (045) */
    .match = "r.active AND r.department <> 'partner'"
             " AND (ccrm_fold(r.display_name) LIKE ccrm_fold($1) OR r.login ILIKE $1)",
    .order = "r.display_name, r.login",
    .by_key = "r.login = $1",
};

static const struct entity users = {
    .table = "users",
    .singular = "person",
    .plural = "people",
    .help = "someone who uses ccrm, by login",
    .ref = &user_ref,
};

/* ---- the registry ---- */

/* the back office's entries (src/model/entity_billing.c) */
extern const struct entity entity_products, entity_quotes, entity_quote_lines, entity_invoices;
/* service levels and one's own settings (src/model/entity_service.c) */
extern const struct entity entity_calendars, entity_sla_policies, entity_inbox_settings;
extern const struct entity entity_invoice_lines, entity_product_prices;
extern const struct entity entity_following; /* :following (src/model/entity_service.c) */

const struct entity *const entity_registry[] = {
    /* the list views in tab order (the Deals tab is the pipeline: six deal lists) */
    &events, &leads, &accounts, &contacts, &deals, &tickets, &campaigns, &inbox, &entity_quotes,
    &entity_invoices, &entity_products,
    /* the rest */
    &interactions, &users, &tasks, &responsibilities, &absences, &entity_quote_lines,
    &entity_calendars, &entity_sla_policies, &entity_inbox_settings, &entity_invoice_lines,
    &entity_product_prices, &entity_following, NULL};

const struct entity *
entity_find(const char *table)
{
    int i;

    for (i = 0; table != NULL && entity_registry[i] != NULL; i++)
        if (strcmp(entity_registry[i]->table, table) == 0)
            return entity_registry[i];
    return NULL;
}

const struct entity *
entity_named(const char *word)
{
    int i;

    /* in any letter case (--into Contacts), as :new and :open read what people type */
    for (i = 0; word != NULL && entity_registry[i] != NULL; i++)
        if (strcasecmp(entity_registry[i]->table, word) == 0 ||
            strcasecmp(entity_registry[i]->singular, word) == 0 ||
            strcasecmp(entity_registry[i]->plural, word) == 0)
            return entity_registry[i];
    return NULL;
}

const struct entity *
entity_by_view(const char *view)
{
    int i;

    for (i = 0; view != NULL && entity_registry[i] != NULL; i++)
        if (entity_registry[i]->list != NULL && strcmp(entity_registry[i]->list->view, view) == 0)
            return entity_registry[i];
    return NULL;
}

int
entity_field_index(const struct entity *e, const char *column)
{
    int i;

    for (i = 0; e != NULL && column != NULL && i < e->nfields; i++)
        if (strcmp(e->fields[i].column, column) == 0)
            return i;
    return -1;
}

const struct entity_field *
entity_field(const struct entity *e, const char *column)
{
    int i = entity_field_index(e, column);

    return i >= 0 ? &e->fields[i] : NULL;
}

const struct entity_field *
entity_io_field(const struct entity *e, const char *column)
{
    const struct entity_field *f = entity_field(e, column);
    int i;

    for (i = 0; f == NULL && e != NULL && column != NULL && i < e->nio_fields; i++)
        if (strcmp(e->io_fields[i].column, column) == 0)
            f = &e->io_fields[i];
    return f;
}

struct value_rule
entity_form_rule(const struct entity_field *f)
{
    struct value_rule r = {f->type, f->choices, f->min, f->max, f->maxlen, 0, f->decimals};

    if (f->type == FIELD_REF && strcmp(f->ref, "users") == 0)
        r.type = FIELD_TEXT; /* a person is named by the login */
    return r;
}

struct value_rule
entity_import_rule(const struct entity_field *f)
{
    struct value_rule r = {f->type, f->choices, f->min, f->max, f->maxlen, 1, f->decimals};

    /* by name or domain, by e-mail, by name or subject, by login: looked up in SQL */
    if (f->type == FIELD_REF)
        r.type = strcmp(f->ref, "contacts") == 0 || strcmp(f->ref, "leads") == 0 ? FIELD_EMAIL
                                                                                 : FIELD_TEXT;
    return r;
}

int
entity_filter_value(const struct entity *e, const struct entity_filter *f, const char *in,
                    char *out, size_t outcap, struct value_err *ve)
{
    const struct entity_field *fd = f->field != NULL ? entity_field(e, f->field) : NULL;
    struct value_rule r = {.type = FIELD_CHOICE, .choices = f->choices};
    char *norm;

    if (fd != NULL)
        r = entity_form_rule(fd); /* the one normaliser, as the form reads the field */
    else if (f->choices == NULL) {
        snprintf(out, outcap, "%s", in);
        return 0;
    }
    if (value_normalize_str(&r, 1, in, &norm, ve) == -1)
        return -1;
    snprintf(out, outcap, "%s", norm);
    free(norm);
    return 0;
}

int
entity_list_col(const struct entity_list *l, const char *name)
{
    int i;

    for (i = 0; l != NULL && i < l->ncols; i++)
        if (strcmp(l->cols[i].name, name) == 0)
            return i;
    return -1;
}

int
entity_sort_index(const struct entity_list *l, const char *name)
{
    int i;

    for (i = 0; l != NULL && name != NULL && i < l->nsorts; i++)
        if (strcmp(l->sorts[i].name, name) == 0)
            return i;
    return -1;
}

const char *
entity_noun(const char *table, long n)
{
    const struct entity *e = entity_find(table);

    if (e == NULL)
        return n == 1 ? "record" : "records";
    return n == 1 ? e->singular : e->plural;
}

int
entity_is_bookkeeping(const char *table)
{
    char quoted[64];

    if (snprintf(quoted, sizeof quoted, "'%s'", table) >= (int)sizeof quoted)
        return 0;
    return strstr(ENTITY_BOOKKEEPING_SQL, quoted) != NULL;
}
