#!/usr/bin/env bash
# :reports pages like the other views: PgDn and Space a page down, PgUp and b a page up, G the
# end and g the top (the pipeline report is longer than the screen), and its ? help says so.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reports_paging.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user=mia"
acc=$(q "select min(id) from accounts")
# a deal closing in each of 40 months of 2032-2035: a report of 40 rows, longer than the screen
as sam -c "insert into opportunities (account_id, name, stage, amount, close_date)
           select $acc, 'Paging ' || i, 'qualification', 100 + i, date '2032-01-15' + i * interval '1 month'
           from generate_series(0, 39) i" >/dev/null || fail "the report's data"

# the chart's rows: the lines below the bar's heading, the status lines left out
rows() { screen | sed -n 6,22p; }
first_row() { screen | sed -n 6p; }
moved_from() { # TEXT: the first row is no longer TEXT
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(first_row)" != "$1" ] && return 0
        sleep 0.05
    done
    return 1
}
back_to() { # TEXT: the first row is TEXT again
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(first_row)" = "$1" ] && return 0
        sleep 0.05
    done
    echo "--- first row: $(first_row), wanted: $1" >&2
    return 1
}

tui_start 80 24 "$CCRM" -d "$DB"
check "management starts" wait_for " online " 15
prompt "reports pipeline"
check "the pipeline report" wait_for "[Pipeline]" 10
prompt "from 2032-01-01"
prompt "to 2036-01-01"
check "the window's rows" wait_for "from 2032-01-01, before 2036-01-01: 40 rows" 10
check "... its bars" wait_for "(bar" 10
top=$(first_row)

keys NPage
check "PgDn: a page down" moved_from "$top"
page2=$(first_row)
keys PPage
check "PgUp: back to the top" back_to "$top"
keys Space
check "Space: a page down, as PgDn" back_to "$page2"
keys b
check "b: a page up, as PgUp" back_to "$top"
keys G
check "G: the end" moved_from "$top"
last=$(rows)
keys NPage
sleep 0.3
check "... PgDn at the end stays there" test "$(rows)" = "$last"
keys g
check "g: the top" back_to "$top"
keys End
check "End: the end, as G" moved_from "$top"
keys Home
check "Home: the top, as g" back_to "$top"

keys '?'
check "the help says how to page" wait_for "page down / up (also Space, b)" 5
check "... and g, G" wait_for "top / end" 5
tui_stop
done_testing
