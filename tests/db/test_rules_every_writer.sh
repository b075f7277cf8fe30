#!/usr/bin/env bash
# Rules the database keeps for every writer, psql included (migration 073):
# 1. an interaction says something: a subject or a note (the form asked, psql did not); an
#    e-mail stored by the mail paths may be empty (a bare attachment); rows from before stay,
#    and so do the writes that leave their text alone (a deletion's SET NULL, a merge, an
#    unmerge putting them back);
# 2. deals closed before the close date was set automatically get the day they closed, from
#    the audit trail (else their last change), so the reports count them in their month;
# 3. sla_compliance counts a clock late by its times, not by the scheduler's mark (a deadline
#    that passed while --tick did not run counted as met);
# 4. one "restoring" mark (ccrm_restoring_what): the setting ccrm.import_revert, which anyone
#    could set, no longer spares a close date; an import's revert still keeps a won deal's
#    date and still meets today's opt-outs (only an unmerge restores past those).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_rules_every_writer.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 20
today=$(q "select current_date")
acc=$(q "select min(id) from accounts")
con=$(q "select min(id) from contacts where account_id = $acc")
err() { as "$1" -c "$2" 2>&1 >/dev/null; }
sql_is() { [ "$(q "$1")" = "$2" ]; }
refused='an interaction needs a subject or a note'

# ---- 1. an interaction with neither subject nor body ----
out=$(err sam "insert into interactions (kind, contact_id, account_id) values ('call', $con, $acc)")
check "psql cannot store a call with neither subject nor note ($out)" grep -qF "$refused" <<<"$out"
out=$(err sam "insert into interactions (kind, subject, body, contact_id) values ('note', E' \\n', E'\\t', $con)")
check "... nor one whose subject and note are blank" grep -qF "$refused" <<<"$out"
out=$(err sam "insert into interactions (kind, channel, contact_id) values ('email', 'web', $con)")
check "... nor an e-mail logged by hand with neither" grep -qF "$refused" <<<"$out"
check "a call with a subject only is stored" \
    test -n "$(as sam -c "insert into interactions (kind, subject, contact_id) values ('call', 'Rang back', $con) returning id")"
check "a note with a text only is stored" \
    test -n "$(as sam -c "insert into interactions (kind, body, contact_id) values ('note', '15 min, agreed', $con) returning id")"
out=$(err sam "update interactions set subject = ' ', body = null where id = (select max(id) from interactions where subject = 'Rang back')")
check "an update that empties an entry is refused too" grep -qF "$refused" <<<"$out"
# a mail with no subject and no text, only a file: stored with its timeline entry
out=$(as sofia -c "select status from ccrm_mail_store('support', 'scan-only@example.org', 'scan.only@example.org',
        p_subject => '', p_body => '', p_att_names => array['scan.pdf'],
        p_att_types => array['application/pdf'], p_att_contents => array['%PDF-1.4'::bytea])" 2>&1)
check "a mail that is only an attachment is stored ($out)" test "$out" = received
check "... with its timeline entry, empty but for the mail" \
    sql_is "select count(*) from interactions i join messages m on m.interaction_id = i.id
             where m.message_id = 'scan-only@example.org' and i.subject is null and i.body is null
               and i.kind = 'email' and i.channel = 'email'
               and exists (select 1 from attachments a where a.msg_id = m.id)" 1
# the import says so by line (its own check, before the database's)
printf 'kind,subject,body,contact\ncall,Intro call,,%s\ncall,,,%s\n' \
    "$(q "select email from contacts where id = $con")" "$(q "select email from contacts where id = $con")" >"$T/i.csv"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sam" --import "$T/i.csv" --into interactions --dry-run \
    >"$T/out" 2>"$T/err"
check "an import names the line with neither" grep -qF "i.csv:3: one of subject, body is required" "$T/err"

