#!/usr/bin/env bash
# SLA clocks follow the pause statuses of the policy that applies now (schema/functions/
# 90_service.sql: ccrm_sla_policy_sync, ccrm_sla_ticket, ccrm_sla_follow): when management
# changes a policy's pause_statuses, its tickets' clocks pause or run again as their status now
# says; when a ticket moves to a policy with other pause statuses (its queue or priority), the
# same. Each time with the time used and left that a status change gives (a twin ticket moved by
# its status in the same transaction has the same clocks), on a 24/7 and an office-hours
# calendar. The tickets are sofia's (support), the policies mia's (management).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla_policy_pause.sh path/to/ccrm}

pg_start_demo "$CCRM" 20

# a ticket's clocks: kind:state, and +due when it has a due time
st() {
    q "select string_agg(kind || ':' || case when met_at is not null then 'met' when running_since is not null
                                             then 'running' else 'paused' end
                        || case when due_at is not null then '+due' else '' end, ',' order by kind)
         from sla_clocks where ticket_id = $1"
}
# a clock's columns, to compare with its twin's
clock() { q "select $3 from sla_clocks where ticket_id = $1 and kind = '$2'"; }
new_ticket() { as sofia -c "insert into tickets (subject, $2) values ('$1', $3) returning id" | head -1; }
# over the whole database: unmet clocks that run in a pause status of their policy or are paused
# out of one, paused ones with a due time or running ones without
astray() {
    q "select count(*) from sla_clocks x join sla_policies p on p.id = x.policy_id
                                          join tickets t on t.id = x.ticket_id
        where x.met_at is null and t.status not in ('solved', 'closed')
          and ((x.running_since is not null) = (t.status = any (p.pause_statuses))
               or (x.running_since is null) <> (x.due_at is null))"
}
# tickets whose current clock (the one that decides the time left) is not exactly the unmet
# one due first (paused ones last)
miscurrent() {
    q "select count(*) from (select count(*) filter (where current) as n,
                                    (array_agg(id) filter (where current))[1] as cur,
                                    (array_agg(id order by coalesce(due_at, 'infinity'), id)
                                       filter (where met_at is null))[1] as first
                               from sla_clocks group by ticket_id) s
        where s.first is not null and (s.n <> 1 or s.cur <> s.first)"
}
consistent() { check "$1: every clock runs or pauses as its policy says, one current per ticket" test "$(astray),$(miscurrent)" = "0,0"; }
consistent "the demo"

# ---- 24/7: the demo's "Urgent, around the clock" (30 min first response, 240 resolution,
#      pending pauses) ----
check "the urgent policy is 24/7 and pauses pending" \
    test "$(q "select p.pause_statuses::text || ' ' || c.hours from sla_policies p join calendars c on c.id = p.calendar_id where p.id = 1")" = "{pending} 24/7"
A=$(new_ticket 'Urgent, then waiting' priority "'urgent'")
A2=$(new_ticket 'Urgent, then waiting (twin)' priority "'urgent'")
check "an urgent ticket is under it" test "$(q "select string_agg(distinct policy_id::text, ',') from sla_clocks where ticket_id in ($A, $A2)")" = 1
as sofia -c "update tickets set status = 'pending' where id in ($A, $A2)"
check "pending pauses both clocks, with no due time" test "$(st $A)" = "first_response:paused,resolution:paused"
# 17.5 minutes used before the pause
q "update sla_clocks set used_us = 1050000000 where ticket_id in ($A, $A2)"
as mia -f - <<SQL
begin;
update tickets set status = 'open' where id = $A2;
update sla_policies set pause_statuses = '{}' where id = 1;
commit;
SQL
check "pending no longer pauses: the pending ticket's clocks run again ($(st $A))" \
    test "$(st $A)" = "first_response:running+due,resolution:running+due"
check "... with the time they had left: 12.5 and 222.5 minutes" \
    test "$(clock $A first_response 'due_at - running_since'),$(clock $A resolution 'due_at - running_since')" = "00:12:30,03:42:30"
for k in first_response resolution; do
    check "... the $k clock as its twin's, which its status resumed in the same transaction" \
        test "$(clock $A $k 'running_since, due_at, warn_at, used_us')" = "$(clock $A2 $k 'running_since, due_at, warn_at, used_us')"
