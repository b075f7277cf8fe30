#!/usr/bin/env bash
# Service levels edited in the client (registry lists and forms over sla_policies and
# calendars): management lowers the Standard policy's first-response target in its form and a
# new ticket's due time follows it; a new policy with a list of priorities (checked item by
# item in the form) and a calendar found by typing decides for new tickets of those
# priorities; a holiday added to a calendar closes that day (no business minutes); support
# reads the policies, and the form says read-only and the database refuses its save.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla_admin.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
std=$(q "select id from sla_policies where name = 'Standard'")
berlin=$(q "select id from calendars where name = 'Berlin office'")
check "the demo's Standard policy answers first in 240 business minutes" \
    sql_is "select first_response_min from sla_policies where id = $std" 240
# a new normal ticket without account or queue: the Standard policy's
new_ticket() { as sofia -c "insert into tickets (subject, priority) values ('$1', '$2') returning id" | head -1; }
first() { q "select k.policy_id || ' ' || k.target_min || ' ' ||
                    (k.due_at = ccrm_business_add(p.calendar_id, k.started_at, $2))
               from sla_clocks k join sla_policies p on p.id = k.policy_id
              where k.ticket_id = $1 and k.kind = 'first_response'"; }
t0=$(new_ticket "Before the change" normal)
check "before: a new ticket is due in 240 business minutes" sql_is "select '$(first "$t0" 240)'" "$std 240 true"

# the session's zone is UTC, mia's own is not: times on screen are in hers
check "mia's time zone is not UTC" sql_is "select ccrm_user_tz('mia') <> 'UTC'" t
tui_start 140 34 env PGTZ=UTC "$CCRM" -d "$DB user=mia"
check "mia's client is up" wait_for " online "
prompt "sla"
check ":sla lists the policies in the order they are tried" wait_for "SLA policies by position"
check "... with their targets in business time" line_has "Standard" "first 4h"
check "... and conditions" line_has "Urgent, around the clock" "priority urgent"
keys /
keys -l "Standard"
keys Enter
check "the search finds it" line_has "Standard" "Berlin office"
keys Enter
check "Enter opens its detail: the targets" line_has "First reply" "4h"
check "... its calendar" line_has "Calendar" "Berlin office"
check "... who changed it" line_has "mia" "created"
keys e
check "e opens its form" wait_for "Edit SLA policy #$std"
check "... with its calendar by name" wait_for "Berlin office"
keys Down Down Down Down Down Down C-u
keys -l 15
keys C-s
check "the change is saved" wait_for "saved SLA policy #$std"
check "... in the database" sql_is "select first_response_min from sla_policies where id = $std" 15
check "the detail shows the new target" line_has "First reply" "15m"
check "... and the change" line_has "mia" "changed first response min 240 → 15"
upd=$(q "select to_char(updated_at at time zone ccrm_user_tz('mia'), 'YYYY-MM-DD HH24:MI')
         from sla_policies where id = $std")
check "... when it was updated, in mia's time zone" line_has "Updated" "mia at $upd"
check "... as the change's line says it" line_has "changed first response min 240 → 15" "$upd"
keys q
check "the list shows it" line_has "Standard" "first 15m"
t1=$(new_ticket "After the change" normal)
check "a new ticket is now due in 15 business minutes" sql_is "select '$(first "$t1" 15)'" "$std 15 true"

# a new policy: a list of priorities, a calendar found by typing
keys Escape
keys n
check "n opens a new policy's form" wait_for "New SLA policy"
keys -l "Highs fast"
keys Down C-u
keys -l 5
keys Down
keys -l "High, asap"
keys C-s
check "an item that is no priority is refused in the form" wait_for "\"asap\""
check "... nothing is written" sql_is "select count(*) from sla_policies where name = 'Highs fast'" 0
keys C-u
keys -l "High, urgent, high"
keys Down Down Down
keys -l "Hotline"
check "the calendar is searched" wait_for "24/7"
keys Enter # takes it and moves on
keys -l 5
keys C-s
check "the policy is saved" wait_for "saved SLA policy #"
hf=$(q "select id from sla_policies where name = 'Highs fast'")
check "... with its priorities as a list, once each" \
    sql_is "select priorities::text || ' ' || position || ' ' || first_response_min from sla_policies where id = $hf" \
    "{high,urgent} 5 5"
check "... on the calendar picked" \
    sql_is "select c.name from sla_policies p join calendars c on c.id = p.calendar_id where p.id = $hf" "Hotline 24/7"
check "... pausing as the column's default does" sql_is "select pause_statuses::text from sla_policies where id = $hf" "{pending}"
t2=$(new_ticket "Hot one" high)
check "a new high ticket falls under it: due in 5 business minutes" sql_is "select '$(first "$t2" 5)'" "$hf 5 true"
t3=$(new_ticket "Calm one" normal)
check "a normal one still under Standard" sql_is "select split_part('$(first "$t3" 15)', ' ', 1)" "$std"

# a holiday added to the Berlin calendar: that working day has no business minutes any more
day=$(date -u -d 'next wednesday + 7 days' +%Y-%m-%d)
# (one the demo listed: its holidays are those of the years around the day it was loaded)
other=$(q "select min(d) from calendars, unnest(holidays) d where id = $berlin")
mins() { q "select ccrm_business_minutes($berlin, timestamp '$day 00:00' at time zone 'Europe/Berlin',
                                         timestamp '$day 00:00' at time zone 'Europe/Berlin' + interval '1 day')"; }
check "before: $day has 600 business minutes in Berlin" sql_is "select $(mins)::int" 600
prompt "calendars"
check ":calendars lists the calendars" wait_for "Calendars by name"
check "... with their hours" line_has "Berlin office" "mon-fri 08:00-18:00"
keys /
keys -l "Berlin"
keys Enter
keys Enter
check "Enter opens the calendar's detail" line_has "Hours" "mon-fri 08:00-18:00"
check "... with the policies on it" wait_for "#100 Standard"
keys e
check "e opens its form" wait_for "Edit calendar #$berlin"
keys Down Down Down
keys -l ", $day"
keys C-s
check "the holiday is saved" wait_for "saved calendar #$berlin"
check "the detail lists it among the coming closed days" line_has "Coming" "$day"
upd=$(q "select to_char(updated_at at time zone ccrm_user_tz('mia'), 'YYYY-MM-DD HH24:MI')
         from calendars where id = $berlin")
check "... and when it was updated, in mia's time zone" line_has "Updated" "mia at $upd"
check "... in the database" sql_is "select '$day' = any (holidays) from calendars where id = $berlin" t
check "... the other holidays kept ($other)" sql_is "select '$other' = any (holidays) from calendars where id = $berlin" t
check "$day has no business minutes now" sql_is "select $(mins)::int" 0
keys q
tui_stop

# support reads the policies; the database refuses its save
tui_start 140 34 "$CCRM" -d "$DB user=sofia"
check "sofia's client is up" wait_for " online "
prompt "sla"
check "support sees the policies" line_has "Highs fast" "priority high, urgent"
keys /
keys -l "Highs"
keys Enter
keys Enter
check "the detail opens" line_has "First reply" "5m"
keys e
check "e says at once that the role may not change SLA policies" wait_for "e edit is not available to your role"
prompt "edit"
check ":edit opens the form read-only" wait_for "read-only: your role may not change SLA policies"
keys Down C-u
keys -l 1
keys C-s
check "the database refuses the save" wait_for "not saved"
check "nothing was written" sql_is "select position from sla_policies where id = $hf" 5
keys Escape
check "leaving asks about the changes" wait_for "discard your changes? y/n" 5
keys y
check "the refused form is given up" wait_gone "Edit SLA policy" 5
tui_stop
done_testing
