#!/usr/bin/env bash
# An invoice paid and credited in part, in bea's (billing's) client, without [company] in the
# configuration (the probe's findings):
#  - :open invoice NUMBER, :open invoice #NUMBER and :open CN-NUMBER open a document by its
#    number, as `ccrm --send invoice 2026-00031` takes it;
#  - L and :remove-line on an issued invoice are refused at once, saying it is issued (not a
#    form refused at Ctrl-S, not "has no line 1");
#  - E, Enter: "mail N sent (without the e-invoice: ...)", the note not overwritten; the mail's
#    text says what is still outstanding; p says once that the PDF names no seller;
#  - statuses in words ("partly paid"); a credit note's amount is negative, "credit", no due
#    date, in the list and its detail (its Net, Tax and Gross as its head: negative);
#  - :sort due in the Invoices list (f overdue), the longest overdue first.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_billing_invoice_ui.sh path/to/ccrm}
CCRM=$(readlink -f "$CCRM")
T=$TEST_TMP
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"

# a sendmail(1) that keeps each mail in spool/
mkdir -p "$T/spool"
printf '#!/bin/bash\ncat >"%s/spool/$(date +%%s%%N).eml"\n' "$T" >"$T/sendmail"
chmod 755 "$T/sendmail"
printf '[mail]\nsendmail = %s -t -oi\n' "$T/sendmail" >"$T/ccrm.ini"
# not_on_screen PATTERN: grep -E finds no line of the screen matching it
not_on_screen() { ! screen | grep -qE -- "$1"; }

acc=$(as sam -c "insert into accounts (name, city, country) values ('Probe Neun GmbH', 'Bonn', 'Germany') returning id")
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Ida', 'Klein', 'ida@probe-neun.example') returning id")
inv=$(as bea -c "insert into invoices (account_id, contact_id, currency, buyer_country) values ($acc, $con, 'EUR', 'DE') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($inv, 'Service', 1, 'day', 14311.02, 0)" >/dev/null || fail "a line"
as bea -c "select ccrm_invoice_issue($inv)" >/dev/null || fail "issue"
num=$(q "select number from invoices where id = $inv")
as bea -c "insert into payments (invoice_id, amount) values ($inv, 9311.02)" >/dev/null || fail "payment"
cn=$(as bea -c "select ccrm_credit_note($inv)")
as bea -c "update invoice_lines set unit_price = 3103 where invoice_id = $cn" >/dev/null || fail "cn line"
as bea -c "select ccrm_invoice_issue($cn)" >/dev/null || fail "cn issue"
cnnum=$(q "select number from invoices where id = $cn")

tui_start 160 45 "$CCRM" -c "$T/ccrm.ini" -d "$DB user=bea"
check "billing starts on Invoices" wait_for "Invoices by updated"
check "the list's status in words: partly paid" line_has "$num" "partly paid"
check "...a credit note: credit, its amount negative" line_has "$cnnum" "-3,103.00 EUR"
check "...and no due date" not_on_screen "$cnnum.*20[0-9]{2}-[0-9]{2}-[0-9]{2}"

prompt "open invoice $num"
check ":open invoice NUMBER opens it" wait_for "Invoice $num"
keys q
prompt "open invoice #$num"
check ":open invoice #NUMBER too" wait_for "Invoice $num"
keys q
prompt "open $cnnum"
check ":open CN-NUMBER opens the credit note" wait_for "Credit note $cnnum"
check "...its state: credit, its amount negative" wait_for "credit · -3,103.00 EUR"
# its totals as its head has them: the gross was shown positive beside the negative head
check "...its Gross negative too" wait_for "Gross       -3,103.00 EUR"
check "...and its Net" wait_for "Net         -3,103.00 EUR"
check "...its Tax (none at 0%) not -0.00" wait_for "Tax         0.00 EUR"
check "...no total of it positive" not_on_screen "(Net|Tax|Gross) +3,103.00 EUR"
check "...no Due" not_on_screen "^ *Due "
keys q
prompt "open invoice 2026-99999"
check "a number no invoice has is said" wait_for "no invoice or credit note numbered 2026-99999"

prompt "open invoice $num"
wait_for "Invoice $num" || fail "the invoice"
check "its state in words" wait_for "partly paid · 14,311.02 EUR"
keys L
check "L on the issued invoice: refused at once, saying why" \
    wait_for "invoice $num is issued: its lines are kept"
check "...no form opened" not_on_screen "New invoice line"
prompt "remove-line 1"
check ":remove-line 1: the same reason" wait_for "invoice $num is issued: its lines are kept"

keys E
check "E asks for To" wait_for 'send to: "Ida Klein" <ida@probe-neun.example>'
keys Enter
wait_sql "select count(*) from messages where invoice_id = $inv" 1 || fail "the mail is in the outbox"
mid=$(q "select id from messages where invoice_id = $inv")
check "mail $mid sent, saying it went without the e-invoice" \
    wait_for "mail $mid sent (without the e-invoice:" 30
check "the mail's text says what is still outstanding" \
    bash -c "cat '$T'/spool/*.eml | grep -q 'still outstanding: 1,897.00 EUR'"
keys p
check "p: the PDF is written, and it names no seller" wait_for "(it names no seller: [company] is not set"
keys p
sleep 1
check "...said once a session" not_on_screen "it names no seller"
keys q

prompt "filter overdue=true"
prompt "sort due"
check ":sort due" wait_for "by due"
first=$(q "select number from invoices where status = 'issued' and kind = 'invoice'
    and due_date < current_date order by due_date, id limit 1")
check "...the longest overdue first ($first)" line_has "$first" "overdue"
done_testing
