#!/usr/bin/env bash
# The attacks of the hardening issue, each as the attacker would run it through psql (and the
# batch commands), each of which worked before schema/014: an admin becoming superuser through a
# trigger fired by a SECURITY DEFINER function, TRUNCATE, REFERENCES and sequences; writes as a
# group role; forged import batches hiding other writes; presence pointed at any account; the
# inbox filled by anyone; a login taking every connection; the migration lock held forever.
# (Visibility of derived rows: test_visibility.sh; locks: test_locks.sh; NOTIFY floods:
# tests/tui/test_notify_flood.sh.)
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_hardening.sh path/to/ccrm}

pg_start_demo "$CCRM" 40
DB="host=$PG_DIR dbname=ccrm"
people="sam sofia marco mia ana paul"
tables=$(q "select string_agg(c.relname, ' ' order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind = 'r'")

# ---------------------------------------------------------------- 1. admin -> superuser
out=$(as ana -c "create function pg_temp.evil() returns trigger language plpgsql as \$\$ begin alter role ana superuser; return new; end \$\$" \
    -c "create trigger evil before insert on users for each row execute function pg_temp.evil()" \
    -c "select ccrm_add_user('mallory', 'sales')" 2>&1)
check "an admin cannot attach a trigger to users (${out##*ERROR:  })" grep -q 'permission denied for table users' <<<"$out"
check "... and is no superuser after the attempt" test "$(q "select rolsuper from pg_roles where rolname = 'ana'")" = f
# every role, every table: no TRIGGER, TRUNCATE, REFERENCES; no sequence writes
for u in $people; do
    script=$TEST_TMP/attack.$u.sql
    : >"$script"
    n=0
    for t in $tables; do
        echo "create trigger x after insert on $t for each statement execute function ccrm_stamp();" >>"$script"
        echo "truncate $t;" >>"$script"
        echo "create temp table r_$t (x bigint references $t);" >>"$script"
        n=$((n + 3))
    done
    for s in $(q "select string_agg(c.relname, ' ') from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'S'"); do
        echo "select setval('$s', 1);" >>"$script"
        echo "select nextval('$s');" >>"$script"
        n=$((n + 2))
    done
    psql -X -q -At "$DB user=$u" -f "$script" >"$TEST_TMP/attack.out" 2>&1
    denied=$(grep -c 'ERROR: .*\(permission denied\|may reference only temporary tables\)' "$TEST_TMP/attack.out")
    check "$u: all $n trigger/truncate/references/sequence attempts are refused (refused: $denied)" test "$denied" = "$n"
    check "$u holds REFERENCES on no table" \
        test "$(q "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   where n.nspname = 'public' and c.relkind = 'r' and has_table_privilege('$u', c.oid, 'REFERENCES')")" = 0
done
audit=$(q "select count(*) from audit")
check "the audit trail is intact after the attempts" test "$audit" -gt 0

# ---------------------------------------------------------------- 4. writes name a person
ac=$(q "select min(id) from accounts")
for r in ccrm_sales ccrm_internal; do
    out=$(as sam -c "set role $r" -c "insert into accounts (name) values ('By the group')" 2>&1)
    check "a write as the group role $r is refused" grep -q "writes as the group role \"$r\" are refused" <<<"$out"
    out=$(as sam -c "set role $r" -c "update accounts set industry = 'x' where id = $ac" 2>&1)
    check "an update as $r is refused too" grep -q 'are refused' <<<"$out"
