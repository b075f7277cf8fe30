-- ccrm schema, migration 043: the functions every row written calls, without a SET clause
-- (docs/performance.md, "Import"). The expression indexes of contacts and leads compute
-- ccrm_email_norm, ccrm_phone_e164 and ccrm_person_name for every row (021), and the filing of
-- the search blocks computes ccrm_block_trgms for every row filed (013, 042). Each had
-- `SET search_path`, which saves and restores the setting on every call (about 2 us of a call
-- of 3 to 5 us) and keeps the planner from inlining a sql function. They now name every
-- schema outside pg_catalog instead (schema/functions/80_search.sql, 92_marketing.sql).
-- What they return is unchanged, so the indexes stay valid without a REINDEX. The filing
-- (ccrm_search_blocks_flush, ccrm_search_blocks_rebuild) also asks show_trgm once for the
-- words of 200 rows instead of once per row: the same trigrams, since pg_trgm takes each
-- word alone (ccrm_block_text). No table changes; this file makes clients' version check ask
-- for --migrate, which brings the new definitions.
COMMENT ON FUNCTION ccrm_block_trgms(text) IS
    'the trigrams of a search block''s row text, separators included (042); inlined (043)';
COMMENT ON FUNCTION ccrm_block_text(text) IS
    'a row''s text as one pg_trgm word, as the search blocks file it (043)';
