#!/usr/bin/env bash
# Every batch command says a wrong command line the same way, before it touches a database: an
# unknown option, an option without its value and a bad number each give exit 64 (EX_USAGE)
# and one line on standard error that names the option (for the commands below followed by
# 'Try "ccrm --help" for more information.' and nothing else); --help after any command
# prints the one usage and exits 0. The database named is a socket that does not exist (a
# command that got past its flags would exit 69 instead); without -d, a command that got past
# its flags would make a private cluster, and none may appear. A -d that libpq cannot read, or
# whose values it would refuse (port=abc), is such a mistake too: 64 and one line, not 69; in the
# configuration file's [database] section the file's mistake, 78 (75 for --mail-in).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_cli_flags.sh path/to/ccrm}

NOWHERE="host=$TEST_TMP/nowhere dbname=x"
HINT='Try "ccrm --help" for more information.'
printf 'x\n' >"$TEST_TMP/body.txt"
mkdir -p "$TEST_TMP/Maildir/new"
"$CCRM" --help >"$TEST_TMP/help" || fail "ccrm --help"

# run_once ARGS...: ccrm ARGS; $rc its exit status, $out_f and $err_f the files of its standard
# output and error. A command line already run is not run again: its status and output are kept
# from the first time (the rows of the table below for one command share most of their command
# lines, e.g. --issue's two rows and --report's three: 23 of some 230 runs of the sanitizer
# build, each 0.15 s of processor time, were the same command line a second time)
declare -A _ran=() _rc=()
run_once() {
    local key n
    printf -v key '%q ' "$@"
    if [ -z "${_ran[$key]:-}" ]; then
        n=${#_ran[@]}
        "$CCRM" "$@" </dev/null >"$TEST_TMP/ran.$n.out" 2>"$TEST_TMP/ran.$n.err"
        _rc[$key]=$?
        _ran[$key]=$n
    fi
    rc=${_rc[$key]} out_f=$TEST_TMP/ran.${_ran[$key]}.out err_f=$TEST_TMP/ran.${_ran[$key]}.err
}

# usage_error WHAT EXPECTED-FIRST-LINE ARGS...: exit 64, the line, then only the hint (standard
# error read by bash, not by a head, a sed and a wc for each of the 150 command lines)
usage_error() {
    local what=$1 want=$2 err
    shift 2
    run_once "$@"
    IFS= read -r -d '' err <"$err_f"
    if [ "$rc" != 64 ] || [ "$err" != "$want"$'\n'"$HINT"$'\n' ] || [ -s "$out_f" ]; then
        echo "# ccrm $*: exit $rc, stderr:" >&2
        sed 's/^/#   /' "$err_f" >&2
        fail "$what"
    fi
    ok "$what"
}

# the same mistakes for every command; each line: NAME | the command | a flag that takes a
# value | what is appended to the command to give a bad number (or date, or choice) | the line
# that must say so
while IFS='|' read -r name cmd valflag badnum msg; do
    read -ra args <<<"$cmd"
    usage_error "$name: an unknown option" 'ccrm: unknown option "--frobnicate"' \
        "${args[@]}" --frobnicate
    usage_error "$name: an unknown short option" 'ccrm: unknown option "-Z"' \
        -d "$NOWHERE" "${args[@]}" -Z
    usage_error "$name: $valflag without its value" "ccrm: option \"$valflag\" needs a value" \
        -d "$NOWHERE" "${args[@]}" "$valflag"
    usage_error "$name: -d without its value" 'ccrm: option "-d" needs a value' "${args[@]}" -d
    if [ -n "$badnum" ]; then
        read -ra bad <<<"$badnum"
        usage_error "$name: a bad value: ${bad[*]}" "$msg" -d "$NOWHERE" "${args[@]}" "${bad[@]}"
    fi
    run_once "${args[@]}" --help
    check "$name --help: exit 0, the usage on standard output" \
        eval "test $rc = 0 && cmp -s '$out_f' '$TEST_TMP/help' && test ! -s '$err_f'"
done <<EOF
--print|--print quote|--output|abc|ccrm: --print quote: expected a quote's id, got "abc"
--print --format|--print invoice 1|--format|--format docx|ccrm: --format: expected pdf, text or ubl, got "docx"
--send|--send invoice 1|--to|||
--issue|--issue 2026-00001|--date|--date 1.1.2026|ccrm: --date: expected a date YYYY-MM-DD, got "1.1.2026"
--payment|--payment 2026-00001 --amount 1|--method|--date 2026-1-1|ccrm: --date: expected a date YYYY-MM-DD, got "2026-1-1"
--issue 2026-13-01|--issue 2026-00001|--date|--date 2026-13-01|ccrm: --date: "2026-13-01" is not a date in the calendar: there is no month 13
--payment 2026-02-30|--payment 2026-00001 --amount 1|--method|--date 2026-02-30|ccrm: --date: "2026-02-30" is not a date in the calendar: there is no 30 February 2026
--credit-note|--credit-note 2026-00001|--note|||
--invoice-from|--invoice-from deal|--tax-rate|12x|ccrm: --invoice-from deal: expected a deal's id, got "12x"
--mail-in|--mail-in|--recipient|||
--send-mail|--send-mail|--queue|||
--reply|--reply 7 --body-file $TEST_TMP/body.txt|--subject|||
--import-mail|--import-mail $TEST_TMP/Maildir|--queue|||
--who|--who|--dept|ticket 1e3|ccrm: --who: expected a record id, got "1e3"
--agenda|--agenda|--days|--days 0|ccrm: --days: expected a number from 1 to 366, got "0"
--agenda --days x|--agenda|--days|--days 7x|ccrm: --days: expected a number from 1 to 366, got "7x"
--ics|--ics|--past-days|--past-days 99999999999999999999|ccrm: --past-days: expected a number from 1 to 3660, got "99999999999999999999"
--tick|--tick|-c|||
--report|--report pipeline|--from|--to 2026-02|ccrm: --to: expected a date YYYY-MM-DD, got "2026-02"
--report --from 2026-04-31|--report pipeline|--to|--from 2026-04-31|ccrm: --from: "2026-04-31" is not a date in the calendar: there is no 31 April 2026
--report --format|--report pipeline|--output|--format xml|ccrm: --format: expected csv or jsonl, got "xml"
--unmerge|--unmerge 5|--unmerge|||
--export campaign_members|--export campaign_members|--campaign|--campaign 0|ccrm: --export campaign_members needs --campaign N (a campaign's id), got a value that is not one
campaign_responses|--import $TEST_TMP/body.txt --into campaign_responses|--rejects|--campaign two|ccrm: --campaign: expected a campaign's id, got "two"
EOF
# (--unmerge's own value: given twice is a mistake of its own, test_cli_output.sh)
usage_error "--unmerge: a bad value: --unmerge -3" 'ccrm: --unmerge: expected a merge number, got "-3"' \
    -d "$NOWHERE" --unmerge -3
usage_error "--reply: a bad number" \
    'ccrm: --reply: expected a ticket number or ENTITY:ID (ticket, lead, contact, deal), got "ticket:x7"' \
    -d "$NOWHERE" --reply ticket:x7 --body-file "$TEST_TMP/body.txt"
usage_error "--print: two numbers" 'ccrm: --print quote: name one quote by its id' \
    -d "$NOWHERE" --print quote 1 2
usage_error "--agenda: an argument that is no option" 'ccrm: unexpected argument "tomorrow"' \
    -d "$NOWHERE" --agenda tomorrow

# the older commands say the same first line with the same exit code (some then show their usage)
first_line() { # WHAT EXPECTED-FIRST-LINE ARGS...
    local what=$1 want=$2 rc
    shift 2
    "$CCRM" -d "$NOWHERE" "$@" </dev/null >/dev/null 2>"$TEST_TMP/err"
    rc=$?
    check "$what" bash -c "test $rc = 64 && test \"\$(head -n 1 '$TEST_TMP/err')\" = '$want'"
}
first_line "--feed: a bad number" 'ccrm: --limit: expected a number from 0 to 1000000, got "x"' --feed --limit x
first_line "--feed: a bad format" 'ccrm: --format: expected text or jsonl, got "csv"' --feed --format csv
first_line "--export: a bad format" 'ccrm: --format: expected csv or jsonl, got "xml"' --export accounts --format xml
first_line "--export: an unknown option" 'ccrm: unknown option "--frobnicate"' --export accounts --frobnicate
first_line "--import: a bad --on-conflict" 'ccrm: --on-conflict: expected error, skip or update, got "merge"' \
    --import "$TEST_TMP/body.txt" --into accounts --on-conflict merge
first_line "--revert: a bad number" 'ccrm: --revert: expected a batch number, got "+3"' --revert +3
first_line "--log: a bad kind of record" 'ccrm: --log: expected ticket or interaction, got "call"' \
    --log call --contact a@example.com --subject x
first_line "--log: a value missing" 'ccrm: option "--subject" needs a value' --log ticket --subject
first_line "--add-user: an unknown option" 'ccrm: unknown option "--frobnicate"' --add-user sam --frobnicate
first_line "the client: an unknown option" 'ccrm: unknown option "--frobnicate"' --frobnicate

usage_error "--payment: an option of another command (its value would be lost)" \
    'ccrm: --payment takes --amount, --date, --method and --reference only' \
    -d "$NOWHERE" --payment 2026-00001 --amount 1 --note "lost note"
usage_error "--log: a subject that is not UTF-8 is the command line's mistake" \
    'ccrm: --subject: not valid UTF-8 (byte 3)' -d "$NOWHERE" --log ticket --contact a@example.org --subject $'ab\xffc'
usage_error "--log ticket with --kind (an interaction's)" \
    'ccrm: --kind goes with --log interaction (a ticket has none)' -d "$NOWHERE" --log ticket --contact a@example.org --subject x --kind call
usage_error "--issue: an option of another command" 'ccrm: --issue takes --date only' \
    -d "$NOWHERE" --issue 2026-00001 --amount 3
usage_error "--invoice-from: a tax rate that is none" \
    'ccrm: --tax-rate: expected a percentage from 0 to 100 (19 or 7.7), got "abc"' \
    -d "$NOWHERE" --invoice-from deal 1 --tax-rate abc
usage_error "--invoice-from quote: a tax rate is not silently dropped" \
    "ccrm: --invoice-from quote takes no --tax-rate: the quote's lines have theirs" \
    -d "$NOWHERE" --invoice-from quote 1 --tax-rate 19
usage_error "--payment: a method that is none" \
    'ccrm: --method: expected transfer, direct_debit, card, cash, cheque or other, got "bitcoin"' \
    -d "$NOWHERE" --payment 2026-00001 --amount 1 --method bitcoin

# a value is a value, also one that looks like -h, --help or a command's flag: main() reads the
# command line as the command does (its table of the options that take one, src/main.c); the
# commands below get as far as the (missing) database. Files a command would write land here.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[[ $CCRM == */* ]] && CCRM=$(realpath "$CCRM")
cd "$TEST_TMP" || fail "cd"
reaches_db() { # WHAT ARGS...
    local what=$1 rc
    shift
    "$CCRM" -d "$NOWHERE" "$@" </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    rc=$?
    if [ $rc != 69 ] || [ -s "$TEST_TMP/out" ]; then
        echo "# ccrm $*: exit $rc, stderr:" >&2
        sed 's/^/#   /' "$TEST_TMP/err" >&2
        fail "$what"
    fi
    ok "$what"
}
reaches_db "--note --help is the credit note's text" --credit-note 2026-00001 --note --help
reaches_db "--subject -h is the subject" --who --subject -h
reaches_db "--subject --report is a ticket's subject, not the report command" \
    --log ticket --contact a@example.org --subject --report
reaches_db "--rejects --unmerge names a file, not the unmerge command" \
    --import "$TEST_TMP/body.txt" --into contacts --rejects --unmerge
reaches_db "--output --export before the command flag names a file" \
    --output --export --print quote 1 --format text
reaches_db "--subject --send-mail is a reply's subject" \
    --reply 7 --body-file "$TEST_TMP/body.txt" --subject --send-mail
reaches_db "-o --export: -o's value" --ics -o --export --past-days 3
# every option with a value in the commands' tables: "--OPTION --help" gives it the value
# "--help" (what follows goes wrong: no usage on standard output), but for the flags that name
# a command, where it asks for help ("ccrm --export --help")
commands=" import revert export add-user disable-user share unshare log reply import-mail print "
commands+="send issue payment credit-note invoice-from report unmerge "
for opt in $(grep -ho '{"[a-z-]*", *required_argument' "$SRC"/src/cli/*.c "$SRC"/src/main.c \
    "$SRC"/include/ccrm/cli.h | sed 's/{"\([a-z-]*\)".*/\1/' | sort -u); do
    "$CCRM" -d "$NOWHERE" "--$opt" --help </dev/null >"$TEST_TMP/out" 2>&1
    IFS= read -r -d '' out <"$TEST_TMP/out"
    if [[ $commands == *" $opt "* ]]; then
        [[ $'\n'$out == *$'\nusage: ccrm'* ]] || fail "--$opt --help asks for help"
    elif [[ $'\n'$out == *$'\nusage: ccrm'* ]]; then
        fail "--$opt --help: --help is the value of --$opt (src/main.c's every_option lacks it?)"
    fi
done
ok "every option's value is read as one, the command flags' --help as help"
check "no command wrote a file named after a flag" bash -c "! ls -- '$TEST_TMP'/-* 2>/dev/null"

# a -d that libpq cannot read is the command line's mistake (64, one line naming -d and libpq's
# reason), for the client and every command alike; it exited 69 as if the server were down. A
# well-formed one whose server is not there stays 69.
bad_conninfo() { # WHAT CONNINFO EXPECTED-LINE
    local what=$1 conninfo=$2 want=$3 args rc err
    for args in "" "--export accounts" "--feed" "--send-mail" "--migrate" "--agenda"; do
        # shellcheck disable=SC2086 # the words of the command line
        "$CCRM" -d "$conninfo" $args </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err"
        rc=$?
        IFS= read -r -d '' err <"$TEST_TMP/err"
        if [ $rc != 64 ] || [ "$err" != "$want"$'\n' ] || [ -s "$TEST_TMP/out" ]; then
            echo "# ccrm -d $conninfo $args: exit $rc, stderr:" >&2
            sed 's/^/#   /' "$TEST_TMP/err" >&2
            fail "$what (${args:-the client})"
        fi
    done
    ok "$what: 64 and one line, for the client and the commands"
}
bad_conninfo "-d with an unclosed quote" "dbname='x" \
    'ccrm: -d: unterminated quoted string in connection info string'
bad_conninfo "-d with an option libpq does not know" "host=$TEST_TMP/nowhere foo=bar" \
    'ccrm: -d: invalid connection option "foo"'
bad_conninfo "-d, a URI cut short" "postgresql://[::1" \
    'ccrm: -d: end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://[::1"'
# libpq quotes a URI it cannot read whole: its password is not repeated (a terminal, a log, an
# MTA's report of --mail-in)
bad_conninfo "-d, a URI with a password cut short" "postgresql://crm:s3cret@[::1/crm" \
    'ccrm: -d: end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://crm:***@[::1/crm"'
# one that parses but has a value libpq refuses as it connects (some only after looking up the
# host name) is the same mistake, said in libpq's words before anything is looked up
bad_conninfo "-d with a port that is no number" "host=$TEST_TMP/nowhere port=abc" \
    'ccrm: -d: invalid integer value "abc" for connection option "port"'
bad_conninfo "-d, a URI with a port out of range" "postgresql://db.invalid:70000/crm" \
    'ccrm: -d: invalid port number: "70000"'
bad_conninfo "-d with an sslmode libpq does not know" "host=$TEST_TMP/nowhere sslmode=bogus" \
    'ccrm: -d: invalid sslmode value: "bogus"'
bad_conninfo "-d with a connect_timeout that is no number" "host=$TEST_TMP/nowhere connect_timeout=x" \
    'ccrm: -d: invalid integer value "x" for connection option "connect_timeout"'
bad_conninfo "-d with more ports than hosts" "host=$TEST_TMP/a,$TEST_TMP/b port=1,2,3" \
    'ccrm: -d: could not match 3 port numbers to 2 hosts'

# the same in the configuration file's [database] section is that file's mistake: 78, one line
# naming the file and the key (for --mail-in 75, a broken configuration: the MTA keeps the mail)
bad_config_conninfo() { # WHAT INI-LINE EXPECTED-LINE-AFTER-FILE
    local what=$1 line=$2 want=$3 args rc err ini=$TEST_TMP/conninfo.ini
    printf '[database]\n%s\n' "$line" >"$ini"
    for args in "" "--export accounts" "--feed" "--send-mail" "--migrate" "--mail-in"; do
        # shellcheck disable=SC2086 # the words of the command line
        "$CCRM" -c "$ini" $args </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err"
        rc=$?
        IFS= read -r -d '' err <"$TEST_TMP/err"
        if [ "$args" = --mail-in ]; then
            [ $rc = 75 ] && [ "$err" = "ccrm: $ini: $want (the mail stays with the MTA)"$'\n' ] && continue
        elif [ $rc = 78 ] && [ "$err" = "ccrm: $ini: $want"$'\n' ] && [ ! -s "$TEST_TMP/out" ]; then
            continue
        fi
        echo "# ccrm -c $ini $args: exit $rc, stderr:" >&2
        sed 's/^/#   /' "$TEST_TMP/err" >&2
        fail "$what (${args:-the client})"
    done
    ok "$what: 78 and one line naming the file, for the client and the commands"
}
bad_config_conninfo "[database] conninfo with an unclosed quote" "conninfo = \"host=$TEST_TMP/nowhere dbname='x\"" \
    '[database] conninfo: unterminated quoted string in connection info string'
bad_config_conninfo "[database] conninfo, a URI with a password cut short" "conninfo = postgresql://crm:s3cret@[::1/crm" \
    '[database] conninfo: end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://crm:***@[::1/crm"'
bad_config_conninfo "[database] conninfo with a port that is no number" "conninfo = host=$TEST_TMP/nowhere port=abc" \
    '[database] conninfo: invalid integer value "abc" for connection option "port"'
bad_config_conninfo "[database] replica_conninfo with an sslmode libpq does not know" "replica_conninfo = host=$TEST_TMP/nowhere sslmode=bogus" \
    '[database] replica_conninfo: invalid sslmode value: "bogus"'
printf '[database]\nconninfo = %s\n' "$NOWHERE" >"$TEST_TMP/conninfo.ini"
"$CCRM" -c "$TEST_TMP/conninfo.ini" --export accounts </dev/null >/dev/null 2>"$TEST_TMP/err"
check "a well-formed [database] conninfo whose server is not there: 69, unavailable" \
    bash -c "test $? = 69 && grep -q 'could not connect to the database' '$TEST_TMP/err'"
printf 'From: a@example.com\nTo: b@example.com\nSubject: x\n\nx\n' |
    "$CCRM" -c "$TEST_TMP/conninfo.ini" --mail-in >/dev/null 2>"$TEST_TMP/err"
check "... and for --mail-in 75 (the MTA keeps the mail)" test $? = 75
"$CCRM" -d "$NOWHERE" --export accounts </dev/null >/dev/null 2>"$TEST_TMP/err"
check "a well-formed -d whose server is not there: 69, unavailable" \
    bash -c "test $? = 69 && grep -q 'could not connect to the database' '$TEST_TMP/err'"

# after all of that, the database was never looked for: no private cluster was made
check "no command started a private database" test ! -e "$XDG_DATA_HOME/ccrm"
# and a good command line does get as far as the database (so the cases above are the flags')
"$CCRM" -d "$NOWHERE" --agenda --days 3 </dev/null >/dev/null 2>&1
check "a good command line reaches the (missing) database: exit 69" test $? = 69
"$CCRM" -d "$NOWHERE" --print quote 1 --format text </dev/null >/dev/null 2>&1
check "--print quote 1 --format text reaches the database: exit 69" test $? = 69
# a command is named in full: "--rep" would be --reply as much as --report
for abbr in "--rep list" "--exp contacts" "--imp x.csv"; do
    # shellcheck disable=SC2086 # the words of the command line
    out=$("$CCRM" -d "$NOWHERE" $abbr 2>&1 </dev/null)
    rc=$?
    check "$abbr: no command of its abbreviation (exit $rc: $out)" \
        bash -c "test $rc = 64 && grep -q 'unknown option \"${abbr%% *}\"' <<<'$out'"
done

done_testing