# ---- rows from before the rule, and deals closed before the close date was set ----
# (as an older database has them: the rule's trigger dropped, migration 073 applied again)
q "drop trigger ccrm_interaction_says_something on interactions"
old_ix=$(q "insert into interactions (kind, contact_id) values ('call', $con) returning id" | head -1)
d1=$(as sam -c "insert into opportunities (account_id, name, stage, amount, owner)
                values ($acc, 'Backfill probe one', 'proposal', 100, 'sam') returning id" | head -1)
as sam -c "update opportunities set stage = 'won' where id = $d1" >/dev/null
d2=$(as sam -c "insert into opportunities (account_id, name, stage, amount, owner)
                values ($acc, 'Backfill probe two', 'negotiation', 100, 'sam') returning id" | head -1)
as sam -c "update opportunities set stage = 'lost' where id = $d2" >/dev/null
d3=$(as sam -c "insert into opportunities (account_id, name, stage, amount, close_date, owner)
                values ($acc, 'Backfill probe three', 'won', 100, date '2026-05-05', 'sam') returning id" | head -1)
# d1 won on January 15th (the audit says so) and changed since; d2 lost with no audit left
q "alter table opportunities disable trigger user;
   update opportunities set close_date = null, updated_at = timestamptz '2026-02-10 12:00+00'
    where id in ($d1, $d2);
   update opportunities set updated_at = timestamptz '2025-11-20 12:00+00' where id = $d2;
   alter table opportunities enable trigger user;
   alter table audit disable trigger user;
   update audit set at = timestamptz '2026-01-15 12:00+00'
    where entity = 'opportunities' and entity_id = $d1 and op = 'update';
   delete from audit where entity = 'opportunities' and entity_id = $d2;
   alter table audit enable trigger user;"
before=$(q "select string_agg(id || ':' || version || ':' || updated_at, ',' order by id)
              from opportunities where id in ($d1, $d2)")
audits=$(q "select count(*) from audit where entity = 'opportunities'")
events=$(q "select count(*) from events where entity = 'opportunities'")
# (the file itself, in one transaction as --migrate runs it: later migrations may be applied
# already, and --migrate applies none below the database's version)
out=$(psqlc -1 -f "$(dirname "$0")/../../schema/073_rules_for_every_writer.sql" 2>&1 && echo applied)
check "migration 073 applies over an interaction with neither subject nor note ($out)" \
    grep -q "^applied$" <<<"$out"
check "... which stays as it was" sql_is "select count(*) from interactions where id = $old_ix" 1
check "... the rule holds for rows written from now on" \
    sql_is "select count(*) from pg_trigger where tgname = 'ccrm_interaction_says_something'" 1
as sam -c "update interactions set done_at = now() where id = $old_ix" >/dev/null
check "... an update that leaves its text alone is taken (marked done)" \
    sql_is "select done_at is not null from interactions where id = $old_ix" t
out=$(err sam "update interactions set subject = '', done_at = now() where id = $old_ix")
check "... one that writes its text asks for a subject or a note" grep -qF "$refused" <<<"$out"
# a second old empty entry on a contact of its own: deleting that contact (the entry's link set
# to NULL), and merging two contacts with such entries, then undoing the merge
q "drop trigger ccrm_interaction_says_something on interactions" >/dev/null
c1=$(q "insert into contacts (first_name, last_name, email) values ('Old', 'Callone', 'old.callone@probe.example') returning id" | head -1)
c2=$(q "insert into contacts (first_name, last_name, email) values ('Old', 'Calltwo', 'old.calltwo@probe.example') returning id" | head -1)
c3=$(q "insert into contacts (first_name, last_name, email) values ('Old', 'Callthree', 'old.callthree@probe.example') returning id" | head -1)
e1=$(q "insert into interactions (kind, contact_id) values ('call', $c1) returning id" | head -1)
e2=$(q "insert into interactions (kind, contact_id) values ('call', $c2) returning id" | head -1)
e3=$(q "insert into interactions (kind, contact_id) values ('note', $c3) returning id" | head -1)
psqlc -1 -f "$(dirname "$0")/../../schema/073_rules_for_every_writer.sql" >/dev/null 2>&1 ||
    q "create trigger ccrm_interaction_says_something before insert or update of subject, body, kind, channel on interactions for each row execute function ccrm_interaction_says_something()" >/dev/null
check "the rule is back" sql_is "select count(*) from pg_trigger where tgname = 'ccrm_interaction_says_something'" 1
out=$(as sam -c "select ccrm_delete('contacts', $c3)" 2>&1)
check "deleting a contact with an old empty entry works ($out)" \
    sql_is "select count(*) from contacts where id = $c3" 0
check "... the entry stays, its link cleared" sql_is "select count(*) from interactions where id = $e3 and contact_id is null" 1
out=$(as mia -c "select ccrm_merge('contacts', $c1, $c2)" 2>&1)
check "merging two contacts with old empty entries works ($out)" sql_is "select count(*) from contacts where id = $c2" 0
check "... both entries kept, on the survivor" \
    sql_is "select count(*) from interactions where id in ($e1, $e2) and contact_id = $c1" 2
mid=$(q "select max(id) from merges")
out=$(as mia -c "select ccrm_unmerge($mid)" 2>&1)
check "... and the merge is undone ($out)" sql_is "select count(*) from contacts where id = $c2" 1
check "... the entry back on its contact" sql_is "select contact_id from interactions where id = $e2" "$c2"

check "a deal won before the rule gets the day the audit says it was won" \
    sql_is "select close_date from opportunities where id = $d1" 2026-01-15
check "a deal lost with no audit gets the day of its last change" \
    sql_is "select close_date from opportunities where id = $d2" 2025-11-20
check "a closed deal with its date keeps it" sql_is "select close_date from opportunities where id = $d3" 2026-05-05
check "no closed deal is left without a close date" \
    sql_is "select count(*) from opportunities where stage in ('won', 'lost') and close_date is null" 0
check "the backfill is not a change of today: version and last change kept" \
    sql_is "select string_agg(id || ':' || version || ':' || updated_at, ',' order by id)
              from opportunities where id in ($d1, $d2)" "$before"
check "... nor audited or announced again" \
    test "$(q "select count(*) from audit where entity = 'opportunities'")/$(q "select count(*) from events where entity = 'opportunities'")" = "$audits/$events"
check "the win rate counts the deal in the month it was won" \
    test "$(q "select won from ccrm_report_win_rate(date '2026-01-01', date '2026-02-01')")" -ge 1
check "... and the pipeline too" \
    test "$(q "select coalesce(sum(deals), 0) from ccrm_report_pipeline(date '2026-01-01', date '2026-02-01') where stage = 'won'")" -ge 1

# ---- 3. SLA compliance by the times ----
pol=$(q "select min(id) from sla_policies")
tk=$(q "select string_agg(id::text, ' ') from (select t.id from tickets t
         where not exists (select 1 from sla_clocks k where k.ticket_id = t.id and k.kind = 'next_response')
         order by t.id limit 3) x")
read -r t1 t2 t3 <<<"$tk"
row() { q "select coalesce((select met || ' ' || met_in_time || ' ' || open || ' ' || open_breached
                              from sla_compliance where kind = 'next_response'), '0 0 0 0')"; }
read -r met0 in0 open0 br0 <<<"$(row)"
# none marked by the scheduler: one met after its due time, one met in time, one open past due
q "insert into sla_clocks (ticket_id, policy_id, kind, target_min, started_at, due_at, met_at)
   values ($t1, $pol, 'next_response', 60, now() - interval '3 hours', now() - interval '2 hours',
           now() - interval '1 hour'),
          ($t2, $pol, 'next_response', 60, now() - interval '3 hours', now() - interval '2 hours',
           now() - interval '150 minutes');
   insert into sla_clocks (ticket_id, policy_id, kind, target_min, started_at, running_since, due_at)
   values ($t3, $pol, 'next_response', 60, now() - interval '3 hours', now() - interval '3 hours',
           now() - interval '2 hours')"
read -r met1 in1 open1 br1 <<<"$(row)"
check "a clock met after its due time is not in time, unmarked or not ($((in1 - in0)) of $((met1 - met0)) met)" \
    test "$((met1 - met0)) $((in1 - in0))" = "2 1"
check "an open clock past its due time is breached before --tick marks it ($((br1 - br0)) of $((open1 - open0)))" \
    test "$((open1 - open0)) $((br1 - br0))" = "1 1"
expect=$(q "select string_agg(kind || '=' || coalesce(round(100.0 * n_in / nullif(decided, 0), 1)::text, '-'), ' ' order by kind)
              from (select kind, count(*) filter (where met_at is not null and not late) as n_in,
                           count(*) filter (where met_at is not null or late) as decided
                      from (select kind, met_at, coalesce(breached_at is not null or met_at > due_at
                                                         or (met_at is null and due_at <= now()), false) as late
                              from sla_clocks where started_at > now() - interval '30 days') c
                     group by kind) x")
check "the share in time is of the clocks decided by their times" \
    sql_is "select string_agg(kind || '=' || coalesce(percent_in_time::text, '-'), ' ' order by kind) from sla_compliance" "$expect"
"$CCRM" -d "$PG_CONN" --tick >/dev/null 2>&1
check "the scheduler's run changes nothing in the figures" test "$(row)" = "$met1 $in1 $open1 $br1"

# ---- 4. one restoring mark ----
check "nothing is restoring in a plain session" sql_is "select coalesce(ccrm_restoring_what(), '-')" -
probe=$(as sam -c "insert into opportunities (account_id, name, stage, amount, close_date, owner)
                   values ($acc, 'Restoring probe', 'negotiation', 100, date '2099-03-01', 'sam') returning id" | head -1)
as sam -c "select set_config('ccrm.import_revert', 'on', false)" \
    -c "update opportunities set stage = 'won' where id = $probe" >/dev/null
check "the old setting ccrm.import_revert no longer spares a close date (won today)" \
    sql_is "select close_date from opportunities where id = $probe" "$today"
probe2=$(as sam -c "insert into opportunities (account_id, name, stage, amount, close_date, owner)
                    values ($acc, 'Restoring probe two', 'negotiation', 100, date '2099-03-01', 'sam') returning id" | head -1)
as sam -c "create temp table ccrm_restoring_now (import_revert boolean)" \
    -c "select coalesce(ccrm_restoring_what(), '-')" \
    -c "update opportunities set stage = 'won' where id = $probe2" >"$T/mark"
check "a caller's own mark is no mark" test "$(head -1 "$T/mark")" = -
check "... and spares no close date" sql_is "select close_date from opportunities where id = $probe2" "$today"
# an import's revert restores an e-mail address, and meets today's opt-outs (as before)
camp=$(q "select min(id) from campaigns where status <> 'completed' and channel = 'email'")
c=$(as sam -c "insert into contacts (first_name, last_name, email, account_id)
               values ('Rita', 'Revert', 'rita.old@example.com', $acc) returning id" | head -1)
B=$(as sam -c "begin" -c "select ccrm_import_begin('contacts', 'emails.csv')" \
    -c "update contacts set email = 'rita.new@example.com' where id = $c" -c "commit" | head -n 1)
l=$(as chloe -c "insert into leads (first_name, last_name, email)
                 values ('Rita', 'R.', 'rita.old@example.com') returning id" | head -1)
as sofia -c "select ccrm_consent_set('leads', $l, 'email', true, 'phone call', 'no mail')" >/dev/null
as marco -c "select ccrm_campaign_add($camp, 'contacts', $c)" >/dev/null
check "the contact (new address) is in the e-mail campaign" \
    sql_is "select count(*) from campaign_members where campaign_id = $camp and contact_id = $c" 1
out=$(as sam -c "select ccrm_import_revert($B)" -c "select coalesce(ccrm_restoring_what(), '-')" 2>&1)
check "the import is reverted ($out)" grep -q "1 restored" <<<"$out"
check "... and its mark is gone when it returns" test "$(tail -1 <<<"$out")" = -
check "... the old address back, whose person opted out: out of the campaign" \
    sql_is "select (select email from contacts where id = $c) || ' '
                   || (select count(*) from campaign_members where campaign_id = $camp and contact_id = $c)" \
    "rita.old@example.com 0"
done_testing
