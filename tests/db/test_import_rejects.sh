#!/usr/bin/env bash
# --import --rejects FILE writes the rejects beside FILE and renames them over it when the run
# is through (the import committed, or the dry run reported): an import that fails (an empty
# file, the database refusing the write) or is interrupted leaves the rejects file of the run
# before whole, and no temporary file; one that gets through replaces it, keeping its mode.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/hold.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_rejects.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_migrated "$CCRM"
imp() { "$CCRM" -d "$PG_CONN" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }
# only the rejects file itself in its directory: nothing left beside it
alone() { [ "$(find "$T/rej" -mindepth 1 | wc -l)" = 1 ]; }
mkdir "$T/rej"
R=$T/rej/rejects.csv

# ---- a first import: one row rejected, the file says which ----
printf 'first_name,last_name,email\nAda,Lovelace,ada@example.org\nBad,Row,not-an-address\n' >"$T/a.csv"
imp "$T/a.csv" --into contacts --rejects "$R"
check "an import with a bad row exits 65 (rc $rc)" test $rc = 65 || say
check "... and its rejects file holds the row and the reason" grep -q '^Bad,Row,not-an-address,"' "$R"
chmod 600 "$R"
cp "$R" "$T/first.csv"
check "... nothing beside it" alone

# ---- failures keep it ----
: >"$T/empty.csv"
imp "$T/empty.csv" --into contacts --rejects "$R"
check "an empty file fails (rc $rc)" test $rc = 65 || say
check "... and the rejects file of the run before is whole" cmp -s "$R" "$T/first.csv"
check "... with nothing beside it" alone

# rejects written, then the database refuses the write: nothing imported, nothing replaced (a
# refusal of the rows together, not of one row: a row refused alone is one more reject, see
# test_import_refused.sh)
printf 'first_name,last_name,email\nCarl,Gauss,carl@example.org\nBad,Three,nope\n' >"$T/c.csv"
printf 'first_name,last_name,email\nCarl,Gauss,carl@example.org\nKurt,Goedel,kurt@example.org\nBad,Three,nope\n' >"$T/d.csv"
q "create function pg_temp_refuse() returns trigger language plpgsql as \$\$begin
     if (select count(*) from added) > 1 then
       raise exception 'refused by the test' using errcode = '23514';
     end if;
     return null; end\$\$;
   create trigger test_refuse after insert on contacts referencing new table as added
     for each statement execute function pg_temp_refuse()" \
    >/dev/null || fail "the refusing trigger"
imp "$T/d.csv" --into contacts --rejects "$R"
check "a write the database refuses fails (rc $rc)" test $rc = 65 || say
check "... it said so" grep -q "refused by the test" "$T/err"
check "... and the rejects file stays" cmp -s "$R" "$T/first.csv"
check "... with nothing beside it" alone
q "drop trigger test_refuse on contacts; drop function pg_temp_refuse()" >/dev/null

# interrupted while it waits for another import into the table
hold "select pg_advisory_xact_lock(1667460717, 'contacts'::regclass::oid::int)" || fail "could not hold the import lock"
"$CCRM" -d "$PG_CONN application_name=impI" --import "$T/c.csv" --into contacts --rejects "$R" \
    >"$T/i.out" 2>"$T/i.err" &
ipid=$!
wait_waiting impI || fail "the import does not wait"
kill -INT $ipid
wait $ipid
irc=$?
release
check "an interrupted import exits 75 ($irc)" test $irc = 75
check "... and says nothing was written" grep -q "interrupted; nothing written" "$T/i.err"
check "... and the rejects file stays" cmp -s "$R" "$T/first.csv"
check "... with nothing beside it" alone

# ---- a run that gets through replaces it, keeping its mode ----
imp "$T/c.csv" --into contacts --rejects "$R" --dry-run
check "a dry run with a bad row (rc $rc)" test $rc = 65 || say
check "... writes its rejects" grep -q '^Bad,Three,nope,"' "$R"
check "... nothing beside it" alone
imp "$T/c.csv" --into contacts --rejects "$R"
check "the import (rc $rc)" test $rc = 65 || say
check "... writes its rejects" grep -q '^Bad,Three,nope,"' "$R"
check "... and imports the good row" test "$(q "select count(*) from contacts where email = 'carl@example.org'")" = 1
check "... the file keeps its mode" test "$(stat -c %a "$R")" = 600
check "... nothing beside it" alone

done_testing
