#!/usr/bin/env bash
# Undoing a merge after life went on (ccrm_unmerge, migration 115): what happened to the
# survivor since the merge is kept where the undo can keep it, and refused in words where it
# cannot.
#   * the survivor edited since, in a field the merge did not set: undone, the edit kept; in a
#     field the merge set: refused, naming the field;
#   * an opt-out recorded since on a consent the merge moved or set, and the membership it
#     ended: undone, the opt-out holds for both records, neither is a member again;
#   * the merged contact's e-mail address taken by a new contact: refused (65), naming it;
#   * the survivor merged again, or deleted: refused (65), saying so (not "an interaction
#     was changed");
#   * a pair marked "not a duplicate" with the merged record holds for the survivor while
#     merged (the scan does not offer it again), and is back as it was after the undo.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_unmerge_later.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
ins() { as "$1" -c "$2" | head -n 1; }

# ---- the survivor edited since the merge ----
read -r S M <<<"$(as marco -c "insert into contacts (first_name, last_name, email, title) values
    ('Edda', 'Later', 'edda.s@later.example', NULL), ('Edda', 'Later', 'edda.m@later.example', 'CTO')
    returning id" | tr '\n' ' ')"
mid=$(ins marco "select ccrm_merge('contacts', $S, $M)")
check "the merge fills the survivor's empty title" test "$(q "select title from contacts where id = $S")" = CTO
as sam -c "update contacts set phone = '+49 30 1234567' where id = $S" >/dev/null
c marco --unmerge "$mid"
check "the survivor's phone edited since: undone (rc $rc: $out $err)" test "$rc" = 0
check "...the edit kept, the title as before" \
    test "$(q "select coalesce(title, '-') || '|' || phone from contacts where id = $S")" = "-|+49 30 1234567"
check "...the merged contact back" test "$(q "select title from contacts where id = $M")" = CTO
mid=$(ins marco "select ccrm_merge('contacts', $S, $M)")
as sam -c "update contacts set title = 'CEO' where id = $S" >/dev/null
c marco --unmerge "$mid"
check "the title the merge set, edited since: refused, naming the field (rc $rc: $err)" \
    test "$rc" = 65 -a -n "$(grep -F "contact #$S: title was changed after the merge by sam" <<<"$err")"
check "...nothing undone" test "$(q "select count(*) from contacts where id = $M")" = 0

# a quote the merge moved, sent since: the undo would change its buyer, which a sent quote
# keeps; refused as an undo, not as a failure
A=$(ins sam "insert into accounts (name) values ('Later Quotes AB') returning id")
read -r S M <<<"$(as sam -c "insert into contacts (account_id, first_name, last_name, email) values
    ($A, 'Quinn', 'Later', 'quinn.s@later.example'), ($A, 'Quinn', 'Later', 'quinn.m@later.example')
    returning id" | tr '\n' ' ')"
Q=$(ins sam "insert into quotes (account_id, contact_id) values ($A, $M) returning id")
as sam -c "insert into quote_lines (quote_id, position, description, quantity, unit, unit_price, discount_pct, tax_rate)
           values ($Q, 1, 'Licence', 1, 'pc', 100, 0, 19)" >/dev/null
mid=$(ins sam "select ccrm_merge('contacts', $S, $M)")
as sam -c "update quotes set status = 'sent' where id = $Q" >/dev/null
c sam --unmerge "$mid"
check "a moved quote sent since: refused as an undo (rc $rc: $err)" \
    test "$rc" = 65 -a -n "$(grep -F "cannot undo merge $mid: quote #$Q" <<<"$err")"
check "...nothing undone" test "$(q "select count(*) from contacts where id = $M")" = 0

# ---- opt-outs recorded since the merge ----
read -r S M <<<"$(as marco -c "insert into contacts (first_name, last_name, email) values
    ('Otto', 'Later', 'otto.s@later.example'), ('Otto', 'Later', 'otto.m@later.example')
    returning id" | tr '\n' ' ')"
