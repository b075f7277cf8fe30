-- ccrm schema functions: Running totals of deals, tickets and leads for the pipeline and the
-- Dashboard.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- Fold an entity's committed deltas into one row per key. Rows another transaction is
-- folding (or that a running transaction wrote and has not committed: they are not visible)
-- are left for the next time; nobody waits.
CREATE OR REPLACE FUNCTION ccrm_totals_fold(p_entity text) RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM ccrm_totals_delta d
         WHERE d.id IN (SELECT x.id FROM ccrm_totals_delta x WHERE x.entity = p_entity
                         ORDER BY x.id FOR UPDATE SKIP LOCKED)
        RETURNING d.bucket, d.currency, d.n, d.amount)
    INSERT INTO ccrm_totals_delta (entity, bucket, currency, n, amount)
    SELECT p_entity, bucket, currency, sum(n), sum(amount) FROM gone
     GROUP BY bucket, currency HAVING sum(n) <> 0 OR sum(amount) <> 0;
$$;
SELECT ccrm_set_execute('ccrm_totals_fold(text)');

CREATE OR REPLACE FUNCTION ccrm_totals_apply() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_n bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM ccrm_totals_delta WHERE entity = TG_TABLE_NAME;
        RETURN NULL;
    END IF;
    -- a statement's rows counted in (+1, from new_rows) and out (-1, from old_rows); the
    -- transition tables a trigger did not declare must not be named, hence the branches
    IF TG_TABLE_NAME = 'opportunities' THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO ccrm_totals_delta (entity, bucket, currency, n, amount)
            SELECT TG_TABLE_NAME, stage, currency::text, count(*), coalesce(sum(amount), 0)
              FROM new_rows GROUP BY 2, 3;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO ccrm_totals_delta (entity, bucket, currency, n, amount)
            SELECT TG_TABLE_NAME, stage, currency::text, -count(*), -coalesce(sum(amount), 0)
              FROM old_rows GROUP BY 2, 3;
        ELSE
            INSERT INTO ccrm_totals_delta (entity, bucket, currency, n, amount)
            SELECT TG_TABLE_NAME, d.stage, d.currency, sum(d.n), sum(d.amount)
              FROM (SELECT stage, currency::text AS currency, 1 AS n,
                           coalesce(amount, 0) AS amount FROM new_rows
                    UNION ALL
                    SELECT stage, currency::text, -1, -coalesce(amount, 0) FROM old_rows) d
             GROUP BY 2, 3 HAVING sum(d.n) <> 0 OR sum(d.amount) <> 0;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO ccrm_totals_delta (entity, bucket, n)
        SELECT TG_TABLE_NAME, status, count(*) FROM new_rows GROUP BY 2;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO ccrm_totals_delta (entity, bucket, n)
        SELECT TG_TABLE_NAME, status, -count(*) FROM old_rows GROUP BY 2;
    ELSE
        INSERT INTO ccrm_totals_delta (entity, bucket, n)
        SELECT TG_TABLE_NAME, d.status, sum(d.n)
          FROM (SELECT status, 1 AS n FROM new_rows
                UNION ALL SELECT status, -1 FROM old_rows) d
         GROUP BY 2 HAVING sum(d.n) <> 0;
    END IF;
    -- now and then (whenever a delta's id passes a multiple of 64) an entity's deltas are folded
    -- once past 300, so readers sum a few hundred rows at most and writers rarely count. Not in
    -- a REPEATABLE READ or SERIALIZABLE transaction (migration 105): its snapshot may still
    -- show deltas another session folded since, and locking those is a serialization failure
    -- that would refuse the writer's own statement; the next READ COMMITTED writer folds them.
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n > 0 AND currval('public.ccrm_totals_delta_id_seq') % 64 < v_n
       AND current_setting('transaction_isolation') = 'read committed'
       AND EXISTS (SELECT 1 FROM ccrm_totals_delta WHERE entity = TG_TABLE_NAME OFFSET 300) THEN
        PERFORM ccrm_totals_fold(TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_totals_apply()');
