#!/usr/bin/env bash
# Sales' day, end to end in real clients: sam (sales) starts on the Deals pipeline and moves
# the biggest prospecting deal through qualification and proposal to negotiation with >, then
# edits its amount in the form. marco (marketing) has the deal's account open in another
# terminal and sees the deal's stage change on the customer timeline live; the pipeline's
# stage totals follow. The database holds exactly that, one version per move.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_dept_sales.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
IFS='|' read -r did dname dver acc <<<"$(psqlc -F '|' -c "select o.id, o.name, o.version, a.name
    from opportunities o join accounts a on a.id = o.account_id where o.stage = 'prospecting'
    order by coalesce(o.amount, 0) desc, o.id desc limit 1")"
count() { psqlc -c "select count(*) from opportunities where stage = '$1'"; }
n_neg=$(count negotiation)

client m 140 40 "$CCRM" -d "$DB user=marco"
wait_in m "Leads by updated" || fail "marco's client"
tmx send-keys -t =m: :
tmx send-keys -t =m: -l "open $acc"
tmx send-keys -t =m: Enter
check "marco has the deal's account open" wait_in m "[prospecting]"

tui_start 140 40 "$CCRM" -d "$DB user=sam"
check "sales starts on the Deals pipeline" wait_for "Pipeline · prospecting"
shown=${dname#"$acc – "} # its name beside its Account column: without the account's
check "the biggest prospecting deal is first in its column" wait_for "${shown:0:12}"
keys '>'
check "> moves it to qualification" wait_for "moved to qualification"
keys '>'
check "> again: proposal" wait_for "moved to proposal"
keys '>'
check "> again: negotiation, the cursor followed it" wait_for "moved to negotiation"
check "database: the deal is in negotiation, three versions later" \
    test "$(psqlc -c "select stage || ' ' || version from opportunities where id = $did")" = "negotiation $((dver + 3))"
check "the negotiation column's total counts it" wait_for "negotiation · $((n_neg + 1)) deals"
check "marco's timeline shows the new stage, live" wait_in m "[negotiation]" 5

keys :
keys -l "sort updated"
keys Enter
check ":sort updated sorts every stage column: the deal just moved comes first" \
    wait_for "Deals by updated"
keys e
check "e opens the deal's form" wait_for "Edit deal"
keys Down Down Down
keys C-u
keys -l "77500"
keys C-s
check "the edit is saved" wait_for "saved deal #$did"
check "database: the amount is 77500" \
    test "$(psqlc -c "select amount from opportunities where id = $did")" = "77500.00"
check "marco's timeline shows the new amount, live" wait_in m "[negotiation] 77,500" 5
# a currency ccrm does not know is refused by the database for every writer (052), in words
keys e
wait_for "Edit deal" 5 >/dev/null
keys Down Down Down Down
keys C-u
keys -l "XXX"
keys C-s
check "an unknown currency is refused, in words" wait_for "not a currency ccrm knows" 10
check "database: the deal keeps its currency" \
    test "$(psqlc -c "select currency from opportunities where id = $did")" = "EUR"
keys Escape
wait_for "discard your changes? y/n" 5 >/dev/null
keys y
wait_gone "Edit deal" 5 >/dev/null

keys q
tmx send-keys -t =m: q q
check "ccrm exits 0" test "$(pane_status)" = 0
tui_stop
done_testing
