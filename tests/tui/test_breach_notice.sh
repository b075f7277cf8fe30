#!/usr/bin/env bash
# An SLA breach pings its recipient in words: the toast names the ticket, its subject and the
# clock breached (the Inbox entry's note), not the scheduler's kind name, nor whoever ran
# `ccrm --tick` as if they had done it; and it pings the team lead also when she ran the
# scheduler herself (docs/ccrm.1: SLA breaches always ping).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_breach_notice.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# what the demo has breached already is announced first, before the client starts
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
check "zoe's lead is sofia" sql_is "select manager from users where login = 'zoe'" sofia
# breach_soon SUBJECT: a ticket with a running clock, given to zoe, due a minute ago (not yet
# marked breached: the next --tick does it); its id and the clock's kind in words
breach_soon() {
    local t
    t=$(q "select k.ticket_id from sla_clocks k where k.current and k.running_since is not null
           and k.breached_at is null and k.warned_at is null
           and not exists (select 1 from tickets x where x.id = k.ticket_id and x.subject like 'Breach %')
           order by k.due_at desc limit 1")
    [ -n "$t" ] || fail "the demo has a ticket with a running clock"
    q "update tickets set assignee = 'zoe', subject = '$1' where id = $t" >/dev/null
    q "update sla_clocks set due_at = now() - interval '1 minute', warn_at = NULL
       where ticket_id = $t and current" >/dev/null
    echo "$t $(q "select replace(kind, '_', ' ') from sla_clocks where ticket_id = $t and current")"
}

read -r t1 kind1 <<<"$(breach_soon 'Breach by another')"
tui_start 160 30 "$CCRM" -d "$DB user=sofia" --view tickets
check "sofia's client is up" wait_for "Tickets by"

# mia runs the scheduler: sofia is told of the breach in words
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
check "the breach is in sofia's Inbox" \
    sql_is "select count(*) from inbox where login = 'sofia' and kind = 'sla_breach' and entity_id = $t1" 1
check "the toast names the ticket, its subject and the clock breached" \
    wait_for "Inbox: SLA breach: ticket #$t1 Breach by another: $kind1 target breached at" 10
check "... not the raw kind, nor mia as if she had done it" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'sla_breach for|mia \(management\)')"

# sofia runs the scheduler herself: her own client still pings
read -r t2 kind2 <<<"$(breach_soon 'Breach by herself')"
"$CCRM" -d "$DB user=sofia" --tick >/dev/null || fail "ccrm --tick as sofia"
check "the breach is in sofia's Inbox" \
    sql_is "select count(*) from inbox where login = 'sofia' and kind = 'sla_breach' and entity_id = $t2" 1
check "when she ran the scheduler herself, the breach still pings her" \
    wait_for "Inbox: SLA breach: ticket #$t2 Breach by herself: $kind2 target breached at" 10
keys q
tui_stop
done_testing
