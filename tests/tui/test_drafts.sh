#!/usr/bin/env bash
# Unsaved input survives an unexpected end (issue 14, bugs 2 and 4). SIGTERM with a new
# ticket's form open: the form is kept as a draft under $XDG_STATE_HOME/ccrm, ccrm says where
# and exits 143; the next start opens it again, and Ctrl-S saves it. SIGHUP while editing a
# ticket that someone else changes before the draft is saved: both changes land (the draft
# keeps the version it was read at). A fatal signal (SIGSEGV, SIGABRT) writes a crash report
# and the form. A conflict still open when ccrm stops is asked again after the restart (the
# restored form overwrote the other's value silently). Also: a placeholder keeps its first
# letter under the cursor, and a deal of 12500,50 shows as 12,500.50 EUR on its account's
# timeline (it showed 12,501).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_drafts.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
state=$TEST_TMP/state
export XDG_STATE_HOME=$state
# the process of ccrm in the pane (the pane's shell waits for it to write the exit status)
ccrm_pid() { pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1; }
# what the pane printed after leaving the full screen (long lines wrapped: joined again)
said() { tmx capture-pane -t =t: -p -J -S -200 | tr -d '\n' | grep -qF -- "$1"; }
drafts() { ls "$state/ccrm"/draft-*.txt 2>/dev/null | wc -l; }
start() { tui_start 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sofia" --view tickets; }

# ---- a new ticket's form, then SIGTERM ----
start
wait_for "Tickets by" 10 >/dev/null
prompt "new ticket"
check "the new ticket's form opens" wait_for "New ticket" 10
keys -l "Draftkept printer offline"
keys Tab
check "the account's placeholder keeps its first letter under the cursor" line_has "Account" "type to search"
keys Tab Tab Tab
keys Right # priority: high
pid=$(ccrm_pid)
check "ccrm runs in the pane (pid $pid)" test -n "$pid"
kill -TERM "$pid"
check "SIGTERM: exit status 143" test "$(pane_status)" = 143
check "... ccrm says where the form was kept" wait_until said 'ccrm: stopped by SIGTERM: the unsaved form "New ticket" was kept in '"$state/ccrm/draft-"
check "... one draft under \$XDG_STATE_HOME/ccrm" test "$(drafts)" = 1
check "... holding the subject typed" grep -q "Draftkept printer offline" "$state"/ccrm/draft-*.txt
check "... and whose form it was" grep -qx "login sofia" "$state"/ccrm/draft-*.txt
tui_stop

# another login of the same system user: sofia's draft is not theirs
tui_start 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=zoe" --view tickets
wait_for "Tickets by" 10 >/dev/null
check "zoe, on the same system account, is not offered sofia's form" wait_gone "restored:" 2
check "... and the draft waits for sofia" test "$(drafts)" = 1
keys q
tui_stop

start
check "the next start offers the draft back" wait_for "restored: this form was not saved when ccrm stopped (SIGTERM" 10
check "... with what was typed" wait_for "Draftkept printer offline" 5
check "... the file is taken (the form holds it now)" test "$(drafts)" = 0
keys C-s
check "Ctrl-S saves the ticket" wait_sql "select count(*) from tickets where subject = 'Draftkept printer offline'" 1
keys q
tui_stop

# ---- editing a ticket, SIGHUP, someone else changes it, the draft is saved ----
t=$(psqlc -c "select id from tickets where status = 'open' order by id limit 1")
psqlc -c "update tickets set subject = 'Hupticket base', priority = 'low' where id = $t"
start
wait_for "Tickets by" 10 >/dev/null
keys /
keys -l Hupticket
keys Enter
wait_for "Hupticket base" 10 >/dev/null
keys e
check "the ticket's form opens" wait_for "Edit ticket #$t" 10
keys End
keys -l " (hup draft)"
# the keys read before the signal: a signal in the same wake-up ends the client before them
wait_for " (hup draft)" 5 >/dev/null || fail "the typed text shows in the form"
kill -HUP "$(ccrm_pid)"
check "SIGHUP: exit status 129" test "$(pane_status)" = 129
check "... the form is kept" test "$(drafts)" = 1
tui_stop
psqlc -c "update tickets set priority = 'urgent' where id = $t"
start
check "the edit is offered back" wait_for "restored: this form was not saved when ccrm stopped (SIGHUP" 10
check "... as the edit of ticket #$t" wait_for "Edit ticket #$t" 5
keys C-s
check "saved: the draft's subject and the other's priority both land" \
    wait_sql "select (subject like '% (hup draft)')::text || ' ' || priority from tickets where id = $t" "true urgent"
keys q
tui_stop

# ---- a crash: SIGSEGV with a form open, SIGABRT without ----
start
wait_for "Tickets by" 10 >/dev/null
prompt "new ticket"
wait_for "New ticket" 10 >/dev/null
keys -l "Crashkept subject"
wait_for "Crashkept subject" 5 >/dev/null
kill -SEGV "$(ccrm_pid)"
check "SIGSEGV: the process dies of it (139)" test "$(pane_status)" = 139
check "... and says where its report is" wait_until said "ccrm: crashed (SIGSEGV): report in $state/ccrm/crash-"
check "... a crash report naming the signal" grep -q "crashed: SIGSEGV (signal 11)" "$state"/ccrm/crash-*.txt
check "... and the form, as a draft" grep -q "Crashkept subject" "$state"/ccrm/draft-*.txt
tui_stop
start
check "the crashed form is offered at the next start" wait_for "restored: this form was not saved when ccrm stopped (SIGSEGV" 10
check "... with what was typed" wait_for "Crashkept subject" 5
keys Escape
keys y
wait_gone "Crashkept subject" 5 || fail "the restored form is discarded"
keys q # (tui_stop waits 2 s for a client still running before it hangs it up)
tui_stop
rm -f "$state"/ccrm/crash-*.txt
start
wait_for "Tickets by" 10 >/dev/null
kill -ABRT "$(ccrm_pid)"
check "SIGABRT: the process dies of it (134)" test "$(pane_status)" = 134
check "... with a report" grep -q "crashed: SIGABRT (signal 6)" "$state"/ccrm/crash-*.txt
check "... that says no form was open" grep -q "unsaved form: none" "$state"/ccrm/crash-*.txt
tui_stop

# ---- kill -9: no handler runs, the form kept while typing is offered ----
start
wait_for "Tickets by" 10 >/dev/null
prompt "new ticket"
wait_for "New ticket" 10 >/dev/null
keys -l "Killnine kept subject"
wait_for "Killnine kept subject" 5 >/dev/null
check "the form is kept on disk a moment after the last key" \
    wait_until -t 5 bash -c "grep -qs 'Killnine kept subject' '$state'/ccrm/live/draft-*.txt"
client s 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "a second client of the same person meanwhile: the first one's form is not offered to it" \
    wait_in s "Tickets by"
check "...(it is the first client's, still running)" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =s: -p | grep -qF 'restored:')"
tmx kill-session -t =s: 2>/dev/null
kill -KILL "$(ccrm_pid)"
check "kill -9: the process is gone (137)" test "$(pane_status)" = 137
tui_stop
start
check "the next start offers the form typed before kill -9" wait_for "restored: this form was not saved when ccrm stopped (an end without warning" 10
# when it was kept, in sofia's own zone as every time on screen (it was the machine's)
tz=$(q "select ccrm_user_tz('sofia')")
t1=$(q "select to_char((now() - interval '1 minute') at time zone '$tz', 'YYYY-MM-DD HH24:MI')")
t2=$(q "select to_char(now() at time zone '$tz', 'YYYY-MM-DD HH24:MI')")
check "...kept at a time in her own zone ($tz: $t1 or $t2)" \
    bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | tr -d '\n' | grep -qE 'warning at ($t1|$t2)'"
