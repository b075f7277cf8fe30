#!/usr/bin/env bash
# The words typed for a segment's e (and a name for R) in the Segments view are never lost when
# the change is not made: the connection dropped as y was pressed (the words line opens again
# at once with them, and the message says why the change was not made, not that the list could
# not be read), and someone else changed the segment meanwhile (refused: said, and e on the
# same segment starts from the words typed, not from the saved ones, so y saves them on top of
# the new version). They used to be dropped: e offered the saved words again, and offline the
# message said only "could not read the segments".
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_segment_edit_kept.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
ROWS=24
seg=$(q "select id from segments where name = 'Interested in ccrm Pro'")
words0=$(q "select definition::text from segments where id = $seg")
[ -n "$seg" ] || fail "the demo's segment"
# the bottom line, its trailing blanks dropped, starts with TEXT (5 s)
bottom_starts() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ "$(bottom)" == "$1"* ]] && return 0
        nap
    done
    echo "--- bottom line while waiting for '$1': '$(bottom)'" >&2
    return 1
}
offline() {
    q "alter role marco connection limit 0"
    q "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'marco'" >/dev/null
}
online() { q "alter role marco connection limit -1"; }
on_exit online

tui_start 80 24 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=marco"
check "marketing starts" wait_for " online "
prompt "segments"
check "the Segments view" wait_for "Segments · "
sel=$(q "select count(*) from segments where id > $seg") # (newest first)
for ((i = 0; i < sel; i++)); do keys j; done
check "the segment is selected" wait_for 'words of "Interested in ccrm Pro":'

# ---- the connection drops as y is pressed ----
keys e
check "e: its words to edit" bottom_starts "words (interest= ticket= deal= ...): interest=ccrm Pro"
keys End
keys -l ", country=Keptland"
keys Enter
check "the new words are previewed" bottom_starts "change it? (y: yes, c: count exactly):"
offline
wait_until -t 10 sql_is "select count(*) from pg_stat_activity where usename = 'marco'" 0
check "the client sees it is offline" wait_for " offline" 10
keys y
check "y offline: the words line opens again with what was typed" \
    bottom_starts "words (interest= ticket= deal= ...): interest=ccrm Pro, country=Keptland"
check "... and the message says the change was not made" wait_for "not connected to the database"
check "... not only that the list could not be read" wait_gone "could not read the segments" 1
check "database: the segment is unchanged" sql_is "select definition::text from segments where id = $seg" "$words0"
online
check "online again" wait_for " online " 15
keys Enter
check "Enter previews them again" bottom_starts "change it? (y: yes, c: count exactly):"
keys y
check "y changes the segment to the words typed offline" \
    wait_sql "select definition::text like '%Keptland%' from segments where id = $seg" t

# ---- someone else changed the segment meanwhile ----
keys e
check "e again: the saved words" bottom_starts "words (interest= ticket= deal= ...): interest=ccrm Pro, country=Keptland"
keys C-u
keys -l "interest=ccrm Pro, country=Mineland"
keys Enter
check "previewed" bottom_starts "change it? (y: yes, c: count exactly):"
as chloe -c "update segments set description = 'chloe was here' where id = $seg" >/dev/null
keys y
check "y: refused, someone changed it meanwhile" wait_for "someone changed it meanwhile"
check "database: chloe's change stays, marco's words not saved" \
    sql_is "select description || ' ' || (definition::text like '%Mineland%') from segments where id = $seg" "chloe was here false"
keys e
check "e on the same segment starts from the words typed, not the saved ones" \
    bottom_starts "words (interest= ticket= deal= ...): interest=ccrm Pro, country=Mineland"
keys Enter
check "previewed" bottom_starts "change it? (y: yes, c: count exactly):"
keys y
check "y saves them over chloe's version, hers kept" \
    wait_sql "select description || ' ' || (definition::text like '%Mineland%') from segments where id = $seg" "chloe was here true"
check "... said" wait_for "changed: interest=ccrm Pro, country=Mineland"
keys e
check "once saved, e starts from the saved words" \
    bottom_starts "words (interest= ticket= deal= ...): interest=ccrm Pro, country=Mineland"
keys Escape

# ---- R: a name typed, the connection drops ----
keys R
check "R asks for the new name" bottom_starts "new name: Interested in ccrm Pro"
keys C-u
keys -l "Kept name ✓"
offline
wait_until -t 10 sql_is "select count(*) from pg_stat_activity where usename = 'marco'" 0
check "offline" wait_for " offline" 10
keys Enter
check "R offline: the name line opens again with the name typed" bottom_starts "new name: Kept name ✓"
keys Escape
online
check "online again" wait_for " online " 15
keys R
check "R on the same segment offers the name typed" bottom_starts "new name: Kept name ✓"
keys Enter
check "Enter renames it" wait_sql "select name from segments where id = $seg" "Kept name ✓"
keys q
tui_stop
done_testing
