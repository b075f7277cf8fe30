#!/usr/bin/env bash
# Mailing quotes and invoices through psql, as each role (docs/billing.md, "Sending a document";
# schema/026_billing_send.sql, schema/functions/93_billing_send.sql): ccrm_billing_send()
# commits the mail to the outbox with its files, files it on the document, its account,
# contact and deal, makes the timeline entry, and sends a draft quote; what each department may
# do (billing sends invoices, not sales' quotes; sales sends quotes; support sends what it
# sees; partners and the mail login nothing); the refusals (a draft invoice, a rejected quote,
# no address, no file); the mail login reads the attachments of outgoing mail and nothing
# else, and `ccrm --send-mail` as the mail login sends them as a multipart/mixed mail whose
# attachments are byte for byte what was stored.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_billing_send.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# try USER SQL: run it as USER; $out and $err, $rc
try() {
    out=$(psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$1" -c "$2" 2>"$T/err")
    rc=$?
    err=$(cat "$T/err")
}
FILES="array['doc.pdf'], array['application/pdf'], array['%PDF-1.5 test'::bytea]"

acc=$(as sam -c "insert into accounts (name, city, country) values ('Send Test GmbH', 'Bonn', 'Germany') returning id")
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Ida', 'Klein', 'ida@send-test.example') returning id")
nocon=$(as sam -c "insert into contacts (account_id, first_name, last_name) values ($acc, 'Otto', 'Ohne') returning id")
inv=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($acc, $con, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($inv, 'Service', 2, 'hour', 80, 19)" >/dev/null
as bea -c "select ccrm_invoice_issue($inv)" >/dev/null || fail "issue"
num=$(q "select number from invoices where id = $inv")
draft=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($acc, $con, 'EUR') returning id")
qt=$(as sam -c "insert into quotes (account_id, contact_id, title, valid_until)
    values ($acc, $con, 'Angebot', current_date + 14) returning id")
as sam -c "insert into quote_lines (quote_id, description, quantity, unit, unit_price, tax_rate)
    values ($qt, 'Beratung', 1, 'day', 900, 19)" >/dev/null

check "the default address: the invoice's buyer contact, as a header shows it" \
    test "$(as bea -c "select ccrm_billing_mail_to('invoices', $inv)")" = '"Ida Klein" <ida@send-test.example>'
check "...a quote's contact" \
    test "$(as sam -c "select ccrm_billing_mail_to('quotes', $qt)")" = '"Ida Klein" <ida@send-test.example>'

# ---- billing sends the issued invoice
try bea "select ccrm_billing_send('invoices', $inv, array['invoice.pdf', 'invoice.xml'],
    array['application/pdf', 'application/xml'], array['%PDF-1.5 x'::bytea, '<Invoice/>'::bytea])"
check "billing sends the issued invoice ($err)" test "$rc" = 0
m=$out
check "the mail is queued in the outbox, from the billing queue or else sales', to the contact" \
    test "$(q "select status || '|' || direction || '|' || from_addr || '|' || to_addr || '|' || subject
        from messages where id = ${m:-0}")" = "queued|out|sales@ccrm.example|\"Ida Klein\" <ida@send-test.example>|Invoice $num"
check "...filed on the invoice, its account and contact" \
    test "$(q "select invoice_id || ' ' || account_id || ' ' || contact_id || ' ' || coalesce(quote_id::text, '-')
        from messages where id = ${m:-0}")" = "$inv $acc $con -"
check "...with its files, byte for byte, in order" \
    test "$(q "select string_agg(name || ' ' || type || ' ' || size || ' ' || encode(content, 'escape'), ', ' order by id)
        from attachments where msg_id = ${m:-0}")" = "invoice.pdf application/pdf 10 %PDF-1.5 x, invoice.xml application/xml 10 <Invoice/>"
check "...and a timeline entry of billing's (email, out) on the account and contact" \
    test "$(q "select i.kind || ' ' || i.channel || ' ' || i.direction || ' ' || i.created_by || ' '
        || i.account_id || ' ' || i.contact_id || ' ' || i.subject from interactions i
        join messages m on m.interaction_id = i.id where m.id = ${m:-0}")" = "email email out bea $acc $con Invoice $num"
check "...its text names the invoice, amount and due date" \
    bash -c "psql -X -At '$DB user=bea' -c \"select body_text from messages where id = ${m:-0}\" | grep -q 'please find attached our invoice $num of .* over 190.40 EUR, due on '"
q "insert into mail_queues (name, address, from_name) values ('billing', 'billing@send-test.example', 'Billing')"
try bea "select ccrm_billing_send('invoices', $inv, $FILES, p_to => 'buchhaltung@send-test.example')"
check "with a billing queue, invoices go from it; an address named wins ($err)" \
    test "$(q "select from_addr || ' ' || to_addr from messages where id = ${out:-0}")" = "billing@send-test.example buchhaltung@send-test.example"
try bea "select ccrm_billing_send('invoices', $inv, $FILES, p_queue => 'support', p_subject => 'Ihre Rechnung')"
check "a queue and a subject named win" \
    test "$(q "select from_addr || ' ' || subject from messages where id = ${out:-0}")" = "support@ccrm.example Ihre Rechnung"

# ---- refusals
try bea "select ccrm_billing_send('invoices', $draft, $FILES)"
check "a draft invoice is not sent (55000)" bash -c "test $rc != 0 && grep -q 'is a draft: issue it before sending it' '$T/err'"
try bea "select ccrm_billing_send('invoices', $inv, array[]::text[], array[]::text[], array[]::bytea[])"
check "nothing attached: refused" bash -c "test $rc != 0 && grep -q 'is sent with its file' '$T/err'"
try bea "select ccrm_billing_send('invoices', $inv, array['x.pdf'], array['application/pdf'], array[null::bytea])"
check "a file without bytes: refused" bash -c "test $rc != 0 && grep -q 'is sent with its file' '$T/err'"
try bea "select ccrm_billing_send('tickets', 1, $FILES)"
check "only quotes and invoices" bash -c "test $rc != 0 && grep -q 'quotes and invoices are sent' '$T/err'"
try bea "select ccrm_billing_send('invoices', $inv, $FILES, p_to => E'a@b.example\nBcc: x@y.example')"
check "an address is one line" bash -c "test $rc != 0 && grep -q 'one line each' '$T/err'"
qn=$(as sam -c "insert into quotes (account_id, contact_id, title, valid_until) values ($acc, $nocon, 'Ohne', current_date + 9) returning id")
as sam -c "insert into quote_lines (quote_id, description, quantity, unit, unit_price, tax_rate) values ($qn, 'x', 1, 'piece', 1, 19)" >/dev/null
try sam "select ccrm_billing_send('quotes', $qn, $FILES)"
check "a contact without an e-mail address: refused, the address is asked for" \
    bash -c "test $rc != 0 && grep -q 'has no contact with an e-mail address' '$T/err'"
check "...and the quote stays a draft" test "$(q "select status from quotes where id = $qn")" = draft

# ---- quotes: sales sends; billing may not send sales' draft; a draft becomes sent
try bea "select ccrm_billing_send('quotes', $qt, $FILES)"
check "billing may not send sales' draft quote (it cannot write quotes)" \
    bash -c "test $rc != 0 && grep -q 'permission denied' '$T/err'"
check "...nothing was queued" test "$(q "select count(*) from messages where quote_id = $qt")" = 0
try sam "select ccrm_billing_send('quotes', $qt, $FILES)"
check "sales sends the draft quote ($err)" test "$rc" = 0
check "...it is sent now (stamped), the mail from the sales queue, filed on the quote" \
    test "$(q "select q.status || ' ' || (q.sent_at is not null) || ' ' || m.from_addr || ' ' || m.subject
        from quotes q join messages m on m.quote_id = q.id where q.id = $qt")" = "sent true sales@ccrm.example Quote #$qt: Angebot"
try bea "select ccrm_billing_send('quotes', $qt, $FILES)"
check "a sent quote may be sent again, by billing too (nothing changes on it)" test "$rc" = 0
as sam -c "update quotes set status = 'rejected' where id = $qt" >/dev/null
try sam "select ccrm_billing_send('quotes', $qt, $FILES)"
check "a rejected quote is not sent" bash -c "test $rc != 0 && grep -q 'is rejected: it is not sent again' '$T/err'"

# ---- the other roles
try sofia "select ccrm_billing_send('invoices', $inv, $FILES)"
check "support sends what it sees (staff)" test "$rc" = 0
try paul "select ccrm_billing_send('invoices', $inv, $FILES)"
check "a partner: not found (the account is not shared)" bash -c "test $rc != 0 && grep -q 'not found' '$T/err'"
"$CCRM" -d "$PG_CONN" --share "$acc" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
try paul "select ccrm_billing_send('invoices', $inv, $FILES)"
check "a partner on a shared account: refused (42501)" \
    bash -c "test $rc != 0 && grep -q 'partners cannot send mail' '$T/err'"
q "create role mailer login in role ccrm_mail"
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$(dirname "$0")/../data/mail/07-attachments.eml" ||
    fail "an incoming mail with attachments"
try mailer "select ccrm_billing_send('invoices', $inv, $FILES)"
check "the mail login may not send documents" bash -c "test $rc != 0 && grep -q 'permission denied for function' '$T/err'"
try mailer "select count(*) from attachments"
outatt=$(q "select count(*) from attachments a join messages m on m.id = a.msg_id where m.direction = 'out'")
check "the mail login reads the attachments of outgoing mail ($out of $outatt) ..." \
    bash -c "test $rc = 0 && test '$out' = '$outatt' && test '$outatt' -gt 0"
check "...and none of incoming mail" \
    test "$(q "select count(*) from attachments a join messages m on m.id = a.msg_id where m.direction = 'in'")" -gt 0

# ---- the mail login sends them: multipart/mixed, the files byte for byte
mkdir -p "$T/spool"
chmod 777 "$T" "$T/spool"
cat >"$T/sendmail" <<EOF
#!/bin/bash
cat >"\$(mktemp "$T/spool/XXXXXX.eml")"
EOF
chmod 755 "$T/sendmail"
printf '[mail]\nsendmail = %s -t -oi\n' "$T/sendmail" >"$T/ccrm.ini"
due=$(q "select count(*) from messages where direction = 'out' and status = 'queued' and next_attempt_at <= now()")
"$CCRM" -c "$T/ccrm.ini" -d "$DB user=mailer" --send-mail >"$T/out" 2>&1
check "ccrm --send-mail as the mail login sends the documents' mails ($(cat "$T/out"))" \
    bash -c "grep -q '$due sent, 0 to be tried again, 0 given up' '$T/out'"
f=$(grep -il "^Message-ID: <$(q "select message_id from messages where id = ${m:-0}")>" "$T"/spool/*.eml | head -1)
check "the invoice's mail is among them" test -n "$f"
check "it is a multipart/mixed" grep -q '^Content-Type: multipart/mixed' "$f"
check "...the text first, then the files in base64" \
    bash -c "grep -q 'Content-Disposition: attachment' '$f' && grep -q '^Content-Transfer-Encoding: base64' '$f'"
part() { # part NAME: the attachment's base64 body, decoded
    awk -v name="$1" '/^--/ { if (body) exit; hdr = 1; want = 0; next }
        hdr && /^$/ { hdr = 0; if (want) body = 1; next }
        hdr && /name=/ && index($0, name) { want = 1 }
        body { print }' "$f" | base64 -d
}
check "the PDF arrives byte for byte" test "$(part invoice.pdf)" = "%PDF-1.5 x"
check "the e-invoice too" test "$(part invoice.xml)" = "<Invoice/>"
check "the mail is sent" test "$(q "select status from messages where id = ${m:-0}")" = sent
done_testing
