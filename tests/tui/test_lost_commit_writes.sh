#!/usr/bin/env bash
# Writes that must not be done twice, whose COMMIT's answer is lost (the connection drops as it
# commits; tests/lib/lost_proxy.sh drops it), as the forms' and the actions' are
# (test_lost_commit.sh): each keeps its transaction's id and asks the server whether it landed
# (db_write_landed) before it is written again.
#  - an answer by e-mail (r, y): said that it may have been queued, kept with that id on disk;
#    the next r says it was queued, removes the kept answer and sends it: the customer gets it
#    once, not twice;
#  - a payment (P on an invoice): P again says it was recorded instead of offering it again;
#  - a chat message (t): Enter on the line offered again says it was sent, not sent twice;
#  - an edit: the second Ctrl-S says it was saved as the connection dropped, not that the user
#    herself "saved them first".
# And the editor of an answer that ends by a signal (the terminal closed: SIGHUP) leaves what it
# saved in the kept answer; an editor that ccrm did not wait for (ccrm killed) leaves its text
# where the next r opens it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_lost_commit_writes.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 20
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
. "$(dirname "$0")/../lib/lost_proxy.sh"
# (the reply form's preview runs ccrm_mail_reply with six arguments, and is rolled back)
proxy_start '$5, $6, $7' "INSERT INTO payments" "INSERT INTO chat_messages" "UPDATE accounts SET"
via() { echo "host=127.0.0.1 port=$port dbname=ccrm user=$1"; }
KEPT=$XDG_STATE_HOME/ccrm/reply-tickets-$TK.txt
outgoing="select count(*) from messages where ticket_id = $TK and direction = 'out'"

# (each client below ends by q on its record, which goes back to the list, and q there, which
# quits: with the client still running, tui_stop waited two seconds for it to exit, four under
# load, before it ended the terminal)

# ---------------------------------------------------------------- an answer by e-mail
tui_start 140 40 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=1000 \
    "$CCRM" -c "$T/ccrm.ini" -d "$(via sofia)"
check "support starts through the proxy" wait_for "Tickets by updated" 15
prompt "open ticket $TK"
check "the ticket's view opens" wait_for "ticket #$TK" 10
keys r
check "after the editor, the question" wait_for "$ASK" 10
keys y
check "the commit's answer is lost: said it may have been queued" \
    wait_for "it may have been queued as the connection dropped" 10
check "...and it is in the outbox" wait_sql "$outgoing" 1
check "...the answer kept on disk with the transaction to ask about" grep -q '^queued [0-9]' "$KEPT"
check "the client reconnects" wait_for " online " 15
keys r
check "r: it was queued as the connection dropped, not queued again" \
    wait_for "was queued as the connection dropped (mail " 10
MID=$(q "select id from messages where ticket_id = $TK and direction = 'out'")
check "...and is sent now" wait_sql "select status from messages where id = ${MID:-0}" sent
check "...once: one mail in the outbox" sql_is "$outgoing" 1
check "...one mail to the customer" test "$(ls "$T"/spool/*.eml | wc -l)" = 1
check "...the kept answer is removed" test ! -e "$KEPT"
"$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN" --send-mail >/dev/null 2>&1
check "ccrm --send-mail sends nothing more" test "$(ls "$T"/spool/*.eml | wc -l)" = 1
keys q q
tui_stop

# ---------------------------------------------------------------- a payment
acc=$(as sam -c "insert into accounts (name, city, country) values ('Lost Payment Werke', 'Bonn', 'Germany') returning id")
inv=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate)
    values ($inv, 'x', 500, 0)" >/dev/null
as bea -c "select ccrm_invoice_issue($inv)" >/dev/null
tui_start 120 40 "$CCRM" -d "$(via bea)"
check "billing starts through the proxy" wait_for "Beatriz" 15
prompt "open invoice $inv"
check "the invoice is open" wait_for "Invoice " 10
keys P
check "P asks for the payment" wait_for "payment received" 5
keys -l "100"
keys Enter
check "the commit's answer is lost: said it may have been recorded" \
    wait_for "it may have been recorded as the connection dropped" 10
