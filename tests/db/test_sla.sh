#!/usr/bin/env bash
# Service levels (schema/019, schema/functions/90_service.sql): business-minute arithmetic
# against hand-computed cases (weekends, holidays, closing times, lunch breaks, the DST changes
# of Europe/Berlin and America/New_York), clocks that pause, resume, meet, breach and go on
# after a reopen, next-response clocks, the scheduler's breaches and warnings exactly once with
# two and three schedulers at once and one killed in the middle, the time-left page, and who
# may touch what.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
err() { as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR; }
# the demo's policies and rules would decide too: start from none
q "update sla_policies set active = false; delete from sla_clocks; delete from responsibilities"

cal() { as mia -c "insert into calendars (name, time_zone, hours, holidays) values ($1) returning id" | head -1; }
B=$(cal "'T Berlin', 'Europe/Berlin', 'mon-fri 09:00-17:00', '{2026-12-24,2026-12-25,2026-01-01}'")
N=$(cal "'T New York', 'America/New_York', 'Mon-Fri 08:00-12:00, 13:00-17:00', '{}'")
B24=$(cal "'T Berlin 24/7', 'Europe/Berlin', '24/7', '{}'")
N24=$(cal "'T New York 24/7', 'America/New_York', '24/7', '{}'")
# a night shift: hours past midnight run into the next day (Sunday's night into Monday's)
NI=$(cal "'T Night', 'Europe/Berlin', 'mon-fri 22:00-06:00; sun 22:00-02:00', '{}'")
check "calendars have their spans" test "$(q "select count(distinct calendar_id) from calendar_spans where calendar_id in ($B, $N, $B24, $N24, $NI)")" = 5
check "hours of no length are refused, saying why" \
    bash -c "grep -q 'a start and a different end' <<<'$(err mia "insert into calendars (name, time_zone, hours) values ('T Zero', 'UTC', 'mon 08:00-08:00')")'"

# ---- business-minute arithmetic, hand-computed ----
# add: calendar | start (local) | minutes | expected (local) | what
while IFS='|' read -r c zone start mins want what; do
    [ -z "$c" ] && continue
    got=$(q "select to_char(ccrm_business_add(${!c}, timestamp '$start' at time zone '$zone', $mins) at time zone '$zone', 'YYYY-MM-DD HH24:MI')")
    check "add $what: $start + $mins min = $want ($got)" test "$got" = "$want"
done <<'EOF'
B|Europe/Berlin|2026-03-06 16:00|120|2026-03-09 10:00|over a weekend
B|Europe/Berlin|2026-03-07 12:00|30|2026-03-09 09:30|from a Saturday
B|Europe/Berlin|2026-03-09 07:00|60|2026-03-09 10:00|from before opening
B|Europe/Berlin|2026-03-02 09:00|480|2026-03-02 17:00|ending exactly at closing time
B|Europe/Berlin|2026-03-02 09:00|2400|2026-03-06 17:00|five days
B|Europe/Berlin|2026-12-23 16:30|60|2026-12-28 09:30|over Christmas (two holidays and a weekend)
B|Europe/Berlin|2026-12-22 16:00|960|2026-12-28 16:00|two days of work across Christmas
B|Europe/Berlin|2025-12-31 16:00|120|2026-01-02 10:00|over New Year's Day
B|Europe/Berlin|2026-03-27 16:00|120|2026-03-30 10:00|over the spring DST change (Berlin)
B|Europe/Berlin|2026-10-23 16:00|120|2026-10-26 10:00|over the autumn DST change (Berlin)
N|America/New_York|2026-11-06 11:30|60|2026-11-06 13:30|over the lunch break
N|America/New_York|2026-03-06 16:00|120|2026-03-09 09:00|over the spring DST change (New York)
N|America/New_York|2026-10-30 16:30|90|2026-11-02 09:00|over the autumn DST change (New York)
B24|Europe/Berlin|2026-03-28 12:00|1440|2026-03-29 13:00|24 hours of a 23-hour day (Berlin, 24/7)
N24|America/New_York|2026-10-31 12:00|1440|2026-11-01 11:00|24 hours of a 25-hour day (New York, 24/7)
NI|Europe/Berlin|2026-03-02 21:00|60|2026-03-02 23:00|a night shift, from before it starts
NI|Europe/Berlin|2026-03-02 23:30|60|2026-03-03 00:30|a night shift, past midnight
NI|Europe/Berlin|2026-03-06 23:00|480|2026-03-08 23:00|Friday's night, then Sunday's
NI|Europe/Berlin|2026-03-08 23:00|180|2026-03-09 02:00|Sunday's night into Monday
NI|Europe/Berlin|2026-03-09 03:00|30|2026-03-09 22:30|Monday morning after Sunday's night
EOF
# and in absolute time: the wall clock moved, the UTC offset with it
check "spring DST, Berlin: Monday 10:00 is 08:00 UTC" \
    test "$(q "select to_char(ccrm_business_add($B, timestamp '2026-03-27 16:00' at time zone 'Europe/Berlin', 120) at time zone 'UTC', 'HH24:MI')")" = "08:00"
