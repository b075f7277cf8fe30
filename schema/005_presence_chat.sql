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

-- ccrm_presence_notify(): schema/functions/60_presence.sql
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

-- ccrm_chat_account(): schema/functions/60_presence.sql
CREATE TRIGGER ccrm_chat_account BEFORE INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();
CREATE TRIGGER ccrm_presence_account BEFORE INSERT OR UPDATE OF entity, entity_id ON presence
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();


-- ccrm_event_account(): schema/functions/30_events.sql
-- ccrm_event_summary(): schema/functions/30_events.sql
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
