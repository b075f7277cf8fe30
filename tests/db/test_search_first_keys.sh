#!/usr/bin/env bash
# Where a block's matches can begin (schema/077): each (block, trigram) pair keeps the key of a
# row at or before the block's first row with that trigram, and ccrm_search_blocks() starts
# the block's walk at the latest of those keys over the text's trigrams. Checked for a list
# ordered by name (accounts, an ICU collation) and one by time (leads, descending): no match
# of a named block lies before where its walk begins, after the cut, after writes filed later
# (by a session with other date settings than the reader's), with rows queued and not filed
# (their blocks start at the first row), with keys unknown (pairs filed before 077: the block's
# first row, and ccrm --migrate cuts them again); and the start is close: a rare word late in
# a block begins less than 200 rows before its first match.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_first_keys.sh path/to/ccrm}

pg_start_migrated "$CCRM"

psqlc >/dev/null <<'SQL'
INSERT INTO accounts (name) SELECT 'Filler ' || lpad(i::text, 5, '0') FROM generate_series(1, 3000) i;
-- a rare name late in a block (blocks of 500 below: "Filler 00900" ... are the third block)
INSERT INTO accounts (name) VALUES ('Filler 00950 Zebra Wharf'), ('Filler 00951 Zebra Wharf'),
    ('Filler 02950 Zebra Wharf'), ('Filler 01420 Kudu Lane');
INSERT INTO leads (first_name, last_name, company)
SELECT 'Lead', 'Person ' || i, 'Filler Co ' || i FROM generate_series(1, 3000) i;
UPDATE leads SET company = 'Okapi Trading' WHERE id IN (SELECT id FROM leads ORDER BY id LIMIT 3 OFFSET 1700);
UPDATE search_block_lists SET size = 500 WHERE list = 'accounts_name';
UPDATE search_block_lists SET size = 100 WHERE list = 'leads_updated';  -- 30 blocks
SELECT ccrm_search_blocks_rebuild(list) FROM search_block_lists;
CREATE TABLE pats (p text);
INSERT INTO pats VALUES ('zebra'), ('zebra wharf'), ('wharf'), ('kudu'), ('okapi'), ('okapi tr'),
    ('filler 01'), ('ler 009'), ('00950'), ('person 17'), ('co 2'), ('zzz');
SQL

# wrong LIST TABLE KEY TYPE DIR: the patterns (of pats) with a match before where the walk of
# its block begins, asked in a session whose dates read otherwise than the writers'
wrong() {
    psqlc -c "set datestyle = 'SQL, MDY'" -c "set timezone = 'America/St_Johns'" -c "
        with rb as materialized (
            select a.search, ROW($3) as k,
                   coalesce((select b.blk from search_blocks_$1 b where ROW(b.k1, b.id) <= ROW($3)
                              order by b.blk desc limit 1), 0) as blk from $2 a)
        select coalesce(string_agg(distinct p.p, ' | '), '') from pats p,
               ccrm_search_blocks('$1', p.p, '%' || ccrm_fold(p.p) || '%', $5, null, null, null) c,
               rb
         where c.usable and rb.blk = c.blk and strpos(rb.search, ccrm_fold(p.p)) > 0
           and c.loid is not null and rb.k < ROW(c.lo1::$4, c.loid)"
}
# ahead LIST TABLE KEY TYPE DIR PATTERN: how many rows of the list lie from where the walk of the
# pattern's first block begins to its first match there (ascending lists)
ahead() {
    q "select count(*) from $2 a,
               (select c.lo1, c.loid from ccrm_search_blocks('$1', '$6', '%' || ccrm_fold('$6') || '%',
                                                             $5, null, null, null) c
                 order by c.blk limit 1) c,
               (select ROW($3) as r from $2 a where a.search like '%' || ccrm_fold('$6') || '%'
                 order by $3 limit 1) f
        where ROW($3) >= ROW(c.lo1::$4, c.loid) and ROW($3) < f.r"
}
# first LIST PATTERN: where the walk of the pattern's first block begins, and that block's row
first() {
    q "select coalesce(c.lo1, '-') || '|' || coalesce(c.loid::text, '-') || '|' || coalesce(b.k1::text, '-')
         from ccrm_search_blocks('$1', '$2', '%' || ccrm_fold('$2') || '%', true, null, null, null) c
         left join search_blocks_$1 b on b.blk = c.blk order by c.blk limit 1"
}
all_right() {
    local w
    w=$(wrong accounts_name accounts "a.name, a.id" 'text COLLATE "und-x-icu"' true)
    check "$1: accounts: no match before where its block's walk begins (wrong: ${w:-none})" test -z "$w"
    w=$(wrong leads_updated leads "a.updated_at, a.id" timestamptz false)
    check "$1: leads: no match before where its block's walk begins (wrong: ${w:-none})" test -z "$w"
}