check "autumn DST, New York: Monday 09:00 is 14:00 UTC" \
    test "$(q "select to_char(ccrm_business_add($N, timestamp '2026-10-30 16:30' at time zone 'America/New_York', 90) at time zone 'UTC', 'HH24:MI')")" = "14:00"
# several targets from one instant at once (ccrm_business_adds, how a new ticket's clocks are
# timed): each the same as on its own, in its place; none for NULL; the instant itself for 0;
# before it for negative minutes; none beyond the calendar's horizon
got=$(q "select string_agg(to_char(b.at at time zone 'Europe/Berlin', 'MM-DD HH24:MI') || '#' || b.ord, ' ' order by b.ord)
           from ccrm_business_adds($B, timestamp '2026-12-23 16:30' at time zone 'Europe/Berlin',
                                   array[60, null, 0, -60, 990, 30000000]) b")
check "several at once, in order, as one by one ($got)" \
    test "$got" = "12-28 09:30#1 12-23 16:30#3 12-23 15:30#4 12-29 17:00#5"
check "... and each exactly its minutes after the start, over a year of starting points" \
    test "$(q "select count(*) from generate_series(timestamptz '2026-01-01 00:00+00', '2026-12-31', '7 hours 13 minutes') t,
                    lateral (select b.ord, b.at from ccrm_business_adds($N, t, array[1, 30, 90, 479, 480, 481, 960, 2400]) b) x
              where x.at is null or ccrm_business_minutes($N, t, x.at) <> (array[1, 30, 90, 479, 480, 481, 960, 2400])[x.ord]")" = 0
# minutes between: calendar | from | to | minutes | what
while IFS='|' read -r c zone from to want what; do
    [ -z "$c" ] && continue
    got=$(q "select ccrm_business_minutes(${!c}, timestamp '$from' at time zone '$zone', timestamp '$to' at time zone '$zone')::int")
    check "minutes $what: $got = $want" test "$got" = "$want"
done <<'EOF'
B|Europe/Berlin|2026-03-06 16:00|2026-03-09 10:00|120|over a weekend
B|Europe/Berlin|2026-03-09 10:00|2026-03-06 16:00|-120|backwards
B|Europe/Berlin|2026-12-23 00:00|2026-12-29 00:00|960|a week with two holidays
B24|Europe/Berlin|2026-03-28 00:00|2026-03-30 00:00|2820|a weekend of 47 hours (Berlin)
N24|America/New_York|2026-10-31 00:00|2026-11-02 00:00|2940|a weekend of 49 hours (New York)
N|America/New_York|2026-11-02 07:00|2026-11-02 18:00|480|a day with lunch
EOF
out=$(err mia "insert into calendars (name, hours) values ('Bad', 'weekdays 9-5')")
check "unreadable hours are refused ($out)" grep -q 'could not read the days "weekdays"' <<<"$out"
out=$(err mia "insert into calendars (name, time_zone) values ('Bad', 'Mars/Olympus')")
check "an unknown time zone is refused" grep -q 'unknown time zone "Mars/Olympus"' <<<"$out"

# ---- a clock's life with explicit times: pause, resume, late response, solve, reopen ----
P=$(as mia -c "insert into sla_policies (name, calendar_id, first_response_min, next_response_min, resolution_min, warn_before_min, escalate_to)
               values ('T Standard', $B, 60, 120, 480, 30, 'oskar') returning id" | head -1)
T=$(as sofia -c "insert into tickets (subject, assignee) values ('Clock life', 'sofia') returning id" | head -1)
check "a new ticket gets first-response and resolution clocks under the policy" \
    test "$(q "select string_agg(kind || ':' || target_min || ':' || (running_since is not null), ',' order by kind) from sla_clocks where ticket_id = $T and policy_id = $P")" = \
         "first_response:60:true,resolution:480:true"
FR=$(q "select id from sla_clocks where ticket_id = $T and kind = 'first_response'")
RES=$(q "select id from sla_clocks where ticket_id = $T and kind = 'resolution'")
at() { echo "timestamp '$1' at time zone 'Europe/Berlin'"; }
loc() { q "select coalesce(to_char($1 at time zone 'Europe/Berlin', 'YYYY-MM-DD HH24:MI'), '-') from sla_clocks where id = $2"; }
q "update sla_clocks set started_at = $(at '2026-03-06 16:00'), running_since = $(at '2026-03-06 16:00'), used_us = 0 where ticket_id = $T;
   select ccrm_sla_recompute(array[$FR, $RES])" >/dev/null
check "started Friday 16:00: first response due Friday 17:00, resolution Monday 16:00" \
    test "$(loc due_at $FR),$(loc due_at $RES)" = "2026-03-06 17:00,2026-03-09 16:00"
check "... warnings 30 business minutes before" test "$(loc warn_at $FR),$(loc warn_at $RES)" = "2026-03-06 16:30,2026-03-09 15:30"
q "select ccrm_sla_stop(array[$FR, $RES], $(at '2026-03-06 16:30'), false)" >/dev/null
check "paused Friday 16:30: 30 minutes used, no due time while paused" \
    test "$(q "select used_us / 60000000 from sla_clocks where id = $FR"),$(loc due_at $FR),$(loc running_since $RES)" = "30,-,-"
q "select ccrm_sla_run(array[$FR, $RES], $(at '2026-03-09 10:00'), false)" >/dev/null
check "resumed Monday 10:00: first response due 10:30, resolution Tuesday 09:30" \
    test "$(loc due_at $FR),$(loc due_at $RES)" = "2026-03-09 10:30,2026-03-10 09:30"
q "select ccrm_sla_stop(array[$FR], $(at '2026-03-09 10:45'), true)" >/dev/null
check "answered at 10:45: met, and breached at its due time 10:30" \
    test "$(loc met_at $FR),$(loc breached_at $FR)" = "2026-03-09 10:45,2026-03-09 10:30"
q "select ccrm_sla_stop(array[$RES], $(at '2026-03-10 09:00'), true)" >/dev/null
check "solved Tuesday 09:00: resolution met in time with 450 minutes used" \
    test "$(loc met_at $RES),$(loc breached_at $RES),$(q "select used_us / 60000000 from sla_clocks where id = $RES")" = "2026-03-10 09:00,-,450"
q "update sla_clocks set met_at = null where id = $RES; select ccrm_sla_run(array[$RES], $(at '2026-03-10 11:00'), true)" >/dev/null
check "reopened Tuesday 11:00: the resolution clock goes on with its 30 minutes left" \
    test "$(loc met_at $RES),$(loc due_at $RES)" = "-,2026-03-10 11:30"

# ---- the same through the ticket, as every writer drives it (times are now) ----
T2=$(as sofia -c "insert into tickets (subject, assignee) values ('Lifecycle', 'sofia') returning id" | head -1)
st() { q "select string_agg(kind || ':' || case when met_at is not null then 'met' when running_since is not null then 'running' else 'paused' end, ',' order by kind, id) from sla_clocks where ticket_id = $T2"; }
check "new: both running" test "$(st)" = "first_response:running,resolution:running"
as sofia -c "update tickets set status = 'pending' where id = $T2"
check "pending pauses them (the policy's pause status)" test "$(st)" = "first_response:paused,resolution:paused"
check "... with no due time" test "$(q "select count(*) from sla_clocks where ticket_id = $T2 and due_at is not null")" = 0
as sofia -c "update tickets set status = 'open' where id = $T2"
check "open resumes them" test "$(st)" = "first_response:running,resolution:running"
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'out', 'We are on it', $T2)"
check "our answer (direction out) meets the first response" test "$(st)" = "first_response:met,resolution:running"
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'in', 'Any news?', $T2)"
check "the customer writing again starts a next-response clock" test "$(st)" = "first_response:met,next_response:running,resolution:running"
# which clock decides the time left: exactly one, the open one due first (marked once per
# statement since 041, for the tickets whose clocks changed)
due_first="select id from sla_clocks where ticket_id = $T2 and met_at is null order by coalesce(due_at, 'infinity'), id limit 1"
check "... and the open clock due first decides the time left" \
    test "$(q "select string_agg(id::text, ',') from sla_clocks where ticket_id = $T2 and current")" = "$(q "$due_first")"
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'in', 'Hello??', $T2)"
check "... one at a time" test "$(st)" = "first_response:met,next_response:running,resolution:running"
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('call', 'out', 'Called back', $T2)"
check "the next answer meets it" test "$(st)" = "first_response:met,next_response:met,resolution:running"
# the detail's line (ccrm_ticket_sla): met responses with their time, the open clock's due time
check "the ticket's detail line names each clock's state" \
    grep -Eq '^first response met [0-9-]+ [0-9:]+ · resolution due [0-9-]+ [0-9:]+$' \
    <<<"$(as sofia -c "select ccrm_ticket_sla($T2)")"
