-- ccrm schema, migration 102: mail from one of our own addresses is automatic mail.
--
-- A mail whose From is a queue's address or Reply-To (a colleague's copy from the shared
-- mailbox, our own answer come back through an alias) made a contact of our own address and a
-- ticket, so that an answer to it would have been mailed back into our own queue. It is now
-- stored and threaded as `auto`: no contact, lead or ticket, nothing reopened (ccrm_mail_store,
-- ccrm_mail_store_set). Function changes only (schema/functions/90_mail.sql); this file moves
-- the version.
SELECT 1;
