-- ccrm schema, migration 014: hardening. No escalation, no sideways leaks, no single user stalling
-- everyone. docs/security.md explains every rule and holds the allow-list of privileges that
-- tests/db/test_grants.sh compares with the catalog.
--
-- 1. Privileges from an allow-list. Every privilege on every table and sequence is revoked from
--    PUBLIC and the ccrm roles, then granted again from the list below: SELECT and INSERT on whole
--    tables, UPDATE only on columns, and no DELETE, TRUNCATE, TRIGGER or REFERENCES for anyone
--    but the owner. So no ccrm role can attach a trigger that a SECURITY DEFINER function would
--    fire (an admin's pg_temp trigger on users ran as the owner when ccrm_add_user inserted), and
--    none can take a lock that other people's writes wait for: LOCK TABLE beyond ROW EXCLUSIVE
--    needs table-level UPDATE, DELETE or TRUNCATE. Deleting goes through ccrm_delete(), which
--    applies the department rules of 004; unsharing through ccrm_unshare(); an import's batch is
--    made only by ccrm_import_begin(), its revert by ccrm_import_revert().
-- 2. One rule for what a partner may see. A record is visible to a partner when its own
--    account_id (an account's own id) is shared with the partner's organisation: that is the
--    record's policy (004). Everything hanging off a record (comments, mentions, chat, presence,
--    inbox entries, events) is visible exactly when the record is: the policies of those tables
--    ask the record's own policy (ccrm_record_exists), and events carry the account the record's
--    policy uses (ccrm_event_account), not a guess through the record's contact.
-- 3. Writes name a person: a session acting as a group role (SET ROLE ccrm_sales) may not write
--    (ccrm_person()), so audit, events, created_by, authors and inbox senders are always people.
-- 4. Inbox entries are written only by ccrm_inbox_put(), with the real sender, bounded per
--    sender and recipient; nobody inserts inbox rows directly.
-- 5. Presence and chat take their account from their record on every write (presence.account_id
--    could be set to any account, and the foreign-key error told which ids exist).
-- 6. Each login gets a connection limit, lock_timeout and idle_in_transaction_session_timeout.
--
-- The functions named here are in schema/functions/ (10_identity, 20_records, 30_events,
-- 40_import, 50_collab, 60_presence); this file holds what changes tables, policies and grants.

-- ---------------------------------------------------------------------------------------
-- 2. One rule for what may be seen (ccrm_record_exists, ccrm_entity_account,
--    ccrm_event_account)
-- ---------------------------------------------------------------------------------------
-- comments and mentions: visible with their record
DROP POLICY partner_read ON comments;
CREATE POLICY partner_read ON comments FOR SELECT TO ccrm_partner
    USING (ccrm_record_exists(comments.entity, comments.entity_id));

-- chat: internal users see every record, so every chat; a partner the chat of records it sees
DROP POLICY visible_read ON chat_messages;
CREATE POLICY internal_read ON chat_messages FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY partner_read ON chat_messages FOR SELECT TO ccrm_partner
    USING (ccrm_record_exists(chat_messages.entity, chat_messages.entity_id));
DROP POLICY visible_insert ON chat_messages;
CREATE POLICY visible_insert ON chat_messages FOR INSERT TO ccrm_internal, ccrm_partner
    WITH CHECK (created_by = current_user
                AND ccrm_record_exists(chat_messages.entity, chat_messages.entity_id));

-- presence: the same, and one's own row always
DROP POLICY visible_read ON presence;
CREATE POLICY internal_read ON presence FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY partner_read ON presence FOR SELECT TO ccrm_partner
    USING (login = current_user OR ccrm_record_exists(presence.entity, presence.entity_id));

-- inbox: a partner's own rows, and of those only the ones about a record it sees (or none)
DROP POLICY partner_visible ON inbox;
CREATE POLICY partner_visible ON inbox AS RESTRICTIVE FOR ALL TO ccrm_partner
    USING (inbox.entity IS NULL OR ccrm_record_exists(inbox.entity, inbox.entity_id));

-- events: the record's account, as the record's own policy; chat on shared records too (its
-- messages are readable there, so their events may reach a partner's client)
DROP POLICY partner_read ON events;
CREATE POLICY partner_read ON events FOR SELECT TO ccrm_partner
    USING (events.entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                             'interactions', 'comments', 'chat_messages')
           AND EXISTS (SELECT 1 FROM account_shares s
                        WHERE s.account_id = events.account_id
                          AND s.partner_org_id = (SELECT ccrm_partner_org())));

-- Events written before this migration: file them again under the rule above. For leads,
-- tickets and interactions the row as written is in the audit trail of the same transaction;
-- rows hanging off a record take that record's own account now. An event whose row cannot be
-- found any more gets no account (no partner sees it), never a guessed one.
UPDATE events e
   SET account_id = (SELECT (coalesce(a.new_row, a.old_row)->>'account_id')::bigint
                       FROM audit a
                      WHERE a.entity = e.entity AND a.entity_id = e.entity_id AND a.xid = e.xid
                      ORDER BY a.id DESC LIMIT 1)
 WHERE e.entity IN ('leads', 'tickets', 'interactions') AND e.entity_id IS NOT NULL
   AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(c.entity, c.entity_id)
                       FROM comments c WHERE c.id = e.entity_id)
 WHERE e.entity = 'comments' AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(c.entity, c.entity_id)
                       FROM chat_messages c WHERE c.id = e.entity_id)
 WHERE e.entity = 'chat_messages' AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(i.entity, i.entity_id)
                       FROM inbox i WHERE i.id = e.entity_id)
 WHERE e.entity = 'inbox' AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(c.entity, c.entity_id)
                       FROM mentions m JOIN comments c ON c.id = m.comment_id
                      WHERE m.id = e.entity_id)
 WHERE e.entity = 'mentions' AND e.account_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------
