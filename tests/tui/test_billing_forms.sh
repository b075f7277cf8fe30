#!/usr/bin/env bash
# The back office's forms in the client (docs/billing.md, "In the client"), as billing (bea):
#  - a product's price in another currency: L on a product opens its form, the product filled
#    in; saved, the product's detail lists it under "Prices in other currencies";
#  - a product's active flag in the product's form (e): Space or a letter changes it;
#  - a draft invoice's lines with the quote's line editor: L adds a product line found by
#    searching (the preview computes it with the invoice's total), :move-line, :remove-line;
#    then N issues it;
#  - a payment with its date, method and reference: :payment AMOUNT DATE METHOD REFERENCE, and
#    P taking the same words on its prompt;
#  - the e-invoice from the client: :print ubl writes the UBL file and says where;
#  - a credit note of it (K) is asked about and issued by that name, and takes no payment.
# The database holds exactly what was typed.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_billing_forms.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
DOCS=$XDG_DATA_HOME/ccrm/documents
cat >"$TEST_TMP/ccrm.ini" <<'EOF'
[company]
name = Nordlicht Software GmbH
address1 = Straße des 17. Juni 135
postcode = 10623
city = Berlin
country = DE
vat_id = DE123456789
iban = DE89 3704 0044 0532 0130 00
EOF
acc=$(as sam -c "insert into accounts (name, city, country) values ('Linienwerk GmbH', 'Bonn', 'Germany') returning id")
inv=$(as bea -c "insert into invoices (account_id, currency, buyer_address, buyer_postcode)
    values ($acc, 'EUR', 'Am Hof 1', '53111') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($inv, 'Einrichtung', 1, 'piece', 150, 19)" >/dev/null || fail "a first line"
pro=$(q "select id from products where sku = 'CCRM-PRO'")

tui_start 140 40 "$CCRM" -c "$TEST_TMP/ccrm.ini" -d "$DB user=bea"
check "billing starts on Invoices" wait_for "Invoices by updated"

# ---------------------------------------------------------------- a product's prices, active
prompt "view products"
check "the Products list" wait_for "Products by"
keys /
keys -l "CCRM-PRO"
keys Enter
wait_for "ccrm Pro seat" || fail "the product is found"
keys Enter
check "its detail lists its prices in other currencies" wait_for "Prices in other currencies (4)"
check "...one a line" wait_for "CHF  28.41"
jpy=$(q "select to_char(unit_price, 'FM999G999') from product_prices where product_id = $pro and currency = 'JPY'")
check "...a yen price without the decimals yen has none of (JPY  $jpy)" wait_for "JPY  $jpy"
check "...not JPY  $jpy.00" wait_gone "JPY  $jpy.00"
keys L
check "L opens the form of a price in another currency" wait_for "New product price"
check "...for this product" wait_for "CCRM-PRO ccrm Pro seat"
keys Tab
keys -l "sek"
keys Tab
keys -l "349,50"
keys C-s
check "the price is saved" wait_for "saved product price #"
check "database: SEK 349.50 for CCRM-PRO, by bea" \
    wait_sql "select unit_price || ' ' || created_by from product_prices where product_id = $pro and currency = 'SEK'" "349.5000 bea"
check "the detail lists it" wait_for "SEK  349.50"
keys L
wait_for "New product price" || fail "L again"
keys Tab
keys -l "CHF"
keys Tab
keys -l "1"
keys C-s
check "a second price in the same currency: not saved, the database's words" wait_for "another product price already has this currency"
keys Escape
wait_for "discard your changes? y/n" || fail "Esc asks before discarding"
keys y
wait_gone "New product price" || fail "the form closes"
check "database: CHF unchanged" \
    test "$(q "select unit_price from product_prices where product_id = $pro and currency = 'CHF'")" = 28.4100

keys e
check "e opens the product's form" wait_for "Edit product #$pro"
check "...with its active flag" wait_for "Active"
keys Tab Tab Tab Tab Tab Tab
check "the flag is a choice" wait_for "‹ true ›"
keys Space
check "Space changes it" wait_for "‹ false ›"
keys C-s
check "saved" wait_for "saved product #$pro"
check "database: the product is inactive" wait_sql "select active from products where id = $pro" f
check "the detail says so" line_has "Active" "no"

# ---------------------------------------------------------------- a draft invoice's lines
prompt "view invoices"
wait_for "Invoices by" || fail "back to Invoices"
keys /
keys -l "Linienwerk"
keys Enter
wait_for "draft #$inv" || fail "the draft is found"
keys Enter
check "the draft opens" wait_for "Invoice draft #$inv"
keys L
check "L opens the line form on the draft invoice" wait_for "New invoice line"
check "...naming the invoice" wait_for "draft #$inv"
keys Tab
keys -l "ccrm-bas"
wait_for "CCRM-BAS" || fail "the product is found by searching"
keys Enter
check "the preview computes the line and the invoice's new total" \
    wait_for "invoice total "
keys C-s
check "the line is saved" wait_for "saved invoice line #"
check "database: two lines, the product's at place 2" \
    wait_sql "select string_agg(position || ' ' || coalesce(sku, '-'), ', ' order by position)
        from invoice_lines where invoice_id = $inv" "1 -, 2 CCRM-BAS"
prompt "move-line 2 1"
check ":move-line moves it" wait_for "line 2 of invoice #$inv is now line 1"
check "database: the product's line first" \
    wait_sql "select string_agg(position || ' ' || coalesce(sku, '-'), ', ' order by position)
        from invoice_lines where invoice_id = $inv" "1 CCRM-BAS, 2 -"
prompt "remove-line 2"
check ":remove-line removes one" wait_for "line 2 removed from invoice #$inv"
check "database: one line left, and the totals follow" \
    wait_sql "select count(*) || ' ' || (sum(l.gross) = max(i.gross_total)) from invoice_lines l
        join invoices i on i.id = l.invoice_id where l.invoice_id = $inv" "1 true"
# a negative quantity (an item returned) is a line as the database has it
keys L
wait_for "New invoice line" || fail "L for a returned item"
keys Tab
keys -l "ccrm-bas"
wait_for "CCRM-BAS" || fail "the product search for the return"
keys Enter Tab # the product taken, on past the description
keys C-u
keys -l -- "-1"
keys C-s
check "a line with quantity -1 is saved from the form" wait_for "saved invoice line #"
check "database: its quantity is -1" \
    wait_sql "select quantity from invoice_lines where invoice_id = $inv and position = 2" "-1.000"
prompt "remove-line 2"
wait_for "line 2 removed from invoice #$inv" || fail "the return line removed again"
keys N
wait_for "Its number and date are final (y/n)" || fail "N asks first"
keys y
check "N issues it" wait_for "issued invoice #$inv as "
num=$(q "select number from invoices where id = $inv")
keys L
check "an issued invoice takes no new line: said at once, no form opens" \
    wait_for "is issued: its lines are kept"
check "... and no form opened" wait_gone "New invoice line" 2
check "... nor a line written" test "$(q "select count(*) from invoice_lines where invoice_id = $inv")" = 1

# ---------------------------------------------------------------- payments with date, method, reference
# (dated as the invoice, issued today: a payment is not dated before its invoice)
day=$(q "select issue_date from invoices where id = $inv")
prompt "payment 10,00 $day card R-4711 Linienwerk"
check ":payment with date, method and reference" wait_for "recorded a payment of 10.00 EUR on $num"
check "database: as typed" \
    wait_sql "select amount || ' ' || paid_on || ' ' || method || ' ' || reference from payments
        where invoice_id = $inv" "10.00 $day card R-4711 Linienwerk"
check "the invoice lists it" wait_for "payment 10.00 EUR by card · R-4711 Linienwerk"
keys P
check "P asks for the same words" wait_for "payment received (amount [date] [method] [reference]):"
keys -l "1 cash"
keys Enter
check "P records it" wait_for "recorded a payment of 1.00 EUR"
check "database: cash, today, no reference" \
    wait_sql "select count(*) from payments where invoice_id = $inv and amount = 1 and method = 'cash'
        and paid_on = current_date and reference is null" 1
prompt "payment 0.5 2026-13-45"
check "a date that is none: refused, saying why, nothing recorded" \
    wait_for "there is no month 13 (the day it was paid)"
prompt "payment 0.5 31.2.2026"
check "a day the calendar has not: said so (not the format it is written in)" \
    wait_for "there is no 31 February 2026 (the day it was paid)"
check "database: still two payments" test "$(q "select count(*) from payments where invoice_id = $inv")" = 2

# ---------------------------------------------------------------- the e-invoice
prompt "print ubl"
check ":print ubl writes the e-invoice and says where" wait_for "wrote $DOCS/invoice-$num.xml"
check "it is the invoice's UBL" grep -q "<cbc:ID>$num</cbc:ID>" "$DOCS/invoice-$num.xml"

# ---------------------------------------------------------------- a credit note, by its name
keys K
check "K drafts a credit note of the invoice" wait_for "Credit note draft #"
cn=$(q "select max(id) from invoices where credit_of = $inv")
keys N
check "N asks about the credit note by its name" \
    wait_for "issue credit note #$cn? Its number and date are final (y/n)"
keys y
check "N issues the credit note, saying so" wait_for "issued credit note #$cn as "
prompt "payment 10"
check ":payment on the issued credit note says payments are recorded on invoices" \
    wait_for "credit note #$cn: payments are recorded on invoices only"
check "database: no payment on it" test "$(q "select count(*) from payments where invoice_id = ${cn:-0}")" = 0
keys q
keys q q q
tui_stop
done_testing
