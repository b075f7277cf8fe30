#!/usr/bin/env bash
# What support and billing see at 80 columns: the Tickets list keeps who asked (Requester) and
# who has it (Assignee), with the status, the time left and the account; the subject is cut
# sooner for them (it gives way in the registry: its least). They were left out at 80 columns
# while the subject kept its full minimum. The Invoices list keeps the due date the same way
# (its customer's name gives way). At 140 columns every column is there as before.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_narrow_lists.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select id from accounts order by id limit 1")
con=$(q "insert into contacts (account_id, first_name, last_name, email)
         values ($acc, 'Gisela', 'Marx', 'gisela@narrow.example') returning id" | head -1)
q "insert into tickets (account_id, contact_id, subject, status, assignee)
   values ($acc, $con, 'Printer jams on every page', 'open', 'kenji')" >/dev/null

heading() { screen | sed -n 2p; }
heading_has() { heading | grep -qF -- "$1"; }

tui_start 80 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "the Tickets list opens at 80 columns" wait_for "Tickets by" 15
for col in Subject Status Left Account Assignee Requester; do
    check "at 80 columns the heading has $col ($(heading))" heading_has "$col"
done
check "the ticket's row names its requester and its assignee" line_has "kenji    Gisela Marx" "Printer jams"
check "... and the start of its subject, cut" line_has "Printer jams" "…"
tmx resize-window -t =t: -x 140 -y 24
check "at 140 columns the heading has Priority, Age and Updated too" \
    wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 2p | grep -q 'Priority.*Age.*Requester.*Updated'"
check "... and the subject whole" line_has "Printer jams on every page" "Gisela Marx"
keys q
tui_stop

tui_start 80 24 "$CCRM" -d "$DB user=bea" --view invoices
check "the Invoices list opens at 80 columns" wait_for "Invoices by" 15
for col in Number Customer Status Gross Open Due; do
    check "at 80 columns the Invoices heading has $col ($(heading))" heading_has "$col"
done
keys q
tui_stop

done_testing
