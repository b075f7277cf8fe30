#!/usr/bin/env bash
# Capacity: do live clients starve the writers? For N = 10, 100, 300 connected at once, two
# pgbench writers insert tickets as support (one ticket a transaction, fsync on): flat out for
# --seconds (throughput and p99 latency), then at --rate transactions a second (every ticket an
# event every client must draw). First with N bare listeners (N connections that only LISTEN
# ccrm: what PostgreSQL itself pays to wake them; tests/bench/listeners.c), then with N ccrm
# clients on the Tickets list in tmux windows, whose traces (CCRM_TRACE) give commit -> drawn
# for every event in every client. --views spreads the clients over views in turn (the first
# client on the first view, ...): "tickets" (the default) puts every client where every insert
# shows; "tickets leads accounts feed inbox dashboard" mixes views the inserts concern with
# views they do not. Usage:
#   tests/bench/bench_capacity.sh path/to/ccrm [--clients "10 100 300"] [--seconds S] [--rate R]
#       [--views "V ..."]
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_capacity.sh path/to/ccrm [--clients LIST] [--seconds S] [--rate R]}
shift
clients_list="10 100 300" secs=20 rate=50 views="tickets"
while [ $# -gt 0 ]; do
    case $1 in
        --clients) clients_list=$2; shift 2 ;;
        --seconds) secs=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --views) views=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
max=0
for n in $clients_list; do [ "$n" -gt "$max" ] && max=$n; done
cc -O2 -o "$TEST_TMP/listeners" "$(dirname "$0")/listeners.c" -I"$(pg_config --includedir)" -lpq ||
    fail "could not build listeners"
PG_EXTRA_OPTS="-c fsync=on -c max_connections=$((max + 60)) -c shared_buffers=256MB ${PG_EXTRA_OPTS:-}"
pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null
"$CCRM" -d "$PG_CONN" --demo --scale 300 >/dev/null
psqlc -c "alter role sofia connection limit -1" >/dev/null # every client is sofia (schema/014)
DB="host=$PG_DIR dbname=ccrm user=sofia"
acc=$(psqlc -c "select max(id) from accounts")
printf '\\set a random(1, %d)\n\\set r random(1, 1000000000)\nINSERT INTO tickets (account_id, subject, channel) VALUES (:a, %s, %s);\n' \
    "$acc" "'capacity ticket ' || :client_id || '-' || :r" "'email'" >"$TEST_TMP/ins.sql"

stats() { # numbers on stdin -> "n p50 p99 max"
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "0 - - -"; exit }
        printf "%d %.1f %.1f %.1f\n", NR, a[int((NR + 1) * 0.5)], a[int((NR - 1) * 0.99) + 1], a[NR] }'
}
# writers ARGS...: two pgbench writers; prints "tps p99-latency-ms"
writers() {
    rm -rf "$TEST_TMP/pgb" && mkdir -p "$TEST_TMP/pgb"
    (cd "$TEST_TMP/pgb" && pgbench -n -c 2 -j 2 -T "$secs" "$@" -l -f "$TEST_TMP/ins.sql" "$DB" >out 2>&1) ||
        { cat "$TEST_TMP/pgb/out" >&2; fail "pgbench"; }
    tps=$(awk '/^tps = / { print $3; exit }' "$TEST_TMP/pgb/out")
    p99=$(cat "$TEST_TMP"/pgb/pgbench_log.* | awk '{ print $3 / 1000 }' | stats | awk '{ print $3 }')
    echo "$tps $p99"
}

echo "# clients on: $views"
printf '%-6s %-9s %22s %24s %s\n' clients with "flat out: tps, p99 ms" "at $rate/s: tps, p99 ms" "commit -> drawn ms (n p50 p99 max)"
for n in $clients_list; do
    # ---- N bare listeners ----
    "$TEST_TMP/listeners" "$DB" "$n" $((secs * 2 + 30)) >"$TEST_TMP/listeners.out" 2>&1 &
    lpid=$!
    for ((i = 0; i < 300; i++)); do grep -q listening "$TEST_TMP/listeners.out" && break; sleep 0.1; done
    read -r ftps fp99 <<<"$(writers)"
    read -r rtps rp99 <<<"$(writers -R "$rate")"
    kill $lpid 2>/dev/null
    wait $lpid 2>/dev/null
    printf '%-6s %-9s %22s %24s %s\n' "$n" listeners "$ftps $fp99" "$rtps $rp99" "-"

    # ---- N ccrm clients on the Tickets list ----
    run=$TEST_TMP/run-$n
    mkdir -p "$run"
    tmx new-session -d -s c -x 120 -y 30 -e LANG=C.UTF-8 -e TERM=tmux-256color "sleep 100000"
    read -r -a vlist <<<"$views"
    for ((c = 1; c <= n; c++)); do
        tmx new-window -d -t c: -e LANG=C.UTF-8 -e TERM=tmux-256color \
            "env CCRM_TRACE=$run/trace.$c $(printf '%q ' "$CCRM") -d '$DB' --view ${vlist[(c - 1) % ${#vlist[@]}]}"
    done
    for ((i = 0; i < 1200; i++)); do
        [ "$(grep -l paint_startup "$run"/trace.* 2>/dev/null | wc -l)" -ge "$n" ] && break
        sleep 0.1
    done
    read -r ftps fp99 <<<"$(writers)"
    start=$(psqlc -c "select coalesce(max(id), 0) from events")
    read -r rtps rp99 <<<"$(writers -R "$rate")"
    last=$(psqlc -c "select max(id) from events")
    # every client has up to 10 s to draw the last event (a slow one counts as slow)
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -l "^event $last " "$run"/trace.* 2>/dev/null | wc -l)" -ge "$n" ] && break
        sleep 0.1
    done
    psqlc -F ' ' -c "select e.id, (extract(epoch from e.at) * 1000)::numeric(16,3) from events e
                     where e.id > $start and e.entity = 'tickets' and e.op = 'insert'" >"$run/commits"
    awk 'FILENAME ~ /commits$/ { commit[$1] = $2; next }
         $1 == "event" && ($2 in commit) { print $3 - commit[$2] }' \
        "$run/commits" "$run"/trace.* >"$run/lat"
    expected=$(($(wc -l <"$run/commits") * n))
    printf '%-6s %-9s %22s %24s %s (of %d)\n' "$n" ccrm "$ftps $fp99" "$rtps $rp99" "$(stats <"$run/lat")" "$expected"
    [ -n "${BENCH_KEEP:-}" ] && mkdir -p "$BENCH_KEEP" && cp -r "$run" "$BENCH_KEEP/"
    tui_stop
done
