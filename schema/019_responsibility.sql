-- ccrm schema, migration 019: who is responsible, and by when. The responsibility matrix and
-- absences (routing of new tickets and leads), tasks and reminders, business-hours calendars,
-- SLA policies and per-ticket clocks, followers, and a notification budget for the inbox
-- (coalescing, quiet hours, digests). docs/architecture.md ("Responsibility and time") and
-- docs/security.md explain the rules; every function named here is in
-- schema/functions/90_service.sql (and ccrm_inbox_put in 50_collab.sql).
--
-- Everything is decided in the database, so every writer (the client, imports, mail, psql)
-- gets the same answer:
--   * a ticket or lead inserted without an assignee/owner is given one by the rules
--     (ccrm_route, BEFORE INSERT), and the person hears why (ccrm_route_notify);
--   * a ticket's SLA clocks start at insert and follow its status and the interactions logged
--     on it (ccrm_sla_*); ccrm_tick() (pg_cron or `ccrm --tick`) marks breaches, sends the
--     warnings, breach notices, reminders and digests, each exactly once;
--   * followers of a record hear of others' changes, coalesced, held back in quiet hours.
--
-- Existing tickets get no SLA clocks (their clocks would start breached): SLA applies to
-- tickets created from now on.

-- ---------------------------------------------------------------------------------------
-- Columns on existing tables
-- ---------------------------------------------------------------------------------------
-- a person's team lead (absences may be set by them; SLA warnings go to them too)
ALTER TABLE users ADD COLUMN manager text;
ALTER TABLE users ADD CONSTRAINT users_manager_check CHECK (manager <> login);
-- an account's service tier (SLA policies match on it): a lower-case word
ALTER TABLE accounts ADD COLUMN tier text;
ALTER TABLE accounts ADD CONSTRAINT accounts_tier_check CHECK (tier ~ '^[a-z][a-z0-9_-]{0,30}$');
-- the queue a ticket or lead came in through (a mail queue's name, a web form, ...): rules
-- and SLA policies match on it; and the rule that routed the record at insert (NULL: an
-- owner was given, or no rule matched)
ALTER TABLE tickets ADD COLUMN queue text;
ALTER TABLE tickets ADD CONSTRAINT tickets_queue_check CHECK (queue ~ '^[a-z0-9][a-z0-9._-]{0,62}$');
ALTER TABLE tickets ADD COLUMN routed_rule bigint;
ALTER TABLE leads ADD COLUMN queue text;
ALTER TABLE leads ADD CONSTRAINT leads_queue_check CHECK (queue ~ '^[a-z0-9][a-z0-9._-]{0,62}$');
ALTER TABLE leads ADD COLUMN routed_rule bigint;
-- whose task or meeting it is (NULL: its author's)
ALTER TABLE interactions ADD COLUMN owner text;
-- inbox: repeated entries about one record are one line with a count; an entry that arrived
-- in quiet hours (or for someone who takes a daily digest) did not ping
ALTER TABLE inbox ADD COLUMN count int NOT NULL DEFAULT 1;
ALTER TABLE inbox ADD CONSTRAINT inbox_count_check CHECK (count >= 1);
ALTER TABLE inbox ADD COLUMN quiet boolean NOT NULL DEFAULT false;
ALTER TABLE inbox DROP CONSTRAINT inbox_kind_check;
ALTER TABLE inbox ADD CONSTRAINT inbox_kind_check
    CHECK (kind IN ('mention', 'assignment', 'handoff', 'routed', 'change', 'comment',
                    'sla_warning', 'sla_breach', 'digest'));

-- coalescing looks for the unread entry about the same record
CREATE INDEX inbox_unread_record_idx ON inbox (login, entity, entity_id, kind)
    WHERE read_at IS NULL;
-- one's tasks and meetings by due time ("mine", "my team's", the agenda)
CREATE INDEX interactions_person_due_idx ON interactions ((coalesce(owner, created_by)), due_at, id)
    WHERE due_at IS NOT NULL AND kind IN ('task', 'meeting');
CREATE INDEX users_manager_idx ON users (manager) WHERE manager IS NOT NULL;

-- ---------------------------------------------------------------------------------------
-- The responsibility matrix
-- ---------------------------------------------------------------------------------------
-- A rule: for work of a department matching every condition set (NULL: any), the person is
-- competent, the deputy stands in. Rules are tried by priority (lower first), then the more
-- specific rule (more conditions), then the older. territory: the countries (as accounts spell
-- them; case and accents ignored) of a region; topic: a ticket matches when its subject holds
-- the topic as whole words, a lead when its source is the topic.
CREATE TABLE responsibilities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    department  text NOT NULL CHECK (department ~ '^[a-z]+$'),
    account_id  bigint REFERENCES accounts ON DELETE CASCADE,
    territory   text[] CHECK (cardinality(territory) > 0),
    product     text CHECK (btrim(product) <> ''),
    queue       text CHECK (queue ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    topic       text CHECK (btrim(topic) <> ''),
    person      text NOT NULL,
    deputy      text,
    priority    int NOT NULL DEFAULT 100 CHECK (priority BETWEEN 0 AND 1000000),
    active      boolean NOT NULL DEFAULT true,
    note        text,
    CONSTRAINT responsibilities_deputy_check CHECK (deputy <> person)
);
CREATE INDEX responsibilities_dept_idx ON responsibilities (department, priority, id) WHERE active;
CREATE INDEX responsibilities_account_idx ON responsibilities (account_id);

-- An absence: the person is away on these days (inclusive, in their time zone); their work
-- goes to the deputy named here, else the rule's deputy.
CREATE TABLE absences (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    login       text NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    deputy      text,
    note        text,
    CONSTRAINT absences_dates_check CHECK (ends_on >= starts_on),
    CONSTRAINT absences_deputy_check CHECK (deputy <> login)
);
CREATE INDEX absences_login_idx ON absences (login, ends_on);

-- ---------------------------------------------------------------------------------------
-- Business hours and service levels
-- ---------------------------------------------------------------------------------------
-- hours: e.g. 'mon-fri 09:00-17:00' or 'mon-thu 08:00-12:00,13:00-17:00; fri 08:00-14:00' or
-- '24/7', in the calendar's time zone; holidays: closed days. The default calendar gives the
-- time zone of people who set none.
CREATE TABLE calendars (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    name        text COLLATE "und-x-icu" NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    time_zone   text NOT NULL DEFAULT 'UTC',
    hours       text NOT NULL DEFAULT 'mon-fri 09:00-17:00',
    holidays    date[] NOT NULL DEFAULT '{}',
    is_default  boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX calendars_default_key ON calendars (is_default) WHERE is_default;

-- Derived from calendars (ccrm_calendar_build, also on delete: no foreign key, whose check per
-- row made a build twice as slow): every open stretch from 2020 to 2069 as absolute times,
-- with the business time before it. Business-time arithmetic is then two
-- index lookups (ccrm_business_us, ccrm_business_add), whatever the span of time.
CREATE TABLE calendar_spans (
    calendar_id bigint NOT NULL,
    starts      timestamptz NOT NULL,
    ends        timestamptz NOT NULL,
    before_us   bigint NOT NULL,
    PRIMARY KEY (calendar_id, starts) INCLUDE (ends, before_us),
    CHECK (ends > starts)
);
CREATE UNIQUE INDEX calendar_spans_before_key ON calendar_spans (calendar_id, before_us)
    INCLUDE (starts, ends);

-- The first active policy (lowest position) whose conditions all hold (NULL: any) gives a
-- ticket its targets, in business minutes of its calendar. The clocks stand still while the
-- ticket is in one of pause_statuses. A warning goes out warn_before_min business minutes
-- before a target; a breach also reaches escalate_to.
CREATE TABLE sla_policies (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at         timestamptz NOT NULL DEFAULT now(),
    created_by         text        NOT NULL DEFAULT current_user,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         text        NOT NULL DEFAULT current_user,
    version            int         NOT NULL DEFAULT 1,
    name               text COLLATE "und-x-icu" NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    position           int NOT NULL DEFAULT 100,
    queues             text[] CHECK (cardinality(queues) > 0),
    priorities         text[] CHECK (cardinality(priorities) > 0
                                     AND priorities <@ ARRAY['low', 'normal', 'high', 'urgent']),
    tiers              text[] CHECK (cardinality(tiers) > 0),
    calendar_id        bigint NOT NULL REFERENCES calendars ON DELETE RESTRICT,
    first_response_min int CHECK (first_response_min > 0),
    next_response_min  int CHECK (next_response_min > 0),
    resolution_min     int CHECK (resolution_min > 0),
    warn_before_min    int NOT NULL DEFAULT 30 CHECK (warn_before_min >= 0),
    pause_statuses     text[] NOT NULL DEFAULT '{pending}'
                       CHECK (pause_statuses <@ ARRAY['new', 'open', 'pending']),
    escalate_to        text,
    active             boolean NOT NULL DEFAULT true
);
CREATE INDEX sla_policies_calendar_idx ON sla_policies (calendar_id);

-- Per ticket and kind, computed by the triggers of tickets and interactions and by
-- ccrm_tick(); nobody writes it directly. A clock runs from running_since (NULL: paused or
-- met) with used_us business microseconds used before; due_at is when the target is reached
-- while it runs. met_at: the response was given (first/next response) or the ticket solved
-- (resolution). breached_at: the due time passed before that. One next_response clock per
-- customer message that waits for an answer. "current" marks each ticket's clock that decides
-- its time left (the earliest due among the unmet ones).
CREATE TABLE sla_clocks (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id          bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    policy_id          bigint NOT NULL REFERENCES sla_policies ON DELETE RESTRICT,
    kind               text NOT NULL
                       CHECK (kind IN ('first_response', 'next_response', 'resolution')),
    target_min         int NOT NULL CHECK (target_min > 0),
    started_at         timestamptz NOT NULL,
    running_since      timestamptz,
    used_us            bigint NOT NULL DEFAULT 0,
    due_at             timestamptz,
    warn_at            timestamptz,
    met_at             timestamptz,
    breached_at        timestamptz,
    warned_at          timestamptz,
    breach_notified_at timestamptz,
    current            boolean NOT NULL DEFAULT false,
    CONSTRAINT sla_clocks_met_check CHECK (met_at IS NULL OR running_since IS NULL)
);
CREATE INDEX sla_clocks_ticket_idx ON sla_clocks (ticket_id, kind);
CREATE UNIQUE INDEX sla_clocks_open_key ON sla_clocks (ticket_id, kind) WHERE met_at IS NULL;
CREATE UNIQUE INDEX sla_clocks_once_key ON sla_clocks (ticket_id, kind)
    WHERE kind <> 'next_response';
-- the scheduler: what is due, what to warn about, breaches not yet announced
CREATE INDEX sla_clocks_due_idx ON sla_clocks (due_at)
    WHERE running_since IS NOT NULL AND breached_at IS NULL;
CREATE INDEX sla_clocks_warn_idx ON sla_clocks (warn_at)
    WHERE running_since IS NOT NULL AND warned_at IS NULL AND breached_at IS NULL;
CREATE INDEX sla_clocks_unnotified_idx ON sla_clocks (id)
    WHERE breached_at IS NOT NULL AND breach_notified_at IS NULL;
-- the Tickets list by time left (ccrm_sla_time_left_page), and its breached filter
CREATE INDEX sla_clocks_time_left_idx ON sla_clocks ((coalesce(due_at, 'infinity')), ticket_id)
    WHERE current;
CREATE INDEX sla_clocks_breached_idx ON sla_clocks ((coalesce(due_at, 'infinity')), ticket_id)
    WHERE current AND breached_at IS NOT NULL;
-- compliance over the last days
CREATE INDEX sla_clocks_started_idx ON sla_clocks (started_at);

-- ---------------------------------------------------------------------------------------
-- Notifications
-- ---------------------------------------------------------------------------------------
-- following = false: the person unwatched a record they would follow by default (its owner
-- or assignee)
CREATE TABLE followers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    login       text NOT NULL DEFAULT current_user,
    entity      text NOT NULL CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities',
                                                'tickets', 'campaigns')),
    entity_id   bigint NOT NULL,
    following   boolean NOT NULL DEFAULT true,
    UNIQUE (login, entity, entity_id)
);
CREATE INDEX followers_entity_idx ON followers (entity, entity_id) INCLUDE (login, following);

