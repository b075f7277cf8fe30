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
# This part: the Campaigns list, each road through block_search(). The rest:
# test_search_blocks_collected.sh and test_search_blocks_leads.sh.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_blocks.sh path/to/ccrm}
. "$(dirname "$0")/../lib/search_blocks.sh"

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
check "quits cleanly (campaigns)" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
tui_stop
done_testing
