#!/usr/bin/env bash
# An account's service tier and a ticket's or lead's queue (what SLA policies and routing rules
# match on) are exported, imported back and shown in the detail (not in the forms, whose
# fields keep their places). They were only in the database: an export imported back lost
# them. And an
# interaction's visibility goes out with it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_tier_queue.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 1
DB="host=$PG_DIR dbname=ccrm"

acc=$(q "select id from accounts where domain is not null order by id limit 1")
dom=$(q "select domain from accounts where id = $acc")
psqlc -c "update accounts set tier = 'gold' where id = $acc" >/dev/null

"$CCRM" -d "$DB user=sam" --export accounts -o "$T/acc.csv" || fail "export accounts"
check "the accounts' export has a tier column" grep -q '^name,.*,tier$' "$T/acc.csv"
check "... with the account's tier" grep -q "$dom.*,gold\$" "$T/acc.csv"
psqlc -c "update accounts set tier = 'silver' where id = $acc" >/dev/null
"$CCRM" -d "$DB user=sam" --import "$T/acc.csv" --into accounts --on-conflict update >"$T/out" 2>&1 ||
    fail "import of the export: $(cat "$T/out")"
check "the export imported back sets the tier again" test "$(q "select tier from accounts where id = $acc")" = gold
printf 'name,domain,tier\nTiered Ltd,tiered.example,Platinum Plus\n' >"$T/bad.csv"
"$CCRM" -d "$DB user=sam" --import "$T/bad.csv" --into accounts >"$T/out" 2>&1

check "a tier that is not one word of small letters is refused by its line, in words" grep -q "bad.csv:2: a tier is one word of small letters" "$T/out"
check "... and nothing is written" test "$(q "select count(*) from accounts where domain = 'tiered.example'")" = 0

# tickets: the queue goes out and comes in; a new ticket's queue chooses its SLA policy
psqlc -c "insert into sla_policies (name, position, queues, calendar_id, first_response_min)
          select 'Billing queue', 5, '{billing}', id, 15 from calendars order by id limit 1" >/dev/null
tid=$(q "select id from tickets order by id limit 1")
psqlc -c "update tickets set queue = 'billing' where id = $tid" >/dev/null
"$CCRM" -d "$DB user=sofia" --export tickets -o "$T/t.csv" || fail "export tickets"
check "the tickets' export has a queue column" grep -q '^account,.*,queue$' "$T/t.csv"
check "... with the ticket's queue" test "$(grep -c ',billing$' "$T/t.csv")" -ge 1
printf 'subject,account,priority,queue\nQueued by import,%s,normal,billing\n' "$dom" >"$T/tq.csv"
"$CCRM" -d "$DB user=sofia" --import "$T/tq.csv" --into tickets >"$T/out" 2>&1 ||
    fail "import a ticket with a queue: $(cat "$T/out")"
check "an imported ticket keeps its queue" test "$(q "select queue from tickets where subject = 'Queued by import'")" = billing
check "... and is under that queue's SLA policy" test "$(q "select p.name from sla_clocks k join sla_policies p on p.id = k.policy_id
    join tickets t on t.id = k.ticket_id where t.subject = 'Queued by import' and k.kind = 'first_response'")" = "Billing queue"

# leads
lid=$(q "select id from leads order by id limit 1")
psqlc -c "update leads set queue = 'webform' where id = $lid" >/dev/null
"$CCRM" -d "$DB user=sam" --export leads -o "$T/l.csv" || fail "export leads"
check "the leads' export has a queue column with the lead's queue" grep -q ',webform$' "$T/l.csv"

# an interaction's visibility (a note shared with the partner came back internal)
nid=$(q "select id from interactions where kind = 'note' order by id limit 1")
psqlc -c "update interactions set visibility = 'shared' where id = $nid" >/dev/null
"$CCRM" -d "$DB user=sam" --export interactions -o "$T/i.csv" || fail "export interactions"
check "the interactions' export has a visibility column" grep -q '^kind,.*,visibility$' "$T/i.csv"
check "... with a shared note's" test "$(grep -c ',shared$' "$T/i.csv")" -ge 1

# a partner does not set them (internal fields): his file with a queue is refused by name
printf 'subject,queue\nPartner queued,billing\n' >"$T/pq.csv"
"$CCRM" -d "$DB user=paul" --import "$T/pq.csv" --into tickets >"$T/out" 2>&1
rc=$?
check "a partner importing tickets with a queue column is refused (rc $rc)" test $rc = 77
check "... naming the column" grep -q 'may not set the column "queue" of tickets' "$T/out"

done_testing
