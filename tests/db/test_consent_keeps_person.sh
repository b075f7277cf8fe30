#!/usr/bin/env bash
# A consent row stays its person's word on its channel (migration 109,
# ccrm_consent_keeps_person in schema/functions/92_marketing.sql): an UPDATE by any internal
# user moved an opt-out to another contact or lead, or from e-mail to post, or rewrote the
# address kept from a deleted record, which ended the person's opt-out without their opting
# in, and marketing added them to an e-mail campaign again. Refused now (42501) as every
# department; opting in again (opted_out_at, consented_at, the note) is an update as before;
# the system's own moves go on: a merge moves the merged record's consents to the survivor,
# its undo puts them back, a deleted contact's consent keeps its address.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_consent_keeps_person.sh path/to/ccrm}

pg_start_demo "$CCRM" 10

acc=$(as sam -c "insert into accounts (name, city, country) values ('Wortlaut GmbH', 'Kiel', 'Germany') returning id")
x=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Xaver', 'Nein', 'xaver@wortlaut.example') returning id")
y=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Yvonne', 'Ja', 'yvonne@wortlaut.example') returning id")
ld=$(as marco -c "insert into leads (first_name, last_name, email) values ('Lea', 'Lead', 'lea@lead.example') returning id")
k=$(as sofia -c "select ccrm_consent_set('contacts', $x, 'email', true, 'ticket', 'no more mail, please')")
camp=$(as marco -c "insert into campaigns (name, channel, status, owner) values ('Word kept', 'email', 'active', 'marco') returning id")
check "an opt-out of e-mail (consent #$k) of contact #$x, an e-mail campaign" test -n "$k" -a -n "$camp"
word() { q "select concat_ws('/', contact_id, lead_id, channel, email, opted_out_at is not null) from consents where id = $k"; }
before=$(word)

for u in marco sofia sam mia ana; do
    says "$u" "update consents set contact_id = $y where id = $k" \
        "ERROR:  42501: consent #$k is contact #$x's word on email: its person and channel stay"
done
says marco "update consents set channel = 'post' where id = $k" "its person and channel stay"
says marco "update consents set contact_id = null, lead_id = $ld where id = $k" "its person and channel stay"
says marco "update consents set email = 'someone@else.example' where id = $k" "its person and channel stay"
check "the opt-out is as it was ($(word))" test "$(word)" = "$before"
says marco "insert into campaign_members (campaign_id, contact_id) values ($camp, $x)" "opted out of email"

# opting in again is an update, as before; a form saving the row unchanged goes through
as marco -c "update consents set note = 'said so on the phone', channel = channel where id = $k" >/dev/null
check "the note changes" test "$(q "select note from consents where id = $k")" = "said so on the phone"
as sofia -c "update consents set opted_out_at = null, consented_at = now() where id = $k" >/dev/null
check "opting in again by an update" test "$(q "select opted_out_at is null from consents where id = $k")" = t
as sofia -c "select ccrm_consent_set('contacts', $x, 'email', true, 'ticket', 'no after all')" >/dev/null
check "...and out again" test "$(q "select opted_out_at is not null from consents where id = $k")" = t

# the system's moves: a merge to the survivor and back, a deleted record's address kept
m=$(as marco -c "select ccrm_merge('contacts', $y, $x, '{}')")
check "a merge moves the opt-out to the survivor (merge $m)" \
    test "$(q "select contact_id from consents where id = $k")" = "$y"
as marco -c "select ccrm_unmerge($m)" >/dev/null
check "...and its undo back" test "$(q "select contact_id from consents where id = $k")" = "$x"
as sam -c "select ccrm_delete('contacts', array[$x::bigint])" >/dev/null
check "a deleted contact's opt-out keeps its address" \
    test "$(q "select coalesce(contact_id::text, '-') || ' ' || email from consents where id = $k")" \
    = "- xaver@wortlaut.example"
says marco "update consents set email = 'other@wortlaut.example' where id = $k" \
    "consent #$k is xaver@wortlaut.example's word on email"

done_testing
