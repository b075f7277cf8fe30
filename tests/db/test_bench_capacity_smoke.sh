#!/usr/bin/env bash
# Smoke run of the capacity benchmark (writers beside N bare listeners, then beside N ccrm
# clients) with two clients for two seconds: it must keep measuring, and every client must draw
# every event (scripts/bench runs 10, 100 and 300 clients).
CCRM=${1:?usage: test_bench_capacity_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_capacity.sh" "$CCRM" --clients 2 --seconds 2 --rate 20 2>&1)
rc=$?
echo "$out"
n=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "$((n - 1)) passed, 1 failed"; exit 1; fi; }
t "benchmark exits 0" "test $rc = 0"
t "writers measured beside bare listeners" "grep -Eq '^2 +listeners +[0-9.]+ [0-9.]+ +[0-9.]+ [0-9.]+' <<<\"\$out\""
line=$(grep -E '^2 +ccrm ' <<<"$out")
t "writers measured beside ccrm clients ($line)" "grep -Eq '^2 +ccrm +[0-9.]+ [0-9.]+ +[0-9.]+ [0-9.]+ [0-9]+ ' <<<\"\$line\""
got=$(awk '{ print $7 }' <<<"$line")
want=$(sed -n 's/.*(of \([0-9]*\)).*/\1/p' <<<"$line")
t "every client drew every event ($got of $want)" "test -n \"$want\" && test \"$want\" -gt 0 && test \"$got\" = \"$want\""
echo "$n passed, 0 failed"
