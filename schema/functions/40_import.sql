-- ccrm schema functions: Import batches: made, counted, announced and reverted by the server.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- The server stamps who, when and which transaction; only the importing transaction may set
-- the counts, and a revert is recorded once, by whoever runs it, in its own transaction.
CREATE OR REPLACE FUNCTION ccrm_import_batch_stamp() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_at := now();
        NEW.created_by := ccrm_actor();
        NEW.xid := pg_current_xact_id();
        NEW.reverted_at := NULL;
        NEW.reverted_by := NULL;
        NEW.revert_xid := NULL;
        RETURN NEW;
    END IF;
    NEW.id := OLD.id;
    NEW.created_at := OLD.created_at;
    NEW.created_by := OLD.created_by;
    NEW.xid := OLD.xid;
    NEW.entity := OLD.entity;
    NEW.file_name := OLD.file_name;
    IF OLD.xid <> pg_current_xact_id() THEN
        NEW.inserted := OLD.inserted;
        NEW.updated := OLD.updated;
        NEW.skipped := OLD.skipped;
        NEW.rejected := OLD.rejected;
    END IF;
    IF OLD.reverted_at IS NULL AND NEW.reverted_at IS NOT NULL THEN
        NEW.reverted_at := now();
        NEW.reverted_by := ccrm_actor();
        NEW.revert_xid := pg_current_xact_id();
    ELSE
        NEW.reverted_at := OLD.reverted_at;
        NEW.reverted_by := OLD.reverted_by;
        NEW.revert_xid := OLD.revert_xid;
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_import_batch_stamp()');

-- Start an import of p_entity in the current transaction: the batch row, which makes the
-- per-row events of this transaction's writes to p_entity (and only those) one summary event
-- at commit, with the numbers of rows inserted and updated counted from the audit trail (not
-- told by the client). Needs INSERT on p_entity; one batch per transaction.
CREATE OR REPLACE FUNCTION ccrm_import_begin(p_entity text, p_file text) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who text := ccrm_person();
    v_id  bigint;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('accounts', 'contacts', 'leads', 'opportunities',
                                            'tickets', 'interactions', 'messages',
                                            'products') THEN
        RAISE EXCEPTION 'cannot import "%"', coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF NOT has_any_column_privilege(v_who, ('public.' || p_entity)::regclass, 'INSERT') THEN
        RAISE EXCEPTION 'permission denied to import %', p_entity USING ERRCODE = '42501';
    END IF;
    IF EXISTS (SELECT 1 FROM import_batches b
                WHERE b.xid = pg_current_xact_id() OR b.revert_xid = pg_current_xact_id()) THEN
        RAISE EXCEPTION 'this transaction is an import already' USING ERRCODE = '55000';
    END IF;
    INSERT INTO import_batches (entity, file_name)
    VALUES (p_entity, nullif(left(regexp_replace(coalesce(p_file, ''), '[[:cntrl:]]+', ' ', 'g'),
                                  200), ''))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
SELECT ccrm_set_execute('ccrm_import_begin(text,text)', 'ccrm_internal', 'ccrm_partner');

-- The client's own figures for its batch (rows skipped as duplicates, rows rejected), in the
-- importing transaction only.
CREATE OR REPLACE FUNCTION ccrm_import_note(p_batch bigint, p_skipped bigint, p_rejected bigint)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    UPDATE import_batches SET skipped = greatest(p_skipped, 0), rejected = greatest(p_rejected, 0)
     WHERE id = p_batch AND xid = pg_current_xact_id() AND created_by = ccrm_person();
$$;
SELECT ccrm_set_execute('ccrm_import_note(bigint,bigint,bigint)', 'ccrm_internal', 'ccrm_partner');

-- The summary event of an import or a revert, at commit. The counts are the server's: the
-- audit rows of the batch's transaction for its table.
CREATE OR REPLACE FUNCTION ccrm_import_event() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_actor text := ccrm_person();
    v_dept  text;
    b       import_batches;
    v_n     bigint;
    v_what  text;
