#!/usr/bin/env bash
# The batch commands' options as main() reads them (its table of every option is made of the
# commands' own, src/main.c): a command is named in full, an unknown option is refused, and
# every option each command's usage names is one the command takes. A --rejects or --output
# file the user may not write (chmod 444) is refused before anything is done, exit 73, and
# stays as it was; so are a directory and a directory that does not exist. A login that is no
# ccrm user is refused by --batches, --ics and the other service commands with exit 77, as by
# the commands that read data (not 69, which says the database cannot be reached).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_cli_options.sh path/to/ccrm}
[[ $CCRM == */* ]] && CCRM=$(realpath "$CCRM")
T=$TEST_TMP
cd "$T" || fail "cd"

# ---- the command line: no database needed (the one named does not exist) ----
NOWHERE="host=$T/nowhere dbname=x"
printf 'x\n' >"$T/body.txt"
printf 'email\n' >"$T/in.csv"
mkdir -p "$T/Maildir/new"
for abbr in "--batch" "--exp accounts" "--agend" "--unmerg 3"; do
    # shellcheck disable=SC2086 # the words of the command line
    "$CCRM" -d "$NOWHERE" $abbr </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    check "$abbr: a command is named in full (exit $rc: $(head -n 1 "$T/err"))" \
        bash -c "test $rc = 64 && grep -qx 'ccrm: unknown option \"${abbr%% *}\"' '$T/err' && test ! -s '$T/out'"
done
"$CCRM" -d "$NOWHERE" --import "$T/in.csv" --into contacts --frobnicate </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "an unknown option is refused (exit $rc)" \
    bash -c "test $rc = 64 && grep -qx 'ccrm: unknown option \"--frobnicate\"' '$T/err'"
"$CCRM" -d "$NOWHERE" --feed --since-when 3 </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "an option no command has, after a command (exit $rc)" \
    bash -c "test $rc = 64 && grep -qx 'ccrm: unknown option \"--since-when\"' '$T/err'"
# a command without its value is that command, missing its value (it said "unknown option")
for cmd in --export --import --print --revert --payment --reply; do
    "$CCRM" -d "$NOWHERE" $cmd </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    check "$cmd without its value says so (exit $rc: $(head -1 "$T/err"))" \
        bash -c "test $rc = 64 && grep -qx 'ccrm: option \"$cmd\" needs a value' '$T/err'"
done

# every option in each command's usage (ccrm --help, up to its first blank line) is one that
# command takes: given with a value ("--dry-run x": x is then an argument too many), the
# command may object to the combination, but never that the option is unknown
base_of() { # the usage line's start -> a command line that gets as far as the database
    case $1 in
    "ccrm") echo "" ;;
    "ccrm --demo") echo "--demo" ;;
    "ccrm --import FILE --into ENTITY") echo "--import $T/in.csv --into contacts" ;;
    "ccrm --import FILE --into campaign_responses") echo "--import $T/in.csv --into campaign_responses" ;;
    "ccrm --batches") echo "--batches" ;;
    "ccrm --revert BATCH") echo "--revert 1" ;;
    "ccrm --export ENTITY") echo "--export accounts" ;;
    "ccrm --export campaign_members --campaign N") echo "--export campaign_members --campaign 1" ;;
    "ccrm --report NAME|list") echo "--report pipeline" ;;
    "ccrm --unmerge MERGE") echo "--unmerge 1" ;;
    "ccrm --feed") echo "--feed" ;;
    "ccrm --log ticket|interaction --contact EMAIL --subject TEXT") echo "--log ticket --contact a@example.org --subject x" ;;
    "ccrm --mail-in") echo "--mail-in" ;;
    "ccrm --import-mail MAILDIR|MBOX") echo "--import-mail $T/Maildir" ;;
    "ccrm --reply") echo "--reply 7 --body-file $T/body.txt" ;;
    "ccrm --send-mail") echo "--send-mail" ;;
    "ccrm --print quote|invoice N") echo "--print quote 1" ;;
    "ccrm --send quote|invoice N") echo "--send quote 1" ;;
    "ccrm --issue INVOICE") echo "--issue 2026-00001" ;;
    "ccrm --payment INVOICE --amount X") echo "--payment 2026-00001 --amount 1" ;;
    "ccrm --credit-note INVOICE") echo "--credit-note 2026-00001" ;;
    "ccrm --invoice-from quote|deal N") echo "--invoice-from deal 1" ;;
    "ccrm --add-user LOGIN --dept DEPT") echo "--add-user zed --dept sales" ;;
    "ccrm --disable-user LOGIN") echo "--disable-user zed" ;;
    "ccrm --share ACCOUNT --partner ORG | --unshare ACCOUNT --partner ORG") echo "--share 1 --partner Org" ;;
    "ccrm --who") echo "--who" ;;
    "ccrm --agenda") echo "--agenda" ;;
    "ccrm --ics") echo "--ics" ;;
    "ccrm --tick") echo "--tick" ;;
    *) return 1 ;;
    esac
}
"$CCRM" --help >"$T/help" || fail "ccrm --help"
# an 80-column terminal shows it unbroken (characters, not bytes: "—" is one)
wide=$(LC_ALL=C.UTF-8 awk 'length($0) > 80 { print NR ": " $0 }' "$T/help")
check "ccrm --help fits 80 columns${wide:+ (${wide:0:120})}" test -z "$wide"
awk '
/^$/ { exit }
/^(usage: )? *ccrm / {
    key = $0; sub(/^(usage: )? */, "", key); sub(/ *\[.*/, "", key); sub(/  .*/, "", key)
}
{ rest = $0; while (match(rest, /--[a-z][a-z-]*/)) { print key "\t" substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH) } }
' "$T/help" | sort -u >"$T/pairs"
tried=0
while IFS=$'\t' read -r key opt; do
    case $key in "ccrm --migrate" | "ccrm --help | --version" | "ccrm --local-start | --local-stop") continue ;; esac
    base=$(base_of "$key") || fail "no command line in this test for the usage line \"$key\""
    [[ " $base " == *" $opt "* ]] && continue # (the command itself, or given already)
    # shellcheck disable=SC2086 # the words of the command line
    "$CCRM" -d "$NOWHERE" $base "$opt" x </dev/null >"$T/out" 2>"$T/err"
    if grep -q "unknown option \"$opt\"" "$T/err"; then
        echo "# ccrm $base $opt x:" >&2
        sed 's/^/#   /' "$T/err" >&2
        fail "$key takes $opt"
    fi
    tried=$((tried + 1))
