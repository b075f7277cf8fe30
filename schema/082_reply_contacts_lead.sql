-- ccrm schema, migration 082: an answer to a new lead marks it contacted.
--
-- As 078 did for tickets: a lead answered by mail (r in the client, ccrm --reply lead:N) stayed
-- "new", so the Leads list filtered on status=new still offered it to be contacted, and the
-- list by updated did not bring it up. ccrm_mail_reply() (schema/functions/90_mail.sql) now
-- moves a new lead to "contacted" in the answer's transaction, as the writer. Other statuses
-- stay; leads answered before keep theirs. Function changes only; this file moves the version.
SELECT 1;
