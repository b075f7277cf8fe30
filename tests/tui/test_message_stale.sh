#!/usr/bin/env bash
# A message that is no longer true goes when the next line is taken: a refused filter's error
# stays above the input while the next filter is typed, and goes once that filter is applied
# (it used to stay its full 6 s and more, under a list that the good filter had filtered).
# Likewise a Tab's "no completions" goes when the next Tab completes.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_message_stale.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
ROWS=40 # the screen's height, for wait_bottom
tui_start 140 $ROWS "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "the Tickets list opens" wait_for "Tickets by" 15

ERR='filter status: "opn" is refused'
keys f
check "the filter's input opens" wait_bottom '^filter:'
keys 'status=opn' Enter
check "a wrong value is refused" wait_for "$ERR"
keys f
check "the error stays above the next filter's input" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF '$ERR' &&
             tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^filter:'"
keys C-u 'status=open' Enter
check "the good filter is applied" wait_for "filter status=open" 5
check "...and the error about the other one is gone at once" wait_gone "$ERR" 2

keys :
check "the command line opens" wait_bottom '^:'
keys 'zzqq' Tab
check "Tab with nothing to complete says so" wait_for "no completions" 5
keys C-u 'vie' Tab
check "a Tab that completes takes that message away" wait_gone "no completions" 2
check "...and completes" wait_bottom '^:view'
keys Escape
keys q
check "clean exit" test "$(pane_status)" = 0
done_testing
