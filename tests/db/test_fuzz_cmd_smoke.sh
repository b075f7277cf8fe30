#!/usr/bin/env bash
# A short libFuzzer run over the `:` command parser (tests/fuzz/run_cmd.sh runs it longer by
# hand). Skipped (77) when clang with libFuzzer is not installed.
dir=$(dirname "$0")
command -v clang >/dev/null || { echo "ok 1 - # SKIP no clang"; exit 77; }
probe=$(mktemp /tmp/ccrm-fz-probe.XXXXXX)
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$probe.c"
if ! clang -fsanitize=fuzzer "$probe.c" -o "$probe" 2>/dev/null; then
    rm -f "$probe" "$probe.c"
    echo "ok 1 - # SKIP clang has no libFuzzer"; exit 77
fi
rm -f "$probe" "$probe.c"
export FUZZ_OUT=$(mktemp -d /tmp/ccrm-fuzz-cmd.XXXXXX)
trap 'rm -rf "$FUZZ_OUT"' EXIT
if bash "$dir/../fuzz/run_cmd.sh" "${FUZZ_SECONDS:-10}" >"$FUZZ_OUT/log" 2>&1; then
    echo "ok 1 - fuzz_cmd_parse ran $(grep -o 'stat::number_of_executed_units: [0-9]*' "$FUZZ_OUT/log" | grep -o '[0-9]*$') inputs without a crash"
    echo "1 passed, 0 failed"
else
    tail -40 "$FUZZ_OUT/log"
    echo "not ok 1 - fuzz_cmd_parse found a crash"
    echo "0 passed, 1 failed"
    exit 1
fi
