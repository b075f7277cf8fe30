#!/usr/bin/env bash
# Won and lost close a deal, and one key too many closed one unasked: in the Deals pipeline >
# walked prospecting → … → won and one more > made the deal lost; < from lost made it won
# again. Now > stops at won, moving into or out of won or lost asks y/n (one key, as the other
# questions do: n, Esc, Enter leave the deal), and < takes a closed deal back to negotiation
# (a deal is lost by its Stage field, on purpose). At 140x40 and at 80x24.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_deal_stage_ask.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
id=$(as sam -c "insert into opportunities (account_id, name, amount, currency, stage, owner)
    values ($acc, 'Stageprobe Deal', 5000, 'EUR', 'negotiation', 'sam') returning id" | head -1)
stage() { q "select stage from opportunities where id = $id"; }
stays() { # STAGE: the deal is still there a moment later (nothing sent)
    sleep 0.5
    [ "$(stage)" = "$1" ]
}

# the deal alone in every column, the focus on STAGE's column (COLUMN: its position, 1..6)
find_deal() {
    keys /
    keys -l Stageprobe
    keys Enter
    wait_for " of " 10 || return 1 # the stage headers count the search's matches
    keys '[' '[' '[' '[' '[' '['
    for ((i = 1; i < $1; i++)); do keys ']'; done
}

run() { # COLS ROWS
    q "update opportunities set stage = 'negotiation' where id = $id" >/dev/null
    tui_start "$1" "$2" "$CCRM" -d "$DB user=sam" --view deals
    ROWS=$2
    check "$1x$2: the pipeline opens" wait_for "▸ prospecting ·" 15
    find_deal 4
    check "$1x$2: the focus on negotiation" wait_for "▸ negotiation" 5

    keys '>'
    check "$1x$2: > into won asks first" wait_bottom "mark it won\? \(y/n\)"
    check "... naming the deal and the move" wait_for '"Stageprobe Deal": negotiation → won' 5
    check "... and nothing is sent before the answer" stays negotiation
    keys n
    check "$1x$2: n leaves the deal where it was" wait_for 'not moved: "Stageprobe Deal" stays negotiation' 5
    check "... in the database too" stays negotiation

    keys '>'
    check "$1x$2: asked again" wait_bottom "mark it won\? \(y/n\)"
    keys y
    check "$1x$2: y moves it to won" wait_sql "select stage from opportunities where id = $id" won
    check "... and says so" wait_for '"Stageprobe Deal" moved to won' 5
    check "... the focus follows it" wait_for "▸ won" 5

    keys '>'
    check "$1x$2: > on a won deal: won is the last stage" wait_for "won is the last stage" 5
    check "... it is not made lost" stays won

    keys '<'
    check "$1x$2: < out of won asks first" wait_bottom "reopen it in negotiation\? \(y/n\)"
    keys Escape
    check "$1x$2: Esc leaves it won" wait_for 'not moved: "Stageprobe Deal" stays won' 5
    check "... in the database too" stays won

    keys '<'
    check "$1x$2: asked again" wait_bottom "reopen it in negotiation\? \(y/n\)"
    keys -l yes # "yes" out of habit: e (edit) and s (sort) are not taken as keys
    check "$1x$2: y reopens it in negotiation" \
        wait_sql "select stage from opportunities where id = $id" negotiation
    check "... and the focus follows it" wait_for "▸ negotiation" 5
    check "... what was typed after y did nothing" \
        bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'sorted by|Edit deal|Stage: ')"

    # lost, set on purpose elsewhere: > goes nowhere, < reopens it (not to won)
    as sam -c "update opportunities set stage = 'lost' where id = $id" >/dev/null
    keys Escape
    find_deal 6
    check "$1x$2: the focus on lost" wait_for "▸ lost" 5
    check "... on the deal" wait_for "Stageprobe" 5
    keys '>'
    check "$1x$2: > on a lost deal goes nowhere" wait_for "lost is closed: < reopens it in negotiation" 5
    check "... it stays lost" stays lost
    keys '<'
    check "$1x$2: < out of lost asks to reopen it in negotiation, not to win it" \
        wait_bottom "reopen it in negotiation\? \(y/n\)"
    keys Enter
    check "$1x$2: Enter is no answer: it stays lost" wait_for 'not moved: "Stageprobe Deal" stays lost' 5
    check "... in the database too" stays lost
    keys '<'
    check "$1x$2: asked again" wait_bottom "reopen it in negotiation\? \(y/n\)"
    keys y
    check "$1x$2: y reopens it" wait_sql "select stage from opportunities where id = $id" negotiation

    # an open stage to another: no question, as before
    keys '<'
    check "$1x$2: between open stages no question" \
        wait_sql "select stage from opportunities where id = $id" proposal
    keys q
    tui_stop
}

run 140 40
run 80 24

# offline, > says why the deal was not moved: the column read again after the failure put
# its own "not connected to the database" over "not moved: ..."
q "update opportunities set stage = 'proposal' where id = $id" >/dev/null
tui_start 80 24 "$CCRM" -d "$DB user=sam" --view deals
wait_for "Pipeline" 10 >/dev/null || fail "80x24 offline: the pipeline"
find_deal 3
check "offline: the deal in its column" wait_for "Stageprobe"
q "alter role sam connection limit 0"
on_exit "psql -X -q -At -c 'alter role sam connection limit -1'"
q "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'sam'" >/dev/null
check "offline: the client sees it" wait_for " offline" 10
keys '>'
check "offline: > says the deal was not moved, and why" wait_for "not moved: not connected to the database"
check "... and it was not" stays proposal
q "alter role sam connection limit -1"
check "online again" wait_for "connection restored" 15
keys '>'
check "online: > moves it" wait_sql "select stage from opportunities where id = $id" negotiation
keys q
tui_stop
done_testing
