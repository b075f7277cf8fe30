#!/usr/bin/env bash
# A form at 80x24, as a tester drove it:
#  - Enter on a picked reference moves on to the next field, as Enter does elsewhere (it left
#    the cursor on the field, and what was typed next replaced the pick with a new search);
#  - a value written right that the calendar has not, and an amount of three digits after a
#    lone separator, say what is wrong with them (not "use YYYY-MM-DD or D.M.YYYY" to someone
#    who did, not "cents" to someone meaning a quarter of a million);
#  - `l` on a ticket opens "New call", and the title follows Kind ("New note");
#  - the form's help (F1) starts every description in one column, none cut.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_form_pick_kind_help.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
acc=$(q "insert into accounts (name, domain) values ('Pickfall Medical SL', 'pickfall.example')
    returning id")
tid=$(as sofia -c "insert into tickets (account_id, subject) values ($acc, 'Pickfall Ofen')
    returning id")
check "an account and a ticket of its own" test -n "$tid"
absent() { ! screen | grep -qF -- "$1"; }

# ---- a deal: Enter on the picked account moves on; the refusals say what is wrong ----
tui_start 80 24 "$CCRM" -d "$PG_CONN user=sam" --view accounts
check "sam's client at 80x24" wait_for "Accounts by" 15
prompt "new deal"
check "a new deal's form" wait_for "New deal" 10
keys -l "Pickfall deal"
keys Tab
keys -l "pickfall med"
check "the account search finds it" wait_for "Pickfall Medical SL  ·" 10
keys Enter
check "Enter takes the match" line_has "Account" "Pickfall Medical SL"
check "... and moves on to the next field, the stage" wait_for "▸ Stage" 5
keys Tab
check "Tab: the amount" wait_for "▸ Amount" 5
check "the pick stayed, no new search" line_has "Account" "Pickfall Medical SL"
keys -l "250,000"
keys Tab
check "250,000 in the amount: ambiguous, the amounts meant written out (not cents)" \
    wait_for "250,000 is ambiguous: write 250000 or 250000.00" 5
check "... not a word of cents" absent "decimals (cents)"
keys BTab C-u
keys -l "1.234"
keys Tab
check "1.234 likewise" wait_for "1.234 is ambiguous: write 1234 or 1234.00" 5
keys Tab # Close date
check "the close date" wait_for "▸ Close date" 5
keys -l "31.2.2026"
keys Tab
check "31.2.2026: there is no such day (it is written as asked)" \
    wait_for "there is no 31 February 2026" 5
check "... not the format it has" absent "not a date: use"
keys BTab C-u
keys -l "2026-02-29"
keys Tab
check "29 February of a year that is no leap year" \
    wait_for "there is no 29 February 2026 (not a leap year)" 5
keys Escape
wait_for "discard your changes? y/n" 5 || fail "Esc asks"
keys y
wait_for "changes discarded" 5 || fail "discarded"
keys q
tui_stop

# ---- l on a ticket: "New call"; Kind note makes it "New note"; the help at 80 columns ----
tui_start 80 24 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "sofia's client at 80x24" wait_for "Tickets by" 15
prompt "open #$tid"
check "the ticket opens" wait_for "ticket #$tid" 10
keys l
check "l opens a new call" wait_for "New call" 10
check "... on Kind" wait_for "▸ Kind" 5
keys -l n
check "n: the kind is note" line_has "Kind" "note"
check "the title follows the kind" wait_for "New note" 5
check "... as the status line does" wait_for "new note" 5
check "... no longer New call" wait_gone "New call" 5
keys Space
check "Space: the next kind, the title again" wait_for "New task" 5

# the help: every description starts in the same column, and none is cut at 80
keys Down Down Down Down Down Down Down Down Down # to When (a date and time)
check "the When field" wait_for "▸ When" 5
keys -l "2026-02-31 10:00"
keys Down
check "an impossible day in a date and time" wait_for "there is no 31 February 2026" 5
keys Up C-u
keys -l "2026-11-02 25:00"
keys Down
check "an impossible time" wait_for "there is no 25:00 (00:00 to 23:59)" 5
keys F1
check "F1 shows the form's help" wait_for "next / previous field" 5
# col TEXT: the column (in characters) TEXT starts at on the screen line holding it
col() {
    local line
    line=$(screen | grep -F -m1 -- "$1") || return 1
    line=${line%%"$1"*}
    echo "${#line}"
}
c0=$(col "next / previous field")
check "the help is drawn ($c0)" test -n "$c0"
for d in "next / previous field (in a body: line; in a search: match)" \
    "five fields on / back" "next field; in a text body, a new line" "save" \
    "cancel (asks first if you changed something)" "move in the text" \
    "delete to the start / end" "change a choice" "in a choice: the one starting with them (not Visibility)" \
    "in a reference (account, contact, ...): search" \
    "pick a match of the search, and on to the next field" \
    "pick from the list shown before typing" "in a search: back to the reference chosen before" \
    "suspend ccrm (fg in the shell resumes it)"; do
    check "\"$d\": whole, in the column of the others ($c0)" test "$(col "$d")" = "$c0"
done
keys Escape
wait_gone "next / previous field" 5 || fail "a key closes the help"
keys Escape
wait_for "discard your changes? y/n" 5 || fail "Esc asks"
keys y
wait_for "changes discarded" 5 || fail "discarded"
keys q q
tui_stop
done_testing
