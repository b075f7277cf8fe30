#!/usr/bin/env bash
# Live changes of billing documents named them twice, the second time as the document says
# itself: "bea (billing): changed invoice #8 invoice 2026-00008 …", a credit note as "invoice
# #13 credit note #13 (draft) …", and the Feed's "new invoice: credit note #13 …" on a
# Record "invoice #13". Now a quote, an invoice and a credit note are named once, in their own
# words: "changed invoice 2026-00008 …", "new credit note #13 (draft) …" on "credit note #13".
# Other records keep "changed ticket #5 Subject". At 140x40, sam (sales) on the Feed.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_bill_live_names.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
ROWS=40
acc=$(as bea -c "select min(id) from accounts")
inv=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate)
    values ($inv, 'Livename work', 100, 0)" >/dev/null
deal=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
    values ($acc, 'Livename deal', 'negotiation', 100, 'EUR', 'jose') returning id")
qt=$(as jose -c "insert into quotes (opportunity_id, title, currency, owner)
    values ($deal, 'Livename quote', 'EUR', 'jose') returning id")
check "a draft invoice of bea's and a draft quote of jose's" test -n "$inv" -a -n "$qt"

tui_start 140 40 "$CCRM" -d "$DB user=sam" --view feed
check "the Feed opens" wait_for "Feed by newest" 15
# the toast (the bottom line): actor, what, and the record named once
num=$(as bea -c "select ccrm_invoice_issue($inv)")
check "bea issues the invoice" test -n "$num"
check "the toast names the issued invoice by its number, once" \
    wait_bottom "^bea \(billing\): changed invoice $num "
check "... not also as \"invoice #$inv\"" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -n 1 | grep -qF 'invoice #$inv')"
cn=$(as bea -c "select ccrm_credit_note($inv)")
check "bea drafts a credit note of it" test -n "$cn"
check "the Feed: \"new credit note #$cn (draft)\", on the record \"credit note #$cn\"" \
    line_has "credit note #$cn " "new credit note #$cn (draft)"
check "... never \"new invoice: credit note\" nor \"invoice #$cn\"" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'new invoice: credit note|invoice #$cn ')"
as bea -c "update invoices set notes = 'Livename note' where id = $cn" >/dev/null
check "the toast names the credit note once" \
    wait_bottom "^bea \(billing\): changed credit note #$cn \(draft\)"
check "... not as an invoice" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -n 1 | grep -qF 'invoice #$cn')"
as jose -c "update quotes set notes = 'Livename' where id = $qt" >/dev/null
check "a quote's change: \"changed quote #$qt …\", once" \
    wait_bottom "^jose \(sales\): changed quote #$qt Livename quote \(draft"
check "... the Feed's line names it once in What" line_has "quote #$qt " "changed notes: quote #$qt Livename quote"
# other records as before: the noun and number, then the summary
t=$(as sofia -c "insert into tickets (account_id, subject) values ($acc, 'Livename printer') returning id")
check "a ticket is still \"new ticket #$t Livename printer\"" \
    wait_bottom "^sofia \(support\): new ticket #$t Livename printer"
keys q
check "q quits" wait_exit
done_testing
