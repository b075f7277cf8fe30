#!/usr/bin/env bash
# A campaign member is "unsent" until something went out to them (migration 077), and a
# segment's size is honest (ccrm_segment_size), as chloe (marketing) through psql and the batch
# flags:
#   * members added by a segment, by hand and by a plain INSERT start unsent: the results and
#     the campaign_funnel report count none of them as sent, the export says unsent, and a
#     segment rule can pick them (campaign=ID; status=unsent);
#   * they become sent only by a response: one by hand (ccrm_campaign_respond, r in the
#     client) or the mailing tool's report imported ("delivered"); a later step counts as sent
#     too; the CHECK knows the word and refuses others;
#   * a segment of 30 people on text the planner keeps no statistics of (a folded country), or
#     of a campaign's 30 members inserted since the last ANALYZE, was "~1": it is counted
#     (30, exact) when that is cheap, an estimate only past ccrm.segment_count_cost or the
#     statement's budget of counting.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_campaign_sent.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
T=$TEST_TMP
ins() { as "$1" -c "$2" | head -n 1; }
err() {
    local out
    if out=$(as "$1" -c "$2" 2>&1); then echo "OK: $out"; else grep -m1 '^ERROR:' <<<"$out" | sed 's/^ERROR: *//'; fi
}
# results CAMPAIGN: members,sent,opened of ccrm_campaign_results
results() { as chloe -c "select members || ',' || sent || ',' || opened from ccrm_campaign_results($1)"; }

# 30 people at an account of a country nobody else is in, and two more for the other ways in
acc=$(ins sam "insert into accounts (name, country) values ('Freedonia Trading', 'Freedonia') returning id")
as sam -c "insert into contacts (account_id, first_name, last_name, email)
           select $acc, 'Fred', 'Sent' || g, 'fred.sent' || g || '@freedonia.example' from generate_series(1, 30) g" ||
    fail "30 contacts"
hand=$(ins sam "insert into contacts (first_name, last_name, email) values ('Hana', 'Byhand', 'hana.byhand@example.org') returning id")
raw=$(ins sam "insert into contacts (first_name, last_name, email) values ('Rolf', 'Rawinsert', 'rolf.raw@example.org') returning id")
cp=$(ins chloe "insert into campaigns (name, channel, status, owner) values ('Sent Check', 'email', 'active', 'chloe') returning id")

# ---- 1. a segment's size: counted when cheap, not the planner's "~1" ----
def='{"entity": "people", "rules": [{"account": {"field": "country", "op": "eq", "value": "Freedonia"}}]}'
seg=$(as chloe -v d="$def" <<<"insert into segments (name, definition, owner) values ('Freedonians', :'d'::jsonb, 'chloe') returning id" | head -1)
check "the segment finds the 30" test "$(as chloe -c "select ccrm_segment_count($seg)")" = 30
est=$(as chloe -c "select ccrm_segment_estimate($seg)")
check "its estimate is 30, not the planner's guess ($est)" test "$est" = 30
size=$(as chloe -v d="$def" <<<"select people || ',' || exact from ccrm_segment_size(:'d'::jsonb)")
check "... as its size says: counted at once, 30, exact ($size)" test "$size" = "30,true"
guess=$(PGOPTIONS="-c ccrm.segment_count_cost=0" as chloe -v d="$def" <<<"select people || ',' || exact from ccrm_segment_size(:'d'::jsonb)")
check "with ccrm.segment_count_cost 0 it is the planner's estimate, said to be one ($guess)" \
    grep -Eq "^[0-9]+,false$" <<<"$guess"
