#!/usr/bin/env bash
# The batch commands' output and command lines: --print, --ics, --export and --report --output
# write a symbolic link's target, a FIFO or a device in place and keep a file's mode; a refused
# export or report leaves the file that was there; a document or an export that does not fit
# on the disk leaves no file, or the one that was there (73, 74); a reader that goes away
# (| head) is no failure; the database's refusals said once, in words; --help and --version to
# a full disk exit 74; --log's refusals (77, its choices, control characters); an option given
# twice; --output "" refused alike by every command that writes a file (64); --batches' hints
# on standard error; --import-mail's summary in the singular.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_cli_output.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 20
H="host=$PG_DIR dbname=ccrm"
# c USER args...: ccrm as USER; $rc, $T/out, $T/err
c() {
    local u=$1
    shift
    "$CCRM" -d "$H user=$u" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# gone USER args...: ccrm as USER writing to a pipe whose reader has gone; $rc, $T/err
gone() {
    local u=$1
    shift
    (
        sleep 0.3
        exec "$CCRM" -d "$H user=$u" "$@" 2>"$T/err"
    ) | true
    rc=${PIPESTATUS[0]}
}
one_line() { test "$(wc -l <"$1")" = 1; }
export -f one_line
inv=$(q "select id from invoices where number is not null order by id limit 1")
[ -n "$inv" ] || fail "the demo data has an issued invoice"
num=$(q "select number from invoices where id = $inv")

# ---- 1. --print --output: a link, a FIFO, a device, a file's mode ----
c bea --print invoice "$inv" --output "$T/inv.pdf"
check "--print --output: exit 0, a PDF" bash -c "test $rc = 0 && head -c 5 $T/inv.pdf | grep -q '%PDF-'"
chmod 600 "$T/inv.pdf"
c bea --print invoice "$inv" --output "$T/inv.pdf"
check "printing over a file keeps its mode (600)" \
    bash -c "test $rc = 0 && test \"\$(stat -c %a $T/inv.pdf)\" = 600"
mkdir -p "$T/web"
echo old >"$T/web/target.pdf"
ln -s "$T/web/target.pdf" "$T/link.pdf"
c bea --print invoice "$inv" --output "$T/link.pdf"
check "printing to a symbolic link: the link stays, its target is the PDF" \
    bash -c "test $rc = 0 && test -L $T/link.pdf && head -c 5 $T/web/target.pdf | grep -q '%PDF-'"
check "... and no temporary file is left beside it" bash -c "test \"\$(ls $T/web)\" = target.pdf"
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >"$T/from-fifo" &
reader=$!
c bea --print invoice "$inv" --format text --output "$T/fifo"
wait $reader
check "printing to a FIFO writes through it and leaves the FIFO (exit $rc: $(cat "$T/err"))" \
    bash -c "test $rc = 0 && test -p $T/fifo && grep -q '$num' $T/from-fifo"
"$CCRM" -d "$H user=bea" --print invoice "$inv" --format text --output /dev/stdout >"$T/via-stdout.txt" 2>"$T/err"
check "--output /dev/stdout to a file: the shell's file gets it" \
    bash -c "test $? = 0 && grep -q '$num' $T/via-stdout.txt"
"$CCRM" -d "$H user=bea" --print invoice "$inv" --format text --output /dev/stdout 2>"$T/err" | cat >"$T/via-pipe.txt"
check "--output /dev/stdout to a pipe: written through it" \
    bash -c "test ${PIPESTATUS[0]} = 0 && grep -q '$num' $T/via-pipe.txt"
if [ "$(id -u)" = 0 ] && mknod "$T/full" c 1 7 2>/dev/null; then
    c bea --print invoice "$inv" --output "$T/full"
    check "printing to a full device: exit 73, one line naming it, the device stays" \
        bash -c "test $rc = 73 && test -c $T/full && grep -q 'No space left' $T/err && one_line $T/err"
    c bea --print invoice "$inv" --format text --output "$T/full"
    check "... as text too" bash -c "test $rc = 73 && test -c $T/full"
    c sam --ics --output "$T/full"
    check "--ics to a full device: fails, the device stays" bash -c "test $rc != 0 && test -c $T/full"
else
    ok "# skip: a device of our own needs root"
fi

# ---- 1. --ics --output: the same ----
c sam --ics --output "$T/cal.ics"
check "--ics --output: exit 0, a calendar" bash -c "test $rc = 0 && grep -q BEGIN:VCALENDAR $T/cal.ics"
chmod 640 "$T/cal.ics"
c sam --ics --output "$T/cal.ics"
check "--ics over a file keeps its mode (640)" bash -c "test $rc = 0 && test \"\$(stat -c %a $T/cal.ics)\" = 640"
echo old >"$T/web/cal.ics"
ln -s "$T/web/cal.ics" "$T/cal-link.ics"
c sam --ics --output "$T/cal-link.ics"
check "--ics to a symbolic link: the link stays, its target is the calendar" \
    bash -c "test $rc = 0 && test -L $T/cal-link.ics && grep -q BEGIN:VCALENDAR $T/web/cal.ics"
mkfifo "$T/cal-fifo"
timeout 20 cat "$T/cal-fifo" >"$T/cal-from-fifo" &
reader=$!
c sam --ics --output "$T/cal-fifo"
wait $reader
check "--ics to a FIFO writes through it and leaves the FIFO" \
    bash -c "test $rc = 0 && test -p $T/cal-fifo && grep -q BEGIN:VCALENDAR $T/cal-from-fifo"

# ---- 1b. --export, --report and --export campaign_members over a file: replaced whole ----
q "create role ccrm_mailer login in role ccrm_mail" >/dev/null # docs/mail.md: may export nothing
camp=$(q "select min(id) from campaigns")
mkdir -p "$T/exp"
# refused WHAT args...: ccrm as ccrm_mailer writing over $T/exp/prev.csv
refused() {
    local what=$1
    shift
    echo precious,data >"$T/exp/prev.csv"
    c ccrm_mailer "$@" --output "$T/exp/prev.csv"
    check "$what over a file, refused (77, $rc): the file that was there stays, no temporary file" \
        bash -c "test $rc = 77 && test \"\$(cat $T/exp/prev.csv)\" = precious,data && test \"\$(ls $T/exp)\" = prev.csv"
}
refused "--export contacts" --export contacts
refused "--export contacts --format jsonl" --export contacts --format jsonl
refused "--export invoices" --export invoices
refused "--report pipeline" --report pipeline
refused "--export campaign_members" --export campaign_members --campaign "$camp"
# the database's refusal, said once and in words (not "permission denied (permission denied for
# table contacts)"), for every command alike
for cmd in "--export contacts|could not export: contacts: not for your role" \
    "--report pipeline|could not run report pipeline: opportunities: not for your role" \
    "--print invoice $inv|could not print invoice $inv: invoices: not for your role"; do
    c ccrm_mailer ${cmd%%|*}
    check "${cmd%%|*} refused: exit 77, \"$(cat "$T/err")\"" \
        test "$rc,$(cat "$T/err")" = "77,ccrm: ${cmd#*|} (permission denied)"
done
c paul --unmerge 1
check "--unmerge refused: \"$(cat "$T/err")\"" \
    test "$rc,$(cat "$T/err")" = "77,ccrm: could not undo merge 1: permission denied for function ccrm_unmerge"
c ccrm_mailer --export contacts --output "$T/exp/new.csv"
check "a refused --export to a new file makes none" \
    bash -c "test $rc = 77 && test \"\$(ls $T/exp)\" = prev.csv"
chmod 640 "$T/exp/prev.csv"
c sam --export contacts --output "$T/exp/prev.csv"
check "--export over a file: exit 0, the export, the file's mode kept (640), no temporary file" \
    bash -c "test $rc = 0 && head -1 $T/exp/prev.csv | grep -q email && test \"\$(stat -c %a $T/exp/prev.csv)\" = 640 && test \"\$(ls $T/exp)\" = prev.csv"
c sam --report pipeline --output "$T/exp/prev.csv"
check "--report over a file: exit 0, the report" bash -c "test $rc = 0 && ! grep -q email $T/exp/prev.csv && test -s $T/exp/prev.csv"
c sam --export campaign_members --campaign "$camp" --output "$T/exp/prev.csv"
check "--export campaign_members over a file: exit 0, the members" \
    bash -c "test $rc = 0 && head -1 $T/exp/prev.csv | grep -q '^email,'"
echo old >"$T/web/exp.csv"
ln -s "$T/web/exp.csv" "$T/exp-link.csv"
c sam --export contacts --format jsonl --output "$T/exp-link.csv"
check "--export to a symbolic link: the link stays, its target is the export" \
    bash -c "test $rc = 0 && test -L $T/exp-link.csv && head -c 1 $T/web/exp.csv | grep -q '{'"
mkfifo "$T/exp-fifo"
timeout 20 cat "$T/exp-fifo" >"$T/exp-from-fifo" &
reader=$!
c sam --export contacts --output "$T/exp-fifo"
wait $reader
check "--export to a FIFO writes through it and leaves the FIFO" \
    bash -c "test $rc = 0 && test -p $T/exp-fifo && head -1 $T/exp-from-fifo | grep -q email"

# ---- 2. a full disk: no half document ----
mkdir -p "$T/small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=16k tmpfs "$T/small" 2>/dev/null; then
    on_exit "umount '$T/small'"
    head -c 16384 /dev/zero >"$T/small/fill" 2>/dev/null
    c bea --print invoice "$inv" --output "$T/small/inv.pdf"
    check "--print to a full disk: exit 73 ($rc), says why, no file, no temporary file" \
        bash -c "test $rc = 73 && grep -q 'No space left' $T/err && test \"\$(ls $T/small)\" = fill"
    c bea --print invoice "$inv" --format text --output "$T/small/inv.txt"
    check "... as text: exit 73, no file" bash -c "test $rc = 73 && test \"\$(ls $T/small)\" = fill"
    c sam --ics --output "$T/small/cal.ics"
    check "--ics to a full disk: fails, no file" bash -c "test $rc != 0 && test \"\$(ls $T/small)\" = fill"
    rm -f "$T/small/fill"
    echo precious,data >"$T/small/prev.csv"
    head -c 16384 /dev/zero >"$T/small/fill" 2>/dev/null
    c sam --export contacts --output "$T/small/prev.csv"
    check "--export over a file on a full disk: exit 74 ($rc), says why, the file that was there stays, no temporary file" \
        bash -c "test $rc = 74 && grep -q 'No space left' $T/err && test \"\$(cat $T/small/prev.csv)\" = precious,data && test \"\$(ls $T/small | tr '\n' ' ')\" = 'fill prev.csv '"
    c sam --export contacts --output "$T/small/new.csv"
    check "--export to a new file on a full disk: exit 74, no file" \
        bash -c "test $rc = 74 && test \"\$(ls $T/small | tr '\n' ' ')\" = 'fill prev.csv '"
    c sam --report pipeline --output "$T/small/prev.csv"
    check "--report over a file on a full disk: fails ($rc), the file stays" \
        bash -c "test $rc != 0 && test \"\$(cat $T/small/prev.csv)\" = precious,data && test \"\$(ls $T/small | tr '\n' ' ')\" = 'fill prev.csv '"
else
    ok "# skip: a small tmpfs needs root and mount"
fi

# ---- 3. a reader that goes away ----
gone bea --export contacts
check "--export contacts | (reader gone): exit 0, nothing said ($rc: $(cat "$T/err"))" \
    bash -c "test $rc = 0 && test ! -s $T/err"
gone bea --export contacts --format jsonl
check "--export --format jsonl: the same" bash -c "test $rc = 0 && test ! -s $T/err"
gone bea --export invoices
check "--export invoices: the same" bash -c "test $rc = 0 && test ! -s $T/err"
gone bea --print invoice "$inv"
check "--print (PDF): the same ($rc: $(cat "$T/err"))" bash -c "test $rc = 0 && test ! -s $T/err"
gone bea --print invoice "$inv" --format text
check "--print --format text: the same" bash -c "test $rc = 0 && test ! -s $T/err"
gone sam --ics
check "--ics: the same" bash -c "test $rc = 0 && test ! -s $T/err"
(
    sleep 0.3
    exec "$CCRM" --help 2>"$T/err"
) | true
check "--help: the same" bash -c "test ${PIPESTATUS[0]} = 0 && test ! -s $T/err"
"$CCRM" --export contacts -d "$H user=bea" | head -1 >/dev/null
check "--export contacts | head -1: exit 0" test "${PIPESTATUS[0]}" = 0

# ---- 10. --help and --version to a full disk ----
"$CCRM" --help >/dev/full 2>"$T/err"; rc=$?
check "--help >/dev/full: exit 74, one line" bash -c "test $rc = 74 && one_line $T/err"
"$CCRM" --version >/dev/full 2>"$T/err"; rc=$?
check "--version >/dev/full: exit 74, one line" bash -c "test $rc = 74 && one_line $T/err"
"$CCRM" --export --help >/dev/full 2>"$T/err"; rc=$?
check "--export --help >/dev/full: exit 74" test $rc = 74

# ---- 4, 5. --log's refusals ----
email=$(q "select email from contacts where email is not null order by id limit 1")
c paul --log ticket --contact "$email" --subject "a partner's ticket"
check "--log refused for lack of permission: exit 77 ($rc)" test $rc = 77
c sofia --log ticket --contact "$email" --subject x --channel fax
check "--log ticket --channel fax: exit 65, one line naming --channel and the channels" \
    bash -c "test $rc = 65 && one_line $T/err && grep -q -- '--channel: expected email, phone, chat, web or partner, got \"fax\"' $T/err"
c sam --log interaction --contact "$email" --subject x --kind telepathy
check "--log interaction --kind telepathy: exit 65, one line naming --kind and the kinds" \
    bash -c "test $rc = 65 && one_line $T/err && grep -q -- '--kind: expected call, email, meeting' $T/err && ! grep -q constraint $T/err"
n0=$(q "select count(*) from tickets")
c sofia --log ticket --contact "$email" --subject $'red \e[31malert'
check "--log with ESC in --subject: exit 65, the forms' words" \
    bash -c "test $rc = 65 && one_line $T/err && grep -q -- '--subject: control character 0x1b is not allowed' $T/err"
c sofia --log ticket --contact "$email" --subject $'csi \xc2\x9b31m'
check "--log with a C1 control (CSI): exit 65" bash -c "test $rc = 65 && grep -q 'control character' $T/err"
c sofia --log ticket --contact "$email" --subject x --body $'evil \xe2\x80\xaetxt.exe'
check "--log with U+202E in --body: exit 65, names it" bash -c "test $rc = 65 && grep -q -- '--body: .*U+202E' $T/err"
check "... and none of them was stored" test "$(q "select count(*) from tickets")" = "$n0"
c sofia --log ticket --contact "$email" --subject $'Grüße — 北京 👩\xe2\x80\x8d💻' --body $'two\nlines\twith a tab'
check "--log with letters of any script, a joiner, newlines and tabs: stored" test $rc = 0
c sofia --log ticket --contact " $email " --subject "Cased channel" --channel EMAIL
check "--log: a choice in any letter case and an address with blanks around, as forms take them ($rc)" test $rc = 0
check "...the channel email" test "$(q "select channel from tickets where subject = 'Cased channel'")" = email
c sam --log interaction --contact "$email" --subject "Cased kind" --kind Call
check "--log interaction --kind Call: the kind call" \
    test "$(q "select kind from interactions where subject = 'Cased kind'")" = call

# ---- 6. an option given twice ----
NOWHERE="host=$T/nowhere dbname=x"
twice() { # twice NAME args...: exit 64, one line "ccrm: --NAME given twice"
    local name=$1
    shift
    "$CCRM" -d "$NOWHERE" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    check "$* : exit 64, one line \"--$name given twice\"" \
        bash -c "test $rc = 64 && one_line $T/err && grep -qx 'ccrm: --$name given twice' $T/err"
}
twice revert --revert 1 --revert 2
twice import --import a.csv --import b.csv --into contacts
twice log --log ticket --log interaction --contact a@b.example --subject x
twice export --export contacts --export accounts
twice report --report pipeline --report win_rate
twice format --export contacts --format csv --format jsonl
twice into --import a.csv --into x --into y
twice output --print invoice 1 -o a.pdf --output b.pdf
twice subject --log ticket --contact a@b.example --subject x --subject y
twice feed --feed --feed
twice db -d x --migrate
twice migrate --migrate --migrate
"$CCRM" -d "$NOWHERE" --reply 1 --body-file /nonexistent --attach a --attach b >/dev/null 2>"$T/err"
check "--attach may be given again (a list)" bash -c "! grep -q 'given twice' $T/err"

# ---- 6b. --output "" names no file: every command that writes one says so alike ----
no_file() { # no_file args...: exit 64, the line naming --output, nothing written
    "$CCRM" -d "$NOWHERE" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    check "$* : exit 64 ($rc), \"--output: name a file\"" \
        bash -c "test $rc = 64 && test ! -s $T/out && test \"\$(head -1 $T/err)\" = 'ccrm: --output: name a file (or leave --output out for standard output)'"
}
no_file --export accounts --output ""
no_file --export invoices --output ""
no_file --export campaign_members --campaign 1 --output ""
no_file --report pipeline --output ""
no_file --print invoice 1 --output ""
no_file --print invoice 1 -o ""
no_file --ics --output=
no_file --output "" --report pipeline

# ---- 7. --batches: the hints on standard error ----
c sam --batches
check "--batches with no imports: nothing on standard output, the hint on standard error" \
    bash -c "test $rc = 0 && test ! -s $T/out && grep -q 'no imports yet' $T/err"
printf 'name\nOne Import AG\n' >"$T/one.csv"
c sam --import "$T/one.csv" --into accounts --quiet
c sam --batches
check "--batches: the batch on standard output, how to undo it on standard error" \
    bash -c "test $rc = 0 && grep -q 'one.csv' $T/out && ! grep -q 'ccrm --revert' $T/out && grep -q 'ccrm --revert BATCH' $T/err"

# ---- 9. --import-mail: one of each in the singular ----
q "delete from messages; delete from mail_queues" >/dev/null
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'contact', 'sofia')" >/dev/null
printf 'From x@y Sat Dec  5 08:00:00 2026\nFrom: Neu Kunde <neu@neukunde.example>\nTo: support@example.com\nSubject: one\nMessage-ID: <one@neukunde.example>\nDate: Sat, 5 Dec 2026 08:00:00 +0000\n\nhello\n' >"$T/one.mbox"
c sofia --import-mail "$T/one.mbox" --queue support
check "--import-mail of one mail: \"1 mail stored, 0 duplicates skipped ... 1 ticket, 0 leads, 1 contact\" ($(cat "$T/out"))" \
    bash -c "test $rc = 0 && grep -q ': 1 mail stored, 0 duplicates skipped, 0 rejected (one.mbox, .*); new: 1 ticket, 0 leads, 1 contact$' $T/out"
c sofia --import-mail "$T/one.mbox" --queue support
check "... again: \"0 mails stored, 1 duplicate skipped\"" grep -q ': 0 mails stored, 1 duplicate skipped' "$T/out"

done_testing
