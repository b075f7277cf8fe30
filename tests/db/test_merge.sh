#!/usr/bin/env bash
# Merging duplicates and undoing it (ccrm_merge, ccrm --unmerge; schema/functions/92), for
# contacts, leads and accounts. Which tables reference a record is read from the catalog
# (pg_constraint, and every table with entity/entity_id columns), as the merge itself does, so
# a table added later is covered here too: each gets a row pointing at the merged record
# (cloned from one of its rows when this file does not know the table). Then:
#   * no row points at the merged record any more, and every row that pointed at either
#     record points at the survivor or was removed by a documented rule (a second membership
#     of one campaign, a second consent for one channel, a second share with one partner, a
#     second follow of one record by one person, a "not a duplicate" mark of the two merged
#     records or one the survivor has already) and
#     is in the merge's audit trail;
#   * the merged id resolves to the survivor, one timeline entry, the chosen field values;
#   * ccrm --unmerge gives back exactly the earlier state: every referencing row and both
#     records, field by field (the merged record with its stamps);
#   * rights per department, partners refused, an unmerge refused after a later change.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_merge.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
err() {
    local out
    if out=$(as "$1" -v VERBOSITY=verbose -c "$2" 2>&1); then
        echo "OK: $out"
    else
        grep -m1 '^ERROR:' <<<"$out" | sed 's/^ERROR: *//'
    fi
}
org=$(q "select id from partner_orgs where name = 'Nordlicht Reseller GmbH'")
sh1=$(q "select min(account_id) from account_shares where partner_org_id = $org")

# Every row that references records of entity E with an id in IDS, as (table.column, id, row
# without the stamps that move), read from the catalog here (not through the merge's own
# ccrm_merge_references, which is under test): every single-column foreign key to the table
# but presence's (a session's "looking at it" row), and every entity/entity_id table but the
# history (audit, events) and presence.
psqlc >/dev/null <<'SQL'
CREATE SCHEMA t;
CREATE FUNCTION t.fks(p_entity text) RETURNS TABLE (tbl regclass, col name) LANGUAGE sql AS $$
    SELECT c.conrelid::regclass, a.attname FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.confrelid = ('public.' || p_entity)::regclass
       AND c.conrelid <> 'public.presence'::regclass
$$;
CREATE FUNCTION t.soft() RETURNS SETOF regclass LANGUAGE sql AS $$
    SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT IN ('audit', 'events', 'presence')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'entity')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'entity_id')
$$;
CREATE FUNCTION t.refs(p_entity text, p_ids bigint[])
RETURNS TABLE (tbl text, id bigint, r jsonb) LANGUAGE plpgsql AS $$
DECLARE
    x record;
BEGIN
    FOR x IN SELECT * FROM t.fks(p_entity) LOOP
        RETURN QUERY EXECUTE format('SELECT %L::text, t.id, to_jsonb(t) - ''updated_at'' - ''updated_by'' - ''version'''
                                    ' FROM %s t WHERE t.%I = ANY ($1)', x.tbl::text || '.' || x.col, x.tbl, x.col)
            USING p_ids;
    END LOOP;
    FOR x IN SELECT s AS tbl FROM t.soft() s LOOP
        RETURN QUERY EXECUTE format('SELECT %L::text, t.id, to_jsonb(t) - ''updated_at'' - ''updated_by'' - ''version'''
                                    ' FROM %s t WHERE t.entity = %L AND t.entity_id = ANY ($1)',
                                    x.tbl::text || '.entity_id', x.tbl, p_entity)
            USING p_ids;
    END LOOP;
END $$;
-- a row of every referencing table that has none pointing at the merged record yet: a copy of
-- a quote's or invoice's contact is on its account (migration 063): a copy naming another
-- contact takes that contact's account, and no deal or quote of another account
CREATE FUNCTION t.doc_col(p_tbl text, p_col text, p_att name) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN p_col <> 'contact_id' OR p_tbl NOT IN ('quotes', 'invoices') THEN NULL
                WHEN p_att = 'account_id' THEN '(SELECT c.account_id FROM contacts c WHERE c.id = $1)'
                WHEN p_att IN ('opportunity_id', 'quote_id', 'credit_of') THEN 'NULL' END
$$;
-- one of its rows (a table this test does not know), pointing at it
CREATE FUNCTION t.cover(p_entity text, p_id bigint) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    x record;
    v_cols text;
    v_vals text;
    v_err text;
    n bigint;
