# Helpers shared by the full-screen tests (sourced by tests/lib/pg.sh): drive keys and the `:`
# prompt, wait for what the screen or the database shows (polling with a timeout, never a bare
# sleep), and walk a search through its pages against plain SQL.

# keys_in SESSION KEYS...: send keys to another client's session (keys: to "t")
keys_in() { tmx send-keys -t "=$1:" "${@:2}"; }
# prompt LINE / prompt_in SESSION LINE: run a `:` command
prompt() { keys :; keys -l "$1"; keys Enter; }
prompt_in() { keys_in "$1" :; keys_in "$1" -l "$2"; keys_in "$1" Enter; }

# line_has TEXT1 TEXT2: wait until one screen line holds both (5 s)
line_has() {
    local i
    for ((i = 0; i < 100; i++)); do
        screen | grep -F -- "$1" | grep -qF -- "$2" && return 0
        nap
    done
    echo "--- screen while waiting for a line with: $1 ... $2" >&2
    screen >&2
    return 1
}
# rows_like PATTERN N: wait until exactly N screen lines match PATTERN (5 s)
rows_like() {
    local i
    for ((i = 0; i < 100; i++)); do [ "$(screen | grep -c -- "$1")" = "$2" ] && return 0; nap; done
    screen >&2
    return 1
}
# wait_until [-t SECONDS] COMMAND...: wait until the command succeeds (5 s unless told)
wait_until() {
    local i n=100
    if [ "$1" = -t ]; then
        n=$(($2 * 20))
        shift 2
    fi
    for ((i = 0; i < n; i++)); do "$@" && return 0; nap; done
    return 1
}
# tab_to LABEL [MAX]: Tab through a form until its cursor (▸) is on LABEL (MAX Tabs, 20 unless
# told). Each Tab waits for the cursor to move before the screen is read again: a loop that
# read the screen and sent Tab at once sent Tabs faster than the client painted, went round
# the form past the field and failed (tui/test_conflict_long_text in CI).
tab_to() {
    local max=${2:-20} i j at now
    for ((i = 0; i <= max; i++)); do
        at=$(screen | grep -m1 -F '▸' || true)
        [[ $at == *"▸ $1"* ]] && return 0
        ((i < max)) || break
        keys Tab
        for ((j = 0; j < 100; j++)); do
            now=$(screen | grep -m1 -F '▸' || true)
            [ "$now" != "$at" ] && break
            nap
        done
    done
    echo "--- screen while tabbing to: ▸ $1" >&2
    screen >&2
    return 1
}
# key_until [-E] TEXT KEY [MAX]: send KEY until the screen shows TEXT (-E: a line matches the
# extended regular expression TEXT), MAX keys at most (60 unless told), each key only once the
# screen changed after the last one, so a slow paint cannot make the keys run past what is
# looked for (a page of help, a row scrolled through)
key_until() {
    local re= max i j was now
    if [ "$1" = -E ]; then
        re=1
        shift
    fi
    max=${3:-60}
    for ((i = 0; i <= max; i++)); do
        was=$(screen)
        if [ -n "$re" ]; then
            grep -qE -- "$1" <<<"$was" && return 0
        elif [[ $was == *"$1"* ]]; then
            return 0
        fi
        ((i < max)) || break
        keys "$2"
        for ((j = 0; j < 40; j++)); do
            nap
            now=$(screen)
            [ "$now" != "$was" ] && break
        done
    done
    echo "--- screen after $max x $2, waiting for: $1" >&2
    screen >&2
    return 1
}
# sql_is SQL EXPECTED: does the query (as the superuser) return EXPECTED?
sql_is() { [ "$(psqlc -c "$1")" = "$2" ]; }
# wait_sql SQL EXPECTED: wait until the query returns EXPECTED (5 s)
wait_sql() { wait_until sql_is "$@"; }
# wait_exit: wait until the program in the pane has exited (5 s)
wait_exit() { wait_until pane_dead; }
# marks_shown MARK "WORD..." SHOWN...: of the list's rows "MARK WORD" (a test's own records),
# exactly those of SHOWN are on the screen
marks_shown() {
    local mark=$1 all=$2 w s
    shift 2
    s=$(screen | sed -n '3,$p' | head -n -2)
    for w in $all; do
        if [[ " $* " == *" $w "* ]]; then
            grep -qF "$mark $w" <<<"$s" || return 1
        else
            grep -qF "$mark $w" <<<"$s" && return 1
        fi
    done
    return 0
}
# filter_marks MARK "WORD..." FILTER SHOWN...: `:filter FILTER`, then wait until marks_shown
# (10 s; the screen goes to stderr if not)
filter_marks() {
    local mark=$1 all=$2
    prompt "filter $3"
    shift 3
    wait_until -t 10 marks_shown "$mark" "$all" "$@" || { screen >&2 && return 1; }
}