check "every pair has its first key after the cut" \
    test "$(q "select count(*) from search_block_trgm where kid is null")" = 0
all_right "after the cut"
n=$(ahead accounts_name accounts "a.name, a.id" 'text COLLATE "und-x-icu"' true 'zebra wharf')
check "a rare word late in its block: its walk begins $n rows before its first match (< 200)" \
    test "$n" -lt 200
IFS='|' read -r lo1 loid bk1 <<<"$(first accounts_name 'kudu')"
check "... after its block's first row ($lo1 after $bk1)" test "$lo1" '>' "$bk1"
n=$(ahead accounts_name accounts "a.name, a.id" 'text COLLATE "und-x-icu"' true 'kudu')
check "... and close to it ($n rows)" test "$n" -lt 200
check "a word the blocks name more than 24 of: walked from the blocks' first rows" \
    test "$(q "select count(*) || ' ' || count(*) filter (where c.loid is distinct from b.id)
                 from ccrm_search_blocks('leads_updated', 'person', '%person%', false, null, null, null) c
                 join search_blocks_leads_updated b on b.blk = c.blk where c.blk > 0")" = "29 0"

# writes filed later, by a session whose dates read otherwise: an earlier Zebra, a lead moved
# to the top of the order of last change
q "select ccrm_search_blocks_flush()" >/dev/null
psqlc -c "set datestyle = 'German, DMY'" -c "set timezone = 'Pacific/Chatham'" \
    -c "insert into accounts (name) values ('Filler 00612 Zebra Wharf Early')" \
    -c "update leads set company = 'Okapi Moved' where id = (select min(id) from leads)" \
    -c "select ccrm_search_blocks_flush()" >/dev/null
all_right "after writes filed by a session with other date settings"
n=$(ahead accounts_name accounts "a.name, a.id" 'text COLLATE "und-x-icu"' true 'zebra wharf')
check "the earlier Zebra moved its block's start before it (and close: $n rows)" test "$n" -lt 200
check "pairs of a block are not filed again for a later row" \
    test "$(q "select count(*) from search_block_trgm where list = 'accounts_name' group by trgm, blk order by 1 desc limit 1")" -le 2

# rows queued and not filed: their blocks are walked from the first row
q "select setval('search_block_pending_seq_seq', (last_value / 256 + 1) * 256) from search_block_pending_seq_seq" >/dev/null
q "insert into accounts (name) values ('Filler 00520 Zebra Wharf Queued')" >/dev/null
check "the row is queued" test "$(q "select count(*) from search_block_pending where list = 'accounts_name'")" -ge 1
all_right "with a row queued"
IFS='|' read -r lo1 loid bk1 <<<"$(first accounts_name 'zebra wharf')"
check "a block with a queued match begins at its first row ($lo1 = $bk1)" test "$lo1" = "$bk1"
check "... and the queued row is found by the walk from there" \
    test "$(q "select count(*) from accounts where name >= '$lo1' collate \"und-x-icu\" and search like '%zebra wharf queued%'")" = 1
q "select ccrm_search_blocks_flush()" >/dev/null
all_right "after filing the queue"

# keys unknown (pairs filed before 077): the block's first row; --migrate cuts again
q "update search_block_trgm set k1 = null, k2 = null, kid = null where list = 'accounts_name'" >/dev/null
all_right "with keys unknown"
IFS='|' read -r lo1 loid bk1 <<<"$(first accounts_name 'kudu')"
check "a block of unknown keys begins at its first row ($lo1 = $bk1)" test "$lo1" = "$bk1"
out=$("$CCRM" -d "$PG_CONN" --migrate 2>&1)
check "ccrm --migrate cuts the list of unknown keys again ($out)" \
    grep -q "search blocks of accounts_name cut again" <<<"$out"
check "... after which every pair has its first key" \
    test "$(q "select count(*) from search_block_trgm where kid is null")" = 0
all_right "after ccrm --migrate"
IFS='|' read -r lo1 loid bk1 <<<"$(first accounts_name 'kudu')"
check "... and the walk begins close to the match again ($lo1 after $bk1)" test "$lo1" '>' "$bk1"

done_testing
