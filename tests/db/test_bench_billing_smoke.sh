#!/usr/bin/env bash
# Smoke run of the billing benchmark (tests/bench/bench_billing.sh, 10,000 invoices by hand):
# 400 invoices by 16 concurrent issuers with rollbacks must number gaplessly, and every figure
# (issuing rate, the plain INSERT baseline, rendering a 200-line invoice) must be measured.
CCRM=${1:?usage: test_bench_billing_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_billing.sh" "$CCRM" --invoices 400 --issuers 16 --lines 200 2>&1)
rc=$?
echo "$out"
n=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "$((n - 1)) passed, 1 failed"; exit 1; fi; }
t "benchmark exits 0" "test $rc = 0"
t "numbers gapless per series and year" "grep -q '^gapless: ok (400 invoices by 16 issuers' <<<\"\$out\""
t "issuing rate measured" "grep -Eq '^issuing: 400 invoices in [0-9.]+ s: [0-9]+ invoices/s' <<<\"\$out\""
t "baseline measured" "grep -Eq '^baseline: 400 plain INSERTs in [0-9.]+ s: [0-9]+ rows/s' <<<\"\$out\""
t "rendering measured" "grep -Eq '^render: 200-line invoice: pdf [0-9.]+ ms \\([0-9]+ pages\\), text [0-9.]+ ms' <<<\"\$out\""
echo "$n passed, 0 failed"
