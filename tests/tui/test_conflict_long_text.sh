#!/usr/bin/env bash
# A save conflict on a long text can be judged: the conflict screen showed the first 6 lines
# of "yours" and "theirs", the same in both, so a change at line 25 was never seen and
# picking "yours" dropped it. Each value's excerpt starts where the two first differ, says
# how many lines are above and below, and PgDn / PgUp scroll the pair.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_conflict_long_text.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
acc=$(as sam -c "insert into accounts (name, description)
    values ('Langtext Konflikt GmbH', (select string_agg('line ' || g, E'\n') from generate_series(1, 30) g))
    returning id" | head -n 1)
check "an account with a 30-line description" test -n "$acc"
absent() { ! screen | grep -qF -- "$1"; }

tui_start 100 40 "$CCRM" -d "$PG_CONN user=sam" --view accounts
check "sam's client" wait_for "Accounts by" 15
prompt "open Langtext Konflikt GmbH"
check "the account opens" wait_for "line 1" 10
keys e
check "its form" wait_for "Edit account #$acc" 10
check "on About, the description" tab_to About 15
for i in $(seq 35); do keys Down; done
keys End
keys -l " mine"
# meanwhile someone else changes line 25
as priya -c "update accounts set description = replace(description, E'line 25\n', E'line 25 changed by priya\n')
    where id = $acc" >/dev/null
keys C-s
check "the save meets the conflict" wait_for "saved this account while you were editing it" 10
check "theirs shows the change at line 25" wait_for "line 25 changed by priya" 5
check "... with the lines above counted" wait_for "23 lines above" 5
check "the first lines, the same in both, are not what is shown" absent "line 1 "
keys NPage
check "PgDn scrolls the pair to the end: yours has line 30 mine" wait_for "line 30 mine" 5
keys PPage
check "PgUp back to where they differ" wait_for "line 25 changed by priya" 5
keys y
keys C-s
check "yours saved" wait_sql "select description like '%line 30 mine' from accounts where id = $acc" t
keys q q
tui_stop
done_testing
