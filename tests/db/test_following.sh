#!/usr/bin/env bash
# The records one follows (ccrm_following(), schema/functions/94_following.sql): what one
# watches, owns or is assigned, minus what one unwatched, with why, under one's own row-level
# security. It asks the one rule the notices use (ccrm_followers): for two internal people the
# list equals, record for record, the records whose followers (as the notices reckon them) name
# them. A partner, who may read neither followers nor campaigns, gets the records it owns and
# may see, and nothing else, without an error.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_following.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
ins() { as "$1" -c "$2" | head -n 1; } # the id of one inserted row (INSERT ... RETURNING id)
mine() { as "$1" -c "select entity || ' ' || entity_id || ' ' || why from ccrm_following() order by 1"; }

# ---- fixtures: sam owns, is assigned, watches, unwatches ----
A1=$(ins sam "insert into accounts (name, owner) values ('Follow Own Co', 'sam') returning id")
A2=$(ins sam "insert into accounts (name, owner) values ('Follow Dropped Co', 'sam') returning id")
T1=$(ins sofia "insert into tickets (account_id, subject, assignee) values ($A1, 'Follow my printer', 'sam') returning id")
D1=$(ins juergen "insert into opportunities (account_id, name, owner) values ($A1, 'Follow Watched Deal', 'juergen') returning id")
L1=$(ins juergen "insert into leads (last_name, company, owner) values ('Follow', 'Once Watched GmbH', 'juergen') returning id")
as sam -c "select ccrm_follow('opportunities', $D1, true), ccrm_follow('accounts', $A2, false),
                  ccrm_follow('leads', $L1, true), ccrm_follow('leads', $L1, false)" >/dev/null
C1=$(ins marco "insert into campaigns (name, owner) values ('Follow Campaign', 'sam') returning id")

out=$(mine sam)
check "an account sam owns is listed, as owner" grep -qx "accounts $A1 owner" <<<"$out"
check "a ticket sam is assigned is listed, as assignee" grep -qx "tickets $T1 assignee" <<<"$out"
check "a deal sam watches is listed, as watching" grep -qx "opportunities $D1 watching" <<<"$out"
check "a campaign sam owns is listed" grep -qx "campaigns $C1 owner" <<<"$out"
check "an account sam owns but unwatched is not" bash -c "! grep -q '^accounts $A2 ' <<<'$out'"
check "a lead sam watched and unwatched is not" bash -c "! grep -q '^leads $L1 ' <<<'$out'"
check "juergen, the deal's owner, follows it too (his list)" grep -qx "opportunities $D1 owner" <<<"$(mine juergen)"
check "sam's unwatched lead stays in its owner juergen's list" grep -qx "leads $L1 owner" <<<"$(mine juergen)"

# ---- the one rule: the list equals what ccrm_followers says, for every record ----
expected() { # expected LOGIN: every record whose followers name LOGIN, as the notices see them
    q "select e || ' ' || id from (
         select 'accounts' e, id, owner o from accounts union all
         select 'contacts', id, owner from contacts union all
         select 'leads', id, owner from leads union all
         select 'opportunities', id, owner from opportunities union all
         select 'tickets', id, assignee from tickets union all
         select 'campaigns', id, owner from campaigns) r
        where '$1' in (select f from ccrm_followers(r.e, r.id, r.o) f) order by 1"
}
for who in sam juergen; do
    as "$who" -c "select entity || ' ' || entity_id from ccrm_following() order by 1" >"$TEST_TMP/got.$who"
    expected "$who" >"$TEST_TMP/exp.$who"
    check "$who's list equals the followers' rule, record for record ($(wc -l <"$TEST_TMP/exp.$who") records)" \
        diff "$TEST_TMP/exp.$who" "$TEST_TMP/got.$who"
done
check "the ids are unique across the kinds" \
    test "$(as sam -c "select count(*) = count(distinct id) from ccrm_following()")" = t

# ---- last change first, and by whom ----
as juergen -c "update opportunities set amount = 1234 where id = $D1"
check "a change puts the record first, with who changed it" \
    test "$(as sam -c "select entity || ' ' || entity_id || ' ' || changed_by from ccrm_following()
                        order by changed_at desc, id desc limit 1")" = "opportunities $D1 juergen"

# ---- the list's own statement: the client's page, keyset by last change ----
check "a page after the newest row, in the list's order, starts with the next one" \
    test "$(as sam -c "select count(*) from ccrm_following() a
                        where (a.changed_at, a.id) < (select changed_at, id from ccrm_following()
                                                       order by changed_at desc, id desc limit 1)")" \
         = "$(( $(as sam -c "select count(*) from ccrm_following()") - 1 ))"

# ---- a partner: its own visible records, no error, nothing of others ----
org=$(q "select id from partner_orgs where name = 'Nordlicht Reseller GmbH'")
S=$(ins sam "insert into accounts (name) values ('Follow Shared') returning id")
U=$(ins sam "insert into accounts (name) values ('Follow Unshared') returning id")
"$CCRM" -d "$PG_CONN" --share "$S" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
# leads a partner owns: rows from before migration 045, which now refuses a partner as the
# owner a colleague sets (partners may not write leads themselves)
q "alter table leads disable trigger ccrm_owner_check"
LS=$(ins sam "insert into leads (last_name, account_id, owner) values ('Follow Paul shared', $S, 'paul') returning id")
LU=$(ins sam "insert into leads (last_name, account_id, owner) values ('Follow Paul unshared', $U, 'paul') returning id")
q "alter table leads enable trigger ccrm_owner_check"
TS=$(ins sam "insert into tickets (account_id, subject, assignee) values ($S, 'Follow shared, sam''s', 'sam') returning id")
as sam -c "select ccrm_follow('tickets', $TS, true)" >/dev/null
pout=$(as paul -c "select entity || ' ' || entity_id || ' ' || why from ccrm_following() order by 1" 2>&1)
check "the partner's list runs (it may read neither followers nor campaigns): $pout" \
    bash -c "! grep -q ERROR <<<'$pout'"
check "the partner's own lead on a shared account is listed" grep -qx "leads $LS owner" <<<"$pout"
check "its own lead on an unshared account is not (it may not see it)" \
    bash -c "! grep -q '^leads $LU ' <<<'$pout'"
check "nothing the partner does not own (sam's watched ticket on the shared account)" \
    test "$(as paul -c "select count(*) from ccrm_following() where why <> 'owner' or entity_id = $TS")" = 0
check "the partner's list equals its visible records that name it owner" \
    test "$(as paul -c "select count(*) from ccrm_following()")" = \
         "$(as paul -c "select (select count(*) from accounts where owner = 'paul') + (select count(*) from contacts where owner = 'paul')
                             + (select count(*) from leads where owner = 'paul') + (select count(*) from opportunities where owner = 'paul')
                             + (select count(*) from tickets where assignee = 'paul')")"
check "sam sees neither of paul's leads in his list" \
    test "$(as sam -c "select count(*) from ccrm_following() where entity = 'leads' and entity_id in ($LS, $LU)")" = 0
done_testing
