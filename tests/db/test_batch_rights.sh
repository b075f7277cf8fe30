#!/usr/bin/env bash
# The batch commands' refusals and words: a partner reverts no import (docs/import.md), the
# database refuses it (ccrm_import_revert, through psql and ccrm --revert: 77), nothing
# reverted; a revert of accounts takes their followers rows along; a flag's value that is not
# one it takes (--payment --amount abc) is a usage error, 64, one line naming the flag; the
# import of campaign responses names itself when refusing the general import's options, says
# its dry run as the other dry runs do, and names a bad row FILE:LINE: reason.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_batch_rights.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
run() { # run USER ARGS...: ccrm as USER, its exit status in rc
    local u=$1
    shift
    "$CCRM" -d "$DB user=$u" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# ---- a partner's import: he may not revert it ----
S=$(q "select min(id) from accounts where domain is not null")
q "insert into account_shares (account_id, partner_org_id) select $S, partner_org_id from users where login = 'paul' on conflict do nothing" >/dev/null
dom=$(q "select coalesce(domain, name) from accounts where id = $S")
printf 'subject,account\nRights partner ticket,"%s"\n' "$dom" >"$T/t.csv"
run paul --import "$T/t.csv" --into tickets
check "paul imports a ticket ($(cat "$T/out" "$T/err"))" test $rc = 0
B=$(q "select max(id) from import_batches where created_by = 'paul'")
out=$(as paul -c "select ccrm_import_revert($B)" 2>&1)
check "ccrm_import_revert as paul is refused ($out)" grep -q "permission denied: partners may not revert imports" <<<"$out"
run paul --revert "$B"
check "ccrm --revert as paul: exit 77 ($rc: $(cat "$T/err"))" \
    bash -c "test $rc = 77 && grep -q 'partners may not revert imports' '$T/err'"
run paul --revert "$B" --dry-run
check "... with --dry-run too ($rc)" test $rc = 77
check "... the ticket is there, the batch not reverted" \
    test "$(q "select count(*) from tickets where subject = 'Rights partner ticket'"),$(q "select reverted_at is null from import_batches where id = $B")" = "1,t"
run postgres --revert "$B"
check "someone of the company with the right (the schema owner) reverts it ($rc: $(cat "$T/out" "$T/err"))" \
    bash -c "test $rc = 0 && grep -q '1 deleted' '$T/out'"

# ---- a revert of accounts takes their followers rows along ----
printf 'name,domain\nRights Follow AG,rights-follow.example\n' >"$T/a.csv"
run sam --import "$T/a.csv" --into accounts
B2=$(q "select max(id) from import_batches where created_by = 'sam'")
A=$(q "select id from accounts where domain = 'rights-follow.example'")
as sam -c "insert into followers (entity, entity_id) values ('accounts', $A)" >/dev/null
as mia -c "insert into followers (entity, entity_id, following) values ('accounts', $A, false)" >/dev/null
check "two followers rows on the imported account" \
    test "$(q "select count(*) from followers where entity = 'accounts' and entity_id = $A")" = 2
run sam --revert "$B2"
check "sam reverts his accounts import ($rc: $(cat "$T/out" "$T/err"))" test $rc = 0
check "... the account is gone" test "$(q "select count(*) from accounts where id = $A")" = 0
check "... and its followers rows with it" \
    test "$(q "select count(*) from followers where entity = 'accounts' and entity_id = $A")" = 0

# ---- a flag's value that is not one it takes: 64, one line naming the flag ----
INV=$(q "select min(id) from invoices")
for amount in abc 0 -5; do
    run bea --payment "$INV" --amount "$amount"
    check "--payment --amount $amount: exit 64 ($rc)" test $rc = 64
    check "... the first line names --amount and the value ($(head -1 "$T/err"))" \
        bash -c "head -1 '$T/err' | grep -q '^ccrm: --amount: .*\"$amount\"'"
done
check "... no payment recorded" test "$(q "select count(*) from payments where invoice_id = $INV and amount <= 0")" = 0

# ---- campaign responses ----
cp=$(q "select m.campaign_id from campaign_members m join contacts c on c.id = m.contact_id where c.email is not null order by m.id limit 1")
em=$(q "select c.email from campaign_members m join contacts c on c.id = m.contact_id where m.campaign_id = $cp and c.email is not null order by m.id limit 1")
printf 'email,status\n%s,opened\nnobody@rights.example,opened\n' "$em" >"$T/r.csv"
for opt in "--on-conflict skip" "--create-missing accounts" "--map email=email"; do
    # shellcheck disable=SC2086
    run marco --import "$T/r.csv" --into campaign_responses --campaign "$cp" $opt
    check "campaign_responses $opt: exit 64, naming the entity ($(head -1 "$T/err"))" \
        bash -c "test $rc = 64 && grep -q '^ccrm: ${opt%% *} does not go with --into campaign_responses$' '$T/err'"
done
run marco --import "$T/r.csv" --into campaign_responses --campaign "$cp" --dry-run --rejects "$T/rej.csv"
check "a dry run in the words of the other dry runs ($(cat "$T/out"))" \
    grep -q "^ccrm: dry run: would record 1 responses, 0 opt-outs, 1 rejected (campaign_responses from $T/r.csv); nothing written$" "$T/out"
check "... and records nothing" test "$(q "select count(*) from campaign_responses where campaign_id = $cp and status = 'opened' and note is null and at > now() - interval '1 hour'")" = 0
check "a bad row: FILE:LINE: reason, as every import says it ($(cat "$T/err"))" \
    grep -q "^$T/r.csv:3: \"nobody@rights.example\" is not a member" "$T/err"
done_testing
