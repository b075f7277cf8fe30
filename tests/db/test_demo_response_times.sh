#!/usr/bin/env bash
# The demo's tickets came in before anyone answered them: a ticket is created with the
# customer's first message, every interaction and mail on it follows, and so the Response
# times report has figures (it measures from the ticket's creation to the first answer after
# it; with answers before their tickets every week said "median first response –").
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_demo_response_times.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
check "no interaction on a ticket before the ticket was created" \
    sql_is "select count(*) from interactions i join tickets t on t.id = i.ticket_id
              where i.at < t.created_at" 0
check "no mail on a ticket before the ticket was created" \
    sql_is "select count(*) from messages m join tickets t on t.id = m.ticket_id
              where coalesce(m.sent_at, m.received_at) < t.created_at" 0
check "no SLA clock started before its ticket" \
    sql_is "select count(*) from sla_clocks k join tickets t on t.id = k.ticket_id
              where k.started_at < t.created_at" 0
check "no first response met before the first answer" \
    sql_is "select count(*) from sla_clocks k
              where k.kind = 'first_response' and k.met_at < (select min(i.at) from interactions i
                    where i.ticket_id = k.ticket_id and i.direction = 'out')" 0
check "the tickets were created on many days" \
    test "$(q "select count(distinct created_at::date) from tickets")" -gt 10
# (over the demo's whole history; its support tickets came in 7 to 12 weeks before the day of
# the load, inside the report's own window of the last 12 weeks, which test_demo_later.sh
# checks on later days)
rt="ccrm_report_response_times(date '2026-01-01', current_date + 1)"
answered=$(q "select coalesce(sum(answered), 0) from $rt")
tickets=$(q "select coalesce(sum(tickets), 0) from $rt")
check "the Response times report counts answered tickets ($answered of $tickets)" test "$answered" -gt 0
check "... most of its tickets answered (the new ones still wait)" test $((answered * 2)) -gt "$tickets"
check "... with a median first response in hours" \
    test "$(q "select count(*) from $rt where first_response_p50_h > 0")" -gt 2
done_testing
