#!/usr/bin/env bash
# SLA clocks follow what moves them, whoever moves it (schema/112, schema/functions/
# 90_service.sql): an account's new tier moves its open tickets to the policy the tier chooses
# (ccrm_sla_account_tier; sales keep the tiers, support the tickets), and a calendar's change
# asks again which clock of each ticket is due first (ccrm_calendar_sync), and two questions
# on one ticket at once (a call logged while a mail comes in) start one next-response clock,
# neither writer refused (ccrm_sla_next_response). Every step checks that each ticket's
# current clock is the unmet one due first.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla_moves.sh path/to/ccrm}

pg_start_demo "$CCRM" 20

new_ticket() { as sofia -c "insert into tickets (subject, account_id ${2:-}) values ('$1', $ACC ${3:-}) returning id" | head -1; }
# a ticket's unmet clocks: kind:policy:target, and whether its due time is the one its policy's
# calendar gives (the time used so far, from when it runs); paused: kind:policy:target:paused
clocks() {
    q "select string_agg(k.kind || ':' || p.name || ':' || k.target_min || ':'
                         || case when k.running_since is null then 'paused'
                                 when k.due_at = ccrm_business_add(p.calendar_id, k.running_since,
                                                                   k.target_min - k.used_us / 60000000.0)
                                 then 'due' else 'wrong due ' || k.due_at end, ',' order by k.kind)
         from sla_clocks k join sla_policies p on p.id = k.policy_id
        where k.ticket_id = $1 and k.met_at is null"
}
# tickets whose current clock is not exactly the unmet one due first (paused ones last)
miscurrent() {
    q "select count(*) from (select count(*) filter (where current) as n,
                                    (array_agg(id) filter (where current))[1] as cur,
                                    (array_agg(id order by coalesce(due_at, 'infinity'), id)
                                       filter (where met_at is null))[1] as first
                               from sla_clocks group by ticket_id) s
        where s.first is not null and (s.n <> 1 or s.cur <> s.first)"
}

# ---- an account's tier ----
# a premium account of the demo: its tickets are under "Standard" (normal) and "Urgent"
ACC=$(q "select id from accounts where tier = 'premium' order by id limit 1")
T=$(new_ticket 'Waiting under standard')
P=$(new_ticket 'Waiting for the customer')
as sofia -c "update tickets set status = 'pending' where id = $P"
U=$(new_ticket 'Down' ", priority" ", 'urgent'")
S=$(new_ticket 'Solved already')
as sofia -c "update tickets set status = 'solved' where id = $S"
check "a premium account's normal ticket is under Standard" \
    test "$(clocks $T)" = "first_response:Standard:240:due,resolution:Standard:2400:due"
check "its pending ticket too, paused" \
    test "$(clocks $P)" = "first_response:Standard:240:paused,resolution:Standard:2400:paused"
E0=$(q "select coalesce(max(id), 0) from events")
as sam -c "update accounts set tier = 'enterprise' where id = $ACC"
check "raised to enterprise (by sales): its open ticket is under Enterprise, due in its time" \
    test "$(clocks $T)" = "first_response:Enterprise:60:due,resolution:Enterprise:960:due"
check "its pending ticket too, still paused (Enterprise pauses pending)" \
    test "$(clocks $P)" = "first_response:Enterprise:60:paused,resolution:Enterprise:960:paused"
check "its urgent ticket stays under Urgent (the first policy that covers it)" \
    test "$(clocks $U)" = "first_response:Urgent, around the clock:30:due,resolution:Urgent, around the clock:240:due"
check "its solved ticket's clocks stay as they were met" \
    test "$(q "select string_agg(distinct policy_id::text, ',') from sla_clocks where ticket_id = $S")" \
         = "$(q "select id from sla_policies where name = 'Standard'")"
check "the moved tickets' clocks have an event (the Tickets list re-reads them), the others none" \
    test "$(q "select string_agg(entity_id::text, ',' order by entity_id) from events
                where id > $E0 and entity = 'sla_clocks' and entity_id in ($T, $P, $U, $S)")" = "$T,$P"
check "every ticket's current clock is the one due first" test "$(miscurrent)" = 0
as sofia -c "update tickets set status = 'open' where id = $P"
check "the pending ticket answered: it runs under Enterprise" \
    test "$(clocks $P)" = "first_response:Enterprise:60:due,resolution:Enterprise:960:due"
# a new question on it: the next response under the same policy as its other clocks
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'out', 'On it', $T)"
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'in', 'Any news?', $T)"
check "a question on it: the next response under Enterprise too" \
    test "$(clocks $T)" = "next_response:Enterprise:120:due,resolution:Enterprise:960:due"
