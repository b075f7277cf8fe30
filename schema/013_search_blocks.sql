-- Search speed for the big lists: where in a list's order can the matches of a search be?
--
-- A search shows the first rows of a list, in the list's order, whose folded `search` column
-- contains the folded text typed. Walking the list's index and filtering costs about 0.17 µs
-- per row (index-only: the sort indexes below INCLUDE the search column), collecting every
-- match with the trigram index costs a heap visit per match; when a longer word's many matches
-- sit together far down the list ("nowak" after every name before N, "person 1" after the
-- 800,000 newest leads), both cost 100-700 ms at 1,000,000 rows. 011 solved that for the
-- accounts by name with one range per trigram; a single range is too coarse for a list in
-- order of last change, where rows move to the top when edited.
--
-- So each of these list orders (Contacts by name, Leads and Tickets by last change, Campaigns
-- by name, the Feed and the Inbox newest first) is cut into blocks of about 10,000 consecutive
-- rows, and for every block we keep which trigrams its rows contain. A search asks for the blocks that
-- contain every trigram of the text typed (a row can only match when it has all of them),
-- and walks just those, in order, until the page is full; blocks without some trigram are
-- skipped without being read.
--
-- The trigrams are pg_trgm's, of the search column with every run of other characters
-- replaced by one digit 0, so that they also span word boundaries ("n01" in "person 12"):
-- pg_trgm keeps only letters and digits and makes words of them, which would lose the
-- digits of short numbers. (A 0 in the text then looks like a separator to the blocks: that
-- only makes them name a few more blocks.) For the text typed, only the trigrams inside it
-- count (ccrm_block_pattern_trgms): the text may sit inside a longer word of a row. One or
-- two letters or digits typed are looked for as the start of a trigram: the text gets a 0 at
-- its end, so every character of a row is followed by another one (or, for the last pair,
-- by pg_trgm's padding: "a0 ").
--
-- The blocks stay valid for every writer: statement triggers add the (block, trigram) pairs of
-- the rows an INSERT or UPDATE wrote, to the block the row's place in the order falls in (also
-- under session_replication_role = replica). They only INSERT, into a table without a unique
-- key, so no writer waits for another; a pair may be written twice. Rows that move (an edit
-- moves a lead to the top) or go away leave their pairs behind: the blocks then contain more
-- than needed, which costs walking a block for nothing, never a result. The boundaries
-- between blocks change only in ccrm_search_blocks_rebuild(list), under a SHARE lock on the
-- table (no writer in between); `ccrm --migrate` rebuilds every list whose last block has
-- grown past 4 blocks' worth of rows (rows added at the top of an order of last change all
-- land in the last block), and a bulk load with the triggers off needs a rebuild.
--
-- The pairs name what rows contain, so they are read like the accounts' bounds: internal users
-- only. Partners search as before.

-- pg_trgm's trigrams of already folded text, separators included (see above)
CREATE FUNCTION ccrm_block_trgms(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, public
AS $$ SELECT show_trgm(regexp_replace($1, '[^[:alnum:]]+', '0', 'g') || '0') $$;

-- The trigrams every row containing the user's text p_text has: the 3-character windows of
-- the folded, normalised text, each in pg_trgm's form (the one trigram of the window that
-- the window keeps when letters are put on both sides: the padded ones at its edges differ).
CREATE FUNCTION ccrm_block_pattern_trgms(p_text text) RETURNS text[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, public
AS $$
    SELECT coalesce(array_agg(DISTINCT x.t), '{}')
      FROM (SELECT regexp_replace(public.ccrm_fold(p_text), '[^[:alnum:]]+', '0', 'g') AS w) n,
           generate_series(1, length(n.w) - 2) i,
           LATERAL (SELECT unnest(show_trgm(substr(n.w, i, 3)))
                    INTERSECT SELECT unnest(show_trgm('q' || substr(n.w, i, 3) || 'q'))
                    INTERSECT SELECT unnest(show_trgm('x' || substr(n.w, i, 3) || 'x'))) x(t)
$$;

-- The lists whose order is cut into blocks. k1, k2: the order's columns over alias a (the id
-- comes last); bounds: the table of the boundaries, one row per block, the key of its first
-- row. match_elsewhere: a condition on $1 (the LIKE pattern) under which rows also match
-- through another table, where the blocks do not tell.
CREATE TABLE search_block_lists (
    list            text COLLATE "C" PRIMARY KEY,
    tbl             text NOT NULL,
    bounds          text NOT NULL,
    k1              text NOT NULL,
    k2              text,
    size            int NOT NULL CHECK (size >= 100),
    match_elsewhere text
);

