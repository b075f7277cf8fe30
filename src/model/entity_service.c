/* Service levels and one's own notification settings in the entity registry
 * (include/ccrm/entity.h): business-hours calendars, SLA policies, and a person's quiet hours
 * and digest time (schema/019). Apart from src/model/entity.c only so that the registry's file
 * stays readable; entity_registry[] there names them. Management and admin write calendars and
 * policies, everyone internal reads them (the database's policies decide: a form of someone
 * else says read-only and the database refuses its save); each person writes only their own
 * settings. The choices match the CHECKs of schema/019_responsibility.sql. */
#include "ccrm/entity.h"

#define N(a) ((int)(sizeof(a) / sizeof(a)[0]))
#define INT_MAXV 2147483647L

static const char *const yes_no[] = {"true", "false", NULL};
static const char *const priorities[] = {"low", "normal", "high", "urgent", NULL};
/* the statuses that may pause an SLA clock (sla_policies.pause_statuses) */
static const char *const pausing[] = {"new", "open", "pending", NULL};

/* ---- the detail views: what a setting says, and who changed it (the audit trail; a
 * statement of many rows names them by ranges, schema/018) ---- */

#define CHANGES(table)                                                                             \
    "SELECT to_char(" SQL_LOCAL("a.at") ", 'YYYY-MM-DD HH24:MI') AS at, a.actor AS who,"           \
                                        " CASE a.op WHEN 'insert' THEN 'created' WHEN 'update' "   \
                                        "THEN 'changed ' || coalesce(("                            \
                                        "   SELECT string_agg(replace(k.key, '_', ' ') || ' ' || " \
                                        "coalesce(a.old_row ->> k.key,"                            \
                                        "   'empty') || ' → ' || coalesce(k.value #>> '{}', "    \
                                        "'empty'), ', ' ORDER BY k.key)"                           \
                                        "   FROM jsonb_each(a.new_row) k WHERE k.key NOT IN "      \
                                        "('updated_at', 'updated_by', 'version')"                  \
                                        "   AND k.value IS DISTINCT FROM a.old_row -> k.key), "    \
                                        "'nothing') ELSE a.op END AS what,"                        \
                                        " 'audit' AS entity, a.id"                                 \
                                        " FROM audit a WHERE a.entity = '" table                   \
                                        "' AND (a.entity_id = $1::bigint"                          \
                                        "   OR (a.ids IS NOT NULL AND a.ids @> $1::bigint))"       \
                                        " ORDER BY a.id DESC LIMIT 50"

/* ---- calendars: business hours in a time zone, and closed days ---- */

/* an SLA target is at most a year of minutes (the database's rule, ccrm_sla_policy_check) */
#define SLA_TARGET_MAX 525600

static const struct entity_field calendar_fields[] = {
    {.column = "name", .label = "Name", .type = FIELD_TEXT, .required = 1, .maxlen = 200},
    {.column = "time_zone",
     .label = "Time zone",
     .type = FIELD_TEXT,
     .required = 1,
     .def = "UTC",
     .sqldef = "'UTC'",
     .maxlen = 64},
    /* 'mon-fri 09:00-17:00', 'mon-thu 08:00-12:00,13:00-17:00; fri 08:00-14:00', '24/7':
     * the database reads it (ccrm_week_hours) and says what it cannot */
    {.column = "hours",
     .label = "Hours",
     .type = FIELD_TEXT,
     .required = 1,
     .def = "mon-fri 09:00-17:00",
     .sqldef = "'mon-fri 09:00-17:00'",
     .maxlen = 500},
    {.column = "holidays", .label = "Holidays", .type = FIELD_DATE, .list = LIST_EMPTY},
    {.column = "is_default",
     .label = "Default",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = yes_no,
     .def = "false",
     .sqldef = "false"},
};

static const struct entity_column calendar_cols[] = {
    {.name = "Name", .sql = "a.name", .min = 14, .weight = 20, .priority = 1},
    {.name = "Time zone", .sql = "a.time_zone", .min = 14, .weight = 6, .priority = 1},
    {.name = "Hours", .sql = "a.hours", .min = 16, .weight = 24, .priority = 1},
    /* how many closed days, and the next one */
    {.name = "Holidays",
     .sql = "cardinality(a.holidays) || coalesce(', next ' || (SELECT to_char(min(h), "
            "'YYYY-MM-DD') FROM unnest(a.holidays) h WHERE h >= current_date), '')",
     .min = 10,
     .weight = 10,
     .priority = 2},
    {.name = "Default",
     .sql = "CASE WHEN a.is_default THEN 'default' ELSE '' END",
     .min = 7,
     .priority = 3},
    {.name = "Policies",
     .sql = "(SELECT count(*) FROM sla_policies p WHERE p.calendar_id = a.id)::text",
     .min = 8,
     .priority = 4},
};