check "...and the payment is in" wait_sql "select count(*) from payments where invoice_id = $inv" 1
check "the client reconnects" wait_for " online " 15
keys P
check "P again: it was recorded, not offered again" \
    wait_for "was recorded as the connection dropped: not recorded again" 10
not_shown() { ! screen | grep -qF -- "$1"; }
check "...no payment line offered" not_shown "payment received"
check "...once: one payment" sql_is "select count(*) from payments where invoice_id = $inv" 1
keys P
check "P after that asks for a new payment, empty" wait_for "payment received" 5
keys Escape
keys q q
tui_stop

# ---------------------------------------------------------------- a chat message
tui_start 120 30 "$CCRM" -d "$(via sam)"
check "sales starts through the proxy" wait_for "by" 15
prompt "open account $acc"
check "the account's view opens" wait_for "account #$acc" 10
keys t
check "t asks for a message" wait_for "chat" 5
keys -l "Lost chat 4714"
keys Enter
check "the commit's answer is lost: the line is offered again, maybe sent" \
    wait_for "chat (maybe sent, Enter asks before it retries): Lost chat 4714" 10
check "...and the message is in" wait_sql "select count(*) from chat_messages where body = 'Lost chat 4714'" 1
check "the client reconnects" wait_for " online " 15
keys Enter
check "Enter: it was sent, and says so" wait_for "the message was sent as the connection dropped" 10
check "...once" sql_is "select count(*) from chat_messages where body = 'Lost chat 4714'" 1

# an edit of the account: our own change found is not "sam saved them first"
keys e
check "e opens the account's form" wait_for "Edit account" 5
keys End
keys -l " Lost Edit"
keys C-s
check "the commit's answer is lost: not saved, the input kept" wait_for "not saved" 10
check "...and the change is in" wait_sql "select count(*) from accounts where name = 'Lost Payment Werke Lost Edit'" 1
check "the client reconnects" wait_for " online " 15
keys C-s
check "Ctrl-S again: it was saved as the connection dropped" \
    wait_for "it was saved as the connection dropped" 10
check "...not \"sam saved them first\"" not_shown "saved them first"
keys q q
tui_stop

# ---------------------------------------------------------------- the editor's text kept
# an editor that saves, then is ended by SIGHUP (its terminal closed)
printf '#!/bin/bash\nprintf "Saved before the hangup 4715.\\n" >"$1"\nkill -HUP $$\n' >"$T/editor-hup"
# an editor that saves, then waits: ccrm is killed meanwhile
printf '#!/bin/bash\nprintf "Saved while ccrm died 4716.\\n" >"$1"\necho $$ >"%s/editor.pid"\nsleep 60\n' "$T" >"$T/editor-wait"
printf '#!/bin/bash\ncp "$1" "%s/editor-saw"\n' "$T" >"$T/editor-keep"
chmod 755 "$T/editor-hup" "$T/editor-wait" "$T/editor-keep"
rm -f "$KEPT"
start() { tui_start 140 40 env EDITOR="$1" VISUAL= "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"; }
start "$T/editor-hup"
wait_for "Tickets by updated" 15 >/dev/null
prompt "open ticket $TK"
wait_for "ticket #$TK" 10 >/dev/null
keys r
check "the editor ended by SIGHUP: what it saved is kept" wait_for "what it saved is kept" 10
check "...in the kept answer" grep -q "Saved before the hangup 4715." "$KEPT"
keys q q
tui_stop
rm -f "$KEPT"
start "$T/editor-wait"
wait_for "Tickets by updated" 15 >/dev/null
prompt "open ticket $TK"
wait_for "ticket #$TK" 10 >/dev/null
keys r
check "the editor runs" wait_until test -s "$T/editor.pid"
kill -9 "$(pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1)"
check "ccrm killed while the editor runs" wait_until -t 10 test -s "$TEST_TMP/tui.exit"
kill "$(cat "$T/editor.pid")" 2>/dev/null
tui_stop
start "$T/editor-keep"
wait_for "Tickets by updated" 15 >/dev/null
prompt "open ticket $TK"
wait_for "ticket #$TK" 10 >/dev/null
keys r
check "the next r opens what that editor saved" wait_until grep -q "Saved while ccrm died 4716." "$T/editor-saw"
check "...and asks whether to send it" wait_for "$ASK" 10
keys n
keys q q
tui_stop
done_testing
