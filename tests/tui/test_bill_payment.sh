#!/usr/bin/env bash
# P (:payment) in the client (docs/billing.md, "In the client"):
#  - on a draft invoice and on a credit note it says why there is nothing to pay before an
#    amount is asked for, from one light query (db_bill_doc_head): the document is not loaded
#    with its lines for it (db_bill_load's read-only snapshot is not in the server's log);
#  - more than is outstanding is refused naming both amounts as the rest of billing shows them:
#    grouped, in the currency's decimals, with the currency ("12,345.67 EUR", "60,000 JPY");
#  - a line's tax rate of 7.777 is refused by the form in the words the database uses for it
#    ("at most 2 decimals": tests/db/test_bill_rates.sh), not rounded to 7.78.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_bill_payment.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
ROWS=40

acc=$(as sam -c "insert into accounts (name, city, country) values ('Zahlwerk GmbH', 'Bonn', 'Germany') returning id")
issued() { # CURRENCY PRICE: the id of a new issued invoice of one line
    local i
    i=$(as bea -c "insert into invoices (account_id, currency) values ($acc, '$1') returning id")
    as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($i, 'x', $2, 0)" >/dev/null
    as bea -c "select ccrm_invoice_issue($i)" >/dev/null
    echo "$i"
}
eur=$(issued EUR 3082.59)
jpy=$(issued JPY 50000)
draft=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($draft, 'x', 10, 19)" >/dev/null
cn=$(as bea -c "select ccrm_credit_note($eur, 'test')")
check "an issued invoice in EUR and in JPY, a draft invoice, a draft credit note" \
    test -n "$eur" -a -n "$jpy" -a -n "$draft" -a -n "$cn"
# every statement of bea's into the server's log: what P reads is seen there
q "alter role bea set log_statement = 'all'"
LOG=$PG_DIR/log
loads() { grep -c ": BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" "$LOG"; }

tui_start 120 $ROWS "$CCRM" -d "$DB user=bea"
check "billing starts" wait_for "Beatriz"
prompt "open invoice $draft"
check "the draft invoice is open" wait_for "invoice #$draft · draft"
before=$(loads)
keys P
check "P on a draft: said so, no amount asked" \
    wait_for "invoice #$draft is still a draft: payments are recorded on issued invoices (N issues it)"
prompt "open invoice $cn"
check "the credit note is open" wait_for "credit note #$cn · draft"
keys P
check "P on a credit note: said so" wait_for "credit note #$cn: payments are recorded on invoices only"
prompt "payment 5"
check ":payment 5 on it alike" wait_for "credit note #$cn: payments are recorded on invoices only"
check "...from its kind and status alone: the document was not loaded with its lines ($(loads) loads, $before before)" \
    test "$(loads)" = "$before"
prompt "print text"
loaded() { [ "$(loads)" -gt "$before" ]; }
check ":print text loads it: the log would show a load ($(loads))" wait_until loaded

prompt "open invoice $eur"
nr=$(q "select number from invoices where id = $eur")
check "the issued invoice is open" wait_for "Invoice $nr"
keys P
check "P asks for the amount" wait_for "payment received (amount"
keys -l "12345.67"
keys Enter
check "too much: the amounts grouped, with the currency" \
    wait_for "a payment of 12,345.67 EUR exceeds what is outstanding on $nr (3,082.59 EUR)"
prompt "open invoice $jpy"
jnr=$(q "select number from invoices where id = $jpy")
check "the yen invoice is open" wait_for "Invoice $jnr"
prompt "payment 60000"
check "in yen: no decimals" wait_for "a payment of 60,000 JPY exceeds what is outstanding on $jnr (50,000 JPY)"
check "database: nothing recorded" test "$(q "select count(*) from payments where invoice_id in ($eur, $jpy)")" = 0

# the form of a line: the tax rate's words are the database's
prompt "open invoice $draft"
wait_for "invoice #$draft · draft" || fail "the draft again"
keys L
check "L opens the line form" wait_for "New invoice line"
keys Down Down
keys -l "Rate probe"
keys Down Down
keys -l "10"
keys Down Down
keys -l "7.777"
keys C-s
check "the form refuses 7.777: at most 2 decimals" wait_for "not saved: 1 field to correct (Tax rate %: at most 2 decimals)"
check "database: no such line" test "$(q "select count(*) from invoice_lines where description = 'Rate probe'")" = 0

tui_stop
done_testing