static const struct entity_sort calendar_sorts[] = {
    {.name = "name", .key = "a.name", .keytype = "text", .index = "calendars_name_key"},
};

static const struct entity_filter calendar_filters[] = {
    {.name = "default", .sql = "(a.is_default)::text", .choices = entity_yes_no},
};

/* the policies of a calendar name it (sla_policies.calendar_id) */
static const struct entity_ref calendar_ref = {
    .from = "calendars r",
    .key = "r.id::text",
    .label = "r.name",
    .detail = "r.time_zone || ' · ' || r.hours",
    .match = "(ccrm_fold(r.name) LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.name, r.id",
    .by_key = "r.id = $1::bigint",
};

static const char *const calendar_shows[] = {"sla_policies", NULL};

/* its business hours this week (Monday to Monday in its zone), its coming closed days */
#define CALENDAR_HEAD                                                                              \
    "SELECT c.id, c.version, NULL::bigint AS account_id, c.name AS title,"                         \
    " c.time_zone || ' · ' || c.hours AS subtitle, c.time_zone AS tz, c.hours AS hours,"          \
    " to_char(ccrm_business_minutes(c.id, date_trunc('week', now() AT TIME ZONE c.time_zone)"      \
    "   AT TIME ZONE c.time_zone, (date_trunc('week', now() AT TIME ZONE c.time_zone)"             \
    "   + interval '7 days') AT TIME ZONE c.time_zone) / 60, 'FM990.0') || ' h' AS week,"          \
    " cardinality(c.holidays)::text AS nholidays,"                                                 \
    " coalesce((SELECT string_agg(to_char(h, 'YYYY-MM-DD'), ', ' ORDER BY h)"                      \
    "   FROM unnest(c.holidays) h WHERE h >= current_date), 'none') AS coming,"                    \
    " CASE WHEN c.is_default THEN 'yes (the time zone of people who set none)'"                    \
    "   ELSE 'no' END AS is_default,"                                                              \
    " c.updated_by || ' at ' || to_char(" SQL_LOCAL(                                               \
        "c.updated_at") ", 'YYYY-MM-DD HH24:MI') AS updated"                                       \
                        " FROM calendars c WHERE c.id = $1"

static const struct entity_detail_field calendar_detail_fields[] = {
    {"Time zone", "tz"},       {"Hours", "hours"},   {"This week", "week"},
    {"Holidays", "nholidays"}, {"Coming", "coming"}, {"Default", "is_default"},
    {"Updated", "updated"},
};
static const struct entity_section calendar_policies[] = {
    {
        .heading = "SLA policies on it",
        .suffix = ", in the order tried",
        .max = 50,
        .sql = "SELECT '' AS at, '' AS who, '#' || p.position || ' ' || p.name"
               " || CASE WHEN p.active THEN '' ELSE ' (inactive)' END AS what,"
               " 'sla_policies' AS entity, p.id FROM sla_policies p"
               " WHERE p.calendar_id = $1::bigint ORDER BY p.position, p.id LIMIT 50",
        .params = {"id"},
    },
};
static const struct entity_section calendar_changes = {
    .heading = "Changes",
    .suffix = ", newest first",
    .max = 50,
    .sql = CHANGES("calendars"),
    .params = {"id"},
};
static const struct entity_detail calendar_detail = {
    .head = CALENDAR_HEAD,
    .fields = calendar_detail_fields,
    .nfields = N(calendar_detail_fields),
    .before = calendar_policies,
    .nbefore = N(calendar_policies),
    .timeline = &calendar_changes,
    .setting = 1,
};

static const struct entity_list calendar_list = {
    .view = "calendars",
    .title = "Calendars",
    .from = "calendars a",
    .base = "calendars a",
    .search = "ccrm_fold(concat_ws(' ', a.name, a.time_zone, a.hours)) LIKE ccrm_fold($1)",
    .search_help = "names, time zones and hours",
    .cols = calendar_cols,
    .ncols = N(calendar_cols),
    .sorts = calendar_sorts,
    .nsorts = N(calendar_sorts),
    .filters = calendar_filters,
    .nfilters = N(calendar_filters),
    .rows_are_records = 1,
    .shows = calendar_shows,
    .empty = "no calendars yet: n adds one (management and admin)",
};

