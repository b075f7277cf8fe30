#!/usr/bin/env bash
# ccrm --add-user / --disable-user / --share / --unshare: every department, partner
# organisations, login validation against injection, exit codes (sysexits), non-admins
# refused, a disabled user who cannot log in but whose history stays, and shares that a
# partner sees (or stops seeing) in plain psql.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_admin.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
DB="host=$PG_DIR dbname=ccrm"
# adm USER args...: run ccrm as USER; sets $rc, output in $TEST_TMP/out and $TEST_TMP/err
adm() {
    local u=$1
    shift
    "$CCRM" -d "$DB user=$u" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    rc=$?
}

# ---------------------------------------------------------------- one user per department
for d in sales support marketing management billing admin; do
    adm ana --add-user "new_$d" --dept "$d" --display-name "New ${d^}"
    check "--add-user --dept $d exits 0 ($(cat "$TEST_TMP/out" "$TEST_TMP/err"))" test $rc = 0
    check "new_$d is a LOGIN role in ccrm_$d without a password" \
        test "$(psqlc -c "select rolcanlogin and rolpassword is null and pg_has_role('new_$d', 'ccrm_$d', 'MEMBER') from pg_authid where rolname = 'new_$d'")" = t
    check "new_$d has a users row with department and display name" \
        test "$(psqlc -c "select department || '/' || display_name || '/' || created_by from users where login = 'new_$d'")" = "$d/New ${d^}/ana"
    check "new_$d can log in and sees accounts" test "$(as "new_$d" -c 'select count(*) > 0 from accounts')" = t
done
check "adding a user is announced in the events (actor ana)" \
    test "$(psqlc -c "select count(*) from events where entity = 'users' and actor = 'ana' and summary like '%new_sales%'")" = 1

# partner users: organisation created when new, reused otherwise
adm ana --add-user new_partner --dept partner --partner "Blue Reseller Ltd"
check "--add-user --dept partner with a new org exits 0 and says so" \
    bash -c "test $rc = 0 && grep -q 'new partner organisation \"Blue Reseller Ltd\"' $TEST_TMP/out"
adm ana --add-user new_partner2 --dept partner --partner "Blue Reseller Ltd"
check "a second user joins the existing org" \
    test "$(psqlc -c "select count(distinct partner_org_id) || '/' || count(*) from users where login like 'new_partner%'")" = "1/2"
check "a new partner user sees no account yet" test "$(as new_partner -c 'select count(*) from accounts')" = 0

# ---------------------------------------------------------------- usage errors: exit 64
for bad in 'x; drop role sam' '"quoted"' 'Upper' '1abc' "$(printf 'a%.0s' {1..64})" 'ccrm_admin' 'pg_x' '' 'ä' "sam'--"; do
    adm ana --add-user "$bad" --dept sales
    check "login \"${bad:0:20}\" refused with exit 64 and a clear message" \
        bash -c "test $rc = 64 && grep -q 'invalid login name' $TEST_TMP/err"
done
check "no role was created by any of those" test "$(psqlc -c "select count(*) from pg_roles where rolname ~ '(drop|quoted|Upper|1abc|aaaaaaaa)'")" = 0
adm ana --add-user ok_name
check "--add-user without --dept exits 64" bash -c "test $rc = 64 && grep -q 'needs --dept' $TEST_TMP/err"
adm ana --add-user ok_name --dept finance
check "unknown department exits 64" bash -c "test $rc = 64 && grep -q 'unknown department \"finance\"' $TEST_TMP/err"
adm ana --add-user ok_name --dept partner
check "--dept partner without --partner exits 64" test $rc = 64
adm ana --add-user ok_name --dept sales --partner "Blue Reseller Ltd"
check "--partner with an internal department exits 64" test $rc = 64
adm ana --share 1
check "--share without --partner exits 64" test $rc = 64
adm ana --add-user a --disable-user b
check "two actions at once exit 64" test $rc = 64

