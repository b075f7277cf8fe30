#!/usr/bin/env bash
# A campaign's m (add a member) asks afresh each time (issue: a refused entry was kept and
# pre-filled the next m, so typing the full address after it gave `could not add
# "pwalk.testerpwalk.tester@example.com"`; it even survived leaving the campaign and coming
# back). The refusal names what was typed; the next m starts empty.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_campaign_prompt.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
cid=$(psqlc -c "insert into campaigns (name, status, owner) values ('Promptwalk Autumn', 'active', 'marco') returning id")
psqlc -c "insert into leads (first_name, last_name, email, status)
          values ('Pat', 'Walktester', 'pwalk.tester@example.com', 'new')" >/dev/null
absent_text() { ! screen | grep -qF -- "$1"; }
ROWS=40
members() { q "select count(*) from campaign_members where campaign_id = $cid"; }

tui_start 140 40 "$CCRM" -d "$PG_CONN user=marco" --view campaigns
wait_for "Campaigns" 10 >/dev/null
open_campaign() {
    keys /
    keys C-u
    keys -l Promptwalk
    keys Enter
    wait_for "Promptwalk Autumn" 10 >/dev/null
    keys Enter
    wait_for "campaign #$cid" 10
}
check "the campaign opens" open_campaign

keys m
check "m asks who to add" wait_bottom '^add \(e-mail or full name\): *$'
keys -l "pwalk.tester"
keys Enter
check "a name nobody has is refused, saying what was typed" \
    wait_for 'could not add "pwalk.tester"' 5
check "nobody added" test "$(members)" = 0
keys m
check "the next m starts empty (not with the refused text)" wait_bottom '^add \(e-mail or full name\): *$'
keys -l "pwalk.tester@example.com"
keys Enter
check "the address typed is the one added (not appended to the refused text)" \
    wait_sql "select count(*) from campaign_members m join leads l on l.id = m.lead_id
        where m.campaign_id = $cid and l.email = 'pwalk.tester@example.com'" 1
check "... and nothing was refused" absent_text 'pwalk.testerpwalk'

# refused again, then the campaign left and opened again: still empty
keys m
wait_bottom '^add \(e-mail or full name\): *$' || fail "m again"
keys -l "nobody.here"
keys Enter
wait_for 'could not add "nobody.here"' 5 >/dev/null || fail "refused again"
keys q
wait_for "Campaigns by" 10 >/dev/null
check "the campaign opens again" open_campaign
keys m
check "m after coming back starts empty too" wait_bottom '^add \(e-mail or full name\): *$'
keys Escape
keys q q
done_testing