-- A person's own settings: time zone (NULL: the default calendar's), quiet hours (local
-- times; from > until wraps midnight) and a daily digest at digest_at instead of live pings.
CREATE TABLE inbox_settings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    login       text NOT NULL UNIQUE DEFAULT current_user,
    time_zone   text,
    quiet_from  time,
    quiet_until time,
    digest_at   time,
    CONSTRAINT inbox_settings_quiet_check
        CHECK ((quiet_from IS NULL AND quiet_until IS NULL)
               OR (quiet_from IS NOT NULL AND quiet_until IS NOT NULL AND quiet_from <> quiet_until))
);

-- One row per task or meeting and due time, written by ccrm_tick() when it falls due: its
-- event makes every open client of that person ring once. seen_at: dismissed.
CREATE TABLE reminders (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL DEFAULT current_user,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text        NOT NULL DEFAULT current_user,
    version        int         NOT NULL DEFAULT 1,
    login          text NOT NULL,
    interaction_id bigint NOT NULL REFERENCES interactions ON DELETE CASCADE,
    due_at         timestamptz NOT NULL,
    note           text,
    seen_at        timestamptz,
    UNIQUE (interaction_id, due_at)
);
CREATE INDEX reminders_login_idx ON reminders (login, id DESC);
CREATE INDEX reminders_unseen_idx ON reminders (login, id DESC) WHERE seen_at IS NULL;

