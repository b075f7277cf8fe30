#!/usr/bin/env bash
# Going to another tab closes the views open over the current one (switch_tab), which would
# drop what was typed into a form. Every road to it is tried with a new ticket's form typed
# into: the keys 1-9 and 0 are text in the form, Tab and Shift-Tab move between its fields, `:`
# is text too (no :view, :find or :open can run), F1's help and the "discard your changes?"
# question take the key themselves; the form stays, with what was typed. (No view opens over
# a form, so no key reaches the switch with one open; should one ever, switch_tab refuses,
# naming the form and how to leave it, by the rule quitting asks by.) Views with nothing
# unsaved close as before: a discarded form, an account's detail (the key 6), and :open with
# several matches, which goes to the Accounts list. At 80x24.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_tab_switch_keeps_input.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
ROWS=24
tabs() { screen | head -n 1; }
tab_is() { tabs | grep -qE -- " $1 "; } # the current tab is named whole
alive() { sleep 0.3; ! pane_dead; }
# the form is still there with what was typed, on the Tickets tab
kept() {
    wait_for "New ticket" 5 && wait_for "$1" 5 && tab_is "6 Tickets"
}

tui_start 80 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "sofia's Tickets list" wait_for "Tickets by" 15
keys n
check "n: a new ticket's form" wait_for "New ticket" 10
keys -l "Keep"
check "typed into its Subject" wait_for "Keep" 5

# ---- the keys that switch tabs elsewhere ----
keys 3 0 9
check "3, 0 and 9 are text in the form, not a tab" kept "Keep309"
keys Tab
keys BTab
check "Tab and Shift-Tab move between the fields: the form stays" kept "Keep309"
keys -l ":view accounts"
check "\`:\` is text too: no command runs" kept "Keep309:view accounts"
keys F1
check "F1 shows the form's help" wait_for "next / previous field" 5
keys 3
check "3 closes the help only" kept "Keep309:view accounts"
keys Escape
check "Esc asks before discarding" wait_for "discard your changes? y/n" 5
keys 3
check "3 is no answer: still asked" alive
check "... the form still there" kept "Keep309:view accounts"
keys n
check "n: back in the form, what was typed kept" kept "Keep309:view accounts"
keys Tab
keys 5
check "a digit in the next field, Account, is its search" line_has "Account" " 5"
check "... the form stays" kept "Keep309:view accounts"
keys Escape
check "Esc stops the search only" kept "Keep309:view accounts"
check "... and nothing was saved" sql_is "select count(*) from tickets where subject like 'Keep%'" 0

# ---- nothing unsaved: the tab changes, closing the views as before ----
keys Escape
wait_for "discard your changes? y/n" 5 >/dev/null
keys y
check "y discards the form" wait_for "changes discarded" 5
keys 3
check "then 3 goes to Accounts" wait_for "Accounts by" 10
check "... named in the tab bar" wait_until tab_is "3 Accounts"
keys Enter
check "Enter opens an account's detail" wait_gone "Accounts by" 10
keys 6
check "6 closes the detail (nothing unsaved) and shows Tickets" wait_for "Tickets by" 10
check "... named in the tab bar" wait_until tab_is "6 Tickets"
prompt "open a"
check ":open with several matches goes to the Accounts list, searched" wait_for "accounts match \"a\"" 10
check "... on the Accounts tab" wait_until tab_is "3 Accounts"
keys q
check "q quits: nothing unsaved" wait_exit
done_testing
