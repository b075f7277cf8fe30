#!/usr/bin/env bash
# The back office's batch commands end to end (docs/billing.md): sales makes a quote for a deal,
# prints it (the PDF's text read back with pdftotext), the customer accepts, sales drafts the
# invoice, billing issues it and records a partial and a final payment, through ccrm; the
# documents as PDF, plain text and UBL e-invoices (checked against EN 16931's rules by
# tests/tools/ubl_check), names in any script; the refusals and their exit codes; a partner's
# view; and the accounting exports (CSV and JSON lines, every line).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_print.sh path/to/ccrm}
CHECK=$(dirname "$CCRM")/ubl_check
[ -x "$CHECK" ] || { echo "# $CHECK was not built: skip"; exit 77; }
command -v pdftotext >/dev/null || { echo "# pdftotext (poppler-utils) is missing: skip"; exit 77; }

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
cat >"$TEST_TMP/company.ini" <<'EOF'
[company]
name = Nordlicht Software GmbH
address1 = Straße des 17. Juni 135
postcode = 10623
city = Berlin
country = DE
vat_id = DE123456789
registration = Amtsgericht Charlottenburg HRB 12345
email = billing@nordlicht.example
bank = Commerzbank
iban = DE89 3704 0044 0532 0130 00
bic = COBADEFFXXX
EOF
# c USER args...: ccrm as USER with the company's configuration; $rc, $TEST_TMP/out, /err
c() {
    local u=$1
    shift
    "$CCRM" -c "$TEST_TMP/company.ini" -d "$DB user=$u" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    rc=$?
}
pdf() { pdftotext -layout "$1" - 2>/dev/null; }

# ---- a customer whose names are in five scripts, on a shared account ----
NAME='Ζωή & Söhne Łódź 北京 Торговля'
acc=$(as sam -c "insert into accounts (name, city, country) values ('$NAME', 'Köln', 'Deutschland') returning id")
"$CCRM" -d "$PG_CONN" --share "$acc" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Zoë', 'Ångström-Nakamura 中村', 'zoe@zoe-soehne.example') returning id")
deal=$(as sam -c "insert into opportunities (account_id, name, amount, currency, stage) values ($acc, 'Enterprise rollout', 9000, 'EUR', 'negotiation') returning id")
qt=$(as sam -c "insert into quotes (opportunity_id, contact_id, title) values ($deal, $con, 'Enterprise für Ζωή — 20 seats') returning id")
as sam -c "insert into quote_lines (quote_id, product_id, quantity, discount_pct) select $qt, id, 20, 12.5 from products where sku = 'CCRM-ENT'" \
       -c "insert into quote_lines (quote_id, product_id, quantity) select $qt, id, 2 from products where sku = 'ONB-WS'" \
       -c "insert into quote_lines (quote_id, description, quantity, unit, unit_price, tax_rate) values ($qt, E'Handbücher\nzweisprachig (DE/中文)', 3, 'piece', 24.90, 7)"
gross=$(q "select to_char(gross_total, 'FM999,999,990.00') from quotes where id = $qt")

# ---- sales prints the quote ----
c sam --print quote "$qt" --output "$TEST_TMP/quote.pdf"
check "sales prints the quote as a PDF (exit $rc: $(cat "$TEST_TMP/err"))" test $rc = 0
check "it is a PDF" bash -c "head -c 5 '$TEST_TMP/quote.pdf' | grep -q '%PDF-'"
pdf "$TEST_TMP/quote.pdf" >"$TEST_TMP/quote.txt"
for w in "Nordlicht Software GmbH" "Straße des 17. Juni 135" "Quote" "#$qt" "$NAME" "Zoë Ångström-Nakamura 中村" \
         "Enterprise für Ζωή — 20 seats" "ccrm Enterprise seat" "CCRM-ENT" "12.5%" "Onboarding workshop" \
         "zweisprachig (DE/中文)" "Valid until" "Total EUR" "$gross" "VAT 19% on" "VAT 7% on" "Page 1 of 1" \
         "VAT ID DE123456789"; do
    check "the quote's PDF reads back \"$w\"" grep -qF -- "$w" "$TEST_TMP/quote.txt"
