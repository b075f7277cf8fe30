#!/usr/bin/env bash
# --revert against writers in flight (schema/096): a colleague's change of an imported row, or
# a record hung on one, committed while the revert runs, is either seen and the revert refused,
# or waits for it; it is never overwritten or deleted by a revert that says it went well.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_revert_race.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 3
SAM="$PG_CONN user=sam"

# hold SQL: a psql session of LOGIN fed through a FIFO (fd 8), its output in $T/held.out
hold() {
    rm -f "$T/held.in"
    mkfifo "$T/held.in"
    psql -X -q -v ON_ERROR_STOP=1 "$PG_CONN user=$1" <"$T/held.in" >"$T/held.out" 2>&1 &
    held=$!
    exec 8>"$T/held.in"
}
said() { # WORD: the held session has got that far
    local i
    for ((i = 0; i < 400; i++)); do grep -q "$1" "$T/held.out" && return 0; nap; done
    cat "$T/held.out" >&2
    return 1
}
# the revert in the background, until it waits for a lock
revert_waiting() { # BATCH
    "$CCRM" -d "$SAM" --revert "$1" >"$T/rev.out" 2>"$T/rev.err" &
    rev=$!
    local i
    for ((i = 0; i < 400; i++)); do
        [ "$(psqlc -c "select count(*) from pg_stat_activity where usename = 'sam'
                       and wait_event_type = 'Lock'")" = 1 ] && return 0
        nap
    done
    return 1
}
batch_of() { psqlc -c "select max(id) from import_batches where file_name = '$1'"; }
# race LOGIN SQL BATCH: LOGIN runs SQL in an open transaction, the revert of BATCH starts and
# waits for its lock, LOGIN commits; the revert's exit status in rc
race() {
    hold "$1"
    echo "begin; $2; select 'in-flight';" >&8
    said in-flight || fail "$1's write"
    revert_waiting "$3" || fail "the revert did not wait for $1's lock ($(cat "$T/rev.err"))"
    echo "commit; select 'committed';" >&8
    said committed || fail "$1's commit"
    exec 8>&-
    wait $held
    wait $rev
    rc=$?
}

# ---- 1. an imported contact changed by someone while the revert runs ----
printf 'email,first_name,last_name\nrace1@example.org,Rita,Race\n' >"$T/c1.csv"
"$CCRM" -d "$SAM" --import "$T/c1.csv" --into contacts --quiet >/dev/null || fail "import c1"
b1=$(batch_of c1.csv)
race sofia "update contacts set title = 'edit by sofia' where email = 'race1@example.org'" "$b1"
check "a revert that met a colleague's change in flight is refused (exit $rc: $(cat "$T/rev.err"))" \
    bash -c "test $rc = 65 && grep -q 'changed after the import by sofia' '$T/rev.err'"
check "... her change is kept" \
    test "$(psqlc -c "select title from contacts where email = 'race1@example.org'")" = "edit by sofia"
check "... and the batch is not reverted" \
    test "$(psqlc -c "select reverted_at is null from import_batches where id = $b1")" = t

# ---- 2. an update import's row changed while the revert runs: not put back over it ----
cid=$(psqlc -c "select id from contacts where email is not null and email <> 'race1@example.org' order by id limit 1")
email=$(psqlc -c "select email from contacts where id = $cid")
printf 'email,title\n%s,Imported title\n' "$email" >"$T/c2.csv"
"$CCRM" -d "$SAM" --import "$T/c2.csv" --into contacts --on-conflict update --quiet >/dev/null || fail "import c2"
b2=$(batch_of c2.csv)
race sofia "update contacts set phone = '+49 30 1234567' where id = $cid" "$b2"
check "an update import's revert that met a change in flight is refused (exit $rc)" test $rc = 65
check "... the phone sofia saved stays" \
    test "$(psqlc -c "select phone from contacts where id = $cid")" = "+49 30 1234567"

# ---- 3. a deal put on an imported account while the revert runs ----
printf 'name,domain\nRace Account Ltd,race-account.example\n' >"$T/a.csv"
"$CCRM" -d "$SAM" --import "$T/a.csv" --into accounts --quiet >/dev/null || fail "import a"
b3=$(batch_of a.csv)
aid=$(psqlc -c "select id from accounts where domain = 'race-account.example'")
race juergen "insert into opportunities (name, account_id) values ('Race deal', $aid)" "$b3"
check "a deal hung on an imported account during the revert: refused (exit $rc: $(cat "$T/rev.err"))" \
    bash -c "test $rc = 65 && grep -q 'did not come with the import' '$T/rev.err'"
check "... the deal is there" \
    test "$(psqlc -c "select count(*) from opportunities where name = 'Race deal'")" = 1

# ---- 4. nothing in the way: the revert goes through ----
printf 'email,first_name\nrace4@example.org,Quiet\n' >"$T/c4.csv"
"$CCRM" -d "$SAM" --import "$T/c4.csv" --into contacts --quiet >/dev/null || fail "import c4"
"$CCRM" -d "$SAM" --revert "$(batch_of c4.csv)" >"$T/rev.out" 2>"$T/rev.err"
check "an untouched batch reverts (exit $?: $(cat "$T/rev.out" "$T/rev.err"))" \
    test "$(psqlc -c "select count(*) from contacts where email = 'race4@example.org'")" = 0

done_testing
