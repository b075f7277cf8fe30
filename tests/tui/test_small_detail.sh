#!/usr/bin/env bash
# A record's detail on a short terminal: the fields give up their rows so that the lines under
# them (comments, timeline) and the line on the cursor stay in sight. At 30x8 and 40x12 the
# fields took every row: j, k and PgDn moved an unseen cursor and Enter opened a line nobody
# saw; an expanded comment showed one row of its text.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_small_detail.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
tid=$(psqlc -c "insert into tickets (subject, status, body) values ('Smallscreen ticket', 'open', 'The printer is on fire') returning id")
for i in 1 2 3; do
    psqlc -c "insert into comments (entity, entity_id, body, author, created_at)
              values ('tickets', $tid, 'Note$i $(for j in $(seq 1 14); do printf 'bit%s ' "$j"; done)Noteend$i',
                      'sofia', now() - interval '$i hours')" >/dev/null
done
# the line on the cursor: the one drawn in reverse video
selected() { tmx capture-pane -t =t: -p -e | grep -F $'\e[7m' | sed 's/\x1b\[[0-9;]*m//g'; }
selected_has() { selected | grep -qF -- "$1"; }
not_in_screen() { ! screen | grep -qF -- "$1"; }

tui_start 100 30 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
keys /
keys -l Smallscreen
keys Enter
wait_for "#$tid" 10 >/dev/null
keys Enter
check "the ticket's detail opens" wait_for "ticket #$tid" 10
check "its comments are listed" wait_for "Note3 bit1" 5
# onto the comments: the last lines are the Chat and Timeline headings
keys G k k
check "the cursor is on a comment" wait_until selected_has Note
note=$(selected | grep -o 'Note[0-9]' | head -n 1)

tmx resize-window -t =t: -x 30 -y 8
check "at 30x8 the title stays" wait_for "#$tid Smallscreen" 5
check "... and the line on the cursor is shown" wait_until selected_has "$note "
keys k
check "k moves the cursor where it can be seen" wait_until bash -c "$(declare -f selected selected_has tmx); TMUX_SOCK=$TMUX_SOCK; selected_has Note && ! selected_has '$note '"
keys j
check "j brings it back" wait_until selected_has "$note "

tmx resize-window -t =t: -x 40 -y 12
check "at 40x12 the line on the cursor is shown" wait_until selected_has "$note "
check "... below the first fields" wait_for "Status" 5
check "... and a line counting the others" wait_for "more fields" 5
check "... its comment cut to one row" not_in_screen "Noteend${note#Note}"
keys Enter
check "Enter shows the whole comment" wait_for "Noteend${note#Note}" 5

tmx resize-window -t =t: -x 100 -y 30
check "on a tall screen all the fields show again" wait_for "Followers" 5
check "... with nothing left out" wait_gone "more fields" 5
keys q
tui_stop
done_testing
