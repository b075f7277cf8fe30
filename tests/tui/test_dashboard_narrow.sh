#!/usr/bin/env bash
# The Dashboard's tables fit the screen whatever the figures: one absurd total (an invoice of
# 10^25 euros, as a real database can hold) does not push paid, outstanding and overdue off
# it; a figure too wide for its column is written short ("1.00×10²⁵"), never with its digits
# cut; the biggest deals keep their currency; a stage's amounts wrap instead of being cut. At
# 80x24 and 140x40, as management (mia). The Invoices list writes it short too.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_dashboard_narrow.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
con=$(q "select min(id) from contacts where account_id = $acc")
inv=$(as bea -c "insert into invoices (account_id, contact_id, currency) values ($acc, ${con:-null}, 'EUR') returning id" | head -n 1)
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
           values ($inv, 'Narrowdash planet', 99999999999, 'piece', 99999999999999, 0)" >/dev/null
as bea -c "select ccrm_invoice_issue($inv)" >/dev/null
check "the invoice of almost 10^25 EUR is issued" \
    test "$(q "select status || ' ' || gross_total from invoices where id = $inv")" = "issued 9999999999899900000000001.00"
for i in 1 2 3; do
    as sam -c "insert into opportunities (account_id, name, amount, currency, stage) values ($acc, 'Narrowdash top $i', 999999999999.99, 'EUR', 'prospecting')" >/dev/null
done
# lost deals in six currencies: their sums do not fit one line at 80 columns
for c in BRL CHF EUR GBP JPY USD; do
    as sam -c "insert into opportunities (account_id, name, amount, currency, stage) values ($acc, 'Narrowdash lost $c', 999999999999.99, '$c', 'lost')" >/dev/null
done
lost_sums=$(q "select to_char(sum(amount), 'FM999,999,999,999,999,990.00') || ' ' || currency
                 from opportunities where stage = 'lost' group by currency order by currency")

# the invoices' table: its headings and the EUR row whole on one screen line each
heads_whole() { screen | grep -E '^ *currency +invoiced +paid +outstanding +overdue *$' >/dev/null; }
eur_row() { screen | grep -E '^ +EUR ' | head -n 1; }
# no figure cut inside ("…" after a digit), the status line aside: its socket directory's name
# (/tmp/ccrm-test.6…) is cut too
none_cut() { ! screen | grep -v ' ccrm on ' | grep -E '[0-9],?…' >&2; }

tui_start 80 24 "$CCRM" -d "$DB user=mia" --view dashboard
check "80x24: the Dashboard opens" wait_for "Invoices this month" 15
check "80x24: every heading of the invoices' table is on the screen, overdue the last" \
    wait_until heads_whole
check "80x24: the huge total is written short, not cut (got: $(eur_row))" \
    line_has "EUR " "1.00×10²⁵"
check "... outstanding too, with overdue after it (got: $(eur_row))" \
    bash -c "grep -qE '^ +EUR +1\.00×10²⁵ +[0-9,.]+ +1\.00×10²⁵ +[0-9,.]+ *$' <<<'$(eur_row)'"
# a stage's amounts in several currencies wrap rather than run off the screen
while read -r sum; do
    check "80x24: the lost deals' sum $sum is on the screen whole" wait_for "$sum" 5
done <<<"$lost_sums"
# (every section drawn by now: a section still loading is no figure cut)
check "80x24: no figure's digits are cut (no '…' inside a figure)" none_cut
for i in $(seq 1 40); do
    keys j
    screen | grep -qF "Narrowdash top 1" && break
    sleep 0.1
done
check "80x24: a biggest deal of 999,999,999,999.99 keeps its currency" \
    line_has "Narrowdash top 1" "999,999,999,999.99  EUR"
check "... and its stage" line_has "Narrowdash top 1" "prospecting"
tui_stop

tui_start 140 40 "$CCRM" -d "$DB user=mia" --view dashboard
check "140x40: the Dashboard opens" wait_for "Invoices this month" 15
check "140x40: every heading of the invoices' table is on the screen, overdue the last" \
    wait_until heads_whole
invoiced=$(as mia -c "select to_char(invoiced, 'FM999,999,999,999,999,999,999,999,999,990.00')
                       from ccrm_billing_totals() where currency = 'EUR'")
check "140x40: the total ($invoiced) fits whole at 140 columns" line_has "EUR " "$invoiced"
check "... and overdue with it (got: $(eur_row))" \
    bash -c "grep -qE '[0-9] +[0-9,.]+ *$' <<<'$(eur_row)'"
check "140x40: the biggest deals keep their currency" \
    line_has "Narrowdash top 3" "999,999,999,999.99  EUR"
keys G
check "140x40: G still brings the tasks into view" wait_for "My open tasks" 5
tui_stop

# a list's amount column too: the invoice's gross written short, with its currency, not cut
tui_start 80 24 "$CCRM" -d "$DB user=bea" --view invoices
check "80x24 Invoices: the huge gross is written short with its currency" wait_for "1.00×10²⁵ EUR" 15
check "... and no figure's digits are cut" none_cut
tui_stop

done_testing
