-- ccrm schema, migration 021: a cheaper write path (docs/performance.md, "Writes").
--
-- The search blocks (013) were kept by every writer in its own statement: a statement trigger
-- computed the trigrams of the rows it wrote and their blocks with a dynamic query, planned
-- anew every time: about half a millisecond of every single-row write, twice (the table's list
-- and the events'). Now the trigger only queues the rows' ids here (one small insert), and the
-- queue is filed in batches (ccrm_search_blocks_flush: by whoever's entry lands on a multiple of
-- 64, by a bulk statement at once, by --migrate and --tick). A search stays exact: besides the
-- blocks whose trigrams match, ccrm_search_blocks() names the blocks of the queued rows that
-- match, read here. schema/functions/80_search.sql has the functions.

-- No index: it holds a few dozen rows between filings (a bulk statement files its own at once),
-- which a search scans faster than an index would cost every writer.
CREATE TABLE search_block_pending (
    seq  bigint GENERATED ALWAYS AS IDENTITY,
    list text COLLATE "C" NOT NULL,
    id   bigint NOT NULL
);

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
