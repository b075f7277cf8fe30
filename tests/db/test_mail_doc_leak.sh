#!/usr/bin/env bash
# A document's mail is seen with the document, and the outbox's sent state and time are the
# sender's and the database's (migration 062).
#
# * The mail of a quote or an invoice on an account not shared with a partner stays hidden
#   from the partner (its text and its PDF), also when the document's contact is on a shared
#   account, and also when staff file it on a shared ticket; the mail of a shared document is
#   seen with it whatever account its contact is on. Its events and timeline entry stay
#   hidden too.
# * Staff cannot mark anyone's queued mail sent without the outbox's claim, nor take over a
#   mail another session is sending, nor write when a mail was sent; the outbox's paths
#   (ccrm --reply, ccrm --send-mail as a person and as the mail login, ccrm --send quote, a
#   sender lost mid-way) still send and record the time.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_doc_leak.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/mail" && pwd)
T=$TEST_TMP
mail_demo 20
DB="host=$PG_DIR dbname=ccrm"
q "insert into mail_queues (name, address, from_name, creates, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'sofia'),
          ('sales', 'sales@example.com', 'Example Sales', 'lead', 'sam')"
q "create role mailer login in role ccrm_mail"
# err USER SQL: the first ERROR line of USER's psql, empty when it went through
err() { as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR; }
FILES="array['doc.pdf'], array['application/pdf'], array['%PDF-1.5 secret'::bytea]"

# ---------------------------------------------------------------- documents' mail and partners
A=$(as sam -c "insert into accounts (name, city, country) values ('Leak Shared AG', 'Bonn', 'Germany') returning id")
B=$(as sam -c "insert into accounts (name, city, country) values ('Leak Hidden GmbH', 'Kiel', 'Germany') returning id")
"$CCRM" -d "$DB user=ana" --share "$A" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
# Ida and Otto change companies after the documents to them were written and sent: a
# document's contact is one of its account's when it is drafted and sent (migration 063), so
# this is how a contact of a shared account comes to be on a hidden document, and back
CA=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($B, 'Ida', 'Shared', 'ida@shared.example') returning id")
CB=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($A, 'Otto', 'Hidden', 'otto@hidden.example') returning id")

