-- ccrm schema, migration 032: cheaper notices (docs/performance.md, "Writes"). A write that
-- tells someone (a follower, an assignee, a routed ticket's person) puts a line in their inbox,
-- and that line is audited and announced like every row. ccrm_inbox_deliver
-- (schema/functions/90_service.sql) now writes the line, its audit row and its event in one
-- statement; the inbox's logging trigger stands aside for such an insert, which says so in the
-- transaction-local setting ccrm.inbox_logged. Only the owner inserts inbox rows (the
-- functions of the system; nobody holds INSERT on inbox), and every function that does sets
-- the setting itself before its insert, so a person's own setting changes nothing; any other
-- insert (the owner in psql) is logged by the trigger as before.
DROP TRIGGER ccrm_log_ins ON inbox;
CREATE TRIGGER ccrm_log_ins AFTER INSERT ON inbox
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    WHEN (pg_catalog.current_setting('ccrm.inbox_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION ccrm_log_changes();
