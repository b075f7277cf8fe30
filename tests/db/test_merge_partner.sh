#!/usr/bin/env bash
# Merging people of accounts shared differently (ccrm_merge, migration 115). A partner sees a
# contact's or lead's mail, interests and consents with the person; a merge moves them to the
# survivor. So contacts and leads of accounts shared differently (one shared with a partner,
# the other not, or of no account) are merged, and unmerged, only by an admin, as accounts
# are (065): a sales user's merge of a stray contact of no account into one of a shared
# account showed the stray's mail, interests and consents to the reseller.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_merge_partner.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
ins() { as "$1" -c "$2" | head -n 1; }
SH=$(ins sam "insert into accounts (name) values ('Partner Shared GmbH') returning id")
UN=$(ins sam "insert into accounts (name) values ('Not Shared AG') returning id")
"$CCRM" -d "$PG_CONN" --share "$SH" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"

# person NAME ACCOUNT: a contact with a mail, an interest and an opt-out of its own
person() {
    local id
    id=$(ins sam "insert into contacts (account_id, first_name, last_name, email) values ($2, 'Pia', '$1', lower('$1') || '@shares.example') returning id")
    q "insert into messages (message_id, direction, status, from_addr, subject, contact_id)
       values ('$1.$id@shares.example', 'in', 'received', 'x@shares.example', 'Mail of $1', $id)"
    as marco -c "select ccrm_interest_add('contacts', $id, 'ccrm Pro')" >/dev/null
    as marco -c "select ccrm_consent_set('contacts', $id, 'email', true, 'said to $1')" >/dev/null
    echo "$id"
}
seen() { # what paul (the partner) sees of the mail, interests and consents of contacts $1
    as paul -c "select (select count(*) from messages where contact_id in ($1)) || ' '
                    || (select count(*) from interests where contact_id in ($1)) || ' '
                    || (select count(*) from consents where contact_id in ($1))"
}

S=$(person Shared "$SH")
M=$(person Stray NULL)
check "the partner sees the shared person's mail, interest and opt-out" test "$(seen "$S")" = "1 1 1"
says sam "select ccrm_merge('contacts', $S, $M)" "cannot merge contact #$M into #$S: their accounts are shared differently"
check "...so sales' merge of a stray of no account into it is refused, and nothing moved" test "$(seen "$S")" = "1 1 1"
M2=$(person Other "$UN")
says marco "select ccrm_merge('contacts', $M2, $S)" "their accounts are shared differently (#$SH with Nordlicht Reseller GmbH, #$UN with no partner)"
says sam "select ccrm_merge('contacts', $S, $M2, '{\"account_id\": \"merged\"}')" "their accounts are shared differently"
M3=$(person Same "$SH")
mid=$(ins sam "select ccrm_merge('contacts', $S, $M3)")
check "people of one account: sales merges them" test -n "$mid"
c sam --unmerge "$mid"
check "...and undoes it (rc $rc: $out $err)" test "$rc" = 0

L1=$(ins marco "insert into leads (last_name, email, account_id) values ('Lead', 'lead@shares.example', $SH) returning id")
L2=$(ins marco "insert into leads (last_name, email) values ('Lead', 'LEAD@shares.example') returning id")
says marco "select ccrm_merge('leads', $L1, $L2)" "cannot merge lead #$L2 into #$L1: their accounts are shared differently"

# an admin may: the partner then sees what the survivor has; only an admin undoes it
mid=$(ins ana "select ccrm_merge('contacts', $S, $M)")
check "an admin merges them (merge $mid)" test -n "$mid"
check "...the partner sees the stray's mail, interest and opt-out on the survivor" test "$(seen "$S")" = "2 2 1"
c sam --unmerge "$mid"
check "...sales may not undo it (rc $rc: $err)" test "$rc" = 77 -a -n "$(grep -F "shared differently" <<<"$err")"
c ana --unmerge "$mid"
check "...an admin may (rc $rc: $out $err)" test "$rc" = 0
check "...and the partner sees the shared person's alone again" test "$(seen "$S, $M")" = "1 1 1"

done_testing
