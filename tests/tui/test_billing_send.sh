#!/usr/bin/env bash
# Mailing a document end to end, through a real MTA (docs/billing.md, "Sending a document"): an
# exim of our own (configuration, spool and logs in the test's directory, on 127.0.0.1 only,
# stopped at the end) is the client's sendmail and delivers to a local mailbox.
#  - bea (billing) opens an issued invoice, :send offers the customer's contact as To (the
#    bottom line, editable), Enter: the mail is committed to the outbox and sent; it arrives in
#    the customer's mailbox from the billing queue, subject with the invoice's number, with
#    the PDF (pdftotext reads the number back) and the UBL e-invoice (EN 16931 rules hold) as
#    base64 attachments; the invoice's detail and the account's timeline show "email out";
#  - sam (sales) mails a draft quote with `ccrm --send quote N` (the same code path): it arrives
#    with its PDF and the quote is sent now; a draft invoice is refused.
# Skipped (77) without exim4 or pdftotext (scripts/deps installs both).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_billing_send.sh path/to/ccrm}
CCRM=$(readlink -f "$CCRM")
CHECK=$(dirname "$CCRM")/ubl_check
. "$(dirname "$0")/../lib/mta.sh"
mta_require
command -v pdftotext >/dev/null || { echo "ok 1 - # SKIP pdftotext (poppler-utils) is missing"; exit 77; }
T=$TEST_TMP

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
q "insert into mail_queues (name, address, from_name, creates)
   values ('billing', 'billing@nordlicht.example', 'Nordlicht Billing', 'ticket')" ||
    fail "a billing queue"

# ---------------------------------------------------------------- exim of our own
mta_start nordlicht.example kunde-gmbh.de anna.berger
E=$MTA_DIR
BOX=$T/mail/anna.berger@kunde-gmbh.de
mails() { mta_mails "$BOX" "$1"; }
# part N NAME: the attachment NAME of mail N in the mailbox, its base64 decoded, to stdout
part() {
    awk -v n="$1" -v name="$2" '
        /^From / { mail++; next }
        mail != n { next }
        /^--/ { if (body) exit; hdr = 1; want = 0; next }
        hdr && /^$/ { hdr = 0; if (want) body = 1; next }
        hdr && /name=/ && index($0, name) { want = 1 }
        body { print }' "$BOX" | base64 -d
}

# the client's configuration: exim's sendmail, and the letterhead an e-invoice needs
cat >"$T/ccrm.ini" <<EOF
[mail]
sendmail = $EXIM -C $E/exim.conf -t -oi
[company]
name = Nordlicht Software GmbH
address1 = Straße des 17. Juni 135
postcode = 10623
city = Berlin
country = DE
vat_id = DE123456789
iban = DE89 3704 0044 0532 0130 00
bic = COBADEFFXXX
EOF

