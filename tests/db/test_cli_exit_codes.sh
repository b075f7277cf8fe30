#!/usr/bin/env bash
# The batch commands' exit codes for two refusals, the same for every command: a login that is
# no ccrm user (a PostgreSQL role with none of ccrm's roles) is refused with exit 77 and one
# line, by --feed (with --follow, --since and --state too) and --log as by --export, --report,
# --print and --ics, and an --output or --state file it names is left as it was (not 69, which
# says the database cannot be reached, nor 70). A file the user may not write (chmod 444, also
# through a symbolic link), one in a read-only directory and a directory are refused with
# exit 73 and one line naming the file, before anything is printed: --feed --state as
# --export, --report, --print and --ics --output and --import --rejects; the file stays.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_cli_exit_codes.sh path/to/ccrm}
[[ $CCRM == */* ]] && CCRM=$(realpath "$CCRM")
T=$TEST_TMP
cd "$T" || fail "cd"

pg_start_demo "$CCRM" 20
H="host=$PG_DIR dbname=ccrm"
inv=$(q "select id from invoices where number is not null order by id limit 1")
[ -n "$inv" ] || fail "the demo data has an issued invoice"
contact=$(q "select email from contacts where email is not null order by id limit 1")
[ -n "$contact" ] || fail "the demo data has a contact with an address"

# root may write any file (as the shell's > does): the files are someone else's then
as_user() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
mine() { [ "$(id -u)" = 0 ] && chown -h nobody: "$@"; return 0; }
W=$T/w
mkdir "$W"
mine "$W"
# c USER ARGS...: ccrm as USER, as the unprivileged system user; $rc, $T/out, $T/err
c() {
    local u=$1
    shift
    as_user timeout 20 "$CCRM" -d "$H user=$u" "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
}
one_line() { test "$(wc -l <"$T/err")" = 1; }
# a position to resume from, and a state file holding one (sam's: a ccrm user)
as_user "$CCRM" -d "$H user=sam" --feed --limit 0 --state "$W/state" >/dev/null 2>&1 ||
    fail "a first --state run"
grep -qx "ccrm feed state 1" "$W/state" || fail "the state file holds a position"
cp "$W/state" "$T/state.orig"
cursor=$(as_user "$CCRM" -d "$H user=sam" --feed --format jsonl --limit 1 |
    sed -n 's/.*"cursor" : "\([^"]*\)"}$/\1/p')
[ -n "$cursor" ] || fail "a cursor from --feed --format jsonl"
same_state() { cmp -s "$W/state" "$T/state.orig"; }
nothing_left() { test -z "$(find "$W" \( -name '*.tmp' -o -name '*.??????' \) -print -quit)"; }

# ---- 1. a login that is no ccrm user ----
q "create role stranger login" || fail "create role"
for cmd in "--feed" "--feed --follow" "--feed --limit 0" "--feed --since $cursor" \
    "--feed --state $W/state" "--feed --follow --state $W/state" \
    "--log ticket --contact $contact --subject x" \
    "--log interaction --contact $contact --subject x --kind call" "--revert 1" \
    "--revert 1 --dry-run"; do
    # shellcheck disable=SC2086 # the words of the command line
    c stranger $cmd
    label=${cmd//$W\//}
    label=${label/$cursor/CURSOR}
    check "$label by a login that is no ccrm user: 77 and one line (exit $rc: $(head -n 1 "$T/err"))" \
        bash -c "test $rc = 77 && test \"\$(wc -l <'$T/err')\" = 1 && grep -q 'permission denied' '$T/err'"
    check "... nothing on standard output" test ! -s "$T/out"
done
check "... the state file it was given stays as it was" same_state
check "... and nothing was logged" \
    test "$(q "select count(*) from tickets where subject = 'x'")$(q "select count(*) from interactions where subject = 'x'")" = 00
printf 'precious\n' >"$W/out"
mine "$W/out"
for cmd in "--export accounts" "--report pipeline" "--print invoice $inv" "--ics"; do
    # shellcheck disable=SC2086 # the words of the command line
    c stranger $cmd --output "$W/out"
    check "$cmd --output by a login that is no ccrm user: 77 (exit $rc: $(head -n 1 "$T/err"))" \
        bash -c "test $rc = 77 && grep -q 'permission denied' '$T/err'"
    check "... the file that was there stays, no temporary file" \
        bash -c "test \"\$(cat '$W/out')\" = precious && test \"\$(ls '$W')\" = 'out
state'"
done
rm -f "$W/out"

# ---- 2. --feed --state: a file that may not be written ----
# refused WHAT FILE REASON: exit 73, one line naming FILE and REASON, nothing printed, nothing
# left beside it
refused() {
    local what=$1 file=$2 reason=$3
    if [ $rc != 73 ] || ! one_line || ! grep -qx "ccrm: could not write \"$file\": $reason" "$T/err" ||
        [ -s "$T/out" ] || ! nothing_left; then
        fail_run "$what" "(exit $rc)"
    fi
    ok "$what"
}
chmod 444 "$W/state"
for follow in "" --follow; do
    c sam --feed $follow --state "$W/state"
    refused "--feed ${follow:+$follow }--state: a read-only file is refused, 73" "$W/state" "Permission denied"
    check "... and kept as it was (content and mode $(stat -c %a "$W/state"))" \
        bash -c "cmp -s '$W/state' '$T/state.orig' && test \"\$(stat -c %a '$W/state')\" = 444"
done
ln -s state "$W/link"
mine "$W/link"
c sam --feed --state "$W/link"
refused "--feed --state: a symbolic link to a read-only file is refused, 73" "$W/link" "Permission denied"
check "... the link and its file kept" bash -c "test -L '$W/link' && cmp -s '$W/state' '$T/state.orig'"
rm -f "$W/link"
c sam --feed --state "$W"
refused "--feed --state: a directory is refused, 73" "$W" "Is a directory"
# a read-only directory: a file in it may be written, but not renamed over
chmod 644 "$W/state"
chmod 555 "$W"
c sam --feed --state "$W/state"
refused "--feed --state in a read-only directory: refused, 73" "$W/state" "Permission denied"
check "... the file kept" same_state
c sam --feed --state "$W/new"
refused "--feed --state, a new file in a read-only directory: refused, 73" "$W/new" "Permission denied"
check "... none made" test ! -e "$W/new"

# ---- 3. the other commands' files in a read-only directory: refused alike ----
for cmd in "sam --export accounts --output" "sam --report pipeline --output" \
    "bea --print invoice $inv --output" "sam --ics --output"; do
    # shellcheck disable=SC2086 # the words of the command line
    c $cmd "$W/state"
    check "${cmd#* } in a read-only directory: 73 and one line (exit $rc: $(head -n 1 "$T/err"))" \
        bash -c "test $rc = 73 && test \"\$(wc -l <'$T/err')\" = 1 &&
            grep -qx 'ccrm: could not \(write\|create\) \"$W/state\": Permission denied' '$T/err'"
    check "... the file kept, nothing beside it" bash -c "cmp -s '$W/state' '$T/state.orig' && test \"\$(ls '$W')\" = state"
done
printf 'email,first_name\nnot-an-address,B\n' >"$T/in.csv"
chmod 644 "$T/in.csv"
c sam --import "$T/in.csv" --into contacts --rejects "$W/state"
check "--import --rejects in a read-only directory: 73 (exit $rc: $(head -n 1 "$T/err"))" \
    bash -c "test $rc = 73 && grep -qx 'ccrm: could not write \"$W/state\": Permission denied' '$T/err'"
check "... the file kept, nothing imported" \
    bash -c "cmp -s '$W/state' '$T/state.orig' && test \"\$(ls '$W')\" = state &&
        test \"\$(psql -X -At -c 'select count(*) from import_batches')\" = 0"
chmod 755 "$W"

# ---- 4. what may be written still is ----
c sam --feed --state "$W/state"
check "--feed --state, a file the user may write: exit 0 (exit $rc: $(head -n 1 "$T/err"))" test $rc = 0
c sam --feed --state "$W/fresh"
check "--feed --state, a new file: made (exit $rc)" \
    bash -c "test $rc = 0 && grep -qx 'ccrm feed state 1' '$W/fresh'"
check "... nothing left beside them" nothing_left
# a state file kept private and reached through a link: the link stays, the file keeps its mode
chmod 600 "$W/fresh"
ln -s fresh "$W/link"
mine "$W/link"
c sam --feed --state "$W/link"
check "--feed --state through a symbolic link: exit 0 (exit $rc: $(head -n 1 "$T/err"))" test $rc = 0
check "... the link is still a link to the file" bash -c "test -L '$W/link' && test \"\$(readlink '$W/link')\" = fresh"
check "... the file keeps its mode 600" test "$(stat -c %a "$W/fresh")" = 600
check "... nothing left beside them" nothing_left

done_testing
