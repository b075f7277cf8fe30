#!/usr/bin/env bash
# The Inbox at 140 columns cut the Note (the entry's text, the longest of the list) at about 44
# characters while the From and Record columns beside it stood half empty: they took their
# share of the room left by weight, whatever their values. Now they are snug (the registry's
# width rules): each keeps of the room left what its widest value needs, and the Note gets
# the rest (after a snug column short of its need, a sender's name, has what it lacks from
# that); no column is narrower than its share was. At 80 columns the same columns show, the
# Note never narrower than before (wider by what Record does not need); test_dept_support
# asserts more of them at 120.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_inbox_note_width.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "insert into accounts (name) values ('Kurz AG') returning id" | head -n 1)
note="Widthprobe: the customer wants the Pro plan for all 40 seats from March, budget approved"
q "delete from inbox where login = 'bea'" >/dev/null
q "insert into inbox (login, kind, entity, entity_id, from_login, note)
   values ('bea', 'mention', 'accounts', $acc, 'sam', '$note')" >/dev/null
# the line of the entry, and what its Note column shows (from the heading's column on; bash
# counts characters, "…" is one)
entry() { screen | grep -F "Kurz AG"; }
note_shown() {
    local head line
    head=$(screen | grep -E '^When +Kind')
    line=$(entry)
    head=${head%%Note*}
    line=${line:${#head}}
    echo "${line%"${line##*[! ]}"}"
}
# the Note starts right after the record's name (Record keeps no blank room)
note_after_record() { entry | grep -qF "Kurz AG (account #$acc) Widthprobe"; }

tui_start 140 40 "$CCRM" -d "$DB user=bea" --view inbox
check "bea's Inbox shows the entry" wait_for "Kurz AG (account #$acc)" 15
shown=$(note_shown)
check "at 140 columns the Note shows 60 characters or more (it showed ${#shown}: '$shown')" \
    test "${#shown}" -ge 60
check "... the whole of From and Record beside it" line_has "Samuel Okafor (sales)" "Kurz AG (account #$acc)"
check "... which keep no more room than they need: the Note starts after the record's name" \
    note_after_record

# ---- at 80 columns: the same columns, the Note as wide as before or wider ----
tmx resize-window -t =t: -x 80 -y 24
check "at 80 columns: When, Kind, From, Record and Note, as before" \
    wait_until bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -qE '^When +Kind +From +Record +Note\$'"
check "... Record keeps no blank room there either" wait_until note_after_record
shown=$(note_shown)
check "... 16 characters or more of it (${#shown}: '$shown')" test "${#shown}" -ge 16

# ---- notes that begin with their record (the scheduler's, routing's): the Note shows their news
tk=$(q "insert into tickets (subject, account_id) values ('Nightly export to the warehouse stalls', $acc) returning id" | head -n 1)
tk2=$(q "insert into tickets (subject, account_id) values ('Renamed since', $acc) returning id" | head -n 1)
q "insert into inbox (login, kind, entity, entity_id, note) values
   ('bea', 'sla_breach', 'tickets', $tk, 'ticket #$tk Nightly export to the warehouse stalls: first response target breached at 2026-12-07 03:44'),
   ('bea', 'routed', 'tickets', $tk, 'new ticket #$tk Nightly export to the warehouse stalls routed to you by rule #6 (support)'),
   ('bea', 'sla_warning', 'tickets', $tk2, 'ticket #$tk2 Old subject: first response due at 2026-12-07 08:20')" >/dev/null
check "the entries come in live" wait_for "Old subject" 10

check "a breach's Note is its news, not the ticket again" line_has "sla breach" " first response"
check "... routing's too" line_has "routed " " routed to you"
check "... a note naming the record as it was then called keeps that name, not the number" \
    line_has "sla warning" " Old subject: fi"
check "... and no row's Note names its ticket by number" \
    bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep '^[0-9][0-9]-[0-9][0-9] ' | grep -qE 'ticket #($tk|$tk2) '"
check "ccrm_inbox_news: a deal's note, no note, a record not readable" \
    sql_is "select ccrm_inbox_news('deal #5 X: y', 'opportunities', 5, 'X') || '|' || ccrm_inbox_news(null, 'tickets', 1, 'a') || '|' || ccrm_inbox_news('ticket #1: z', 'tickets', 1, null)" "y||z"
check "ccrm_inbox_news names a record as the notes' writers do (ccrm_entity_noun)" \
    sql_is "select ccrm_inbox_news('SLA policy #2 Gold: paused', 'sla_policies', 2, 'Gold')" "paused"
keys q
check "q quits" wait_exit
done_testing
