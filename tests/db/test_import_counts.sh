#!/usr/bin/env bash
# What an import says it did is one set of numbers: with --on-conflict update and keys repeated
# in the file, the summary line, the dry run, --batches and the batch's Feed event count each
# record once (the server's count of the rows written), stderr says how many lines were merged,
# and --batches and --revert write the counts as the summary does (12,345). --create-missing accounts says
# "created" only once the accounts are in (a failed import created none, and says none). A
# UTF-16 file is named as such; two columns mapped to one field is a usage error (64). A summary
# that cannot be written (standard output a full disk) says on stderr that the import was
# committed, and its batch (exit 74); before, only that standard output failed.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_import_counts.sh path/to/ccrm}
T=$TEST_TMP
pg_start_migrated "$CCRM"
"$CCRM" -d "$PG_CONN" --add-user sam --dept sales >/dev/null 2>&1 || fail "add sam"
SAM="host=$PG_DIR dbname=ccrm user=sam"
imp() { "$CCRM" -d "$SAM" --import "$@" >"$T/out" 2>"$T/err"; }
# counts FILE: "inserted updated unchanged skipped rejected" of a summary or a dry run that
# left rows unchanged
counts() {
    sed -n -e 's/^ccrm: dry run: would insert \([0-9,]*\), update \([0-9,]*\), leave \([0-9,]*\) unchanged, skip \([0-9,]*\), reject \([0-9,]*\) .*/\1 \2 \3 \4 \5/p' \
        -e 's/^ccrm: batch [0-9]*: \([0-9,]*\) inserted, \([0-9,]*\) updated, \([0-9,]*\) unchanged, \([0-9,]*\) skipped, \([0-9,]*\) rejected .*/\1 \2 \3 \4 \5/p' "$1"
}

# ---- 1. repeated keys with --on-conflict update: one set of numbers ----
printf 'name,domain\nA1,a.example\nB1,b.example\n' >"$T/a.csv"
imp "$T/a.csv" --into accounts || fail "first import: $(cat "$T/err")"
# a.example twice (an existing account: one update), c.example three times (a new one: one
# insert), b.example as it is (unchanged)
printf 'name,domain\nA2,a.example\nA3,a.example\nC1,c.example\nC2,c.example\nC3,c.example\nB1,b.example\n' >"$T/b.csv"
imp "$T/b.csv" --into accounts --on-conflict update --dry-run
dry=$(counts "$T/out")
check "dry run: 1 inserted, 1 updated, 1 unchanged ($(cat "$T/out"))" test "$dry" = "1 1 1 0 0"
check "... and stderr says 3 lines were merged into the record of a line above" \
    grep -q "b.csv: 3 lines repeat the key of a line above: one record each, with the values of its last line" "$T/err"
imp "$T/b.csv" --into accounts --on-conflict update
B=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
check "the real run says what the dry run said ($(cat "$T/out"))" test "$(counts "$T/out")" = "$dry"
check "the batch counts the same" \
    test "$(q "select inserted || ' ' || updated || ' ' || skipped || ' ' || rejected from import_batches where id = $B")" = "1 1 0 0"
"$CCRM" -d "$SAM" --batches >"$T/batches" 2>/dev/null
check "--batches says the same" grep -q "^ *$B  .* accounts from b.csv: 1 inserted, 1 updated, 0 skipped, 0 rejected$" "$T/batches"
check "the Feed event says the same: 2 accounts, 1 of them updated" \
    test "$(q "select summary from events where op = 'bulk' order by id desc limit 1")" = "imported 2 accounts from b.csv (batch $B; 1 updated)"
check "the last line's values won" test "$(q "select string_agg(name, ',' order by name) from accounts")" = "A3,B1,C3"

# ---- 6. --batches writes thousands as the summary does ----
awk 'BEGIN { print "name,domain"; for (i = 1; i <= 1200; i++) printf "Many %d,m%d.example\n", i, i }' >"$T/many.csv"
imp "$T/many.csv" --into accounts || fail "1200 accounts: $(cat "$T/err")"
check "the summary says 1,200 inserted" grep -q "^ccrm: batch [0-9]*: 1,200 inserted" "$T/out"
"$CCRM" -d "$SAM" --batches >"$T/batches" 2>/dev/null
check "--batches says 1,200 inserted too" grep -q "accounts from many.csv: 1,200 inserted, 0 updated" "$T/batches"
M=$(q "select max(id) from import_batches where file_name = 'many.csv'")
"$CCRM" -d "$SAM" --revert "$M" --dry-run >"$T/out" 2>&1
check "--revert --dry-run says 1,200 deleted too ($(cat "$T/out"))" \
    grep -qx "ccrm: dry run: would revert import batch $M (accounts from many.csv): 1,200 deleted, 0 restored; nothing written" "$T/out"
