#!/usr/bin/env bash
# Smoke run of the SLA benchmark at a small scale: the benchmark itself must keep working
# (scripts/bench runs it at 1,000,000 tickets and 100,000 open clocks by hand). Checks that
# every figure was measured and that the time-left page uses its index.
CCRM=${1:?usage: test_bench_sla_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_sla.sh" "$CCRM" --scale 20000 --clocks 4000 --due 10 --reps 5 --rounds 5 2>&1)
echo "$out" | sed 's/^/# /'
n=0
pass=0
for what in "time-left list, first page" "time-left list, page from the middle" \
    "time-left list, breached filter" "time-left list in the client, PgDn" \
    "time-left list in the client, j" "scheduler pass, 10 breaches" "scheduler pass, nothing due" \
    "ticket insert, no routing" "ticket insert, routed"; do
    n=$((n + 1))
    if grep "^$what" <<<"$out" | grep -Eq '[0-9]+\.[0-9]+ / [0-9]+\.[0-9]+ / [0-9]+\.[0-9]+'; then
        echo "ok $n - $what measured"
        pass=$((pass + 1))
    else
        echo "not ok $n - $what measured"
    fi
done
n=$((n + 1))
if grep -Eq '^extra cost of routing \+ SLA per insert \(p50\): -?[0-9]+\.[0-9]+ ms \(25 inserts routed in 5 rounds, the person told 5 times in the last\)' <<<"$out"; then
    echo "ok $n - the extra cost was measured over routed inserts whose person was told"
    pass=$((pass + 1))
else
    echo "not ok $n - the extra cost was measured over routed inserts whose person was told"
fi
n=$((n + 1))
if grep -q 'does not use sla_clocks_time_left_idx' <<<"$out"; then
    echo "not ok $n - the time-left page is an index range"
else
    echo "ok $n - the time-left page is an index range"
    pass=$((pass + 1))
fi
echo "$pass passed, $((n - pass)) failed"
[ "$pass" = "$n" ]
