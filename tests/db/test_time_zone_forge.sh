#!/usr/bin/env bash
# A time zone kept in calendars and inbox_settings is one of the server's zone files, named as
# the server names it, whatever the session set: ccrm_time_zone_name() looks a typed name up in
# the server's names, read once a session into the setting ccrm.time_zone_names, which any
# session can set itself. A forged list (a zone that does not exist, a POSIX rule, an
# abbreviation, an offset, a name in the wrong case) let that string into the tables, where
# other readers (their agenda, quiet hours, the SLA spans, --tick) use it with AT TIME ZONE.
# Saved as the client saves (an INSERT or UPDATE of the column, as a demo user through psql):
#  - each forged name is refused, in the words of an unknown zone, and nothing is stored;
#  - a real zone typed in lower case is stored as the server names it, forged list or not;
#  - the list is still the session's (no reading of every zone file per save): a real zone
#    left out of a forged list is refused, in that session only;
#  - the caller's own TimeZone is left as it was.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_time_zone_forge.sh path/to/ccrm}

pg_start_demo "$CCRM" 3
# forged USER LIST SQL: SQL as USER in a session whose list of zone names is LIST (one a line)
forged() { as "$1" -c "set ccrm.time_zone_names = E'$2'" -c "$3" 2>&1; }
kenji_tz() { q "select time_zone from inbox_settings where login = 'kenji'"; }

check "kenji's own zone is Europe/Berlin" test "$(kenji_tz)" = Europe/Berlin
for bogus in 'Mars/Olympus' 'ABC-3' 'EST5' 'PST' '+05' 'right/UTC' 'Europe'; do
    out=$(forged kenji "UTC\\n$bogus\\nEurope/Berlin" \
        "update inbox_settings set time_zone = '$bogus' returning time_zone")
    check "inbox_settings, \"$bogus\" in a forged list: refused ($(head -1 <<<"$out"))" \
        grep -qF "ERROR:  unknown time zone \"$bogus\"" <<<"$out"
    check "...nothing stored" test "$(kenji_tz)" = Europe/Berlin
    out=$(forged mia "$bogus" \
        "insert into calendars (name, time_zone) values ('Forged $bogus', '$bogus') returning time_zone")
    check "calendars, \"$bogus\" in a forged list: refused ($(head -1 <<<"$out"))" \
        grep -qF "ERROR:  unknown time zone \"$bogus\"" <<<"$out"
done
check "...no calendar made" sql_is "select count(*) from calendars where name like 'Forged %'" 0

# a name in another case than the server's: it is not the server's name
out=$(forged kenji 'asia/tokyo' "update inbox_settings set time_zone = 'asia/tokyo' returning time_zone")
check "a lower-case name in a forged list is not kept as it is ($(head -1 <<<"$out"))" \
    test "$(kenji_tz)" != asia/tokyo

# real zones, typed in lower case
tz=$(as kenji -c "update inbox_settings set time_zone = 'asia/tokyo' returning time_zone" | head -1)
check "a real zone in lower case is stored as the server names it ($tz)" test "$tz" = Asia/Tokyo
out=$(forged kenji 'UTC\nEurope/Berlin' "update inbox_settings set time_zone = ' europe/berlin' returning time_zone")
check "...also in a session with a list of its own ($out)" test "$out" = Europe/Berlin
out=$(forged kenji 'UTC\nEurope/Berlin' "update inbox_settings set time_zone = 'Asia/Tokyo' returning time_zone")
check "that session's list is what is read: a zone left out of it is refused ($(head -1 <<<"$out"))" \
    grep -qF 'ERROR:  unknown time zone "Asia/Tokyo"' <<<"$out"
cal=$(as mia -c "insert into calendars (name, time_zone) values ('Real zone', 'america/new_york') returning time_zone" | head -1)
check "a calendar's zone in lower case: as the server names it ($cal)" test "$cal" = America/New_York

# the caller's TimeZone is its own
out=$(as kenji -c "set timezone = 'Pacific/Auckland'" \
    -c "update inbox_settings set time_zone = 'europe/paris'" -c "show timezone")
check "the session's own TimeZone is left as it was ($out)" test "$out" = Pacific/Auckland

check "every zone kept is one of the server's names" \
    sql_is "select count(*) from (select time_zone from calendars union all
            select time_zone from inbox_settings) s(z)
             where z is not null and z not in (select name from pg_timezone_names)" 0
"$CCRM" -d "$PG_CONN" --tick >/dev/null 2>"$TEST_TMP/tick.err"
rc=$?
check "--tick reads them ($rc: $(head -1 "$TEST_TMP/tick.err"))" test $rc = 0
done_testing
