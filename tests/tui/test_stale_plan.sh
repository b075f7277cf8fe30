#!/usr/bin/env bash
# A list the client has prepared (a page without a search is prepared from its second read)
# keeps working when a migration changes the type of a column it shows while the client runs:
# the server refuses such a prepared statement ("cached plan must not change result type"),
# and the client makes it again instead of showing that error at every later read.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_stale_plan.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
newcontact() { as sam -c "insert into contacts (first_name, last_name, title) values ('Plan', '$1', 'Buyer')" >/dev/null; }

tui_start 140 30 "$CCRM" -d "$DB user=sam" --view contacts
check "client is up on Contacts" wait_for "Contacts by name"
newcontact Aaalpha
check "a new contact shows (the page's second read: now prepared)" wait_for "Plan Aaalpha"
newcontact Aabeta
check "another one shows (the prepared page)" wait_for "Plan Aabeta"
q "alter table contacts alter column title type varchar(300)" >/dev/null
newcontact Aacedar
check "after the column's type changed, a new contact still shows" wait_for "Plan Aacedar"
nocache() { ! screen | grep -qi "cached plan"; }
check "... and no error about the cached plan" nocache
newcontact Aadelta
check "and the next one too" wait_for "Plan Aadelta"
keys q
check "ccrm exits 0" test "$(pane_status)" = 0
tui_stop
done_testing
