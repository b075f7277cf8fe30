#!/usr/bin/env bash
# Smoke run of the live benchmark (commit → drawn in other clients, next to the bare NOTIFY
# round trip) with two clients and a few events; scripts/bench runs it with 1, 10 and 100.
CCRM=${1:?usage: test_bench_live_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_live.sh" "$CCRM" --clients 2 --events 20 --gap-ms 60 2>&1)
echo "$out"
line=$(grep -E '^2 ' <<<"$out")
if [[ $line =~ ^2\ +40\ [0-9.]+\ [0-9.]+\ [0-9.]+\ +[0-9]+\ [0-9.]+ ]]; then
    echo "ok 1 - every event was seen drawn by both clients, and the NOTIFY baseline measured"
    echo "1 passed, 0 failed"
else
    echo "not ok 1 - expected 40 latency samples and a baseline"
    echo "0 passed, 1 failed"
    exit 1
fi