done <"$T/pairs"
check "every command takes every option its usage names ($tried tried)" test "$tried" -ge 60
check "... and none of them looked for a private database" test ! -e "$XDG_DATA_HOME/ccrm"

# ---- files the user may not write ----
pg_start_migrated "$CCRM"
for u in "sam --dept sales" "chloe --dept marketing"; do
    # shellcheck disable=SC2086 # login and flags
    "$CCRM" -d "$PG_CONN" --add-user $u >/dev/null 2>&1 || fail "add-user $u"
done
# root may write any file (as the shell's > does): the files are someone else's then
as_user() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
W=$T/w
mkdir "$W"
[ "$(id -u)" = 0 ] && chown nobody: "$W"
printf 'email,first_name\nro1@example.org,A\nnot-an-address,B\n' >"$W/in.csv"
printf 'email,status\nnobody@example.invalid,opened\n' >"$W/resp.csv"
chmod 644 "$W/in.csv" "$W/resp.csv"
protected() { # a file of the user's own, made read-only
    printf 'precious\n' >"$W/$1"
    [ "$(id -u)" = 0 ] && chown nobody: "$W/$1"
    chmod 444 "$W/$1"
}
kept() { test "$(cat "$W/$1")" = precious -a "$(stat -c %a "$W/$1")" = 444; }
untouched() { # nothing imported, no temporary file beside the file
    test "$(q "select count(*) from contacts where email = 'ro1@example.org'")" = 0 &&
        test "$(q "select count(*) from import_batches")" = 0 &&
        test -z "$(find "$W" -name '*.??????' -print -quit)"
}
SAM="host=$PG_DIR dbname=ccrm user=sam"
CHLOE="host=$PG_DIR dbname=ccrm user=chloe"

