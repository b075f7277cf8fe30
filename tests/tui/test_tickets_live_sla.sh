#!/usr/bin/env bash
# The Tickets list follows its SLA clocks live: a call logged on a ticket (another client's,
# written while the list is on screen) meets its response clock, and the Left column shows the
# next clock's time at once; with the breached filter on, `ccrm --tick` marking a breach brings
# the ticket in, and an answer that meets the breached clock takes it out. The clocks write
# one "sla_clocks" event a ticket for this (schema/functions/90_service.sql, ccrm_sla_event):
# partners do not read them, the Feed does not list them, and a list re-reads only when the
# ticket can show in its window.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_tickets_live_sla.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
trace=$TEST_TMP/trace
# what the demo has breached already is marked first, before the client starts
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
# sla_ticket SUBJECT: a ticket whose first response clock runs and decides its time left, not
# breached, with a resolution clock that runs too; both due far ahead (the first response in
# 9h 40m, the resolution in 4d 7h 30m). Prints its id.
sla_ticket() {
    local t
    t=$(q "select k.ticket_id from sla_clocks k
            where k.current and k.kind = 'first_response' and k.running_since is not null
              and k.breached_at is null
              and exists (select 1 from sla_clocks r where r.ticket_id = k.ticket_id
                             and r.kind = 'resolution' and r.running_since is not null)
              and not exists (select 1 from tickets x where x.id = k.ticket_id
                                 and x.subject like 'Live SLA %')
            order by k.ticket_id limit 1")
    [ -n "$t" ] || fail "the demo has a ticket with a running first response clock"
    q "update tickets set subject = '$1' where id = $t;
       update sla_clocks set due_at = now() + interval '9 hours 40 minutes', warn_at = NULL
        where ticket_id = $t and kind = 'first_response';
       update sla_clocks set due_at = now() + interval '4 days 7 hours 30 minutes',
              warn_at = NULL, breached_at = NULL
        where ticket_id = $t and kind = 'resolution';
       select ccrm_sla_current(array[$t::bigint])" >/dev/null
    echo "$t"
}
# call TICKET: mia logs an outgoing call on it (our answer: it meets the response clock)
call() {
    as mia -c "insert into interactions (kind, direction, ticket_id, subject)
               values ('call', 'out', $1, 'Called back') returning id"
}
decisions() { grep -c "^$1 " "$trace" 2>/dev/null; }
# row_has TEXT1 [TEXT2]: a row of the list (not the toast below it) holds both
row_has() { screen | head -n -2 | grep -F -- "$1" | grep -qF -- "${2:-$1}"; }
# wait_row TEXT1 [TEXT2] / wait_no_row TEXT: until a row has them / none has it (10 s)
wait_row() { wait_until -t 10 row_has "$@" || { screen >&2 && return 1; }; }
wait_no_row() { wait_until -t 10 eval "! row_has '$1'" || { screen >&2 && return 1; }; }

ta=$(sla_ticket "Live SLA answered")
tb=$(sla_ticket "Live SLA breached")
tc=$(sla_ticket "Live SLA elsewhere")

tui_start 160 30 env CCRM_TRACE="$trace" "$CCRM" -d "$DB user=sofia" --view tickets
check "the Tickets list is up" wait_for "Tickets by updated"
check "the ticket's time left is its first response clock's" wait_row "Live SLA answered" "9h 3"

# (a) another person logs a call: the list shows the resolution clock's time left
id=$(call "$ta")
check "the call met the first response clock" \
    sql_is "select met_at is not null from sla_clocks where ticket_id = $ta and kind = 'first_response'" t
check "the list shows the next clock's time left, live" wait_row "Live SLA answered" "4d 7h"

# (b) with the breached filter on, the scheduler's breach brings the ticket in
prompt "filter breached"
check "the breached filter is on" wait_for "filter breached"
check "the ticket is not breached yet" wait_no_row "Live SLA breached"
q "update sla_clocks set due_at = now() - interval '2 minutes'
    where ticket_id = $tb and kind = 'first_response'" >/dev/null
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
check "the scheduler marked the breach" \
    sql_is "select breached_at is not null from sla_clocks where ticket_id = $tb and current" t
check "the newly breached ticket appears, live, marked past due" wait_row "Live SLA breached" "! -"

# a clock that moves on a ticket the filter keeps out: no re-read (the toast is the call's)
rr=$(decisions reread)
id=$(call "$tc")
check "the call elsewhere is toasted" wait_for "#$id call: Called back" 10
check "... and the list is not re-read" test "$(decisions reread)" = "$rr"

# an answer meets the breached clock: the resolution clock decides now, and it is not breached
id=$(call "$tb")
check "the answered ticket leaves the breached list, live" wait_no_row "Live SLA breached"
check "... after a re-read" test "$(decisions reread)" -gt "$rr"

# the events: one a ticket, for the company only
check "the clocks' events name the tickets" \
    sql_is "select count(distinct entity_id) from events where entity = 'sla_clocks'
             and entity_id in ($ta, $tb, $tc)" 3
check "... filed under no account" \
    sql_is "select count(*) from events where entity = 'sla_clocks' and account_id is not null" 0
check "support reads them" \
    test "$(as sofia -c "select count(*) > 0 from events where entity = 'sla_clocks'")" = t
check "... a partner does not" \
    sql_is "select 0" "$(as paul -c "select count(*) from events where entity = 'sla_clocks'")"
keys q
done_testing