check "... and is empty for a partner, who may not read the clocks" \
    test "$(as paul -c "select '[' || ccrm_ticket_sla($T2) || ']'")" = "[]"
# a late answer: the clock breached, then met. The line said "met", the Dashboard "not in
# time"; now it says late and when it was due (also when no --tick marked the breach yet)
T3=$(as sofia -c "insert into tickets (subject, assignee) values ('Late', 'sofia') returning id" | head -1)
q "update sla_clocks set due_at = now() - interval '2 hours', breached_at = now() - interval '2 hours'
    where ticket_id = $T3 and kind = 'first_response'" >/dev/null
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'out', 'Sorry for the wait', $T3)"
check "a response after its breach is \"met late\", with its due time" \
    grep -Eq '^first response met late [0-9-]+ [0-9:]+ \(due [0-9-]+ [0-9:]+\) · resolution due ' \
    <<<"$(as sofia -c "select ccrm_ticket_sla($T3)")"
T4=$(as sofia -c "insert into tickets (subject, assignee) values ('Late, no tick', 'sofia') returning id" | head -1)
q "update sla_clocks set due_at = now() - interval '1 hour' where ticket_id = $T4 and kind = 'first_response'" >/dev/null
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'out', 'Here we are', $T4)"
check "... also past its due time before any breach was marked" \
    grep -Eq '^first response met late ' <<<"$(as sofia -c "select ccrm_ticket_sla($T4)")"
