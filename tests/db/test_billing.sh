#!/usr/bin/env bash
# The back office through plain psql (schema/020, schema/functions/91_billing.sql,
# docs/billing.md): the rounding rule against a table of hand-computed lines and documents
# (discounts, mixed tax rates, currencies with 0, 2 and 3 decimals); quotes that were sent are
# never edited in place (revisions are new rows); issued invoices stay as issued for every role,
# the owner included; numbers are gapless per series and year, also when issuers roll back;
# payments and credit notes settle an invoice; the rights of each department and a partner;
# --payment reads amounts as forms do, in the invoice's currency; the exports to a reader that
# goes away (| head: the COPY cancelled) and over a connection lost halfway (69).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_billing.sh path/to/ccrm}

pg_start_demo "$CCRM" 5
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
# n USER SQL: rows a DML statement touches (inside a rolled-back transaction), or ERR: message
n() {
    local out
    if out=$(as "$1" -c "begin" -c "with x as ($2 returning 1) select count(*) from x" \
        -c "rollback" 2>&1); then
        echo "$out"
    else
        echo "ERR: $(grep -m1 ERROR <<<"$out" | sed 's/^.*ERROR: *//')"
    fi
}
# run USER SQL: the statement's output (in a rolled-back transaction), or ERR: message
run() {
    local out
    if out=$(as "$1" -c "begin" -c "$2" -c "rollback" 2>&1); then
        echo "$out"
    else
        echo "ERR: $(grep -m1 ERROR <<<"$out" | sed 's/^.*ERROR: *//')"
    fi
}
may() {
    local r
    r=$(n "$1" "$2")
    if [[ $r =~ ^[1-9][0-9]*$ ]]; then ok "$1 may: ${2:0:90}"; else fail "$1 may: $2 (got $r)"; fi
}
mayNot() {
    local r
    r=$(n "$1" "$2")
    if [ "$r" = 0 ] || { [[ $r == ERR:* ]] && { [ -z "${3:-}" ] || grep -qE -- "$3" <<<"$r"; }; }; then
        ok "$1 may not: ${2:0:80} (${r:0:60})"
    else
        fail "$1 may not: $2 (got $r)"
    fi
}
# call USER SQL [PATTERN]: the call succeeds (no PATTERN) or fails with an error matching it
mayCall() {
    local r
    r=$(run "$1" "$2")
    if [[ $r != ERR:* ]]; then ok "$1 may: ${2:0:90}"; else fail "$1 may: $2 (got $r)"; fi
}
mayNotCall() {
    local r
    r=$(run "$1" "$2")
    if [[ $r == ERR:* ]] && grep -qE -- "${3:-.}" <<<"$r"; then
        ok "$1 may not: ${2:0:80} (${r:0:70})"
    else
        fail "$1 may not: $2 (got $r)"
    fi
}
# The same checks in bulk: queue KIND USER SQL [PATTERN] (KIND may, mayNot, mayCall or
# mayNotCall; SQL one statement) holds a check; queued asks them all (ask_all, tests/lib/pg.sh:
# each in a transaction of its own that is rolled back as n and run roll back theirs, but one
# psql session per user for all of them: a psql and its backend cost some 50 ms of processor
# time, and the loops below queue two hundred), together with whatever else was asked, and
# then checks them in the order queued, as the functions above do.
_qk=() _qu=() _qs=() _qp=()
queue() { _qk+=("$1") _qu+=("$2") _qs+=("$3") _qp+=("${4:-}"); }
queued() {
    local i r
    for i in "${!_qk[@]}"; do
        case ${_qk[i]} in
        may | mayNot) ask "queued $i" "${_qu[i]}" "with x as (${_qs[i]} returning 1) select count(*) from x" ;;
        *) ask "queued $i" "${_qu[i]}" "${_qs[i]}" ;;
        esac
    done
    # (the statement's error, as n and run report it: the message without "ERROR:")
    ASK_ERR=:LAST_ERROR_MESSAGE ask_all
    # (the patterns matched by bash, not by a grep for each of two hundred answers: an answer
    # that is an error is one line, "ERR: " and the message)
    local pat
    for i in "${!_qk[@]}"; do
        r=${ANSWER[queued $i]} pat=${_qp[i]:-.}
        case ${_qk[i]} in
        may)
            if [[ $r =~ ^[1-9][0-9]*$ ]]; then ok "${_qu[i]} may: ${_qs[i]:0:90}"; else fail "${_qu[i]} may: ${_qs[i]} (got $r)"; fi ;;
        mayNot)
            if [ "$r" = 0 ] || { [[ $r == ERR:* ]] && [[ $r =~ $pat ]]; }; then
                ok "${_qu[i]} may not: ${_qs[i]:0:80} (${r:0:60})"
            else
                fail "${_qu[i]} may not: ${_qs[i]} (got $r)"
            fi ;;
        mayCall)
            if [[ $r != ERR:* ]] && [[ $r != "(no answer"* ]]; then ok "${_qu[i]} may: ${_qs[i]:0:90}"; else fail "${_qu[i]} may: ${_qs[i]} (got $r)"; fi ;;
        mayNotCall)
            if [[ $r == ERR:* ]] && [[ $r =~ $pat ]]; then
                ok "${_qu[i]} may not: ${_qs[i]:0:80} (${r:0:70})"
            else
                fail "${_qu[i]} may not: ${_qs[i]} (got $r)"
            fi ;;
        esac
    done
    _qk=() _qu=() _qs=() _qp=()
}

org=$(q "select id from partner_orgs where name = 'Nordlicht Reseller GmbH'")
S=$(as sam -c "insert into accounts (name, city, country) values ('Billing Shared GmbH', 'Köln', 'Germany') returning id")
U=$(as sam -c "insert into accounts (name, city, country) values ('Billing Unshared AG', 'Zürich', 'Switzerland') returning id")
"$CCRM" -d "$PG_CONN" --share "$S" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
C=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($S, 'Zoë', 'Ångström', 'zoe@billing-shared.example') returning id")