BEGIN
    -- (a session's own ccrm.inbox_logged keeps nothing from the search queue: 30_events.sql)
    IF current_setting('ccrm.inbox_logged', true) = 'on' THEN
        PERFORM set_config('ccrm.inbox_logged', 'off', true);
    END IF;
    SELECT * INTO b FROM import_batches WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- told: from here on the transaction's writes of the table are not folded into this event
    -- (ccrm_log_changes). It is told at commit, or earlier when SET CONSTRAINTS fires it: then
    -- the rows written after it had no event at all, and its count missed them.
    PERFORM set_config('ccrm.import_told',
                       coalesce(current_setting('ccrm.import_told', true), '') || ' ' || b.id
                       || ' ', true);
    IF TG_OP = 'INSERT' THEN
        UPDATE import_batches x
           SET inserted = (SELECT coalesce(sum(CASE WHEN a.ids IS NULL THEN 1
                                                    ELSE (SELECT sum(upper(r) - lower(r))
                                                            FROM unnest(a.ids) r) END), 0)
                             FROM audit a
                            WHERE a.xid = b.xid AND a.entity = b.entity AND a.op = 'insert'),
               updated = (SELECT count(*) FROM audit a
                           WHERE a.xid = b.xid AND a.entity = b.entity AND a.op = 'update')
         WHERE x.id = b.id
        RETURNING * INTO b;
    END IF;
    SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
    v_n := b.inserted + b.updated;
    v_what := to_char(v_n, 'FM999,999,999,990') || ' '
              || CASE WHEN v_n = 1 THEN ccrm_entity_noun(b.entity)
                      ELSE ccrm_entity_nouns(b.entity) END
              || coalesce(' from ' || b.file_name, '');
    INSERT INTO events (actor, department, entity, op, summary, row_count)
    VALUES (v_actor, v_dept, b.entity, 'bulk',
            CASE TG_OP
                WHEN 'INSERT' THEN 'imported ' || v_what || ' (batch ' || b.id
                                   || CASE WHEN b.updated > 0
                                           THEN '; ' || to_char(b.updated, 'FM999,999,999,990')
                                                || ' updated' ELSE '' END || ')'
                ELSE 'reverted import batch ' || b.id || ' (' || v_what || ')'
            END,
            least(v_n, 2147483647)::int);
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_import_event()');

-- The rows a transaction inserted, by table, with the version each had then (the audit trail:
-- a row each, or one row naming many ids of a bulk insert, each inserted at version 1; 018).
CREATE OR REPLACE FUNCTION ccrm_audit_inserts(p_xid xid8)
RETURNS TABLE (entity text, entity_id bigint, version int)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT a.entity, a.entity_id, (a.new_row->>'version')::int
      FROM audit a
     WHERE a.xid = p_xid AND a.op = 'insert' AND a.ids IS NULL
    UNION ALL
    SELECT a.entity, g.id, 1
      FROM audit a, unnest(a.ids) r, generate_series(lower(r), upper(r) - 1) g(id)
     WHERE a.xid = p_xid AND a.op = 'insert' AND a.ids IS NOT NULL
$$;
SELECT ccrm_set_execute('ccrm_audit_inserts(xid8)');

-- Undo an import (ccrm --revert): the rows it inserted are deleted, the rows it updated get
-- their earlier values back, in one transaction, refused when any of them changed since or
-- when records that did not come with the import hang on one of them.
-- The batch's importer or an admin, never a partner (docs/import.md: a partner imports, and
-- asks someone of the company to undo it). DEFINER for the deletes (see 1.); the restoring
-- UPDATE still meets the department rules (they decide on the caller: ccrm_in_dept). The
-- followers rows of the records it deletes go with them (no foreign key takes them along).
CREATE OR REPLACE FUNCTION ccrm_import_revert(p_batch bigint) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who  text := ccrm_person();
    b      import_batches;
    v_bad  text;
    v_cols text;
    v_del  bigint;
    v_res  bigint;
    fk     record;
