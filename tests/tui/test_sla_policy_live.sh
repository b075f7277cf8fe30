#!/usr/bin/env bash
# A ticket's SLA due time follows its policy and calendar live: when management changes a
# policy's targets or a calendar's holidays, the unmet clocks under them move in the database
# (ccrm_sla_policy_sync, ccrm_calendar_sync), and the support agent's open Tickets list shows
# the new time left at once, without a key press (its rows show the clocks: ENTITY_SLA_SHOWS).
# It kept counting down to the old due time until a new search. The ticket's detail shows the
# new due time too.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla_policy_live.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
urgent=$(q "select id from sla_policies where name = 'Urgent, around the clock'")
hot=$(q "select id from calendars where name = 'Hotline 24/7'")
check "the demo's urgent policy counts on the 24/7 calendar" \
    sql_is "select calendar_id from sla_policies where id = $urgent" "$hot"
# an urgent ticket without account or queue: the urgent policy's, its first response due in
# 30 minutes; it came in ten minutes ago
t=$(as sofia -c "insert into tickets (subject, priority) values ('Policy moves me', 'urgent')
                 returning id" | head -1)
q "update sla_clocks set started_at = started_at - interval '10 minutes',
          running_since = running_since - interval '10 minutes' where ticket_id = $t;
   select ccrm_sla_recompute(array(select id from sla_clocks where ticket_id = $t));
   select ccrm_sla_current(array[$t])" >/dev/null
check "its deciding clock is the first response, under the urgent policy" \
    sql_is "select kind || ' ' || policy_id from sla_clocks where ticket_id = $t and current" \
    "first_response $urgent"

due_ms() { q "select floor(extract(epoch from due_at) * 1000)::bigint from sla_clocks
              where ticket_id = $t and current"; }
# the Left column's text for the due time in the database, now (as time_left_text writes it)
span() {
    if (($1 >= 1440)); then echo "$(($1 / 1440))d $(($1 / 60 % 24))h"
    elif (($1 >= 60)); then echo "$(($1 / 60))h $(($1 % 60))m"
    else echo "$1m"; fi
}
left_text() {
    local left=$(($(due_ms) - $(date +%s%3N)))
    if ((left > 0)); then
        if ((left < 60000)); then echo "<1m"; else span $((left / 60000)); fi
    elif ((-left < 60000)); then echo "! due"
    else echo "! -$(span $((-left / 60000)))"; fi
}
# the ticket's row shows the time left to the due time the database has now
row_left_is_db() { screen | grep -F "Policy moves me" | grep -qF -- " $(left_text) "; }
row_left() { screen | grep -F "Policy moves me" | grep -oE '(! )?-?[0-9]+[dhm]( [0-9]+[hm])?|<1m|! due' | head -1; }

tui_start 140 30 "$CCRM" -d "$DB user=sofia" --view tickets
check "sofia's Tickets list is up" wait_for "Tickets by updated"
keys /
keys -l "Policy moves"
keys Enter
check "the ticket is found" wait_for "Policy moves me"
check "its time left: about 20 minutes" wait_until row_left_is_db
before=$(row_left)
check "... ($before)" grep -qE '^([0-9]|1[0-9]|20)m$' <<<"$before"

# the first response target down to one minute (the tester's 600 to 1): due nine minutes ago
as mia -c "update sla_policies set first_response_min = 1 where id = $urgent" >/dev/null
check "the clock is due in the past now" \
    sql_is "select due_at < now() - interval '8 minutes' from sla_clocks where ticket_id = $t and current" t
check "the open list shows it at once, overdue" wait_until -t 10 row_left_is_db
check "... ($(row_left))" grep -q '^! -' <<<"$(row_left)"

# and up to two hours (under the resolution's four: the first response still decides)
as mia -c "update sla_policies set first_response_min = 120 where id = $urgent" >/dev/null
check "two hours later: the list counts down from there" wait_until -t 10 row_left_is_db
check "... ($(row_left))" grep -qE '^1h [0-9]+m$' <<<"$(row_left)"

# a calendar's holidays: today and tomorrow closed on the hotline, the clock stands still
due0=$(due_ms)
today=$(q "select (now() at time zone 'Europe/Berlin')::date")
as mia -c "update calendars set holidays = holidays || array['$today'::date, '$today'::date + 1]
            where id = $hot" >/dev/null
check "the clock is due days later now" test "$(($(due_ms) - due0))" -gt 3600000
check "a calendar's change too: the list shows the new time left" wait_until -t 10 row_left_is_db
check "... ($(row_left))" grep -qE '^[0-9]+d [0-9]+h$' <<<"$(row_left)"

# the ticket's detail shows the due time, and follows a change
due_text() { q "select to_char(due_at at time zone ccrm_user_tz('sofia'), 'MM-DD HH24:MI')
                from sla_clocks where ticket_id = $t and kind = 'first_response'"; }
keys Enter
check "Enter opens the ticket" wait_for "ticket #$t"
check "its SLA line says when the first response is due" line_has "SLA" "first response due $(due_text)"
old=$(due_text)
as mia -c "update sla_policies set first_response_min = 60 where id = $urgent" >/dev/null
check "the due time moved" test "$(due_text)" != "$old"
check "the detail shows the new due time" wait_until -t 10 line_has "SLA" "first response due $(due_text)"
keys q
check "back in the list: its time left follows too" wait_until -t 10 row_left_is_db
keys q
tui_stop
done_testing
