#!/usr/bin/env bash
# ccrm --migrate by a role that does not own the schema: on a current schema it says the
# version (exit 0, nothing changed); with migrations pending, or on a database without the
# schema, it names the owner to run it as (exit 77, nothing changed); the migration lock not
# taken in time is a temporary failure (75). A CREATEROLE owner that is no superuser migrates
# a new database once the extensions exist (docs/deployment.md §1).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_migrate_perms.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 5
H="host=$PG_DIR dbname=ccrm"
# m USER [args...]: ccrm --migrate as USER; $rc, $T/out, $T/err
m() {
    local u=$1
    shift
    "$CCRM" -d "$H user=$u" "$@" --migrate >"$T/out" 2>"$T/err"
    rc=$?
}
top=$(q "select max(version) from schema_migrations")
count=$(q "select count(*) from schema_migrations")
fns=$(q "select count(*) from pg_proc where proname like 'ccrm\_%'")

# ---- 1. a current schema: the version, nothing else ----
m sam
check "a non-owner's --migrate on a current schema: exit 0 ($rc: $(cat "$T/err"))" test $rc = 0
check "... \"schema is at version $top (0 migrations applied)\"" \
    grep -qx "ccrm: schema is at version $top (0 migrations applied)" "$T/out"
check "... no refusal on standard error" bash -c "! grep -q 'permission denied' $T/err"
check "... and says the functions were not refreshed" grep -q 'functions not refreshed.*(postgres)' "$T/out"
check "... nothing changed" test "$(q "select count(*) from schema_migrations")" = "$count"

# ---- 2. migrations pending: whom to ask, 77 ----
last=$(q "select name from schema_migrations where version = $top")
q "delete from schema_migrations where version = $top" >/dev/null
below=$(q "select max(version) from schema_migrations") # (numbers may leave a gap)
m sam
check "a non-owner's --migrate with a migration pending: exit 77 ($rc)" test $rc = 77
check "... names the owner to run it as ($(cat "$T/err"))" \
    grep -q "schema is at version $below, this ccrm needs $top: run ccrm --migrate as the owner of the database (postgres)" "$T/err"
check "... one line" test "$(wc -l <"$T/err")" = 1
check "... nothing applied" test "$(q "select count(*) from schema_migrations where version = $top")" = 0
q "insert into schema_migrations (version, name) values ($top, '$last')" >/dev/null

# ---- 3. the migration lock not taken in time: 75 ----
psql -X -q "$H user=mia" -c "select pg_advisory_lock(1667460717), pg_sleep(30)" >/dev/null 2>&1 &
holder=$!
on_exit "kill $holder"
for i in $(seq 100); do [ "$(q "select count(*) from pg_locks where locktype = 'advisory' and objid = 1667460717 and granted")" = 1 ] && break; sleep 0.05; done
printf '[database]\nmigrate_wait = 1\n' >"$T/wait.ini"
m postgres -c "$T/wait.ini"
check "--migrate that cannot take the lock: exit 75 EX_TEMPFAIL ($rc)" test $rc = 75
check "... names who holds it" grep -q 'could not take the migration lock in 1 s: it is held by mia' "$T/err"
m sam -c "$T/wait.ini"
check "... a non-owner too: 75" test $rc = 75
kill $holder 2>/dev/null
wait $holder 2>/dev/null

# ---- 4. a database without the schema: refused before anything is made, 77 ----
q "create database other" >/dev/null
"$CCRM" -d "host=$PG_DIR dbname=other user=sam" --migrate >"$T/out" 2>"$T/err"
rc=$?
check "a non-owner's --migrate of a new database: exit 77 ($rc)" test $rc = 77
check "... says why and whom to ask ($(cat "$T/err"))" \
    grep -q 'permission denied.*run ccrm --migrate as the owner of the database (postgres)' "$T/err"
check "... no table made" test "$(psqlc -d other -c "select to_regclass('public.schema_migrations') is null")" = t

# ---- 5. the owner, and a CREATEROLE owner that is no superuser ----
m postgres
check "the owner's --migrate: exit 0, functions refreshed ($rc: $(cat "$T/err"))" \
    bash -c "test $rc = 0 && grep -qx 'ccrm: schema is at version $top (0 migrations applied)' $T/out && ! grep -q 'not refreshed' $T/out"
check "... the functions are all there" test "$(q "select count(*) from pg_proc where proname like 'ccrm\_%'")" = "$fns"
q "create role crm_owner login createrole" >/dev/null
q "create database crm2 owner crm_owner" >/dev/null
psqlc -d crm2 -c "create extension if not exists pg_trgm; create extension if not exists unaccent" >/dev/null
"$CCRM" -d "host=$PG_DIR dbname=crm2 user=crm_owner" --migrate >"$T/out" 2>"$T/err"
rc=$?
check "a CREATEROLE owner (no superuser) migrates a new database once the extensions exist ($rc: $(tail -1 "$T/err"))" \
    bash -c "test $rc = 0 && grep -qx 'ccrm: schema is at version $top ($count migrations applied)' $T/out"

done_testing
