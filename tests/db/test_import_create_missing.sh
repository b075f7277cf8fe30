#!/usr/bin/env bash
# --create-missing accounts creates an account only for a row that is written: a row then
# skipped as a duplicate or rejected creates none, and an import that writes nothing makes no
# account, no batch and no event. Two imports at once into different tables that name one new
# organisation create it once (the creation takes the accounts table's import lock).
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/hold.sh"
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

# ---- 2. two imports at once, into contacts and deals, name one new organisation ----
# A has made the account and waits to write its contacts (held); B, into deals, must wait for
# A's accounts and find its account, not make another
bg() { # NAME FILE ENTITY: in the background, out/err/rc in $T/NAME.*
    ("$CCRM" -d "$PG_CONN application_name=$1" --import "$2" --into "$3" --create-missing accounts \
        >"$T/$1.out" 2>"$T/$1.err"
    echo $? >"$T/$1.rc") &
}
printf 'first_name,last_name,email,company\nRa,Ce,ra.ce@race.example,Race Org\n' >"$T/rc.csv"
printf 'name,account\nRace deal,race org\n' >"$T/rd.csv"
hold "lock table contacts in share mode" || fail "could not lock contacts"
bg impA "$T/rc.csv" contacts
wait_waiting impA || fail "import A does not wait for the contacts table"
bg impB "$T/rd.csv" deals
# B waits for A (the accounts table's import lock) or, without it, finishes at once
for ((i = 0; i < 1200; i++)); do
    [ -s "$T/impB.rc" ] || [ "$(waiting impB)" = 1 ] && break
    sleep 0.05
done
release
wait
check "import A (contacts) succeeded: exit $(cat "$T/impA.rc") ($(cat "$T/impA.err"))" test "$(cat "$T/impA.rc")" = 0
check "import B (deals) succeeded: exit $(cat "$T/impB.rc") ($(cat "$T/impB.err"))" test "$(cat "$T/impB.rc")" = 0
check "... B said it waited for A" grep -q "^ccrm: waiting for another import into accounts to finish$" "$T/impB.err"
check "one account Race Org, not two ($(q "select count(*) from accounts where lower(name) = 'race org'"))" \
    test "$(q "select count(*) from accounts where lower(name) = 'race org'")" = 1
check "... the contact and the deal both on it" \
    test "$(q "select count(distinct a.id) from accounts a where lower(a.name) = 'race org'
               and exists (select 1 from contacts c where c.account_id = a.id)
               and exists (select 1 from opportunities o where o.account_id = a.id)")" = 1
done_testing