cp=$(ins marco "insert into campaigns (name, status, channel) values ('Later mail', 'active', 'email') returning id")
as marco -c "insert into campaign_members (campaign_id, contact_id) values ($cp, $M)" >/dev/null
as marco -c "select ccrm_consent_set('contacts', $M, 'phone', false, 'fair')" >/dev/null
as marco -c "select ccrm_consent_set('contacts', $S, 'post', false, 'fair')" >/dev/null
as marco -c "select ccrm_consent_set('contacts', $M, 'post', false, 'web')" >/dev/null
mid=$(ins marco "select ccrm_merge('contacts', $S, $M)")
as sofia -c "select ccrm_consent_set('contacts', $S, 'email', true, 'unsubscribe link')" >/dev/null
as sofia -c "select ccrm_consent_set('contacts', $S, 'phone', true, 'on the phone')" >/dev/null
as sofia -c "select ccrm_consent_set('contacts', $S, 'post', true, 'letter')" >/dev/null
check "the e-mail opt-out ends the membership the merge moved" \
    test "$(q "select count(*) from campaign_members where campaign_id = $cp")" = 0
c marco --unmerge "$mid"
check "opt-outs recorded since on consents the merge moved or set: undone (rc $rc: $out $err)" test "$rc" = 0
check "...every opt-out holds for both records" \
    test "$(q "select string_agg(channel || ':' || (contact_id = $S)::text, ' ' order by channel, contact_id = $S)
               from consents where contact_id in ($S, $M) and opted_out_at is not null")" \
    = "email:false email:true phone:false phone:true post:false post:true"
check "...neither is a member of the open e-mail campaign" \
    test "$(q "select count(*) from campaign_members where campaign_id = $cp")" = 0
check "...the merged contact back" test "$(q "select count(*) from contacts where id = $M")" = 1

# ---- the merged contact's e-mail address taken since ----
read -r S M <<<"$(as marco -c "insert into contacts (first_name, last_name, email) values
    ('Emil', 'Later', 'emil.s@later.example'), ('Emil', 'Later', 'emil.m@later.example')
    returning id" | tr '\n' ' ')"
mid=$(ins marco "select ccrm_merge('contacts', $S, $M)")
N=$(ins sam "insert into contacts (first_name, last_name, email) values ('Emil', 'New', 'EMIL.M@later.example') returning id")
c marco --unmerge "$mid"
check "the merged contact's address taken by a new contact: refused (rc $rc: $err)" \
    test "$rc" = 65 -a -n "$(grep -F "contact #$M would get back its e-mail address emil.m@later.example, which contact #$N has now" <<<"$err")"
check "...nothing undone" test "$(q "select count(*) from contacts where id = $M")" = 0
as sam -c "update contacts set email = 'emil.new@later.example' where id = $N" >/dev/null
c marco --unmerge "$mid"
check "...and undone once the address is free again (rc $rc: $out $err)" test "$rc" = 0

# ---- the survivor merged again, or deleted ----
read -r A B C <<<"$(as marco -c "insert into contacts (first_name, last_name, email) values
    ('Cho', 'Later', 'cho.a@later.example'), ('Cho', 'Later', 'cho.b@later.example'),
    ('Cho', 'Later', 'cho.c@later.example') returning id" | tr '\n' ' ')"
m1=$(ins marco "select ccrm_merge('contacts', $B, $A)")
m2=$(ins marco "select ccrm_merge('contacts', $C, $B)")
c marco --unmerge "$m1"
check "the survivor merged again: refused, saying which merge to undo first (rc $rc: $err)" \
    test "$rc" = 65 -a -n "$(grep -F "contact #$B was merged into #$C since (merge $m2); undo that first" <<<"$err")"
read -r D E <<<"$(as marco -c "insert into contacts (first_name, last_name, email) values
    ('Dag', 'Later', 'dag.d@later.example'), ('Dag', 'Later', 'dag.e@later.example') returning id" | tr '\n' ' ')"
m3=$(ins marco "select ccrm_merge('contacts', $D, $E)")
as sam -c "select ccrm_delete('contacts', $D)" >/dev/null
c marco --unmerge "$m3"
check "the survivor deleted since: refused, saying so (rc $rc: $err)" \
    test "$rc" = 65 -a -n "$(grep -F "contact #$D, the survivor, was deleted after the merge" <<<"$err")"

# ...merged again while the undo runs: the undo waits for that merge and then says so (it
# put the rows back over what that merge had just moved, and that merge was undoable no more)
read -r A B C <<<"$(as marco -c "insert into contacts (first_name, last_name, email) values
    ('Rae', 'Later', 'rae.a@later.example'), ('Rae', 'Later', 'rae.b@later.example'),
    ('Rae', 'Later', 'rae.c@later.example') returning id" | tr '\n' ' ')"
