-- ccrm schema, migration 053: a partner sees a timeline entry only with the record it hangs off.
--
-- An interaction was shown to a partner by its own account alone. A mail is filed on a ticket
-- by its [#id] tag, and its timeline entry took the sender's account when the ticket had none:
-- a contact of a shared account who wrote "[#1234]" about an unshared ticket made that
-- conversation's entry (subject and text) visible to the partner, in his timeline and Feed,
-- although the ticket and the mail were not. The same held for any writer who named a ticket,
-- lead or deal of another account. The rule is now the one a partner's own insert already
-- obeys (partner_insert, 004): the account is shared and the ticket, lead or deal named is
-- visible to him. Events follow ccrm_event_account (schema/functions/30_events.sql), which now
-- files an entry under its account only when its ticket, lead and deal are filed there too;
-- the events written before are re-filed below.
DROP POLICY partner_read ON interactions;
CREATE POLICY partner_read ON interactions FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = interactions.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org()))
           AND (interactions.ticket_id IS NULL
                OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = interactions.ticket_id))
           AND (interactions.lead_id IS NULL
                OR EXISTS (SELECT 1 FROM leads l WHERE l.id = interactions.lead_id))
           AND (interactions.opportunity_id IS NULL
                OR EXISTS (SELECT 1 FROM opportunities o
                            WHERE o.id = interactions.opportunity_id)));

UPDATE events e SET account_id = NULL
  FROM interactions i
 WHERE e.entity = 'interactions' AND e.entity_id = i.id AND e.account_id IS NOT NULL
   AND ccrm_event_account('interactions', to_jsonb(i)) IS NULL;
