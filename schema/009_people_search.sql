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

-- The search columns are derived: a rename lists the name it changed, not "search" too.
-- ccrm_log_changes() from 003 with one change (marked "009").
CREATE OR REPLACE FUNCTION ccrm_log_changes() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    per_row_max constant int := 20;     -- above this a statement is one 'bulk' event
    v_actor text := ccrm_actor();
    v_dept  text;
    v_op    text := lower(TG_OP);
    n       bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO audit (actor, entity, op) VALUES (v_actor, TG_TABLE_NAME, 'truncate');
        SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                'all ' || replace(TG_TABLE_NAME, '_', ' ') || ' removed (truncate)', 0);
        PERFORM pg_notify('ccrm', '');
        RETURN NULL;
    END IF;

    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit (actor, entity, entity_id, op, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'insert', to_jsonb(t) FROM new_rows t;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit (actor, entity, entity_id, op, old_row, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'update', to_jsonb(o), to_jsonb(t)
          FROM new_rows t JOIN old_rows o ON o.id = t.id;
    ELSE
        INSERT INTO audit (actor, entity, entity_id, op, old_row)
        SELECT v_actor, TG_TABLE_NAME, o.id, 'delete', to_jsonb(o) FROM old_rows o;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN NULL;
    END IF;

    -- 003: an import (or its revert) is announced once, by import_batches' deferred trigger;
    -- its rows are still audited one by one above
    IF EXISTS (SELECT 1 FROM import_batches b
                WHERE b.xid = pg_current_xact_id() OR b.revert_xid = pg_current_xact_id()) THEN
        RETURN NULL;
    END IF;

    SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;

    IF n > per_row_max THEN
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                to_char(n, 'FM999,999,999,990') || ' ' || replace(TG_TABLE_NAME, '_', ' ')
                || CASE TG_OP WHEN 'INSERT' THEN ' inserted'
                              WHEN 'UPDATE' THEN ' updated'
                              ELSE ' deleted' END,
                n);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(t) AS r, t.id FROM new_rows t) s
         ORDER BY s.id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(o) AS r, o.id FROM old_rows o) s
         ORDER BY s.id;
    ELSE
        -- one event per row that really changed (a no-op UPDATE is audited, not announced)
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary,
                            changed)
        SELECT v_actor, v_dept, TG_TABLE_NAME, s.id, v_op,
               ccrm_event_account(TG_TABLE_NAME, s.nr), ccrm_event_summary(TG_TABLE_NAME, s.nr),
               s.changed
          FROM (SELECT t.id, to_jsonb(t) AS nr,
                       ARRAY(SELECT k.key
                               FROM jsonb_each(to_jsonb(t)) k
                              WHERE k.key NOT IN ('updated_at', 'updated_by', 'version', 'search') -- 009
                                AND k.value IS DISTINCT FROM to_jsonb(o) -> k.key
                              ORDER BY k.key) AS changed
                  FROM new_rows t JOIN old_rows o ON o.id = t.id) s
         WHERE cardinality(s.changed) > 0
         ORDER BY s.id;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RETURN NULL;
        END IF;
    END IF;

    -- constant payload: PostgreSQL folds duplicates, so one wake-up per transaction
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;


REVOKE ALL ON FUNCTION ccrm_log_changes() FROM PUBLIC;
