#!/usr/bin/env bash
# Answers and the outbox: ccrm --reply queues and sends, the mail's headers (From and Reply-To of
# the queue, the [#N] tag, In-Reply-To/References, the stored Message-ID), ccrm --send-mail,
# a failing sendmail retried with backoff and given up after ten attempts, a sender killed
# between sendmail and recording (the mail goes again with the same Message-ID), four senders
# at once sending each mail once, the mail login as sender, and the customer's answer threaded
# back. sendmail is a script here that keeps what it gets.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_outbox.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/mail" && pwd)
T=$TEST_TMP
# the demo without its queues and mail (this test sets up its own), and a sendmail(1) that keeps
# each mail as spool/N.eml and logs its Message-ID; it fails while $T/fail exists, waits while
# $T/slow exists and hangs after taking a mail while $T/hang-after exists (tests/lib/mail.sh);
# run USER args...: ccrm as a demo person, with it
mail_demo 30
last_sent() { ls "$T"/spool/*.eml | sort | tail -1; }
header() { grep -m1 -i "^$1:" "$2" | sed "s/^[^:]*: *//"; }

q "insert into mail_queues (name, address, from_name, reply_to, creates, assignee)
   values ('support', 'support@example.com', 'Example Support', 'help@example.com', 'ticket', 'sofia'),
          ('sales', 'sales@example.com', 'Example Sales', NULL, 'lead', 'sam')"
q "create role mailer login in role ccrm_mail"
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$D/01-alternative.eml" || fail "deliver 01"
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$D/14-reply-references.eml" || fail "deliver 14"
TK=$(q "select ticket_id from messages where message_id = 'reply.2.anna@kunde-gmbh.de'")

# ---------------------------------------------------------------- --reply sends at once
printf 'Hallo Frau Berger,\n\ndie zweite Buchung ist erstattet.\n\nViele Grüße\nSofia\n' >"$T/answer.txt"
run sofia --reply "$TK" --body-file "$T/answer.txt"
check "--reply: exit 0" test $rc = 0
MID=$(q "select id from messages where direction = 'out' order by id desc limit 1")
same "--reply: says it queued and sent" "ccrm: mail $MID queued
ccrm: mail $MID sent" "$(cat "$T/out")"
F=$(last_sent)
check "sendmail got one mail" test "$(ls "$T"/spool/*.eml | wc -l)" = 1
same "From: the queue's name and address" 'Example Support <support@example.com>' "$(header From "$F")"
same "Reply-To: the queue's" "help@example.com" "$(header Reply-To "$F")"
same "To: the customer's latest mail's sender" 'Anna Berger <anna.berger@kunde-gmbh.de>' "$(header To "$F")"
same "Subject: Re: and the ticket's tag" "Re: Rechnung doppelt abgebucht [#$TK]" "$(header Subject "$F")"
same "In-Reply-To: the latest mail of the ticket" "<reply.2.anna@kunde-gmbh.de>" "$(header In-Reply-To "$F")"
check "References: the thread, oldest first" \
    grep -q "^References: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>[[:space:]]*<reply.2.anna@kunde-gmbh.de>" <(tr -d '\r' <"$F" | sed -e ':a' -e 'N;$!ba' -e 's/\n[ \t]\+/ /g')
same "Message-ID: the one stored" "<$(q "select message_id from messages where id = $MID")>" "$(header Message-ID "$F")"
check "the Message-ID is generated with the queue's domain" grep -q '^<ccrm\.[0-9a-f]\{32\}@example\.com>$' <<<"$(header Message-ID "$F")"
check "the text arrives (quoted-printable UTF-8)" \
    bash -c "grep -q 'Content-Type: text/plain; charset=utf-8' '$F' && grep -q 'Viele Gr=C3=BC=C3=9Fe' '$F'"
check "the outbox row: sent, one attempt, sent_at set" \
    test "$(q "select status || ' ' || attempts || ' ' || (sent_at is not null) from messages where id = $MID")" = "sent 1 true"
check "the answer is on the timeline: an interaction (email, out) on the ticket, in sofia's name" \
    test "$(q "select i.kind || ' ' || i.channel || ' ' || i.direction || ' ' || i.ticket_id || ' ' || i.created_by from messages m join interactions i on i.id = m.interaction_id where m.id = $MID")" = "email email out $TK sofia"
check "the answer is on the ticket's conversation" test "$(q "select count(*) from messages where ticket_id = $TK")" = 3

# the customer answers our mail: References lead back to the ticket
F2=$(last_sent)
{ printf 'From: Anna Berger <anna.berger@kunde-gmbh.de>\nTo: help@example.com\nSubject: Re: Re: Rechnung doppelt abgebucht\nMessage-ID: <reply.3.anna@kunde-gmbh.de>\nIn-Reply-To: %s\n\nDanke!\n' "$(header Message-ID "$F2")"; } |
    "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "the customer's answer to our mail finds the ticket by In-Reply-To" \
    test "$(q "select thread_by || ' ' || ticket_id from messages where message_id = 'reply.3.anna@kunde-gmbh.de'")" = "references $TK"

# ---------------------------------------------------------------- --no-send, --send-mail
run sofia --reply "ticket:$TK" --body-file - --no-send --to "not an address" <<<"x"
check "--to that is no address: exit 65, said so (not that the ticket has none)" \
    bash -c "test $rc = 65 && grep -q '\"not an address\" is not an e-mail address' '$T/err'"
run sofia --reply "ticket:$TK" --body-file - --no-send --subject "Kurze Rückfrage" <<<"Noch eine Frage."
M2=$(q "select max(id) from messages where direction = 'out'")
check "--no-send: queued, not sent" test "$(q "select status from messages where id = $M2") $(ls "$T"/spool/*.eml | wc -l)" = "queued 1"
check "--subject: the tag is added" test "$(q "select subject from messages where id = $M2")" = "Kurze Rückfrage [#$TK]"
run mailer --send-mail
check "--send-mail as the mail login: exit 0" test $rc = 0
same "--send-mail: a line per mail and a summary" "ccrm: mail $M2 sent to \"Anna Berger\" <anna.berger@kunde-gmbh.de>
ccrm: 1 sent, 0 to be tried again, 0 given up" "$(cat "$T/out")"
check "--send-mail: sent" test "$(q "select status from messages where id = $M2")" = sent
run mailer --send-mail
same "--send-mail with nothing due" "ccrm: 0 sent, 0 to be tried again, 0 given up" "$(cat "$T/out")"

# ---------------------------------------------------------------- failures are retried
touch "$T/fail"
run sofia --reply "$TK" --body-file "$T/answer.txt"
M3=$(q "select max(id) from messages where direction = 'out'")
check "sendmail failing: --reply still exits 0 (the answer is safe in the outbox)" test $rc = 0
check "...and says why it is not sent yet" grep -q "could not send mail $M3 yet: .*exited with status 75: sendmail: mail.example.com: connection refused" "$T/err"
check "the failure is recorded: queued, attempt 1, the reason, next attempt in a minute" \
    test "$(q "select status || ' ' || attempts || ' ' || (last_error like '%connection refused%') || ' ' || (next_attempt_at between now() + interval '50 s' and now() + interval '70 s') from messages where id = $M3")" = "queued 1 true true"
run mailer --send-mail
check "not due yet: --send-mail leaves it (and exits 0)" \
    test "$rc $(q "select attempts from messages where id = $M3")" = "0 1"
q "update messages set next_attempt_at = now() where id = $M3"
run mailer --send-mail
check "due and failing again: exit 75, attempt 2, backoff doubled (2 minutes)" \
    test "$rc $(q "select attempts || ' ' || (next_attempt_at between now() + interval '110 s' and now() + interval '130 s') from messages where id = $M3")" = "75 2 true"
check "... the failure and sendmail's reason on standard error" \
    grep -q "^ccrm: could not send mail $M3 to .*connection refused (it will be tried again)$" "$T/err"
same "... standard output keeps the summary alone (the failure went there)" \
    "ccrm: 0 sent, 1 to be tried again, 0 given up" "$(cat "$T/out")"
q "update messages set next_attempt_at = now() where id = $M3"
run mailer --send-mail --quiet
check "--quiet and failing: still exit 75 (attempt 3)" \
    test "$rc $(q "select attempts from messages where id = $M3")" = "75 3"
check "... the failure still on standard error (--quiet leaves out only what went well)" \
    grep -q "^ccrm: could not send mail $M3 to .*connection refused (it will be tried again)$" "$T/err"
same "... nothing on standard output (no summary)" "" "$(cat "$T/out")"
q "update messages set attempts = 9, next_attempt_at = now() where id = $M3"
run mailer --send-mail
check "the tenth failure gives up: failed" test "$(q "select status from messages where id = $M3")" = failed
check "...and says so, on standard error" grep -q "given up after the last attempt" "$T/err"
check "... not on standard output" bash -c "! grep -q 'could not send' '$T/out'"
rm -f "$T/fail"
as sofia -c "update messages set status = 'queued', attempts = 0, next_attempt_at = now() where id = $M3"
run mailer --send-mail --quiet
check "--quiet and all sent: exit 0, nothing said" test "$rc:$(cat "$T/out" "$T/err")" = "0:"
check "a person queues a failed mail again; it goes out once" \
    test "$(q "select status from messages where id = $M3") $(grep -c "$(q "select message_id from messages where id = $M3")" "$T/sent.log")" = "sent 1"
out=$(as sofia -c "update messages set status = 'queued' where id = $M3" 2>&1)
check "a sent mail cannot be queued again" grep -q "cannot go from sent to queued" <<<"$out"

# ---------------------------------------------------------------- a sender killed mid-way
run sofia --reply "$TK" --body-file "$T/answer.txt" --no-send
M4=$(q "select max(id) from messages where direction = 'out'")
ID4=$(q "select message_id from messages where id = $M4")
touch "$T/hang-after"
"$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=mailer" --send-mail >/dev/null 2>&1 &
pid=$!
for i in $(seq 100); do grep -q "$ID4" "$T/sent.log" 2>/dev/null && break; sleep 0.1; done
check "sendmail took the mail" grep -q "$ID4" "$T/sent.log"
run mailer --send-mail
check "while its sender lives, another sender leaves the mail alone" \
    test "$(q "select status from messages where id = $M4") $(grep -c "$ID4" "$T/sent.log")" = "sending 1"
kill -9 $pid
wait $pid 2>/dev/null
rm -f "$T/hang-after"
[ -s "$T/hung.pid" ] && kill -9 "$(cat "$T/hung.pid")" 2>/dev/null
for i in $(seq 100); do
    [ "$(q "select count(*) from pg_stat_activity where usename = 'mailer'")" = 0 ] && break
    sleep 0.1
done
check "killed after sendmail took the mail and before it was recorded: still 'sending'" \
    test "$(q "select status from messages where id = $M4")" = sending
run mailer --send-mail
check "the next run sends it again, with the same Message-ID (at least once)" \
    test "$(q "select status || ' ' || attempts from messages where id = $M4") $(grep -c "$ID4" "$T/sent.log")" = "sent 2 2"
check "...and says why" grep -q "sent to .* (again: an earlier attempt was interrupted)" "$T/out"
check "...which the row records" \
    test "$(q "select last_error from messages where id = $M4")" = "an earlier attempt was interrupted before it was recorded; sent again with the same Message-ID"

# ---------------------------------------------------------------- four senders at once
for i in $(seq 30); do run sofia --reply "$TK" --body-file "$T/answer.txt" --no-send --subject "Bulk $i"; done
echo 0.05 >"$T/slow"
: >"$T/sent.log"
for i in 1 2 3 4; do "$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=mailer" --send-mail --quiet & done
wait
rm -f "$T/slow"
check "4 senders at once: all 30 sent" test "$(q "select count(*) from messages where subject like 'Bulk %' and status = 'sent'")" = 30
check "...each exactly once" test "$(sort "$T/sent.log" | uniq -d | wc -l) $(wc -l <"$T/sent.log")" = "0 30"
check "...each after one attempt" test "$(q "select max(attempts) from messages where subject like 'Bulk %'")" = 1

# ---------------------------------------------------------------- leads, contacts, Reply-To token
LEAD=$(q "select id from leads where email is not null order by id limit 1")
q "update leads set status = 'new' where id = $LEAD" >/dev/null
# a first mail to a lead (or contact), with no mail to answer: it went as "Re: lead #45 [#L45]",
# our record's number as its subject; now it needs a subject of its own
run marco --reply "lead:$LEAD" --body-file - --no-send <<<"Thanks for your interest."
check "a first mail to a lead without --subject: 65, says it needs one" \
    bash -c "test $rc = 65 && grep -q 'lead #$LEAD has no mail with a subject to answer: the mail needs a subject of its own' '$T/err'"
check "... nothing queued, the lead stays new" \
    test "$(q "select count(*) from messages where lead_id = $LEAD") $(q "select status from leads where id = $LEAD")" = "0 new"
run marco --reply "lead:$LEAD" --body-file - --no-send --subject "Your interest" <<<"Thanks for your interest."
check "an answer to a new lead marks it contacted, in marco's name" \
    test "$(q "select l.status || ' ' || (select a.actor from audit a where a.entity = 'leads' and a.entity_id = l.id and a.op = 'update' order by a.id desc limit 1) from leads l where l.id = $LEAD")" = "contacted marco"
q "update leads set status = 'qualified' where id = $LEAD" >/dev/null
run marco --reply "lead:$LEAD" --body-file - --no-send <<<"And the prices."
check "the next one continues the first: Re: and its subject" \
    test "$(q "select subject from messages where direction = 'out' order by id desc limit 1")" = "Re: Your interest [#L$LEAD]"
check "... a qualified one stays qualified" test "$rc $(q "select status from leads where id = $LEAD")" = "0 qualified"
check "a lead is answered at its e-mail, with [#L] tag, from the sales queue" \
    test "$(q "select to_addr || ' | ' || from_addr from messages where direction = 'out' order by id desc limit 1")" = "$(q "select email from leads where id = $LEAD") | sales@example.com"
CON=$(q "select id from contacts c where email is not null and not exists (select 1 from messages m where m.contact_id = c.id) order by id limit 1")
run sam --reply "contact:$CON" --body-file - --no-send <<<"Hi."
check "a first mail to a contact without --subject: 65 (it was 'Re: contact #$CON')" \
    bash -c "test $rc = 65 && grep -q 'contact #$CON has no mail with a subject to answer' '$T/err'"
DEAL=$(q "select o.id from opportunities o where not exists (select 1 from messages m where m.opportunity_id = o.id) order by o.id limit 1")
run sam --reply "deal:$DEAL" --body-file - --no-send --to "buyer@example.net" <<<"Hi."
check "a first mail on a deal takes the deal's name, as before" \
    test "$rc $(q "select subject = 'Re: ' || (select name from opportunities where id = $DEAL) from messages where direction = 'out' order by id desc limit 1")" = "0 t"
run sam --reply "contact:$CON" --body-file - --no-send --subject "Hello" --cc "boss@example.net" <<<"Hi."
check "a contact is answered at its e-mail, Cc kept" \
    test "$(q "select to_addr || ' | ' || cc_addr from messages where direction = 'out' order by id desc limit 1")" = "$(q "select email from contacts where id = $CON") | boss@example.net"
q "update mail_queues set reply_token = true where name = 'support'"
run sofia --reply "$TK" --body-file "$T/answer.txt"
F=$(last_sent)
same "reply_token: Reply-To carries the ticket" "help+t$TK@example.com" "$(header Reply-To "$F")"
printf 'From: Someone <someone@else.example>\nTo: help+t%s@example.com\nSubject: new words\nMessage-ID: <tok.2@else.example>\n\nvia token\n' "$TK" |
    "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "an answer to that address is threaded by the token" \
    test "$(q "select thread_by || ' ' || ticket_id from messages where message_id = 'tok.2@else.example'")" = "token $TK"

# ---------------------------------------------------------------- refusals
ORG=$(q "select partner_org_id from users where login = 'paul'")
SHT=$(q "insert into tickets (subject, account_id, contact_id) select 'shared', s.account_id, c.id from account_shares s join contacts c on c.account_id = s.account_id where s.partner_org_id = $ORG limit 1 returning id")
run paul --reply "$SHT" --body-file "$T/answer.txt"
check "a partner cannot answer by mail, even on a shared ticket (77)" \
    bash -c "test $rc = 77 && grep -q 'partners cannot send mail from ccrm' $T/err"
run paul --reply "$TK" --body-file "$T/answer.txt"
check "...and an unshared ticket is not found for it (66), as a missing one" \
    bash -c "test $rc = 66 && grep -q 'ticket #$TK not found' $T/err"
run sofia --reply 999999 --body-file "$T/answer.txt"
check "an unknown ticket: 66, says not found" bash -c "test $rc = 66 && grep -q 'ticket #999999 not found' $T/err"
NOMAIL=$(q "insert into tickets (subject) values ('no address') returning id")
run sofia --reply "$NOMAIL" --body-file "$T/answer.txt"
check "a ticket with nobody to write to: 65, says so" bash -c "test $rc = 65 && grep -q 'has no e-mail address to answer' $T/err"
run sofia --reply "widget:3" --body-file "$T/answer.txt"
check "an unknown kind of record: 64" test $rc = 64
run sofia --reply "$TK" --body-file /nonexistent
check "a missing body file: 66" test $rc = 66
: >"$T/empty.txt"
run sofia --reply "$TK" --body-file "$T/empty.txt"
check "an empty answer: 65" bash -c "test $rc = 65 && grep -q 'the answer is empty' $T/err"
run sofia --reply "$TK" --body-file "$T/answer.txt" --subject "$(printf 'x\nBcc: evil@example.org')"
check "a subject with a line break is refused (no header injection)" test $rc = 65
check "the outbox is for outgoing mail only: the mail login sees no incoming mail" \
    test "$(as mailer -c "select count(*) from messages where direction = 'in'")" = 0
out=$(as mailer -c "update messages set status = 'sent' where direction = 'in'" 2>&1)
check "...and changes none" test "$(q "select count(*) from messages where direction = 'in' and status = 'sent'")" = 0

done_testing
