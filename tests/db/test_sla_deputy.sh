#!/usr/bin/env bash
# SLA notices while the assignee is away (migration 113): the scheduler's breach and warning
# notices reach the deputy the absence names, besides the assignee and their lead; not a
# deputy of an absence that is over, and each notice once however often --tick runs.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla_deputy.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
tick() { "$CCRM" -d "$PG_CONN" --tick >/dev/null 2>&1 || fail "--tick"; }
notices() { q "select count(*) from inbox where login = '$1' and kind = '$2' and entity_id = $3"; }

# two of the demo's tickets past their first-response target, each with an assignee
read -r T1 A1 <<<"$(q "select t.id, t.assignee from tickets t join sla_clocks k on k.ticket_id = t.id
                       where k.kind = 'first_response' and k.met_at is null and k.due_at <= now()
                         and t.assignee is not null order by t.id limit 1" | tr '|' ' ')"
read -r T2 A2 <<<"$(q "select t.id, t.assignee from tickets t join sla_clocks k on k.ticket_id = t.id
                       where k.kind = 'first_response' and k.met_at is null and k.due_at <= now()
                         and t.assignee is not null and t.id <> $T1 order by t.id limit 1" | tr '|' ' ')"
check "the demo has two overdue tickets ($T1 of $A1, $T2 of $A2)" test -n "$T2"
# a deputy in the same department who is not the assignee nor their lead
D=$(q "select u.login from users u where u.department = 'support' and u.active and u.partner_org_id is null
         and u.login not in ('$A1', '$A2') and u.login is distinct from (select manager from users where login = '$A1')
         and u.login is distinct from (select manager from users where login = '$A2') order by 1 limit 1")
check "a deputy to name ($D)" test -n "$D"
# the first assignee away today, the second's absence over yesterday
q "insert into absences (login, starts_on, ends_on, deputy) values
     ('$A1', current_date - 1, current_date + 1, '$D')" >/dev/null || fail "absence"
if [ "$A2" != "$A1" ]; then
    q "insert into absences (login, starts_on, ends_on, deputy) values
         ('$A2', current_date - 10, current_date - 3, '$D')" >/dev/null || fail "absence 2"
fi
tick
check "the breach reaches the assignee who is away" test "$(notices "$A1" sla_breach "$T1")" -ge 1
check "... and the deputy their absence names" test "$(notices "$D" sla_breach "$T1")" = 1
if [ "$A2" != "$A1" ]; then
    check "an absence that is over names no one" test "$(notices "$D" sla_breach "$T2")" = 0
fi
tick
check "a second --tick tells the deputy nothing again" test "$(notices "$D" sla_breach "$T1")" = 1

# a warning: a clock of the away assignee's reaching its warning time
W=$(q "select k.id from sla_clocks k join tickets t on t.id = k.ticket_id
        where t.assignee = '$A1' and k.running_since is not null and k.breached_at is null
          and k.warned_at is null order by k.due_at limit 1")
if [ -z "$W" ]; then
    TW=$(q "insert into tickets (subject, assignee, priority) values ('Deputy warning', '$A1', 'urgent') returning id" | head -1)
    W=$(q "select id from sla_clocks where ticket_id = $TW and kind = 'first_response'")
fi
TW=$(q "select ticket_id from sla_clocks where id = $W")
q "update sla_clocks set warn_at = now() - interval '1 minute' where id = $W" >/dev/null
tick
check "the warning reaches the deputy too" test "$(notices "$D" sla_warning "$TW")" = 1
done_testing