done
check "no replacement boxes: every character had a font (no U+FFFD)" bash -c "! grep -q $'\uFFFD' '$TEST_TMP/quote.txt'"
c sam --print quote "$qt" --output "$TEST_TMP/quote.txt2.txt"
check "--output FILE.txt writes the same document as text" \
    bash -c "grep -qF -- '$NAME' '$TEST_TMP/quote.txt2.txt' && grep -qF 'Total EUR' '$TEST_TMP/quote.txt2.txt' && grep -qF '$gross' '$TEST_TMP/quote.txt2.txt'"
check "the text's lines end without blanks" bash -c "! grep -q ' \$' '$TEST_TMP/quote.txt2.txt'"
c sam --print quote "$qt" --format ubl --output "$TEST_TMP/q.xml"
check "a quote is no e-invoice: exit 64" bash -c "test $rc = 64 && grep -q 'not of a quote' '$TEST_TMP/err'"

# ---- the customer accepts; sales drafts the invoice; billing issues it ----
as sam -c "update quotes set status = 'sent' where id = $qt" -c "update quotes set status = 'accepted' where id = $qt"
c sam --invoice-from quote "$qt"
check "sales drafts the invoice from the accepted quote ($(cat "$TEST_TMP/out"))" \
    bash -c "test $rc = 0 && grep -q '(draft) from quote #$qt' '$TEST_TMP/out'"
inv=$(sed -E 's/.*invoice #([0-9]+) .*/\1/' "$TEST_TMP/out")
c sam --print invoice "$inv" --output "$TEST_TMP/draft.pdf"
check "a draft prints, marked as a draft without a number" \
    bash -c "test $rc = 0 && t=\$(pdftotext '$TEST_TMP/draft.pdf' -) && grep -q 'Draft invoice' <<<\"\$t\" && grep -q '(not issued)' <<<\"\$t\""
c sam --print invoice "$inv" --format ubl --output "$TEST_TMP/draft.xml"
check "a draft has no e-invoice: exit 65, nothing written" \
    bash -c "test $rc = 65 && grep -q 'a draft' '$TEST_TMP/err' && test ! -e '$TEST_TMP/draft.xml' && ! ls '$TEST_TMP'/draft.xml.tmp* 2>/dev/null"
c sam --issue "$inv"
check "sales may not issue: exit 77 (EX_NOPERM)" bash -c "test $rc = 77 && grep -q 'permission denied' '$TEST_TMP/err'"
c bea --issue "$inv"
num=$(q "select number from invoices where id = $inv")
check "billing issues it: $num ($(cat "$TEST_TMP/out"))" bash -c "test $rc = 0 && grep -qF 'as $num' '$TEST_TMP/out'"
c bea --issue "$num"
check "issuing again: exit 65, already issued" bash -c "test $rc = 65 && grep -q 'already issued' '$TEST_TMP/err'"

# ---- payments: partial, then the rest ----
c bea --payment "$num" --amount 1000,50 --reference "SEPA 1"
check "a partial payment ($(cat "$TEST_TMP/out"))" bash -c "test $rc = 0 && grep -q 'recorded a payment of 1,000.50 EUR on $num: .* EUR outstanding' '$TEST_TMP/out'"
c bea --payment "$num" --amount 99999999
check "more than is open: exit 65 with the amount open" bash -c "test $rc = 65 && grep -q 'exceeds what is outstanding' '$TEST_TMP/err'"
c bea --payment "$num" --amount 12.345
check "a third decimal in EUR: exit 65" bash -c "test $rc = 65 && grep -q 'has 3 decimals, and EUR has 2' '$TEST_TMP/err'"
c bea --payment "$num" --amount "12 EUR"
check "not an amount: a usage error, exit 64" bash -c "test $rc = 64 && grep -q -- '--amount: \"12 EUR\" is not an amount' '$TEST_TMP/err'"
c sam --payment "$num" --amount 1
check "sales records no payment: exit 77" test $rc = 77
c bea --print invoice "$num" --output "$TEST_TMP/partly.pdf"
pdf "$TEST_TMP/partly.pdf" >"$TEST_TMP/partly.txt"
open=$(q "select to_char(gross_total - paid_total, 'FM999,999,990.00') from invoices where id = $inv")
for w in "Invoice" "$num" "Due" "$NAME" "Paid" "-1,000.50" "Outstanding EUR" "$open" \
         "Please transfer $open EUR by" "IBAN DE89 3704 0044 0532 0130 00" "BIC COBADEFFXXX" "quoting $num"; do
    check "the partly paid invoice's PDF reads back \"$w\"" grep -qF -- "$w" "$TEST_TMP/partly.txt"
