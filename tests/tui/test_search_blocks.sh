#!/usr/bin/env bash
# Search through the blocks of schema/013 in the full-screen client, checked against plain
# SQL, in an order by name (Campaigns) and in an order by last change, newest first (Leads):
# for patterns that take each road through block_search() in src/db/list.c (matches in one
# block far down the list, in blocks at both ends, spread over every block, one and two
# letters, a trigram no row has, a text whose trigrams occur only apart, blocks grown past a
# window, the rest collected after a few blocks), the first screen starts at the first match, PgDn shows every match in order
# without a gap, G ends at the last and PgUp goes back to the first; rows written while the
# search is shown (inserted, edited to the top) are found. Blocks of 100 rows and windows of 30 (instead of
# 10,000 and 12,000) make a few thousand rows reach every step.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_blocks.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
psqlc >/dev/null <<'SQL'
INSERT INTO campaigns (name, status)
SELECT (ARRAY['Autumn fair ', 'Brochure ', 'Mailing ', 'Webinar '])[1 + i % 4] || i, 'planned'
  FROM generate_series(1, 2400) i;
-- one word in a cluster far down (Zeppelin) and in two stretches at both ends
INSERT INTO campaigns (name, status)
SELECT 'Zeppelin Qzx ' || i, 'active' FROM generate_series(1, 45) i
UNION ALL SELECT 'Aachen Qzx ' || i, 'active' FROM generate_series(1, 25) i;
INSERT INTO leads (first_name, last_name, company, status)
SELECT 'Lead', 'Person ' || i, 'Company ' || (i % 50), 'new' FROM generate_series(1, 2500) i;
UPDATE search_block_lists SET size = 100;
SELECT ccrm_search_blocks_rebuild(list) FROM search_block_lists;
-- rows added after the cut: at the top of the leads (last block), among the campaigns
INSERT INTO leads (first_name, last_name, company, status)
SELECT 'Late', 'Person ' || i, 'Company 7', 'new' FROM generate_series(1, 150) i;
INSERT INTO campaigns (name, status) SELECT 'Mailing Late ' || i, 'planned' FROM generate_series(1, 150) i;
SQL

mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
trace=$TEST_TMP/trace
: >"$trace"
VISIBLE_COLS=30 # the names on screen (tests/lib/tui.sh: visible)
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 "$CCRM" -d "$PG_CONN" --view campaigns
check "first paint (campaigns)" wait_for "Campaigns by name"
EXPECT="select name from campaigns where strpos(search, ccrm_fold('%s')) > 0 order by name, id"
walk zeppelin "one cluster far down"
walk qzx "two stretches at both ends"
walk "mailing 1" "spread over many blocks"
walk "late" "rows added after the cut"
walk ze "two letters"
walk q "one letter"
walk qqqz "a trigram no campaign has"
walk "fair 9" "trigrams apart in most blocks"
# the rest collected with the trigram index after two blocks' worth of windows
keys Escape q
wait_exit
tui_stop
: >"$trace"
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 CCRM_BLOCK_WALK_MAX=2 "$CCRM" \
    -d "$PG_CONN" --view campaigns
check "first paint (campaigns, collecting after two blocks)" wait_for "Campaigns by name"
walk qzx "collected: two stretches at both ends"
walk "mailing 1" "collected: spread over many blocks"
walk "late" "collected: rows added after the cut"
# live: a campaign inserted into the search shown appears
walk zeppelin "again"
press g
psqlc -c "insert into campaigns (name, status) values ('Zeppelin Aaa first', 'active')"
check "an inserted campaign that matches appears" wait_for "Zeppelin Aaa first"
keys Escape q
wait_exit
check "quits cleanly (campaigns)" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
tui_stop

: >"$trace"
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 "$CCRM" -d "$PG_CONN" --view leads
check "first paint (leads)" wait_for "Leads by updated"
EXPECT="select concat_ws(' ', first_name, last_name) from leads
         where strpos(search, ccrm_fold('%s')) > 0 order by updated_at desc, id desc"
walk "person 12" "a cluster far down, newest first"
walk "person 1" "spread"
walk "late person" "the last block, grown after the cut"
walk "on 2" "across a word boundary"
walk pe "two letters"
# a lead edited moves to the top: found there (its old block keeps its trigrams)
psqlc -c "update leads set last_name = 'Person 12 edited' where last_name = 'Person 1200'"
walk "person 12" "after an edit moved one to the top"
check "the edited lead is first" test "$(sed -n 1p "$TEST_TMP/exp")" = "Lead Person 12 edited"
keys Escape q
wait_exit
check "quits cleanly (leads)" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
done_testing
