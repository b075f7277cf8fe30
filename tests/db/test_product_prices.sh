#!/usr/bin/env bash
# A product's price in its own currency exists once (ccrm_price_rule, migration 059's
# ccrm_product_currency_rule): the price list takes no row in the product's own currency, and
# the product is not moved to a currency its list has a price in; moving it elsewhere is fine.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_product_prices.sh path/to/ccrm}
pg_start_demo "$CCRM" 20
err() { as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR; }
P=$(as bea -c "insert into products (sku, name, unit_price, currency, tax_rate) values ('PP-1', 'Price test', 11, 'EUR', 19) returning id" | head -1)
as bea -c "insert into product_prices (product_id, currency, unit_price) values ($P, 'USD', 12)" >/dev/null
out=$(err bea "insert into product_prices (product_id, currency, unit_price) values ($P, 'EUR', 10)")
check "the price list takes no price in the product's own currency ($out)" grep -q "product #$P has its price in EUR on the product itself" <<<"$out"
out=$(err bea "update products set currency = 'USD' where id = $P")
check "the product is not moved to a currency its list has a price in ($out)" \
    grep -q "product #$P has a price in USD in its price list already" <<<"$out"
check "...both prices are as they were" \
    test "$(q "select p.unit_price || ' ' || p.currency || ' ' || x.unit_price || ' ' || x.currency from products p join product_prices x on x.product_id = p.id where p.id = $P")" = "11.0000 EUR 12.0000 USD"
check "moving it to another currency is fine" test "$(as bea -c "update products set currency = 'CHF' where id = $P returning currency")" = CHF
check "...and a change of its name alone too" test "$(as bea -c "update products set name = 'Price test 2' where id = $P returning name")" = "Price test 2"
done_testing
