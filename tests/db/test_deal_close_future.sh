#!/usr/bin/env bash
# A won or lost deal's close date is the day it closed, so not a day still ahead: the rule
# (ccrm_rule_deal_won) kept any date a writer gave, and the demo closed deals up to three
# months ahead, so the Pipeline report showed "Feb 2027 won" in December 2026. Now:
# - every writer (psql, an import: by its line) is refused a future close date for a won or
#   lost deal, when closing it and when changing its date later, as the closer counts days
#   (ccrm_local); no date, or the one the deal had, still closes it today;
# - a row put back as it was (an import's revert) keeps its date;
# - migration 075 gives the won and lost deals already dated ahead the day they closed (the
#   audit trail's stage change, else the last change), unstamped, unaudited;
# - the demo's won and lost deals closed on a day that has come; open deals still expect days
#   ahead.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_deal_close_future.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 20
today=$(q "select ccrm_local(now())::date")
ahead=$(q "select ccrm_local(now())::date + 60")
acc=$(q "select min(id) from accounts")
err() { as "$1" -c "$2" 2>&1 >/dev/null; }
sql_is() { [ "$(q "$1")" = "$2" ]; }
closed() { q "select stage || ' ' || coalesce(close_date::text, '-') from opportunities where id = $1"; }
deal() { # STAGE CLOSE_DATE-SQL: a new deal of sam's, its id
    as sam -c "insert into opportunities (account_id, name, stage, amount, close_date, owner)
               values ($acc, 'Future probe ' || clock_timestamp()::text, '$1', 1000, $2, 'sam')
               returning id" | head -1
}
reason="a deal is won or lost on a day that has come: its close date $ahead is in the future"

# ---- the demo ----
check "the demo has no won or lost deal closed after today" \
    sql_is "select count(*) from opportunities where stage in ('won', 'lost') and close_date > current_date" 0
check "... its reports show no win or loss in a month to come" \
    sql_is "select count(*) from ccrm_report_pipeline(current_date + 1, current_date + 400)
             where stage in ('won', 'lost')" 0
# (over weeks: the demo's history is told from the day of the load, and at this scale its four
# closed deals lie in the three weeks before it, in one month or two as the day falls)
check "... its won and lost deals still spread over weeks" \
    test "$(q "select count(distinct date_trunc('week', close_date)) from opportunities
                where stage in ('won', 'lost')")" -ge 2
check "... and its open deals still expect days ahead" \
    test "$(q "select count(*) from opportunities where stage not in ('won', 'lost') and close_date > current_date")" -gt 0

