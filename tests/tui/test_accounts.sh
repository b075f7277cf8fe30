#!/usr/bin/env bash
# The full-screen client driven through tmux as a person would: first paint of the Accounts
# list, moving, PgDn, live search, the account detail, resize to 40x12 and back mid-view, a
# row inserted from psql appearing live, the Feed, NO_COLOR, a dumb terminal, and a clean quit.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_accounts.sh path/to/ccrm}

pg_start_demo "$CCRM" 300

tui_start 100 30 "$CCRM" -d "$PG_CONN" --view accounts
first=$(account_at 0)
check "first paint shows the first account by name" wait_for "$first"
check "tab bar names the views" wait_for "3 Accounts"
check "status bar: online, who, sort" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -q 'online.*Accounts by name.*(admin)'"

keys j
check "j moves the cursor (second row follows)" wait_for "$(account_at 1)"
# 30 rows: tab bar, header, 26 list rows, status, message line → PgDn turns 26 rows
keys NPage
row3() { screen | sed -n 3p; }
want=$(account_at 27)
row3_is() { row3 | grep -qF "$want"; }
check "PgDn turns a page (row 28 at the top)" wait_until -t 10 row3_is
keys PPage g

word=$(psqlc -c "select split_part(name, ' ', 1) from accounts where name ~ '^[A-Za-z]{5,}' order by name offset 7 limit 1")
other=$(psqlc -c "select left(name, 14) from accounts where name not ilike '%$word%' and domain not ilike '%$word%' order by name limit 1")
keys /
check "/ opens the search line" wait_for "search:"
keys "$word"
check "search narrows the list as you type" wait_gone "$other"
check "matching account shown" wait_for "$word"
keys Enter
check "search stays after Enter, named in status" wait_for "search \"$word\""

keys Enter
check "Enter opens the account detail" wait_for "Timeline ("
check "detail lists people" wait_for "People ("
check "detail shows the cross-department timeline (tickets or deals)" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -Eq 'ticket #|deal |lead |call:|email:|meeting:|note:|task:|chat:'"

tmx resize-window -t =t: -x 40 -y 12
check "resized to 40x12: redrawn at that width (the tab bar gives the other tabs their keys)" wait_for " 1  2  3 Accounts  4"
check "40x12: no line wider than 40 columns" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; ! screen | awk '{ if (length(\$0) > 40) exit 0; } END { exit 1 }'"
tmx resize-window -t =t: -x 100 -y 30
check "back to 100x30: detail redrawn in full" wait_for "Timeline ("
keys q
check "q goes back to the list" wait_for "Accounts by name, search"
keys Escape
check "Esc clears the search" wait_for "$first"

# live: a row written by someone else (psql) appears without a key press, cursor unmoved
psqlc -c "insert into accounts (name, domain, industry) values ('AAA Live Insert GmbH', 'live-insert.example', 'Testing')"
check "a row inserted above the cursor appears live at the top" wait_for "AAA Live Insert GmbH" 5
check "the cursor stays on its record (second line now)" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | sed -n 4p | grep -qF '$first'"
psqlc -c "update accounts set industry = 'Live Update Co' where name = (select name from accounts order by name, id offset 3 limit 1)"
check "a row updated elsewhere is repainted in place" wait_for "Live Update" 5

keys 1
check "Feed view shows the insert event" wait_for "AAA Live Insert GmbH" 5
keys g Enter
check "Enter on a feed event opens its account" wait_for "Timeline (" 5
# the newest event was the industry update above: its account's history shows it
keys H
check "H shows the account's history" wait_for "History (2 changes" 5
check "history: who changed what, old and new value" wait_for "→ 'Live Update Co'" 5
check "history: by whom" wait_for "postgres (admin)       changed industry '"
check "history: the creation" wait_for "created "
keys H
check "H again: back to the timeline" wait_for "Timeline (" 5
keys q
check "q goes back to the feed" wait_for "Feed by newest"
keys q
for i in $(seq 100); do pane_dead && break; sleep 0.05; done
check "q quits" pane_dead
st=$(pane_status)
check "exit status 0 (got $st)" bash -c "test \"$st\" = 0 || { tmux -L $TMUX_SOCK capture-pane -t t -p -S -40 | grep -v \"^\$\"; false; }"
tui_stop

# an ordinary department user (not a superuser) can start the client
tui_start 100 30 "$CCRM" -d "$PG_CONN user=sofia"
check "a support user's client starts, status names her department" wait_for "(support)"
check "support starts on the Tickets view" wait_for "Tickets by updated"
keys 3
check "the support user sees the accounts" wait_for "$first"
keys q
tui_stop

# NO_COLOR: no colour escapes on screen
tui_start 100 30 env NO_COLOR=1 "$CCRM" -d "$PG_CONN" --view accounts
wait_for "$first" || fail "NO_COLOR start"
check "NO_COLOR: no colours drawn" bash -c "! tmux -L $TMUX_SOCK capture-pane -t t -p -e | grep -Eq $'\e\\\\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]'"
keys q
tui_stop

# a terminal curses cannot drive: one clear line, non-zero exit (script gives it a pty)
TERM=dumb script -qec "$(printf '%q ' "$CCRM" -d "$PG_CONN")" /dev/null </dev/null >"$TEST_TMP/dumb" 2>&1
rc=$?
check "dumb terminal: clear message" grep -q 'terminal "dumb" cannot move the cursor' "$TEST_TMP/dumb"
check "dumb terminal: exit 69 (got $rc)" test "$rc" = 69
env -u TERM script -qec "$(printf '%q ' env -u TERM "$CCRM" -d "$PG_CONN")" /dev/null </dev/null >"$TEST_TMP/noterm" 2>&1
rc=$?
check "no TERM at all: clear message, exit 69" bash -c "test $rc = 69 && grep -q 'TERM is not set' $TEST_TMP/noterm"

done_testing
