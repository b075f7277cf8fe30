#!/usr/bin/env bash
# A row without a key (a contact or lead without e-mail, an account without domain) that equals
# an existing row in every column the file imports is a duplicate as a keyed one is: skipped
# with --on-conflict skip, unchanged with update, rejected with error (naming the row), so that
# an export imported back writes nothing; a keyless row that differs is inserted.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_keyless.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 5
imp() { "$CCRM" -d "$PG_CONN user=sam" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }
nomail() { q "select count(*) from contacts where last_name = 'Nomail'"; }

printf 'first_name,last_name,title\nNo,Nomail,CEO\nNo,Nomail,CFO\n' >"$T/k.csv"
imp "$T/k.csv" --into contacts
check "two keyless contacts that differ in a column: both inserted (rc $rc)" test "$(nomail)" = 2 || say

# ---- an export imported back, twice: the keyless contacts once each ----
total=$(q "select count(*) from contacts")
"$CCRM" -d "$PG_CONN user=sam" --export contacts --output "$T/all.csv" || fail "export"
imp "$T/all.csv" --into contacts --on-conflict update --dry-run
check "a dry run of the export back: nothing to insert or update ($(cat "$T/out"))" \
    grep -q "^ccrm: dry run: would insert 0, update 0, leave $total unchanged, skip 0, reject 0" "$T/out"
imp "$T/all.csv" --into contacts --on-conflict update
check "the export back with update: nothing changed, no batch ($(cat "$T/out"))" \
    grep -q "^ccrm: nothing changed, no batch: 0 inserted, 0 updated, $total unchanged" "$T/out"
imp "$T/all.csv" --into contacts --on-conflict update
check "... again: the keyless contacts are still two ($(nomail))" test "$(nomail)" = 2
imp "$T/all.csv" --into contacts --on-conflict skip
check "... with skip: every row skipped ($(cat "$T/out"))" \
    grep -q "^ccrm: nothing changed, no batch: 0 inserted, 0 updated, $total skipped" "$T/out"
check "... and still two" test "$(nomail)" = 2
check "... no more contacts than before" test "$(q "select count(*) from contacts")" = "$total"

imp "$T/k.csv" --into contacts
check "with --on-conflict error: rejected, exit 65 (rc $rc)" test $rc = 65
id=$(q "select id from contacts where last_name = 'Nomail' and title = 'CEO'")
check "... naming the row it equals ($(cat "$T/err"))" \
    grep -qF "k.csv:2: contact with these values exists already (contacts $id) and the line has no e-mail to tell them apart" "$T/err"

# ---- a keyless row that differs is inserted ----
printf 'first_name,last_name,title\nNo,Nomail,CEO\nNo,Nomail,CTO\n' >"$T/k2.csv"
imp "$T/k2.csv" --into contacts --on-conflict skip
check "a keyless row that differs is inserted, the equal one skipped ($(cat "$T/out"))" \
    grep -q "batch [0-9]*: 1 inserted, 0 updated, 1 skipped" "$T/out"
check "... three now" test "$(nomail)" = 3

# ---- an account without domain ----
printf 'name,industry\nKeyless Org,Retail\n' >"$T/a.csv"
imp "$T/a.csv" --into accounts --on-conflict skip
imp "$T/a.csv" --into accounts --on-conflict skip
check "an account without domain imported twice with skip: once ($(cat "$T/out"))" \
    test "$(q "select count(*) from accounts where name = 'Keyless Org'")" = 1
printf 'first_name,last_name,company\nLea,Nomail,Lead Org\n' >"$T/l.csv"
imp "$T/l.csv" --into leads --on-conflict update
imp "$T/l.csv" --into leads --on-conflict update
check "a lead without e-mail imported twice with update: once, unchanged ($(cat "$T/out"))" \
    bash -c "test \"\$(psql -X -At -c \"select count(*) from leads where last_name = 'Nomail'\")\" = 1 &&
             grep -q 'nothing changed, no batch: 0 inserted, 0 updated, 1 unchanged' '$T/out'"
done_testing
