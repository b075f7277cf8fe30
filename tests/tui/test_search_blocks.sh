#!/usr/bin/env bash
# Search through the blocks of schema/013 in the full-screen client, checked against plain
# SQL, in an order by name (Campaigns) and in an order by last change, newest first (Leads):
# for patterns that take each road through block_search() in src/db/list.c (matches in one
# block far down the list, in blocks at both ends, spread over every block, one and two
# letters, a trigram no row has, a text whose trigrams occur only apart, blocks grown past a
# window, the rest collected after a few blocks), the first screen starts at the first match, PgDn shows every match in order
# without a gap, G ends at the last and PgUp goes back to the first; rows written while the
# search is shown (inserted, edited to the top) are found. Blocks of 100 rows and windows of 30 (instead of
# 10,000 and 12,000) make a few thousand rows reach every step.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_blocks.sh path/to/ccrm}

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
# the names on screen (22 lines: tab bar, header, 18 rows, status, message line)
visible() { screen | sed -n '3,20p' | cut -c1-30 | sed 's/ *$//' | sed '/^$/d'; }
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
    psqlc -c "$(printf "$EXPECT" "$text")" | cut -c1-30 | sed 's/ *$//' >"$TEST_TMP/exp"
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

tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 "$CCRM" -d "$PG_CONN" --view campaigns
check "first paint (campaigns)" wait_for "Campaigns by name"
EXPECT="select name from campaigns where strpos(search, ccrm_fold('%s')) > 0 order by name, id"
walk zeppelin "one cluster far down"
walk qzx "two stretches at both ends"
walk "mailing 1" "spread over many blocks"
walk "late" "rows added after the cut"
walk ze "two letters"
walk q "one letter"
walk qqqz "a trigram no campaign has"
walk "fair 9" "trigrams apart in most blocks"
# the rest collected with the trigram index after two blocks' worth of windows
keys Escape q
for i in $(seq 100); do [ -s "$TEST_TMP/tui.exit" ] && break; sleep 0.05; done
tui_stop
: >"$trace"
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 CCRM_BLOCK_WALK_MAX=2 "$CCRM" \
    -d "$PG_CONN" --view campaigns
check "first paint (campaigns, collecting after two blocks)" wait_for "Campaigns by name"
walk qzx "collected: two stretches at both ends"
walk "mailing 1" "collected: spread over many blocks"
walk "late" "collected: rows added after the cut"
# live: a campaign inserted into the search shown appears
walk zeppelin "again"
press g
psqlc -c "insert into campaigns (name, status) values ('Zeppelin Aaa first', 'active')"
check "an inserted campaign that matches appears" wait_for "Zeppelin Aaa first"
keys Escape q
for i in $(seq 100); do [ -s "$TEST_TMP/tui.exit" ] && break; sleep 0.05; done
check "quits cleanly (campaigns)" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
tui_stop

: >"$trace"
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 "$CCRM" -d "$PG_CONN" --view leads
check "first paint (leads)" wait_for "Leads by updated"
EXPECT="select concat_ws(' ', first_name, last_name) from leads
         where strpos(search, ccrm_fold('%s')) > 0 order by updated_at desc, id desc"
walk "person 12" "a cluster far down, newest first"
walk "person 1" "spread"
walk "late person" "the last block, grown after the cut"
walk "on 2" "across a word boundary"
walk pe "two letters"
# a lead edited moves to the top: found there (its old block keeps its trigrams)
psqlc -c "update leads set last_name = 'Person 12 edited' where last_name = 'Person 1200'"
walk "person 12" "after an edit moved one to the top"
check "the edited lead is first" test "$(sed -n 1p "$TEST_TMP/exp")" = "Lead Person 12 edited"
keys Escape q
for i in $(seq 100); do [ -s "$TEST_TMP/tui.exit" ] && break; sleep 0.05; done
check "quits cleanly (leads)" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
done_testing
