#!/usr/bin/env bash
# --create-missing accounts creates an account only for a row that is written: a row then
# skipped as a duplicate or rejected creates none, and an import that writes nothing makes no
# account, no batch and no event. Two imports at once into different tables that name one new
# organisation create it once (the creation takes the accounts table's import lock).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_create_missing.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 5
imp() { "$CCRM" -d "$PG_CONN user=sam" --import "$@" >"$T/out" 2>"$T/err"; }
orgs() { q "select count(*) from accounts where name like 'Orphan Org%' or name = 'Kept Org'"; }
DUP=$(q "select email from contacts where email is not null order by id limit 1")

# ---- 1. only rows that are written create accounts ----
printf 'first_name,last_name,email,company,owner\nGood,One,good.one@orphan.example,Kept Org,\nBad,Two,bad.two@orphan.example,Orphan Org Alpha,nobody\nDup,Three,%s,Orphan Org Beta,\n' \
    "$DUP" >"$T/cm.csv"
imp "$T/cm.csv" --into contacts --create-missing accounts --on-conflict skip --rejects "$T/r.csv" --dry-run
check "a dry run would create 1 account, for the row it would insert ($(cat "$T/out"))" \
    grep -q '^ccrm: would create 1 new account for' "$T/out"
imp "$T/cm.csv" --into contacts --create-missing accounts --on-conflict skip --rejects "$T/r.csv"
rc=$?
check "one row in, one skipped, one rejected: exit 65 (rc $rc)" test $rc = 65
check "... created 1 new account ($(cat "$T/out"))" grep -q '^ccrm: created 1 new account for' "$T/out"
check "... Kept Org only: the rejected and the skipped row made none ($(orgs))" test "$(orgs)" = 1
check "... the contact is on Kept Org" \
    test "$(q "select a.name from contacts c join accounts a on a.id = c.account_id where c.email = 'good.one@orphan.example'")" = "Kept Org"

# every row skipped or rejected: no account, no batch, no event
batches=$(q "select count(*) from import_batches")
events=$(q "select count(*) from events where op = 'bulk'")
printf 'first_name,last_name,email,company\nDup,Three,%s,Orphan Org Gamma\nBad,Four,not-an-address,Orphan Org Delta\n' \
    "$DUP" >"$T/cm2.csv"
imp "$T/cm2.csv" --into contacts --create-missing accounts --on-conflict skip --rejects "$T/r2.csv"
check "nothing written: no account created is said ($(cat "$T/out"))" bash -c "! grep -q 'creat' '$T/out'"
check "... nothing changed, no batch" grep -q '^ccrm: nothing changed, no batch: 0 inserted' "$T/out"
check "... no account made ($(orgs))" test "$(orgs)" = 1
check "... no batch" test "$(q "select count(*) from import_batches")" = "$batches"
check "... no event" test "$(q "select count(*) from events where op = 'bulk'")" = "$events"

# --on-conflict update: the lines of a key before its last are not written, and make no account
printf 'first_name,last_name,email,company\nRe,Peat,re.peat@orphan.example,Orphan Org Early\nRe,Peat,re.peat@orphan.example,Kept Org\n' >"$T/cm3.csv"
imp "$T/cm3.csv" --into contacts --create-missing accounts --on-conflict update
check "update: a key's last line is written, an earlier line's organisation is not made (rc $?)" \
    test "$(q "select count(*) from accounts where name = 'Orphan Org Early'")" = 0

# a row the table's own rules refuse at the merge (sam may not close a ticket) makes no account
printf 'account,subject,status\nOrphan Org Open,cm open,new\nOrphan Org Closed,cm closed,closed\n' >"$T/t.csv"
imp "$T/t.csv" --into tickets --create-missing accounts --rejects "$T/rt.csv" --dry-run
check "a dry run with a refused row would create 1 account ($(cat "$T/out"))" \
    grep -q '^ccrm: would create 1 new account for' "$T/out"
imp "$T/t.csv" --into tickets --create-missing accounts --rejects "$T/rt.csv"
check "the refused row's organisation is not made ($(cat "$T/out"))" \
    test "$(q "select string_agg(name, ',' order by name) from accounts where name like 'Orphan Org%'")" = "Orphan Org Open"
check "... created 1 is said" grep -q '^ccrm: created 1 new account for' "$T/out"
done_testing
