#!/usr/bin/env bash
# The back office's guards of migration 068 and around it (schema/functions/91_billing.sql,
# docs/billing.md), through psql and the ccrm commands:
#  - one live invoice per deal, drafted from the deal or from one of its quotes alike: a deal
#    invoiced by itself was invoiced again from its accepted quote (and the other way round),
#    the customer billed twice; also two writers at once; a credit note that cancels the
#    invoice in full frees the deal, a partial one does not; an invoice of a quote keeps the
#    quote's deal (else the deal's count would not see it);
#  - revising a sent quote whose contact has moved to another account since: it was refused
#    for good (the contact is not one of the account's, and the sent quote cannot be changed);
#    the revision now goes without that contact, and keeps one who is still there;
#  - "at most N decimals" said in one function for lines, products and price lists, in the
#    same words, naming the same constraints (tests/db/test_billing_guards.sh has the rest).
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/hold.sh"
CCRM=${1:?usage: test_billing_deal_once.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
live() { q "select count(*) from invoices where opportunity_id = $1 and kind = 'invoice' and status <> 'cancelled'"; }

A=$(as sam -c "insert into accounts (name, city, country) values ('Einmal GmbH', 'Köln', 'Germany') returning id")
B=$(as sam -c "insert into accounts (name, city, country) values ('Anderswo AG', 'Bern', 'CH') returning id")
CA=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($A, 'Anna', 'Einmal', 'anna@einmal.example') returning id")
deal() { as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner) values ($A, '$1', 'won', 1000, 'EUR', 'sam') returning id"; }
quote() { # DEAL [CONTACT] [sent]: a quote of A for DEAL with one line, accepted (or only sent)
    local qt
    qt=$(as sam -c "insert into quotes (account_id, opportunity_id, contact_id, title, owner) values ($A, $1, ${2:-null}, 'Once', 'sam') returning id")
    as sam -c "insert into quote_lines (quote_id, description, unit_price, tax_rate) values ($qt, 'Work', 500, 19)" >/dev/null
    as sam -c "update quotes set status = 'sent' where id = $qt" >/dev/null
    [ "${3:-}" = sent ] || as sam -c "update quotes set status = 'accepted' where id = $qt" >/dev/null
    echo "$qt"
}

# ---- 1. a deal invoiced by itself is not invoiced again from its quote ----------------------
d1=$(deal "Own first")
q1=$(quote "$d1")
c bea --invoice-from deal "$d1" --tax-rate 19
check "--invoice-from deal with an accepted quote drafts it from the quote ($rc: $out$err)" \
    test "$rc:$(q "select quote_id from invoices where opportunity_id = $d1")" = "0:$q1"
i1=$(q "select id from invoices where opportunity_id = $d1")
# the deal's own invoice beside the quote's: what a writer of invoices by hand did
says bea "insert into invoices (account_id, opportunity_id) values ($A, $d1)" \
    "deal #$d1 is already invoiced (invoice #$i1 (draft), from quote #$q1)"
says postgres "insert into invoices (account_id, opportunity_id) values ($A, $d1)" "deal #$d1 is already invoiced"
other=$(as bea -c "insert into invoices (account_id) values ($A) returning id")
says bea "update invoices set opportunity_id = $d1 where id = $other" "deal #$d1 is already invoiced (invoice #$i1 (draft), from quote #$q1)"
check "...one live invoice of the deal" test "$(live "$d1")" = 1

# ... and the other way round: the deal's own invoice first, then its quote
d2=$(deal "Quote later")
c bea --invoice-from deal "$d2" --tax-rate 19
i2=$(q "select id from invoices where opportunity_id = $d2")
check "the deal's own invoice ($rc: $out$err)" test "$rc" = 0 -a -n "$i2"
q2=$(quote "$d2")
c bea --invoice-from quote "$q2"
check "--invoice-from quote of an invoiced deal: refused in words, 65 ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --invoice-from: deal #$d2 is already invoiced (invoice #$i2 (draft))"
c bea --invoice-from deal "$d2" --tax-rate 19
check "--invoice-from deal again (its quote accepted since): refused alike ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --invoice-from: deal #$d2 is already invoiced (invoice #$i2 (draft))"
for u in bea finn mia sam; do
    says "$u" "select ccrm_invoice_from_quote($q2)" "deal #$d2 is already invoiced (invoice #$i2 (draft))"
done
says postgres "insert into invoices (account_id, quote_id) values ($A, $q2)" "deal #$d2 is already invoiced (invoice #$i2 (draft))"
check "...one live invoice of the deal, none of the quote" \
    test "$(live "$d2"):$(q "select count(*) from invoices where quote_id = $q2")" = 1:0

# two accepted quotes of one deal: one is invoiced, not both
d3=$(deal "Two quotes")
q3a=$(quote "$d3")
q3b=$(quote "$d3")
c finn --invoice-from quote "$q3a"
i3=$(q "select id from invoices where quote_id = $q3a")
c finn --invoice-from quote "$q3b"
check "a second accepted quote of an invoiced deal: refused ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --invoice-from: deal #$d3 is already invoiced (invoice #$i3 (draft), from quote #$q3a)"

# an invoice of a quote is on the quote's deal: named or not, and not moved off it
d4=$(deal "Quoted deal")
q4=$(quote "$d4")
i4=$(as bea -c "insert into invoices (account_id, quote_id) values ($A, $q4) returning id")
check "an invoice of a quote made without naming the deal is on the quote's deal" \
    test "$(q "select opportunity_id from invoices where id = $i4")" = "$d4"
d5=$(deal "Elsewhere")
for u in bea mia postgres; do
    says "$u" "update invoices set opportunity_id = $d5 where id = $i4" "an invoice of quote #$q4 is for its deal (deal #$d4)"
    says "$u" "update invoices set opportunity_id = null where id = $i4" "an invoice of quote #$q4 is for its deal (deal #$d4)"
    says "$u" "insert into invoices (account_id, quote_id, opportunity_id) values ($A, $(quote "$d5"), $d4)" "is for its deal (deal #$d5)"
done
as bea -c "update invoices set notes = 'fine' where id = $i4" >/dev/null
check "...other changes are taken" test "$(q "select notes from invoices where id = $i4")" = fine

# two writers at once: the deal's own and its quote's
d6=$(deal "Race")
q6=$(quote "$d6")
hold "set role bea; insert into invoices (account_id, opportunity_id) values ($A, $d6)" || fail "bea drafts the deal's own invoice and holds it"
"$CCRM" -d "$DB user=finn application_name=second" --invoice-from quote "$q6" >"$TEST_TMP/out2" 2>"$TEST_TMP/err2" &
second=$!
check "--invoice-from quote of the same deal at the same time waits for the first" wait_waiting second
release
wait $second
rc=$?
i6=$(q "select id from invoices where opportunity_id = $d6")
check "...then is refused in words, not the index's ($rc: $(cat "$TEST_TMP/err2"))" \
    test "$rc:$(cat "$TEST_TMP/err2")" = "65:ccrm: --invoice-from: deal #$d6 is already invoiced (invoice #$i6 (draft))"
check "...one invoice of the deal" test "$(live "$d6")" = 1
check "the index: one live invoice of a deal, whatever it was drafted from" \
    test "$(q "select indexdef from pg_indexes where indexname = 'invoices_deal_live_key'")" = \
    "CREATE UNIQUE INDEX invoices_deal_live_key ON public.invoices USING btree (opportunity_id) WHERE ((kind = 'invoice'::text) AND (status <> 'cancelled'::text))"

# cancelled in full by credit notes frees the deal; credited in part does not
as bea -c "update invoices set buyer_country = 'DE' where id = $i2" >/dev/null
n2=$(as bea -c "select ccrm_invoice_issue($i2)")
cn=$(as bea -c "select ccrm_credit_note($i2)")
as bea -c "update invoice_lines set unit_price = unit_price / 2 where invoice_id = $cn" >/dev/null
as bea -c "select ccrm_invoice_issue($cn)" >/dev/null
c bea --invoice-from quote "$q2"
check "credited in part: the deal stays invoiced ($rc: $err)" \
    test "$rc:$err" = "65:ccrm: --invoice-from: deal #$d2 is already invoiced (invoice $n2)"
cn=$(as bea -c "select ccrm_credit_note($i2)")
as bea -c "update invoice_lines set unit_price = unit_price / 2 where invoice_id = $cn" >/dev/null
as bea -c "select ccrm_invoice_issue($cn)" >/dev/null
check "...credited in full, the invoice is cancelled" test "$(q "select status from invoices where id = $i2")" = cancelled
c bea --invoice-from quote "$q2"
check "...and the deal is invoiced again, from its quote ($rc: $out$err)" \
    test "$rc:$(live "$d2"):$(q "select count(*) from invoices where quote_id = $q2")" = 0:1:1

# ---- 2. revising a quote whose contact has moved to another account -------------------------
CM=$(as sam -c "insert into contacts (account_id, first_name, last_name) values ($A, 'Moritz', 'Weg') returning id")
qm=$(quote null "$CM" sent)
as sam -c "update contacts set account_id = $B where id = $CM" >/dev/null
e=$(psql -X -q -At "$DB user=sam" -c "select ccrm_quote_revise($qm)" 2>&1)
rm_=$(q "select id from quotes where previous_id = $qm")
check "a quote whose contact moved is revised ($e)" test -n "$rm_"
check "...the revision goes without that contact, for the quote's account" \
    test "$(q "select account_id || '/' || coalesce(contact_id::text, 'none') from quotes where id = $rm_")" = "$A/none"
check "...and psql is told so" grep -q "NOTICE:  contact #$CM of quote #$qm is now at account #$B: the revision has no contact yet" <<<"$e"
check "...with its lines" test "$(q "select count(*) from quote_lines where quote_id = $rm_")" = 1
as sam -c "update quotes set contact_id = $CA where id = $rm_" >/dev/null
check "...one of the account's people is taken on it" test "$(q "select contact_id from quotes where id = $rm_")" = "$CA"
qk=$(quote null "$CA" sent)
rk=$(as sam -c "select ccrm_quote_revise($qk)")
check "a contact still at the account comes along" test "$(q "select contact_id from quotes where id = $rk")" = "$CA"
CN=$(as sam -c "insert into contacts (first_name, last_name) values ('Nora', 'Niemand') returning id")
qn=$(quote null "$CN" sent)
rn=$(as sam -c "select ccrm_quote_revise($qn)")
check "...and so does one at no company (a private buyer)" test "$(q "select contact_id from quotes where id = $rn")" = "$CN"
says sam "insert into quotes (account_id, contact_id, title, previous_id) values ($A, $CM, 'x', $rk)" \
    "contact #$CM belongs to account #$B, not to account #$A of this quote"

# ---- 3. one function says "at most N decimals" ----------------------------------------------
check "the lines' and products' rules call it, and raise no such words themselves" \
    test "$(q "select string_agg(p.proname, ' ' order by p.proname) from pg_proc p
               where p.proname in ('ccrm_line_fill', 'ccrm_product_rule', 'ccrm_price_kept')
                 and p.prosrc like '%ccrm_decimals_kept(%' and p.prosrc not like '%at most _ decimals%'")" \
    = "ccrm_line_fill ccrm_price_kept ccrm_product_rule"
qd=$(as sam -c "insert into quotes (account_id, title) values ($A, 'decimals') returning id")
for t in "quantity, unit_price, tax_rate, discount_pct) values ($qd, 'd', 1.0005, 1, 19, 0)|quantity 1.0005: at most 3 decimals|quote_lines_quantity_decimals" \
    "quantity, unit_price, tax_rate, discount_pct) values ($qd, 'd', 1, 1.00005, 19, 0)|unit price 1.00005: at most 4 decimals|quote_lines_unit_price_decimals" \
    "quantity, unit_price, tax_rate, discount_pct) values ($qd, 'd', 1, 1, 7.777, 0)|tax rate 7.777: at most 2 decimals|quote_lines_tax_rate_decimals" \
    "quantity, unit_price, tax_rate, discount_pct) values ($qd, 'd', 1, 1, 19, 2.505)|discount 2.505: at most 2 decimals|quote_lines_discount_pct_decimals"; do
    IFS='|' read -r cols words con <<<"$t"
    e=$(refused sam "insert into quote_lines (quote_id, description, $cols")
    check "a line: $words, constraint $con ($(head -1 <<<"$e"))" \
        bash -c "grep -qx 'ERROR:  23514: $words' <<<'$e' && grep -qx 'CONSTRAINT NAME:  $con' <<<'$e'"
done
e=$(refused sam "insert into products (sku, name, unit_price, tax_rate) values ('DEC-1', 'd', 1, 7.777)")
check "a product: tax rate 7.777 ($(head -1 <<<"$e"))" \
    bash -c "grep -qx 'ERROR:  23514: tax rate 7.777: at most 2 decimals' <<<'$e' && grep -qx 'COLUMN NAME:  tax_rate' <<<'$e' && grep -qx 'CONSTRAINT NAME:  products_tax_rate_decimals' <<<'$e'"
as sam -c "insert into quote_lines (quote_id, description, quantity, unit_price, tax_rate, discount_pct) values ($qd, 'k', 2, 9.9, 19, 5)" >/dev/null
check "what is taken is kept with its decimals, as before (2.000, 9.9000, 19.00, 5.00)" \
    test "$(q "select quantity || ' ' || unit_price || ' ' || tax_rate || ' ' || discount_pct from quote_lines where quote_id = $qd")" = "2.000 9.9000 19.00 5.00"

done_testing
