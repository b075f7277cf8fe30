#!/usr/bin/env bash
# Soak test of the event stream: nothing lost, nothing twice, under writers with short, long
# and rolled-back transactions, killed backends, fast and immediate restarts, a crash the
# postmaster recovers from in place (a backend killed with SIGKILL), a follower
# stopped for a while, a consumer restarted with --state, and a failover to a standby that
# lagged (it is stopped for a few seconds first, so the old primary commits events the new one
# never gets, and the new one reuses their transaction and event ids). At the end every
# follower's delivered (id, summary) pairs are compared with the events table of the primary
# that survived. Usage:
#   tests/bench/bench_stream_soak.sh path/to/ccrm [--seconds N] (default 600)
# scripts/bench runs it for ten minutes; tests/db/test_stream_soak_smoke.sh for 20 seconds.
# On a failure it names the events lost or repeated and, for the --state consumer, the instance
# whose saved position first counted a lost event as delivered (the state files before every
# instance are kept as f3.state.N, and "# instance N" lines mark each one's output); with
# CCRM_SOAK_KEEP=DIR the run's files (without the clusters) are copied to DIR on a failure.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: bench_stream_soak.sh path/to/ccrm [--seconds N]}")
shift
secs=600
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) secs=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
T=$TEST_TMP

pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"
"$CCRM" -d "$PG_CONN" --demo --scale 3 >/dev/null || fail "demo"
A=$PG_DIR
B=$T/pgb
mkdir -p "$B"
[ "$(id -u)" = 0 ] && chown postgres: "$B"
as_pg "$PG_BIN/pg_basebackup" -h "$A" -U postgres -D "$B/data" -R -X stream -c fast \
    >"$T/basebackup.log" 2>&1 || { cat "$T/basebackup.log"; fail "pg_basebackup"; }
OPTS="-c listen_addresses= -c fsync=off -c max_connections=200"
ctl() { # DIR pg_ctl-args...
    local d=$1
    shift
    as_pg "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/log" -o "-k $d $OPTS" "$@" >/dev/null 2>&1
}
ctl "$B" -w start || { cat "$B/log"; fail "could not start the standby"; }
on_exit "ctl $B -m immediate stop"
HOSTS="host=$A,$B dbname=ccrm user=postgres target_session_attrs=read-write connect_timeout=2"
primary=$A
log() { echo "# $(date +%T) $*"; }
stopped() { [ -e "$T/stop" ] || [ ! -d "$T" ]; }

# ---- writers: each loop reconnects (to whichever host is the primary) when its session dies ----
writer() { # NAME SQL-GENERATOR
    local name=$1 gen=$2 round=0
    while ! stopped; do
        round=$((round + 1))
        $gen "$name-$round" | psql -X -q "$HOSTS application_name=soak-writer" >/dev/null 2>&1
        sleep 0.3
    done
}
gen_short() { # one event per transaction, ~40 a second
    local k=0
    while ! stopped; do
        k=$((k + 1))
        echo "insert into events (actor, entity, op, summary) values ('soak', 'accounts', 'insert', 'S $1-$k');"
        echo "select pg_notify('ccrm', '');"
        ((k % 4 == 0)) && sleep 0.1
    done
}
# The generators pace themselves (bash sleeps, not pg_sleep): SQL queued in the pipe ahead of
# psql would keep the writers going long after the stop.
gen_long() { # transactions of 1-4 s holding early xids and ids, several events each
    local k=0
    while ! stopped; do
        k=$((k + 1))
        echo "begin;"
        echo "insert into events (actor, entity, op, summary) values ('soak', 'accounts', 'insert', 'S $1-$k-a');"
        sleep $((1 + RANDOM % 4))
        echo "insert into events (actor, entity, op, summary) values ('soak', 'accounts', 'insert', 'S $1-$k-b');"
        echo "select pg_notify('ccrm', ''); commit;"
    done
}
gen_rollback() { # never to be delivered
    local k=0
    while ! stopped; do
        k=$((k + 1))
        echo "begin; insert into events (actor, entity, op, summary) values ('soak', 'accounts', 'insert', 'R $1-$k');"
        sleep 0.$((RANDOM % 5))
        echo "rollback;"
    done
}
gen_data() { # real writes through the triggers: inserts, updates, deletes, a bulk insert
    local k=0
    while ! stopped; do
        k=$((k + 1))
        echo "insert into accounts (name) values ('S $1-$k');"
        echo "update accounts set industry = 'soak $k' where name = 'S $1-$k';"
        ((k % 5 == 0)) && echo "delete from accounts where name = 'S $1-$((k - 1))';"
        ((k % 25 == 0)) && echo "insert into accounts (name) select 'S $1-$k bulk ' || g from generate_series(1, 30) g;"
        sleep 0.2
    done
}

