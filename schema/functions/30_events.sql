-- ccrm schema functions: The audit trail and the event stream every write produces, and the wake-
-- up it sends.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- The account an event is filed under, from the written row r: the account the partner
-- policy of that row's record uses. Rows that hang off a record (comments, chat, inbox,
-- mentions) take their record's; campaign rows and the bookkeeping of users and sharing none
-- that a partner could be shown (the events policy lists the entities partners see).
CREATE OR REPLACE FUNCTION ccrm_event_account(p_entity text, r jsonb) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE p_entity
        WHEN 'accounts' THEN (r->>'id')::bigint
        WHEN 'contacts' THEN (r->>'account_id')::bigint
        WHEN 'leads' THEN (r->>'account_id')::bigint
        WHEN 'opportunities' THEN (r->>'account_id')::bigint
        WHEN 'tickets' THEN (r->>'account_id')::bigint
        WHEN 'interactions' THEN (r->>'account_id')::bigint
        WHEN 'account_shares' THEN (r->>'account_id')::bigint
        WHEN 'comments' THEN ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'chat_messages' THEN ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'inbox' THEN ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'mentions' THEN (SELECT ccrm_record_account(c.entity, c.entity_id)
                                FROM comments c WHERE c.id = (r->>'comment_id')::bigint)
    END
$$;

CREATE OR REPLACE FUNCTION ccrm_event_summary(p_entity text, r jsonb) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(nullif(left(btrim(regexp_replace(CASE p_entity
        WHEN 'accounts' THEN r->>'name'
        WHEN 'contacts' THEN concat_ws(' ', r->>'first_name', r->>'last_name')
                             || coalesce(' <' || (r->>'email') || '>', '')
        WHEN 'leads' THEN concat_ws(' ', r->>'first_name', r->>'last_name')
                          || coalesce(' <' || (r->>'email') || '>', '')
                          || CASE WHEN r->>'first_name' IS NULL AND r->>'last_name' IS NULL
                                  THEN coalesce(' ' || (r->>'company'), '') ELSE '' END
        WHEN 'tickets' THEN r->>'subject'
        WHEN 'opportunities' THEN (r->>'name') || ' (' || (r->>'stage') || ')'
        WHEN 'interactions' THEN (r->>'kind') || coalesce(': ' || (r->>'subject'), '')
        WHEN 'comments' THEN left(regexp_replace(r->>'body', '\s+', ' ', 'g'), 60)
        WHEN 'chat_messages' THEN 'chat: ' || left(regexp_replace(r->>'body', '\s+', ' ', 'g'), 60)
        WHEN 'campaigns' THEN r->>'name'
        WHEN 'campaign_members' THEN (r->>'status') || coalesce(' — ' ||
            (SELECT c.name FROM campaigns c WHERE c.id = (r->>'campaign_id')::bigint), '')
        WHEN 'users' THEN (r->>'display_name') || ' (' || (r->>'login') || ')'
        WHEN 'partner_orgs' THEN r->>'name'
        WHEN 'account_shares' THEN
            coalesce((SELECT a.name FROM accounts a WHERE a.id = (r->>'account_id')::bigint),
                     'account ' || (r->>'account_id'))
            || ' ↔ ' ||
            coalesce((SELECT p.name FROM partner_orgs p
                       WHERE p.id = (r->>'partner_org_id')::bigint),
                     'partner ' || (r->>'partner_org_id'))
        WHEN 'mentions' THEN '@' || (r->>'login')
        WHEN 'inbox' THEN (r->>'kind') || ' for ' || (r->>'login')
        WHEN 'interests' THEN 'interest: ' || coalesce(r->>'product', r->>'topic')
                              || coalesce(' (' || CASE r->>'source' WHEN 'hand' THEN 'by hand'
                                                                    ELSE r->>'source' END || ')', '')
        WHEN 'consents' THEN CASE WHEN r->>'opted_out_at' IS NOT NULL THEN 'opted out of '
                                  ELSE 'consented to ' END || (r->>'channel')
        WHEN 'segments' THEN 'segment: ' || (r->>'name')
        WHEN 'campaign_responses' THEN (r->>'status') || coalesce(' — ' ||
            (SELECT c.name FROM campaigns c WHERE c.id = (r->>'campaign_id')::bigint), '')
        WHEN 'merges' THEN ccrm_entity_noun(r->>'entity') || ' #' || (r->>'merged_id')
                           || ' merged into #' || (r->>'survivor_id')
                           || CASE WHEN r->>'undone_at' IS NOT NULL THEN ' (undone)' ELSE '' END
        WHEN 'not_duplicates' THEN ccrm_entity_noun(r->>'entity') || ' #' || (r->>'a_id')
                                   || ' and #' || (r->>'b_id') || ': not duplicates'
    END, '\s+', ' ', 'g')), 200), ''), p_entity || ' ' || (r->>'id'))
$$;

-- The audit, events and wake-up of every write, at the end of each statement. Two rules:
-- the actor must be a person, and an import's batch folds only the per-row events of the
-- import's own table (its inserts and updates; a revert's deletes and updates), so no other
-- write of that transaction loses its events.
CREATE OR REPLACE FUNCTION ccrm_log_changes() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    per_row_max constant int := 20;     -- above this a statement is one 'bulk' event
    v_actor text := ccrm_person();      -- a person, never a group role
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

    -- an import (or its revert) of this table is announced once, by import_batches' deferred
    -- trigger; its rows are still audited one by one above (this table only)
    IF EXISTS (SELECT 1 FROM import_batches b
                WHERE b.entity = TG_TABLE_NAME
                  AND ((b.xid = pg_current_xact_id() AND TG_OP IN ('INSERT', 'UPDATE'))
                       OR (b.revert_xid = pg_current_xact_id()
                           AND TG_OP IN ('DELETE', 'UPDATE')))) THEN
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
                              WHERE k.key NOT IN ('updated_at', 'updated_by', 'version', 'search')
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
SELECT ccrm_set_execute('ccrm_log_changes()');

CREATE OR REPLACE FUNCTION ccrm_audit_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be changed or deleted'
        USING ERRCODE = '42501';
END
$$;
SELECT ccrm_set_execute('ccrm_audit_append_only()');
