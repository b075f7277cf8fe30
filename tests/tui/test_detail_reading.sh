#!/usr/bin/env bash
# Reading a ticket's conversation at 80x24: the fields are in two columns from 80 columns, and
# while the cursor is down among the mails they give their rows to them (in one column the
# fields took all but 3 rows of the screen). g brings them back.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_detail_reading.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
tid=$(q "select ticket_id from messages where ticket_id is not null
          group by ticket_id having count(*) >= 3 order by ticket_id limit 1")
[ -n "$tid" ] || fail "the demo has a ticket with a conversation"

tui_start 80 24 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
prompt "open $tid"
check "the ticket opens" wait_for "ticket #$tid" 10
# a field's label at the start of a line and another's in the middle
two_columns() { screen | grep -qE "^$1 +[^ ].* {2,}(Account|Product|Created|Updated|Channel|Priority) +[^ ]"; }
check "its fields are in two columns at 80 columns" wait_until two_columns Status
check "... as far as the Assignee" wait_until two_columns Assignee
# ] goes from section to section (Related, Interests, Conversation), then j into the mails
mail_rows() { [ "$(screen | grep -c '^      ')" -ge "$1" ]; }
# the line on the cursor: the one drawn in reverse video
selected() { tmx capture-pane -t =t: -p -e | grep -E $'\e\\[([0-9]+;)*7m' | sed 's/\x1b\[[0-9;]*m//g'; }
on_conversation() { selected | grep -qF "Conversation ("; }
for i in 1 2 3 4 5 6; do
    keys ']'
    wait_until -t 1 on_conversation && break
done
check "] reaches the conversation" on_conversation
keys j j j j j j
check "down among the mails the fields give way" wait_for "fields (g: back to them)" 5
check "... the conversation's mail shows its headers" wait_for "From:" 5
check "... and more of it than the 3 rows it had" wait_until mail_rows 8
keys g
check "g shows the fields again" wait_until two_columns Status
check "... and the hidden count goes" wait_gone "g: back to them" 5
keys q
tui_stop
done_testing