# account_at N: the first 14 characters of the name of the account at place N (from 0) of the
# Accounts list by name, as its first column shows them at 120 columns
account_at() { psqlc -c "select left(name, 14) from accounts order by name, id offset $1 limit 1"; }

# ---- a search walked through its pages (set $trace: the client's CCRM_TRACE file; $EXPECT: a
# query with %s for the text, its rows in the list's order; VISIBLE_COLS: the characters of a
# row compared) ----
# A walk presses PgDn and PgUp hundreds of times (2,651 leads match "pe" in
# tui/test_search_blocks_leads). The trace is read on from where the last read stopped, the
# still screen that press waited for is the one run_of reads, and the screen is cut in bash: a
# press starts three processes (it started some 25: the trace counted by grep in a subshell
# every 20 ms, the screen captured three times and cut by sed, cut and awk).
_trace_at=
_shown=
# _count_keys: add the "key" lines written to $trace since the last call to $_keys_seen (the
# file is opened at the first call, and again when $trace names another)
_count_keys() {
    local line
    if [ "$_trace_at" != "$trace" ]; then
        exec {_trace_fd}<"$trace"
        _trace_at=$trace _keys_seen=0 _trace_part=
    fi
    while IFS= read -r -u "$_trace_fd" line; do
        line=$_trace_part$line
        _trace_part=
        [[ $line == key* ]] && _keys_seen=$((_keys_seen + 1))
    done
    _trace_part+=$line # (a line being written: the rest comes with the next read)
}
# _ctl COMMAND: run a tmux command through a control-mode client of session "t" (started at
# the first call, and again once it ended with its server), its output lines into _ctl_out. A
# press sent a key and captured the screen twice, three tmux processes of some 15 ms of
# processor time each; through the client they start none. (ignore-size: the client leaves
# the window's size alone; no-output: it is not sent what the pane prints.)
_ctl() {
    local l inb=0 from to
    if [ -z "${_TC_PID:-}" ] || ! kill -0 "$_TC_PID" 2>/dev/null; then
        coproc _TC { exec tmux -L "$TMUX_SOCK" -f /dev/null -C attach-session -t =t: -f ignore-size,no-output 2>/dev/null; }
    fi
    # a client that ended at once (no session "t") leaves no descriptors: fail, not `set -u`
    from=${_TC[0]:-} to=${_TC[1]:-}
    _ctl_out=()
    if [ -z "$from" ] || [ -z "$to" ]; then
        echo "_ctl: no tmux control client for session t" >&2
        return 2
    fi
    printf '%s\n' "$1" >&"$to"
    while IFS= read -r -u "$from" l; do
        if ((inb)); then
            [[ $l =~ ^%(end|error)\ [0-9]+\ [0-9]+\ 1$ ]] && return 0
            _ctl_out+=("$l")
        elif [[ $l =~ ^%begin\ [0-9]+\ [0-9]+\ 1$ ]]; then
            inb=1
        fi
    done
    return 1
}
# _capture VAR: the screen into VAR (no process)
_capture() {
    _ctl "capture-pane -t =t: -p" || return 1
    printf -v "$1" '%s\n' "${_ctl_out[@]}"
}
# press [-n] KEY: send it, wait until the client traced its paint and tmux shows a still screen
# (kept in $_shown for run_of); fails, saying so, when no paint is traced. -n: the paint only
# (a letter typed at the search prompt: the next key waits for its own paint, and no screen is
# read in between).
press() {
    local still=1 before a b j
    if [ "$1" = -n ]; then
        still=0
        shift
    fi
    _shown=
    _count_keys
    before=$_keys_seen
    if [[ $1 == *"'"* ]]; then _ctl "send-keys -t =t: \"${1//[\\\"]/\\&}\""; else _ctl "send-keys -t =t: '$1'"; fi
    for ((j = 0; j < 1000 && _keys_seen <= before; j++)); do
        nap 0.02
        _count_keys
    done
    if [ "$_keys_seen" -le "$before" ]; then
        echo "press $1: no paint traced after the key in $trace" >&2
        return 1
    fi
    [ $still = 1 ] || return 0
    _capture a
    for ((j = 0; j < 50; j++)); do
        nap
        _capture b
        if [ "$a" = "$b" ]; then
            _shown=$b
            return 0
        fi
        a=$b
    done
}
# _cut [-e] ARRAY: each of its lines cut to the first VISIBLE_COLS bytes (as `cut -c` cut them)
# and without the spaces at its end; -e: empty lines dropped (as from the screen)
_cut() {
    local LC_ALL=C l drop=
    if [ "$1" = -e ]; then
        drop=1
        shift
    fi
    local -n _lines=$1
    local -a _out=()
    for l in "${_lines[@]}"; do
        l=${l:0:${VISIBLE_COLS:-30}}
        l=${l%"${l##*[! ]}"}
        [ -z "$l" ] && [ -n "$drop" ] || _out+=("$l")
    done
    _lines=("${_out[@]}")
}
# run_of: the screen (the still one press left, else a new capture) is a run of consecutive
# rows of $_exp; sets first and last to their places (0 0: no rows; -1 -1: not such a run)
run_of() {
    local s i j m
    local -a vis
    s=$_shown
    [ -n "$s" ] || _capture s
    mapfile -t -s 2 -n 18 vis <<<"$s"
    _cut -e vis
    m=${#vis[@]}
    first=0 last=0
    [ "$m" = 0 ] && return 0
    first=-1 last=-1
    for ((i = 0; i < ${#_exp[@]}; i++)); do [ "${_exp[i]}" = "${vis[0]}" ] && break; done
    for ((j = 0; j < m; j++)); do [ "${_exp[i + j]-}" = "${vis[j]}" ] || return 0; done
    first=$((i + 1)) last=$((i + m))
}
# _shows_none: the list's rows (the still screen press left, else a new capture) are only the
# line an empty search result shows (src/ui/view_list.c). (run_of's awk once said "0 0" for any
# screen when nothing was expected: with the expected file empty, awk took the screen's lines
# for the expected ones, and so the check could not fail.)
_shows_none() {
    local s
    local -a vis
    s=$_shown
    [ -n "$s" ] || _capture s
    mapfile -t -s 2 -n 18 vis <<<"$s"
    _cut -e vis
    [ "${#vis[@]}" = 1 ] && [ "${vis[0]}" = "  no records match the search" ]
}
# walk TEXT WHAT: search TEXT, page through all of it down and up, compare with SQL. The Escape
# that closes the last walk's search is not sent before the first search: with no search shown
# it paints nothing, and the wait for its paint took the whole 8 s timeout (20 s under load).
_searched=
walk() {
    local text=$1 what=$2 n first last covered lowest i c q
    [ -z "$_searched" ] || press Escape
    press /
    for ((c = 0; c < ${#text}; c++)); do press -n "${text:c:1}"; done
    press Enter
    _searched=1
    printf -v q "$EXPECT" "$text"
    psqlc -c "$q" >"$TEST_TMP/exp"
    mapfile -t _exp <"$TEST_TMP/exp"
    _cut _exp
    n=${#_exp[@]}
    ((n == 0)) || printf '%s\n' "${_exp[@]}" >"$TEST_TMP/exp" # (as cut: the tests read it)
    if [ "$n" = 0 ]; then
        check "$what: \"$text\" shows nothing, as SQL" _shows_none
        return
    fi
    run_of
    check "$what: \"$text\" starts at the first of $n matches" test "$first" = 1
    covered=$last
    for ((i = 0; i < n / 18 + 3 && covered < n; i++)); do
        press NPage
        run_of
        [ "$first" -ge 1 ] && [ "$first" -le $((covered + 1)) ] || break
        [ "$last" -gt "$covered" ] && covered=$last
    done
    check "$what: PgDn shows all $n matches in order (through $covered; screen at $first..$last)" \
        test "$covered" = "$n"
    press G
    run_of
    check "$what: G ends at the last match" test "$last" = "$n"
    lowest=$first
    for ((i = 0; i < n / 18 + 3 && lowest > 1; i++)); do
        press PPage
        run_of
        [ "$first" -ge 1 ] && [ "$last" -ge $((lowest - 1)) ] || break
        [ "$first" -lt "$lowest" ] && lowest=$first
    done
    check "$what: PgUp from the end shows them all back to the first (down to $lowest)" \
        test "$lowest" = 1
}
