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
# This part: the Campaigns list when the rest is collected after two blocks, and a
# campaign inserted into the search shown.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_blocks_collected.sh path/to/ccrm}
. "$(dirname "$0")/../lib/search_blocks.sh"

EXPECT="select name from campaigns where strpos(search, ccrm_fold('%s')) > 0 order by name, id"
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
done_testing
