#!/usr/bin/env bash
# A deal moved into a long Pipeline column near its end: the column showed the rows from a
# third of a screen above the deal and left the rest of the screen blank, the rows above it
# hidden, until g. The column was read for the height of a view not drawn yet; it now fills
# the screen from above.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_pipeline_fill.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
acc=$(q "select min(id) from accounts")
q "insert into opportunities (account_id, name, amount, currency, stage, owner)
   select $acc, 'Filler ' || g, 100000 + g * 1000, 'EUR', 'negotiation', 'sam'
     from generate_series(1, 60) g" >/dev/null
id=$(q "insert into opportunities (account_id, name, amount, currency, stage, owner)
        values ($acc, 'Fillprobe', 1, 'EUR', 'proposal', 'sam') returning id")

tui_start 140 40 "$CCRM" -d "$PG_CONN user=sam" --view deals
ROWS=40
check "the pipeline opens" wait_for "▸ prospecting ·" 15
keys ']' ']'
check "the focus on proposal" wait_for "▸ proposal" 5
keys G
keys '>' # between open stages: no question
check "the deal moves to negotiation" wait_sql "select stage from opportunities where id = $id" negotiation
check "... the focus follows it" wait_for "▸ negotiation" 5
check "... where it is on screen" wait_for "Fillprobe" 5
# the focused column: where its heading starts, to the end of the line
col=$(screen | sed -n 2p | grep -bo '▸ negotiation' | cut -d: -f1)
blank_rows() { screen | sed -n "5,$((ROWS - 2))p" | cut -b$((col + 1))- | grep -c '^ *$'; }
check "... and the column is filled to the bottom, none blank ($(blank_rows))" wait_until sql_is "select $(blank_rows)" 0
keys q
tui_stop
done_testing
