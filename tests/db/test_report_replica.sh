#!/usr/bin/env bash
# ccrm --report from a streaming replica ([database] replica_conninfo): a real hot standby made
# with pg_basebackup -R from the test cluster and started on a socket of its own. A report
# read there equals the same report on the primary; while the standby's replay is paused, a
# deal written on the primary shows only with --primary, so the report did read the standby;
# the standby refuses writes, and a report is refused cleanly when the standby is down.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_report_replica.sh path/to/ccrm}

pg_start_demo "$CCRM" 80
B=$TEST_TMP/standby
pg_start_standby "$B"
psqb() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$B" -U postgres -d ccrm "$@"; }
check "the standby is in recovery" test "$(psqb -c 'select pg_is_in_recovery()')" = t
check "the standby caught up with the primary" standby_caught_up

cat >"$TEST_TMP/ccrm.ini" <<EOF
[database]
conninfo = host=$PG_DIR dbname=ccrm user=mia
replica_conninfo = host=$B dbname=ccrm user=mia
EOF
for r in pipeline win_rate tickets_by_product response_times interests_by_product campaign_funnel; do
    "$CCRM" -c "$TEST_TMP/ccrm.ini" --report "$r" --from 2025-01-01 --to 2027-06-01 >"$TEST_TMP/$r.replica" 2>"$TEST_TMP/err" ||
        { cat "$TEST_TMP/err"; fail "report $r from the replica"; }
    "$CCRM" -c "$TEST_TMP/ccrm.ini" --primary --report "$r" --from 2025-01-01 --to 2027-06-01 >"$TEST_TMP/$r.primary" ||
        fail "report $r from the primary"
    check "--report $r from the standby equals the primary's ($(wc -l <"$TEST_TMP/$r.replica") lines)" \
        cmp -s "$TEST_TMP/$r.replica" "$TEST_TMP/$r.primary"
done

# a currency no demo deal has (XTS, ISO's code for tests), known to ccrm as deals need (052)
psqlc -c "insert into currencies (code, minor_units, name) values ('XTS', 2, 'test currency')" >/dev/null
xts_on_standby() { test "$(psqb -c "select count(*) from currencies where code = 'XTS'" 2>/dev/null)" = 1; }
wait_until -t 20 xts_on_standby || fail "the standby did not get the test currency"
# hold the standby's replay, write on the primary: only the primary knows the new deal
psqb -c "select pg_wal_replay_pause()" >/dev/null
acc=$(psqlc -c "select min(id) from accounts")
psql -X -q -At "host=$PG_DIR dbname=ccrm user=sam" \
    -c "insert into opportunities (account_id, name, amount, currency, close_date) values ($acc, 'Replica probe', 4242, 'XTS', '2026-06-15')"
"$CCRM" -c "$TEST_TMP/ccrm.ini" --report pipeline --from 2026-06-01 --to 2026-07-01 >"$TEST_TMP/paused" || fail "report while paused"
check "while the standby's replay is paused, the report (from the standby) does not know the new deal" \
    bash -c "! grep -q ',XTS,' '$TEST_TMP/paused'"
"$CCRM" -c "$TEST_TMP/ccrm.ini" --primary --report pipeline --from 2026-06-01 --to 2026-07-01 >"$TEST_TMP/paused.p" || fail "primary"
check "--primary reads the primary, which does" grep -q '^2026-06-01,prospecting,XTS,1,4242.00$' "$TEST_TMP/paused.p"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=mia" -c "$TEST_TMP/ccrm.ini" --report pipeline --from 2026-06-01 --to 2026-07-01 >"$TEST_TMP/paused.d" || fail "-d"
check "so does a report given -d" grep -q ',XTS,' "$TEST_TMP/paused.d"
psqb -c "select pg_wal_replay_resume()" >/dev/null
check "the standby catches up again" standby_caught_up
"$CCRM" -c "$TEST_TMP/ccrm.ini" --report pipeline --from 2026-06-01 --to 2026-07-01 >"$TEST_TMP/resumed" || fail "report resumed"
check "... and then its report has the deal" grep -q ',XTS,1,4242.00$' "$TEST_TMP/resumed"
"$CCRM" -c "$TEST_TMP/ccrm.ini" --report pipeline --format jsonl --from 2026-06-01 --to 2026-07-01 >"$TEST_TMP/resumed.jsonl" || fail "jsonl"
check "JSON lines from the standby too" grep -q '"currency":"XTS"' "$TEST_TMP/resumed.jsonl"

# the standby's session is read-only, and the standby itself refuses writes
out=$(psql -X -At "host=$B dbname=ccrm user=sam" -c "insert into accounts (name) values ('x')" 2>&1)
check "the standby refuses writes" grep -q 'read-only transaction' <<<"$out"

# a standby that is not there: a clear error, exit 69
as_pg "$PG_BIN/pg_ctl" -D "$B/data" -m fast stop >/dev/null
"$CCRM" -c "$TEST_TMP/ccrm.ini" --report pipeline >/dev/null 2>"$TEST_TMP/down"
rc=$?
check "a report with the replica down: exit 69 ($rc)" test "$rc" = 69
check "... saying it was the replica" grep -q 'the replica (\[database\] replica_conninfo): could not connect' "$TEST_TMP/down"

done_testing
