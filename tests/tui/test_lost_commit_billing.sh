#!/usr/bin/env bash
# The back office's writes that must not be done twice, whose COMMIT's answer is lost (the
# connection drops as it commits; tests/lib/lost_proxy.sh drops it), as test_lost_commit_writes.sh
# has the mail answers', payments' and chat lines': each keeps its transaction's id and asks the
# server whether it landed (db_write_landed) before it is written again.
#  - Q on a deal, V on a sent quote, K on an issued invoice: said that it may have been made;
#    the same key again says it was made and opens it, and makes no second quote, revision or
#    credit note;
#  - ccrm --credit-note and ccrm --reply: the command asks itself before it says anything, and
#    exits 0 when it was written, so a script that runs it again after a failure does not draft
#    a second credit note or send the customer a second mail;
#  - ccrm --reply that cannot ask (the server is gone after the drop): the next run with the same
#    answer asks, finds it was queued, and sends that mail instead of queuing a second one.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_lost_commit_billing.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 10
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
. "$(dirname "$0")/../lib/lost_proxy.sh"
# in this order: Q, V, K, --credit-note, --reply (ccrm_mail_reply: the reply form's preview
# has six arguments) twice, the proxy gone after the second
proxy_start "INSERT INTO quotes (opportunity_id" "ccrm_quote_revise(" 'ccrm_credit_note($1::bigint)' \
    'ccrm_credit_note($1::bigint, $2)' '$5, $6, $7' 'gone:$5, $6, $7'
via() { echo "host=127.0.0.1 port=$port dbname=ccrm user=$1"; }
not_shown() { ! screen | grep -qF -- "$1"; }
said() { screen | grep -qE -- "$1"; }

acc=$(as sam -c "insert into accounts (name, city, country) values ('Lost Quote Werke', 'Bonn', 'Germany') returning id")
d=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner) values ($acc, 'Lost quote deal', 'proposal', 1000, 'EUR', 'sam') returning id")
qs=$(as sam -c "insert into quotes (account_id, title, owner) values ($acc, 'Lost revision', 'sam') returning id")
as sam -c "insert into quote_lines (quote_id, description, unit_price, tax_rate) values ($qs, 'Work', 500, 19)" >/dev/null
as sam -c "update quotes set status = 'sent' where id = $qs" >/dev/null
issued() { # an issued invoice of the account
    local inv
    inv=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id")
    as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($inv, 'x', 100, 0)" >/dev/null
    as bea -c "select ccrm_invoice_issue($inv)" >/dev/null
    echo "$inv"
}
inv=$(issued)
inv2=$(issued)
check "a deal, a sent quote, two issued invoices" test -n "$d" -a -n "$qs" -a -n "$inv" -a -n "$inv2"
quotes="select count(*) from quotes where opportunity_id = $d"
revisions="select count(*) from quotes where previous_id = $qs"
credits="select count(*) from invoices where credit_of = $inv"

# ---------------------------------------------------------------- Q on a deal, V on a quote
tui_start 160 40 "$CCRM" -d "$(via sam)"
check "sales starts through the proxy" wait_for "Sam" 15
prompt "open deal $d"
check "the deal's view opens" wait_for "deal #$d" 10
keys Q
check "Q: the commit's answer is lost" wait_for "lost the connection to the database" 10
first=$(screen)
check "...and the quote is in" wait_sql "$quotes" 1
check "the client reconnects" wait_for " online " 15
keys Q
wait_until -t 10 said "was made as the connection dropped|\(draft\) for deal"
check "Q again: once: one quote" sql_is "$quotes" 1
q1=$(q "select min(id) from quotes where opportunity_id = $d")
check "...said, the first time, that it may have been made" \
    grep -qF "it may have been made as the connection dropped" <<<"$first"
check "...now that it was made, opened, not made again" \
    wait_for "quote #$q1 was made as the connection dropped: opened, not made again" 10

prompt "open quote $qs"
check "the sent quote is open" wait_for "quote #$qs" 10
keys V
check "V: the commit's answer is lost" wait_for "lost the connection to the database" 10
first=$(screen)
check "...and the revision is in" wait_sql "$revisions" 1
check "the client reconnects" wait_for " online " 15
keys V
wait_until -t 10 said "was made as the connection dropped|\(draft\) revises"
check "V again: once: one revision" sql_is "$revisions" 1
r1=$(q "select min(id) from quotes where previous_id = $qs")
check "...said, the first time, that it may have been made" \
    grep -qF "it may have been made as the connection dropped" <<<"$first"
