-- Running totals without a hot row. 007 kept one row per (entity, bucket, currency) and
-- updated it in every writer's transaction: a long transaction (an import of tickets) held
-- that row's lock until it committed, and every other writer of the same status or stage
-- queued behind it until its statement timeout. Now writers only append deltas (inserts never
-- wait for each other), readers sum them, and the deltas are folded into one row per key now
-- and then, skipping rows another transaction holds. ccrm_totals stays the name readers use:
-- a view over the deltas, with the readers' own row-level security (partners: no rows).
--
-- Also: presence and chat rows always take their account from the record they name. 005 kept
-- an account_id the writer gave, so a partner could insert presence naming an unshared record
-- under a shared account and appear "here" to internal users.

CREATE TABLE ccrm_totals_delta (
    id       bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity   text    NOT NULL,
    bucket   text    NOT NULL,
    currency text    NOT NULL DEFAULT '',
    n        bigint  NOT NULL,
    amount   numeric NOT NULL DEFAULT 0
);
CREATE INDEX ccrm_totals_delta_entity_idx ON ccrm_totals_delta (entity, id);

INSERT INTO ccrm_totals_delta (entity, bucket, currency, n, amount)
SELECT entity, bucket, currency, n, amount FROM ccrm_totals WHERE n <> 0 OR amount <> 0;
DROP TABLE ccrm_totals;

ALTER TABLE ccrm_totals_delta ENABLE ROW LEVEL SECURITY;
ALTER TABLE ccrm_totals_delta FORCE ROW LEVEL SECURITY;
-- the triggers write as the owner (SECURITY DEFINER), who is subject to FORCEd RLS too (007's
-- table lacked this policy: it only worked when a superuser owned the schema)
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON ccrm_totals_delta TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'ccrm_totals_delta'::regclass));
END $$;
CREATE POLICY internal_read ON ccrm_totals_delta FOR SELECT TO ccrm_internal USING (true);
REVOKE ALL ON ccrm_totals_delta FROM PUBLIC;
GRANT SELECT ON ccrm_totals_delta TO ccrm_internal, ccrm_partner;

CREATE VIEW ccrm_totals WITH (security_invoker = true) AS
SELECT entity, bucket, currency, sum(n)::bigint AS n, sum(amount) AS amount
  FROM ccrm_totals_delta GROUP BY entity, bucket, currency;
REVOKE ALL ON ccrm_totals FROM PUBLIC;
GRANT SELECT ON ccrm_totals TO ccrm_internal, ccrm_partner;

-- ccrm_totals_fold(): schema/functions/70_totals.sql

-- ccrm_totals_apply(): schema/functions/70_totals.sql
-- ccrm_chat_account(): schema/functions/60_presence.sql
-- ... and one may only say one is on a record one can see (005 let a row with no account
-- through, which an unseen record of a partner produced).
DROP POLICY own_write ON presence;
CREATE POLICY own_write ON presence FOR INSERT TO ccrm_internal, ccrm_partner
    WITH CHECK (login = current_user AND ccrm_record_exists(entity, entity_id));
DROP POLICY own_update ON presence;
CREATE POLICY own_update ON presence FOR UPDATE TO ccrm_internal, ccrm_partner
    USING (login = current_user)
    WITH CHECK (login = current_user AND ccrm_record_exists(entity, entity_id));
