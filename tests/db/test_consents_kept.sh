#!/usr/bin/env bash
# An opt-out outlives the record it was said on (migration 070, docs/architecture.md
# "Consents and opt-outs"): deleting a contact or a lead (ccrm_delete, a mail import's revert)
# used to delete its consents with it (ON DELETE CASCADE, as the owner), and marketing could
# then add the same person, a lead with the same address, to a campaign again. Now the row
# stays, with the person's address, and counts for every contact and lead of that address:
# ccrm_opted_out, ccrm_opted_out_people (checked against each other for everybody), the
# campaign rules; a consent given again on a record of the address ends it; partners never
# see it; nobody deletes it; a merge leaves none behind.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_consents_kept.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")
camp=$(q "select min(id) from campaigns where status <> 'completed' and channel = 'email'")
q "update campaigns set channel = 'phone' where id = (select max(id) from campaigns where status <> 'completed')"
pcamp=$(q "select max(id) from campaigns where status <> 'completed' and channel = 'phone'")
check "the demo has an open e-mail campaign ($camp) and an open phone campaign ($pcamp)" \
    test -n "$camp" -a -n "$pcamp" -a "$camp" != "$pcamp"

# ---- the probe's case: sales deletes the contact, marketing's lead of the address stays out ----
c=$(as sam -c "insert into contacts (first_name, last_name, email, account_id)
               values ('Olga', 'Optout', 'olga.optout@example.com', $acc) returning id" | head -1)
l=$(as chloe -c "insert into leads (first_name, last_name, email)
                 values ('Olga', 'O.', 'Olga.Optout@Example.com') returning id" | head -1)
as sofia -c "select ccrm_consent_set('contacts', $c, 'email', true, 'phone call', 'do not mail me')" >/dev/null
check "the lead of the address is opted out through the contact" \
    test -n "$(as marco -c "select ccrm_opted_out(null, $l, 'email')")"
as sam -c "select ccrm_delete('contacts', array[$c])" >/dev/null
check "the contact is gone" test "$(q "select count(*) from contacts where id = $c")" = 0
check "after sales deleted the contact, the lead is still opted out" \
    test -n "$(as marco -c "select ccrm_opted_out(null, $l, 'email')")"
out=$(as marco -c "select summary from ccrm_campaign_add($camp, 'leads', $l)")
check "marketing cannot add her to an e-mail campaign ($out)" grep -q "1 opted out of email" <<<"$out"
out=$(as marco -c "insert into campaign_members (campaign_id, lead_id) values ($camp, $l)" 2>&1)
check "... not even by a plain insert ($out)" grep -q "opted out of email" <<<"$out"
row=$(q "select contact_id is null and lead_id is null, email, source, note, updated_by
         from consents where email = 'olga.optout@example.com'")
check "the consent row stays, unlinked, with her address, where and what she said ($row)" \
    test "$row" = "t|olga.optout@example.com|phone call|do not mail me|sam"
check "... and the change is in the audit trail, by the person who deleted" \
    test "$(q "select count(*) from audit a join consents k on k.id = a.entity_id
               where a.entity = 'consents' and a.op = 'update' and a.actor = 'sam'
                 and k.email = 'olga.optout@example.com' and a.old_row ->> 'contact_id' = '$c'")" = 1
check "a partner sees no kept opt-out" \
    test "$(as paul -c "select count(*) from consents where contact_id is null and lead_id is null")" = 0
out=$(as mia -c "select ccrm_delete('consents', array(select id from consents))" 2>&1)
check "nobody deletes consents, management neither ($out)" grep -q 'cannot delete "consents"' <<<"$out"

# ---- a lead deleted: a contact entered later with the address is opted out too ----
l2=$(as chloe -c "insert into leads (first_name, last_name, email)
                  values ('Pia', 'Phone', 'pia.phone@example.org') returning id" | head -1)
as zoe -c "select ccrm_consent_set('leads', $l2, 'phone', true, 'hotline')" >/dev/null
as chloe -c "select ccrm_delete('leads', array[$l2])" >/dev/null
c2=$(as sam -c "insert into contacts (first_name, last_name, email, account_id)
                values ('Pia', 'Phone', 'PIA.phone@example.org', $acc) returning id" | head -1)
check "a contact entered after the lead's deletion is opted out of phone" \
    test -n "$(as marco -c "select ccrm_opted_out($c2, null, 'phone')")"
check "... and not of e-mail" test -z "$(as marco -c "select ccrm_opted_out($c2, null, 'email')")"
out=$(as marco -c "insert into campaign_members (campaign_id, contact_id) values ($pcamp, $c2)" 2>&1)
check "... so she is not added to a phone campaign ($out)" grep -q "opted out of phone" <<<"$out"

# ---- a lead of a contact: its opt-out stays with the contact's address ----
c3=$(as sam -c "insert into contacts (first_name, last_name, email, account_id)
                values ('Ken', 'Kept', 'ken.kept@example.net', $acc) returning id" | head -1)
l3=$(as chloe -c "insert into leads (first_name, last_name, email, contact_id)
                  values ('Ken', 'Kept', 'ken@home.example', $c3) returning id" | head -1)
as chloe -c "select ccrm_consent_set('leads', $l3, 'all', true, 'fair')" >/dev/null
as chloe -c "select ccrm_delete('leads', array[$l3])" >/dev/null
check "the contact of a deleted lead stays opted out of what the lead opted out of" \
    test -n "$(as marco -c "select ccrm_opted_out($c3, null, 'post')")"

# ---- a contact without an address: the delete works, the row stays (matching nobody) ----
c4=$(as sam -c "insert into contacts (first_name, last_name, phone, account_id)
                values ('No', 'Mail', '+49 30 1234567', $acc) returning id" | head -1)
as sofia -c "select ccrm_consent_set('contacts', $c4, 'phone', true)" >/dev/null
out=$(as sam -c "select ccrm_delete('contacts', array[$c4])" 2>&1)
check "a contact with no e-mail and an opt-out is deleted ($out)" test "$out" = 1
check "... and its opt-out kept, as a record of what was said" \
    test "$(q "select count(*) from consents where contact_id is null and lead_id is null
               and email is null and channel = 'phone' and opted_out_at is not null")" = 1

# ---- an import's revert does not take an opt-out said since with it: it refuses ----
printf 'first_name,last_name,email\nIma,Import,ima.import@example.com\n' >"$TEST_TMP/c.csv"
"$CCRM" -d "$DB user=sam" --import "$TEST_TMP/c.csv" --into contacts >/dev/null 2>&1 || fail "import"
ci=$(q "select id from contacts where email = 'ima.import@example.com'")
as sofia -c "select ccrm_consent_set('contacts', $ci, 'email', true, 'reply')" >/dev/null
batch=$(q "select max(id) from import_batches")
out=$("$CCRM" -d "$DB user=sam" --revert "$batch" 2>&1)
check "an import with an opt-out said on its contact since is not reverted ($out)" \
    grep -q "has consent #[0-9]* that did not come with the import" <<<"$out"

# ---- everybody: the set-based rule agrees with the per-person one ----
for ch in email phone post event; do
    diff=$(q "with p as (select * from ccrm_opted_out_people('$ch')),
                   c as (select id, ccrm_opted_out(id, null, '$ch') at from contacts),
                   l as (select id, ccrm_opted_out(null, id, '$ch') at from leads)
              select count(*) from (
                  (select 'c', id, at from c where at is not null
                   union all select 'l', id, at from l where at is not null)
                  except all
                  (select 'c', contact_id, opted_out_at from p where contact_id is not null
                   union all select 'l', lead_id, opted_out_at from p where lead_id is not null)) x")
    diff2=$(q "with p as (select * from ccrm_opted_out_people('$ch'))
               select count(*) from p where opted_out_at is distinct from
                      ccrm_opted_out(p.contact_id, p.lead_id, '$ch')")
    check "$ch: ccrm_opted_out_people names exactly the people ccrm_opted_out does ($diff, $diff2)" \
        test "$diff" = 0 -a "$diff2" = 0
done

# ---- she says yes again, on the new lead: the kept opt-out of that channel ends ----
as sofia -c "select ccrm_consent_set('leads', $l, 'email', false, 'web form')" >/dev/null
check "a consent on a record of the address ends the kept opt-out" \
    test -z "$(as marco -c "select ccrm_opted_out(null, $l, 'email')")"
check "... which stays as a row, consented now" \
    test "$(q "select count(*) from consents where email = 'olga.optout@example.com'
               and opted_out_at is null and consented_at is not null and source = 'web form'")" = 1
as marco -c "select ccrm_campaign_add($camp, 'leads', $l)" >/dev/null
check "... and marketing may add her again" \
    test "$(q "select count(*) from campaign_members where campaign_id = $camp and lead_id = $l")" = 1

# ---- a merge moves consents to the survivor: it keeps none behind ----
kept=$(q "select count(*) from consents where contact_id is null and lead_id is null")
m1=$(as sam -c "insert into contacts (first_name, last_name, email, account_id)
                values ('Max', 'Merge', 'max.merge@example.com', $acc) returning id" | head -1)
m2=$(as sam -c "insert into contacts (first_name, last_name, email, account_id)
                values ('Max', 'Merge', 'max@merge.example', $acc) returning id" | head -1)
as sofia -c "select ccrm_consent_set('contacts', $m2, 'post', true)" >/dev/null
mg=$(as sam -c "select ccrm_merge('contacts', $m1, $m2)")
check "a merge leaves no kept opt-out behind: the survivor has it" \
    test "$(q "select count(*) from consents where contact_id is null and lead_id is null")" = "$kept" \
         -a -n "$(as marco -c "select ccrm_opted_out($m1, null, 'post')")"
out=$("$CCRM" -d "$DB user=sam" --unmerge "$mg" 2>&1)
check "... and the unmerge gives the merged contact its opt-out back ($out)" \
    test "$(q "select count(*) from consents where contact_id = $m2 and channel = 'post'
               and opted_out_at is not null")" = 1

# ---- interests and campaign responses go with their person (decided in 070), in the audit ----
as sam -c "select ccrm_interest_add('contacts', $m1, 'Gone Plan')" >/dev/null
as sam -c "select ccrm_delete('contacts', array[$m1])" >/dev/null
check "a deleted contact's interests go with it, and stay in the audit trail" \
    test "$(q "select count(*) from interests where product = 'Gone Plan'")" = 0 \
         -a "$(q "select count(*) from audit where entity = 'interests' and op = 'delete'
                  and old_row ->> 'product' = 'Gone Plan'")" = 1

done_testing
