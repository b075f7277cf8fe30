#!/usr/bin/env bash
# :reports at 80 columns with amounts in several currencies and one outlier: the pipeline
# report groups its rows by currency, each under its own heading with bars to its own scale
# (a deal of 100 JPY is not a sliver beside 999,999,999,999.99 EUR), and writes the currency
# with the figure; an outlier within a currency is drawn full and marked (▶) instead of
# leaving every other bar a sliver. The picker and the status line name the reports by title,
# and the status line says which dates the report covers.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reports_narrow.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
as sam -c "insert into opportunities (account_id, name, amount, currency, stage, close_date) values
           ($acc, 'Reprow giant', 999999999999.99, 'EUR', 'qualification', current_date),
           ($acc, 'Reprow yen', 100, 'JPY', 'qualification', current_date)" >/dev/null
# a month as the view writes it: "Dec 2026"
month=$(q "select to_char(current_date, 'Mon YYYY')")
# the outlier's row is the month's qualification deals in EUR: the giant, plus whatever demo deal
# is expected this month too (one in December 2026, none in January 2027), as the report sums it
outlier=$(q "select to_char(sum(amount), 'FM999,999,999,999,999,990.00') from opportunities
              where currency = 'EUR' and stage = 'qualification'
                and date_trunc('month', coalesce(close_date, created_at::date)) = date_trunc('month', current_date)")

tui_start 80 24 "$CCRM" -d "$DB user=mia" --view dashboard
check "the Dashboard opens" wait_for "Pipeline by stage" 15
prompt "reports pipeline"
check ":reports opens the pipeline report, its title in the picker" wait_for "[Pipeline]" 10
check "... the other reports by title too" wait_for "Win rate" 5
check "the rows of each currency come under its heading" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qx 'EUR *'"
check "the status line says which dates the report covers" wait_for "closing this month" 5
check "... not 'its own window'" bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q 'its own window'"
# scroll until the yen row shows
key_until -E "^$month qualification .*JPY" j
check "the yen deal's row says its currency" line_has "$month qualification" "100 JPY"
check "... and has a full bar: JPY has its own scale" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep '^$month qualification .*100 JPY' | grep -q '████████'"
key_until -E "^$month qualification .*EUR" k
check "the outlier in EUR is marked, its figure whole with its currency" \
    line_has "$month qualification" "▶ $outlier EUR"
check "... the other EUR rows keep bars of their own (not all slivers)" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -E ' EUR\$' | grep -v '▶' | grep -q '███'"
keys l
check "l: the next report, by title" wait_for "[Win rate]" 10
check "... the status line too" wait_for "Report Win rate · the last 12 months" 5
tui_stop
done_testing