# ------------------------------------------------------------------------------------------
# 1. The rounding rule: per line, half up, to the currency's minor unit
# ------------------------------------------------------------------------------------------
# quantity price discount% tax% currency -> net tax gross (worked out by hand)
cases="3 19.99 10 19 EUR 53.97 10.25 64.22
1 0.125 0 0 EUR 0.13 0.00 0.13
1 0.115 0 0 EUR 0.12 0.00 0.12
1 10 0 7 EUR 10.00 0.70 10.70
1 0.05 0 10 EUR 0.05 0.01 0.06
12 99.99 12.5 19 USD 1049.90 199.48 1249.38
0.333 3 0 19 EUR 1.00 0.19 1.19
1 100 100 19 EUR 0.00 0.00 0.00
-2 50 0 19 EUR -100.00 -19.00 -119.00
1 33.33 33.33 16 CHF 22.22 3.56 25.78
7 333.3333 0 10 JPY 2333 233 2566
1 1999.5 0 10 JPY 2000 200 2200
3 1.5 15 8 JPY 4 0 4
1 0.5 0 0 KRW 1 0 1
2.5 1.2345 0 5 KWD 3.086 0.154 3.240
1 0.0005 0 0 KWD 0.001 0.000 0.001
3 2.3335 0 5 BHD 7.001 0.350 7.351
4 12.3456 2.5 19 TND 48.148 9.148 57.296"
# (the queries of a loop in one psql: a line of output each)
while read -r qty price disc rate cur net tax gross; do
    echo "select net || ' ' || tax || ' ' || gross from ccrm_line_amounts($qty, $price, $disc, $rate, ccrm_minor_units('$cur'));"
done <<<"$cases" >"$TEST_TMP/rule.sql"
mapfile -t gots < <(psqlc -f "$TEST_TMP/rule.sql")
i=0
while read -r qty price disc rate cur net tax gross; do
    got=${gots[i]:-}
    i=$((i + 1))
    check "rule, case $i: $qty x $price $cur -$disc% +$rate% = $net + $tax = $gross (got $got)" \
        test "$got" = "$net $tax $gross"
done <<<"$cases"

# the same through the lines of real quotes (the trigger path), one quote per currency
declare -A quote_of
curs="EUR USD CHF JPY KRW KWD BHD TND"
for cur in $curs; do
    echo "insert into quotes (account_id, title, currency) values ($S, 'Rounding $cur', '$cur') returning id;"
done >"$TEST_TMP/quotes.sql"
mapfile -t gots < <(as sam -f "$TEST_TMP/quotes.sql")
i=0
for cur in $curs; do
    quote_of[$cur]=${gots[i]:-0}
    i=$((i + 1))
done
# (sam's inserts in one session, each its own transaction)
while read -r qty price disc rate cur net tax gross; do
    echo "insert into quote_lines (quote_id, description, quantity, unit_price, discount_pct, tax_rate)
               values (${quote_of[$cur]}, 'case $qty $price', $qty, $price, $disc, $rate);"
done <<<"$cases" >"$TEST_TMP/lines.sql"
as sam -f "$TEST_TMP/lines.sql" >/dev/null
bad=$(q "select count(*) from quote_lines l join quotes q on q.id = l.quote_id,
                lateral ccrm_line_amounts(l.quantity, l.unit_price, l.discount_pct, l.tax_rate, ccrm_minor_units(q.currency)) a
          where q.title like 'Rounding %' and (l.net, l.tax, l.gross) is distinct from (a.net, a.tax, a.gross)")
check "every line written through psql carries the rule's amounts" test "$bad" = 0
while read -r qty price disc rate cur net tax gross; do
    # (coalesce: a line that is not there is an empty line of output, not none)
    echo "select coalesce((select l.net || ' ' || l.tax || ' ' || l.gross from quote_lines l
              where l.quote_id = ${quote_of[$cur]} and l.description = 'case $qty $price'), '');"
done <<<"$cases" >"$TEST_TMP/lines.sql"
mapfile -t gots < <(psqlc -f "$TEST_TMP/lines.sql")
i=0
while read -r qty price disc rate cur net tax gross; do
    got=${gots[i]:-}
    i=$((i + 1))
    check "line $i on a $cur quote: $net $tax $gross (got $got)" test "$got" = "$net $tax $gross"
done <<<"$cases"
# document totals: the sums of the lines (worked out by hand per currency)
totals=("EUR -34.73 -7.85 -42.58" "USD 1049.90 199.48 1249.38" "CHF 22.22 3.56 25.78"
        "JPY 4337 433 4770" "KRW 1 0 1" "KWD 3.087 0.154 3.241" "BHD 7.001 0.350 7.351"
        "TND 48.148 9.148 57.296")
for t in "${totals[@]}"; do
    read -r cur net tax gross <<<"$t"
    echo "select coalesce((select net_total || ' ' || tax_total || ' ' || gross_total from quotes where id = ${quote_of[$cur]}), '');"
done >"$TEST_TMP/totals.sql"
mapfile -t gots < <(psqlc -f "$TEST_TMP/totals.sql")
i=0
for t in "${totals[@]}"; do
    read -r cur net tax gross <<<"$t"
    got=${gots[i]:-}
    i=$((i + 1))
    check "quote totals in $cur: $net + $tax = $gross (got $got)" test "$got" = "$net $tax $gross"
done
# a mixed-rate invoice with a product line and a discount, as a document a customer gets
as sam -c "insert into products (sku, name, unit, unit_price, currency, tax_rate) values
           ('RND-1', 'Rounding widget', 'piece', 19.99, 'EUR', 19)" >/dev/null
inv=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($S, $C, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, product_id, quantity, discount_pct)
             select $inv, id, 3, 10 from products where sku = 'RND-1';
           insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate) values
             ($inv, 'Book', 1, 'piece', 10, 7), ($inv, 'Sticker', 1, 'piece', 0.05, 10),
             ($inv, 'Export service', 2, 'hour', 49.995, 0)"
