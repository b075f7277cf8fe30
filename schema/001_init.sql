-- ccrm schema, migration 001: roles, tables, stamps + optimistic locking, audit, event stream.
--
-- Applied by `ccrm --migrate` inside one transaction (the runner adds BEGIN/COMMIT and the
-- schema_migrations row). Runs once per database; cluster-wide objects (roles, extensions)
-- are guarded because several databases of one cluster may run it.
--
-- Contract for clients (see docs/architecture.md and the report of this migration):
--   * every data table has id (identity), created_at/_by, updated_at/_by and version;
--     the triggers own those columns: clients never write them, except `version` in an
--     UPDATE, set to the value they read. A stale value fails with SQLSTATE CR001.
--   * every INSERT/UPDATE/DELETE/TRUNCATE writes `audit` rows and `events` rows and sends
--     NOTIFY ccrm with an empty payload (once per transaction after collapsing).
--   * entity names in events, audit, comments and inbox are table names ('accounts', ...).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The group roles (ccrm_internal, the departments, ccrm_partner): schema/functions/00_base.sql

-- Who is acting, ccrm_actor(): schema/functions/10_identity.sql
-- ---------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------
CREATE TABLE partner_orgs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    name        text COLLATE "und-x-icu" NOT NULL UNIQUE CHECK (btrim(name) <> '')
);

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL DEFAULT current_user,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text        NOT NULL DEFAULT current_user,
    version        int         NOT NULL DEFAULT 1,
    login          text NOT NULL UNIQUE CHECK (login <> ''),
    display_name   text COLLATE "und-x-icu" NOT NULL CHECK (btrim(display_name) <> ''),
    department     text NOT NULL CHECK (department IN ('sales', 'support', 'marketing',
                                                       'management', 'partner', 'admin')),
    partner_org_id bigint REFERENCES partner_orgs ON DELETE RESTRICT,
    active         boolean NOT NULL DEFAULT true,
    email          text CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    -- a partner user belongs to exactly one partner organisation, internal users to none
    CONSTRAINT users_partner_org_check CHECK ((department = 'partner') = (partner_org_id IS NOT NULL))
);
CREATE INDEX users_partner_org_idx ON users (partner_org_id);

CREATE TABLE accounts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL DEFAULT current_user,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text        NOT NULL DEFAULT current_user,
    version        int         NOT NULL DEFAULT 1,
    name           text COLLATE "und-x-icu" NOT NULL CHECK (btrim(name) <> ''),
    domain         text,
    industry       text,
    owner          text,
    phone          text,
    website        text,
    city           text,
    country        text,
    employees      int CHECK (employees >= 0),
    annual_revenue numeric(14,2) CHECK (annual_revenue >= 0),
    description    text
);
CREATE INDEX accounts_name_idx          ON accounts (name, id);
CREATE INDEX accounts_updated_idx       ON accounts (updated_at, id);
CREATE INDEX accounts_industry_name_idx ON accounts ((coalesce(industry, '')), name, id);
CREATE INDEX accounts_owner_name_idx    ON accounts (owner, name, id);
CREATE INDEX accounts_name_trgm_idx     ON accounts USING gin (name gin_trgm_ops);
CREATE INDEX accounts_domain_trgm_idx   ON accounts USING gin (domain gin_trgm_ops);
CREATE INDEX accounts_domain_lower_idx  ON accounts (lower(domain));

CREATE TABLE account_shares (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL DEFAULT current_user,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text        NOT NULL DEFAULT current_user,
    version        int         NOT NULL DEFAULT 1,
    account_id     bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    partner_org_id bigint NOT NULL REFERENCES partner_orgs ON DELETE CASCADE,
    UNIQUE (account_id, partner_org_id)
);
CREATE INDEX account_shares_partner_idx ON account_shares (partner_org_id, account_id);

