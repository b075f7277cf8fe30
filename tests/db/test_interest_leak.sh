#!/usr/bin/env bash
# A partner reads an interest only with the record it was learned from, and never the text of
# an internal note (schema/061, docs/security.md §4). The sales signal copied the ticket's
# subject (as the topic) and the signal's text (stored as an internal note) into an interest of
# the ticket's contact; a partner that saw the contact read both, also for a ticket of an
# account not shared with it. Checked as the partner through psql: the table, the 360 view,
# the search column, the report by product and a segment of its own; and that interests
# learned from records it sees (a ticket, a call, a deal, a mail) or by hand still reach it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_interest_leak.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
ins() { as "$1" -c "$2" | head -n 1; } # the id of one inserted row (INSERT ... RETURNING id)
S=$(ins sam "insert into accounts (name) values ('Leak Shared') returning id")
U=$(ins sam "insert into accounts (name) values ('Leak Unshared') returning id")
"$CCRM" -d "$PG_CONN" --share "$S" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
c=$(ins sam "insert into contacts (account_id, last_name, email) values ($S, 'LeakPerson', 'leak.person@example.org') returning id")
tS=$(ins sofia "insert into tickets (account_id, contact_id, subject) values ($S, $c, 'LeakSubj shared ticket') returning id")
tU=$(ins sofia "insert into tickets (account_id, contact_id, subject) values ($U, $c, 'LeakSubj hidden ticket') returning id")
tP=$(ins sofia "insert into tickets (account_id, contact_id, subject, product) values ($U, $c, 'LeakSubj hidden product ticket', 'LeakProd hidden signal') returning id")
check "the partner sees the shared ticket and not the others" \
    test "$(as paul -c "select string_agg(id::text, ',' order by id) from tickets where id in ($tS, $tU, $tP)")" = "$tS"

# the tester's reproduction: sales signals on a shared and on an unshared ticket
as sofia -c "select ccrm_ticket_signal($tS, 'LeakNote INTERNAL signal body')" \
         -c "select ccrm_ticket_signal($tU, 'LeakNote INTERNAL signal on hidden ticket')" \
         -c "select ccrm_ticket_signal($tP, 'LeakNote INTERNAL signal with a product')" >/dev/null ||
    fail "the signals"
check "the signals' text is an internal note the partner does not read" \
    test "$(as paul -c "select count(*) from interactions where body like 'LeakNote%'")" = 0
check "... and internal users read it on the interests (3 signals)" \
    test "$(as sam -c "select count(*) from interests where contact_id = $c and source = 'signal' and note like 'LeakNote INTERNAL%'")" = 3

