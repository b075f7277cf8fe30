-- ccrm schema, migration 050: the screens show times in the reader's own zone.
--
-- Lists, detail views, timelines, the Inbox and a ticket's SLA line showed times in the
-- session's zone (the server's), while forms, tasks and the agenda used the person's zone from
-- their settings: one record read "Updated 05:04" in its detail and "last changed at 06:04" in
-- its form. ccrm_local(timestamptz) (schema/functions/10_identity.sql) converts to the zone
-- the full-screen client sets for the person at each connect (the setting ccrm.tz), else the
-- session's, so batch output and psql are as before. This migration makes clients ask for
-- --migrate, which brings the function.
SELECT 1;
