-- ccrm schema, migration 117: the delete event of another partner organisation's ticket.
--
-- Two partner organisations can share one account (107): each sees the account, not what the
-- other wrote. An event of a ticket, timeline entry, comment or chat message on such an account
-- is seen with its row (ccrm_event_row_visible), but a delete event passed unchecked, since
-- its row is gone: when staff deleted one reseller's ticket, the other reseller's Feed, client
-- and `ccrm --feed` showed "deleted ticket #22 Nordlicht asks for our reseller discount" (its
-- subject, or a comment's or chat message's first words). A delete event of these tables now
-- names the partner organisation alone that saw the row (events.partner_org, from the deleted
-- row: ccrm_event_partner_org, schema/functions/30_events.sql); NULL when the row was the
-- company's, -1 when no partner saw it. The delete events written before are stamped from the
-- audit trail's copy of the deleted row.
ALTER TABLE events ADD COLUMN partner_org bigint;

DROP POLICY partner_own_org ON events;
CREATE POLICY partner_own_org ON events AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (NOT coalesce(actor = ANY ((SELECT ccrm_other_partners())::text[]), false)
           AND (events.entity_id IS NULL
                OR events.entity NOT IN ('tickets', 'interactions', 'comments', 'chat_messages')
                OR (events.op = 'delete'
                    AND (events.partner_org IS NULL
                         OR events.partner_org = (SELECT ccrm_partner_org())))
                OR (events.op <> 'delete'
                    AND (NOT EXISTS (SELECT 1 FROM account_shares s
                                      WHERE s.account_id = events.account_id
                                        AND s.partner_org_id = (SELECT ccrm_partner_org()))
                         OR ccrm_event_row_visible(events.entity, events.entity_id)))));

UPDATE events e
   SET partner_org = ccrm_event_partner_org(e.entity, a.old_row)
  FROM audit a
 WHERE e.op = 'delete' AND e.entity IN ('tickets', 'interactions', 'comments', 'chat_messages')
   AND e.entity_id IS NOT NULL AND e.account_id IS NOT NULL
   AND a.entity = e.entity AND a.entity_id = e.entity_id AND a.op = 'delete'
   AND a.old_row IS NOT NULL;
