-- List views for every entity (docs/design.md §6): the indexes their keyset pages and filters walk,
-- and running totals for the Deals pipeline and the Dashboard.
--
-- A pipeline header ("proposal: 41,233 deals · 98,310,000.00 EUR") over a million deals
-- would cost a scan of the table on every change if it were a GROUP BY; instead statement
-- triggers keep one row per (entity, bucket, currency) up to date from the transition
-- tables, in the writer's own transaction, so the totals are exact and read in microseconds.

CREATE TABLE ccrm_totals (
    entity   text    NOT NULL,           -- 'opportunities', 'tickets', 'leads'
    bucket   text    NOT NULL,           -- stage or status
    currency text    NOT NULL DEFAULT '', -- deals only
    n        bigint  NOT NULL DEFAULT 0,
    amount   numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (entity, bucket, currency)
);

-- Internal users read the totals; a partner's totals would count deals it may not see, so
-- a partner reads no rows here (the client counts its few visible deals instead).
ALTER TABLE ccrm_totals ENABLE ROW LEVEL SECURITY;
ALTER TABLE ccrm_totals FORCE ROW LEVEL SECURITY;
CREATE POLICY internal_read ON ccrm_totals FOR SELECT TO ccrm_internal USING (true);
REVOKE ALL ON ccrm_totals FROM PUBLIC;
GRANT SELECT ON ccrm_totals TO ccrm_internal, ccrm_partner;

-- ccrm_totals_apply(): schema/functions/70_totals.sql

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['opportunities', 'tickets', 'leads']
    LOOP
        EXECUTE format('CREATE TRIGGER ccrm_totals_ins AFTER INSERT ON %I '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_totals_apply()', t);
        EXECUTE format('CREATE TRIGGER ccrm_totals_upd AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_totals_apply()', t);
        EXECUTE format('CREATE TRIGGER ccrm_totals_del AFTER DELETE ON %I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_totals_apply()', t);
        EXECUTE format('CREATE TRIGGER ccrm_totals_trunc AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_totals_apply()', t);
    END LOOP;
END
$$;

-- what is there already (an upgraded database)
INSERT INTO ccrm_totals (entity, bucket, currency, n, amount)
SELECT 'opportunities', stage, currency::text, count(*), coalesce(sum(amount), 0)
  FROM opportunities GROUP BY 2, 3;
INSERT INTO ccrm_totals (entity, bucket, n)
SELECT 'tickets', status, count(*) FROM tickets GROUP BY 2;
INSERT INTO ccrm_totals (entity, bucket, n)
SELECT 'leads', status, count(*) FROM leads GROUP BY 2;

-- ---------------------------------------------------------------------------------------
-- Indexes for the list views: every sort order, and the same order within a filter that
-- the views offer ("status=open", "mine"), so a page is an index range, never a sort.
-- Names sort with NULLs as '' so that keyset comparisons never meet a NULL.
-- ---------------------------------------------------------------------------------------
CREATE INDEX contacts_sortname_idx ON contacts
    ((coalesce(last_name, '')), (coalesce(first_name, '')), id);
CREATE INDEX contacts_owner_sortname_idx ON contacts
    (owner, (coalesce(last_name, '')), (coalesce(first_name, '')), id);

CREATE INDEX leads_status_updated_idx ON leads (status, updated_at, id);
CREATE INDEX leads_owner_updated_idx  ON leads (owner, updated_at, id);
CREATE INDEX leads_status_score_idx   ON leads (status, score, id);

-- the pipeline: each stage's column by amount, or by last change
CREATE INDEX opportunities_stage_amount_idx  ON opportunities (stage, (coalesce(amount, 0)), id);
CREATE INDEX opportunities_stage_updated_idx ON opportunities (stage, updated_at, id);
CREATE INDEX opportunities_owner_amount_idx  ON opportunities
    (owner, stage, (coalesce(amount, 0)), id);

CREATE INDEX tickets_status_updated_idx   ON tickets (status, updated_at, id);
CREATE INDEX tickets_priority_updated_idx ON tickets (priority, updated_at, id);
CREATE INDEX tickets_assignee_updated_idx ON tickets (assignee, updated_at, id);

CREATE INDEX campaigns_updated_idx ON campaigns (updated_at, id);
CREATE INDEX campaigns_status_name_idx ON campaigns (status, name, id);
CREATE INDEX campaigns_name_trgm_idx ON campaigns USING gin (name gin_trgm_ops);

CREATE INDEX accounts_owner_updated_idx ON accounts (owner, updated_at, id);

CREATE INDEX events_actor_idx ON events (actor, id);
