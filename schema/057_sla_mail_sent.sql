-- ccrm schema, migration 057: an answer by mail meets the response clocks when it is sent.
--
-- An answer by mail met the ticket's response clocks when it was queued, even when sendmail then
-- refused it, retried it for hours or gave it up: it reached no customer. It now meets them when
-- sendmail takes it (ccrm_sla_mail_sent, ccrm_sla_interaction in schema/functions/90_service.sql).
CREATE TRIGGER ccrm_sla_mail_sent AFTER UPDATE OF status ON messages
    FOR EACH ROW
    WHEN (NEW.status = 'sent' AND OLD.status IS DISTINCT FROM NEW.status
          AND NEW.direction = 'out' AND NEW.ticket_id IS NOT NULL)
    EXECUTE FUNCTION ccrm_sla_mail_sent();
