-- ccrm schema functions: Search: accent folding and the search blocks of the lists.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- unaccent() is only STABLE (its dictionary could change); with the dictionary named
-- explicitly this is the usual immutable wrapper, safe for generated columns and indexes.
-- plpgsql with every name qualified, not sql with a SET clause: every row written computes its
-- search column with it, and a sql function the planner cannot inline (an immutable one calling
-- the stable unaccent) is parsed and planned again by every statement that calls it, and the SET
-- clause saves and restores the setting on every call (docs/performance.md, "Writes").
CREATE OR REPLACE FUNCTION ccrm_fold(text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    RETURN pg_catalog.lower(public.unaccent('public.unaccent'::pg_catalog.regdictionary, $1));
END
$$;

-- The accounts' per-trigram bounds of 011 were retired by 016 (Accounts search through blocks
-- like every other list): their functions are defined in 011, the only migration that uses
-- them, and dropped by 016.

-- What the search blocks put in place of every run of characters other than letters and
-- digits, so that their trigrams also span words (schema/013_search_blocks.sql explains the
-- blocks; 042 chose this character): þ, a letter to pg_trgm in every UTF-8 locale, which
-- folded text never holds (unaccent makes it "th") and no digit equals, so "quote 7" is not
-- taken for the "e07" of a hexadecimal number. Where pg_trgm would split words at þ (a
-- database whose ctype is C) it stays the digit 0, as before 042.
CREATE OR REPLACE FUNCTION ccrm_block_sep() RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN ' a ' = ANY (public.show_trgm('aþb')) THEN '0' ELSE 'þ' END $$;

