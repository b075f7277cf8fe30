#!/usr/bin/env bash
# A comment being typed on the bottom line is not lost when ccrm ends under it: SIGHUP (the
# ssh connection dropped) keeps the line beside the forms' drafts and says where; kill -9
# finds it kept on disk a moment after the last key. The next start says so, and Up on the
# next comment line brings the text back. A y/n answer is not kept. At 80x24.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_line_kept.sh path/to/ccrm}

pg_start_demo "$CCRM" 3
state=$TEST_TMP/state
ccrm_pid() { pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1; }
said() { tmx capture-pane -t =t: -p -J -S -200 | tr -d '\n' | grep -qF -- "$1"; }
start() {
    tui_start 80 24 env XDG_STATE_HOME="$state" "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" \
        --view tickets
    wait_for "Tickets" 20 || fail "the client did not start: $(screen)"
    for i in $(seq 100); do screen | grep -q '^#[0-9]' && break; nap; done
}
comments() { psqlc -c "select count(*) from comments where entity = 'tickets' and body = '$1'"; }
# comment_back TEXT: c, Up brings TEXT back, Enter saves it as the ticket's comment
comment_back() {
    keys c
    wait_for "comment:" 5 || fail "no comment line: $(screen)"
    keys Up
    check "Up on the next comment line brings the text back" line_has "${1:0:20}" "${1:14:6}"
    keys Enter
    check "... and Enter saves it" wait_sql "select count(*) from comments where entity = 'tickets'
        and body = '$1'" 1
}
kept_files() { ls "$state/ccrm"/draft-*.txt "$state/ccrm"/live/draft-*.txt 2>/dev/null | wc -l; }

# ---- SIGHUP while a comment is typed ----
start
keys c
wait_for "comment:" 5 || fail "no comment line: $(screen)"
keys -l "Hup line: the customer called back twice"
wait_for "called back twice" 5 >/dev/null || fail "the typed text does not show: $(screen)"
kill -HUP "$(ccrm_pid)"
check "SIGHUP: exit status 129" test "$(pane_status)" = 129
check "... ccrm says the line was kept" wait_until said "the line you were typing (internal comment) was kept in $state/ccrm/draft-"
check "... in one file, with the text" grep -q "Hup line: the customer called back twice" "$state"/ccrm/draft-*.txt
check "... and no comment was saved" test "$(comments 'Hup line: the customer called back twice')" = 0
tui_stop

start
check "the next start says the line is kept" wait_for "ccrm stopped (SIGHUP" 10
check "... and that Up brings it back" wait_until said "Up on the next such line brings it back"
check "... the file is kept aside, not offered again" test "$(kept_files)" = 0
comment_back "Hup line: the customer called back twice"
tui_stop

# ---- kill -9 a moment after the last key ----
start
keys c
wait_for "comment:" 5 || fail "no comment line: $(screen)"
keys -l "Killed line: promised a callback on Friday"
wait_for "callback on Friday" 5 >/dev/null || fail "the typed text does not show: $(screen)"
live_kept() { grep -qs "Killed line: promised a callback on Friday" "$state"/ccrm/live/draft-*.txt; }
check "the typed line is kept on disk while typing" wait_until live_kept
kill -KILL "$(ccrm_pid)"
pane_status >/dev/null
tui_stop
start
check "after kill -9 the next start says the line is kept" wait_for "ccrm stopped (an end without warning" 10
comment_back "Killed line: promised a callback on Friday"
# the comment was saved: nothing is kept on disk for the line any more
none_live() { ! grep -qs "Killed line" "$state"/ccrm/live/draft-*.txt; }
check "... and the live copy is gone once it is saved" wait_until none_live
tui_stop

done_testing
