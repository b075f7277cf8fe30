#!/usr/bin/env bash
# An export imports back as it was written: a time of an old date, which PostgreSQL writes with
# the zone's local mean time as its offset, seconds and all (Europe/Amsterdam before 1937:
# "1930-05-01 11:00:00+00:19:32"), was refused by the import's check of times.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_round_trip.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 3
imp() { "$CCRM" -d "$PG_CONN user=sam" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }

# ---- a local mean time's offset, with seconds ----
i=$(q "select min(id) from interactions")
q "update interactions set at = '1930-05-01 10:40:28+00', subject = 'Old times' where id = $i" >/dev/null
PGTZ=Europe/Amsterdam "$CCRM" -d "$PG_CONN user=sam" --export interactions --output "$T/i.csv" ||
    fail "export interactions"
check "the export writes the old time with its offset's seconds" \
    grep -q "Old times,.*,1930-05-01 11:00:00+00:19:32," "$T/i.csv"
{ head -1 "$T/i.csv"; grep "Old times" "$T/i.csv"; } >"$T/old.csv"
q "delete from interactions where id = $i" >/dev/null
PGTZ=Europe/Amsterdam imp "$T/old.csv" --into interactions
check "... and imports back (rc $rc)" test $rc = 0 || say
check "... as the same time" \
    test "$(q "select count(*) from interactions where subject = 'Old times' and at = '1930-05-01 10:40:28+00'")" = 1
done_testing
