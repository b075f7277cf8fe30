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
top=$(screen | sed -n 3p)
keys NPage
keys NPage
# scrolled: the first row is another one, and stays it (both page turns are drawn)
scrolled() {
    local a b
    a=$(screen | sed -n 3p)
    sleep 0.3
    b=$(screen | sed -n 3p)
    [ -n "$a" ] && [ "$a" != "$top" ] && [ "$a" = "$b" ]
}
check "the list is scrolled down" wait_until -t 10 scrolled
first=$(screen | sed -n 3p | cut -c1-6)
check "... (first row $first)" test -n "$first"
psqlc -c "insert into tickets (subject, status) select 'Newabove ' || g, 'new' from generate_series(1, 3) g" >/dev/null
check "the status bar says how many arrived above" wait_for "3 new above (g)" 10
check "the rows on screen stayed" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | sed -n 3p | grep -qF -- '$first'"
keys g
check "g shows them at the top" wait_for "Newabove 3" 10
check "... and the note goes" wait_gone "new above" 5
keys q
tui_stop

# the Feed too: its rows are the events; scrolled down, new ones are counted above
tui_start 140 24 "$CCRM" -d "$PG_CONN user=sofia" --view feed
wait_for "Feed by newest" 10 >/dev/null
top=$(screen | sed -n 3p)
keys NPage
keys NPage
check "the Feed is scrolled down" wait_until -t 10 scrolled
psqlc -c "insert into accounts (name) values ('Feedabove one'); insert into accounts (name) values ('Feedabove two')" >/dev/null
check "the status bar says how many events arrived above" wait_for "2 new above (g)" 10
keys g
check "g shows them at the top" wait_for "Feedabove two" 10
keys q
tui_stop
done_testing
