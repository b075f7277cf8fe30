-- ccrm functions: the records one follows (the Following list, `:following`; migration 035).
--
-- Who follows a record is decided by ONE rule, ccrm_followers() in 90_service.sql, which the
-- notices use (ccrm_follow_notify), the detail's "Followers" line and the w key's toggle too:
-- the people who watch it explicitly (followers.following), and its owner (a ticket: its
-- assignee) unless they unwatched it (a followers row with following = false). Here the same
-- rule is asked from the other side: which records does the caller follow?
--
-- A record can be followed by the caller only if they own it (are assigned it) or have a
-- followers row for it, so those are the candidates (found by the owner indexes and the
-- followers' unique (login, entity, entity_id) key, never by reading a whole table); each one
-- is then kept only when ccrm_followers() names the caller for it. So the list and the notices
-- cannot disagree (tests/db/test_following.sh compares the two for every record).
--
-- Invoker's rights: every table is read under the caller's row-level security, so nobody sees
-- a record here they could not open. Partners may not read followers (they can neither watch
-- nor unwatch, and hold no followers rows) nor campaigns: tables the caller may not read are
-- left out, and without followers the rule keeps every record the caller owns or is assigned
-- (what ccrm_followers() says of a record without followers rows).

-- The records the caller follows: one row each, with an id unique across the kinds
-- (the record's id * 8 + the kind's number, for the client's keyset pages), why (watching,
-- owner, assignee), its name, and its last change (when, by whom) and folded search text.
CREATE OR REPLACE FUNCTION ccrm_following()
RETURNS TABLE (id bigint, entity text, entity_id bigint, why text, label text,
               changed_at timestamptz, changed_by text, search text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_sql       text := '';
    v_cols      text;
    v_rule      text;
    v_followers boolean := has_table_privilege('public.followers', 'SELECT');
    t           record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
            (1, 'accounts', 'owner', 'r.name'),
            (2, 'contacts', 'owner', 'concat_ws('' '', r.first_name, r.last_name)'),
            (3, 'leads', 'owner', 'concat_ws('' '', r.first_name, r.last_name)'
                                  || ' || coalesce('' ('' || r.company || '')'', '''')'),
            (4, 'opportunities', 'owner', 'r.name'),
            (5, 'tickets', 'assignee', 'r.subject'),
            (6, 'campaigns', 'owner', 'r.name')) k(n, tab, owner_col, label) LOOP
        CONTINUE WHEN NOT has_table_privilege(('public.' || t.tab)::regclass, 'SELECT');
        -- the records one owns (is assigned) from their owner index, and those one has a
        -- followers row for through its key; each kept when the rule names the caller
        v_cols := format('SELECT r.id * 8 + %s, %L::text, r.id,'
                         ' CASE WHEN r.%I = current_user THEN %L ELSE ''watching'' END,'
                         ' (%s)::text COLLATE "default", r.updated_at, r.updated_by,'
                         ' r.search::text',
                         t.n, t.tab, t.owner_col, t.owner_col, t.label);
        v_rule := format(' AND current_user IN (SELECT x.x FROM public.ccrm_followers(%L, r.id,'
                         ' r.%I) x(x))', t.tab, t.owner_col);
        v_sql := v_sql || CASE WHEN v_sql = '' THEN '' ELSE ' UNION ALL ' END
            || v_cols || format(' FROM public.%I r WHERE r.%I = current_user', t.tab, t.owner_col)
            || CASE WHEN v_followers THEN
                   v_rule || ' UNION ALL ' || v_cols
                   || format(' FROM public.followers w JOIN public.%I r ON r.id = w.entity_id'
                             ' WHERE w.login = current_user AND w.entity = %L'
                             ' AND r.%I IS DISTINCT FROM current_user', t.tab, t.tab, t.owner_col)
                   || v_rule
               ELSE '' END;
    END LOOP;
    IF v_sql <> '' THEN
        RETURN QUERY EXECUTE v_sql;
    END IF;
END
$$;
