#!/usr/bin/env bash
# A psql user (or a reporting tool) who writes in a REPEATABLE READ or SERIALIZABLE transaction
# must not have a plain write refused for bookkeeping it never asked for. The opportunistic
# compaction of the running totals (ccrm_totals_fold) and the filing of the search queue
# (ccrm_search_blocks_flush) lock rows with FOR UPDATE SKIP LOCKED: under a snapshot older than
# another session's compaction they met rows deleted since, and PostgreSQL refuses that with a
# serialization failure ("could not serialize access due to concurrent delete") — an INSERT of
# tickets failed because someone else's write had filed the queue. Both are left to the next
# READ COMMITTED writer (or --tick) then; the rows and totals stay exact meanwhile.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_repeatable_read.sh path/to/ccrm}
pg_start_demo "$CCRM" 3
T=$TEST_TMP

acc=$(q "select id from accounts order by id limit 1")

# run_a ISOLATION: session A (sofia, support) takes its snapshot, waits for session B to fold
# and file everything, then writes; its output is in $T/a.out
run_a() {
    local iso=$1 writes=$2
    rm -f "$T/a.in" "$T/a.out" "$T/a.go"
    mkfifo "$T/a.in"
    psql -X -q -At -v ON_ERROR_STOP=1 "host=$PG_DIR dbname=ccrm user=sofia" \
        <"$T/a.in" >"$T/a.out" 2>&1 &
    local pid=$!
    exec 7>"$T/a.in"
    echo "begin isolation level $iso;
          select 'snap', count(*) from search_block_pending;
          select 'snap', count(*) from ccrm_totals_delta;
          \\o $T/a.go
          select 1;
          \\o" >&7
    local i
    for ((i = 0; i < 200; i++)); do [ -s "$T/a.go" ] && break; nap; done
    check "session A has its snapshot" test -s "$T/a.go"
    # session B: the superuser folds the totals and files the queue (as --tick does)
    q "select ccrm_totals_fold('tickets'); select ccrm_search_blocks_flush();" >/dev/null
    check "... B's filing emptied the queue A still sees" \
        test "$(q "select count(*) from search_block_pending")" = 0
    echo "$writes
          commit;
          select 'done';" >&7
    exec 7>&-
    wait "$pid" || true
}

queue_some() {    # committed, unfiled queue rows and unfolded delta rows of tickets
    as sofia -c "insert into tickets (account_id, subject)
                 select $acc, 'queued ' || g from generate_series(1, 3) g" >/dev/null
    local i j
    for i in $(seq 1 8); do
        as sofia -c "insert into tickets (account_id, subject) values ($acc, 'delta $i');
                     $(for j in $(seq 1 40); do
                         echo "insert into tickets (account_id, subject) values ($acc, 'delta $i $j');"
                       done)" >/dev/null
    done
}

for iso in "repeatable read" serializable; do
    queue_some
    check "there are queued rows before A starts ($iso)" \
        test "$(q "select count(*) from search_block_pending")" -gt 0
    check "... and delta rows of tickets" \
        test "$(q "select count(*) from ccrm_totals_delta where entity = 'tickets'")" -gt 1
    n0=$(q "select count(*) from tickets")
    # 300 rows in one statement cross a multiple of 256 of the queue: the filing falls to it;
    # then single rows, each a delta row of the totals: past 300 of them the one whose id passes
    # a multiple of 64 folds them
    run_a "$iso" "insert into tickets (account_id, subject)
                  select $acc, 'rr bulk ' || g from generate_series(1, 300) g;
                  $(for j in $(seq 1 320); do
                      echo "insert into tickets (account_id, subject) values ($acc, 'rr one $j');"
                    done)"
    grep -q ERROR "$T/a.out" && grep -A3 ERROR "$T/a.out" >&2
    check "A's writes in $iso are not refused" sh -c "! grep -q 'ERROR' '$T/a.out'"
    check "... A committed" grep -q '^done$' "$T/a.out"
    check "... all 620 tickets are there" test "$(q "select count(*) from tickets")" = $((n0 + 620))
    check "... the totals count them (folded or not)" \
        test "$(q "select sum(n) from ccrm_totals_delta where entity = 'tickets'")" = \
        "$(q "select count(*) from tickets")"
    # the next READ COMMITTED writer files what A left (the queue does not grow for ever)
    q "select ccrm_search_blocks_flush()" >/dev/null
    check "... and a READ COMMITTED filing takes A's queue" \
        test "$(q "select count(*) from search_block_pending")" = 0
done
echo "ok - test_repeatable_read"