# a quote on the hidden account, to the shared account's contact, sent with ccrm --send
QH=$(as sam -c "insert into quotes (account_id, contact_id, title, currency, valid_until)
    values ($B, $CA, 'hidden quote SECRET', 'EUR', current_date + 30) returning id")
as sam -c "insert into quote_lines (quote_id, position, description, quantity, unit_price, tax_rate)
    values ($QH, 1, 'secret', 1, 9999, 19)" >/dev/null
run sam --send quote "$QH" --no-send
MQ=$(q "select max(id) from messages where quote_id = $QH")

# an issued invoice on the hidden account, to the shared account's contact
IH=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($B, $CA, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($IH, 'secret service', 1, 'piece', 5000, 19)" >/dev/null
as bea -c "select ccrm_invoice_issue($IH)" >/dev/null || fail "issue"
MI=$(as bea -c "select ccrm_billing_send('invoices', $IH, $FILES)")

# the other way round: a quote on the shared account, to the hidden account's contact
QS=$(as sam -c "insert into quotes (account_id, contact_id, title, currency, valid_until)
    values ($A, $CB, 'shared quote', 'EUR', current_date + 30) returning id")
as sam -c "insert into quote_lines (quote_id, position, description, quantity, unit_price, tax_rate)
    values ($QS, 1, 'open', 1, 100, 19)" >/dev/null
MS=$(as sam -c "select ccrm_billing_send('quotes', $QS, $FILES)")

# the contacts change companies
as sam -c "update contacts set account_id = $A where id = $CA; update contacts set account_id = $B where id = $CB" >/dev/null
check "the partner sees the shared account's contact, not the other account" \
    test "$(as paul -c "select (select count(*) from contacts where id = $CA) || ',' || (select count(*) from accounts where id = $B)")" = "1,0"
check "ccrm --send quote --no-send queues the hidden quote's mail with its PDF ($(cat "$T/err"))" \
    test "$rc $(q "select count(*) from attachments where msg_id = ${MQ:-0}")" = "0 1"
check "...filed on the quote, its account and the shared account's contact" \
    test "$(q "select quote_id || ' ' || account_id || ' ' || contact_id from messages where id = ${MQ:-0}")" = "$QH $B $CA"
check "the partner does not see the quote" test "$(as paul -c "select count(*) from quotes where id = $QH")" = 0
check "...nor its mail, nor the mail's PDF" \
    test "$(as paul -c "select (select count(*) from messages where id = ${MQ:-0}) || ',' || (select count(*) from attachments where msg_id = ${MQ:-0})
        || ',' || (select count(*) from messages where subject like '%SECRET%' or body_text like '%SECRET%')")" = "0,0,0"
check "...nor on the contact's conversation" \
    test "$(as paul -c "select count(*) from messages where contact_id = $CA")" = 0

# the issued invoice on the hidden account, to the shared account's contact
check "the hidden invoice's mail is queued with its file" \
    test "$(q "select count(*) from attachments where msg_id = ${MI:-0}")" = 1
check "the partner sees neither the invoice, nor its mail, nor the file" \
    test "$(as paul -c "select (select count(*) from invoices where id = $IH) || ',' || (select count(*) from messages where id = ${MI:-0})
        || ',' || (select count(*) from attachments where msg_id = ${MI:-0})")" = "0,0,0"

# staff file the hidden quote's mail on a shared ticket as well: the document still decides
TS=$(as sam -c "insert into tickets (account_id, contact_id, subject) values ($A, $CA, 'shared ticket') returning id")
as sam -c "update messages set ticket_id = $TS where id = ${MQ:-0}" >/dev/null || fail "filing on the ticket"
check "the hidden quote's mail filed on a shared ticket too: still hidden, its file too" \
    test "$(as paul -c "select (select count(*) from messages where id = ${MQ:-0}) || ',' || (select count(*) from attachments where msg_id = ${MQ:-0})")" = "0,0"

# the events and the timeline entry of those mails
IXQ=$(q "select interaction_id from messages where id = ${MQ:-0}")
IXI=$(q "select interaction_id from messages where id = ${MI:-0}")
check "the partner reads no event of those mails, their files, timeline entries or documents" \
    test "$(as paul -c "select count(*) from events
        where (entity = 'messages' and entity_id in (${MQ:-0}, ${MI:-0}))
           or (entity = 'attachments' and entity_id in (select id from attachments where msg_id in (${MQ:-0}, ${MI:-0})))
           or (entity = 'interactions' and entity_id in (${IXQ:-0}, ${IXI:-0}))
           or (entity in ('quotes', 'quote_lines') and (entity_id = $QH or summary like '%secret%'))
           or (entity in ('invoices', 'invoice_lines') and entity_id = $IH)")" = 0
check "...nor the timeline entries" \
    test "$(as paul -c "select count(*) from interactions where id in (${IXQ:-0}, ${IXI:-0})")" = 0
check "...which staff see, with the mails" \
    test "$(as sofia -c "select count(*) from messages where id in (${MQ:-0}, ${MI:-0})")" = 2

# the other way round: the quote on the shared account, to the hidden account's contact
check "a shared quote's mail is seen with the quote, with its file, whatever its contact's account" \
    test "$(as paul -c "select (select count(*) from quotes where id = $QS) || ',' || (select count(*) from messages where id = ${MS:-0})
        || ',' || (select count(*) from attachments where msg_id = ${MS:-0})")" = "1,1,1"
"$CCRM" -d "$DB user=ana" --unshare "$A" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "unshare"
check "...and hidden with it when the account is unshared" \
    test "$(as paul -c "select (select count(*) from quotes where id = $QS) || ',' || (select count(*) from messages where id = ${MS:-0})")" = "0,0"

# ---------------------------------------------------------------- the outbox's sent state
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$D/01-alternative.eml" || fail "deliver 01"
TK=$(q "select ticket_id from messages where direction = 'in' order by id desc limit 1")
IN=$(q "select id from messages where direction = 'in' order by id desc limit 1")
printf 'Hallo,\n\nerledigt.\n' >"$T/answer.txt"
run sofia --reply "$TK" --body-file "$T/answer.txt" --no-send
M=$(q "select max(id) from messages where direction = 'out'")
check "sofia's answer waits in the outbox" test "$(q "select status from messages where id = $M")" = queued

out=$(as sam -c "begin; update messages set status = 'sending' where id = $M;
    update messages set status = 'sent', sent_at = '2020-01-01' where id = $M; commit" 2>&1)
check "sam cannot mark her answer sent in 2020 ($out)" grep -q "when mail $M was sent is not changed by hand" <<<"$out"
check "...it still waits, unsent" \
    test "$(q "select status || ' ' || coalesce(sent_at::text, '-') || ' ' || coalesce(sending_by, '-') from messages where id = $M")" = "queued - -"
out=$(err sam "update messages set status = 'sending', sending_by = 'sofia' where id = $M")
check "a claim in someone else's name is refused ($out)" grep -q "is claimed by whoever sends it, not by sofia" <<<"$out"
out=$(err sam "update messages set sending_by = 'sam' where id = $M")
check "...and a sender named for a mail nobody sends ($out)" grep -q "is not being sent" <<<"$out"

# sofia's sender holds the mail (the outbox's claim) while sam and a second session of hers try
as sofia -c "select id from ccrm_mail_outbox_claim(1, $M)" -c "select pg_sleep(4)" \
    -c "select ccrm_mail_outbox_done($M, false, 'test')" \
    >"$T/holder.out" 2>&1 &
HOLDER=$!
wait_claimed() {
    local i
    for i in $(seq 50); do
        [ "$(q "select status from messages where id = $M")" = sending ] && return 0
        sleep 0.1
    done
    return 1
}
check "sofia's sender claims her answer" wait_claimed
check "...in her name" test "$(q "select sending_by from messages where id = $M")" = sofia
out=$(err sam "update messages set status = 'sent' where id = $M")
check "sam cannot mark it sent ($out)" grep -q "is being sent by sofia: only its sender says how that went" <<<"$out"
out=$(err sam "update messages set status = 'queued' where id = $M")
check "...nor put it back ($out)" grep -q "only its sender says how that went" <<<"$out"
out=$(err sam "update messages set sending_by = 'sam' where id = $M")
check "...nor take it over while her session sends it ($out)" grep -q "is being sent by another session" <<<"$out"
out=$(err sofia "update messages set status = 'sent' where id = $M")
check "...nor can another session of hers ($out)" grep -q "is being sent by another session" <<<"$out"
wait $HOLDER
check "her sender records how it went ($(tr '\n' ' ' <"$T/holder.out"))" \
    test "$(q "select status || ' ' || coalesce(sending_by, '-') || ' ' || coalesce(sent_at::text, '-') from messages where id = $M")" = "queued - -"

# the outbox's own paths
q "update messages set next_attempt_at = now() where id = $M"
run sofia --send-mail
check "ccrm --send-mail as a person sends it, and the documents' mails ($(cat "$T/err"))" \
    test "$rc $(q "select string_agg(status || ' ' || (sent_at > now() - interval '1 minute') || ' ' || coalesce(sending_by, '-'), ',' order by id)
        from messages where id in ($M, ${MQ:-0}, ${MI:-0})")" = "0 sent true -,sent true -,sent true -"
out=$(err sam "update messages set sent_at = now() - interval '1 year' where id = $M")
check "when a sent mail was sent is not rewritten ($out)" grep -q "when mail $M was sent is not changed by hand" <<<"$out"
out=$(err sofia "update messages set sent_at = sent_at - interval '1 hour' where id = $M")
check "...not even by its sender" grep -q "is not changed by hand" <<<"$out"
out=$(err sam "update messages set sent_at = '2020-01-01' where id = $IN")
check "...nor when a received mail was written ($out)" grep -q "when mail $IN was sent is not changed by hand" <<<"$out"
run sofia --reply "$TK" --body-file "$T/answer.txt"
M2=$(q "select max(id) from messages where direction = 'out'")
check "ccrm --reply sends at once, sent_at now ($(cat "$T/err"))" \
    test "$rc $(q "select status || ' ' || (sent_at > now() - interval '1 minute') from messages where id = $M2")" = "0 sent true"
# a sender lost mid-way: its claim stays, its session and lock are gone
run sofia --reply "$TK" --body-file "$T/answer.txt" --no-send
M3=$(q "select max(id) from messages where direction = 'out'")
as sofia -c "update messages set status = 'sending' where id = $M3" >/dev/null
check "a claim by hand names the claimer" test "$(q "select sending_by from messages where id = $M3")" = sofia
run mailer --send-mail
check "the mail login sends the answer whose sender was lost ($(cat "$T/out"))" \
    test "$rc $(q "select status || ' ' || (sent_at > now() - interval '1 minute') || ' ' || coalesce(sending_by, '-') from messages where id = $M3")" = "0 sent true -"
check "...its earlier try is said to have been interrupted" \
    test "$(q "select last_error like '%interrupted%' from messages where id = $M3")" = t
as sofia -c "update messages set status = 'sending' where id = $M2" >/dev/null 2>&1
check "a sent mail is history" test "$(q "select status from messages where id = $M2")" = sent
QN=$(as sam -c "insert into quotes (account_id, contact_id, title, currency, valid_until)
    values ($B, $CB, 'sent at once', 'EUR', current_date + 30) returning id")
as sam -c "insert into quote_lines (quote_id, position, description, quantity, unit_price, tax_rate)
    values ($QN, 1, 'x', 1, 10, 19)" >/dev/null
run sam --send quote "$QN"
check "ccrm --send quote sends at once ($(cat "$T/err"))" \
    test "$rc $(q "select string_agg(status || ' ' || (sent_at > now() - interval '1 minute'), ',') from messages where quote_id = $QN")" = "0 sent true"

done_testing
