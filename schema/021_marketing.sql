-- ccrm schema, migration 021: from support's feedback to marketing's campaign.
--
--   interests            who is interested in which product or topic, learned where (a
--                        ticket, a call, a mail, by hand), recorded by whom
--   consents             per person and channel: consent given, or opted out (opted_out_at)
--   segments             saved, named filters over contacts and leads (a JSON definition of a
--                        fixed vocabulary, never SQL)
--   campaign_responses   what members did (sent, opened, clicked, replied, registered,
--                        converted), by hand or imported; campaigns get a channel
--   merges               merged duplicates: survivor, merged record, the merge's transaction
--                        (its audit rows are the undo data), undone or not
--   not_duplicates       pairs someone judged "not a duplicate"
--   plus indexes for duplicate matching (mailbox, E.164 phone, domain) and the timelines.
--
-- The rules live in schema/functions/92_marketing.sql: an opted-out person is never a member
-- of a campaign of that channel (triggers below, for every writer), merges and their undo,
-- segments, duplicates and the reports. Row-level security follows docs/security.md §9: a
-- partner sees an interest or a consent exactly when it sees the person or account it is
-- about (the record's own policy, ccrm_record_exists), its own segments, and nothing of
-- campaigns, merges or duplicate marks.

-- ---------------------------------------------------------------------------------------
-- Campaigns: a channel (what an opt-out is about) and the responses' words for members
-- ---------------------------------------------------------------------------------------
ALTER TABLE campaigns ADD COLUMN channel text NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'phone', 'post', 'event', 'web', 'other'));
GRANT UPDATE (channel) ON campaigns TO ccrm_marketing, ccrm_management, ccrm_admin;

-- "replied" and "registered" join the member statuses; the older "responded" (= replied) and
-- "unsubscribed" stay for rows written before
ALTER TABLE campaign_members DROP CONSTRAINT campaign_members_status_check;
ALTER TABLE campaign_members ADD CONSTRAINT campaign_members_status_check
    CHECK (status IN ('sent', 'opened', 'clicked', 'replied', 'registered', 'converted',
                      'responded', 'unsubscribed'));
-- the results count a campaign's members by status
CREATE INDEX campaign_members_campaign_status_idx ON campaign_members (campaign_id, status);

-- ---------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------
CREATE TABLE interests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL DEFAULT current_user,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text        NOT NULL DEFAULT current_user,
    version       int         NOT NULL DEFAULT 1,
    contact_id    bigint REFERENCES contacts ON DELETE CASCADE,
    lead_id       bigint REFERENCES leads ON DELETE CASCADE,
    account_id    bigint REFERENCES accounts ON DELETE CASCADE,
    product       text COLLATE "und-x-icu" CHECK (length(product) <= 200),
    topic         text COLLATE "und-x-icu" CHECK (length(topic) <= 200),
    source        text NOT NULL DEFAULT 'hand'
                  CHECK (source IN ('ticket', 'call', 'mail', 'meeting', 'chat', 'signal', 'hand',
                                    'import')),
    source_entity text CHECK (source_entity IN ('tickets', 'interactions', 'messages')),
    source_id     bigint,
    note          text CHECK (length(note) <= 2000),
    search        text COLLATE "C" GENERATED ALWAYS AS (
                      ccrm_fold(coalesce(product, '') || ' ' || coalesce(topic, '') || ' '
                                || coalesce(note, ''))) STORED,
    CONSTRAINT interests_subject_check CHECK (num_nonnulls(contact_id, lead_id, account_id) = 1),
    CONSTRAINT interests_what_check CHECK (coalesce(btrim(product), btrim(topic), '') <> ''),
    CONSTRAINT interests_source_record_check CHECK ((source_entity IS NULL) = (source_id IS NULL))
);
-- the 360 view: a record's interests newest first; segments and the report by product
CREATE INDEX interests_contact_idx ON interests (contact_id, created_at DESC, id DESC);
CREATE INDEX interests_lead_idx ON interests (lead_id, created_at DESC, id DESC);
CREATE INDEX interests_account_idx ON interests (account_id, created_at DESC, id DESC);
CREATE INDEX interests_product_idx ON interests ((ccrm_fold(product)), created_at);
CREATE INDEX interests_topic_idx ON interests ((ccrm_fold(topic)), created_at);
CREATE INDEX interests_created_idx ON interests (created_at, id);
CREATE INDEX interests_source_idx ON interests (source_entity, source_id);
-- searchable: a folded column with a trigram index, as the lists have
CREATE INDEX interests_search_trgm_idx ON interests USING gin (search gin_trgm_ops);

