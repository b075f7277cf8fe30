#!/usr/bin/env bash
# Smoke run of the mail benchmark at a small scale: the benchmark itself must keep working
# (the lead runs tests/bench/bench_mail.sh at 100,000 mails by hand). Checks that every figure
# was measured and that every mail of the mbox was stored.
CCRM=${1:?usage: test_bench_mail_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_mail.sh" "$CCRM" --count 400 --reps 10 2>&1)
echo "$out"
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
flunk() { n=$((n + 1)); echo "not ok $n - $1"; echo "$((n - 1)) passed, 1 failed"; exit 1; }
grep -Eq '^mail-in, directly: 10 mails, process start to exit: p50 [0-9.]+ ms, p99 [0-9.]+ ms' <<<"$out" && pass "--mail-in p50 and p99 measured" || flunk "--mail-in p50 and p99 measured"
[ "$(grep -Ec '^mail-in, through PgBouncer \(session pooling, reset [^)]*\): 10 mails, process start to exit: p50 [0-9.]+ ms, p99 [0-9.]+ ms' <<<"$out")" = 2 ] &&
    pass "--mail-in through PgBouncer measured, with both reset queries" || flunk "--mail-in through PgBouncer measured, with both reset queries"
grep -Eq '^psql \\copy of the raw mails: 400 mails in [0-9.]+ s: [0-9]+ mails/s' <<<"$out" && pass "the \\copy baseline measured" || flunk "the \\copy baseline measured"
grep -Eq '^ccrm --import-mail: 400 mails in [0-9.]+ s: [0-9]+ mails/s' <<<"$out" && pass "--import-mail measured" || flunk "--import-mail measured"
grep -Eq '^ratio: [0-9]*\.[0-9]+' <<<"$out" && pass "the ratio computed" || flunk "the ratio computed"
grep -Eq '^client RSS: [0-9]+ kB peak' <<<"$out" && pass "RSS measured" || flunk "RSS measured"
grep -q '^stored or duplicate: 400 of 400 mails' <<<"$out" && pass "every mail stored" || flunk "every mail stored"
echo "$n passed, 0 failed"
