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

# ---- a search walked through its pages (set $trace: the client's CCRM_TRACE file) ----

nkeys() { grep -c '^key' "$trace"; }
# press KEY: send it, wait until the client traced its paint and tmux shows a still screen
# (fails, saying so, when no paint is traced: what follows would read a screen before the key)
press() {
    local before a b j
    before=$(nkeys)
    keys "$1"
    for ((j = 0; j < 400; j++)); do [ "$(nkeys)" -gt "$before" ] && break; nap 0.02; done
    if [ "$(nkeys)" -le "$before" ]; then
        echo "press $1: no paint traced after the key in $trace" >&2
        return 1
    fi
    a=$(screen)
    for j in $(seq 50); do
        nap
        b=$(screen)
        [ "$a" = "$b" ] && return 0
        a=$b
    done
}
# the first column of the rows on screen (22 lines: tab bar, header, 18 rows, status, message
# line; 18 rows, fewer than a page of 20, so that each PgDn finds its rows already read), cut
# to VISIBLE_COLS characters
visible() { screen | sed -n '3,20p' | cut -c1-"${VISIBLE_COLS:-30}" | sed 's/ *$//' | sed '/^$/d'; }
# pos NAME: its 1-based place in the expected list (0: not there)
pos() { awk -v n="$1" '$0 == n { print NR; f = 1; exit } END { if (!f) print 0 }' "$TEST_TMP/exp"; }
# the screen is a run of consecutive expected rows; prints "first last" places
run_of() {
    visible >"$TEST_TMP/vis"
    awk 'NR == FNR { e[++n] = $0; next } { v[++m] = $0 }
         END { if (m == 0) { print "0 0"; exit }
               for (i = 1; i <= n; i++) if (e[i] == v[1]) break
               if (i > n) { print "-1 -1"; exit }
               for (j = 1; j <= m; j++) if (e[i + j - 1] != v[j]) { print "-1 -1"; exit }
               print i, i + m - 1 }' "$TEST_TMP/exp" "$TEST_TMP/vis"
}
# walk TEXT WHAT: search TEXT, page through all of it down and up, compare with SQL ($EXPECT: a
# query with %s for the text, its rows in the list's order)
walk() {
    local text=$1 what=$2 n first last covered lowest i c
    press Escape
    press /
    for ((c = 0; c < ${#text}; c++)); do press "${text:c:1}"; done
    press Enter
    psqlc -c "$(printf "$EXPECT" "$text")" | cut -c1-"${VISIBLE_COLS:-30}" | sed 's/ *$//' >"$TEST_TMP/exp"
    n=$(grep -c '' "$TEST_TMP/exp")
    read -r first last <<<"$(run_of)"
    if [ "$n" = 0 ]; then
        # (the list's only line is the one an empty result shows, src/ui/view_list.c; run_of's
        # "0 0" could not say it: with no expected rows awk took the screen's for them)
        check "$what: \"$text\" shows nothing, as SQL" test "$(visible)" = "  no records match the search"
        return
    fi
    check "$what: \"$text\" starts at the first of $n matches" test "$first" = 1
    covered=$last
    for ((i = 0; i < n / 18 + 3 && covered < n; i++)); do
        press NPage
        read -r first last <<<"$(run_of)"
        [ "$first" -ge 1 ] && [ "$first" -le $((covered + 1)) ] || break
        [ "$last" -gt "$covered" ] && covered=$last
    done
    check "$what: PgDn shows all $n matches in order (through $covered; screen at $first..$last)" \
        test "$covered" = "$n"
    press G
    read -r first last <<<"$(run_of)"
    check "$what: G ends at the last match" test "$last" = "$n"
    lowest=$first
    for ((i = 0; i < n / 18 + 3 && lowest > 1; i++)); do
        press PPage
        read -r first last <<<"$(run_of)"
        [ "$first" -ge 1 ] && [ "$last" -ge $((lowest - 1)) ] || break
        [ "$first" -lt "$lowest" ] && lowest=$first
    done
    check "$what: PgUp from the end shows them all back to the first (down to $lowest)" \
        test "$lowest" = 1
}