-- Which digests went out (the unique key makes two schedulers send one). mailed_at is for the
-- mail issue: a digest not mailed yet.
CREATE TABLE digests (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       text NOT NULL,
    due_at      timestamptz NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    entries     int NOT NULL DEFAULT 0,
    inbox_id    bigint,
    mailed_at   timestamptz,
    UNIQUE (login, due_at)
);

-- ---------------------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------------------
-- Tasks and meetings with a due time, with the person they belong to
CREATE VIEW tasks WITH (security_invoker = true) AS
SELECT i.id, i.kind, i.subject, i.body, i.due_at, i.done_at,
       coalesce(i.owner, i.created_by) AS person,
       CASE WHEN i.done_at IS NOT NULL THEN 'done'
            WHEN i.due_at < now() THEN 'overdue'
            ELSE 'open' END AS state,
       i.account_id, i.contact_id, i.lead_id, i.opportunity_id, i.ticket_id,
       i.created_at, i.created_by, i.updated_at, i.version
  FROM interactions i
 WHERE i.kind IN ('task', 'meeting') AND i.due_at IS NOT NULL;

-- SLA compliance of the clocks started in the last 30 days, per kind (the Dashboard)
CREATE VIEW sla_compliance WITH (security_invoker = true) AS
SELECT k.kind,
       count(*) AS clocks,
       count(*) FILTER (WHERE k.met_at IS NOT NULL) AS met,
       count(*) FILTER (WHERE k.met_at IS NOT NULL AND k.breached_at IS NULL) AS met_in_time,
       count(*) FILTER (WHERE k.met_at IS NULL) AS open,
       count(*) FILTER (WHERE k.met_at IS NULL AND k.breached_at IS NOT NULL) AS open_breached,
       round(100.0 * count(*) FILTER (WHERE k.breached_at IS NULL)
             / nullif(count(*) FILTER (WHERE k.met_at IS NOT NULL OR k.breached_at IS NOT NULL), 0),
             1) AS percent_in_time
  FROM sla_clocks k
 WHERE k.started_at > now() - interval '30 days'
 GROUP BY k.kind;

