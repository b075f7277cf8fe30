#!/usr/bin/env bash
# One person is a member of a campaign once, for every writer (migration 109,
# ccrm_member_once in schema/functions/92_marketing.sql): a contact and its own lead, a lead of
# the contact's e-mail address, or two leads of one address were both taken by an INSERT from
# psql (ccrm_campaign_add left such a person out), and ccrm --export campaign_members gave the
# mailing tool the person twice. Refused now (23505) in either order, in one statement or
# two, as marketing, management and the owner, and an update moving a membership so; the same person in another campaign, and
# different people, are taken; ccrm_campaign_add still says "the same person as one"; two
# sessions adding the two records of one person at once do not both get in.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_member_once.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"

acc=$(as sam -c "insert into accounts (name, city, country) values ('Einmal GmbH', 'Kiel', 'Germany') returning id")
ct=$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Erika', 'Einmal', 'erika@einmal.example') returning id")
own=$(as marco -c "insert into leads (first_name, last_name, email, contact_id) values ('Erika', 'Einmal', 'erika.privat@example.org', $ct) returning id")
mail=$(as marco -c "insert into leads (first_name, last_name, email) values ('Erika', 'Einmal', 'ERIKA@einmal.example') returning id")
l1=$(as marco -c "insert into leads (first_name, last_name, email) values ('Otto', 'Zweimal', 'otto@zweimal.example') returning id")
l2=$(as marco -c "insert into leads (first_name, last_name, email) values ('Otto', 'Zweimal', 'Otto@Zweimal.example') returning id")
other=$(as marco -c "insert into leads (first_name, last_name, email) values ('Anna', 'Andere', 'anna@andere.example') returning id")
camp=$(as marco -c "insert into campaigns (name, channel, status, owner) values ('Once', 'email', 'active', 'marco') returning id")
camp2=$(as marco -c "insert into campaigns (name, channel, status, owner) values ('Once more', 'email', 'active', 'marco') returning id")
check "a contact, its lead, a lead of its address, two leads of one address, two campaigns" \
    test -n "$ct" -a -n "$own" -a -n "$mail" -a -n "$l1" -a -n "$l2" -a -n "$camp" -a -n "$camp2"
members() { q "select count(*) from campaign_members where campaign_id = $1"; }

as marco -c "insert into campaign_members (campaign_id, contact_id) values ($camp, $ct)" >/dev/null
says marco "insert into campaign_members (campaign_id, lead_id) values ($camp, $own)" \
    "ERROR:  23505: lead #$own is the same person as contact #$ct, a member of campaign #$camp (Once) already"
says marco "insert into campaign_members (campaign_id, lead_id) values ($camp, $mail)" \
    "lead #$mail is the same person as contact #$ct"
says mia "insert into campaign_members (campaign_id, lead_id) values ($camp, $own)" "the same person"
says postgres "insert into campaign_members (campaign_id, lead_id) values ($camp, $own)" "the same person"
check "the campaign has the contact only" test "$(members "$camp")" = 1
# the other way round: the lead first, then its contact; and both in one statement
as marco -c "insert into campaign_members (campaign_id, lead_id) values ($camp2, $own)" >/dev/null
says marco "insert into campaign_members (campaign_id, contact_id) values ($camp2, $ct)" \
    "contact #$ct is the same person as lead #$own"
as marco -c "insert into campaign_members (campaign_id, lead_id) values ($camp, $l1)" >/dev/null
says marco "insert into campaign_members (campaign_id, lead_id) values ($camp, $l2)" \
    "lead #$l2 is the same person as lead #$l1"
says marco "insert into campaign_members (campaign_id, lead_id) values ($camp2, $l1), ($camp2, $l2)" \
    "the same person"
check "nothing of the refused statements is there" \
    test "$(members "$camp")/$(members "$camp2")" = 2/1
# the export gives the mailing tool each person once
"$CCRM" -d "$DB user=marco" --export campaign_members --campaign "$camp" >"$TEST_TMP/members.csv" ||
    fail "export"
check "the export has the contact and one of Otto's leads, once each" \
    test "$(grep -ci -e 'erika' -e 'otto' "$TEST_TMP/members.csv")" = 2

# taken: the same person in another campaign, other people, the function's words kept
as marco -c "insert into campaign_members (campaign_id, lead_id) values ($camp2, $l2), ($camp2, $other)" >/dev/null
check "the same person in another campaign, and someone else, are taken" test "$(members "$camp2")" = 3
check "ccrm_campaign_add leaves the same person out in its words" \
    test "$(as marco -c "select summary from ccrm_campaign_add($camp, 'leads', $mail)")" \
    = 'added 0 to campaign "Once"; left out 1: 1 already member (or the same person as one)'
check "...and adds someone else" \
    test "$(as marco -c "select added from ccrm_campaign_add($camp, 'leads', $other)")" = 1

# an update that moves a membership onto the same person, in the campaign or into it
mv=$(as marco -c "select id from campaign_members where campaign_id = $camp and lead_id = $other")
says marco "update campaign_members set lead_id = $own where id = $mv" \
    "lead #$own is the same person as contact #$ct, a member of campaign #$camp (Once) already"
mv2=$(as marco -c "select id from campaign_members where campaign_id = $camp2 and lead_id = $l2")
says marco "update campaign_members set campaign_id = $camp where id = $mv2" \
    "lead #$l2 is the same person as lead #$l1"
as marco -c "update campaign_members set status = 'sent' where id = $mv" >/dev/null
check "a member's status is updated as before" \
    test "$(q "select status from campaign_members where id = $mv")" = sent

# two sessions at once: the contact in one, its lead in the other; the second waits, then is refused
camp3=$(as marco -c "insert into campaigns (name, channel, status, owner) values ('Once at once', 'email', 'active', 'marco') returning id")
{
    echo "begin;"
    echo "insert into campaign_members (campaign_id, contact_id) values ($camp3, $ct);"
    echo "select pg_sleep(1.5);"
    echo "commit;"
} | psql -X -q -At "$DB user=marco" >"$TEST_TMP/first" 2>&1 &
first=$!
sleep 0.5
e=$(refused chloe "insert into campaign_members (campaign_id, lead_id) values ($camp3, $own)")
wait "$first"
check "two at once: the second is refused after the first commits (${e%%$'\n'*})" \
    grep -qF "lead #$own is the same person as contact #$ct" <<<"$e"
check "...and the campaign has the person once" test "$(members "$camp3")" = 1

done_testing
