#!/usr/bin/env bash
# Tab completes what a campaign takes: `:add-member` (and the line m opens) the full names and
# e-mail addresses of contacts and leads, folded as the add compares them (case, accents,
# blanks), each one the add accepts and that picks the person meant; a name several people
# have, typed whole, gives their addresses instead (the add refuses the name). `:add-segment`
# completes segment names. Only what the user may see is offered (row-level security); a
# partner, who sees no campaign, is offered neither.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_campaign_complete.sh path/to/ccrm}

pg_start_demo "$CCRM" 30 # a share every 25 accounts
ROWS=40 # the screen's height, for bottom and wait_bottom
shared=$(q "select min(account_id) from account_shares")
mine=$(q "select min(id) from accounts where id not in (select account_id from account_shares)")
[ -n "$shared" ] && [ -n "$mine" ] || fail "the demo has shared and unshared accounts"
cid=$(q "insert into campaigns (name, status, owner) values ('Tabwalk Spring', 'active', 'marco')
         returning id")
psqlc >/dev/null <<EOF
INSERT INTO contacts (account_id, first_name, last_name, email) VALUES
    ($mine, 'Quentin', 'Zabriskie', 'q.zabriskie@example.com'),
    ($mine, 'Quentin', 'Zabrowski', 'quentin.zabrowski@example.com'),
    ($mine, 'Ottilie', 'Quarz', 'ottilie.quarz@alpha.example'),
    ($mine, 'Ottilie', 'Quarz', 'ottilie.quarz@beta.example'),
    ($shared, 'Quentin', 'Zachary', 'q.zachary@example.net');
INSERT INTO leads (first_name, last_name, email, status)
    VALUES ('Quirin', 'Załewski', 'zalewski.q@example.org', 'new');
EOF
check "the demo has no other name that folds to quentin z..., ottilie... or quirin..." \
    [ "$(q "select count(*) from contacts where ccrm_person_name(first_name, last_name) ~ '^(quentin z|ottilie|quirin)'")" = 5 ]
member() { # member SQL-CONDITION-ON-c-OR-l: is such a person a member of the campaign?
    q "select count(*) from campaign_members m left join contacts c on c.id = m.contact_id
         left join leads l on l.id = m.lead_id where m.campaign_id = $cid and ($1)"
}

tui_start 140 $ROWS "$CCRM" -d "$PG_CONN user=marco" --view campaigns
check "first paint" wait_for "Campaigns by" 15
prompt "open campaign $cid"
check "the campaign opens" wait_for "campaign #$cid" 10

keys : "add-member quentin zab" Tab
check "a full name's beginning, any case: the names, to their common beginning" \
    wait_bottom '^:add-member Quentin Zabr *$'
check "... both listed" line_has "Quentin Zabriskie  " "Quentin Zabrowski"
keys i Tab
check "one name left: whole" wait_bottom '^:add-member Quentin Zabriskie *$'
keys Enter
check "Enter adds that contact" wait_sql "$(printf %s "select count(*) from campaign_members m
    join contacts c on c.id = m.contact_id where m.campaign_id = $cid
    and c.email = 'q.zabriskie@example.com'")" 1
check "... and only them" test "$(member "true")" = 1

keys : "add-member QUENTIN.Z" Tab
check "an address by its beginning, letter case aside, as written" \
    wait_bottom '^:add-member quentin.zabrowski@example.com *$'
keys Escape

keys m
check "m asks who to add" wait_bottom '^add \(e-mail or full name\): *$'
keys -l "quirin zal"
keys Tab
check "m's line completes too: a lead, accents folded (zal: Załewski)" \
    wait_bottom '^add \(e-mail or full name\): Quirin Załewski *$'
keys Enter
check "Enter adds the lead" wait_sql "select count(*) from campaign_members m
    join leads l on l.id = m.lead_id where m.campaign_id = $cid and l.email = 'zalewski.q@example.org'" 1
keys m
wait_bottom '^add \(e-mail or full name\): *$' || fail "m again"
keys -l "zzqx"
keys Tab
check "nothing starts with it: no completions" wait_for "no completions" 5
check "... and what was typed stays" wait_bottom '^add \(e-mail or full name\): zzqx *$'
keys Escape

keys : "add-member ottilie quarz" Tab
check "a name two people have, typed whole: their addresses instead, to their common beginning" \
    wait_bottom '^:add-member ottilie.quarz@ *$'
check "... both listed" line_has "ottilie.quarz@alpha.example" "ottilie.quarz@beta.example"
keys b Tab
check "... one of them whole" wait_bottom '^:add-member ottilie.quarz@beta.example *$'
keys Enter
check "Enter adds the person meant" wait_sql "select count(*) from campaign_members m
    join contacts c on c.id = m.contact_id where m.campaign_id = $cid
    and c.email like 'ottilie.quarz@%'" 1
check "... the one of that address" test "$(member "c.email = 'ottilie.quarz@beta.example'")" = 1

seg=$(q "select name from segments where name ilike 'german%' order by id limit 1")
[ -n "$seg" ] || fail "the demo has a segment German ..."
keys : "add-segment GERM" Tab
check ":add-segment completes a segment's name" wait_bottom "^:add-segment $seg *\$"
keys Enter
check "Enter adds its people" wait_for "to campaign \"Tabwalk Spring\"" 10
keys q q
tui_stop

# a partner: row-level security would offer it the people of the accounts shared with it only
# (checked as SQL below); the client offers it none, since it sees no campaign to add them to
tui_start 140 $ROWS "$CCRM" -d "$PG_CONN user=paul" --view accounts
check "the partner's client starts" wait_for "Accounts by" 15
keys : "add-member quentin z" Tab
check "partner: nobody offered (it has no campaign), even whom it may see" \
    wait_for "no completions" 5
check "... what was typed stays" wait_bottom '^:add-member quentin z *$'
keys Escape
wait_gone "no completions" 5 || fail "the message goes with the line"
keys : "add-segment germ" Tab
check "partner: no segment" wait_for "no completions" 5
keys Escape
tui_stop
# what the completion reads, as the partner: the contacts of shared accounts only
check "RLS: the partner may see Quentin Zachary (a shared account's), not the others" \
    test "$(as paul -c "select string_agg(first_name || ' ' || last_name, ',' order by last_name)
        from contacts where ccrm_person_name(first_name, last_name) like 'quentin z%'")" = "Quentin Zachary"
done_testing
