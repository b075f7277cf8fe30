#!/usr/bin/env bash
# Service levels in the Tickets list: the time left of a ticket's deciding SLA clock counts down
# on screen and turns red with a "!" at its due time, with no write and no key press (the
# client's timer); the sort by time left and the breached filter; the breach, written by the
# scheduler, lands in the team lead's Inbox once however often the scheduler runs; the
# Dashboard shows the compliance.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla_live.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# the scheduler of this test is `ccrm --tick` alone: what the demo has breached first
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
# a ticket whose clock runs, given to zoe (her lead is sofia), due in twenty seconds
t=$(q "select k.ticket_id from sla_clocks k where k.current and k.running_since is not null
       and k.breached_at is null order by k.due_at limit 1")
[ -n "$t" ] || fail "the demo has a ticket with a running clock"
q "update tickets set assignee = 'zoe', subject = 'Breach me live' where id = $t" >/dev/null
check "zoe's lead is sofia" sql_is "select manager from users where login = 'zoe'" sofia
# (20 s: the start, the sort and the search come first, also on a slow machine)
due=$(q "update sla_clocks set due_at = now() + interval '20 seconds', warn_at = NULL
         where ticket_id = $t and current returning extract(epoch from due_at)")
breaches() { q "select count(*) from inbox where login = '$1' and kind = 'sla_breach'
                and entity = 'tickets' and entity_id = $t"; }

tui_start 140 30 "$CCRM" -d "$DB user=sofia" --view tickets
check "the Tickets list is up" wait_for "Tickets by updated"
check "it has a Left column" wait_for " Left "
prompt "sort left"
check ":sort left" wait_for "Tickets by left"
keys /
keys -l "Breach me"
keys Enter
check "the ticket is found" wait_for "Breach me live"
check "less than a minute left" line_has "Breach me live" "<1m"
line=$(tmx capture-pane -t =t: -p -e | grep "Breach me live")
check "... in yellow" grep -q '33m\|;33' <<<"$line"
check "at its due time the row says it is due, marked" wait_until -t 45 line_has "Breach me live" "! due"
seen=$(date +%s.%N)
check "... not before" awk -v a="$seen" -v b="$due" 'BEGIN { exit !(a >= b - 0.2) }'
line=$(tmx capture-pane -t =t: -p -e | grep "Breach me live")
check "... in red" grep -q '31m\|;31' <<<"$line"
check "nobody wrote anything: the clock is not breached in the database yet" \
    sql_is "select breached_at is null from sla_clocks where ticket_id = $t and current" t

inbox0=$(q "select count(*) from inbox where login = 'sofia' and read_at is null")
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
check "the scheduler marked the breach" \
    sql_is "select breached_at is not null from sla_clocks where ticket_id = $t and current" t
check "it is in the lead's Inbox" sql_is "select $(breaches sofia)" 1
check "... and the assignee's" sql_is "select $(breaches zoe)" 1
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
check "three runs: still once" sql_is "select $(breaches sofia)" 1
inbox1=$(q "select count(*) from inbox where login = 'sofia' and read_at is null")
check "the Inbox tab counts it, live" wait_for "Inbox ($inbox1)"
check "(one more than before)" test "$inbox1" -gt "$inbox0"
prompt "filter breached"
check "the breached filter keeps it" wait_for "filter breached"
check "... the ticket is there" line_has "Breach me live" "! "
keys Enter
kind=$(q "select replace(kind, '_', ' ') from sla_clocks where ticket_id = $t and current")
check "its detail names the breached clock on its SLA line" wait_until line_has "SLA" "$kind breached"
keys Escape
check "back in the list" wait_for "filter breached"
keys Escape
keys 8
check "the Inbox lists the breach" line_has "sla breach" "#$t"
keys 9
check "the Dashboard shows the SLA compliance" wait_for "SLA, last 30 days"
check "... per kind of clock" wait_for "first response"
keys q

# a partner may not read SLA clocks (schema/019): its Tickets list leaves them out
pt=$(q "select k.ticket_id from sla_clocks k where k.current and k.ticket_id <> $t
        order by k.ticket_id limit 1")
q "insert into account_shares (account_id, partner_org_id)
   select t.account_id, u.partner_org_id from tickets t, users u
    where t.id = $pt and u.login = 'paul' and t.account_id is not null
      and not exists (select 1 from account_shares s where s.account_id = t.account_id
                                                      and s.partner_org_id = u.partner_org_id);
   update tickets set subject = 'Partner sees this' where id = $pt" >/dev/null
check "a ticket on an account shared with the partner has a clock" \
    sql_is "select count(*) from sla_clocks k join tickets t on t.id = k.ticket_id
            where t.subject = 'Partner sees this' and k.current" 1
client p 140 30 "$CCRM" -d "$DB user=paul" --view tickets
check "the partner's Tickets list is up" wait_in p "Tickets by updated"
check "... and lists its tickets" wait_in p "Partner sees this"
check "... not refused" gone_in p "not available to your role" 1
check "... without the clocks' due times" test -z "$(screen_of p | grep '^#[0-9]' | grep -E '! due|! -|[0-9]+m ')"
prompt_in p "filter breached"
check "the breached filter is not offered to a partner" wait_in p '"breached" is not a filter of Tickets'
keys_in p q
done_testing
