#!/usr/bin/env bash
# From a deal to a paid invoice, in real clients, each department doing its part
# (docs/billing.md, "In the client"):
#  - sam (sales) finds his deal in the pipeline, makes a quote of it (Q), adds a product line
#    picked by searching and a free-text line (L), reads the quote as text (:print text) and
#    prints the PDF (p; read back with pdftotext), marks it sent (M) and accepted (A: the deal's
#    amount becomes the quote's net total, asked), drafts the invoice (I), and may not issue it
#    (N is billing's);
#  - bea (billing) starts on Invoices, issues it (N) and records a partial (P, the amount asked)
#    and a final payment (:payment AMOUNT): the invoice is paid; a draft credit note of it is
#    called a credit note when N asks, and takes no payment;
#  - mia (management) sees the month's money per currency on the Dashboard;
#  - sofia (support) sees the paid invoice on the account's timeline;
#  - paul (partner) sees neither the account nor the invoice until the account is shared with
#    his organisation, then the paid invoice on its timeline and in his Invoices.
# The database holds exactly that: totals by its rounding rule, a gapless number, two payments.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_dept_billing.sh path/to/ccrm}
command -v pdftotext >/dev/null || { echo "# pdftotext (poppler-utils) is missing: skip"; exit 77; }

pg_start_demo "$CCRM" 30
DB="host=$PG_DIR dbname=ccrm"
DOCS=$XDG_DATA_HOME/ccrm/documents
# offers TEXT [NOT]: the keys under the record come to name TEXT and not NOT (what it is now
# allows: an issued invoice offers a payment, not N to issue it again)
offers() {
    local i h
    for ((i = 0; i < 200; i++)); do
        h=$(screen | grep -F "Enter open")
        if grep -qF -- "$1" <<<"$h" && { [ -z "${2:-}" ] || ! grep -qF -- "$2" <<<"$h"; }; then
            return 0
        fi
        sleep 0.05
    done
    echo "--- the keys offered: $h" >&2
    return 1
}
# an account no partner sees, and a fresh deal of sam's on it, first in its pipeline column
read -r acc accname <<<"$(psqlc -F ' ' -c "select id, name from accounts where id not in (select account_id
    from account_shares) and name ~ '^[A-Za-z ]+$' order by id limit 1")"
deal=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
    values ($acc, 'Zebra billing path', 'prospecting', 450, 'EUR', 'sam') returning id")
check "a deal of sam's on an account no partner sees" test -n "$deal"

tui_start 120 40 "$CCRM" -d "$DB user=sam"
ROWS=40
check "sales starts on the pipeline" wait_for "prospecting ·"
keys /
keys -l "Zebra billing"
keys Enter
check "the pipeline finds the deal" wait_for "Zebra billing"
keys Q
check "Q makes a draft quote of the deal and opens it" wait_for "(draft) for deal #$deal"
quote=$(q "select id from quotes where opportunity_id = $deal")
check "database: the quote is sam's, for the deal's account" \
    test "$(q "select account_id = $acc and owner = 'sam' and status = 'draft' and created_by = 'sam'
        from quotes where id = ${quote:-0}")" = t
check "a draft quote offers its lines and M, not A (it is accepted once sent)" \
    offers "L line · M mark sent" "A accept"

# a product line: the product found by typing, ten of them
keys L
check "L opens the line form on the quote" wait_for "New quote line"
check "the form names the quote" wait_for "#$quote Zebra billing path"
keys Tab
keys -l "ccrm-pro"
check "the product is found by searching" wait_for "CCRM-PRO ccrm Pro seat"
keys Enter
check "the form shows the line's amounts as one types, from the database's rule" \
    wait_for "this line 29.90 + tax 5.68 = 35.58 EUR · quote total 35.58 EUR"
keys Tab BSpace # Enter moved on to the description: the quantity
keys -l 10
check "... and follows the quantity" \
    wait_for "this line 299.00 + tax 56.81 = 355.81 EUR · quote total 355.81 EUR"
keys C-s
check "the line is saved" wait_for "saved quote line #"
check "the quote shows the line with the database's net" wait_for "× 29.90  tax 19%  = 299.00 EUR"
# a free-text line with its own price and tax rate
keys L
wait_for "New quote line" || fail "L again"
keys Tab Tab
keys -l "Einrichtung – Setup"
keys Tab Tab
keys -l 150
keys Tab Tab
keys -l 19
check "the preview adds the free-text line to the quote's total" \
    wait_for "this line 150.00 + tax 28.50 = 178.50 EUR · quote total 534.31 EUR"
keys C-s
check "the free-text line is saved" wait_for "Einrichtung – Setup  1 piece × 150.00"
# 299.00 + 150.00 = 449.00 net; 56.81 + 28.50 = 85.31 tax; 534.31 gross (per line, half up)
check "the totals follow the lines" wait_for "draft · 534.31 EUR"
check "database: totals by the rounding rule" \
    test "$(q "select net_total || ' ' || tax_total || ' ' || gross_total from quotes
        where id = $quote")" = "449.00 85.31 534.31"

