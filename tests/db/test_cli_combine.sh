#!/usr/bin/env bash
# An option of another command (or of the full-screen client) given with a command is refused
# as such, exit 64, naming both: "--view cannot be used with --agenda", not "unknown option"
# (it is known: ccrm --help names it). An option no command has, an abbreviated command and an
# option given a value it does not take are still unknown. No database is needed: the one named
# does not exist.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_cli_combine.sh path/to/ccrm}
[[ $CCRM == */* ]] && CCRM=$(realpath "$CCRM")
T=$TEST_TMP
cd "$T" || fail "cd"
NOWHERE="host=$T/nowhere dbname=x"
printf 'email\n' >"$T/in.csv"

# refused WANT ARGS...: exit 64, WANT the first line of standard error, nothing on stdout
refused() {
    local want=$1 rc
    shift
    "$CCRM" -d "$NOWHERE" "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    check "ccrm $*: $want (exit $rc: $(head -n 1 "$T/err"))" \
        bash -c "test $rc = 64 && test \"\$(head -n 1 '$T/err')\" = '$want' && test ! -s '$T/out'"
}

# the client's option with a command, in both spellings, before and after it
refused "ccrm: --view cannot be used with --agenda" --agenda --view nope
refused "ccrm: --view cannot be used with --agenda" --view=leads --agenda
refused "ccrm: --view cannot be used with --export" --export leads --view leads
# two commands: the one named first runs, and names the other
refused "ccrm: --import cannot be used with --export" --export leads --import x
refused "ccrm: --export cannot be used with --import" --import "$T/in.csv" --into contacts --export leads
# marketing's commands (read by cli_marketing_dispatch first)
refused "ccrm: --export cannot be used with --report" --report pipeline --export leads
refused "ccrm: --days cannot be used with --report" --report pipeline --days 3
# another command's option: the command that reads the words names itself
refused "ccrm: --dry-run cannot be used with --agenda" --agenda --dry-run
refused "ccrm: --subject cannot be used with --feed" --feed --subject x
refused "ccrm: --scale cannot be used with --print" --print invoice 1 --scale 3
# no command: the client's own reading, or a mode's
refused "ccrm: --days cannot be used with the full-screen client" --days 3
refused "ccrm: --into cannot be used with the full-screen client" --into leads
refused "ccrm: --days cannot be used with --migrate" --migrate --days 3
refused "ccrm: --rejects cannot be used with --demo" --rejects x --demo

# still unknown: no command has it, an abbreviation, a value for a flag that takes none
refused 'ccrm: unknown option "--since-when"' --agenda --since-when 3
refused 'ccrm: unknown option "--vie"' --agenda --vie x
refused 'ccrm: unknown option "--batch"' --agenda --batch
refused 'ccrm: unknown option "--dry-run=yes"' --import "$T/in.csv" --into contacts --dry-run=yes
# a value that looks like another command's option is a value (main reads the words as the
# command does): the command goes as far as the database
"$CCRM" -d "$NOWHERE" --log ticket --contact a@example.org --subject --view </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "--subject --view: a subject, not an option (exit $rc: $(head -n 1 "$T/err"))" \
    bash -c "test $rc = 69 && ! grep -q 'cannot be used' '$T/err'"

done_testing
