#!/usr/bin/env bash
# The client names a draft credit note as one in every message about it (docs/billing.md, "In
# the client"), not as an invoice: :move-line and :remove-line and their refusals, :print (its
# file, and the draft's own words), :send's refusal, and N when the role may no longer issue (EXECUTE on
# ccrm_invoice_issue taken away while the client runs: "issue credit notes").
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_bill_names.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
DOCS=$XDG_DATA_HOME/ccrm/documents
acc=$(as sam -c "insert into accounts (name, city, country) values ('Namenswerk GmbH', 'Bonn', 'Germany') returning id")
inv=$(as bea -c "insert into invoices (account_id, currency, buyer_address, buyer_postcode)
    values ($acc, 'EUR', 'Am Hof 1', '53111') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
    values ($inv, 'Erste', 1, 'piece', 150, 19), ($inv, 'Zweite', 1, 'piece', 50, 19)" >/dev/null ||
    fail "two lines"
num=$(as bea -c "select ccrm_invoice_issue($inv)")

tui_start 140 40 "$CCRM" -d "$DB user=bea"
wait_for "Invoices by" || fail "billing starts on Invoices"
keys /
keys -l "Namenswerk"
keys Enter
wait_for "$num" || fail "the invoice is found"
keys Enter
wait_for "Invoice $num" || fail "the invoice opens"
keys K
check "K drafts a credit note of the invoice" wait_for "Credit note draft #"
cn=$(q "select max(id) from invoices where credit_of = $inv")
places() { q "select string_agg(position || ' ' || description, ', ' order by position) from invoice_lines where invoice_id = ${cn:-0}"; }

prompt "move-line 1 2"
check ":move-line names the credit note" wait_for "line 1 of credit note #$cn is now line 2"
check "...moved ($(places))" wait_sql "select string_agg(position || ' ' || description, ', ' order by position) from invoice_lines where invoice_id = $cn" "1 Zweite, 2 Erste"
prompt "move-line 5 1"
check "a line it has not: the credit note has no line 5" wait_for "could not change the lines: credit note #$cn has no line 5"
prompt "remove-line 7"
check "...nor line 7 to remove" wait_for "could not change the lines: credit note #$cn has no line 7"
prompt "remove-line 2"
check ":remove-line names the credit note" wait_for "line 2 removed from credit note #$cn"
check "...removed ($(places))" wait_sql "select string_agg(position || ' ' || description, ', ' order by position) from invoice_lines where invoice_id = $cn" "1 Zweite"

prompt "print text"
check ":print names the draft credit note's file as one" wait_for "wrote $DOCS/credit-note-draft-$cn.txt"
check "...which says it is no credit note yet (not \"no invoice yet\")" \
    grep -q "Draft: this is not a credit note yet" "$DOCS/credit-note-draft-$cn.txt"
keys q
wait_for "Credit note draft #$cn" || fail "back on the credit note"

prompt "send nobody@example.com"
check ":send's refusal names the credit note" wait_for "credit note #$cn: could not send it: credit note #$cn is a draft"

# the rights change while the client runs (it asked once): N is offered, the database refuses
q "revoke execute on function ccrm_invoice_issue(bigint, date) from ccrm_billing" ||
    fail "revoke issuing from billing"
keys N
wait_for "issue credit note #$cn? Its number and date are final (y/n)" || fail "N asks"
keys y
check "a role that may not issue: said as credit notes" \
    wait_for "could not issue credit note #$cn: permission denied (only billing, management and admin issue credit notes)"
check "database: still a draft" test "$(q "select status from invoices where id = $cn")" = draft
keys q q q
tui_stop
done_testing
