#!/usr/bin/env bash
# Two clients of one person, each with an unsaved form, ended together (one ssh connection
# dropped both): both forms are kept. The next start opened one and left the other for the
# start after without a word. Now both open, one over the other, and ccrm says so: the second
# shows when the first is saved, and saving it saves the second ticket too.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_drafts_two.sh path/to/ccrm}

pg_start_demo "$CCRM" 5
state=$TEST_TMP/state
export XDG_STATE_HOME=$state
drafts() { ls "$state/ccrm"/draft-*.txt 2>/dev/null | wc -l; }
# the client's process: the second session's pane is ccrm itself, the test pane's a shell
# that waits for it
pid_s() { tmx display -p -t =s: '#{pane_pid}'; }
pid_t() { pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1; }

# the second client first, in a session of its own; then the first, in the test's pane
client s 120 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_in s "Tickets by" || fail "the second client starts"
prompt_in s "new ticket"
wait_in s "New ticket" || fail "its ticket form opens"
keys_in s -l "Twodraft second printer"
wait_in s "Twodraft second printer" || fail "its subject is typed"

tui_start 120 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
prompt "new ticket"
wait_for "New ticket" 10 >/dev/null
keys -l "Twodraft first scanner"
wait_for "Twodraft first scanner" 5 >/dev/null

ps=$(pid_s) pt=$(pid_t)
check "both clients run ($ps, $pt)" test -n "$ps" -a -n "$pt"
kill -HUP "$ps" "$pt"
check "both clients end on SIGHUP" test "$(pane_status)" = 129
check "... and both forms are kept" wait_until -t 5 test "$(drafts)" = 2
tmx kill-session -t =s: 2>/dev/null
tui_stop

tui_start 120 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "the next start opens a kept form" \
    wait_for "restored: this form was not saved when ccrm stopped (SIGHUP" 10
check "... and says another is kept under it" wait_for "2 unsaved forms were kept" 5
check "... both files are taken (the forms hold them now)" test "$(drafts)" = 0
top=$(screen | grep -o "Twodraft [a-z]* [a-z]*" | head -1)
check "... one of the two tickets is on top ($top)" test -n "$top"
keys C-s
check "Ctrl-S saves it" wait_sql "select count(*) from tickets where subject = '$top'" 1
check "... and the other kept form shows" \
    wait_for "restored: this form was not saved when ccrm stopped (SIGHUP" 10
other=$(screen | grep -o "Twodraft [a-z]* [a-z]*" | head -1)
check "... the other ticket ($other)" test -n "$other" -a "$other" != "$top"
keys C-s
check "Ctrl-S saves the second too" \
    wait_sql "select count(*) from tickets where subject like 'Twodraft %'" 2
keys q
tui_stop
echo "ok - test_drafts_two"