-- 5. Presence and chat: the account is the record's on every write (ccrm_chat_account); their
--    writes name a person too (ccrm_presence_notify), and leaving is ccrm_presence_clear()
-- ---------------------------------------------------------------------------------------
DROP TRIGGER ccrm_presence_account ON presence;
CREATE TRIGGER ccrm_presence_account BEFORE INSERT OR UPDATE ON presence
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();
DROP TRIGGER ccrm_chat_account ON chat_messages;
CREATE TRIGGER ccrm_chat_account BEFORE INSERT OR UPDATE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();

-- ---------------------------------------------------------------------------------------
-- 4. Inbox entries: written by one function (ccrm_inbox_put), with the real sender, bounded;
--    the comment trigger, ccrm_assign and ccrm_ticket_signal call it
-- ---------------------------------------------------------------------------------------
-- ccrm_inbox_put() counts a sender's recent entries to one recipient
CREATE INDEX inbox_from_idx ON inbox (from_login, login, created_at);

-- ---------------------------------------------------------------------------------------
-- 6. Logins: a connection limit each, and timeouts that end forgotten transactions
-- ---------------------------------------------------------------------------------------
-- ccrm_add_user took five arguments before (no connection limit); the search blocks' key
-- helpers took a search_block_lists row (a table type, which schema/functions/ cannot name
-- before the table exists)
DROP FUNCTION IF EXISTS ccrm_add_user(text, text, text, text, text);
DROP FUNCTION IF EXISTS ccrm_search_block_key(search_block_lists, text, boolean);
DROP FUNCTION IF EXISTS ccrm_search_block_bkey(search_block_lists, text, text);

-- the users there already: the same limits (a limit a DBA set is kept)
DO $$
DECLARE
    v_login text;
BEGIN
    FOR v_login IN SELECT u.login FROM users u JOIN pg_roles r ON r.rolname = u.login
                    WHERE NOT r.rolsuper ORDER BY u.login LOOP
        PERFORM ccrm_login_defaults(v_login,
                                    (SELECT CASE r.rolconnlimit WHEN -1 THEN 10
                                                 ELSE r.rolconnlimit END
                                       FROM pg_roles r WHERE r.rolname = v_login));
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- 1. Privileges: nothing for anyone, then the allow-list of docs/security.md §3
-- ---------------------------------------------------------------------------------------
ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_migrations FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON schema_migrations TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'schema_migrations'::regclass));
END $$;
-- every client checks the schema version at start-up
CREATE POLICY everyone_read ON schema_migrations FOR SELECT TO PUBLIC USING (true);
-- import_batches (003) worked for the owner's functions through its "own batches" policy;
-- it gets the owner's policy like every other table
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON import_batches TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'import_batches'::regclass));
END $$;

DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT k.oid::regclass AS rel, k.relkind
               FROM pg_class k JOIN pg_namespace s ON s.oid = k.relnamespace
              WHERE s.nspname = 'public' AND k.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
              ORDER BY k.oid LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM PUBLIC, ccrm_internal, ccrm_sales, ccrm_support,'
                       ' ccrm_marketing, ccrm_management, ccrm_partner, ccrm_admin',
                       CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.rel);
    END LOOP;
END
$$;

GRANT SELECT ON schema_migrations TO PUBLIC;

