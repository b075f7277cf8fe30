#!/usr/bin/env bash
# Benchmark and proof of the gapless invoice numbers (docs/billing.md, docs/performance.md):
#   1. N draft invoices (a quarter in series B, the rest in the main series), one line each;
#   2. K concurrent issuers (psql sessions of the billing users bea and finn) issue them, one
#      transaction per invoice; every third transaction of each issuer rolls back after
#      ccrm_invoice_issue() took a number, and the invoice is issued again in the next one;
#   3. the numbers of every series and year in the database are exactly 1..count (no gap, no
#      duplicate), every counter equals its series' highest number, no draft is left;
#   4. the same transactions (commit and rollback pattern, sessions) as plain INSERTs of the
#      same rows into a plain clone of the table (no index, trigger or policy): the baseline;
#   5. rendering an issued invoice of L lines with `ccrm --print` (PDF and text), median of 5.
# Prints "gapless: ok ..." or "gapless: FAILED ..." (and exits 1), the rates and the times.
# Usage:
#   tests/bench/bench_billing.sh path/to/ccrm [--invoices N] [--issuers K] [--lines L]
#                                [--reuse CONNINFO]
# Defaults: 10,000 invoices, 16 issuers, 200 lines. --reuse runs in an existing database with
# the demo data (as a superuser's conninfo) instead of a throwaway cluster. --lines 0 skips 5.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_billing.sh path/to/ccrm [--invoices N] [--issuers K] [--lines L] [--reuse CONNINFO]}
shift
invoices=10000
issuers=16
lines=200
reuse=
while [ $# -gt 0 ]; do
    case $1 in
        --invoices) invoices=$2; shift 2 ;;
        --issuers) issuers=$2; shift 2 ;;
        --lines) lines=$2; shift 2 ;;
        --reuse) reuse=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

if [ -n "$reuse" ]; then
    CONN=$reuse
else
    pg_start_demo "$CCRM" 50
    CONN=$PG_CONN
fi
sql() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 "$CONN" "$@"; }
now() { date +%s.%N; }
acc=$(sql -c "select min(id) from accounts")
tag="bench-$$-$RANDOM"

# ---- 1. drafts ----
sql -c "set role bea" \
    -c "insert into invoices (account_id, series, notes)
        select $acc, case when g % 4 = 0 then 'B' else '' end, '$tag'
          from generate_series(1, $invoices) g" \
    -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, tax_rate)
        select id, 'Bench line ' || id, 1 + id % 5, 'hour', 9.99,
               case when id % 2 = 0 then 19 else 7 end
          from invoices where notes = '$tag'" >/dev/null || { echo "gapless: FAILED (could not make the drafts)"; exit 1; }

# ---- 2. concurrent issuers ----
sql -c "select id from invoices where notes = '$tag' order by id" >"$TEST_TMP/ids"
awk -v k="$issuers" -v dir="$TEST_TMP" -v verb=issue '
    function out(i, s) { print s >> (dir "/" verb "_" i ".sql") }
    BEGIN { for (i = 0; i < k; i++) out(i, "\\set ON_ERROR_STOP 1") }
    {
        i = (NR - 1) % k; c = cnt[i]++
        stmt = "SELECT ccrm_invoice_issue(" $1 ");"
        if (c % 3 == i % 3) { out(i, "BEGIN; " stmt " ROLLBACK;"); rb++ }
        out(i, "BEGIN; " stmt " COMMIT;")
    }
    END { print rb + 0 > (dir "/rollbacks") }' "$TEST_TMP/ids"
