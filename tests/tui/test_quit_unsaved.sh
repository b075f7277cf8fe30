#!/usr/bin/env bash
# Quitting never loses a form's unsaved input unasked (a normal quit keeps no draft: only a
# signal or a crash does). With nothing unsaved, q, :q and Ctrl-C at the top quit at once, as
# every other test relies on. With a deal's form open and typed into, q and : are text in it,
# Ctrl-C asks "discard your changes?", and n keeps the form: no key quits past it. Quitting
# itself (ui_quit: q and Ctrl-C at the top, :quit) asks "quit and lose the unsaved form?
# (y/n)" when a form under the view shown has unsaved input. At 80x24.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_quit_unsaved.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
ROWS=24
alive() { sleep 0.5; ! pane_dead; }
start() { tui_start 80 24 "$CCRM" -d "$DB user=sam" && wait_for " online " 15; }

# ---- nothing unsaved: at once ----
check "sam's client" start
keys q
check "q at the top with nothing unsaved quits at once" wait_exit
check "... with status 0" test "$(pane_status)" = 0
tmx kill-server
check "again" start
prompt "q"
check ":q with nothing unsaved quits at once" wait_exit
tmx kill-server
check "again" start
keys C-c
check "Ctrl-C at the top with nothing unsaved quits at once" wait_exit
tmx kill-server

# ---- a form with unsaved input: no key quits past it ----
check "again" start
prompt "new deal"
check "the deal's form opens" wait_for "New deal"
keys -l "Quitprobe"
check "typed into" wait_for "Quitprobe"
keys q
check "q is text in the form" wait_for "Quitprobeq"
check "... the client still runs" alive
keys -l ":q"
check ": and q are text too" wait_for "Quitprobeq:q"
keys Enter
check "... Enter moves on to the next field" alive
keys C-c
check "Ctrl-C asks before discarding" wait_for "discard your changes? y/n"
keys n
check "n keeps the form" wait_for "Quitprobeq:q"
check "... the client still runs" alive
keys Escape
wait_for "discard your changes? y/n" || fail "Esc asks too"
keys y
check "y discards it" wait_for "changes discarded"
keys q
check "then q quits at once" wait_exit
done_testing