BEGIN
    FOR x IN SELECT * FROM t.fks(p_entity) LOOP
        EXECUTE format('SELECT count(*) FROM %s WHERE %I = $1', x.tbl, x.col) INTO n USING p_id;
        CONTINUE WHEN n > 0;
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
               string_agg(CASE WHEN a.attname = x.col THEN '$1'
                               ELSE coalesce(t.doc_col(x.tbl::text, x.col, a.attname), 'r.' || quote_ident(a.attname)) END,
                          ', ' ORDER BY a.attnum)
          INTO v_cols, v_vals
          FROM pg_attribute a
         WHERE a.attrelid = x.tbl AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '' AND a.attgenerated = '';
        -- the first of its rows whose copy the table's rules accept, the emptiest first (a row
        -- may be unique in another way, an invoice made from a quote; an issued one is final)
        v_err := NULL;
        FOR k IN 0..19 LOOP
            BEGIN
                EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s r ORDER BY (SELECT count(*) FROM jsonb_each(to_jsonb(r)) j'
                               ' WHERE j.value <> ''null''), r.id OFFSET %s LIMIT 1',
                               x.tbl, v_cols, v_vals, x.tbl, k) USING p_id;
                GET DIAGNOSTICS n = ROW_COUNT;
                IF n = 0 THEN
                    EXIT;
                END IF;
                v_err := NULL;
                RETURN NEXT x.tbl::text || '.' || x.col || ' (cloned)';
                EXIT;
            EXCEPTION WHEN others THEN
                v_err := SQLERRM;
            END;
        END LOOP;
        IF v_err IS NOT NULL THEN
            -- else a row with only what must be given (the rest from the table's defaults: a
            -- new draft, say)
            SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
                   string_agg(CASE WHEN a.attname = x.col THEN '$1'
                               ELSE coalesce(t.doc_col(x.tbl::text, x.col, a.attname), 'r.' || quote_ident(a.attname)) END,
                          ', ' ORDER BY a.attnum)
              INTO v_cols, v_vals
              FROM pg_attribute a
             WHERE a.attrelid = x.tbl AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = ''
               AND a.attgenerated = '' AND (a.attname = x.col OR (a.attnotnull AND NOT a.atthasdef));
            BEGIN
                EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s r LIMIT 1', x.tbl, v_cols, v_vals, x.tbl)
                    USING p_id;
                v_err := NULL;
                RETURN NEXT x.tbl::text || '.' || x.col || ' (a new row)';
            EXCEPTION WHEN others THEN
                v_err := v_err || '; a new row: ' || SQLERRM;
            END;
        END IF;
        IF v_err IS NOT NULL THEN
            RETURN NEXT x.tbl::text || '.' || x.col || ' NOT COVERED: ' || v_err;
        END IF;
    END LOOP;
    -- likewise the tables that point at a record by entity and entity_id
    FOR x IN SELECT s AS tbl FROM t.soft() s LOOP
        EXECUTE format('SELECT count(*) FROM %s WHERE entity = $1 AND entity_id = $2', x.tbl)
            INTO n USING p_entity, p_id;
        CONTINUE WHEN n > 0;
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
               string_agg(CASE a.attname WHEN 'entity_id' THEN '$1' WHEN 'entity' THEN '$2'
                                         ELSE 'r.' || quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
          INTO v_cols, v_vals
          FROM pg_attribute a
         WHERE a.attrelid = x.tbl AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '' AND a.attgenerated = '';
        v_err := 'no row to copy';
        FOR k IN 0..19 LOOP
            BEGIN
                EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s r ORDER BY r.id OFFSET %s LIMIT 1',
                               x.tbl, v_cols, v_vals, x.tbl, k) USING p_id, p_entity;
                GET DIAGNOSTICS n = ROW_COUNT;
                EXIT WHEN n = 0;
                v_err := NULL;
                RETURN NEXT x.tbl::text || '.entity_id (cloned)';
                EXIT;
            EXCEPTION WHEN others THEN
                v_err := SQLERRM;
            END;
        END LOOP;
        IF v_err IS NOT NULL THEN
            RETURN NEXT x.tbl::text || '.entity_id NOT COVERED: ' || v_err;
        END IF;
    END LOOP;
END $$;
SQL

