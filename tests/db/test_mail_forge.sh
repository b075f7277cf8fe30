#!/usr/bin/env bash
# An answer starts in the outbox as ccrm --reply writes it, also when staff type the INSERT
# into psql (migration 058, ccrm_mail_out_rule): no From but its queue's, no Reply-To that
# takes the customer's answers elsewhere, no mail filed as sent that never was, no line breaks
# in its addresses. --reply and a quote's mail still queue theirs.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_forge.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 20
fake_sendmail
Q=$(q "select id from mail_queues where creates = 'ticket' order by id limit 1")
QA=$(q "select lower(address) from mail_queues where id = $Q")
QN=$(q "select coalesce(from_name, '') from mail_queues where id = $Q")
TK=$(q "select min(id) from tickets")
err() { as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR; }
# forge SQL-VALUES-TAIL: sam inserts an outgoing mail of queue $Q with the given columns
ins() { err sam "insert into messages (message_id, queue_id, direction, status, from_addr, from_name, reply_to, to_addr, subject, body_text, ticket_id $1) values ('forge.' || random() || '@x.example', $Q, 'out', $2, 'anna@customer.example', 'hi', 'x', $TK $3)"; }
n0=$(q "select count(*) from messages")

out=$(ins "" "'queued', 'ceo@example.com', 'The CEO', NULL" "")
check "a From other than the queue's is refused ($out)" grep -q "an answer goes out from its queue's address and name, not from \"ceo@example.com\"" <<<"$out"
out=$(ins "" "'queued', '$QA', 'The CEO', NULL" "")
check "...and a name other than the queue's ($out)" grep -q "goes out from its queue's address and name" <<<"$out"
out=$(ins ", sent_at" "'sent', '$QA', nullif('$QN', ''), NULL" ", now() - interval '1 day'")
check "a mail filed as sent that never was is refused ($out)" grep -q "an answer starts queued and not yet tried (status sent)" <<<"$out"
out=$(ins ", attempts" "'queued', '$QA', nullif('$QN', ''), NULL" ", 3")
check "...and one filed as tried" grep -q "starts queued and not yet tried" <<<"$out"
out=$(ins "" "'queued', '$QA', nullif('$QN', ''), 'attacker@evil.example'" "")
check "a Reply-To of someone else's is refused ($out)" grep -q "an answer's Reply-To is its queue's, not \"attacker@evil.example\"" <<<"$out"
box=$(q "select coalesce(reply_to, address) from mail_queues where id = $Q")
evil="${box%@*}+t1@${box#*@}.evil.example"
out=$(ins "" "'queued', '$QA', nullif('$QN', ''), '$evil'" "")
check "...also one that looks like the queue's plus-address on another domain ($out)" grep -q "Reply-To is its queue's" <<<"$out"
other="${box%@*}+t$((TK + 1))@${box#*@}"
out=$(ins "" "'queued', '$QA', nullif('$QN', ''), '$other'" "")
check "...and another ticket's plus-address (the customer's answer would land there: $out)" grep -q "Reply-To is its queue's" <<<"$out"
out=$(err sam "insert into messages (message_id, queue_id, direction, status, from_addr, from_name, to_addr, subject, body_text, ticket_id) values ('forge.2@x.example', $Q, 'out', 'queued', '$QA', nullif('$QN', ''), e'anna@customer.example\\nBcc: all@example.com', 'x', 'x', $TK)")
check "a line break in the To is refused ($out)" grep -q "one line each" <<<"$out"
check "nothing of it was stored" test "$(q "select count(*) from messages")" = "$n0"

plus="${box%@*}+t$TK@${box#*@}"
out=$(ins "" "'queued', '$QA', nullif('$QN', ''), '$plus'" "")
check "the queue's own plus-address token is a Reply-To it may have (${out:-stored})" test -z "$out"
run sofia --reply "$TK" --body-file - --no-send <<<"Wir kümmern uns darum."
check "ccrm --reply still queues its answer (rc $rc: $(cat "$T/err"))" test "$rc" = 0
check "...from the queue's address" test "$(q "select from_addr from messages where direction = 'out' order by id desc limit 1")" = "$(q "select lower(address) from mail_queues m join messages x on x.queue_id = m.id where x.direction = 'out' order by x.id desc limit 1")"

done_testing
