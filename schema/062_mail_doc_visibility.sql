-- ccrm schema, migration 062: a document's mail is seen with the document; the outbox's sent
-- state and time are the sender's and the database's.
--
-- * A quote's or an invoice's mail (ccrm_billing_send, 026) is filed on the document and also
--   on its contact, account and deal. The partner policy of messages (017) looked at the
--   ticket, deal, lead, contact and account only, so a document without a deal was judged by
--   its contact: the mail of a quote on an account not shared with the partner, PDF included,
--   was read by that partner when the quote's contact was on a shared account. A mail filed on
--   a document is now visible exactly when the document is, by the document's own policy
--   (ccrm_record_exists, as the documents' lines and payments are); its attachments follow it.
--   Its events were never a partner's (the events policy leaves out messages and attachments)
--   and its timeline entry is judged by its own account.
-- * Staff hold UPDATE on the outbox columns (the outbox functions are INVOKER), and the status
--   rule checked only the step: anyone could move anyone's queued answer to sent without
--   sending it (meeting the ticket's response clocks), and rewrite when a mail was sent or
--   received. ccrm_mail_status_rule (schema/functions/90_mail.sql) now also fires on
--   sent_at, sending_by and sending_since: a claim names whoever makes it, only that person,
--   in a session no other sender holds the mail in, says how sending went; sent_at is now()
--   when a mail becomes sent and never changes otherwise.

DROP POLICY partner_read ON messages;
CREATE POLICY partner_read ON messages FOR SELECT TO ccrm_partner
    USING (CASE
               WHEN messages.quote_id IS NOT NULL
                   THEN ccrm_record_exists('quotes', messages.quote_id)
               WHEN messages.invoice_id IS NOT NULL
                   THEN ccrm_record_exists('invoices', messages.invoice_id)
               WHEN messages.ticket_id IS NOT NULL
                   THEN ccrm_record_exists('tickets', messages.ticket_id)
               WHEN messages.opportunity_id IS NOT NULL
                   THEN ccrm_record_exists('opportunities', messages.opportunity_id)
               WHEN messages.lead_id IS NOT NULL
                   THEN ccrm_record_exists('leads', messages.lead_id)
               WHEN messages.contact_id IS NOT NULL
                   THEN ccrm_record_exists('contacts', messages.contact_id)
               WHEN messages.account_id IS NOT NULL
                   THEN ccrm_record_exists('accounts', messages.account_id)
               ELSE false
           END);

DROP TRIGGER ccrm_mail_status_rule ON messages;
CREATE TRIGGER ccrm_mail_status_rule
    BEFORE UPDATE OF status, direction, sent_at, sending_by, sending_since ON messages
    FOR EACH ROW EXECUTE FUNCTION ccrm_mail_status_rule();