CREATE TABLE consents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL DEFAULT current_user,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text        NOT NULL DEFAULT current_user,
    version       int         NOT NULL DEFAULT 1,
    contact_id    bigint REFERENCES contacts ON DELETE CASCADE,
    lead_id       bigint REFERENCES leads ON DELETE CASCADE,
    channel       text NOT NULL CHECK (channel IN ('email', 'phone', 'post', 'all')),
    consented_at  timestamptz,
    opted_out_at  timestamptz,
    source        text CHECK (length(source) <= 200),
    note          text CHECK (length(note) <= 2000),
    CONSTRAINT consents_person_check CHECK (num_nonnulls(contact_id, lead_id) = 1),
    CONSTRAINT consents_something_check CHECK (num_nonnulls(consented_at, opted_out_at) > 0),
    UNIQUE (contact_id, channel),
    UNIQUE (lead_id, channel)
);
CREATE INDEX consents_opted_out_idx ON consents (channel) WHERE opted_out_at IS NOT NULL;

CREATE TABLE segments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL DEFAULT current_user,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text        NOT NULL DEFAULT current_user,
    version       int         NOT NULL DEFAULT 1,
    name          text COLLATE "und-x-icu" NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    description   text CHECK (length(description) <= 2000),
    definition    jsonb NOT NULL,
    owner         text
);
CREATE INDEX segments_name_idx ON segments (name, id);
CREATE INDEX segments_created_by_idx ON segments (created_by, id);

CREATE TABLE campaign_responses (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL DEFAULT current_user,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text        NOT NULL DEFAULT current_user,
    version       int         NOT NULL DEFAULT 1,
    campaign_id   bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    contact_id    bigint REFERENCES contacts ON DELETE CASCADE,
    lead_id       bigint REFERENCES leads ON DELETE CASCADE,
    status        text NOT NULL CHECK (status IN ('sent', 'opened', 'clicked', 'replied',
                                                  'registered', 'converted')),
    at            timestamptz NOT NULL DEFAULT now(),
    note          text CHECK (length(note) <= 2000),
    CONSTRAINT campaign_responses_person_check CHECK (num_nonnulls(contact_id, lead_id) = 1)
);
CREATE INDEX campaign_responses_campaign_idx ON campaign_responses (campaign_id, status, at);
CREATE INDEX campaign_responses_contact_idx ON campaign_responses (contact_id, at DESC);
CREATE INDEX campaign_responses_lead_idx ON campaign_responses (lead_id, at DESC);

-- Written only by ccrm_merge and ccrm_unmerge (SECURITY DEFINER). No foreign keys: the merged
-- record is gone while the merge stands.
CREATE TABLE merges (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL DEFAULT current_user,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text        NOT NULL DEFAULT current_user,
    version       int         NOT NULL DEFAULT 1,
    entity        text NOT NULL CHECK (entity IN ('contacts', 'leads', 'accounts')),
    survivor_id   bigint NOT NULL,
    merged_id     bigint NOT NULL,
    xid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    fields        jsonb NOT NULL DEFAULT '{}',
    survivor_row  jsonb NOT NULL,
    merged_row    jsonb NOT NULL,
    undone_at     timestamptz,
    undone_by     text,
    undo_xid      xid8,
    CONSTRAINT merges_pair_check CHECK (survivor_id <> merged_id)
);
CREATE INDEX merges_merged_idx ON merges (entity, merged_id);
CREATE INDEX merges_survivor_idx ON merges (entity, survivor_id);
CREATE INDEX merges_undo_xid_idx ON merges (undo_xid) WHERE undo_xid IS NOT NULL;

CREATE TABLE not_duplicates (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL DEFAULT current_user,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text        NOT NULL DEFAULT current_user,
    version       int         NOT NULL DEFAULT 1,
    entity        text NOT NULL CHECK (entity IN ('contacts', 'leads', 'accounts')),
    a_id          bigint NOT NULL,
    b_id          bigint NOT NULL,
    note          text CHECK (length(note) <= 2000),
    CONSTRAINT not_duplicates_order_check CHECK (a_id < b_id),
    UNIQUE (entity, a_id, b_id)
);

-- ---------------------------------------------------------------------------------------
-- Duplicate matching: one index per signal (ccrm_duplicates_for probes them while a form is
-- typed; the full scan groups by the same expressions)
-- ---------------------------------------------------------------------------------------
CREATE INDEX contacts_email_norm_idx ON contacts ((ccrm_email_norm(email)))
    WHERE email IS NOT NULL;
CREATE INDEX contacts_phone_e164_idx ON contacts ((ccrm_phone_e164(phone)))
    WHERE phone IS NOT NULL;