# ---- followers ----
follow() { # NAME
    "$CCRM" -d "$HOSTS application_name=soak-$1" --feed --follow --limit 0 --format jsonl \
        >"$T/$1" 2>"$T/$1.err" &
    echo $! >"$T/$1.pid"
}
follow f1
follow f2
# f3: a consumer stopped (SIGTERM) and started again with --state every few seconds
"$CCRM" -d "$HOSTS" --feed --limit 0 --state "$T/f3.state" >/dev/null 2>&1
: >"$T/f3"
f3_run() { # N ARGS: instance N of the --state consumer, marked in its output and log
    cp "$T/f3.state" "$T/f3.state.$1"
    echo "# instance $1 $(date +%T.%N)" | tee -a "$T/f3.err" >>"$T/f3"
    local n=$1
    shift
    "$CCRM" -d "$HOSTS application_name=soak-f3" --feed --format jsonl --state "$T/f3.state" "$@" \
        >>"$T/f3" 2>>"$T/f3.err" &
    echo $! >"$T/f3.pid"
}
restarter() {
    local n=0
    while ! stopped; do
        n=$((n + 1))
        f3_run $n --follow
        local p
        p=$(cat "$T/f3.pid")
        sleep $((3 + RANDOM % ${F3_EVERY:-6}))
        kill -TERM $p 2>/dev/null
        wait $p
        echo "# instance $n exit $? $(date +%T.%N)" >>"$T/f3.err"
    done
}
on_exit "touch $T/stop; kill \$(cat $T/f1.pid $T/f2.pid $T/f3.pid 2>/dev/null) 2>/dev/null"
sleep 1
workers=
for w in "short gen_short" "long gen_long" "long2 gen_long" "rb gen_rollback" "data gen_data"; do
    writer $w &
    workers="$workers $!"
done
restarter &
workers="$workers $!"

# ---- faults, spread over the run ----
at() { # FRACTION: sleep until that fraction of the run
    local t0=$1 now
    now=$(date +%s)
    local until=$((start + secs * t0 / 100))
    [ "$until" -gt "$now" ] && sleep $((until - now))
    return 0
}
kill_backends() {
    log "killing the followers' backends"
    psqlc -h "$primary" -c "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name like 'soak-f%'" >/dev/null
}
start=$(date +%s)
for p in 10 30 50 70 90; do
    at $p
    kill_backends
    case $p in
        10)
            log "f2 stopped for a while"
            kill -STOP "$(cat "$T/f2.pid")"
            sleep $((secs / 20 + 1))
            kill -CONT "$(cat "$T/f2.pid")"
            ;;
        30)
            log "fast restart of the primary"
            ctl "$primary" -w -m fast restart
            ;;
        50)
            log "the standby stops replaying (it will lag), then the primary dies and the standby is promoted"
            ctl "$B" -m fast stop
            sleep $((secs / 30 + 2))
            ctl "$A" -m immediate stop
            ctl "$B" -w start
            ctl "$B" -w promote || fail "promote"
            primary=$B
            ;;
        70)
            log "immediate restart of the primary"
            x=$(psqlc -h "$primary" -c "select pg_snapshot_xmax(pg_current_snapshot())")
            ctl "$primary" -m immediate stop
            ctl "$primary" -w start
            # the end-of-recovery checkpoint's next xid: below the xmax seen before, the
            # server gives transaction ids again that snapshots taken before counted as ended
            log "xmax before the stop: $x; next xid after recovery: $(psqlc -h "$primary" -c "select next_xid from pg_control_checkpoint()")"
            ;;
        90)
            # as the OOM killer would: the postmaster ends every server process and runs crash
            # recovery without restarting (its start time stays)
            log "a writer's backend killed with SIGKILL: crash recovery in place"
            kill -KILL "$(psqlc -h "$primary" -c "select pid from pg_stat_activity where application_name = 'soak-writer' limit 1")" 2>/dev/null
            ;;
    esac
done
at 100
log "stopping the writers"
touch "$T/stop"
wait $workers
psqlc -h "$primary" -c "insert into events (actor, entity, op, summary) values ('soak', 'accounts', 'insert', 'S end'); select pg_notify('ccrm', '')" >/dev/null
f3_run final
wait "$(cat "$T/f3.pid")"
for f in f1 f2; do
    for ((i = 0; i < 600; i++)); do grep -q '"summary" : "S end"' "$T/$f" && break; sleep 0.1; done
    kill "$(cat "$T/$f.pid")"
