-- ccrm schema, migration 022: internal or shared. A partner reading a shared record used to read
-- every comment, note and chat message on it ("budget is approved, take over the deal"). Each
-- of them now has a visibility:
--
--   internal   only internal users read it (the default when an internal user writes)
--   shared     the partner organisations that see the record read it too (the default, and
--              the only value allowed, when a partner writes)
--
-- The partner policies stay what they were (the record's own rule, ccrm_record_exists); a
-- RESTRICTIVE policy per table adds the flag on top, for reading and writing alike. Notes are
-- the interactions of kind 'note'; calls, e-mails, meetings and tasks stay visible with their
-- record whatever their flag says. Events of internal rows are filed under no account (ccrm_event_account), so the
-- events policy never shows them to a partner; a partner is @mentioned only in a shared
-- comment (ccrm_comment_mentions). docs/security.md §4 explains the rule.
--
-- ccrm_default_visibility() is in schema/functions/20_records.sql.

ALTER TABLE comments ADD COLUMN visibility text NOT NULL DEFAULT 'internal'
    CHECK (visibility IN ('internal', 'shared'));
ALTER TABLE interactions ADD COLUMN visibility text NOT NULL DEFAULT 'internal'
    CHECK (visibility IN ('internal', 'shared'));
ALTER TABLE chat_messages ADD COLUMN visibility text NOT NULL DEFAULT 'internal'
    CHECK (visibility IN ('internal', 'shared'));

-- What partners wrote before stays readable to them: it was written for them. Everything else
-- written before is internal (the safe reading of text that was never meant for partners).
UPDATE comments SET visibility = 'shared'
 WHERE author IN (SELECT u.login FROM users u WHERE u.partner_org_id IS NOT NULL);
UPDATE interactions SET visibility = 'shared'
 WHERE kind = 'note'
   AND created_by IN (SELECT u.login FROM users u WHERE u.partner_org_id IS NOT NULL);
UPDATE chat_messages SET visibility = 'shared'
 WHERE created_by IN (SELECT u.login FROM users u WHERE u.partner_org_id IS NOT NULL);

-- from now on the writer decides the default: internal users write internal, partners shared
ALTER TABLE comments ALTER COLUMN visibility SET DEFAULT ccrm_default_visibility();
ALTER TABLE interactions ALTER COLUMN visibility SET DEFAULT ccrm_default_visibility();
ALTER TABLE chat_messages ALTER COLUMN visibility SET DEFAULT ccrm_default_visibility();

-- partners: only what is shared, on top of "the record is visible"; and nothing they write can
-- be internal (they could not read it back)
CREATE POLICY partner_shared ON comments AS RESTRICTIVE FOR ALL TO ccrm_partner
    USING (visibility = 'shared') WITH CHECK (visibility = 'shared');
CREATE POLICY partner_shared ON interactions AS RESTRICTIVE FOR ALL TO ccrm_partner
    USING (kind <> 'note' OR visibility = 'shared') WITH CHECK (visibility = 'shared');
CREATE POLICY partner_shared ON chat_messages AS RESTRICTIVE FOR ALL TO ccrm_partner
    USING (visibility = 'shared') WITH CHECK (visibility = 'shared');

-- internal users choose, when writing (INSERT takes whole rows of comments and interactions
-- for them) and afterwards; partners do not (their default is the only value they may write)
GRANT INSERT (visibility) ON chat_messages TO ccrm_internal;
GRANT UPDATE (visibility) ON comments, chat_messages, interactions TO ccrm_internal;

-- events written before: those of internal rows are filed under no account, so that no partner
-- reads their summary (the comment's or note's text)
UPDATE events e SET account_id = NULL
 WHERE e.entity = 'comments' AND e.account_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM comments c WHERE c.id = e.entity_id AND c.visibility = 'internal');
UPDATE events e SET account_id = NULL
 WHERE e.entity = 'chat_messages' AND e.account_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM chat_messages c
                WHERE c.id = e.entity_id AND c.visibility = 'internal');
UPDATE events e SET account_id = NULL
 WHERE e.entity = 'interactions' AND e.account_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM interactions i
                WHERE i.id = e.entity_id AND i.kind = 'note' AND i.visibility = 'internal');
