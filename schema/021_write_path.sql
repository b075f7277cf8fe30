-- ccrm schema, migration 021: a cheaper write path (docs/performance.md, "Writes").
--
-- The search blocks (013) were kept by every writer in its own statement: a statement trigger
-- computed the trigrams of the rows it wrote and their blocks with a dynamic query, planned
-- anew every time: about half a millisecond of every single-row write, twice (the table's list
-- and the events'). Now the trigger only queues the rows' ids here (one small insert), and the
-- queue is filed in batches (ccrm_search_blocks_flush: 500 entries by whoever's entry lands on a
-- multiple of 64; a bulk load's by the import itself after its commit, by --migrate, --tick).
-- A search stays exact: besides the blocks whose trigrams match, ccrm_search_blocks() names the
-- blocks of the queued rows that match, read here; while more than 5,000 rows of a list wait
-- (a bulk load not filed yet) it says the blocks cannot tell, and the list searches without
-- them. schema/functions/80_search.sql has the functions.

CREATE TABLE search_block_pending (
    seq  bigint GENERATED ALWAYS AS IDENTITY,
    list text COLLATE "C" NOT NULL,
    id   bigint NOT NULL
);
CREATE INDEX search_block_pending_list_idx ON search_block_pending (list, seq);

-- like the pairs themselves: internal users read it (a search does), partners nothing, the
-- owner's triggers write it
ALTER TABLE search_block_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_block_pending FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON search_block_pending TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'search_block_pending'::regclass));
END $$;
CREATE POLICY internal_read ON search_block_pending FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY partner_none ON search_block_pending FOR SELECT TO ccrm_partner USING (false);
GRANT SELECT ON search_block_pending TO ccrm_internal;

-- Nothing reads the audit trail by time (the history of a record goes by entity and id, an
-- import's revert by transaction): one index less for every row written.
DROP INDEX audit_at_idx;

-- A statement that inserts more than 20 rows (an import, a bulk load) is audited by one row that
-- names them all (ids, a multirange: a million consecutive ids are one range), not by a row
-- each: who inserted which rows and when, while the values are the rows themselves (their
-- stamps are the triggers'; a later change keeps the earlier values in its own audit row, a
-- delete the last ones). Updates and deletes stay audited row by row with old and new values.
ALTER TABLE audit ADD COLUMN ids int8multirange;
CREATE INDEX audit_ids_idx ON audit USING gist (ids) WHERE ids IS NOT NULL;
