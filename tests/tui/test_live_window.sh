#!/usr/bin/env bash
# A list re-reads after a change only when the change can show in its window (issue 4: with
# 100 clients, most changes are elsewhere for most of them). With CCRM_TRACE the client notes
# each re-read. A new account that sorts after the window: the toast names it, the list is not
# re-read and its rows stay as they were drawn. A change to a row on screen, and a new account
# that sorts first: the list re-reads and shows them. The same with a search, and in the
# Deals pipeline's columns.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_live_window.sh path/to/ccrm}

pg_start_demo "$CCRM" 300
trace=$TEST_TMP/trace
first=$(account_at 0)
first_id=$(psqlc -c "select id from accounts order by name, id limit 1")

tui_start 120 30 env CCRM_TRACE="$trace" "$CCRM" -d "$PG_CONN user=marco" --view accounts
check "the Accounts list shows its first row" wait_for "$first"
# wait_in_list TEXT: until TEXT shows above the status bar (the toast names changes too)
in_list() { screen | head -n -2 | grep -qF -- "$1"; }
wait_in_list() { wait_until in_list "$1" || { screen >&2 && return 1; }; }
# re-reads so far (each is traced before the screen showing its wake-up is painted: once the
# toast of a change is on screen, its decision is made)
decisions() { grep -c "^$1 " "$trace" 2>/dev/null; }

# sorts after every demo name ("Z" and then "z" in any collation): far below the window
rr=$(decisions reread)
id=$(psqlc -c "insert into accounts (name) values ('Zzzz Window Outside') returning id")
check "the toast names the new account" wait_for "postgres (admin): new account #$id Zzzz Window Outside" 5
check "a change outside the window does not re-read the list" test "$(decisions reread)" = "$rr"
check "rows stay as drawn (only the lines around the list were repainted)" \
    bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | sed -n 3p | grep -qF '$first'"

rr=$(decisions reread)
psqlc -c "update accounts set industry = 'Window Inside' where id = $first_id"
check "a change to a row on screen is shown in place" wait_for "Window Inside" 5
check "... after a re-read" test "$(decisions reread)" -gt "$rr"

rr=$(decisions reread)
psqlc -c "insert into accounts (name) values ('0000 Window First')" >/dev/null
check "a new account that sorts first appears at the top" wait_in_list "0000 Window First"
check "... after a re-read" test "$(decisions reread)" -gt "$rr"
check "the toast goes away by itself (a repaint of the message line only)" \
    wait_gone "new accounts" 8
check "the list is still drawn after that repaint" wait_in_list "0000 Window First"
# with a search, the window is the matching rows: a change that does not match is skipped,
# one that matches is shown (the search travels as the statement's first parameter)
keys / Window Enter
check "the search shows the matching accounts" wait_for 'search "Window"'
wait_for "Zzzz Window Outside" 5 >/dev/null
rr=$(decisions reread)
id=$(psqlc -c "insert into accounts (name) values ('Qqqq Unrelated') returning id")
check "a change that does not match the search: toast" wait_for "new account #$id Qqqq Unrelated" 5
check "... and no re-read" test "$(decisions reread)" = "$rr"
psqlc -c "insert into accounts (name) values ('Mmmm Window Middle')" >/dev/null
check "a change that matches the search is shown" wait_in_list "Mmmm Window Middle"
check "... after a re-read" test "$(decisions reread)" -gt "$rr"
keys Escape q
tui_stop

# the Deals pipeline: each stage column asks on its own (db_list_in_window). 250 big deals fill
# the prospecting column beyond what it holds; a small one sorts below its window (by amount,
# largest first), and no other column has prospecting deals.
acc=$(psqlc -c "select min(id) from accounts")
psqlc -c "insert into opportunities (account_id, name, stage, amount, owner)
          select $acc, 'Big deal ' || g, 'prospecting', 1000000, 'sam' from generate_series(1, 250) g"
tui_start 160 30 env CCRM_TRACE="$trace" "$CCRM" -d "$PG_CONN user=sam" --view deals
check "sales sees the pipeline" wait_for "Big deal" 10
# the first wake-up loads the columns that did not fit on screen yet: let it pass
id=$(psqlc -c "insert into accounts (name) values ('Zzzz Warm-up') returning id")
wait_for "new account #$id" 5 >/dev/null
rr=$(decisions reread)
id=$(psqlc -c "insert into opportunities (account_id, name, stage, amount) values ($acc, 'Tiny Window Deal', 'prospecting', 1) returning id")
check "a deal below every column's window: toast" wait_for "new deal #$id Tiny Window Deal" 5
check "... and no column re-reads" test "$(decisions reread)" = "$rr"
psqlc -c "insert into opportunities (account_id, name, stage, amount) values ($acc, 'Huge Window Deal', 'prospecting', 9000000)" >/dev/null
check "a deal at the top of a column is shown" wait_in_list "Huge Window"
check "... after a re-read" test "$(decisions reread)" -gt "$rr"
keys q
done_testing
