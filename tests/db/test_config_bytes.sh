#!/usr/bin/env bash
# Configuration files with bytes that are not text (docs/config.md): a NUL byte anywhere is an
# error naming its line, exit 78, never a line silently cut short (a misspelled key hidden) or
# one taken for too long; and what an error quotes from the file reaches the terminal as
# text: control characters and invalid UTF-8 as \xNN, a long line cut, so that a file (a
# binary given by mistake, a value holding an escape sequence) cannot drive the terminal.
# No database is needed: the one named does not exist.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_config_bytes.sh path/to/ccrm}
[[ $CCRM == */* ]] && CCRM=$(realpath "$CCRM")
T=$TEST_TMP
cd "$T" || fail "cd"
NOWHERE="host=$T/nowhere dbname=x"

# FILE holds valid UTF-8 without control characters, the newlines aside
clean() {
    iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 && ! tr -d '\n' <"$1" | grep -qaP '[\x{0}-\x{1f}\x{7f}-\x{9f}]'
}

# one_line RC WANT_RC: the exit code, and one clean line on standard error
one_line() {
    test "$1" = "$2" && clean "$T/err" && test "$(wc -l <"$T/err")" = 1
}

# config_error WHAT WANT FILE ARGS...: exit 78, standard error WANT (one line), nothing on stdout
config_error() {
    local what=$1 want=$2 file=$3 rc
    shift 3
    "$CCRM" -c "$file" "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    check "$what (exit $rc: $(head -c 300 "$T/err" | cat -v))" \
        bash -c "test $rc = 78 && test \"\$(cat '$T/err')\" = '$want' && test ! -s '$T/out'"
}

# ---- NUL bytes: the client's reading (main) and a batch command's (cli_load_config) ----
printf '[ui]\n\0colour = blue\n' >"$T/nul1.ini"
for cmd in "--migrate" "--agenda"; do
    # shellcheck disable=SC2086 # the words of the command line
    config_error "$cmd: a NUL before a misspelled key is refused, naming the line" \
        "ccrm: $T/nul1.ini: syntax error: line 2: a NUL byte at byte 1" "$T/nul1.ini" -d "$NOWHERE" $cmd
done
printf '[ui]\npage_size = 50\0\n' >"$T/nul2.ini"
config_error "a NUL at the end of a short line is no line too long" \
    "ccrm: $T/nul2.ini: syntax error: line 2: a NUL byte at byte 15" "$T/nul2.ini" -d "$NOWHERE" --agenda
printf '[ui]\npage_size = 50\n\0' >"$T/nul3.ini"
config_error "a NUL after the last line" \
    "ccrm: $T/nul3.ini: syntax error: line 3: a NUL byte at byte 1" "$T/nul3.ini" -d "$NOWHERE" --agenda
printf '\xef\xbb\xbf[ui]\npage_size = 50 ; \0\n' >"$T/nul4.ini"
config_error "a NUL in a comment, after a BOM" \
    "ccrm: $T/nul4.ini: syntax error: line 2: a NUL byte at byte 18" "$T/nul4.ini" -d "$NOWHERE" --agenda

# ---- what an error quotes is text ----
printf '[ui]\ncolor = "\e]0;TITLE\a"\n' >"$T/osc.ini"
config_error "a value with an escape sequence is quoted escaped" \
    "ccrm: $T/osc.ini: [ui] color: expected auto, always or never, got \"\\x1b]0;TITLE\\x07\"" \
    "$T/osc.ini" -d "$NOWHERE" --agenda
printf '[ui]\n\e[2Jcolour = never\n' >"$T/key.ini"
config_error "an unknown key with an escape sequence is quoted escaped" \
    "ccrm: $T/key.ini: unknown key \"\\x1b[2jcolour\" in [ui]" "$T/key.ini" -d "$NOWHERE" --migrate
printf '[\xc2\x9b2J]\n' >"$T/c1.ini"
config_error "a section with a C1 control (CSI) is quoted escaped" \
    "ccrm: $T/c1.ini: unknown section [\\xc2\\x9b2j]" "$T/c1.ini" -d "$NOWHERE" --agenda
printf '[ui]\ncolor = "never\xff\n' >"$T/quote.ini"
config_error "a line without its closing quote, with a byte that is no UTF-8" \
    "ccrm: $T/quote.ini: syntax error: line 2: no closing quote: \"color = \"never\\xff\"" \
    "$T/quote.ini" -d "$NOWHERE" --agenda
printf '[ui]\ncolor = caf\xc3\xa9\n' >"$T/utf8.ini"
config_error "UTF-8 text is quoted as it is" \
    "ccrm: $T/utf8.ini: [ui] color: expected auto, always or never, got \"café\"" \
    "$T/utf8.ini" -d "$NOWHERE" --agenda
{
    printf '[ui]\ncolor = '
    printf 'x%.0s' $(seq 1000)
    printf '\n'
} >"$T/long.ini"
config_error "a long value is cut" \
    "ccrm: $T/long.ini: [ui] color: expected auto, always or never, got \"$(printf 'x%.0s' $(seq 80))...\"" \
    "$T/long.ini" -d "$NOWHERE" --agenda
# the mail delivery reads the configuration itself (exit 75: the MTA keeps the mail)
"$CCRM" -c "$T/osc.ini" -d "$NOWHERE" --mail-in </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "--mail-in: the value is quoted escaped (exit $rc: $(cat -v "$T/err"))" \
    bash -c "test $rc = 75 && grep -qF '\\x1b]0;TITLE\\x07' '$T/err'"
check "--mail-in: standard error is clean" one_line $rc 75

# ---- binary files given by mistake: one clean line, not the file's bytes ----
cp "$CCRM" "$T/binary.ini"
tr -d '\0' <"$CCRM" | head -c 20000 >"$T/binary-nonul.ini"
for f in binary.ini binary-nonul.ini; do
    "$CCRM" -c "$T/$f" -d "$NOWHERE" --agenda </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    check "$f: exit 78, one clean line (exit $rc: $(head -c 300 "$T/err" | cat -v))" one_line $rc 78
    check "$f: a syntax error naming its line, short ($(wc -c <"$T/err") bytes)" \
        bash -c "test \$(wc -c <'$T/err') -lt 500 && grep -q '^ccrm: $T/$f: syntax error: line ' '$T/err'"
done
# every byte but NUL and the line ends, in a key, a value and a quoted value
# (C1 controls and a bidirectional override as UTF-8 first, then the bytes from 255 down: an
# error shows the start; without the line ends and = ; # " ' \ which end a key or a value)
all=$'\xc2\x85\xc2\x9b\xe2\x80\xae'
for i in $(seq 255 -1 1); do
    case $i in 10 | 13 | 34 | 35 | 39 | 59 | 61 | 92) continue ;; esac
    all+=$(printf "\\x$(printf %02x "$i")")
done
for where in key value "quoted value"; do
    case $where in
    key) body="$all = x" ;;
    value) body="color = $all" ;;
    "quoted value") body="color = \"$all" ;;
    esac
    printf '[ui]\n%s\n' "$body" >"$T/bytes.ini"
    "$CCRM" -c "$T/bytes.ini" -d "$NOWHERE" --agenda </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    check "every byte in a $where: exit 78, one clean line (exit $rc: $(head -c 300 "$T/err" | cat -v))" \
        one_line $rc 78
done

# a connection string from the file whose error comes back from libpq is printed as text too
printf '[database]\nconninfo = "host=%s/no\e]0;TITLE\a dbname=x"\n' "$T" >"$T/conn.ini"
"$CCRM" -c "$T/conn.ini" --migrate </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "a libpq error quoting the file's conninfo is clean (exit $rc: $(cat -v "$T/err"))" \
    one_line $rc 69

# ---- a comment that ends in a backslash, a FIFO in a file's place ----
printf '[ui]\n; kept in C:\\\npage_size = 5\n' >"$T/bs.ini"
config_error "a comment ending in a backslash is refused (iniparser would take the next line into it)" \
    "ccrm: $T/bs.ini: syntax error: line 2: a comment ends in a backslash, which would make the next line part of it: remove the backslash" \
    "$T/bs.ini" -d "$NOWHERE" --agenda
mkfifo "$T/cfg.fifo"
timeout 10 "$CCRM" -c "$T/cfg.fifo" -d "$NOWHERE" --agenda </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "a FIFO given as the configuration: refused at once, 78 (exit $rc: $(cat "$T/err"))" \
    bash -c "test $rc = 78 && grep -q 'not a regular file' '$T/err'"
mkdir -p "$T/config/ccrm"
mkfifo "$T/config/ccrm/ccrm.ini"
timeout 10 "$CCRM" -d "$NOWHERE" --agenda </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "a FIFO in the user's configuration's place: refused at once, 78 (exit $rc)" test $rc = 78
rm -f "$T/config/ccrm/ccrm.ini"
mkfifo "$T/state.fifo"
timeout 10 "$CCRM" -d "$NOWHERE" --feed --state "$T/state.fifo" </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "--feed --state naming a FIFO: refused at once, 73 (exit $rc: $(cat "$T/err"))" \
    bash -c "test $rc = 73 && grep -q 'not a regular file' '$T/err'"

done_testing