BEGIN
    IF NOT pg_has_role(v_who, 'ccrm_internal', 'USAGE') THEN
        RAISE EXCEPTION 'permission denied: partners may not revert imports (someone of the'
                        ' company may)'
            USING ERRCODE = '42501';
    END IF;
    SELECT * INTO b FROM import_batches x WHERE x.id = p_batch FOR UPDATE;
    IF NOT FOUND OR (b.created_by <> v_who AND NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE')) THEN
        RAISE EXCEPTION 'import batch % does not exist (or is not yours)', p_batch
            USING ERRCODE = 'P0002';
    END IF;
    IF b.reverted_at IS NOT NULL THEN
        RAISE EXCEPTION 'import batch % was already reverted by % at %', p_batch, b.reverted_by,
                        ccrm_when(b.reverted_at)
            USING ERRCODE = '55000';
    END IF;
    IF b.entity = 'messages' THEN
        -- a mail import (017) created contacts, leads, tickets and timeline entries too
        RETURN ccrm_mail_import_revert(p_batch);
    END IF;
    -- The rows the import wrote are locked first (schema/096), in the order of their ids:
    -- a change of one that someone commits while this runs is then either committed before
    -- the checks below (which see it and refuse) or waits for this transaction; and a row
    -- hung on them (a deal on an imported account) cannot be inserted meanwhile, as its
    -- foreign key's check takes a lock that conflicts with this one.
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM public.%I t, audit a'
                   ' WHERE a.xid = $1 AND a.entity = $2 AND a.op IN (''insert'', ''update'')'
                   ' AND a.ids IS NULL AND t.id = a.entity_id ORDER BY t.id FOR UPDATE OF t) s',
                   b.entity)
        INTO v_res USING b.xid, b.entity;
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM public.%I t,'
                   ' (SELECT lower(r) AS lo, upper(r) AS hi FROM audit a, unnest(a.ids) r'
                   ' WHERE a.xid = $1 AND a.entity = $2 AND a.op = ''insert'''
                   ' AND a.ids IS NOT NULL) x'
                   ' WHERE t.id >= x.lo AND t.id < x.hi ORDER BY t.id FOR UPDATE OF t) s',
                   b.entity)
        INTO v_res USING b.xid, b.entity;
    -- the rows the import wrote, with the version it left: audited one by one, or (an insert
    -- of many rows, 018) named by the ids of one audit row, each inserted at version 1
    EXECUTE format($q$
        WITH w AS (
            SELECT a.entity_id AS id, a.op, (a.new_row->>'version')::int AS v,
                   a.new_row - ARRAY['version', 'updated_at', 'updated_by'] AS nr
              FROM audit a
             WHERE a.xid = $1 AND a.entity = $2 AND a.op IN ('insert', 'update') AND a.ids IS NULL
            UNION ALL
            SELECT t.id, 'insert', 1, NULL::jsonb
              FROM audit a, unnest(a.ids) r, public.%1$I t
             WHERE a.xid = $1 AND a.entity = $2 AND a.op = 'insert' AND a.ids IS NOT NULL
               AND t.id >= lower(r) AND t.id < upper(r))
        SELECT w.id || CASE WHEN $3 THEN coalesce(' (' || ccrm_event_summary($2, to_jsonb(t)) || ')', '')
                            ELSE '' END
               || CASE WHEN t.id IS NULL THEN ' was deleted after the import'
                       WHEN NOT $3 THEN ' was changed after the import'
                       ELSE ' was changed after the import by ' || t.updated_by || ' at '
                            || ccrm_when(t.updated_at) END
          FROM w LEFT JOIN public.%1$I t ON t.id = w.id
         -- a row changed since, unless back as the import left it (a later batch reverted
         -- first: batches are undone newest first)
         WHERE (t.id IS NULL AND w.op = 'update')
            OR (t.version <> w.v
                AND (w.nr IS NULL
                     OR to_jsonb(t) - ARRAY['version', 'updated_at', 'updated_by'] <> w.nr))
         ORDER BY w.id LIMIT 1$q$, b.entity)
       INTO v_bad USING b.xid, b.entity,
                        -- (a partner's rows may since have moved out of his sight: no text of
                        -- them, nor who changed them when, in his message)
                        pg_has_role(v_who, 'ccrm_internal', 'USAGE');
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot revert import batch %: % %; nothing reverted', p_batch,
                        b.entity, v_bad
            USING ERRCODE = '55000';
    END IF;
    -- what others hung on the rows it inserted since (a deal moved onto an imported account, a
    -- call or a comment on an imported ticket): the deletes below run as the owner, so they
    -- would take those along (ON DELETE CASCADE) or cut them loose (SET NULL) past every
    -- department rule. Refused, as a mail import's revert is; a partner is not told what hangs
    -- there (it may be an internal note he cannot see). The rows it inserted go into a table
    -- of their own first, indexed and analysed, so each check is a join the planner sizes
    -- right (a million imported rows: a nested loop over the audit's expansion never ends).
    DROP TABLE IF EXISTS pg_temp.ccrm_revert_inserted;
    CREATE TEMP TABLE ccrm_revert_inserted ON COMMIT DROP AS
        SELECT i.entity, i.entity_id FROM ccrm_audit_inserts(b.xid) i;
    CREATE INDEX ON pg_temp.ccrm_revert_inserted (entity, entity_id);
    ANALYZE pg_temp.ccrm_revert_inserted;
    FOR fk IN SELECT r.relname AS tbl, a.attname AS col
                FROM pg_constraint c
                JOIN pg_class r ON r.oid = c.conrelid
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               WHERE c.contype = 'f' AND c.confrelid = ('public.' || b.entity)::regclass
                 AND cardinality(c.conkey) = 1
                 AND EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                              WHERE t.tgrelid = c.conrelid AND p.proname = 'ccrm_log_changes')
              UNION ALL
              -- the tables that hang on any record by (entity, entity_id)
              SELECT x.tbl, NULL FROM (VALUES ('comments'), ('chat_messages')) x(tbl)
               ORDER BY 1, 2 LOOP
        EXECUTE format($q$
            SELECT format('%%s #%%s has %%s that did not come with the import',
                          ccrm_entity_noun($2), i.entity_id,
                          CASE WHEN $4 THEN ccrm_entity_noun($3) || ' #' || r.id
                               ELSE 'later records' END)
              FROM pg_temp.ccrm_revert_inserted i
              JOIN public.%1$I r ON %2$s
             WHERE i.entity = $2
               AND NOT EXISTS (SELECT 1 FROM pg_temp.ccrm_revert_inserted j
                                WHERE j.entity = $3 AND j.entity_id = r.id)
             LIMIT 1$q$,
            fk.tbl,
            CASE WHEN fk.col IS NULL THEN 'r.entity = i.entity AND r.entity_id = i.entity_id'
                 ELSE format('r.%I = i.entity_id', fk.col) END)
           INTO v_bad USING b.xid, b.entity, fk.tbl, pg_has_role(v_who, 'ccrm_internal', 'USAGE');
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot revert import batch %: %; nothing reverted', p_batch, v_bad
                USING ERRCODE = '55000';
        END IF;
    END LOOP;
    UPDATE import_batches x SET reverted_at = now() WHERE x.id = p_batch;
    EXECUTE format('DELETE FROM public.%I t USING audit a WHERE a.xid = $1 AND a.entity = $2'
                   ' AND a.op = ''insert'' AND a.ids IS NULL AND t.id = a.entity_id', b.entity)
        USING b.xid, b.entity;
    GET DIAGNOSTICS v_del = ROW_COUNT;
    EXECUTE format('DELETE FROM public.%I t USING (SELECT lower(r) AS lo, upper(r) AS hi'
                   ' FROM audit a, unnest(a.ids) r WHERE a.xid = $1 AND a.entity = $2'
                   ' AND a.op = ''insert'' AND a.ids IS NOT NULL) x'
                   ' WHERE t.id >= x.lo AND t.id < x.hi', b.entity)
        USING b.xid, b.entity;
    GET DIAGNOSTICS v_res = ROW_COUNT;
    v_del := v_del + v_res;
    -- who followed (or unwatched) the records deleted: nothing else removes those rows
    IF b.entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets') THEN
        DELETE FROM public.followers f
         USING pg_temp.ccrm_revert_inserted i
         WHERE i.entity = b.entity AND f.entity = i.entity AND f.entity_id = i.entity_id;
    END IF;
    SELECT string_agg(format('%I = r.%I', a.attname, a.attname), ', ' ORDER BY a.attnum)
      INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = ('public.' || b.entity)::regclass AND a.attnum > 0
       AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = ''
       AND a.attname NOT IN ('created_at', 'created_by', 'updated_at', 'updated_by', 'version');
    -- (the rows as they were: a deal put back into won keeps its close date, which
    -- ccrm_rule_deal_won would otherwise make today's; ccrm_restoring_what says so, for this
    -- statement only)
    CREATE TEMP TABLE ccrm_restoring_now (import_revert boolean) ON COMMIT DROP;
    EXECUTE format('UPDATE public.%I t SET %s FROM audit a,'
                   ' jsonb_populate_record(NULL::public.%I, a.old_row) r'
                   ' WHERE a.xid = $1 AND a.entity = $2 AND a.op = ''update'''
                   ' AND t.id = a.entity_id', b.entity, v_cols, b.entity)
        USING b.xid, b.entity;
    GET DIAGNOSTICS v_res = ROW_COUNT;
    DROP TABLE pg_temp.ccrm_restoring_now;
    -- the revert's one event now, not at commit: what the transaction writes after it is not
    -- the revert's, and has its own events (ccrm_import_told)
    SET CONSTRAINTS ccrm_import_revert_event IMMEDIATE;
    -- (the counts as the import's summary and --batches write them: 12,345)
    RETURN format('reverted import batch %s (%s%s): %s deleted, %s restored', p_batch,
                  ccrm_entity_nouns(b.entity), ' from ' || b.file_name,
                  to_char(v_del, 'FM999,999,999,999,990'), to_char(v_res, 'FM999,999,999,999,990'));
END
$$;
SELECT ccrm_set_execute('ccrm_import_revert(bigint)', 'ccrm_internal', 'ccrm_partner');