CREATE TABLE contacts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    account_id  bigint REFERENCES accounts ON DELETE SET NULL,
    first_name  text COLLATE "und-x-icu",
    last_name   text COLLATE "und-x-icu",
    email       text CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    phone       text,
    title       text,
    owner       text,
    CONSTRAINT contacts_identity_check CHECK (coalesce(last_name, first_name, email) IS NOT NULL)
);
-- e-mail is unique case-insensitively. Not partial (NULLs never collide anyway), so both
-- ON CONFLICT ((lower(email))) and ... WHERE email IS NOT NULL infer it.
CREATE UNIQUE INDEX contacts_email_key   ON contacts (lower(email));
CREATE INDEX contacts_name_idx           ON contacts (last_name, first_name, id);
CREATE INDEX contacts_account_idx        ON contacts (account_id);
CREATE INDEX contacts_updated_idx        ON contacts (updated_at, id);
CREATE INDEX contacts_fullname_trgm_idx  ON contacts
    USING gin ((coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops);
CREATE INDEX contacts_email_trgm_idx     ON contacts USING gin (email gin_trgm_ops);

CREATE TABLE leads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    first_name  text COLLATE "und-x-icu",
    last_name   text COLLATE "und-x-icu",
    email       text CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    company     text COLLATE "und-x-icu",
    source      text,
    status      text NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'contacted', 'qualified', 'unqualified', 'converted')),
    score       int NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
    owner       text,
    contact_id  bigint REFERENCES contacts ON DELETE SET NULL,
    account_id  bigint REFERENCES accounts ON DELETE SET NULL,
    CONSTRAINT leads_identity_check CHECK (coalesce(last_name, first_name, email, company) IS NOT NULL)
);
CREATE INDEX leads_status_idx          ON leads (status, id);
CREATE INDEX leads_updated_idx         ON leads (updated_at, id);
CREATE INDEX leads_name_idx            ON leads (last_name, first_name, id);
CREATE INDEX leads_score_idx           ON leads (score DESC, id);
CREATE INDEX leads_owner_idx           ON leads (owner, id);
CREATE INDEX leads_email_idx           ON leads (lower(email));
CREATE INDEX leads_contact_idx         ON leads (contact_id);
CREATE INDEX leads_account_idx         ON leads (account_id);
CREATE INDEX leads_fullname_trgm_idx   ON leads
    USING gin ((coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops);
CREATE INDEX leads_company_trgm_idx    ON leads USING gin (company gin_trgm_ops);
CREATE INDEX leads_email_trgm_idx      ON leads USING gin (email gin_trgm_ops);

CREATE TABLE opportunities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    name        text COLLATE "und-x-icu" NOT NULL CHECK (btrim(name) <> ''),
    stage       text NOT NULL DEFAULT 'prospecting'
                CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation',
                                 'won', 'lost')),
    amount      numeric(14,2) CHECK (amount >= 0),
    currency    char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    close_date  date,
    owner       text
);
CREATE INDEX opportunities_stage_idx      ON opportunities (stage, id);
CREATE INDEX opportunities_account_idx    ON opportunities (account_id);
CREATE INDEX opportunities_updated_idx    ON opportunities (updated_at, id);
CREATE INDEX opportunities_close_idx      ON opportunities (close_date, id);
CREATE INDEX opportunities_owner_idx      ON opportunities (owner, stage, id);
CREATE INDEX opportunities_name_trgm_idx  ON opportunities USING gin (name gin_trgm_ops);

CREATE TABLE tickets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    account_id  bigint REFERENCES accounts ON DELETE SET NULL,
    contact_id  bigint REFERENCES contacts ON DELETE SET NULL,
    subject     text NOT NULL CHECK (btrim(subject) <> ''),
    body        text,
    status      text NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'open', 'pending', 'solved', 'closed')),
    priority    text NOT NULL DEFAULT 'normal'
                CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    channel     text CHECK (channel IN ('email', 'phone', 'chat', 'web', 'partner')),
    assignee    text,
    product     text
);
CREATE INDEX tickets_status_idx        ON tickets (status, id);
CREATE INDEX tickets_account_idx       ON tickets (account_id);
CREATE INDEX tickets_contact_idx       ON tickets (contact_id);
CREATE INDEX tickets_updated_idx       ON tickets (updated_at, id);
CREATE INDEX tickets_assignee_idx      ON tickets (assignee, status, id);
CREATE INDEX tickets_subject_trgm_idx  ON tickets USING gin (subject gin_trgm_ops);

