# The data of the full-screen search-block tests (tests/tui/test_search_blocks*.sh), sourced
# after tests/lib/pg.sh with $CCRM set: a demo cluster with a few thousand campaigns and leads
# filed in blocks of 100 rows, and the client's page size. The walk of each list is a test of
# its own, so that they run side by side (one test took 260 s, 542 in a run of four at once).
pg_start_demo "$CCRM" 20
psqlc >/dev/null <<'SQL'
INSERT INTO campaigns (name, status)
SELECT (ARRAY['Autumn fair ', 'Brochure ', 'Mailing ', 'Webinar '])[1 + i % 4] || i, 'planned'
  FROM generate_series(1, 2400) i;
-- one word in a cluster far down (Zeppelin) and in two stretches at both ends
INSERT INTO campaigns (name, status)
SELECT 'Zeppelin Qzx ' || i, 'active' FROM generate_series(1, 45) i
UNION ALL SELECT 'Aachen Qzx ' || i, 'active' FROM generate_series(1, 25) i;
INSERT INTO leads (first_name, last_name, company, status)
SELECT 'Lead', 'Person ' || i, 'Company ' || (i % 50), 'new' FROM generate_series(1, 2500) i;
UPDATE search_block_lists SET size = 100;
SELECT ccrm_search_blocks_rebuild(list) FROM search_block_lists;
-- rows added after the cut: at the top of the leads (last block), among the campaigns
INSERT INTO leads (first_name, last_name, company, status)
SELECT 'Late', 'Person ' || i, 'Company 7', 'new' FROM generate_series(1, 150) i;
INSERT INTO campaigns (name, status) SELECT 'Mailing Late ' || i, 'planned' FROM generate_series(1, 150) i;
SQL

mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
trace=$TEST_TMP/trace
: >"$trace"
VISIBLE_COLS=30 # the names on screen (tests/lib/tui.sh: visible)

# ---- the walk of tests/lib/tui.sh (press, run_of, walk), the same checks with few processes ----
# A walk presses PgDn and PgUp hundreds of times (2,651 leads match "pe"), and tui.sh's press
# and run_of started some 25 processes a press (the trace counted by grep in a subshell every
# 20 ms, the screen captured three times and cut by sed, cut and awk): most of these tests'
# processor time. Here the trace is read on from where the last read stopped, the still screen
# that press waited for is the one run_of reads, and the screen is cut in bash.
exec {_trace_fd}<"$trace"
_keys_seen=0
_trace_part=
_shown=
# _count_keys: add the "key" lines written to the trace since the last call to $_keys_seen
_count_keys() {
    local line
    while IFS= read -r -u "$_trace_fd" line; do
        line=$_trace_part$line
        _trace_part=
        [[ $line == key* ]] && _keys_seen=$((_keys_seen + 1))
    done
    _trace_part+=$line # (a line being written: the rest comes with the next read)
}
# _capture VAR: the screen into VAR (one tmux process, no subshell)
_capture() {
    tmx capture-pane -t =t: -p >"$TEST_TMP/shown"
    IFS= read -r -d '' "$1" <"$TEST_TMP/shown"
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
    keys "$1"
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
# _run_of: the screen (the still one press left, else a new capture) is a run of consecutive
# rows of $_exp; sets first and last to their places (0 0: no rows; -1 -1: not such a run)
_run_of() {
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
# line an empty search result shows (src/ui/view_list.c). (tui.sh's run_of said "0 0" for any
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
# walk TEXT WHAT: as tui.sh's. The Escape that closes the last walk's search is not sent before
# the first search: with no search shown it paints nothing, and the wait for its paint took
# the whole 8 s timeout (20 s under load).
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
    _run_of
    check "$what: \"$text\" starts at the first of $n matches" test "$first" = 1
    covered=$last
    for ((i = 0; i < n / 18 + 3 && covered < n; i++)); do
        press NPage
        _run_of
        [ "$first" -ge 1 ] && [ "$first" -le $((covered + 1)) ] || break
        [ "$last" -gt "$covered" ] && covered=$last
    done
    check "$what: PgDn shows all $n matches in order (through $covered; screen at $first..$last)" \
        test "$covered" = "$n"
    press G
    _run_of
    check "$what: G ends at the last match" test "$last" = "$n"
    lowest=$first
    for ((i = 0; i < n / 18 + 3 && lowest > 1; i++)); do
        press PPage
        _run_of
        [ "$first" -ge 1 ] && [ "$last" -ge $((lowest - 1)) ] || break
        [ "$first" -lt "$lowest" ] && lowest=$first
    done
    check "$what: PgUp from the end shows them all back to the first (down to $lowest)" \
        test "$lowest" = 1
}