check "... with what was typed" wait_for "Killnine kept subject" 5
check "... and the kept file is taken" test -z "$(ls "$state"/ccrm/live/ 2>/dev/null)"
keys C-s
check "Ctrl-S saves it" wait_sql "select count(*) from tickets where subject = 'Killnine kept subject'" 1
check "... and nothing is kept any more once saved" wait_until -t 5 bash -c "test -z \"\$(ls '$state'/ccrm/live/)\""
keys q
tui_stop

# ---- a conflict still open when ccrm stops: the restored form asks again ----
# sam and jose both change an account's city; jose saves first; sam's Ctrl-S shows the choice;
# before choosing, sam's client is stopped. The draft has no place for jose's value: it keeps
# the version and the city as sam first read them, so that the restored form's save meets
# jose's change again (it took jose's value as read and overwrote it silently)
acc=$(psqlc -c "insert into accounts (name, city, owner) values ('Termconflict ApS', 'TermBase', 'sam')
                returning id")
v0=$(q "select version from accounts where id = $acc")
tui_start 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sam" --view accounts
wait_for "Accounts by" 10 >/dev/null
keys /
keys -l Termconflict
keys Enter
wait_for "Termconflict ApS" 10 >/dev/null
keys e
check "sam opens the account's form" wait_for "Edit account #$acc" 10
keys Down Down Down Down Down End C-u # City
keys -l TermSam2
check "... and changes the city" line_has "City" "TermSam2"
as jose -c "update accounts set city = 'TermJose2' where id = $acc"
keys C-s
check "sam's save meets jose's: yours" wait_for "( ) yours   TermSam2"
check "... and theirs" wait_for "( ) theirs  TermJose2"
check "the form kept while typing keeps the city and the version as sam read them" \
    wait_until -t 5 bash -c "grep -qsxF \"$(printf 'field city\tTermBase\tTermSam2')\" '$state'/ccrm/live/draft-*.txt &&
                             grep -qsx 'version $v0' '$state'/ccrm/live/draft-*.txt"
kill -TERM "$(ccrm_pid)"
check "SIGTERM on the choice: exit status 143" test "$(pane_status)" = 143
check "... the form is kept" test "$(drafts)" = 1
check "... with the city as sam read it, not as jose saved it" \
    grep -qxF "$(printf 'field city\tTermBase\tTermSam2')" "$state"/ccrm/draft-*.txt
check "... and the version sam read" grep -qx "version $v0" "$state"/ccrm/draft-*.txt
tui_stop
tui_start 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sam" --view accounts
check "the edit is offered back" wait_for "restored: this form was not saved when ccrm stopped (SIGTERM" 10
check "... saying the account changed since" wait_for "changed since (last changed by jose" 5
keys C-s
check "Ctrl-S asks again: yours" wait_for "( ) yours   TermSam2" 10
check "... and theirs" wait_for "( ) theirs  TermJose2"
check "... jose's city is still there" test "$(q "select city from accounts where id = $acc")" = TermJose2
keys y
keys C-s
check "sam's choice is saved" wait_for "saved account #$acc, with your choices over jose's changes"
check "... over jose's save, once" test "$(q "select city || ' ' || version from accounts where id = $acc")" = "TermSam2 $((v0 + 2))"
keys q
tui_stop

# ---- a draft whose record is gone: said once, set aside where it can be read ----
acc=$(psqlc -c "insert into accounts (name, city, owner) values ('Gonedraft GmbH', 'GoneBase', 'sam')
                returning id")
tui_start 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sam" --view accounts
wait_for "Accounts by" 10 >/dev/null
keys /
keys -l Gonedraft
keys Enter
wait_for "Gonedraft GmbH" 10 >/dev/null
keys e
wait_for "Edit account #$acc" 10 >/dev/null || fail "sam opens the account's form"
keys Down Down Down Down Down End C-u # City
keys -l GoneTyped
wait_until -t 5 bash -c "grep -qs GoneTyped '$state'/ccrm/live/draft-*.txt" >/dev/null
kill -TERM "$(ccrm_pid)"
check "SIGTERM: exit status 143" test "$(pane_status)" = 143
check "... the edit of the account is kept" test "$(drafts)" = 1
psqlc -c "delete from accounts where id = $acc" >/dev/null
tui_start 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sam" --view accounts
check "its account deleted meanwhile: the next start says the form cannot be reopened" \
    wait_for "the unsaved form of account #$acc could not be reopened" 10
check "... the draft set aside, what was typed in it" grep -q GoneTyped "$state"/ccrm/draft-*.txt.gone
check "... and no more to offer" test "$(drafts)" = 0
keys q
tui_stop
tui_start 140 30 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sam" --view accounts
wait_for "Accounts by" 10 >/dev/null
check "the start after it offers nothing (it failed at every start)" wait_gone "could not be reopened" 3
keys q
tui_stop

# ---- no state directory to write: a crash still gives the terminal back and says so ----
: >"$TEST_TMP/not-a-dir"
tui_start 140 30 env XDG_STATE_HOME="$TEST_TMP/not-a-dir" bash -c \
    '"$0" "$@"; rc=$?; stty -a >"'"$TEST_TMP"'/stty"; exit $rc' "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
prompt "new ticket"
wait_for "New ticket" 10 >/dev/null
keys -l "Nowhere kept"
wait_for "Nowhere kept" 5 >/dev/null
kill -SEGV "$(pgrep -P "$(ccrm_pid)" | head -1)" # (ccrm_pid is the bash around it here)
check "SIGSEGV with no state directory: the process dies of it (139)" test "$(pane_status)" = 139
check "... and says nothing could be kept, instead of a report that is not there" \
    wait_until said "ccrm: crashed (SIGSEGV): no report could be written (the state directory cannot be written); the unsaved form could not be kept"
check "... the terminal is given back as the shell had it (not raw)" \
    bash -c "grep -q ' icanon' '$TEST_TMP/stty' && grep -q ' echo ' '$TEST_TMP/stty'"
check "... and it said at the start that crash reports could not be prepared" \
    said "ccrm: could not prepare crash reports: Not a directory"
tui_stop

# ---- an amount with a decimal comma, exactly on the timeline ----
acc=$(psqlc -c "select id from accounts order by id limit 1")
accname=$(psqlc -c "select name from accounts where id = $acc")
psqlc -c "insert into opportunities (account_id, name, stage, amount, currency)
          values ($acc, 'Exactamount deal', 'proposal', 12500.50, 'EUR')" >/dev/null
tui_start 140 40 env XDG_STATE_HOME="$state" "$CCRM" -d "$PG_CONN user=sam" --view accounts
wait_for "Accounts by" 10 >/dev/null
prompt "open $accname"
check "the account's timeline shows the deal's amount exactly" line_has "Exactamount deal" "12,500.50 EUR"
keys q q
tui_stop
done_testing