prompt "print text"
check ":print text shows the quote as text" wait_for "Total EUR"
check "the text has the lines and the total" line_has "Einrichtung – Setup" "150.00"
check "... and the gross total" line_has "Total EUR" "534.31"
check ":print text wrote the text file" grep -q "534.31" "$DOCS/quote-$quote.txt"
keys q
wait_gone "Total EUR" || fail "q closes the text"
keys p
check "p prints the PDF and says where" wait_for "wrote $DOCS/quote-$quote.pdf"
pdftotext -layout "$DOCS/quote-$quote.pdf" "$TEST_TMP/quote.txt" 2>/dev/null
check "the PDF's text has the product line" grep -q "ccrm Pro seat  *10  *month  *29.90  *19%  *299.00" "$TEST_TMP/quote.txt"
check "the PDF's text has the free-text line" grep -q "Einrichtung – Setup" "$TEST_TMP/quote.txt"
check "the PDF's text has the total" grep -q "534.31" "$TEST_TMP/quote.txt"

keys M
check "M marks the quote sent" wait_for "quote #$quote is sent"
check "a sent quote offers A, R and V, no longer M or L" offers "A accept · R reject · V revise" "M mark sent"
check "... nor L" offers "A accept" "L line"
keys L
check "a sent quote takes no new line: refused at once, saying why" \
    wait_for "quote #$quote is sent: its lines are kept (V makes a revision"
check "... no form opened" bash -c "! tmux -L '$TMUX_SOCK' capture-pane -t =t: -p | grep -q 'New quote line'"
keys A
# the deal's 450 was a guess; the quote's net total is 449.00: A asks whether it becomes the amount
check "A asks whether the deal's amount becomes the quote's net total" \
    wait_bottom "^accept, and set the deal's amount to it\? \(y/n\)"
keys y
check "A: the customer accepted" wait_for "quote #$quote is accepted"
check "... and the deal's amount is the quote's net total" \
    wait_sql "select amount from opportunities where id = $deal" 449.00
check "an accepted quote offers I (invoice), not A again" offers "I invoice" "A accept"
keys I
check "I drafts the invoice from the accepted quote and opens it" wait_for "(draft) from quote #$quote"
check "...and says who issues it: not N, which sales may not press" wait_for "billing or management issue it"
inv=$(q "select id from invoices where quote_id = $quote")
check "the invoice shows the quote's lines" wait_for "Einrichtung – Setup"
check "a draft invoice offers sales its lines, not N (billing issues: sam may not)" offers "L line" "N issue"
check "... nor P (a payment is on an issued one, and billing's)" offers "L line" "P payment"
keys N
check "sales may not issue it: N says so at once" wait_for "N issue (number it) is not available to your role"
check "database: still a draft" test "$(q "select status from invoices where id = ${inv:-0}")" = draft
keys q q q
tui_stop

# billing issues it and records two payments
tui_start 120 40 "$CCRM" -d "$DB user=bea"
check "billing starts on Invoices" wait_for "Invoices by updated"
check "the draft is at the top" wait_for "draft #$inv"
keys Enter
check "Enter opens it" wait_for "Invoice draft #$inv"
check "billing is offered N on the draft" offers "N issue" "P payment"
keys P
check "P on the draft says it is not owed yet, before an amount is typed" \
    wait_for "invoice #$inv is still a draft: payments are recorded on issued invoices"
check "... and asks for none" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'payment received (amount')"
keys N
check "N asks first: the number is final" wait_for "issue invoice #$inv? Its number and date are final (y/n)"
keys n
check "n leaves the draft" wait_for "not issued: invoice #$inv stays a draft"
check "database: still a draft after n" test "$(q "select status from invoices where id = ${inv:-0}")" = draft
keys N
wait_for "Its number and date are final (y/n)" || fail "N asks again"
keys y
check "N issues it with the next number" wait_for "issued invoice #$inv as "
number=$(q "select number from invoices where id = ${inv:-0}")
check "the number is the next of the year's series, gapless" \
    test "$(q "select count(*) = max(seq) and max(seq) = (select seq from invoices where id = $inv)
        from invoices where series = '' and year = (select year from invoices where id = $inv)")" = t
check "the view shows the number" wait_for "Invoice $number"
check "an issued invoice offers P and K, not N again" offers "P payment · K credit note" "N issue"
keys P
check "P asks for the amount" wait_for "payment received (amount"
keys -l "9999 2026-12-01 transfer REF-KEPT"
keys Enter
check "more than is open is refused" wait_for "exceeds what is outstanding"
keys P
check "...and P again offers what was typed" wait_for "payment received (amount [date] [method] [reference]): 9999 2026-12-01 transfer REF-KEPT"
keys C-u
keys -l "300,00"
keys Enter
check "a partial payment: what is open is said" wait_for "234.31 EUR outstanding"
check "the invoice is partly paid" wait_for "partly paid · 534.31 EUR"
prompt "payment 234.31"
check "the final payment: paid in full" wait_for "paid in full"
check "the invoice is paid" wait_for "paid · 534.31 EUR"
check "a paid invoice offers a credit note, not another payment" offers "K credit note" "P payment"
check "both payments are listed" wait_for "payment 234.31 EUR by transfer"
check "database: paid, by two payments of bea's" \
    test "$(q "select i.status || ' ' || count(p.*) || ' ' || sum(p.amount) || ' '
        || bool_and(p.created_by = 'bea') from invoices i join payments p on p.invoice_id = i.id
        where i.id = $inv group by i.status")" = "paid 2 534.31 true"
