#!/usr/bin/env bash
# `ccrm --feed` and the ends of its pipe and of its --state file: `--follow | head -1` on a quiet
# database ends when head does (it watches standard output while it waits, as tail -f does),
# also while it waits to reconnect; an empty state file (mktemp, touch) is no position yet; a
# state file that cannot be written is found before anything is printed.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_pipe.sh path/to/ccrm}

pg_start_migrated "$CCRM"
# one event, so that head gets its line from the history and nothing else comes
q "insert into events (actor, entity, op, summary) values ('writer', 'accounts', 'insert', 'Quiet 1')"

# ---- 1. --follow | head -1 on a quiet database ----
start=$SECONDS
timeout 20 "$CCRM" -d "$PG_CONN" --feed --follow --limit 1 2>"$TEST_TMP/f1.err" |
    head -1 >"$TEST_TMP/f1"
st=("${PIPESTATUS[@]}")
check "--follow | head -1: ccrm ended with status 0 (got ${st[0]}, 124: still running after 20 s)" \
    test "${st[0]}" = 0
check "--follow | head -1: it ended within a few seconds ($((SECONDS - start)) s)" \
    test $((SECONDS - start)) -le 10
check "--follow | head -1: head got the event" grep -q "Quiet 1" "$TEST_TMP/f1"
check "--follow | head -1: nothing on standard error" test ! -s "$TEST_TMP/f1.err"

# ---- 2. an empty state file: as without one ----
state=$(mktemp "$TEST_TMP/state.XXXXXX")
"$CCRM" -d "$PG_CONN" --feed --state "$state" >"$TEST_TMP/s1" 2>"$TEST_TMP/s1.err"
rc=$?
check "an empty state file: status 0 (got $rc: $(cat "$TEST_TMP/s1.err"))" test $rc = 0
check "an empty state file: the latest events are printed" grep -q "Quiet 1" "$TEST_TMP/s1"
check "an empty state file: the position is saved in it" \
    grep -qx "ccrm feed state 1" "$state"
"$CCRM" -d "$PG_CONN" --feed --state "$state" >"$TEST_TMP/s2" 2>&1
rc=$?
check "run again: status 0, nothing printed twice (got $rc)" test $rc = 0 -a ! -s "$TEST_TMP/s2"
touch "$TEST_TMP/touched"
timeout 20 "$CCRM" -d "$PG_CONN" --feed --follow --state "$TEST_TMP/touched" 2>/dev/null |
    head -1 >"$TEST_TMP/s3"
check "a touched state file with --follow | head -1: the event" grep -q "Quiet 1" "$TEST_TMP/s3"

# ---- 3. a state file that cannot be written: nothing printed, exit 73 ----
for follow in "" --follow; do
    timeout 20 "$CCRM" -d "$PG_CONN" --feed $follow --state "$TEST_TMP/no/such/dir/state" \
        >"$TEST_TMP/u" 2>"$TEST_TMP/u.err"
    rc=$?
    check "an uncreatable state path ${follow:-without --follow}: exit 73 (got $rc)" test $rc = 73
    check "an uncreatable state path ${follow:-without --follow}: nothing printed" \
        test ! -s "$TEST_TMP/u"
    check "an uncreatable state path ${follow:-without --follow}: it says why" \
        grep -q "ccrm: could not write \"$TEST_TMP/no/such/dir/state\": No such file or directory" \
        "$TEST_TMP/u.err"
done
# a file left by a run that was killed mid-save does not stop the next one
mkdir "$TEST_TMP/k"
: >"$TEST_TMP/k/state.tmp"
"$CCRM" -d "$PG_CONN" --feed --state "$TEST_TMP/k/state" >/dev/null 2>&1
check "a left-over state.tmp: the position is saved" grep -qx "ccrm feed state 1" "$TEST_TMP/k/state"

# ---- 4. the reader goes away while the feed waits to reconnect ----
# the server stops after head's line, while the reader still holds the pipe: the feed goes
# into its reconnect backoff, then the reader leaves
start=$SECONDS
timeout 20 "$CCRM" -d "$PG_CONN" --feed --follow --limit 1 2>"$TEST_TMP/r.err" |
    {
        head -1 >"$TEST_TMP/r"
        pg_stop
        sleep 2
    }
st=("${PIPESTATUS[@]}")
check "reader gone while reconnecting: status 0 (got ${st[0]})" test "${st[0]}" = 0
check "reader gone while reconnecting: within a few seconds ($((SECONDS - start)) s)" \
    test $((SECONDS - start)) -le 12
check "reader gone while reconnecting: it was reconnecting" \
    grep -q "connection lost" "$TEST_TMP/r.err"

done_testing
