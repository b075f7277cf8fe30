#!/usr/bin/env bash
# The Dashboard's SLA line counts an open clock overdue from its due time, as the Tickets list
# shows it ("! -1d"), not from the scheduler's mark (before --tick ran the demo's four
# first-response clocks past due showed as "0 breached"), and its figures add up: in time,
# met late, overdue and not yet due make every clock, the % is in time of the decided ones.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_dashboard_sla.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user=mia"
# the demo's new tickets: 10 first-response clocks, 4 past due, none marked by the scheduler
check "the demo: 4 first-response clocks past due" \
    sql_is "select count(*) from sla_clocks where kind = 'first_response' and met_at is null
            and due_at <= now()" 4
check "... not yet marked breached (no --tick ran)" \
    sql_is "select count(*) from sla_clocks where breached_at is not null" 0
total=$(q "select count(*) from sla_clocks where kind = 'first_response'")

tui_start 140 40 "$CCRM" -d "$DB" --view dashboard
check "the Dashboard's SLA section" wait_for "SLA, last 30 days (% in time, of those met or overdue)" 15
check "the overdue clocks are counted by their due time" \
    line_has "first response" "in time 0, met late 0, overdue 4, not yet due $((total - 4))"
check "... 0 % in time of the 4 decided" line_has "first response" "0.0 %"
check "no 'breached' count that says 0 beside the overdue ones" \
    bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q '0 breached'"

# a clock met late, a clock met in time (ticket answered): both decided
late=$(q "select ticket_id from sla_clocks where kind = 'first_response' and due_at <= now() order by 1 limit 1")
soon=$(q "select ticket_id from sla_clocks where kind = 'first_response' and due_at > now() order by 1 limit 1")
for t in $late $soon; do
    as sam -c "insert into interactions (kind, channel, direction, subject, ticket_id)
               values ('email', 'email', 'out', 'Answer', $t)" >/dev/null || fail "the answer"
done
check "the answers met the clocks" \
    sql_is "select count(*) from sla_clocks where kind = 'first_response' and met_at is not null" 2
keys r
check "... met late and met in time counted, the rest add up" \
    line_has "first response" "in time 1, met late 1, overdue 3, not yet due $((total - 5))"
check "... the % is in time of those decided (1 of 5)" line_has "first response" "20.0 %"
"$CCRM" -d "host=$PG_DIR dbname=ccrm" --tick >/dev/null 2>&1
keys r
check "after the scheduler's run the figures stay the same" \
    line_has "first response" "in time 1, met late 1, overdue 3, not yet due $((total - 5))"
tui_stop
done_testing
