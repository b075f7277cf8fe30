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
as sam -c "insert into opportunities (account_id, name, amount, currency) values ($acc, 'Dashtest a very long deal name that goes on and on', 99999999, 'CHF')" >/dev/null
as sam -c "insert into interactions (kind, subject, ticket_id, due_at) values ('task', 'Call back about the scanner', $t, now() - interval '1 day')" \
       -c "insert into interactions (kind, subject, opportunity_id, due_at) values ('task', 'Send the yen quote', $d, now() + interval '30 days')" >/dev/null

tui_start 80 24 "$CCRM" -d "$DB user=sam" --view dashboard
check "the Dashboard opens" wait_for "Pipeline by stage" 15
# j past the last record scrolls on: what is below the fold comes into view by keys alone
# (at 80x24 the deals come after the pipeline, the month's invoices, tickets, SLA and leads)
seen=0
changed() { [ "$(screen)" != "$1" ]; }
for i in $(seq 1 40); do
    prev=$(screen)
    keys j
    # one line at a time, none scrolls by unread; nothing moves any more: the end
    wait_until -t 5 changed "$prev" || break
    if [ "$seen" = 0 ] && screen | grep -qF "Biggest open deals, by currency (amounts not converted)"; then seen=1; fi
    if screen | grep -qE "Dashtest a very long deal [a-z ]*… +99,999,999.00  CHF"; then long=1; fi
done
check "deals are ranked within their currency, and it says so" test "$seen" = 1
check "a deal's name too long for its column ends in … (it was cut without a sign)" test "${long:-0}" = 1
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
check "q goes back to the Dashboard" wait_for "My open tasks" 5
keys g
check "... and g to its figures" wait_for "Tickets by status" 5

# Live: a change after a quiet spell shows at once; in a stream of changes the figures are
# re-read at most every 5 s, and the last change of the stream still shows (the held re-read)
new_count() { screen | awk '/Tickets by status/ { f = 1; next } f && $1 == "new" { print $2; exit }'; }
wait_new() { # N SECONDS: until the Dashboard shows N new tickets
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        [ "$(new_count)" = "$1" ] && return 0
        sleep 0.05
    done
    echo "--- waiting for $1 new tickets on:" >&2
    screen >&2
    return 1
}
n0=$(q "select count(*) from tickets where status = 'new'")
check "the figures show the tickets now new ($n0)" wait_new "$n0" 10
sleep 6 # (a quiet spell longer than the interval, so that the next change is read at once)
as zoe -c "insert into tickets (account_id, subject, status) values ($acc, 'Dashtest live one', 'new')" >/dev/null
n1=$(q "select count(*) from tickets where status = 'new'")
check "the insert made one more new ticket ($n1)" test "$n1" = $((n0 + 1))
# (4 s on a loaded machine: still less than the 5 s a change in a stream may wait)
check "a lone change shows within 4 s" wait_new "$n1" 4
for i in 1 2 3 4 5; do
    as zoe -c "insert into tickets (account_id, subject, status) values ($acc, 'Dashtest stream $i', 'new')" >/dev/null
    sleep 0.2
done
n2=$(q "select count(*) from tickets where status = 'new'")
check "the stream made five more ($n2)" test "$n2" = $((n1 + 5))
check "a stream's last change shows within 7 s (read at most every 5 s)" wait_new "$n2" 7
tui_stop

done_testing
