#!/usr/bin/env bash
# Deals of one account told apart in the pipeline: a deal's name mostly starts with its
# account's ("Fjord Trading ApS – Onboarding workshop"), and a stage column at 140 showed
# "Fjord Trading ApS…" under Deal beside "Fjord Tradi…" under Account, never the part that
# differs. Beside its Account column the name drops that repeat; a name that goes on after its
# account's without a separator ("Kestrel Trading renewal" of the account "Kestrel") is shown
# as it is. The third column is Account at 140
# and at 80 columns alike (at 80 it was Owner, which fits where Account's 12 did not):
# narrower, in the room Owner had, the name keeping its width.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_deal_names.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(as sam -c "insert into accounts (name) values ('Kestrel Trading ApS') returning id" | head -1)
other=$(as sam -c "insert into accounts (name) values ('Kestrel') returning id" | head -1)
for d in "Kestrel Trading ApS – Onboarding workshop" "Kestrel Trading ApS – API add-on"; do
    as sam -c "insert into opportunities (account_id, name, amount, currency, stage, owner)
        values ($acc, '$d', 99000, 'USD', 'prospecting', 'sam')" >/dev/null || fail "a deal"
done
# its account's name, then no separator: a longer name, not a repeat (shown whole)
as sam -c "insert into opportunities (account_id, name, amount, currency, stage, owner)
    values ($other, 'Kestrel Trading renewal', 1000, 'EUR', 'prospecting', 'sam')" >/dev/null ||
    fail "a deal"
# a hyphen inside a longer name: not a separator ("Kestrel-Nord" is not "Kestrel")
as sam -c "insert into opportunities (account_id, name, amount, currency, stage, owner)
    values ($other, 'Kestrel-Nord pilot', 2000, 'EUR', 'prospecting', 'sam')" >/dev/null ||
    fail "a deal"
heading() { screen | sed -n 4p | sed 's/│.*//'; }

tui_start 140 40 "$CCRM" -d "$DB user=sam" --view deals
check "140x40: the pipeline opens" wait_for "▸ prospecting ·" 15
keys /
keys -l Kestrel
keys Enter
check "140x40: the search runs" wait_for "▸ prospecting · 4 of" 10
check "140x40: the columns are Deal, Amount, Account ($(heading))" \
    bash -c "[[ \"\$(tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 4p | sed 's/│.*//')\" =~ ^Deal\ +Amount\ Account\ *$ ]]"
check "140x40: the name shows what tells the deals apart" line_has "Onboarding worksh" "Kestrel Tra"
check "... the other deal too" line_has "API add-on" "Kestrel Tra"
check "... the account's name is not repeated under Deal" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE '^Kestrel Trading ApS')"
check "140x40: a name that goes on after its account's without a separator is shown as it is" \
    line_has "Kestrel Trading r" "1,000.00 EUR"
check "140x40: so is one with a hyphen inside a longer name" line_has "Kestrel-Nord pilot" "2,000.00 EUR"
keys q
tui_stop

tui_start 80 24 "$CCRM" -d "$DB user=sam" --view deals
check "80x24: the pipeline opens" wait_for "▸ prospecting ·" 15
keys /
keys -l Kestrel
keys Enter
check "80x24: the search runs" wait_for "▸ prospecting · 4 of" 10
check "80x24: the third column is Account, as at 140, not Owner ($(heading))" \
    bash -c "[[ \"\$(tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 4p | sed 's/│.*//')\" =~ ^Deal\ +Amount\ Account\ *$ ]]"
check "80x24: the deals are told apart" line_has "Onboarding wor" "Kestrel"
check "... the other too" line_has "API add-on" "Kestrel"
keys q
tui_stop
done_testing
