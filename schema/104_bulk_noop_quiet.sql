-- ccrm schema, migration 104: a bulk UPDATE that changes nothing is audited, not announced.
--
-- An UPDATE of up to 20 rows tells only the rows that really changed; one of more rows told
-- every row's account ("1 tickets updated", one event per account), changed or not: an
-- UPDATE ... SET priority = priority of 25 tickets woke every client and partner of their
-- accounts. ccrm_log_changes() now counts, and files under their accounts, only the rows
-- whose columns other than the stamps changed. Function change only
-- (schema/functions/30_events.sql); this file moves the version.
SELECT 1;
