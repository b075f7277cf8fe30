#!/usr/bin/env bash
# Inbox entries marked read without opening what they name: x on the entry (the entry stays,
# its unread mark and the tab's count go), :read all for every one; Enter still opens and marks.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_inbox_read.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
# three hand-offs to sam, none read
as sam -c "update inbox set read_at = now() where login = 'sam' and read_at is null" >/dev/null
for i in 1 2 3; do
    t=$(as sofia -c "insert into tickets (account_id, subject) values ($acc, 'Readtest $i') returning id" | head -n 1)
    as sofia -c "select ccrm_assign('tickets', $t, 'sam', 'Readtest note $i')" >/dev/null
done
unread() { q "select count(*) from inbox where login = 'sam' and read_at is null"; }
check "sam has 3 unread entries" test "$(unread)" = 3

tui_start 140 30 "$CCRM" -d "$DB user=sam" --view inbox
check "the Inbox opens with its count" wait_for " 8 Inbox (3) " 15
check "the entries are there" wait_for "Readtest note 3" 10
keys x
check "x marks the entry on the cursor read" wait_sql "select count(*) from inbox where login = 'sam' and read_at is null" 2
check "... says so" wait_for "marked read" 5
check "... and the tab's count follows" wait_for " 8 Inbox (2) " 10
check "the Inbox is still on screen (nothing was opened)" wait_for "Inbox by" 5
keys :
keys -l "read all"
keys Enter
check ":read all marks the rest" wait_sql "select count(*) from inbox where login = 'sam' and read_at is null" 0
check "... says how many" wait_for "2 Inbox entries marked read" 5
check "... and the count is gone" wait_gone " 8 Inbox (" 10
keys :
keys -l "read all"
keys Enter
check "nothing left: it says so" wait_for "nothing unread in your Inbox" 5
keys :
keys -l "read some"
keys Enter
check "an argument other than all is refused" wait_for "takes no argument but \"all\"" 5
# the help offers x where it marks something read only: on the Tickets list it is not listed
keys 2
wait_for "Tickets by" 10 >/dev/null
keys ?
wait_for "help" 5 >/dev/null
check "the Tickets help does not list x (it marks Inbox entries read)" \
    bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; ! screen | grep -q 'mark the Inbox entry read'"
keys Escape
keys 8
wait_for "Inbox" 10 >/dev/null
keys ?
check "the Inbox help does" wait_for "mark the Inbox entry read" 5
keys Escape
# a search that shows nothing has not emptied the Inbox
keys /
keys -l "zzqqxxnothing"
keys Enter
wait_for "no records match the search" 5 >/dev/null
keys x
check "x on an Inbox a search emptied: nothing selected, not an empty Inbox" \
    wait_for "no inbox entry selected" 5
keys Escape
keys q
tui_stop

done_testing
