#!/usr/bin/env bash
# Mail from people who are not a record's customer, and mail whose sender cannot be read
# (docs/mail.md §5, §6): a stranger who files mail on a ticket (by its tag, or a Message-ID of
# ours in References) sets neither the subject nor the threading of the answer to the customer,
# nor shows on the customer's contact timeline; a Reply-To whose name ends in a backslash is
# stored so that the answer to it is sent; a person's mail with a From that cannot be read, or
# none, reaches people (a ticket, a lead, the assignee's Inbox) instead of vanishing as a bounce;
# an answer to a mail whose Reply-To names one of our addresses goes to its sender, not to us;
# live delivery (ccrm_mail_store) and the history import (ccrm_mail_store_many) alike.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_strangers.sh path/to/ccrm}
T=$TEST_TMP
mail_demo 30 # the demo without its mail, and a sendmail(1) that keeps each mail as spool/N.eml

deliver() { # deliver QUEUE < mail
    "$CCRM" -d "$PG_CONN" --mail-in --queue "$1" >"$T/out" 2>"$T/err"
    rc=$?
}
# the latest answer on ticket $1: "subject | in_reply_to | references | to"
answer() {
    q "select subject || ' | ' || coalesce(in_reply_to, '-') || ' | ' || array_to_string(\"references\", ' ')
              || ' | ' || to_addr
         from messages where ticket_id = $1 and direction = 'out' order by id desc limit 1"
}

q "insert into accounts (name, domain) values ('Strangers Test GmbH', 'customer.example')"
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('support', 'support@ccrm.example', 'Support', 'ticket', 'contact', 'sofia'),
          ('sales', 'sales@ccrm.example', 'Sales', 'lead', 'lead', 'sam')"
echo "Our answer." >"$T/b.txt"

# ---------------------------------------------------------------- a stranger's [#N]
printf 'From: Clara Kunde <clara@customer.example>\nTo: support@ccrm.example\nSubject: Drucker kaputt\nMessage-ID: <p2-c1@customer.example>\n\nDer Drucker druckt nicht.\n' |
    deliver support
TK=$(q "select ticket_id from messages where message_id = 'p2-c1@customer.example'")
CLARA=$(q "select contact_id from tickets where id = $TK")
check "the customer's mail made ticket $TK with her contact" test -n "$TK" -a -n "$CLARA"
printf 'From: p2-a@example.org\nTo: support@ccrm.example\nSubject: Re: hi [#%s]\nMessage-ID: <p2-th1@example.org>\nReferences: <p2-evil@example.org>\n\nx\n' "$TK" |
    deliver support
check "the stranger's mail is filed on the ticket by its tag" \
    test "$(q "select ticket_id || ' ' || thread_by from messages where message_id = 'p2-th1@example.org'")" = "$TK tag"
run sofia --reply "$TK" --body-file "$T/b.txt" --no-send
check "--reply: exit 0" test $rc = 0
same "the answer goes to the customer, with her subject and threading, none of the stranger's" \
    "Re: Drucker kaputt [#$TK] | p2-c1@customer.example | p2-c1@customer.example | \"Clara Kunde\" <clara@customer.example>" \
    "$(answer "$TK")"
same "the client quotes the customer's mail, not the stranger's (ccrm_mail_reply_thread)" \
    "p2-c1@customer.example" \
    "$(q "select m.message_id from messages m where m.id = (select last_in from ccrm_mail_reply_thread('tickets', $TK))")"
OUT1=$(q "select message_id from messages where ticket_id = $TK and direction = 'out' order by id desc limit 1")
# an answer to the stranger himself (--to) continues his mail
run sofia --reply "$TK" --body-file "$T/b.txt" --to "p2-a@example.org" --no-send
same "--to the stranger: his subject and his mail continued" \
    "Re: hi [#$TK] | p2-th1@example.org | p2-evil@example.org p2-th1@example.org | p2-a@example.org" \
    "$(answer "$TK")"
# ... and the customer's next answer does not continue the one to the stranger
run sofia --reply "$TK" --body-file "$T/b.txt" --no-send
same "the next answer to the customer continues ours to her, not ours to the stranger" \
    "Re: Drucker kaputt [#$TK] | $OUT1 | p2-c1@customer.example $OUT1 | \"Clara Kunde\" <clara@customer.example>" \
    "$(answer "$TK")"

