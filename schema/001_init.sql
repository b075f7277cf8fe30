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

-- ---------------------------------------------------------------------------------------
-- Group roles (cluster-wide, so guarded)
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['ccrm_internal', 'ccrm_sales', 'ccrm_support', 'ccrm_marketing',
                             'ccrm_management', 'ccrm_partner', 'ccrm_admin']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    -- the internal departments share one parent; partners are deliberately not in it
    FOREACH r IN ARRAY ARRAY['ccrm_sales', 'ccrm_support', 'ccrm_marketing', 'ccrm_management',
                             'ccrm_admin']
    LOOP
        IF NOT pg_catalog.pg_has_role(r, 'ccrm_internal', 'MEMBER') THEN
            EXECUTE format('GRANT ccrm_internal TO %I', r);
        END IF;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Who is acting. Inside a SECURITY DEFINER function current_user is the function owner, so
-- the logging triggers use the role the session is running as: SET ROLE if one is set,
-- otherwise the login role. Equal to current_user in every ordinary statement.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION ccrm_actor() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::text
                ELSE current_setting('role') END
$$;

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
CREATE FUNCTION ccrm_stamp() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_at := now();
        NEW.created_by := ccrm_actor();
        NEW.updated_at := NEW.created_at;
        NEW.updated_by := NEW.created_by;
        NEW.version := 1;
        RETURN NEW;
    END IF;
    -- UPDATE: a writer either leaves version alone (it is bumped) or sets it to the value it
    -- read; any other value means the row changed since it was read.
    IF NEW.version IS DISTINCT FROM OLD.version THEN
        RAISE EXCEPTION 'record was changed by someone else (version %, you had %)',
                        OLD.version, NEW.version
            USING ERRCODE = 'CR001',
                  DETAIL = format('%s %s was last changed by %s at %s', TG_TABLE_NAME, OLD.id,
                                  OLD.updated_by, OLD.updated_at),
                  HINT = 'Reload the record, then apply your change again.',
                  SCHEMA = TG_TABLE_SCHEMA,
                  TABLE = TG_TABLE_NAME,
                  COLUMN = 'version';
    END IF;
    NEW.version := OLD.version + 1;
    NEW.created_at := OLD.created_at;
    NEW.created_by := OLD.created_by;
    NEW.updated_at := now();
    NEW.updated_by := ccrm_actor();
    RETURN NEW;
END
$$;

