#!/usr/bin/env bash
# Smoke run of the list-views benchmark at a small scale: the benchmark itself must keep
# working (scripts/bench runs it at 1,000,000 rows per table by hand). Checks that every view
# was measured: first paint, PgDn, j, a search keystroke (all rounds, and rounds after the
# first: --reps 10 types each word twice: fewer type it once), a filter, and the client's
# memory. 60 demo accounts beside the bulk rows (the full run loads 300): the bulk rows name 50
# of them. 500 rows a table: the 10 PgDn of a 45-line screen move through 410 (2,000 took
# another 1.7 s to load and vacuum).
CCRM=${1:?usage: test_bench_lists_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_lists.sh" "$CCRM" --scale 500 --reps 10 --demo-scale 60 2>&1)
echo "$out"
n=0
fails=0
num='[0-9]+\.[0-9]+ / [0-9]+\.[0-9]+ / [0-9]+\.[0-9]+'
for view in contacts leads deals tickets campaigns inbox feed quotes invoices; do
    n=$((n + 1))
    line=$(grep "^$view " <<<"$out")
    # first paint, then six "p50 / p90 / max" columns (PgDn, j, search, search after the
    # first round, filter, bare SQL), RSS
    if grep -Eq "^$view +[0-9]+\.[0-9]+ +$num +$num +$num +$num +$num +$num +[0-9]+/[0-9]+\$" <<<"$line"; then
        echo "ok $n - $view measured"
    else
        echo "not ok $n - $view measured: $line"
        fails=$((fails + 1))
    fi
done
echo "$((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
