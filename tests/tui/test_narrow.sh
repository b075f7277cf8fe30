#!/usr/bin/env bash
# Real sizes: a `scripts/demo --two` pane is 70 columns. The Leads list keeps "Latest from any
# department" there (columns go by priority, not from the right), a record's timeline keeps
# the date and author of each entry at 70 and at 40 columns, the help popup is as wide as its
# text, a terminal too small says how big it must be, a seven-digit # is shown whole, and the
# tab bar names every tab (by a short name or its whole title) at 80 and at 140 columns, and
# cuts titles alike when it must; the Feed at 80 columns names each record whole.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_narrow.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"

tui_start 70 24 "$CCRM" -d "$DB user=sam" --view leads
check "the Leads list opens at 70 columns" wait_for "Leads by" 15
check "it keeps the column the product exists for" wait_for "Latest from" 5
check "... and the name" bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 2p | grep -qF Name"
check "the owner column gives way instead" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 2p | grep -qF Owner)"

# a record's comments and timeline at 70 columns: date and author of every entry
acc=$(q "select a.name from accounts a where exists (select 1 from comments c where c.entity = 'accounts' and c.entity_id = a.id) order by a.id limit 1")
who=$(q "select c.author from comments c join accounts a on a.id = c.entity_id and c.entity = 'accounts' where a.name = '$(sed "s/'/''/g" <<<"$acc")' order by c.created_at desc, c.id desc limit 1")
keys 3
check "Accounts" wait_for "Accounts by" 5
prompt "open $acc"
check "the account opens" wait_for "People (" 10
# its comments: two sections down (past People and Interests, at 24 rows below the fields)
keys ] ]
check "its comments" wait_for "Comments (" 5
check "its entries show their date and author" bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -Eq '^ *20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} +$who'"
tmux -L "$TMUX_SOCK" resize-window -t =t: -x 40 -y 24
check "at 40 columns the entries keep their day and author" \
    wait_until -t 5 bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -Eq '^ *[0-9]{2}-[0-9]{2} +$who '"
tmux -L "$TMUX_SOCK" resize-window -t =t: -x 140 -y 40
keys q
check "back in the list" wait_for "Accounts by" 5

# the help popup fits its longest line at 140 columns
keys '?'
check "help opens" wait_for "Keys: Accounts" 5
check "its longest line is shown whole" wait_for "new record of this list's kind; :new deal, :new call, ... anywhere" 5
keys Escape

# too small: says the minimum
tmux -L "$TMUX_SOCK" resize-window -t =t: -x 20 -y 5
check "a terminal too small says the size it needs" wait_for "needs 24x6" 5
check "...whole at 20 columns, and that keys are not taken" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qx '20x5: too small' && tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qx 'keys not taken'"
keys 6 # unseen, it does nothing (it would open Tickets)
tmux -L "$TMUX_SOCK" resize-window -t =t: -x 140 -y 40
check "and the list comes back" wait_for "Accounts by" 5
check "...the key pressed while nothing could be seen did nothing" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Tickets by')"
keys q
tui_stop

# a record's # is shown whole, however many digits (the column grows to its widest id)
q "insert into tickets (id, subject, status) overriding system value
   values (1234567, 'Seven digit id', 'new')" >/dev/null
as zoe -c "update tickets set priority = 'high' where id = 1234567" >/dev/null # (now the newest)
tui_start 80 24 "$CCRM" -d "$DB user=zoe" --view tickets
check "the Tickets list opens at 80 columns" wait_for "Tickets by" 15
check "a seven-digit ticket number is shown whole" line_has "#1234567" "Seven digit id"
keys q
tui_stop

# an amount is never cut: its column grows to the widest one (at 80 columns too)
acc=$(as sam -c "insert into accounts (name) values ('Huge Amount AG') returning id" | head -1)
inv=$(as bea -c "insert into invoices (account_id, currency, buyer_address, buyer_postcode)
    values ($acc, 'EUR', 'Am Hof 1', '53111') returning id" | head -1)
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($inv, 'Everything', 1, 'piece', 987654321, 19)" >/dev/null || fail "a line"
tui_start 80 24 "$CCRM" -d "$DB user=bea" --view invoices
check "the Invoices list opens at 80 columns" wait_for "Invoices by" 15
check "a gross of 1,175,308,641.99 EUR is shown whole" line_has "draft #$inv" "1,175,308,641.99 EUR"
# the tab bar at 80 columns: the current tab whole, every other by its key and a short name
# (alike: the first three letters of each), its neighbours whole when there is room
# (test_tabs_narrow.sh)
tabs() { tmux -L "$TMUX_SOCK" capture-pane -t =t: -p | head -1; }
tabs_like() { tabs | grep -qE -- "$1"; }
check "at 80 columns every tab is readable: Invoices whole, the others named short ($(tabs))" \
    tabs_like '^ 1 Feed 2 Lea 3 Acc 4 Con 5 Dea 6 Tic 7 Cam 8 Inb[a-z]*( \([0-9+]*\))? 9 Das 0 Quo[a-z]* Invoices Pro[a-z]* *$'
keys q
tui_stop

# ... and at 140 with counts on the Feed's and the Inbox's tabs: every title, closer together
q "insert into inbox (login, kind, from_login, note)
   select 'bea', 'handoff', 'sam', 'tab bar ' || g from generate_series(1, 120) g" >/dev/null
tui_start 140 24 "$CCRM" -d "$DB user=bea" --view invoices
check "the Invoices list opens at 140 columns" wait_for "Invoices by" 15
check "the Inbox tab counts them" wait_for "8 Inbox (1" 10
as sam -c "update accounts set city = 'Tabbar' where id = $acc" >/dev/null
check "the Feed tab counts a change" wait_for "Feed (1)" 10
check "at 140 columns with both counts every tab keeps its title ($(tabs))" \
    tabs_like '^ ccrm +1 Feed \(1\) +2 Leads +3 Accounts +4 Contacts +5 Deals +6 Tickets +7 Campaigns +8 Inbox \([0-9+]+\) +9 Dashboard +0 Quotes +Invoices +Products *$'
tmux -L "$TMUX_SOCK" resize-window -t =t: -x 110 -y 24
check "at 110 columns the titles are cut alike, marked, never to a few letters; the current one whole, and its neighbour Products in the room left" \
    wait_until tabs_like '^ 1 Feed \(1\) 2 Leads 3 Acco[a-z]*… 4 Cont[a-z]*… 5 Deals .*9 Dash[a-z]*… .* Invoices Products *$'
keys q
tui_stop

# the Feed at 80 columns names each record whole ("interaction #1234", not "interaction #…")
tui_start 80 24 "$CCRM" -d "$DB user=mia" --view feed
check "the Feed opens at 80 columns" wait_for "Feed by newest" 15
check "an interaction's number is shown whole" \
    wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -Eq ' interaction #[0-9]+ '"
check "... no record cut" bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF '#…'"
keys q
tui_stop

done_testing
