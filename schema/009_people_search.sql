-- Accent- and case-insensitive search for people, as for accounts (002_search.sql): "lodz"
-- finds "Łódź", "thorunn" finds "Þórunn". A stored, pre-folded search column per table with
-- one trigram index replaces the per-column trigram indexes (one index to maintain on every
-- write instead of two or three). The list views, the reference pickers of the forms and the
-- prompt match `search LIKE ccrm_fold(pattern)`.

ALTER TABLE contacts
    ADD COLUMN search text COLLATE "C"
    GENERATED ALWAYS AS (ccrm_fold(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))
                         || ' ' || coalesce(ccrm_fold(email), '')) STORED;
DROP INDEX contacts_fullname_trgm_idx;
DROP INDEX contacts_email_trgm_idx;
CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (search gin_trgm_ops);

ALTER TABLE leads
    ADD COLUMN search text COLLATE "C"
    GENERATED ALWAYS AS (ccrm_fold(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))
                         || ' ' || coalesce(ccrm_fold(company), '')
                         || ' ' || coalesce(ccrm_fold(email), '')) STORED;
DROP INDEX leads_fullname_trgm_idx;
DROP INDEX leads_company_trgm_idx;
DROP INDEX leads_email_trgm_idx;
CREATE INDEX leads_search_trgm_idx ON leads USING gin (search gin_trgm_ops);

-- ccrm_log_changes(): schema/functions/30_events.sql