CREATE TABLE interactions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL DEFAULT current_user,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text        NOT NULL DEFAULT current_user,
    version        int         NOT NULL DEFAULT 1,
    kind           text NOT NULL
                   CHECK (kind IN ('call', 'email', 'meeting', 'chat', 'note', 'task')),
    channel        text,
    direction      text CHECK (direction IN ('in', 'out')),
    -- the two axes of the seeds: place (same/different) x time (same/different).
    -- A meeting held over video or phone is different place, same time.
    mode           text GENERATED ALWAYS AS (
                       CASE
                           WHEN kind = 'meeting' AND channel IN ('video', 'phone', 'online')
                               THEN 'different_place_same_time'
                           WHEN kind = 'meeting' THEN 'same_place_same_time'
                           WHEN kind IN ('call', 'chat') THEN 'different_place_same_time'
                           ELSE 'different_place_different_time'
                       END) STORED,
    subject        text,
    body           text,
    at             timestamptz NOT NULL DEFAULT now(),
    due_at         timestamptz,
    done_at        timestamptz,
    account_id     bigint REFERENCES accounts ON DELETE SET NULL,
    contact_id     bigint REFERENCES contacts ON DELETE SET NULL,
    lead_id        bigint REFERENCES leads ON DELETE SET NULL,
    opportunity_id bigint REFERENCES opportunities ON DELETE SET NULL,
    ticket_id      bigint REFERENCES tickets ON DELETE SET NULL
);
-- customer 360 timelines: newest first per account / contact / lead / deal / ticket
CREATE INDEX interactions_account_at_idx     ON interactions (account_id, at DESC, id DESC);
CREATE INDEX interactions_contact_at_idx     ON interactions (contact_id, at DESC, id DESC);
CREATE INDEX interactions_lead_at_idx        ON interactions (lead_id, at DESC, id DESC);
CREATE INDEX interactions_ticket_at_idx      ON interactions (ticket_id, at DESC, id DESC);
CREATE INDEX interactions_opportunity_at_idx ON interactions (opportunity_id, at DESC, id DESC);
CREATE INDEX interactions_at_idx             ON interactions (at DESC, id DESC);
CREATE INDEX interactions_open_tasks_idx     ON interactions (due_at, id)
    WHERE done_at IS NULL AND due_at IS NOT NULL;
CREATE INDEX interactions_updated_idx        ON interactions (updated_at, id);

CREATE TABLE comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    entity      text NOT NULL CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities',
                                                'tickets', 'interactions', 'campaigns')),
    entity_id   bigint NOT NULL,
    body        text NOT NULL CHECK (btrim(body) <> ''),
    author      text NOT NULL DEFAULT current_user
);
CREATE INDEX comments_entity_idx ON comments (entity, entity_id, created_at, id);

CREATE TABLE mentions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    comment_id  bigint NOT NULL REFERENCES comments ON DELETE CASCADE,
    login       text NOT NULL,
    UNIQUE (comment_id, login)
);
CREATE INDEX mentions_login_idx ON mentions (login, id);

CREATE TABLE inbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    login       text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('mention', 'assignment', 'handoff')),
    entity      text,
    entity_id   bigint,
    from_login  text,
    note        text,
    read_at     timestamptz
);
CREATE INDEX inbox_login_idx  ON inbox (login, id DESC);
CREATE INDEX inbox_unread_idx ON inbox (login, id DESC) WHERE read_at IS NULL;

CREATE TABLE campaigns (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    name        text COLLATE "und-x-icu" NOT NULL CHECK (btrim(name) <> ''),
    status      text NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'active', 'paused', 'completed')),
    starts_on   date,
    ends_on     date,
    budget      numeric(14,2) CHECK (budget >= 0),
    owner       text,
    CONSTRAINT campaigns_dates_check CHECK (ends_on >= starts_on)
);
CREATE INDEX campaigns_name_idx ON campaigns (name, id);

CREATE TABLE campaign_members (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    campaign_id bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    lead_id     bigint REFERENCES leads ON DELETE CASCADE,
    contact_id  bigint REFERENCES contacts ON DELETE CASCADE,
    status      text NOT NULL DEFAULT 'sent'
                CHECK (status IN ('sent', 'opened', 'clicked', 'responded', 'converted',
                                  'unsubscribed')),
    CONSTRAINT campaign_members_one_person_check CHECK (num_nonnulls(lead_id, contact_id) = 1),
    UNIQUE (campaign_id, lead_id),
    UNIQUE (campaign_id, contact_id)
);
CREATE INDEX campaign_members_lead_idx    ON campaign_members (lead_id);
CREATE INDEX campaign_members_contact_idx ON campaign_members (contact_id);

