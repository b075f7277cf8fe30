#!/usr/bin/env bash
# The `f` filter line starts with the current filter, selected: the first key typed replaces
# it (in Absences, typing "all" over "coming" gave '"comingall" is not a filter'), and a
# cursor key first (End, ←, Backspace) leaves it to edit. A filter refused is said and its line
# closes, as any refusal; the next f offers what was typed, to correct (Esc forgets it).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_filter_prompt.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
tui_start 120 30 "$CCRM" -d "$PG_CONN user=sam"
check "sam's client" wait_for " online " 15
prompt "absences"
check "Absences, filtered to the coming ones" wait_for "Absences by latest" 10
keys f
check "the filter line holds the current filter" wait_for "filter: coming" 5
keys -l "all"
check "typing replaces it" wait_for "filter: all" 5
keys Enter
check "the filter all is taken" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'is not a filter')"
check "... no filter left on the status bar" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'filter coming')"
keys f
check "the filter line again, empty (all)" wait_for "filter:" 5
keys Escape
prompt "absences"
keys f
check "f: coming again" wait_for "filter: coming" 5
keys End
keys -l " mine"
check "End first: the text is edited, not replaced" wait_for "filter: coming mine" 5
keys Escape

# a filter refused is not lost: the next f offers it as typed, to correct (it offered the
# filter in force: the words typed were gone)
prompt "view tickets"
check "Tickets" wait_for "Tickets by" 10
keys f
wait_for "filter:" 5 >/dev/null
keys -l "priority=urgent status=open,bogus"
keys Enter
check "a refused filter says why" wait_for 'filter status: "bogus" is refused' 5
check "... and its line closes, as any refusal" \
    wait_until bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^filter:')"
keys f
check "the next f offers what was typed" \
    wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -qx 'filter: priority=urgent status=open,bogus *'"
keys BSpace BSpace BSpace BSpace BSpace BSpace
keys Enter
check "corrected (the cursor was at its end), it is taken" wait_for "filter status=open priority=urgent" 5
check "... the line closed" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^filter:')"
keys f
check "then f offers the filter in force" \
    wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^filter: status=open priority=urgent'"
keys C-u
keys -l "status=nope"
keys Enter
check "another refused" wait_for 'filter status: "nope" is refused' 5
keys f
wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^filter: status=nope'" ||
    fail "f after the second refusal"
keys Escape
keys f
check "Esc forgets the refused one: f offers the filter in force again" \
    wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^filter: status=open priority=urgent'"
keys Escape
keys q
tui_stop
done_testing
