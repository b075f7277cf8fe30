#!/usr/bin/env bash
# Build the import fuzz target with clang's libFuzzer + ASan + UBSan straight from the sources
# (no CMake option needed) and run it for SECONDS (default 20) on a seed corpus made from
# tests/data/import. Usage: tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
shift || true
out=${FUZZ_OUT:-/tmp/ccrm-fuzz-import}
mkdir -p "$out/corpus"
clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$top/include" -I"$top/src/cli" \
    "$top/tests/fuzz/fuzz_import.c" "$top/src/cli/csvread.c" "$top/src/cli/validate.c" \
    "$top/src/model/value.c" "$top/src/model/entity.c" "$top/src/model/entity_billing.c" "$top/src/model/entity_service.c" \
    -I"$top/src/model" \
    "$top/src/util/util.c" "$top/src/util/err.c" -lcsv -o "$out/fuzz_import"
# seeds: every corpus file, prefixed with an entity selector byte and a chunk size byte
i=0
for f in "$top"/tests/data/import/*.csv; do
    for sel in '\x00\x07' '\x01\x01' '\x02\x3f' '\x03\x02' '\x04\x05' '\x05\x09'; do
        { printf "$sel"; cat "$f"; } >"$out/corpus/seed-$i"
        i=$((i + 1))
    done
done
# inputs that once crashed it, as they were found
for f in "$top"/tests/fuzz/regressions/*; do
    [ -f "$f" ] && cp "$f" "$out/corpus/regression-$(basename "$f")"
done
exec "$out/fuzz_import" -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -print_final_stats=1 "$@" "$out/corpus"
