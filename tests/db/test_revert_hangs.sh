#!/usr/bin/env bash
# Reverting an import refuses when records that did not come with it hang on what it inserted:
# the revert deletes as the schema owner, so a deal moved onto an imported account, a call or a
# comment on an imported ticket would go with it (or be cut loose) past every department rule
# (support may not delete a won deal; a partner deletes nothing of staff's). Refused as
# ccrm_import_revert and through ccrm --revert, nothing reverted; a partner is not told what
# hangs there. A batch with nothing of others on it still reverts.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_revert_hangs.sh path/to/ccrm}
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# import USER TABLE VALUES: an import batch of one row, as the CSV import opens one; its id
import() {
    as "$1" -c "begin" -c "select ccrm_import_begin('$2', 'hangs.csv')" \
        -c "insert into $2 $3" -c "commit" | head -1
}
err() { as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR; }

# ---- support imports an account; sales' won deal is moved onto it
B=$(import sofia accounts "(name) values ('Hangs Imported GmbH')")
A=$(q "select id from accounts where name = 'Hangs Imported GmbH'")
check "sofia's import batch of one account" test -n "$B" -a -n "$A"
SAMS=$(as sam -c "select id from accounts order by id limit 1")
O=$(as sam -c "insert into opportunities (account_id, name, stage, amount) values ($SAMS, 'Hangs won deal', 'won', 7000) returning id" | head -1)
check "sofia may not delete sam's won deal" test -n "$(err sofia "select ccrm_delete('opportunities', array[$O])")"
as sofia -c "update opportunities set account_id = $A where id = $O" >/dev/null 2>&1 ||
    as sam -c "update opportunities set account_id = $A where id = $O" >/dev/null
out=$(err sofia "select ccrm_import_revert($B)")
check "the revert is refused, naming the deal that hangs on the account ($out)" \
    grep -q "cannot revert import batch $B: account #$A has deal #$O that did not come with the import; nothing reverted" <<<"$out"
check "...and nothing is reverted: the account, the deal, the batch" \
    test "$(q "select count(*) from accounts where id = $A")$(q "select count(*) from opportunities where id = $O")$(q "select reverted_at is null from import_batches where id = $B")" = "11t"
out=$("$CCRM" -d "$DB user=sofia" --revert "$B" 2>&1)
rc=$?
check "ccrm --revert says so and exits non-zero ($rc)" \
    bash -c "test $rc != 0 && grep -q 'has deal #$O that did not come with the import' <<<'$out'"

# ---- a partner imports a ticket; support logs a call and comments on it
PA=$(q "select min(id) from accounts")
q "insert into account_shares (account_id, partner_org_id) select $PA, partner_org_id from users where login = 'paul' on conflict do nothing"
B2=$(import paul tickets "(subject, account_id) values ('Hangs partner ticket', $PA)")
TK=$(q "select id from tickets where subject = 'Hangs partner ticket'")
as sofia -c "insert into interactions (kind, channel, direction, subject, ticket_id) values ('call', 'phone', 'out', 'Hangs called', $TK)" >/dev/null
out=$(err paul "select ccrm_import_revert($B2)")
check "the partner's revert is refused (a partner reverts no import), without telling what hangs there ($out)" \
    bash -c "grep -q 'partners may not revert imports' <<<'$out' && ! grep -q 'interaction' <<<'$out'"
check "...the ticket and the call are still there, the call on it" \
    test "$(q "select count(*) from interactions where ticket_id = $TK and subject = 'Hangs called'")" = 1

B3=$(import sofia tickets "(subject) values ('Hangs commented ticket')")
TK3=$(q "select id from tickets where subject = 'Hangs commented ticket'")
C=$(as kenji -c "insert into comments (entity, entity_id, body) values ('tickets', $TK3, 'Hangs: seen this') returning id" | head -1)
out=$(err sofia "select ccrm_import_revert($B3)")
check "a comment by someone else on an imported ticket: refused, naming it ($out)" \
    grep -q "ticket #$TK3 has comment #$C that did not come with the import" <<<"$out"

# ---- nothing of others on it: reverted, as before
B4=$(import sofia accounts "(name) values ('Hangs Alone AG')")
out=$(as sofia -c "select ccrm_import_revert($B4)")
check "a batch nothing hangs on is reverted ($out)" grep -q "reverted import batch $B4 (accounts from hangs.csv): 1 deleted, 0 restored" <<<"$out"
check "...its account is gone" test "$(q "select count(*) from accounts where name = 'Hangs Alone AG'")" = 0

done_testing
