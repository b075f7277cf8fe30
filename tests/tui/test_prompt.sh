#!/usr/bin/env bash
# The `:` command prompt driven through tmux: :view, :find, :open (a name, a number), :history,
# Tab completion of view, account and login names and :open's kinds, errors, Esc and Ctrl-C,
# resize while typing, no libedit echo, and the history file surviving a restart.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_prompt.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
ROWS=30 # the screen's height, for bottom and wait_bottom
export -f screen tmx bottom
export TMUX_SOCK ROWS TEST_TMP

tui_start 120 $ROWS "$CCRM" -d "$PG_CONN" --view accounts
check "first paint" wait_for "3 Accounts"

keys :
check ": opens the prompt on the bottom line" wait_bottom '^:$'
keys Escape
check "Esc cancels the prompt" wait_bottom '^ *$'

keys : "view feed" Enter
check ":view feed switches to the Feed" wait_for "Feed by newest"
check "no echo of the command left on screen" bash -c '! screen | grep -q "view feed"'
check "tab bar intact (no libedit output)" bash -c 'screen | sed -n 1p | grep -q "^\( ccrm \)\? *1 Feed.*2 Leads.*3 Accounts"'

other=$(psqlc -c "select left(name, 20) from accounts where name not ilike '%atlas%' and domain not ilike '%atlas%' order by name limit 1")
keys : "find atlas" Enter
check ":find atlas goes to Accounts with that search" wait_for 'Accounts by name, search "atlas"'
check ":find filters the list" wait_gone "$other"

name=$(psqlc -c "select name from accounts a where (select count(*) from accounts b where b.name ilike a.name || '%') = 1 and name ~ '^[A-Za-z][A-Za-z ]+$' order by id limit 1")
keys : "open $name" Enter
check ":open NAME opens the account" wait_for "Timeline ("
check "the detail is that account" bash -c "screen | sed -n 2p | grep -qF '$name'"
# an exact name wins in any letter case, also outside ASCII: "öl handel" opens "Öl Handel"
ol=$(psqlc -c "insert into accounts (name) values ('Öl Handel') returning id")
psqlc -c "insert into accounts (name) values ('Öl Handel und Söhne')" >/dev/null
keys q
keys : "open öl handel" Enter
check ":open with the exact name in other letter case (Ö/ö) opens it, not a choice" wait_for "account #$ol"
keys : history Enter
check ":history shows the history" wait_for "History ("
keys : hist Enter
check ":hist (unique prefix) toggles it back" wait_for "Timeline ("
keys : h Enter
check ":h is ambiguous and says so" wait_for 'ambiguous command "h": could be handoff, help, history'
keys q

keys : "view le" Tab
check "Tab completes a view name" wait_bottom '^:view leads *$'
keys Escape
check "Esc cancels after Tab" wait_bottom '^ *$'