# ---------------------------------------------------------------- data errors: exit 65
adm ana --add-user new_sales --dept sales
check "an existing user: exit 65, 'already exists'" bash -c "test $rc = 65 && grep -q 'already exists' $TEST_TMP/err"
adm ana --share 1 --partner "No Such Org"
check "--share to an unknown org: exit 65" bash -c "test $rc = 65 && grep -q 'no partner organisation' $TEST_TMP/err"
adm ana --share "No Such Account AG" --partner "Blue Reseller Ltd"
check "--share of an unknown account: exit 65" bash -c "test $rc = 65 && grep -q 'no account' $TEST_TMP/err"
adm ana --disable-user nobody_here
check "--disable-user of an unknown user: exit 65" test $rc = 65

# ---------------------------------------------------------------- not an admin: exit 77
for u in sam sofia mia paul; do
    adm $u --add-user sneaky --dept admin
    check "$u (not admin) is refused with exit 77" bash -c "test $rc = 77 && grep -q 'only members of ccrm_admin' $TEST_TMP/err"
    adm $u --share 1 --partner "Blue Reseller Ltd"
    check "$u (not admin) cannot --share (77)" test $rc = 77
done
out=$(as mia -c "select ccrm_add_user('sneaky', 'admin')" 2>&1)
check "the database refuses too (psql, management)" grep -q 'permission denied' <<<"$out"
check "no sneaky role" test "$(psqlc -c "select count(*) from pg_roles where rolname = 'sneaky'")" = 0
adm postgres --add-user by_superuser --dept support
check "a superuser may administer" test $rc = 0

# ---------------------------------------------------------------- password only when asked
printf 's3cret-pw\n' | "$CCRM" -d "$DB user=ana" --add-user with_pw --dept marketing --password >/dev/null 2>&1
check "--password stores a SCRAM verifier, never clear text" \
    test "$(psqlc -c "select rolpassword like 'SCRAM-SHA-256\$%' from pg_authid where rolname = 'with_pw'")" = t
head -c 300 /dev/zero | tr '\0' 'p' | "$CCRM" -d "$DB user=ana" --add-user long_pw --dept sales --password >/dev/null 2>"$TEST_TMP/err"
rc=$?
check "a password longer than ccrm reads is refused, not cut (exit $rc)" \
    bash -c "test $rc = 65 && grep -q 'too long' '$TEST_TMP/err'"
check "...and no user is made" test "$(psqlc -c "select count(*) from pg_roles where rolname = 'long_pw'")" = 0
out=$(as ana -c "select ccrm_add_user('plain_pw', 'sales', null, null, 'clear-text')" 2>&1)
check "the function refuses a clear-text password" grep -q 'SCRAM-SHA-256 verifier' <<<"$out"

# ---------------------------------------------------------------- disable keeps history
as new_sales -c "insert into accounts (name) values ('Written by new_sales')"
adm ana --disable-user new_sales
check "--disable-user exits 0" bash -c "test $rc = 0 && grep -q 'disabled user new_sales' $TEST_TMP/out"
out=$(as new_sales -c 'select 1' 2>&1)
check "a disabled user cannot log in" grep -q 'not permitted to log in' <<<"$out"
check "their users row stays, inactive" test "$(psqlc -c "select active from users where login = 'new_sales'")" = f
check "their records and events stay" \
    test "$(psqlc -c "select (select count(*) from accounts where created_by = 'new_sales') + (select count(*) from events where actor = 'new_sales')")" = 2
adm ana --disable-user ana
check "an admin cannot disable their own login (65)" test $rc = 65
# a session that is open when the user is disabled is ended
as new_support -c "select pg_sleep(30)" >/dev/null 2>&1 &
sp=$!
for i in $(seq 50); do
    [ "$(psqlc -c "select count(*) from pg_stat_activity where usename = 'new_support'")" = 1 ] && break
    sleep 0.1
done
adm ana --disable-user new_support
wait $sp
check "disabling ends the user's open sessions" bash -c "test $? != 0 && grep -q '1 session ended' $TEST_TMP/out"