const struct entity entity_calendars = {
    .table = "calendars",
    .singular = "calendar",
    .plural = "calendars",
    .help = "business hours: a time zone, weekly hours and holidays (SLA targets count in them)",
    .fields = calendar_fields,
    .nfields = N(calendar_fields),
    .ref = &calendar_ref,
    .list = &calendar_list,
    .detail = &calendar_detail,
    .actions = ENT_EDIT | ENT_HISTORY,
};

/* ---- SLA policies: conditions on a ticket, and its targets in business minutes ---- */

static const struct entity_field sla_fields[] = {
    {.column = "name", .label = "Name", .type = FIELD_TEXT, .required = 1, .maxlen = 200},
    /* the first active policy by position whose conditions hold decides */
    {.column = "position",
     .label = "Position",
     .type = FIELD_INT,
     .required = 1,
     .min = 0,
     .max = 1000000,
     .def = "100",
     .sqldef = "100"},
    {.column = "priorities",
     .label = "Priorities",
     .type = FIELD_TEXT,
     .choices = priorities,
     .list = LIST_NULL},
    {.column = "queues", .label = "Queues", .type = FIELD_TEXT, .list = LIST_NULL, .maxlen = 2000},
    {.column = "tiers", .label = "Tiers", .type = FIELD_TEXT, .list = LIST_NULL, .maxlen = 2000},
    {.column = "calendar_id",
     .label = "Calendar",
     .type = FIELD_REF,
     .required = 1,
     .ref = "calendars",
     .maxlen = 200},
    {.column = "first_response_min",
     .label = "First response",
     .type = FIELD_INT,
     .min = 1,
     .max = SLA_TARGET_MAX},
    {.column = "next_response_min",
     .label = "Next response",
     .type = FIELD_INT,
     .min = 1,
     .max = SLA_TARGET_MAX},
    {.column = "resolution_min",
     .label = "Resolution",
     .type = FIELD_INT,
     .min = 1,
     .max = SLA_TARGET_MAX},
    {.column = "warn_before_min",
     .label = "Warn before",
     .type = FIELD_INT,
     .required = 1,
     .min = 0,
     .max = INT_MAXV,
     .def = "30",
     .sqldef = "30"},
    {.column = "pause_statuses",
     .label = "Paused when",
     .type = FIELD_TEXT,
     .choices = pausing,
     .list = LIST_EMPTY,
     .def = "pending",
     .sqldef = "'{pending}'"},
    {.column = "escalate_to",
     .label = "Escalate to",
     .type = FIELD_REF,
     .ref = "users",
     .maxlen = 63},
    {.column = "active",
     .label = "Active",
     .type = FIELD_CHOICE,
     .required = 1,
     .choices = yes_no,
     .def = "true",
     .sqldef = "true"},
};

/* business minutes as people read them: 90 -> "1h30", 2400 -> "40h" */
#define BMIN(x)                                                                                    \
    "CASE WHEN " x " < 60 THEN " x " || 'm' ELSE (" x " / 60) || 'h' || CASE WHEN " x " % 60 > 0"  \
    " THEN lpad((" x " % 60)::text, 2, '0') ELSE '' END END"

static const struct entity_column sla_cols[] = {
    {.name = "Pos", .sql = "a.position::text", .min = 4, .priority = 1},
    {.name = "Name", .sql = "a.name", .min = 14, .weight = 16, .priority = 1},
    {.name = "Conditions",
     .sql = "coalesce(nullif(concat_ws(' · ', 'priority ' || array_to_string(a.priorities, ', '),"
            " 'queue ' || array_to_string(a.queues, ', '), 'tier ' || array_to_string(a.tiers, "
            "', ')), ''), 'any ticket')",
     .min = 14,
     .weight = 20,
     .priority = 1},
    {.name = "Targets (business time)",
     .sql = "concat_ws(' · ', 'first ' || " BMIN("a.first_response_min") ", 'next ' || " BMIN(
         "a.next_response_min") ", 'resolve ' || " BMIN("a.resolution_min") ")",
     .min = 16,
     .weight = 24,
     .priority = 1},
    {.name = "Calendar", .sql = "c.name", .min = 10, .weight = 8, .priority = 2},
    {.name = "Paused",
     .sql = "coalesce(nullif(array_to_string(a.pause_statuses, ', '), ''), 'never')",
     .min = 7,
     .priority = 4},
    {.name = "Escalate", .sql = "coalesce(a.escalate_to, '')", .min = 8, .priority = 5},
    {.name = "Active",
     .sql = "CASE WHEN a.active THEN 'yes' ELSE 'no' END",
     .min = 6,
     .priority = 3},
};

