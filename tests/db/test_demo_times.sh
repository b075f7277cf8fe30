#!/usr/bin/env bash
# The demo data looks lived in: its records were created and last changed over the past two
# months (not all in the second it was loaded), every creation before its last change; its open
# tasks are due around the day of the load, its inbox lines read after they came.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_demo_times.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
for t in accounts contacts leads opportunities tickets; do
    days=$(q "select count(distinct date_trunc('day', updated_at)) from $t")
    check "$t were last changed on many days ($days)" test "$days" -gt 10
    check "$t: none created after its last change" test "$(q "select count(*) from $t where created_at > updated_at")" = 0
    check "$t: none in the future" test "$(q "select count(*) from $t where updated_at > now()")" = 0
done
check "no audit row or event was written for the stamps" \
    test "$(q "select count(*) from events where 'updated_at' = any(changed) or 'created_at' = any(changed)")" = 0
# the new tickets with service-level clocks came in when their clocks started: the customer's
# words that opened each are from then too, and each was reported by someone to answer
routed="select t.id from tickets t where exists (select 1 from sla_clocks k where k.ticket_id = t.id)"
check "there are routed tickets with clocks ($(q "select count(*) from ($routed) r"))" \
    test "$(q "select count(*) from ($routed) r")" -ge 10
check "no routed ticket's opening message is later than the ticket" \
    test "$(q "select count(*) from interactions i join tickets t on t.id = i.ticket_id
               where i.subject = 'Ticket opened' and i.at > t.created_at and t.id in ($routed)")" = 0
# (hours, not days: the furthest is 300 business minutes past a 60-minute target, which on
# a Monday afternoon in Berlin's office hours is that same morning)
check "some of them came in hours ago" \
    test "$(q "select count(*) from interactions i where i.subject = 'Ticket opened'
               and i.at < now() - interval '5 hours' and i.ticket_id in ($routed)")" -ge 1
check "each has a requester" test "$(q "select count(*) from tickets where contact_id is null and id in ($routed)")" = 0
# a campaign's members were added before their first response (when its mail went out), so
# the deals their accounts opened since show as the campaign's influence
check "no campaign member was added after its first response" \
    test "$(q "select count(*) from campaign_members m join campaign_responses r
               on r.campaign_id = m.campaign_id and r.contact_id is not distinct from m.contact_id
              and r.lead_id is not distinct from m.lead_id where r.at < m.created_at")" = 0
inf=$(q "select sum(deals_influenced) from ccrm_campaign_results(null)")
check "the demo's campaigns influenced deals ($inf)" test "${inf:-0}" -gt 0
# what is still to do is due around the day of the load, not around the history's t0 weeks
# before (every open follow-up of the deals was 30 days and more overdue): a few a day or two
# overdue, most ahead
open_tasks="from interactions where kind = 'task' and opportunity_id is not null and done_at is null"
n=$(q "select count(*) $open_tasks")
late=$(q "select count(*) $open_tasks and due_at < now()")
check "the deals have open follow-up tasks ($n)" test "$n" -ge 5
check "... none overdue by more than two days" \
    sql_is "select count(*) $open_tasks and due_at < date_trunc('day', now()) - interval '2 days'" 0
check "... a few overdue ($late of $n)" test "$late" -ge 1 -a "$((late * 3))" -le "$n"
check "... most ahead, within two weeks" \
    sql_is "select count(*) filter (where due_at > now()) * 2 > count(*)
                   and max(due_at) < now() + interval '14 days' $open_tasks" t
# an inbox line was read after it came, not before (read_at was t0, weeks before the line)
check "some inbox lines were read ($(q "select count(*) from inbox where read_at is not null"))" \
    test "$(q "select count(*) from inbox where read_at is not null")" -ge 1
check "... none before it came" sql_is "select count(*) from inbox where read_at < created_at" 0
check "... nor in the future" sql_is "select count(*) from inbox where read_at > now()" 0

# (the lists' search blocks, cut again for that order, are checked against plain SQL by
# test_search_blocks.sh and tui/test_search_blocks.sh, which run on the demo data)

done_testing