check "mixed rates: 53.97 + 10.00 + 0.05 + 99.99 = 164.01 net, 10.25 + 0.70 + 0.01 = 10.96 tax, 174.97 gross" \
    test "$(q "select net_total || '/' || tax_total || '/' || gross_total from invoices where id = $inv")" = "164.01/10.96/174.97"
check "a product line takes its description, unit, price and tax rate from the product" \
    test "$(q "select sku || '|' || description || '|' || unit || '|' || unit_price || '|' || tax_rate from invoice_lines where invoice_id = $inv and position = 1")" = "RND-1|Rounding widget|piece|19.9900|19.00"
check "the buyer was filled from the account and the contact (country as a code)" \
    test "$(q "select buyer_name || '|' || buyer_city || '|' || buyer_country || '|' || buyer_contact || '|' || buyer_email from invoices where id = $inv")" \
         "=" "Billing Shared GmbH|Köln|DE|Zoë Ångström|zoe@billing-shared.example"
queue mayNot bea "update invoice_lines set net = 1 where invoice_id = $inv" "permission denied"
queue mayNot bea "update invoices set gross_total = 1 where id = $inv" "permission denied"
queued
check "even the owner cannot make a draft's totals disagree with its lines" \
    test "$(q "update invoices set gross_total = 1, net_total = 1 where id = $inv returning net_total || '/' || gross_total")" = "164.01/174.97"
check "nor a quote's" \
    test "$(q "update quotes set gross_total = 1 where id = ${quote_of[EUR]} returning gross_total")" = -42.58
# changing a draft's currency computes its lines again in the new minor unit
jq=$(as sam -c "insert into quotes (account_id, currency) values ($S, 'EUR') returning id")
as sam -c "insert into quote_lines (quote_id, description, quantity, unit_price, tax_rate) values ($jq, 'x', 3, 0.5, 10)" \
       -c "update quotes set currency = 'JPY' where id = $jq"
check "a draft moved from EUR to JPY is rounded to whole yen (1.50 -> 2, tax 0)" \
    test "$(q "select net || '/' || tax || '|' || (select gross_total from quotes where id = $jq) from quote_lines where quote_id = $jq")" = "2/0|2"

# ------------------------------------------------------------------------------------------
# 2. Quotes: sent is final; a revision is a new row
# ------------------------------------------------------------------------------------------
deal=$(as sam -c "insert into opportunities (account_id, name, amount, currency) values ($S, 'Billing deal', 5000, 'EUR') returning id")
qt=$(as sam -c "insert into quotes (opportunity_id, contact_id, title, valid_until) values ($deal, $C, 'Pro plan', current_date + 14) returning id")
check "a quote for a deal takes the deal's account" test "$(q "select account_id from quotes where id = $qt")" = "$S"
mayNotCall sam "update quotes set status = 'sent' where id = $qt" "no lines"
as sam -c "insert into quote_lines (quote_id, product_id, quantity) select $qt, id, 10 from products where sku = 'RND-1'" >/dev/null
mayNotCall sam "update quotes set status = 'accepted' where id = $qt" "sent before"
as sam -c "update quotes set status = 'sent' where id = $qt"
check "sending stamps sent_at" test "$(q "select sent_at is not null from quotes where id = $qt")" = t
for who in sam mia ana postgres; do
    queue mayNotCall "$who" "update quotes set title = 'changed' where id = $qt" "was sent: it cannot be changed"
    queue mayNotCall "$who" "update quotes set valid_until = current_date + 60 where id = $qt" "was sent"
    queue mayNotCall "$who" "update quote_lines set quantity = 11 where quote_id = $qt" "its lines cannot be changed"
    queue mayNotCall "$who" "insert into quote_lines (quote_id, description, unit_price, tax_rate) values ($qt, 'extra', 1, 19)" "its lines cannot be changed"
done
queue mayNotCall postgres "delete from quote_lines where quote_id = $qt" "its lines cannot be changed"
queue mayNotCall postgres "delete from quotes where id = $qt" "it is kept"
queue mayNotCall sam "select ccrm_delete('quotes', $qt)" "it is kept"
queue mayCall sam "update quotes set owner = 'juergen' where id = $qt"
queued
rev=$(as sam -c "select ccrm_quote_revise($qt)")
check "a revision is a new draft row linked to the sent quote (revision 2, same lines)" \
    test "$(q "select revision || '|' || previous_id || '|' || status || '|' || (select count(*) from quote_lines where quote_id = $rev) from quotes where id = $rev")" = "2|$qt|draft|1"
check "the sent quote is unchanged" test "$(q "select status || '|' || revision from quotes where id = $qt")" = "sent|1"
queue mayNotCall sam "update quotes set status = 'accepted' where id = $qt" "newer revision"
queue mayNotCall sam "select ccrm_quote_revise($rev)" "draft: edit it"
queued
as sam -c "update quote_lines set quantity = 12 where quote_id = $rev; update quotes set status = 'sent' where id = $rev"
mayNotCall bea "update quotes set status = 'accepted' where id = $rev" "permission denied"
as sam -c "update quotes set status = 'accepted' where id = $rev"
mayNotCall sam "update quotes set status = 'rejected' where id = $rev" "final"
check "the accepted revision keeps its decision time" test "$(q "select decided_at is not null from quotes where id = $rev")" = t
check "ccrm_quote_state says expired for a sent quote past its validity" \
    test "$(q "select ccrm_quote_state('sent', current_date - 1) || ccrm_quote_state('sent', current_date) || ccrm_quote_state('accepted', current_date - 9)")" = "expiredsentaccepted"

# ------------------------------------------------------------------------------------------
# 3. Invoices: from the accepted quote, issued by billing, immutable, paid, credited
# ------------------------------------------------------------------------------------------
mayNotCall bea "select ccrm_invoice_from_quote($qt)" "is sent: only an accepted quote"
fi1=$(as bea -c "select ccrm_invoice_from_quote($rev)")
check "an invoice from the accepted quote has its lines, account and totals" \
    test "$(q "select account_id || '|' || quote_id || '|' || gross_total from invoices where id = $fi1")" = "$S|$rev|$(q "select gross_total from quotes where id = $rev")"