static const struct entity_sort sla_sorts[] = {
    /* the order they are tried in (a handful of rows: sorted, no index) */
    {.name = "position",
     .key = "a.position",
     .keytype = "int",
     .index = "sla_policies_pkey (a few rows, sorted)"},
};

static const struct entity_filter sla_filters[] = {
    {.name = "active", .sql = "(a.active)::text", .choices = entity_yes_no},
    {.name = "calendar",
     .sql = "(SELECT x.name FROM calendars x WHERE x.id = a.calendar_id)",
     .match = FILTER_TEXT},
};

static const char *const sla_shows[] = {"calendars", NULL};

static const struct entity_list sla_list = {
    .view = "sla",
    .title = "SLA policies",
    .from = "sla_policies a JOIN calendars c ON c.id = a.calendar_id",
    .base = "sla_policies a",
    .search = "ccrm_fold(concat_ws(' ', a.name, array_to_string(a.queues, ' '),"
              " array_to_string(a.tiers, ' '), a.escalate_to)) LIKE ccrm_fold($1)",
    .search_help = "names, queues, tiers and people",
    .cols = sla_cols,
    .ncols = N(sla_cols),
    .sorts = sla_sorts,
    .nsorts = N(sla_sorts),
    .filters = sla_filters,
    .nfilters = N(sla_filters),
    .rows_are_records = 1,
    .shows = sla_shows,
    .empty = "no SLA policies yet: n adds one (management and admin)",
};

static const char *const sla_new[] = {"sla", "policy", NULL};

/* one clause a line: clang-format would cut the macro's strings into pieces */
/* clang-format off */
#define SLA_HEAD                                                                                   \
    "SELECT p.id, p.version, NULL::bigint AS account_id, p.name AS title,"                         \
    " 'position ' || p.position || CASE WHEN p.active THEN '' ELSE ' · inactive' END"             \
    "   AS subtitle,"                                                                              \
    " coalesce(nullif(concat_ws(' · ', 'priority ' || array_to_string(p.priorities, ', '),"       \
    "   'queue ' || array_to_string(p.queues, ', '), 'tier ' || array_to_string(p.tiers, ', ')),"  \
    "   ''), 'any ticket') AS conditions,"                                                         \
    " coalesce(" BMIN("p.first_response_min") ", 'none') AS first_response,"                       \
    " coalesce(" BMIN("p.next_response_min") ", 'none') AS next_response,"                         \
    " coalesce(" BMIN("p.resolution_min") ", 'none') AS resolution,"                               \
    " " BMIN("p.warn_before_min") " || ' before a target' AS warn,"                                \
    " coalesce(nullif(array_to_string(p.pause_statuses, ', '), ''), 'never') AS paused,"           \
    " coalesce(p.escalate_to, 'nobody more') AS escalate, c.name AS calendar, p.calendar_id,"      \
    " p.updated_by || ' at ' || to_char(" SQL_LOCAL("p.updated_at") ", 'YYYY-MM-DD HH24:MI')"      \
    "   AS updated"                                                                                \
    " FROM sla_policies p JOIN calendars c ON c.id = p.calendar_id WHERE p.id = $1"
/* clang-format on */

/* targets are business minutes of the calendar (its hours, without its holidays) */
static const struct entity_detail_field sla_detail_fields[] = {
    /* labels fit the detail's label column (11) */
    {"Applies to", "conditions"},
    {"First reply", "first_response"},
    {"Next reply", "next_response"},
    {"Resolve in", "resolution"},
    {"Warning", "warn"},
    {"Paused when", "paused"},
    {"Escalate to", "escalate"},
    {"Updated", "updated"},
};
static const struct entity_related sla_related[] = {
    {"Calendar", "calendar", "calendars", "calendar_id"},
};
static const struct entity_section sla_changes = {
    .heading = "Changes",
    .suffix = ", newest first",
    .max = 50,
    .sql = CHANGES("sla_policies"),
    .params = {"id"},
};
static const struct entity_detail sla_detail = {
    .head = SLA_HEAD,
    .fields = sla_detail_fields,
    .nfields = N(sla_detail_fields),
    .related = sla_related,
    .nrelated = N(sla_related),
    .timeline = &sla_changes,
    .setting = 1,
};