done
c bea --payment "$inv" --amount "$(q "select gross_total - paid_total from invoices where id = $inv")" --method direct_debit
check "the rest: paid in full ($(cat "$TEST_TMP/out"))" bash -c "test $rc = 0 && grep -q 'paid in full' '$TEST_TMP/out'"
c sofia --print invoice "$num" --output "$TEST_TMP/paid.pdf"
check "support prints the paid invoice: it says so" \
    bash -c "test $rc = 0 && pdftotext '$TEST_TMP/paid.pdf' - | grep -q 'Paid in full'"

# ---- the e-invoice ----
c bea --print invoice "$num" --format ubl --output "$TEST_TMP/inv.xml"
check "the e-invoice is written (exit $rc: $(cat "$TEST_TMP/err"))" test $rc = 0
check "it is well-formed XML (xmllint)" xmllint --noout "$TEST_TMP/inv.xml"
"$CHECK" "$TEST_TMP/inv.xml" >"$TEST_TMP/rules" 2>&1
check "every EN 16931 rule ubl_check knows holds ($(grep -c ' ok$' "$TEST_TMP/rules") checks; $(grep FAILED "$TEST_TMP/rules" | head -3))" \
    grep -q '^0 rules failed' "$TEST_TMP/rules"
check "the e-invoice carries the names as written" bash -c "grep -qF 'Ζωή &amp; Söhne Łódź 北京 Торговля' '$TEST_TMP/inv.xml'"
check "the discount is a line allowance, the payment means the IBAN" \
    bash -c "grep -q '<cbc:AllowanceChargeReasonCode>95<' '$TEST_TMP/inv.xml' && grep -q '<cbc:ID>DE89370400440532013000</cbc:ID>' '$TEST_TMP/inv.xml'"
c bea --print invoice "$num" --output "$TEST_TMP/same.xml"
check "--output FILE.xml is the e-invoice too, and the same every time" cmp -s "$TEST_TMP/inv.xml" "$TEST_TMP/same.xml"
# the checker itself fails on a wrong document
sed 's/<cbc:TaxInclusiveAmount currencyID="EUR">/&1/' "$TEST_TMP/inv.xml" >"$TEST_TMP/bad.xml"
check "ubl_check refuses a document whose totals do not add up (BR-CO-15)" \
    bash -c "! '$CHECK' '$TEST_TMP/bad.xml' >'$TEST_TMP/badrules' && grep -q '^BR-CO-15 FAILED' '$TEST_TMP/badrules'"

# a credit note, a yen invoice (no decimals) and a dinar invoice (three: refused)
cn=$(as sam -c "select ccrm_credit_note($inv, 'Two seats returned')")
as sam -c "select ccrm_delete('invoice_lines', array(select id from invoice_lines where invoice_id = $cn and position <> 1))" \
       -c "update invoice_lines set quantity = 2 where invoice_id = $cn" >/dev/null
c bea --issue "$cn"
cnum=$(q "select number from invoices where id = $cn")
c bea --print invoice "$cnum" --format ubl --output "$TEST_TMP/cn.xml"
"$CHECK" "$TEST_TMP/cn.xml" >"$TEST_TMP/rules" 2>&1
check "the credit note $cnum is a UBL CreditNote referencing $num, every rule holds ($(grep FAILED "$TEST_TMP/rules" | head -2))" \
    bash -c "grep -q '^0 rules failed' '$TEST_TMP/rules' && grep -q '<CreditNote' '$TEST_TMP/cn.xml' && grep -q '<cbc:ID>$num</cbc:ID>' '$TEST_TMP/cn.xml'"