# ---------------------------------------------------------------- a customer and an invoice
acc=$(as sam -c "insert into accounts (name, city, country) values ('Berger Kunststoff GmbH', 'Köln', 'Germany') returning id")
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Anna', 'Berger', 'anna.berger@kunde-gmbh.de') returning id")
inv=$(as bea -c "insert into invoices (account_id, contact_id, currency, buyer_address, buyer_postcode)
    values ($acc, $con, 'EUR', 'Hohe Straße 5', '50667') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($inv, 'Jahreslizenz ccrm', 1, 'piece', 1200, 19)" >/dev/null || fail "a line"
"$CCRM" -d "$DB user=bea" --issue "$inv" >/dev/null || fail "issuing the invoice"
num=$(q "select number from invoices where id = $inv")
check "an issued invoice $num for Anna Berger" test -n "$num"

# ---------------------------------------------------------------- :send in the client
tui_start 140 40 "$CCRM" -c "$T/ccrm.ini" -d "$DB user=bea"
check "billing starts on Invoices" wait_for "Invoices by updated"
keys /
keys -l "$num"
keys Enter
wait_for "Berger Kunststoff" || fail "the invoice is found"
keys Enter
check "Enter opens it" wait_for "Invoice $num"
prompt "send"
check ":send offers the invoice's contact as To, to edit" \
    wait_for 'send to: "Anna Berger" <anna.berger@kunde-gmbh.de>'
keys Enter
wait_sql "select count(*) from messages where invoice_id = $inv" 1 || fail "the mail is in the outbox"
mid=$(q "select id from messages where invoice_id = $inv")
check "the client sends it at once: mail $mid sent" wait_for "mail $mid sent" 30
check "database: the mail is sent, from the billing queue, filed on the invoice" \
    wait_sql "select m.status || ' ' || m.from_addr || ' ' || m.subject || ' ' || m.account_id
        from messages m where m.invoice_id = $inv" "sent billing@nordlicht.example Invoice $num $acc"
check "database: with the PDF and the e-invoice" \
    test "$(q "select string_agg(a.name || ' ' || a.type, ', ' order by a.id) from attachments a
        join messages m on m.id = a.msg_id where m.invoice_id = $inv")" \
        = "invoice-$num.pdf application/pdf, invoice-$num.xml application/xml"
check "database: a timeline entry of bea's on the account (email, out)" \
    test "$(q "select i.kind || ' ' || i.channel || ' ' || i.direction || ' ' || i.created_by
        || ' ' || i.contact_id from interactions i join messages m on m.interaction_id = i.id
        where m.invoice_id = $inv and i.account_id = $acc")" = "email email out bea $con"
check "the invoice's detail shows the mail" wait_for "email out: Invoice $num → \"Anna Berger\""

check "the mail arrives in Anna's mailbox" mails 1
check "...from the billing queue" grep -q '^From: Nordlicht Billing <billing@nordlicht.example>' "$BOX"
check "...to Anna" grep -q '^To: .*Anna Berger.* <anna.berger@kunde-gmbh.de>' "$BOX"
check "...the subject names the invoice" grep -q "^Subject: Invoice $num\$" "$BOX"
check "...a multipart/mixed with base64 attachments" \
    bash -c "grep -q '^Content-Type: multipart/mixed' '$BOX' && grep -q '^Content-Transfer-Encoding: base64' '$BOX'"
check "...its text names the invoice and what is due" grep -q "please find attached our invoice $num" "$BOX"
part 1 "invoice-$num.pdf" >"$T/got.pdf"
check "the attached PDF is a PDF" bash -c "head -c 5 '$T/got.pdf' | grep -q '%PDF-'"
check "pdftotext of the received PDF shows the invoice number" \
    bash -c "pdftotext '$T/got.pdf' - | grep -qF '$num'"
check "...and the total" bash -c "pdftotext -layout '$T/got.pdf' - | grep -q '1,428.00'"
part 1 "invoice-$num.xml" >"$T/got.xml"
check "the attached e-invoice is the invoice's" grep -q "<cbc:ID>$num</cbc:ID>" "$T/got.xml"
if [ -x "$CHECK" ]; then
    "$CHECK" "$T/got.xml" >"$T/rules" 2>&1
    check "...and the EN 16931 rules hold ($(grep FAILED "$T/rules" | head -3))" grep -q '^0 rules failed' "$T/rules"
fi

prompt "open Berger Kunststoff"
check "the account's timeline shows the mail" wait_for "email out: Invoice $num"
keys q q q
tui_stop

# ---------------------------------------------------------------- ccrm --send, a draft quote
qt=$(as sam -c "insert into quotes (account_id, contact_id, title, valid_until)
    values ($acc, $con, 'Wartung 2027', current_date + 30) returning id")
as sam -c "insert into quote_lines (quote_id, description, quantity, unit, unit_price, tax_rate)
    values ($qt, 'Wartungsvertrag', 12, 'month', 99, 19)" >/dev/null || fail "a quote line"
"$CCRM" -c "$T/ccrm.ini" -d "$DB user=sam" --send quote "$qt" >"$T/out" 2>&1
check "ccrm --send quote: exit 0, sent ($(cat "$T/out"))" grep -q "^ccrm: mail [0-9]* sent" "$T/out"
check "the draft quote is sent now" test "$(q "select status from quotes where id = $qt")" = sent
check "...from the sales queue, filed on the quote" \
    test "$(q "select m.status || ' ' || m.from_addr from messages m where m.quote_id = $qt")" = "sent sales@ccrm.example"
check "it arrives too" mails 2
part 2 "quote-$qt.pdf" >"$T/quote.pdf"
check "...with the quote's PDF" bash -c "pdftotext '$T/quote.pdf' - | grep -q 'Wartungsvertrag'"
check "...and no e-invoice (a quote has none)" test "$(q "select count(*) from attachments a
    join messages m on m.id = a.msg_id where m.quote_id = $qt")" = 1
draft=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($acc, $con, 'EUR') returning id")
"$CCRM" -c "$T/ccrm.ini" -d "$DB user=bea" --send invoice "$draft" >"$T/out" 2>&1
rc=$?
check "a draft invoice is not sent: exit 65, the database's words" \
    bash -c "test $rc = 65 && grep -q 'is a draft: issue it before sending it' '$T/out'"
check "...nothing queued" test "$(q "select count(*) from messages where invoice_id = $draft")" = 0
done_testing
