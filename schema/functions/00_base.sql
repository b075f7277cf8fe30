-- ccrm schema functions: what every other file needs first. The group roles (cluster-wide, so
-- guarded: several databases of one cluster may run this) and ccrm_set_execute(), which says who
-- may call a function.
--
-- schema/functions/ holds the current definition of every function of the schema, the only
-- one: `ccrm --migrate` applies all of its files, in name order, before and after the pending
-- numbered migrations, in the same transaction, with check_function_bodies off (a body may name
-- a table a later migration creates). So a function is changed by editing it here (and adding a
-- migration only when tables change); the numbered migrations hold tables, indexes, views,
-- triggers, policies and grants on tables. Everything here must be idempotent.

-- ---------------------------------------------------------------------------------------
-- Group roles (cluster-wide, so guarded)
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['ccrm_internal', 'ccrm_sales', 'ccrm_support', 'ccrm_marketing',
                             'ccrm_management', 'ccrm_partner', 'ccrm_admin', 'ccrm_mail']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    -- the internal departments share one parent; partners are deliberately not in it, nor is
    -- ccrm_mail, the role of the mail server's login (docs/mail.md): it delivers mail through
    -- ccrm_mail_deliver() and sends the outbox, nothing else
    FOREACH r IN ARRAY ARRAY['ccrm_sales', 'ccrm_support', 'ccrm_marketing', 'ccrm_management',
                             'ccrm_admin']
    LOOP
        IF NOT pg_catalog.pg_has_role(r, 'ccrm_internal', 'MEMBER') THEN
            EXECUTE format('GRANT ccrm_internal TO %I', r);
        END IF;
    END LOOP;
END
$$;

-- Who may execute a function: nobody but its owner, then each role named (never PUBLIC: a
-- function anybody may call is simply left at PostgreSQL's default and not passed here). Run
-- after every definition whose EXECUTE is restricted, so the privileges are the same whichever
-- history a database has (tests/db/test_schema_upgrade.sh compares them).
CREATE OR REPLACE FUNCTION ccrm_set_execute(p_fn regprocedure, VARIADIC p_to text[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_role text;
BEGIN
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, ccrm_internal, ccrm_sales, ccrm_support,'
                   ' ccrm_marketing, ccrm_management, ccrm_partner, ccrm_admin, ccrm_mail', p_fn);
    FOREACH v_role IN ARRAY p_to LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', p_fn, v_role);
    END LOOP;
END
$$;
SELECT ccrm_set_execute('ccrm_set_execute(regprocedure,text[])');