# ---------------------------------------------------------------- a stranger citing our Message-ID
printf 'From: p2-b@example.org\nTo: support@ccrm.example\nSubject: something else\nMessage-ID: <p2-th2@example.org>\nReferences: <%s>\n\ny\n' "$OUT1" |
    deliver support
check "a stranger citing our Message-ID is filed on the ticket" \
    test "$(q "select ticket_id || ' ' || thread_by from messages where message_id = 'p2-th2@example.org'")" = "$TK references"
check "...under his own contact (he has none), not the customer's" \
    test "$(q "select coalesce(contact_id::text, 'none') from messages where message_id = 'p2-th2@example.org'")" = none
check "...and his timeline entry is not on the customer's contact timeline" \
    test "$(q "select coalesce(i.contact_id::text, 'none') from messages m join interactions i on i.id = m.interaction_id where m.message_id = 'p2-th2@example.org'")" = none
check "the customer's contact timeline has her mail and our answers only" \
    test "$(q "select count(*) from interactions i where i.contact_id = $CLARA and i.kind = 'email' and i.direction = 'in'")" = 1
# a colleague at the customer (a contact of the account) keeps his own contact
q "insert into contacts (first_name, last_name, email, account_id) values ('Kai', 'Kollege', 'kai@customer.example', (select id from accounts where domain = 'customer.example'))"
printf 'From: kai@customer.example\nTo: support@ccrm.example\nSubject: Re: Drucker kaputt [#%s]\nMessage-ID: <p2-k1@customer.example>\n\nauch bei mir\n' "$TK" |
    deliver support
check "a colleague's mail on the ticket is under his own contact" \
    test "$(q "select c.email from messages m join contacts c on c.id = m.contact_id where m.message_id = 'p2-k1@customer.example'")" = kai@customer.example
run sofia --reply "$TK" --body-file "$T/b.txt" --no-send
same "...and the colleague of the customer who wrote last is answered, continuing his mail" \
    "Re: Drucker kaputt [#$TK] | p2-k1@customer.example | p2-k1@customer.example | kai@customer.example" \
    "$(answer "$TK")"

# ---------------------------------------------------------------- a Reply-To that must be quoted
printf 'From: Dora <dora@customer.example>\nReply-To: =?UTF-8?Q?x=5C?= <p2-inj@example.org>\nTo: support@ccrm.example\nSubject: backslash\nMessage-ID: <p2-inj1@customer.example>\n\nz\n' |
    deliver support
TB=$(q "select ticket_id from messages where message_id = 'p2-inj1@customer.example'")
same "a Reply-To's name ending in a backslash is stored quoted" '"x\\" <p2-inj@example.org>' \
    "$(q "select reply_to from messages where message_id = 'p2-inj1@customer.example'")"
run sofia --reply "$TB" --body-file "$T/b.txt"
check "the answer to it is sent (exit 0: $(cat "$T/err"))" test $rc = 0
check "...sendmail got it, To the Reply-To's address" \
    grep -q '^To: .*<p2-inj@example.org>' "$(ls "$T"/spool/*.eml | tail -1)"
check "...and the outbox says sent" \
    test "$(q "select status from messages where ticket_id = $TB and direction = 'out'")" = sent

# ---------------------------------------------------------------- a From that cannot be read
printf 'From: John Doe p2-r3@example.org\nTo: support@ccrm.example\nSubject: loose from\nMessage-ID: <p2-r3@example.org>\n\nhelp\n' |
    deliver support
check "From: John Doe p2-r3@example.org: exit 0" test $rc = 0
same "...the address is recovered: a person's mail, a ticket, a contact" "received | p2-r3@example.org | John Doe | ticket | John Doe" \
    "$(q "select m.status || ' | ' || m.from_addr || ' | ' || m.from_name || ' | ' || case when m.ticket_id is not null then 'ticket' else '-' end
               || ' | ' || c.first_name || ' ' || c.last_name
          from messages m join contacts c on c.id = m.contact_id where m.message_id = 'p2-r3@example.org'")"
inbox0=$(q "select count(*) from inbox where login = 'sofia' and kind = 'assignment'")
printf 'From: undisclosed-recipients:;\nTo: support@ccrm.example\nSubject: nobody wrote this\nMessage-ID: <p2-r4@example.org>\n\nhelp me\n' |
    deliver support
check "From: undisclosed-recipients:; exit 0" test $rc = 0
same "...a person's mail, on a new ticket without a contact, assigned" "received | - | nobody wrote this | sofia | none" \
    "$(q "select m.status || ' | ' || coalesce(m.from_addr, '-') || ' | ' || t.subject || ' | ' || t.assignee || ' | ' || coalesce(t.contact_id::text, 'none')
          from messages m join tickets t on t.id = m.ticket_id where m.message_id = 'p2-r4@example.org'")"