rollbacks=$(cat "$TEST_TMP/rollbacks")
run_sessions() { # VERB USER-FOR-EVEN USER-FOR-ODD: run the K scripts at once; prints seconds
    local verb=$1 ue=$2 uo=$3 i t0 t1 rc=0 pids=()
    t0=$(now)
    for ((i = 0; i < issuers; i++)); do
        psql -X -q -v ON_ERROR_STOP=1 "$CONN user=$([ $((i % 2)) = 0 ] && echo "$ue" || echo "$uo")" \
            -f "$TEST_TMP/${verb}_$i.sql" >/dev/null 2>"$TEST_TMP/${verb}_$i.err" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || rc=1; done
    t1=$(now)
    [ $rc = 0 ] || { cat "$TEST_TMP"/${verb}_*.err >&2; return 1; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
issue_s=$(run_sessions issue bea finn) || { echo "gapless: FAILED (an issuer failed)"; exit 1; }

# ---- 3. gapless ----
bad=$(sql -c "select coalesce(string_agg(format('series %L %s: %s numbers, %s..%s, %s distinct', series, year, n, lo, hi, d), '; '), '')
                from (select series, year, count(*) n, min(seq) lo, max(seq) hi, count(distinct seq) d
                        from invoices where seq is not null group by 1, 2) x
               where not (lo = 1 and hi = n and d = n)")
bad_ctr=$(sql -c "select count(*) from invoice_counters c
                   where c.last_no <> (select max(i.seq) from invoices i where i.series = c.series and i.year = c.year)")
drafts=$(sql -c "select count(*) from invoices where notes = '$tag' and status = 'draft'")
dupnum=$(sql -c "select count(*) - count(distinct number) from invoices where number is not null")
series=$(sql -c "select string_agg(format('%s%s: 1..%s', case when series = '' then 'main ' else 'series ' || series || ' ' end, year, max), ', ' order by series, year)
                   from (select series, year, max(seq) from invoices where seq is not null group by 1, 2) x")
if [ -z "$bad" ] && [ "$bad_ctr" = 0 ] && [ "$drafts" = 0 ] && [ "$dupnum" = 0 ]; then
    echo "gapless: ok ($invoices invoices by $issuers issuers, $rollbacks transactions rolled back after taking a number; $series)"
else
    echo "gapless: FAILED (${bad:-numbers ok}; counters off: $bad_ctr; drafts left: $drafts; duplicate numbers: $dupnum)"
    exit 1
fi
rate=$(awk -v n="$invoices" -v s="$issue_s" 'BEGIN { printf "%.0f", n / s }')
echo "issuing: $invoices invoices in $issue_s s: $rate invoices/s ($issuers sessions, $((invoices + rollbacks)) transactions)"

# ---- 4. baseline: the same transactions as plain INSERTs into a plain clone ----
sql -c "create schema if not exists bench" -c "drop table if exists bench.plain" \
    -c "create table bench.plain as select * from invoices with no data"
for ((i = 0; i < issuers; i++)); do
    sed 's/SELECT ccrm_invoice_issue(\([0-9]*\));/INSERT INTO bench.plain SELECT * FROM invoices WHERE id = \1;/' \
        "$TEST_TMP/issue_$i.sql" >"$TEST_TMP/plain_$i.sql"
done
base_s=$(run_sessions plain postgres postgres) || { echo "baseline: FAILED"; exit 1; }
base_rate=$(awk -v n="$invoices" -v s="$base_s" 'BEGIN { printf "%.0f", n / s }')
echo "baseline: $invoices plain INSERTs in $base_s s: $base_rate rows/s (same sessions and rollbacks; issuing is $(awk -v a="$rate" -v b="$base_rate" 'BEGIN { printf "%.2f", a / b }') of it)"
sql -c "drop schema bench cascade"

# ---- 5. rendering ----
if [ "$lines" -gt 0 ]; then
    big=$(sql -c "set role bea" -c "insert into invoices (account_id, currency, buyer_reference, notes)
                   values ($acc, 'EUR', 'PO-4711', 'Bench: $lines lines') returning id" | tail -n 1)
    sql -c "set role bea" -c "insert into invoice_lines (invoice_id, description, quantity, unit, unit_price, discount_pct, tax_rate)
        select $big, 'Position ' || g || ': ' || (array['Beratung Müller & Söhne', 'Σύμβουλος υπηρεσίες',
               'Консультация', '北京 office support', 'Łódź onboarding workshop, two days on site'])[1 + g % 5],
               1 + g % 7, (array['hour', 'day', 'piece', 'month'])[1 + g % 4], round((g * 7.77) % 500 + 0.5, 2),
               (g % 4) * 5, (array[19, 7, 0])[1 + g % 3]
          from generate_series(1, $lines) g" -c "select ccrm_invoice_issue($big)" >/dev/null
    median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
    for fmt in pdf txt; do
        for r in 1 2 3 4 5; do
            t0=$(now)
            "$CCRM" -d "$CONN user=bea" --print invoice "$big" --output "$TEST_TMP/render.$fmt" >/dev/null ||
                { echo "render: FAILED ($fmt)"; exit 1; }
            t1=$(now)
            awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
        done | median >"$TEST_TMP/median.$fmt"
    done
    pages=$(pdfinfo "$TEST_TMP/render.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
    echo "render: $lines-line invoice: pdf $(cat "$TEST_TMP/median.pdf") ms ($pages pages), text $(cat "$TEST_TMP/median.txt") ms (median of 5, ccrm start to exit)"
fi
