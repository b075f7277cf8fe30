#!/usr/bin/env bash
# Batch side of the foundation: flags, exit codes (sysexits), configuration errors, an
# unreachable database, migrations (idempotent, concurrent, newer schema refused), demo data.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_cli.sh path/to/ccrm}

out=$("$CCRM" --help); check "--help exits 0 and shows usage" grep -q -- '--migrate' <<<"$out"
out=$("$CCRM" --version); check "--version names ccrm and schema" grep -Eq '^ccrm [0-9.]+ \(schema version [0-9]+\)$' <<<"$out"

"$CCRM" --frobnicate >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "unknown flag exits 64 (EX_USAGE)" test $rc = 64
check "unknown flag is named" grep -q 'unknown option "--frobnicate"' "$TEST_TMP/err"
"$CCRM" -d >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "missing value exits 64" test $rc = 64
"$CCRM" --scale abc --demo >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "bad --scale exits 64 with the value" bash -c "test $rc = 64 && grep -q '\"abc\"' $TEST_TMP/err"
"$CCRM" --scale 5 --migrate >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "--scale without --demo exits 64 and says it goes with --demo" \
    bash -c "test $rc = 64 && grep -q 'goes with --demo' $TEST_TMP/err"
"$CCRM" --local-stop -d "host=$TEST_TMP/nowhere" >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "--local-stop with -d is a usage error (it acts on the private database only)" \
    bash -c "test $rc = 64 && grep -q 'private database only' $TEST_TMP/err"
"$CCRM" --migrate --view leads -d "host=$TEST_TMP/nowhere dbname=x" >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "--view with a batch command is a usage error" bash -c "test $rc = 64 && grep -q 'goes with the full-screen client' $TEST_TMP/err"
"$CCRM" --migrate --demo >/dev/null 2>&1; rc=$?
check "two modes at once exit 64" test $rc = 64

mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\ncolour = never\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
"$CCRM" --migrate >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "unknown config key exits 78 (EX_CONFIG)" test $rc = 78
check "config error names file and key" grep -q "ccrm.ini.*colour" "$TEST_TMP/err"
printf '[ui]\npage_size = lots\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
"$CCRM" --migrate >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "bad config value exits 78 and names it" bash -c "test $rc = 78 && grep -q 'page_size' $TEST_TMP/err"
rm "$XDG_CONFIG_HOME/ccrm/ccrm.ini"
"$CCRM" -c "$TEST_TMP/nope.ini" --migrate >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "missing -c file exits 78" test $rc = 78

"$CCRM" -d "host=$TEST_TMP/nowhere dbname=x" --migrate >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "unreachable database exits 69 (EX_UNAVAILABLE)" test $rc = 69
check "unreachable database: one clear line" bash -c "test \$(wc -l <$TEST_TMP/err) = 1 && grep -q '^ccrm: could not connect to the database' $TEST_TMP/err"
"$CCRM" -d "host=$TEST_TMP/nowhere dbname=x" </dev/null >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "full-screen client without a terminal exits 64 with a message" bash -c "test $rc = 64 && grep -q 'needs a terminal' $TEST_TMP/err"

pg_start
known=$("$CCRM" --version | sed -E 's/.*schema version ([0-9]+).*/\1/')
# two clients migrating at the same moment: the advisory lock serialises them
"$CCRM" -d "$PG_CONN" --migrate >"$TEST_TMP/m1" 2>&1 &
p1=$!
"$CCRM" -d "$PG_CONN" --migrate >"$TEST_TMP/m2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "concurrent migrations both succeed" test "$r1$r2" = 00
# (numbers may have gaps while migrations of parallel work are merged: count the files)
nmig=$(ls "$(dirname "$0")"/../../schema/[0-9][0-9][0-9]_*.sql | wc -l)
check "each migration applied once" \
    test "$(psqlc -c "select count(*) || ' ' || max(version) from schema_migrations")" = "$nmig $known"
out=$("$CCRM" -d "$PG_CONN" --migrate)
check "second --migrate applies nothing" grep -q '(0 migrations applied)' <<<"$out"

out=$("$CCRM" -d "$PG_CONN" --demo --scale 50 2>&1)
check "--demo loads data" grep -q 'loaded' <<<"$out"
check "demo accounts present" test "$(psqlc -c 'select count(*) from accounts')" = 50
check "demo has non-ASCII names" test "$(psqlc -c "select count(*) from accounts where name ~ '[^[:ascii:]]'")" -gt 0
out=$("$CCRM" -d "$PG_CONN" --demo 2>&1)
check "--demo again leaves existing data alone" grep -q 'already has accounts' <<<"$out"

