#!/usr/bin/env bash
# A short libFuzzer run over the mail parser, HTML to text, charsets, mbox and composing, with
# the inputs that once crashed it (tests/fuzz/run_mail.sh runs it longer by hand). Skipped (77)
# when clang with libFuzzer is not installed.
dir=$(dirname "$0")
command -v clang >/dev/null || { echo "ok 1 - # SKIP no clang"; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >/tmp/ccrm-fz-probe.$$.c
if ! clang -fsanitize=fuzzer /tmp/ccrm-fz-probe.$$.c -o /tmp/ccrm-fz-probe.$$ 2>/dev/null; then
    rm -f /tmp/ccrm-fz-probe.$$*
    echo "ok 1 - # SKIP clang has no libFuzzer"; exit 77
fi
rm -f /tmp/ccrm-fz-probe.$$*
export FUZZ_OUT=$(mktemp -d /tmp/ccrm-fuzz.XXXXXX)
trap 'rm -rf "$FUZZ_OUT"' EXIT
if bash "$dir/../fuzz/run_mail.sh" "${FUZZ_SECONDS:-15}" >"$FUZZ_OUT/log" 2>&1; then
    echo "ok 1 - fuzz_mail ran $(grep -o 'stat::number_of_executed_units: [0-9]*' "$FUZZ_OUT/log" | grep -o '[0-9]*$') inputs without a crash"
    echo "1 passed, 0 failed"
else
    tail -40 "$FUZZ_OUT/log"
    echo "not ok 1 - fuzz_mail found a crash"
    echo "0 passed, 1 failed"
    exit 1
fi