-- ---------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------
SELECT ccrm_track_table(t) -- schema/functions/05_tables.sql
  FROM unnest(ARRAY['responsibilities', 'absences', 'calendars', 'sla_policies', 'followers',
                    'inbox_settings', 'reminders']::regclass[]) t;

-- values: people exist, departments are internal, time zones and hours parse
CREATE TRIGGER ccrm_check BEFORE INSERT OR UPDATE ON responsibilities
    FOR EACH ROW EXECUTE FUNCTION ccrm_responsibility_check();
CREATE TRIGGER ccrm_check BEFORE INSERT OR UPDATE ON absences
    FOR EACH ROW EXECUTE FUNCTION ccrm_absence_check();
CREATE TRIGGER ccrm_check BEFORE INSERT OR UPDATE ON calendars
    FOR EACH ROW EXECUTE FUNCTION ccrm_calendar_check();
CREATE TRIGGER ccrm_check BEFORE INSERT OR UPDATE ON sla_policies
    FOR EACH ROW EXECUTE FUNCTION ccrm_sla_policy_check();
CREATE TRIGGER ccrm_check BEFORE INSERT OR UPDATE ON inbox_settings
    FOR EACH ROW EXECUTE FUNCTION ccrm_inbox_settings_check();
CREATE TRIGGER ccrm_check BEFORE INSERT OR UPDATE OF manager ON users
    FOR EACH ROW EXECUTE FUNCTION ccrm_user_manager_check();
