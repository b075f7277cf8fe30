#!/usr/bin/env bash
# `scripts/demo --two`'s panes (scripts/two-panes, the same tmux setup, run here against a
# test cluster instead of the demo's private one): two clients side by side; when one ends its
# pane stays open and says how, so an unexpected exit cannot go unnoticed (issue 14, bug 2: a
# client vanished from a zoomed pane). A client that quits says status 0; one killed by SIGSEGV
# says 139 and the signal, under ccrm's own line naming its crash report (written under
# $XDG_STATE_HOME/ccrm); Enter then closes each pane (also the crashed one, whose ccrm left
# the terminal raw: Enter did not end the pane's read until the pane made the terminal sane).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_two_panes.sh path/to/ccrm}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

pg_start_demo "$CCRM" 30
state=$XDG_STATE_HOME

# the script runs in the test's tmux server (its pane has $TMUX): it opens a window of two panes,
# with the demo's letterhead as `scripts/demo --two` gives it (a fault in that file would stop
# both clients before their first screen)
tui_start 160 40 "$ROOT/scripts/two-panes" "$CCRM" "$PG_CONN" sofia marco "$ROOT/scripts/demo.ini"
win_of() { tmx list-windows -t =t: -F '#{window_name} #{window_index}' | awk '$1 == "ccrm-demo" { print $2 }'; }
has_win() { [ -n "$(win_of)" ]; }
check "two-panes opens its window in the tmux it runs in" wait_until -t 10 has_win
win=$(win_of)
check "... and exits 0" test "$(pane_status)" = 0
npanes() { tmx list-panes -t "=t:$win" 2>/dev/null | grep -c '' || true; }
check "the window has two panes" test "$(npanes)" = 2
# pane_text N: what pane N shows (wrapped lines joined), with some history
pane_text() { tmx capture-pane -t "=t:$win.$1" -p -J -S -100; }
pane_has() { pane_text "$1" | tr -d '\n' | grep -qF -- "$2"; }
# the ccrm process of pane N (the pane's shell waits for it, then prints its status)
ccrm_of() { pgrep -P "$(tmx display -p -t "=t:$win.$1" '#{pane_pid}')" | head -1; }
check "sofia's client runs in the left pane (support: Tickets)" wait_until -t 20 pane_has 0 "Tickets by"
check "marco's client runs in the right pane (marketing: Leads)" wait_until -t 20 pane_has 1 "Leads by"
check "each pane is about half the width" test "$(tmx display -p -t "=t:$win.1" '#{pane_width}')" -le 80

# ---- a client that quits: its pane stays, saying so ----
tmx send-keys -t "=t:$win.0" q
check "sofia's pane stays open after ccrm quits, with its status" \
    wait_until -t 10 pane_has 0 "[ccrm exited with status 0; Enter closes this pane]"
check "... both panes are still there" test "$(npanes)" = 2

# ---- a client killed by a fatal signal: its pane names the report and the signal ----
pid=$(ccrm_of 1)
check "marco's ccrm is a process of its own (pid $pid)" test -n "$pid"
check "... started with the demo's configuration" \
    grep -qF -- " -c $ROOT/scripts/demo.ini " <(tr '\0' ' ' <"/proc/$pid/cmdline")
kill -SEGV "$pid"
check "marco's pane stays open and says ccrm was killed by signal 11" \
    wait_until -t 10 pane_has 1 "[ccrm exited with status 139: killed by signal 11; Enter closes this pane]"
check "... under ccrm's own line naming its crash report" \
    pane_has 1 "ccrm: crashed (SIGSEGV): report in $state/ccrm/crash-"
check "... which was written under \$XDG_STATE_HOME/ccrm" \
    grep -q "crashed: SIGSEGV (signal 11)" "$state"/ccrm/crash-*.txt
check "both panes are still there" test "$(npanes)" = 2

# ---- Enter closes a pane, then the other ----
tmx send-keys -t "=t:$win.0" Enter
one_pane() { [ "$(npanes)" = 1 ]; }
no_window() { ! has_win; }
check "Enter closes sofia's pane" wait_until -t 10 one_pane
tmx send-keys -t "=t:$win" Enter
check "Enter closes the last one (the terminal the crash left raw made sane), and with it the window" wait_until -t 10 no_window
tui_stop
done_testing
