#!/usr/bin/env bash
# A partner's feed across an unshare (schema/098): the events it delivered of an account that
# is no longer shared with him are not "gone from the server's history". Before, the history
# check after a reconnect or a new run asked through row-level security, took them for lost
# (a failover), said "the server's history changed" and delivered events again.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_unshare.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 5
ORG='Nordlicht Reseller GmbH'
A=$(as sam -c "insert into accounts (name) values ('Unshare Feed A') returning id" | head -n 1)
B=$(as sam -c "insert into accounts (name) values ('Unshare Feed B') returning id" | head -n 1)
for x in "$A" "$B"; do "$CCRM" -d "$PG_CONN" --share "$x" --partner "$ORG" >/dev/null || fail "share $x"; done
PAUL="$PG_CONN user=paul"
"$CCRM" -d "$PAUL" --feed --limit 0 --state "$T/state" >/dev/null || fail "the partner's position"

# B's ticket first, A's last: the newest event the partner is given is A's
as sofia -c "insert into tickets (subject, account_id) values ('Feed B one', $B)" >/dev/null
as sofia -c "insert into tickets (subject, account_id) values ('Feed A one', $A)" >/dev/null
"$CCRM" -d "$PAUL" --feed --state "$T/state" >"$T/run1" 2>"$T/run1.err"
check "run 1: the partner gets both tickets" \
    bash -c "grep -q 'Feed B one' '$T/run1' && grep -q 'Feed A one' '$T/run1'"

"$CCRM" -d "$PG_CONN" --unshare "$A" --partner "$ORG" >/dev/null || fail "unshare"
as sofia -c "insert into tickets (subject, account_id) values ('Feed B two', $B)" >/dev/null
"$CCRM" -d "$PAUL" --feed --state "$T/state" >"$T/run2" 2>"$T/run2.err"
check "run 2 after the unshare: no word of a changed history ($(head -c 300 "$T/run2.err"))" \
    bash -c "! grep -q 'history changed' '$T/run2.err'"
check "... exactly the one new event of the account still shared ($(tr '\n' '|' <"$T/run2"))" \
    bash -c "test \"\$(wc -l <'$T/run2')\" = 1 && grep -q 'Feed B two' '$T/run2'"
check "... and the partner still reads nothing of the unshared account" \
    test "$(as paul -c "select count(*) from events where account_id = $A")" = 0

# the function answers only what the caller names exactly
check "the survived check names no event a caller cannot name (an id alone finds nothing)" \
    test "$(as paul -c "select coalesce(ccrm_events_survived(array[(select max(id) from events)], array['1'::xid8], array[0::bigint])::text, 'none')")" = none
done_testing
