#!/usr/bin/env bash
# The Tickets list on a narrow terminal keeps the subject (what support reads) longest after
# the #: at 80, 60 and 40 columns, and at 28 with six-digit ticket numbers, where its full
# width no longer fits and the less important Status and Age used to take the room it left;
# at 80 columns, sorted by priority or age, the column it is sorted by.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_narrow_tickets.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
q "insert into tickets (id, subject, status) overriding system value
   values (123456, 'Printer on fire', 'new')" >/dev/null
as zoe -c "update tickets set priority = 'high' where id = 123456" >/dev/null # (now the newest)

heading() { screen | sed -n 2p; }
tui_start 80 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "the Tickets list opens at 80 columns" wait_for "Tickets by" 15
for cols in 80 60 40 30 28 26; do
    tmx resize-window -t =t: -x $cols -y 24
    check "at $cols columns the heading has Subject" wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 2p | grep -qF Subject"
    check "... and the newest ticket its number and the start of its subject" line_has "#123456" "Printer"
done
tmx resize-window -t =t: -x 26 -y 24
check "at 26 columns no less important column takes the subject's room" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 2p | grep -qE 'Status|Age')"

# sorted by a column the list leaves out at 80 columns (Priority, Age), it shows that column:
# the Tickets were sorted by priority with no priority in sight; its own order keeps its layout
heading_has() { tmux -L "$TMUX_SOCK" capture-pane -t =t: -p | sed -n 2p | grep -qF "$1"; }
tmx resize-window -t =t: -x 80 -y 24
prompt "sort priority"
check "at 80 columns, sorted by priority, the heading has Priority" wait_until heading_has Priority
check "... and the subject" heading_has Subject
check "... and the urgent ones show it" line_has "urgent" "#"
prompt "sort age"
check "sorted by age, the heading has Age" wait_until heading_has Age
prompt "sort updated"
check "by updated (the list's own order) the heading is as before: Requester, no Priority" \
    wait_until bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n 2p | grep -F Requester | grep -vqF Priority"
keys q
tui_stop

done_testing