# cannot WHAT FILE REASON ARGS...: exit 73 and one line naming the file and the reason, before
# anything was done
cannot() {
    local what=$1 file=$2 reason=$3 rc
    shift 3
    as_user "$CCRM" "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc != 73 ] || ! grep -qx "ccrm: could not \(write\|create\) \"$file\": $reason" "$T/err" ||
        ! untouched; then
        fail_run "$what" "$@"
    fi
    ok "$what"
}
protected rej.csv
cannot "--rejects: a read-only file is refused, exit 73" "$W/rej.csv" "Permission denied" \
    -d "$SAM" --import "$W/in.csv" --into contacts --rejects "$W/rej.csv"
check "... and kept as it was (content and mode)" kept rej.csv
ln -s rej.csv "$W/rej-link.csv"
cannot "--rejects: also through a symbolic link" "$W/rej.csv" "Permission denied" \
    -d "$SAM" --import "$W/in.csv" --into contacts --rejects "$W/rej-link.csv"
check "... the file kept" kept rej.csv
cannot "--rejects: a directory is refused, exit 73" "$W" "Is a directory" \
    -d "$SAM" --import "$W/in.csv" --into contacts --rejects "$W"
cannot "--rejects: a directory that does not exist, exit 73" "$W/none/rej.csv" \
    "No such file or directory" -d "$SAM" --import "$W/in.csv" --into contacts --rejects "$W/none/rej.csv"
cannot "--rejects of campaign responses: a read-only file is refused" "$W/rej.csv" \
    "Permission denied" -d "$CHLOE" --import "$W/resp.csv" --into campaign_responses --rejects "$W/rej.csv"
check "... and kept" kept rej.csv
protected out.csv
cannot "--export --output: a read-only file is refused, exit 73" "$W/out.csv" "Permission denied" \
    -d "$SAM" --export accounts --output "$W/out.csv"
check "... and kept" kept out.csv
cannot "--report --output: a read-only file is refused, exit 73" "$W/out.csv" "Permission denied" \
    -d "$SAM" --report pipeline --output "$W/out.csv"
check "... and kept" kept out.csv
cannot "--ics --output: a read-only file is refused, exit 73" "$W/out.csv" "Permission denied" \
    -d "$SAM" --ics --output "$W/out.csv"
check "... and kept" kept out.csv

# a file the user may write is written (what was refused was the file's mode, not the user)
printf 'old\n' >"$W/rej-ok.csv"
[ "$(id -u)" = 0 ] && chown nobody: "$W/rej-ok.csv"
as_user "$CCRM" -d "$SAM" --import "$W/in.csv" --into contacts --rejects "$W/rej-ok.csv" </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "--rejects: a file the user may write gets the rejects (exit $rc: a row rejected)" \
    bash -c "test $rc = 65 && grep -q '^not-an-address,B,' '$W/rej-ok.csv'"

# ---- a login that is no ccrm user (no department, none of ccrm's roles) ----
q "create role stranger login" || fail "create role"
STRANGER="host=$PG_DIR dbname=ccrm user=stranger"
for cmd in "--batches" "--ics" "--agenda" "--who" "--tick" "--export accounts"; do
    # shellcheck disable=SC2086 # the words of the command line
    "$CCRM" -d "$STRANGER" $cmd </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    check "$cmd by a login that is no ccrm user: refused, 77 (exit $rc: $(head -n 1 "$T/err"))" \
        bash -c "test $rc = 77 && grep -q 'permission denied' '$T/err'"
done
# and one the database cannot reach is still 69
for cmd in "--batches" "--ics"; do
    "$CCRM" -d "$NOWHERE" $cmd </dev/null >/dev/null 2>&1
    rc=$?
    check "$cmd, the database not reached: 69 (exit $rc)" test $rc = 69
done

done_testing
