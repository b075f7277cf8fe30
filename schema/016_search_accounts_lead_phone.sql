-- One search mechanism: the Accounts list by name searches through search blocks (013), like
-- every other list, and the per-trigram bounds of 011 (account_trgm_range, its triggers and
-- functions) go. Two mechanisms with two definitions of a trigram did one job: 011 knew, per
-- trigram, the lowest and highest name that has it, which found matches clustered in one
-- stretch of the name order but not matches in two stretches far apart ("qzx" at both ends:
-- the bounds cover the whole list); blocks know, per block of about 10,000 names, which
-- trigrams its rows contain, so a search walks only the blocks that can hold a match,
-- wherever they are.
--
-- The accounts' name index already INCLUDEs the search column (011 rebuilt it), so a block is
-- walked index-only. As for every list: statement triggers (also in replica mode) add the
-- (block, trigram) pairs of the rows written, insert-only; ccrm --migrate cuts a grown last
-- block again; partners get no blocks and search as before.

CREATE TABLE search_blocks_accounts_name (
    blk int PRIMARY KEY,
    k1  text COLLATE "und-x-icu" NOT NULL,
    id  bigint NOT NULL
);
CREATE INDEX ON search_blocks_accounts_name (k1, id);

-- readable by internal users only (it names what accounts contain), written by the search
-- block functions (owner: schema/functions/80_search.sql)
ALTER TABLE search_blocks_accounts_name ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_blocks_accounts_name FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON search_blocks_accounts_name TO %I'
                   ' USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'search_blocks_accounts_name'::regclass));
END $$;
CREATE POLICY internal_read ON search_blocks_accounts_name FOR SELECT TO ccrm_internal
    USING (true);
-- partners: nothing (they get no blocks; every table says so, 014)
CREATE POLICY partner_none ON search_blocks_accounts_name FOR SELECT TO ccrm_partner
    USING (false);
GRANT SELECT ON search_blocks_accounts_name TO ccrm_internal;

INSERT INTO search_block_lists VALUES
    ('accounts_name', 'accounts', 'search_blocks_accounts_name', 'a.name', NULL, 10000, NULL);

CREATE TRIGGER ccrm_search_block_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_search_block_note('accounts_name');
CREATE TRIGGER ccrm_search_block_update AFTER UPDATE ON accounts
    REFERENCING OLD TABLE AS previous NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_search_block_note('accounts_name');
ALTER TABLE accounts ENABLE ALWAYS TRIGGER ccrm_search_block_insert;
ALTER TABLE accounts ENABLE ALWAYS TRIGGER ccrm_search_block_update;

SELECT ccrm_search_blocks_rebuild('accounts_name');

-- 011's bounds, retired
DROP TRIGGER ccrm_account_trgm_insert ON accounts;
DROP TRIGGER ccrm_account_trgm_update ON accounts;
DROP FUNCTION ccrm_account_search_range(text);
DROP FUNCTION ccrm_account_trgm_rebuild();
DROP FUNCTION ccrm_account_trgm_note();
DROP FUNCTION ccrm_trgms(text);
DROP TABLE account_trgm_range;

-- A lead keeps a phone number (people give one at a trade fair before anything else). The
-- worked example of docs/adding-an-entity.md: the column here, its field in the registry
-- (src/model/entity.c), and the form, the import and export, and the detail view have it.
ALTER TABLE leads ADD COLUMN phone text;
-- writers update columns, not tables (014): a data column is granted like the others
GRANT UPDATE (phone) ON leads TO ccrm_internal;