done
out=$(as sam -c "set role ccrm_sales" -c "insert into comments (entity, entity_id, body, author) values ('accounts', $ac, 'anon', 'ccrm_sales')" 2>&1)
check "a comment as the group role is refused" grep -q 'are refused' <<<"$out"
out=$(as sam -c "set role ccrm_sales" -c "insert into presence (entity, entity_id) values ('accounts', $ac)" 2>&1)
check "presence as the group role is refused" grep -q 'are refused' <<<"$out"
out=$(as sam -c "set role ccrm_sales" -c "select ccrm_inbox_put('marco', 'handoff', 'accounts', $ac, 'anon')" 2>&1)
check "an inbox entry as the group role is refused" grep -q 'are refused' <<<"$out"
out=$(as mia -c "set role ccrm_management" -c "select ccrm_delete('accounts', $ac)" 2>&1)
check "a delete as the group role is refused" grep -q 'are refused' <<<"$out"
check "nothing was written by a group role" \
    test "$(q "select count(*) from audit where actor like 'ccrm\_%'")$(q "select count(*) from events where actor like 'ccrm\_%'")" = 00
check "reading as the group role still works" test "$(as sam -c "set role ccrm_sales" -c "select count(*) > 0 from accounts")" = t
as sam -c "update accounts set industry = 'Named' where id = $ac"
check "an ordinary write names the person" \
    test "$(q "select actor from audit where entity = 'accounts' and entity_id = $ac order by id desc limit 1")" = sam

# ---------------------------------------------------------------- 5. import batches
for u in $people; do
    out=$(as $u -c "insert into import_batches (entity, file_name) values ('accounts', 'forged')" 2>&1)
    check "$u cannot insert an import batch" grep -q 'permission denied' <<<"$out"
    out=$(as $u -c "update import_batches set inserted = 99" 2>&1)
    check "$u cannot change an import batch" grep -q 'permission denied' <<<"$out"
done
tk=$(q "select min(id) from tickets")
as sam -c "begin" -c "select ccrm_import_begin('accounts', e'forged\\033]0;pwned\\007.csv')" \
    -c "update tickets set priority = 'urgent' where id = $tk" -c "commit" >/dev/null
check "a write to another table in an import's transaction keeps its event" \
    test "$(q "select count(*) from events where entity = 'tickets' and entity_id = $tk and op = 'update' and actor = 'sam'")" = 1
sum=$(q "select summary from events where op = 'bulk' and actor = 'sam' order by id desc limit 1")
check "the batch's summary counts what the server saw: nothing ($sum)" grep -q '^imported 0 accounts from forged' <<<"$sum"
check "the file name lost its control characters" bash -c "! grep -q \$'\\033' <<<'$sum'"
as sam -c "begin" -c "select ccrm_import_note(ccrm_import_begin('accounts', 'two.csv'), 5, 7)" \
    -c "insert into accounts (name) values ('Imp One'), ('Imp Two')" -c "commit" >/dev/null
check "an import's summary says the rows really written" \
    test "$(q "select summary from events where op = 'bulk' and actor = 'sam' order by id desc limit 1")" = "imported 2 accounts from two.csv (batch $(q "select max(id) from import_batches"))"
check "the per-row events of the imported table are folded" \
    test "$(q "select count(*) from events where entity = 'accounts' and summary like 'Imp %'")" = 0
check "the batch row has the server's counts and the client's skipped/rejected" \
    test "$(q "select inserted, updated, skipped, rejected from import_batches order by id desc limit 1")" = "2|0|5|7"
out=$(as paul -c "select ccrm_import_begin('accounts', 'p.csv')" 2>&1)
check "a partner cannot start an import of accounts" grep -q 'permission denied to import accounts' <<<"$out"
out=$(as sam -c "begin" -c "select ccrm_import_begin('accounts', 'a')" -c "select ccrm_import_begin('accounts', 'b')" 2>&1)
check "one batch per transaction" grep -q 'is an import already' <<<"$out"
b=$(q "select max(id) from import_batches")
as sofia -c "select ccrm_import_note($b, 1000, 1000)" >/dev/null
as sam -c "select ccrm_import_note($b, 1000, 1000)" >/dev/null
check "nobody changes the figures of a batch after its transaction" \
    test "$(q "select skipped, rejected from import_batches where id = $b")" = "5|7"
