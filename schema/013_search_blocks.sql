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

-- ccrm_block_trgms(): schema/functions/80_search.sql
-- ccrm_block_pattern_trgms(): schema/functions/80_search.sql
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

-- ccrm_search_block_key(): schema/functions/80_search.sql
-- ccrm_search_block_bkey(): schema/functions/80_search.sql
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

-- ccrm_search_block_note(): schema/functions/80_search.sql

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

-- ccrm_search_blocks_rebuild(): schema/functions/80_search.sql

-- ccrm_search_blocks_refresh(): schema/functions/80_search.sql

-- ccrm_search_blocks(): schema/functions/80_search.sql
SELECT ccrm_search_blocks_rebuild(list) FROM search_block_lists ORDER BY list;