same "...and the assignee has an Inbox line for it" "new mail from an unknown sender: nobody wrote this" \
    "$(q "select i.note from inbox i join messages m on m.ticket_id = i.entity_id and i.entity = 'tickets' where m.message_id = 'p2-r4@example.org' and i.login = 'sofia'")"
printf 'To: support@ccrm.example\nSubject: no from at all\nMessage-ID: <p2-r5@example.org>\n\nhelp\n' | deliver support
check "no From at all: exit 0, a person's mail on a ticket" \
    test "$rc $(q "select status || ' ' || (ticket_id is not null) from messages where message_id = 'p2-r5@example.org'")" = "0 received true"
printf 'To: sales@ccrm.example\nSubject: price list?\nMessage-ID: <p2-r6@example.org>\n\nprices please\n' | deliver sales
same "no From to a lead queue: a lead without e-mail, owned by the assignee, who hears of it" \
    "received | (unknown sender) | - | sam | 1" \
    "$(q "select m.status || ' | ' || l.company || ' | ' || coalesce(l.email, '-') || ' | ' || l.owner || ' | '
               || (select count(*) from inbox i where i.login = 'sam' and i.entity = 'leads' and i.entity_id = l.id)
          from messages m join leads l on l.id = m.lead_id where m.message_id = 'p2-r6@example.org'")"
check "real bounces stay bounces: MAILER-DAEMON" bash -c "printf 'From: MAILER-DAEMON@mx.example\nTo: support@ccrm.example\nSubject: Undelivered\nMessage-ID: <p2-b1@mx.example>\n\nx\n' |
    '$CCRM' -d '$PG_CONN' --mail-in --queue support && test \"\$(psql -X -At -c \"select status || ' ' || (ticket_id is null) from messages where message_id = 'p2-b1@mx.example'\")\" = 'bounce true'"
check "...and a null envelope sender" bash -c "printf 'To: support@ccrm.example\nSubject: dsn\nMessage-ID: <p2-b2@mx.example>\n\nx\n' |
    SENDER= '$CCRM' -d '$PG_CONN' --mail-in --queue support && test \"\$(psql -X -At -c \"select status || ' ' || (ticket_id is null) from messages where message_id = 'p2-b2@mx.example'\")\" = 'bounce true'"
# the loop guard counts mail without a sender as one sender's (three so far: p2-r4, p2-r5 and
# the null sender's p2-b2)
q "update mail_queues set loop_max = 4 where name = 'support'"
for i in 1 2; do
    printf 'To: support@ccrm.example\nSubject: anon %s\nMessage-ID: <p2-anon%s@example.org>\n\nx\n' $i $i | deliver support
done
same "the loop guard: the fifth mail without a sender in 10 minutes is 'loop'" "received,received,bounce,received,loop" \
    "$(q "select string_agg(status, ',' order by id) from messages where message_id in ('p2-r5@example.org', 'p2-r4@example.org', 'p2-b2@mx.example', 'p2-anon1@example.org', 'p2-anon2@example.org')")"
q "update mail_queues set loop_max = 20 where name = 'support'"

# ---------------------------------------------------------------- a Reply-To of ours
# A customer's mail whose Reply-To is one of our addresses (a web form that sets it, a hostile
# sender; our queue's address, or a token of another ticket): the answer went there, to
# ourselves, came back as our own mail and never reached the customer. It goes to the From.
printf 'From: Rita Reply <rita@customer.example>\nReply-To: support@ccrm.example\nTo: support@ccrm.example\nSubject: Rechnung fehlt\nMessage-ID: <p2-rt1@customer.example>\n\nBitte senden.\n' |
    deliver support
RT=$(q "select ticket_id from messages where message_id = 'p2-rt1@customer.example'")
"$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$RT" --body-file "$T/b.txt" --no-send >"$T/out" 2>"$T/err" ||
    fail "answering Rita (rc $?: $(cat "$T/err"))"
same "a Reply-To of our queue's address: the answer goes to the sender's From" \
    "\"Rita Reply\" <rita@customer.example>" "$(q "select to_addr from messages where ticket_id = $RT and direction = 'out'")"
