#!/usr/bin/env bash
# The Products list's figures are right-aligned, as the Deals list's Amount is: its Price column
# was left-aligned ("9.90 EUR" under "1,200.00 EUR", the digits of the rows not lined up), and so
# was Tax ("7%" under "19%"). Every row's price and rate now ends where its heading ends.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_products_align.sh path/to/ccrm}

pg_start_demo "$CCRM" 5
DB="host=$PG_DIR dbname=ccrm"
as sam -c "insert into products (sku, name, unit, unit_price, currency, tax_rate)
           values ('ALIGN-BIG', 'Align big licence', 'piece', 1234567.50, 'EUR', 12.5),
                  ('ALIGN-YEN', 'Align yen seat', 'month', 1500, 'JPY', 10)" >/dev/null
n=$(q "select count(*) from products")

tui_start 140 40 "$CCRM" -d "$DB user=sam" --view products
check "140x40: the Products list opens" wait_for "Align big licence" 15
check "... every product shown" wait_until -t 10 bash -c \
    "[ \$(tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -cE '[0-9]%') = $n ]"

# where a heading ends, and where each row's figure under it ends (columns, not bytes)
ends() { # HEADING PATTERN: "heading-end row-end row-end ..."
    screen | python3 -c '
import re, sys
head, pat = sys.argv[1], sys.argv[2]
lines = sys.stdin.read().split("\n")
h = next(i for i, l in enumerate(lines) if re.search(r"\bSKU\b.*\bName\b", l))
out = [str(lines[h].index(head) + len(head))]
for l in lines[h + 1:]:
    m = re.search(pat, l)
    if m:
        out.append(str(m.end()))
print(" ".join(out))' "$1" "$2"
}
aligned() { # HEADING PATTERN: every row's figure ends where the heading does
    local e
    e=$(ends "$1" "$2")
    echo "# $1 ends: $e" >&2
    [ "$(tr ' ' '\n' <<<"$e" | sort -u | wc -l)" = 1 ] && [ "$(wc -w <<<"$e")" -gt 1 ]
}
check "the Price column is right-aligned: every price ends under the heading's end" \
    aligned Price '[0-9][0-9,.]* (EUR|JPY)'
check "... and the Tax column: 7% under 19% under 12.5%" aligned Tax '[0-9.]+%'
check "... nothing cut: the biggest price and rate whole" line_has "1,234,567.50 EUR" "12.5%"
tui_stop
done_testing
