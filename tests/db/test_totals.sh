#!/usr/bin/env bash
# The running totals behind the Deals pipeline and the Dashboard (schema/007, 010): after
# inserts, stage moves, amount edits, deletes, a bulk insert and many small writes (which fold
# the deltas), they equal a GROUP BY over the tables; a long transaction writing tickets does
# not make another writer of the same status wait; a partner reads no totals; a partner cannot
# place presence on an unshared record by naming a shared account.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_totals.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
agree() { # the totals equal the tables, per entity (each side as sorted "bucket:currency:n:amount")
    local a b
    a=$(psqlc -c "select entity || ':' || bucket || ':' || currency || ':' || n || ':' || amount
        from ccrm_totals where n <> 0 or amount <> 0 order by 1")
    b=$(psqlc -c "select x from (
          select 'opportunities:' || stage || ':' || currency || ':' || count(*) || ':' || coalesce(sum(amount), 0) x
            from opportunities group by stage, currency
          union all select 'tickets:' || status || '::' || count(*) || ':0' from tickets group by status
          union all select 'leads:' || status || '::' || count(*) || ':0' from leads group by status) t
        order by 1")
    [ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b") >&2; return 1; }
}
check "after the demo data the totals equal the tables" agree
acc=$(psqlc -c "select min(id) from accounts")
as sam -c "insert into opportunities (account_id, name, amount, currency) values ($acc, 'T1', 100, 'EUR'), ($acc, 'T2', 50.5, 'USD')"
as sam -c "update opportunities set stage = 'proposal' where name = 'T1'"
as sam -c "update opportunities set amount = amount + 1 where name in ('T1', 'T2')"
as sam -c "delete from opportunities where name = 'T2'"
check "after insert, stage move, amount edit and delete" agree
psqlc -c "insert into tickets (subject, status) select 'bulk ' || i, 'open' from generate_series(1, 500) i" >/dev/null
for i in $(seq 1 350); do echo "insert into tickets (subject) values ('small $i');"; done | as sofia >/dev/null
check "after a bulk insert and 350 small writes" agree
check "the deltas were folded (few rows left)" \
    test "$(psqlc -c "select count(*) from ccrm_totals_delta where entity = 'tickets'")" -lt 320

# a long transaction writing tickets must not hold up another writer of the same status: it
# stays open, fed through a FIFO, until the other writer has committed (or given up after its
# statement timeout of a second: it waited)
mkfifo "$TEST_TMP/long.in"
psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=sofia" <"$TEST_TMP/long.in" >"$TEST_TMP/long.out" 2>&1 &
long=$!
exec 8>"$TEST_TMP/long.in"
echo "begin; insert into tickets (subject) values ('long one'); select 'inserted';" >&8
for ((i = 0; i < 1200; i++)); do grep -q inserted "$TEST_TMP/long.out" && break; sleep 0.05; done
grep -q inserted "$TEST_TMP/long.out" || fail "the long transaction did not insert: $(cat "$TEST_TMP/long.out")"
t0=$(date +%s%N)
check "another writer of a new ticket does not wait for it" \
    as zoe -c "set statement_timeout = '1s'" -c "insert into tickets (subject) values ('quick one')"
t1=$(date +%s%N)
echo "# (it took $(((t1 - t0) / 1000000)) ms, with starting psql)"
echo "commit;" >&8
exec 8>&-
wait $long
rc=$?
check "the long one committed after it (psql exit $rc)" \
    test $rc = 0 -a "$(psqlc -c "select count(*) from tickets where subject = 'long one'")" = 1
check "after both committed" agree

check "a partner reads no totals" test "$(as paul -c "select count(*) from ccrm_totals")" = 0
check "internal users read them" test "$(as sam -c "select count(*) > 0 from ccrm_totals")" = t
unshared=$(psqlc -c "select c.id from contacts c where c.account_id is not null and not exists
    (select 1 from account_shares s join users u on u.partner_org_id = s.partner_org_id
      where u.login = 'paul' and s.account_id = c.account_id) limit 1")
shared_acc=$(psqlc -c "select s.account_id from account_shares s join users u on u.partner_org_id = s.partner_org_id
    where u.login = 'paul' limit 1")
check "a partner cannot place presence on an unshared record by naming a shared account" \
    bash -c "! psql -X -q -At '$DB user=paul' -c \"insert into presence (entity, entity_id, account_id)
        values ('contacts', $unshared, $shared_acc)\" 2>/dev/null"
done_testing
