#!/usr/bin/env bash
# :sent-all on a campaign (chloe, marketing): after the members went to the mailing tool
# (ccrm --export campaign_members), every member not sent yet whom the export gives the tool
# gets the response "sent" at once, instead of r sent member by member. Checked: n marks
# nothing; y marks exactly the members the export writes that were not sent yet (a lead too),
# not one without an address, not one with a further response, not another campaign's; the
# results follow; a second :sent-all finds nobody waiting; sales may not (psql: the rights are
# the database's); an opted-out member of a completed campaign is counted, not marked.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sent_all.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user"

acc=$(as sam -c "insert into accounts (name, country) values ('Sentall Trading', 'Freedonia') returning id" | head -1)
as sam -c "insert into contacts (account_id, first_name, last_name, email)
           select $acc, 'Fred', 'Sentall' || g, 'fred.sentall' || g || '@sentall.example'
             from generate_series(1, 5) g" >/dev/null || fail "5 contacts"
nomail=$(as sam -c "insert into contacts (account_id, first_name, last_name)
                    values ($acc, 'Nora', 'Nomail') returning id" | head -1)
lead=$(as chloe -c "insert into leads (first_name, last_name, email, company)
                    values ('Lena', 'Sentall', 'lena.sentall@sentall.example', 'Sentall Lead Co')
                    returning id" | head -1)
cp=$(as chloe -c "insert into campaigns (name, channel, status, owner)
    values ('Sentall Mailing', 'email', 'active', 'chloe') returning id" | head -1)
cp2=$(as chloe -c "insert into campaigns (name, channel, status, owner)
    values ('Sentall Other', 'email', 'active', 'chloe') returning id" | head -1)
as chloe -c "insert into campaign_members (campaign_id, contact_id)
             select $cp, id from contacts where account_id = $acc;
             insert into campaign_members (campaign_id, lead_id) values ($cp, $lead);
             insert into campaign_members (campaign_id, contact_id)
             select $cp2, id from contacts where last_name = 'Sentall1'" >/dev/null || fail "members"
one=$(q "select id from contacts where last_name = 'Sentall1'")
as chloe -c "select ccrm_campaign_respond($cp, 'contacts', $one, 'opened')" >/dev/null || fail "a response"
statuses() {
    q "select string_agg(coalesce(c.last_name, l.last_name) || '=' || m.status, ' '
                         order by coalesce(c.last_name, l.last_name), m.lead_id nulls first)
         from campaign_members m left join contacts c on c.id = m.contact_id
         left join leads l on l.id = m.lead_id where m.campaign_id = $1"
}
before="Nomail=unsent Sentall=unsent Sentall1=opened Sentall2=unsent Sentall3=unsent Sentall4=unsent Sentall5=unsent"
check "set-up: six members not sent yet, one opened" test "$(statuses "$cp")" = "$before"

# the rights are the database's: sales may not record responses
out=$(as sam -c "select * from ccrm_campaign_mark_sent($cp)" 2>&1)
check "sales may not mark members sent (psql: $out)" grep -q "only marketing, management and admin" <<<"$out"
check "... and nothing changed" test "$(statuses "$cp")" = "$before"
out=$(as chloe -c "select * from ccrm_campaign_mark_sent(999999)" 2>&1)
check "an unknown campaign is said so ($out)" grep -q "campaign #999999 not found" <<<"$out"

tui_start 140 40 "$CCRM" -d "$DB=chloe"
check "marketing starts" wait_for " online "
prompt "view campaigns"
keys /
keys -l "Sentall Mailing"
keys Enter
wait_for "Sentall Mailing" 10 >/dev/null
keys Enter
check "the campaign opens" wait_for "campaign #$cp · active"
check "the results say six are not sent yet" wait_for "not sent yet 6"

prompt "sent-all"
check ":sent-all says what it will do and asks" wait_for "mark them sent? (y/n)"
keys n
check "n marks nothing, and says so" wait_for "nothing marked: the members not sent yet stay so"
check "... database: unchanged" test "$(statuses "$cp")" = "$before"

prompt "sent-all"
wait_for "mark them sent? (y/n)" >/dev/null || fail "asked again"
keys y
check "y marks the five with an address (a lead among them), and names who was left" \
    wait_for "marked 5 members sent; left not sent: 0 opted out, 1 without an address"
check "database: those five are sent; no address stays unsent; opened stays opened" \
    test "$(statuses "$cp")" = "Nomail=unsent Sentall=sent Sentall1=opened Sentall2=sent Sentall3=sent Sentall4=sent Sentall5=sent"
check "... each with a response 'sent' of its own, by chloe" \
    sql_is "select count(*) from campaign_responses where campaign_id = $cp and status = 'sent'
              and created_by = 'chloe'" 5
check "... the other campaign's member is untouched" test "$(statuses "$cp2")" = "Sentall1=unsent"
check "the results follow: one not sent yet" wait_for "not sent yet 1"

# the export gives exactly the members the rule says (the same function): all but the one
# without an address
"$CCRM" -d "$DB=chloe" --export campaign_members --campaign "$cp" >"$TEST_TMP/members.csv" \
    2>"$TEST_TMP/members.err" || fail "the export"
check "the export writes the six with an address (header and six rows)" \
    test "$(wc -l <"$TEST_TMP/members.csv")" = 7
check "... and says one was left out for want of an address ($(cat "$TEST_TMP/members.err"))" \
    grep -q "1 without" "$TEST_TMP/members.err"

prompt "sent-all"
wait_for "mark them sent? (y/n)" >/dev/null || fail "asked a third time"
keys y
check "a second :sent-all finds nobody waiting" \
    wait_for "no member was waiting to be sent; left not sent: 0 opted out, 1 without an address"
check "... database: no more responses" \
    sql_is "select count(*) from campaign_responses where campaign_id = $cp and status = 'sent'" 5
keys q q
prompt "quit"
wait_exit || fail "quit"
tui_stop

# a completed campaign keeps a member who opted out afterwards: counted, never marked sent
cp3=$(as chloe -c "insert into campaigns (name, channel, status, owner)
    values ('Sentall Done', 'email', 'active', 'chloe') returning id" | head -1)
two=$(q "select id from contacts where last_name = 'Sentall2'")
as chloe -c "insert into campaign_members (campaign_id, contact_id) values ($cp3, $two), ($cp3, $one)" \
    >/dev/null || fail "members of the third campaign"
as chloe -c "update campaigns set status = 'completed' where id = $cp3" >/dev/null || fail "completed"
as chloe -c "select ccrm_consent_set('contacts', $two, 'email', true, 'test', NULL)" >/dev/null ||
    fail "the opt-out"
check "set-up: the opted-out member stays in the completed campaign" \
    sql_is "select count(*) from campaign_members where campaign_id = $cp3" 2
out=$(as chloe -c "select marked || ' ' || opted_out || ' ' || no_address from ccrm_campaign_mark_sent($cp3)" 2>&1)
check "the opted-out member is counted, not marked; the other is marked ($out)" test "$out" = "1 1 0"
check "... database: the opted-out member is still unsent" \
    sql_is "select status from campaign_members where campaign_id = $cp3 and contact_id = $two" unsent
done_testing
