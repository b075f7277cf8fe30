-- ccrm schema functions: Presence (who is looking at a record now) and chat.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- presence writes name a person too (presence has no logging trigger to refuse them)
CREATE OR REPLACE FUNCTION ccrm_presence_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM ccrm_person();
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_presence_notify()');

-- Presence and chat rows take their account from the record they name, on every write: a
-- writer's own account_id (a partner's) could otherwise point anywhere.
CREATE OR REPLACE FUNCTION ccrm_chat_account() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.account_id := ccrm_entity_account(NEW.entity, NEW.entity_id);
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_chat_account()');

-- Leave a record: remove the caller's presence row of this session (p_current) and its rows of
-- sessions that are gone (a crashed client). Returns the rows removed. DEFINER because nobody
-- holds DELETE on presence (see 1.); it only ever removes the caller's own rows.
CREATE OR REPLACE FUNCTION ccrm_presence_clear(p_current boolean DEFAULT true) RETURNS int
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who text := ccrm_person();
    v_n int;
BEGIN
    DELETE FROM presence p
     WHERE p.login = v_who
       AND ((p_current AND p.backend_pid = pg_backend_pid())
            OR (p.backend_pid <> pg_backend_pid()
                AND NOT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = p.backend_pid)));
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
SELECT ccrm_set_execute('ccrm_presence_clear(boolean)', 'ccrm_internal', 'ccrm_partner');
