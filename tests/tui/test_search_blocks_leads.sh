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
# This part: the Leads list, newest first, and a lead edited to the top.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_blocks_leads.sh path/to/ccrm}
. "$(dirname "$0")/../lib/search_blocks.sh"

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