# ---- psql ----
out=$(err sam "insert into opportunities (account_id, name, stage, amount, close_date, owner)
               values ($acc, 'Future won', 'won', 1000, date '$ahead', 'sam')")
check "a deal inserted won with a close date ahead is refused ($out)" grep -qF "ERROR:  $reason" <<<"$out"
check "... with a hint: the day it closed, or none for today" grep -qF "HINT:  Give the day it was won, today ($today) or before" <<<"$out"
check "... and nothing stored" sql_is "select count(*) from opportunities where name = 'Future won'" 0
out=$(err sam "insert into opportunities (account_id, name, stage, amount, close_date, owner)
               values ($acc, 'Future lost', 'lost', 1000, date '$ahead', 'sam')")
check "... lost too" grep -qF "$reason" <<<"$out"
state=$(as sam -v VERBOSITY=verbose -c "insert into opportunities (account_id, name, stage, amount, close_date)
                 values ($acc, 'Future won', 'won', 1000, date '$ahead')" 2>&1 | head -1)
check "... a check's SQLSTATE (23514), as the client shows a rule ($state)" grep -q "23514" <<<"$state"

d1=$(deal negotiation "date '$ahead'")
out=$(err sam "update opportunities set stage = 'won', close_date = date '$ahead' + 1 where id = $d1")
check "a deal moved to won with a close date ahead in the same statement is refused" grep -qF "is in the future" <<<"$out"
check "... and stays as it was" test "$(closed "$d1")" = "negotiation $ahead"
as sam -c "update opportunities set stage = 'won' where id = $d1" >/dev/null
check "a deal moved to won keeping its expected date ahead still closes today" test "$(closed "$d1")" = "won $today"
out=$(err sam "update opportunities set close_date = date '$ahead' where id = $d1")
check "a won deal's close date cannot be moved ahead later ($out)" grep -qF "$reason" <<<"$out"
check "... it keeps its day" test "$(closed "$d1")" = "won $today"
as sam -c "update opportunities set close_date = date '2026-03-03' where id = $d1" >/dev/null
check "... but may be moved back to the day it closed" test "$(closed "$d1")" = "won 2026-03-03"
as sam -c "update opportunities set amount = 1500 where id = $d1" >/dev/null
check "... and other edits of it ask nothing" sql_is "select amount from opportunities where id = $d1" 1500.00

d2=$(deal won "date '$today'")
check "won today, dated today: stored" test "$(closed "$d2")" = "won $today"
d3=$(deal lost "date '2026-06-30'")
check "lost with a past date: kept" test "$(closed "$d3")" = "lost 2026-06-30"
d4=$(deal lost "NULL")
check "lost with no date: today" test "$(closed "$d4")" = "lost $today"
d5=$(deal proposal "date '$ahead'")
check "an open deal may expect a day ahead" test "$(closed "$d5")" = "proposal $ahead"
as sam -c "update opportunities set close_date = date '$ahead' + 7 where id = $d5" >/dev/null
check "... and move it" test "$(closed "$d5")" = "proposal $(q "select date '$ahead' + 7")"

# the closer's day (ccrm_local, the client's zone): far east it is already tomorrow
east=$(q "select (now() at time zone 'Pacific/Kiritimati')::date")
d6=$(as sam -c "set ccrm.tz = 'Pacific/Kiritimati'" -c "insert into opportunities (account_id, name, stage, amount, close_date, owner)
        values ($acc, 'Future probe east', 'won', 1000, date '$east', 'sam') returning id" | tail -1)
check "a closer at UTC+14 may date a deal won on their today ($east)" test "$(closed "$d6")" = "won $east"
out=$(as sam -c "set ccrm.tz = 'Pacific/Pago_Pago'" -c "insert into opportunities (account_id, name, stage, amount, close_date, owner)
        values ($acc, 'Future probe west', 'won', 1000, date '$east', 'sam')" 2>&1 >/dev/null)
check "... a closer at UTC-11 may not: it is still ahead of them" grep -qF "its close date $east is in the future" <<<"$out"

# ---- an import: the line and the reason ----
accname=$(q "select name from accounts where id = $acc")
printf 'account,name,stage,amount,currency,close_date,owner\n"%s",Import past win,won,500,EUR,2026-02-02,sam\n"%s",Import future win,won,500,EUR,%s,sam\n' \
    "$accname" "$accname" "$ahead" >"$T/deals.csv"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sam" --import "$T/deals.csv" --into opportunities >"$T/out" 2>"$T/err"
rc=$?
check "an import of a won deal dated ahead is refused (rc $rc)" test $rc = 65 || fail_run "the import" --import
check "... naming its line and the reason" grep -qF "deals.csv:3: $reason" "$T/err" || fail_run "the import's reason" --import
check "... writing nothing" sql_is "select count(*) from opportunities where name like 'Import % win'" 0

# ---- a row put back as it was keeps its date ----
# (a deal closed ahead before the rule, reopened by an import, the import reverted)
d7=$(deal won "date '2026-01-20'")
q "alter table opportunities disable trigger user;
   update opportunities set close_date = date '$ahead' where id = $d7;
   alter table opportunities enable trigger user"
B=$(as sam -c "begin" -c "select ccrm_import_begin('opportunities', 'reopen.csv')" \
    -c "update opportunities set stage = 'negotiation' where id = $d7" -c "commit" | head -n 1)
out=$(as sam -c "select ccrm_import_revert($B)" 2>&1)
check "an import's revert puts a deal back won with the date it had, even ahead ($out)" \
    test "$(closed "$d7")" = "won $ahead"

# ---- migration 075: the deals already closed ahead ----
d8=$(deal proposal "NULL")
as sam -c "update opportunities set stage = 'won' where id = $d8" >/dev/null
d9=$(deal lost "date '2026-04-04'")
# d8 won on January 15th (the audit says so), dated ahead since; d9 lost with no audit left,
# last changed on February 10th, dated ahead; d5 open, expected ahead; d3 lost on its own day
q "alter table opportunities disable trigger user;
   update opportunities set close_date = date '$ahead' where id in ($d8, $d9, $d7);
   update opportunities set updated_at = timestamptz '2026-02-10 12:00+00' where id = $d9;
   alter table opportunities enable trigger user;
   alter table audit disable trigger user;
   update audit set at = timestamptz '2026-01-15 12:00+00'
    where entity = 'opportunities' and entity_id = $d8 and op = 'update';
   delete from audit where entity = 'opportunities' and entity_id = $d9;
   alter table audit enable trigger user;"
before=$(q "select string_agg(id || ':' || version || ':' || updated_at, ',' order by id)
              from opportunities where id in ($d8, $d9)")
audits=$(q "select count(*) from audit where entity = 'opportunities'")
events=$(q "select count(*) from events where entity = 'opportunities'")
# (the rule's trigger as it was before 075, which changes it: 075's backfill ran before its
# trigger fired on a change of close_date. Applied again over it, the backfill's day in a
# writer's time zone already past midnight, sam's after 23:00 UTC, was refused as ahead of
# the superuser's UTC today.)
q "drop trigger ccrm_rule_stage on opportunities;
   create trigger ccrm_rule_stage before insert or update of stage on opportunities
       for each row execute function ccrm_rule_deal_won()" >/dev/null
out=$(psqlc -1 -f "$(dirname "$0")/../../schema/075_no_future_close.sql" 2>&1 && echo applied)
check "migration 075 applies ($out)" grep -q "^applied$" <<<"$out"
check "a deal won and dated ahead gets the day the audit says it was won" test "$(closed "$d8")" = "won 2026-01-15"
check "a deal lost ahead with no audit gets the day of its last change" test "$(closed "$d9")" = "lost 2026-02-10"
check "no won or lost deal is left dated ahead (of its last writer's today)" \
    sql_is "select count(*) from opportunities where stage in ('won', 'lost')
               and close_date > (now() at time zone ccrm_user_tz(updated_by))::date" 0
check "an open deal keeps its expected day ahead" test "$(closed "$d5")" = "proposal $(q "select date '$ahead' + 7")"
check "a closed deal dated on a past day keeps it" test "$(closed "$d3")" = "lost 2026-06-30"
check "the backfill is not a change of today: version and last change kept" \
    sql_is "select string_agg(id || ':' || version || ':' || updated_at, ',' order by id)
              from opportunities where id in ($d8, $d9)" "$before"
check "... nor audited or announced" \
    test "$(q "select count(*) from audit where entity = 'opportunities'")/$(q "select count(*) from events where entity = 'opportunities'")" = "$audits/$events"
# (from the day after tomorrow: a writer's today is at most a day ahead of the server's UTC one)
check "the pipeline report counts the win in January, none ahead" \
    test "$(q "select coalesce(sum(deals), 0) from ccrm_report_pipeline(current_date + 2, current_date + 400)
                where stage in ('won', 'lost')")/$(q "select coalesce(sum(deals), 0) from ccrm_report_pipeline(date '2026-01-01', date '2026-02-01') where stage = 'won'")" = "0/1"
check "the trigger fires on a change of the close date (after the migration, as before)" \
    sql_is "select pg_get_triggerdef(oid) like '%UPDATE OF stage, close_date ON public.opportunities%'
              from pg_trigger where tgname = 'ccrm_rule_stage'" t
done_testing