prefix=${name:0:$((${#name} - 3))}
keys : "open $prefix" Tab
check "Tab completes an account name" wait_bottom "^:open $name *\$"
keys Escape
# by number: the kind the view shows (here an account), or the kind said (test_open_number.sh)
acc=$(psqlc -c "select max(id) from accounts where name = '$name'")
keys : "open #$acc" Enter
check ":open #N in Accounts opens account #N" wait_for "account #$acc" 5
keys q
if [ -z "$(psqlc -c "select 1 from accounts where name ilike 'tick%' limit 1")" ]; then
    keys : "open tick" Tab
    check "Tab after :open offers the kinds (ticket)" wait_bottom '^:open ticket *$'
    keys Escape
else
    ok "# SKIP kind completion: an account starts with tick"
fi
me=$(psqlc -c "select current_user")
lp=${me:0:$((${#me} - 2))}
if [ -n "$lp" ] && [ -z "$(psqlc -c "select 1 from accounts where name ilike '$lp%' limit 1")" ]; then
    keys : "find $lp" Tab
    check "Tab completes a login" wait_bottom "^:find $me *\$"
    keys Escape
else
    ok "# SKIP login completion: accounts start like the login $me"
fi
keys : v Tab x
check "Tab completes a command name (and adds a space)" wait_bottom '^:view x$'
keys Escape
# what Tab listed belongs to the line: Esc takes it away with the line, at once (at 80
# columns the list takes several lines)
tmx resize-window -t =t: -x 80 -y 24
wait_for "Accounts by" 5 >/dev/null
keys : Tab
check "Tab on an empty line lists the commands" wait_for "absences  accept" 5
keys Escape
check "Esc: the list goes with the line (not left for its seconds)" wait_gone "absences  accept" 2
keys : "zzq" Tab
check "Tab with nothing to offer says so" wait_for "no completions" 5
keys Escape
check "... and Esc takes that away too" wait_gone "no completions" 2
tmx resize-window -t =t: -x 120 -y "$ROWS"
keys : s o Tab "u" Tab
check "Tab completes a sort name of the current list" wait_bottom '^:sort updated *$'
keys Enter
check ":sort updated sorts the list" wait_for "Accounts by updated"
# libedit sets its own terminal modes; curses' must be back after a command (with ONLCR on,
# curses' newlines also returned the carriage and the screen drifted a row off)
pty=$(tmx display-message -p -t =t: '#{pane_tty}')
check "after a command the terminal is in curses' modes again (-onlcr -echo)" \
    bash -c "stty -a <'$pty' | grep -q -- '-onlcr' && stty -a <'$pty' | grep -q -- '-echo '"

keys : frobnicate Enter
check "an unknown command shows a clear error" wait_for 'unknown command "frobnicate": try :help'
keys : "sort nosuch" Enter
check "an unknown sort says so" wait_for 'unknown sort "nosuch" for Accounts'
keys 2
check "keys still work after errors" wait_for "Leads by updated"

keys : abc C-c
check "Ctrl-C cancels the prompt, ccrm keeps running" wait_bottom '^ *$'
check "still running after Ctrl-C" [ ! -s "$TEST_TMP/tui.exit" ]

keys : "find typed text"
check "typing shows on the bottom line" wait_bottom '^:find typed text$'
tmx resize-window -t =t: -x 40 -y 12
ROWS=12
check "resize to 40x12 while typing keeps the text" wait_bottom '^:find typed text$'
check "40x12: no line wider than 40 columns" bash -c '! screen | awk "{ if (length(\$0) > 40) exit 0; } END { exit 1 }"'
tmx resize-window -t =t: -x 120 -y 30
ROWS=30
check "and back to 120x30, text still there" wait_bottom '^:find typed text$'
keys BSpace BSpace BSpace BSpace BSpace Left Left Right " x" Enter
check "editing keys work (Backspace, Left, Right)" wait_for 'search "type xd"'

keys : "view leads" Enter
check ":view leads" wait_for "Leads by updated"
keys q
check "q quits" wait_exit
check "exit status 0" [ "$(pane_status)" = 0 ]
tui_stop
hist=$XDG_STATE_HOME/ccrm/history
check "history file under \$XDG_STATE_HOME/ccrm" [ -f "$hist" ]
check "history file mode 0600" [ "$(stat -c %a "$hist")" = 600 ]

tui_start 120 $ROWS "$CCRM" -d "$PG_CONN" --view accounts
check "restarted" wait_for "3 Accounts"
keys : Up
check "the history survives a restart (Up: last command)" wait_bottom '^:view leads *$'
keys Up
check "Up again: the one before" wait_bottom '^:find type xd *$'
keys Down Down
check "Down back to an empty line" wait_bottom '^:$'
keys Escape : "view feed" Enter
check ":view feed in the new session" wait_for "Feed by newest"
keys : Up
check "Up in a later prompt starts at the newest command" wait_bottom '^:view feed *$'
keys C-u "find Größe Ærø" Left Left BSpace
check "UTF-8 text is edited by character" wait_bottom '^:find Größe rø$'
keys Escape : quit Enter
check ":quit quits" wait_exit
check "exit status 0 after :quit" [ "$(pane_status)" = 0 ]
tui_stop

# the terminal modes are restored on exit (libedit's, then curses')
tui_start 120 $ROWS bash --norc --noprofile
tmx send-keys -t =t: "stty -g >$TEST_TMP/stty.before; $(printf '%q ' "$CCRM") -d '$PG_CONN' --view accounts; stty -g >$TEST_TMP/stty.after" Enter
check "started from a shell" wait_for "3 Accounts"
keys : "view feed" Enter
check "a command ran" wait_for "Feed by newest"
keys q
wait_until test -s "$TEST_TMP/stty.after"
check "terminal modes restored after using the prompt" cmp -s "$TEST_TMP/stty.before" "$TEST_TMP/stty.after"
tui_stop
done_testing
