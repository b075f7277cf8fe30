#!/usr/bin/env bash
# The Dashboard at 80x24: every line can be brought into view by keys (my open tasks sit below
# the fold), a task says which record it is on and whether it is overdue, Enter opens that
# record, and deals in different currencies are never ranked against each other.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_dashboard.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
t=$(as sam -c "insert into tickets (account_id, subject) values ($acc, 'Dashtest broken scanner') returning id" | head -n 1)
d=$(as sam -c "insert into opportunities (account_id, name, amount, currency) values ($acc, 'Dashtest yen deal', 90000000, 'JPY') returning id" | head -n 1)
as sam -c "insert into interactions (kind, subject, ticket_id, due_at) values ('task', 'Call back about the scanner', $t, now() - interval '1 day')" \
       -c "insert into interactions (kind, subject, opportunity_id, due_at) values ('task', 'Send the yen quote', $d, now() + interval '30 days')" >/dev/null

tui_start 80 24 "$CCRM" -d "$DB user=sam" --view dashboard
check "the Dashboard opens" wait_for "Pipeline by stage" 15
# j past the last record scrolls on: what is below the fold comes into view by keys alone
# (at 80x24 the deals come after the pipeline, the month's invoices, tickets, SLA and leads)
seen=0
for i in $(seq 1 40); do
    keys j
    if [ "$seen" = 0 ] && screen | grep -qF "Biggest open deals, by currency (amounts not converted)"; then seen=1; fi
done
check "deals are ranked within their currency, and it says so" test "$seen" = 1
check "j brings my open tasks into view" wait_for "My open tasks" 10
check "a task past its due date is marked overdue, with its record" line_has "OVERDUE" "Call back about the scanner  · ticket #$t"
check "a task not yet due is not" line_has "Send the yen quote" "deal Dashtest yen deal"
check "... and carries no mark" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep 'Send the yen quote' | grep -q OVERDUE)"
keys g
check "g goes back to the figures" wait_for "Pipeline by stage" 5
keys G
check "G shows the end: the tasks" wait_for "Send the yen quote" 5
keys Enter
check "Enter on a task opens the record it is on" wait_for "Dashtest yen deal" 10
check "... the deal's own view" wait_for "Timeline (" 10
keys q
tui_stop

done_testing