as marco -c "insert into interactions (kind, subject, contact_id) values ('note', 'about Rae B', $B)" >/dev/null
m1=$(ins marco "select ccrm_merge('contacts', $A, $B)")
as sam -c "begin; select ccrm_merge('contacts', $C, $A); select pg_sleep(2); commit;" >/dev/null 2>&1 &
merging=$!
for ((i = 0; i < 200; i++)); do
    [ "$(q "select count(*) from pg_stat_activity where usename = 'sam' and wait_event = 'PgSleep'")" = 1 ] && break
    nap 0.05
done
c marco --unmerge "$m1"
wait $merging
m2=$(q "select id from merges where merged_id = $A and survivor_id = $C")
check "an undo while its survivor is being merged into another: refused once that is done (rc $rc: $err)" \
    test "$rc" = 65 -a -n "$(grep -F "contact #$A was merged into #$C since (merge $m2)" <<<"$err")"
c marco --unmerge "$m2"
check "...that merge undone first (rc $rc: $out $err)" test "$rc" = 0
c marco --unmerge "$m1"
check "...then this one (rc $rc: $out $err)" test "$rc" = 0
check "...the note about B on B" test "$(q "select contact_id from interactions where subject = 'about Rae B'")" = "$B"

# ---- "not a duplicate" holds for the survivor ----
read -r A B C <<<"$(as sam -c "insert into contacts (first_name, last_name, email) values
    ('Nadia', 'Notdup', 'nadia@one.example'), ('Nadia', 'Notdup', 'nadia.n@one.example'),
    ('Nadia', 'Notdup', 'n.nadia@one.example') returning id" | tr '\n' ' ')"
pairs() { as sam -c "select string_agg(a_id || '-' || b_id, ' ' order by a_id, b_id) from ccrm_duplicate_pairs('contacts', 1000) where a_id in ($A, $B, $C) and b_id in ($A, $B, $C)"; }
check "three people of one name are offered as pairs" test "$(pairs)" = "$A-$B $A-$C $B-$C"
as sam -c "select ccrm_not_duplicate('contacts', $A, $B, 'two people')" >/dev/null
as sam -c "select ccrm_not_duplicate('contacts', $A, $C, 'two people')" >/dev/null
check "...the two judged apart are not" test "$(pairs)" = "$B-$C"
mid=$(ins sam "select ccrm_merge('contacts', $C, $A)")
check "A merged into C: B and C are not offered (A is not B, and A is C)" test -z "$(pairs)"
check "...the mark names C now, the pair C and A it judged apart too is gone" \
    test "$(q "select string_agg(a_id || '-' || b_id, ' ') from not_duplicates where entity = 'contacts' and $C in (a_id, b_id)")" = "$B-$C"
c sam --unmerge "$mid"
check "the undo (rc $rc: $out $err)" test "$rc" = 0
check "...gives both marks back as they were" \
    test "$(q "select string_agg(a_id || '-' || b_id, ' ' order by a_id, b_id) from not_duplicates where entity = 'contacts' and (a_id in ($A, $B, $C) or b_id in ($A, $B, $C))")" = "$A-$B $A-$C"

# ---- a busy contact's undo is a batch job: no interactive statement timeout ----
read -r S M <<<"$(as sam -c "insert into contacts (first_name, last_name, email) values
    ('Bea', 'Busy', 'bea.s@busy.example'), ('Bea', 'Busy', 'bea.m@busy.example') returning id" | tr '\n' ' ')"
as sam -c "insert into interactions (kind, subject, contact_id) select 'call', 'call ' || g, $M from generate_series(1, 3000) g" >/dev/null
mid=$(ins sam "select ccrm_merge('contacts', $S, $M)")
printf '[database]\nstatement_timeout_ms = 100\n' >"$TEST_TMP/short.ini"
c sam -c "$TEST_TMP/short.ini" --unmerge "$mid"
check "the undo of 3,000 moved timeline entries outlasts a 100 ms statement_timeout (rc $rc: $out $err)" test "$rc" = 0
check "...all back on the merged contact" test "$(q "select count(*) from interactions where contact_id = $M")" = 3000

done_testing
