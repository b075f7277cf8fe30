#!/usr/bin/env bash
# Row-level security and department rights through plain psql (schema/004_rls.sql): for sales,
# support, marketing, management, admin and a partner, what each may read and write; that a
# partner can neither read, count nor infer unshared records; identical errors for unshared and
# missing ids; an append-only audit trail; empty NOTIFY payloads; pinned SECURITY DEFINER
# functions; and a non-superuser schema owner for whom FORCE'd RLS still lets the triggers log.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_rls.sh path/to/ccrm}

pg_start_demo "$CCRM" 200

# as USER psql-args...: psql as a demo person
# n USER SQL: rows a DML statement touches (inside a rolled-back transaction), or ERR: message
n() {
    local out
    if out=$(as "$1" -c "begin" -c "with x as ($2 returning 1) select count(*) from x" \
        -c "rollback" 2>&1); then
        echo "$out"
    else
        echo "ERR: $(grep -m1 ERROR <<<"$out" | sed 's/^.*ERROR: *//')"
    fi
}
# may USER SQL: the statement succeeds and touches at least one row
may() {
    local r
    r=$(n "$1" "$2")
    if [[ $r =~ ^[1-9][0-9]*$ ]]; then ok "$1 may: $2"; else fail "$1 may: $2 (got $r)"; fi
}
# mayNot USER SQL [PATTERN]: the statement fails (matching PATTERN if given) or touches nothing
mayNot() {
    local r
    r=$(n "$1" "$2")
    if [ "$r" = 0 ] || { [[ $r == ERR:* ]] && { [ -z "${3:-}" ] || grep -qE -- "$3" <<<"$r"; }; }; then
        ok "$1 may not: $2 (${r:0:70})"
    else
        fail "$1 may not: $2 (got $r)"
    fi
}
# del USER ENTITY ID: delete one row through ccrm_delete() (inside a rolled-back transaction):
# t, f (nothing deleted: not the caller's own, or gone) or ERR: message
del() {
    local out
    if out=$(as "$1" -c "begin" -c "select ccrm_delete('$2', $3)" -c "rollback" 2>&1); then
        echo "$out"
    else
        echo "ERR: $(grep -m1 ERROR <<<"$out" | sed 's/^.*ERROR: *//')"
    fi
}
mayDel() {
    local r
    r=$(del "$1" "$2" "$3")
    if [ "$r" = t ]; then ok "$1 may delete $2 #$3"; else fail "$1 may delete $2 #$3 (got $r)"; fi
}
mayNotDel() {
    local r
    r=$(del "$1" "$2" "$3")
    if [ "$r" = f ] || { [[ $r == ERR:* ]] && { [ -z "${4:-}" ] || grep -qE -- "$4" <<<"$r"; }; }; then
        ok "$1 may not delete $2 #$3 (${r:0:70})"
    else
        fail "$1 may not delete $2 #$3 (got $r)"
    fi
}

org=$(q "select id from partner_orgs where name = 'Nordlicht Reseller GmbH'")
shared="select account_id from account_shares where partner_org_id = $org"
sh1=$(q "select min(account_id) from account_shares where partner_org_id = $org")
un1=$(q "select min(id) from accounts where id not in ($shared)")
missing=$(q "select max(id) + 1000 from accounts")
# a second partner organisation with its own share: Nordlicht must not see any of it
q "insert into partner_orgs (name) values ('Südwind Agentur KG')"
org2=$(q "select id from partner_orgs where name = 'Südwind Agentur KG'")
q "insert into account_shares (account_id, partner_org_id) values ($un1, $org2)"
psqlc -c "insert into comments (entity, entity_id, body, author) values ('accounts', $un1, 'secret note', 'postgres')" -c "insert into comments (entity, entity_id, body, author, visibility) values ('accounts', $sh1, 'shared note', 'postgres', 'shared'), ('accounts', $sh1, 'internal note', 'postgres', 'internal')"

