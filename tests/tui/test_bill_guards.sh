#!/usr/bin/env bash
# What the back office refuses or settles for, as people see it in the client
# (docs/billing.md; tests/db/test_billing_deal_once.sh has the database's side):
#  - I on an accepted quote of a deal invoiced by itself: the deal would be billed twice; the
#    client says which invoice has it, and nothing is drafted;
#  - V on a sent quote whose contact has moved to another account since: the revision was
#    refused ("contact #N belongs to account #M, ...") and the frozen quote could not be given
#    another; it is made now without that contact, and the client says so and what to do;
#  - :payment with a mistyped method ("cahs"): it was taken for the reference and the payment
#    recorded as a transfer; it is refused naming the methods, and P offers the line again.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_bill_guards.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
ROWS=40

A=$(as sam -c "insert into accounts (name, city, country) values ('Wachtel GmbH', 'Köln', 'Germany') returning id")
B=$(as sam -c "insert into accounts (name, city, country) values ('Fortgang AG', 'Bern', 'CH') returning id")
CM=$(as sam -c "insert into contacts (account_id, first_name, last_name) values ($A, 'Moritz', 'Umzug') returning id")
d=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner) values ($A, 'Twice', 'won', 1000, 'EUR', 'sam') returning id")
quote() { # DEAL CONTACT STATUS...: a quote of A with one line, taken through STATUS...
    local qt s
    qt=$(as sam -c "insert into quotes (account_id, opportunity_id, contact_id, title, owner) values ($A, $1, $2, 'Guards', 'sam') returning id")
    as sam -c "insert into quote_lines (quote_id, description, unit_price, tax_rate) values ($qt, 'Work', 500, 19)" >/dev/null
    shift 2
    for s in "$@"; do as sam -c "update quotes set status = '$s' where id = $qt" >/dev/null; done
    echo "$qt"
}
own=$(as bea -c "select ccrm_invoice_from_deal($d, 19)") # (no accepted quote yet: its own)
qa=$(quote "$d" null sent accepted)
qm=$(quote null "$CM" sent)
as sam -c "update contacts set account_id = $B where id = $CM" >/dev/null
# an issued invoice to pay
inv=$(as bea -c "insert into invoices (account_id, currency) values ($A, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($inv, 'x', 100, 0)" >/dev/null
num=$(as bea -c "select ccrm_invoice_issue($inv)")
check "a won deal with its own invoice and an accepted quote; a sent quote whose contact moved; an issued invoice" \
    test -n "$qa" -a -n "$own" -a -n "$qm" -a -n "$num"

tui_start 120 $ROWS "$CCRM" -d "$DB user=sam"
check "sales starts" wait_for "Sam"
# ---- I: the deal is billed once --------------------------------------------------------------
prompt "open quote $qa"
check "the accepted quote is open" wait_for "quote #$qa"
keys I
check "I on the quote of a deal invoiced by itself: refused, naming the invoice" \
    wait_for "could not draft the invoice: deal #$d is already invoiced (invoice #$own (draft))"
check "database: no invoice of the quote, one of the deal" \
    test "$(q "select count(*) from invoices where quote_id = $qa"):$(q "select count(*) from invoices where opportunity_id = $d")" = 0:1
# ---- V: a revision without the contact who left ----------------------------------------------
prompt "open quote $qm"
check "the sent quote is open" wait_for "quote #$qm"
keys V
check "V makes the revision" wait_until sql_is "select count(*) from quotes where previous_id = $qm" 1
rv=$(q "select id from quotes where previous_id = $qm")
check "V revises it, and says the contact stays behind and what to do" \
    wait_for "quote #$rv (draft) revises quote #$qm without Moritz Umzug, now at another account: e chooses a contact"
check "database: the revision, for the quote's account, without a contact" \
    test "$(q "select account_id || '/' || coalesce(contact_id::text, 'none') || '/' || status from quotes where id = ${rv:-0}")" = "$A/none/draft"
tui_stop

# ---- :payment: the method is one of the methods ----------------------------------------------
tui_start 120 $ROWS "$CCRM" -d "$DB user=bea"
check "billing starts" wait_for "Beatriz"
prompt "open invoice $inv"
check "the issued invoice is open" wait_for "Invoice $num"
prompt "payment 10 cahs R-17"
check ":payment 10 cahs: refused, naming the methods and where the reference goes" \
    wait_for 'not a payment method: "cahs" (transfer, direct_debit, card, cash, cheque or other, then the reference)'
check "database: nothing recorded" test "$(q "select count(*) from payments where invoice_id = $inv")" = 0
keys P
check "P offers the line again" wait_for "payment received (amount [date] [method] [reference]): 10 cahs R-17"
keys C-u
keys -l "10 cash R-17"
keys Enter
check "10 cash R-17 is recorded" wait_for "recorded a payment of 10.00 EUR on $num"
check "database: by cash, reference R-17" \
    test "$(q "select method || ' ' || reference from payments where invoice_id = $inv")" = "cash R-17"
tui_stop
c_err=$("$CCRM" -d "$DB user=bea" --payment "$num" --amount 1 --method cahs 2>&1 >/dev/null)
check "ccrm --payment --method cahs: refused alike, naming the methods ($c_err)" \
    test "$(head -1 <<<"$c_err")" = 'ccrm: --method: expected transfer, direct_debit, card, cash, cheque or other, got "cahs"'
done_testing
