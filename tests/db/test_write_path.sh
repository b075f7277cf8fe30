#!/usr/bin/env bash
# The write path after schema 028 (docs/performance.md, "Writes"): what a single-row write
# still does, and what it no longer does. Followers hear of others' changes with the same
# words as before (owner, explicit followers, unwatched owners, an owner that changed, the
# count of a repeated entry, the bound of 30 per sender and ten minutes, quiet hours in the
# person's time zone or the default calendar's); a change of one's own record that nobody
# else follows works nothing out (no inbox delivery is even tried); an SLA-relevant change
# that keeps the ticket's policy leaves its clocks as they were without recomputing them, and
# one that changes it recomputes them; routing at insert picks the same person with the same
# reason as ccrm_who. Work not done is counted with track_functions.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_write_path.sh path/to/ccrm}

PG_EXTRA_OPTS="-c track_functions=all"
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
# calls USER FUNCTION SQL: run SQL as USER, and say how often FUNCTION ran in its transaction
calls() {
    as "$1" -c "begin" -c "$3" \
        -c "select coalesce(sum(pg_stat_get_xact_function_calls(p.oid)), 0) from pg_proc p where p.proname = '$2'" \
        -c "commit" | tail -1
}
lead() { # OWNER NAME -> id (inserted by sam, the owner given: no routing)
    as sam -c "insert into leads (first_name, last_name, owner) values ('Wp', '$2', '$1') returning id" | head -1
}
inbox() { q "select coalesce(string_agg(kind || '|' || count || '|' || coalesce(from_login, '-') || '|' || coalesce(note, '') || '|' || quiet, E'\n' order by id), '') from inbox where login = '$1' and entity = 'leads' and entity_id = $2"; }
# nobody has quiet hours or a digest unless a check says so
q "update inbox_settings set quiet_from = null, quiet_until = null, digest_at = null" >/dev/null

# ---- followers ----
OWN=$(lead sam Own)
n=$(calls sam ccrm_inbox_deliver "update leads set score = 5 where id = $OWN")
check "an update of one's own lead that nobody else follows writes no inbox entry" \
    test "$(q "select count(*) from inbox where entity = 'leads' and entity_id = $OWN")" = 0
check "... and tries no delivery at all (ccrm_inbox_deliver called $n times)" test "$n" = 0
n=$(calls sam ccrm_follow_notify "update leads set score = 4 where id = $OWN")
check "(the followers' trigger did run: $n)" test "$n" = 1

as juergen -c "select ccrm_follow('leads', $OWN)" >/dev/null
as sam -c "update leads set score = 6 where id = $OWN"
check "an explicit follower of one's own lead hears of its change" \
    test "$(inbox juergen "$OWN")" = "change|1|sam|lead #$OWN Wp Own: score changed|false"
check "... and the person acting does not" test "$(inbox sam "$OWN")" = ""

OTHER=$(lead priya Other)
as sam -c "update leads set score = 7 where id = $OTHER"
check "the owner hears of someone else's change, naming the fields" \
    test "$(inbox priya "$OTHER")" = "change|1|sam|lead #$OTHER Wp Other: score changed|false"
as sam -c "update leads set score = 8, status = 'contacted' where id = $OTHER"
check "a second change is counted onto the unread entry, with the latest words" \
    test "$(inbox priya "$OTHER")" = "change|2|sam|lead #$OTHER Wp Other: score, status changed|false"
as priya -c "select ccrm_follow('leads', $OTHER, false)" >/dev/null
as sam -c "update leads set score = 9 where id = $OTHER"
check "an owner who unwatched the lead hears nothing more" \
    test "$(q "select count from inbox where login = 'priya' and entity = 'leads' and entity_id = $OTHER")" = 2

MOVED=$(lead jose Moved)
as sam -c "update leads set owner = 'priya' where id = $MOVED"
check "a new owner: the old one hears of it, with who had it and who has it" \
    test "$(inbox jose "$MOVED")" = "change|1|sam|lead #$MOVED Wp Moved: owner changed (jose → priya)|false"
check "... the new one not here (an assignment tells them)" test "$(inbox priya "$MOVED")" = ""
as sam -c "update leads set owner = 'sam' where id = $MOVED"
check "a lead taken over by the person acting: its previous owner still hears" \
    test "$(q "select count from inbox where login = 'priya' and entity = 'leads' and entity_id = $MOVED")" = 1
as sam -c "update leads set owner = 'sam' where id = $MOVED"
check "a no-op update tells nobody" \
    test "$(q "select count from inbox where login = 'priya' and entity = 'leads' and entity_id = $MOVED")" = 1

# ---- quiet hours, in the person's time zone or else the default calendar's ----
window() { # ZONE -> quiet_from, quiet_until: the 20 minutes either side of now there
    echo "(now() at time zone '$1')::time - interval '20 minutes', (now() at time zone '$1')::time + interval '20 minutes'"
}
q "update inbox_settings set time_zone = 'Asia/Tokyo', (quiet_from, quiet_until) = ($(window Asia/Tokyo)) where login = 'priya'" >/dev/null
Q1=$(lead priya QuietTokyo)
as sam -c "update leads set score = 1 where id = $Q1"
check "quiet hours now in the person's own zone: the entry is quiet" \
    test "$(q "select quiet from inbox where login = 'priya' and entity_id = $Q1 and entity = 'leads'")" = t
