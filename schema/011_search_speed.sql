-- Search speed: where in the name order can the matches of a search be?
--
-- Retired by 016_search_accounts_lead_phone.sql, which drops everything below: Accounts search
-- through search blocks (013) like every other list. Its functions are defined here, not in
-- schema/functions/ (which holds the current ones), because only this migration uses them.
--
-- A search lists the accounts whose folded `search` column contains the folded pattern, in name
-- order (src/db/list.c). Walking the name index and filtering is cheap per row (an index-only
-- scan), but when all matches sit far down the list the walk first crosses every row before
-- them, and collecting the matches with the trigram index instead costs a heap visit per match
-- (about 70 ms for 20,000 matches at 1,000,000 accounts). This table tells the walk where to
-- start and where to stop: for every trigram (three letters or digits in a row) that occurs in
-- some account's search column, the lowest and the highest name among those accounts.
--
-- Every match of a pattern contains every trigram of the pattern, so its name lies between the
-- highest low and the lowest high of those trigrams; a trigram without a row means that nothing
-- can match. That holds as long as every account is covered: the statement-level triggers below
-- add a row for each trigram whose committed range a written account falls outside of (they
-- fire even with session_replication_role = replica, as the demo loader uses). They only ever
-- INSERT, into a table without a unique key, so no writer waits for another one (an upsert
-- would make every account insert wait for any open transaction that widened the same
-- trigram, an import for instance); a trigram's range is the min and max over its rows, and
-- there are few: a row is added only for a new lowest or highest name. Deleting or renaming
-- accounts never narrows a range; the bounds only stay wider than needed, which costs walking,
-- never results. ccrm_account_trgm_rebuild() recomputes the table from the accounts, one row
-- per trigram (for instance after a bulk load with the triggers disabled, or after an ICU
-- upgrade changed the order, when the name index must be rebuilt too).
--
-- Trigrams here are plain 3-character windows of runs of [a-z0-9] in folded text, computed the
-- same way on both sides (ccrm_trgms): any window of the folded pattern made of three such
-- characters appears in every search column that contains the pattern. Other characters
-- (accented letters that unaccent keeps, CJK, punctuation) only separate runs, so a pattern
-- without such a window gets no bounds and is searched as before.

-- the trigrams of already folded text
CREATE FUNCTION ccrm_trgms(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT coalesce(array_agg(DISTINCT substr(w, i, 3)), '{}')
      FROM regexp_split_to_table($1, '[^a-z0-9]+') w, generate_series(1, length(w) - 2) i
$$;

CREATE TABLE account_trgm_range (
    trgm text COLLATE "C" NOT NULL,
    lo   text COLLATE "und-x-icu" NOT NULL,  -- an account name whose search has trgm: the lowest
    hi   text COLLATE "und-x-icu" NOT NULL   -- the highest (over all rows of trgm)
);
CREATE INDEX account_trgm_range_idx ON account_trgm_range (trgm) INCLUDE (lo, hi);

-- It holds account names, so it is protected like accounts: internal users read it, partners
-- do not (they get no bounds and search only what their policies show them).
ALTER TABLE account_trgm_range ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_trgm_range FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON account_trgm_range TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'account_trgm_range'::regclass));
END $$;
CREATE POLICY internal_read ON account_trgm_range FOR SELECT TO ccrm_internal USING (true);
GRANT SELECT ON account_trgm_range TO ccrm_internal;

-- Cover the accounts in the transition table "changed" (one statement's inserts or updates).
-- Set-based: a bulk insert of a million accounts costs a few seconds; for ordinary names every
-- trigram is covered already and nothing is written.
CREATE FUNCTION ccrm_account_trgm_note() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    -- an update brings something new only where the name or the search text changed
    EXECUTE format($q$
        INSERT INTO public.account_trgm_range (trgm, lo, hi)
        SELECT g.trgm, g.lo, g.hi
          FROM (SELECT substr(w.word, i, 3) AS trgm, min(w.lo) AS lo, max(w.hi) AS hi
                  FROM (SELECT x.word, min(c.name) AS lo, max(c.name) AS hi
                          FROM %s, regexp_split_to_table(c.search, '[^a-z0-9]+') x(word)
                         WHERE length(x.word) >= 3
                         GROUP BY x.word) w,
                       generate_series(1, length(w.word) - 2) i
                 GROUP BY 1) g
         WHERE NOT EXISTS (SELECT 1 FROM public.account_trgm_range o
                            WHERE o.trgm = g.trgm
                           HAVING min(o.lo) <= g.lo AND max(o.hi) >= g.hi)$q$,
        CASE TG_OP
            WHEN 'UPDATE' THEN
                '(SELECT n.name, n.search FROM changed n WHERE NOT EXISTS ('
                ' SELECT 1 FROM previous p WHERE p.id = n.id AND p.name = n.name'
                ' AND p.search = n.search)) c'
            ELSE 'changed c'
        END);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ccrm_account_trgm_note() FROM PUBLIC;

CREATE TRIGGER ccrm_account_trgm_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_account_trgm_note();
CREATE TRIGGER ccrm_account_trgm_update AFTER UPDATE ON accounts
    REFERENCING OLD TABLE AS previous NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_account_trgm_note();
-- also under session_replication_role = replica (bulk loads): the bounds must cover every row
ALTER TABLE accounts ENABLE ALWAYS TRIGGER ccrm_account_trgm_insert;
ALTER TABLE accounts ENABLE ALWAYS TRIGGER ccrm_account_trgm_update;

-- Recompute every range from the accounts as they are now (owner only).
CREATE FUNCTION ccrm_account_trgm_rebuild() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_n bigint;
BEGIN
    LOCK TABLE public.accounts IN SHARE MODE;  -- no writer in between
    DELETE FROM public.account_trgm_range;
    INSERT INTO public.account_trgm_range (trgm, lo, hi)
    SELECT substr(w.word, i, 3), min(w.lo), max(w.hi)
      FROM (SELECT x.word, min(a.name) AS lo, max(a.name) AS hi
              FROM public.accounts a, regexp_split_to_table(a.search, '[^a-z0-9]+') x(word)
             WHERE length(x.word) >= 3
             GROUP BY x.word) w,
           generate_series(1, length(w.word) - 2) i
     GROUP BY 1;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
REVOKE ALL ON FUNCTION ccrm_account_trgm_rebuild() FROM PUBLIC;

SELECT ccrm_account_trgm_rebuild();

-- The bounds for a search pattern (the user's text, not yet folded): lo and hi are NULL when
-- the pattern has no trigram or the caller is not internal (no bounds: search everything);
-- nothing is true when some trigram of the pattern occurs in no account at all.
CREATE FUNCTION ccrm_account_search_range(p_text text, OUT lo text, OUT hi text,
                                          OUT nothing boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_t text[] := public.ccrm_trgms(public.ccrm_fold(p_text));
    v_n int;
BEGIN
    nothing := false;
    IF v_t IS NULL OR cardinality(v_t) = 0 OR NOT public.ccrm_is_internal() THEN
        RETURN;
    END IF;
    SELECT count(*), max(r.lo), min(r.hi) INTO v_n, lo, hi
      FROM (SELECT min(t.lo) AS lo, max(t.hi) AS hi
              FROM public.account_trgm_range t
             WHERE t.trgm = ANY (v_t)
             GROUP BY t.trgm) r;
    IF v_n < cardinality(v_t) THEN
        nothing := true;
        lo := NULL;
        hi := NULL;
    END IF;
END
$$;