q "delete from tickets where id in ($T3, $T4)" >/dev/null # not in the scheduler's counts below
check "the deciding clock of the ticket is the open resolution clock" \
    test "$(q "select kind from sla_clocks where ticket_id = $T2 and current")" = resolution
as sofia -c "update tickets set status = 'solved' where id = $T2"
check "solved meets every clock, and no clock decides its time left" \
    test "$(st),$(q "select count(*) from sla_clocks where ticket_id = $T2 and current")" = "first_response:met,next_response:met,resolution:met,0"
as sofia -c "update tickets set status = 'open' where id = $T2"
check "reopened: the resolution clock runs on, the responses stay met" \
    test "$(st)" = "first_response:met,next_response:met,resolution:running"
check "... and decides the time left again" test "$(q "select kind from sla_clocks where ticket_id = $T2 and current")" = resolution
as sofia -c "update tickets set status = 'closed' where id = $T2"
check "a ticket inserted solved gets no clocks" \
    test "$(q "select count(*) from sla_clocks where ticket_id = (select id from tickets where id = $(as sofia -c "insert into tickets (subject, status) values ('Done already', 'solved') returning id" | head -1))")" = 0
U=$(as mia -c "insert into sla_policies (name, calendar_id, first_response_min, resolution_min, priorities, position) values ('T Urgent', $B24, 15, 120, '{urgent}', 10) returning id" | head -1)
T3=$(as sofia -c "insert into tickets (subject, assignee) values ('Gets urgent', 'sofia') returning id" | head -1)
as sofia -c "update tickets set priority = 'urgent' where id = $T3"
check "a priority change brings the other policy's targets" \
    test "$(q "select string_agg(kind || ':' || target_min || ':' || (policy_id = $U), ',' order by kind) from sla_clocks where ticket_id = $T3")" = "first_response:15:true,resolution:120:true"
check "... and due times on its calendar (24/7: 15 minutes from the start)" \
    test "$(q "select round(extract(epoch from due_at - running_since)) from sla_clocks where ticket_id = $T3 and kind = 'first_response'")" = 900
as mia -c "update sla_policies set first_response_min = 30 where id = $U"
check "a changed policy target moves the unmet clocks" \
    test "$(q "select round(extract(epoch from due_at - running_since)) from sla_clocks where ticket_id = $T3 and kind = 'first_response'")" = 1800

# several interactions in one statement (an import, a mail batch): taken in order, row by row
T4=$(as sofia -c "insert into tickets (subject, assignee) values ('Batch A', 'sofia') returning id" | head -1)
T5=$(as sofia -c "insert into tickets (subject, assignee) values ('Batch B', 'sofia') returning id" | head -1)
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values
    ('email', 'out', 'Answer A', $T4), ('email', 'in', 'Question again A', $T4),
    ('email', 'in', 'Question B', $T5), ('email', 'in', 'Question B again', $T5)" >/dev/null
kinds() { q "select string_agg(kind || ':' || case when met_at is not null then 'met' when running_since is not null then 'running' else 'paused' end || case when current then '*' else '' end, ',' order by kind, id) from sla_clocks where ticket_id = $1"; }
first_due() { q "select kind from sla_clocks where ticket_id = $1 and met_at is null order by coalesce(due_at, 'infinity'), id limit 1"; }
check "one statement, an answer then a question: the first response met, a next response started" \
    grep -Eq '^first_response:met,next_response:running\*?,resolution:running\*?$' <<<"$(kinds $T4)"
check "... and one clock decides, the open one due first ($(first_due $T4))" \
    test "$(q "select string_agg(kind, ',') from sla_clocks where ticket_id = $T4 and current")" = "$(first_due $T4)"
