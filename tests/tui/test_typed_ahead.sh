#!/usr/bin/env bash
# Keys typed ahead of the screen act on what they would act on at typing speed: a search runs
# at the next draw (a burst of typing costs one search), so a search, its Enter and the next
# key read at once (typed fast, pasted, or sent by a script) used to act on the rows shown
# before the search. Each burst below is one tmux send-keys, so the client reads it at once.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_typed_ahead.sh path/to/ccrm}

pg_start_demo "$CCRM" 30
acct=$(q "select min(id) from accounts")
# the ticket searched for, older than the ones at the top of the list
target=$(q "insert into tickets (account_id, subject, priority) values ($acct, 'Typedahead target', 'normal') returning id")
for i in 1 2 3; do
    q "insert into tickets (account_id, subject, priority) values ($acct, 'Newer ticket $i', 'normal')" >/dev/null
done
lead=$(q "insert into leads (first_name, last_name, company, email) values ('Typa', 'Headlead', 'Burst GmbH', 'typa@burst.example') returning id")

tui_start 120 30 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "sofia's Tickets, newest first" wait_for "Newer ticket 3" 15

# ---- a search and Enter on its first row, at once ----
keys / "Typedahead" Enter Enter
check "the search's first row opens: the ticket searched for" wait_for "ticket #$target" 10
check "... not the ticket that was on top before the search" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q 'Newer ticket 3')"
keys q
check "back on the list, searched" wait_for 'search "Typedahead"' 10

# ---- a search and an action on the selected row (w: watch), at once ----
keys Escape
check "the search cleared" wait_for "Newer ticket 3" 10
others="select coalesce(string_agg(entity_id || ':' || following, ',' order by entity_id), '')
          from followers where login = 'sofia' and entity = 'tickets' and entity_id <> $target"
before=$(q "$others")
keys / "Typedahead" Enter w
# (sofia follows the tickets routed to her already: w then unwatches)
check "w watches (or unwatches) the ticket the search found" wait_for "watching ticket #$target" 10
check "... which the database has" \
    wait_sql "select count(*) from followers where login = 'sofia' and entity = 'tickets' and entity_id = $target" 1
check "... and leaves the others as they were (the one on top before the search too)" sql_is "$others" "$before"

# ---- another list: the Leads, opened and searched in one burst ----
keys 2 / "Headlead" Enter Enter
check "the Leads' search and Enter at once open the lead found" wait_for "lead #$lead" 10
keys q q
wait_exit || fail "quits"
done_testing