CREATE INDEX leads_email_norm_idx ON leads ((ccrm_email_norm(email))) WHERE email IS NOT NULL;
CREATE INDEX accounts_domain_norm_idx ON accounts
    ((ccrm_domain_norm(coalesce(nullif(btrim(domain), ''), website))));
CREATE INDEX accounts_phone_e164_idx ON accounts ((ccrm_phone_e164(phone, country)))
    WHERE phone IS NOT NULL;
CREATE INDEX contacts_person_name_idx ON contacts ((ccrm_person_name(first_name, last_name)));
CREATE INDEX leads_person_name_idx ON leads ((ccrm_person_name(first_name, last_name)));
CREATE INDEX accounts_name_key_idx ON accounts ((ccrm_name_key(name)));

-- ---------------------------------------------------------------------------------------
-- Stamps, audit and events, as every data table has (001)
-- ---------------------------------------------------------------------------------------
SELECT ccrm_track_table(t) -- schema/functions/05_tables.sql
  FROM unnest(ARRAY['interests', 'consents', 'segments', 'campaign_responses', 'merges',
                    'not_duplicates']::regclass[]) t;

-- ---------------------------------------------------------------------------------------
-- The rules (schema/functions/92_marketing.sql)
-- ---------------------------------------------------------------------------------------
-- an opted-out person is never added to a campaign of that channel, nor moved into one
CREATE TRIGGER ccrm_member_consent_ins AFTER INSERT ON campaign_members
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_member_consent_check();
CREATE TRIGGER ccrm_member_consent_upd AFTER UPDATE OF campaign_id, contact_id, lead_id
    ON campaign_members FOR EACH ROW
    WHEN ((OLD.campaign_id, OLD.contact_id, OLD.lead_id)
          IS DISTINCT FROM (NEW.campaign_id, NEW.contact_id, NEW.lead_id))
    EXECUTE FUNCTION ccrm_member_moved();
-- an opt-out removes the person from the campaigns of its channel that are not completed
CREATE TRIGGER ccrm_consent_ins AFTER INSERT ON consents
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_consent_changed();
CREATE TRIGGER ccrm_consent_upd AFTER UPDATE ON consents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_consent_changed();
-- ... so does a lead or contact becoming part of a person who opted out (row triggers whose
-- WHEN clause costs nothing to the updates that change neither e-mail nor contact)
CREATE TRIGGER ccrm_person_changed AFTER UPDATE OF email, contact_id ON leads
    FOR EACH ROW WHEN (lower(OLD.email) IS DISTINCT FROM lower(NEW.email)
                       OR OLD.contact_id IS DISTINCT FROM NEW.contact_id)
    EXECUTE FUNCTION ccrm_person_changed();
CREATE TRIGGER ccrm_person_changed AFTER UPDATE OF email ON contacts
    FOR EACH ROW WHEN (lower(OLD.email) IS DISTINCT FROM lower(NEW.email))
    EXECUTE FUNCTION ccrm_person_changed();
-- ... and a campaign reopened or moved to another channel
CREATE TRIGGER ccrm_campaign_reopened AFTER UPDATE OF status, channel ON campaigns
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.channel IS DISTINCT FROM NEW.channel)
    EXECUTE FUNCTION ccrm_campaign_reopened();
-- responses name members, and move them along the funnel
CREATE TRIGGER ccrm_responses_written AFTER INSERT ON campaign_responses
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_responses_written();
-- a segment that is saved always runs
CREATE TRIGGER ccrm_segment_validate BEFORE INSERT OR UPDATE OF definition ON segments
    FOR EACH ROW EXECUTE FUNCTION ccrm_segment_validate();

-- ---------------------------------------------------------------------------------------
-- Row-level security (docs/security.md §9)
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['interests', 'consents', 'segments', 'campaign_responses', 'merges',
                             'not_duplicates']
    LOOP
        PERFORM ccrm_secure_table(t::regclass); -- schema/functions/05_tables.sql
        EXECUTE format('CREATE POLICY internal_read ON %I FOR SELECT TO ccrm_internal USING (true)',
                       t);
    END LOOP;
END
$$;

-- interests and consents: every internal user records and corrects them (support hears it
-- first); a partner reads those about a person or account it sees, by that record's own policy
CREATE POLICY internal_insert ON interests FOR INSERT TO ccrm_internal WITH CHECK (true);
CREATE POLICY internal_update ON interests FOR UPDATE TO ccrm_internal USING (true)
    WITH CHECK (true);
