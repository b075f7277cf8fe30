-- ccrm schema, migration 026: quotes and invoices mailed to the customer (docs/billing.md,
-- "Sending a document"). ccrm_billing_send() (schema/functions/93_billing_send.sql) commits the
-- mail to the outbox of migration 017 with the document's PDF (and an invoice's UBL e-invoice)
-- as attachments; the outbox sender sends it like every answer.
--
-- * messages.quote_id, messages.invoice_id: the document a mail sent it (the quote's and the
--   invoice's detail show their mails from these, on their own partial indexes). The mail is
--   also filed on the document's account, contact and deal, so the partner policy of messages
--   (the record the mail is filed on) decides as before, and the timeline entry is the
--   interaction of every mail.
-- * The sender needs the bytes of an outgoing mail's attachments: the mail login (ccrm_mail)
--   reads the attachments of outgoing mail, as it reads the outgoing mail itself, and nothing
--   of incoming mail.

ALTER TABLE messages ADD COLUMN quote_id bigint REFERENCES quotes ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN invoice_id bigint REFERENCES invoices ON DELETE SET NULL;
CREATE INDEX messages_quote_idx   ON messages (quote_id, received_at DESC, id DESC)
    WHERE quote_id IS NOT NULL;
CREATE INDEX messages_invoice_idx ON messages (invoice_id, received_at DESC, id DESC)
    WHERE invoice_id IS NOT NULL;

GRANT SELECT ON attachments TO ccrm_mail;
CREATE POLICY mail_outbox_read ON attachments FOR SELECT TO ccrm_mail
    USING (EXISTS (SELECT 1 FROM messages m
                    WHERE m.id = attachments.msg_id AND m.direction = 'out'));
