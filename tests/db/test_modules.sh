#!/usr/bin/env bash
# The mail and document modules (src/ext/, docs/architecture.md "Start-up"): the binary starts
# without GMime, libxml2, libical, cairo or pango, loads ccrm-mail.so or ccrm-doc.so the first time
# it needs one, and when a module cannot be found says so: --mail-in keeps the mail with the MTA
# (exit 75), --print fails with the reason, nothing is half written. The mail module opens
# libical itself, only for an invitation; without it the invitation is named, not read.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_modules.sh path/to/ccrm}
BIN=$(dirname "$CCRM")
T=$TEST_TMP

for m in ccrm-mail.so ccrm-doc.so; do
    check "$m was built next to the binary" test -f "$BIN/$m"
done

# what the dynamic loader opens for a command that needs no module
LD_DEBUG=files "$CCRM" --version >/dev/null 2>"$T/ld"
heavy=$(grep -E 'file=lib(gmime|xml2|ical|cairo|pango|fontconfig|glib)' "$T/ld" | grep -c 'needed by\|dynamically loaded' || true)
check "--version opens none of the mail and document libraries (found $heavy)" test "$heavy" = 0
grep -q 'file=.*libpq' "$T/ld" && ok "--version opens libpq (the check sees the loader's output)" ||
    fail "LD_DEBUG=files shows no libpq: the check above proves nothing"

pg_start_demo "$CCRM" 20
mail() {
    printf 'From: Kim Tester <kim.modules@example.com>\nTo: support@example.com\nSubject: %s\nMessage-ID: <%s@modules.example>\nDate: Thu, 03 Dec 2026 10:00:00 +0000\n\nhello\n' "$1" "$1"
}
before=$(psqlc -c "SELECT count(*) FROM messages")

# a module that cannot be found: the mail stays with the MTA (exit 75) and nothing is stored
mail missing | CCRM_MODULE_DIR=$T/nowhere "$CCRM" -d "$PG_CONN" --mail-in --queue support \
    >"$T/out" 2>"$T/err"
rc=$?
check "--mail-in without its module exits 75 (EX_TEMPFAIL), got $rc" test $rc = 75
grep -q 'ccrm-mail.so' "$T/err" && grep -q 'stays with the MTA' "$T/err" &&
    ok "it names the module and says the mail stays with the MTA" ||
    fail "stderr: $(cat "$T/err")"
check "nothing was stored" test "$(psqlc -c "SELECT count(*) FROM messages")" = "$before"

# the same mail with the module: stored, and the module was loaded on demand
mail present | LD_DEBUG=files "$CCRM" -d "$PG_CONN" --mail-in --queue support \
    >"$T/out" 2>"$T/ld"
rc=$?
check "--mail-in with its module exits 0, got $rc" test $rc = 0
check "the mail was stored" test "$(psqlc -c "SELECT count(*) FROM messages WHERE message_id = 'present@modules.example'")" = 1
grep -q 'file=.*ccrm-mail.so.*dynamically loaded' "$T/ld" && ok "ccrm-mail.so was loaded on demand" ||
    fail "no dlopen of ccrm-mail.so in LD_DEBUG output"
grep -Eq 'file=.*lib(cairo|pango|ical)' "$T/ld" && fail "--mail-in loaded document libraries" ||
    ok "--mail-in loads no document library (cairo, pango, libical)"

# an invitation alone: the mail module opens libical itself, then, and nothing of the
# document module (cairo, pango); without a usable libical the invitation is named, not read
invite() {
    printf 'From: Olga <olga.modules@example.com>\nTo: support@example.com\nSubject: %s\nMessage-ID: <%s@modules.example>\nDate: Thu, 03 Dec 2026 10:00:00 +0000\nContent-Type: text/calendar; method=REQUEST; name=invite.ics\n\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Review\r\nDTSTART;TZID=Europe/Berlin:20261208T100000\r\nDTEND;TZID=Europe/Berlin:20261208T113000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' "$1" "$1"
}
body_of() { psqlc -c "SELECT body_text FROM messages WHERE message_id = '$1@modules.example'"; }
invite invite | LD_DEBUG=files "$CCRM" -d "$PG_CONN" --mail-in --queue support \
    >"$T/out" 2>"$T/ld"
rc=$?
check "--mail-in of an invitation exits 0, got $rc" test $rc = 0
check "the invitation is read: $(body_of invite | head -1)" \
    test "$(body_of invite)" = "$(printf 'Meeting request\nWhat: Review\nWhen: 2026-12-08 10:00–11:30 Europe/Berlin')"
grep -q 'file=libical.so.3 .*dynamically loaded' "$T/ld" && ok "libical was loaded for it, on demand" ||
    fail "no dlopen of libical.so.3 in LD_DEBUG output"
grep -Eq 'file=.*(lib(cairo|pango)|ccrm-doc.so)' "$T/ld" && fail "an invitation loaded the document module" ||
    ok "an invitation loads no document module (cairo, pango)"
# a libical.so.3 first in the library path that is not libical (libcsv): its functions are not found
mkdir -p "$T/noical"
cp "$(ldconfig -p | awk '$1 == "libcsv.so.3" { print $NF; exit }')" "$T/noical/libical.so.3"
invite noical | LD_LIBRARY_PATH=$T/noical LD_DEBUG=files "$CCRM" -d "$PG_CONN" --mail-in --queue support \
    >"$T/out" 2>"$T/ld"
rc=$?
check "--mail-in of an invitation without libical exits 0, got $rc" test $rc = 0
grep -q "opening file=$T/noical/libical.so.3" "$T/ld" && ok "the stand-in libical.so.3 was the one opened" ||
    fail "the stand-in libical.so.3 was not opened: the check below proves nothing"
check "without libical the invitation is named: $(body_of noical)" \
    test "$(body_of noical)" = "Calendar invitation (could not be read): open the attachment invite.ics with your calendar program"

# printing without its module: a clear error, no file written
qt=$(psqlc -c "SELECT min(id) FROM quotes")
CCRM_MODULE_DIR=$T/nowhere "$CCRM" -d "$PG_CONN" --print quote "$qt" --output "$T/q.pdf" \
    >"$T/out" 2>"$T/err"
rc=$?
check "--print without its module fails (exit $rc)" test $rc != 0
grep -q 'ccrm-doc.so' "$T/err" && ok "it names the module: $(head -1 "$T/err")" ||
    fail "stderr: $(cat "$T/err")"
check "no PDF was left behind" test ! -e "$T/q.pdf"
ls "$T"/q.pdf.tmp-* >/dev/null 2>&1 && fail "a temporary file was left behind" || ok "no temporary file left behind"
"$CCRM" -d "$PG_CONN" --print quote "$qt" --output "$T/q.pdf" >"$T/out" 2>"$T/err"
check "--print with its module writes the PDF" test -s "$T/q.pdf"
check "it is a PDF" grep -q '^%PDF' "$T/q.pdf"

# a module from another build is refused, not called
mkdir -p "$T/other"
cp "$BIN/ccrm-doc.so" "$T/other/ccrm-mail.so"
mail other | CCRM_MODULE_DIR=$T/other "$CCRM" -d "$PG_CONN" --mail-in --queue support \
    >"$T/out" 2>"$T/err"
rc=$?
check "a wrong module is refused (exit 75, got $rc)" test $rc = 75
grep -q 'another ccrm version' "$T/err" && ok "and said so" || fail "stderr: $(cat "$T/err")"

done_testing