check "one statement, two questions while the first answer is awaited: nothing changes" \
    test "$(kinds $T5)" = "first_response:running*,resolution:running"

# ---- the scheduler: breaches and warnings exactly once ----
# (the clocks above were driven by hand into the past: out of the way)
q "delete from sla_clocks where ticket_id in ($T, $T2, $T3)"
as ana -c "update users set manager = 'mia' where login in ('sofia', 'zoe')"
q "update sla_policies set active = false where id = $U"
# 90 tickets of zoe with both clocks already past due, 30 of sofia due in 20 minutes (warned)
as sam -c "insert into tickets (subject, assignee) select 'Late ' || g, 'zoe' from generate_series(1, 90) g"
as sam -c "insert into tickets (subject, assignee) select 'Soon ' || g, 'sofia' from generate_series(1, 30) g"
q "update sla_clocks k set running_since = now() - interval '1 day', due_at = now() - interval '1 minute', warn_at = now() - interval '31 minutes'
     from tickets t where t.id = k.ticket_id and t.subject like 'Late %'"
q "update sla_clocks k set warn_at = now() - interval '1 minute', due_at = now() + interval '20 minutes'
     from tickets t where t.id = k.ticket_id and t.subject like 'Soon %'"
late=$(q "select count(*) from sla_clocks k join tickets t on t.id = k.ticket_id where t.subject like 'Late %'")
soon=$(q "select count(*) from sla_clocks k join tickets t on t.id = k.ticket_id where t.subject like 'Soon %'")
check "fixtures: $late clocks past due, $soon about to be" test "$late,$soon" = "180,60"
inbox0=$(q "select coalesce(max(id), 0) from inbox")

# a scheduler that dies in the middle: it claims everything, then is killed before commit
as ana -c "begin; select * from ccrm_tick(); select pg_sleep(60); commit" >/dev/null 2>&1 &
killed=$!
for i in $(seq 100); do
    [ "$(q "select count(*) from pg_stat_activity where usename = 'ana' and wait_event = 'PgSleep'")" = 1 ] && break
    sleep 0.1
done
check "a scheduler holds its claims (in a transaction not committed yet)" \
    test "$(q "select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid where a.usename = 'ana' and l.relation = 'sla_clocks'::regclass")" -ge 1
b1=$(as sofia -c "select string_agg(done::text, ',' order by work) from ccrm_tick() where work in ('breaches', 'warnings')")
check "a second scheduler meanwhile skips what the first holds (announced $b1)" test "$b1" = "0,0"
q "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'ana' and query like '%pg_sleep%'" >/dev/null
wait $killed 2>/dev/null
check "the killed scheduler sent nothing" test "$(q "select count(*) from inbox where id > $inbox0 and kind like 'sla_%'")" = 0
# three schedulers at once pick up after it
for s in sofia kenji ana; do
    as $s -c "select string_agg(work || '=' || done, ' ') from ccrm_tick()" >"$TEST_TMP/tick.$s" 2>&1 &
done
wait
sum=$(cat "$TEST_TMP"/tick.* | tr ' ' '\n' | awk -F= '$1 == "breaches" {b += $2} $1 == "warnings" {w += $2} END {print b "," w}')
check "three schedulers at once: $late breaches and $soon warnings announced in all ($sum)" test "$sum" = "$late,$soon"
check "every clock past due is breached at its due time, and announced once" \
    test "$(q "select count(*) from sla_clocks k join tickets t on t.id = k.ticket_id where t.subject like 'Late %' and breached_at = due_at and breach_notified_at is not null")" = "$late"
check "the assignee has one line per ticket (both clocks counted on it)" \
    test "$(q "select count(*) || ',' || sum(count) from inbox where id > $inbox0 and login = 'zoe' and kind = 'sla_breach'")" = "90,180"
check "... and so have the team lead and the policy's escalation contact" \
    test "$(q "select string_agg(login || ':' || n, ',' order by login) from (select login, sum(count) n from inbox where id > $inbox0 and kind = 'sla_breach' group by login) x")" = "mia:180,oskar:180,zoe:180"
check "breach notices come from nobody (the system) and say what and when" \
    test "$(q "select count(*) from inbox where id > $inbox0 and kind = 'sla_breach' and from_login is null and note ~ '^ticket #[0-9]+ Late [0-9]+: (first response|resolution) target breached at 20[0-9-]+ [0-9:]+( · ticket #[0-9]+ Late [0-9]+: (first response|resolution) target breached at 20[0-9-]+ [0-9:]+)?$'")" = 270
q "select ccrm_inbox_deliver_many(array['zoe', 'zoe'], array['sla_breach', 'sla_breach'], array['tickets', 'tickets'],
     array[999999, 999999]::bigint[], array['first response target breached', 'resolution target breached'])" >/dev/null
