#!/usr/bin/env bash
# Job control: the terminal's ISIG is off (Ctrl-C is a key), so Ctrl-Z is a key too and ccrm
# suspends itself (src/ui/screen.c, suspend): from a form, back to an interactive shell, and
# fg brings the form back with what was typed in it, with the changes made meanwhile (the
# connection and the event stream stay), at the terminal's size then, also after a resize
# while stopped and after a kill -TSTP from outside. Without job control (ccrm started by tmux
# itself) Ctrl-Z says so and ccrm goes on. Ctrl-\ says it does nothing.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_suspend.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"

# an interactive shell in the pane (job control: bash -i), ccrm started from it
tui_start 100 30 bash --norc --noprofile -i
keys -l "PS1='SH-READY> '"
keys Enter
check "an interactive shell in the pane" wait_for "SH-READY> " 10
keys -l "$(printf '%q ' "$CCRM" -d "$DB user=sam" --view accounts)"
keys Enter
check "ccrm starts from it" wait_for "Accounts by" 15
# the ccrm process: the shell's child
shell_pid=$(pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" -x bash | head -1)
ccrm_pid=$(pgrep -P "$shell_pid" | head -1)
check "ccrm runs (pid $ccrm_pid)" test -n "$ccrm_pid"
state() { awk '/^State:/ { print $2 }' "/proc/$ccrm_pid/status"; }
stopped() { [ "$(state)" = T ]; }
running() { [ "$(state)" != T ]; }

keys n
check "n opens a new account's form" wait_for "New account" 10
# typed and suspended in one go: the keys before Ctrl-Z are kept too
keys -l "Suspendia Typed GmbH"

# ---- Ctrl-Z in the form: back to the shell, ccrm stopped ----
keys C-z
check "Ctrl-Z in a form: ccrm is stopped" wait_until -t 10 stopped
check "... the shell says so" wait_for "Stopped" 5
check "... and has the terminal again" wait_for "SH-READY> " 5
check "... the full screen is gone" wait_gone "New account" 5
check "... what was typed is on disk meanwhile (a stopped ccrm may be killed)" \
    grep -rqF "Suspendia Typed GmbH" "$XDG_STATE_HOME/ccrm"
# a change by someone else while stopped
as zoe -c "insert into tickets (subject) values ('Made while suspended')" >/dev/null
keys -l fg
keys Enter
check "fg: ccrm runs again" wait_until -t 10 running
check "... the form is back" wait_for "New account" 10
check "... with what was typed in it" wait_for "Suspendia Typed GmbH" 5
check "... the change made while stopped came through the event stream" \
    wait_for "Made while suspended" 10
keys -l " AG"
check "... and typing goes on in it" wait_for "Suspendia Typed GmbH AG" 5

# ---- resized while stopped: after fg the layout is at the new size ----
keys C-z
check "Ctrl-Z again" wait_until -t 10 stopped
wait_for "SH-READY> " 5 >/dev/null
tmx resize-window -t =t: -x 70 -y 20
keys -l fg
keys Enter
check "fg after a resize to 70x20" wait_for "Suspendia Typed GmbH AG" 10
# the status bar on the second line from the bottom of 20, as wide as the terminal
status_at() { screen | sed -n "$1p" | grep -q "online"; }
check "... the status bar is on line 19 of 20" wait_until -t 5 status_at 19
narrow() { ! screen | awk '{ if (length($0) > 70) exit 0 } END { exit 1 }'; }
check "... nothing wider than 70 columns" narrow

# ---- a kill -TSTP from outside, a resize, fg ----
kill -TSTP "$ccrm_pid"
check "kill -TSTP stops ccrm" wait_until -t 10 stopped
wait_for "Stopped" 5 >/dev/null
tmx resize-window -t =t: -x 90 -y 26
keys -l fg
keys Enter
check "fg after kill -TSTP and a resize to 90x26" wait_for "Suspendia Typed GmbH AG" 10
check "... the status bar is on line 25 of 26" wait_until -t 5 status_at 25

# Ctrl-\: said, not swallowed (and ccrm goes on)
keys 'C-\'
check "Ctrl-\\ says it does nothing" wait_for 'Ctrl-\ does nothing in ccrm (Ctrl-Z suspends it)' 5

# leave: the form is discarded, ccrm quits, the shell is back
keys Escape
wait_for "discard your changes? y/n" 5 >/dev/null
keys y
wait_gone "New account" 5 >/dev/null
keys q
check "q quits: the shell is back" wait_until -t 10 bash -c "! kill -0 $ccrm_pid 2>/dev/null"
tui_stop

# ---- no job control: Ctrl-Z says so, ccrm runs on ----
tui_start 100 30 "$CCRM" -d "$DB user=sam" --view accounts
check "ccrm started by tmux itself" wait_for "Accounts by" 15
keys C-z
check "Ctrl-Z without job control says so" wait_for "Ctrl-Z: no job control here" 5
check "... and ccrm goes on" wait_for "Accounts by" 5
keys q
wait_exit || fail "q quits"
check "exit status 0" test "$(pane_status)" = 0
tui_stop

done_testing