-- A ticket or interaction logged against a contact (or a deal, ticket, lead) lands on the
-- customer's timeline even when the writer did not name the account.
CREATE FUNCTION ccrm_fill_account() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'interactions' THEN
        IF NEW.contact_id IS NULL AND NEW.ticket_id IS NOT NULL THEN
            SELECT t.contact_id INTO NEW.contact_id FROM tickets t WHERE t.id = NEW.ticket_id;
        END IF;
        IF NEW.contact_id IS NULL AND NEW.lead_id IS NOT NULL THEN
            SELECT l.contact_id INTO NEW.contact_id FROM leads l WHERE l.id = NEW.lead_id;
        END IF;
        IF NEW.account_id IS NULL AND NEW.opportunity_id IS NOT NULL THEN
            SELECT o.account_id INTO NEW.account_id FROM opportunities o
             WHERE o.id = NEW.opportunity_id;
        END IF;
        IF NEW.account_id IS NULL AND NEW.ticket_id IS NOT NULL THEN
            SELECT t.account_id INTO NEW.account_id FROM tickets t WHERE t.id = NEW.ticket_id;
        END IF;
        IF NEW.account_id IS NULL AND NEW.lead_id IS NOT NULL THEN
            SELECT l.account_id INTO NEW.account_id FROM leads l WHERE l.id = NEW.lead_id;
        END IF;
    END IF;
    IF NEW.account_id IS NULL AND NEW.contact_id IS NOT NULL THEN
        SELECT c.account_id INTO NEW.account_id FROM contacts c WHERE c.id = NEW.contact_id;
    END IF;
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Event helpers: a one-line label for a row and the customer (account) it belongs to
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION ccrm_entity_account(p_entity text, p_id bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE p_entity
        WHEN 'accounts' THEN p_id
        WHEN 'contacts' THEN (SELECT account_id FROM contacts WHERE id = p_id)
        WHEN 'leads' THEN (SELECT coalesce(l.account_id, c.account_id)
                             FROM leads l LEFT JOIN contacts c ON c.id = l.contact_id
                            WHERE l.id = p_id)
        WHEN 'opportunities' THEN (SELECT account_id FROM opportunities WHERE id = p_id)
        WHEN 'tickets' THEN (SELECT account_id FROM tickets WHERE id = p_id)
        WHEN 'interactions' THEN (SELECT account_id FROM interactions WHERE id = p_id)
    END
$$;

CREATE FUNCTION ccrm_event_account(p_entity text, r jsonb) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE p_entity
        WHEN 'accounts' THEN (r->>'id')::bigint
        WHEN 'contacts' THEN (r->>'account_id')::bigint
        WHEN 'opportunities' THEN (r->>'account_id')::bigint
        WHEN 'account_shares' THEN (r->>'account_id')::bigint
        WHEN 'leads' THEN coalesce((r->>'account_id')::bigint,
                                   ccrm_entity_account('contacts', (r->>'contact_id')::bigint))
        WHEN 'tickets' THEN coalesce((r->>'account_id')::bigint,
                                     ccrm_entity_account('contacts', (r->>'contact_id')::bigint))
        WHEN 'interactions' THEN coalesce((r->>'account_id')::bigint,
                                          ccrm_entity_account('contacts', (r->>'contact_id')::bigint))
        WHEN 'comments' THEN ccrm_entity_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'inbox' THEN ccrm_entity_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'mentions' THEN (SELECT ccrm_entity_account(c.entity, c.entity_id)
                                FROM comments c WHERE c.id = (r->>'comment_id')::bigint)
        WHEN 'campaign_members' THEN
            coalesce(ccrm_entity_account('contacts', (r->>'contact_id')::bigint),
                     ccrm_entity_account('leads', (r->>'lead_id')::bigint))
    END
$$;

CREATE FUNCTION ccrm_event_summary(p_entity text, r jsonb) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(nullif(left(btrim(regexp_replace(CASE p_entity
        WHEN 'accounts' THEN r->>'name'
        WHEN 'contacts' THEN concat_ws(' ', r->>'first_name', r->>'last_name')
                             || coalesce(' <' || (r->>'email') || '>', '')
        WHEN 'leads' THEN concat_ws(' ', r->>'first_name', r->>'last_name')
                          || coalesce(' <' || (r->>'email') || '>', '')
                          || CASE WHEN r->>'first_name' IS NULL AND r->>'last_name' IS NULL
                                  THEN coalesce(' ' || (r->>'company'), '') ELSE '' END
        WHEN 'tickets' THEN r->>'subject'
        WHEN 'opportunities' THEN (r->>'name') || ' (' || (r->>'stage') || ')'
        WHEN 'interactions' THEN (r->>'kind') || coalesce(': ' || (r->>'subject'), '')
        WHEN 'comments' THEN left(regexp_replace(r->>'body', '\s+', ' ', 'g'), 60)
        WHEN 'campaigns' THEN r->>'name'
        WHEN 'campaign_members' THEN (r->>'status') || coalesce(' — ' ||
            (SELECT c.name FROM campaigns c WHERE c.id = (r->>'campaign_id')::bigint), '')
        WHEN 'users' THEN (r->>'display_name') || ' (' || (r->>'login') || ')'
        WHEN 'partner_orgs' THEN r->>'name'
        WHEN 'account_shares' THEN
            coalesce((SELECT a.name FROM accounts a WHERE a.id = (r->>'account_id')::bigint),
                     'account ' || (r->>'account_id'))
            || ' ↔ ' ||
            coalesce((SELECT p.name FROM partner_orgs p
                       WHERE p.id = (r->>'partner_org_id')::bigint),
                     'partner ' || (r->>'partner_org_id'))
        WHEN 'mentions' THEN '@' || (r->>'login')
        WHEN 'inbox' THEN (r->>'kind') || ' for ' || (r->>'login')
    END, '\s+', ' ', 'g')), 200), ''), p_entity || ' ' || (r->>'id'))
$$;

-- ---------------------------------------------------------------------------------------
-- Audit + events + NOTIFY (AFTER STATEMENT with transition tables)
--
-- SECURITY DEFINER because writers have no INSERT on audit/events. The actor is taken from
-- ccrm_actor(), not current_user (which is the owner in here).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION ccrm_log_changes() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    per_row_max constant int := 20;     -- above this a statement is one 'bulk' event
    v_actor text := ccrm_actor();
    v_dept  text;
    v_op    text := lower(TG_OP);
    n       bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO audit (actor, entity, op) VALUES (v_actor, TG_TABLE_NAME, 'truncate');
        SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                'all ' || replace(TG_TABLE_NAME, '_', ' ') || ' removed (truncate)', 0);
        PERFORM pg_notify('ccrm', '');
        RETURN NULL;
    END IF;

    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit (actor, entity, entity_id, op, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'insert', to_jsonb(t) FROM new_rows t;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit (actor, entity, entity_id, op, old_row, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'update', to_jsonb(o), to_jsonb(t)
          FROM new_rows t JOIN old_rows o ON o.id = t.id;
    ELSE
        INSERT INTO audit (actor, entity, entity_id, op, old_row)
        SELECT v_actor, TG_TABLE_NAME, o.id, 'delete', to_jsonb(o) FROM old_rows o;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN NULL;
    END IF;

    SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;

    IF n > per_row_max THEN
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                to_char(n, 'FM999,999,999,990') || ' ' || replace(TG_TABLE_NAME, '_', ' ')
                || CASE TG_OP WHEN 'INSERT' THEN ' inserted'
                              WHEN 'UPDATE' THEN ' updated'
                              ELSE ' deleted' END,
                n);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(t) AS r, t.id FROM new_rows t) s
         ORDER BY s.id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(o) AS r, o.id FROM old_rows o) s
         ORDER BY s.id;
    ELSE
        -- one event per row that really changed (a no-op UPDATE is audited, not announced)
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary,
                            changed)
        SELECT v_actor, v_dept, TG_TABLE_NAME, s.id, v_op,
               ccrm_event_account(TG_TABLE_NAME, s.nr), ccrm_event_summary(TG_TABLE_NAME, s.nr),
               s.changed
          FROM (SELECT t.id, to_jsonb(t) AS nr,
                       ARRAY(SELECT k.key
                               FROM jsonb_each(to_jsonb(t)) k
                              WHERE k.key NOT IN ('updated_at', 'updated_by', 'version')
                                AND k.value IS DISTINCT FROM to_jsonb(o) -> k.key
                              ORDER BY k.key) AS changed
                  FROM new_rows t JOIN old_rows o ON o.id = t.id) s
         WHERE cardinality(s.changed) > 0
         ORDER BY s.id;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RETURN NULL;
        END IF;
    END IF;

    -- constant payload: PostgreSQL folds duplicates, so one wake-up per transaction
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION ccrm_log_changes() FROM PUBLIC;

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
