-- ccrm schema, migration 008: the detail view of every record (docs/design.md §6, src/db/detail.c).
--
-- 1. Indexes. Every list of a detail is "the newest N rows of this record", so each is an
--    index range read in the order shown and stopped at the LIMIT, never a sort of all the
--    record's rows: an account with 50,000 tickets opens as fast as one with three. The
--    single-column foreign-key indexes of 001 are replaced by composite ones that start with
--    the same column (lookups by the key alone and ON DELETE actions still use them), so
--    writers do not pay for two indexes.
-- 2. Presence and chat on every record: campaigns too, and records that belong to no account
--    (a lead before conversion, a ticket from an unknown sender). 005 let only those who see
--    the record's account see them, which shut out records without one even for internal
--    users; internal users see every such record, so they now see its presence and chat.
--    Partners still see only what concerns their shared accounts.

-- ---------------------------------------------------------------------------------------
-- 1. Indexes
-- ---------------------------------------------------------------------------------------

-- timelines: a customer's tickets, deals and leads, newest first
DROP INDEX tickets_account_idx;
CREATE INDEX tickets_account_created_idx ON tickets (account_id, created_at DESC, id DESC);
DROP INDEX tickets_contact_idx;
CREATE INDEX tickets_contact_created_idx ON tickets (contact_id, created_at DESC, id DESC);
DROP INDEX opportunities_account_idx;
CREATE INDEX opportunities_account_created_idx
    ON opportunities (account_id, created_at DESC, id DESC);
DROP INDEX leads_account_idx;
CREATE INDEX leads_account_created_idx ON leads (account_id, created_at DESC, id DESC);

-- an account's people, by name; a person's leads (own, or same e-mail), newest first
DROP INDEX contacts_account_idx;
CREATE INDEX contacts_account_name_idx ON contacts (account_id, last_name, first_name, id);
DROP INDEX leads_contact_idx;
CREATE INDEX leads_contact_idx ON leads (contact_id, id);
DROP INDEX leads_email_idx;
CREATE INDEX leads_email_idx ON leads (lower(email), id);

-- a campaign's members, latest response first
CREATE INDEX campaign_members_campaign_updated_idx
    ON campaign_members (campaign_id, updated_at DESC, id DESC);

-- the subtitle's open tickets and open deals of an account (closed ones are never read)
CREATE INDEX tickets_account_open_idx ON tickets (account_id)
    WHERE status NOT IN ('solved', 'closed');
CREATE INDEX opportunities_account_open_idx ON opportunities (account_id)
    WHERE stage NOT IN ('won', 'lost');

-- ---------------------------------------------------------------------------------------
-- 2. Presence and chat on every record
-- ---------------------------------------------------------------------------------------
ALTER TABLE presence DROP CONSTRAINT presence_entity_check;
ALTER TABLE presence ADD CONSTRAINT presence_entity_check
    CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets', 'campaigns'));
ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_entity_check;
ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_entity_check
    CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets', 'campaigns'));

-- The record's account decides as in 005; a record without one is internal business.
DROP POLICY visible_read ON presence;
CREATE POLICY visible_read ON presence FOR SELECT TO ccrm_internal, ccrm_partner
    USING (login = current_user
           OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = presence.account_id)
           OR (presence.account_id IS NULL AND ccrm_is_internal()));
DROP POLICY visible_read ON chat_messages;
CREATE POLICY visible_read ON chat_messages FOR SELECT TO ccrm_internal, ccrm_partner
    USING (EXISTS (SELECT 1 FROM accounts a WHERE a.id = chat_messages.account_id)
           OR (chat_messages.account_id IS NULL AND ccrm_is_internal()));
DROP POLICY visible_insert ON chat_messages;
CREATE POLICY visible_insert ON chat_messages FOR INSERT TO ccrm_internal, ccrm_partner
    WITH CHECK (created_by = current_user
                AND (EXISTS (SELECT 1 FROM accounts a WHERE a.id = chat_messages.account_id)
                     OR (chat_messages.account_id IS NULL AND ccrm_is_internal())));