# ---------------------------------------------------------------- display names are one line
for bad in 'two\nlines' 'tab\there' 'esc\033[31mred' 'bidi\u202eevil' 'zero\u200bwidth'; do
    adm ana --add-user dn_bad --dept sales --display-name "$(printf "$bad")"
    check "a display name with '$bad' is refused (65)" \
        bash -c "test $rc = 65 && grep -q 'one line of visible text' '$TEST_TMP/err'"
done
check "... and no user made" test "$(psqlc -c "select count(*) from pg_roles where rolname = 'dn_bad'")" = 0
out=$(as ana -c "update users set display_name = E'New\\nSales' where login = 'new_sales'" 2>&1)
check "an admin's UPDATE of a display name is held to it too" grep -q users_display_name_line <<<"$out"
adm ana --add-user dn_good --dept sales --display-name 'Zoë Ångström-Łukasz 東京'
check "accents, other scripts and hyphens are fine (exit $rc)" test $rc = 0

# ---------------------------------------------------------------- enabled again
adm ana --add-user new_sales --dept support
check "a disabled user added in another department is refused, naming where they were (65)" \
    bash -c "test $rc = 65 && grep -q 'already exists (disabled, in sales)' '$TEST_TMP/err'"
adm ana --add-user new_sales --dept sales
check "a disabled user added again as they were is enabled again (exit $rc)" \
    bash -c "test $rc = 0 && grep -q 'enabled user new_sales in ccrm_sales again' '$TEST_TMP/out'"
check "... can log in again, active, with their history" \
    test "$(as new_sales -c "select u.active from users u where u.login = current_user")" = t
adm ana --add-user new_sales --dept sales
check "... and adding them once more says they exist (65)" test $rc = 65

# ---------------------------------------------------------------- adopting existing roles
psqlc -c "create role bare_role nologin" >/dev/null
adm ana --add-user bare_role --dept sales
check "a role that holds nothing is adopted (exit $rc)" \
    bash -c "test $rc = 0 && grep -q 'existing role adopted' '$TEST_TMP/out'"
psqlc -c "create role ops login; grant pg_execute_server_program to ops" >/dev/null
adm ana --add-user ops --dept support --password <<<'takeover-pw'
check "a role that is a member of pg_execute_server_program is not adopted (77)" \
    bash -c "test $rc = 77 && grep -q 'member of other roles' '$TEST_TMP/err'"
check "... its login is untouched (no password set, no ccrm department)" \
    test "$(psqlc -c "select rolpassword is null and not pg_has_role('ops', 'ccrm_support', 'MEMBER') from pg_authid where rolname = 'ops'")" = t
psqlc -c "create role ownerish nologin in role $(psqlc -c 'select current_user')" >/dev/null
adm ana --add-user ownerish --dept sales
check "a role that is a member of the superuser is not adopted (77)" test $rc = 77
psqlc -c "create role staff nologin; create role staff_one nologin in role staff" >/dev/null
adm ana --add-user staff --dept sales
check "a role with members is not adopted: they would all get the department's rights (77)" \
    bash -c "test $rc = 77 && grep -q 'has members' '$TEST_TMP/err'"
psqlc -c "create role tableowner nologin; create table adopt_probe (i int); alter table adopt_probe owner to tableowner" >/dev/null
adm ana --add-user tableowner --dept sales
check "a role that owns a table is not adopted (77)" \
    bash -c "test $rc = 77 && grep -q 'owns objects or holds rights' '$TEST_TMP/err'"
psqlc -c "create role reporting nologin; grant select on adopt_probe to reporting" >/dev/null
adm ana --add-user reporting --dept sales
check "a role granted rights on a table is not adopted (77)" test $rc = 77
psqlc -c "create role someones_login login" >/dev/null
adm ana --add-user someones_login --dept sales --password <<<'takeover-pw'
check "another person's login is not given a new password (77)" \
    bash -c "test $rc = 77 && grep -q 'can log in already' '$TEST_TMP/err'"