out=$("$CCRM" -d "$DB user=sofia" --revert "$b" 2>&1)
check "someone else cannot revert the batch ($out)" grep -q "import batch $b does not exist (or is not yours)" <<<"$out"
out=$("$CCRM" -d "$DB user=sam" --revert "$b" 2>&1)
check "its importer reverts it although sales holds no DELETE ($out)" grep -q "reverted import batch $b (accounts from two.csv): 2 deleted, 0 restored" <<<"$out"

# ---------------------------------------------------------------- 8. presence's account
org=$(q "select id from partner_orgs where name = 'Nordlicht Reseller GmbH'")
sh1=$(q "select min(account_id) from account_shares where partner_org_id = $org")
un1=$(q "select min(id) from accounts where id not in (select account_id from account_shares)")
shc=$(q "select min(id) from contacts where account_id = $sh1")
as paul -c "insert into presence (entity, entity_id) values ('contacts', $shc)"
out=$(as paul -c "update presence set account_id = $un1 where login = 'paul'" 2>&1)
check "a partner cannot point its presence at another account" grep -q 'permission denied' <<<"$out"
out=$(as paul -c "update presence set account_id = 999999999 where login = 'paul'" 2>&1)
check "... nor learn from a foreign-key error whether an id exists" bash -c "! grep -q 'foreign key' <<<'$out'"
c2=$(q "select min(id) from contacts where account_id = $un1")
as sam -c "insert into presence (entity, entity_id) values ('contacts', $shc)" \
    -c "update presence set entity_id = $c2 where backend_pid = pg_backend_pid()"
check "presence takes its account from its record on every update" \
    test "$(q "select account_id from presence where login = 'sam' limit 1")" = "$un1"

# ---------------------------------------------------------------- 9. connection limits, timeouts
out=$("$CCRM" -d "$PG_CONN" --add-user cl2 --dept sales --connection-limit 2 2>&1)
check "--add-user --connection-limit 2 ($out)" test "$(q "select rolconnlimit from pg_roles where rolname = 'cl2'")" = 2
"$CCRM" -d "$PG_CONN" --add-user cl10 --dept support >/dev/null
check "a new login gets the default limit of 10" test "$(q "select rolconnlimit from pg_roles where rolname = 'cl10'")" = 10
check "existing logins got a limit too" test "$(q "select rolconnlimit from pg_roles where rolname = 'sam'")" = 10
"$CCRM" -d "$PG_CONN" --add-user clx --dept sales --connection-limit 0 >/dev/null 2>&1
check "--connection-limit 0 is a usage error (64)" test $? = 64
psql -X -q "$DB user=cl2" -c "select pg_sleep(20)" >/dev/null 2>&1 &
p1=$!
psql -X -q "$DB user=cl2" -c "select pg_sleep(20)" >/dev/null 2>&1 &
p2=$!
on_exit "kill $p1 $p2"
for ((i = 0; i < 1200; i++)); do [ "$(q "select count(*) from pg_stat_activity where usename = 'cl2'")" = 2 ] && break; sleep 0.05; done
check "cl2 has its two connections" test "$(q "select count(*) from pg_stat_activity where usename = 'cl2'")" = 2
out=$(psql -X -q "$DB user=cl2" -c "select 1" 2>&1)
check "a third connection of that login is refused" grep -q 'too many connections for role "cl2"' <<<"$out"
kill $p1 $p2 2>/dev/null
check "logins have lock_timeout 5s" test "$(as sam -c "show lock_timeout")" = 5s
check "logins have idle_in_transaction_session_timeout 5min" test "$(as sam -c "show idle_in_transaction_session_timeout")" = 5min
check "new logins too" test "$(as cl10 -c "show lock_timeout")" = 5s