queue mayNotCall sam "select ccrm_invoice_from_quote($rev)" "already invoiced"
queue mayNotCall sam "select ccrm_quote_revise($qt)" "has a revision already"
queue mayNotCall sam "select ccrm_quote_revise($rev)" "is invoiced .* a revision would bill it twice"
queued
# an accepted quote revised: the older one is no longer invoiced (the customer accepts the
# newer one, and two accepted revisions must not both be billed)
q2=$(as sam -c "insert into quotes (opportunity_id, contact_id, title, valid_until) values ($deal, $C, 'Pro plan 2', current_date + 14) returning id")
# (one psql for what one user does in a row, each -c a transaction of its own as before)
as sam -c "insert into quote_lines (quote_id, product_id, quantity) select $q2, id, 1 from products where sku = 'RND-1'" \
       -c "update quotes set status = 'sent' where id = $q2; update quotes set status = 'accepted' where id = $q2" >/dev/null
r2=$(as sam -c "select ccrm_quote_revise($q2)")
queue mayNotCall bea "select ccrm_invoice_from_quote($q2)" "has a newer revision \\(quote #$r2\\): invoice that one"
queue mayNotCall postgres "insert into invoices (account_id, quote_id) values ($S, $rev)" "quote #$rev is already invoiced"
for who in sam sofia marco paul; do
    queue mayNotCall "$who" "select ccrm_invoice_issue($fi1)" "permission denied|only billing"
done
queue mayNotCall postgres "update invoices set status = 'issued' where id = $fi1" "issued by ccrm_invoice_issue"
queue mayNotCall postgres "update invoices set status = 'issued', number = '2000-00001', year = 2000, seq = 1, issue_date = '2000-01-01', due_date = '2000-01-31' where id = $fi1" "issued by ccrm_invoice_issue"
queue mayNotCall bea "select ccrm_invoice_issue($fi1, current_date + 1)" "future"
queued
num=$(as bea -c "select ccrm_invoice_issue($fi1)")
y=$(date +%Y)
check "issuing numbers it in the main series of this year ($num)" bash -c "[[ '$num' =~ ^$y-000[0-9][0-9]$ ]]"
check "due date = issue date + payment terms (30 days), issued by bea" \
    test "$(q "select (due_date - issue_date) || '|' || issued_by || '|' || status from invoices where id = $fi1")" = "30|bea|issued"
mayNotCall bea "select ccrm_invoice_issue($fi1)" "already issued"

# immutability through psql as every role, the owner included: every column, the lines, deletes
before=$(q "select md5(i::text) || md5(coalesce((select string_agg(l::text, ',' order by l.id) from invoice_lines l where l.invoice_id = $fi1), '')) from invoices i where id = $fi1")
for who in sam sofia marco mia bea ana paul postgres; do
    for set in "notes = 'x'" "buyer_name = 'Someone Else'" "buyer_vat_id = 'DE999'" "payment_terms_days = 60" \
               "currency = 'USD'" "account_id = $U" "series = 'X'" "number = '$y-99999'" "issue_date = current_date - 1" \
               "due_date = current_date + 99" "gross_total = 0" "status = 'draft'" "paid_total = gross_total" \
               "kind = 'credit_note'" "seq = seq + 1"; do
        queue mayNot "$who" "update invoices set $set where id = $fi1" "cannot be changed|permission denied|issued by|follows from"
    done
    queue mayNot "$who" "update invoice_lines set quantity = quantity + 1 where invoice_id = $fi1" "cannot be changed|permission denied"
    queue mayNot "$who" "update invoice_lines set description = 'other' where invoice_id = $fi1" "cannot be changed|permission denied"
    queue mayNot "$who" "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($fi1, 'more', 1, 19)" "cannot be changed|permission denied|row-level security"
    queue mayNotCall "$who" "select ccrm_delete('invoices', $fi1)" "it is kept|only sales|partners|permission denied"
    queue mayNotCall "$who" "select ccrm_delete('invoice_lines', array(select id from invoice_lines where invoice_id = $fi1))" "cannot be changed|only sales|partners|permission denied"
done
queue mayNotCall postgres "delete from invoices where id = $fi1" "it is kept"
queue mayNotCall postgres "delete from invoice_lines where invoice_id = $fi1" "cannot be changed"
queue mayNotCall postgres "truncate invoices cascade" "cannot be truncated"
queue mayNotCall postgres "truncate invoice_lines" "cannot be truncated"
queue mayNotCall postgres "delete from invoice_counters" "cannot be deleted"
queue mayNotCall postgres "update invoice_counters set last_no = last_no + 5" "counts up by one"
queue mayNotCall postgres "update invoice_counters set last_no = last_no - 1" "counts up by one"
queued
after=$(q "select md5(i::text) || md5(coalesce((select string_agg(l::text, ',' order by l.id) from invoice_lines l where l.invoice_id = $fi1), '')) from invoices i where id = $fi1")
check "after all of that the issued invoice and its lines are byte for byte what was issued" test "$before" = "$after"
mayCall bea "update invoices set owner = 'finn' where id = $fi1"

# payments: partial, several, never more than is open, in the currency's minor unit
g=$(q "select gross_total from invoices where id = $fi1")
for who in sam sofia marco paul; do
    queue mayNot "$who" "insert into payments (invoice_id, amount) values ($fi1, 1)" "permission denied"
