#!/usr/bin/env bash
# A deal's form closed it unasked: Stage set to won (or lost) and Ctrl-S saved it at once,
# while the Pipeline's > and < ask "mark it won? (y/n)" first (test_deal_stage_ask.sh). Now a
# save that changes the Stage into won or lost, or out of them (reopening), asks the same
# one-key question: y saves, n, Esc, Enter go back to the form with what was typed kept, and
# what was typed after y is dropped. Changes between open stages, and of other fields of a
# closed deal, are saved unasked as before. At 80x24.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_deal_form_ask.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
id=$(as sam -c "insert into opportunities (account_id, name, amount, currency, stage, owner)
    values ($acc, 'Formprobe Deal', 5000, 'EUR', 'negotiation', 'sam') returning id" | head -1)
stage() { q "select stage from opportunities where id = $id"; }
stays() { # STAGE: the deal is still there a moment later (nothing sent)
    sleep 0.5
    [ "$(stage)" = "$1" ]
}
# the form's Stage line shows STAGE
stage_shows() { screen | grep -qE -- "Stage\* +(‹ )?$1( ›)?\$"; }
# edit: e on the deal, the cursor on its Stage (Name, Account, Stage)
edit() {
    keys e
    wait_for "Edit deal #$id" 5 || return 1
    keys Down Down
    wait_for "▸ Stage" 5
}

tui_start 80 24 "$CCRM" -d "$DB user=sam"
ROWS=24
check "sam's client" wait_for " online " 15
prompt "open deal $id"
check "the deal opens" wait_for "Formprobe Deal" 10

# ---- into won: asked; n, Esc, Enter go back to the form as typed ----
check "e: the form, on the Stage" edit
keys w
check "w: Stage won in the form" wait_until stage_shows won
keys C-s
check "Ctrl-S asks first, as the Pipeline does" wait_bottom "^mark it won\? \(y/n\)"
check "... naming the deal and the change" wait_for "deal #$id, Stage: negotiation → won" 5
check "... and nothing is sent before the answer" stays negotiation
keys n
check "n: not saved, the input kept" wait_for "not saved: your input is kept (Ctrl-S asks again)" 5
check "... back in the form" wait_for "Edit deal #$id" 5
check "... with won still in it" wait_until stage_shows won
check "... in the database: still negotiation" stays negotiation
keys C-s
check "Ctrl-S asks again" wait_bottom "^mark it won\? \(y/n\)"
keys Escape
check "Esc: not saved either" wait_for "not saved: your input is kept" 5
check "... the form stays open, won in it" wait_until stage_shows won
keys C-s
wait_bottom "^mark it won\? \(y/n\)" || fail "asked a third time"
keys Enter
check "Enter is no answer: not saved" wait_for "not saved: your input is kept" 5
check "... the form still open" wait_for "Edit deal #$id" 5
check "... still negotiation" stays negotiation
keys C-s
wait_bottom "^mark it won\? \(y/n\)" || fail "asked a fourth time"
keys -l yes # "yes" out of habit: e (edit) and s are not taken as keys of the deal's view
check "y saves it won" wait_sql "select stage from opportunities where id = $id" won
check "... and says so" wait_for "saved deal #$id" 5
check "... the form closed" wait_gone "Edit deal #$id" 5
check "... what was typed after y did nothing (no form opened again by e)" \
    bash -c "sleep 0.5; ! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Edit deal')"

# ---- a closed deal's other fields: unasked ----
check "e on the won deal" edit
keys Down End C-u # the amount
keys -l "6000"
keys C-s
check "changing the amount of a won deal asks nothing" \
    wait_sql "select amount from opportunities where id = $id" "6000.00"
check "... saved" wait_for "saved deal #$id" 5
check "... still won" stays won

# ---- out of won: reopening is asked ----
check "e again" edit
keys n
check "n: Stage negotiation in the form" wait_until stage_shows negotiation
keys C-s
check "reopening asks first" wait_bottom "^reopen it in negotiation\? \(y/n\)"
check "... naming the change" wait_for "deal #$id, Stage: won → negotiation" 5
check "... nothing sent yet" stays won
keys y
check "y reopens it" wait_sql "select stage from opportunities where id = $id" negotiation

# ---- between open stages: unasked, as before ----
check "e once more" edit
keys p
check "p: an open stage" wait_until stage_shows prospecting
keys C-s
check "an open stage to another is saved unasked" \
    wait_sql "select stage from opportunities where id = $id" prospecting

# ---- into lost: asked too ----
check "e for lost" edit
keys l
check "l: Stage lost" wait_until stage_shows lost
keys C-s
check "lost asks first" wait_bottom "^mark it lost\? \(y/n\)"
keys y
check "y makes it lost" wait_sql "select stage from opportunities where id = $id" lost

keys q q q
tui_stop
done_testing
