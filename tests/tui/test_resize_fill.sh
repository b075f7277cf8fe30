#!/usr/bin/env bash
# A list or a record's detail scrolled to its end, then the terminal made smaller and bigger
# again (a window resized mid-list): the rows hidden above the last ones come back, rather
# than the last rows staying at the top with blank rows under them (the Tickets list showed 8
# of its 20 tickets on a 24-line screen, a ticket's detail its last 3 timeline lines).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_resize_fill.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user=sofia"
n=$(q "select count(*) from tickets")
id=$(q "select ticket_id from messages where ticket_id is not null group by 1 order by count(*) desc, 1 limit 1")
ROWS=24

# rows LINE1 LINE2: how many of the screen's lines LINE1..LINE2 are blank
blank() { screen | sed -n "$1,$2p" | grep -c '^ *$'; }
blank_under() { [ "$(blank "$1" "$2")" -le "$3" ]; }

tui_start 80 24 "$CCRM" -d "$DB" --view tickets
check "the Tickets list opens ($n tickets)" wait_for "Tickets by" 15
keys G
tmx resize-window -t =t: -x 80 -y 10
check "on 10 lines the list shows its last rows" wait_until bash -c \
    "[ \"\$(tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -c '^#[0-9]')\" -le 6 ]"
tmx resize-window -t =t: -x 80 -y 24
rows=$((n < 20 ? n : 20))
check "back on 24 lines, $rows tickets fill the list again, none left hidden above" \
    rows_like '^#[0-9]' "$rows"

prompt "open $id"
check "ticket #$id opens" wait_for "ticket #$id ·"
keys G
check "G shows the end of its timeline" wait_for "Timeline ("
tmx resize-window -t =t: -x 80 -y 12
check "on 12 lines its last lines are shown" wait_until -t 10 bash -c \
    "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Timeline ('"
tmx resize-window -t =t: -x 80 -y 24
check "back on 24 lines the lines above its end come back (no screenful of blank rows)" \
    wait_until blank_under 4 21 4
check "... the Timeline heading among them" wait_for "Timeline ("
keys q
keys q
tui_stop

done_testing
