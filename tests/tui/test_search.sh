#!/usr/bin/env bash
# Accounts search in the full-screen client, checked against plain SQL: for patterns that take
# each road through src/db/list.c (search blocks, schema/016: matches in one stretch of
# blocks, in two stretches far apart, spread over the whole list, a pattern that can match
# nothing, one without trigrams, a short one), the first screen starts at the first match,
# paging down with PgDn and up from the end with PgUp shows every match exactly in name order
# without a gap, an account inserted into the search while it is shown appears, and one
# renamed into it is found. Blocks of 100 accounts, a window of 30 rows and pages of 20
# (instead of 10,000, 12,000 and 200) make a few thousand accounts reach every step.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search.sh path/to/ccrm}

pg_start_demo "$CCRM" 3000
# one word in two stretches at both ends of the list (a page must be collected over the gap)
psqlc -c "insert into accounts (name, domain)
          select 'Aardvark Qzx ' || i, 'aardvark' || i || '.example' from generate_series(1, 25) i
          union all
          select 'Zypresse Qzx ' || i, 'zypresse' || i || '.example' from generate_series(1, 25) i"
psqlc -c "update search_block_lists set size = 100 where list = 'accounts_name'" -c "select ccrm_search_blocks_rebuild('accounts_name')" >/dev/null

mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
trace=$TEST_TMP/trace
: >"$trace"
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 "$CCRM" -d "$PG_CONN" --view accounts
check "first paint" wait_for "Accounts by name"

VISIBLE_COLS=47 # the names on screen (tests/lib/tui.sh: visible)
EXPECT="select name from accounts where strpos(search, ccrm_fold('%s')) > 0 order by name, id"

walk lodz "one stretch of blocks"
walk "Łódź" "accents folded"
walk qzx "two stretches at both ends"
walk data "spread over the list"
walk "sp. z" "no trigram of three letters in a row"
walk qqqz "a trigram no account has"
# a key that needs a row, on a list with none: said, not silently ignored
keys e
check "e on the empty list says that no account is selected" wait_for "no account selected"
# a record's key on a list names itself by what it does (T has no command: it said "T (:?)")
keys T
check "T on a list: what it does, and to open the record first" \
    wait_for "T write in the live chat, shared with the partner: open the record first"
walk "Ac" "short pattern"

# live: an account inserted before every match, and one renamed to after them all, appear in
# the search shown (their blocks told by the triggers, the list told by the events)
walk lodz "again"
press g
psqlc -c "insert into accounts (name, domain) values ('Aachen Lodz Partners', 'aachen.example')"
check "an inserted account that matches appears at the top" wait_for "Aachen Lodz Partners"
# (a row renamed into a search is not drawn live at the end of the list: reload with g, G)
psqlc -c "update accounts set name = 'Zywiec Lodz Brewery'
          where id = (select min(id) from accounts where name like 'Acme %')"
press g
press G
check "an account renamed into the search appears at its end" wait_for "Zywiec Lodz Brewery"

keys Escape q
wait_exit
check "quits cleanly" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
done_testing
