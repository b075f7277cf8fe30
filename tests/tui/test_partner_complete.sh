#!/usr/bin/env bash
# Tab completion offers a partner only the sort orders the `?` help lists for him: the Tickets'
# "left" (least SLA time left first) reads the SLA clocks, which are not a partner's business,
# and :sort left is refused to him; Tab completed "l" to it before. An internal user is still
# offered it, and it sorts.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_partner_complete.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
ROWS=30
export -f screen tmx bottom
export TMUX_SOCK ROWS TEST_TMP

tui_start 120 $ROWS "$CCRM" -d "$DB user=paul" --view tickets
check "the partner's Tickets list opens" wait_for "Tickets by" 15
keys ?
check "the help's sort orders leave out left" wait_for "sort orders: updated, newest, priority, age" 5
keys q
wait_gone "sort orders:" 5 >/dev/null
keys : "sort l" Tab
check "Tab after :sort l has nothing for a partner" wait_for "no completions" 5
keys Escape
wait_bottom '^ *$' >/dev/null
keys : "sort " Tab
check "Tab after :sort lists the partner's orders" wait_for "age  newest  priority  updated" 5
check "... and not left" bash -c '! screen | grep -q "priority  updated  left\|newest  left\|age  left\| left  "'
keys Escape
keys q
tui_stop

tui_start 120 $ROWS "$CCRM" -d "$DB user=sofia" --view tickets
check "sofia's Tickets list opens" wait_for "Tickets by" 15
keys : "sort l" Tab
check "Tab completes :sort l to left for support" wait_bottom '^:sort left *$'
keys Enter
check ":sort left sorts the list" wait_for "Tickets by left"
keys q
tui_stop
done_testing
