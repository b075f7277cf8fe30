-- ccrm schema, migration 058: an answer starts in the outbox as ccrm --reply writes it.
--
-- Staff hold INSERT on messages (ccrm_mail_reply and ccrm_billing_send are INVOKER), so an
-- INSERT typed into psql could queue a mail From any address ("The CEO"), with a Reply-To
-- that takes the customer's answers elsewhere, or file one as sent that never was. Now an
-- outgoing mail starts queued and untried, from its queue's address and name, with the
-- queue's Reply-To (ccrm_mail_out_rule in schema/functions/90_mail.sql).
CREATE TRIGGER ccrm_mail_out_rule BEFORE INSERT ON messages
    FOR EACH ROW WHEN (NEW.direction = 'out')
    EXECUTE FUNCTION ccrm_mail_out_rule();
