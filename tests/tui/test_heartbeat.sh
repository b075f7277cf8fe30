#!/usr/bin/env bash
# Presence stays fresh whatever view is on top: the heartbeat is a timer of the client, not of
# the record view, so a form opened over a record keeps the session's presence row alive
# (others would otherwise see us leave after 90 s). A heartbeat of 200 ms (CCRM_HEARTBEAT_MS)
# instead of 30 s makes it quick to see. Computing the poll timeout writes nothing: an idle
# list without presence causes no traffic.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_heartbeat.sh path/to/ccrm}

# every statement logged with its application and virtual transaction id (for xacts)
PG_EXTRA_OPTS="-c log_statement=all -c log_line_prefix=%a:%v:"
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(psqlc -c "insert into accounts (name, domain) values ('Heartbeat Test AG', 'heartbeat.example') returning id")
# xacts SINCE: the clients' transactions (ccrm's application names) in the server's statement
# log after byte SINCE, told apart by their virtual transaction ids. pg_stat_database's count
# would take in autovacuum's, and a backend reports it only every few seconds (10 s when idle)
xacts() {
    tail -c +"$(($1 + 1))" "$PG_DIR/log" | grep -ao '^ccrm[^:]*:[0-9]*/[0-9]*:LOG:  \(statement\|execute\)' |
        cut -d: -f1,2 | sort -u | wc -l
}
xacts_reach() { [ "$(xacts "$1")" -ge "$2" ]; } # xacts_reach SINCE N
seen() { psqlc -c "select coalesce(max(seen_at)::text, '-') from presence where login = 'sam'"; }
# wait_newer T: until sam's presence was refreshed after T (5 s)
wait_newer() { wait_sql "select coalesce(max(seen_at) > '$1'::timestamptz, false) from presence where login = 'sam'" t; }

tui_start 120 40 env CCRM_HEARTBEAT_MS=200 "$CCRM" -d "$DB user=sam" --view accounts
wait_for "(sales)" || fail "sam's client"
mark=$(stat -c %s "$PG_DIR/log")
sleep 1 # idle on a list for a second: a duration, nothing to wait for
n=$(xacts "$mark")
check "an idle list writes nothing: the timeout is computed without side effects ($n transactions in 1 s)" \
    test "$n" -lt 5
keys :
keys -l "open Heartbeat Test AG"
keys Enter
check "sam opens the account" wait_for "account #$acc" 5
check "sam's presence is on it" test "$(psqlc -c "select entity || ' ' || entity_id from presence where login = 'sam'")" = "accounts $acc"
t0=$(seen)
check "the heartbeat refreshes it on the record" wait_newer "$t0"
mark=$(stat -c %s "$PG_DIR/log")
check "the statement log counts the client's transactions: the heartbeat's" wait_until xacts_reach "$mark" 2
keys e
check "e opens the account's form over the record" wait_for "Edit account #$acc" 5
t1=$(seen)
check "with the form on top, the heartbeat still refreshes it" wait_newer "$t1"
t2=$(seen)
check "... and again" wait_newer "$t2"
keys Escape
check "Esc leaves the form" wait_gone "Edit account #$acc" 5
check "presence is still on the account" test "$(psqlc -c "select entity || ' ' || entity_id from presence where login = 'sam'")" = "accounts $acc"
keys q q
wait_exit
check "quits cleanly" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
check "and takes its presence along" test "$(psqlc -c "select count(*) from presence where login = 'sam'")" = 0
done_testing
