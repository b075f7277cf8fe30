#!/usr/bin/env bash
# The Deals pipeline whatever the amounts: a stage holding a deal of 999,999,999,999.99 EUR
# (22 columns) keeps its Amount column at 140x40, like the other stages, whichever rows are
# loaded; a stage's totals are whole amounts ("+ 3 more"), never one cut ("1,000,…"); with a
# search the stage headers count what it finds ("1 of 7 deals"), not every deal of the stage.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_pipeline_columns.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
as sam -c "insert into opportunities (account_id, name, amount, currency, stage) values ($acc, 'Pipecol giant', 999999999999.99, 'EUR', 'prospecting')" >/dev/null
for c in BRL CHF GBP JPY USD; do
    as sam -c "insert into opportunities (account_id, name, amount, currency, stage) values ($acc, 'Pipecol $c', 999999999.99, '$c', 'prospecting')" >/dev/null
done
n_pro=$(q "select count(*) from opportunities where stage = 'prospecting'")
n_qua=$(q "select count(*) from opportunities where stage = 'qualification'")


tui_start 140 40 "$CCRM" -d "$DB user=sam" --view deals
check "140x40: the pipeline opens on prospecting" wait_for "▸ prospecting · $n_pro deals" 15
check "... the giant deal is loaded in it" wait_for "999,999,999,999.99 EUR" 10
check "140x40: the first stage keeps its Amount column (got: $(screen | sed -n 4p | sed 's/│.*//'))" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 4p | sed 's/│.*//' | grep -q Amount"
check "... as every stage shown does" \
    bash -c "[ \$(tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 4p | grep -o Amount | wc -l) = \$(tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 4p | grep -o Deal | wc -l) ]"
check "140x40: no stage total is cut inside a figure" \
    bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 3p | grep -E '[0-9],?…'"
keys /
keys -l "Pipecol gi"
keys Enter
check "a search: the stage header counts its matches" wait_for "▸ prospecting · 1 of $n_pro deals" 10
check "... the other stages theirs" wait_for "qualification · 0 of $n_qua deals" 5
keys Escape
check "Esc clears the search: every deal counted again" wait_for "▸ prospecting · $n_pro deals" 10
tui_stop

tui_start 80 24 "$CCRM" -d "$DB user=sam" --view deals
check "80x24: the pipeline opens" wait_for "▸ prospecting · $n_pro deals" 15
check "80x24: prospecting's six currencies: whole amounts, then how many more" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 3p | sed 's/│.*//' | grep -qE ' \+ [0-9]+ more'"
check "80x24: no stage total is cut inside a figure" \
    bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 3p | grep -E '[0-9],?…'"
tui_stop
done_testing
