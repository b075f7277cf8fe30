#!/usr/bin/env bash
# Amounts are figures: right-aligned in their column, heading too, so that the digits line up
# (" 99,000.00 USD" under "241,000.00 EUR", not "99,000.00 USD " under it). In the Deals
# pipeline, and the Invoices, Quotes and Campaigns lists, at 140x40 and 80x24.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_list_amounts.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
# amounts of several widths in one stage
for a in "5000 EUR" "241000 EUR" "99000 USD"; do
    set -- $a
    as sam -c "insert into opportunities (account_id, name, amount, currency, stage)
        values ($acc, 'Alignprobe $1', $1, '$2', 'prospecting')" >/dev/null || fail "a deal"
done

# aligned LINE NAME KIND MIN: of the rows under the headings on screen line LINE, at least MIN
# have a figure (KIND amount: with its currency, "5,000.00 EUR"; figure: "3,500.00") that ends
# where the heading NAME ends (its first on the line: a pipeline's first stage column)
aligned() {
    local scr hdr pre end n=0 line cell next re
    scr=$(screen)
    hdr=$(sed -n "${1}p" <<<"$scr")
    [[ $hdr == *"$2"* ]] || return 1
    pre=${hdr%%"$2"*}
    end=$((${#pre} + ${#2}))
    if [ "$3" = amount ]; then re='[0-9] [A-Z]{3}$'; else re='[0-9]\.[0-9]{2}$'; fi
    while IFS= read -r line; do
        cell=${line:0:end}
        next=${line:end:1}
        [[ $cell =~ $re ]] && [[ -z $next || $next == " " || $next == "│" ]] && n=$((n + 1))
    done < <(sed -n "$(($1 + 1)),\$p" <<<"$scr")
    [ "$n" -ge "$4" ]
}
# wait_aligned LINE NAME KIND MIN: until aligned (5 s); the screen shown when it is not
wait_aligned() {
    wait_until aligned "$@" && return 0
    echo "--- screen while waiting for the figures under $2 to end where it ends:" >&2
    screen >&2
    return 1
}

for size in "140 40" "80 24"; do
    set -- $size
    tui_start "$1" "$2" "$CCRM" -d "$DB user=sam" --view deals
    check "$1x$2: the pipeline opens" wait_for "▸ prospecting ·" 15
    check "... with the deals of several widths" wait_for "241,000.00 EUR" 10
    check "$1x$2: Deals: the amounts end under the end of Amount" \
        wait_aligned 4 Amount amount 5
    keys q
    tui_stop

    # the back office's lists in one client of mia's, one after the other by :view (a client
    # for each, started and stopped, cost the test a third of its time)
    tui_start "$1" "$2" "$CCRM" -d "$DB user=mia" --view invoices
    check "$1x$2: the Invoices list opens" wait_for "Invoices by" 15
    check "$1x$2: Invoices: the gross amounts end under the end of Gross" \
        wait_aligned 2 Gross amount 5
    check "$1x$2: ... the open ones under the end of Open" wait_aligned 2 Open amount 2

    prompt "view quotes"
    check "$1x$2: the Quotes list opens" wait_for "Quotes by" 15
    check "$1x$2: Quotes: the gross amounts end under the end of Gross" \
        wait_aligned 2 Gross amount 5

    prompt "view campaigns"
    check "$1x$2: the Campaigns list opens" wait_for "Campaigns by" 15
    check "$1x$2: Campaigns: the budgets end under the end of Budget" \
        wait_aligned 2 Budget figure 4
    keys q
    tui_stop
done
done_testing
