#!/usr/bin/env bash
# The injection corpus of tests/db/test_injection.sh in the full-screen client (tmux): stored
# through psql, found with the / search (typed literally: quotes, %, _, backslashes) and shown
# verbatim in the Accounts list and the account detail. Control characters and invisible
# format characters (bidi overrides) are shown as '?' by design (src/ui/text.c), so that
# stored data can never move the cursor or reorder what is shown; zero-width characters
# (ZWSP, ZWNJ) are drawn as nothing, as wcwidth counts them (they were '?').
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_injection.sh path/to/ccrm}

# stored text | what the search types | how the client shows it
corpus=(
    $'Inj01 O\'Brien "Quoted" Ltd' $'O\'Brien "Quoted"' $'Inj01 O\'Brien "Quoted" Ltd'
    $'Inj02 C:\\temp\\new \\x41 end' $'C:\\temp\\new \\x41' $'Inj02 C:\\temp\\new \\x41 end'
    $'Inj03 \'; DROP TABLE accounts; --' $'\'; DROP TABLE' $'Inj03 \'; DROP TABLE accounts; --'
    $'Inj04 100% _under_ %s' '100% _under_' $'Inj04 100% _under_ %s'
    $'Inj05 \uff24\uff32\uff2f\uff30 \uff34\uff21\uff22\uff2c\uff25' 'Inj05' $'Inj05 \uff24\uff32\uff2f\uff30 \uff34\uff21\uff22\uff2c\uff25'
    $'Inj06 RTL \u202eevil\u202c name' 'Inj06' 'Inj06 RTL ?evil? name'
    $'Inj07 zero\u200bwidth\u200cjoin' 'Inj07' 'Inj07 zerowidthjoin'
    $'Inj08 emoji \U0001f680\U0001f4a5 \u03a9' 'Inj08' $'Inj08 emoji \U0001f680\U0001f4a5 \u03a9'
    $'Inj09 ctl\a\e[31mred' 'Inj09' 'Inj09 ctl??[31mred'
    $'Inj10 $$ dollar $1 :\'v\'' $'$$ dollar $1 :\'v\'' $'Inj10 $$ dollar $1 :\'v\''
    $'Inj11 Robert\'); DROP TABLE students;--' $'Robert\'); DROP' $'Inj11 Robert\'); DROP TABLE students;--'
    $'Inj12 \u03a1aypal \u0405ecurity' $'\u03a1aypal' $'Inj12 \u03a1aypal \u0405ecurity'
)

pg_start_demo "$CCRM" 50
DB="host=$PG_DIR dbname=ccrm"
for ((i = 0; i < ${#corpus[@]}; i += 3)); do
    psql -X -q -v ON_ERROR_STOP=1 "$DB user=sam" -v v="${corpus[i]}" <<<"insert into accounts (name) values (:'v')" \
        || fail "could not store entry $((i / 3 + 1))"
done
# a decoy that a wildcard-unescaped search for "100% _under_" would also match
psqlc -c "insert into accounts (name) values ('Inj99 1000 xunderx decoy')"

tui_start 100 30 "$CCRM" -d "$DB user=sofia" --view accounts
check "client started" wait_for "(support)"
line() { screen | sed -n "${1}p" | sed 's/ *$//'; }
for ((i = 0; i < ${#corpus[@]}; i += 3)); do
    k=$((i / 3 + 1))
    typed=${corpus[i + 1]}
    shown=${corpus[i + 2]}
    keys /
    wait_for "search:" || fail "entry $k: / did not open the search line"
    keys -l "$typed"
    # the list narrows to the one matching account; the first 12 characters are in its row
    check "entry $k: the search finds it, listed verbatim" wait_for "${shown:0:12}" 5
    one_row() { [ "$(screen | sed -n '3,28p' | grep -c '[^ ]')" = 1 ]; }
    check "entry $k: exactly one row matches the literal search" wait_until -t 10 one_row
    keys Enter
    wait_for "search \"" || true
    keys Enter
    check "entry $k: the detail opens" wait_for "Timeline (" 5
    check "entry $k: the detail title is the name verbatim" test "$(line 2)" = "$shown"
    keys q
    wait_for "Accounts by name" || true
    keys Escape
    wait_gone "search \"" 3 || true
done
keys q
for i in $(seq 100); do pane_dead && break; sleep 0.05; done
check "q quits, exit status 0" test "$(pane_status)" = 0
tui_stop

check "no table was dropped" test "$(psqlc -c "select count(*) from pg_tables where schemaname = 'public' and tablename in ('accounts', 'contacts')")" = 2
done_testing
