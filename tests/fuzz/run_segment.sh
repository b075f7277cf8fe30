#!/usr/bin/env bash
# Build the segment words fuzz target with clang's libFuzzer + ASan + UBSan straight from the
# sources and run it for SECONDS (default 20).
# Usage: tests/fuzz/run_segment.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
shift || true
out=${FUZZ_OUT:-/tmp/ccrm-fuzz-segment}
mkdir -p "$out/corpus"
clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$top/include" "$top/tests/fuzz/fuzz_segment.c" "$top/src/model/segment.c" \
    "$top/src/util/strbuf.c" "$top/src/util/util.c" "$top/src/util/err.c" \
    $(pkg-config --cflags --libs jansson) -o "$out/fuzz_segment"
i=0
for s in "interest=ccrm Pro, days=90" "contacts, any, ticket=API; status=open|pending" \
    'not response=4; status=clicked, account.employees between 10 and 20' \
    'any(deal=won, all(topic=GDPR, email is set)), title starts with "a, b"' \
    'leads, score>=5, created_at within 30 days, owner in a|"b|c"'; do
    printf '%s' "$s" >"$out/corpus/seed-$i"
    i=$((i + 1))
done
for f in "$top"/tests/fuzz/regressions/segment-*; do
    [ -f "$f" ] && cp "$f" "$out/corpus/regression-$(basename "$f")"
done
exec "$out/fuzz_segment" -max_total_time="$secs" -max_len=512 -timeout=10 -artifact_prefix="$out/" \
    -print_final_stats=1 "$@" "$out/corpus"