const struct entity entity_sla_policies = {
    .table = "sla_policies",
    .singular = "SLA policy",
    .plural = "SLA policies",
    .help = "service levels: which tickets get which response and resolution targets",
    .fields = sla_fields,
    .nfields = N(sla_fields),
    .list = &sla_list,
    .detail = &sla_detail,
    .actions = ENT_EDIT | ENT_HISTORY,
    .new_words = sla_new,
};

/* ---- one's own inbox settings: time zone, quiet hours, the daily digest (:settings) ---- */

static const struct entity_field settings_fields[] = {
    {.column = "time_zone", .label = "Time zone", .type = FIELD_TEXT, .maxlen = 64},
    /* local times; from after until wraps midnight */
    {.column = "quiet_from", .label = "Quiet from", .type = FIELD_TIME},
    {.column = "quiet_until", .label = "Quiet until", .type = FIELD_TIME},
    {.column = "digest_at", .label = "Digest at", .type = FIELD_TIME},
};

/* :settings opens one's own row (or a new one); `:new` makes none */
static const char *const settings_new[] = {NULL};

const struct entity entity_inbox_settings = {
    .table = "inbox_settings",
    .singular = "inbox settings",
    .plural = "inbox settings",
    .help = "your time zone, quiet hours and daily digest: when the Inbox does not ping you",
    .fields = settings_fields,
    .nfields = N(settings_fields),
    .new_words = settings_new,
};

/* ---- the records one follows (:following): watched, owned or assigned, unless unwatched;
 * ccrm_following() asks the followers' one rule (schema/functions/94_following.sql) ---- */

static const struct entity_column following_cols[] = {
    {.name = "Changed",
     .sql = "to_char(" SQL_LOCAL("a.changed_at") ", 'YYYY-MM-DD HH24:MI')",
     .min = 16,
     .priority = 2},
    {.name = "Kind",
     .sql = "ccrm_entity_noun(a.entity) || ' #' || a.entity_id",
     .min = 14,
     .weight = 1,
     .priority = 1},
    {.name = "Name", .sql = "coalesce(a.label, '')", .min = 16, .weight = 40, .priority = 1},
    {.name = "Why", .sql = "a.why", .min = 8, .priority = 2},
    {.name = "By", .sql = "coalesce(a.changed_by, '')", .min = 8, .weight = 4, .priority = 3},
    {.name = "entity", .sql = "a.entity", .hidden = 1},
    {.name = "entity_id", .sql = "a.entity_id::text", .hidden = 1},
};

/* The set is the caller's own (thousands at most): it is made whole, from the owner indexes
 * and the followers' key, for each page, and cut by the keyset like any list */
static const struct entity_sort following_sorts[] = {
    {.name = "changed",
     .key = "a.changed_at",
     .keytype = "timestamptz",
     .desc = 1,
     .index = "ccrm_following(): the owner indexes and followers (login, entity, entity_id)"},
    {.name = "name",
     .key = "a.label",
     .keytype = "text",
     .index = "ccrm_following(): the owner indexes and followers (login, entity, entity_id)"},
};

/* why one follows a record (ccrm_following(), schema/functions/94_following.sql) */
static const char *const following_why[] = {"watching", "owner", "assignee", NULL};

static const struct entity_filter following_filters[] = {
    {.name = "kind", .sql = "a.entity", .read = "ccrm_entity_table"},
    {.name = "why", .sql = "a.why", .choices = following_why},
};

/* a watch or unwatch, and a record's change (its owner, its name, its last change) */
static const char *const following_shows[] = {"followers",     "accounts", "contacts",  "leads",
                                              "opportunities", "tickets",  "campaigns", NULL};

static const struct entity_list following_list = {
    .view = "following",
    .title = "Following",
    .from = "ccrm_following() a",
    .base = "ccrm_following() a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "the records' names",
    .cols = following_cols,
    .ncols = N(following_cols),
    .sorts = following_sorts,
    .nsorts = N(following_sorts),
    .filters = following_filters,
    .nfilters = N(following_filters),
    .shows = following_shows,
    .names_records = 1,
    .empty = "you follow nothing yet: the records you own or are assigned, and those you watch "
             "(w), are listed here",
};

const struct entity entity_following = {
    .table = "following",
    .singular = "followed record",
    .plural = "followed records",
    .help = "the records you follow: watched, owned or assigned (w: unwatch)",
    .list = &following_list,
};
