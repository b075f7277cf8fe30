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

-- The key of an advisory lock the schema's functions take to serialise their writers (an Inbox
-- line, an outgoing mail, a Message-ID, a digest, a reminder): the text hashed with this
-- database's secret seed (schema/083). Any role may take any advisory lock, so a key anybody
-- can compute is one a partner could hold to stall other people's writes on records it cannot
-- even see; this one needs the seed, which only the owner reads. Staff and the mail login may
-- call it (their own functions lock as the caller), partners may not.
CREATE OR REPLACE FUNCTION ccrm_lock_key(p_text text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT hashtextextended(p_text, (SELECT s.seed FROM lock_seed s)) $$;
SELECT ccrm_set_execute('ccrm_lock_key(text)', 'ccrm_internal', 'ccrm_mail');

-- Nobody but the owner chooses a row's id. A table-level INSERT covers every column, the
-- identity column too, and with it `OVERRIDING SYSTEM VALUE`: a user could take the ids the
-- sequence hands out next (one insert at max(id) + 1, or a thousand ahead), and everybody
-- else's inserts, mail delivery's and the partners' included, would fail on the primary key
-- until the sequence passed them. So every INSERT granted on a table becomes INSERT on its
-- columns but the identity and generated ones (what "INSERT" means in the allow-list of
-- docs/security.md). `ccrm --migrate` runs this after the pending migrations, so a table a
-- later migration adds gets the same, whatever its GRANT says. Idempotent; owner only.
CREATE OR REPLACE FUNCTION ccrm_insert_no_ids() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r      record;
    v_cols text;
BEGIN
    FOR r IN SELECT c.oid::regclass AS tbl,
                    CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS who
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                    aclexplode(c.relacl) a
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                AND a.privilege_type = 'INSERT' AND a.grantee <> c.relowner
              ORDER BY 1, 2 LOOP
        SELECT string_agg(quote_ident(t.attname), ', ' ORDER BY t.attnum) INTO v_cols
          FROM pg_attribute t
         WHERE t.attrelid = r.tbl AND t.attnum > 0 AND NOT t.attisdropped
           AND t.attidentity = '' AND t.attgenerated = '';
        -- (revoking the table's privilege revokes the columns' too: then the columns again)
        EXECUTE format('REVOKE INSERT ON %s FROM %s', r.tbl, r.who);
        IF v_cols IS NOT NULL THEN
            EXECUTE format('GRANT INSERT (%s) ON %s TO %s', v_cols, r.tbl, r.who);
        END IF;
    END LOOP;
END
$$;
SELECT ccrm_set_execute('ccrm_insert_no_ids()');
