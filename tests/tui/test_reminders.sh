#!/usr/bin/env bash
# Reminders (src/ui/reminders.c): a task of sofia's falls due and every open client of sofia
# shows it and rings the terminal bell, once; zoe's client, open beside them, does neither.
# Both roads: the scheduler's reminders row (the task fell due before the clients started; made
# due by SQL, written by `ccrm --tick`, delivered through NOTIFY) and the client's own timer
# (a task created elsewhere while the clients run rings at its due time, with no scheduler;
# the scheduler's row for it afterwards rings nothing more). The bells are counted in the raw
# output of each pane (tmux pipe-pane).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reminders.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
q "delete from interactions where kind in ('task', 'meeting') and due_at is not null;
   delete from reminders"
bells() { tr -cd '\a' <"$TEST_TMP/$1.raw" | wc -c; }
bells_are() { [ "$(bells "$1")" = "$2" ]; }
start() { # SESSION LOGIN: a client in its own tmux session, its output also into SESSION.raw
    : >"$TEST_TMP/$1.raw"
    if [ "$1" = t ]; then
        tui_start 120 24 "$CCRM" -d "$DB user=$2"
    else
        client "$1" 120 24 "$CCRM" -d "$DB user=$2"
    fi
    tmx pipe-pane -t "=$1:" -o "cat >>$TEST_TMP/$1.raw"
}

# ---- the scheduler's road: due before anyone looked ----
early=$(as sofia -c "insert into interactions (kind, subject, due_at)
                     values ('task', 'Send the offer to Acme', now() - interval '2 minutes') returning id" | head -1)
start t sofia
start s2 sofia
start z zoe
check "sofia's client is up" wait_for " online "
check "sofia's second client is up" wait_in s2 " online "
check "zoe's client is up" wait_in z " online "
check "nothing rang at start: no reminder was written yet" bells_are t 0
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
check "the scheduler wrote one reminder" sql_is "select count(*) from reminders where interaction_id = $early" 1
check "sofia's client shows the reminder" wait_for "reminder: task: Send the offer to Acme" 10
check "... and rang once" wait_until bells_are t 1
check "sofia's other client shows it too" wait_in s2 "reminder: task: Send the offer to Acme" 10
check "... and rang once" wait_until bells_are s2 1
check "the reminder is marked seen" wait_sql "select seen_at is not null from reminders where interaction_id = $early" t
# zoe's client has read past the reminder's event once it shows a later change
as sam -c "insert into accounts (name) values ('Later Change GmbH')" >/dev/null
check "zoe's client saw the later change" wait_in z "Later Change GmbH" 10
check "zoe's client showed no reminder" gone_in z "reminder:" 1
check "... and never rang" bells_are z 0

# ---- the client's own timer: a task sam gives sofia, due in a few seconds, no scheduler ----
due=$(as sam -c "insert into interactions (kind, subject, due_at, owner)
                 values ('task', 'Call Bergström at the minute', now() + interval '4 seconds', 'sofia')
                 returning extract(epoch from due_at)" | head -1)
check "at its due time sofia's client shows it" wait_for "reminder: task: Call Bergström at the minute" 20
seen=$(date +%s.%N)
check "... not before its due time" awk -v a="$seen" -v b="$due" 'BEGIN { exit !(a >= b - 0.2) }'
check "... and rings" wait_until bells_are t 2
check "the second client too" wait_in s2 "reminder: task: Call Bergström at the minute" 10
check "... rings" wait_until bells_are s2 2
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
late=$(q "select id from interactions where subject = 'Call Bergström at the minute'")
check "the scheduler's reminder for it is marked seen by a client" \
    wait_sql "select seen_at is not null from reminders where interaction_id = $late" t
as sam -c "insert into accounts (name) values ('After The Tick AB')" >/dev/null
check "sofia's client read past the scheduler's reminder" wait_in t "After The Tick AB" 10
check "the scheduler's reminder rang nothing more" bells_are t 2
check "... in the other client either" wait_in s2 "After The Tick AB" 10
check "... still two bells there" bells_are s2 2
check "zoe's client rang for none of it" bells_are z 0
"$CCRM" -d "$DB user=mia" --tick >/dev/null || fail "ccrm --tick"
check "a second scheduler run writes no second reminder" \
    sql_is "select count(*) from reminders where interaction_id in ($early, $late)" 2

keys q
keys_in s2 q
keys_in z q
done_testing