done
check "... and the first response, due first, decides its time left" \
    test "$(q "select kind from sla_clocks where ticket_id = $A and current")" = first_response
consistent "pause statuses emptied"
as mia -c "update sla_policies set pause_statuses = '{pending}' where id = 1"
check "pending pauses again: the pending ticket's clocks pause" test "$(st $A)" = "first_response:paused,resolution:paused"
check "... having used the 17.5 minutes and the moments since" \
    test "$(clock $A first_response 'used_us between 1050000000 and 1050000000 + 60000000')" = t
check "... and the open twin's run on" test "$(st $A2)" = "first_response:running+due,resolution:running+due"
consistent "pending pauses again"

# open tickets with running clocks: 20 minutes used (B, its twin), 45 minutes, past the first
# response's due time, which the scheduler has not marked yet (C)
B=$(new_ticket 'Urgent and open' priority "'urgent'")
B2=$(new_ticket 'Urgent and open (twin)' priority "'urgent'")
C=$(new_ticket 'Urgent, open, late' priority "'urgent'")
as sofia -c "update tickets set status = 'open' where id in ($B, $B2, $C)"
q "update sla_clocks set used_us = 0, running_since = now() - case when ticket_id = $C then interval '45 minutes' else interval '20 minutes' end
    where ticket_id in ($B, $B2, $C);
   select ccrm_sla_recompute(array(select id from sla_clocks where ticket_id in ($B, $B2, $C)))" >/dev/null
c_due=$(clock $C first_response due_at)
as mia -f - <<SQL
begin;
update tickets set status = 'pending' where id = $B2;
update sla_policies set pause_statuses = '{open,pending}' where id = 1;
commit;
SQL
check "open pauses now: the open ticket's clocks pause, with no due or warning time" \
    test "$(st $B),$(clock $B first_response 'warn_at is null')" = "first_response:paused,resolution:paused,t"
check "... and so do the other open tickets under the policy" test "$(st $A2),$(st $C)" = \
    "first_response:paused,resolution:paused,first_response:paused,resolution:paused"
for k in first_response resolution; do
    check "... the $k clock has used its 20 minutes and the moment since, as its twin that its status paused" \
        test "$(clock $B $k 'used_us between 1200000000 and 1200000000 + 60000000'),$(clock $B $k 'used_us, breached_at')" = "t,$(clock $B2 $k 'used_us, breached_at')"
done
check "a clock past its due time when it pauses is breached at that due time" \
    test "$(clock $C first_response breached_at)" = "$c_due"
check "... its resolution clock is not" test "$(clock $C resolution 'breached_at is null')" = t
consistent "open pauses"
before=$(q "select string_agg(x::text, ';' order by id) from sla_clocks x where policy_id = 1")
as mia -c "update sla_policies set pause_statuses = '{pending,open}' where id = 1"
check "the same statuses in another order move no clock" \
    test "$(q "select string_agg(x::text, ';' order by id) from sla_clocks x where policy_id = 1")" = "$before"
used=$(clock $B first_response used_us)
as mia -c "update sla_policies set pause_statuses = '{pending}' where id = 1"
check "open runs again: the open ticket's clocks run" test "$(st $B)" = "first_response:running+due,resolution:running+due"
check "... the first response due with its 10 minutes left, less the moments paused" \
    test "$(clock $B first_response "abs(extract(epoch from due_at - running_since) * 1000000 - (1800000000 - $used)) < 1000")" = t
check "... the pending ones stay paused" test "$(st $A),$(st $B2)" = \
    "first_response:paused,resolution:paused,first_response:paused,resolution:paused"
consistent "open runs again"