done

# ---- every event on the surviving primary, once ----
psqlc -h "$primary" -c "select id || ' ' || summary from events where summary ~ '^S ' order by id" | sort >"$T/want"
psqlc -h "$primary" -c "select id || ' ' || summary || '|' || xid from events where summary ~ '^S '" >"$T/xids"
tli=$(psqlc -h "$primary" -c "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")
# vis XID SNAPSHOT: does the snapshot count the transaction as ended (pg_visible_in_snapshot)?
vis() { awk -v x="$1" -v s="$2" 'BEGIN { split(s, p, ":"); n = split(p[3], ip, ",")
    if (x + 0 < p[1] + 0) exit 0; if (x + 0 >= p[2] + 0) exit 1
    for (i = 1; i <= n; i++) if (ip[i] + 0 == x + 0) exit 1; exit 0 }'; }
explain() { # FOLLOWER: which events were lost or repeated, and for f3 whose position skipped them
    local f=$1 pair xid n st cur
    comm -23 "$T/want" <(sort -u "$T/$f.pairs") | head -n 10 | while read -r pair; do
        xid=$(awk -F'|' -v p="$pair" '$1 == p { print $2; exit }' "$T/xids")
        echo "# $f lost: $pair (xid $xid)"
        [ "$f" = f3 ] || continue
        for ((n = 1; ; n++)); do
            st=$T/f3.state.$n
            [ -e "$st" ] || { n=final; st=$T/f3.state.final; }
            [ -e "$st" ] || break
            # a position on the surviving timeline (field 3: timeline[-start]) whose base
            # (field 4) counts the event's transaction as ended
            cur=$(sed -n 's/^cursor //p' "$st")
            if [ "$(echo "$cur" | cut -d. -f3 | cut -d- -f1)" = "$tli" ] &&
                vis "$xid" "$(echo "$cur" | cut -d. -f4)"; then
                echo "#   first counted as delivered in the state before instance $n; before it:"
                sed -n 's/^cursor /#     /p' "$T/f3.state.$((n - 1))" "$st" 2>/dev/null
                sed -n "/^# instance $((n - 1)) /,/^# instance $n /p" "$T/f3.err" | head -n 12 | sed 's/^/#     /'
                break
            fi
            [ "$n" = final ] && break
        done
    done
    sort "$T/$f.pairs" | uniq -d | head -n 10 | sed "s/^/# $f twice: /"
}
pairs() { sed -n 's/^{"id" : \([0-9]*\), .*"summary" : "\(S [^"]*\)".*/\1 \2/p' "$1"; }
printf '%-8s %8s %8s %6s %6s %14s %12s\n' follower lines distinct lost twice gone-with-old rolled-back
bad=0
for f in f1 f2 f3; do
    pairs "$T/$f" >"$T/$f.pairs"
    lines=$(wc -l <"$T/$f.pairs")
    distinct=$(sort -u "$T/$f.pairs" | wc -l)
    lost=$(comm -23 "$T/want" <(sort -u "$T/$f.pairs") | wc -l)
    twice=$(sort "$T/$f.pairs" | uniq -d | wc -l)
    gone=$(comm -13 "$T/want" <(sort -u "$T/$f.pairs") | wc -l)
    rb=$(grep -c '"summary" : "R ' "$T/$f")
    printf '%-8s %8d %8d %6d %6d %14d %12d\n' "$f" "$lines" "$distinct" "$lost" "$twice" "$gone" "$rb"
    grep -h -e "history changed" -e "server restarted" "$T/$f.err" | head -n 4 | sed "s/^/# $f: /"
    [ "$lost" = 0 ] && [ "$twice" = 0 ] && [ "$rb" = 0 ] || { bad=1; explain $f; }
done
echo "# events on the surviving primary: $(wc -l <"$T/want"); run: $secs s"
if [ $bad != 0 ] && [ -n "${CCRM_SOAK_KEEP:-}" ]; then
    mkdir -p "$CCRM_SOAK_KEEP" && (cd "$T" && tar --exclude=./pg/data --exclude=./pgb/data -cf - .) |
        tar -xf - -C "$CCRM_SOAK_KEEP" && echo "# the run's files: $CCRM_SOAK_KEEP"
fi
[ $bad = 0 ] || fail "events were lost or delivered twice"
ok "every follower: every event once"
done_testing
