#!/usr/bin/env bash
# A closed deal's close date is the day it was won or lost: a deal marked won or lost (the
# Pipeline's >, the form, an import, psql) kept the close date it had, often the day expected,
# still ahead, or none, so the reports' won and lost by month counted it in the wrong month or
# by its last change. Now the database sets today's date when a deal enters won or lost,
# unless the same statement gives a new date; reopening leaves the date alone.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_deal_close_date.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
today=$(q "select current_date")
acc=$(q "select min(id) from accounts")
deal() { # STAGE CLOSE_DATE-SQL: a new deal of sam's, its id
    as sam -c "insert into opportunities (account_id, name, stage, amount, close_date, owner)
               values ($acc, 'Close probe ' || clock_timestamp()::text, '$1', 1000, $2, 'sam')
               returning id"
}
closed() { q "select coalesce(close_date::text, '') from opportunities where id = $1"; }
version() { q "select version from opportunities where id = $1"; }

# the Pipeline's >: the stage and the version read, nothing else
d1=$(deal negotiation "date '2099-03-01'")
as sam -c "update opportunities set stage = 'won', version = $(version "$d1") where id = $d1" >/dev/null
check "a deal moved to won (the Pipeline's statement) closes today, not on its expected day ($(closed "$d1"))" \
    test "$(closed "$d1")" = "$today"

d2=$(deal proposal "NULL")
as sam -c "update opportunities set stage = 'won' where id = $d2" >/dev/null
check "a deal with no close date moved to won closes today ($(closed "$d2"))" test "$(closed "$d2")" = "$today"

d3=$(deal negotiation "date '2099-03-01'")
as sam -c "update opportunities set stage = 'won', close_date = '2025-12-24' where id = $d3" >/dev/null
check "a close date given in the same statement is kept ($(closed "$d3"))" test "$(closed "$d3")" = 2025-12-24

d4=$(deal qualification "date '2099-03-01'")
as sam -c "update opportunities set stage = 'lost' where id = $d4" >/dev/null
check "a deal lost closes today too ($(closed "$d4"))" test "$(closed "$d4")" = "$today"

# the form writes only what changed: the close date set back in the same save is kept
d5=$(deal negotiation "date '2099-03-01'")
as sam -c "update opportunities set stage = 'won', close_date = NULL where id = $d5" >/dev/null
check "... and a deal won with its close date cleared closes today, not never ($(closed "$d5"))" \
    test "$(closed "$d5")" = "$today"

# reopening (the Pipeline's <) leaves the date alone, and closing a closed deal's other way
# (won to lost) is a new close
q "update opportunities set close_date = '2026-01-15' where id = $d1" >/dev/null
as sam -c "update opportunities set stage = 'negotiation' where id = $d1" >/dev/null
check "reopening keeps the close date ($(closed "$d1"))" test "$(closed "$d1")" = 2026-01-15
as sam -c "update opportunities set name = name || ' (renamed)', close_date = '2026-02-02' where id = $d3" >/dev/null
as sam -c "update opportunities set stage = 'won' where id = $d3" >/dev/null
check "writing the stage a deal has already is no close ($(closed "$d3"))" test "$(closed "$d3")" = 2026-02-02
as sam -c "update opportunities set stage = 'lost' where id = $d3" >/dev/null
check "won to lost closes it again, today ($(closed "$d3"))" test "$(closed "$d3")" = "$today"
as sam -c "update opportunities set amount = 2000 where id = $d3" >/dev/null
check "an edit of a closed deal's other fields leaves its date ($(closed "$d3"))" test "$(closed "$d3")" = "$today"

# inserts: a won deal with no date is closed today; one with a date (history, the demo) keeps it
d6=$(deal won "NULL")
check "a won deal inserted with no close date (psql) closes today ($(closed "$d6"))" test "$(closed "$d6")" = "$today"
d7=$(deal lost "date '2025-06-30'")
check "a lost deal inserted with its close date keeps it ($(closed "$d7"))" test "$(closed "$d7")" = 2025-06-30
d8=$(deal proposal "NULL")
check "an open deal inserted with no close date keeps none" test -z "$(closed "$d8")"

# the reports count them in this month
n=$(q "select won from ccrm_report_win_rate(date_trunc('month', current_date)::date, current_date + 1)")
want=$(q "select count(*) from opportunities where stage = 'won'
           and coalesce(close_date, updated_at::date) >= date_trunc('month', current_date)
           and coalesce(close_date, updated_at::date) <= current_date")
check "win_rate counts the deals won today in this month ($n of $want)" test "$n" -ge 3 -a "$n" = "$want"

# an import of a won deal without a close date is closed today too
T=$TEST_TMP
printf 'account,name,stage,amount,currency,close_date,owner\n%s,Imported close probe,won,500,EUR,,sam\n' \
    "$(q "select name from accounts where id = $acc")" >"$T/deals.csv"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sam" --import "$T/deals.csv" --into opportunities \
    >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] || fail_run "the import of a won deal" --import "$T/deals.csv" --into opportunities
imported=$(q "select close_date from opportunities where name = 'Imported close probe'")
check "an imported won deal with no close date closes today ($imported)" test "$imported" = "$today"

# an import batch that reopened a won deal, reverted: the deal is won again on its own day
d10=$(deal won "date '2026-01-20'")
B=$(as sam -c "begin" -c "select ccrm_import_begin('opportunities', 'reopen.csv')" \
    -c "update opportunities set stage = 'negotiation' where id = $d10" -c "commit" | head -n 1)
as sam -c "select ccrm_import_revert($B)" >/dev/null 2>&1
check "a reverted import's reopening puts the deal back won on its close date ($(closed "$d10"))" \
    test "$(q "select stage || ' ' || close_date from opportunities where id = $d10")" = "won 2026-01-20"

# the demo's closed deals keep the dates it gives them, spread over weeks (made today's, they
# would all share one; over weeks, not months: the demo's history is told from the day of the
# load, and at this scale its four closed deals lie in the three weeks before it)
spread=$(q "select count(distinct close_date) || ' ' || count(distinct date_trunc('week', close_date))
              || ' ' || count(*) filter (where close_date is null)
             from opportunities where stage in ('won', 'lost') and name not like '%probe%'")
check "the demo's won and lost deals keep their own dates, over weeks (days, weeks, none: $spread)" \
    test "${spread%% *}" -ge 4 -a "$(cut -d' ' -f2 <<<"$spread")" -ge 2 -a "${spread##* }" = 0

# the department rule still holds, and a refused close writes no date
d9=$(deal negotiation "date '2099-03-01'")
out=$(as renee -c "update opportunities set stage = 'won' where id = $d9" 2>&1 | head -n 1)
check "marketing still may not mark a deal won ($out)" grep -q "only sales" <<<"$out"
check "... and its close date is as it was" test "$(closed "$d9")" = 2099-03-01
done_testing
