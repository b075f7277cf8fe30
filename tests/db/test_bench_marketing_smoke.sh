#!/usr/bin/env bash
# Smoke run of the marketing benchmark at a small scale: the benchmark itself must keep working
# (the lead runs it at 1,000,000 contacts on a quiet machine). Checks every measurement line.
CCRM=${1:?usage: test_bench_marketing_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_marketing.sh" "$CCRM" --scale 20000 --calls 4 2>&1)
echo "$out"
n=0
fails=0
expect() { # NAME REGEX
    n=$((n + 1))
    if grep -Eq "$2" <<<"$out"; then
        echo "ok $n - $1 measured"
    else
        echo "not ok $n - $1 measured"
        fails=$((fails + 1))
    fi
}
num='[0-9]+(\.[0-9]+)?'
expect "the load" "^bench_marketing: 2[0-9],[0-9]{3} contacts|^bench_marketing: 2[0-9]{4} contacts \([0-9]+ duplicates planted\)"
expect "duplicates while typing" "^dup_typing +p50 $num +p90 $num +max $num ms +\([0-9]+ calls\)$"
expect "the duplicate scan" "^dup_scan +$num s +peak rss [0-9]+ MB +temp files [0-9]+ MB +[0-9]+ pairs \(([1-9][0-9]*) of the planted found\)$"
expect "a merge of 10,000 timeline entries" "^merge_10k +[0-9]+ ms +\(unmerge [0-9]+ ms; [0-9]+ rows restored\)$"
expect "segment estimates" "^segment_est +p50 $num +max $num ms"
for r in pipeline win_rate tickets_by_product response_times interests_by_product campaign_funnel; do
    expect "report $r" "^report $r +[0-9]+ ms SQL, [0-9]+ ms ccrm --report$"
done
# every planted duplicate is found by the scan
planted=$(grep -Eo '\([0-9]+ duplicates planted\)' <<<"$out" | grep -Eo '[0-9]+')
found=$(grep -Eo '\(([0-9]+) of the planted found\)' <<<"$out" | grep -Eo '[0-9]+')
n=$((n + 1))
if [ -n "$planted" ] && [ "$planted" = "$found" ]; then
    echo "ok $n - the scan finds every planted duplicate ($found of $planted)"
else
    echo "not ok $n - the scan finds every planted duplicate (${found:-?} of ${planted:-?})"
    fails=$((fails + 1))
fi
echo "$((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
