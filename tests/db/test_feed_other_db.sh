#!/usr/bin/env bash
# A feed position of another database of the same cluster (`--since`, `--state`): refused (exit
# 65), as one of another cluster is. Transaction ids are the cluster's, events each database's
# own: before, a position of one database was taken on another, whose events its snapshot
# counted as delivered. A copy (CREATE DATABASE ... TEMPLATE) has the same events, so nothing
# looked amiss at all, and what was written in the copy before the position was taken never
# came; a database of other events was "a changed history" and the feed went on with it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_other_db.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 2
q "create database ccrm_copy template ccrm" || fail "the copy"
COPY="host=$PG_DIR user=postgres dbname=ccrm_copy"
# written in the copy, then a position is taken in the original
psqlc "host=$PG_DIR user=sam dbname=ccrm_copy" -c \
    "insert into tickets (subject) values ('Copy only ticket')" >/dev/null || fail "the copy's ticket"
"$CCRM" -d "$PG_CONN" --feed --format jsonl --limit 1 >"$T/one" || fail "a position"
cursor=$(sed -n 's/.*"cursor" *: *"\([^"]*\)".*/\1/p' "$T/one" | tail -n 1)
check "a position is printed" test -n "$cursor"

"$CCRM" -d "$COPY" --feed --since "$cursor" >"$T/out" 2>"$T/err"
rc=$?
check "--since a position of another database: exit 65 (was $rc: $(head -c 300 "$T/err"))" test "$rc" = 65
check "... it says why" grep -q "another database" "$T/err"
check "... and prints no event" test ! -s "$T/out"

"$CCRM" -d "$PG_CONN" --feed --limit 0 --state "$T/state" >/dev/null || fail "a state file"
"$CCRM" -d "$COPY" --feed --state "$T/state" >"$T/out" 2>"$T/err"
rc=$?
check "--state of another database: exit 65 (was $rc: $(head -c 300 "$T/err"))" test "$rc" = 65
check "... and prints no event" test ! -s "$T/out"

# the position on its own database, and one of an older version (no OID): as before
as sam -c "insert into tickets (subject) values ('Original ticket')" >/dev/null
"$CCRM" -d "$PG_CONN" --feed --since "$cursor" >"$T/out" 2>"$T/err"
check "--since on its own database: the new ticket, once ($(head -c 300 "$T/err"))" \
    test "$(grep -c 'tickets #[0-9]*  new: Original ticket$' "$T/out")" = 1
old=$(sed 's/^\(v1\.[0-9]*\)-[0-9]*\./\1./' <<<"$cursor")
check "an older position has no OID to compare" test "$old" != "$cursor"
"$CCRM" -d "$PG_CONN" --feed --since "$old" >"$T/out" 2>"$T/err"
check "... and is taken on its database as before ($(head -c 300 "$T/err"))" \
    test "$(grep -c 'tickets #[0-9]*  new: Original ticket$' "$T/out")" = 1
done_testing
