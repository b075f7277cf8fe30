#!/usr/bin/env bash
# What ccrm_inbox_put says when it refuses an entry that names no record, or half of one: the
# rule in plain words, never "record #<NULL>" (schema/functions/50_collab.sql). A hand-off may
# be about no record, to an internal user; a partner reads only entries about records it sees,
# so one to a partner names a record shared with its organisation; an assignment and a mention
# are always about a record. What was allowed still is.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_inbox_put_msg.sh path/to/ccrm}

pg_start_demo "$CCRM" 40
DB="host=$PG_DIR dbname=ccrm"

# put RECIPIENT KIND ENTITY ID: ccrm_inbox_put as sam; its answer, or its error and hint on
# one line
put() {
    psql -X -q -At "$DB user=sam" -c "select ccrm_inbox_put('$1', '$2', $3, $4, 'g1 over to you')" 2>&1 |
        grep -v '^CONTEXT:' | tr -s '\n ' '  ' | sed 's/ $//'
}
# said OUT TEXT: the refusal says TEXT, and names no record it does not have
said() { grep -qF -- "$2" <<<"$1" && ! grep -qF '<NULL>' <<<"$1"; }

shared=$(as paul -c "select min(id) from tickets")
unshared=$(q "select min(t.id) from tickets t where not exists (select 1 from account_shares s where s.account_id = t.account_id)")
check "a ticket shared with paul ($shared) and one that is not ($unshared)" test -n "$shared" -a -n "$unshared"

# the tester's reproduction
out=$(put paul handoff null null)
check "a record-less hand-off to a partner is refused in plain words ($out)" \
    said "$out" 'user "paul" is a partner and cannot see a hand-off about no record'
check "... with what to do instead" said "$out" "Name a record shared with the partner's organisation"
out=$(put paul mention null null)
check "a mention about no record: said so ($out)" said "$out" "a mention is about a record"
out=$(put sofia mention null null)
check "... to an internal user too ($out)" said "$out" "a mention is about a record"
out=$(put sofia assignment null null)
check "an assignment about no record: said so, not an SQL error ($out)" \
    said "$out" "an assignment is about a record"
out=$(put paul handoff "'tickets'" null)
check "a record half named: said so ($out)" said "$out" "a record is named by its entity and its id"
out=$(put sofia handoff null "$shared")
check "... the other half too ($out)" said "$out" "a record is named by its entity and its id"

# what was allowed and refused before still is, in the same words
check "a record-less hand-off to an internal user is written" test "$(put sofia handoff null null)" = t
check "... from sam" test "$(q "select count(*) from inbox where login = 'sofia' and from_login = 'sam' and note = 'g1 over to you' and entity is null")" = 1
check "a hand-off to the partner about a shared ticket is written" \
    test "$(put paul handoff "'tickets'" "$shared")" = t
out=$(put paul handoff "'tickets'" "$unshared")
check "one about a ticket not shared with him is refused ($out)" \
    said "$out" "user \"paul\" is a partner who cannot see ticket #$unshared"
out=$(put sofia handoff "'tickets'" 999999999)
check "a record that does not exist: not found ($out)" said "$out" "ticket #999999999 not found"
out=$(put nobody_here handoff null null)
check "an unknown recipient ($out)" said "$out" 'no active user "nobody_here"'
out=$(psql -X -q -At "$DB user=paul" -c "select ccrm_inbox_put('sam', 'handoff', null, null, 'x')" 2>&1)
check "a partner still writes to nobody's inbox" grep -q 'permission denied for function ccrm_inbox_put' <<<"$out"

done_testing