# ---------------------------------------------------------------- every table has FORCE'd RLS
missing_rls=$(q "select string_agg(c.relname, ', ') from pg_class c join pg_namespace s on s.oid = c.relnamespace
                 where s.nspname = 'public' and c.relkind = 'r' and c.relname <> 'schema_migrations'
                   and not (c.relrowsecurity and c.relforcerowsecurity)")
check "every public table has ENABLE + FORCE row level security (missing: ${missing_rls:-none})" test -z "$missing_rls"

# ---------------------------------------------------------------- read matrix
tables="accounts contacts leads opportunities tickets interactions comments mentions inbox campaigns campaign_members events audit users partner_orgs account_shares"
for u in sam sofia marco mia ana; do
    for t in $tables; do
        want=$(q "select count(*) from $t")
        got=$(as $u -c "select count(*) from $t" 2>&1)
        check "$u ($(q "select department from users where login = '$u'")) reads all $want rows of $t" test "$got" = "$want"
    done
done
declare -A pwant=(
    [accounts]="select count(*) from accounts where id in ($shared)"
    [contacts]="select count(*) from contacts where account_id in ($shared)"
    [leads]="select count(*) from leads where account_id in ($shared)"
    [opportunities]="select count(*) from opportunities where account_id in ($shared)"
    [tickets]="select count(*) from tickets where account_id in ($shared)"
    # (and with the ticket, lead or deal it hangs off, 053)
    [interactions]="select count(*) from interactions i where i.account_id in ($shared) and (i.kind <> 'note' or i.visibility = 'shared')
                    and (i.ticket_id is null or (select t.account_id from tickets t where t.id = i.ticket_id) in ($shared))
                    and (i.lead_id is null or (select l.account_id from leads l where l.id = i.lead_id) in ($shared))
                    and (i.opportunity_id is null or (select o.account_id from opportunities o where o.id = i.opportunity_id) in ($shared))"
    [comments]="select count(*) from comments where ccrm_entity_account(entity, entity_id) in ($shared) and visibility = 'shared'"
    [mentions]="select count(*) from mentions m join comments c on c.id = m.comment_id where ccrm_entity_account(c.entity, c.entity_id) in ($shared) and c.visibility = 'shared'"
    [inbox]="select count(*) from inbox where login = 'paul'"
    [events]="select count(*) from events where account_id in ($shared) and entity in ('accounts','contacts','leads','opportunities','tickets','interactions','comments','chat_messages','quotes','quote_lines','invoices','invoice_lines','payments')"
    [users]="select 1"
    [partner_orgs]="select 1"
    [account_shares]="select count(*) from account_shares where partner_org_id = $org"
)
for t in "${!pwant[@]}"; do
    want=$(q "${pwant[$t]}")
    got=$(as paul -c "select count(*) from $t" 2>&1)
    check "partner paul counts exactly the $want shared-derived rows of $t" test "$got" = "$want"
done
check "shared accounts carry data for the partner (contacts > 0)" test "$(as paul -c 'select count(*) from contacts')" -gt 0
check "partner sees the shared comment on a shared account, not the internal one there (022) nor the one on an unshared" \
    test "$(as paul -c "select string_agg(body, ',') from comments where body like '%note'")" = "shared note"
for t in campaigns campaign_members audit; do
    out=$(as paul -c "select count(*) from $t" 2>&1)
    check "partner may not read $t at all (permission denied)" grep -q "permission denied for table $t" <<<"$out"
done
check "partner: an unshared account by id returns nothing" test -z "$(as paul -c "select name from accounts where id = $un1")"
check "partner: its contacts, tickets, events by account id return nothing" \
    test "$(as paul -c "select (select count(*) from contacts where account_id = $un1) + (select count(*) from tickets where account_id = $un1) + (select count(*) from events where account_id = $un1) + (select count(*) from interactions where account_id = $un1)")" = 0
unname=$(q "select name from accounts where id = $un1")
check "partner: searching an unshared name finds nothing" \
    test "$(as paul -c "select count(*) from accounts where name ilike '%' || \$\$${unname}\$\$ || '%' or search like '%' || ccrm_fold(\$\$${unname}\$\$) || '%'")" = 0
check "partner: the other organisation and its share are invisible" \
    test "$(as paul -c "select (select count(*) from partner_orgs where id = $org2) + (select count(*) from account_shares where partner_org_id = $org2)")" = 0
check "partner: only its own users row (no staff list)" test "$(as paul -c "select string_agg(login, ',') from users")" = paul
check "partner: no bulk events (no account) in its feed" test "$(as paul -c "select count(*) from events where account_id is null")" = 0
check "partner: no sharing/users/org events in its feed" \
    test "$(as paul -c "select count(*) from events where entity not in ('accounts','contacts','leads','opportunities','tickets','interactions','comments','chat_messages','quotes','quote_lines','invoices','invoice_lines','payments')")" = 0
check "partner: planner statistics of RLS tables hidden (pg_stats)" \
    test "$(as paul -c "select count(*) from pg_stats where schemaname = 'public' and tablename in ('accounts','contacts','tickets')")" = 0
check "partner: ccrm_account_visible() true only for shared ids" \
    test "$(as paul -c "select ccrm_account_visible($sh1)::text || ccrm_account_visible($un1)::text")" = truefalse
check "internal: ccrm_account_visible() true for any id" test "$(as sam -c "select ccrm_account_visible($un1)")" = t
check "ccrm_dept() names the department" test "$(as sofia -c "select ccrm_dept()"),$(as paul -c "select ccrm_dept()"),$(as ana -c "select ccrm_dept()")" = "support,partner,admin"

# live: a change on an unshared account is invisible to the partner, on a shared one visible
as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($un1, 'Hidden', 'Person', 'hidden.person@example.com'), ($sh1, 'Shown', 'Person', 'shown.person@example.com')"
check "partner: event of a contact added to an unshared account is invisible" \
    test "$(as paul -c "select count(*) from events where summary like '%Hidden Person%'")" = 0
check "partner: event of a contact added to a shared account is visible" \
    test "$(as paul -c "select count(*) from events where summary like '%Shown Person%'")" = 1
check "internal: both events visible" test "$(as marco -c "select count(*) from events where summary like '%n Person%'")" = 2

# ---------------------------------------------------------------- partner writes
may paul "insert into tickets (account_id, subject, channel) values ($sh1, 'Partner ticket', 'partner')"
may paul "insert into interactions (kind, subject, account_id) values ('call', 'Partner call', $sh1)"
shc=$(q "select min(id) from contacts where account_id = $sh1")
unc=$(q "select min(id) from contacts where account_id = $un1")
may paul "insert into interactions (kind, subject, contact_id) values ('email', 'Partner mail via contact', $shc)"
e_un=$(n paul "insert into tickets (account_id, subject) values ($un1, 'x')")
e_no=$(n paul "insert into tickets (account_id, subject) values ($missing, 'x')")
check "partner: ticket on an unshared account fails ($e_un)" grep -q '^ERR: new row violates row-level security' <<<"$e_un"
check "partner: unshared and nonexistent account give the identical error" test "$e_un" = "${e_no}"
e_un=$(n paul "insert into tickets (account_id, contact_id, subject) values ($sh1, $unc, 'x')")
e_no=$(n paul "insert into tickets (account_id, contact_id, subject) values ($sh1, $((unc + 100000)), 'x')")
check "partner: unshared and nonexistent contact give the identical error" test "$e_un" = "$e_no"
check "... and that error is the RLS one, not a foreign key's" grep -q 'row-level security' <<<"$e_un"
e_un=$(n paul "insert into interactions (kind, subject, contact_id) values ('call', 'x', $unc)")
e_no=$(n paul "insert into interactions (kind, subject, contact_id) values ('call', 'x', $((unc + 100000)))")
check "partner: interaction on unshared vs missing contact: identical errors" test "$e_un" = "$e_no"
unt=$(q "select min(id) from tickets where account_id not in ($shared)")
e_un=$(n paul "insert into interactions (kind, subject, account_id, ticket_id) values ('note', 'x', $sh1, $unt)")
e_no=$(n paul "insert into interactions (kind, subject, account_id, ticket_id) values ('note', 'x', $sh1, 99999999)")
check "partner: interaction naming an unshared vs missing ticket: identical errors" test "$e_un" = "$e_no"
mayNot paul "insert into tickets (id, account_id, subject) overriding system value values (1, $sh1, 'x')" "permission denied"
mayNot paul "insert into tickets (account_id, subject, status) values ($sh1, 'x', 'closed')" "permission denied"
mayNot paul "update tickets set subject = 'x' where account_id = $sh1" "permission denied"
mayNot paul "delete from interactions where account_id = $sh1" "permission denied"
mayNot paul "insert into accounts (name) values ('Partner Co')" "permission denied"
mayNot paul "insert into contacts (account_id, last_name) values ($sh1, 'x')" "permission denied"
mayNot paul "insert into comments (entity, entity_id, body) values ('accounts', $sh1, 'x')" "permission denied"
mayNot paul "insert into account_shares (account_id, partner_org_id) values ($un1, $org)" "permission denied"
mayNot paul "update users set department = 'admin' where login = 'paul'" "permission denied"
out=$(as paul -c "set role ccrm_internal" 2>&1)
check "partner cannot SET ROLE ccrm_internal" grep -q 'permission denied' <<<"$out"
out=$(as paul -c "set role sam" 2>&1)
check "partner cannot SET ROLE to an internal person" grep -q 'permission denied' <<<"$out"
out=$(as paul -c "set session authorization sam" 2>&1)
check "partner cannot SET SESSION AUTHORIZATION" grep -q 'permission denied' <<<"$out"
out=$(as paul -c "select set_config('role', 'ana', false)" 2>&1)
check "partner cannot set_config('role') to an admin" grep -q 'permission denied' <<<"$out"

# ---------------------------------------------------------------- department writes
tk=$(q "select min(id) from tickets where status not in ('solved', 'closed')")
op=$(q "select min(id) from opportunities where stage <> 'won'")
ld=$(q "select min(id) from leads")
ac=$(q "select max(id) from accounts where id not in (select account_id from account_shares)")
for u in sam sofia marco mia ana; do
    may $u "insert into accounts (name) values ('Made by $u')"
    may $u "update accounts set industry = 'x' where id = $ac"
    may $u "insert into interactions (kind, subject, account_id) values ('note', 'by $u', $ac)"
    may $u "insert into comments (entity, entity_id, body) values ('accounts', $ac, 'by $u')"
    may $u "insert into tickets (account_id, subject) values ($ac, 'by $u')"
    may $u "update leads set score = 1 where id = $ld"
    mayNot $u "update audit set actor = 'x' where id = 1" "permission denied"
    mayNot $u "delete from audit" "permission denied"
    mayNot $u "insert into events (entity, op, summary) values ('accounts', 'insert', 'fake')" "permission denied"
done
for u in sam mia ana; do may $u "update opportunities set stage = 'won' where id = $op"; done
for u in sofia marco; do mayNot $u "update opportunities set stage = 'won' where id = $op" "only sales, management and admin may move a deal to won"; done
# a won deal: out of won is the same right
psqlc -c "update opportunities set stage = 'won' where id = $op" >/dev/null
for u in sofia marco; do mayNot $u "update opportunities set stage = 'negotiation' where id = $op" "only sales, management and admin may move a deal out of won"; done
may sam "update opportunities set stage = 'negotiation' where id = $op"
for u in sofia mia ana; do may $u "update tickets set status = 'closed' where id = $tk"; done
for u in sam marco; do mayNot $u "update tickets set status = 'solved' where id = $tk" "only support, management and admin may set a ticket to solved"; done
mayNot sam "insert into tickets (account_id, subject, status) values ($ac, 'x', 'closed')" "only support"
# deleting goes through ccrm_delete (schema/014): nobody holds DELETE, which would also allow
# LOCK TABLE ... ACCESS EXCLUSIVE; the department rules are the same as before
for u in sam sofia marco mia ana; do
    for t in accounts tickets leads interactions comments; do
        mayNot $u "delete from $t where id = $ac" "permission denied"
    done
done
for u in sam mia ana; do mayDel $u accounts $ac; done
for u in sofia marco; do mayNotDel $u accounts $ac "only sales, management and admin"; done
for u in sofia mia ana; do mayDel $u tickets $tk; done
for u in sam marco; do mayNotDel $u tickets $tk "only support, management and admin"; done
for u in marco mia ana; do mayDel $u leads $ld; done
for u in sam sofia; do mayNotDel $u leads $ld "only marketing, management and admin"; done
mayNotDel paul tickets $tk "only support"
for u in marco mia ana; do may $u "insert into campaigns (name) values ('by $u')"; done
for u in sam sofia; do mayNot $u "insert into campaigns (name) values ('by $u')" "permission denied"; done
mayNot sam "insert into comments (entity, entity_id, body, author) values ('accounts', $ac, 'x', 'sofia')" "row-level security"
cm=$(q "select min(id) from comments where author <> 'sam' and author <> 'postgres'")
cma=$(q "select author from comments where id = $cm")
mayNot sam "update comments set body = 'edited' where id = $cm"
may "$cma" "update comments set body = 'edited' where id = $cm"
mayNotDel sam comments $cm
mayDel "$cma" comments $cm
mayDel mia comments $cm
ix=$(q "select min(id) from interactions where created_by = 'sofia'")
mayNotDel sam interactions $ix
mayDel sofia interactions $ix
mayDel mia interactions $ix
# inbox entries: only through ccrm_inbox_put, in one's own name (schema/014)
mayNot sam "insert into inbox (login, kind, from_login) values ('marco', 'handoff', 'sofia')" "permission denied"
mayNot sam "insert into inbox (login, kind, from_login, note) values ('marco', 'handoff', 'sam', 'over to you')" "permission denied"
as sam -c "select ccrm_inbox_put('marco', 'handoff', NULL, NULL, 'over to you')" >/dev/null
check "an inbox entry written through ccrm_inbox_put names its real sender" \
    test "$(q "select from_login from inbox where login = 'marco' and note = 'over to you'")" = sam
ib=$(q "select min(id) from inbox where login = 'marco'")
may marco "update inbox set read_at = now() where id = $ib"
mayNot sam "update inbox set read_at = now() where id = $ib"
for u in sam sofia marco mia; do
    mayNot $u "insert into users (login, display_name, department) values ('x$u', 'x', 'sales')" "permission denied"
    mayNot $u "insert into account_shares (account_id, partner_org_id) values ($un1, $org)" "permission denied"
done
may ana "insert into account_shares (account_id, partner_org_id) values ($ac, $org)"
may ana "update users set display_name = 'Renamed' where login = 'paul'"

# ---------------------------------------------------------------- audit trail
check "every change is audited: sam's insert has a new_row" \
    test "$(q "select count(*) from audit where actor = 'sam' and entity = 'contacts' and new_row->>'last_name' = 'Person'")" = 2
as sam -c "update accounts set industry = 'Audited' where id = $sh1"
check "an update keeps old and new values and who" \
    test "$(q "select count(*) from audit where actor = 'sam' and op = 'update' and entity_id = $sh1 and new_row->>'industry' = 'Audited' and old_row->>'industry' is distinct from 'Audited'")" = 1
for stmt in "update audit set actor = 'nobody'" "delete from audit" "truncate audit"; do
    out=$(q "$stmt" 2>&1)
    check "even the superuser/owner cannot: $stmt" grep -q 'the audit trail cannot be changed or deleted' <<<"$out"
done
out=$(as ana -c "update audit set actor = 'x'" 2>&1)
check "admin cannot alter the audit trail either" grep -q 'permission denied' <<<"$out"
check "internal users read the audit trail" test "$(as sam -c "select count(*) > 0 from audit")" = t

# ---------------------------------------------------------------- NOTIFY carries nothing
out=$(as sam -c "listen ccrm" -c "update accounts set industry = 'Notified' where id = $un1" -c "select 1" 2>&1)
check "NOTIFY ccrm is sent" grep -q 'Asynchronous notification "ccrm" received' <<<"$out"
check "NOTIFY payload is empty" bash -c "! grep -q 'with payload' <<<'$out'"
check "no trigger sends a payload (pg_notify calls use '')" \
    test "$(q "select count(*) from pg_proc where prosrc ~ 'pg_notify\\(''ccrm'', *''[^'']'")" = 0

# ---------------------------------------------------------------- SECURITY DEFINER inventory
bad=$(q "select string_agg(p.oid::regprocedure::text, ', ') from pg_proc p join pg_namespace s on s.oid = p.pronamespace
         where s.nspname = 'public' and p.prosecdef
           and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=pg_catalog%')")
check "every SECURITY DEFINER function pins search_path starting with pg_catalog (bad: ${bad:-none})" test -z "$bad"
bad=$(q "select string_agg(p.oid::regprocedure::text, ', ') from pg_proc p join pg_namespace s on s.oid = p.pronamespace
         where s.nspname = 'public' and p.prosecdef
           and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'))")
check "no SECURITY DEFINER function is executable by PUBLIC (bad: ${bad:-none})" test -z "$bad"
bad=$(q "select string_agg(p.oid::regprocedure::text, ', ' order by 1) from pg_proc p join pg_namespace s on s.oid = p.pronamespace
         where s.nspname = 'public' and p.prosecdef and pg_get_function_result(p.oid) <> 'trigger'
           and (has_function_privilege('paul', p.oid, 'EXECUTE') or has_function_privilege('sam', p.oid, 'EXECUTE'))
           and p.proname not in ('ccrm_delete', 'ccrm_import_begin', 'ccrm_import_note',
                                 'ccrm_import_revert', 'ccrm_inbox_put', 'ccrm_presence_clear',
                                 'ccrm_mail_store_many', 'ccrm_tick', 'ccrm_merge', 'ccrm_unmerge',
                                 'ccrm_search_blocks_flush', 'ccrm_record_hold')")
check "partners may not even call the merge functions" \
    test "$(q "select has_function_privilege('paul', 'ccrm_merge(text,bigint,bigint,jsonb)', 'EXECUTE')
                  or has_function_privilege('paul', 'ccrm_unmerge(bigint)', 'EXECUTE')")" = f
check "partners and ordinary staff execute only the definer functions meant for them (bad: ${bad:-none})" test -z "$bad"
for u in paul sam; do
    check "$u cannot create objects in schema public" test "$(q "select has_schema_privilege('$u', 'public', 'CREATE')")" = f
done
out=$(as sam -c "select ccrm_add_user('evil', 'admin')" 2>&1)
check "a non-admin cannot call ccrm_add_user" grep -q 'permission denied for function ccrm_add_user' <<<"$out"
out=$(as ana -c "select ccrm_add_user('x\"; drop role sam; --', 'sales')" 2>&1)
check "ccrm_add_user rejects an injected login" grep -q 'invalid login name' <<<"$out"
out=$(as ana -c "create temp table users (login text); select ccrm_add_user('tmpuser', 'sales')" 2>&1)
check "a temp table cannot shadow users inside ccrm_add_user (pg_temp last)" \
    test "$(q "select count(*) from users where login = 'tmpuser'")" = 1

# ---------------------------------------------------------------- a non-superuser owner
q "create role ccrm_owner_t login createrole"
q "create database owned owner ccrm_owner_t"
OWN="host=$PG_DIR dbname=owned"
out=$("$CCRM" -d "$OWN user=ccrm_owner_t" --migrate 2>&1)
check "a non-superuser owner (CREATEROLE) can migrate (${out##*$'\n'})" grep -q 'schema is at version' <<<"$out"
po() { psql -X -q -At -v ON_ERROR_STOP=1 "$OWN user=$1" -c "$2"; }
po ccrm_owner_t "select ccrm_add_user('sam', 'sales'); select ccrm_add_user('paul', 'partner', 'Own Org')" >/dev/null
check "the owner (with FORCE'd RLS) adopts existing roles and writes users" \
    test "$(po ccrm_owner_t "select count(*) from users")" = 2
po sam "insert into accounts (name) values ('Owned One'), ('Owned Two')"
check "a sales user's insert is audited and announced under FORCE'd RLS" \
    test "$(po ccrm_owner_t "select (select count(*) from audit where actor = 'sam'), (select count(*) from events where actor = 'sam')")" = "2|2"
check "the sales user reads the events" test "$(po sam "select count(*) from events where actor = 'sam'")" = 2
po ccrm_owner_t "insert into account_shares (account_id, partner_org_id) select min(a.id), min(o.id) from accounts a, partner_orgs o"
check "the partner sees exactly the one shared account there" test "$(po paul "select count(*) from accounts")" = 1
out=$(po ccrm_owner_t "delete from audit" 2>&1)
check "the non-superuser owner cannot delete the audit trail" grep -q 'cannot be changed' <<<"$out"

done_testing