-- The text ccrm_block_trgms takes the trigrams of: one pg_trgm word (no space is left in it).
-- The filing joins the words of many rows with spaces and asks show_trgm once: pg_trgm takes
-- each word's trigrams alone, so the set is the union of the rows' sets, for a fraction of
-- the calls, arrays and rows (a block's rows share most of their trigrams).
CREATE OR REPLACE FUNCTION ccrm_block_text(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.regexp_replace($1 || ' ', '[^[:alnum:]]+', public.ccrm_block_sep(), 'g')
$$;

-- pg_trgm's trigrams of already folded text, separators included (a trigram with þ in it is
-- one of pg_trgm's hashed ones, 0x...). The text always ends with exactly one separator (a
-- space put after it joins a run of them at its end), so every letter or digit starts a
-- trigram of itself and the two characters after it, and one separator never follows
-- another (ccrm_block_prefix_trgms counts on both). This, ccrm_block_text and ccrm_block_sep
-- (STRICT, which a function without arguments may be, so that the other two stay strict when
-- inlined) have no SET clause and name their schemas: the planner inlines them and folds the
-- separator to a constant once per statement (043).
CREATE OR REPLACE FUNCTION ccrm_block_trgms(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT public.show_trgm(public.ccrm_block_text($1)) $$;

-- The trigram pg_trgm keeps for the 3-character window p_w inside a longer word: the one
-- the window keeps when letters are put on both sides (the padded ones at its edges differ).
-- With p_end, the window's last trigram at the end of a word instead ("ab" -> "ab ").
CREATE OR REPLACE FUNCTION ccrm_block_window_trgm(p_w text, p_end boolean DEFAULT false)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, public
AS $$
    SELECT min(x.t)
      FROM (SELECT unnest(show_trgm(p_w))
            INTERSECT SELECT unnest(show_trgm('q' || p_w || CASE WHEN p_end THEN '' ELSE 'q' END))
            INTERSECT SELECT unnest(show_trgm('x' || p_w || CASE WHEN p_end THEN '' ELSE 'x' END))) x(t)
$$;

-- The trigrams every row containing the user's text p_text has: the 3-character windows of
-- the folded, normalised text, each in pg_trgm's form. A window of plain letters and digits is
-- its own trigram (pg_trgm hashes only those with other characters in them, the separator
-- included); only the others are asked of pg_trgm. Asked on every search keystroke (by
-- ccrm_search_blocks): plpgsql, whose statements are planned once a session, and no SET clause
-- (every name is qualified); as a sql function that asked pg_trgm for every window it took
-- 0.2 ms more a keystroke (docs/performance.md, "Search keystroke").
CREATE OR REPLACE FUNCTION ccrm_block_pattern_trgms(p_text text) RETURNS text[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    v_w text := pg_catalog.regexp_replace(public.ccrm_fold(p_text), '[^[:alnum:]]+',
                                          public.ccrm_block_sep(), 'g');
    v_r text[] := '{}';
    v_s text;
BEGIN
    FOR i IN 1 .. pg_catalog.length(v_w) - 2 LOOP
        v_s := pg_catalog.substr(v_w, i, 3);
        IF v_s OPERATOR(pg_catalog.!~) '^[abcdefghijklmnopqrstuvwxyz0123456789]{3}$' THEN
            v_s := public.ccrm_block_window_trgm(v_s);
        END IF;
        IF v_s IS NOT NULL AND NOT v_s OPERATOR(pg_catalog.=) ANY (v_r) THEN
            v_r := v_r OPERATOR(pg_catalog.||) v_s;
        END IF;
    END LOOP;
    RETURN v_r;
END
$$;

-- One or two letters or digits typed (p_w) are looked for as the start of a trigram: every
-- character of a row starts one (a row's text ends with the separator). Those of plain
-- letters and digits are found by their prefix; these are the others, hashed by pg_trgm
-- because the separator is in them: "ab" then the separator; for one character, it then the
-- separator then a letter or digit, a letter or digit then the separator, and it then the
-- separator at the end. (A letter outside a-z and 0-9 right after, as in "ж", is not
-- looked for: such a window is hashed too, as it was before 042.) Empty when the separator
-- is the digit 0: the prefix finds those.
CREATE OR REPLACE FUNCTION ccrm_block_prefix_trgms(p_w text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, public
AS $$
    SELECT CASE
        WHEN public.ccrm_block_sep() = '0' THEN '{}'::text[]
        WHEN length(p_w) = 2 THEN
            ARRAY[public.ccrm_block_window_trgm(p_w || public.ccrm_block_sep())]
        ELSE ARRAY(SELECT public.ccrm_block_window_trgm(p_w || c.c || public.ccrm_block_sep())
                     FROM regexp_split_to_table('abcdefghijklmnopqrstuvwxyz0123456789', '') c(c)
                   UNION
                   SELECT public.ccrm_block_window_trgm(p_w || public.ccrm_block_sep() || c.c)
                     FROM regexp_split_to_table('abcdefghijklmnopqrstuvwxyz0123456789', '') c(c)
                   UNION
                   SELECT public.ccrm_block_window_trgm(p_w || public.ccrm_block_sep(), true))
    END
$$;

-- The key of a list's order over alias p_alias: "k1, k2, id" (with p_as: "... AS k1, ...").
CREATE OR REPLACE FUNCTION ccrm_search_block_key(p_k1 text, p_k2 text, p_alias text, p_as boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT replace(p_k1, 'a.', p_alias || '.') || CASE WHEN p_as THEN ' AS k1' ELSE '' END
           || coalesce(', ' || replace(p_k2, 'a.', p_alias || '.')
                       || CASE WHEN p_as THEN ' AS k2' ELSE '' END, '')
           || ', ' || p_alias || '.id'
$$;

-- The same key over a boundary row (alias p_alias), in a direction ('' or ' DESC').
CREATE OR REPLACE FUNCTION ccrm_search_block_bkey(p_k2 text, p_alias text, p_dir text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT p_alias || '.k1' || p_dir
           || CASE WHEN p_k2 IS NULL THEN '' ELSE ', ' || p_alias || '.k2' || p_dir END
           || ', ' || p_alias || '.id' || p_dir
$$;

-- The type of a list's key (its bounds table's k1, with its collation), as a cast names it:
-- the keys kept as text (search_block_trgm's k1 and k2, the walk's parameters) are compared as
-- what they are.
CREATE OR REPLACE FUNCTION ccrm_search_block_ktype(p_bounds text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RETURN (SELECT format_type(a.atttypid, NULL)
                   || CASE WHEN a.attcollation <> 0
                           THEN ' COLLATE ' || (SELECT quote_ident(c.collname) FROM pg_collation c
                                                  WHERE c.oid = a.attcollation)
                           ELSE '' END
              FROM pg_attribute a
             WHERE a.attrelid = ('public.' || p_bounds)::regclass AND a.attname = 'k1');
END
$$;

-- A key kept as text (columns p_k1n, p_k2n, p_kidn of p_alias) as a row of
-- the list's key (type p_type: ccrm_search_block_ktype), for comparing.
CREATE OR REPLACE FUNCTION ccrm_search_block_krow(p_k2 text, p_alias text, p_type text,
                                                  p_k1n text DEFAULT 'k1', p_k2n text DEFAULT 'k2',
                                                  p_kidn text DEFAULT 'kid')
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog
AS $$
BEGIN
    RETURN 'ROW(' || p_alias || '.' || p_k1n || '::' || p_type
           || CASE WHEN p_k2 IS NULL THEN ''
                   ELSE ', ' || p_alias || '.' || p_k2n || '::' || p_type END
           || ', ' || p_alias || '.' || p_kidn || ')';
END
$$;

-- Whether search_block_trgm keeps its pairs' first keys (schema/077). The migrations before it
-- run with these functions (an upgrade from before 013 cuts blocks in 013, 016 and 038).
CREATE OR REPLACE FUNCTION ccrm_search_block_keyed() RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = 'public.search_block_trgm'::regclass
                      AND a.attname = 'kid' AND NOT a.attisdropped);
END
$$;

-- File the (block, trigram) pairs of up to p_max queued rows of each list (search_block_pending,
-- oldest first) and take them off the queue. Set-based per list: the rows and the boundaries
-- are sorted together by the list's key, and a row's block is the last boundary at or before it
-- (a lookup per row cost 0.1 ms: a million-row import spent two minutes on it). The rows taken
-- off the queue are found by their keys in its index: as a semi-join, a queue whose statistics
-- still called it nearly empty after a bulk load (the usual case: no ANALYZE since) was planned
-- as a nested loop of every queued row against every row taken (4,850 rows: 40 million
-- comparisons, seconds of an import's filing). Rows another transaction is filing are skipped
-- (SKIP LOCKED), so nobody waits; rows deleted meanwhile simply have no pairs to file. Returns
-- the number of queue entries taken (a partner: 1 when any, else 0; and he files up to a
-- million at once, whatever he asks).
CREATE OR REPLACE FUNCTION ccrm_search_blocks_flush(p_max int DEFAULT 1000000) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET DateStyle = 'ISO, YMD'  -- the first keys as text, the same in every session (schema/077)
SET TimeZone = 'UTC'
AS $$
DECLARE
    l public.search_block_lists;
    v_n bigint := 0;
    v_k bigint;
    v_keyed boolean := public.ccrm_search_block_keyed();
    v_type text;
BEGIN
    IF p_max IS NULL OR p_max < 1 THEN
        RAISE EXCEPTION 'ccrm_search_blocks_flush: the number of rows to file must be positive'
            USING ERRCODE = '22023';
    END IF;
    -- a partner files the whole queue at once: one row a call would count the company's writes
    -- (a superuser, the private database's own login, has every role, ccrm_partner too: it is
    -- no partner, and a million rows in one statement outran the statement timeout, 097)
    IF pg_has_role(ccrm_actor(), 'ccrm_partner', 'USAGE')
       AND NOT pg_has_role(ccrm_actor(), 'ccrm_internal', 'USAGE') THEN
        p_max := 1000000;
    END IF;
    FOR l IN SELECT * FROM public.search_block_lists ORDER BY list LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM public.search_block_pending q
                                   WHERE q.list = l.list);
        v_type := public.ccrm_search_block_ktype(l.bounds);
        -- A pair is filed with the key of its first row (schema/077), unless the pair is there
        -- with that key or an earlier one (or an unknown one: the block's start). Each row's
        -- trigrams are its own up to 5,000 rows (a writer's filing, --tick's): a row filed again
        -- unchanged (any update queues its rows) then never files a pair again, where a row
        -- among 200 others could bring an earlier key for a pair it shares with none of them.
        -- A bulk filing (an import's, --migrate's) takes 200 rows' words at a time, each pair
        -- with the first key of the 200: the trigrams of a few long texts instead of many short
        -- ones (and a pair filed again, only less precise, for rows filed again that way).
        EXECUTE format($q$
            WITH gone AS (
                DELETE FROM public.search_block_pending q
                 WHERE q.list = %1$L
                   AND q.seq = ANY (ARRAY(SELECT q2.seq FROM public.search_block_pending q2
                                           WHERE q2.list = %1$L ORDER BY q2.seq LIMIT %7$s
                                             FOR UPDATE SKIP LOCKED))
                RETURNING q.id),
            filed AS (
                INSERT INTO public.search_block_trgm (list, trgm, blk%8$s)
                SELECT %1$L, d.trgm, d.blk%9$s
                  FROM (SELECT DISTINCT ON (t.trgm, w.blk) t.trgm, w.blk, w.k1, w.k2, w.kid
                          FROM (SELECT c.blk, string_agg(public.ccrm_block_text(c.search), ' ')
                                           AS words,
                                       min(c.n) AS n0,
                                       (array_agg(c.k1::text ORDER BY c.n))[1] AS k1,
                                       (array_agg(%10$s ORDER BY c.n))[1] AS k2,
                                       (array_agg(c.id ORDER BY c.n))[1] AS kid
                                  FROM (SELECT s.*,
                                               coalesce(max(s.bblk) OVER k, 0) AS blk,
                                               count(*) OVER k AS n,
                                               count(*) FILTER (WHERE s.isrow = 1) OVER ()
                                                   AS rows
                                          FROM (SELECT NULL::text AS search, b.blk AS bblk, %3$s,
                                                       0 AS isrow
                                                  FROM public.%4$I b
                                                UNION ALL
                                                SELECT a.search, NULL, %5$s, 1 FROM public.%6$I a
                                                 WHERE a.id IN (SELECT g.id FROM gone g)) s
                                        WINDOW k AS (ORDER BY %2$s, s.isrow
                                                     ROWS UNBOUNDED PRECEDING)) c
                                 WHERE c.isrow = 1
                                 GROUP BY c.blk,
                                          c.n / CASE WHEN c.rows <= 5000 THEN 1 ELSE 200 END) w,
                               unnest(public.show_trgm(w.words)) t(trgm)
                         ORDER BY t.trgm, w.blk, w.n0) d
                 WHERE NOT EXISTS (SELECT 1 FROM public.search_block_trgm p
                                    WHERE p.list = %1$L AND p.trgm = d.trgm AND p.blk = d.blk%11$s)
                RETURNING 1)
            SELECT (SELECT count(*) FROM gone) + 0 * (SELECT count(*) FROM filed)$q$,
            l.list, public.ccrm_search_block_bkey(l.k2, 's', ''),
            public.ccrm_search_block_bkey(l.k2, 'b', ''), l.bounds,
            public.ccrm_search_block_key(l.k1, l.k2, 'a', true), l.tbl, p_max,
            CASE WHEN v_keyed THEN ', k1, k2, kid' ELSE '' END,
            CASE WHEN v_keyed THEN ', d.k1, d.k2, d.kid' ELSE '' END,
            CASE WHEN l.k2 IS NULL THEN 'NULL::text' ELSE 'c.k2::text' END,
            CASE WHEN v_keyed
                 THEN format(' AND (p.kid IS NULL OR %s <= %s)',
                             public.ccrm_search_block_krow(l.k2, 'p', v_type),
                             public.ccrm_search_block_krow(l.k2, 'd', v_type))
                 ELSE '' END)
           INTO v_k;
        v_n := v_n + v_k;
    END LOOP;
    -- the queue holds everyone's writes: a partner learns only whether there was more to file
    -- (its importer's loop goes on while there is), not how much the company wrote
    IF pg_has_role(ccrm_actor(), 'ccrm_partner', 'USAGE')
       AND NOT pg_has_role(ccrm_actor(), 'ccrm_internal', 'USAGE') THEN
        RETURN sign(v_n);
    END IF;
    RETURN v_n;
END
$$;
-- anyone may file the queue (an importer files its own rows); it only moves entries into pairs
SELECT ccrm_set_execute('ccrm_search_blocks_flush(integer)', 'ccrm_internal', 'ccrm_partner');

-- Statement trigger of every list's table (TG_ARGV[0]: the list): queue the rows an INSERT or
-- UPDATE wrote (transition table "changed") for their pairs, off the writer's path: one small
-- insert a statement. Whoever's queue entry lands on a multiple of 256 files up to 2,000 queued
-- rows per list (ccrm_search_blocks_flush), so the planning of the filing statement (several
-- million instructions per list: a dynamic statement is planned every time) is paid once for
-- about 256 queue entries, and rows of the same block share their pairs; a search reads at
-- most that many queued rows besides the blocks. A bulk load is filed after its commit by the
-- import, --migrate or
-- --tick, off the writers' path. Searches stay exact meanwhile: ccrm_search_blocks() also names
-- the blocks of queued rows that match (and with a long queue searches without blocks).
CREATE OR REPLACE FUNCTION ccrm_search_block_note() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_seq bigint;
    v_n   bigint;
BEGIN
    -- (an upgrade runs the migrations before 018 with these functions: nothing to queue into)
    IF to_regclass('public.search_block_pending') IS NULL THEN
        RETURN NULL;
    END IF;
    WITH q AS (
        INSERT INTO public.search_block_pending (list, id)
        SELECT TG_ARGV[0], c.id FROM changed c
        RETURNING seq)
    SELECT max(seq), count(*) INTO v_seq, v_n FROM q;
    PERFORM public.ccrm_search_blocks_queued(v_seq, v_n);
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_search_block_note()');

-- After a writer queued v_n rows, the last at queue position p_seq: the filing that falls to
-- it (above). Called by ccrm_search_block_note and by the writers that queue their rows
-- themselves (ccrm_inbox_deliver: its line and event, in the statement that writes them).
-- Not in an import's transaction (an import batch made in it): ccrm --import and
-- --import-mail file their rows after the commit, and filing inside the import helps no
-- reader (nobody sees its rows before the commit); a mail import's sets of a few hundred
-- mails would each pay a filing per list (7-8 % of its time, measured).
-- A live mail delivery (ccrm_mail_store sets ccrm.filing to "later" for its transaction)
-- files only at every 8,192nd queue entry: the MTA waits for the delivery, and the delivery
-- that fell on a 256th entry took twice as long (the slowest 2 % of deliveries through a
-- pooler: 75-83 ms against 30-40, measured); the scheduler's tick (every minute) and the next
-- person's write file what it queued, and 8,192 bounds the queue where neither runs.
-- Not in a REPEATABLE READ or SERIALIZABLE transaction either (migration 105): its snapshot may
-- still show queue rows another session filed since, and locking those (FOR UPDATE SKIP
-- LOCKED skips only rows locked now) is a serialization failure that refused the writer's own
-- INSERT; the next READ COMMITTED writer or the tick files them, and searches read the queue.
CREATE OR REPLACE FUNCTION ccrm_search_blocks_queued(p_seq bigint, p_n bigint) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_n > 0 AND p_n < 1000
       AND p_seq % (CASE WHEN current_setting('ccrm.filing', true) = 'later' THEN 8192
                         ELSE 256 END) < p_n
       AND current_setting('transaction_isolation') = 'read committed'
       AND NOT EXISTS (SELECT 1 FROM public.import_batches b
                        WHERE b.xid = pg_current_xact_id()) THEN
        PERFORM public.ccrm_search_blocks_flush(2000);
    END IF;
END
$$;

-- Cut the list's order into blocks anew and recompute their trigrams (owner only). Returns
-- the number of blocks.
CREATE OR REPLACE FUNCTION ccrm_search_blocks_rebuild(p_list text) RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
SET DateStyle = 'ISO, YMD'  -- the first keys as text, the same in every session (schema/077)
SET TimeZone = 'UTC'
AS $$
DECLARE
    l public.search_block_lists;
    v_n int;
BEGIN
    SELECT * INTO STRICT l FROM public.search_block_lists WHERE list = p_list;
    EXECUTE format('LOCK TABLE public.%I IN SHARE MODE', l.tbl);  -- no writer in between
    EXECUTE format('DELETE FROM public.%I', l.bounds);
    DELETE FROM public.search_block_trgm WHERE list = p_list;
    IF to_regclass('public.search_block_pending') IS NOT NULL THEN  -- (018: see the note)
        DELETE FROM public.search_block_pending WHERE list = p_list;  -- covered by the rebuild
    END IF;
    EXECUTE format($q$
        CREATE TEMP TABLE ccrm_blk ON COMMIT DROP AS
        SELECT a.search, ((row_number() OVER k - 1) / %2$s)::int AS blk,
               row_number() OVER k AS n, %3$s
          FROM public.%4$I a WINDOW k AS (ORDER BY %1$s)$q$,
        public.ccrm_search_block_key(l.k1, l.k2, 'a', false), l.size,
        public.ccrm_search_block_key(l.k1, l.k2, 'a', true), l.tbl);
    EXECUTE format($q$
        INSERT INTO public.%I (blk, %s)
        SELECT DISTINCT ON (c.blk) c.blk, %s FROM ccrm_blk c ORDER BY c.blk, %s$q$,
        l.bounds, replace(public.ccrm_search_block_bkey(l.k2, 'c', ''), 'c.', ''),
        public.ccrm_search_block_bkey(l.k2, 'c', ''), public.ccrm_search_block_bkey(l.k2, 'c', ''));
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF public.ccrm_search_block_keyed() THEN
        -- 200 rows' words at a time, each pair with the key of the first row of the first 200
        -- that have it (schema/077)
        EXECUTE format($q$
            INSERT INTO public.search_block_trgm (list, trgm, blk, k1, k2, kid)
            SELECT DISTINCT ON (t.trgm, w.blk) $1, t.trgm, w.blk, f.k1::text, %s, f.id
              FROM (SELECT c.blk, min(c.n) AS n0,
                           string_agg(public.ccrm_block_text(c.search), ' ') AS words
                      FROM ccrm_blk c GROUP BY c.blk, c.n / 200) w
                   JOIN ccrm_blk f ON f.n = w.n0,
                   unnest(public.show_trgm(w.words)) t(trgm)
             ORDER BY t.trgm, w.blk, w.n0$q$,
            CASE WHEN l.k2 IS NULL THEN 'NULL::text' ELSE 'f.k2::text' END)
        USING p_list;
    ELSE
        INSERT INTO public.search_block_trgm (list, trgm, blk)  -- 200 rows' words at a time
        SELECT DISTINCT p_list, t.trgm, w.blk
          FROM (SELECT c.blk, string_agg(public.ccrm_block_text(c.search), ' ') AS words
                  FROM ccrm_blk c GROUP BY c.blk, c.n / 200) w,
               unnest(public.show_trgm(w.words)) t(trgm);
    END IF;
    DROP TABLE ccrm_blk;
    RETURN v_n;
END
$$;
SELECT ccrm_set_execute('ccrm_search_blocks_rebuild(text)');

-- Rebuild the lists whose last block holds more than 4 blocks' worth of rows, and those with
-- pairs of unknown first key (owner; run by ccrm --migrate). Returns the lists rebuilt.
CREATE OR REPLACE FUNCTION ccrm_search_blocks_refresh() RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    l public.search_block_lists;
    v_big boolean;
BEGIN
    PERFORM public.ccrm_search_blocks_flush();  -- the queue first: a recut covers it anyway
    FOR l IN SELECT * FROM public.search_block_lists ORDER BY list LOOP
        EXECUTE format($q$
            SELECT count(*) > 4 * %s FROM (SELECT 1 FROM public.%I a
             WHERE NOT EXISTS (SELECT 1 FROM public.%I b)
                OR (%s) >= (SELECT %s FROM public.%I b ORDER BY b.blk DESC LIMIT 1)
             LIMIT 4 * %s + 1) s$q$,
            l.size, l.tbl, l.bounds, public.ccrm_search_block_key(l.k1, l.k2, 'a', false),
            public.ccrm_search_block_bkey(l.k2, 'b', ''), l.bounds, l.size) INTO v_big;
        -- pairs filed before schema/077 have no first key: cut again, which gives them one
        IF v_big OR (public.ccrm_search_block_keyed()
                     AND EXISTS (SELECT 1 FROM public.search_block_trgm p
                                  WHERE p.list = l.list AND p.kid IS NULL)) THEN
            PERFORM public.ccrm_search_blocks_rebuild(l.list);
            RETURN NEXT l.list;
        END IF;
    END LOOP;
END
$$;
SELECT ccrm_set_execute('ccrm_search_blocks_refresh()');

-- Where can the matches of a search lie? For the user's text p_text (p_like: the LIKE
-- pattern it is searched with), in list p_list, walking from the row with key p_k1, p_k2,
-- p_id (NULL: from the start) ascending (p_asc) or descending: the blocks that contain every
-- trigram of the text, in walking order, each with the key where its matches can begin (lo1,
-- lo2, loid) and of the next block's first row (hi...; NULL for the last block). Where they
-- can begin is the latest of the first keys of the text's trigrams in the block (schema/077);
-- when one is not known, or a row of the block that matches is queued, the block's first row
-- (NULL for the first block: it also holds rows inserted before it since). usable is false
-- (one row, no block) when
-- the blocks cannot tell: no trigram in the text, a partner, or rows matching through
-- another table; no row at all means nothing can match.
-- Asked on every search keystroke, so its statements are static where they can be (plpgsql
-- keeps their plans for the session): the blocks from the trigrams, the queue's length. Only
-- the last statement names the list's own tables (its bounds, and its rows when some are
-- queued) and is planned at each call: a join of the blocks named with their bounds, a third
-- of the planning of the single statement this once was (docs/performance.md, "Re-run").
CREATE OR REPLACE FUNCTION ccrm_search_blocks(p_list text, p_text text, p_like text, p_asc boolean,
                                   p_k1 text, p_k2 text, p_id bigint)
RETURNS TABLE (usable boolean, blk int, lo1 text, lo2 text, loid bigint, hi1 text, hi2 text,
               hiid bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    l public.search_block_lists;
    v_t text[] := public.ccrm_block_pattern_trgms(p_text COLLATE "C");
    v_w text COLLATE "C" := regexp_replace(public.ccrm_fold(p_text COLLATE "C"), '[^[:alnum:]]+',
                                           public.ccrm_block_sep(), 'g');
    v_blks int[];
    v_blocks text := 'SELECT u.blk, false AS q FROM unnest($1::int[]) u(blk)';
    v_start text := '';
    v_other boolean := false;
    v_types text;
    v_from text := 'TRUE';
BEGIN
    IF NOT public.ccrm_is_internal() THEN  -- partners: no blocks (nor reading them)
        RETURN QUERY SELECT false, NULL::int, NULL::text, NULL::text, NULL::bigint, NULL::text,
                            NULL::text, NULL::bigint;
        RETURN;
    END IF;
    SELECT * INTO l FROM public.search_block_lists s WHERE s.list = p_list COLLATE "C";
    IF NOT FOUND OR (cardinality(v_t) = 0 AND v_w !~ '^[a-z0-9]{1,2}$') THEN
        RETURN QUERY SELECT false, NULL::int, NULL::text, NULL::text, NULL::bigint, NULL::text,
                            NULL::text, NULL::bigint;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM public.search_block_pending q WHERE q.list = l.list OFFSET 5000) THEN
        RETURN QUERY SELECT false, NULL::int, NULL::text, NULL::text, NULL::bigint, NULL::text,
                            NULL::text, NULL::bigint;
        RETURN;
    END IF;
    IF l.match_elsewhere IS NOT NULL THEN
        EXECUTE 'SELECT ' || l.match_elsewhere INTO v_other USING p_like;
        IF v_other THEN
            RETURN QUERY SELECT false, NULL::int, NULL::text, NULL::text, NULL::bigint,
                                NULL::text, NULL::text, NULL::bigint;
            RETURN;
        END IF;
    END IF;
    IF cardinality(v_t) > 0 THEN
        v_blks := ARRAY(SELECT p.blk FROM public.search_block_trgm p
                         WHERE p.list = l.list AND p.trgm = ANY (v_t)
                         GROUP BY p.blk HAVING count(DISTINCT p.trgm) = cardinality(v_t));
    ELSE
        -- (pg_trgm shows a hashed trigram as three characters when they happen to be letters
        -- or digits: "qDG". A plain one has no capitals, so those are left out; the others
        -- can only name a block too many.)
        v_blks := ARRAY(SELECT DISTINCT p.blk FROM public.search_block_trgm p
                         WHERE p.list = l.list AND p.trgm >= v_w
                           AND p.trgm < left(v_w, -1) || chr(ascii(right(v_w, 1)) + 1)
                           AND p.trgm !~ '[A-Z]'
                         UNION
                         SELECT p.blk FROM public.search_block_trgm p
                         WHERE p.list = l.list
                           AND p.trgm = ANY (public.ccrm_block_prefix_trgms(v_w)));
    END IF;
    -- rows queued but not filed yet (ccrm_search_block_note): the blocks of those that match
    -- (the blocks named by the pairs: not queued, q false; those of queued rows that match:
    -- q true, walked from their first row)
    IF EXISTS (SELECT 1 FROM public.search_block_pending q WHERE q.list = l.list) THEN
        v_blocks := format($q$
            SELECT x.blk, bool_or(x.q) AS q
              FROM (SELECT u.blk, false AS q FROM unnest($1::int[]) u(blk)
                    UNION ALL
                    SELECT coalesce((SELECT max(b2.blk) FROM public.%1$I b2
                                      WHERE ROW(%2$s) <= ROW(%3$s)), 0), true
                      FROM public.search_block_pending q JOIN public.%4$I a ON a.id = q.id
                     WHERE q.list = $5 AND a.search LIKE public.ccrm_fold($6)) x
             GROUP BY x.blk$q$,
            l.bounds, public.ccrm_search_block_bkey(l.k2, 'b2', ''),
            public.ccrm_search_block_key(l.k1, l.k2, 'a', false), l.tbl);
    ELSIF cardinality(v_blks) = 0 THEN
        RETURN;  -- nothing can match
    END IF;
    -- where a block's matches can begin: of each trigram of the text its lowest first key in
    -- the block (an unknown one first), of those the latest (an unknown one: none). Only when
    -- the text names at most 24 blocks: a word in many blocks is common in each, its first
    -- match near the block's start, and the keys cost planning and some 7 us a block (a word
    -- in each of a million accounts' 100 blocks paid 1.2 ms instead of 0.5 for them).
    IF cardinality(v_t) > 0 AND cardinality(v_blks) <= 24 THEN
        v_types := public.ccrm_search_block_ktype(l.bounds);
        v_start := format($q$
               LEFT JOIN LATERAL (
                   SELECT m.k1, m.k2, m.kid
                     FROM (SELECT DISTINCT ON (p.trgm) p.k1, p.k2, p.kid
                             FROM public.search_block_trgm p
                            WHERE p.list = $5 AND p.blk = c.blk AND p.trgm = ANY ($7)
                            ORDER BY p.trgm, p.kid IS NOT NULL, %1$s) m
                    ORDER BY m.kid IS NULL DESC, %2$s DESC
                    LIMIT 1) t ON true$q$,
            public.ccrm_search_block_krow(l.k2, 'p', v_types),
            public.ccrm_search_block_krow(l.k2, 'm', v_types));
    END IF;
    IF p_id IS NOT NULL THEN
        v_types := coalesce(v_types, public.ccrm_search_block_ktype(l.bounds));
        v_from := format('b.blk IS NULL OR %s',
            CASE WHEN p_asc
                 THEN format('n.id IS NULL OR ROW($2::%s, %s$4) < ROW(n.k1, %s n.id)', v_types,
                             CASE WHEN l.k2 IS NULL THEN '' ELSE format('$3::%s, ', v_types) END,
                             CASE WHEN l.k2 IS NULL THEN '' ELSE 'n.k2,' END)
                 ELSE format('b.blk = f.m OR ROW($2::%s, %s$4) >= ROW(b.k1, %s b.id)', v_types,
                             CASE WHEN l.k2 IS NULL THEN '' ELSE format('$3::%s, ', v_types) END,
                             CASE WHEN l.k2 IS NULL THEN '' ELSE 'b.k2,' END) END);
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT true, c.blk,
               CASE %7$s WHEN b.blk = f.m THEN NULL ELSE b.k1::text END,
               CASE %8$s WHEN b.blk = f.m THEN NULL ELSE %1$s::text END,
               CASE %9$s WHEN b.blk = f.m THEN NULL ELSE b.id END,
               n.k1::text, %2$s::text, n.id
          FROM (%6$s) c
               CROSS JOIN (SELECT min(b0.blk) AS m FROM public.%3$I b0) f
               LEFT JOIN public.%3$I b ON b.blk = c.blk
               LEFT JOIN LATERAL (SELECT n0.* FROM public.%3$I n0
                                   WHERE n0.blk > b.blk ORDER BY n0.blk LIMIT 1) n ON true%10$s
         WHERE %4$s
         ORDER BY c.blk%5$s$q$,
        CASE WHEN l.k2 IS NULL THEN 'NULL' ELSE 'b.k2' END,
        CASE WHEN l.k2 IS NULL THEN 'NULL' ELSE 'n.k2' END, l.bounds, v_from,
        CASE WHEN p_asc THEN '' ELSE ' DESC' END, v_blocks,
        CASE WHEN v_start <> '' THEN 'WHEN NOT c.q AND t.kid IS NOT NULL THEN t.k1' ELSE '' END,
        CASE WHEN v_start <> '' THEN 'WHEN NOT c.q AND t.kid IS NOT NULL THEN t.k2' ELSE '' END,
        CASE WHEN v_start <> '' THEN 'WHEN NOT c.q AND t.kid IS NOT NULL THEN t.kid' ELSE '' END,
        v_start)
    USING v_blks, p_k1, p_k2, p_id, l.list, p_like, v_t;
END
$$;