# a credit note drafted of it (K) offers N to issue it, and says nothing of payments
check "the paid invoice shows what was paid and credited" \
    test "$(screen | grep -oE '(^|  )(Paid|Credited|Outstanding)  ' | wc -l)" = 2
keys K
check "K drafts a credit note of the paid invoice and opens it" wait_for "Credit note draft #"
check "a draft credit note offers N, not a payment" offers "N issue" "P payment"
check "a credit note shows no payments, credits or what is outstanding" \
    test "$(screen | grep -cE '(^|  )(Paid|Credited|Outstanding)  ')" = 0
check "... while its net and gross are shown (negative, as its head has them)" \
    wait_for "Gross       -534.31 EUR"
# the client names it a credit note, and says why it takes no payment
cn=$(q "select max(id) from invoices where credit_of = ${inv:-0}")
prompt "payment 10"
check ":payment on the credit note says payments are on invoices" \
    wait_for "credit note #$cn: payments are recorded on invoices only"
check "... and records none" test "$(q "select count(*) from payments where invoice_id = ${cn:-0}")" = 0
keys N
check "N asks about the credit note, by that name" \
    wait_for "issue credit note #$cn? Its number and date are final (y/n)"
keys n
check "n leaves the credit note a draft" wait_for "not issued: credit note #$cn stays a draft"
keys q
check "q: back on the invoice" wait_for "Invoice $number"
# the Feed has the issue and the payments; Enter on a payment opens its invoice
keys 1
check "the Feed" wait_for "Feed by newest"
keys /
keys -l "payment 300.00 EUR on $number"
keys Enter
check "the Feed has the partial payment" wait_for "new payment: payment 300.00 EUR on $number"
keys Enter
check "Enter on the payment's event opens its invoice" wait_for "invoice #$inv · paid · 534.31 EUR"
keys q q q
tui_stop

# management's Dashboard: the month's money per currency, as the database sums it
money() { q "select to_char($1, 'FM999G999G999G990D00') from ccrm_billing_totals() where currency = '$2'"; }
tui_start 120 40 "$CCRM" -d "$DB user=mia"
check "management starts on the Dashboard" wait_for "Invoices this month (per currency"
# (the columns are as wide as the screen allows: the figures in order, blanks between them)
eur_row="^ *EUR +$(money invoiced EUR) +$(money paid EUR) +$(money outstanding EUR) +$(money overdue EUR) *\$"
eur_shown() { screen | grep -qE -- "${eur_row//./\\.}"; }
check "EUR: invoiced and paid this month, outstanding and overdue" wait_until eur_shown
check "the payments of today are in what was paid this month" \
    test "$(q "select paid >= 534.31 from ccrm_billing_totals() where currency = 'EUR'")" = t
for cur in $(q "select currency from ccrm_billing_totals() where currency <> 'EUR'"); do
    check "$cur has a line of its own (never summed across currencies)" \
        line_has "$cur " "$(money outstanding "$cur")"
done
keys q
tui_stop

# support sees it on the account's timeline
tui_start 120 40 "$CCRM" -d "$DB user=sofia"
check "support is up" wait_for "Tickets by"
prompt "open $accname"
check "the account opens" wait_for "account #$acc"
check "the paid invoice is on the account's timeline" \
    wait_for "invoice $number [paid] 534.31 EUR"
check "so is the accepted quote" wait_for "quote #$quote Zebra billing path [accepted] 534.31 EUR"
keys q q
tui_stop

# a partner: nothing of an account not shared with him; all of it once it is
tui_start 120 40 "$CCRM" -d "$DB user=paul"
check "the partner is up" wait_for "Accounts by"
prompt "view invoices"
check "the partner's Invoices" wait_for "Invoices by updated"
keys /
keys -l "$number"
keys Enter
check "the invoice of an account not shared is not listed" wait_for "no records match the search"
prompt "open $accname"
check "nor is the account" wait_for "no account matches"
"$CCRM" -d "$PG_CONN" --share "$acc" --partner "Nordlicht Reseller GmbH" >/dev/null ||
    fail "could not share the account"
check "shared: the invoice is listed, live" wait_for "$number" 15
prompt "open $accname"
check "shared: the account opens" wait_for "account #$acc"
check "shared: the paid invoice is on its timeline" wait_for "invoice $number [paid] 534.31 EUR"
keys q q
check "ccrm exits 0" test "$(pane_status)" = 0
tui_stop
done_testing
