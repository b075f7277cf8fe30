-- ccrm schema, migration 077: where in its block each trigram first occurs.
--
-- A search walks each block it names (schema/013) from the block's first row. For a word that
-- occurs only late in a block that is most of the block: "łód" among 1,000,000 accounts read
-- 10,072 rows to find its first match (3.4 ms of a 6-12 ms keystroke, docs/performance.md).
-- Each (block, trigram) pair now also keeps the key of a row at or before the first row of
-- the block that has the trigram (the first row of the 200 rows filed together with it), so
-- that ccrm_search_blocks() starts a block's walk at the latest of those keys over the
-- pattern's trigrams: every match has every trigram, so none lies before it.
--
-- k1, k2 and kid are the list's key (search_block_lists.k1, .k2 and the id) as text, written
-- with DateStyle ISO and TimeZone UTC whatever the writer's session says, so that any session
-- reads them back the same. A pair may be filed more than once (a row filed later before the
-- pair's key adds the pair again with its own key): the lowest key of a pair counts. NULL:
-- not known (pairs filed before this migration), the block's first row counts; --migrate's
-- upkeep (ccrm_search_blocks_refresh) cuts every list with such pairs again, which fills them.
ALTER TABLE search_block_trgm ADD COLUMN k1 text, ADD COLUMN k2 text, ADD COLUMN kid bigint;

-- the blocks of a search and their first keys from the index alone
DROP INDEX search_block_trgm_idx;
CREATE INDEX search_block_trgm_idx ON search_block_trgm (list, trgm, blk) INCLUDE (k1, k2, kid);
-- the lists with pairs of unknown key (empty once they are cut again)
CREATE INDEX search_block_trgm_unknown ON search_block_trgm (list) WHERE kid IS NULL;