-- The key of a list's order over alias p_alias: "k1, k2, id" (with p_as: "... AS k1, ...").
CREATE FUNCTION ccrm_search_block_key(l search_block_lists, p_alias text, p_as boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT replace(l.k1, 'a.', p_alias || '.') || CASE WHEN p_as THEN ' AS k1' ELSE '' END
           || coalesce(', ' || replace(l.k2, 'a.', p_alias || '.')
                       || CASE WHEN p_as THEN ' AS k2' ELSE '' END, '')
           || ', ' || p_alias || '.id'
$$;

-- The same key over a boundary row (alias p_alias), in a direction ('' or ' DESC').
CREATE FUNCTION ccrm_search_block_bkey(l search_block_lists, p_alias text, p_dir text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT p_alias || '.k1' || p_dir
           || CASE WHEN l.k2 IS NULL THEN '' ELSE ', ' || p_alias || '.k2' || p_dir END
           || ', ' || p_alias || '.id' || p_dir
$$;

CREATE TABLE search_blocks_contacts_name (
    blk int PRIMARY KEY,
    k1  text COLLATE "und-x-icu" NOT NULL,
    k2  text COLLATE "und-x-icu" NOT NULL,
    id  bigint NOT NULL
);
CREATE INDEX ON search_blocks_contacts_name (k1, k2, id);
CREATE TABLE search_blocks_leads_updated (
    blk int PRIMARY KEY,
    k1  timestamptz NOT NULL,
    id  bigint NOT NULL
);
CREATE INDEX ON search_blocks_leads_updated (k1, id);
CREATE TABLE search_blocks_tickets_updated (LIKE search_blocks_leads_updated INCLUDING ALL);
CREATE TABLE search_blocks_campaigns_name (
    blk int PRIMARY KEY,
    k1  text COLLATE "und-x-icu" NOT NULL,
    id  bigint NOT NULL
);
CREATE INDEX ON search_blocks_campaigns_name (k1, id);
CREATE TABLE search_blocks_events_newest (
    blk int PRIMARY KEY,
    k1  bigint NOT NULL,
    id  bigint NOT NULL
);
CREATE INDEX ON search_blocks_events_newest (k1, id);
CREATE TABLE search_blocks_inbox_newest (LIKE search_blocks_events_newest INCLUDING ALL);

INSERT INTO search_block_lists VALUES
    ('contacts_name', 'contacts', 'search_blocks_contacts_name', 'coalesce(a.last_name, '''')',
     'coalesce(a.first_name, '''')', 10000, NULL),
    ('leads_updated', 'leads', 'search_blocks_leads_updated', 'a.updated_at', NULL, 10000, NULL),
    ('tickets_updated', 'tickets', 'search_blocks_tickets_updated', 'a.updated_at', NULL, 10000,
     'EXISTS (SELECT 1 FROM public.accounts x WHERE x.search LIKE public.ccrm_fold($1))'),
    ('campaigns_name', 'campaigns', 'search_blocks_campaigns_name', 'a.name', NULL, 10000, NULL),
    -- the Feed, and the Inbox: blocks of everyone's entries by id, each walked for one's own
    ('events_newest', 'events', 'search_blocks_events_newest', 'a.id', NULL, 10000, NULL),
    ('inbox_newest', 'inbox', 'search_blocks_inbox_newest', 'a.id', NULL, 10000, NULL);

CREATE TABLE search_block_trgm (
    list text COLLATE "C" NOT NULL,
    trgm text COLLATE "C" NOT NULL,
    blk  int NOT NULL
);
CREATE INDEX search_block_trgm_idx ON search_block_trgm (list, trgm, blk);

-- readable by internal users only, written by the functions below (owner)
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['search_block_lists', 'search_block_trgm',
                             'search_blocks_contacts_name', 'search_blocks_leads_updated',
                             'search_blocks_tickets_updated', 'search_blocks_campaigns_name',
                             'search_blocks_events_newest', 'search_blocks_inbox_newest'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY ccrm_owner ON %I TO %I USING (true) WITH CHECK (true)', t,
                       (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = t::regclass));
        EXECUTE format('CREATE POLICY internal_read ON %I FOR SELECT TO ccrm_internal USING (true)',
                       t);
        EXECUTE format('GRANT SELECT ON %I TO ccrm_internal', t);
    END LOOP;
END $$;

-- The covering indexes the blocks are walked on: the sort index with the search column (and,
-- for an order by expressions, the columns under them: an index-only scan needs those).
DROP INDEX contacts_sortname_idx;
CREATE INDEX contacts_sortname_idx ON contacts
    ((coalesce(last_name, '')), (coalesce(first_name, '')), id)
    INCLUDE (search, last_name, first_name);
DROP INDEX leads_updated_idx;
CREATE INDEX leads_updated_idx ON leads (updated_at, id) INCLUDE (search);
DROP INDEX tickets_updated_idx;
CREATE INDEX tickets_updated_idx ON tickets (updated_at, id) INCLUDE (search);
DROP INDEX campaigns_name_idx;
CREATE INDEX campaigns_name_idx ON campaigns (name, id) INCLUDE (search);
-- The Feed and the Inbox search a folded column too (accents and case ignored, like the other
-- lists, instead of ILIKE over two columns), with a trigram index and a covering walk index.
ALTER TABLE events ADD COLUMN search text COLLATE "C"
    GENERATED ALWAYS AS (ccrm_fold(actor || ' ' || summary)) STORED;
CREATE INDEX events_search_trgm_idx ON events USING gin (search gin_trgm_ops);
CREATE INDEX events_id_search_idx ON events (id) INCLUDE (search);
ALTER TABLE inbox ADD COLUMN search text COLLATE "C"
    GENERATED ALWAYS AS (ccrm_fold(coalesce(note, '') || ' ' || coalesce(from_login, ''))) STORED;
CREATE INDEX inbox_search_trgm_idx ON inbox USING gin (search gin_trgm_ops);
DROP INDEX inbox_login_idx;
CREATE INDEX inbox_login_idx ON inbox (login, id DESC) INCLUDE (search);
-- and the pipeline's columns (a search there always walks one stage)
DROP INDEX opportunities_stage_amount_idx;
CREATE INDEX opportunities_stage_amount_idx ON opportunities (stage, (coalesce(amount, 0)), id)
    INCLUDE (search, amount);
DROP INDEX opportunities_stage_updated_idx;
CREATE INDEX opportunities_stage_updated_idx ON opportunities (stage, updated_at, id)
    INCLUDE (search);

-- Add the (block, trigram) pairs of the rows in transition table "changed" (TG_ARGV[0]: the
-- list). Set-based: the rows and the boundaries are sorted together by the list's key, and a
-- row's block is the last boundary at or before it (a lookup per row cost 0.1 ms: a million-row
-- import spent two minutes on it).
CREATE FUNCTION ccrm_search_block_note() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    l public.search_block_lists;
BEGIN
    SELECT * INTO STRICT l FROM public.search_block_lists WHERE list = TG_ARGV[0];
    EXECUTE format($q$
        INSERT INTO public.search_block_trgm (list, trgm, blk)
        SELECT DISTINCT %1$L, t.trgm, c.blk
          FROM (SELECT s.search, s.isrow,
                       coalesce(max(s.bblk) OVER (ORDER BY %2$s, s.isrow
                                                  ROWS UNBOUNDED PRECEDING), 0) AS blk
                  FROM (SELECT NULL::text AS search, b.blk AS bblk, %3$s, 0 AS isrow
                          FROM public.%4$I b
                        UNION ALL
                        SELECT a.search, NULL, %5$s, 1 FROM %6$s) s) c,
               unnest(public.ccrm_block_trgms(c.search)) t(trgm)
         WHERE c.isrow = 1
           AND NOT EXISTS (SELECT 1 FROM public.search_block_trgm p
                            WHERE p.list = %1$L AND p.trgm = t.trgm AND p.blk = c.blk)$q$,
        l.list, public.ccrm_search_block_bkey(l, 's', ''), public.ccrm_search_block_bkey(l, 'b', ''),
        l.bounds, public.ccrm_search_block_key(l, 'a', false),
        CASE TG_OP
            -- an update brings something new only where the search text or the place changed
            WHEN 'UPDATE' THEN
                format('changed a WHERE NOT EXISTS (SELECT 1 FROM previous a2 WHERE a2.id = a.id'
                       ' AND a2.search IS NOT DISTINCT FROM a.search AND (%s) = (%s))',
                       public.ccrm_search_block_key(l, 'a2', false),
                       public.ccrm_search_block_key(l, 'a', false))
            ELSE 'changed a'
        END);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ccrm_search_block_note() FROM PUBLIC;

DO $$
DECLARE
    l record;
BEGIN
    FOR l IN SELECT * FROM search_block_lists LOOP
        EXECUTE format('CREATE TRIGGER ccrm_search_block_insert AFTER INSERT ON %I'
                       ' REFERENCING NEW TABLE AS changed'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ccrm_search_block_note(%L)',
                       l.tbl, l.list);
        EXECUTE format('CREATE TRIGGER ccrm_search_block_update AFTER UPDATE ON %I'
                       ' REFERENCING OLD TABLE AS previous NEW TABLE AS changed'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ccrm_search_block_note(%L)',
                       l.tbl, l.list);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER ccrm_search_block_insert', l.tbl);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER ccrm_search_block_update', l.tbl);
    END LOOP;
