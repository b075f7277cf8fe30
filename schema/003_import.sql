-- ccrm schema, migration 003: bulk import batches (docs/design.md §7, docs/import.md).
--
-- * import_batches: one row per `ccrm --import` (who, when, file, counts, the importing
--   transaction's xid8) and its revert. Row-level security: a user sees and reverts only
--   their own batches, ccrm_admin all of them.
-- * Revert reads the rows a batch inserted and updated (with their earlier values) from the
--   audit trail by the batch's xid, so imports need no second per-row bookkeeping table:
--   audit gets an index on xid.
-- * One summary event per import: ccrm_log_changes() (re-created below, identical to 001 apart
--   from the marked block) writes no per-statement events in a transaction that created an
--   import batch; a deferred constraint trigger on import_batches writes one 'bulk' event at
--   commit ("imported 12,345 leads from leads.csv (batch 7)"). The batch row cannot be
--   created without that event being written, so the suppression cannot hide writes.

CREATE TABLE import_batches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    xid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
    entity      text        NOT NULL CHECK (entity IN ('accounts', 'contacts', 'leads',
                                                       'opportunities', 'tickets',
                                                       'interactions')),
    file_name   text,
    inserted    bigint NOT NULL DEFAULT 0,
    updated     bigint NOT NULL DEFAULT 0,
    skipped     bigint NOT NULL DEFAULT 0,
    rejected    bigint NOT NULL DEFAULT 0,
    reverted_at timestamptz,
    reverted_by text,
    revert_xid  xid8
);
CREATE INDEX import_batches_xid_idx        ON import_batches (xid);
CREATE INDEX import_batches_revert_xid_idx ON import_batches (revert_xid)
    WHERE revert_xid IS NOT NULL;
CREATE INDEX import_batches_created_by_idx ON import_batches (created_by, id);
CREATE INDEX audit_xid_idx ON audit (xid);

-- The server stamps who, when and which transaction; only the importing transaction may set
-- the counts, and a revert is recorded once, by whoever runs it, in its own transaction.
CREATE FUNCTION ccrm_import_batch_stamp() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_at := now();
        NEW.created_by := ccrm_actor();
        NEW.xid := pg_current_xact_id();
        NEW.reverted_at := NULL;
        NEW.reverted_by := NULL;
        NEW.revert_xid := NULL;
        RETURN NEW;
    END IF;
    NEW.id := OLD.id;
    NEW.created_at := OLD.created_at;
    NEW.created_by := OLD.created_by;
    NEW.xid := OLD.xid;
    NEW.entity := OLD.entity;
    NEW.file_name := OLD.file_name;
    IF OLD.xid <> pg_current_xact_id() THEN
        NEW.inserted := OLD.inserted;
        NEW.updated := OLD.updated;
        NEW.skipped := OLD.skipped;
        NEW.rejected := OLD.rejected;
    END IF;
    IF OLD.reverted_at IS NULL AND NEW.reverted_at IS NOT NULL THEN
        NEW.reverted_at := now();
        NEW.reverted_by := ccrm_actor();
        NEW.revert_xid := pg_current_xact_id();
    ELSE
        NEW.reverted_at := OLD.reverted_at;
        NEW.reverted_by := OLD.reverted_by;
        NEW.revert_xid := OLD.revert_xid;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ccrm_import_batch_stamp BEFORE INSERT OR UPDATE ON import_batches
    FOR EACH ROW EXECUTE FUNCTION ccrm_import_batch_stamp();

-- The one summary event of an import or a revert, written at commit with the final counts.
-- SECURITY DEFINER because writers have no INSERT on events (as ccrm_log_changes).
CREATE FUNCTION ccrm_import_event() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_actor text := ccrm_actor();
    v_dept  text;
    b       import_batches;
    v_n     bigint;
    v_what  text;
BEGIN
    SELECT * INTO b FROM import_batches WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
    v_n := b.inserted + b.updated;
    v_what := to_char(v_n, 'FM999,999,999,990') || ' ' || b.entity
              || coalesce(' from ' || b.file_name, '');
    INSERT INTO events (actor, department, entity, op, summary, row_count)
    VALUES (v_actor, v_dept, b.entity, 'bulk',
            CASE TG_OP
                WHEN 'INSERT' THEN 'imported ' || v_what || ' (batch ' || b.id
                                   || CASE WHEN b.updated > 0
                                           THEN '; ' || to_char(b.updated, 'FM999,999,999,990')
                                                || ' updated' ELSE '' END || ')'
                ELSE 'reverted import batch ' || b.id || ' (' || v_what || ')'
            END,
            least(v_n, 2147483647)::int);
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ccrm_import_event() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER ccrm_import_event AFTER INSERT ON import_batches
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ccrm_import_event();
CREATE CONSTRAINT TRIGGER ccrm_import_revert_event AFTER UPDATE ON import_batches
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.reverted_at IS NULL AND NEW.reverted_at IS NOT NULL)
    EXECUTE FUNCTION ccrm_import_event();