-- The event stream (docs/design.md §4). Written only by the triggers below.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL DEFAULT current_user,
    department  text,
    entity      text NOT NULL,
    entity_id   bigint,
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'bulk')),
    account_id  bigint,
    summary     text NOT NULL,
    changed     text[],
    row_count   int NOT NULL DEFAULT 1
);
CREATE INDEX events_xid_idx     ON events (xid);
CREATE INDEX events_account_idx ON events (account_id, id);
CREATE INDEX events_entity_idx  ON events (entity, entity_id, id);

-- Who changed what, row by row. Written only by the triggers below.
CREATE TABLE audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL DEFAULT current_user,
    entity      text NOT NULL,
    entity_id   bigint,
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'truncate')),
    old_row     jsonb,
    new_row     jsonb
);
CREATE INDEX audit_entity_idx ON audit (entity, entity_id, id);
CREATE INDEX audit_at_idx     ON audit (at);

-- ---------------------------------------------------------------------------------------
-- Row stamps and optimistic locking (BEFORE ROW, runs as the writer)
-- ---------------------------------------------------------------------------------------
-- ccrm_stamp(): schema/functions/20_records.sql
-- ccrm_fill_account(): schema/functions/20_records.sql
-- ---------------------------------------------------------------------------------------
-- Event helpers: a one-line label for a row and the customer (account) it belongs to
-- ---------------------------------------------------------------------------------------
-- ccrm_entity_account(): schema/functions/20_records.sql
-- ccrm_event_account(): schema/functions/30_events.sql
-- ccrm_event_summary(): schema/functions/30_events.sql
-- ---------------------------------------------------------------------------------------
-- Audit + events + NOTIFY (AFTER STATEMENT with transition tables)
--
-- SECURITY DEFINER because writers have no INSERT on audit/events. The actor is taken from
-- ccrm_actor(), not current_user (which is the owner in here).
-- ---------------------------------------------------------------------------------------
-- ccrm_log_changes(): schema/functions/30_events.sql

-- ---------------------------------------------------------------------------------------
-- Attach the triggers to every data table
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['partner_orgs', 'users', 'accounts', 'account_shares', 'contacts',
                             'leads', 'opportunities', 'tickets', 'interactions', 'comments',
                             'mentions', 'inbox', 'campaigns', 'campaign_members']
    LOOP
        EXECUTE format('CREATE TRIGGER ccrm_stamp BEFORE INSERT OR UPDATE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION ccrm_stamp()', t);
        EXECUTE format('CREATE TRIGGER ccrm_log_ins AFTER INSERT ON %I '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', t);
        EXECUTE format('CREATE TRIGGER ccrm_log_upd AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', t);
        EXECUTE format('CREATE TRIGGER ccrm_log_del AFTER DELETE ON %I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', t);
        EXECUTE format('CREATE TRIGGER ccrm_log_trunc AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', t);
    END LOOP;
END
$$;

CREATE TRIGGER ccrm_fill_account BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ccrm_fill_account();
CREATE TRIGGER ccrm_fill_account BEFORE INSERT ON interactions
    FOR EACH ROW EXECUTE FUNCTION ccrm_fill_account();

-- ---------------------------------------------------------------------------------------
-- Privileges (row-level security and partner access come in a later migration)
-- ---------------------------------------------------------------------------------------
-- customer data: every internal department reads and writes all of it
GRANT SELECT, INSERT, UPDATE, DELETE
    ON accounts, contacts, leads, opportunities, tickets, interactions, comments, mentions,
       inbox, campaigns, campaign_members
    TO ccrm_internal;
-- who is who and what is shared with partners: read by all, changed by admins
GRANT SELECT ON users, partner_orgs, account_shares TO ccrm_internal;
-- written by triggers only
GRANT SELECT ON events, audit TO ccrm_internal;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ccrm_internal;

-- admins: everything, except that the audit trail and the event stream are written only by
-- the triggers (an admin must not be able to rewrite what others were shown)
GRANT ALL
    ON partner_orgs, users, accounts, account_shares, contacts, leads, opportunities, tickets,
       interactions, comments, mentions, inbox, campaigns, campaign_members
    TO ccrm_admin;
GRANT SELECT ON events, audit TO ccrm_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ccrm_admin;