check "...now that it was made, opened, not made again" \
    wait_for "quote #$r1 was made as the connection dropped: opened, not made again" 10
keys q
tui_stop

# ---------------------------------------------------------------- K on an issued invoice
tui_start 160 40 "$CCRM" -d "$(via bea)"
check "billing starts through the proxy" wait_for "Beatriz" 15
prompt "open invoice $inv"
check "the invoice is open" wait_for "Invoice " 10
keys K
check "K: the commit's answer is lost" wait_for "lost the connection to the database" 10
first=$(screen)
check "...and the credit note is in" wait_sql "$credits" 1
check "the client reconnects" wait_for " online " 15
keys K
wait_until -t 10 said "was made as the connection dropped|\(draft\) from invoice"
check "K again: once: one credit note" sql_is "$credits" 1
c1=$(q "select min(id) from invoices where credit_of = $inv")
check "...said, the first time, that it may have been made" \
    grep -qF "it may have been made as the connection dropped" <<<"$first"
check "...now that it was made, opened, not made again" \
    wait_for "credit note #$c1 was made as the connection dropped: opened, not made again" 10
check "...not offered as a failure" not_shown "could not draft"
keys q
tui_stop

# ---------------------------------------------------------------- the batch commands
# as a script does: run it, and once more if it failed
twice() {
    "$CCRM" "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    [ "$(cat "$T/rc")" = 0 ] || "$CCRM" "$@" >>"$T/out" 2>>"$T/err"
}
twice -d "$(via bea)" --credit-note "$inv2"
check "--credit-note: the commit's answer lost" test -e "$T/dropped.4"
c2=$(q "select min(id) from invoices where credit_of = $inv2")
check "...once: one credit note" sql_is "select count(*) from invoices where credit_of = $inv2" 1
check "...the command finds it was made and exits 0" test "$(cat "$T/rc")" = 0
check "...and says so" grep -q "credit note #$c2 (draft) was made as the connection dropped: not made again" "$T/out"

outgoing="select count(*) from messages where ticket_id = $TK and direction = 'out'"
printf 'Dear Ms Weber,\n\nthe refund is on its way.\n' >"$T/answer.txt"
twice -c "$T/ccrm.ini" -d "$(via sofia)" --reply "$TK" --body-file "$T/answer.txt"
check "--reply: the commit's answer lost" test -e "$T/dropped.5"
MID=$(q "select min(id) from messages where ticket_id = $TK and direction = 'out'")
check "...once: one mail in the outbox" sql_is "$outgoing" 1
check "...one mail to the customer" test "$(ls "$T"/spool/*.eml 2>/dev/null | wc -l)" = 1
check "...the command finds it was queued and exits 0" test "$(cat "$T/rc")" = 0
check "...and says so" grep -q "mail $MID was queued as the connection dropped: not queued again" "$T/out"
check "...and sends it" grep -q "mail $MID sent" "$T/out"

# the server cannot be asked after the drop: the command says so, and the next run asks
printf 'Dear Ms Weber,\n\nthe refund was sent today.\n' >"$T/answer2.txt"
"$CCRM" -c "$T/ccrm.ini" -d "$(via sofia)" --reply "$TK" --body-file "$T/answer2.txt" >"$T/out" 2>"$T/err"
rc=$?
check "--reply, the server gone after the drop: the commit's answer lost" test -e "$T/dropped.6"
check "...the answer is in" sql_is "$outgoing" 2
check "...exits 69" test "$rc" = 69
check "...and says the same command finds out" grep -q "the same command run again finds out" "$T/err"
"$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia" --reply "$TK" --body-file "$T/answer2.txt" >"$T/out" 2>"$T/err"
rc=$?
check "run again: once: two mails in the outbox" sql_is "$outgoing" 2
M2=$(q "select max(id) from messages where ticket_id = $TK and direction = 'out'")
check "...exits 0" test "$rc" = 0
check "...says an earlier run queued it" \
    grep -q "mail $M2 was queued by an earlier run as the connection dropped: not queued again" "$T/out"
check "...and sends that mail" grep -q "mail $M2 sent" "$T/out"
check "...two mails to the customer" test "$(ls "$T"/spool/*.eml 2>/dev/null | wc -l)" = 2
check "...nothing kept any more" test -z "$(ls "$XDG_STATE_HOME"/ccrm/reply-unanswered-* 2>/dev/null)"
done_testing
