#!/usr/bin/env bash
# A back-office command whose write has committed, but whose line about it cannot be read after
# the COMMIT (the connection drops on the follow-up SELECT; tests/lib/lost_proxy.sh drops it):
# --payment reads what is still open, --credit-note and --invoice-from the new draft's lines and
# total. The write landed, so the command exits 0, says what it knows on standard output and
# warns on standard error that the rest could not be read: a script that runs it again on a
# failure records no second payment and drafts no second document. (They said "could not" and
# exited 69 or 70.)
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_lost_commit_report.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 3
chmod 777 "$T"
. "$(dirname "$0")/../lib/lost_proxy.sh"
# in this order: the payment's follow-up, then the new draft's (credit note, invoice from a deal)
proxy_start 'ORDER BY p.id DESC LIMIT 1' 'SELECT i.kind, i.gross_total' 'SELECT i.kind, i.gross_total'
via() { echo "host=127.0.0.1 port=$port dbname=ccrm user=$1"; }

acc=$(as sam -c "insert into accounts (name, city, country) values ('Lost Report Werke', 'Bonn', 'Germany') returning id" | head -1)
issued() { # an issued invoice of the account, 100 EUR
    local inv
    inv=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id" | head -1)
    as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($inv, 'x', 100, 0)" >/dev/null
    as bea -c "select ccrm_invoice_issue($inv)" >/dev/null
    echo "$inv"
}
inv=$(issued)
inv2=$(issued)
deal=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner) values ($acc, 'Lost report deal', 'won', 500, 'EUR', 'sam') returning id" | head -1)
check "two issued invoices and a won deal" test -n "$inv" -a -n "$inv2" -a -n "$deal"
num=$(q "select number from invoices where id = $inv")

# as a script does: run it, and once more if it failed
twice() {
    "$CCRM" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    echo $rc >"$T/rc"
    [ $rc = 0 ] || "$CCRM" "$@" >>"$T/out" 2>>"$T/err"
}

# ---------------------------------------------------------------- --payment
twice -d "$(via bea)" --payment "$inv" --amount 40
check "--payment: the follow-up's answer lost" test -e "$T/dropped.1"
check "...once: one payment" sql_is "select count(*) from payments where invoice_id = $inv" 1
check "...exits 0 ($(cat "$T/rc"))" test "$(cat "$T/rc")" = 0
check "...says what was recorded ($(cat "$T/out"))" \
    grep -qxF "ccrm: recorded a payment of 40.00 EUR on $num" "$T/out"
check "...and warns that what is still open could not be read ($(head -1 "$T/err"))" \
    grep -q "^ccrm: --payment: the payment was recorded, but what is still open could not be read: " "$T/err"

# ---------------------------------------------------------------- --credit-note
twice -d "$(via bea)" --credit-note "$inv2"
check "--credit-note: the follow-up's answer lost" test -e "$T/dropped.2"
check "...once: one credit note" sql_is "select count(*) from invoices where credit_of = $inv2" 1
cn=$(q "select min(id) from invoices where credit_of = $inv2")
num2=$(q "select number from invoices where id = $inv2")
check "...exits 0 ($(cat "$T/rc"))" test "$(cat "$T/rc")" = 0
check "...names the draft ($(cat "$T/out"))" \
    grep -qxF "ccrm: credit note #$cn (draft) for invoice $num2; issue it with ccrm --issue $cn" "$T/out"
check "...and warns that its total could not be read" \
    grep -q "^ccrm: --credit-note: the draft was made, but its lines and total could not be read: " "$T/err"

# ---------------------------------------------------------------- --invoice-from
twice -d "$(via bea)" --invoice-from deal "$deal" --tax-rate 19
check "--invoice-from: the follow-up's answer lost" test -e "$T/dropped.3"
check "...once: one invoice" \
    sql_is "select count(*) from invoices where opportunity_id = $deal and kind = 'invoice'" 1
di=$(q "select min(id) from invoices where opportunity_id = $deal and kind = 'invoice'")
check "...exits 0 ($(cat "$T/rc"))" test "$(cat "$T/rc")" = 0
check "...names the draft ($(cat "$T/out"))" \
    grep -qxF "ccrm: invoice #$di (draft) from deal #$deal; issue it with ccrm --issue $di" "$T/out"

# the line read as before when nothing is lost
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=bea" --payment "$inv" --amount 10 >"$T/out" 2>"$T/err"
rc=$?
check "a payment whose line is read: exits 0, the whole line, no warning ($rc)" \
    test $rc = 0 -a ! -s "$T/err"
check "...what is still open ($(cat "$T/out"))" \
    grep -qxF "ccrm: recorded a payment of 10.00 EUR on $num: 50.00 EUR outstanding" "$T/out"
done_testing
