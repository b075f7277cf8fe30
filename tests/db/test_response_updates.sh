#!/usr/bin/env bash
# A campaign response changed by an UPDATE is asked what a new one is (migration 109,
# ccrm_responses_written in schema/functions/92_marketing.sql, so far AFTER INSERT only):
# marketing moved a response to someone who is no member of its campaign, or to another
# campaign, redated it to infinity or to next year, or made it "converted" while its member
# stayed "opened", and every such update went through. Refused now alike (23503, 23514), the
# member's status follows the furthest response, a note is changed as before, and a merge
# (the schema's owner) still moves responses with their person.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_response_updates.sh path/to/ccrm}

pg_start_demo "$CCRM" 10

acc=$(as sam -c "insert into accounts (name, city, country) values ('Antwort GmbH', 'Kiel', 'Germany') returning id")
a=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Ada', 'Antwort', 'ada@antwort.example') returning id")
b=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Bob', 'Antwort', 'bob@antwort.example') returning id")
n=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Nina', 'Niemand', 'nina@antwort.example') returning id")
c1=$(as marco -c "insert into campaigns (name, channel, status, owner) values ('Answers', 'email', 'active', 'marco') returning id")
c2=$(as marco -c "insert into campaigns (name, channel, status, owner) values ('Other answers', 'email', 'active', 'marco') returning id")
as marco -c "insert into campaign_members (campaign_id, contact_id) values ($c1, $a), ($c1, $b)" >/dev/null
r=$(as marco -c "select ccrm_campaign_respond($c1, 'contacts', $a, 'opened')")
check "two members of a campaign, one who opened (response #$r), one who is no member" \
    test -n "$r" -a "$(q "select status from campaign_members where campaign_id = $c1 and contact_id = $a")" = opened
resp() { q "select concat_ws('/', campaign_id, contact_id, status, at < now()) from campaign_responses where id = $r"; }
before=$(resp)

says marco "update campaign_responses set contact_id = $n where id = $r" \
    "ERROR:  23503: contact #$n is not a member of campaign #$c1"
says marco "update campaign_responses set campaign_id = $c2 where id = $r" \
    "contact #$a is not a member of campaign #$c2"
says marco "update campaign_responses set at = 'infinity' where id = $r" \
    "ERROR:  23514: a response dated infinity is in the future"
says mia "update campaign_responses set at = now() + interval '1 year' where id = $r" "is in the future"
says marco "update campaign_responses set at = '1800-01-01' where id = $r" "is before 1900"
check "the response is as it was ($(resp))" test "$(resp)" = "$before"

# taken: another member, a later step (the member follows), a note
as marco -c "update campaign_responses set contact_id = $b where id = $r" >/dev/null
check "moved to another member of the campaign" \
    test "$(q "select contact_id from campaign_responses where id = $r")" = "$b"
as marco -c "update campaign_responses set status = 'converted' where id = $r" >/dev/null
check "made converted: the member follows (was left opened)" \
    test "$(q "select status from campaign_members where campaign_id = $c1 and contact_id = $b")" = converted
as marco -c "update campaign_responses set note = 'called back' where id = $r" >/dev/null
check "a note is changed as before" test "$(q "select note from campaign_responses where id = $r")" = "called back"

# a merge moves the response with its person (a member of the survivor's campaign too)
m=$(as marco -c "select ccrm_merge('contacts', $a, $b, '{}')")
check "a merge moves the response to the survivor (merge $m)" \
    test "$(q "select contact_id from campaign_responses where id = $r")" = "$a"
as marco -c "select ccrm_unmerge($m)" >/dev/null
check "...and its undo back" test "$(q "select contact_id from campaign_responses where id = $r")" = "$b"

done_testing
