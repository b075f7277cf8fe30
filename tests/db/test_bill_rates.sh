#!/usr/bin/env bash
# What the database says of a line's percentages and of a payment's amounts (docs/billing.md):
#  - a tax rate or a discount with more decimals than a line keeps (2) is refused, in the words
#    of the client's forms ("at most 2 decimals"), naming the column and the constraint that
#    holds the rule; numeric(5,2) rounded 7.777 to 7.78 on the way in, silently (migration 060).
#    Two decimals, fewer, and zeros past them are taken, and kept with 2 decimals (19.00);
#  - ccrm --invoice-from deal --tax-rate 7.777 is refused alike;
#  - a payment beyond what is outstanding is refused naming both amounts as the rest of billing
#    shows them: grouped, in the currency's decimals, with the currency ("12,345.67 EUR",
#    "60,000 JPY", "5,000.000 KWD"), by psql and by ccrm --payment; a credit note's refusals
#    when it is issued alike.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_bill_rates.sh path/to/ccrm}

pg_start_demo "$CCRM" 10

acc=$(as sam -c "insert into accounts (name, city, country) values ('Ratenwerk GmbH', 'Bonn', 'Germany') returning id")
quote=$(as sam -c "insert into quotes (account_id, title, currency, owner) values ($acc, 'rates', 'EUR', 'sam') returning id")
inv=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id")
check "a draft quote and a draft invoice" test -n "$quote" -a -n "$inv"

# ---- percentages: refused with more than 2 decimals, on quotes and invoices, insert and update
for t in "sam quote_lines quote_id $quote" "bea invoice_lines invoice_id $inv"; do
    read -r who tbl key doc <<<"$t"
    e=$(refused "$who" "insert into $tbl ($key, description, unit_price, tax_rate) values ($doc, 'x', 10, 7.777)")
    check "$tbl: a tax rate of 7.777 is refused, not rounded ($(head -1 <<<"$e"))" \
        grep -q "^ERROR:  23514: tax rate 7.777: at most 2 decimals$" <<<"$e"
    check "...naming the column and the constraint that holds the rule" \
        bash -c "grep -qx 'COLUMN NAME:  tax_rate' <<<'$e' && grep -qx 'CONSTRAINT NAME:  ${tbl}_tax_rate_decimals' <<<'$e'"
    e=$(refused "$who" "insert into $tbl ($key, description, unit_price, tax_rate, discount_pct) values ($doc, 'x', 10, 19, 2.505)")
    check "$tbl: a discount of 2.505 is refused alike ($(head -1 <<<"$e"))" \
        bash -c "grep -q '^ERROR:  23514: discount 2.505: at most 2 decimals$' <<<'$e' && grep -qx 'CONSTRAINT NAME:  ${tbl}_discount_pct_decimals' <<<'$e'"
    check "$tbl: nothing was written" test "$(q "select count(*) from $tbl where $key = $doc")" = 0
    as "$who" -c "insert into $tbl ($key, description, unit_price, tax_rate, discount_pct)
        values ($doc, 'a', 10, 7.78, 2.5), ($doc, 'b', 10, 19, 0), ($doc, 'c', 10, 7.000, 10.500)" >/dev/null
    check "$tbl: 7.78, 19 and 7.000 are taken, kept with 2 decimals" \
        test "$(q "select string_agg(tax_rate || '/' || discount_pct || '/' || tax, ' ' order by position) from $tbl where $key = $doc")" \
        = "7.78/2.50/0.76 19.00/0.00/1.90 7.00/10.50/0.63"
    e=$(refused "$who" "update $tbl set tax_rate = 16.005 where $key = $doc and position = 2")
    check "$tbl: changed to 16.005: refused ($(head -1 <<<"$e"))" grep -q "tax rate 16.005: at most 2 decimals" <<<"$e"
    check "$tbl: ...the line keeps its rate" \
        test "$(q "select tax_rate from $tbl where $key = $doc and position = 2")" = 19.00
