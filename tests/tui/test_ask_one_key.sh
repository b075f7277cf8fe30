#!/usr/bin/env bash
# Every yes/no question of the client takes one key, as "send? y/n", "replace it? (y/n)" and
# the Pipeline's "mark it won? (y/n)" do (ui_ask_key). Two still wanted a typed line and Enter,
# and looked it ("(y: yes): "): x on a campaign's member ("remove the member?") and d in the
# Segments view ("delete the segment?"). Now both ask "(y/n)": y does it at once, without
# Enter; n, Esc and Enter leave it; what was typed after y ("yes" out of habit) is dropped, not
# taken as keys of the view below (e would edit). At 80x24 (marco, marketing).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_ask_one_key.sh path/to/ccrm}

pg_start_demo "$CCRM" 30
DB="host=$PG_DIR dbname=ccrm user"
ROWS=24

seg=$(as marco -c "insert into segments (name, definition, owner)
    values ('Askprobe people', '{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"interest\": {\"product\": \"Askprobe\"}}]}',
            'marco') returning id" | head -1)
camp=$(as marco -c "insert into campaigns (name, status, channel, owner)
    values ('Askprobe Launch', 'active', 'email', 'marco') returning id" | head -1)
read -r c1 c2 <<<"$(q "select string_agg(id::text, ' ') from (select id from contacts
    where email is not null and not exists (select 1 from consents k where k.contact_id = contacts.id)
    order by id limit 2) c")"
as marco -c "insert into campaign_members (campaign_id, contact_id) values ($camp, $c1), ($camp, $c2)" \
    >/dev/null || fail "two members"
segs() { q "select count(*) from segments where id = $seg"; }
members() { q "select count(*) from campaign_members where campaign_id = $camp"; }
# N: the count is still N a moment later (nothing sent)
segs_stay() { sleep 0.5; [ "$(segs)" = "$1" ]; }
members_stay() { sleep 0.5; [ "$(members)" = "$1" ]; }
no_question() { ! bottom_like "\(y/n\)"; }

tui_start 80 24 "$CCRM" -d "$DB=marco"
check "marketing starts" wait_for " online " 15

# ---- d in the Segments view ----
prompt "segments"
check "the Segments view lists the new segment first" wait_for "Askprobe people" 10
keys d
check "d asks (y/n), one key" wait_bottom "^delete the segment\? \(y/n\) *$"
keys n
check "n keeps it, no Enter needed" wait_for 'segment "Askprobe people" not deleted' 5
check "... the question is gone" wait_until no_question
check "... database: still there" segs_stay 1
keys d
wait_bottom "^delete the segment\? \(y/n\)" || fail "d asks again"
keys Escape
check "Esc keeps it" wait_until no_question
check "... database: still there" segs_stay 1
keys d
wait_bottom "^delete the segment\? \(y/n\)" || fail "d asks a third time"
keys Enter
check "Enter keeps it" wait_until no_question
check "... database: still there" segs_stay 1
keys d
wait_bottom "^delete the segment\? \(y/n\)" || fail "d asks a fourth time"
keys -l yes
check "y deletes it at once" wait_sql "select count(*) from segments where id = $seg" 0
check "... and says so" wait_for 'segment "Askprobe people" deleted' 5
check "... what was typed after y did nothing (e asks for words)" \
    bash -c "sleep 0.5; ! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'words (')"
keys q

# ---- x on a campaign's member ----
prompt "open campaign $camp"
check "the campaign opens" wait_for "campaign #$camp" 10
check "... with its two members" wait_for "Askprobe Launch" 5
keys G
keys x
check "x asks (y/n), one key" wait_bottom "^remove the member\? \(y/n\) *$"
check "... naming the member" wait_for "out of the campaign?" 5
keys n
check "n leaves the member, no Enter needed" wait_for "not removed: contact" 5
check "... database: two members" members_stay 2
keys x
wait_bottom "^remove the member\? \(y/n\)" || fail "x asks again"
keys Escape
check "Esc leaves the member" wait_until no_question
check "... database: two members" members_stay 2
keys x
wait_bottom "^remove the member\? \(y/n\)" || fail "x asks a third time"
keys -l yes
check "y takes the member out at once" wait_sql "select count(*) from campaign_members where campaign_id = $camp" 1
check "... and says so" wait_for "removed contact" 5
check "... what was typed after y did nothing (e edits the campaign)" \
    bash -c "sleep 0.5; ! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Edit campaign')"

keys q q q
tui_stop
done_testing
