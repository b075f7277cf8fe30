#!/usr/bin/env bash
# Smoke run of the import benchmark at 20,000 rows: it must keep working and measuring
# (tests/bench/bench_import.sh runs 1,000,000 by hand).
CCRM=${1:?usage: test_bench_import_smoke.sh path/to/ccrm}
out=$(bash "$(dirname "$0")/../bench/bench_import.sh" "$CCRM" --rows 20000 2>&1)
rc=$?
echo "$out"
n=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "$((n - 1)) passed, 1 failed"; exit 1; fi; }
t "benchmark exits 0" "test $rc = 0"
t "same rows as psql" "grep -q '^rows after: ccrm 21000, psql 21000' <<<\"\$out\""
t "psql rate measured" "grep -Eq '^psql .copy: .* [0-9]+ rows/s' <<<\"\$out\""
t "plain clone rate measured" "grep -Eq '^psql .copy into the plain clone: .* [0-9]+ rows/s' <<<\"\$out\""
t "the plain clone got the same rows" "grep -q '^rows in the plain clone: 21000' <<<\"\$out\""
t "both ratios reported" "grep -Eq '^ratio to the plain clone: [0-9.]+' <<<\"\$out\""
t "ccrm rate measured" "grep -Eq '^ccrm --import: .* [0-9]+ rows/s' <<<\"\$out\""
t "RSS measured" "grep -Eq '^client RSS: [0-9]+ kB' <<<\"\$out\""
echo "$n passed, 0 failed"