# snapshot E IDS: one line per referencing row and per record, in a stable order
snapshot() {
    q "select tbl || ' ' || id || ' ' || r::text from t.refs('$1', array[$2]) order by 1"
    q "select 'record ' || (to_jsonb(x) - 'updated_at' - 'updated_by' - 'version')::text from $1 x where id in ($2) order by id"
}
# the record rows with every column (the merged record comes back with its stamps)
records() { q "select to_jsonb(x)::text from $1 x where id in ($2) order by id"; }

# merge_case E S M FIELDS USER: merge M into S as USER, check, unmerge, check
merge_case() {
    local e=$1 s=$2 m=$3 fields=$4 who=$5 mid xid cov bad
    # followers (schema/019): one person follows both records, another only the merged one
    as sofia -c "select ccrm_follow('$e', $s, true)" >/dev/null
    as sofia -c "select ccrm_follow('$e', $m, true)" >/dev/null
    as marco -c "select ccrm_follow('$e', $m, true)" >/dev/null
    cov=$(q "select string_agg(c, '; ') from t.cover('$e', $m) c")
    [ -n "$cov" ] && echo "# $e: $cov"
    bad=$(q "select string_agg(x.tbl::text || '.' || x.col, ', ') from t.fks('$e') x
             where not exists (select 1 from t.refs('$e', array[$m]) r where r.tbl = x.tbl::text || '.' || x.col)")
    check "$e: every table that references it has a row pointing at the merged record (missing: ${bad:-none})" test -z "$bad"
    bad=$(q "select string_agg(s::text, ', ') from t.soft() s
             where not exists (select 1 from t.refs('$e', array[$m]) r where r.tbl = s::text || '.entity_id')")
    check "$e: ... and every entity/entity_id table too (missing: ${bad:-none})" test -z "$bad"
    snapshot "$e" "$s, $m" >"$TEST_TMP/$e.before"
    records "$e" "$s, $m" >"$TEST_TMP/$e.records"
    q "select tbl, id from t.refs('$e', array[$s, $m])" | sort >"$TEST_TMP/$e.ids.before"

    mid=$(as "$who" -c "select ccrm_merge('$e', $s, $m, '$fields')")
    check "$e: $who merges #$m into #$s (merge $mid)" test -n "$mid"
    xid=$(q "select xid from merges where id = $mid")
    check "$e: nothing points at the merged record any more" test "$(q "select count(*) from t.refs('$e', array[$m])")" = 0
    check "$e: the merged record is gone" test "$(q "select count(*) from $e where id = $m")" = 0
    q "select tbl, id from t.refs('$e', array[$s])" | sort >"$TEST_TMP/$e.ids.after"
    q "select entity || '.' || '?', entity_id from audit where xid = '$xid' and op = 'delete'" >"$TEST_TMP/$e.deleted"
    # every row that pointed at either record points at the survivor, or was removed by a rule
    lost=$(comm -23 "$TEST_TMP/$e.ids.before" "$TEST_TMP/$e.ids.after" | while IFS='|' read -r tb id; do
        t0=${tb%%.*}
        [ "$(q "select count(*) from audit where xid = '$xid' and op = 'delete' and entity = '$t0' and entity_id = $id")" = 1 ] || echo "$tb#$id"
    done)
    check "$e: no row that pointed at either record was lost (not moved and not in the audit: ${lost:-none})" test -z "$lost"
    bad=$(q "select string_agg(distinct entity, ', ') from audit where xid = '$xid' and op = 'delete'
             and entity not in ('$e', 'campaign_members', 'consents', 'account_shares', 'followers', 'not_duplicates')")
    check "$e: rows are removed only by the documented rules (other: ${bad:-none})" test -z "$bad"
    check "$e: the merged id resolves to the survivor" test "$(as marco -c "select ccrm_resolve('$e', $m)")" = "$s"
    check "$e: one timeline entry on the survivor" \
        test "$(q "select count(*) from interactions where subject = 'Merged $(q "select ccrm_entity_noun('$e')") #$m into this one'
                     and coalesce(contact_id, lead_id, account_id) is not null")" = 1
    check "$e: the merge is announced in the event stream" \
        test "$(q "select count(*) from events where entity = 'merges' and entity_id = $mid and actor = '$who'")" = 1

    out=$("$CCRM" -d "$DB user=$who" --unmerge "$mid" 2>&1)
    check "$e: ccrm --unmerge $mid ($out)" grep -q "undid merge $mid" <<<"$out"
    snapshot "$e" "$s, $m" >"$TEST_TMP/$e.after"
    if diff -u "$TEST_TMP/$e.before" "$TEST_TMP/$e.after" >"$TEST_TMP/$e.diff"; then
        ok "$e: every referencing row and both records are back, field by field ($(wc -l <"$TEST_TMP/$e.before") rows)"
    else
        head -40 "$TEST_TMP/$e.diff" >&2
        fail "$e: every referencing row and both records are back, field by field"
    fi
    check "$e: the merged record is back with its id and stamps" \
        test "$(records "$e" "$m")" = "$(grep -F "\"id\": $m," "$TEST_TMP/$e.records")"
    check "$e: the merged id resolves to itself again" test "$(as marco -c "select ccrm_resolve('$e', $m)")" = "$m"
    check "$e: a second unmerge is refused (exit 65)" \
        test "$("$CCRM" -d "$DB user=$who" --unmerge "$mid" >/dev/null 2>&1; echo $?)" = 65
}

# ---------------------------------------------------------------- contacts
S=$(as sam -c "insert into contacts (account_id, first_name, last_name, email, phone) values ($sh1, 'Greta', 'Aalto', 'greta.aalto@example.org', '+358 9 123 4567') returning id" | head -1)
M=$(as sam -c "insert into contacts (account_id, first_name, last_name, email, phone, title) values ($sh1, 'Greta', 'Aalto ', 'g.aalto+crm@example.org', '09 123 4567', 'CFO') returning id" | head -1)
cx=$(as marco -c "insert into campaigns (name, status, channel) values ('Merge X (email)', 'active', 'email') returning id" | head -1)
cy=$(as marco -c "insert into campaigns (name, status, channel) values ('Merge Y (phone)', 'active', 'phone') returning id" | head -1)
cz=$(as marco -c "insert into campaigns (name, status, channel) values ('Merge Z (history)', 'active', 'email') returning id" | head -1)
as marco -c "insert into campaign_members (campaign_id, contact_id, status) values ($cx, $S, 'opened'), ($cy, $S, 'sent'), ($cy, $M, 'clicked'), ($cz, $M, 'opened')"
as marco -c "update campaigns set status = 'completed' where id = $cz"
as marco -c "select ccrm_campaign_respond($cy, 'contacts', $M, 'replied')" >/dev/null
as sofia -c "select ccrm_consent_set('contacts', $S, 'email', false)" >/dev/null
as sofia -c "select ccrm_consent_set('contacts', $M, 'email', true, 'ticket')" >/dev/null
as sofia -c "select ccrm_consent_set('contacts', $M, 'post', true)" >/dev/null
as sofia -c "select ccrm_interest_add('contacts', $M, 'ccrm Pro')" >/dev/null
as sam -c "insert into leads (last_name, contact_id, account_id) values ('Aalto lead', $M, $sh1), ('Aalto lead 2', $S, $sh1)"
as sofia -c "insert into tickets (contact_id, subject) values ($M, 'Merged person ticket')"
as sam -c "insert into interactions (kind, subject, contact_id) select 'call', 'call ' || g, $M from generate_series(1, 30) g"
as sam -c "insert into interactions (kind, subject, contact_id) values ('call', 'survivor call', $S)"
as sam -c "insert into comments (entity, entity_id, body) values ('contacts', $M, 'note on the duplicate @marco')"
as sam -c "insert into chat_messages (entity, entity_id, body) values ('contacts', $M, 'chat on the duplicate')"
as sam -c "select ccrm_assign('contacts', $M, 'marco', 'please check')" >/dev/null
# mail filed on the duplicate (schema/017; written as the mail server would, by the owner here)
q "insert into messages (message_id, direction, status, from_addr, subject, contact_id)
   values ('merge.contact.$M@example.org', 'in', 'received', 'g.aalto@example.org', 'Mail of the duplicate', $M)"
dup=$(as marco -c "select count(*) from ccrm_duplicates_for('contacts', '{\"first_name\": \"Greta\", \"last_name\": \"Aalto\", \"email\": \"greta.aalto+x@example.org\", \"account_id\": $sh1}') where id in ($S, $M)")
check "while typing, both Gretas are offered as likely duplicates" test "$dup" = 2
pair=$(as marco -c "select a_id || ',' || b_id from ccrm_duplicate_pairs('contacts', 1000) where a_id = $S and b_id = $M")
check "the duplicate scan pairs them" test "$pair" = "$S,$M"
# rights before anything
check "support may not merge contacts" grep -q '^42501' <<<"$(err sofia "select ccrm_merge('contacts', $S, $M)")"
check "a partner may not even call the merge" grep -q '^42501' <<<"$(err paul "select ccrm_merge('contacts', $S, $M)")"
check "an unknown field to keep is refused" grep -q '^22023' <<<"$(err marco "select ccrm_merge('contacts', $S, $M, '{\"password\": \"merged\"}')")"
check "a record is not merged with itself" grep -q '^22023' <<<"$(err marco "select ccrm_merge('contacts', $S, $S)")"
merge_case contacts "$S" "$M" '{"email": "merged"}' marco

# the merge itself, looked at while it stands
mid=$(as sam -c "select ccrm_merge('contacts', $S, $M, '{\"email\": \"merged\"}')")
check "the chosen value is kept (the merged record's e-mail)" test "$(q "select email from contacts where id = $S")" = g.aalto+crm@example.org
check "an empty field takes the merged record's value (title)" test "$(q "select title from contacts where id = $S")" = CFO
check "one membership per campaign, at the furthest status" test "$(q "select status from campaign_members where campaign_id = $cy and contact_id = $S")" = replied
check "the opt-out of the duplicate stands for the survivor" test "$(q "select ccrm_opted_out($S, null, 'email') is not null")" = t
check "... which takes the survivor out of the open e-mail campaign" test "$(q "select count(*) from campaign_members where campaign_id = $cx and contact_id = $S")" = 0
check "... and keeps the completed campaign's history" test "$(q "select count(*) from campaign_members where campaign_id = $cz and contact_id = $S")" = 1
check "the merged contact's lead now belongs to the survivor" test "$(q "select count(*) from leads where contact_id = $S")" = 2
check "its comment, chat and inbox entries (the mention, the assignment) are the survivor's" \
    test "$(q "select (select count(*) from comments where entity = 'contacts' and entity_id = $S)
                    || ',' || (select count(*) from chat_messages where entity = 'contacts' and entity_id = $S)
                    || ',' || (select count(*) from inbox where entity = 'contacts' and entity_id = $S and kind in ('mention', 'assignment'))")" = 1,1,2
a_i=$(q "select min(id) from interactions where contact_id = $S and subject = 'call 7'")
other=$(q "select min(id) from contacts where id not in ($S, $M)")
as sam -c "update interactions set contact_id = $other where id = $a_i"
out=$("$CCRM" -d "$DB user=sam" --unmerge "$mid" 2>&1)
rc=$?
check "an unmerge after a later change to what the merge wrote is refused, naming it (exit $rc: $out)" \
    test "$rc" = 65 -a -n "$(grep "interaction #$a_i: contact id was changed after the merge by sam" <<<"$out")"
check "... and undid nothing" test "$(q "select count(*) from contacts where id = $M")" = 0
as sam -c "update interactions set contact_id = $S where id = $a_i"
check "sales may merge accounts but not leads" grep -q '^42501' <<<"$(err sam "select ccrm_merge('leads', 1, 2)")"
check "marketing may not merge accounts" grep -q '^42501' <<<"$(err marco "select ccrm_merge('accounts', 1, 2)")"
check "support may not undo a merge of contacts" test "$("$CCRM" -d "$DB user=sofia" --unmerge "$mid" >/dev/null 2>&1; echo $?)" = 77

# merges of merges resolve to the last survivor
T=$(as sam -c "insert into contacts (account_id, first_name, last_name) values ($sh1, 'Greta', 'Aalto-Chain') returning id" | head -1)
as sam -c "select ccrm_merge('contacts', $T, $S)" >/dev/null
check "a merged record merged again resolves to the last survivor" test "$(as marco -c "select ccrm_resolve('contacts', $M)")" = "$T"

# ---------------------------------------------------------------- leads
LS=$(as marco -c "insert into leads (first_name, last_name, email, company) values ('Ilse', 'Brandt', 'ilse@brandt.example', 'Brandt KG') returning id" | head -1)
LM=$(as marco -c "insert into leads (first_name, last_name, email, company) values ('Ilse', 'Brandt', 'ILSE@brandt.example', 'Brandt KG') returning id" | head -1)
as marco -c "insert into campaign_members (campaign_id, lead_id) values ($cy, $LS), ($cy, $LM)"
as marco -c "select ccrm_campaign_respond($cy, 'leads', $LM, 'registered')" >/dev/null
as marco -c "select ccrm_consent_set('leads', $LM, 'phone', false)" >/dev/null
as marco -c "select ccrm_consent_set('leads', $LS, 'phone', false)" >/dev/null
as marco -c "select ccrm_interest_add('leads', $LM, NULL, 'trade fair')" >/dev/null
as marco -c "insert into interactions (kind, subject, lead_id) values ('email', 'lead mail', $LM)"
as marco -c "insert into comments (entity, entity_id, body) values ('leads', $LM, 'lead note @sam')"
as marco -c "insert into chat_messages (entity, entity_id, body) values ('leads', $LM, 'lead chat')"
q "insert into messages (message_id, direction, status, from_addr, subject, lead_id)
   values ('merge.lead.$LM@example.org', 'in', 'received', 'ilse@brandt.example', 'Pricing?', $LM)"
merge_case leads "$LS" "$LM" '{}' marco

# ---------------------------------------------------------------- accounts
AS=$(as sam -c "insert into accounts (name, domain, country, phone) values ('Fjordline Shipping AS', 'fjordline.example', 'Norway', '+47 22 11 22 33') returning id" | head -1)
AM=$(as sam -c "insert into accounts (name, domain, website, country, phone, industry) values ('FJORDLINE SHIPPING', NULL, 'https://www.fjordline.example/', 'Norway', '22 11 22 33', 'Logistics') returning id" | head -1)
"$CCRM" -d "$PG_CONN" --share "$AS" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail share
"$CCRM" -d "$PG_CONN" --share "$AM" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail share
as sam -c "insert into contacts (account_id, last_name) values ($AM, 'Fjord contact')"
as sam -c "insert into leads (last_name, account_id) values ('Fjord lead', $AM)"
as sam -c "insert into opportunities (account_id, name, amount) values ($AM, 'Fjord deal', 1000)"
as sofia -c "insert into tickets (account_id, subject) values ($AM, 'Fjord ticket')"
as sam -c "insert into interactions (kind, subject, account_id) values ('meeting', 'Fjord meeting', $AM)"
as sam -c "insert into comments (entity, entity_id, body) values ('accounts', $AM, 'account note @marco')"
as sam -c "insert into chat_messages (entity, entity_id, body) values ('accounts', $AM, 'account chat')"
as sam -c "select ccrm_interest_add('accounts', $AM, 'ccrm Enterprise')" >/dev/null
q "insert into messages (message_id, direction, status, from_addr, subject, account_id)
   values ('merge.account.$AM@example.org', 'in', 'received', 'info@fjordline.example', 'Order', $AM)"
check "the duplicate scan pairs the accounts by domain, phone and name" \
    test "$(as sam -c "select reasons::text from ccrm_duplicate_pairs('accounts', 1000) where a_id = $AS and b_id = $AM")" = '{"same domain","same name","same phone"}'
as sam -c "select ccrm_not_duplicate('accounts', $AM, $AS, 'checked: really the same? no')" >/dev/null
check "a pair marked not a duplicate is left out of the scan" \
    test "$(as sam -c "select count(*) from ccrm_duplicate_pairs('accounts', 1000) where a_id = $AS and b_id = $AM")" = 0
check "support may not judge duplicate accounts" grep -q '^42501' <<<"$(err sofia "select ccrm_not_duplicate('accounts', $AM, $AS)")"
merge_case accounts "$AS" "$AM" '{"industry": "merged"}' sam
check "the partner still sees the survivor and its share after the unmerge" \
    test "$(as paul -c "select count(*) from accounts where id in ($AS, $AM)")" = 2

# an unmerge puts back the owner a record had, even one no longer active (045 refuses a
# disabled user as a new owner, not the past)
A1=$(as sam -c "insert into accounts (name, owner) values ('Owner Keep AB', 'sam') returning id" | head -1)
A2=$(as sam -c "insert into accounts (name, owner) values ('Owner Keep AB (old)', 'jose') returning id" | head -1)
mid=$(as sam -c "select ccrm_merge('accounts', $A1, $A2)")
as ana -c "select ccrm_disable_user('jose')" >/dev/null
out=$("$CCRM" -d "$DB user=sam" --unmerge "$mid" 2>&1)
check "an unmerge restores a record whose owner was disabled since ($out)" \
    test "$(q "select owner from accounts where id = $A2")" = jose
q "alter role jose login; update users set active = true where login = 'jose'"

# only the unmerge's own statements restore: the caller's statements after it, in the same
# transaction, are stamped, owner-checked and consent-checked like any other
A1=$(as sam -c "insert into accounts (name) values ('Forge Check AB') returning id" | head -1)
A2=$(as sam -c "insert into accounts (name) values ('Forge Check AB (dup)') returning id" | head -1)
mid=$(as sam -c "select ccrm_merge('accounts', $A1, $A2)")
out=$(as sam -c "begin; select ccrm_unmerge($mid);
    insert into accounts (name, created_by, created_at, version) values ('Forged After Unmerge', 'mia', '2019-01-01', 7)
    returning created_by || ' ' || (created_at > now() - interval '1 hour') || ' ' || version; commit;" 2>&1)
check "after an unmerge, the caller's own insert gets its real stamps ($out)" grep -qx "sam true 1" <<<"$out"
out=$(err sam "begin; select ccrm_unmerge(ccrm_merge('accounts', $A1, $A2));
    insert into tickets (account_id, subject, assignee) values ($A1, 'partner assignee', 'paul'); commit;")
check "...and may not name a partner as assignee ($out)" grep -q "is a partner" <<<"$out"
OPT=$(q "select c.id from contacts c where ccrm_opted_out(c.id, null, 'email') is not null limit 1")
CAMP=$(q "select min(id) from campaigns")
C1=$(as chloe -c "insert into contacts (first_name, last_name) values ('Forge', 'Check') returning id" | head -1)
C2=$(as chloe -c "insert into contacts (first_name, last_name) values ('Forge', 'Check') returning id" | head -1)
out=$(err chloe "begin; select ccrm_unmerge(ccrm_merge('contacts', $C1, $C2));
    insert into campaign_members (campaign_id, contact_id) values ($CAMP, $OPT); commit;")
check "...nor add an opted-out contact to a campaign ($out)" grep -q "opted out" <<<"$out"

# an opt-out made while merged still holds after the unmerge: the membership put back goes
MS=$(as chloe -c "insert into contacts (first_name, last_name, email) values ('Optout', 'Survivor', 'optout.survivor@example.org') returning id" | head -1)
MM=$(as chloe -c "insert into contacts (first_name, last_name, email) values ('Optout', 'Merged', 'optout.merged@example.org') returning id" | head -1)
OC=$(as chloe -c "insert into campaigns (name, channel, status) values ('Open while merged', 'email', 'active') returning id" | head -1)
as chloe -c "insert into campaign_members (campaign_id, contact_id) values ($OC, $MS), ($OC, $MM)" >/dev/null
mid=$(as chloe -c "select ccrm_merge('contacts', $MS, $MM)")
OL=$(as chloe -c "insert into leads (last_name, email, company) values ('Later', 'optout.merged@example.org', 'Later') returning id" | head -1)
as chloe -c "select ccrm_consent_set('leads', $OL, 'email', true, 'later opt-out')" >/dev/null
as chloe -c "select ccrm_unmerge($mid)" >/dev/null
check "after the unmerge, the person who opted out meanwhile is no member of the open campaign" \
    test "$(q "select count(*) from campaign_members where campaign_id = $OC and contact_id = $MM")" = 0
check "...the survivor still is" test "$(q "select count(*) from campaign_members where campaign_id = $OC and contact_id = $MS")" = 1

# a comment or a follow written while a merge runs waits for it, and then finds the merged
# record gone (it used to land on it: an orphan, and an unmerge that failed on it)
RS=$(as chloe -c "insert into contacts (first_name, last_name, email) values ('Race', 'Survivor', 'race.survivor@example.org') returning id" | head -1)
RM=$(as chloe -c "insert into contacts (first_name, last_name, email) values ('Race', 'Merged', 'race.merged@example.org') returning id" | head -1)
as chloe -c "begin; select ccrm_merge('contacts', $RS, $RM); select pg_sleep(2); commit;" >/dev/null 2>&1 &
merging=$!
wait_sql "select count(*) from pg_stat_activity where usename = 'chloe' and wait_event = 'PgSleep'" 1 || fail "the merge did not start"
cout=$(err sam "insert into comments (entity, entity_id, body) values ('contacts', $RM, 'written during the merge')")
fout=$(err sam "select ccrm_follow('contacts', $RM, true)")
wait $merging
check "a comment written while the merge ran: refused, the record is gone ($cout)" grep -q '^P0002' <<<"$cout"
check "...a follow too ($fout)" grep -q '^P0002' <<<"$fout"
check "...no comment or follower points at the merged record" \
    test "$(q "select (select count(*) from comments where entity = 'contacts' and entity_id = $RM) + (select count(*) from followers where entity = 'contacts' and entity_id = $RM)")" = 0

# ---- an undo undoes its merge alone, not the rest of its transaction (088) ----
read -r A1 A2 B1 B2 C1 C2 <<<"$(as marco -c "insert into contacts (first_name, last_name, email) values
    ('Ann', 'Txdup', 'ann1@tx.example'), ('Ann', 'Txdup', 'ann2@tx.example'),
    ('Bob', 'Txdup', 'bob1@tx.example'), ('Bob', 'Txdup', 'bob2@tx.example'),
    ('Cy', 'Txdup', 'cy1@tx.example'), ('Cy', 'Txdup', 'cy2@tx.example') returning id" | tr '\n' ' ')"
as marco -c "select ccrm_merge('contacts', s, m) from (values ($A1, $A2), ($B1, $B2)) v(s, m)" >/dev/null
MA=$(q "select id from merges where merged_id = $A2 and entity = 'contacts'")
MB=$(q "select id from merges where merged_id = $B2 and entity = 'contacts'")
out=$("$CCRM" -d "$DB user=marco" --unmerge "$MA" 2>&1)
check "two merges in one statement: the first undone ($out)" grep -q "undid merge $MA" <<<"$out"
check "...gives back its own record only" \
    test "$(q "select count(*) filter (where id = $A2) || ' ' || count(*) filter (where id = $B2) from contacts")" = "1 0"
out=$("$CCRM" -d "$DB user=marco" --unmerge "$MB" 2>&1)
check "...and the second is undone after it ($out)" grep -q "undid merge $MB" <<<"$out"
LT=$(as marco -c "insert into leads (last_name, company) values ('Txlead', 'Acme') returning id" | head -1)
as marco -c "begin; update leads set status = 'qualified' where id = $LT;
             select ccrm_merge('contacts', $C1, $C2); update leads set score = 77 where id = $LT;
             commit;" >/dev/null
MC=$(q "select id from merges where merged_id = $C2 and entity = 'contacts'")
out=$("$CCRM" -d "$DB user=marco" --unmerge "$MC" 2>&1)
check "edits before and after the merge in its transaction: the merge undone ($out)" grep -q "undid merge $MC" <<<"$out"
check "...and the edits kept" test "$(q "select status || ' ' || score from leads where id = $LT")" = "qualified 77"

# ---- a chain of merges is undone backwards (093) ----
read -r CA CB CC <<<"$(as marco -c "insert into contacts (first_name, last_name, email) values
    ('Ch', 'Chain A', 'cha@chain.example'), ('Ch', 'Chain B', 'chb@chain.example'),
    ('Ch', 'Chain C', 'chc@chain.example') returning id" | tr '\n' ' ')"
as marco -c "insert into interactions (kind, subject, contact_id) values ('note', 'about chain A', $CA)" >/dev/null
M1=$(as marco -c "select ccrm_merge('contacts', $CB, $CA)" | head -1)
M2=$(as marco -c "select ccrm_merge('contacts', $CC, $CB)" | head -1)
out=$("$CCRM" -d "$DB user=marco" --unmerge "$M2" 2>&1)
check "A into B, then B into C: the second undone ($out)" grep -q "undid merge $M2" <<<"$out"
out=$("$CCRM" -d "$DB user=marco" --unmerge "$M1" 2>&1)
check "...then the first: the rows the second's undo put back are as the first left them ($out)" \
    grep -q "undid merge $M1" <<<"$out"
check "...all three contacts back, A's note on A" \
    test "$(q "select count(*) from contacts where id in ($CA, $CB, $CC)")|$(q "select contact_id from interactions where subject = 'about chain A'")" = "3|$CA"
done_testing
