#!/usr/bin/env bash
# Pasted text is text (the terminal's bracketed paste, as tmux's paste-buffer -p sends it): a
# mail of several lines pasted into a comment used to end the comment at its first line and
# run the rest as keys (">" moved a deal on, "h" opened a hand-off with the text after it);
# pasted into a new ticket's Subject it went on into the next fields and its letters picked a
# priority. Now a line of one takes the lines joined by spaces, a body keeps them, a choice and
# a list take nothing (and say so), and no key acts. And a comment cancelled with Esc comes
# back with Up. At 140x40.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_paste.sh path/to/ccrm}
ROWS=40
T=$TEST_TMP

pg_start_demo "$CCRM" 3
paste() { # TEXT [-r]: pasted as a terminal pastes it (marked, since the client asked for it;
    # tmux sends each LF as CR unless -r, as xterm does)
    printf '%s' "$1" >"$T/paste"
    tmx load-buffer "$T/paste"
    tmx paste-buffer -p -d ${2:-} -t =t:
}

tui_start 140 40 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia"
wait_for "Tickets" 20 || fail "the client did not start"
wait_for "Subject" 10 || fail "no tickets: $(screen)"
for i in $(seq 100); do screen | grep -q '^#[0-9]' && break; nap; done
tid=$(screen | sed -n 's/^#\([0-9][0-9]*\) .*/\1/p' | head -1)
assignee0=$(psqlc -c "select coalesce(assignee, '-') || status from tickets where id = $tid")

# ---- n in the Feed (which makes no record of its own) says what makes one ----
keys 1
wait_for "Feed" 5 || fail "no Feed"
keys n
check "n in the Feed says what makes a record there" wait_for "n makes a record in a list of records" 5
keys 6
wait_for "Tickets by" 5 || fail "back to Tickets"

# ---- a list: nothing is done with a paste (q and j are not keys here), and that is said ----
paste $'j\nq\nj\n'
wait_for "pasted text is taken where text is typed" 10 || fail "no word of the paste left out: $(screen)"
alive() { ! pane_dead; }
check "... the client is still running (the pasted q did not quit)" alive

# ---- a comment: the lines of a mail, joined; nothing after it acts ----
keys Enter
wait_for "ticket #$tid" 10 || fail "the ticket did not open: $(screen)"
keys c
wait_for "comment" 5 || fail "no comment line: $(screen)"
paste $'Summary of the customer mail below\n> Thanks for the offer, we will review it\nh sales\n'
line_has "comment: Summary of the customer mail below > Thanks" "review it h sales" || fail "the paste is not on the line: $(bottom)"
keys Enter
wait_sql "select count(*) from comments where entity = 'tickets' and entity_id = $tid
          and body = 'Summary of the customer mail below > Thanks for the offer, we will review it h sales'" 1 ||
    fail "the comment is not the whole paste: $(psqlc -c "select body from comments order by id desc limit 1")"
ok "a paste of three lines into a comment: one comment of the three lines, no newline at its end"
check "... no hand-off and no change of the ticket" \
    test "$(psqlc -c "select coalesce(assignee, '-') || status from tickets where id = $tid")" = "$assignee0"
no_handoff() { ! bottom_like 'hand off'; }
check "... and no hand-off prompt opened" no_handoff
# ---- a comment cancelled with Esc (or a readline habit, Alt-b: Esc b) is not lost: Up on the
# next line brings it back ----
keys c
wait_for "comment" 5 || fail "no comment line: $(screen)"
keys -l "A long thought about this customer"
keys Escape
check "Esc with a typed comment: says the text is kept" wait_for "what you typed is kept" 5
keys c
wait_for "comment:" 5 || fail "no comment line again: $(screen)"
keys Up
check "... Up on the empty line brings it back" line_has "comment: A long thought about this customer" "customer"
keys Enter
check "... and Enter saves it" wait_sql "select count(*) from comments where entity = 'tickets' and entity_id = $tid
          and body = 'A long thought about this customer'" 1
keys q
wait_gone "ticket #$tid" 10

# ---- a new ticket: Subject takes the lines joined, Priority is not picked by them, the body
# keeps its lines ----
keys n
wait_for "New ticket" 10 || fail "no new ticket form: $(screen)"
paste $'Printer offline since Monday\nHi team,\nhigh priority please\n'
wait_for "Printer offline since Monday Hi team, high priority please" 10 ||
    fail "Subject did not take the paste: $(screen | head -12)"
untouched() { screen | grep -q 'Account *—' && screen | grep -q 'Priority\* *normal'; }
check "... the next fields are untouched (Account empty, Priority normal)" untouched
tab_to Description || fail "not on Description: $(screen | head -14)"
paste $'Hello,\r\nthe printer on floor 2 is offline.\r\nRegards\r\n' -r
wait_for "the printer on floor 2 is offline." 10 || fail "Description did not take the paste: $(screen | head -16)"
keys C-s
wait_sql "select count(*) from tickets where subject = 'Printer offline since Monday Hi team, high priority please'" 1 ||
    fail "the ticket was not saved: $(screen | tail -4)"
check "the new ticket's priority is normal (the pasted letters picked none)" \
    test "$(psqlc -c "select priority from tickets where subject like 'Printer offline since Monday%'")" = normal
check "... its description keeps the pasted lines (CR LF as one newline)" \
    test "$(psqlc -c "select body = E'Hello,\nthe printer on floor 2 is offline.\nRegards\n' or body = E'Hello,\nthe printer on floor 2 is offline.\nRegards' from tickets where subject like 'Printer offline since Monday%'")" = t

# ---- the `:` prompt: a pasted command with a newline is not run until Enter ----
keys :
wait_until bottom_like '^:' || fail "no prompt"
paste $'view leads\n'
wait_until bottom_like '^:view leads' || fail "the prompt did not take the paste: $(bottom)"
not_run() { ! screen | grep -q 'Leads by'; }
check "... and did not run it (still on Tickets)" not_run
keys Escape

keys q
wait_until -t 10 pane_dead || fail "q did not quit"
tui_stop

# ---- a one-key question (y/n) is not answered by the first letter of a pasted text ----
deal=$(psqlc -c "select id from opportunities where owner = 'sam' and stage not in ('won', 'lost') order by id limit 1")
stage0=$(psqlc -c "select stage from opportunities where id = $deal")
tui_start 140 40 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sam"
wait_for " online " 20 || fail "sam's client did not start"
prompt "open deal $deal"
wait_for "deal #$deal" 10 || fail "the deal did not open: $(screen)"
keys e
wait_for "Edit deal #$deal" 10 || fail "no deal form: $(screen)"
tab_to Stage || fail "no Stage field"
keys w
wait_for "won" 5 || fail "won not picked"
keys C-s
wait_for "mark it won? (y/n)" 10 || fail "no question: $(screen | tail -4)"
paste $'yes, this is pasted text\n'
check "a paste at 'mark it won? (y/n)': not an answer of yes" wait_for "not saved: your input is kept" 10
check "... the deal is not won" test "$(psqlc -c "select stage from opportunities where id = $deal")" = "$stage0"
keys Escape
wait_for "discard your changes" 5 && keys y
done_testing
