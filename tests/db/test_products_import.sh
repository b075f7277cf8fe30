#!/usr/bin/env bash
# Products through the CSV paths every entity of the registry has (docs/billing.md): --export
# products writes the registry's columns, --import ... --into products maps other headers by
# their synonyms (Price, VAT), finds existing products by SKU (case-insensitive, as the unique
# index), checks values with the one normaliser, and is a batch that --revert takes back; the
# departments that may not write products may not import them.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_products_import.sh path/to/ccrm}

pg_start_demo "$CCRM" 5
DB="host=$PG_DIR dbname=ccrm"

"$CCRM" -d "$DB user=sam" --export products >"$TEST_TMP/p.csv"
check "the export has the registry's columns" \
    test "$(head -1 "$TEST_TMP/p.csv")" = "sku,name,description,unit,unit_price,currency,tax_rate,active"
check "the export has every product" \
    test "$(($(wc -l <"$TEST_TMP/p.csv") - 1))" = "$(q "select count(*) from products")"

"$CCRM" -d "$DB user=paul" --export products --output "$TEST_TMP/paul.csv" 2>/dev/null
check "a partner may not export products: exit 77 (no permission)" test $? = 77
check "... and no empty file is left behind" test ! -e "$TEST_TMP/paul.csv"

cat >"$TEST_TMP/in.csv" <<'CSV'
Artikelnummer,Name,Price,Currency,VAT,Unit
SUP-1,Support hour – Stunde,"1.234,50",EUR,19,hour
ccrm-bas,ccrm Basic seat,10.90,EUR,19,month
CSV
out=$("$CCRM" -d "$DB user=sofia" --import "$TEST_TMP/in.csv" --into products --on-conflict update --dry-run 2>&1)
check "support may not import products: a dry run says so too, exit 77 ($out)" test $? = 77
out=$("$CCRM" -d "$DB user=sofia" --import "$TEST_TMP/in.csv" --into products --on-conflict update 2>&1)
check "support may not import products" test $? = 77
check "... and is told so" grep -q "permission denied" <<<"$out"
out=$("$CCRM" -d "$DB user=sam" --import "$TEST_TMP/in.csv" --into products --on-conflict update 2>&1)
check "sales imports products" test $? = 0
check "one inserted, one updated (found by SKU, whatever its case)" grep -q "1 inserted, 1 updated" <<<"$out"
check "database: the new product, its price read as 1234.50" \
    test "$(q "select name || '|' || unit_price || '|' || unit || '|' || tax_rate || '|' || created_by
        from products where sku = 'SUP-1'")" = "Support hour – Stunde|1234.5000|hour|19.00|sam"
check "database: the existing product's new price" \
    test "$(q "select unit_price from products where lower(sku) = 'ccrm-bas'")" = 10.9000
batch=$(q "select max(id) from import_batches where entity = 'products'")
check "the import is a batch of products" test -n "$batch"

printf 'sku,name,unit_price,tax_rate\nBAD-1,Bad price,ten,19\nBAD-2,Bad rate,1,\n' >"$TEST_TMP/bad.csv"
out=$("$CCRM" -d "$DB user=sam" --import "$TEST_TMP/bad.csv" --into products 2>&1)
check "a bad row is refused" test $? = 65
check "... in the normaliser's words" grep -q 'column "unit_price": "ten" is not an amount' <<<"$out"
check "... and nothing is written" test "$(q "select count(*) from products where sku like 'BAD-%'")" = 0

printf 'sku,name,unit_price,tax_rate,currency\nBAD-3,Rate too high,1,150,EUR\nOK-3,Fine,0.0050,19,EUR\nBAD-4,No such currency,1,19,XXX\n' >"$TEST_TMP/bad3.csv"
out=$("$CCRM" -d "$DB user=sam" --import "$TEST_TMP/bad3.csv" --into products --rejects "$TEST_TMP/bad3.rej" 2>&1)
check "a tax rate over 100 is the line's own refusal, not the batch's ($out)" grep -q 'bad3.csv:2: column "tax_rate": "150" is more than 100' <<<"$out"
check "an unknown currency is the line's refusal too" grep -q 'bad3.csv:4: currency "XXX" is not one ccrm knows' <<<"$out"
check "... the other line is imported with its 4 decimals" \
    test "$(q "select unit_price from products where sku = 'OK-3'")" = 0.0050
q "update products set unit_price = 120.0050 where sku = 'OK-3'" >/dev/null
"$CCRM" -d "$DB user=sam" --export products >"$TEST_TMP/p2.csv"
out=$("$CCRM" -d "$DB user=sam" --import "$TEST_TMP/p2.csv" --into products --on-conflict update --dry-run 2>&1)
check "an export of products imports back (prices of 4 decimals) ($out)" test $? = 0

# a retired product stays retired through an export imported back (active was not exported:
# the import made it active again)
q "update products set active = false where sku = 'OK-3'" >/dev/null
"$CCRM" -d "$DB user=sam" --export products >"$TEST_TMP/p3.csv"
check "the export says the product is retired" grep -q '^OK-3,.*,false$' "$TEST_TMP/p3.csv"
q "update products set active = true where sku = 'OK-3'" >/dev/null
out=$("$CCRM" -d "$DB user=sam" --import "$TEST_TMP/p3.csv" --into products --on-conflict update 2>&1)
check "... imported back ($out)" test $? = 0
check "... it is retired again" test "$(q "select active from products where sku = 'OK-3'")" = f

out=$("$CCRM" -d "$DB user=sam" --revert "$batch" 2>&1)
check "--revert takes the batch back" grep -q "1 deleted, 1 restored" <<<"$out"
check "database: the product is gone, the price restored" \
    test "$(q "select count(*) from products where sku = 'SUP-1'") $(q "select unit_price
        from products where lower(sku) = 'ccrm-bas'")" = "0 9.9000"
done_testing
