-- ccrm schema, migration 107: what one partner organisation writes is not another's.
--
-- Two partner organisations (two resellers) can share one account. A partner saw every row
-- hanging off a shared account, so one reseller read the other's tickets ("customer asks for
-- our reseller discount"), its timeline entries and chat ("our margin is 35 %"), saw its people
-- in the account's presence and @mentions, and read all of it again in the Feed's summaries.
-- A record's visibility stays its account's share (docs/security.md §4); on top of it these
-- RESTRICTIVE policies, for partners only, leave out what a partner of another organisation
-- wrote (created_by, actor, login among ccrm_other_partners(), computed once per query), and an
-- event of a ticket, timeline entry, comment or chat message on a shared account is seen only
-- with its row (ccrm_event_row_visible), so the comments, mails, timeline entries and events of
-- the other reseller's ticket follow it. Restrictive policies are tested before the permissive
-- ones, so each row pays only a comparison with a short array; the row check of an event only
-- for the events a partner may see at all (its account shared). Internal users are unaffected
-- (the policies are TO ccrm_partner), as is a partner's own organisation.
CREATE POLICY partner_own_org ON tickets AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (NOT coalesce(created_by = ANY ((SELECT ccrm_other_partners())::text[]), false));
CREATE POLICY partner_own_org ON interactions AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (NOT coalesce(created_by = ANY ((SELECT ccrm_other_partners())::text[]), false));
CREATE POLICY partner_own_org ON chat_messages AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (NOT coalesce(created_by = ANY ((SELECT ccrm_other_partners())::text[]), false));
CREATE POLICY partner_own_org ON presence AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (NOT coalesce(login = ANY ((SELECT ccrm_other_partners())::text[]), false));
CREATE POLICY partner_own_org ON mentions AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (NOT coalesce(login = ANY ((SELECT ccrm_other_partners())::text[]), false));
CREATE POLICY partner_own_org ON events AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (NOT coalesce(actor = ANY ((SELECT ccrm_other_partners())::text[]), false)
           AND (events.entity_id IS NULL OR events.op = 'delete'
                OR events.entity NOT IN ('tickets', 'interactions', 'comments', 'chat_messages')
                OR NOT EXISTS (SELECT 1 FROM account_shares s
                                WHERE s.account_id = events.account_id
                                  AND s.partner_org_id = (SELECT ccrm_partner_org()))
                OR ccrm_event_row_visible(events.entity, events.entity_id)));
