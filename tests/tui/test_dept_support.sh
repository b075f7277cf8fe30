#!/usr/bin/env bash
# Support's day, end to end in real clients: sofia (support) starts on Tickets, opens a ticket
# with the form (the contact chosen by searching), opens it, logs a call against it, and hands
# it off to sales with a note. sam (sales), in another terminal, sees the hand-off arrive in
# his Inbox (tab count and entry) without a key press, opens it, and sees the call on the
# ticket's timeline marked with sofia's department. The database holds exactly that.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_dept_support.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
read -r cid email <<<"$(psqlc -F ' ' -c "select id, email from contacts where email is not null
    and account_id is not null order by id limit 1")"
subject="Invoice export fails — Zeichensatz ÄÖÜ"
sam_unread() { psqlc -c "select count(*) from inbox where login = 'sam' and read_at is null"; }
before=$(sam_unread)

tui_start 120 32 "$CCRM" -d "$DB user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
client s 120 32 "$CCRM" -d "$DB user=sam"
check "sam's client is up" wait_in s "Pipeline · prospecting"

keys n
check "n opens a new ticket form" wait_for "New ticket"
keys -l "$subject"
keys Tab Tab
keys -l "${email%@*}"
check "the contact is found by searching" wait_for "· $email"
keys Enter
keys C-s
check "the ticket is saved" wait_for "saved ticket #"
tid=$(psqlc -c "select id from tickets where subject = '$subject'")
check "database: the ticket hangs off the contact and its account" \
    test "$(psqlc -c "select t.contact_id = $cid and t.account_id = c.account_id and t.created_by = 'sofia'
        from tickets t join contacts c on c.id = t.contact_id where t.id = ${tid:-0}")" = t

keys g Enter
check "Enter opens the ticket" wait_for "ticket #$tid"
keys l
check "l opens a form to log a call" wait_for "New call"
keys Tab
keys -l "Called the customer about the export"
keys C-s
check "the call is saved" wait_for "saved call #"
check "the call is on the ticket's timeline, marked support" \
    wait_for "sofia (support)        call: Called the customer about the export"
check "database: a call on the ticket, by sofia" \
    test "$(psqlc -c "select count(*) from interactions where ticket_id = $tid and kind = 'call'
        and created_by = 'sofia'")" = 1

keys h
check "h asks to whom" wait_for "to (login or department):"
keys -l sales
keys Enter
check "then for a note" wait_for "note:"
keys -l "Customer wants the Pro plan"
keys Enter
check "the client confirms the hand-off" wait_for "off to sales"
check "database: sam got a hand-off of the ticket with the note" \
    test "$(psqlc -c "select count(*) from inbox where login = 'sam' and kind = 'handoff'
        and entity = 'tickets' and entity_id = $tid and note like '%Pro plan%'")" = 1
check "sam's Inbox tab counts it, without a key press" wait_in s "Inbox ($((before + 1)))" 5
tmx send-keys -t =s: 8
check "sam's Inbox lists the hand-off from sofia with the note" wait_in s "Customer wants the Pro plan"
tmx send-keys -t =s: g Enter
check "Enter opens the ticket from the Inbox" wait_in s "ticket #$tid"
check "sam sees sofia's call on the ticket's timeline" \
    wait_in s "sofia (support)        call: Called the customer about the export"
check "opening the entry marked it read" test "$(sam_unread)" = "$before"

keys q q
tmx send-keys -t =s: q q
check "ccrm exits 0" test "$(pane_status)" = 0
tui_stop
done_testing