CREATE POLICY partner_read ON interests FOR SELECT TO ccrm_partner
    USING (CASE WHEN interests.contact_id IS NOT NULL
                    THEN ccrm_record_exists('contacts', interests.contact_id)
                WHEN interests.lead_id IS NOT NULL
                    THEN ccrm_record_exists('leads', interests.lead_id)
                ELSE ccrm_record_exists('accounts', interests.account_id) END);
CREATE POLICY internal_insert ON consents FOR INSERT TO ccrm_internal WITH CHECK (true);
CREATE POLICY internal_update ON consents FOR UPDATE TO ccrm_internal USING (true)
    WITH CHECK (true);
CREATE POLICY partner_read ON consents FOR SELECT TO ccrm_partner
    USING (CASE WHEN consents.contact_id IS NOT NULL
                    THEN ccrm_record_exists('contacts', consents.contact_id)
                ELSE ccrm_record_exists('leads', consents.lead_id) END);

-- segments: everyone internal reads all (transparency) and builds their own; a segment is
-- changed by its creator or owner, or by marketing, management and admin. A partner has its
-- own segments, which only it sees; they run under its policies, so they find only people
-- of its shared accounts.
CREATE POLICY internal_insert ON segments FOR INSERT TO ccrm_internal
    WITH CHECK (created_by = current_user);
CREATE POLICY internal_update ON segments FOR UPDATE TO ccrm_internal
    USING (created_by = current_user OR owner = current_user
           OR ccrm_in_dept('marketing', 'management'))
    WITH CHECK (true);
CREATE POLICY partner_read ON segments FOR SELECT TO ccrm_partner
    USING (created_by = current_user);
CREATE POLICY partner_insert ON segments FOR INSERT TO ccrm_partner
    WITH CHECK (created_by = current_user AND owner IS NULL);
CREATE POLICY partner_update ON segments FOR UPDATE TO ccrm_partner
    USING (created_by = current_user) WITH CHECK (created_by = current_user AND owner IS NULL);

-- campaign responses: like campaign members (marketing, management and admin write them; the
-- grants decide); partners see no campaigns
CREATE POLICY internal_write ON campaign_responses FOR INSERT TO ccrm_internal WITH CHECK (true);
CREATE POLICY internal_update ON campaign_responses FOR UPDATE TO ccrm_internal USING (true)
    WITH CHECK (true);
CREATE POLICY partner_none ON campaign_responses FOR SELECT TO ccrm_partner USING (false);

-- merges: read by internal users (ccrm_resolve, the audit of a merge); written only by the
-- functions. Partners none: a merge's rows hold both records as they were.
CREATE POLICY partner_none ON merges FOR SELECT TO ccrm_partner USING (false);

-- "not a duplicate": marked by whoever may merge that kind of record
CREATE POLICY internal_insert ON not_duplicates FOR INSERT TO ccrm_internal
    WITH CHECK (ccrm_may_merge(entity));
CREATE POLICY partner_none ON not_duplicates FOR SELECT TO ccrm_partner USING (false);

-- ---------------------------------------------------------------------------------------
-- Privileges (the allow-list of docs/security.md §3)
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON interests, consents, segments, campaign_responses, merges, not_duplicates
    FROM PUBLIC;
GRANT SELECT, INSERT ON interests, consents, segments, not_duplicates TO ccrm_internal;
GRANT SELECT ON campaign_responses, merges TO ccrm_internal;
GRANT INSERT ON campaign_responses TO ccrm_marketing, ccrm_management, ccrm_admin;
GRANT SELECT ON interests, consents, segments TO ccrm_partner;
GRANT INSERT ON segments TO ccrm_partner;
DO $$
DECLARE
    t record;
    v_cols text;
BEGIN
    FOR t IN SELECT * FROM (VALUES
                 ('interests', 'ccrm_internal'), ('consents', 'ccrm_internal'),
                 ('segments', 'ccrm_internal, ccrm_partner'),
                 ('campaign_responses', 'ccrm_marketing, ccrm_management, ccrm_admin')) v(tbl, who)
    LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_cols
          FROM pg_attribute a
         WHERE a.attrelid = format('public.%I', t.tbl)::regclass AND a.attnum > 0
           AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = ''
           AND a.attname NOT IN ('created_at', 'created_by', 'updated_at', 'updated_by');
        EXECUTE format('GRANT UPDATE (%s) ON public.%I TO %s', v_cols, t.tbl, t.who);
    END LOOP;
END
$$;

-- Members marked "unsubscribed" before consents existed are not turned into opt-outs here
-- (a migration changes no customer data behind anyone's back): ccrm_consents_from_unsubscribed()
-- does it when marketing decides to (docs/architecture.md, "Consents").