psqlc -c "insert into schema_migrations (version, name) values (999, '999_future.sql')"
"$CCRM" -d "$PG_CONN" --migrate >/dev/null 2>"$TEST_TMP/err"; rc=$?
check "newer schema: --migrate refuses" bash -c "test $rc != 0 && grep -q 'newer than this ccrm knows' $TEST_TMP/err"
script -qec "$CCRM -d '$PG_CONN'" /dev/null </dev/null >"$TEST_TMP/tty" 2>&1; rc=$?
check "newer schema: the client refuses to start" grep -q 'newer than this ccrm knows' "$TEST_TMP/tty"
psqlc -c "delete from schema_migrations where version = 999"
# an older schema: the client's one start-up statement fails or reads the version; either way
# the message says which version and what to do
# (the version below is the one before it in schema_migrations: a branch's numbers may leave a
# gap, 106 before another's 105 is merged)
name=$(psqlc -c "delete from schema_migrations where version = $known returning name")
below=$(psqlc -c "select max(version) from schema_migrations")
script -qec "$CCRM -d '$PG_CONN'" /dev/null </dev/null >"$TEST_TMP/tty" 2>&1
check "older schema: the client says which and to run --migrate" \
    grep -q "schema is at version $below, this ccrm needs $known: run ccrm --migrate" "$TEST_TMP/tty"
psqlc -c "insert into schema_migrations (version, name) values ($known, '$name')"

psqlc -c "create database empty"
"$CCRM" -d "host=$PG_DIR user=postgres dbname=empty" </dev/null >/dev/null 2>&1
script -qec "$CCRM -d 'host=$PG_DIR user=postgres dbname=empty'" /dev/null </dev/null >"$TEST_TMP/tty" 2>&1
check "unmigrated shared database: client says to run --migrate" grep -q 'run ccrm --migrate' "$TEST_TMP/tty"

# output that cannot reach standard output is a failure (74), also with stdout closed, when
# the database's socket would otherwise take its number; a reader that goes away is not
"$CCRM" -d "$PG_CONN" --demo --scale 5 >/dev/null 2>&1 || fail "demo data"
"$CCRM" -d "$PG_CONN" --feed --limit 5 >/dev/full 2>"$TEST_TMP/err"; rc=$?
check "--feed to a full disk: exit 74, saying why" bash -c "test $rc = 74 && grep -q 'No space left' $TEST_TMP/err"
"$CCRM" -d "$PG_CONN" --feed --limit 5 >&- 2>"$TEST_TMP/err"; rc=$?
check "--feed with stdout closed: exit 74, nothing sent to the server" bash -c "test $rc = 74 && grep -q 'could not write' $TEST_TMP/err"
"$CCRM" -d "$PG_CONN" --feed --limit 5 --state "$TEST_TMP/st" >/dev/null 2>&1 || fail "a first --state run"
psqlc -c "insert into accounts (name) values ('Printed Later AG')" >/dev/null
"$CCRM" -d "$PG_CONN" --feed --state "$TEST_TMP/st" >&- 2>/dev/null
"$CCRM" -d "$PG_CONN" --feed --state "$TEST_TMP/st" >"$TEST_TMP/feed" 2>&1
check "...and --state does not move past what was not printed: the next run prints it" grep -q "Printed Later AG" "$TEST_TMP/feed"
"$CCRM" -d "$PG_CONN" --feed --limit 50 | head -1 >/dev/null
check "--feed | head: a reader that goes away ends it quietly (exit 0)" test "${PIPESTATUS[0]}" = 0
"$CCRM" -d "$PG_CONN" --report pipeline >/dev/full 2>"$TEST_TMP/err"; rc=$?
check "--report to a full disk: exit 74" test $rc = 74
check "...said once ($(cat "$TEST_TMP/err"))" test "$(wc -l <"$TEST_TMP/err")" = 1
"$CCRM" -d "$PG_CONN" --ics >/dev/full 2>"$TEST_TMP/err"; rc=$?
check "--ics to a full disk: exit 74, as --export and --agenda (rc $rc: $(cat "$TEST_TMP/err"))" test $rc = 74
check "...said once ($(cat "$TEST_TMP/err"))" test "$(wc -l <"$TEST_TMP/err")" = 1
"$CCRM" -d "$PG_CONN" --export accounts >/dev/full 2>"$TEST_TMP/err"; rc=$?
check "--export to a full disk: exit 74, said once ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 74 && test \"\$(wc -l <'$TEST_TMP/err')\" = 1 && grep -q 'No space left' '$TEST_TMP/err'"
printf 'name\nBatch Listed AG\n' >"$TEST_TMP/one.csv"
"$CCRM" -d "$PG_CONN" --import "$TEST_TMP/one.csv" --into accounts --quiet >/dev/null 2>&1
"$CCRM" -d "$PG_CONN" --batches >/dev/full 2>"$TEST_TMP/err"; rc=$?
check "--batches to a full disk: exit 74" test $rc = 74
"$CCRM" -d "$PG_CONN" --batches >"$TEST_TMP/out" 2>"$TEST_TMP/err"; rc=$?
check "--batches: the batches on standard output, the hint on standard error" \
    bash -c "test $rc = 0 && grep -q 'Batch Listed\|one.csv' $TEST_TMP/out && ! grep -q 'ccrm --revert' $TEST_TMP/out && grep -q 'ccrm --revert BATCH' $TEST_TMP/err"

done_testing
