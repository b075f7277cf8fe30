#!/usr/bin/env bash
# The event stream across a crash that makes the server give a transaction id again. A
# transaction that got an xid but wrote no WAL of its own (`select pg_notify(...)`, which the
# soak test's writers run after every insert) commits asynchronously: it ends, snapshots count
# it as ended, and its commit record waits for the WAL writer. A crash before that loses the
# record, crash recovery does not know the xid, and the first transaction after it gets the
# same xid. A position taken between the two counted that xid as ended, so the new
# transaction's event would count as delivered: lost (the soak test's lost event in CI,
# tests/bench/bench_stream_soak.sh, "immediate restart of the primary"). The xmax check does
# not see it once the server has handed out a few more ids. The cursor knows the server's
# incarnation (its start time, and the reset of its statistics after every crash recovery) and
# crosses a new one as a change of history. Two crashes: an immediate stop and start, and a
# backend killed with SIGKILL, after which the postmaster reinitialises without restarting
# (its start time stays). A follower (--follow), a --state consumer and --since must each
# deliver the events after the crash once.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_crash_xids.sh path/to/ccrm}

PG_EXTRA_OPTS="-c autovacuum=off"
pg_start_migrated "$CCRM"
ev() { psqlc -c "insert into events (actor, entity, op, summary) values ('t', 'accounts', 'insert', '$1')"; }
ST=$TEST_TMP/state
"$CCRM" -d "$PG_CONN" --feed --limit 0 --state "$ST" >/dev/null || fail "--state start"
# and a follower that stays (it reconnects after each crash with the position in memory)
"$CCRM" -d "$PG_CONN application_name=crash-f" --feed --follow --limit 0 >"$TEST_TMP/f" \
    2>"$TEST_TMP/f.err" &
f=$!
on_exit "kill -CONT $f; kill $f"
up() { for ((i = 0; i < 1200; i++)); do psqlc -c "select 1" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
# (its position taken: E0 comes after it, not before)
wait_feed_read crash-f || fail "the follower did not start"
ev "E0"
check "the --state consumer delivers E0" \
    test "$("$CCRM" -d "$PG_CONN" --feed --state "$ST" | grep -c 'new: E0$')" = 1

crash_round() { # NAME HOW: HOW crashes the server (stop: an immediate stop and start; kill: a
    #             server process killed with SIGKILL, as by the OOM killer)
    local r=$1 how=$2 y t base next walwriter started
    # the same statement once before, WAL writer running: a first look-up of a catalog page
    # can prune it (dead rows of functions replaced by --migrate), and a transaction that wrote
    # that WAL record commits synchronously, flushing its commit record
    psqlc -c "select pg_current_xact_id(), clock_timestamp(), pg_notify('ccrm', '')" >/dev/null
    psqlc -c "checkpoint" >/dev/null
    # the WAL writer stopped: the async commit record below stays in memory until the crash
    walwriter=$(psqlc -c "select pid from pg_stat_activity where backend_type = 'walwriter'")
    kill -STOP "$walwriter"
    started=$(psqlc -c "select pg_postmaster_start_time()")
    # a transaction with an xid and no WAL of its own; the follower reads after it
    IFS='|' read -r y t < <(psqlc -c "select pg_current_xact_id(), clock_timestamp(), pg_notify('ccrm', '')")
    check "$r: the follower read after xid $y" wait_feed_read crash-f "$t"
    kill -STOP $f # it comes back after the crash and two events (as one started later would)
    check "$r: the consumer catches up (nothing new)" \
        test "$("$CCRM" -d "$PG_CONN" --feed --state "$ST" | wc -l)" = 0
    base=$(sed -n 's/^cursor //p' "$ST" | cut -d. -f4)
    check "$r: its position counts xid $y as ended (base $base)" \
        test "$(psqlc -c "select pg_visible_in_snapshot('$y', '$base')")" = t
    cp "$ST" "$TEST_TMP/since.$r"
    if [ "$how" = stop ]; then
        # the stopped WAL writer holds the stop up to 5 s, until the postmaster kills it
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
            -o "-k $PG_DIR -c listen_addresses= -c fsync=off -c max_connections=200 $PG_EXTRA_OPTS" \
            start >/dev/null || fail "could not start the server again"
    else
        kill -KILL "$walwriter" # the postmaster ends every server process and reinitialises
        for ((i = 0; i < 1200; i++)); do grep -q "all server processes terminated; reinitializing" \
            "$PG_DIR/log" && break; sleep 0.05; done
        up || fail "the server did not come back"
        check "$r: the postmaster did not restart (same start time)" \
            test "$(psqlc -c "select pg_postmaster_start_time()")" = "$started"
    fi
    up || fail "the server did not come back"
    next=$(psqlc -c "select next_xid from pg_control_checkpoint()" | cut -d: -f2) # epoch:xid
    check "$r: crash recovery forgot xid $y (next xid $next)" test "$next" -le "$y"
    ev "$r-a"
    ev "$r-b"
    check "$r: $r-a has the xid the position counted as ended" \
        test "$(psqlc -c "select xid from events where summary = '$r-a'")" = "$y"

    kill -CONT $f
    for ((i = 0; i < 1200; i++)); do grep -q "new: $r-b\$" "$TEST_TMP/f" && break; sleep 0.05; done
    check "$r: --follow delivers $r-a and $r-b once each" \
        test "$(grep -o "new: $r-.\$" "$TEST_TMP/f" | tr '\n' '|')" = "new: $r-a|new: $r-b|"
    "$CCRM" -d "$PG_CONN" --feed --state "$ST" >"$TEST_TMP/out.$r" 2>"$TEST_TMP/err.$r"
    check "$r: --state: $r-a and $r-b, once each ($(grep -o "$r-.\$" "$TEST_TMP/out.$r" | tr '\n' ' '))" \
        test "$(grep -o "new: .*" "$TEST_TMP/out.$r" | tr '\n' '|')" = "new: $r-a|new: $r-b|"
    check "$r: ... and it says the server restarted, nothing missed or repeated" \
        grep -q "the server restarted.*nothing is missed or repeated" "$TEST_TMP/err.$r"
    "$CCRM" -d "$PG_CONN" --feed --since "$(sed -n 's/^cursor //p' "$TEST_TMP/since.$r")" \
        >"$TEST_TMP/out2.$r" 2>/dev/null
    check "$r: --since (the position as text): $r-a and $r-b, once each" \
        test "$(grep -o "new: .*" "$TEST_TMP/out2.$r" | tr '\n' '|')" = "new: $r-a|new: $r-b|"
}
crash_round S stop
crash_round K kill
check "the follower delivered every event once" \
    test "$(grep -o 'new: .*' "$TEST_TMP/f" | tr '\n' '|')" = "new: E0|new: S-a|new: S-b|new: K-a|new: K-b|"

done_testing