"$CCRM" -d "$SAM" --revert "$M" >"$T/out" 2>&1
check "... and the revert ($(cat "$T/out"))" \
    grep -qx "ccrm: reverted import batch $M (accounts from many.csv): 1,200 deleted, 0 restored" "$T/out"

# ---- 7. a summary that cannot be written: stderr says the import was committed, and its batch ----
printf 'name,domain\nFull1,full1.example\n' >"$T/full.csv"
"$CCRM" -d "$SAM" --import "$T/full.csv" --into accounts >/dev/full 2>"$T/err"
rc=$?
F=$(q "select max(id) from import_batches where file_name = 'full.csv'")
check "the import into a full standard output was committed (batch $F)" \
    test "$(q "select count(*) from accounts where domain = 'full1.example'")" = 1
check "... exit 74 (rc $rc)" test $rc = 74
check "... one line on stderr: the summary with its batch, and that it was committed ($(cat "$T/err"))" \
    bash -c "test \$(wc -l <'$T/err') = 1 &&
             grep -q '^ccrm: could not write the summary to standard output: No space left on device; the import was committed: batch $F: 1 inserted, 0 updated, 0 skipped, 0 rejected (accounts from full.csv' '$T/err'"
printf 'name,domain,owner\nFull2,full2.example,\nFull3,full3.example,nobody\n' >"$T/full2.csv"
"$CCRM" -d "$SAM" --import "$T/full2.csv" --into accounts --rejects "$T/full2.rej" >/dev/full 2>"$T/err"
rc=$?
check "... with rows rejected: exit 65 still, and said ($(cat "$T/err"))" \
    bash -c "test $rc = 65 && grep -q 'the import was committed: batch [0-9]*: 1 inserted, 0 updated, 0 skipped, 1 rejected' '$T/err'"

# ---- 3. --create-missing accounts says "created" once they are in ----
printf 'account,first_name,last_name,email\nNew Org One,A,B,ab@org.example\nNew Org Two,C,D,not-an-address\n' >"$T/c.csv"
imp "$T/c.csv" --into contacts --create-missing accounts
rc=$?
check "an import that fails (a bad row, no --rejects): exit 65" test $rc = 65
check "... says nothing of creating accounts ($(cat "$T/out"))" bash -c "! grep -q 'creat' '$T/out'"
check "... and created none" test "$(q "select count(*) from accounts where name like 'New Org%'")" = 0
imp "$T/c.csv" --into contacts --create-missing accounts --dry-run
check "a dry run says what it would create" grep -q "^ccrm: would create 1 new account for" "$T/out"
imp "$T/c.csv" --into contacts --create-missing accounts --rejects "$T/rej.csv"
check "an import that writes: created, said after the fact ($(cat "$T/out"))" \
    grep -q "^ccrm: created 1 new account for organisations not found" "$T/out"

# ---- 5. a UTF-16 file is named as such ----
printf 'name,domain\nU1,u1.example\n' | iconv -f UTF-8 -t UTF-16 >"$T/u16.csv" # (with its BOM)
imp "$T/u16.csv" --into accounts
rc=$?
check "a UTF-16 file: exit 65 (rc $rc)" test $rc = 65
check "... one line saying so ($(cat "$T/err"))" \
    test "$(cat "$T/err")" = "ccrm: $T/u16.csv: the file is UTF-16; save it as UTF-8 (in a spreadsheet: CSV UTF-8)"
printf 'name,domain\nU1,u1.example\n' | iconv -f UTF-8 -t UTF-16BE >"$T/u16be.csv" # no BOM
imp "$T/u16be.csv" --into accounts
check "... big-endian without a mark too (rc $?)" grep -q "the file is UTF-16" "$T/err"
check "... nothing imported" test "$(q "select count(*) from accounts where domain = 'u1.example'")" = 0

# ---- 2. two columns mapped to one field: a usage error ----
printf 'first_name,last_name,email,Mail\nA,B,a@x.org,b@x.org\n' >"$T/m.csv"
imp "$T/m.csv" --into contacts --map Mail=last_name
rc=$?
check "--map onto a field another column has: exit 64 (rc $rc)" test $rc = 64
check "... one line naming --map ($(cat "$T/err"))" \
    bash -c "test \$(wc -l <'$T/err') = 1 && grep -q -- '--map: columns 2 and 4 both map to last_name' '$T/err'"
imp "$T/m.csv" --into contacts
rc=$?
check "two columns of the header for one field: exit 64, choose with --map (rc $rc)" \
    bash -c "test $rc = 64 && grep -q -- '--map: columns 3 and 4 both map to email' '$T/err'"
imp "$T/m.csv" --into contacts --map Mail=- --dry-run
check "... and --map SRC=- chooses (rc $?)" grep -q "would insert 1" "$T/out"
done_testing
