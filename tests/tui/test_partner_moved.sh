#!/usr/bin/env bash
# A partner's screen follows writes whose events he may not read: a ticket moved from his
# shared account to one not shared with him (its event is filed under the new account), and a
# shared comment made internal (filed under none). Nothing else happens afterwards; his list
# and his open account drop them within seconds all the same (a quiet wake-up re-reads a
# partner's view, at most every 3 s, by a timer when one came too soon).
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_partner_moved.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
A=$(as sam -c "insert into accounts (name) values ('Moving Shared Works') returning id" | head -n 1)
B=$(as sam -c "insert into accounts (name) values ('Staying Internal Ltd') returning id" | head -n 1)
"$CCRM" -d "$PG_CONN" --share "$A" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
T=$(as sofia -c "insert into tickets (subject, account_id) values ('Moving ticket 4711', $A) returning id" | head -n 1)
as sam -c "insert into comments (entity, entity_id, body, visibility) values ('accounts', $A, 'Shared then internal 4712', 'shared')" >/dev/null

tui_start 140 40 "$CCRM" -d "$DB user=paul" --view tickets
check "paul's client starts on Tickets" wait_for "Tickets by" 15
check "the ticket of his shared account is listed" wait_for "Moving ticket 4711" 10

as sofia -c "update tickets set account_id = $B where id = $T" >/dev/null
check "moved to an account not shared with him: gone from his list" wait_gone "Moving ticket 4711" 10
check "... (and he may not read it: the list says what the database says)" \
    test "$(as paul -c "select count(*) from tickets where id = $T")" = 0

prompt "open Moving Shared Works"
check "his shared account opens" wait_for "Moving Shared Works" 10
check "the shared comment is there" wait_for "Shared then internal 4712" 10
as sam -c "update comments set visibility = 'internal' where body = 'Shared then internal 4712'" >/dev/null
check "a shared comment made internal: gone from his screen" wait_gone "Shared then internal 4712" 10
keys q q
done_testing