DEF=$(q "select time_zone from calendars where is_default")
q "update inbox_settings set time_zone = null, (quiet_from, quiet_until) = ($(window "$DEF")) where login = 'priya'" >/dev/null
Q2=$(lead priya QuietDefault)
as sam -c "update leads set score = 1 where id = $Q2"
check "no zone of their own: quiet hours in the default calendar's zone ($DEF)" \
    test "$(q "select quiet from inbox where login = 'priya' and entity_id = $Q2 and entity = 'leads'")" = t
q "update inbox_settings set time_zone = null, (quiet_from, quiet_until) = ($(window Asia/Tokyo)) where login = 'priya'" >/dev/null
Q3=$(lead priya Loud)
as sam -c "update leads set score = 1 where id = $Q3"
check "... and not in another zone" \
    test "$(q "select quiet from inbox where login = 'priya' and entity_id = $Q3 and entity = 'leads'")" = f
q "update inbox_settings set quiet_from = null, quiet_until = null, digest_at = '08:00' where login = 'priya'" >/dev/null
Q4=$(lead priya Digest)
as sam -c "update leads set score = 1 where id = $Q4"
check "someone who takes a digest gets quiet entries" \
    test "$(q "select quiet from inbox where login = 'priya' and entity_id = $Q4 and entity = 'leads'")" = t
q "update inbox_settings set digest_at = null where login = 'priya'" >/dev/null

# ---- the bound: 30 entries from one sender to one person in ten minutes ----
ids=$(as sam -c "insert into leads (first_name, last_name, owner) select 'Wp', 'Bound ' || g, 'chloe' from generate_series(1, 32) g returning id" | tr '\n' ' ')
for id in $ids; do echo "update leads set score = 3 where id = $id;"; done | as sam >/dev/null
check "32 changes of 32 leads of one person: 30 entries (the bound), no more" \
    test "$(q "select count(*) from inbox where login = 'chloe' and from_login = 'sam'")" = 30

# ---- SLA clocks: a change that keeps the policy keeps the clocks ----
ACC=$(q "select min(id) from accounts where tier is null")
T=$(as sofia -c "insert into tickets (subject, priority, account_id, assignee) values ('Wp clocks', 'normal', $ACC, 'sofia') returning id" | head -1)
before=$(q "select string_agg(kind || ' ' || policy_id || ' ' || due_at || ' ' || coalesce(warn_at::text, '-') || ' ' || current, ', ' order by kind) from sla_clocks where ticket_id = $T")
check "a new ticket has its clocks ($before)" test -n "$before"
n=$(calls sofia ccrm_sla_recompute "update tickets set priority = 'high' where id = $T")
check "normal → high under the same policy: the clocks are as they were" \
    test "$(q "select string_agg(kind || ' ' || policy_id || ' ' || due_at || ' ' || coalesce(warn_at::text, '-') || ' ' || current, ', ' order by kind) from sla_clocks where ticket_id = $T")" = "$before"
check "... without recomputing them (ccrm_sla_recompute called $n times)" test "$n" = 0
n=$(calls sofia ccrm_sla_ticket "update tickets set priority = 'normal' where id = $T")
check "(the clocks' trigger did run: $n)" test "$n" = 1
as sofia -c "update tickets set priority = 'urgent' where id = $T"
URG=$(q "select id from sla_policies where 'urgent' = any (priorities) and active order by position limit 1")
check "→ urgent: the urgent policy's targets, due on its calendar from when the clock runs" \
    test "$(q "select bool_and(k.policy_id = $URG and k.due_at = ccrm_business_add(p.calendar_id, k.running_since, k.target_min - k.used_us / 60000000.0)
                                 and k.target_min = case k.kind when 'first_response' then p.first_response_min else p.resolution_min end)
               from sla_clocks k join sla_policies p on p.id = k.policy_id where k.ticket_id = $T")" = t
check "... and the clock due first decides the time left" \
    test "$(q "select kind from sla_clocks where ticket_id = $T and current")" = first_response
as sofia -c "update tickets set status = 'pending' where id = $T"
check "pending (a pausing status): the clocks pause, no time left shown" \
    test "$(q "select count(*) filter (where running_since is null and due_at is null) || '/' || count(*) from sla_clocks where ticket_id = $T")" = 2/2
as sofia -c "update tickets set status = 'open' where id = $T"
check "open again: they run, due again" \
    test "$(q "select count(*) filter (where running_since is not null and due_at is not null) from sla_clocks where ticket_id = $T")" = 2
as sofia -c "update tickets set status = 'solved' where id = $T"
check "solved: every clock met" \
    test "$(q "select count(*) filter (where met_at is not null) || ' ' || count(*) filter (where current) from sla_clocks where ticket_id = $T")" = "2 0"

