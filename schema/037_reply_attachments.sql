-- ccrm schema, migration 037: files attached to answers (docs/mail.md, "Answering").
--
-- ccrm_mail_reply() takes the answer's files (names, types, contents), stored in the
-- attachments of migration 017 by ccrm_mail_out_attach(), the function a quote's or an
-- invoice's mail (ccrm_billing_send, 026) stores its PDF with: the same table, the same rights
-- (staff read them, partners with the mail's record, the mail login those of outgoing mail)
-- and the same sender, which sends a mail with files as a multipart/mixed. No table changes;
-- the new signature is in schema/functions/90_mail.sql, the old one goes here.

DROP FUNCTION IF EXISTS ccrm_mail_reply(text, bigint, text, text, text, text, text);
