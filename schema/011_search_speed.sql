-- Search speed: where in the name order can the matches of a search be?
--
-- A search lists the accounts whose folded `search` column contains the folded pattern, in name
-- order (src/db/list.c). Walking the name index and filtering is cheap per row (an index-only
-- scan), but when all matches sit far down the list the walk first crosses every row before
-- them, and collecting the matches with the trigram index instead costs a heap visit per match
-- (about 70 ms for 20,000 matches at 1,000,000 accounts). This table tells the walk where to
-- start and where to stop: for every trigram (three letters or digits in a row) that occurs in
-- some account's search column, the lowest and the highest name among those accounts.
--
-- Every match of a pattern contains every trigram of the pattern, so its name lies between the
-- highest low and the lowest high of those trigrams; a trigram without a row means that nothing
-- can match. That holds as long as every account is covered: the statement-level triggers below
-- add a row for each trigram whose committed range a written account falls outside of (they
-- fire even with session_replication_role = replica, as the demo loader uses). They only ever
-- INSERT, into a table without a unique key, so no writer waits for another one (an upsert
-- would make every account insert wait for any open transaction that widened the same
-- trigram, an import for instance); a trigram's range is the min and max over its rows, and
-- there are few: a row is added only for a new lowest or highest name. Deleting or renaming
-- accounts never narrows a range; the bounds only stay wider than needed, which costs walking,
-- never results. ccrm_account_trgm_rebuild() recomputes the table from the accounts, one row
-- per trigram (for instance after a bulk load with the triggers disabled, or after an ICU
-- upgrade changed the order, when the name index must be rebuilt too).
--
-- Trigrams here are plain 3-character windows of runs of [a-z0-9] in folded text, computed the
-- same way on both sides (ccrm_trgms): any window of the folded pattern made of three such
-- characters appears in every search column that contains the pattern. Other characters
-- (accented letters that unaccent keeps, CJK, punctuation) only separate runs, so a pattern
-- without such a window gets no bounds and is searched as before.

-- ccrm_trgms(): schema/functions/80_search.sql
CREATE TABLE account_trgm_range (
    trgm text COLLATE "C" NOT NULL,
    lo   text COLLATE "und-x-icu" NOT NULL,  -- an account name whose search has trgm: the lowest
    hi   text COLLATE "und-x-icu" NOT NULL   -- the highest (over all rows of trgm)
);
CREATE INDEX account_trgm_range_idx ON account_trgm_range (trgm) INCLUDE (lo, hi);

-- It holds account names, so it is protected like accounts: internal users read it, partners
-- do not (they get no bounds and search only what their policies show them).
ALTER TABLE account_trgm_range ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_trgm_range FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON account_trgm_range TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'account_trgm_range'::regclass));
END $$;
CREATE POLICY internal_read ON account_trgm_range FOR SELECT TO ccrm_internal USING (true);
GRANT SELECT ON account_trgm_range TO ccrm_internal;

-- ccrm_account_trgm_note(): schema/functions/80_search.sql

CREATE TRIGGER ccrm_account_trgm_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_account_trgm_note();
CREATE TRIGGER ccrm_account_trgm_update AFTER UPDATE ON accounts
    REFERENCING OLD TABLE AS previous NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_account_trgm_note();
-- also under session_replication_role = replica (bulk loads): the bounds must cover every row
ALTER TABLE accounts ENABLE ALWAYS TRIGGER ccrm_account_trgm_insert;
ALTER TABLE accounts ENABLE ALWAYS TRIGGER ccrm_account_trgm_update;

-- ccrm_account_trgm_rebuild(): schema/functions/80_search.sql

SELECT ccrm_account_trgm_rebuild();

-- ccrm_account_search_range(): schema/functions/80_search.sql