c bea --print invoice "$cnum" --output "$TEST_TMP/cn.pdf"
check "its PDF says what it corrects" bash -c "pdftotext -layout '$TEST_TMP/cn.pdf' - | grep -q 'Corrects.*invoice $num'"
c bea --print invoice "$cnum" --format text --output "$TEST_TMP/cn.txt"
idate=$(q "select issue_date from invoices where id = $inv")
check "its text says it whole: the invoice and, on the next line, its date ($idate)" \
    bash -c "grep -A1 'Corrects' '$TEST_TMP/cn.txt' | tr -s ' ' | tr '\n' '|' | grep -q 'Corrects invoice $num|.*of $idate'"
jp=$(as bea -c "insert into invoices (account_id, currency, buyer_reference) values ($acc, 'JPY', 'PO-東京-1') returning id")
as bea -c "insert into invoice_lines (invoice_id, product_id, quantity) select $jp, id, 3 from products where sku = 'CCRM-PRO'" \
       -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate) values ($jp, '翻訳サービス', 2.5, 'hour', 8000.5, 10)"
c bea --issue "$jp"
c bea --print invoice "$jp" --format ubl --output "$TEST_TMP/jpy.xml"
"$CHECK" "$TEST_TMP/jpy.xml" >"$TEST_TMP/rules" 2>&1
check "a yen invoice's e-invoice has whole amounts and holds every rule ($(grep FAILED "$TEST_TMP/rules" | head -2))" \
    bash -c "grep -q '^0 rules failed' '$TEST_TMP/rules' && ! grep -v PriceAmount '$TEST_TMP/jpy.xml' | grep -q 'currencyID=\"JPY\">[0-9]*\\.'"
kw=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'KWD') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($kw, 'Consulting', 1234.5675, 5)"
c bea --issue "$kw"
c bea --print invoice "$kw" --format ubl --output "$TEST_TMP/kwd.xml"
check "a dinar invoice (three decimals) gets no EN 16931 e-invoice: exit 65 saying why" \
    bash -c "test $rc = 65 && grep -q 'at most two decimals, and KWD has 3' '$TEST_TMP/err' && test ! -e '$TEST_TMP/kwd.xml'"
c bea --print invoice "$kw" --output "$TEST_TMP/kwd.pdf"
check "... but prints, to the fils: 1,234.568 KWD net" bash -c "pdftotext -layout '$TEST_TMP/kwd.pdf' - | grep -q '1,234.568'"
grep -v '^vat_id' "$TEST_TMP/company.ini" >"$TEST_TMP/novat.ini"
"$CCRM" -c "$TEST_TMP/novat.ini" -d "$DB user=bea" --print invoice "$num" --format ubl >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
check "without [company] vat_id the e-invoice is refused naming the key: exit 65" \
    bash -c "test $rc = 65 && grep -q 'vat_id' '$TEST_TMP/err'"

