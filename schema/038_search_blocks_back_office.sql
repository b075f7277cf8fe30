-- The Quotes and Invoices lists search through search blocks (013), like the other big lists.
-- Without them a search walked the list's order filtering every row, and a word that few
-- quotes hold crossed the whole table before the page was full: 400-670 ms a keystroke at
-- 1,000,000 quotes (tests/bench/bench_lists.sh --views quotes,invoices), where the blocks walk
-- only the stretches of about 10,000 rows whose trigrams include the word's. A search also
-- matches the customer's name (the accounts): when an account matches, every block may hold
-- a match (match_elsewhere), as for tickets.
--
-- As for every list: statement triggers (also in replica mode) queue the rows written, the
-- scheduler files them (018); the sort index INCLUDEs the search column so that a block is
-- walked index-only; partners get no blocks and search as before.

CREATE TABLE search_blocks_quotes_updated (LIKE search_blocks_leads_updated INCLUDING ALL);
CREATE TABLE search_blocks_invoices_updated (LIKE search_blocks_leads_updated INCLUDING ALL);

-- readable by internal users only (they name what quotes and invoices contain), written by the
-- search block functions (owner: schema/functions/80_search.sql)
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['search_blocks_quotes_updated', 'search_blocks_invoices_updated'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY ccrm_owner ON %I TO %I USING (true) WITH CHECK (true)', t,
                       (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = t::regclass));
        EXECUTE format('CREATE POLICY internal_read ON %I FOR SELECT TO ccrm_internal USING (true)',
                       t);
        -- partners: nothing (they get no blocks; every table says so, 014)
        EXECUTE format('CREATE POLICY partner_none ON %I FOR SELECT TO ccrm_partner USING (false)',
                       t);
        EXECUTE format('GRANT SELECT ON %I TO ccrm_internal', t);
    END LOOP;
END $$;

INSERT INTO search_block_lists VALUES
    ('quotes_updated', 'quotes', 'search_blocks_quotes_updated', 'a.updated_at', NULL, 10000,
     'EXISTS (SELECT 1 FROM public.accounts x WHERE x.search LIKE public.ccrm_fold($1))'),
    ('invoices_updated', 'invoices', 'search_blocks_invoices_updated', 'a.updated_at', NULL, 10000,
     'EXISTS (SELECT 1 FROM public.accounts x WHERE x.search LIKE public.ccrm_fold($1))');

DROP INDEX quotes_updated_idx;
CREATE INDEX quotes_updated_idx ON quotes (updated_at, id) INCLUDE (search);
DROP INDEX invoices_updated_idx;
CREATE INDEX invoices_updated_idx ON invoices (updated_at, id) INCLUDE (search);

DO $$
DECLARE
    l record;
BEGIN
    FOR l IN SELECT * FROM search_block_lists WHERE list IN ('quotes_updated', 'invoices_updated')
    LOOP
        EXECUTE format('CREATE TRIGGER ccrm_search_block_insert AFTER INSERT ON %I'
                       ' REFERENCING NEW TABLE AS changed'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ccrm_search_block_note(%L)',
                       l.tbl, l.list);
        EXECUTE format('CREATE TRIGGER ccrm_search_block_update AFTER UPDATE ON %I'
                       ' REFERENCING OLD TABLE AS previous NEW TABLE AS changed'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ccrm_search_block_note(%L)',
                       l.tbl, l.list);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER ccrm_search_block_insert', l.tbl);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER ccrm_search_block_update', l.tbl);
    END LOOP;
END $$;

SELECT ccrm_search_blocks_rebuild('quotes_updated');
SELECT ccrm_search_blocks_rebuild('invoices_updated');