printf 'From: Rolf <rolf@customer.example>\nReply-To: "Support" <support+t%s@ccrm.example>, rolf.privat@elsewhere.example\nTo: support@ccrm.example\nSubject: Lieferung\nMessage-ID: <p2-rt2@customer.example>\n\nWo bleibt sie?\n' "$TK" |
    deliver support
RT2=$(q "select ticket_id from messages where message_id = 'p2-rt2@customer.example'")
"$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$RT2" --body-file "$T/b.txt" --no-send >"$T/out" 2>"$T/err" ||
    fail "answering Rolf (rc $?: $(cat "$T/err"))"
same "...one with a token of another ticket among others: the rest of the Reply-To, without ours" \
    "rolf.privat@elsewhere.example" "$(q "select to_addr from messages where ticket_id = $RT2 and direction = 'out'")"

# ---------------------------------------------------------------- the same through the import
{
    printf 'From import@test Mon Dec 16 10:00:00 2024\nFrom: Eva <eva@customer.example>\nTo: support@ccrm.example\nSubject: Import start\nDate: Mon, 16 Dec 2024 10:00:00 +0100\nMessage-ID: <p2-i1@customer.example>\n\nfirst\n\n'
    printf 'From import@test Mon Dec 16 10:01:00 2024\nFrom: p2-ib@example.org\nTo: support@ccrm.example\nSubject: other\nDate: Mon, 16 Dec 2024 10:01:00 +0100\nMessage-ID: <p2-i2@example.org>\nReferences: <p2-i1@customer.example>\n\nstranger\n\n'
    printf 'From import@test Mon Dec 16 10:02:00 2024\nFrom: Max Muster p2-i3@example.org\nTo: support@ccrm.example\nSubject: loose import\nDate: Mon, 16 Dec 2024 10:02:00 +0100\nMessage-ID: <p2-i3@example.org>\n\nloose\n\n'
    printf 'From import@test Mon Dec 16 10:03:00 2024\nTo: support@ccrm.example\nSubject: anonymous import\nDate: Mon, 16 Dec 2024 10:03:00 +0100\nMessage-ID: <p2-i4@example.org>\n\nanon\n\n'
    printf 'From import@test Mon Dec 16 10:04:00 2024\nTo: sales@ccrm.example\nSubject: anonymous sales import\nDate: Mon, 16 Dec 2024 10:04:00 +0100\nMessage-ID: <p2-i5@example.org>\n\nanon\n\n'
    printf 'From import@test Mon Dec 16 10:05:00 2024\nTo: sales@ccrm.example\nSubject: anonymous sales import 2\nDate: Mon, 16 Dec 2024 10:05:00 +0100\nMessage-ID: <p2-i6@example.org>\n\nanon\n\n'
} >"$T/import.mbox"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --import-mail "$T/import.mbox" >"$T/out" 2>"$T/err"
rc=$?
check "the import: exit 0 ($(cat "$T/err"))" test $rc = 0
same "import: the stranger's reply is on Eva's ticket, under no contact, on no contact's timeline" \
    "references | true | none | none" \
    "$(q "select m.thread_by || ' | ' || (m.ticket_id = (select ticket_id from messages where message_id = 'p2-i1@customer.example'))::text
               || ' | ' || coalesce(m.contact_id::text, 'none') || ' | ' || coalesce(i.contact_id::text, 'none')
          from messages m join interactions i on i.id = m.interaction_id where m.message_id = 'p2-i2@example.org'")"
same "import: a From that cannot be read: the address recovered, a ticket" "received p2-i3@example.org true" \
    "$(q "select status || ' ' || from_addr || ' ' || (ticket_id is not null) from messages where message_id = 'p2-i3@example.org'")"
same "import: no From: a person's mail on a ticket" "received true" \
    "$(q "select status || ' ' || (ticket_id is not null) from messages where message_id = 'p2-i4@example.org'")"
same "import: no From to a lead queue: a lead each, without e-mail" "received | (unknown sender) | 2" \
    "$(q "select min(m.status) || ' | ' || min(l.company) || ' | ' || count(distinct l.id)
          from messages m join leads l on l.id = m.lead_id where m.message_id in ('p2-i5@example.org', 'p2-i6@example.org') and l.email is null")"
B=$(q "select max(id) from import_batches")
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --revert "$B" >"$T/out" 2>"$T/err"
rc=$?
check "...and the import reverts, its leads and tickets with it ($(cat "$T/err"))" \
    test "$rc $(q "select count(*) from messages where message_id like 'p2-i_@%'") $(q "select count(*) from leads where company = '(unknown sender)'")" = "0 0 1"

done_testing