END $$;

-- Cut the list's order into blocks anew and recompute their trigrams (owner only). Returns
-- the number of blocks.
CREATE FUNCTION ccrm_search_blocks_rebuild(p_list text) RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    l public.search_block_lists;
    v_n int;
BEGIN
    SELECT * INTO STRICT l FROM public.search_block_lists WHERE list = p_list;
    EXECUTE format('LOCK TABLE public.%I IN SHARE MODE', l.tbl);  -- no writer in between
    EXECUTE format('DELETE FROM public.%I', l.bounds);
    DELETE FROM public.search_block_trgm WHERE list = p_list;
    EXECUTE format($q$
        CREATE TEMP TABLE ccrm_blk ON COMMIT DROP AS
        SELECT a.search, ((row_number() OVER (ORDER BY %s) - 1) / %s)::int AS blk, %s
          FROM public.%I a$q$,
        public.ccrm_search_block_key(l, 'a', false), l.size,
        public.ccrm_search_block_key(l, 'a', true), l.tbl);
    EXECUTE format($q$
        INSERT INTO public.%I (blk, %s)
        SELECT DISTINCT ON (c.blk) c.blk, %s FROM ccrm_blk c ORDER BY c.blk, %s$q$,
        l.bounds, replace(public.ccrm_search_block_bkey(l, 'c', ''), 'c.', ''),
        public.ccrm_search_block_bkey(l, 'c', ''), public.ccrm_search_block_bkey(l, 'c', ''));
    GET DIAGNOSTICS v_n = ROW_COUNT;
    INSERT INTO public.search_block_trgm (list, trgm, blk)
    SELECT DISTINCT p_list, t.trgm, c.blk
      FROM ccrm_blk c, unnest(public.ccrm_block_trgms(c.search)) t(trgm);
    DROP TABLE ccrm_blk;
    RETURN v_n;