# ---- a long invoice: pages, every line ----
big=$(as bea -c "insert into invoices (account_id, contact_id) values ($acc, $con) returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
           select $big, 'Zeile ' || g || ' Ærøskøbing Ελλάδα 上海', 1 + g % 3, 'hour', 10 + g, (array[19, 7, 0])[1 + g % 3]
             from generate_series(1, 200) g"
c bea --issue "$big"
c bea --print invoice "$big" --output "$TEST_TMP/big.pdf"
pages=$(pdfinfo "$TEST_TMP/big.pdf" | awk '/^Pages:/ { print $2 }')
pdf "$TEST_TMP/big.pdf" >"$TEST_TMP/big.txt"
check "a 200-line invoice takes several pages ($pages), numbered \"Page i of $pages\"" \
    bash -c "test '$pages' -gt 1 && grep -q 'Page 1 of $pages' '$TEST_TMP/big.txt' && grep -q 'Page $pages of $pages' '$TEST_TMP/big.txt'"
check "every one of its 200 lines is in the PDF" test "$(grep -c 'Zeile [0-9]* Ærøskøbing Ελλάδα 上海' "$TEST_TMP/big.txt")" = 200
check "the pages after the first repeat the table's head" test "$(grep -c 'Description' "$TEST_TMP/big.txt")" = "$pages"
c bea --print invoice "$big" --format ubl --output "$TEST_TMP/big.xml"
"$CHECK" "$TEST_TMP/big.xml" >"$TEST_TMP/rules" 2>&1
check "its e-invoice holds every rule, three VAT rates ($(grep FAILED "$TEST_TMP/rules" | head -2))" \
    bash -c "grep -q '^0 rules failed' '$TEST_TMP/rules' && test \$(grep -c '<cac:TaxSubtotal>' '$TEST_TMP/big.xml') = 3"

# ---- large amounts (dong): every digit printed, no column runs into the next ----
vnd=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($acc, $con, 'VND') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
           values ($vnd, 'Licence', 3, 'piece', 450000000, 10), ($vnd, 'Support', 12, 'month', 25000000, 10)"
c bea --print invoice "$vnd" --format text
check "text: the net of a line of 1,350,000,000 VND is printed whole, apart from its VAT" \
    grep -qE 'Licence +3 piece +450,000,000 +10% 1,350,000,000$' "$TEST_TMP/out"
c bea --print invoice "$vnd" --output "$TEST_TMP/vnd.pdf"
pdf "$TEST_TMP/vnd.pdf" >"$TEST_TMP/vnd.txt"
check "PDF: the same, whole and apart" grep -qE '10% +1,350,000,000' "$TEST_TMP/vnd.txt"
# the totals too: a net of 17 characters (and a gross of 18) is printed whole, not cut at 16
qbig=$(as sam -c "insert into quotes (opportunity_id, contact_id, title) values ($deal, $con, 'Everything') returning id")
as sam -c "insert into quote_lines (quote_id, description, quantity, unit, unit_price, tax_rate)
           values ($qbig, 'Everything', 1, 'piece', 99999999911, 19)"
bnet=$(q "select to_char(net_total, 'FM999,999,999,990.00') from quotes where id = $qbig")
bgross=$(q "select to_char(gross_total, 'FM999,999,999,990.00') from quotes where id = $qbig")
c sam --print quote "$qbig" --format text
check "text: the net total $bnet is printed whole" grep -qE "^ +Net total +$bnet\$" "$TEST_TMP/out"
check "... the gross $bgross too" grep -qE "^ +Total EUR +$bgross\$" "$TEST_TMP/out"
check "... and nothing of the document is cut" bash -c "! grep -q '…' '$TEST_TMP/out'"
check "... its lines end without blanks, none wider than 88 columns" \
    bash -c "! grep -q ' \$' '$TEST_TMP/out' && test \$(wc -L <'$TEST_TMP/out') -le 88"

# ---- refusals and where output goes ----
c bea --print invoice 2999-99999 --output "$TEST_TMP/none.pdf"
check "an unknown invoice: exit 65, not found" bash -c "test $rc = 65 && grep -q 'not found' '$TEST_TMP/err'"
c bea --print invoice "$num" --output "$TEST_TMP/no/such/dir/x.pdf"
check "an unwritable output: exit 73 (EX_CANTCREAT)" test $rc = 73
c bea --print invoice "$num" --format text
check "--format text without --output writes to standard output" bash -c "test $rc = 0 && grep -qF '$num' '$TEST_TMP/out'"
c bea --print receipt 1
check "--print receipt: exit 64" test $rc = 64
c bea --print invoice
check "--print invoice without a number: exit 64" test $rc = 64
c bea --payment "$num"
check "--payment without --amount: exit 64" test $rc = 64

# ---- a partner: the shared account's documents, nothing else ----
other=$(q "select number from invoices where account_id not in (select account_id from account_shares) and number is not null order by id limit 1")
c paul --print invoice "$num" --output "$TEST_TMP/partner.pdf"
check "the partner prints the invoice of its shared account" bash -c "test $rc = 0 && pdftotext '$TEST_TMP/partner.pdf' - | grep -qF '$num'"
c paul --print invoice "$other" --output "$TEST_TMP/partner2.pdf"
check "... but not another customer's ($other): not found, as if it did not exist" \
    bash -c "test $rc = 65 && grep -q 'not found' '$TEST_TMP/err'"
c paul --issue "$kw"
check "... and issues nothing: exit 77" test $rc = 77

# ---- exports for accounting ----
# csv_table FILE NAME: load a CSV export, header and all, into a table of text columns
csv_table() {
    q "create table $2 ($(head -1 "$1" | sed 's/,/ text, /g') text)"
    psql -X -q "$PG_CONN" -c "\\copy $2 from '$1' with (format csv, header)" || fail "load $1"
}
# jsonl_table FILE NAME: one JSON line per row, loaded untouched (no CSV quoting or escapes)
jsonl_table() {
    q "create table $2 (line text)"
    psql -X -q "$PG_CONN" -c "\\copy $2 from '$1' with (format csv, delimiter e'\\x01', quote e'\\x02')" ||
        fail "load $1"
}
# (the exports first, each loaded into a table of its own; then the questions of the checks in
# one psql session per user: the exports and the tables they fill change nothing they ask)
c bea --export invoices --output "$TEST_TMP/inv.csv"
check "--export invoices writes CSV (exit $rc: $(cat "$TEST_TMP/err"))" test $rc = 0
check "its header names the invoice's and the line's columns" \
    bash -c "head -1 '$TEST_TMP/inv.csv' | grep -q '^invoice_id,number,kind,series,year,seq,status,state,issue_date,due_date,currency,account,.*,line,sku,description,quantity,unit,unit_price,discount_pct,tax_rate,line_net,line_tax,line_gross$'"
csv_table "$TEST_TMP/inv.csv" x_inv
c bea --export invoices --format jsonl --output "$TEST_TMP/inv.jsonl"
jsonl_table "$TEST_TMP/inv.jsonl" x_jsonl
c bea --export payments --output "$TEST_TMP/pay.csv"
csv_table "$TEST_TMP/pay.csv" x_pay
c bea --export overdue --format jsonl --output "$TEST_TMP/od.jsonl"
jsonl_table "$TEST_TMP/od.jsonl" x_od
c paul --export invoices --output "$TEST_TMP/pinv.csv"
csv_table "$TEST_TMP/pinv.csv" x_pinv
ask x_inv postgres "select count(*) from x_inv"
ask issued_lines postgres "select count(*) from invoice_lines l join invoices i on i.id = l.invoice_id where i.status <> 'draft'"
ask big postgres "select count(*) || '/' || min(line::int) || '/' || max(line::int) from x_inv where invoice_id = '$big'"
ask exact postgres "select count(*) from x_inv x join invoice_lines l on l.invoice_id = x.invoice_id::bigint and l.position = x.line::int
                join invoices i on i.id = l.invoice_id
               where x.line_net::numeric = l.net and x.description = l.description and x.gross_total::numeric = i.gross_total
                 and x.buyer_name is not distinct from i.buyer_name"
ask jsonl postgres "select count(*) || '/' || sum(json_array_length(line::json->'lines')) from x_jsonl"
ask issued postgres "select count(*) || '/' || (select count(*) from invoice_lines l join invoices i on i.id = l.invoice_id where i.status <> 'draft') from invoices where status <> 'draft'"
ask jnum postgres "select (line::json->>'gross_total') || '|' || (line::json->>'buyer_name') || '|' || json_typeof(line::json->'gross_total') from x_jsonl where line::json->>'number' = '$num'"
ask inum postgres "select gross_total || '|' || buyer_name || '|number' from invoices where id = $inv"
ask x_pay postgres "select count(*) || '/' || count(*) filter (where invoice = '$num') from x_pay"
ask payments postgres "select count(*) || '/2' from payments"
ask x_od postgres "select count(*) from x_od"
ask overdue postgres "select count(*) from invoices where status = 'issued' and kind = 'invoice' and due_date < current_date"
ask x_od_open postgres "select count(*) from x_od where (line::json->>'days_overdue')::int > 0 and (line::json->>'outstanding')::numeric > 0"
ask x_pinv_ok postgres "select count(distinct invoice_id) || '/' || count(*) filter (where account_id_ok) from (select invoice_id, invoice_id::bigint in (select id from invoices where account_id in (select account_id from account_shares)) as account_id_ok from x_pinv) x"
ask p_issued paul "select count(*) from invoices where status <> 'draft'"
ask x_pinv postgres "select count(*) from x_pinv"
ask_all
check "one row per line of every issued document (multi-line descriptions quoted)" \
    test "${ANSWER[x_inv]}" = "${ANSWER[issued_lines]}"
check "the 200-line invoice has its 200 rows, in order" \
    test "${ANSWER[big]}" = "200/1/200"
check "the rows carry the database's amounts and names exactly" \
    test "${ANSWER[exact]}" = "${ANSWER[x_inv]}"
check "--export invoices --format jsonl: one valid JSON object per issued document, with all its lines" \
    test "${ANSWER[jsonl]}" = "${ANSWER[issued]}"
check "amounts are JSON numbers as computed, names exact" \
    test "${ANSWER[jnum]}" = "${ANSWER[inum]}"
check "--export payments: one row per payment, with its invoice's number" \
    test "${ANSWER[x_pay]}" = "${ANSWER[payments]}"
check "--export overdue: the dunning list, the demo's overdue invoices (${ANSWER[x_od]})" \
    test "${ANSWER[x_od]}" = "${ANSWER[overdue]}"
check "... each with days overdue and what is open" \
    test "${ANSWER[x_od_open]}" = "${ANSWER[x_od]}"
check "a partner exports only the shared accounts' invoices" \
    test "${ANSWER[x_pinv_ok]}" = "${ANSWER[p_issued]}/${ANSWER[x_pinv]}"

# a buyer's long name of two-byte letters: the running header is cut where a letter ends
LACC=$(q "select id from accounts order by id limit 1")
LINV=$(q "insert into invoices (account_id, currency) values ($LACC, 'EUR') returning id")
q "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($LINV, 'x', 1, 19);
   update invoices set buyer_name = 'x' || repeat('Ä', 80) where id = $LINV" >/dev/null
c bea --print invoice "$LINV" --output "$TEST_TMP/long.pdf"
check "a draft with a long non-ASCII buyer prints (exit $rc: $(cat "$TEST_TMP/err"))" test $rc = 0
check "... with the whole name in the document" grep -q "xÄÄÄÄÄÄÄÄÄÄ" <(pdf "$TEST_TMP/long.pdf")

# a line whose description is taller than a page continues on the next pages (drawn whole, it
# ran off the paper and the words beyond the page were lost)
TINV=$(as bea -c "insert into invoices (account_id, currency) values ($(q "select min(id) from accounts"), 'EUR') returning id" | head -1)
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit_price, tax_rate)
           select $TINV, string_agg('w' || g, ' '), 1, 100, 19 from generate_series(1, 1800) g" >/dev/null
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit_price, tax_rate) values ($TINV, 'After the long line', 2, 5, 19)" >/dev/null
c bea --print invoice "$TINV" --output "$TEST_TMP/tall.pdf"
check "a line of 1,800 words prints (exit $rc: $(cat "$TEST_TMP/err"))" test $rc = 0
check "...every word of it in the document, the line after it too" \
    bash -c "t=\$(pdftotext '$TEST_TMP/tall.pdf' -); test \$(grep -o '\bw[0-9]\+\b' <<<\"\$t\" | sort -u | wc -l) = 1800 && grep -q 'After the long line' <<<\"\$t\""
check "...over several pages, each counted" grep -q "Page 2 of" <(pdftotext "$TEST_TMP/tall.pdf" -)

done_testing
