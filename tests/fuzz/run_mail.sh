#!/usr/bin/env bash
# Build the mail fuzz target (tests/fuzz/fuzz_mail.c: the parser, HTML to text, charsets, the
# mbox reader, composing) with clang's libFuzzer + ASan + UBSan straight from the sources and run
# it for SECONDS (default 20) on seeds made from tests/data/mail.
# Usage: tests/fuzz/run_mail.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
shift || true
out=${FUZZ_OUT:-/tmp/ccrm-fuzz-mail}
mkdir -p "$out/corpus"
# shellcheck disable=SC2046
clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DCCRM_VERSION='"fuzz"' -I"$top/include" -I"$top/src/mail" \
    $(pkg-config --cflags gmime-3.0 libxml-2.0 libical) \
    "$top/tests/fuzz/fuzz_mail.c" "$top/src/mail/parse.c" "$top/src/mail/html.c" \
    "$top/src/mail/mbox.c" "$top/src/mail/compose.c" \
    "$top/src/util/util.c" "$top/src/util/err.c" \
    $(pkg-config --libs gmime-3.0 libxml-2.0) -o "$out/fuzz_mail"
# seeds: every corpus mail as a mail (0), its text as HTML (1), with a charset line (2), and
# the corpus as one mbox (3)
i=0
for f in "$top"/tests/data/mail/*.eml; do
    { printf '\x00'; cat "$f"; } >"$out/corpus/seed-mail-$i"
    { printf '\x01'; cat "$f"; } >"$out/corpus/seed-html-$i"
    { printf '\x02iso-8859-1\n'; cat "$f"; } >"$out/corpus/seed-cs-$i"
    i=$((i + 1))
done
{
    printf '\x03'
    for f in "$top"/tests/data/mail/0[1-5]*.eml; do
        echo "From fuzz@x Mon Dec  2 10:00:00 2024"
        sed 's/^\(>*From \)/>\1/' "$f"
        echo
    done
} >"$out/corpus/seed-mbox"
for f in "$top"/tests/fuzz/regressions/mail-*; do
    [ -f "$f" ] && cp "$f" "$out/corpus/regression-$(basename "$f")"
done
# GLib keeps type and charset tables for the life of the process: not leaks of ours
exec "$out/fuzz_mail" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -detect_leaks=0 -artifact_prefix="$out/" -print_final_stats=1 "$@" "$out/corpus"
