#!/usr/bin/env bash
# A campaign's detail reaches every member (issue 14, bug 3): "Members 128" in its fields, and
# its Members section showed the newest 60 and no more. Now a page of 60 at a time: the
# heading says which ("1-60 of 128"), a line at the end turns to the next page and one at the
# start back. Walked through with the keys, every member is seen once: 128 distinct.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_campaign_members.sh path/to/ccrm}

pg_start_demo "$CCRM" 200
cid=$(psqlc -c "insert into campaigns (name, status, owner) values ('Pagewalk Spring', 'active', 'marco') returning id")
# 128 leads of their own, their names numbered, members at distinct times
psqlc -c "with l as (insert into leads (first_name, last_name, email, status)
                      select 'Walker', 'Member' || lpad(g::text, 3, '0'), 'walker' || g || '@example.org', 'new'
                        from generate_series(1, 128) g returning id, last_name)
          insert into campaign_members (campaign_id, lead_id, status)
          select $cid, id, 'sent' from l" >/dev/null
psqlc -c "update campaign_members set updated_at = now() - (id % 1000) * interval '1 minute' where campaign_id = $cid"
[ "$(psqlc -c "select count(*) from campaign_members where campaign_id = $cid")" = 128 ] || fail "128 members"

tui_start 140 40 "$CCRM" -d "$PG_CONN user=marco" --view campaigns
wait_for "Campaigns" 10 >/dev/null
keys /
keys -l Pagewalk
keys Enter
wait_for "Pagewalk Spring" 10 >/dev/null
keys Enter
check "the campaign's detail says it has 128 members" line_has "Members" "128"
check "the section heading says which of them it shows" wait_for "Members (1-60 of 128, newest first)" 10
seen=$TEST_TMP/seen
: >"$seen"
collect() { screen | grep -o 'Member[0-9][0-9][0-9]' >>"$seen"; }
changed() { [ "$(screen)" != "$1" ]; }
# walk to the end of each page with PgDn, then Enter on the line that turns it
for p in 1 2 3; do
    for i in 1 2 3 4; do
        collect
        prev=$(screen)
        keys NPage
        # each screen is collected: the next once it is drawn (at a page's end nothing moves)
        wait_until -t 3 changed "$prev" || true
    done
    collect
    if [ "$p" -lt 3 ]; then
        keys G
        check "page $p ends with a line to the next page" wait_for "↓ the next 60 (Enter)" 5
        keys Enter
        check "... which shows the next page" wait_for "Members ($((p * 60 + 1))-" 5
    fi
done
check "the last page is 121-128" wait_for "Members (121-128 of 128" 5
check "... and offers the previous page" wait_for "↑ the previous 60 (Enter)" 5
no_next() { ! screen | grep -qF 'the next 60'; }
check "no next page after the last" no_next
check "every one of the 128 members was shown ($(sort -u "$seen" | wc -l) distinct)" \
    test "$(sort -u "$seen" | wc -l)" = 128
# from the last member (the 8th of the page) up to the line above the page's members
# (the sections above them differ: results, comments, chat)
keys G k k k k k k k k
check "the previous page is one Enter away" wait_for "↑ the previous 60" 5
keys Enter
check "... and shows 61-120 again" wait_for "Members (61-120 of 128" 5
keys q q
tui_stop

# a response typed by its start: one word's start is enough, two words' is asked again
tui_start 140 40 "$CCRM" -d "$PG_CONN user=marco" --view campaigns
wait_for "Campaigns" 10 >/dev/null
keys /
keys -l Pagewalk
keys Enter
wait_for "Pagewalk Spring" 10 >/dev/null
keys Enter
wait_for "Members (1-60 of 128" 10 >/dev/null
keys G k
keys r
check "r on a member asks for the response" wait_for "response (sent opened clicked replied registered converted):" 5
keys -l "re"
keys Enter
check "'re' could be replied or registered: asked again" wait_for '"re" could be replied or registered: type more of it' 5
keys C-u
keys -l "rep"
keys Enter
check "'rep' is replied: recorded" \
    wait_sql "select count(*) from campaign_responses where campaign_id = $cid and status = 'replied'" 1
keys q q
tui_stop
done_testing