done
queue mayNotCall bea "insert into payments (invoice_id, amount) values ($fi1, 0.001)" "2 decimals at most"
queue mayNotCall bea "insert into payments (invoice_id, amount) values ($fi1, $g + 0.01)" "exceeds what is outstanding"
queue mayNotCall bea "insert into payments (invoice_id, amount) values ($inv, 1)" "issued, unpaid invoices; invoice #$inv is still a draft$"
queue mayNotCall bea "insert into payments (invoice_id, amount, paid_on) values ($fi1, 1, current_date + 30)" "not ahead"
queued
"$CCRM" -d "$DB user=bea" --payment "$num" --amount "1,000" >/dev/null 2>"$TEST_TMP/e"
check "--amount 1,000 is not read as 1.00: refused, said why (exit 65)" \
    test "$?,$(grep -c 'has 3 decimals, and EUR has 2' "$TEST_TMP/e"),$(q "select count(*) from payments where invoice_id = $fi1")" = "65,1,0"
# decimals a currency has not, and "1,000" where there are three: said for that currency,
# never misread (without decimals "1,000" is a thousand: below)
for cur in JPY KWD; do
    ci=$(as bea -c "insert into invoices (account_id, currency) values ($S, '$cur') returning id")
    as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($ci, 'x', 5000, 0)" >/dev/null
    cn=$(as bea -c "select ccrm_invoice_issue($ci)")
    case $cur in
    JPY) amt='1,5' want='"1,5" has 1 decimal, and JPY has no decimals (a thousand is 1000, 1,000 or 1.000)' ;;
    KWD) amt='1,000' want='is ambiguous in KWD (a thousand is 1000, 1.000,000 or 1,000.000; one is 1; for decimals add a zero: 1,0000)' ;;
    esac
    "$CCRM" -d "$DB user=bea" --payment "$cn" --amount "$amt" >/dev/null 2>"$TEST_TMP/e"
    rc=$?
    check "$cur: --amount $amt refused with the currency's own advice ($(cat "$TEST_TMP/e"))" \
        test "$rc,$(grep -cF "$want" "$TEST_TMP/e"),$(q "select count(*) from payments where invoice_id = $ci")" = "65,1,0"
done
"$CCRM" -d "$DB user=bea" --payment "$cn" --amount "1.000,000" >/dev/null 2>"$TEST_TMP/e"
check "KWD: 1.000,000 is a thousand" test "$?:$(q "select amount from payments where invoice_id = $ci")" = "0:1000.000"
# fils: a lone separator with three digits is ambiguous, the zero added says decimals, a
# leading 0 cannot group thousands
for a in 1.0510 0.500 "0,25"; do
    "$CCRM" -d "$DB user=bea" --payment "$cn" --amount "$a" >/dev/null 2>"$TEST_TMP/e"
    check "KWD: --amount $a is taken ($(cat "$TEST_TMP/e"))" test $? = 0
done
check "...as 1.051, 0.500 and 0.250" \
    test "$(q "select string_agg(amount::text, ' ' order by id) from payments where invoice_id = $ci and amount < 1000")" = "1.051 0.500 0.250"
"$CCRM" -d "$DB user=bea" --payment "$cn" --amount "1'000.500" >/dev/null 2>"$TEST_TMP/e"
check "KWD: 1'000.500 (thousands grouped by ') is a thousand and a half dinar ($(cat "$TEST_TMP/e"))" \
    test "$?:$(q "select max(id) = (select max(id) from payments where amount = 1000.500) from payments where invoice_id = $ci")" = "0:t"
jn=$(q "select number from invoices where currency = 'JPY' and status = 'issued' order by id desc limit 1")
"$CCRM" -d "$DB user=bea" --payment "$jn" --amount "1.000,00" >/dev/null 2>"$TEST_TMP/e"
check "JPY: 1.000,00 (zero cents it has not) is a thousand" \
    test "$?:$(q "select amount from payments p join invoices i on i.id = p.invoice_id where i.number = '$jn'")" = "0:1000"
"$CCRM" -d "$DB user=bea" --payment "$jn" --amount "1,000" >/dev/null 2>"$TEST_TMP/e"
check "JPY: 1,000 (no decimals the comma could start) is a thousand too ($(cat "$TEST_TMP/e"))" \
    test "$?:$(q "select string_agg(amount::text, ' ' order by p.id) from payments p join invoices i on i.id = p.invoice_id where i.number = '$jn'")" = "0:1000 1000"