# ---------------------------------------------------------------- 10. the migration lock
psql -X -q "$DB user=sam" -c "select pg_advisory_lock(1667460717), pg_sleep(30)" >/dev/null 2>&1 &
holder=$!
on_exit "kill $holder"
for ((i = 0; i < 1200; i++)); do [ "$(q "select count(*) from pg_locks where locktype = 'advisory' and objid = 1667460717 and granted")" = 1 ] && break; sleep 0.05; done
check "sam holds the migration lock" \
    test "$(q "select count(*) from pg_locks where locktype = 'advisory' and objid = 1667460717 and granted")" = 1
printf '[database]\nmigrate_wait = 2\n' >"$TEST_TMP/wait.ini"
start=$(date +%s)
out=$("$CCRM" -d "$PG_CONN" -c "$TEST_TMP/wait.ini" --migrate 2>&1)
rc=$?
took=$(($(date +%s) - start))
check "--migrate gives up after its wait (exit $rc, ${took}s)" test $rc != 0 -a "$took" -le 6
check "... and says who holds the lock ($out)" grep -q 'could not take the migration lock in 2 s: it is held by sam (pid [0-9]*' <<<"$out"
# end the holder's session itself (a killed psql leaves its backend sleeping, the lock held)
q "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = 1667460717 and granted" >/dev/null
wait $holder 2>/dev/null
out=$("$CCRM" -d "$PG_CONN" --migrate 2>&1)
check "--migrate runs once the lock is free" grep -q 'schema is at version' <<<"$out"

# ---------------------------------------------------------------- 11. the inbox
for u in $people; do
    out=$(as $u -c "insert into inbox (login, kind, note) values ('marco', 'handoff', 'spam')" 2>&1)
    check "$u cannot insert inbox rows directly" grep -q 'permission denied' <<<"$out"
done
ld=$(q "select min(id) from leads where owner is distinct from 'marco'")
before=$(q "select count(*) from inbox where login = 'marco' and from_login = 'sam'")
# 40 different records: repeats about one record would only count up one line (schema/019)
for r in $(q "select e || ':' || id from (select 'leads' e, id from leads union all select 'accounts', id from accounts) x order by e, id limit 40"); do
    as sam -c "select ccrm_inbox_put('marco', 'handoff', '${r%%:*}', ${r##*:}, 'ping ${r##*:}')" >/dev/null
done
after=$(q "select count(*) from inbox where login = 'marco' and from_login = 'sam'")
check "one sender reaches one recipient at most 30 times in ten minutes ($before -> $after)" test $((after - before)) -le 30
check "... and the entries name the real sender" \
    test "$(q "select count(*) from inbox where note like 'ping %' and from_login is distinct from 'sam'")" = 0
out=$(as sam -c "select ccrm_inbox_put('marco', 'assignment', 'leads', $ld, 'fake')" 2>&1)
check "no assignment entry for someone who does not own the record" grep -q 'an assignment goes to the owner' <<<"$out"
out=$(as sam -c "select ccrm_inbox_put('marco', 'mention', 'leads', $ld, 'fake')" 2>&1)
check "no mention entry without a comment mentioning the recipient" grep -q 'mentions marco' <<<"$out"
out=$(as sam -c "select ccrm_inbox_put('paul', 'handoff', 'accounts', $un1, 'psst')" 2>&1)
check "no entry for a partner about a record its organisation cannot see" grep -q 'cannot see' <<<"$out"
out=$(as sam -c "select ccrm_inbox_put('paul', 'handoff', NULL, NULL, 'psst')" 2>&1)
check "no sender-less or record-less entry for a partner" grep -q 'cannot see' <<<"$out"
out=$(as paul -c "select ccrm_inbox_put('sam', 'handoff', NULL, NULL, 'x')" 2>&1)
check "partners cannot write to anyone's inbox" grep -q 'permission denied for function ccrm_inbox_put' <<<"$out"
out=$(as sam -c "select ccrm_inbox_put('nobody_here', 'handoff', NULL, NULL, 'x')" 2>&1)
check "unknown recipients are refused" grep -q 'no active user "nobody_here"' <<<"$out"

done_testing
