#!/usr/bin/env bash
# A note's form (issues from a probe of the full-screen client):
#  - typing into a choice field picks only a choice starting with what was typed, and says so
#    when none does; Visibility never changes from typing (text typed one Tab too far had
#    picked "shared", and the note was saved for the partner to read);
#  - a note with neither subject nor body is refused; one with a body but no subject shows
#    its body's first words on the timeline, not an empty "note [internal]:".
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_note_form.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
acc=$(q "insert into accounts (name) values ('Quillfeather Notes AG') returning id")
check "an account" test -n "$acc"
absent() { ! screen | grep -qF -- "$1"; }
nnotes() { q "select count(*) from interactions where account_id = $acc and kind = 'note'"; }

tui_start 120 40 "$CCRM" -d "$PG_CONN user=sam" --view accounts
check "sam's client" wait_for "Accounts by" 15
prompt "open Quillfeather Notes AG"
check "the account opens" wait_for "Quillfeather Notes AG" 10

# ---- text typed one field too far: Visibility stays internal ----
keys l
check "l opens a new interaction" wait_for "New " 5
keys n
check "n in Kind: note" wait_for "New note" 5
for i in $(seq 13); do keys Tab; done
check "Tab x13: Visibility" wait_for "▸ Visibility" 5
keys -l "some stray text"
check "typing says Visibility does not change by typing" \
    wait_for "Visibility changes only with Space or ← →" 5
check "... it is not shared" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -F Visibility | grep -qF shared)"

# ---- an empty note is refused ----
keys C-s
check "an empty note is refused" wait_for "give a subject or a note" 5
check "... and not saved" test "$(nnotes)" = 0

keys Escape
wait_for "discard your changes? y/n" 5 || fail "Esc asks"
keys y

# ---- letters in a choice: only a choice starting with them, else a message ----
keys l
check "a new interaction again" wait_for "New " 5
keys -l "x"
check "x starts no kind: said, nothing picked" wait_for 'no Kind starts with "x"' 5
keys -l "me"
check "m e: meeting" wait_for "New meeting" 5
keys -l "n"
check "n: note" wait_for "New note" 5

# ---- a body without a subject: its first words on the timeline ----
check "on the Notes body" tab_to Notes 14
keys -l "Called back about the rollout"
keys Enter
keys -l "second line"
keys C-s
check "the note is saved" wait_sql "select count(*) from interactions where account_id = $acc and kind = 'note'" 1
check "it is internal" test "$(q "select visibility from interactions where account_id = $acc")" = internal
check "the timeline shows its first words" \
    wait_for "note [internal]: Called back about the rollout second line" 10
keys q
tui_stop
done_testing
