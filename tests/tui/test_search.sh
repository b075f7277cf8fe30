#!/usr/bin/env bash
# Accounts search in the full-screen client, checked against plain SQL: for patterns that take
# each road through src/db/list.c (search blocks, schema/016: matches in one stretch of
# blocks, in two stretches far apart, spread over the whole list, a pattern that can match
# nothing, one without trigrams, a short one), the first screen starts at the first match,
# paging down with PgDn and up from the end with PgUp shows every match exactly in name order
# without a gap, an account inserted into the search while it is shown appears, and one
# renamed into it is found. Blocks of 100 accounts, a window of 30 rows and pages of 20
# (instead of 10,000, 12,000 and 200) make a few thousand accounts reach every step.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search.sh path/to/ccrm}

pg_start_demo "$CCRM" 3000
# one word in two stretches at both ends of the list (a page must be collected over the gap)
psqlc -c "insert into accounts (name, domain)
          select 'Aardvark Qzx ' || i, 'aardvark' || i || '.example' from generate_series(1, 25) i
          union all
          select 'Zypresse Qzx ' || i, 'zypresse' || i || '.example' from generate_series(1, 25) i"
psqlc -c "update search_block_lists set size = 100 where list = 'accounts_name'" -c "select ccrm_search_blocks_rebuild('accounts_name')" >/dev/null

mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
trace=$TEST_TMP/trace
: >"$trace"
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 "$CCRM" -d "$PG_CONN" --view accounts
check "first paint" wait_for "Accounts by name"

nkeys() { grep -c '^key' "$trace"; }
# press KEY: send it, wait until the client traced its paint and tmux shows a still screen
press() {
    local before a b j
    before=$(nkeys)
    keys "$1"
    for j in $(seq 400); do [ "$(nkeys)" -gt "$before" ] && break; sleep 0.02; done
    a=$(screen)
    for j in $(seq 50); do
        sleep 0.05
        b=$(screen)
        [ "$a" = "$b" ] && return 0
        a=$b
    done
}
# the names on screen (22 lines: tab bar, header, 18 rows, status, message line; 18 rows, fewer
# than a page of 20, so that each PgDn finds its rows already read)
visible() { screen | sed -n '3,20p' | cut -c1-47 | sed 's/ *$//' | sed '/^$/d'; }
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

# walk TEXT WHAT: search TEXT, page through all of it down and up, compare with SQL
walk() {
    local text=$1 what=$2 n first last covered lowest i c
    press Escape
    press /
    for ((c = 0; c < ${#text}; c++)); do press "${text:c:1}"; done
    press Enter
    psqlc -c "select name from accounts where strpos(search, ccrm_fold('$text')) > 0
              order by name, id" >"$TEST_TMP/exp"
    n=$(grep -c '' "$TEST_TMP/exp")
    read -r first last <<<"$(run_of)"
    if [ "$n" = 0 ]; then
        check "$what: \"$text\" shows nothing, as SQL" test "$first" = 0
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

walk lodz "one stretch of blocks"
walk "Łódź" "accents folded"
walk qzx "two stretches at both ends"
walk data "spread over the list"
walk "sp. z" "no trigram of three letters in a row"
walk qqqz "a trigram no account has"
walk "Ac" "short pattern"

# live: an account inserted before every match, and one renamed to after them all, appear in
# the search shown (their blocks told by the triggers, the list told by the events)
walk lodz "again"
press g
psqlc -c "insert into accounts (name, domain) values ('Aachen Lodz Partners', 'aachen.example')"
check "an inserted account that matches appears at the top" wait_for "Aachen Lodz Partners"
# (a row renamed into a search is not drawn live at the end of the list: reload with g, G)
psqlc -c "update accounts set name = 'Zywiec Lodz Brewery'
          where id = (select min(id) from accounts where name like 'Acme %')"
press g
press G
check "an account renamed into the search appears at its end" wait_for "Zywiec Lodz Brewery"

keys Escape q
for i in $(seq 100); do [ -s "$TEST_TMP/tui.exit" ] && break; sleep 0.05; done
check "quits cleanly" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
done_testing