# interests recorded from each kind of source, on records the partner sees and on others
iS=$(ins sam "insert into interactions (kind, subject, account_id, contact_id) values ('call', 'LeakCall shared', $S, $c) returning id")
iN=$(ins sam "insert into interactions (kind, subject, body, account_id, contact_id) values ('note', 'LeakNoteSubj internal', 'LeakNote INTERNAL note body', $S, $c) returning id")
iT=$(ins sam "insert into interactions (kind, subject, ticket_id, contact_id) values ('call', 'LeakCall on hidden ticket', $tU, $c) returning id")
oS=$(ins sam "insert into opportunities (account_id, name) values ($S, 'LeakDeal shared') returning id")
oU=$(ins sam "insert into opportunities (account_id, name) values ($U, 'LeakDeal hidden') returning id")
mS=$(q "insert into messages (message_id, direction, status, from_addr, subject, ticket_id)
        values ('leak.shared@example.org', 'in', 'received', 'leak@example.org', 'LeakMail shared', $tS) returning id" | head -n 1)
mU=$(q "insert into messages (message_id, direction, status, from_addr, subject, ticket_id, contact_id)
        values ('leak.hidden@example.org', 'in', 'received', 'leak@example.org', 'LeakMail hidden', $tU, $c) returning id" | head -n 1)
add() { # WHAT SOURCE SOURCE_ENTITY SOURCE_ID NOTE: an interest of the contact, recorded by sofia
    as sofia -v w="$1" -v s="$2" -v e="$3" -v i="$4" -v n="$5" \
        <<<"select ccrm_interest_add('contacts', $c, :'w', NULL, :'s', nullif(:'e', ''), nullif(:'i', '')::bigint, :'n')" >/dev/null ||
        fail "interest $1"
}
add 'LeakOK ticket' ticket tickets "$tS" 'LeakOK said on the shared ticket'
add 'LeakOK call' call interactions "$iS" 'LeakOK said on the call'
add 'LeakOK deal' hand opportunities "$oS" 'LeakOK said on the deal'
add 'LeakOK mail' mail messages "$mS" 'LeakOK said in the mail'
add 'LeakOK by hand' hand '' '' 'LeakOK heard at the booth'
add 'LeakHide ticket' ticket tickets "$tU" 'LeakHide said on the hidden ticket'
add 'LeakHide note' hand interactions "$iN" 'LeakNote INTERNAL copied from the note'
add 'LeakHide call' call interactions "$iT" 'LeakHide said on the hidden ticket'"'"'s call'
add 'LeakHide deal' hand opportunities "$oU" 'LeakHide said on the hidden deal'
add 'LeakHide mail' mail messages "$mU" 'LeakHide said in the hidden mail'
check "internal users read all 13 interests of the contact" \
    test "$(as sam -c "select count(*) from interests where contact_id = $c")" = 13

# ---- as the partner ----
leaks="(coalesce(product, '') || ' ' || coalesce(topic, '') || ' ' || coalesce(note, '')) ~ '(LeakNote|INTERNAL|LeakHide|hidden)'"
check "the partner still sees the contact" test "$(as paul -c "select count(*) from contacts where id = $c")" = 1
check "the partner reads no hidden subject, internal note or hidden source in interests" \
    test "$(as paul -c "select count(*) from interests where contact_id = $c and $leaks")" = 0
check "... the tester's query shows neither signal's subject nor note" \
    test -z "$(as paul -c "select topic, source_id, note from interests where contact_id = $c and source = 'signal'")"
check "... the interests learned from what it sees, by hand included, it reads (text and all)" \
    test "$(as paul -c "select string_agg(product || '/' || coalesce(source_entity, '-') || '/' || note, ';' order by product) from interests where contact_id = $c")" = \
    "LeakOK by hand/-/LeakOK heard at the booth;LeakOK call/interactions/LeakOK said on the call;LeakOK deal/opportunities/LeakOK said on the deal;LeakOK mail/messages/LeakOK said in the mail;LeakOK ticket/tickets/LeakOK said on the shared ticket"
check "... nor does the 360 view of the contact or of its account show them" \
    test "$(as paul -c "select (select count(*) from ccrm_record_interests('contacts', $c, 100) where $leaks)
                          || ',' || (select count(*) from ccrm_record_interests('accounts', $S, 100) where $leaks)
                          || ',' || (select count(*) from ccrm_record_interests('contacts', $c, 100))")" = "0,0,5"
check "... nor the search column (the client's search)" \
    test "$(as paul -c "select count(*) from interests where search like '%' || ccrm_fold('LeakNote') || '%' or search like '%hidden%'")" = 0
check "... nor the interests of a hidden ticket, the client's list under the ticket" \
    test "$(as paul -c "select count(*) from interests where source_entity = 'tickets' and source_id in ($tU, $tP)")" = 0
report=$(as paul -c "select string_agg(product || ':' || interests, ',' order by product) from ccrm_report_interests_by_product() where product like '%Leak%'")
check "... nor the report by product ($report)" \
    test "$report" = "LeakOK by hand:1,LeakOK call:1,LeakOK deal:1,LeakOK mail:1,LeakOK ticket:1"
check "... which internal users get in full" \
    test "$(as mia -c "select count(*) from ccrm_report_interests_by_product() where product in ('topic: LeakSubj hidden ticket', 'LeakProd hidden signal', 'topic: LeakSubj shared ticket')")" = 3
sg=$(ins paul "insert into segments (name, definition) values ('LeakSeg', '{\"entity\": \"contacts\", \"rules\": [{\"interest\": {\"text\": \"LeakNote\"}}]}') returning id")
check "... nor does a segment of its own find the person by a hidden note's text" \
    test "$(as paul -c "select count(*) from ccrm_segment_members($sg) where id = $c")" = 0

# a source made visible later (an internal note shared with the partner) brings its interest
as sam -c "update interactions set visibility = 'shared' where id = $iN" >/dev/null
check "an interest follows its source: the note shared, the partner reads the interest learned from it" \
    test "$(as paul -c "select count(*) from interests where contact_id = $c and product = 'LeakHide note'")" = 1
check "... the signals stay internal (their text is the signal's internal note)" \
    test "$(as paul -c "select count(*) from interests where source = 'signal' and contact_id = $c")" = 0

done_testing
