#!/usr/bin/env bash
# An import's writes of its table are announced by the batch's one event, told at commit. A
# psql user who fired it early (SET CONSTRAINTS ALL IMMEDIATE) then wrote that table with no
# event at all: live clients and partners never heard of it. A revert's transaction folded
# every later UPDATE and DELETE of the table the same way. Now what is written after the event
# is told has events of its own, and a revert tells its event at its end.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_import_told.sh path/to/ccrm}
pg_start_demo "$CCRM" 3

acc=$(q "select id from accounts order by id limit 1")
t1=$(q "select min(id) from tickets")
e0=$(q "select max(id) from events")
as kenji -c "begin;
    select ccrm_import_begin('tickets', 'x.csv');
    insert into tickets (account_id, subject) values ($acc, 'told one');
    set constraints all immediate;
    insert into tickets (account_id, subject) select $acc, 'told bulk ' || g from generate_series(1, 30) g;
    update tickets set priority = 'urgent' where id = $t1;
    commit;" >/dev/null
check "the import's event counts what was written before it was told" \
    test "$(q "select count(*) from events where id > $e0 and op = 'bulk' and summary like 'imported 1 ticket from x.csv%'")" = 1
ev_after=$(q "select coalesce(sum(greatest(row_count, 1)), 0) from events where id > $e0 and entity = 'tickets'
    and not (op = 'bulk' and summary like 'imported %')")
check "the 30 tickets written after it and the update have events of their own ($ev_after rows)" test "$ev_after" -ge 31
check "... one of them names the updated ticket" \
    test "$(q "select count(*) from events where id > $e0 and entity = 'tickets' and entity_id = $t1")" -ge 1

# a revert, then other writes in its transaction
batch=$(q "select max(id) from import_batches")
t4=$(q "select id from tickets where subject not like 'told%' order by id offset 3 limit 1")
e1=$(q "select max(id) from events")
as kenji -c "begin;
    select ccrm_import_revert($batch);
    update tickets set subject = 'changed after the revert' where id = $t4;
    commit;" >/dev/null
check "the revert's one event" \
    test "$(q "select count(*) from events where id > $e1 and summary like 'reverted import batch $batch%'")" = 1
check "... and the update after it in the same transaction has its own" \
    test "$(q "select count(*) from events where id > $e1 and entity = 'tickets' and entity_id = $t4")" -ge 1

# the usual import still folds into one event
printf 'account,subject\n%s,Folded a\n%s,Folded b\n' "$(q "select coalesce(domain, name) from accounts where id = $acc")" \
    "$(q "select coalesce(domain, name) from accounts where id = $acc")" >"$TEST_TMP/f.csv"
e2=$(q "select max(id) from events")
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=kenji" --import "$TEST_TMP/f.csv" --into tickets --quiet || fail "the import"
check "an import from a file: its one event, and no other" \
    test "$(q "select count(*) || ' ' || count(*) filter (where summary like 'imported 2 tickets%') from events where id > $e2 and entity = 'tickets'")" = "1 1"

# a bulk UPDATE (more than 20 rows) that changes nothing is not announced; one that changes
# some tells those
e3=$(q "select max(id) from events")
as kenji -c "update tickets set priority = priority where id in (select id from tickets order by id limit 25)" >/dev/null
check "25 tickets updated to what they were: no event" test "$(q "select count(*) from events where id > $e3")" = 0
chg=$(q "select id from tickets order by id limit 1")
as kenji -c "update tickets set priority = case when id = $chg then (case when priority = 'low' then 'high' else 'low' end) else priority end
    where id in (select id from tickets order by id limit 25)" >/dev/null
check "25 updated, one of them changed: one ticket told" \
    test "$(q "select coalesce(sum(row_count), 0) from events where id > $e3 and entity = 'tickets'")" = 1

done_testing
