-- Fast, accent- and case-insensitive search for list views.
-- ILIKE on UTF-8 text folds case per row and call (about 2 µs a row here), which makes a
-- filtered walk over 20,000 rows cost 80 ms. A stored, pre-folded search column matched
-- with plain LIKE costs a tenth of that, and folding accents means "lodz" finds "Łódź".

CREATE EXTENSION IF NOT EXISTS unaccent;

-- ccrm_fold(): schema/functions/80_search.sql
ALTER TABLE accounts
    ADD COLUMN search text COLLATE "C"
    GENERATED ALWAYS AS (ccrm_fold(name) || ' ' || coalesce(ccrm_fold(domain), '')) STORED;

-- the search column replaces the two per-column trigram indexes
DROP INDEX accounts_name_trgm_idx;
DROP INDEX accounts_domain_trgm_idx;
CREATE INDEX accounts_search_trgm_idx ON accounts USING gin (search gin_trgm_ops);

-- The name order index also carries the search column, so that a search can filter a window
-- of the sorted list with an index-only scan (src/db/list.c explains the strategy).
DROP INDEX accounts_name_idx;
CREATE INDEX accounts_name_idx ON accounts (name, id) INCLUDE (search);
