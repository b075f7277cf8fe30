-- ccrm schema, migration 055: a mail queue's assignee is a person who can take its mail.
--
-- mail_queues.assignee took any text: a partner's login or a typo was stored, and every new
-- ticket of the queue then went to the routing rules instead without a word (the stored
-- functions read the assignee only when it is an active internal user). ccrm_mail_queue_check
-- (schema/functions/90_mail.sql) refuses such an assignee when it is set; one who leaves later
-- is passed over as before.
CREATE TRIGGER ccrm_check BEFORE INSERT OR UPDATE OF assignee ON mail_queues
    FOR EACH ROW EXECUTE FUNCTION ccrm_mail_queue_check();
