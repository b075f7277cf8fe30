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

-- ccrm_import_batch_stamp(): schema/functions/40_import.sql
CREATE TRIGGER ccrm_import_batch_stamp BEFORE INSERT OR UPDATE ON import_batches
    FOR EACH ROW EXECUTE FUNCTION ccrm_import_batch_stamp();

-- ccrm_import_event(): schema/functions/40_import.sql

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
-- ccrm_log_changes(): schema/functions/30_events.sql