as sam -c "update accounts set tier = NULL where id = $ACC"
check "no tier any more: back under Standard, every unmet clock" \
    test "$(clocks $T)" = "next_response:Standard:480:due,resolution:Standard:2400:due"
check "every ticket's current clock is the one due first (after the tier went)" test "$(miscurrent)" = 0
out=$(as sam -c "update accounts set industry = 'Retail' where id = $ACC" 2>&1)
check "an edit of the account that leaves its tier moves nothing" \
    test "$(clocks $T)" = "next_response:Standard:480:due,resolution:Standard:2400:due"
out=$(as sam -c "update sla_clocks set target_min = 1 where ticket_id = $T" 2>&1)
check "sales still may not write the clocks themselves" grep -q 'permission denied for table sla_clocks' <<<"$out"

# ---- a calendar's change: which clock decides the time left ----
as mia -f - >/dev/null <<'SQL'
insert into calendars (name, time_zone, hours) values ('Moves 24/7', 'UTC', '24/7');
insert into sla_policies (name, position, queues, calendar_id, first_response_min,
                          next_response_min, resolution_min)
select 'Moves', 1, '{moves}', id, 60, 120, 2940 from calendars where name = 'Moves 24/7';
SQL
M=$(new_ticket 'Calendar moves' ", queue" ", 'moves'")
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'out', 'On it', $M)"
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'in', 'Any news?', $M)"
# its resolution clock has run for two days (due in an hour), the next response since now (two)
q "update sla_clocks set started_at = now() - interval '2 days', running_since = now() - interval '2 days'
    where ticket_id = $M and kind = 'resolution';
   select ccrm_sla_recompute(array(select id from sla_clocks where ticket_id = $M)),
          ccrm_sla_current(array[$M])" >/dev/null
current() { q "select kind from sla_clocks where ticket_id = $M and current"; }
check "the resolution (due in an hour) decides its time left" test "$(current)" = resolution
# the two days it ran become holidays: it is due in about two days now, the next response first
as mia -c "update calendars set holidays = array[(now() at time zone 'UTC')::date - 2, (now() at time zone 'UTC')::date - 1] where name = 'Moves 24/7'"
check "the calendar's new holidays moved the resolution past the next response" \
    test "$(q "select (select due_at from sla_clocks where ticket_id = $M and kind = 'resolution')
                    > (select due_at from sla_clocks where ticket_id = $M and kind = 'next_response' and met_at is null)")" = t
check "the next response decides the time left now" test "$(current)" = next_response
check "every ticket's current clock is the one due first (after the calendar's change)" test "$(miscurrent)" = 0

# ---- two questions at once ----
Q=$(new_ticket 'Two questions at once')
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'out', 'On it', $Q)"
# sofia logs the customer's call and has not committed yet when zoe stores his mail (sofia's
# transaction waits, after its insert, for a lock the test holds)
q "begin; select pg_advisory_xact_lock(7221); select pg_sleep(600)" >/dev/null 2>&1 &
holder=$!
for i in $(seq 100); do
    [ "$(q "select count(*) from pg_locks where locktype = 'advisory' and objid = 7221 and granted")" = 1 ] && break
    nap 0.1
done
as sofia -c "begin" -c "insert into interactions (kind, direction, subject, ticket_id) values ('call', 'in', 'Customer called', $Q)" \
    -c "select pg_advisory_xact_lock(7221)" -c "commit" >/dev/null 2>&1 &
first=$!
waiting() { q "select count(*) from pg_stat_activity where usename = '$1' and wait_event_type = 'Lock'"; }
for i in $(seq 100); do [ "$(waiting sofia)" = 1 ] && break; nap 0.1; done
as zoe -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'in', 'Any news?', $Q)" \
    >"$TEST_TMP/second" 2>&1 &
second=$!
for i in $(seq 100); do [ "$(waiting zoe)" = 1 ] && break; nap 0.1; done
check "the second question waits for the first's clock" test "$(waiting zoe)" = 1
# the test lets go: sofia commits, then zoe goes on
q "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = 7221 and granted" >/dev/null
wait $holder $first
wait $second
rc2=$?
check "the second question is stored, not refused ($(head -c 200 "$TEST_TMP/second"))" test "$rc2" = 0
check "both questions are on the ticket" \
    test "$(q "select count(*) from interactions where ticket_id = $Q and direction = 'in'")" = 2
check "one next-response clock is open, from the first question" \
    test "$(q "select count(*) from sla_clocks where ticket_id = $Q and kind = 'next_response' and met_at is null")" = 1
check "every ticket's current clock is the one due first (after two questions at once)" test "$(miscurrent)" = 0

done_testing
