-- ccrm schema, migration 079: the Inbox's Note column shows the news, not the record again.
--
-- Notes written by the scheduler, by routing and for followed records begin with their record
-- ("ticket #155 Enterprise SSO broken: first response target breached at ..."), which the
-- Inbox's Record column shows beside them; at 80 columns the name filled the Note column and
-- the news was cut. ccrm_inbox_news() (schema/functions/50_collab.sql) gives the note from
-- where its news starts, for the list; the notes themselves are unchanged (digests, toasts).
-- The client's list names the function, so this version is what clients ask for.
SELECT 1;
