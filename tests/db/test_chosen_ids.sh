#!/usr/bin/env bash
# Nobody but the owner chooses a row's id (migration 069, docs/security.md §2): a user who could
# insert with `OVERRIDING SYSTEM VALUE` took the ids the sequence hands out next, and everybody
# else's inserts failed on the primary key. Every role (one login per department, a partner,
# the mail login) tries it on every table with an identity column, read from the catalog (so a
# table added later is covered); a table a later migration grants INSERT on gets the same rule
# from `ccrm --migrate`; the ordinary inserts of each department, the client's and the batch
# commands' still work.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_chosen_ids.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
q "create role mailer login in role ccrm_mail"

# bad USER: the tables with an identity column on which USER's insert of a chosen id was not
# refused with "permission denied for table" (each attempt rolled back)
bad() {
    as "$1" <<'SQL'
DO $$
DECLARE
    r   record;
    bad text[] := '{}';
BEGIN
    FOR r IN SELECT c.relname, a.attname FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND a.attidentity <> ''
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1 LOOP
        BEGIN
            EXECUTE format('INSERT INTO public.%I (%I) OVERRIDING SYSTEM VALUE VALUES (987654321)',
                           r.relname, r.attname);
            bad := bad || (r.relname || ': inserted');
        EXCEPTION WHEN OTHERS THEN
            IF SQLERRM NOT LIKE 'permission denied for table%' THEN
                bad := bad || (r.relname || ': ' || SQLERRM);
            END IF;
        END;
    END LOOP;
    RAISE NOTICE 'bad: %', array_to_string(bad, '; ');
END
$$;
SQL
}
ntab=$(q "select count(distinct c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace
          join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and a.attidentity <> ''
          where n.nspname = 'public' and c.relkind in ('r', 'p')")
check "the schema has tables with an identity column ($ntab)" test "$ntab" -gt 30
for u in sam sofia marco mia bea ana paul mailer; do
    out=$(bad "$u" 2>&1)
    check "$u may not choose the id of a row on any of the $ntab tables ($out)" \
        grep -qx 'NOTICE:  bad: ' <<<"$out"
done

# ---- the probe's attack: a ticket at the next id, then a colleague's ordinary ticket ----
acc=$(q "select min(id) from accounts")
out=$(as sam -c "insert into tickets (id, account_id, subject) overriding system value
                 values ((select max(id) + 1 from tickets), $acc, 'squatting') returning id" 2>&1)
check "sales cannot squat the next ticket id ($out)" grep -q 'permission denied for table tickets' <<<"$out"
out=$(as sam -c "insert into tickets (id, account_id, subject) overriding user value
                 values (1, $acc, 'with an id') returning id" 2>&1)
check "... nor name the id with OVERRIDING USER VALUE ($out)" grep -q 'permission denied for table tickets' <<<"$out"
out=$(as sofia -c "insert into tickets (account_id, subject) values ($acc, 'a normal ticket') returning id" 2>&1)
check "support's ordinary ticket is saved ($out)" grep -qE '^[0-9]+$' <<<"$out"

# ---- ordinary inserts, as each department writes them ----
ct=$(q "select min(id) from contacts")
ld=$(q "select min(id) from leads")
cp=$(q "select min(id) from campaigns where status <> 'completed'")
org=$(q "select id from partner_orgs where name = 'Nordlicht Reseller GmbH'")
q "insert into account_shares (account_id, partner_org_id) values ($acc, $org) on conflict do nothing"
try() { # USER WHAT SQL
    local out
    if out=$(as "$1" -c "$3" 2>&1); then ok "$1: $2"; else fail "$1: $2 ($out)"; fi
}
try sam "an account, a contact, a deal, a timeline entry, a comment" \
    "insert into accounts (name) values ('Chosen Ids GmbH');
     insert into contacts (first_name, last_name, account_id) values ('Ida', 'Id', $acc);
     insert into opportunities (account_id, name) values ($acc, 'Id deal');
     insert into interactions (kind, subject, account_id) values ('call', 'about ids', $acc);
     insert into comments (entity, entity_id, body) values ('accounts', $acc, 'ids @sofia');"
try sam "an interest, a consent, a segment" \
    "select ccrm_interest_add('contacts', $ct, 'Pro', NULL);
     select ccrm_consent_set('contacts', $ct, 'post', false);
     insert into segments (name, definition) values ('ids', '{\"rules\": [{\"interest\": {\"product\": \"Pro\"}}]}');"
try marco "a lead, a campaign, a member, a response" \
    "insert into leads (first_name, last_name, email) values ('Lea', 'Id', 'lea.id@example.org');
     insert into campaigns (name) values ('Ids campaign');
     insert into campaign_members (campaign_id, lead_id) select max(c.id), max(l.id) from campaigns c, leads l where l.email = 'lea.id@example.org';
     insert into campaign_responses (campaign_id, lead_id, status) select max(c.id), max(l.id), 'opened' from campaigns c, leads l where l.email = 'lea.id@example.org';
     select ccrm_campaign_add($cp, 'leads', $ld);"
# the client's form sends DEFAULT VALUES when nothing was filled in: that needs INSERT on some
# column, not the table (here it gets as far as the missing subject)
out=$(as sofia -c "insert into tickets default values" 2>&1)
check "DEFAULT VALUES passes the privilege check ($out)" grep -q 'null value in column "subject"' <<<"$out"
try bea "a product and a payment-free draft invoice" \
    "insert into products (sku, name, unit_price, currency, tax_rate) values ('ID-1', 'Ids', 10, 'EUR', 19);
     insert into invoices (account_id, currency) values ($acc, 'EUR');"
try ana "a mail queue" \
    "insert into mail_queues (name, address) values ('ids', 'ids@example.org')"
try mia "a calendar, an absence" \
    "insert into calendars (name) values ('Ids');
     insert into absences (login, starts_on, ends_on) values ('mia', current_date + 30, current_date + 31);"
try paul "a ticket and a call on a shared account, a segment of his own" \
    "insert into tickets (account_id, subject) values ($acc, 'partner ticket');
     insert into interactions (kind, subject, account_id) values ('call', 'partner call', $acc);
     insert into segments (name, definition) values ('mine', '{\"rules\": [{\"interest\": {\"product\": \"Pro\"}}]}');"
# the batch commands that insert: an import and a stored mail
printf 'name,website\nIds Import AG,ids.example\n' >"$TEST_TMP/acc.csv"
out=$("$CCRM" -d "$DB user=sam" --import "$TEST_TMP/acc.csv" --into accounts 2>&1)
check "sam imports accounts ($out)" test "$(q "select count(*) from accounts where name = 'Ids Import AG'")" = 1
check "the demo data keeps the ids its rows are linked by (timeline entries on tickets)" \
    test "$(q "select count(*) from interactions where ticket_id is not null")" -gt 0

# ---- a table a later migration adds, granted the old way: --migrate applies the rule ----
q "create table later_things (id bigint generated always as identity primary key, what text,
                              shout text generated always as (upper(what)) stored);
   grant select, insert on later_things to ccrm_internal"
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"
out=$(as sam -c "insert into later_things (id, what) overriding system value values (5, 'x')" 2>&1)
check "a table added later: no chosen id after --migrate ($out)" grep -q 'permission denied for table later_things' <<<"$out"
out=$(as sam -c "insert into later_things (what) values ('y') returning id" 2>&1)
check "... and the ordinary insert works ($out)" grep -qE '^[0-9]+$' <<<"$out"
check "... granted on its columns but the identity and generated ones" \
    test "$(q "select string_agg(a.attname, ',' order by a.attnum) from pg_attribute a
               where a.attrelid = 'later_things'::regclass and a.attnum > 0
                 and has_column_privilege('ccrm_internal', a.attrelid, a.attnum, 'INSERT')")" = what
q "drop table later_things"

done_testing
