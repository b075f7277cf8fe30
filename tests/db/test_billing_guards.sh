#!/usr/bin/env bash
# What the back office refuses, for every writer (migration 063, schema/functions/91_billing.sql,
# docs/billing.md), as each department through psql and through the ccrm commands:
#  - a deal or a quote invoiced twice by two writers at once (four `ccrm --invoice-from deal N`
#    made four drafts): the second waits for the first and is told "already invoiced";
#  - an invoice of a quote moved to another account or currency, on any change, and issued so;
#  - a quote or an invoice whose contact is another account's (or nobody's);
#  - issue dates more than a year back (0001-01-01 gave the number "1-00001", 44 BC
#    "-44-00001"), and the year of a number always with four digits;
#  - payments dated before the invoice's issue date, or ahead;
#  - credit notes outside series CN, invoices in it;
#  - quantities and prices with more decimals than kept: refused in words, not rounded (1.0005
#    was stored as 1.001, 0.0004 failed by a check's name), on lines, products and price lists;
#  - ccrm --tax-rate 0x10 or 1e-5: refused by the client (64), not by the server's syntax.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/hold.sh"
CCRM=${1:?usage: test_billing_guards.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
# (refused and says: tests/lib/pg.sh)
# say USER SQL TEXT: says, in bulk (ask and ask_all, tests/lib/pg.sh: this test has sixty of
# these): said runs the statements queued, each in a transaction of its own that is rolled back
# (each is to be refused; one that went through by mistake fails its check, which ends the
# test), and checks them in the order queued as says does, on the first line of the error as
# psql shows it verbose
_su=() _ss=() _st=()
has() { [[ $2 == *"$1"* ]]; } # has TEXT STRING: STRING contains TEXT
say() { ask "said${#_su[@]}" "$1" "$2" && _su+=("$1") _ss+=("$2") _st+=("$3"); }
said() {
    local i e
    ask_all
    for i in "${!_su[@]}"; do
        e=${ANSWER[said$i]}
        # (refused shows only the error: nothing when the statement went through)
        case $e in
        "ERR: "*) e="ERROR:  ${e#ERR: }" e=${e%%$'\n'*} ;;
        "(no answer"*) ;;
        *) e= ;;
        esac
        check "${_su[i]}: refused: ${_ss[i]:0:70}... ($e)" has "${_st[i]}" "$e"
    done
    _su=() _ss=() _st=()
}

A=$(as sam -c "insert into accounts (name, city, country) values ('Wächter GmbH', 'Köln', 'Germany') returning id")
B=$(as sam -c "insert into accounts (name, city, country) values ('Andere AG', 'Bern', 'CH') returning id")
CA=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($A, 'Anna', 'Wacht', 'anna@waechter.example') returning id")
CB=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($B, 'Bert', 'Anders', 'bert@andere.example') returning id")
CN=$(as sam -c "insert into contacts (first_name, last_name) values ('Nora', 'Niemand') returning id")
deal() { # NAME: a won deal of A, 1000 EUR, owned by sam
    as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
               values ($A, '$1', 'won', 1000, 'EUR', 'sam') returning id"
}
accepted() { # [nodeal]: an accepted quote of A with one line, for a new won deal (or none)
    local d=null
    [ "${1:-}" = nodeal ] || d=$(deal "quoted $RANDOM")
    # (one session for the four steps, each committed on its own as before)
    as sam <<EOF
insert into quotes (account_id, opportunity_id, contact_id, title, owner) values ($A, $d, $CA, 'Guards', 'sam') returning id as qt \gset
insert into quote_lines (quote_id, description, unit_price, tax_rate) values (:qt, 'Work', 500, 19);
update quotes set status = 'sent' where id = :qt;
update quotes set status = 'accepted' where id = :qt;
\echo :qt
EOF
}
live() { q "select count(*) from invoices where $1 and kind = 'invoice' and status <> 'cancelled'"; }

