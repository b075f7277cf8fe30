#!/usr/bin/env bash
# Build the `:` command parser fuzz target with clang's libFuzzer + ASan + UBSan straight from
# the sources and run it for SECONDS (default 20).
# Usage: tests/fuzz/run_cmd.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
shift || true
out=${FUZZ_OUT:-/tmp/ccrm-fuzz-cmd}
mkdir -p "$out/corpus"
clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$top/include" \
    "$top/tests/fuzz/fuzz_cmd_parse.c" "$top/src/cmd/parse.c" "$top/src/model/entity.c" \
    "$top/src/model/entity_billing.c" "$top/src/model/entity_service.c" \
    "$top/src/model/value.c" -I"$top/src/model" \
    "$top/src/util/util.c" "$top/src/util/err.c" -o "$out/fuzz_cmd_parse"
i=0
for s in "open Atlas Corp" ":find atl" "view le" "sort up" "h" "history" "q" 'o "a b"' "v"; do
    printf '%s' "$s" >"$out/corpus/seed-$i"
    i=$((i + 1))
done
exec "$out/fuzz_cmd_parse" -max_total_time="$secs" -max_len=1024 -timeout=10 -artifact_prefix="$out/" \
    -print_final_stats=1 "$@" "$out/corpus"
