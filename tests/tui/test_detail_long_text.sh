#!/usr/bin/env bash
# Long text in detail views (issue 14, item 5): a ticket's message is shown in full, wrapped
# below the fields (it showed half a line); a long comment shows one line, and Enter on it
# shows all of it wrapped, Enter again folds it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_detail_long_text.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
body="Longbody starts here. $(for i in $(seq 1 40); do printf 'word%s ' "$i"; done)the export still fails. Bodyends"
tid=$(psqlc -c "insert into tickets (subject, status, body) values ('Longtext ticket', 'open', '$body') returning id")
comment="Longcomment begins $(for i in $(seq 1 40); do printf 'piece%s ' "$i"; done)Commentends"
psqlc -c "insert into comments (entity, entity_id, body, author) values ('tickets', $tid, '$comment', 'sofia')" >/dev/null
tui_start 120 40 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
keys /
keys -l Longtext
keys Enter
wait_for "#$tid" 10 >/dev/null
keys Enter
check "the ticket's detail opens" wait_for "ticket #$tid" 10
check "its message starts" wait_for "Longbody starts here." 5
check "... and is shown to its end, wrapped" wait_for "Bodyends" 5
check "a long comment shows its beginning" wait_for "Longcomment begins" 5
not_in_screen() { ! screen | grep -qF -- "$1"; }
check "... but not its end" not_in_screen Commentends
# the comment is the line above the Chat and Timeline headings (the last lines; the
# sections above it differ: interests, the conversation)
keys G k k
keys Enter
check "Enter on it shows all of it" wait_for "Commentends" 5
keys Enter
check "Enter again folds it" wait_gone "Commentends" 5
keys q
# a message's own line breaks and indentation stay (it was one line: "Hello, the export ...")
tid2=$(psqlc -c "insert into tickets (subject, status, body) values ('Paragraphs ticket', 'open', E'Hello team,\r\n\r\nthe export fails:\n  1. open x\n  2. click y\n\nRegards, Bob') returning id")
keys /
keys C-u
keys -l Paragraphs
keys Enter
wait_for "#$tid2" 10 >/dev/null
keys Enter
check "the second ticket's detail opens" wait_for "ticket #$tid2" 10
check "a line break in the message starts a new line" line_has "Message" "Hello team,"
check "... the next line is the next line of the text" \
    bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -qE '^ +the export fails:\$'"
check "... with its indentation" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -qE '^ +  1\. open x\$'"
# a comment longer than 255 characters is taken whole (the line stopped taking keys there,
# unseen); one longer than the line holds says so
long="Longtyped $(for i in $(seq 1 60); do printf 'part%03d ' "$i"; done)Typedends"
keys c
wait_for "comment" 5 >/dev/null
keys -l "$long"
keys Enter
check "a ${#long}-character comment is stored whole" \
    wait_sql "select count(*) from comments where entity = 'tickets' and entity_id = $tid2 and body = '$long'" 1 10
keys c
wait_for "comment" 5 >/dev/null
keys -l "$(head -c 2100 /dev/zero | tr '\0' x)"
check "a line that is full says so" wait_for "the line is full" 10
keys Enter
check "...and Enter keeps what is there" \
    wait_sql "select length(body) from comments where entity = 'tickets' and entity_id = $tid2 and body like 'xxx%'" 2047 10
keys q q
tui_stop
done_testing