-- read: internal users all of it (transparency is the point), partners through their policies
GRANT SELECT ON partner_orgs, users, accounts, account_shares, contacts, leads, opportunities,
                tickets, interactions, comments, mentions, inbox, campaigns, campaign_members,
                events, audit, import_batches, presence, chat_messages, ccrm_totals_delta,
                ccrm_totals, account_trgm_range, search_block_lists, search_block_trgm,
                search_blocks_contacts_name, search_blocks_leads_updated,
                search_blocks_tickets_updated, search_blocks_campaigns_name,
                search_blocks_events_newest, search_blocks_inbox_newest
    TO ccrm_internal;
GRANT SELECT ON partner_orgs, users, accounts, account_shares, contacts, leads, opportunities,
                tickets, interactions, comments, mentions, inbox, events, import_batches,
                presence, chat_messages, ccrm_totals_delta, ccrm_totals
    TO ccrm_partner;

-- insert: whole rows (INSERT takes no lock that a writer waits for)
GRANT INSERT ON accounts, contacts, leads, opportunities, tickets, interactions, comments,
                mentions
    TO ccrm_internal;
GRANT INSERT ON campaigns, campaign_members TO ccrm_marketing, ccrm_management, ccrm_admin;
GRANT INSERT ON account_shares TO ccrm_admin;
GRANT INSERT (entity, entity_id) ON presence TO ccrm_internal, ccrm_partner;
GRANT INSERT (entity, entity_id, body) ON chat_messages TO ccrm_internal, ccrm_partner;
GRANT INSERT (account_id, contact_id, subject, body, priority, channel, product)
    ON tickets TO ccrm_partner;
GRANT INSERT (kind, channel, direction, subject, body, at, due_at, done_at, account_id,
              contact_id, lead_id, opportunity_id, ticket_id)
    ON interactions TO ccrm_partner;

-- update: columns only (a table-level UPDATE would allow LOCK TABLE ... ACCESS EXCLUSIVE). The
-- data columns of a record are all but its id, its stamps and generated columns; version is
-- one of them (a writer sets it to the value it read).
DO $$
DECLARE
    t record;
    v_cols text;
BEGIN
    FOR t IN SELECT * FROM (VALUES
                 ('accounts', 'ccrm_internal'), ('contacts', 'ccrm_internal'),
                 ('leads', 'ccrm_internal'), ('opportunities', 'ccrm_internal'),
                 ('tickets', 'ccrm_internal'), ('interactions', 'ccrm_internal'),
                 ('campaigns', 'ccrm_marketing, ccrm_management, ccrm_admin'),
                 ('campaign_members', 'ccrm_marketing, ccrm_management, ccrm_admin')) v(tbl, who)
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
GRANT UPDATE (body, version) ON comments TO ccrm_internal;
GRANT UPDATE (read_at) ON inbox TO ccrm_internal, ccrm_partner;
GRANT UPDATE (body, version) ON chat_messages TO ccrm_internal, ccrm_partner;
GRANT UPDATE (entity, entity_id, since, seen_at) ON presence TO ccrm_internal, ccrm_partner;
GRANT UPDATE (display_name, email, version) ON users TO ccrm_admin;
GRANT UPDATE (name, version) ON partner_orgs TO ccrm_admin;

-- Deletes go through ccrm_delete() and the functions above: the DELETE policies of 004-010
-- decide nothing any more (nobody but the owner holds DELETE), so they go, and with them the
-- impression that they guard something.
DROP POLICY internal_delete_own ON interactions;
DROP POLICY internal_delete ON comments;
DROP POLICY internal_delete ON inbox;
DROP POLICY own_delete ON presence;
DROP POLICY own_delete ON chat_messages;
-- inbox rows are written by ccrm_inbox_put() only (as the owner)
DROP POLICY internal_insert ON inbox;

-- Every table says what partners get, if only nothing: a policy for ccrm_partner (or PUBLIC)
-- on each one, so that a table added later without one stands out (tests/db/test_grants.sh).
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT k.oid::regclass
               FROM pg_class k JOIN pg_namespace s ON s.oid = k.relnamespace
              WHERE s.nspname = 'public' AND k.relkind IN ('r', 'p')
                AND NOT EXISTS (SELECT 1 FROM pg_policy p
                                 WHERE p.polrelid = k.oid
                                   AND (p.polroles @> ARRAY['ccrm_partner'::regrole::oid]
                                        OR p.polroles @> ARRAY[0::oid]))
              ORDER BY k.oid LOOP
        EXECUTE format('CREATE POLICY partner_none ON %s FOR SELECT TO ccrm_partner USING (false)',
                       t);
    END LOOP;
END
$$;

