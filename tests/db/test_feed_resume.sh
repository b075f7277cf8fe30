#!/usr/bin/env bash
# `ccrm --feed` with a reader that stops: every event exactly once when the feed's backend is
# killed while a catch-up of 20,000 events waits on a paused reader (once meant once per read,
# not per event), no statement_timeout while the reader sleeps, a resumable position (--state,
# and the cursor in every JSON line for --since), and the order within one read: transaction by
# transaction, in the order they began writing.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_resume.sh path/to/ccrm}

pg_start_demo "$CCRM" 5
# a short statement_timeout: a catch-up that held a statement open while the reader sleeps
# would be cancelled within the test's time
mkdir -p "$TEST_TMP/etc"
printf '[database]\nstatement_timeout_ms = 1000\n' >"$TEST_TMP/ccrm.ini"

feed_count() { # APPNAME: backends of that name
    psqlc -c "select count(*) from pg_stat_activity where application_name = '$1'"
}
wait_no_backend() { # APPNAME: until no backend has that name
    local i
    for ((i = 0; i < 1200; i++)); do [ "$(feed_count "$1")" = 0 ] && return 0; sleep 0.05; done
    return 1
}
now() { psqlc -c "select clock_timestamp()"; }
# write N events straight into the table (the data triggers would cost minutes for 20,000):
# statements of 20 events, 10 statements a transaction, each transaction rings the doorbell
write_events() { # N PREFIX
    psqlc -c "do \$\$ begin for i in 0..$(($1 / 20 - 1)) loop
                insert into events (actor, entity, op, summary)
                  select 'writer', 'accounts', 'insert', '$2 ' || (i * 20 + g) from generate_series(1, 20) g;
                if i % 10 = 9 then perform pg_notify('ccrm', ''); commit; end if;
              end loop; end \$\$"
}
wait_lines() { # FILE N [SECONDS]
    local i
    for ((i = 0; i < ${3:-60} * 10; i++)); do
        [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    echo "# $(wc -l <"$1") lines in $1, waited for $2" >&2
    return 1
}
ids_of() { sed -n 's/^{"id" : \([0-9]*\), .*/\1/p' "$1"; }
want_ids() { # PREFIX
    psqlc -c "select id from events where summary like '$1 %' order by id"
}
check_exact() { # WHAT FILE PREFIX
    local got want dup
    want=$(want_ids "$3" | wc -l)
    got=$(grep -c "\"summary\" : \"$3 " "$2")
    dup=$(grep "\"summary\" : \"$3 " "$2" | sed 's/^{"id" : \([0-9]*\),.*/\1/' | sort | uniq -d | wc -l)
    check "$1: $want written, $got lines, $dup twice" test "$got" = "$want" -a "$dup" = 0
    want_ids "$3" >"$TEST_TMP/want"
    grep "\"summary\" : \"$3 " "$2" | sed 's/^{"id" : \([0-9]*\),.*/\1/' | sort -n >"$TEST_TMP/got"
    check "$1: the delivered ids are the table's" cmp -s "$TEST_TMP/want" "$TEST_TMP/got"
}

# ---- 1. a killed backend while a catch-up of 20,000 events waits on a paused reader ----
mkfifo "$TEST_TMP/p1"
"$CCRM" -d "$PG_CONN application_name=feed-kill" --feed --follow --limit 0 \
    --format jsonl >"$TEST_TMP/p1" 2>"$TEST_TMP/f1.err" &
f1=$!
on_exit "kill -CONT $f1; kill $f1"
exec 5<"$TEST_TMP/p1" # the reader: open, not reading yet
# (its position taken: the events below come after it, not before)
wait_feed_read feed-kill || fail "the feed did not start"
# stopped while the events are written, the feed catches up on all of them in one go, and
# stalls on the full pipe with most of them still to come
kill -STOP $f1
write_events 20000 "Catchup"
t=$(now)
kill -CONT $f1
# its first batch read (500 lines, more than the pipe holds): it stalls writing them
wait_feed_read feed-kill "$t" || fail "the feed did not read the catch-up"
psqlc -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'feed-kill'" >/dev/null
wait_no_backend feed-kill || fail "the feed's backend did not end"
: >"$TEST_TMP/f1"
cat <&5 >>"$TEST_TMP/f1" &
reader=$!
exec 5<&-
wait_lines "$TEST_TMP/f1" 20000 120
check "the feed is still running after the kill and the pause" kill -0 $f1
check_exact "a killed backend during a paused catch-up" "$TEST_TMP/f1" Catchup
check "it said it reconnected" grep -q "reconnected" "$TEST_TMP/f1.err"
kill $f1
wait $f1 2>/dev/null
wait $reader 2>/dev/null

# ---- 2. a reader that sleeps longer than the statement timeout ----
mkfifo "$TEST_TMP/p2"
"$CCRM" -c "$TEST_TMP/ccrm.ini" -d "$PG_CONN application_name=feed-slow" --feed --follow --limit 0 \
    --format jsonl >"$TEST_TMP/p2" 2>"$TEST_TMP/f2.err" &
f2=$!
on_exit "kill -CONT $f2; kill $f2"
exec 6<"$TEST_TMP/p2"
wait_feed_read feed-slow || fail "the feed did not start"
kill -STOP $f2
write_events 10000 "Slow"
t=$(now)
kill -CONT $f2
wait_feed_read feed-slow "$t" || fail "the feed did not read the catch-up"
sleep 3 # three statement timeouts with the reader asleep and the catch-up in the middle
: >"$TEST_TMP/f2"
cat <&6 >>"$TEST_TMP/f2" &
reader=$!
exec 6<&-
wait_lines "$TEST_TMP/f2" 10000 120
check "a reader asleep for 3 statement timeouts: the feed is still running" kill -0 $f2
check_exact "a sleeping reader" "$TEST_TMP/f2" Slow
check "no statement was cancelled" bash -c "! grep -q 'statement timeout' '$TEST_TMP/f2.err'"
kill $f2
wait $f2 2>/dev/null
wait $reader 2>/dev/null

# ---- 3. --state: a consumer stopped in the middle of a catch-up continues exactly there ----
"$CCRM" -d "$PG_CONN" --feed --limit 0 --state "$TEST_TMP/state" >/dev/null # the position: now
check "--state writes the position" grep -q '^cursor v1[.]' "$TEST_TMP/state"
write_events 3000 "Stated"
mkfifo "$TEST_TMP/p3"
"$CCRM" -d "$PG_CONN" --feed --follow --format jsonl --state "$TEST_TMP/state" >"$TEST_TMP/p3" \
    2>"$TEST_TMP/f3.err" &
f3=$!
exec 7<"$TEST_TMP/p3"
# read 700 lines and no byte more (head would read ahead and drop what it read past them)
for ((i = 0; i < 700; i++)); do IFS= read -r l <&7 && printf '%s\n' "$l"; done >"$TEST_TMP/f3a"
# a second feed on the same state file (it would print the same events and race on FILE.tmp),
# named by another path; no lock file is left beside it
timeout 20 "$CCRM" -d "$PG_CONN" --feed --state "$TEST_TMP/../${TEST_TMP##*/}/state" >"$TEST_TMP/f3x" 2>"$TEST_TMP/f3x.err"
rc=$?
check "a second feed on a state file in use: exit 75 at once, nothing printed (exit $rc)" \
    bash -c "test $rc = 75 && test ! -s '$TEST_TMP/f3x' && grep -q 'in use by another feed' '$TEST_TMP/f3x.err'"
kill -TERM $f3 # stopped mid-stream, with lines it printed still in the pipe
cat <&7 >>"$TEST_TMP/f3a"
exec 7<&-
wait $f3
check "SIGTERM ends the feed with exit 0" test $? = 0
n1=$(wc -l <"$TEST_TMP/f3a")
check "the first run stopped in the middle ($n1 lines)" test "$n1" -ge 700 -a "$n1" -lt 3000
write_events 400 "Stated"
"$CCRM" -d "$PG_CONN" --feed --format jsonl --state "$TEST_TMP/state" >"$TEST_TMP/f3b"
cat "$TEST_TMP/f3a" "$TEST_TMP/f3b" >"$TEST_TMP/f3"
check_exact "two runs with --state" "$TEST_TMP/f3" Stated
check "the lock is free once the feed ended" "$CCRM" -d "$PG_CONN" --feed --limit 0 --state "$TEST_TMP/state"
check "no file beside the state file but it" test "$(ls "$TEST_TMP" | grep -c '^state')" = 1

# ---- 4. --since from any JSON line: the rest, exactly ----
line=$((n1 / 2))
cursor=$(sed -n "${line}p" "$TEST_TMP/f3" | sed 's/.*"cursor" : "\([^"]*\)".*/\1/')
"$CCRM" -d "$PG_CONN" --feed --format jsonl --since "$cursor" >"$TEST_TMP/f4"
check "--since the cursor of line $line gives the lines after it" \
    bash -c "diff <(tail -n +$((line + 1)) '$TEST_TMP/f3' | grep -o '^{\"id\" : [0-9]*') <(grep -o '^{\"id\" : [0-9]*' '$TEST_TMP/f4') >/dev/null"
"$CCRM" -d "$PG_CONN" --feed --since "v1.1.1.1:1:" 2>"$TEST_TMP/err"
check "--since with a damaged cursor: exit 64, says why" \
    bash -c "test $? = 64 && grep -q 'not a ccrm event cursor' '$TEST_TMP/err'"

# ---- 5. the order within one read: transaction by transaction, by when they began writing ----
"$CCRM" -d "$PG_CONN application_name=feed-order" --feed --follow --limit 0 --format jsonl \
    >"$TEST_TMP/f5" 2>/dev/null &
f5=$!
on_exit "kill -CONT $f5; kill $f5"
wait_feed_read feed-order || fail "the feed did not start"
kill -STOP $f5 # everything below lands in one read
mkfifo "$TEST_TMP/t1.in"
psql -X -q -v ON_ERROR_STOP=1 "$PG_CONN" <"$TEST_TMP/t1.in" >"$TEST_TMP/t1.out" 2>&1 &
exec 8>"$TEST_TMP/t1.in"
t1_said() { # WORD: T1's session has got that far
    local i
    for ((i = 0; i < 1200; i++)); do grep -q "$1" "$TEST_TMP/t1.out" && return 0; sleep 0.05; done
    cat "$TEST_TMP/t1.out" >&2
    return 1
}
echo "begin; insert into accounts (name) values ('Order T1 first'); select 't1-a';" >&8
t1_said t1-a || fail "T1 did not write"
psqlc -c "insert into accounts (name) values ('Order T2')"
echo "insert into accounts (name) values ('Order T1 second'); commit; select 't1-b';" >&8
t1_said t1-b || fail "T1 did not commit"
exec 8>&-
psqlc -c "insert into accounts (name) values ('Order T3')"
kill -CONT $f5
wait_lines "$TEST_TMP/f5" 4
order=$(sed -n 's/.*"summary" : "Order \([^"]*\)".*/\1/p' "$TEST_TMP/f5" | tr '\n' '|')
check "one read: T1's events together, then T2, then T3 (got: $order)" \
    test "$order" = "T1 first|T1 second|T2|T3|"
check "the ids interleave (so id order would have split T1)" \
    test "$(psqlc -c "select string_agg(summary, '|' order by id) from events where summary like 'Order %'")" = "Order T1 first|Order T2|Order T1 second|Order T3"
check "--help states the order" bash -c "'$CCRM' --help | grep -q 'transaction by transaction'"

done_testing