done
check "the constraints say the rule in the forms' words (what the client shows under the field)" \
    test "$(q "select string_agg(obj_description(oid, 'pg_constraint'), '|' order by conname) from pg_constraint
               where conname ~ '_(tax_rate|discount_pct)_decimals$' and conrelid in ('quote_lines'::regclass, 'invoice_lines'::regclass)")" \
    = "at most 2 decimals|at most 2 decimals|at most 2 decimals|at most 2 decimals"

deal=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
    values ($acc, 'Rates deal', 'won', 1000, 'EUR', 'sam') returning id")
c bea --invoice-from deal "$deal" --tax-rate 7.777
check "--invoice-from deal --tax-rate 7.777: refused in the same words ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc != 0 && grep -qF 'tax rate 7.777: at most 2 decimals' '$TEST_TMP/err'"
check "...no invoice drafted" test "$(q "select count(*) from invoices where opportunity_id = $deal")" = 0
c bea --invoice-from deal "$deal" --tax-rate 7.75
check "--tax-rate 7.75 drafts it ($(cat "$TEST_TMP/out" "$TEST_TMP/err"))" \
    test "$rc:$(q "select l.tax_rate from invoice_lines l join invoices i on i.id = l.invoice_id where i.opportunity_id = $deal")" = 0:7.75

# ---- a payment beyond what is outstanding: the amounts as billing shows them
issued() { # CURRENCY PRICE: the number of a new issued invoice of one line
    local i
    i=$(as bea -c "insert into invoices (account_id, currency) values ($acc, '$1') returning id")
    as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($i, 'x', $2, 0)" >/dev/null
    as bea -c "select ccrm_invoice_issue($i)"
}
for x in "EUR:3082.59:12345.67:12,345.67 EUR:3,082.59 EUR" \
    "JPY:50000:60000:60,000 JPY:50,000 JPY" \
    "KWD:1234.5:5000:5,000.000 KWD:1,234.500 KWD"; do
    IFS=: read -r cur price pay said open <<<"$x"
    nr=$(issued "$cur" "$price")
    id=$(q "select id from invoices where number = '$nr'")
    e=$(refused bea "insert into payments (invoice_id, amount) values ($id, $pay)")
    check "$cur: psql: $pay is more than is open, said grouped in $cur's decimals ($(head -1 <<<"$e"))" \
        grep -q "^ERROR:  22023: a payment of $said exceeds what is outstanding on $nr ($open)$" <<<"$e"
    c bea --payment "$nr" --amount "$pay"
    check "$cur: ccrm --payment says it alike ($(cat "$TEST_TMP/err"))" \
        test "$rc:$(cat "$TEST_TMP/err")" = "65:ccrm: --payment: a payment of $said exceeds what is outstanding on $nr ($open)"
    check "$cur: ...nothing recorded" test "$(q "select count(*) from payments where invoice_id = $id")" = 0
done
# a credit note's amounts alike: over what is left to credit, and below nothing
nr=$(issued EUR 1500)
id=$(q "select id from invoices where number = '$nr'")
cn=$(as bea -c "select ccrm_credit_note($id)")
as bea -c "update invoice_lines set unit_price = 2000 where invoice_id = $cn" >/dev/null
e=$(refused bea "select ccrm_invoice_issue($cn)")
check "a credit note over what is left to credit: both amounts grouped ($(head -1 <<<"$e"))" \
    grep -q "^ERROR:  22023: credit note #$cn (2,000.00 EUR) is more than is left to credit on $nr (1,500.00 EUR)$" <<<"$e"
as bea -c "update invoice_lines set quantity = -1 where invoice_id = $cn" >/dev/null
e=$(refused bea "select ccrm_invoice_issue($cn)")
check "a credit note below nothing: grouped ($(head -1 <<<"$e"))" \
    grep -q "^ERROR:  22023: credit note #$cn is over -2,000.00 EUR: a credit note credits more than nothing$" <<<"$e"
check "the format: negative, below a thousand, unknown currency (2 decimals)" \
    test "$(q "select string_agg(ccrm_fmt_amount(v, c), '|' order by n) from (values
        (1, -1234567.5, 'EUR'), (2, 999.99, 'EUR'), (3, 0, 'JPY'), (4, 1000, 'XXX')) x(n, v, c)")" \
    = "-1,234,567.50 EUR|999.99 EUR|0 JPY|1,000.00 XXX"

done_testing
