-- What every data table gets, said once: the migrations call these for each new table instead
-- of repeating the statements (schema/001_init.sql attached them by hand to its tables, as
-- released migrations keep doing). Owner only: they run inside `ccrm --migrate`.

-- Stamps (created/updated, by whom, version), and audit rows and events in commit order
-- (ccrm_log_changes, one run per statement) for every write, TRUNCATE included.
CREATE OR REPLACE FUNCTION ccrm_track_table(p_table regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER ccrm_stamp BEFORE INSERT OR UPDATE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION ccrm_stamp()', p_table);
    EXECUTE format('CREATE TRIGGER ccrm_log_ins AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', p_table);
    EXECUTE format('CREATE TRIGGER ccrm_log_upd AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', p_table);
    EXECUTE format('CREATE TRIGGER ccrm_log_del AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', p_table);
    EXECUTE format('CREATE TRIGGER ccrm_log_trunc AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_log_changes()', p_table);
END
$$;
SELECT ccrm_set_execute('ccrm_track_table(regclass)');

-- Row-level security switched on and forced (the owner too), with the one policy that lets the
-- owner (who runs the migrations and the definer functions) see every row. Each table's own
-- policies for the roles follow in its migration.
CREATE OR REPLACE FUNCTION ccrm_secure_table(p_table regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
    EXECUTE format('CREATE POLICY ccrm_owner ON %s TO %I USING (true) WITH CHECK (true)', p_table,
                   (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = p_table));
END
$$;
SELECT ccrm_set_execute('ccrm_secure_table(regclass)');
