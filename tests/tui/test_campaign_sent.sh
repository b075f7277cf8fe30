#!/usr/bin/env bash
# chloe (marketing) in the client, against the demo data: a segment of 30 people on text the
# planner keeps no statistics of (a country) said "~1, a guess" in the Segments view, and the
# 30 added to a campaign (A) counted as sent at once, though nothing went out. Now:
# - the Segments view shows the 30 counted ("30 exact"): the database counts a segment when
#   that is cheap (ccrm_segment_size);
# - the campaign's results say the 30 are not sent yet, the funnel's sent is 0, and each
#   member line says unsent (migration 076);
# - r sent on a member (ccrm sends no campaign mail: the user says it went out) makes it sent:
#   the funnel counts 1, 29 are left unsent.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_campaign_sent.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm user"

acc=$(as sam -c "insert into accounts (name, country) values ('Freedonia Trading', 'Freedonia') returning id" | head -1)
as sam -c "insert into contacts (account_id, first_name, last_name, email)
           select $acc, 'Fred', 'Sent' || lpad(g::text, 2, '0'), 'fred.sent' || g || '@freedonia.example'
             from generate_series(1, 30) g" || fail "30 contacts"
as chloe -c "insert into segments (name, definition, owner) values ('Freedonians',
    '{\"entity\": \"people\", \"rules\": [{\"account\": {\"field\": \"country\", \"op\": \"eq\", \"value\": \"Freedonia\"}}]}',
    'chloe')" || fail "the segment"
cp=$(as chloe -c "insert into campaigns (name, channel, status, owner)
    values ('Freedonia Mailing', 'email', 'active', 'chloe') returning id" | head -1)
# the funnel's sent line: the word padded to 11, the figure to 8 (src/model/entity_sql.h FUNNEL)
sent_is() { printf '%-11s%8s' sent "$1"; }

tui_start 140 40 "$CCRM" -d "$DB=chloe"
check "marketing starts" wait_for " online "
prompt "segments"
check "the Segments view" wait_for "Segments · "
check "the segment of 30 shows 30, counted (not the planner's ~1, a guess)" \
    line_has "Freedonians" "30 exact"
keys q
wait_gone "Segments · " 5 || fail "the view closes"

prompt "view campaigns"
keys /
keys -l "Freedonia Mailing"
keys Enter
wait_for "Freedonia Mailing" 10 >/dev/null
keys Enter
check "the campaign opens" wait_for "campaign #$cp · active"
keys A
check "A opens the Segments to pick one" wait_for "Segments · Enter adds the one selected to campaign #$cp"
check "... the segment's size counted there too" line_has "Freedonians" "30 exact"
keys Enter
check "the 30 are added" wait_for 'added 30 to campaign "Freedonia Mailing"'
check "database: 30 members, all unsent" \
    wait_sql "select count(*) || ' ' || string_agg(distinct status, ',') from campaign_members where campaign_id = $cp" "30 unsent"
check "the results say none was sent yet" wait_for "Results · members 30 · responses 0 · not sent yet 30"
check "... the funnel's sent is 0" wait_for "$(sent_is 0)"
check "... and the members say unsent" line_has "contact Fred Sent30" ": unsent"

# the oldest member (the first added) is the last line
keys G
keys r
check "r asks for the response of the member selected" wait_for "a response of contact Fred Sent01"
keys -l "sent"
keys Enter
check "r sent records that it went out" wait_for "response recorded: contact Fred Sent01 sent"
check "database: the member is sent, 29 are not" \
    wait_sql "select count(*) filter (where status = 'sent') || ' ' || count(*) filter (where status = 'unsent')
              from campaign_members where campaign_id = $cp" "1 29"
keys g # back to the top, where the results are
check "the results follow: one response, 29 not sent yet" \
    wait_for "Results · members 30 · responses 1 · not sent yet 29"
check "... the funnel's sent is 1" wait_for "$(sent_is 1)"
check "... and the member says sent" line_has "contact Fred Sent01" ": sent"
keys q q
prompt "quit"
wait_exit || fail "quit"
tui_stop
done_testing
