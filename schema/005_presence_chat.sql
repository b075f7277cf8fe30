-- Same time, different place (docs/design.md §1): who is looking at a record right now, and a live
-- chat thread per record. Both follow the row-level security pattern of 004
-- (docs/security.md): whoever may see the record's account may see its presence and chat,
-- checked by reading accounts under the reader's own policies.

-- Presence: one row per client session (a backend), naming the record it shows. Written by
-- the client when a detail view opens (upsert) and closes (delete), refreshed every 30 s;
-- readers ignore rows not refreshed for 90 s or whose session is gone (a crashed client).
CREATE TABLE presence (
    login       text        NOT NULL DEFAULT current_user,
    backend_pid int         NOT NULL DEFAULT pg_backend_pid(),
    entity      text        NOT NULL CHECK (entity IN ('accounts', 'contacts', 'leads',
                                                        'opportunities', 'tickets')),
    entity_id   bigint      NOT NULL,
    account_id  bigint      REFERENCES accounts ON DELETE CASCADE,
    since       timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (login, backend_pid),
    CHECK (login = current_user OR login IS NOT NULL)
);
CREATE INDEX presence_entity_idx ON presence (entity, entity_id);

-- Arrivals and departures wake every client up (no event row: presence is not a change to
-- customer data); heartbeats (seen_at only) do not.
CREATE FUNCTION ccrm_presence_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER ccrm_presence_notify AFTER INSERT OR DELETE ON presence
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_presence_notify();
CREATE TRIGGER ccrm_presence_moved AFTER UPDATE OF entity, entity_id ON presence
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_presence_notify();

-- Chat: a data table like the others (identity, stamps, version, audit, events).
CREATE TABLE chat_messages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    entity      text        NOT NULL CHECK (entity IN ('accounts', 'contacts', 'leads',
                                                        'opportunities', 'tickets')),
    entity_id   bigint      NOT NULL,
    account_id  bigint      REFERENCES accounts ON DELETE CASCADE,
    body        text        NOT NULL CHECK (btrim(body) <> '' AND length(body) <= 2000)
);
CREATE INDEX chat_messages_entity_idx ON chat_messages (entity, entity_id, id DESC);

CREATE TRIGGER ccrm_stamp BEFORE INSERT OR UPDATE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION ccrm_stamp();
CREATE TRIGGER ccrm_log_ins AFTER INSERT ON chat_messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes();
CREATE TRIGGER ccrm_log_upd AFTER UPDATE ON chat_messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes();
CREATE TRIGGER ccrm_log_del AFTER DELETE ON chat_messages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes();

-- The events of a chat message name its account and quote its text.
CREATE OR REPLACE FUNCTION ccrm_chat_account() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.account_id := coalesce(NEW.account_id, ccrm_entity_account(NEW.entity, NEW.entity_id));
    RETURN NEW;
END
$$;
CREATE TRIGGER ccrm_chat_account BEFORE INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();
CREATE TRIGGER ccrm_presence_account BEFORE INSERT OR UPDATE OF entity, entity_id ON presence
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();


-- Events of chat messages name their account (so partners see those on shared accounts) and
-- quote the message; the two functions are those of 001 with one branch added each.
CREATE OR REPLACE FUNCTION ccrm_event_account(p_entity text, r jsonb) RETURNS bigint
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
        WHEN 'chat_messages' THEN (r->>'account_id')::bigint
        WHEN 'campaign_members' THEN
            coalesce(ccrm_entity_account('contacts', (r->>'contact_id')::bigint),
                     ccrm_entity_account('leads', (r->>'lead_id')::bigint))
    END
$$;

CREATE OR REPLACE FUNCTION ccrm_event_summary(p_entity text, r jsonb) RETURNS text
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
        WHEN 'chat_messages' THEN 'chat: ' || left(regexp_replace(r->>'body', '\s+', ' ', 'g'), 60)
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

-- Row-level security, forced, like every table since 004.
ALTER TABLE presence ENABLE ROW LEVEL SECURITY;
ALTER TABLE presence FORCE ROW LEVEL SECURITY;
ALTER TABLE chat_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_messages FORCE ROW LEVEL SECURITY;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['presence', 'chat_messages'] LOOP
        EXECUTE format('CREATE POLICY ccrm_owner ON %I TO %I USING (true) WITH CHECK (true)',
                       t, (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                            WHERE c.oid = format('public.%I', t)::regclass));
    END LOOP;
END
$$;

-- Whoever sees the account sees who is on it and what was said there: the subquery reads
-- accounts under the reader's own policies (a partner: shared accounts only).
CREATE POLICY visible_read ON presence FOR SELECT TO ccrm_internal, ccrm_partner
    USING (login = current_user
           OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = presence.account_id));
CREATE POLICY own_write ON presence FOR INSERT TO ccrm_internal, ccrm_partner
    WITH CHECK (login = current_user
                AND (account_id IS NULL
                     OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = presence.account_id)));
CREATE POLICY own_update ON presence FOR UPDATE TO ccrm_internal, ccrm_partner
    USING (login = current_user) WITH CHECK (login = current_user);
CREATE POLICY own_delete ON presence FOR DELETE TO ccrm_internal, ccrm_partner
    USING (login = current_user);

CREATE POLICY visible_read ON chat_messages FOR SELECT TO ccrm_internal, ccrm_partner
    USING (EXISTS (SELECT 1 FROM accounts a WHERE a.id = chat_messages.account_id));
CREATE POLICY visible_insert ON chat_messages FOR INSERT TO ccrm_internal, ccrm_partner
    WITH CHECK (created_by = current_user
                AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = chat_messages.account_id));
CREATE POLICY own_edit ON chat_messages FOR UPDATE TO ccrm_internal, ccrm_partner
    USING (created_by = current_user) WITH CHECK (created_by = current_user);
CREATE POLICY own_delete ON chat_messages FOR DELETE TO ccrm_internal, ccrm_partner
    USING (created_by = current_user);

GRANT SELECT, INSERT, UPDATE, DELETE ON presence TO ccrm_internal, ccrm_partner;
GRANT SELECT, INSERT (entity, entity_id, body), UPDATE (body), DELETE ON chat_messages
    TO ccrm_internal, ccrm_partner;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ccrm_internal, ccrm_partner;
GRANT SELECT ON presence, chat_messages TO ccrm_admin;
