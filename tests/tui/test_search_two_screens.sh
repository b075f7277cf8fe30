#!/usr/bin/env bash
# A search reads two screens of matches, not a whole page (src/ui/view_list.c, load_edge): a
# search runs at every keystroke, and reading 200 matches where a screen shows 20 was most of
# a keystroke's time. What must still hold: the rows past those two screens come as the cursor
# moves (j and PgDn through the matches, in order, none skipped or repeated), and a terminal
# made taller after the search shows a full screen of matches, not the two screens of the
# smaller one with blank lines under them.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_search_two_screens.sh path/to/ccrm}

pg_start_demo "$CCRM" 300
word=a
total=$(q "select count(*) from accounts where search like ccrm_fold('%$word%')")
check "the demo has more than 120 accounts matching \"$word\" ($total)" test "$total" -gt 120
# the n-th match (from 0), as its row begins on screen
match_at() { q "select left(name, 18) from accounts where search like ccrm_fold('%$word%') order by name, id offset $1 limit 1"; }
# screen line LINE (from 1) holds TEXT
line_has() { [[ $(screen | sed -n "$1p") == *"$2"* ]]; }
line_is() { wait_until -t 10 line_has "$1" "$2" || { echo "--- line $1 is not \"$2\":" >&2; screen >&2; return 1; }; }

# 24 lines: tab bar, header, 20 rows, status, message line
tui_start 100 24 "$CCRM" -d "$PG_CONN" --view accounts
check "the Accounts list" wait_for "Accounts by name"
keys /
check "/ opens the search line" wait_for "search:"
keys "$word" Enter
check "the search is on" wait_for "search \"$word\""
check "the first match on the first row" line_is 3 "$(match_at 0)"
keys NPage NPage NPage
check "three PgDn: the 61st match at the top (past the two screens first read)" \
    line_is 3 "$(match_at 60)"
check "... and the 80th at the bottom" line_is 22 "$(match_at 79)"
keys NPage NPage
check "two more: the 101st at the top" line_is 3 "$(match_at 100)"
keys PPage PPage PPage PPage PPage
check "five PgUp: back at the first match" line_is 3 "$(match_at 0)"
for _ in $(seq 45); do keys j; done
check "45 j: the list has scrolled to the 46th match, on the last row" line_is 22 "$(match_at 45)"
keys g
check "g: the first match again" line_is 3 "$(match_at 0)"

# a new search (it reads two screens of 20 rows), then a taller terminal: 56 rows
keys Escape
check "Esc clears the search" wait_gone "search \"$word\""
keys /
wait_for "search:" >/dev/null
keys "$word" Enter
check "the search again" wait_for "search \"$word\""
check "its first match on the first row" line_is 3 "$(match_at 0)"
tmx resize-window -t =t: -x 100 -y 60
check "60 lines: the 56th match on the last row, no blank lines" line_is 58 "$(match_at 55)"
keys NPage
check "PgDn there: the 57th at the top" line_is 3 "$(match_at 56)"
keys q
prompt "quit"
wait_exit || fail "quit"
tui_stop
done_testing