END
$$;
REVOKE ALL ON FUNCTION ccrm_search_blocks_rebuild(text) FROM PUBLIC;

-- Rebuild the lists whose last block holds more than 4 blocks' worth of rows (owner; run by
-- ccrm --migrate). Returns the lists rebuilt.
CREATE FUNCTION ccrm_search_blocks_refresh() RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    l public.search_block_lists;
    v_big boolean;
BEGIN
    FOR l IN SELECT * FROM public.search_block_lists ORDER BY list LOOP
        EXECUTE format($q$
            SELECT count(*) > 4 * %s FROM (SELECT 1 FROM public.%I a
             WHERE NOT EXISTS (SELECT 1 FROM public.%I b)
                OR (%s) >= (SELECT %s FROM public.%I b ORDER BY b.blk DESC LIMIT 1)
             LIMIT 4 * %s + 1) s$q$,
            l.size, l.tbl, l.bounds, public.ccrm_search_block_key(l, 'a', false),
            public.ccrm_search_block_bkey(l, 'b', ''), l.bounds, l.size) INTO v_big;
        IF v_big THEN
            PERFORM public.ccrm_search_blocks_rebuild(l.list);
            RETURN NEXT l.list;
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION ccrm_search_blocks_refresh() FROM PUBLIC;

-- Where can the matches of a search lie? For the user's text p_text (p_like: the LIKE
-- pattern it is searched with), in list p_list, walking from the row with key p_k1, p_k2,
-- p_id (NULL: from the start) ascending (p_asc) or descending: the blocks that contain every
-- trigram of the text, in walking order, each with the key of its first row (lo1, lo2, loid;
-- NULL for the first block: it also holds rows inserted before it since) and of the next
-- block's first row (hi...; NULL for the last block). usable is false (one row, no block) when
-- the blocks cannot tell: no trigram in the text, a partner, or rows matching through
-- another table; no row at all means nothing can match.
CREATE FUNCTION ccrm_search_blocks(p_list text, p_text text, p_like text, p_asc boolean,
                                   p_k1 text, p_k2 text, p_id bigint)
