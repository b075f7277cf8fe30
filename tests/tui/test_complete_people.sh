#!/usr/bin/env bash
# Tab completes logins and departments where a line asks for them (issue 14, item 7): `a`
# (to whom: a login), `h` (a login or a department), and an @mention in the note, a comment
# or a chat message. One match is put in whole; several give their common beginning and are
# listed on the message line. The assignment and a hand-off to a department then show on the
# ticket's detail, for its sender and for a salesperson (item 6).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_complete_people.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
psqlc -c "insert into tickets (subject, status) values ('Tabcomplete printer', 'open')" >/dev/null
tid=$(psqlc -c "select id from tickets where subject = 'Tabcomplete printer'")
tui_start 140 30 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
keys /
keys -l Tabcomplete
keys Enter
wait_for "#$tid" 10 >/dev/null
keys a
check "a asks to whom" wait_for "to (login):" 5
keys -l ken
keys Tab
check "Tab completes a login (ken: kenji)" wait_for "to (login): kenji" 5
keys Enter
check "then a note" wait_for "note:" 5
keys -l "over to @mar"
keys Tab
check "Tab completes an @mention in the note" wait_for "note: over to @marco" 5
keys -l "please"
keys Enter
check "assigned to kenji with the note" \
    wait_sql "select assignee from tickets where id = $tid" kenji
check "... and the mention in the note" \
    wait_sql "select count(*) from inbox where login = 'kenji' and entity_id = $tid and note like '%@marco please%'" 1
keys h
wait_for "to (login or department):" 5 >/dev/null
keys -l sup
keys Tab
check "h: Tab completes a department (sup: support)" wait_for "to (login or department): support" 5
keys C-u
keys -l s
keys Tab
check "several matches: listed on the message line" line_has "sam" "sofia"
check "... and the department among them" line_has "sam" "support"
keys Escape
keys c
wait_for "comment:" 5 >/dev/null
keys -l "ask @juer"
keys Tab
check "a comment: Tab completes an @mention" wait_for "comment: ask @juergen" 5
keys -l "x"
keys Tab
check "a word that is no mention is left alone" wait_for "comment: ask @juergen x" 5
keys Escape
# the assignment is on the record for everyone who sees it (issue 14, item 6): sofia's own
# detail view, and a salesperson's
keys Enter
check "the ticket's detail names the assignment: who, to whom, the note" \
    line_has "sofia (support)" "assigned to kenji: over to @marco please"
client s 140 30 "$CCRM" -d "$PG_CONN user=sam" --view tickets
wait_in s "Tickets by" 10 >/dev/null
tmx send-keys -t =s: /
tmx send-keys -t =s: -l Tabcomplete
tmx send-keys -t =s: Enter
wait_in s "#$tid" 10 >/dev/null
tmx send-keys -t =s: Enter
check "sales sees it on the ticket too" wait_in s "assigned to kenji: over to @marco please" 10
keys h
wait_for "to (login or department):" 5 >/dev/null
keys -l support
keys Enter
wait_for "note:" 5 >/dev/null
keys -l "needs a second look"
keys Enter
check "a hand-off to a department: one line naming its people (the sender aside), live in the other client" \
    wait_in s "handed off to kenji, lukasz, zoe: needs a second look" 10
keys q
tui_stop
done_testing