# a matrix of changes: after each, recomputing every unmet clock from scratch (what the old
# trigger did every time) changes nothing: the work skipped was none
ENT=$(q "select min(id) from accounts where tier = 'enterprise'")
T2=$(as sofia -c "insert into tickets (subject, priority, account_id, assignee) values ('Wp matrix', 'low', $ACC, 'zoe') returning id" | head -1)
seen=
clocks() { q "select string_agg(concat_ws(' ', kind, policy_id, target_min, running_since, used_us, due_at, warn_at, met_at, breached_at, current), ', ' order by kind, id) from sla_clocks where ticket_id = $T2"; }
for step in "priority = 'normal'" "priority = 'high'" "queue = 'us'" "priority = 'urgent'" \
            "status = 'pending'" "priority = 'normal'" "status = 'open'" "queue = null" \
            "account_id = $ENT" "status = 'pending'" "status = 'solved'" "priority = 'high'" \
            "status = 'open'" "account_id = $ACC"; do
    as sofia -c "update tickets set $step where id = $T2"
    after=$(clocks)
    seen="$seen $(q "select string_agg(distinct policy_id::text, ' ') from sla_clocks where ticket_id = $T2")"
    q "select ccrm_sla_recompute(array(select id from sla_clocks where ticket_id = $T2 and met_at is null));
       select ccrm_sla_current(array[$T2])" >/dev/null
    check "set $step: the clocks are what a full recompute makes them" test "$(clocks)" = "$after"
done
check "the matrix went through at least three policies ($(tr ' ' '\n' <<<"$seen" | sort -u | tr '\n' ' '))" \
    test "$(tr ' ' '\n' <<<"$seen" | grep . | sort -u | wc -l)" -ge 3

# ---- routing at insert agrees with ccrm_who ----
for subj in 'Question about the invoice' 'Login broken' 'Trade fair booth'; do
    A=$(q "select id from accounts where country = 'United States' order by id limit 1")
    R=$(as sam -c "insert into tickets (subject, account_id) values ('$subj', $A) returning id" | head -1)
    got=$(q "select assignee || ' ' || routed_rule from tickets where id = $R")
    want=$(as sam -c "select login || ' ' || rule_id from ccrm_who_for('tickets', $R) where chosen")
    check "routed \"$subj\" as ccrm_who says ($got)" test "$got" = "$want"
done

# ---- a notice's line is audited and announced once (schema/032: written by one statement) ----
NL=$(lead priya NoticeOnce)
m=$(q "select coalesce(max(id), 0) from inbox")
# a session's own ccrm.inbox_logged changes nothing (ccrm_inbox_deliver sets it itself)
as sam -c "select set_config('ccrm.inbox_logged', 'on', false)" -c "update leads set score = 2 where id = $NL" >/dev/null
IL=$(q "select id from inbox where id > $m and login = 'priya' and entity = 'leads' and entity_id = $NL")
check "the owner's line is there ($IL)" test -n "$IL"
check "... audited once, as its row, by the person acting" \
    test "$(q "select count(*) || '|' || min(actor) || '|' || bool_and(new_row = (select to_jsonb(i) from inbox i where i.id = $IL)) from audit where entity = 'inbox' and entity_id = $IL")" = "1|sam|true"
check "... and announced once, with the department and the words of every inbox event" \
    test "$(q "select count(*) || '|' || min(actor) || '|' || min(department) || '|' || min(summary) from events where entity = 'inbox' and entity_id = $IL")" = "1|sam|sales|change for priya"
as sam -c "set ccrm.inbox_logged = 'off'" -c "update leads set score = 3 where id = $NL" >/dev/null
check "a second change counts onto it: one update audited and announced" \
    test "$(q "select count(*) from audit where entity = 'inbox' and entity_id = $IL and op = 'update'"),$(q "select summary from events where entity = 'inbox' and entity_id = $IL and op = 'update'")" = "1,change ×2 for priya"
q "insert into inbox (login, kind, note) values ('priya', 'handoff', 'by the owner in psql')" >/dev/null
check "an insert by the owner in psql is logged by the trigger as before" \
    test "$(q "select count(*) from audit a join inbox i on i.id = a.entity_id where a.entity = 'inbox' and i.note = 'by the owner in psql'")" = 1

# ---- plans kept for small statements never serve a big one ----
ids=$(as sam -c "insert into leads (first_name, last_name, owner) select 'Wp', 'Big ' || g, 'sam' from generate_series(1, 25) g returning id" | paste -sd,)
ev=$(q "select max(id) from events")
as sam -c "update leads set score = 1 where id = $OWN" -c "update leads set score = 2 where id = $OWN" \
    -c "update leads set score = 3 where id in ($ids)" >/dev/null
check "after single-row updates in the session, a 25-row update: 25 audit rows with old and new values" \
    test "$(q "select count(*) from audit where entity = 'leads' and op = 'update' and entity_id in ($ids) and (old_row->>'score') is distinct from (new_row->>'score')")" = 25
check "... and one bulk event" \
    test "$(q "select count(*) || '|' || min(summary) from events where id > $ev and entity = 'leads' and op = 'bulk'")" = "1|25 leads updated"

done_testing