CREATE TRIGGER ccrm_task_owner BEFORE INSERT OR UPDATE OF owner ON interactions
    FOR EACH ROW WHEN (NEW.owner IS NOT NULL) EXECUTE FUNCTION ccrm_task_owner_check();

-- calendars: their spans, and the clocks that run on them
CREATE TRIGGER ccrm_calendar_spans AFTER INSERT OR DELETE OR UPDATE OF time_zone, hours, holidays
    ON calendars FOR EACH ROW EXECUTE FUNCTION ccrm_calendar_sync();
-- a changed policy: the unmet clocks under it take its new targets and calendar
CREATE TRIGGER ccrm_sla_policy AFTER UPDATE ON sla_policies
    FOR EACH ROW EXECUTE FUNCTION ccrm_sla_policy_sync();

-- routing at insert: the competent person when no one was named
CREATE TRIGGER ccrm_route BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ccrm_route();
CREATE TRIGGER ccrm_route BEFORE INSERT ON leads
    FOR EACH ROW EXECUTE FUNCTION ccrm_route();
CREATE TRIGGER ccrm_route_notify AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_route_notify();
CREATE TRIGGER ccrm_route_notify AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_route_notify();

-- SLA clocks: start with the ticket, follow its status, meet with responses
CREATE TRIGGER ccrm_sla_start AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_sla_start();
CREATE TRIGGER ccrm_sla_ticket AFTER UPDATE OF status, priority, queue, account_id ON tickets
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority
          OR OLD.queue IS DISTINCT FROM NEW.queue OR OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION ccrm_sla_ticket();
CREATE TRIGGER ccrm_sla_interaction AFTER INSERT ON interactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_sla_interaction();

-- followers hear of changes by others
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                             'campaigns', 'interactions']
    LOOP
        EXECUTE format('CREATE TRIGGER ccrm_follow_notify AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_follow_notify()', t);
    END LOOP;
END
$$;
CREATE TRIGGER ccrm_follow_notify_ins AFTER INSERT ON interactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_follow_notify();
CREATE TRIGGER ccrm_follow_notify_ins AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_follow_notify();