RETURNS TABLE (usable boolean, blk int, lo1 text, lo2 text, loid bigint, hi1 text, hi2 text,
               hiid bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    l public.search_block_lists;
    -- (explicit collations: the call's arguments may come with different ones, a name's ICU
    -- and a literal's default, and then the parameters have none)
    v_t text[] := public.ccrm_block_pattern_trgms(p_text COLLATE "C");
    v_w text COLLATE "C" := regexp_replace(public.ccrm_fold(p_text COLLATE "C"), '[^[:alnum:]]+',
                                           '0', 'g');
    v_pair text COLLATE "C";  -- one or two letters or digits typed: the LIKE prefix of trigrams
    v_other boolean := false;
    v_types text;
BEGIN
    IF NOT public.ccrm_is_internal() THEN  -- partners: no blocks (nor reading them)
        RETURN QUERY SELECT false, NULL::int, NULL::text, NULL::text, NULL::bigint, NULL::text,
                            NULL::text, NULL::bigint;
        RETURN;
    END IF;
    SELECT * INTO l FROM public.search_block_lists s WHERE s.list = p_list COLLATE "C";
    IF v_w ~ '^[a-z0-9]{1,2}$' THEN
        v_pair := v_w || '%';
    END IF;
    IF NOT FOUND OR (cardinality(v_t) = 0 AND v_pair IS NULL) THEN
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
    -- the type and collation of the first key column, for the row walked from
    SELECT format_type(a.atttypid, NULL)
           || CASE WHEN a.attcollation <> 0
                   THEN ' COLLATE ' || (SELECT quote_ident(c.collname) FROM pg_collation c
                                          WHERE c.oid = a.attcollation)
                   ELSE '' END
      INTO v_types
      FROM pg_attribute a
     WHERE a.attrelid = ('public.' || l.bounds)::regclass AND a.attname = 'k1';
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT p.blk FROM public.search_block_trgm p
             WHERE $7::text IS NULL AND p.list = $1 AND p.trgm = ANY ($2)
             GROUP BY p.blk HAVING count(DISTINCT p.trgm) = cardinality($2)
            UNION
            SELECT p.blk FROM public.search_block_trgm p
             WHERE $7::text IS NOT NULL AND p.list = $1 AND p.trgm LIKE $7),
        b AS (
            SELECT b.blk, b.blk = min(b.blk) OVER () AS first, b.k1 AS lo1, %1$s AS lo2,
                   b.id AS loid, lead(b.k1) OVER w AS hi1, lead(%1$s) OVER w AS hi2,
                   lead(b.id) OVER w AS hiid
              FROM public.%2$I b WINDOW w AS (ORDER BY b.blk))
        SELECT true, c.blk,
               CASE WHEN b.first THEN NULL ELSE b.lo1::text END,
               CASE WHEN b.first THEN NULL ELSE b.lo2::text END,
               CASE WHEN b.first THEN NULL ELSE b.loid END,
               b.hi1::text, b.hi2::text, b.hiid
          FROM c LEFT JOIN b ON b.blk = c.blk
         WHERE $6::bigint IS NULL OR b.blk IS NULL
            OR CASE WHEN $3 THEN b.hiid IS NULL OR ROW(%3$s) < ROW(b.hi1, %4$s b.hiid)
                    ELSE b.first OR ROW(%3$s) >= ROW(b.lo1, %5$s b.loid) END
         ORDER BY CASE WHEN $3 THEN c.blk END, c.blk DESC$q$,
        CASE WHEN l.k2 IS NULL THEN 'NULL::text' ELSE 'b.k2' END, l.bounds,
        format('$4::%s, %s$6::bigint', v_types,
               CASE WHEN l.k2 IS NULL THEN '' ELSE format('$5::%s, ', v_types) END),
        CASE WHEN l.k2 IS NULL THEN '' ELSE 'b.hi2,' END,
        CASE WHEN l.k2 IS NULL THEN '' ELSE 'b.lo2,' END)
    USING p_list, v_t, p_asc, p_k1, p_k2, p_id, v_pair;
END
$$;

SELECT ccrm_search_blocks_rebuild(list) FROM search_block_lists ORDER BY list;
