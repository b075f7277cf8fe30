#!/usr/bin/env bash
# The Reports view's f and t (the window's start and end): a date refused (no such day, or a
# start not before the end) is said and its line closes, as any refusal; the next f or t offers
# what was typed, to correct (it offered the window in force, the date typed gone). Esc leaves
# the window as it was and forgets the date refused. At 80x24.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reports_window_kept.sh path/to/ccrm}
ROWS=24

pg_start_demo "$CCRM" 10
bottom_is() { wait_until -t 10 bash -c "$(declare -f screen tmx bottom); TMUX_SOCK=$TMUX_SOCK ROWS=$ROWS; [ \"\$(bottom | sed 's/ *\$//')\" = \"\$1\" ]" _ "$1" || { echo "--- bottom: '$(bottom)'" >&2; return 1; }; }

tui_start 80 24 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=marco"
check "marketing starts" wait_for " online " 15
prompt "reports pipeline"
check "the Reports view" wait_for "Report Pipeline" 15
keys f
check "f asks for the start" bottom_is "from (YYYY-MM-DD; empty: the report's own):"
keys -l "2031-02-30"
keys Enter
check "a day that is not one is refused" wait_for "could not set the window: there is no 30 February 2031"
check "... its line closed" wait_until bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^from (')"
keys f
check "... and the next f offers it again" bottom_is "from (YYYY-MM-DD; empty: the report's own): 2031-02-30"
keys BSpace BSpace
keys -l "28"
keys Enter
check "corrected, the window is set" wait_for "Report Pipeline · from 2031-02-28"
keys t
check "t asks for the end" bottom_is "to, before (YYYY-MM-DD; empty: the report's own):"
keys -l "2031-01-01"
keys Enter
check "an end before the start is refused" wait_for "could not set the window: from 2031-02-28 is not before to 2031-01-01"
keys t
check "... the next t offers it again" bottom_is "to, before (YYYY-MM-DD; empty: the report's own): 2031-01-01"
keys Escape
check "Esc: the window as it was" wait_for "Report Pipeline · from 2031-02-28"
check "... the line closed" wait_until bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^to, before')"
keys t
check "... and the date refused forgotten: t offers the report's own end" \
    bottom_is "to, before (YYYY-MM-DD; empty: the report's own):"
keys Escape
keys q q
tui_stop
done_testing
