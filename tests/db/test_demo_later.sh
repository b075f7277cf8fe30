#!/usr/bin/env bash
# A demo loaded months or years after 2026 is alive, as one loaded on 2026-12-07: its history is
# told from the day of the load (src/db/demo.sql, pg_temp.ccrm_demo_t0). The server's clock is
# set forward with libfaketime (its LD_PRELOAD and FAKETIME given to the postmaster only, so
# that now() and current_date are the later day's; the client and psql keep the real clock);
# for each day the Response times and Tickets by product reports (as `ccrm --report` runs them,
# with their default windows of the last 12 weeks) have figures, no campaign is active past its
# end or before its start and their names fit their dates, the tickets came in weeks before the
# load, no won or lost deal closes after it, and the business calendars list the holidays of
# the load's year and the next. (Loaded with the days of 2026 it went dead from 2027-01-04 on:
# empty reports, campaigns active long after their ends, tickets a year old.)
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_demo_later.sh path/to/ccrm}

FT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FT" ] || fail "libfaketime is not installed (Debian's libfaketime: scripts/deps installs it)"

# start_at 'YYYY-MM-DD HH:MM': a fresh migrated cluster whose server's clock reads that time (UTC)
# and runs on from it. The copy of the migrated cluster is made on the real clock: its cache
# clears what is older than half a day, which on a clock years ahead would be every build's.
# libfaketime keeps a semaphore and a shared memory segment in /dev/shm for the processes of
# the one that loaded it first (pg_ctl here, as the server's user), which nobody removes: the
# server's are removed once it stopped.
start_at() {
    local secs shared
    pg_stop
    as_pg rm -rf "$PG_DIR/data"
    pg_start_migrated "$CCRM"
    pg_stop
    # (the real clock's time: this test may itself run under libfaketime, on another day)
    secs=$(($(date -u -d "$1 UTC" +%s) - $(env -u LD_PRELOAD -u FAKETIME date -u +%s)))
    as_pg env -u FAKETIME_SHARED FAKETIME="+$secs" LD_PRELOAD="$FT" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w \
        -l "$PG_DIR/log" -o "-k $PG_DIR -c listen_addresses= -c fsync=off -c max_connections=200" \
        start >/dev/null || { cat "$PG_DIR/log"; fail "could not start the test cluster at $1"; }
    shared=$(tr '\0' '\n' <"/proc/$(head -n 1 "$PG_DIR/data/postmaster.pid")/environ" |
        sed -n 's/^FAKETIME_SHARED=//p')
    for f in $shared; do
        [[ $f == /faketime_s[eh]m_[0-9]* ]] || continue
        on_exit "rm -f /dev/shm/${f#/} /dev/shm/sem.${f#/}"
    done
}

# holidays CALENDAR YEAR: that calendar's holidays in that year, comma-separated
holidays() {
    q "select string_agg(d::text, ',' order by d) from calendars c, unnest(c.holidays) d
        where c.name = '$1' and extract(year from d) = $2"
}

on_exit "pg_stop"   # (the last clock's server: stopped before its files in /dev/shm go)
for at in '2027-03-28 10:00' '2028-01-10 09:30'; do
    day=${at% *}
    year=${day%%-*}
    start_at "$at"
    check "$day: the server's clock reads $day" sql_is "select current_date" "$day"
    "$CCRM" -d "$PG_CONN" --demo --scale 60 >"$TEST_TMP/demo.out" 2>&1 ||
        { cat "$TEST_TMP/demo.out" >&2; fail "$day: the demo loads"; }
    ok "$day: the demo loads"

    # the reports, as the client runs them (db_report_write), in their default windows
    "$CCRM" -d "$PG_CONN" --report response_times --format jsonl >"$TEST_TMP/rt" ||
        fail "$day: --report response_times"
    weeks=$(grep -c '"first_response_p50_h":[0-9]' "$TEST_TMP/rt")
    check "$day: Response times has weeks with a median first response ($weeks of $(wc -l <"$TEST_TMP/rt"))" \
        test "$weeks" -ge 3
    answered=$(q "select coalesce(sum(answered), 0) from ccrm_report_response_times(null, null)")
    check "$day: ... and answered tickets in its window ($answered)" test "$answered" -ge 10
    "$CCRM" -d "$PG_CONN" --report tickets_by_product --format jsonl >"$TEST_TMP/tp" ||
        fail "$day: --report tickets_by_product"
    opened=$(q "select coalesce(sum(opened), 0) from ccrm_report_tickets_by_product(null, null)")
    check "$day: Tickets by product has rows ($(wc -l <"$TEST_TMP/tp")) and opened tickets ($opened)" \
        test "$(wc -l <"$TEST_TMP/tp")" -ge 5 -a "$opened" -ge 30
    check "$day: ... in several weeks" \
        test "$(q "select count(distinct week) from ccrm_report_tickets_by_product(null, null)")" -ge 3

    # campaigns: their status is what their dates say, every state is there
    check "$day: no campaign is active past its end or before its start" \
        sql_is "select count(*) from campaigns where status = 'active'
                  and (ends_on < current_date or starts_on > current_date)" 0
    check "$day: no campaign is planned that has begun" \
        sql_is "select count(*) from campaigns where status = 'planned' and starts_on <= current_date" 0
    check "$day: campaigns active, completed and planned" \
        sql_is "select string_agg(distinct status, ',' order by status) from campaigns" \
        "active,completed,planned"
    check "$day: the Pro plan upsell campaign is running, with responses in the last weeks" \
        sql_is "select count(*) > 20 and max(r.at) > now() - interval '60 days' and max(r.at) < now()
                  from campaign_responses r join campaigns c on c.id = r.campaign_id
                 where c.name like 'Pro Plan Upsell %' and c.status = 'active'" t
    check "$day: a name with a year says its start's year" \
        sql_is "select count(*) from campaigns where name ~ '20[0-9][0-9]$'
                  and right(name, 4) <> extract(year from starts_on)::text" 0
    check "$day: a name with a season says its start's season" \
        sql_is "select count(*) from campaigns where name ~ '(Spring|Summer|Autumn|Winter)'
                  and substring(name from '(Spring|Summer|Autumn|Winter)')
                      <> (array['Winter', 'Spring', 'Summer', 'Autumn'])[1 + (extract(month from starts_on)::int % 12) / 3]" 0

    # the history is weeks old, not months or years
    check "$day: the support tickets came in 7 to 12 weeks ago" \
        sql_is "select min(created_at) > now() - interval '12 weeks' and max(created_at) < now() - interval '7 weeks'
                  from tickets t where not exists (select 1 from sla_clocks k where k.ticket_id = t.id)" t
    check "$day: sales met customers in the last seven weeks" \
        sql_is "select count(*) > 10 from interactions where kind = 'meeting' and at > now() - interval '7 weeks'
                  and at < now()" t
    check "$day: the deals' open tasks are due around the load, at most two days overdue, most ahead" \
        sql_is "select count(*) > 5 and min(due_at) > now() - interval '3 days'
                       and count(*) filter (where due_at > now()) * 2 > count(*)
                  from interactions where kind = 'task' and opportunity_id is not null and done_at is null" t
    check "$day: nothing happened after the load" \
        sql_is "select (select count(*) from interactions where at > now())
                     + (select count(*) from campaign_responses where at > now())
                     + (select count(*) from messages where coalesce(sent_at, received_at) > now())" 0
    check "$day: no won or lost deal closes after the day of the load" \
        sql_is "select count(*) from opportunities where stage in ('won', 'lost') and close_date > current_date" 0
    check "$day: deals were won in the last three months" \
        sql_is "select count(*) > 0 from opportunities where stage = 'won' and close_date > current_date - 90" t
    check "$day: open deals expect to close ahead" \
        sql_is "select count(*) > 5 from opportunities where stage not in ('won', 'lost') and close_date > current_date" t

    # the business calendars know this year's holidays and the next's
    for y in "$year" $((year + 1)); do
        n=$(holidays 'Berlin office' "$y" | tr ',' '\n' | grep -c .)
        check "$day: Berlin's calendar lists the 9 holidays of $y ($n)" test "$n" = 9
        n=$(holidays 'New York office' "$y" | tr ',' '\n' | grep -c .)
        check "$day: New York's calendar lists the 6 holidays of $y ($n)" test "$n" = 6
    done
    if [ "$year" = 2028 ]; then
        check "2028 in Berlin: Easter is on 16 April" sql_is "select '$(holidays 'Berlin office' 2028)'" \
            "2028-01-01,2028-04-14,2028-04-17,2028-05-01,2028-05-25,2028-06-05,2028-10-03,2028-12-25,2028-12-26"
        check "2028 in New York: Independence Day on Tuesday, Thanksgiving the fourth Thursday" \
            sql_is "select '$(holidays 'New York office' 2028)'" \
            "2028-01-01,2028-05-29,2028-07-04,2028-09-04,2028-11-23,2028-12-25"
    fi
done

done_testing
