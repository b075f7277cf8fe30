#!/usr/bin/env bash
# The event stream across a failover to a standby that lagged: a primary A and a streaming
# standby B (pg_basebackup -R); followers on "host=A,B target_session_attrs=read-write". B
# stops replaying, A commits more events (the followers deliver them), A dies (-m immediate),
# B is promoted and commits events of its own that reuse the transaction ids (and event ids)
# A had handed out. Every event on B must be delivered once, none twice, whether the follower
# reconnects before B's new events (it must not move backwards) or after them (it must not
# skip them), and it must say that the history changed. Then a frozen host: A's postmaster
# SIGSTOP'd accepts connections and never answers; a follower and the full-screen client must
# give up on it after connect_timeout and go on with B.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_failover.sh path/to/ccrm}

pg_start_demo "$CCRM" 3
A=$PG_DIR
B=$TEST_TMP/pgb
mkdir -p "$B"
[ "$(id -u)" = 0 ] && chown postgres: "$B"
as_pg "$PG_BIN/pg_basebackup" -h "$A" -U postgres -D "$B/data" -R -X stream -c fast \
    >"$TEST_TMP/basebackup.log" 2>&1 || { cat "$TEST_TMP/basebackup.log"; fail "pg_basebackup"; }
b_start() {
    as_pg "$PG_BIN/pg_ctl" -D "$B/data" -w -l "$B/log" \
        -o "-k $B -c listen_addresses= -c fsync=off -c max_connections=200" start >/dev/null \
        || { cat "$B/log"; fail "could not start B"; }
}
b_stop() { as_pg "$PG_BIN/pg_ctl" -D "$B/data" -m "${1:-fast}" stop >/dev/null 2>&1; }
a_stop() { as_pg "$PG_BIN/pg_ctl" -D "$A/data" -m "${1:-fast}" stop >/dev/null 2>&1; }
b_start
on_exit "b_stop immediate"
psqa() { psqlc -h "$A" -d ccrm "$@"; }
psqb() { psqlc -h "$B" -d ccrm "$@"; }
check "B is a standby" test "$(psqb -c 'select pg_is_in_recovery()')" = t

HOSTS="host=$A,$B dbname=ccrm user=postgres target_session_attrs=read-write connect_timeout=2"
follow() { # NAME [ARGS]: a follower on both hosts, JSON lines to NAME, stderr to NAME.err
    local name=$1
    shift
    "$CCRM" -d "$HOSTS application_name=$name" --feed --follow --limit 0 --format jsonl "$@" \
        >"$TEST_TMP/$name" 2>"$TEST_TMP/$name.err" &
    echo $!
}
wait_in_file() { # FILE PATTERN [SECONDS]
    local i
    for ((i = 0; i < ${3:-20} * 20; i++)); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "# waited for $2 in $1:" >&2
    tail -n 5 "$1" >&2
    return 1
}
on_server() { # PSQL-FUNCTION APPNAME: it has its position there (tests/lib/pg.sh)
    wait_feed_read "$2" "" "$1"
}
writes() { # PSQL-FUNCTION PREFIX FROM TO: one transaction per account
    local i
    for ((i = $3; i <= $4; i++)); do echo "insert into accounts (name) values ('$2 $i');"; done |
        $1 -q >/dev/null
}

f1=$(follow f1)
f2=$(follow f2)
on_exit "kill -CONT $f1; kill $f1 $f2"
on_server psqa f1 && on_server psqa f2 || fail "the followers did not connect"

# ---- W1: replicated to B ----
writes psqa W1 1 20
wait_in_file "$TEST_TMP/f1" '"summary" : "W1 20"' || fail "f1 did not get W1"
for i in $(seq 200); do
    [ "$(psqb -c "select pg_last_wal_replay_lsn() >= '$(psqa -c 'select pg_current_wal_lsn()')'")" = t ] && break
    sleep 0.05