spent=$(as chloe -v d="$def" <<<"begin; select set_config('ccrm.segment_count_ms', '500', true);
                                  select exact from ccrm_segment_size(:'d'::jsonb); commit;" | tail -1)
check "... and so once a statement's counts took 200 ms ($spent)" test "$spent" = f

# ---- 2. members added every way start unsent ----
out=$(as chloe -c "select summary from ccrm_campaign_add_segment($cp, $seg::bigint)")
check "the segment's 30 are added ($out)" test "$out" = 'added 30 to campaign "Sent Check"'
as chloe -c "select summary from ccrm_campaign_add($cp, 'contacts', $hand)" >/dev/null || fail "by hand"
as chloe -c "insert into campaign_members (campaign_id, contact_id) values ($cp, $raw)" || fail "insert"
check "every member added is unsent: by segment, by hand and by INSERT" \
    test "$(q "select string_agg(status || ' ' || n, ', ') from (select status, count(*) n from campaign_members where campaign_id = $cp group by status) s")" = "unsent 32"
check "the column's default is unsent" \
    test "$(q "select column_default from information_schema.columns where table_name = 'campaign_members' and column_name = 'status'")" = "'unsent'::text"
check "the results count 32 members, none sent ($(results "$cp"))" test "$(results "$cp")" = "32,0,0"
"$CCRM" -d "$DB user=chloe" --report campaign_funnel --format jsonl >"$T/funnel.jsonl" || fail "the funnel report"
check "the campaign_funnel report says sent 0 of 32" \
    grep -Eq "\"campaign_id\" *: *$cp,.*\"members\" *: *32, *\"sent\" *: *0," "$T/funnel.jsonl"
"$CCRM" -d "$DB user=chloe" --export campaign_members --campaign "$cp" >"$T/members.csv" || fail "export"
check "the export for the mailing tool says unsent for all 32" \
    test "$(tail -n +2 "$T/members.csv" | cut -d, -f7 | sort | uniq -c | sed 's/^ *//')" = "32 unsent"
check "a segment picks the members not sent yet (campaign=$cp; status=unsent)" \
    test "$(as chloe -c "select ccrm_segment_count('{\"rules\": [{\"campaign\": {\"id\": $cp, \"status\": [\"unsent\"]}}]}'::jsonb)")" = 32

# ---- 3. sent only when a response says so ----
as chloe -c "select ccrm_campaign_respond($cp, 'contacts', $hand, 'sent')" >/dev/null || fail "respond sent"
check "a response 'sent' by hand (r sent) makes the member sent" \
    test "$(q "select status from campaign_members where campaign_id = $cp and contact_id = $hand")" = sent
check "... and the results count one sent ($(results "$cp"))" test "$(results "$cp")" = "32,1,0"
printf 'Recipient,Event,Time\nfred.sent1@freedonia.example,delivered,2026-11-02 10:00\nfred.sent2@freedonia.example,open,2026-11-02 10:05\n' >"$T/resp.csv"
out=$("$CCRM" -d "$DB user=chloe" --import "$T/resp.csv" --into campaign_responses --campaign "$cp" 2>&1)
check "the mailing tool's report imported ($out)" grep -q '2 responses recorded, 0 opt-outs, 0 rejected' <<<"$out"
check "... 'delivered' is sent, 'open' opened (and so sent too)" \
    test "$(q "select string_agg(m.status, ',' order by c.email) from campaign_members m join contacts c on c.id = m.contact_id
                where m.campaign_id = $cp and c.email in ('fred.sent1@freedonia.example', 'fred.sent2@freedonia.example')")" = "sent,opened"
check "... the results: 3 sent, 1 opened ($(results "$cp"))" test "$(results "$cp")" = "32,3,1"
check "... 29 are still unsent" test "$(q "select count(*) from campaign_members where campaign_id = $cp and status = 'unsent'")" = 29
check "the CHECK refuses a word it does not know" \
    grep -q 'campaign_members_status_check' <<<"$(err chloe "update campaign_members set status = 'queued' where campaign_id = $cp and contact_id = $raw")"
as chloe -c "update campaign_members set status = 'sent' where campaign_id = $cp and contact_id = $raw" ||
    fail "marked sent through psql"
check "a member marked sent by an UPDATE (psql) counts as sent ($(results "$cp"))" test "$(results "$cp")" = "32,4,1"

# ---- 4. 30 members inserted since the last ANALYZE: a campaign segment counted too ----
cp2=$(ins chloe "insert into campaigns (name, channel, status, owner) values ('Fresh Members', 'email', 'active', 'chloe') returning id")
as chloe -c "insert into campaign_members (campaign_id, contact_id)
             select $cp2, id from contacts where account_id = $acc" || fail "30 fresh members"
def2="{\"rules\": [{\"campaign\": {\"id\": $cp2}}]}"
check "a segment of a campaign's 30 members, inserted since ANALYZE: 30, exact" \
    test "$(as chloe -v d="$def2" <<<"select people || ',' || exact from ccrm_segment_size(:'d'::jsonb)")" = "30,true"
done_testing
