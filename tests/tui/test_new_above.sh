#!/usr/bin/env bash
# A live list scrolled down says how many rows arrived above it instead of shifting silently
# (issue 12, item 8): Tickets by last change, scrolled two pages down; three new tickets arrive
# through psql. The rows on screen stay, the status bar says "3 new above (g)", g shows them
# at the top and the note goes.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_new_above.sh path/to/ccrm}

pg_start_demo "$CCRM" 200
tui_start 140 24 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by updated" 10 >/dev/null
keys NPage
keys NPage
sleep 0.5 # (the screen is read below; the checks wait for what they expect)
first=$(screen | sed -n 3p | cut -c1-6)
check "the list is scrolled down (first row $first)" test -n "$first"
psqlc -c "insert into tickets (subject, status) select 'Newabove ' || g, 'new' from generate_series(1, 3) g" >/dev/null
check "the status bar says how many arrived above" wait_for "3 new above (g)" 10
check "the rows on screen stayed" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | sed -n 3p | grep -qF -- '$first'"
keys g
check "g shows them at the top" wait_for "Newabove 3" 10
check "... and the note goes" wait_gone "new above" 5
keys q
tui_stop
done_testing
