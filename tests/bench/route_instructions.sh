#!/usr/bin/env bash
# The CPU cost of routing and SLA on a ticket insert in instructions, counted by valgrind
# (callgrind) on a single-user PostgreSQL backend: repeatable whatever else the machine is
# doing, unlike the timings of bench_sla.sh (its third part moves by ±0.3 ms between runs).
# The insert is bench_sla.sh's: no assignee, routed by the demo's rules and 14 more, two SLA
# clocks started, the routed person told. Counted with the three triggers of issue 17
# (ccrm_route, ccrm_route_notify, ccrm_sla_start) and without them (the insert before 019),
# per insert: the slope between runs of 5 and 25 inserts, so a backend's start and the first
# use of every function and catalog entry drop out. Each run files its own rows' search blocks
# at its end (the queue is set so that no insert of the run files them on the way), so the
# filing is counted for the rows the insert writes.
#
#   tests/bench/route_instructions.sh path/to/ccrm [--scale N]
#   --scale N: also load N tickets and N/10 open clocks first, as bench_sla.sh does
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/bench.sh"
CCRM=${1:?usage: route_instructions.sh path/to/ccrm [--scale N]}
shift
scale=0
while [ $# -gt 0 ]; do
    case $1 in
        --scale) scale=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
pg_start_demo "$CCRM" 50
q() { psqlc -c "$1"; }
q "update users set manager = null" >/dev/null
for i in $(seq 14); do
    q "insert into responsibilities (department, product, person, priority)
       values ('support', 'Bench product $i', (array['sofia', 'zoe', 'kenji'])[1 + $i % 3], 100 + $i)" >/dev/null
done
[ "$scale" -gt 0 ] && sla_load "$scale" $((scale / 10))
q "vacuum analyze" >/dev/null
nrules=$(q "select count(*) from responsibilities where active")
# a clean stop: otherwise the first single-user run would replay the load's WAL
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -m fast stop >/dev/null
single() {
    as_pg "$PG_BIN/postgres" --single -D "$PG_DIR/data" -c fsync=off -c listen_addresses= \
        -c "unix_socket_directories=$PG_DIR" ccrm "$@"
}
# prepare ON|OFF: the three triggers on or off, the person's inbox as new (the bound of 30
# notices in ten minutes is never reached), the search blocks' queue filed and its numbering
# just past a multiple of 256 (no insert of the next run files the queue)
prepare() {
    local how=disable
    [ "$1" = on ] && how=enable
    {
        echo "ALTER TABLE tickets $how TRIGGER ccrm_route, $how TRIGGER ccrm_route_notify,"
        echo "    $how TRIGGER ccrm_sla_start;"
        echo "DELETE FROM inbox WHERE from_login = 'sam';"
        echo "SELECT ccrm_search_blocks_flush();"
        echo "SELECT setval('search_block_pending_seq_seq',"
        echo "    (nextval('search_block_pending_seq_seq') / 256 + 1) * 256 + 1);"
    } >"$TEST_TMP/prepare.sql"
    chmod 644 "$TEST_TMP/prepare.sql"
    single -j <"$TEST_TMP/prepare.sql" >"$TEST_TMP/prepare.out" 2>&1 ||
        { tail -5 "$TEST_TMP/prepare.out" >&2; fail "could not prepare the run"; }
}
count() { # N: instructions of a backend inserting N tickets as sam, then filing their blocks
    local i out
    {
        echo "SET ROLE sam;"
        # (one statement a line: the single-user backend runs each line)
        for ((i = 0; i < $1; i++)); do
            echo "INSERT INTO tickets (subject, product, priority, account_id) VALUES ('Bench insert', 'ccrm Pro', 'normal', (SELECT min(id) FROM accounts));"
        done
        echo "SELECT ccrm_search_blocks_flush();"
    } >"$TEST_TMP/single.sql"
    chmod 644 "$TEST_TMP/single.sql"
    out=$PG_DIR/cg.$RANDOM
    as_pg valgrind --tool=callgrind --callgrind-out-file="$out" "$PG_BIN/postgres" --single \
        -D "$PG_DIR/data" -c fsync=off -c listen_addresses= -c "unix_socket_directories=$PG_DIR" \
        ccrm <"$TEST_TMP/single.sql" >"$PG_DIR/single.out" 2>&1 ||
        { tail -5 "$PG_DIR/single.out" >&2; fail "single-user backend failed"; }
    if grep -q "ERROR" "$PG_DIR/single.out"; then
        grep -m 3 "ERROR" "$PG_DIR/single.out" >&2
        fail "a statement of the counted run failed"
    fi
    awk '/^summary:/ { print $2 }' "$out"
    rm -f "$out"
}
per_insert() { # ON|OFF
    local c1 c2
    prepare "$1"
    c1=$(count 5)
    prepare "$1"
    c2=$(count 25)
    echo $(((c2 - c1) / 20))
}
off=$(per_insert off)
on=$(per_insert on)
printf 'ticket insert without routing and SLA (the insert before 019): %10d instructions\n' "$off"
printf 'routed by %d rules, 2 SLA clocks started, the person told:    %10d instructions\n' \
    "$nrules" "$on"
printf 'extra per insert: %d instructions (%.2fx the insert)\n' "$((on - off))" \
    "$(echo "$on / $off" | bc -l)"
