#!/usr/bin/env bash
# Following a record from the client: w on a ticket's detail watches it (the detail shows who
# follows it and that I do, live), and a change by someone else then lands in my Inbox;
# :unwatch stops it: a later change by them reaches my Inbox no more (checked after a change
# of a record I still follow, written in the same transaction, has arrived). The assignee,
# who follows by default, unwatches with w. A partner may not watch, and its Inbox lists.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_watch.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# a ticket of zoe's that mia (management) neither owns nor follows, and another for the
# control
t=$(q "select id from tickets order by id limit 1")
q "update tickets set subject = 'Watch me closely', assignee = 'zoe' where id = $t" >/dev/null
a=$(q "select id from tickets where id <> $t order by id limit 1")
q "update tickets set assignee = 'zoe' where id = $a" >/dev/null
# mia's Inbox entries of kind change about a record, counted (a query, for polling)
csql() { echo "(select coalesce(sum(count), 0) from inbox where login = 'mia' and kind = 'change'
               and entity = '$1' and entity_id = $2)"; }
changes() { q "select $(csql "$1" "$2")"; }
check "mia does not follow the ticket" \
    sql_is "select count(*) from followers where login = 'mia' and entity = 'tickets' and entity_id = $t" 0

tui_start 140 34 "$CCRM" -d "$DB user=mia" --view tickets
check "the Tickets list is up" wait_for "Tickets by updated"
keys /
keys -l "Watch me"
keys Enter
check "the search finds the ticket" wait_for "Watch me closely"
keys Enter
check "its detail names its followers: the assignee by default" line_has "Followers" "zoe (w: watch)"
keys w
check "w watches it" wait_for "watching ticket #$t"
check "... in the database" \
    wait_sql "select following from followers where login = 'mia' and entity = 'tickets' and entity_id = $t" t
check "the detail says I follow it" line_has "Followers" "mia, zoe · you follow it (w: unwatch)"

# someone else changes it: a line in my Inbox
before=$(changes tickets "$t")
as sofia -c "update tickets set priority = 'high' where id = $t" >/dev/null
check "sofia's change reaches mia's Inbox" wait_sql "select $(csql tickets "$t") > $before" t
keys 8
check "the Inbox shows it" line_has "change" "Watch me closely"
as sofia -c "update tickets set priority = 'urgent' where id = $t" >/dev/null
check "a second change by her is counted on the same line" \
    wait_sql "select count from inbox where login = 'mia' and kind = 'change' and entity = 'tickets' and entity_id = $t and read_at is null" 2
check "... and the line says how many (×2)" line_has "Watch me closely" "×2"
keys 6
check "back on the Tickets list" wait_for "Tickets by updated"
keys Escape
keys /
keys -l "Watch me"
keys Enter
keys Enter
check "back on the ticket" line_has "Followers" "you follow it"

# unwatch
prompt "unwatch"
check ":unwatch stops it" wait_for "not watching ticket #$t any more"
check "... in the database" \
    wait_sql "select following from followers where login = 'mia' and entity = 'tickets' and entity_id = $t" f
check "the detail says so, live" line_has "Followers" "zoe (w: watch)"
# the control: mia follows another ticket; one transaction of sofia's changes both
as mia -c "select ccrm_follow('tickets', $a, true)" >/dev/null
mid=$(changes tickets "$t")
ctl=$(changes tickets "$a")
as sofia -c "begin; update tickets set priority = 'low' where id = $t;
             update tickets set priority = 'low' where id = $a; commit" >/dev/null
check "the change of the ticket mia still follows arrives (the control)" \
    wait_sql "select $(csql tickets "$a") > $ctl" t
check "the change of the ticket she unwatched does not" sql_is "select $(csql tickets "$t")" "$mid"
# w toggles back
keys w
check "w watches it again" wait_for "watching ticket #$t"
check "... in the database" \
    wait_sql "select following from followers where login = 'mia' and entity = 'tickets' and entity_id = $t" t
keys q
tui_stop

# the assignee follows by default: her w unwatches, and the detail says so
tui_start 140 34 "$CCRM" -d "$DB user=zoe" --view tickets
check "zoe's client is up" wait_for "Tickets by updated"
keys /
keys -l "Watch me"
keys Enter
check "she finds her ticket" wait_for "Watch me closely"
keys Enter
check "she follows it by default" line_has "Followers" "mia, zoe · you follow it (w: unwatch)"
keys w
check "w unwatches it" wait_for "not watching ticket #$t any more"
check "... kept as not following (her default is off now)" \
    wait_sql "select following from followers where login = 'zoe' and entity = 'tickets' and entity_id = $t" f
check "the detail says so" line_has "Followers" "mia (w: watch)"
keys q
tui_stop

# a partner follows nothing: :watch is refused; its Inbox (whose Digest column reads what
# partners may not) still lists
tui_start 140 34 "$CCRM" -d "$DB user=paul" --view tickets
check "the partner's client is up" wait_for " online "
prompt "watch"
check ":watch is not for partners" wait_for "not available to your role"
prompt "view inbox"
check "the partner's Inbox lists" wait_for "Inbox by newest"
check "... without a refusal" wait_gone "permission denied" 1
tui_stop
check "nothing was followed by the partner" sql_is "select count(*) from followers where login = 'paul'" 0
done_testing
