#!/usr/bin/env bash
# The letter ccrm_billing_send() writes for an invoice says what is still owed
# (schema/functions/93_billing_send.sql): nothing paid or credited, the amount and due date;
# paid in part and credited in part, what was paid and credited and what is still open with
# its due date (not the full amount: the probe's mail asked for 14,311.02 when 1,897.00 was
# open); paid in full, that it is paid; credited in full, that nothing is outstanding.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_billing_send_owed.sh path/to/ccrm}
pg_start_demo "$CCRM" 20
FILES="array['doc.pdf'], array['application/pdf'], array['%PDF-1.5 test'::bytea]"
body() { q "select body_text from messages where id = $1"; }

acc=$(as sam -c "insert into accounts (name, city, country) values ('Owed Test GmbH', 'Bonn', 'Germany') returning id")
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Ida', 'Klein', 'ida@owed-test.example') returning id")
# new_invoice PRICE: an issued invoice of one line at PRICE, no tax
new_invoice() {
    local id
    id=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($acc, $con, 'EUR') returning id")
    as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
        values ($id, 'Service', 1, 'day', $1, 0)" >/dev/null
    as bea -c "select ccrm_invoice_issue($id)" >/dev/null || fail "issue"
    echo "$id"
}
send() { as bea -c "select ccrm_billing_send('invoices', $1, $FILES)"; }

inv=$(new_invoice 14311.02)
num=$(q "select number from invoices where id = $inv")
due=$(q "select due_date from invoices where id = $inv")
m=$(send "$inv")
check "nothing paid: the letter names the amount and due date" \
    bash -c "grep -q 'our invoice $num of .* over 14,311.02 EUR, due on $due\.' <<<\"\$1\"" _ "$(body "$m")"
check "...and says nothing of payments" bash -c "! grep -q 'outstanding' <<<\"\$1\"" _ "$(body "$m")"

as bea -c "insert into payments (invoice_id, amount) values ($inv, 9311.02)" >/dev/null || fail "payment"
cn=$(as bea -c "select ccrm_credit_note($inv)")
as bea -c "update invoice_lines set unit_price = 3103 where invoice_id = $cn" >/dev/null || fail "cn line"
as bea -c "select ccrm_invoice_issue($cn)" >/dev/null || fail "cn issue"
m=$(send "$inv")
b=$(body "$m")
check "paid and credited in part: the full amount, without its due date" \
    bash -c "grep -q 'our invoice $num of .* over 14,311.02 EUR\.$' <<<\"\$1\"" _ "$b"
check "...what was paid and credited, and what is still open by when ($b)" \
    bash -c "grep -q '9,311.02 EUR has been paid and 3,103.00 EUR credited; still outstanding: 1,897.00 EUR, due on $due\.' <<<\"\$1\"" _ "$b"

as bea -c "insert into payments (invoice_id, amount) values ($inv, 1897)" >/dev/null || fail "payment 2"
b=$(body "$(send "$inv")")
check "paid in full: the letter says so ($b)" \
    bash -c "grep -q 'it is paid in full, nothing is outstanding\.' <<<\"\$1\"" _ "$b"

inv2=$(new_invoice 500)
cn2=$(as bea -c "select ccrm_credit_note($inv2)")
as bea -c "select ccrm_invoice_issue($cn2)" >/dev/null || fail "cn2 issue"
b=$(body "$(send "$inv2")")
check "credited in full: nothing is outstanding ($b)" \
    bash -c "grep -q 'It has been credited in full (credit notes over 500.00 EUR): nothing is outstanding\.' <<<\"\$1\"" _ "$b"
b=$(body "$(as bea -c "select ccrm_billing_send('invoices', $cn2, $FILES)")")
check "a credit note's letter names its amount, no payments ($b)" \
    bash -c "grep -q 'our credit note CN-.* over 500.00 EUR\.$' <<<\"\$1\"" _ "$b"
done_testing
