#!/usr/bin/env bash
# The event stream across a crash that makes the server give a transaction id again. A
# transaction that got an xid but wrote no WAL of its own (`select pg_notify(...)`, which the
# soak test's writers run after every insert) commits asynchronously: it ends, snapshots count
# it as ended, and its commit record waits for the WAL writer. An immediate stop before that
# loses the record, crash recovery does not know the xid, and the first transaction after it
# gets the same xid. A position taken between the two counted that xid as ended, so the new
# transaction's event would count as delivered: lost. The xmax check does not see it once the
# server has handed out a few more ids. The cursor knows the server's start time and crosses a
# restart as a change of history: every event after the restart comes once. (The lost event of
# the soak test in CI: tests/bench/bench_stream_soak.sh, "immediate restart of the primary".)
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_crash_xids.sh path/to/ccrm}

# the WAL writer waits 10 s, and nothing else writes WAL (no autovacuum): the async commit
# record is still in memory at the immediate stop
PG_EXTRA_OPTS="-c wal_writer_delay=10s -c autovacuum=off"
pg_start_migrated "$CCRM"
ev() { psqlc -c "insert into events (actor, entity, op, summary) values ('t', 'accounts', 'insert', '$1')"; }
ST=$TEST_TMP/state
"$CCRM" -d "$PG_CONN" --feed --limit 0 --state "$ST" >/dev/null || fail "--state start"
# and a follower that stays (it reconnects after the crash with the position in memory)
"$CCRM" -d "$PG_CONN application_name=crash-f" --feed --follow --limit 0 >"$TEST_TMP/f" \
    2>"$TEST_TMP/f.err" &
f=$!
on_exit "kill -CONT $f; kill $f"
backend() { # the follower's backend: idle, and its last query began after $1
    psqlc -c "select count(*) from pg_stat_activity where application_name = 'crash-f'
              and state = 'idle' and query_start > '$1'"
}
for ((i = 0; i < 200; i++)); do [ "$(backend -infinity)" = 1 ] && break; sleep 0.05; done
ev "E1"
check "the --state consumer delivers E1" \
    test "$("$CCRM" -d "$PG_CONN" --feed --state "$ST" | grep -c 'new: E1$')" = 1

# a transaction with an xid and no WAL of its own, then a position that counts it as ended
IFS='|' read -r y t < <(psqlc -c "select pg_current_xact_id(), clock_timestamp(), pg_notify('ccrm', '')")
for ((i = 0; i < 200; i++)); do [ "$(backend "$t")" = 1 ] && break; sleep 0.05; done
check "the follower read after it" test "$(backend "$t")" = 1
kill -STOP $f # it comes back after the restart and E2, E3 (as a consumer started later would)
check "the consumer catches up (nothing new)" \
    test "$("$CCRM" -d "$PG_CONN" --feed --state "$ST" | wc -l)" = 0
base=$(sed -n 's/^cursor //p' "$ST" | cut -d. -f4)
check "its position counts xid $y as ended (base $base)" \
    test "$(psqlc -c "select pg_visible_in_snapshot('$y', '$base')")" = t
cp "$ST" "$TEST_TMP/state.since"

as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
    -o "-k $PG_DIR -c listen_addresses= -c fsync=off -c max_connections=200 $PG_EXTRA_OPTS" start \
    >/dev/null || fail "could not start the server again"
next=$(psqlc -c "select next_xid from pg_control_checkpoint()" | cut -d: -f2) # epoch:xid
check "crash recovery forgot xid $y (next xid $next)" test "$next" -le "$y"
ev "E2"
ev "E3"
check "E2 has the xid the position counted as ended" \
    test "$(psqlc -c "select xid from events where summary = 'E2'")" = "$y"

kill -CONT $f
for ((i = 0; i < 200; i++)); do grep -q 'new: E3$' "$TEST_TMP/f" && break; sleep 0.05; done
check "--follow: E1, E2 and E3, once each" \
    test "$(grep -o 'new: E[0-9]$' "$TEST_TMP/f" | tr '\n' '|')" = "new: E1|new: E2|new: E3|"
"$CCRM" -d "$PG_CONN" --feed --state "$ST" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
check "--state: E2 and E3 after the crash, once each ($(grep -o 'E[0-9]$' "$TEST_TMP/out" | tr '\n' ' '))" \
    test "$(grep -o 'new: E[0-9]$' "$TEST_TMP/out" | tr '\n' '|')" = "new: E2|new: E3|"
check "... and it says the server restarted" grep -q "the server restarted" "$TEST_TMP/err"
"$CCRM" -d "$PG_CONN" --feed --since "$(sed -n 's/^cursor //p' "$TEST_TMP/state.since")" \
    >"$TEST_TMP/out2" 2>"$TEST_TMP/err2"
check "--since (the position as text): E2 and E3, once each" \
    test "$(grep -o 'new: E[0-9]$' "$TEST_TMP/out2" | tr '\n' '|')" = "new: E2|new: E3|"
check "nothing is missed or repeated, it says" grep -q "nothing is missed or repeated" "$TEST_TMP/err2"

done_testing