-- ---------------------------------------------------------------------------------------
-- Row-level security
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['responsibilities', 'absences', 'calendars', 'calendar_spans',
                             'sla_policies', 'sla_clocks', 'followers', 'inbox_settings',
                             'reminders', 'digests']
    LOOP
        PERFORM ccrm_secure_table(t::regclass); -- schema/functions/05_tables.sql
        -- every internal user reads them (who is competent, who is away, the service levels,
        -- who follows what are everyone's business inside the company)
        EXECUTE format('CREATE POLICY internal_read ON %I FOR SELECT TO ccrm_internal USING (true)',
                       t);
        -- partners: nothing. The rules, absences and service levels are internal; SLA clocks
        -- are our commitments and their breaches our performance, not the partner's business
        -- (it sees the ticket and its status); followers, settings, reminders and digests
        -- are about internal people.
        EXECUTE format('CREATE POLICY partner_none ON %I FOR SELECT TO ccrm_partner USING (false)',
                       t);
    END LOOP;
END
$$;

-- rules, calendars, policies: management and admin write them
CREATE POLICY management_write ON responsibilities TO ccrm_management, ccrm_admin
    USING (true) WITH CHECK (true);
CREATE POLICY management_write ON calendars TO ccrm_management, ccrm_admin
    USING (true) WITH CHECK (true);
CREATE POLICY management_write ON sla_policies TO ccrm_management, ccrm_admin
    USING (true) WITH CHECK (true);
-- absences: the person, their manager, management and admin
CREATE POLICY own_write ON absences FOR INSERT TO ccrm_internal
    WITH CHECK (login = current_user OR ccrm_manager_of(login) = current_user
                OR ccrm_in_dept('management'));
CREATE POLICY own_update ON absences FOR UPDATE TO ccrm_internal
    USING (login = current_user OR ccrm_manager_of(login) = current_user
           OR ccrm_in_dept('management'))
    WITH CHECK (login = current_user OR ccrm_manager_of(login) = current_user
                OR ccrm_in_dept('management'));
-- followers and settings: one's own
CREATE POLICY own_write ON followers FOR INSERT TO ccrm_internal
    WITH CHECK (login = current_user);
CREATE POLICY own_update ON followers FOR UPDATE TO ccrm_internal
    USING (login = current_user) WITH CHECK (login = current_user);
CREATE POLICY own_write ON inbox_settings FOR INSERT TO ccrm_internal
    WITH CHECK (login = current_user);
CREATE POLICY own_update ON inbox_settings FOR UPDATE TO ccrm_internal
    USING (login = current_user) WITH CHECK (login = current_user);
-- reminders: dismissed by their person
CREATE POLICY own_update ON reminders FOR UPDATE TO ccrm_internal
    USING (login = current_user) WITH CHECK (login = current_user);

-- ---------------------------------------------------------------------------------------
-- Privileges (docs/security.md, the allow-list)
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON responsibilities, absences, calendars, calendar_spans, sla_policies, sla_clocks,
              followers, inbox_settings, reminders, digests, tasks, sla_compliance
    FROM PUBLIC;
GRANT SELECT ON responsibilities, absences, calendars, calendar_spans, sla_policies, sla_clocks,
                followers, inbox_settings, reminders, digests, tasks, sla_compliance
    TO ccrm_internal;
GRANT SELECT ON tasks TO ccrm_partner;
GRANT INSERT ON responsibilities, calendars, sla_policies TO ccrm_management, ccrm_admin;
GRANT INSERT ON absences TO ccrm_internal;
GRANT INSERT (entity, entity_id, following) ON followers TO ccrm_internal;
GRANT INSERT (time_zone, quiet_from, quiet_until, digest_at) ON inbox_settings TO ccrm_internal;
GRANT UPDATE (version, department, account_id, territory, product, queue, topic, person, deputy,
              priority, active, note)
    ON responsibilities TO ccrm_management, ccrm_admin;
GRANT UPDATE (version, name, time_zone, hours, holidays, is_default)
    ON calendars TO ccrm_management, ccrm_admin;
GRANT UPDATE (version, name, position, queues, priorities, tiers, calendar_id, first_response_min,
              next_response_min, resolution_min, warn_before_min, pause_statuses, escalate_to,
              active)
    ON sla_policies TO ccrm_management, ccrm_admin;
GRANT UPDATE (version, login, starts_on, ends_on, deputy, note) ON absences TO ccrm_internal;
GRANT UPDATE (version, following) ON followers TO ccrm_internal;
GRANT UPDATE (version, time_zone, quiet_from, quiet_until, digest_at) ON inbox_settings
    TO ccrm_internal;
GRANT UPDATE (version, seen_at) ON reminders TO ccrm_internal;
-- the new columns of existing tables are data columns like the others
GRANT UPDATE (tier) ON accounts TO ccrm_internal;
GRANT UPDATE (queue, routed_rule) ON tickets TO ccrm_internal;
GRANT UPDATE (queue, routed_rule) ON leads TO ccrm_internal;
GRANT UPDATE (owner) ON interactions TO ccrm_internal;
GRANT UPDATE (manager) ON users TO ccrm_admin;
