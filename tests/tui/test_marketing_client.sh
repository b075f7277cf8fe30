#!/usr/bin/env bash
# Marketing in the full-screen client, what issue 19 had left to build, in the real clients:
# - consents: support (sofia) sees a contact's consent per channel, records an opt-out with O
#   and a consent with :consent (the channel completed by Tab); the detail follows live; then
#   marketing (marco) adds that person to an e-mail campaign and is told the person was left
#   out and why;
# - a saved segment renamed (R), given new words (e: the line starts with its words; previewed,
#   estimate and exact, before it is changed) and deleted (d, after asking) in the Segments view; support may do neither to
#   marketing's segment (the database's rights), and is told so;
# - the Reports view's window (:from, :to, f): the figures follow it; the replica
#   ([database] replica_conninfo) is read and named in the status line, and an unreachable one
#   falls back to the primary with a message;
# - i on a deal: the interest is the deal's account's, learned in the deal;
# - a campaign of over 1,000 members: its results counted in its detail on request (R), then
#   live.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_marketing_client.sh path/to/ccrm}

# line_in SESSION TEXT1 TEXT2: wait until one line of the session's screen holds both (10 s)
line_in() {
    local i
    for ((i = 0; i < 200; i++)); do
        screen_of "$1" | grep -F -- "$2" | grep -qF -- "$3" && return 0
        sleep 0.05
    done
    screen_of "$1" >&2
    return 1
}

pg_start_demo "$CCRM" 60
# the sizes are the planner's estimates here, as on a database too big to count at once
# (ccrm.segment_count_cost 0: never counted; tests/tui/test_campaign_sent.sh counts them)
DB="host=$PG_DIR dbname=ccrm options=-cccrm.segment_count_cost=0 user"

# a contact with an e-mail address whose person has no consents anywhere yet
read -r person pmail <<<"$(q "select c.id || ' ' || c.email from contacts c
    where c.email is not null and not exists (select 1 from consents k where k.contact_id = c.id)
      and not exists (select 1 from leads l join consents k on k.lead_id = l.id
                       where l.contact_id = c.id or lower(l.email) = lower(c.email))
    order by c.id limit 1")"
