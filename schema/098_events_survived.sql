-- ccrm schema, migration 098: the event stream's history check sees every event it delivered.
--
-- After a reconnect, a reader (`ccrm --feed`, the client) asks whether the events it delivered
-- last are still on the server, to tell a failover or a restore. It asked through row-level
-- security: for a partner, an event of an account unshared since was "gone", and the feed said
-- the history had changed and delivered that transaction's events again, with a wrong
-- "nothing is missed or repeated". ccrm_events_survived() (SECURITY DEFINER, 30_events.sql)
-- answers for the fingerprints the reader names. Function change only; this file moves the
-- version.
SELECT 1;