# ---- office hours: mon-fri 08:00-18:00 in Berlin, no holidays; 240 minutes to the first
#      response, 6000 to the resolution; tickets in queue "slatest" ----
CAL=$(as mia -c "insert into calendars (name, time_zone, hours) values ('T Office', 'Europe/Berlin', 'mon-fri 08:00-18:00') returning id" | head -1)
O=$(as mia -c "insert into sla_policies (name, position, queues, calendar_id, first_response_min, resolution_min)
               values ('T Office', 1, '{slatest}', $CAL, 240, 6000) returning id" | head -1)
D=$(new_ticket 'Office hours' queue "'slatest'")
D2=$(new_ticket 'Office hours (twin)' queue "'slatest'")
check "a ticket of the queue is under the office-hours policy" \
    test "$(q "select string_agg(distinct policy_id::text, ',') from sla_clocks where ticket_id in ($D, $D2)")" = "$O"
as sofia -c "update tickets set status = 'open' where id in ($D, $D2)"
# running since a week ago on the wall clock: 5 days of 10 hours, 3000 minutes used by now
week_ago="(now() at time zone 'Europe/Berlin' - interval '7 days') at time zone 'Europe/Berlin'"
q "update sla_clocks set used_us = 0, started_at = $week_ago, running_since = $week_ago where ticket_id in ($D, $D2);
   select ccrm_sla_recompute(array(select id from sla_clocks where ticket_id in ($D, $D2)))" >/dev/null
fr_due=$(clock $D first_response due_at)
check "fixture: the first response was due after 240 business minutes" \
    test "$(q "select ccrm_business_minutes($CAL, running_since, due_at) from sla_clocks where ticket_id = $D and kind = 'first_response'")" = 240.0000000000000000
as mia -f - <<SQL
begin;
update tickets set status = 'pending' where id = $D2;
update sla_policies set pause_statuses = '{open,pending}' where id = $O;
commit;
SQL
check "office hours, open pauses now: the open ticket's clocks pause" test "$(st $D)" = "first_response:paused,resolution:paused"
for k in first_response resolution; do
    check "... the $k clock used the week's 3000 business minutes (and the moment since)" \
        test "$(clock $D $k 'used_us between 180000000000 and 180000000000 + 60000000')" = t
    check "... as its twin that its status paused" \
        test "$(clock $D $k 'used_us, breached_at')" = "$(clock $D2 $k 'used_us, breached_at')"
done
check "... the first response breached at its due time, the resolution not" \
    test "$(clock $D first_response breached_at),$(clock $D resolution 'breached_at is null')" = "$fr_due,t"
consistent "office hours, open pauses"
as mia -f - <<SQL
begin;
update tickets set status = 'open' where id = $D2;
update sla_policies set pause_statuses = '{pending}' where id = $O;
commit;
SQL
check "office hours, open runs again: the open ticket's clocks run" test "$(st $D)" = "first_response:running+due,resolution:running+due"
for k in first_response resolution; do
    check "... the $k clock as its twin that its status resumed" \
        test "$(clock $D $k 'running_since, due_at, warn_at, used_us, breached_at')" = "$(clock $D2 $k 'running_since, due_at, warn_at, used_us, breached_at')"
done
check "... the resolution due after the business minutes it had left, within office hours" \
    test "$(clock $D resolution "due_at = ccrm_business_add($CAL, running_since, 6000 - used_us / 60000000.0)
                                 and extract(isodow from due_at at time zone 'Europe/Berlin') between 1 and 5
                                 and (due_at at time zone 'Europe/Berlin')::time between '08:00' and '18:00'")" = t
consistent "office hours, open runs again"

# ---- a ticket moving to a policy with other pause statuses (its queue, its priority) ----
W=$(as mia -c "insert into sla_policies (name, position, queues, calendar_id, first_response_min, resolution_min, pause_statuses)
               values ('T Waits', 2, '{slatest-wait}', $CAL, 240, 6000, '{new,open,pending}') returning id" | head -1)
Z=$(as mia -c "insert into sla_policies (name, position, queues, calendar_id, first_response_min, resolution_min, pause_statuses)
               values ('T Never pauses', 3, '{slatest-run}', 3, 60, 600, '{}') returning id" | head -1)
U=$(as mia -c "insert into sla_policies (name, position, queues, priorities, calendar_id, first_response_min, resolution_min, pause_statuses)
               values ('T Urgent waits', 0, '{slatest}', '{urgent}', $CAL, 60, 600, '{open,pending}') returning id" | head -1)
pol() { q "select string_agg(distinct policy_id::text, ',') from sla_clocks where ticket_id = $1 and met_at is null"; }

E=$(new_ticket 'Moves queue' queue "'slatest'")
q "update sla_clocks set used_us = 0, started_at = $week_ago, running_since = $week_ago where ticket_id = $E;
   select ccrm_sla_recompute(array(select id from sla_clocks where ticket_id = $E))" >/dev/null
as sofia -c "update tickets set queue = 'slatest-wait' where id = $E"
check "a new ticket moved to a queue whose policy pauses new ones: its clocks pause" \
    test "$(pol $E) $(st $E)" = "$W first_response:paused,resolution:paused"
check "... having used the week's 3000 business minutes" \
    test "$(clock $E resolution 'used_us between 180000000000 and 180000000000 + 60000000')" = t
check "... the first response breached at its due time under the new policy" \
    test "$(clock $E first_response "breached_at = ccrm_business_add($CAL, started_at, 240)")" = t
consistent "moved to a pausing policy"
as sofia -c "update tickets set queue = 'slatest' where id = $E"
check "moved back: its clocks run again" test "$(pol $E) $(st $E)" = "$O first_response:running+due,resolution:running+due"
check "... the resolution due after the business minutes it had left, within office hours" \
    test "$(clock $E resolution "due_at = ccrm_business_add($CAL, running_since, 6000 - used_us / 60000000.0)
                                 and extract(isodow from due_at at time zone 'Europe/Berlin') between 1 and 5
                                 and (due_at at time zone 'Europe/Berlin')::time between '08:00' and '18:00'")" = t
consistent "moved back"

F=$(new_ticket 'Waiting, moves to 24/7' queue "'slatest'")
as sofia -c "update tickets set status = 'pending' where id = $F"
q "update sla_clocks set used_us = 600000000 where ticket_id = $F"
as sofia -c "update tickets set queue = 'slatest-run' where id = $F"
check "a pending ticket moved to a policy that pauses nothing: its clocks run" \
    test "$(pol $F) $(st $F)" = "$Z first_response:running+due,resolution:running+due"
check "... with the new targets less the 10 minutes used (24/7: 50 minutes, 9 hours 50)" \
    test "$(clock $F first_response 'due_at - running_since'),$(clock $F resolution 'due_at - running_since')" = "00:50:00,09:50:00"
consistent "moved to a policy that pauses nothing"

G=$(new_ticket 'Gets urgent' queue "'slatest'")
as sofia -c "update tickets set status = 'open' where id = $G"
as sofia -c "update tickets set priority = 'urgent' where id = $G"
check "an open ticket made urgent, under a policy that pauses open ones: its clocks pause" \
    test "$(pol $G) $(st $G)" = "$U first_response:paused,resolution:paused"
as sofia -c "update tickets set priority = 'normal' where id = $G"
check "... normal again: they run" test "$(pol $G) $(st $G)" = "$O first_response:running+due,resolution:running+due"
consistent "priority moves"

H=$(new_ticket 'Moves and waits at once' queue "'slatest'")
as sofia -c "update tickets set queue = 'slatest-run', status = 'pending' where id = $H"
check "queue and status changed at once: the new policy's pause statuses decide (running)" \
    test "$(pol $H) $(st $H)" = "$Z first_response:running+due,resolution:running+due"
as sofia -c "update tickets set queue = 'slatest-wait', status = 'open' where id = $H"
check "... and again (paused)" test "$(pol $H) $(st $H)" = "$W first_response:paused,resolution:paused"
consistent "queue and status at once"

# the life of a ticket through its status is unchanged: solved meets, reopened runs on
as sofia -c "update tickets set status = 'solved' where id = $G"
check "solved meets every clock" test "$(st $G)" = "first_response:met+due,resolution:met+due"
as sofia -c "update tickets set status = 'pending' where id = $G"
check "reopened into pending: the resolution clock stays paused" test "$(st $G)" = "first_response:met+due,resolution:paused"
as sofia -c "update tickets set status = 'open' where id = $G"
check "... open: it runs" test "$(st $G)" = "first_response:met+due,resolution:running+due"
consistent "solved and reopened"

done_testing
