#!/usr/bin/env bash
# Benchmark: from a writer's COMMIT to the change drawn on another client's screen, with 1, 10
# and 100 connected full-screen clients, next to the bare NOTIFY round trip measured in the
# same run while those clients are connected. Usage:
#   tests/bench/bench_live.sh path/to/ccrm [--clients "1 10 100"] [--events N] [--gap-ms MS]
#                             [--warmup N]
# Each client runs in its own tmux window on the Accounts list with CCRM_TRACE; it records
# the wall-clock time at which the screen showing each event was updated. The writer commits
# one account at a time (each is one event); the event row's own clock_timestamp() is the
# commit time. The first --warmup events (default 10, paced the same way) are drawn but not
# counted: each client's first wake-ups find its server process's caches cold, and PostgreSQL
# plans a prepared statement five times before it keeps a generic plan; with every client
# started in the same second, that one-off cost would land on the same few events.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_live.sh path/to/ccrm [--clients LIST] [--events N] [--gap-ms MS] [--warmup N]}
shift
clients_list="1 10 100"
events=1000
gap=50
warmup=10
while [ $# -gt 0 ]; do
    case $1 in
        --clients) clients_list=$2; shift 2 ;;
        --events) events=$2; shift 2 ;;
        --gap-ms) gap=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

cc -O2 -o "$TEST_TMP/notify_rtt" "$(dirname "$0")/notify_rtt.c" -I"$(pg_config --includedir)" -lpq ||
    fail "could not build notify_rtt"
pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null
"$CCRM" -d "$PG_CONN" --demo --scale 300 >/dev/null
# every client is marco: lift the per-login connection limit (schema/014) for the benchmark
psqlc -c "alter role marco connection limit -1" >/dev/null

stats() { # numbers on stdin → "n p50 p99 max"
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "0 - - -"; exit }
        printf "%d %.1f %.1f %.1f\n", NR, a[int((NR + 1) * 0.5)], a[int((NR - 1) * 0.99) + 1], a[NR] }'
}

printf '%-8s %-34s %-30s %s\n' clients "commit → drawn, ms (n p50 p99 max)" "bare NOTIFY rtt (n p50 p99 max)" "ratio p50 / p99"
for n in $clients_list; do
    run=$TEST_TMP/run-$n
    mkdir -p "$run"
    tmx new-session -d -s b -x 120 -y 30 -e LANG=C.UTF-8 -e TERM=tmux-256color "sleep 100000"
    for ((c = 1; c <= n; c++)); do
        tmx new-window -d -t b: -e LANG=C.UTF-8 -e TERM=tmux-256color \
            "env CCRM_TRACE=$run/trace.$c $(printf '%q ' "$CCRM") -d '$PG_CONN user=marco' --view accounts"
    done
    # wait until every client has painted
    for ((i = 0; i < 600; i++)); do
        ready=$(grep -l paint_startup "$run"/trace.* 2>/dev/null | wc -l)
        [ "$ready" -ge "$n" ] && break
        sleep 0.1
    done
    # warm-up, not counted: the same writes, until every client has drawn the last of them
    if [ "$warmup" -gt 0 ]; then
        {
            for ((i = 1; i <= warmup; i++)); do
                echo "insert into accounts (name) values ('Warm-up $n $i');"
                echo "select pg_sleep($gap / 1000.0);"
            done
        } | psql -X -q -At "$PG_CONN" >/dev/null
        last=$(psqlc -c "select max(id) from events where summary = 'Warm-up $n $warmup'")
        for ((i = 0; i < 200; i++)); do
            [ "$(grep -l "^event $last " "$run"/trace.* 2>/dev/null | wc -l)" -ge "$n" ] && break
            sleep 0.1
        done
    fi
    # the writer: one account per transaction, paced
    {
        for ((i = 1; i <= events; i++)); do
            echo "insert into accounts (name) values ('Live $n $i');"
            echo "select pg_sleep($gap / 1000.0);"
        done
    } | psql -X -q -At "$PG_CONN" >/dev/null
    # wait (up to 20 s) until every client has drawn the last event, so that a slow client
    # counts as slow, not as missing
    last=$(psqlc -c "select max(id) from events where summary = 'Live $n $events'")
    for ((i = 0; i < 200; i++)); do
        [ "$(grep -l "^event $last " "$run"/trace.* 2>/dev/null | wc -l)" -ge "$n" ] && break
        sleep 0.1
    done
    # each event's time is clock_timestamp() in its trigger, just before COMMIT: a lower bound
    # of the commit time, so the latencies below are slightly pessimistic
    psqlc -F ' ' -c "select e.id, (extract(epoch from e.at) * 1000)::numeric(16,3) from events e
                     where e.summary like 'Live $n %' and e.op = 'insert'" >"$run/commits"
    # latency per (client, event): paint time - commit time
    awk 'FILENAME ~ /commits$/ { commit[$1] = $2; next }
         $1 == "event" && ($2 in commit) { print $3 - commit[$2] }' \
        "$run/commits" "$run"/trace.* >"$run/lat"
    lat=$(stats <"$run/lat")
    rtt=$("$TEST_TMP/notify_rtt" "$PG_CONN" 500 | stats)
    read -r _ l50 l99 _ <<<"$lat"
    read -r _ r50 r99 _ <<<"$rtt"
    ratio=$(awk -v a="$l50" -v b="$r50" -v c="$l99" -v d="$r99" 'BEGIN { if (b > 0 && d > 0) printf "%.1f / %.1f", a / b, c / d }')
    printf '%-8s %-34s %-30s %s\n' "$n" "$lat" "$rtt" "$ratio"
    # each window runs "env ... ccrm", and env executes ccrm in place: the pane pid is ccrm's
    rss=$(for p in $(tmx list-panes -s -t =b: -F '#{pane_pid}'); do
        [ "$(cat /proc/"$p"/comm 2>/dev/null)" = ccrm ] && awk '/VmRSS/ { print $2 }' /proc/"$p"/status
    done | stats)
    echo "         client RSS kB (n p50 p99 max): $rss; expected $((events * n)) samples"
    # BENCH_KEEP=DIR keeps the traces and commit times of each run for a closer look
    [ -n "${BENCH_KEEP:-}" ] && mkdir -p "$BENCH_KEEP" && cp -r "$run" "$BENCH_KEEP/"
    tui_stop
done