done
check "B has W1" test "$(psqb -c "select count(*) from accounts where name like 'W1 %'")" = 20
# a consumer with --state, caught up now (its state knows what it delivered)
"$CCRM" -d "$HOSTS" --feed --limit 0 --state "$TEST_TMP/state" >/dev/null
# ---- W2: B is stopped, so only A has it; both followers deliver it ----
b_stop fast
writes psqa W2 1 70
wait_in_file "$TEST_TMP/f1" '"summary" : "W2 70"' || fail "f1 did not get W2"
wait_in_file "$TEST_TMP/f2" '"summary" : "W2 70"' || fail "f2 did not get W2"
"$CCRM" -d "$HOSTS" --feed --state "$TEST_TMP/state" >"$TEST_TMP/s1" 2>&1
check "the --state consumer got W2" test "$(grep -c "new: W2 " "$TEST_TMP/s1")" = 70
w2max=$(psqa -c "select max(xid)::text from events where summary like 'W2 %'")
kill -STOP "$f1" # f1 will come back only after B's own events
# ---- A dies; B (without W2) is promoted ----
a_stop immediate
b_start
as_pg "$PG_BIN/pg_ctl" -D "$B/data" -w promote >/dev/null || fail "promote"
check "B is a primary now" test "$(psqb -c 'select pg_is_in_recovery()')" = f
check "B lacks W2" test "$(psqb -c "select count(*) from accounts where name like 'W2 %'")" = 0
# f2 reconnects to B before B writes anything: it must notice, and not move backwards
wait_in_file "$TEST_TMP/f2.err" "history changed" 30 || fail "f2 did not notice the failover"
writes psqb W3 1 5
xids=$(psqb -c "select count(*) from events where summary like 'W3 %' and xid::text::bigint <= $w2max")
check "B's new events reuse the transaction ids A had given W2 ($xids of 5)" test "$xids" -ge 1
wait_in_file "$TEST_TMP/f2" '"summary" : "W3 5"' || fail "f2 did not get W3"
kill -CONT "$f1"
wait_in_file "$TEST_TMP/f1.err" "history changed" 30
wait_in_file "$TEST_TMP/f1" '"summary" : "W3 5"' 30
"$CCRM" -d "$HOSTS" --feed --state "$TEST_TMP/state" >"$TEST_TMP/s2" 2>"$TEST_TMP/s2.err"
writes psqb W4 1 3
wait_in_file "$TEST_TMP/f1" '"summary" : "W4 3"'
wait_in_file "$TEST_TMP/f2" '"summary" : "W4 3"'
"$CCRM" -d "$HOSTS" --feed --state "$TEST_TMP/state" >>"$TEST_TMP/s2" 2>>"$TEST_TMP/s2.err"

# every event on B since the followers started, delivered once: compare (id, summary) pairs
# (an event lost with A may share its id with one B wrote later: a pair names one event)
psqb -c "select id || ' ' || summary from events where summary ~ '^W[1-4] ' order by id" >"$TEST_TMP/want"
pairs() { sed -n 's/^{"id" : \([0-9]*\), .*"summary" : "\(W[1-4] [0-9]*\)".*/\1 \2/p' "$1"; }
for f in f1 f2; do
    pairs "$TEST_TMP/$f" >"$TEST_TMP/$f.pairs"
    missing=$(comm -23 <(sort "$TEST_TMP/want") <(sort -u "$TEST_TMP/$f.pairs") | wc -l)
    twice=$(sort "$TEST_TMP/$f.pairs" | uniq -d | wc -l)
    w3=$(grep -c ' W3 ' "$TEST_TMP/$f.pairs")
    check "$f: every event on B delivered ($missing missing), none twice ($twice), W3: $w3 of 5" \
        test "$missing" = 0 -a "$twice" = 0 -a "$w3" = 5
    check "$f: W2, lost with A, was delivered once before the failover" \
        test "$(grep -c ' W2 ' "$TEST_TMP/$f.pairs")" = 70
done
check "f1: it says the history changed, and that nothing is missed or repeated" \
    grep -q "timeline 1, now 2.*nothing is missed or repeated" "$TEST_TMP/f1.err"
check "the --state consumer, run after the failover: exactly W3, then W4" \
    test "$(grep -o 'new: W[0-9] [0-9]*' "$TEST_TMP/s2" | tr '\n' '|')" = \
    "new: W3 1|new: W3 2|new: W3 3|new: W3 4|new: W3 5|new: W4 1|new: W4 2|new: W4 3|"
check "... and it said so" grep -q "history changed" "$TEST_TMP/s2.err"
kill "$f1" "$f2"
sleep 0.2

# ---- a frozen host: A's postmaster runs, SIGSTOP'd, first in the list ----
as_pg "$PG_BIN/pg_ctl" -D "$A/data" -w -l "$A/log" \
    -o "-k $A -c listen_addresses= -c fsync=off -c max_connections=200" start >/dev/null ||
    fail "could not start A again"
apid=$(head -n 1 "$A/data/postmaster.pid")
kill -STOP "$apid"
on_exit "kill -CONT $apid"
f3=$(follow f3)
on_exit "kill $f3"
on_server psqb f3 || fail "f3 did not reach B past the frozen A (libpq's blocking connect)"
psqb -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'f3'" >/dev/null
wait_in_file "$TEST_TMP/f3.err" "no answer within 2 s" 20
check "the reconnect gave up on the frozen host after connect_timeout" \
    grep -q "could not connect: $A: no answer within 2 s" "$TEST_TMP/f3.err"
check "... and went on with B" wait_in_file "$TEST_TMP/f3.err" reconnected 20
writes psqb W5 1 1
check "f3 delivers B's events again" wait_in_file "$TEST_TMP/f3" '"summary" : "W5 1"' 20

# the full-screen client: its event loop's timer gives up on the frozen host too
tui_start 100 30 "$CCRM" -d "$HOSTS application_name=tui" --view accounts
check "the client is online (on B)" wait_for " online " 20
keys / "Frozen" Enter
check "a search is active" wait_for 'search "Frozen"'
psqb -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tui'" >/dev/null
check "killed backend: the client reconnects past the frozen host" wait_for "connection restored" 30
psqb -c "insert into accounts (name) values ('Frozen Host Passed')"
check "and shows B's changes live again" wait_for "Frozen Host Passed" 10
keys Escape q
kill -CONT "$apid"

done_testing
