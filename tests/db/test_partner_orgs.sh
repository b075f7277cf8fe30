#!/usr/bin/env bash
# Two partner organisations on one account (two resellers of one customer): each sees the
# account and what the company keeps on it, not what the other wrote (migration 107). Paul
# (Nordlicht) wrote a ticket, a call, chat and a presence row on the account shared with both;
# staff commented on his ticket, shared. Vera (Südwind) saw all of it, in the tables and in the
# Feed's summaries. Now she sees none of it, and still sees staff's own ticket on the account;
# paul sees his and not hers; staff see everything.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_partner_orgs.sh path/to/ccrm}
pg_start_demo "$CCRM" 5

acc=$(q "select id from accounts order by id limit 1")
admin="$PG_CONN"
"$CCRM" -d "$admin" --add-user vera --dept partner --partner 'Südwind Agentur KG' >/dev/null 2>&1 ||
    "$CCRM" -d "$admin" --add-user vera --dept partner --partner 'Südwind Agentur KG' >/dev/null ||
    fail "vera added as a partner of Südwind"
for org in 'Nordlicht Reseller GmbH' 'Südwind Agentur KG'; do
    "$CCRM" -d "$admin" --share "$acc" --partner "$org" >/dev/null || fail "account shared with $org"
done
check "both organisations share the account" \
    test "$(q "select count(*) from account_shares where account_id = $acc")" = 2

staff_t=$(as sofia -c "insert into tickets (account_id, subject) values ($acc, 'Staff ticket on the shared account')
                       returning id")
paul_t=$(as paul -c "insert into tickets (account_id, subject) values ($acc, 'Nordlicht asks for our reseller discount')
                     returning id")
as paul -c "insert into chat_messages (entity, entity_id, body) values ('accounts', $acc, 'Our margin is 35 percent');
            insert into interactions (kind, channel, direction, subject, account_id)
                 values ('call', 'phone', 'out', 'Nordlicht call about the discount', $acc)" >/dev/null
vera_t=$(as vera -c "insert into tickets (account_id, subject) values ($acc, 'Suedwind own ticket') returning id")
as sofia -c "insert into comments (entity, entity_id, body, visibility)
             values ('tickets', $paul_t, 'Staff answer on the Nordlicht ticket', 'shared')" >/dev/null
# presence: paul's session stays open on the account while vera looks
mkfifo "$TEST_TMP/p.in"
psql -X -q -At "host=$PG_DIR dbname=ccrm user=paul" <"$TEST_TMP/p.in" >"$TEST_TMP/p.out" 2>&1 &
exec 7>"$TEST_TMP/p.in"
echo "insert into presence (entity, entity_id) values ('accounts', $acc); select 'in';" >&7
for ((i = 0; i < 200; i++)); do grep -q '^in$' "$TEST_TMP/p.out" && break; nap; done
check "paul is on the account (presence)" grep -q '^in$' "$TEST_TMP/p.out"

seen() { as "$1" -c "$2"; }
check "vera sees the account" test "$(seen vera "select count(*) from accounts where id = $acc")" = 1
check "... and staff's ticket on it" test "$(seen vera "select count(*) from tickets where id = $staff_t")" = 1
check "... and her own ticket" test "$(seen vera "select count(*) from tickets where id = $vera_t")" = 1
check "vera does not see paul's ticket" test "$(seen vera "select count(*) from tickets where id = $paul_t")" = 0
check "... nor his call" test "$(seen vera "select count(*) from interactions where created_by = 'paul'")" = 0
check "... nor his chat" test "$(seen vera "select count(*) from chat_messages where created_by = 'paul'")" = 0
check "... nor his presence" test "$(seen vera "select count(*) from presence where login = 'paul'")" = 0
check "... nor staff's comment on his ticket" \
    test "$(seen vera "select count(*) from comments where entity = 'tickets' and entity_id = $paul_t")" = 0
check "... nor any event paul caused" test "$(seen vera "select count(*) from events where actor = 'paul'")" = 0
check "... nor staff's events about his ticket or its comment" \
    test "$(seen vera "select count(*) from events where summary like '%Nordlicht%' or summary like '%reseller discount%'
                           or summary like '%Staff answer%'")" = 0
check "... while she reads the events of staff's ticket" \
    test "$(seen vera "select count(*) from events where entity = 'tickets' and entity_id = $staff_t")" -ge 1
check "... and her own" test "$(seen vera "select count(*) from events where actor = 'vera'")" -ge 1
check "vera's export of tickets has staff's and hers, not paul's" \
    test "$("$CCRM" -d "host=$PG_DIR dbname=ccrm user=vera" --export tickets 2>/dev/null |
        grep -c -e 'Staff ticket on the shared' -e 'Suedwind own' -e 'Nordlicht asks')" = 2

check "paul sees his ticket, call, chat and staff's comment" \
    test "$(seen paul "select (select count(*) from tickets where id = $paul_t)
                          + (select count(*) from interactions where created_by = 'paul')
                          + (select count(*) from chat_messages where created_by = 'paul')
                          + (select count(*) from comments where entity = 'tickets' and entity_id = $paul_t)")" = 4
check "... and the events of his ticket" \
    test "$(seen paul "select count(*) from events where entity = 'tickets' and entity_id = $paul_t")" -ge 1
check "paul does not see vera's ticket" test "$(seen paul "select count(*) from tickets where id = $vera_t")" = 0
check "... nor her events" test "$(seen paul "select count(*) from events where actor = 'vera'")" = 0
check "staff see every ticket of the account" \
    test "$(seen sofia "select count(*) from tickets where id in ($staff_t, $paul_t, $vera_t)")" = 3
check "... and paul's presence" test "$(seen sofia "select count(*) from presence where login = 'paul'")" = 1
exec 7>&-
wait

# deletes (117): a delete event has no row left to be seen with. Staff delete staff's comment
# on paul's ticket, then the ticket: their delete events are paul's, not vera's (they named his
# ticket's subject and the comment's first words to her); staff's own ticket's delete event is
# both organisations'
as sofia -c "select ccrm_delete('comments', (select id from comments
                                             where entity = 'tickets' and entity_id = $paul_t))" >/dev/null
as sofia -c "select ccrm_delete('tickets', $paul_t), ccrm_delete('tickets', $staff_t)" >/dev/null
check "staff deleted the comment and both tickets" \
    test "$(q "select count(*) from events where op = 'delete' and entity_id in ($paul_t, $staff_t)
                  and entity = 'tickets'") $(q "select count(*) from comments where entity_id = $paul_t
                                                   and entity = 'tickets'")" = "2 0"
deleted_of_paul="select count(*) from events where op = 'delete'
                  and (summary like '%reseller discount%' or summary like '%Staff answer%')"
check "vera reads no delete event of paul's ticket or of the comment on it" \
    test "$(seen vera "$deleted_of_paul")" = 0
check "... paul reads both" test "$(seen paul "$deleted_of_paul")" = 2
check "... and both read the delete event of staff's ticket" \
    test "$(seen vera "select count(*) from events where op = 'delete' and entity = 'tickets'
                         and entity_id = $staff_t")$(seen paul "select count(*) from events
                         where op = 'delete' and entity = 'tickets' and entity_id = $staff_t")" = 11
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=vera" --feed --limit 1000 >"$TEST_TMP/vfeed" 2>&1
check "vera's --feed names neither" \
    bash -c "! grep -e 'reseller discount' -e 'Staff answer' '$TEST_TMP/vfeed'"
echo "ok - test_partner_orgs"