camp=$(as marco -c "insert into campaigns (name, status, channel, owner)
    values ('Consent Check', 'active', 'email', 'marco') returning id" | head -1)

# ---- consents: support records them on the person ----
tui_start 140 40 "$CCRM" -d "$DB=sofia"
check "support starts" wait_for " online "
prompt "view contacts"
keys / C-u
keys -l "$pmail"
keys Enter
wait_gone "search: " 5 || fail "the search line closed"
keys Enter
check "the contact opens" wait_for "contact #$person · "
check "its consents: unknown on every channel" line_has "Consent" "email, phone, post unknown"
keys O
check "O asks for the channel" wait_for "opted out of (email phone post all) [where it was said]:"
keys -l "em on the phone"
keys Enter
check "the client says what was recorded" wait_for "contact #$person opted out of email: recorded"
check "database: the opt-out, where it was said, by sofia" \
    wait_sql "select channel || '/' || (opted_out_at is not null) || '/' || source || '/' || created_by
              from consents where contact_id = $person" "email/true/on the phone/sofia"
check "the detail shows it, live: when, where, who" line_has "email opted out 20" "(on the phone, sofia)"
check "... and the other channels unknown" wait_for "phone, post unknown"
keys :
keys -l "consent ph"
keys Tab
check ":consent completes the channel" wait_for ":consent phone"
keys -l " web"
keys Enter
check "the consent is recorded" wait_for "contact #$person consented to phone: recorded"
check "database: phone opted in, from the web" \
    wait_sql "select (consented_at is not null) || '/' || (opted_out_at is null) || '/' || source
              from consents where contact_id = $person and channel = 'phone'" "true/true/web"
check "the detail shows it" line_has "phone opted in 20" "(web, sofia)"
keys O
wait_for "opted out of" || fail "O asks again"
keys -l "fax"
keys Enter
check "a channel that is not one is refused, and asked again" \
    wait_for 'not a channel: "fax" (email, phone, post or all)'
keys Escape

# ---- marketing adds the person to an e-mail campaign: left out, and told why ----
client m 140 40 "$CCRM" -d "$DB=marco"
check "marketing starts" wait_in m " online "
prompt_in m "view campaigns"
prompt_in m "sort updated"
check "the campaign is listed" wait_in m "Consent Check"
keys_in m g Enter
check "marco opens the campaign" wait_in m "campaign #$camp · active"
keys_in m m
check "m asks for a person" wait_in m "add (e-mail or full name):"
keys_in m -l "$pmail"
keys_in m Enter
check "adding the opted-out person says who was left out and why" \
    wait_in m 'added 0 to campaign "Consent Check"; left out 1: 1 opted out of email'
check "database: no member" sql_is "select count(*) from campaign_members where campaign_id = $camp" 0
keys_in m q

# ---- segments: renamed, new words, deleted; the rights are the database's ----
seg=$(as marco -c "insert into segments (name, definition, owner)
    values ('Widget people', '{\"entity\": \"people\", \"match\": \"all\", \"rules\": [{\"interest\": {\"product\": \"Widget\"}}]}',
            'marco') returning id" | head -1)
prompt_in m "segments"
check "the Segments view lists it first" line_in m "Widget people" "~"
keys_in m R
check "R asks for the new name" wait_in m "new name: Widget people"
keys_in m C-u
keys_in m -l "Gadget people"
keys_in m Enter
check "the segment is renamed" wait_in m 'segment "Widget people" is now "Gadget people"'
check "database: its new name" wait_sql "select name from segments where id = $seg" "Gadget people"
check "the list shows it" line_in m "Gadget people" "~"
keys_in m e
check "e asks for new words, starting with the segment's" wait_in m "words (interest= ticket= deal= ...): interest=Widget"
keys_in m C-u
keys_in m -l "country=Germany"
keys_in m Enter
check "the new words are previewed: an estimate first" \
    wait_in m 'segment "Gadget people" with the new words: about'
check "... and it asks before changing" wait_in m "change it? (y: yes, c: count exactly):"
keys_in m c Enter
check "c counts the new words exactly" wait_in m "(exact)"
check "database: not changed yet" sql_is "select definition::text like '%Germany%' from segments where id = $seg" f
keys_in m y Enter
check "y changes it" wait_in m 'segment "Gadget people" changed: country=Germany'
check "database: the new definition" \
    wait_sql "select definition::text like '%Germany%' from segments where id = $seg" t
exact=$(as marco -c "select ccrm_segment_count(id) from segments where id = $seg")
check "the list shows the count of the new words made before changing ($exact)" \
    line_in m "Gadget people" "$exact exact"
keys_in m c
check "c counts the changed segment: what the database counts ($exact)" line_in m "Gadget people" "$exact exact"

# support may read marketing's segment, not change or delete it
prompt "segments"
check "support sees the segment" line_has "Gadget people" "~"
keys R
wait_for "new name: Gadget people" || fail "R asks support too"
keys C-u
keys -l "Hijacked"
keys Enter
check "support may not rename it: the database's rule, said" \
    wait_for "could not change segment #$seg: only its creator or owner, marketing, management and admin change it"
check "database: the name is kept" sql_is "select name from segments where id = $seg" "Gadget people"
keys d
check "d asks before deleting" wait_for "delete the segment? (y/n)"
keys y
check "support may not delete it" \
    wait_for "could not delete segment #$seg: only its creator or owner, marketing, management and admin delete it"
check "database: still there" sql_is "select count(*) from segments where id = $seg" 1
keys q

keys_in m d
check "marco is asked first" wait_in m "delete the segment? (y/n)"
keys_in m n
check "n keeps it" wait_in m 'segment "Gadget people" not deleted'
keys_in m d
wait_in m "delete the segment? (y/n)" || fail "d asks again"
keys_in m y
check "y deletes it" wait_in m 'segment "Gadget people" deleted'
check "database: gone" wait_sql "select count(*) from segments where id = $seg" 0
check "gone from the list" gone_in m "Gadget people" 10
keys_in m q

# ---- the Reports view's window ----
# an account no partner sees (the replica below is read as one)
read -r acc accname <<<"$(q "select id || ' ' || name from accounts a
    where not exists (select 1 from account_shares s where s.account_id = a.id) order by id limit 1")"
may=$(as sam -c "insert into opportunities (name, account_id, stage, amount, close_date)
    values ('Window May deal', $acc, 'prospecting', 4242, '2031-05-10') returning id" | head -1)
as sam -c "insert into opportunities (name, account_id, stage, amount, close_date)
    values ('Window June deal', $acc, 'prospecting', 1000, '2031-06-15')" >/dev/null
prompt_in m "reports pipeline"
check "the Reports view opens on the pipeline" wait_in m "[Pipeline]"
check "the status line says the figures are the primary's, over the report's own dates" \
    wait_in m "Report Pipeline · closing this month, the 11 before, the 6 after · from the primary"
prompt_in m "from 2031-05-01"
prompt_in m "to 2031-06-01"
check ":from and :to set the window: the report runs again" \
    wait_in m "report Pipeline, from 2031-05-01, before 2031-06-01: 1 row"
check "the figures are the window's" line_in m "May 2031 prospecting" "deals 1 · amount 4,242 EUR"
check "the status line names the window" wait_in m "Report Pipeline · from 2031-05-01, before 2031-06-01 · from the primary"
keys_in m t
check "t asks for the end" wait_in m "to, before (YYYY-MM-DD; empty: the report's own): 2031-06-01"
keys_in m C-u
keys_in m -l "1.7.2031"
keys_in m Enter
check "a wider window: the numbers change" wait_in m "report Pipeline, from 2031-05-01, before 2031-07-01: 2 rows"
check "... June's deal is in" line_in m "Jun 2031 prospecting" "deals 1 · amount 1,000 EUR"
prompt_in m "from 2031-08-01"
check "a window that ends before it starts is refused" \
    wait_in m "could not set the window: from 2031-08-01 is not before to 2031-07-01"
check "... and the window is kept" wait_in m "Report Pipeline · from 2031-05-01, before 2031-07-01"
prompt_in m "from not-a-day"
check "a date that is not one is refused" wait_in m "could not set the window: "
keys_in m q
prompt_in m "from 2031-05-01"
check ":from outside the Reports view says where it belongs" \
    wait_in m ":from sets the window of the Reports view: open it first (:reports)"

# the replica: here the same database under another login (paul, a partner, who sees none of
# these deals), so the figures show which session they came from
cat >"$TEST_TMP/replica.ini" <<EOF
[database]
conninfo = host=$PG_DIR dbname=ccrm user=mia
replica_conninfo = host=$PG_DIR dbname=ccrm user=paul
EOF
client r 140 40 "$CCRM" -c "$TEST_TMP/replica.ini"
check "mia's client, from its configuration" wait_in r " online "
prompt_in r "reports pipeline"
check "the status line says the replica" wait_in r "Report Pipeline · closing this month, the 11 before, the 6 after · from the replica"
check "database: the view reads through a session of its own, the replica's login" \
    wait_sql "select count(*) from pg_stat_activity where application_name = 'ccrm reports' and usename = 'paul'" 1
prompt_in r "from 2031-05-01"
prompt_in r "to 2031-07-01"
check "the figures are the replica session's (its login sees none of the deals)" \
    wait_in r "report Pipeline, from 2031-05-01, before 2031-07-01: 0 rows"
keys_in r q q
cat >"$TEST_TMP/down.ini" <<EOF
[database]
conninfo = host=$PG_DIR dbname=ccrm user=mia
replica_conninfo = host=$TEST_TMP/nowhere dbname=ccrm user=mia
EOF
client d 140 40 "$CCRM" -c "$TEST_TMP/down.ini"
check "mia's second client" wait_in d " online "
prompt_in d "reports pipeline"
check "an unreachable replica: said, and the primary shown" \
    wait_in d "could not reach the replica: "
check "the status line says the primary, and why" \
    wait_in d "from the primary (the replica could not be read)"
prompt_in d "from 2031-05-01"
prompt_in d "to 2031-07-01"
check "the primary's figures" wait_in d "report Pipeline, from 2031-05-01, before 2031-07-01: 2 rows"
# the replica comes back (its socket appears): r reads it again, not the primary for good
mkdir -p "$TEST_TMP/nowhere"
ln -s "$PG_DIR/.s.PGSQL.5432" "$TEST_TMP/nowhere/.s.PGSQL.5432"
keys_in d r
check "the replica back: r reads from it again" wait_in d "before 2031-07-01 · from the replica" 15
keys_in d q q
# a replica that takes the connection and never answers (a frozen server, a black hole): the
# view waits for it without blocking, keys work meanwhile, and after connect_timeout it says
# so and shows the primary
mkdir -p "$TEST_TMP/silent"
perl -MIO::Socket::UNIX -e '$s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0],
    Listen => 16) or die "listen: $!"; while (my $c = $s->accept) { push @keep, $c }' \
    "$TEST_TMP/silent/.s.PGSQL.5432" &
on_exit "kill $!"
cat >"$TEST_TMP/silent.ini" <<EOF
[database]
conninfo = host=$PG_DIR dbname=ccrm user=mia
replica_conninfo = host=$TEST_TMP/silent dbname=ccrm user=mia
connect_timeout = 8
EOF
client s 140 40 "$CCRM" -c "$TEST_TMP/silent.ini"
check "mia's third client" wait_in s " online "
prompt_in s "reports pipeline"
t0=$(date +%s%N)
check "a replica that does not answer: the view says it is connecting" wait_in s "connecting to the replica…"
check "...and so does the status line" wait_in s "· from the replica (connecting…)"
keys_in s "]"
check "keys work meanwhile: ] picks the next report at once" wait_in s "[Win rate]" 4
ms=$((($(date +%s%N) - t0) / 1000000))
check "...while the replica is still being waited for ($ms ms after opening)" \
    bash -c "[ $ms -lt 6000 ] && tmux -L $TMUX_SOCK -f /dev/null capture-pane -t =s: -p | grep -qF 'connecting to the replica…'"
check "after connect_timeout: said, and the primary shown" \
    wait_in s "could not reach the replica: " 15
check "...saying why" wait_in s "could not reach the replica: $TEST_TMP/silent: no answer within 8 s; showing the primary"
check "...the report picked meanwhile runs, on the primary" \
    wait_in s "Report Win rate · the last 12 months · from the primary (the replica could not be read)"
keys_in s q q

# ---- i on a deal ----
prompt_in m "view deals"
keys_in m / C-u
keys_in m -l "Window May"
keys_in m Enter
gone_in m "search: " 5 || fail "the deals' search"
check "the deal is listed" wait_in m "Window May deal"
keys_in m i
check "i on a deal: its account's interest, learned in the deal" \
    wait_in m "an interest of account $accname, learned in deal #$may"
keys_in m -l "Zeta Suite"
keys_in m Enter
check "recorded, and said" wait_in m "interest in Zeta Suite recorded on account $accname (from deal #$may)"
check "database: the account's interest, the deal kept as its source, by marco" \
    wait_sql "select count(*) from interests where account_id = $acc and product = 'Zeta Suite'
              and source_entity = 'opportunities' and source_id = $may and created_by = 'marco'" 1
prompt_in m "interests Zeta"
check ":interests names where it was learned" line_in m "Zeta Suite · from deal #$may" "account $accname"
keys_in m q

# ---- a campaign of over 1,000 members: its results on request, then live ----
psqlc >/dev/null <<EOF
INSERT INTO leads (first_name, last_name, email, created_by, updated_by)
SELECT 'Big', 'Member ' || g, 'big' || g || '@big-campaign.example', 'marco', 'marco'
  FROM generate_series(1, 1001) g;
INSERT INTO campaigns (name, status, channel, owner, created_by, updated_by)
VALUES ('Big Campaign', 'active', 'email', 'marco', 'marco', 'marco');
INSERT INTO campaign_members (campaign_id, lead_id, created_by, updated_by)
SELECT (SELECT id FROM campaigns WHERE name = 'Big Campaign'), l.id, 'marco', 'marco'
  FROM leads l WHERE l.email LIKE 'big%@big-campaign.example';
EOF
big=$(q "select id from campaigns where name = 'Big Campaign'")
blead=$(q "select min(lead_id) from campaign_members where campaign_id = $big")
prompt_in m "view campaigns"
prompt_in m "sort updated"
check "the big campaign is listed" wait_in m "Big Campaign"
keys_in m g Enter
check "its detail opens" wait_in m "campaign #$big · active"
check "over 1,000 members: counted on request, R says how" \
    wait_in m "Results · over 1000 members: counted on request (R counts them here"
keys_in m R
check "R counts them in the detail" wait_in m "Results · members 1001 · responses 0"
as marco -c "select ccrm_campaign_respond($big, 'leads', $blead, 'opened')" >/dev/null
check "... and they follow changes live" wait_in m "Results · members 1001 · responses 1"
check "... the funnel too" line_in m "  opened" "       1"
keys_in m q q

keys q q q
check "sofia's ccrm exits 0" test "$(pane_status)" = 0
tui_stop
done_testing
