#!/usr/bin/env bash
# `:print text` at 80 columns: the document's text is 88 columns wide (as --print --format text
# writes it), its amounts at the right. The text view says that its lines are wider than the
# screen and how to see the rest, and scrolls sideways (l, →; back with h, ←) so that every
# amount can be read whole: each line's net, the VAT lines and the totals.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_print_narrow.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
acc=$(as sam -c "insert into accounts (name, city) values ('Narrow Print AG', 'Bonn') returning id" | head -1)
inv=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id" | head -1)
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
           values ($inv, 'Consulting', 3, 'day', 12345.67, 19), ($inv, 'Handbook', 2, 'piece', 24.90, 7)" \
    >/dev/null || fail "the lines"
amt() { q "select to_char($1, 'FM999,999,990.00') from invoices where id = $inv"; }
net=$(amt net_total)
gross=$(amt gross_total)

tui_start 80 24 "$CCRM" -d "$DB user=bea" --view invoices
check "the Invoices list opens at 80 columns" wait_for "Invoices by" 15
keys /
keys -l "Narrow Print"
keys Enter
check "the draft is found" wait_for "draft #$inv"
keys Enter
check "it opens" wait_for "Invoice draft #$inv"
prompt "print text"
check ":print text shows the document" wait_for "Pos Description"
check "the status bar says the lines are wider, and how to see the rest" \
    wait_for "columns 1-80 of 88: ← → scroll sideways"
keys G
check "at its end, the totals' labels" wait_for "Total EUR"
check "... whose amounts are past the right edge: cut" line_has "Total EUR" "…"

keys l
check "l scrolls sideways: the status bar says which columns" wait_for "columns 9-88 of 88"
check "the gross is read whole" line_has "Total EUR" "$gross"
check "... the net total too" line_has "Net total" "$net"
check "... and the VAT lines' amounts" line_has "VAT 19% on" "$(q "select to_char(round(3 * 12345.67 * 0.19, 2), 'FM999,999,990.00')")"
check "... nothing cut at the right" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q 'Total EUR.*…')"
keys g
check "each line's net is read whole" line_has "12,345.67" "37,037.01"
check "... the other's too" line_has "24.90" "49.80"
keys Right
check "→ goes no further than the widest line" wait_for "columns 9-88 of 88"
keys h
check "h scrolls back" wait_for "columns 1-80 of 88"
check "... to the lines' starts" line_has "  1 Consulting" "day"
keys Right
check "→ scrolls sideways too" wait_for "columns 9-88 of 88"
keys Left
check "← back" wait_for "columns 1-80 of 88"
keys '?'
check "its help names the keys" wait_for "scroll sideways (lines wider than the screen)"
keys Escape
keys q q
tui_stop

# at 100 columns the whole text fits: nothing to scroll, nothing said
tui_start 100 24 "$CCRM" -d "$DB user=bea" --view invoices
check "the Invoices list opens at 100 columns" wait_for "Invoices by" 15
keys /
keys -l "Narrow Print"
keys Enter
wait_for "draft #$inv" || fail "the draft is found"
keys Enter
wait_for "Invoice draft #$inv" || fail "it opens"
prompt "print text"
check ":print text shows the document" wait_for "Pos Description"
keys G
check "the gross is read whole at once" line_has "Total EUR" "$gross"
check "... and no sideways scrolling is offered" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q 'scroll sideways')"
keys q q
tui_stop
done_testing