# ---- 1. a deal invoiced by two at once ----------------------------------------------------
d1=$(deal "Race one")
hold "set role bea; select ccrm_invoice_from_deal($d1, 19)" || fail "bea drafts the deal's invoice and holds it"
"$CCRM" -d "$DB user=finn application_name=second" --invoice-from deal "$d1" --tax-rate 19 \
    >"$TEST_TMP/out2" 2>"$TEST_TMP/err2" &
second=$!
check "a second --invoice-from deal of the same deal waits for the first" wait_waiting second
release
wait $second
rc=$?
inv1=$(q "select id from invoices where opportunity_id = $d1")
check "...then is refused in words, 65 ($rc: $(cat "$TEST_TMP/err2"))" \
    test "$rc:$(cat "$TEST_TMP/err2")" = "65:ccrm: --invoice-from: deal #$d1 is already invoiced (invoice #$inv1 (draft))"
check "...one invoice of the deal" test "$(live "opportunity_id = $d1")" = 1

d2=$(deal "Race four")
for u in bea finn mia sam; do
    "$CCRM" -d "$DB user=$u" --invoice-from deal "$d2" --tax-rate 19 >"$TEST_TMP/o.$u" 2>"$TEST_TMP/e.$u" &
done
wait
check "four --invoice-from deal at once: one invoice ($(cat "$TEST_TMP"/e.*))" test "$(live "opportunity_id = $d2")" = 1
check "...the others are told it is invoiced, none the index's name" \
    test "$(cat "$TEST_TMP"/e.* | grep -c "is already invoiced (invoice #")" = 3 -a "$(cat "$TEST_TMP"/e.* | grep -c duplicate)" = 0
for u in mia sam bea; do
    say "$u" "insert into invoices (account_id, opportunity_id) values ($A, $d1)" "deal #$d1 is already invoiced (invoice #$inv1 (draft))"
done
say postgres "insert into invoices (account_id, opportunity_id) values ($A, $d1)" "deal #$d1 is already invoiced"
other=$(as bea -c "insert into invoices (account_id) values ($A) returning id")
say bea "update invoices set opportunity_id = $d1 where id = $other" "deal #$d1 is already invoiced"
said
as bea -c "select ccrm_delete('invoices', ARRAY[$inv1]::bigint[])" >/dev/null
c bea --invoice-from deal "$d1" --tax-rate 19
check "the draft deleted, the deal is invoiced again ($out$err)" test "$rc:$(live "opportunity_id = $d1")" = 0:1
# (migration 068 counts the invoices of the deal's quotes too: tests/db/test_billing_deal_once.sh)
check "the index: one live invoice of a deal" \
    test "$(q "select indexdef from pg_indexes where indexname = 'invoices_deal_live_key'")" = \
    "CREATE UNIQUE INDEX invoices_deal_live_key ON public.invoices USING btree (opportunity_id) WHERE ((kind = 'invoice'::text) AND (status <> 'cancelled'::text))"

# ---- ... and a quote ------------------------------------------------------------------------
qt=$(accepted)
hold "set role finn; select ccrm_invoice_from_quote($qt)" || fail "finn drafts the quote's invoice and holds it"
"$CCRM" -d "$DB user=bea application_name=second" --invoice-from quote "$qt" >"$TEST_TMP/out2" 2>"$TEST_TMP/err2" &
second=$!
check "a second --invoice-from quote of the same quote waits for the first" wait_waiting second
release
wait $second
rc=$?
qinv=$(q "select id from invoices where quote_id = $qt")
check "...then is refused in words, not the index's ($rc: $(cat "$TEST_TMP/err2"))" \
    test "$rc:$(cat "$TEST_TMP/err2")" = "65:ccrm: --invoice-from: quote #$qt is already invoiced (invoice #$qinv (draft))"
check "...one invoice of the quote" test "$(live "quote_id = $qt")" = 1
say sam "insert into invoices (account_id, quote_id) values ($A, $qt)" "quote #$qt is already invoiced (invoice #$qinv (draft))"
say mia "select ccrm_invoice_from_quote($qt)" "quote #$qt is already invoiced (invoice #$qinv (draft))"
said

# ---- 2. an invoice of a quote keeps the quote's account and currency --------------------
# (a quote of no deal: with a deal, the deal's account would refuse the move first)
qt=$(accepted nodeal)
c bea --invoice-from quote "$qt"
qinv=$(q "select id from invoices where quote_id = $qt")
check "an invoice of a quote without a deal ($rc: $out)" test "$rc" = 0 -a -n "$qinv"
for u in bea sam mia postgres; do
    say "$u" "update invoices set account_id = $B where id = $qinv" "an invoice of quote #$qt has its account and currency (account #$A, EUR)"
    say "$u" "update invoices set currency = 'USD' where id = $qinv" "an invoice of quote #$qt has its account and currency (account #$A, EUR)"
    say "$u" "update invoices set account_id = $B, currency = 'CHF', buyer_name = 'Andere AG' where id = $qinv" "has its account and currency"
done
said
check "...the invoice is as it was" test "$(q "select account_id || currency from invoices where id = $qinv")" = "${A}EUR"
as bea -c "update invoices set notes = 'fine', account_id = $A, currency = 'EUR' where id = $qinv" >/dev/null
check "other changes, and naming its own account and currency, are taken" test "$(q "select notes from invoices where id = $qinv")" = fine
# one moved before the rule (triggers off, as a restore would): it is not issued so
q "set session_replication_role = replica; update invoices set account_id = $B, currency = 'CHF' where id = $qinv" >/dev/null
c bea --issue "$qinv"
check "a moved invoice of a quote is not issued ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --issue: an invoice of quote #$qt has its account and currency (account #$A, EUR)"
check "...it is still a draft" test "$(q "select status from invoices where id = $qinv")" = draft
q "set session_replication_role = replica; update invoices set account_id = $A, currency = 'EUR' where id = $qinv" >/dev/null

# ---- 3. the contact is one of the account's ------------------------------------------------
for u in sam mia postgres; do
    say "$u" "insert into quotes (account_id, contact_id, title) values ($A, $CB, 'x')" "contact #$CB belongs to account #$B, not to account #$A of this quote"
    say "$u" "insert into quotes (opportunity_id, contact_id, title) values ($d2, $CB, 'x')" "contact #$CB belongs to account #$B, not to account #$A of this quote"
done
# a person at no company may be the contact (of another company, not): so a merge of contacts
# that moves a document to a survivor without an account goes through (test_merge.sh)
check "a contact without an account is accepted on a quote" \
    test -n "$(as sam -c "insert into quotes (account_id, contact_id, title) values ($A, $CN, 'x') returning id")"
for u in bea sam mia postgres; do
    say "$u" "insert into invoices (account_id, contact_id) values ($A, $CB)" "contact #$CB belongs to account #$B, not to account #$A of this invoice"
done
said
check "... and on an invoice" \
    test -n "$(as bea -c "insert into invoices (account_id, contact_id) values ($A, $CN) returning id")"
e=$(refused paul "insert into quotes (account_id, contact_id, title) values ($A, $CA, 'x')")
check "paul (partner) writes no quote at all (${e%%$'\n'*})" grep -q "permission denied" <<<"$e"
dq=$(as sam -c "insert into quotes (account_id, contact_id, title) values ($A, $CA, 'ok') returning id")
di=$(as bea -c "insert into invoices (account_id, contact_id) values ($A, $CA) returning id")
check "a contact of the account, or none, is taken" test -n "$dq" -a -n "$di" -a -n "$(as bea -c "insert into invoices (account_id) values ($A) returning id")"
say sam "update quotes set contact_id = $CB where id = $dq" "contact #$CB belongs to account #$B, not to account #$A of this quote"
say sam "update quotes set account_id = $B where id = $dq" "contact #$CA belongs to account #$A, not to account #$B of this quote"
say bea "update invoices set contact_id = $CB where id = $di" "contact #$CB belongs to account #$B, not to account #$A of this invoice"
say bea "update invoices set account_id = $B where id = $di" "contact #$CA belongs to account #$A, not to account #$B of this invoice"
said
as sam -c "update quotes set account_id = $B, contact_id = $CB where id = $dq" >/dev/null
check "moving a draft quote with a contact of the new account is taken" test "$(q "select account_id || '/' || contact_id from quotes where id = $dq")" = "$B/$CB"
# one of before the rule: not issued (nor sent) with another customer's contact
q "set session_replication_role = replica; update invoices set contact_id = $CB where id = $di" >/dev/null
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($di, 'x', 1, 19)" >/dev/null
check "...a draft of before the rule takes its lines" test "$(q "select gross_total from invoices where id = $di")" = 1.19
c bea --issue "$di"
check "...but is not issued with another account's contact ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --issue: contact #$CB belongs to account #$B, not to account #$A of this invoice"

# ---- 4. issue dates: within the last year; the year of a number has four digits -------------
draft() { # [SERIES]: a draft invoice of A with one line, ready to issue
    as bea <<EOF
insert into invoices (account_id, series) values ($A, '${1:-}') returning id as i \gset
insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values (:i, 'Work', 100, 19);
\echo :i
EOF
}
first_ok=$(q "select (current_date - interval '1 year')::date")
di=$(draft)
c bea --issue "$di" --date 0001-01-01
check "--issue --date 0001-01-01: refused as a slip at once ($rc: $err)" \
    test "$rc:$(head -n 1 <<<"$err")" = "64:ccrm: --date: \"0001-01-01\" is not a date in the calendar: the year 1 is before 1900: a slip? (the year in four digits)"
c bea --issue "$di" --date 1901-01-01
check "--issue --date 1901-01-01: refused by the database's rule ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --issue: an invoice is not issued with a date more than a year back (1901-01-01): the earliest is $first_ok"
for u in bea finn mia; do
    say "$u" "select ccrm_invoice_issue($di, '0044-03-15 BC')" "an invoice is not issued with a date more than a year back (0044-03-15 BC): the earliest is $first_ok"
    say "$u" "select ccrm_invoice_issue($di, (current_date - interval '1 year' - interval '1 day')::date)" "not issued with a date more than a year back"
    say "$u" "select ccrm_invoice_issue($di, current_date + 1)" "an invoice is not issued with a date in the future"
done
said
check "...still a draft, and no counter of year 1 or 44 BC" \
    test "$(q "select status from invoices where id = $di"):$(q "select count(*) from invoice_counters where year < 2000")" = draft:0
e=$(refused sam "select ccrm_invoice_issue($di)")
check "sam (sales) issues nothing (${e%%$'\n'*})" grep -q "permission denied\|only billing" <<<"$e"
# the owner, moving a counter by hand to number it 0001-00001, is refused alike
e=$(refused postgres "begin; insert into invoice_counters (series, year, last_no, last_date) values ('', 1, 1, '0001-01-01');
    update invoices set status = 'issued', year = 1, seq = 1, number = '0001-00001', issue_date = '0001-01-01',
           due_date = date '0001-01-01' + payment_terms_days where id = $di; commit")
check "the owner numbering it by hand in year 1: refused (${e%%$'\n'*})" grep -q "not issued with a date more than a year back (0001-01-01)" <<<"$e"
gi=$(draft G)
num=$(as bea -c "select ccrm_invoice_issue($gi, '$first_ok')")
check "a year back to the day is taken, in that year's numbers ($num)" test "$num" = "G-${first_ok:0:4}-00001"
# the owner moving a counter by hand (no invoice numbered with it) would leave a gap: refused at
# commit, and so is a new series' counter made by hand
e=$(refused postgres "update invoice_counters set last_no = last_no + 1 where series = 'G'")
check "the owner moving a counter by hand: refused at commit (${e%%$'\n'*})" grep -q "was counted, but no invoice has it" <<<"$e"
e=$(refused postgres "insert into invoice_counters (series, year, last_no, last_date) values ('ZZ', ${first_ok:0:4}, 1, current_date)")
check "... and making a new series' counter by hand (${e%%$'\n'*})" grep -q "ZZ-${first_ok:0:4}-00001 was counted, but no invoice has it" <<<"$e"
gi=$(draft G)
num=$(as bea -c "select ccrm_invoice_issue($gi, '$first_ok')")
check "... so the next invoice of the series has the next number ($num)" test "$num" = "G-${first_ok:0:4}-00002"
check "a number's year has four digits" \
    test "$(q "select string_agg(ccrm_invoice_number(s, y, 1), ' ' order by y) from (values ('', 44), ('B', 999), ('', 2026), ('', 12026)) v(s, y)")" \
    = "0044-00001 B-0999-00001 2026-00001 12026-00001"

# ---- 5. payments: between the invoice's issue date and today (a day's slack) ----------------
pi=$(draft P)
pn=$(as bea -c "select ccrm_invoice_issue($pi, current_date - 10)")
pdate=$(q "select issue_date from invoices where id = $pi")
for u in bea finn mia; do
    say "$u" "insert into payments (invoice_id, amount, paid_on) values ($pi, 1, '0001-01-01')" "invoice $pn was issued on $pdate: a payment on it is dated that day or later, not 0001-01-01"
    say "$u" "insert into payments (invoice_id, amount, paid_on) values ($pi, 1, current_date - 11)" "invoice $pn was issued on $pdate: a payment on it is dated that day or later"
    say "$u" "insert into payments (invoice_id, amount, paid_on) values ($pi, 1, current_date + 2)" "a payment is recorded when it came in, not ahead"
done
said
c finn --payment "$pn" --amount 1 --date 1901-01-01
check "--payment --date 1901-01-01: refused ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --payment: invoice $pn was issued on $pdate: a payment on it is dated that day or later, not 1901-01-01"
check "...nothing recorded" test "$(q "select count(*) from payments where invoice_id = $pi")" = 0
as bea -c "insert into payments (invoice_id, amount, paid_on) values ($pi, 1, '$pdate'), ($pi, 1, current_date), ($pi, 1, current_date + 1)" >/dev/null
check "the issue date, today, and tomorrow (someone east of the server's today) are taken" \
    test "$(q "select count(*) from payments where invoice_id = $pi")" = 3
e=$(refused sam "insert into payments (invoice_id, amount) values ($pi, 1)")
check "sam (sales) records no payment (${e%%$'\n'*})" grep -q "permission denied" <<<"$e"

# ---- 6. credit notes in series CN, invoices not ---------------------------------------------
check "the demo's credit notes are in CN and its invoices not" \
    test "$(q "select count(*) from invoices where (kind = 'credit_note') <> (series = 'CN')")" = 0
for u in bea sam mia postgres; do
    say "$u" "insert into invoices (account_id, series) values ($A, 'CN')" "series CN is the credit notes': an invoice is numbered in another"
done
ri=$(as bea -c "insert into invoices (account_id, series) values ($A, 'B') returning id")
say bea "update invoices set series = 'CN' where id = $ri" "series CN is the credit notes'"
said
cn=$(as bea -c "select ccrm_credit_note($(q "select id from invoices where number = '$pn'"))")
check "a credit note is drafted in CN" test "$(q "select series from invoices where id = $cn")" = CN
for u in bea mia postgres; do
    say "$u" "update invoices set series = '' where id = $cn" 'a credit note is numbered in series CN, not ""'
    say "$u" "insert into invoices (kind, credit_of, account_id, series) values ('credit_note', $pi, $A, 'X')" 'a credit note is numbered in series CN, not "X"'
done
said
# one of before the rule: not issued in the wrong series
q "set session_replication_role = replica; update invoices set series = 'CN' where id = $ri" >/dev/null
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($ri, 'x', 1, 19)" >/dev/null
c mia --issue "$ri"
check "an invoice drafted in CN before the rule is not issued so ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --issue: series CN is the credit notes': an invoice is numbered in another"

# ---- 7. quantities and prices: refused, not rounded -----------------------------------------
qd=$(as sam -c "insert into quotes (account_id, title) values ($A, 'decimals') returning id")
idr=$(draft)
for t in "sam quote_lines quote_id $qd" "bea invoice_lines invoice_id $idr" "mia invoice_lines invoice_id $idr"; do
    read -r who tbl key doc <<<"$t"
    ins="insert into $tbl ($key, description, tax_rate, quantity, unit_price) values ($doc, 'd', 19"
    e=$(refused "$who" "$ins, 1.0005, 10)")
    check "$who $tbl: quantity 1.0005 refused, not rounded (${e%%$'\n'*})" \
        bash -c "grep -qx 'ERROR:  23514: quantity 1.0005: at most 3 decimals' <<<'$e' && grep -qx 'COLUMN NAME:  quantity' <<<'$e' && grep -qx 'CONSTRAINT NAME:  ${tbl}_quantity_decimals' <<<'$e'"
    say "$who" "$ins, 0.0004, 10)" "quantity 0.0004: at most 3 decimals"
    e=$(refused "$who" "$ins, 0, 10)")
    check "$who $tbl: quantity 0 in words (${e%%$'\n'*})" \
        bash -c "grep -qx 'ERROR:  23514: quantity 0: a quantity is not 0' <<<'$e' && grep -qx 'CONSTRAINT NAME:  ${tbl}_quantity_check' <<<'$e'"
    say "$who" "$ins, 100000000000, 10)" "quantity 100000000000: at most 11 digits before the decimal point"
    e=$(refused "$who" "$ins, 1, 10.00005)")
    check "$who $tbl: unit price 10.00005 refused (${e%%$'\n'*})" \
        bash -c "grep -qx 'ERROR:  23514: unit price 10.00005: at most 4 decimals' <<<'$e' && grep -qx 'CONSTRAINT NAME:  ${tbl}_unit_price_decimals' <<<'$e'"
    say "$who" "$ins, 1, 100000000000000)" "unit price 100000000000000: at most 14 digits before the decimal point"
    said
    as "$who" -c "$ins, 2, 10), ($doc, 'e', 19, 1.500, 9.9999), ($doc, 'f', 19, -0.001, 0.1200)" >/dev/null
    check "$who $tbl: 2, 1.500, -0.001 and 10, 9.9999, 0.1200 are taken, kept as before (2.000, 10.0000)" \
        test "$(q "select string_agg(quantity || '×' || unit_price, ' ' order by position) from (select * from $tbl where $key = $doc order by position desc limit 3) x")" \
        = "2.000×10.0000 1.500×9.9999 -0.001×0.1200"
    says "$who" "update $tbl set quantity = 1.0005 where $key = $doc and description = 'd'" "quantity 1.0005: at most 3 decimals"
    q "delete from $tbl where $key = $doc and description in ('d', 'e', 'f')" >/dev/null
done
for u in sam bea mia; do
    sku="G-$u"
    say "$u" "insert into products (sku, name, unit_price, tax_rate) values ('$sku', 'g', 9.99999, 19)" "unit price 9.99999: at most 4 decimals"
    say "$u" "insert into products (sku, name, unit_price, tax_rate) values ('$sku', 'g', 9.9, 7.777)" "tax rate 7.777: at most 2 decimals"
done
said
for u in sam bea mia; do
    sku="G-$u"
    pid=$(as "$u" -c "insert into products (sku, name, unit_price, tax_rate) values ('$sku', 'g', 9.9, 19) returning id")
    check "$u: a product of 9.9 at 19 % is kept as 9.9000 and 19.00" test "$(q "select unit_price || '/' || tax_rate from products where id = $pid")" = 9.9000/19.00
    say "$u" "update products set unit_price = 1.00001 where id = $pid" "unit price 1.00001: at most 4 decimals"
    e=$(refused "$u" "insert into product_prices (product_id, currency, unit_price) values ($pid, 'USD', 1.23456)")
    check "$u: a price list's 1.23456 USD refused (${e%%$'\n'*})" \
        bash -c "grep -qx 'ERROR:  23514: unit price 1.23456: at most 4 decimals' <<<'$e' && grep -qx 'CONSTRAINT NAME:  product_prices_unit_price_decimals' <<<'$e'"
    as "$u" -c "insert into product_prices (product_id, currency, unit_price) values ($pid, 'USD', 1.2)" >/dev/null
    check "$u: ...1.2 USD is kept as 1.2000" test "$(q "select unit_price from product_prices where product_id = $pid")" = 1.2000
done
said
check "the constraints say the rules in the forms' words (what the client shows under the field)" \
    test "$(q "select string_agg(conrelid::regclass || '.' || conname || '=' || obj_description(oid, 'pg_constraint'), '|' order by conrelid::regclass::text, conname)
               from pg_constraint where conname ~ '_(quantity|unit_price|tax_rate)_(decimals|size)$'
                and conrelid in ('quote_lines'::regclass, 'invoice_lines'::regclass, 'products'::regclass, 'product_prices'::regclass)")" \
    = "invoice_lines.invoice_lines_quantity_decimals=at most 3 decimals|invoice_lines.invoice_lines_quantity_size=at most 11 digits before the decimal point|invoice_lines.invoice_lines_tax_rate_decimals=at most 2 decimals|invoice_lines.invoice_lines_unit_price_decimals=at most 4 decimals|invoice_lines.invoice_lines_unit_price_size=at most 14 digits before the decimal point|product_prices.product_prices_unit_price_decimals=at most 4 decimals|product_prices.product_prices_unit_price_size=at most 14 digits before the decimal point|products.products_tax_rate_decimals=at most 2 decimals|products.products_unit_price_decimals=at most 4 decimals|products.products_unit_price_size=at most 14 digits before the decimal point|quote_lines.quote_lines_quantity_decimals=at most 3 decimals|quote_lines.quote_lines_quantity_size=at most 11 digits before the decimal point|quote_lines.quote_lines_tax_rate_decimals=at most 2 decimals|quote_lines.quote_lines_unit_price_decimals=at most 4 decimals|quote_lines.quote_lines_unit_price_size=at most 14 digits before the decimal point"
e=$(refused postgres "set session_replication_role = replica; insert into invoice_lines (invoice_id, position, description, quantity, unit, unit_price, tax_rate, net, tax, gross) values ($idr, 99, 'r', 1.0005, 'piece', 1, 19, 0, 0, 0)")
check "with the triggers off the constraint still holds (${e%%$'\n'*})" grep -q "invoice_lines_quantity_decimals" <<<"$e"

# ---- 8. ccrm --tax-rate: plain decimal numbers only ------------------------------------------
for v in 0x10 1e-5 1E2 inf nan 7.7.7 1,2,3 ',' . '' ' 7' '7 ' +7 -1 101 100.01 100,5 1000000000000; do
    "$CCRM" -d "host=/nonexistent dbname=none" --invoice-from deal 1 --tax-rate "$v" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    rc=$?
    check "--tax-rate '$v': refused by ccrm, 64 ($rc: $(head -1 "$TEST_TMP/err"))" \
        test "$rc:$(head -1 "$TEST_TMP/err")" = "64:ccrm: --tax-rate: expected a percentage from 0 to 100 (19 or 7.7), got \"$v\""
done
d3=$(deal "Tax rates")
for v in 7,5 0 100 100.00 .5; do
    c bea --invoice-from deal "$d3" --tax-rate "$v"
    check "--tax-rate $v is taken ($rc: $out$err)" test "$rc" = 0
    as bea -c "select ccrm_delete('invoices', array(select id from invoices where opportunity_id = $d3))" >/dev/null
done

# ---- a revision, an invoice and an acceptance of one quote take turns (089) ----
# race NAME QUOTE SQL: while sam revises QUOTE in a transaction held open, USER runs SQL; the
# second must wait for the revision, then be refused in words
race() {
    local q=$2 out
    : >"$TEST_TMP/rev.out"
    printf '%s\n' "begin;" "select 'revised', ccrm_quote_revise($q);" "select pg_sleep(1.5);" "commit;" |
        psql -X -q -At "$DB user=sam" >"$TEST_TMP/rev.out" 2>&1 &
    local rp=$!
    for ((i = 0; i < 200; i++)); do grep -q revised "$TEST_TMP/rev.out" && break; nap; done
    out=$(refused sam "$3")
    wait $rp
    check "$1 while it is being revised: waits, then refused (${out%%$'\n'*})" grep -q "newer revision" <<<"$out"
}
acc1=$(q "select min(id) from accounts")
Q=$(as sam -c "insert into quotes (account_id, title, currency) values ($acc1, 'Race invoice', 'EUR') returning id" | head -1)
as sam -c "insert into quote_lines (quote_id, description, quantity, unit_price, tax_rate) values ($Q, 'Widget', 1, 100, 19)" >/dev/null
as sam -c "update quotes set status = 'sent' where id = $Q" >/dev/null
as sam -c "update quotes set status = 'accepted' where id = $Q" >/dev/null
race "an accepted quote invoiced" "$Q" "select ccrm_invoice_from_quote($Q)"
check "...so it has a revision and no invoice" \
    test "$(q "select count(*) from quotes where previous_id = $Q")|$(q "select count(*) from invoices where quote_id = $Q")" = "1|0"
Q2=$(as sam -c "insert into quotes (account_id, title, currency) values ($acc1, 'Race accept', 'EUR') returning id" | head -1)
as sam -c "insert into quote_lines (quote_id, description, quantity, unit_price, tax_rate) values ($Q2, 'Widget', 1, 100, 19)" >/dev/null
as sam -c "update quotes set status = 'sent' where id = $Q2" >/dev/null
race "a sent quote accepted" "$Q2" "update quotes set status = 'accepted' where id = $Q2"
check "...so it stays sent, with its revision" \
    test "$(q "select status from quotes where id = $Q2")|$(q "select count(*) from quotes where previous_id = $Q2")" = "sent|1"

# ---- a credit note gives back what its invoice charged (090) ----
IV=$(as bea -c "insert into invoices (account_id, currency) values ($acc1, 'EUR') returning id" | head -1)
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit_price, tax_rate) values ($IV, 'Export service', 1, 1000, 0)" >/dev/null
as bea -c "select ccrm_invoice_issue($IV)" >/dev/null
CN=$(as bea -c "select ccrm_credit_note($IV)" | head -1)
as bea -c "update invoice_lines set unit_price = 840.34, tax_rate = 19 where invoice_id = $CN" >/dev/null
says bea "select ccrm_invoice_issue($CN)" "credits 840.34 EUR, tax 159.66 EUR, at 19.00 %"
says bea "select ccrm_invoice_issue($CN, current_date - 1)" "before"
as bea -c "update invoice_lines set unit_price = 400, tax_rate = 0 where invoice_id = $CN" >/dev/null
check "a credit note of part of it, at the invoice's rate: issued" \
    test "$(as bea -c "select ccrm_invoice_issue($CN) is not null")" = t
CN2=$(as bea -c "select ccrm_credit_note($IV)" | head -1)
as bea -c "update invoice_lines set unit_price = 600.01 where invoice_id = $CN2" >/dev/null
says bea "select ccrm_invoice_issue($CN2)" "more than is left to credit"
as bea -c "update invoice_lines set unit_price = 600 where invoice_id = $CN2" >/dev/null
check "...and the rest: issued, the invoice credited in full" \
    test "$(as bea -c "select ccrm_invoice_issue($CN2) is not null")|$(q "select status from invoices where id = $IV")" = "t|cancelled"

done_testing
