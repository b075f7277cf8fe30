-- ccrm schema, migration 048: what a mail carried is never changed, and a file's name and type
-- cannot add to a MIME header.
--
-- Staff hold INSERT on attachments (an answer's files go in with the answerer's rights,
-- ccrm_mail_out_attach), and before this migration the name and type checks were only in that
-- function: from psql a person could add a file to anyone's mail, received, sent or still in
-- the outbox, with a name or type holding a line break. ccrm_attachment_rule
-- (schema/functions/90_mail.sql) now holds for every writer but the schema's owner.
CREATE TRIGGER ccrm_attachment_rule BEFORE INSERT ON attachments
    FOR EACH ROW EXECUTE FUNCTION ccrm_attachment_rule();
