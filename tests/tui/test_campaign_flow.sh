#!/usr/bin/env bash
# From support's feedback to marketing's campaign, in the real clients: sofia (support)
# records on a ticket that its customer is interested in a product (i), and the interest is on
# the ticket and on the person's 360 view; marco (marketing) saves a segment of the people
# interested in it (:segment, its size counted at once, then :segment-count exact), adds the
# segment to an e-mail campaign (A: the one who opted out is left out, and the message says
# so; the member is not sent yet), adds one more person by hand (m), records a response (r)
# and takes the extra person out again (x).
# renee (marketing) has the campaign open in another client: its results move live.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_campaign_flow.sh path/to/ccrm}

# msg_is SESSION TEXT: wait until the message line (the last) says exactly TEXT (10 s)
msg_is() {
    local i
    for ((i = 0; i < 200; i++)); do
        [ "$(screen_of "$1" | tail -n 1 | sed 's/ *$//')" = "$2" ] && return 0
        sleep 0.05
    done
    screen_of "$1" >&2
    return 1
}

# line_in SESSION TEXT1 TEXT2: wait until one line of the session's screen holds both (10 s)
line_in() {
    local i
    for ((i = 0; i < 200; i++)); do
        screen_of "$1" | grep -F -- "$2" | grep -qF -- "$3" && return 0
        sleep 0.05
    done
    screen_of "$1" >&2
    return 1
}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm user"

# the scene: a ticket of a contact with an e-mail address, about a product nobody asked for
# yet; another contact who asked for it too but opted out of e-mail; a third, added by hand
read -r person <<<"$(q "select c.id from contacts c where c.email is not null
    and not exists (select 1 from consents k where k.contact_id = c.id) order by c.id limit 1")"
pname=$(q "select concat_ws(' ', first_name, last_name) from contacts where id = $person")
read -r other <<<"$(q "select id from contacts where id <> $person and email is not null
    and not exists (select 1 from consents k where k.contact_id = contacts.id) order by id limit 1")"
read -r extra xmail <<<"$(q "select id || ' ' || email from contacts where id not in ($person, $other)
    and email is not null and not exists (select 1 from consents k where k.contact_id = contacts.id)
    order by id desc limit 1")"
