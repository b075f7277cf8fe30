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
# a solved ticket of the history was solved after the last word on it, not at the load weeks
# later (the report said 1,500 hours to resolve a ticket answered on its first day)
resolved=$(q "select coalesce(sum(resolved), 0) from $rt")
check "the report counts resolved tickets ($resolved)" test "$resolved" -gt 0
check "... none of them solved at the load" \
    sql_is "select count(*) from tickets t join audit a on a.entity = 'tickets' and a.entity_id = t.id
              and a.op = 'insert'
             where t.status in ('solved', 'closed') and a.at > now() - interval '1 day'" 0
check "... some within the day they came in" \
    test "$(q "select count(*) from $rt where resolution_p50_h < 24")" -gt 0
check "... and never before the ticket's last interaction" \
    sql_is "select count(*) from tickets t join audit a on a.entity = 'tickets' and a.entity_id = t.id
              and a.op = 'insert'
             where t.status in ('solved', 'closed')
               and a.at < (select max(i.at) from interactions i where i.ticket_id = t.id)" 0
# the people of the demo work by day (Berlin): meetings, chats, answers and campaign mails of
# the history are not at three in the morning
check "our people's calls, mails, chats and meetings of the history are in office hours" \
    sql_is "select count(*) from interactions
             where (direction = 'out' or kind = 'meeting') and at < now() - interval '1 day'
               and extract(hour from at at time zone 'Europe/Berlin') not between 8 and 19" 0
check "a campaign was set up before it started, not at the load" \
    sql_is "select count(*) from campaigns
             where created_at > least(starts_on::timestamptz, now() - interval '1 day')" 0
done_testing