check "two of a kind at once on one record: one line, counted, naming both" \
    test "$(q "select count || '|' || note from inbox where login = 'zoe' and entity_id = 999999")" = \
         "2|first response target breached · resolution target breached"
check "a breached clock gets no warning on top" \
    test "$(q "select count(*) from inbox where id > $inbox0 and kind = 'sla_warning' and note like '%Late %'")" = 0
check "warnings: the assignee and the lead (not the escalation contact), once per ticket" \
    test "$(q "select string_agg(login || ':' || n, ',' order by login) from (select login, count(*) || '/' || sum(count) n from inbox where id > $inbox0 and kind = 'sla_warning' group by login) x")" = "mia:30/60,sofia:30/60"
check "a fourth run finds nothing to do" \
    test "$(as zoe -c "select string_agg(done::text, ',' order by work) from ccrm_tick() where work in ('breaches', 'warnings')")" = "0,0"
# a partner assigned before migration 045 refused it: no SLA notices reach him
PT=$(as sofia -c "insert into tickets (account_id, subject, priority, queue)
                  select account_id, 'Partner assigned late', priority, queue from tickets
                   where subject like 'Late %' limit 1 returning id" | head -1)
q "set session_replication_role = replica; update tickets set assignee = 'paul' where id = $PT" >/dev/null
q "update sla_clocks set due_at = now() - interval '1 minute', warn_at = now() - interval '2 minutes' where ticket_id = $PT" >/dev/null
as zoe -c "select * from ccrm_tick()" >/dev/null
check "a partner assignee's breached ticket: its clocks are breached and announced" \
    test "$(q "select count(*) from sla_clocks where ticket_id = $PT and breach_notified_at is not null") $(q "select count(*) > 0 from inbox where entity_id = $PT and kind = 'sla_breach'")" = "2 t"
check "...but not to the partner" test "$(q "select count(*) from inbox where entity_id = $PT and login = 'paul'")" = 0
q "set session_replication_role = replica; update tickets set assignee = null where id = $PT" >/dev/null
out=$("$CCRM" -d "$DB user=sofia" --tick --verbose)
check "ccrm --tick says what it did ($out)" test "$out" = "ccrm: tick: 0 breaches, 0 warnings, 0 reminders, 0 digests"
check "ccrm --tick is silent in cron (no terminal)" test -z "$("$CCRM" -d "$DB user=sofia" --tick)"
"$CCRM" -d "$DB user=paul" --tick 2>"$TEST_TMP/e"
check "a partner may not run the scheduler (exit 77)" test "$?,$(grep -c 'permission denied for function ccrm_tick' "$TEST_TMP/e")" = "77,1"

# ---- the Tickets list by time left ----
page=$(q "select string_agg(ticket_id::text, ',' order by coalesce(due_at, 'infinity'), ticket_id) from sla_clocks where current")
got=""
key="NULL::timestamptz, NULL::bigint"
while :; do
    rows=$(q "select ticket_id || '|' || coalesce(due_at::text, 'infinity') from ccrm_sla_time_left_page($key, 7)")
    [ -z "$rows" ] && break
    got="$got${got:+,}$(cut -d'|' -f1 <<<"$rows" | paste -sd,)"
    last=$(tail -n1 <<<"$rows")
    d=${last#*|}
    [ "$d" = infinity ] && key="NULL::timestamptz, ${last%%|*}" || key="'$d'::timestamptz, ${last%%|*}"
done
check "paging by time left (7 a page) walks every ticket with a clock once, in order" test "$got" = "$page"
check "the breached filter: exactly the tickets whose deciding clock is breached" \
    test "$(q "select count(*) from ccrm_sla_time_left_page(null, null, 10000, true)")" = "$(q "select count(*) from sla_clocks where current and (breached_at is not null or due_at <= now())")"
# (whether the index can serve the page, not whether the planner prefers it for today's few
# rows: on a weekend most office-hours clocks are due on Monday, and a sort looks cheaper)
plan=$(q "set enable_seqscan = off; set enable_sort = off; explain (costs off) select k.ticket_id from sla_clocks k where k.current and (coalesce(k.due_at, 'infinity'), k.ticket_id) > (now(), 5::bigint) order by coalesce(k.due_at, 'infinity'), k.ticket_id limit 50")
check "the page is an index range on sla_clocks_time_left_idx" grep -q 'sla_clocks_time_left_idx' <<<"$plan"
check "compliance per kind" \
    test "$(q "select count(*) from sla_compliance where kind in ('first_response', 'resolution') and clocks > 0")" = 2
# the share in time is of the decided clocks (met, or past due while running), never over
# 100 %; late by the times (met after the due time, open past it), marked by --tick or not
expect=$(q "select string_agg(kind || '=' || coalesce(round(100.0 * count_in / nullif(decided, 0), 1)::text, '-'), ' ' order by kind)
              from (select kind, count(*) filter (where met_at is not null and not late) as count_in,
                           count(*) filter (where met_at is not null or late) as decided
                      from (select kind, met_at,
                                   coalesce(breached_at is not null or met_at > due_at
                                            or (met_at is null and due_at <= now()), false) as late
                              from sla_clocks where started_at > now() - interval '30 days') c
                     group by kind) x")
got=$(q "select string_agg(kind || '=' || coalesce(percent_in_time::text, '-'), ' ' order by kind) from sla_compliance")
check "compliance: in time of the decided clocks ($got)" test "$got" = "$expect"
check "compliance never over 100 %" test "$(q "select count(*) from sla_compliance where percent_in_time > 100")" = 0

# ---- who may touch what ----
for u in sam sofia marco; do
    out=$(err $u "insert into sla_policies (name, calendar_id, resolution_min) values ('x', $B, 1)")
    check "$u may not write SLA policies" grep -q 'permission denied for table sla_policies' <<<"$out"
done
for u in sam mia ana; do
    out=$(err $u "update sla_clocks set breached_at = null")
    check "$u may not change SLA clocks" grep -q 'permission denied for table sla_clocks' <<<"$out"
done
check "every internal user reads the clocks" test "$(as marco -c "select count(*) > 0 from sla_clocks")" = t
out=$(err paul "select count(*) from sla_clocks")
check "partners read no SLA clocks" grep -q 'permission denied for table sla_clocks' <<<"$out"
out=$(err ana "select ccrm_delete('calendars', array[$B]::bigint[])")
check "a calendar in use by a policy cannot be removed" grep -q 'violates foreign key constraint' <<<"$out"

# ---- a partner's interactions move no clock: the service levels are the company's own
PACC=$(q "select id from accounts order by id limit 1")
"$CCRM" -d "$PG_CONN" --share "$PACC" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "sharing account $PACC"
PT2=$(as sofia -c "insert into tickets (subject, account_id, assignee) values ('Partner clocks', $PACC, 'sofia') returning id" | head -1)
pst() { q "select string_agg(kind || ':' || case when met_at is not null then 'met' when running_since is not null then 'running' else 'paused' end, ',' order by kind, id) from sla_clocks where ticket_id = $PT2"; }
check "the partner sees the shared account's ticket" test "$(as paul -c "select count(*) from tickets where id = $PT2")" = 1
as paul -c "insert into interactions (kind, direction, subject, account_id, ticket_id) values ('call', 'out', 'partner called', $PACC, $PT2)" >/dev/null
check "a partner's answer does not meet our first response" test "$(pst)" = "first_response:running,resolution:running"
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('email', 'out', 'On it', $PT2)" >/dev/null
as paul -c "insert into interactions (kind, direction, subject, account_id, ticket_id) values ('call', 'in', 'customer rang the partner', $PACC, $PT2)" >/dev/null
check "... nor does a partner's incoming call start a next-response clock" \
    test "$(pst)" = "first_response:met,resolution:running"
PT3=$(as sofia -c "insert into tickets (subject, assignee) values ('Note clocks', 'sofia') returning id" | head -1)
as sofia -c "insert into interactions (kind, direction, subject, ticket_id) values ('note', 'out', 'need to check the logs', $PT3)" >/dev/null
check "an internal note marked out is no answer to the customer" \
    test "$(q "select count(*) from sla_clocks where ticket_id = $PT3 and met_at is not null")" = 0

# ---- a target raised after the breach: the clock is no longer breached; it breaches again,
#      once, when the new due time passes too
L=$(as mia -c "insert into sla_policies (name, calendar_id, first_response_min, priorities, position) values ('T Loosen', $B24, 60, '{high}', 1) returning id" | head -1)
LT=$(as sofia -c "insert into tickets (subject, assignee, priority) values ('Loosened', 'sofia', 'high') returning id" | head -1)
LC=$(q "select id from sla_clocks where ticket_id = $LT and kind = 'first_response' and policy_id = $L")
q "update sla_clocks set started_at = now() - interval '2 hours', running_since = now() - interval '2 hours' where id = $LC;
   select ccrm_sla_recompute(array[$LC])" >/dev/null
as ana -c "select * from ccrm_tick()" >/dev/null
br() { q "select (breached_at is not null)::text || ' ' || (breach_notified_at is not null)::text || ' ' || (due_at > now())::text from sla_clocks where id = $LC"; }
check "two hours into a one-hour target: breached and told" test "$(br)" = "true true false"
as mia -c "update sla_policies set first_response_min = 600 where id = $L"
check "the target raised to ten hours: due ahead, no longer breached" test "$(br)" = "false false true"
as ana -c "select * from ccrm_tick()" >/dev/null
check "...and the scheduler does not breach it again" test "$(br)" = "false false true"
n0=$(q "select sum(count) from inbox where kind = 'sla_breach' and entity_id = $LT")
as mia -c "update sla_policies set first_response_min = 60 where id = $L"
as ana -c "select * from ccrm_tick()" >/dev/null
check "lowered again: breached again, and each person told once more ($n0 told the first time)" \
    test "$(br) $(q "select sum(count) from inbox where kind = 'sla_breach' and entity_id = $LT")" = "true true false $((n0 * 2))"

# ---- a new policy in the statement that reopens, and the next response under the policy of now (091) ----
EA=$(q "select min(id) from accounts")
UP=$(as mia -c "insert into sla_policies (name, calendar_id, first_response_min, next_response_min, resolution_min, priorities, position)
                values ('T Reopen urgent', $B24, 20, 25, 90, '{urgent}', 2) returning id" | head -1)
T1=$(as sofia -c "insert into tickets (subject, priority, account_id) values ('SLA reopen urgent', 'normal', $EA) returning id" | head -1)
as sofia -c "update tickets set status = 'solved' where id = $T1" >/dev/null
as sofia -c "update tickets set status = 'open', priority = 'urgent' where id = $T1" >/dev/null
check "reopened as urgent in one statement: the resolution clock is under the urgent policy, running" \
    test "$(q "select policy_id || ' ' || target_min || ' ' || (met_at is null) || ' ' || (due_at is not null) from sla_clocks where ticket_id = $T1 and kind = 'resolution'")" = \
         "$UP $(q "select resolution_min from sla_policies where id = $UP") true true"
T2=$(as sofia -c "insert into tickets (subject, priority, account_id) values ('SLA next under urgent', 'normal', $EA) returning id" | head -1)
as sofia -c "insert into interactions (kind, channel, direction, subject, ticket_id, account_id) values ('call', 'phone', 'out', 'answered', $T2, $EA)" >/dev/null
as sofia -c "update tickets set priority = 'urgent' where id = $T2" >/dev/null
as sofia -c "insert into interactions (kind, channel, direction, subject, ticket_id, account_id) values ('call', 'phone', 'in', 'again', $T2, $EA)" >/dev/null
check "raised to urgent after the first response: the next question's clock is the urgent policy's" \
    test "$(q "select policy_id || ' ' || target_min from sla_clocks where ticket_id = $T2 and kind = 'next_response'")" = \
         "$UP $(q "select next_response_min from sla_policies where id = $UP")"

# ---- hours ending in the hour the spring clock change skips count once (092) ----
DC=$(as mia -c "insert into calendars (name, time_zone, hours) values ('T DST gap', 'Europe/Berlin', 'sun 01:00-02:30, 03:00-05:00') returning id" | head -1)
check "a calendar's spans never overlap (the Berlin spring Sunday, hours into the skipped hour)" \
    test "$(q "select count(*) from calendar_spans a join calendar_spans b on b.calendar_id = a.calendar_id and b.starts > a.starts and b.starts < a.ends where a.calendar_id = $DC")" = 0
check "...and that day has its 180 business minutes (01:00-02:00 CET, 03:00-05:00 CEST)" \
    test "$(q "select ccrm_business_minutes($DC, '2026-03-28 00:00Z', '2026-03-30 00:00Z')::int")" = 180
check "...100 business minutes from 01:30 CET end at 04:10 CEST" \
    test "$(q "select ccrm_business_add($DC, '2026-03-29 00:30Z', 100) = '2026-03-29 02:10Z'")" = t

# ---- a digest is never due in the future, around a clock change (094) ----
q "update inbox_settings set time_zone = 'Europe/Berlin', digest_at = '02:30', quiet_from = null, quiet_until = null where login = 'zoe'" >/dev/null
q "insert into inbox_settings (login, time_zone, digest_at) select 'zoe', 'Europe/Berlin', '02:30' where not exists (select 1 from inbox_settings where login = 'zoe')" >/dev/null
check "digest at 02:30 Berlin: never due after the moment asked about (spring and autumn Sundays)" \
    test "$(q "select count(*) from unnest(array['2026-03-29 01:10Z', '2026-03-29 01:29Z', '2026-10-25 00:45Z', '2026-10-25 01:35Z', '2026-06-01 00:31Z']::timestamptz[]) p where ccrm_digest_due('zoe', p) > p")" = 0
check "...and due at 02:30 on an ordinary day" \
    test "$(q "select ccrm_digest_due('zoe', '2026-06-01 00:31Z') = '2026-06-01 00:30Z'")" = t

done_testing
