#!/usr/bin/env bash
# What the batch commands call a document and an amount (docs/billing.md):
#  - a role that may not issue is told so naming what it tried to issue: credit notes for a
#    credit note, invoices for an invoice (not "permission denied for function ...");
#  - the shared lookup (db_bill_doc_noun) names an issued credit note as one;
#  - in a currency without decimals (JPY) a lone separator before three digits groups
#    thousands ("1,000" and "1.000" are a thousand yen), one before one or two digits is
#    refused saying JPY has no decimals; with three decimals (KWD) "1,000" stays ambiguous;
#  - the most a payment may be is said in the currency's decimals: 999,999,999,999 JPY,
#    999,999,999,999.99 EUR, 999,999,999,999.999 KWD.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_bill_names.sh path/to/ccrm}

pg_start_demo "$CCRM" 10

# ---- issuing: a refusal names the document
acc=$(as sam -c "insert into accounts (name, city, country) values ('Namenswerk GmbH', 'Bonn', 'Germany') returning id")
inv=$(as bea -c "insert into invoices (account_id, currency, buyer_address, buyer_postcode)
    values ($acc, 'EUR', 'Am Hof 1', '53111') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($inv, 'Einrichtung', 1, 'piece', 150, 19)" >/dev/null || fail "a line"
c sam --issue "$inv"
check "sales may not issue an invoice: exit 77, said so ($(cat "$TEST_TMP/err"))" \
    test "$rc:$(cat "$TEST_TMP/err")" = "77:ccrm: --issue: permission denied (only billing, management and admin issue invoices)"
c bea --issue "$inv"
num=$(q "select number from invoices where id = $inv")
check "billing issues it ($(cat "$TEST_TMP/out"))" test "$rc:$(cat "$TEST_TMP/out")" = "0:ccrm: issued invoice $inv as $num"
c bea --credit-note "$num"
cn=$(q "select max(id) from invoices where credit_of = $inv")
check "a draft credit note of it ($(cat "$TEST_TMP/out"))" test "$rc:${cn:-x}" != "0:x"
c sam --issue "$cn"
check "sales may not issue the credit note: said as credit notes ($(cat "$TEST_TMP/err"))" \
    test "$rc:$(cat "$TEST_TMP/err")" = "77:ccrm: --issue: permission denied (only billing, management and admin issue credit notes)"
check "...it stays a draft" test "$(q "select status from invoices where id = $cn")" = draft
c bea --issue "$cn"
cnum=$(q "select number from invoices where id = $cn")
check "billing issues the credit note, by that name ($(cat "$TEST_TMP/out"))" \
    test "$rc:$(cat "$TEST_TMP/out")" = "0:ccrm: issued credit note $cn as $cnum"
c bea --send invoice "$cnum" --no-send
check "a --send refusal names the credit note by its number ($(cat "$TEST_TMP/err"))" \
    grep -qF "could not send it: credit note $cnum has no contact with an e-mail address" "$TEST_TMP/err"

# ---- amounts in a currency of 0 and 3 decimals
issued() { # CURRENCY PRICE: the number of a new issued invoice of one line
    local i
    i=$(as bea -c "insert into invoices (account_id, currency) values ($acc, '$1') returning id")
    as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($i, 'x', $2, 0)" >/dev/null
    as bea -c "select ccrm_invoice_issue($i)"
}
paid() { q "select coalesce(string_agg(p.amount::text, ' ' order by p.id), '-') from payments p join invoices i on i.id = p.invoice_id where i.number = '$1'"; }
jn=$(issued JPY 50000)
c bea --payment "$jn" --amount "1,000"
check "JPY: 1,000 is a thousand yen ($(cat "$TEST_TMP/out" "$TEST_TMP/err"))" test "$rc:$(paid "$jn")" = "0:1000"
c bea --payment "$jn" --amount "1.000"
check "JPY: 1.000 is a thousand yen too ($(cat "$TEST_TMP/out" "$TEST_TMP/err"))" test "$rc:$(paid "$jn")" = "0:1000 1000"
c bea --payment "$jn" --amount "12.500"
check "JPY: 12.500 is twelve thousand five hundred ($(cat "$TEST_TMP/out" "$TEST_TMP/err"))" test "$rc:$(paid "$jn")" = "0:1000 1000 12500"
for a in 1.5 "1,50" "0,500"; do
    c bea --payment "$jn" --amount "$a"
    n=$(grep -o '"[^"]*" has [0-9] decimals*' "$TEST_TMP/err" | grep -o '[0-9] decimals*')
    check "JPY: $a refused: JPY has no decimals ($(cat "$TEST_TMP/err"))" \
        test "$rc:$(cat "$TEST_TMP/err")" = "65:ccrm: --payment: could not record the payment: \"$a\" has $n, and JPY has no decimals (a thousand is 1000, 1,000 or 1.000)"
done
check "...nothing recorded for them" test "$(paid "$jn")" = "1000 1000 12500"
kn=$(issued KWD 5000)
c bea --payment "$kn" --amount "1,000"
check "KWD: 1,000 stays ambiguous (three decimals) ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 65 && grep -qF 'is ambiguous in KWD' '$TEST_TMP/err'"
en=$(issued EUR 5000)
c bea --payment "$en" --amount "1,000"
check "EUR: 1,000 is refused as before: has 3 decimals ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 65 && grep -qF '\"1,000\" has 3 decimals, and EUR has 2 (a thousand is 1000, 1.000,00 or 1,000.00)' '$TEST_TMP/err'"
check "...nothing recorded in KWD or EUR" test "$(paid "$kn") $(paid "$en")" = "- -"

# ---- too large: the maximum in the currency's decimals
for x in "JPY:$jn:999,999,999,999" "EUR:$en:999,999,999,999.99" "KWD:$kn:999,999,999,999.999"; do
    cur=${x%%:*}
    nr=${x#*:}
    nr=${nr%%:*}
    max=${x##*:}
    c bea --payment "$nr" --amount 1000000000000
    check "$cur: too large, the most said with $cur's decimals ($(cat "$TEST_TMP/err"))" \
        test "$rc:$(cat "$TEST_TMP/err")" = "65:ccrm: --payment: could not record the payment: \"1000000000000\" is too large (at most $max $cur)"
done
c bea --payment "$jn" --amount "1.000.000.000.000"
check "JPY: grouped, too large all the same ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 65 && grep -qF 'is too large (at most 999,999,999,999 JPY)' '$TEST_TMP/err'"
c bea --payment "$jn" --amount "12 EUR"
check "not an amount at all: said before the invoice is read, a usage error ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 64 && grep -qF -- '--amount: \"12 EUR\" is not an amount' '$TEST_TMP/err'"

done_testing
