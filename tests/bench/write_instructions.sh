#!/usr/bin/env bash
# The CPU cost of single-row writes in instructions, counted by valgrind (callgrind) on a
# single-user PostgreSQL backend: repeatable whatever else the machine is doing, so changes to
# the write path can be compared while other work runs (timings need a quiet machine:
# bench_writes.sh). Per case: instructions of N writes on ccrm's table and on its plain clone,
# minus a run with no writes, divided by N. Commits are not counted (fsync is off here): this is
# the work the schema adds, not the disk.
#
#   tests/bench/write_instructions.sh path/to/ccrm [--writes N] [--scale N]
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: write_instructions.sh path/to/ccrm [--writes N] [--scale N]}
shift
writes=200 scale=300
while [ $# -gt 0 ]; do
    case $1 in
        --writes) writes=$2; shift 2 ;;
        --scale) scale=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
pg_start_demo "$CCRM" "$scale"
q() { psqlc -c "$1"; }
for t in leads tickets contacts opportunities; do
    cols=$(q "select string_agg(quote_ident(attname), ', ' order by attnum) from pg_attribute
              where attrelid = '$t'::regclass and attnum > 0 and not attisdropped and attgenerated = ''")
    q "create table plain_$t (like $t including all)" >/dev/null
    q "insert into plain_$t ($cols) overriding system value select $cols from $t" >/dev/null
    q "select setval(pg_get_serial_sequence('plain_$t', 'id'), (select max(id) from plain_$t))" >/dev/null
    q "grant select, insert, update on plain_$t to ccrm_internal" >/dev/null
done
q "vacuum analyze" >/dev/null
acc=$(q "select max(id) from accounts")
nlead=$(q "select max(id) from leads")
ntk=$(q "select max(id) from tickets")
# a clean stop: otherwise the first single-user run below would replay the demo load's WAL
# (crash recovery, counted as that run's work)
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -m fast stop >/dev/null

# count USER TEMPLATE N: instructions of a single-user backend running N statements (%d: 1..N)
count() {
    local who=$1 tpl=$2 n=$3 i out line
    {
        echo "SET ROLE $who;"
        # one statement per write: %d is the write's number (printf would repeat a template
        # with fewer %d than arguments, writing each row two or three times)
        for ((i = 1; i <= n; i++)); do line=${tpl//%d/$i}; echo "${line//%%/%}"; done
        # the search blocks' queue of these writes filed at the end, so that every run pays
        # for filing its own rows and only those (the queue is filed in batches, by whichever
        # writer's entry lands on a multiple of 256: the runs would otherwise pay for their
        # predecessors' rows, or for none)
        echo "SELECT ccrm_search_blocks_flush();"
    } >"$TEST_TMP/single.sql"
    chmod 644 "$TEST_TMP/single.sql"
    # (the queue left by the previous run, filed before this one, not counted)
    echo "SELECT ccrm_search_blocks_flush();" | as_pg "$PG_BIN/postgres" --single -D "$PG_DIR/data" \
        -c fsync=off -c listen_addresses= -c "unix_socket_directories=$PG_DIR" ccrm >/dev/null 2>&1
    out=$PG_DIR/cg.$RANDOM
    as_pg valgrind --tool=callgrind --callgrind-out-file="$out" --trace-children=no \
        "$PG_BIN/postgres" --single -D "$PG_DIR/data" -c fsync=off -c listen_addresses= \
        -c "unix_socket_directories=$PG_DIR" ccrm <"$TEST_TMP/single.sql" >"$PG_DIR/single.out" 2>&1 ||
        { echo "single-user backend failed:" >&2; tail -5 "$PG_DIR/single.out" >&2; }
    awk '/^summary:/ { print $2 }' "$out"
}
printf '%-26s %14s %14s %7s\n' "write" "ccrm instr" "plain instr" "ratio"
# per write: the slope between a short and a long run, so the backend's start and the first
# use of every function and catalog entry (paid once) drop out
run() { # NAME USER CCRM-TEMPLATE PLAIN-TEMPLATE
    local short=$((writes / 4)) c1 c2 p1 p2 c p
    c1=$(count "$2" "$3" "$short")
    c2=$(count "$2" "$3" "$writes")
    p1=$(count "$2" "$4" "$short")
    p2=$(count "$2" "$4" "$writes")
    c=$(((c2 - c1) / (writes - short)))
    p=$(((p2 - p1) / (writes - short)))
    printf '%-26s %14d %14d %6.2fx\n' "$1" "$c" "$p" "$(echo "$c / $p" | bc -l)"
}
run "UPDATE lead (sales)" sam \
    "UPDATE leads SET score = (score + 1) %% 100 WHERE id = 1 + %d %% $nlead;" \
    "UPDATE plain_leads SET score = (score + 1) %% 100 WHERE id = 1 + %d %% $nlead;"
run "INSERT ticket (support)" sofia \
    "INSERT INTO tickets (account_id, subject, channel) VALUES (1 + %d %% $acc, 'instr ticket %d', 'email');" \
    "INSERT INTO plain_tickets (account_id, subject, channel) VALUES (1 + %d %% $acc, 'instr ticket %d', 'email');"
run "UPDATE ticket (support)" sofia \
    "UPDATE tickets SET priority = CASE priority WHEN 'high' THEN 'normal' ELSE 'high' END WHERE id = 1 + %d %% $ntk;" \
    "UPDATE plain_tickets SET priority = CASE priority WHEN 'high' THEN 'normal' ELSE 'high' END WHERE id = 1 + %d %% $ntk;"
run "INSERT contact (sales)" sam \
    "INSERT INTO contacts (account_id, first_name, last_name) VALUES (1 + %d %% $acc, 'Instr', 'Contact %d');" \
    "INSERT INTO plain_contacts (account_id, first_name, last_name) VALUES (1 + %d %% $acc, 'Instr', 'Contact %d');"
