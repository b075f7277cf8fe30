#!/usr/bin/env bash
# The Following list (:following): the records one follows, last changed first, with why. Sofia
# (support) sees a ticket she is assigned and a deal she watches, not an account she does not
# follow; a watch made in another session (psql) appears live, and so does a change by someone
# else (the record moves to the top, with who changed it); Enter opens the record; w on a row
# unwatches it and the row leaves the list; an unwatch from psql takes a row away live too.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_following.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
ins() { as "$1" -c "$2" | head -n 1; }
acc=$(q "select min(id) from accounts")
T1=$(ins zoe "insert into tickets (account_id, subject, assignee) values ($acc, 'Followtest printer jam', 'sofia') returning id")
D1=$(ins sam "insert into opportunities (account_id, name, owner) values ($acc, 'Followtest watched deal', 'sam') returning id")
A1=$(ins sam "insert into accounts (name, owner) values ('Followtest Later Co', 'sam') returning id")
as sofia -c "select ccrm_follow('opportunities', $D1)" >/dev/null
following() { q "select following from followers where login = 'sofia' and entity = '$1' and entity_id = $2"; }

tui_start 140 40 "$CCRM" -d "$DB user=sofia" --view tickets
check "sofia's client is up" wait_for "Tickets by updated" 20
prompt "following"
check ":following opens the list" wait_for "Following by changed" 10
check "the ticket she is assigned is there, as assignee" line_has "Followtest printer jam" "assignee"
check "... named as users say it" line_has "ticket #$T1" "Followtest printer jam"
check "the deal she watches is there, as watching" line_has "deal #$D1" "watching"
check "an account she does not follow is not" wait_gone "Followtest Later Co" 1
# (the help of a row's record is long, and its line of commands too: a bigger window)
tmx resize-window -t =t: -x 240 -y 60
keys '?'
check "? lists the command (the action table)" wait_for " following " 5
check "... and what Enter does here" wait_for "open the record (its keys act on it" 5
keys Space
check "a key closes the help" wait_gone "press any key to close" 5
tmx resize-window -t =t: -x 140 -y 40

# another session: sofia watches the account from psql; the row appears live
as sofia -c "select ccrm_follow('accounts', $A1)" >/dev/null
check "a watch made elsewhere appears live" line_has "Followtest Later Co" "watching"
# someone else changes the ticket: it comes first, with who changed it
as kenji -c "update tickets set priority = 'high' where id = $T1" >/dev/null
check "a change by kenji shows live, with his name" line_has "Followtest printer jam" " kenji"
check "... toasted as one change: her Inbox line about it is not 'one more', the toast says it" \
    wait_for "kenji (support): changed ticket #$T1" 10
check "... is in her Inbox" wait_for "Inbox: kenji (support): changed ticket #$T1" 5
no_more() { ! screen | grep -q 'more change'; }
check "... (no 'and 1 more change' beside it)" no_more
first_is() { screen | grep -m1 "Followtest" | grep -qF -- "$1"; }
check "... and the ticket moves up to the first row (last changed first)" \
    wait_until first_is "Followtest printer jam"

# Enter opens the record's detail
keys g
keys /
keys -l "printer jam"
keys Enter
check "a search finds the row" wait_gone "Followtest watched deal" 10
keys Enter
check "Enter opens the ticket's detail" line_has "Followers" "you follow it" 10
keys q
check "q goes back to the list" wait_for "Following by changed" 10

# w on a row unwatches it: the row leaves the list
keys Escape
check "the search is cleared" wait_for "Followtest watched deal" 10
keys /
keys -l "watched deal"
keys Enter
check "the search shows the deal alone" wait_gone "Followtest printer jam" 10
keys w
check "w unwatches the deal" wait_for "not watching deal #$D1 any more" 10
check "... in the database" wait_sql "select following from followers where login = 'sofia' and entity = 'opportunities' and entity_id = $D1" f
check "... and its row leaves the list" wait_gone "Followtest watched deal" 10
keys Escape
check "the other rows stay" line_has "Followtest printer jam" "assignee"
check "... the account too" line_has "Followtest Later Co" "watching"

# an unwatch from psql takes a row away live
as sofia -c "select ccrm_follow('tickets', $T1, false)" >/dev/null
check "an unwatch made elsewhere removes the row live" wait_gone "Followtest printer jam" 10
check "the account is still listed" line_has "Followtest Later Co" "watching"
check "the deal stays gone" test "$(following opportunities "$D1")" = f
keys q
tui_stop
done_testing
