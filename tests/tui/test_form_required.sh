#!/usr/bin/env bash
# A quote line's form marks what the database requires (issue: a line saved without a tax
# rate was refused with "a line needs a quantity, a unit price, a discount and a tax rate"
# on the form's banner, "Tax rate %" not marked, the cursor left where it was): Description,
# Unit price and Tax rate % are marked *, the quantity and discount start at the database's
# defaults (1, 0); a save without the tax rate is refused at that field, the cursor on it.
# With a product chosen they are the product's when left empty: no longer marked, and the
# line saves with the product's price and tax rate; a product without a price in the quote's
# currency is refused at the unit price, the cursor on it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_form_required.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
acc=$(q "select id from accounts order by id limit 1")
deal=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
    values ($acc, 'Pflichtfeld-Angebot', 'proposal', 100, 'EUR', 'sam') returning id")
quote=$(as sam -c "insert into quotes (opportunity_id, title, owner)
    values ($deal, 'Pflichtfeld-Angebot', 'sam') returning id")
check "a draft quote" test -n "$quote"
absent() { ! screen | grep -qF -- "$1"; }
nlines() { q "select count(*) from quote_lines where quote_id = $quote"; }

tui_start 110 32 "$CCRM" -d "$PG_CONN user=sam"
check "sam's client" wait_for " online "
prompt "view quotes"
wait_for "Quotes by" || fail "the Quotes"
keys /
keys -l "Pflichtfeld"
keys Enter
wait_gone "search: " >/dev/null
keys Enter
check "the quote opens" wait_for "quote #$quote"

# ---- free text: what the database requires is marked, and refused at its field ----
keys L
check "L opens the line form" wait_for "New quote line"
check "the description is marked required" wait_for "Description*"
check "... the unit price" wait_for "Unit price*"
check "... and the tax rate (it was not)" wait_for "Tax rate %*"
check "the quantity starts at the database's default, 1" line_has "Quantity*" " 1"
check "... the discount at 0" line_has "Discount %*" " 0"
keys Tab Tab # Product, Description
keys -l "pwalk printer service"
keys Tab End C-u # Quantity
keys -l "2"
keys Tab # Unit price
keys -l "150"
keys C-s
check "the save is refused for the tax rate, at the form" \
    wait_for "not saved: 1 field to correct (Tax rate %: required)"
check "the cursor is on the tax rate" wait_for "▸ Tax rate %*"
check "... which says so under it" wait_for "↳ required"
check "not the database's banner" absent "a line needs a quantity"
check "nothing saved" sql_is "select count(*) from quote_lines where quote_id = $quote" 0
keys -l "19"
keys C-s
check "with the tax rate typed where the cursor is, the line saves" wait_for "saved quote line #"
check "database: the line as typed" \
    wait_sql "select description || '|' || quantity || '|' || unit_price || '|' || discount_pct || '|' || tax_rate
        from quote_lines where quote_id = $quote" "pwalk printer service|2.000|150.0000|0.00|19.00"

# ---- a product's line: its values fill what is left empty ----
keys L
wait_for "New quote line" || fail "L again"
keys Tab
keys -l "ccrm-bas"
wait_for "CCRM-BAS" || fail "the product is found"
keys Enter
check "with a product, the price is no longer required" line_has "Unit price " "empty: the product's"
check "... nor the tax rate" line_has "Tax rate % " "empty: the product's"
check "... nor the description" line_has "Description " "empty: the product's"
check "... so none of them is marked" absent "Tax rate %*"
keys C-s
check "the product's line saves" wait_for "saved quote line #"
check "database: the product's name, price and tax rate" \
    wait_sql "select count(*) from quote_lines l join products p on p.id = l.product_id
        where l.quote_id = $quote and l.description = p.name and l.tax_rate = p.tax_rate
          and l.unit_price = ccrm_product_price(p.id, 'EUR')" 1
check "two lines" test "$(nlines)" = 2
keys q

# ---- a product without a price in the quote's currency: refused at the unit price ----
psqlc -c "insert into products (sku, name, unit_price, currency, tax_rate)
          values ('PWALK-EUR', 'Pwalk euro-only service', 10, 'EUR', 19)" >/dev/null
deal2=$(as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
    values ($acc, 'Kronen-Angebot', 'proposal', 100, 'SEK', 'sam') returning id")
quote2=$(as sam -c "insert into quotes (opportunity_id, title, owner, currency)
    values ($deal2, 'Kronen-Angebot', 'sam', 'SEK') returning id")
prompt "view quotes"
wait_for "Quotes by" || fail "the Quotes again"
keys /
keys C-u
keys -l "Kronen"
keys Enter
wait_gone "search: " >/dev/null
keys Enter
check "the SEK quote opens" wait_for "quote #$quote2"
keys L
wait_for "New quote line" || fail "L on the SEK quote"
keys Tab
keys -l "pwalk-eur"
wait_for "PWALK-EUR" || fail "the product is found"
keys Enter
keys C-s
check "the database's refusal is shown under the unit price" \
    wait_for "↳ product PWALK-EUR has no price in SEK: type the line's unit price"
check "... with the cursor there" wait_for "▸ Unit price"
keys -l "95"
keys C-s
check "with the price typed, the line saves" wait_for "saved quote line #"
check "database: the typed price, the product's tax rate" \
    wait_sql "select unit_price || '|' || tax_rate from quote_lines where quote_id = $quote2" "95.0000|19.00"
done_testing