tk=$(as kenji -c "insert into tickets (subject, contact_id, account_id, product)
    select 'Quantum widget keeps beeping', id, account_id, 'Quantum Widget' from contacts
     where id = $person returning id" | head -1)
as zoe -c "select ccrm_interest_add('contacts', $other, 'Quantum Widget', null, 'call', null, null, 'on the phone')" >/dev/null
as zoe -c "select ccrm_consent_set('contacts', $other, 'email', true, 'ticket', 'no mail please')" >/dev/null
camp=$(as marco -c "insert into campaigns (name, status, channel, owner)
    values ('Quantum Launch', 'active', 'email', 'marco') returning id" | head -1)

# ---- support: the interest, from the ticket ----
tui_start 140 40 "$CCRM" -d "$DB=sofia"
check "support starts on Tickets" wait_for "Tickets"
prompt "view tickets"
check "the ticket is on top of the Tickets (by updated)" wait_for "Quantum widget keeps beeping"
keys g Enter
check "Enter opens the ticket, with its interests (none yet)" wait_for "Interests from this ticket (0)"
keys i
check "i says whose interest it is and where it was learned" \
    wait_for "an interest of contact $pname, learned in ticket #$tk"
check "i asks, the ticket's product offered" wait_for "interested in (product, or topic: X): Quantum Widget"
keys Enter
check "the client says what was recorded" \
    wait_for "interest in Quantum Widget recorded on contact $pname (from ticket #$tk)"
check "the ticket shows it" wait_for "Interests from this ticket (1)"
check "database: the interest is the contact's, from the ticket, recorded by sofia" \
    wait_sql "select count(*) from interests where contact_id = $person and product = 'Quantum Widget'
              and source = 'ticket' and source_entity = 'tickets' and source_id = $tk and created_by = 'sofia'" 1
keys ']' j
check "the interest's line names the person" line_has "Quantum Widget · from ticket #$tk" "contact $pname"
keys Enter
check "Enter on it opens the person" wait_for "contact #$person · "
check "... whose 360 view lists interests" wait_for "Interests ("
check "the interest is on the person's 360 view, with its source" \
    line_has "sofia (support)" "Quantum Widget · from ticket #$tk"

# a call logged on the person: i with the call selected on the timeline records it from there
call=$(as sofia -c "insert into interactions (kind, subject, contact_id, account_id)
    select 'call', 'Asked about the widget''s noise', id, account_id from contacts
     where id = $person returning id" | head -1)
check "the call shows on the person's timeline, live" line_has "sofia (support)" "call: Asked about the widget"
# Related, Interests, Comments, Chat, Timeline: the call is the newest entry
keys g ']' ']' ']' ']' j i
check "i on the call: learned in it" wait_for "an interest of contact $pname, learned in call #$call"
keys C-u
keys -l "topic: quiet widgets"
keys Enter
check "the topic is recorded from the call" \
    wait_sql "select count(*) from interests where contact_id = $person and topic = 'quiet widgets'
              and source = 'call' and source_entity = 'interactions' and source_id = $call" 1
check "... and on the 360 view" line_has "sofia (support)" "topic quiet widgets · call"

# ---- marketing: a segment of it, into a campaign ----
client m 140 40 "$CCRM" -d "$DB=marco"
check "marketing starts" wait_in m "Leads by updated"
prompt_in m "segment Quantum fans"
check ":segment asks for the definition" wait_in m "segment: interest= ticket= days= country= ...:"
keys_in m -l "interest=Quantum Widget"
keys_in m Enter
check "the segment is previewed first: its size, counted at once (cheap to count)" \
    wait_in m 'segment "Quantum fans": 2 people (exact)'
check "... and it asks before saving" wait_in m "save it? (y: yes, c: count exactly):"
keys_in m c Enter
check "c counts it exactly, before saving" wait_in m 'segment "Quantum fans": 2 people (exact)'
check "database: nothing saved yet" sql_is "select count(*) from segments where name = 'Quantum fans'" 0
keys_in m y Enter
check "y saves it, with the count just made (not the estimate again)" wait_in m ': 2 people (exact, as counted)'
check "database: the segment, as JSON the database evaluates" \
    wait_sql "select ccrm_segment_count(id) from segments where name = 'Quantum fans'" 2
prompt_in m "segment-count Quantum fans"
check ":segment-count counts exactly" wait_in m 'segment "Quantum fans": 2 people (exact)'
prompt_in m "interests QUANTUM"
check ":interests finds the interests that mention it, whoever recorded them" \
    wait_in m 'Interests matching "QUANTUM" · 2, newest first'
check "... with whose they are and where they were learned" \
    line_in m "Quantum Widget · from ticket #$tk" "contact $pname"
keys_in m Enter
check "Enter opens the person" wait_in m "contact #$person · "
keys_in m q
keys_in m q
prompt_in m "reports interests"
check ":reports opens the Reports view on the report named" wait_in m "[Interests by product]"
check "the interests by product, with their figures" \
    line_in m "Quantum Widget" "interests 2 · people 2 · from tickets 1 · by hand 0"
check "... and a bar of block characters" line_in m "Quantum Widget" "█"
keys_in m ']'
check "] picks the next report" wait_in m "[Campaign funnel]"
keys_in m q

# renee watches the campaign in her own client
client w 140 40 "$CCRM" -d "$DB=renee"
check "a second marketing client starts" wait_in w "Leads by updated"
prompt_in w "view campaigns"
prompt_in w "sort updated"
check "renee's Campaigns show the new one first" wait_in w "Quantum Launch"
keys_in w g Enter
check "renee sees the campaign's results: nobody yet" wait_in w "Results · members 0 · responses 0"

prompt_in m "view campaigns"
prompt_in m "sort updated"
check "marco's Campaigns show it first" wait_in m "Quantum Launch"
keys_in m g Enter
check "marco opens the campaign" wait_in m "campaign #$camp · active"
keys_in m A
check "A opens the Segments to pick one" wait_in m "Segments · Enter adds the one selected to campaign #$camp"
check "the new segment first, with the count made before saving (not the estimate again)" \
    line_in m "Quantum fans" "2 exact"
keys_in m c
check "c counts it exactly" line_in m "Quantum fans" "2 exact"
keys_in m Enter
check "adding says who was left out and why" \
    wait_in m 'added 1 to campaign "Quantum Launch"; left out 1: 1 opted out of email'
check "database: the person is a member, the one who opted out is not" \
    wait_sql "select string_agg(contact_id::text, ',') from campaign_members where campaign_id = $camp" "$person"
check "renee's results update live: one member" wait_in w "Results · members 1 · responses 0"
check "... and the member is listed: not sent yet (nothing went out to them)" wait_in w "contact $pname: unsent"
check "... and the results say so" wait_in w "Results · members 1 · responses 0 · not sent yet 1"

keys_in m m
check "m asks for a person" wait_in m "add (e-mail or full name):"
keys_in m -l "$xmail"
keys_in m Enter
check "one person added by hand, nobody left out" msg_is m 'added 1 to campaign "Quantum Launch"'
check "renee sees two members" wait_in w "Results · members 2 · responses 0"

# the person added from the segment is the oldest member: the last line
keys_in m G
keys_in m r
check "r asks for the response of the member selected" wait_in m "a response of contact $pname"
keys_in m -l "replied"
keys_in m Enter
check "the response is recorded" wait_in m "response recorded: contact $pname replied"
check "database: the response, and the member's status moved" \
    wait_sql "select (select count(*) from campaign_responses where campaign_id = $camp and contact_id = $person
              and status = 'replied' and created_by = 'marco') || ' ' || (select status from campaign_members
              where campaign_id = $camp and contact_id = $person)" "1 replied"
check "renee's results update live: the response counted" \
    wait_in w "Results · members 2 · responses 1"
check "... by status" wait_in w "responses by status: replied 1"
check "... and in the funnel (1 of 2 replied)" line_in w "  replied" "1  ████████████"

# take the one added by hand out again: now the last line
keys_in m G
keys_in m x
check "x asks before taking a member out, one key" wait_in m "remove the member? (y/n)"
keys_in m y
check "the member is taken out" wait_in m "removed contact"
check "database: one member left" wait_sql "select count(*) from campaign_members where campaign_id = $camp" 1
check "renee sees one member again" wait_in w "Results · members 1 · responses 1"
check "the opted-out person never became a member" \
    sql_is "select count(*) from campaign_members where contact_id = $other" 0

keys_in m q
keys_in m q
keys q q q
check "sofia's ccrm exits 0" test "$(pane_status)" = 0
tui_stop
done_testing