adm ana --add-user someones_login --dept sales
check "... and is adopted with its own password (exit $rc)" test $rc = 0
psqlc -c "create role otherdb_admin login in role ccrm_admin" >/dev/null
adm ana --add-user otherdb_admin --dept sales
check "a role in another department of ccrm (another database's admin) is not added to sales: it would be both (77)" \
    bash -c "test $rc = 77 && grep -q 'is already in ccrm_admin' '$TEST_TMP/err'"
check "... and stays as it was" \
    test "$(psqlc -c "select pg_has_role('otherdb_admin', 'ccrm_sales', 'MEMBER')")" = f
psqlc -c "create role maker nologin createdb" >/dev/null
adm ana --add-user maker --dept sales
check "a role that may create databases is not adopted (77)" \
    bash -c "test $rc = 77 && grep -q 'is privileged' '$TEST_TMP/err'"
psqlc -c "create role twodb_user login in role ccrm_support" >/dev/null
adm ana --add-user twodb_user --dept support
check "a person of another ccrm database of the cluster (a member of ccrm's roles alone) is adopted (exit $rc)" \
    test $rc = 0
check "none of the refused roles became a ccrm user" \
    test "$(psqlc -c "select count(*) from users where login in ('ops', 'ownerish', 'staff', 'tableowner', 'reporting')")" = 0

# ---------------------------------------------------------------- share / unshare
acc=$(psqlc -c "select id from accounts where id not in (select account_id from account_shares) order by id limit 1")
name=$(psqlc -c "select name from accounts where id = $acc")
dom=$(psqlc -c "select domain from accounts where id = $acc")
adm ana --share "$acc" --partner "Blue Reseller Ltd"
check "--share by id exits 0" bash -c "test $rc = 0 && grep -q 'shared account #$acc' $TEST_TMP/out"
check "the partner now sees it in psql" test "$(as new_partner -c "select name from accounts")" = "$name"
check "... and its contacts" test "$(as new_partner -c "select count(*) from contacts")" = "$(psqlc -c "select count(*) from contacts where account_id = $acc")"
adm ana --share "$name" --partner "Blue Reseller Ltd"
check "--share again (by name) says already shared" bash -c "test $rc = 0 && grep -q 'already shared' $TEST_TMP/out"
adm ana --unshare "$dom" --partner "Blue Reseller Ltd"
check "--unshare by domain exits 0" bash -c "test $rc = 0 && grep -q 'stopped sharing' $TEST_TMP/out"
check "the partner no longer sees it" test "$(as new_partner -c "select count(*) from accounts")" = 0
check "nor its contacts" test "$(as new_partner -c "select count(*) from contacts")" = 0
check "Nordlicht's shares are untouched" test "$(as paul -c "select count(*) from accounts")" = 4

# ---------------------------------------------------------------- bytes that are not UTF-8
# said for the flag that holds them, as a usage error (64), before the database is asked; the
# database's own "invalid byte sequence for encoding" named no flag (exit 65)
adm ana --add-user bad_name --dept sales --display-name $'Bad\xff'
check "--display-name not UTF-8: exit 64, named ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 64 && grep -q '^ccrm: --display-name: not valid UTF-8 (byte 4)' '$TEST_TMP/err'"
adm ana --add-user bad_org --dept partner --partner $'Org\xfe'
check "--partner not UTF-8: exit 64, named ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 64 && grep -q '^ccrm: --partner: not valid UTF-8 (byte 4)' '$TEST_TMP/err'"
adm ana --share $'Acc\xff' --partner "Blue Reseller Ltd"
check "--share ACCOUNT not UTF-8: exit 64, named ($(cat "$TEST_TMP/err"))" \
    bash -c "test $rc = 64 && grep -q '^ccrm: --share: not valid UTF-8 (byte 4)' '$TEST_TMP/err'"
check "...and nobody was added" test "$(psqlc -c "select count(*) from pg_roles where rolname in ('bad_name', 'bad_org')")" = 0

done_testing
