#!/usr/bin/env bash
# What the full-screen client's marketing writes, through plain psql as each role (schema/024
# and the functions the client calls):
#   * an interest learned on a deal (source_entity 'opportunities', 024): any internal role
#     records it on the deal's account, a partner may not, a source that is no kind of record
#     is refused;
#   * consents recorded by each role (ccrm_consent_set: internal users yes, partners no);
#   * a saved segment changed and deleted as the client does it (UPDATE under the policies,
#     ccrm_delete): its creator and marketing/management may, sales and support may not (0
#     rows), a partner does not even see it;
#   * the setting the client uses to count a big campaign's results (ccrm.results_of) is one
#     any role may set for its own session, and changes nothing but what the detail counts.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_marketing_client.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
# err USER SQL: the SQLSTATE and message of the error, or "OK: output"
err() {
    local out
    if out=$(as "$1" -v VERBOSITY=verbose -c "$2" 2>&1); then
        echo "OK: $out"
    else
        grep -m1 '^ERROR:' <<<"$out" | sed 's/^ERROR: *//'
    fi
}

# ---- an interest learned on a deal ----
read -r deal acc <<<"$(q "select id || ' ' || account_id from opportunities order by id limit 1")"
for u in sam sofia marco mia bea ana; do
    out=$(err "$u" "select ccrm_interest_add('accounts', $acc, 'Deal-learned $u', null, 'hand', 'opportunities', $deal)")
    check "$u records an interest learned on deal #$deal ($out)" \
        test "$(q "select count(*) from interests where account_id = $acc and product = 'Deal-learned $u'
                   and source_entity = 'opportunities' and source_id = $deal and created_by = '$u'")" = 1
done
# a partner, on an account shared with it (it sees the account and its deal)
sh=$(q "select min(s.account_id) from account_shares s join partner_orgs o on o.id = s.partner_org_id
        where o.name = 'Nordlicht Reseller GmbH'")
shdeal=$(as sam -c "insert into opportunities (name, account_id) values ('Shared deal', $sh) returning id" | head -1)
check "the partner sees the shared deal" test "$(as paul -c "select count(*) from opportunities where id = $shdeal")" = 1
out=$(err paul "select ccrm_interest_add('accounts', $sh, 'Deal-learned paul', null, 'hand', 'opportunities', $shdeal)")
check "a partner may not record one, even on a shared deal ($out)" grep -q '^42501' <<<"$out"
out=$(err paul "select ccrm_interest_add('accounts', $acc, 'Deal-learned paul', null, 'hand', 'opportunities', $deal)")
check "... and an unshared one is not found ($out)" grep -q '^P0002' <<<"$out"
out=$(err sofia "insert into interests (account_id, product, source, source_entity, source_id)
                 values ($acc, 'Nowhere', 'hand', 'quotes', 1)")
check "a source that is no kind of record is refused ($out)" grep -q '^23514' <<<"$out"
out=$(err sofia "select ccrm_interest_add('accounts', $acc, 'Ghost deal', null, 'hand', 'opportunities', 999999999)")
check "a deal that does not exist is refused ($out)" grep -q '^P0002' <<<"$out"

# ---- consents, as each role ----
read -r c1 <<<"$(q "select id from contacts where email is not null order by id limit 1")"
for u in sofia sam marco mia bea; do
    out=$(err "$u" "select ccrm_consent_set('contacts', $c1, 'post', $([ "$u" = mia ] && echo false || echo true), 'said to $u')")
    check "$u records a consent ($out)" \
        test "$(q "select source from consents where contact_id = $c1 and channel = 'post'")" = "said to $u"
done
shc=$(q "select min(id) from contacts where account_id = $sh")
[ -n "$shc" ] || shc=$(q "insert into contacts (first_name, account_id) values ('Shared', $sh) returning id" | head -1)
out=$(err paul "select ccrm_consent_set('contacts', $shc, 'email', true)")
check "a partner may not record a consent, even of a shared person ($out)" grep -q '^42501' <<<"$out"
check "... and reads the shared person's consents" \
    test "$(as paul -c "select count(*) from consents where contact_id = $shc")" = "$(q "select count(*) from consents where contact_id = $shc")"
out=$(err paul "select ccrm_consent_set('contacts', $c1, 'email', true)")
check "... an unshared person is not found ($out)" grep -Eq '^(42501|P0002)' <<<"$out"
check "... nothing recorded" test "$(q "select count(*) from consents where contact_id = $c1 and channel = 'email' and created_by = 'paul'")" = 0

# ---- a segment changed and deleted, as the client does it ----
def='{"entity": "people", "match": "all", "rules": [{"account": {"field": "country", "op": "eq", "value": "Germany"}}]}'
seg=$(as marco -c "insert into segments (name, definition, owner) values ('Rights test', '$def', 'marco') returning id" | head -1)
for u in sam sofia bea; do
    n=$(as "$u" -c "with u as (update segments set name = 'by $u' where id = $seg returning 1) select count(*) from u")
    check "$u may not change marketing's segment (0 rows)" test "$n" = 0
    check "$u may not delete it" test "$(as "$u" -c "select ccrm_delete('segments', $seg, null)")" = f
done
check "a partner does not see it" test "$(as paul -c "select count(*) from segments where id = $seg")" = 0
check "... nor changes it" \
    test "$(as paul -c "with u as (update segments set name = 'by paul' where id = $seg returning 1) select count(*) from u")" = 0
check "... nor deletes it" test "$(as paul -c "select ccrm_delete('segments', $seg, null)")" = f
check "the name is kept" test "$(q "select name from segments where id = $seg")" = "Rights test"
for u in marco chloe mia; do
    n=$(as "$u" -c "with u as (update segments set name = 'by $u' where id = $seg returning 1) select count(*) from u")
    check "$u changes it" test "$n" = 1
done
out=$(err chloe "update segments set definition = '{\"entity\": \"people\", \"rules\": [{\"field\": \"x; drop table contacts\", \"op\": \"eq\", \"value\": 1}]}' where id = $seg")
check "a definition that does not run is refused ($out)" grep -q '^22' <<<"$out"
v=$(q "select version from segments where id = $seg")
mine=$(as sam -c "insert into segments (name, definition) values ('mine', '$def') returning id" | head -1)
check "sam deletes his own segment" test "$(as sam -c "select ccrm_delete('segments', $mine, null)")" = t
check "marco deletes marketing's" test "$(as marco -c "select ccrm_delete('segments', $seg, $v)")" = t
check "it is gone" test "$(q "select count(*) from segments where id = $seg")" = 0

# ---- the results setting ----
for u in marco sam paul; do
    check "$u may set ccrm.results_of for the session" \
        test "$(as "$u" -c "select set_config('ccrm.results_of', '42', false)")" = 42
done
done_testing
