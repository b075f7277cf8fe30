#!/usr/bin/env bash
# Two people editing the same quote's line get the forms' conflict handling (docs/billing.md,
# "Two people on one quote"): sam and jose (both sales) open line 1 of one draft quote from its
# detail view (] to the Lines, j, Enter); jose saves quantity 5 first; sam's open form says the
# line changed, and his quantity 7 meets the conflict screen (yours / theirs) instead of
# overwriting jose's; sam keeps his. The line and the quote's totals are the database's for the
# quantity chosen, and the audit has both saves. Then :move-line and :remove-line reorder and
# remove lines, the totals following.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_quote_conflict.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
acc=$(q "select id from accounts order by id limit 1")
deal=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
    values ($acc, 'Konflikt-Angebot Ærø', 'proposal', 100, 'EUR', 'sam') returning id")
quote=$(as sam -c "insert into quotes (opportunity_id, title, owner)
    values ($deal, 'Konflikt-Angebot Ærø', 'sam') returning id")
line=$(as sam -c "insert into quote_lines (quote_id, product_id, quantity)
    select $quote, p.id, 2 from products p where p.sku = 'CCRM-PRO' returning id")
check "a draft quote with one line" test -n "$line"

# open_line SESSION: the quote from the Quotes list, then its first line's form
open_line() {
    prompt_in "$1" "view quotes"
    wait_in "$1" "Quotes by" 5 || return 1
    keys_in "$1" / C-u
    keys_in "$1" -l "Konflikt"
    keys_in "$1" Enter
    gone_in "$1" "search: " 5 || return 1
    keys_in "$1" Enter
    wait_in "$1" "quote #$quote" 5 || return 1
    wait_in "$1" "Lines (1, in order)" 5 || return 1
    keys_in "$1" "]" j Enter
    wait_in "$1" "Edit quote line #$line" 5
}

tui_start 110 32 "$CCRM" -d "$PG_CONN user=sam"
check "sam's client" wait_for " online "
client m 110 32 "$CCRM" -d "$PG_CONN user=jose"
check "jose's client beside it" wait_in m " online "
check "sam opens the line's form from the quote" open_line t
check "jose opens the same line" open_line m

keys_in m Down Down Down End C-u
keys_in m -l 5
check "jose's form previews his quantity by the database's rule" \
    wait_in m "this line 149.50 + tax 28.41 = 177.91 EUR"
keys_in m C-s
check "jose saves first" wait_in m "saved quote line #$line"
check "sam's open form says the line changed under it" wait_for "changed by jose at"

keys_in t Down Down Down End C-u
keys_in t -l 7
keys_in t C-s
check "sam's save meets the conflict: who saved first" \
    wait_for "saved this quote line while you were editing it"
check "the quantity both changed shows sam's" wait_for "( ) yours   7"
check "and jose's" wait_for "( ) theirs  5"
check "nothing of sam's was written yet" \
    test "$(q "select quantity || '|' || version from quote_lines where id = $line")" = "5.000|2"
keys_in t y
keys_in t C-s
check "sam keeps his against the new version" wait_for "saved quote line #$line"
check "the line has sam's quantity, the database's amounts, and the quote its totals" \
    test "$(q "select l.quantity || '|' || l.net || '|' || l.version || '|' || q.gross_total
        from quote_lines l join quotes q on q.id = l.quote_id where l.id = $line")" = "7.000|209.30|3|249.07"
check "the quote's detail shows the new line and total" wait_for "draft · 249.07 EUR"
check "the audit trail has both saves of the line" \
    test "$(q "select string_agg(actor, ',' order by id) from audit
        where entity = 'quote_lines' and entity_id = $line and op = 'update'")" = "jose,sam"

# the line editor's other commands: a second line moved first, then the first one removed
hb=$(as jose -c "insert into quote_lines (quote_id, product_id, quantity)
    select $quote, p.id, 1 from products p where p.sku = 'HB-DE' returning id")
check "a second line (jose's) shows live" wait_for "2  HB-DE"
prompt "move-line 2 1"
check ":move-line 2 1 moves it first" wait_for "line 2 of quote #$quote is now line 1"
check "database: the order" test "$(q "select string_agg(id::text, ',' order by position)
    from quote_lines where quote_id = $quote")" = "$hb,$line"
check "the quote shows the new order" wait_for "1  HB-DE"
prompt "remove-line 2"
check ":remove-line 2 removes the other" wait_for "line 2 removed from quote #$quote"
check "database: one line, numbered 1, and the totals without the removed one" \
    test "$(q "select string_agg(l.position::text, ',') || '|' || q.gross_total from quote_lines l
        join quotes q on q.id = l.quote_id where q.id = $quote group by q.gross_total")" = "1|26.64"
check "the quote shows its total" wait_for "draft · 26.64 EUR"
prompt "remove-line 7"
check "a line that is not there is said so" wait_for "quote #$quote has no line 7"
keys_in t q q
keys_in m q q q
tui_stop
done_testing