# amounts as forms read them (value.c): ".50", "+5", "1'234.50", "1 234,50"; zeros past the
# currency's decimals say nothing ("12.5000"), other digits there are refused ("12.505")
ei=$(as bea -c "insert into invoices (account_id, currency) values ($S, 'EUR') returning id")
en=$(as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($ei, 'x', 5000, 0)" \
            -c "select ccrm_invoice_issue($ei)")
for a in .50 +5 "1'234.50" "1 234,50" 12.5000; do
    "$CCRM" -d "$DB user=bea" --payment "$en" --amount "$a" >/dev/null 2>"$TEST_TMP/e"
    check "--amount \"$a\" is an amount, as forms take it ($?: $(cat "$TEST_TMP/e"))" test ! -s "$TEST_TMP/e"
done
check "... recorded as 0.50, 5.00, 1234.50, 1234.50 and 12.50 EUR" \
    test "$(q "select string_agg(amount::text, ' ' order by id) from payments where invoice_id = $ei")" = "0.50 5.00 1234.50 1234.50 12.50"
"$CCRM" -d "$DB user=bea" --payment "$en" --amount 12.505 >/dev/null 2>"$TEST_TMP/e"
check "--amount 12.505 in EUR: refused, said why (exit 65)" \
    test "$?,$(grep -c '"12.505" has 3 decimals, and EUR has 2' "$TEST_TMP/e")" = "65,1"
"$CCRM" -d "$DB user=bea" --payment "$en" --amount 0,00 >/dev/null 2>"$TEST_TMP/e"
check "--amount 0,00: refused, a usage error (exit 64)" test "$?,$(grep -c -- '--amount: a payment is more than 0' "$TEST_TMP/e")" = "64,1"
"$CCRM" -d "$DB user=bea" --payment "$en" --amount -5 >/dev/null 2>"$TEST_TMP/e"
check "--amount -5: refused in the forms' words, a usage error (exit 64)" \
    test "$?,$(grep -c -- '--amount: "-5" is negative' "$TEST_TMP/e")" = "64,1"
check "... none of them recorded" test "$(q "select count(*) from payments where invoice_id = $ei")" = 5
as bea -c "insert into payments (invoice_id, amount, reference) values ($fi1, 100, 'first part')"
check "a partial payment: partly paid, 100.00 paid" \
    test "$(q "select status || '|' || paid_total || '|' || ccrm_invoice_state(status, kind, paid_total, due_date) from invoices where id = $fi1")" = "issued|100.00|partly_paid"
queue mayNotCall bea "update payments set amount = 50 where invoice_id = $fi1" "permission denied"
queue mayNotCall postgres "update payments set amount = 50 where invoice_id = $fi1" "keeps its invoice, amount"
queue mayCall bea "update payments set note = 'by phone' where invoice_id = $fi1"
queued
as bea -c "insert into payments (invoice_id, amount) values ($fi1, 50.5)" \
       -c "insert into payments (invoice_id, amount, reference) select $fi1, gross_total - paid_total, 'rest' from invoices where id = $fi1"
got=$(q "select status || '|' || (paid_total = gross_total) || '|' || (select count(*) from payments where invoice_id = $fi1) from invoices where id = $fi1")
check "the third payment settles it: paid ($got)" test "$got" = "paid|true|3"
mayNotCall bea "insert into payments (invoice_id, amount) values ($fi1, 1)" "is paid"
as bea -c "select ccrm_delete('payments', (select max(id) from payments where invoice_id = $fi1))" >/dev/null
check "deleting a payment reopens the invoice" test "$(q "select status from invoices where id = $fi1")" = issued
mayNotCall sam "select ccrm_delete('payments', (select max(id) from payments where invoice_id = $fi1))" "only billing"

# overdue: computed from the due date, not stored
od=$(as bea -c "insert into invoices (account_id, currency, payment_terms_days) values ($U, 'CHF', 0) returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($od, 'Consulting', 800, 8.1)" \
       -c "select ccrm_invoice_issue($od)" >/dev/null
check "an invoice due today is not overdue (state issued, not in invoices_overdue)" \
    test "$(q "select ccrm_invoice_state(status, kind, paid_total, due_date) || '|' || (select count(*) from invoices_overdue where id = $od) from invoices where id = $od")" = "issued|0"
check "a day later it is (the same row, read with an earlier due date)" \
    test "$(q "select ccrm_invoice_state(status, kind, paid_total, due_date - 1) from invoices where id = $od")" = overdue

# credit notes: reference the invoice, own series, at most what is left, cancel when complete
# ... made by sam for an invoice whose owner has left since: sam's (045 refuses the disabled)
as bea -c "update invoices set owner = 'jose' where id = $od"
as ana -c "select ccrm_disable_user('jose')" >/dev/null
cn=$(as sam -c "select ccrm_credit_note($od, 'Wrong rate')")
check "a credit note of an invoice whose owner was disabled since is its maker's" \
    test "$(q "select owner from invoices where id = ${cn:-0}")" = sam
q "alter role jose login; update users set active = true where login = 'jose'"
check "a credit note is a draft of kind credit_note in series CN with the invoice's lines" \
    test "$(q "select kind || '|' || series || '|' || credit_of || '|' || gross_total || '|' || buyer_name from invoices where id = $cn")" = "credit_note|CN|$od|$(q "select gross_total from invoices where id = $od")|Billing Unshared AG"
queue mayNotCall sam "select ccrm_credit_note($cn)" "not credit note"
queue mayNotCall bea "select ccrm_credit_note($inv)" "a draft"
queued
as sam -c "update invoice_lines set unit_price = 100 where invoice_id = $cn"
want=$(q "select ccrm_invoice_number('CN', $y, coalesce(max(seq), 0) + 1) from invoices where series = 'CN' and year = $y")
as sam -c "update invoice_lines set quantity = -1 where invoice_id = $cn"
mayNotCall finn "select ccrm_invoice_issue($cn)" "credits more than nothing"
as sam -c "update invoice_lines set quantity = 1 where invoice_id = $cn"
cnum=$(as finn -c "select ccrm_invoice_issue($cn)")
check "the credit note takes the next number of its own series ($cnum)" test "$cnum" = "$want"
check "a partial credit lowers what is open: 864.80 - 108.10" \
    test "$(q "select status || '|' || credited_total || '|' || (gross_total - paid_total - credited_total) from invoices where id = $od")" = "issued|108.10|756.70"
cn2=$(as sam -c "select ccrm_credit_note($od)")
mayNotCall finn "select ccrm_invoice_issue($cn2)" "more than is left to credit"
as sam -c "update invoice_lines set unit_price = unit_price - 100 where invoice_id = $cn2"
as finn -c "select ccrm_invoice_issue($cn2)" >/dev/null
check "credited in full: cancelled by credit note" test "$(q "select status from invoices where id = $od")" = cancelled
mayNotCall bea "insert into payments (invoice_id, amount) values ($od, 1)" "is cancelled"

# ------------------------------------------------------------------------------------------
# 4. Gapless numbers: concurrent issuers, a third of their transactions rolled back
# ------------------------------------------------------------------------------------------
out=$(bash "$(dirname "$0")/../bench/bench_billing.sh" "$CCRM" --reuse "$PG_CONN" --invoices 320 --issuers 16 --lines 0 2>&1)
echo "$out" | sed 's/^/# /'
check "320 invoices by 16 issuers, a third rolled back: numbers exactly 1..N per series and year" \
    grep -q '^gapless: ok' <<<"$out"

# numbers and dates of a series go up together
b1=$(as bea -c "insert into invoices (account_id, series) values ($S, 'T') returning id")
b2=$(as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($b1, 'x', 1, 19)" \
            -c "insert into invoices (account_id, series) values ($S, 'T') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($b2, 'x', 1, 19)" \
       -c "select ccrm_invoice_issue($b1)" >/dev/null
mayNotCall bea "select ccrm_invoice_issue($b2, current_date - 1)" "already has one dated"
check "series T counts from 1: T-$y-00001" test "$(q "select number from invoices where id = $b1")" = "T-$y-00001"
check "past 99,999 the number grows a digit instead of being cut" \
    test "$(q "select ccrm_invoice_number('', 2026, 7) || ' ' || ccrm_invoice_number('B', 2026, 123456)")" = "2026-00007 B-2026-123456"

# ------------------------------------------------------------------------------------------
# 5. Rights per department and the partner (the allow-list decides, the database refuses)
# ------------------------------------------------------------------------------------------
for who in sam bea mia ana; do
    queue may "$who" "insert into products (sku, name, unit_price, tax_rate) values ('R-$who', 'Right $who', 1, 19)"
done
for who in sofia marco paul; do
    queue mayNot "$who" "insert into products (sku, name, unit_price, tax_rate) values ('R-$who', 'Right $who', 1, 19)" "permission denied"
done
for who in sam mia ana; do
    queue may "$who" "insert into quotes (account_id, title) values ($S, 'by $who')"
done
for who in bea sofia marco paul; do
    queue mayNot "$who" "insert into quotes (account_id, title) values ($S, 'by $who')" "permission denied"
done
for who in sam bea mia ana; do
    queue may "$who" "insert into invoices (account_id) values ($S)"
    queue may "$who" "update invoices set notes = 'draft note' where id = $inv"
done
for who in sofia marco paul; do
    queue mayNot "$who" "insert into invoices (account_id) values ($S)" "permission denied"
    queue mayNot "$who" "update invoices set notes = 'draft note' where id = $inv" "permission denied"
done
for who in bea finn mia ana; do
    queue mayCall "$who" "select ccrm_invoice_issue($inv)"
done
for who in sam; do
    queue mayCall "$who" "select ccrm_delete('invoices', $inv)"
done
queue mayNotCall sofia "select ccrm_delete('invoices', $inv)" "only sales, billing"
# (the questions of the reading checks below and of section 6 go with these, in the same
# sessions: the statements queued change nothing, each is rolled back)
ask total postgres "select count(*) from invoices"
for who in sam sofia marco mia bea ana; do
    ask "reads $who" "$who" "select count(*) from invoices"
done
for tbl in quotes invoices; do
    ask "want $tbl" postgres "select count(*) from $tbl where account_id in (select account_id from account_shares where partner_org_id = $org)"
    ask "paul $tbl" paul "select count(*) from $tbl"
done
ask "want invoice_lines" postgres "select count(*) from invoice_lines l join invoices i on i.id = l.invoice_id where i.account_id in (select account_id from account_shares where partner_org_id = $org)"
ask "paul invoice_lines" paul "select count(*) from invoice_lines"
ask "want payments" postgres "select count(*) from payments p join invoices i on i.id = p.invoice_id where i.account_id in (select account_id from account_shares where partner_org_id = $org)"
ask "paul payments" paul "select count(*) from payments"
for tbl in products product_prices invoice_counters; do
    ask "paul $tbl" paul "select count(*) from $tbl"
done
ask "paul two" paul "select count(*) from invoices where id in ($fi1, $od)"
ask "event issue" postgres "select count(*) from events where entity = 'invoices' and entity_id = $fi1 and actor = 'bea' and summary like 'invoice $num %' and account_id = $S"
ask "event payments" postgres "select count(*) from events where entity = 'payments' and account_id = $S and summary like 'payment %EUR on $num'"
ask "event feed" paul "select count(*) filter (where account_id = $S) > 0 and count(*) filter (where account_id = $U) = 0 from events where entity in ('invoices', 'payments', 'quotes')"
queued
# reading: every internal department all of it; the partner only the shared account's
total=${ANSWER[total]}
for who in sam sofia marco mia bea ana; do
    check "$who reads every invoice ($total)" test "${ANSWER[reads $who]}" = "$total"
done
for tbl in quotes invoices; do
    want=${ANSWER[want $tbl]}
    check "the partner reads exactly the $tbl of shared accounts ($want)" \
        test "${ANSWER[paul $tbl]}" = "$want"
done
want=${ANSWER[want invoice_lines]}
check "... their invoice lines ($want)" test "${ANSWER[paul invoice_lines]}" = "$want"
want=${ANSWER[want payments]}
check "... their payments ($want)" test "${ANSWER[paul payments]}" = "$want"
check "the partner may read no product, price or counter (no grant: permission denied)" \
    test "${ANSWER[paul products]}|${ANSWER[paul product_prices]}|${ANSWER[paul invoice_counters]}" \
         = "ERR: permission denied for table products|ERR: permission denied for table product_prices|ERR: permission denied for table invoice_counters"
check "the partner reads the shared invoice but not the unshared one" \
    test "${ANSWER[paul two]}" = 1

# ------------------------------------------------------------------------------------------
# 6. Audit and events: on the customer's timeline and in the Feed, filed under the account
# ------------------------------------------------------------------------------------------
check "issuing is audited and announced with the number, by bea" \
    test "${ANSWER[event issue]}" -ge 1
check "payments are events on the invoice's account" \
    test "${ANSWER[event payments]}" -ge 2
check "the partner's feed shows the shared account's invoice events, not the unshared one's" \
    test "${ANSWER[event feed]}" = t
check "writes as the billing group role are refused" \
    bash -c "as() { psql -X -q -At \"$DB user=\$1\" -c \"\$2\" 2>&1; }; as bea 'set role ccrm_billing; insert into invoices (account_id) values ($S)' | grep -q 'write as yourself'"

# ------------------------------------------------------------------------------------------
# 7. The exports streamed as --export streams an entity: a reader that goes away (| head)
#    cancels the server's COPY (exit 0 at once, not after the whole table); a connection lost
#    halfway exits 69. 500 payments of 12 kB (6 MB: some ten times what a pipe, 64 kB, and the
#    socket's buffers, 208 kB each way here, hold; 36 MB before served nothing more)
# ------------------------------------------------------------------------------------------
q "set session_replication_role = replica;
   insert into payments (invoice_id, amount, reference)
   select $ei, 1, repeat('lorem ipsum ', 1000) from generate_series(1, 500)" >/dev/null || fail "big payments"
copies() { q "select count(*) from pg_stat_activity where usename = 'bea' and query like 'COPY (%'"; }
cancels() { grep -c 'canceling statement due to user request' "$PG_DIR/log"; }
for f in csv jsonl; do
    before=$(cancels)
    "$CCRM" -d "$DB user=bea" --export payments --format $f 2>"$TEST_TMP/e" | head -n 1 >"$TEST_TMP/head"
    rc=${PIPESTATUS[0]}
    check "--export payments --format $f | head -1: one line, exit 0, nothing said (rc $rc: $(cat "$TEST_TMP/e"))" \
        test "$rc,$(wc -l <"$TEST_TMP/head"),$(wc -c <"$TEST_TMP/e")" = "0,1,0"
    for ((i = 0; i < 100; i++)); do
        [ "$(cancels)" -gt "$before" ] && break
        sleep 0.05
    done
    check "... and the server's COPY was cancelled, not read to the end" test "$(cancels)" -gt "$before"
    check "... leaving no COPY running" test "$(copies)" = 0
done
"$CCRM" -d "$DB user=bea" --export invoices 2>"$TEST_TMP/e" | head -n 1 >"$TEST_TMP/head"
check "--export invoices | head -1: the header, exit 0 (rc ${PIPESTATUS[0]})" \
    test "${PIPESTATUS[0]},$(wc -c <"$TEST_TMP/e")" = "0,0"
"$CCRM" -d "$DB user=bea" --export payments --format jsonl 2>"$TEST_TMP/e" | wc -l >"$TEST_TMP/lines"
check "a whole --export payments --format jsonl still has every payment" \
    test "$(cat "$TEST_TMP/lines")" = "$(q "select count(*) from payments")"
# the connection lost halfway (tests/lib/pg.sh)
export_lost "$CCRM" bea payments

# ---- what the batch commands say: a credit note is issued as one, credited invoices and
# refusals named by their number
acc=$(as sam -c "insert into accounts (name, city, country) values ('Linienwerk GmbH', 'Bonn', 'Germany') returning id")
wi=$(as bea -c "insert into invoices (account_id, currency, buyer_address, buyer_postcode)
    values ($acc, 'EUR', 'Am Hof 1', '53111') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($wi, 'Einrichtung', 1, 'piece', 150, 19)" >/dev/null || fail "a line"
"$CCRM" -d "$DB user=bea" --issue "$wi" >/dev/null || fail "issue $wi"
wnum=$(q "select number from invoices where id = $wi")
out=$("$CCRM" -d "$DB user=bea" --credit-note "$wi" 2>&1)
wcn=$(q "select max(id) from invoices where credit_of = $wi")
check "--credit-note by id names the invoice by its number ($out)" \
    test "$out" = "ccrm: credit note #$wcn (draft) for invoice $wnum: 1 line, 178.50 EUR; issue it with ccrm --issue $wcn"
out=$("$CCRM" -d "$DB user=bea" --send invoice "$wcn" --no-send 2>&1)
check "--send of a draft credit note says credit note ($out)" \
    grep -qF "could not send it: credit note #$wcn is a draft" <<<"$out"
out=$("$CCRM" -d "$DB user=bea" --issue "$wcn" 2>&1)
wcnum=$(q "select number from invoices where id = $wcn")
check "--issue of a credit note says credit note ($out)" test "$out" = "ccrm: issued credit note $wcn as $wcnum"
out=$("$CCRM" -d "$DB user=bea" --send invoice "$wnum" --no-send 2>&1)
check "a --send refusal names the invoice by its number ($out)" \
    grep -qF "could not send it: invoice $wnum has no contact with an e-mail address" <<<"$out"
out=$("$CCRM" -d "$DB user=bea" --send invoice "$wcn" --no-send 2>&1)
check "...and a credit note by its number ($out)" \
    grep -qF "could not send it: credit note $wcnum has no contact with an e-mail address" <<<"$out"

# ---- :move-line past the last line: to the last place, the places stay 1..n; before the first
# one is refused in words
macc=$(as sam -c "insert into accounts (name) values ('Zeilenwerk GmbH') returning id")
md=$(as bea -c "insert into invoices (account_id, currency) values ($macc, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit_price, tax_rate)
    values ($md, 'Erste', 1, 10, 19), ($md, 'Zweite', 1, 20, 19)" >/dev/null || fail "two lines"
tui_start 140 40 "$CCRM" -d "$DB user=bea"
wait_for "Invoices by" || fail "the client starts on Invoices"
keys /
keys -l "Zeilenwerk"
keys Enter
wait_for "draft #$md" || fail "the draft is found"
keys Enter
wait_for "Invoice draft #$md" || fail "the draft opens"
places() { q "select string_agg(position || ' ' || description, ', ' order by position) from invoice_lines where invoice_id = $md"; }
prompt "move-line 1 9"
check ":move-line 1 9 on two lines: moved" wait_for "line 1 of invoice #$md is now line 2"
check "...to the last place: the database holds places 1 and 2, not 1 and 9" \
    wait_sql "select string_agg(position || ' ' || description, ', ' order by position) from invoice_lines where invoice_id = $md" "1 Zweite, 2 Erste"
prompt "move-line 2 0"
check ":move-line 2 0: refused in words" wait_for "could not change the lines: lines are numbered from 1, not 0"
check "...not the constraint's name" wait_gone "position_check" 1
check "...nothing moved ($(places))" test "$(places)" = "1 Zweite, 2 Erste"
prompt "move-line 5 1"
check ":move-line of a line there is not: said so" wait_for "invoice #$md has no line 5"
prompt "remove-line 4294967298"
check ":remove-line of a number past any line (it wrapped to line 2): the usage" wait_for "usage: "
check "...nothing removed ($(places))" test "$(places)" = "1 Zweite, 2 Erste"

done_testing
