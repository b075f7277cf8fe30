#!/usr/bin/env bash
# Saving and changing a segment in the client, against the demo data (marco, marketing):
# - "save it? (y: yes, c: count exactly)" of :segment takes one key, as "send? y/n" does: c
#   counts at once (it used to type a "c" into a line and wait for Enter, the next keys piling
#   up after it), y saves; Enter or another key asks again, the size said staying;
# - a count made is kept for the session: the Segments view shows the count made before saving
#   (not the estimate), a count made with c stays after the view is closed and opened again,
#   and "change it?" of e (one key too) leaves the new words' count in the list;
# - a size that is only the planner's guess (words on text, which PostgreSQL keeps no
#   statistics of when compared ignoring case) is said to be one.
# At 80x24, then the list at 140x40.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_segments_one_key.sh path/to/ccrm}

pg_start_demo "$CCRM" 30
# the sizes are the planner's estimates here, as on a database too big to count at once
# (ccrm.segment_count_cost 0: never counted; tests/tui/test_campaign_sent.sh counts them)
DB="host=$PG_DIR dbname=ccrm options=-cccrm.segment_count_cost=0 user"
ROWS=24

# the bottom line, its trailing blanks dropped, is exactly TEXT (5 s)
bottom_is() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(bottom | sed 's/ *$//')" = "$1" ] && return 0
        sleep 0.05
    done
    echo "--- bottom line while waiting for '$1': '$(bottom)'" >&2
    return 1
}

# "1 person", "2 people"
people() { if [ "$1" = 1 ]; then echo "1 person"; else echo "$1 people"; fi; }

words="interest=ccrm Pro, days=90, country=Germany"
def=$(q "select '{\"entity\": \"people\", \"match\": \"all\", \"rules\": [
    {\"interest\": {\"product\": \"ccrm Pro\", \"within_days\": 90}},
    {\"account\": {\"field\": \"country\", \"op\": \"eq\", \"value\": \"Germany\"}}]}'")
n=$(as marco -c "select ccrm_segment_count('$def'::jsonb)")
api=$(q "select id from segments where name = 'API tickets, last 90 days'")
napi=$(as marco -c "select ccrm_segment_count($api)")
[ -n "$api" ] && [ -n "$n" ] || fail "the demo's segment and the count"

tui_start 80 24 "$CCRM" -d "$DB=marco"
check "marketing starts" wait_for " online "
prompt "segment Probe fans"
check ":segment asks for the words" wait_for "segment: interest= ticket= days= country= ...:"
keys -l "$words"
keys Enter
check "the words are previewed: a guess (country= is text)" \
    wait_for 'segment "Probe fans": about'
check "... said to be a rough guess" wait_for "(a rough guess: c counts exactly)"
check "... and it asks" bottom_is "save it? (y: yes, c: count exactly):"

keys c
check "c alone counts exactly, no Enter needed ($n)" \
    wait_for "segment \"Probe fans\": $(people "$n") (exact)"
check "... and asks again, nothing typed into the line" bottom_is "save it? (y: yes, c: count exactly):"
check "database: nothing saved yet" sql_is "select count(*) from segments where name = 'Probe fans'" 0
keys Enter
check "Enter answers nothing: the question stays" bottom_is "save it? (y: yes, c: count exactly):"
keys z
check "nor does another key" bottom_is "save it? (y: yes, c: count exactly):"
check "... the count said stays" wait_for "segment \"Probe fans\": $n "
check "database: still nothing saved" sql_is "select count(*) from segments where name = 'Probe fans'" 0
keys y
check "y alone saves it, with the count just made" wait_for "(exact, as counted)"
check "database: saved" wait_sql "select count(*) from segments where name = 'Probe fans'" 1
check "the question is gone, no key left over in a line" \
    wait_gone "save it? (y: yes, c: count exactly):"

prompt "segments"
check "the Segments view" wait_for "Segments · "
check "the new segment shows the count made before saving, not the estimate" \
    line_has "Probe fans" "$n exact"
check "a size from words on text is said to be a guess" line_has "German manufacturers" ", a guess"
check "... one from an interest's product is an estimate" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -F 'Interested in ccrm Pro' | grep -F '~' | grep -vqF 'guess'"
check "the line below says when the count was made" \
    line_has 'words of "Probe fans":' "$(people "$n"), counted at "
# newest first: Probe fans, then the demo's four (API tickets the third of them)
keys j j j
check "j selects the demo's API segment" wait_for 'words of "API tickets, last 90 days":'
keys c
check "c counts the demo's API segment exactly ($napi)" line_has "API tickets" "$napi exact"
keys q
check "the view closes" wait_gone "Segments · " 5
prompt "segments"
check "opened again: the count made with c is still shown" line_has "API tickets" "$napi exact"
check "... and the one made before saving" line_has "Probe fans" "$n exact"

# e: "change it?" takes one key too; the new words' count stays in the list
keys g
keys e
check "e asks for the new words" wait_for "words (interest= ticket= deal= ...):"
keys C-u
keys -l "interest=ccrm Pro, days=365"
keys Enter
check "the new words are previewed" wait_for "with the new words: about"
check "... an estimate, not a guess (no text word)" wait_for "(an estimate)"
check "... and it asks" bottom_is "change it? (y: yes, c: count exactly):"
keys c
n2=$(as marco -c "select ccrm_segment_count('{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"interest\": {\"product\": \"ccrm Pro\", \"within_days\": 365}}]}'::jsonb)")
check "c alone counts the new words ($n2)" wait_for "with the new words: $n2 "
check "... and asks again" bottom_is "change it? (y: yes, c: count exactly):"
keys y
check "y alone changes it" wait_for 'segment "Probe fans" changed: '
check "database: the new words" \
    wait_sql "select definition #>> '{rules,0,interest,within_days}' from segments where name = 'Probe fans'" 365
check "the list shows the new words' count" line_has "Probe fans" "$n2 exact"
keys e
wait_for "words (interest= ticket= deal= ...):" || fail "e again"
keys Enter
wait_for "change it? (y: yes, c: count exactly):" || fail "asked again"
keys n
check "n alone leaves it" wait_for 'segment "Probe fans" not changed'
check "... the question gone" wait_gone "change it? (y: yes, c: count exactly):"
prompt "quit"
wait_exit || fail "quit"
tui_stop

# a wide screen: another session, so the counts are estimates again (a session's own)
tui_start 140 40 "$CCRM" -d "$DB=marco"
ROWS=40
check "marketing starts, wide" wait_for " online "
prompt "segments"
check "the Segments view with its Owner column" line_has "Segment" "Owner"
check "a new session's list: the estimate, said to be one" line_has "API tickets" ", a guess"
check "the line below says the selected one's size in words" line_has 'words of "Probe fans":' "about "
keys c
check "c counts" line_has "Probe fans" "$n2 exact"
check "... and the line below says when" line_has 'words of "Probe fans":' "$(people "$n2"), counted at "
prompt "quit"
wait_exit || fail "quit"
tui_stop
done_testing