-- Own batches only; admins see all. ccrm_actor(), not current_user, so that the SECURITY
-- DEFINER trigger functions (whose current_user is the owner) see the session's batches.
ALTER TABLE import_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE import_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY import_batches_own ON import_batches
    USING (created_by = ccrm_actor()
           OR pg_has_role(ccrm_actor()::name, 'ccrm_admin', 'MEMBER'))
    WITH CHECK (created_by = ccrm_actor()
                OR pg_has_role(ccrm_actor()::name, 'ccrm_admin', 'MEMBER'));

GRANT SELECT, INSERT, UPDATE ON import_batches TO ccrm_internal, ccrm_partner;
GRANT ALL ON import_batches TO ccrm_admin;

-- ---------------------------------------------------------------------------------------
-- ccrm_log_changes() from 001 with one addition (marked "003")
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_log_changes() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    per_row_max constant int := 20;     -- above this a statement is one 'bulk' event
    v_actor text := ccrm_actor();
    v_dept  text;
    v_op    text := lower(TG_OP);
    n       bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO audit (actor, entity, op) VALUES (v_actor, TG_TABLE_NAME, 'truncate');
        SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                'all ' || replace(TG_TABLE_NAME, '_', ' ') || ' removed (truncate)', 0);
        PERFORM pg_notify('ccrm', '');
        RETURN NULL;
    END IF;

    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit (actor, entity, entity_id, op, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'insert', to_jsonb(t) FROM new_rows t;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit (actor, entity, entity_id, op, old_row, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'update', to_jsonb(o), to_jsonb(t)
          FROM new_rows t JOIN old_rows o ON o.id = t.id;
    ELSE
        INSERT INTO audit (actor, entity, entity_id, op, old_row)
        SELECT v_actor, TG_TABLE_NAME, o.id, 'delete', to_jsonb(o) FROM old_rows o;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN NULL;
    END IF;

    -- 003: an import (or its revert) is announced once, by import_batches' deferred trigger;
    -- its rows are still audited one by one above
    IF EXISTS (SELECT 1 FROM import_batches b
                WHERE b.xid = pg_current_xact_id() OR b.revert_xid = pg_current_xact_id()) THEN
        RETURN NULL;
    END IF;

    SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;

    IF n > per_row_max THEN
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                to_char(n, 'FM999,999,999,990') || ' ' || replace(TG_TABLE_NAME, '_', ' ')
                || CASE TG_OP WHEN 'INSERT' THEN ' inserted'
                              WHEN 'UPDATE' THEN ' updated'
                              ELSE ' deleted' END,
                n);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(t) AS r, t.id FROM new_rows t) s
         ORDER BY s.id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(o) AS r, o.id FROM old_rows o) s
         ORDER BY s.id;
    ELSE
        -- one event per row that really changed (a no-op UPDATE is audited, not announced)
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary,
                            changed)
        SELECT v_actor, v_dept, TG_TABLE_NAME, s.id, v_op,
               ccrm_event_account(TG_TABLE_NAME, s.nr), ccrm_event_summary(TG_TABLE_NAME, s.nr),
               s.changed
          FROM (SELECT t.id, to_jsonb(t) AS nr,
                       ARRAY(SELECT k.key
                               FROM jsonb_each(to_jsonb(t)) k
                              WHERE k.key NOT IN ('updated_at', 'updated_by', 'version')
                                AND k.value IS DISTINCT FROM to_jsonb(o) -> k.key
                              ORDER BY k.key) AS changed
                  FROM new_rows t JOIN old_rows o ON o.id = t.id) s
         WHERE cardinality(s.changed) > 0
         ORDER BY s.id;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RETURN NULL;
        END IF;
    END IF;

    -- constant payload: PostgreSQL folds duplicates, so one wake-up per transaction
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;


REVOKE ALL ON FUNCTION ccrm_log_changes() FROM PUBLIC;
