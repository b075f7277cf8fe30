#!/usr/bin/env bash
# Smoke run of the Accounts benchmark at a small scale: the benchmark itself must keep working
# (scripts/bench runs it at 1,000,000 accounts by hand). Checks that every figure was measured.
# 1,000 accounts are pages enough for PgDn and PgUp, and over the 100 names the search word is
# taken from; two starts give the first-paint figures (the full run takes five).
CCRM=${1:?usage: test_bench_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_accounts.sh" "$CCRM" --scale 1000 --reps 5 --starts 2 2>&1)
echo "$out"
n=0
for what in "first paint (from main())" "first paint (from the exec)" "PgDn from the top" \
    "PgUp from the end" "search keystroke"; do
    n=$((n + 1))
    if grep -F "$what" <<<"$out" | grep -Eq '[0-9]+\.[0-9]+ / [0-9]+\.[0-9]+ / [0-9]+\.[0-9]+'; then
        echo "ok $n - $what measured"
    else
        echo "not ok $n - $what measured"; echo "0 passed, 1 failed"; exit 1
    fi
done
if grep -Eq '^client RSS: [0-9]+ kB' <<<"$out"; then echo "ok 6 - RSS measured"; else echo "not ok 6 - RSS measured"; exit 1; fi
echo "6 passed, 0 failed"
