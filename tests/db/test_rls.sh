#!/usr/bin/env bash
# Row-level security and department rights through plain psql (schema/004_rls.sql): for sales,
# support, marketing, management, admin and a partner, what each may read and write; that a
# partner can neither read, count nor infer unshared records; identical errors for unshared and
# missing ids; an append-only audit trail; empty NOTIFY payloads; pinned SECURITY DEFINER
# functions; and a non-superuser schema owner for whom FORCE'd RLS still lets the triggers log.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_rls.sh path/to/ccrm}

pg_start_demo "$CCRM" 200
DB="host=$PG_DIR dbname=ccrm"

# The questions in bulk (ask, ask_all: tests/lib/pg.sh; this test asks some five hundred):
# answers runs those queued, then judges the checks that may, mayNot, mayDel and mayNotDel
# queued, in the order queued. Whatever must be committed goes through as, q or psqlc between
# two answers.
# the checks to judge: kind, user, what (a statement, or "ENTITY #ID"), error pattern, key
_jk=() _ju=() _jw=() _jp=() _jx=()
judge() { _jk+=("$1") _ju+=("$2") _jw+=("$3") _jp+=("${4:-}") _jx+=("$5"); }
ASK_ERR=:LAST_ERROR_MESSAGE # (the statement's error as n and del reported it: the message)
answers() {
    local i u k r p
    ask_all
    for i in "${!_jk[@]}"; do
        u=${_ju[i]} k=${_jw[i]} p=${_jp[i]} r=${ANSWER[${_jx[i]}]}
        case ${_jk[i]} in
        may)
            if [[ $r =~ ^[1-9][0-9]*$ ]]; then ok "$u may: $k"; else fail "$u may: $k (got $r)"; fi ;;
        mayNot)
            if [ "$r" = 0 ] || { [[ $r == ERR:* ]] && { [ -z "$p" ] || [[ $r =~ $p ]]; }; }; then
                ok "$u may not: $k (${r:0:70})"
            else
                fail "$u may not: $k (got $r)"
            fi ;;
        mayDel)
            if [ "$r" = t ]; then ok "$u may delete $k"; else fail "$u may delete $k (got $r)"; fi ;;
        mayNotDel)
            if [ "$r" = f ] || { [[ $r == ERR:* ]] && { [ -z "$p" ] || [[ $r =~ $p ]]; }; }; then
                ok "$u may not delete $k (${r:0:70})"
            else
                fail "$u may not delete $k (got $r)"
            fi ;;
        esac
    done
    _jk=() _ju=() _jw=() _jp=() _jx=()
}
# askn KEY USER SQL: the rows a DML statement touches (or ERR: message), asked
askn() { ask "$1" "$2" "with x as ($3 returning 1) select count(*) from x"; }
# may USER SQL: the statement succeeds and touches at least one row
may() { askn "j${#_jk[@]}" "$1" "$2" && judge may "$1" "$2" "" "j${#_jk[@]}"; }
# mayNot USER SQL [PATTERN]: the statement fails (matching PATTERN if given) or touches nothing
mayNot() { askn "j${#_jk[@]}" "$1" "$2" && judge mayNot "$1" "$2" "${3:-}" "j${#_jk[@]}"; }
# mayDel USER ENTITY ID: ccrm_delete() deletes the row (says t); mayNotDel USER ENTITY ID
# [PATTERN]: it deletes nothing (f: not the caller's own, or gone) or fails (matching PATTERN)
mayDel() { ask "j${#_jk[@]}" "$1" "select ccrm_delete('$2', $3)" && judge mayDel "$1" "$2 #$3" "" "j${#_jk[@]}"; }
mayNotDel() { ask "j${#_jk[@]}" "$1" "select ccrm_delete('$2', $3)" && judge mayNotDel "$1" "$2 #$3" "${4:-}" "j${#_jk[@]}"; }
# count_is GOT WANT: both the same count (an error on both sides is no count)
count_is() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" = "$2" ]; }

IFS='|' read -r org sh1 un1 missing < <(q "select o.id, (select min(account_id) from account_shares where partner_org_id = o.id),
    (select min(id) from accounts where id not in (select account_id from account_shares where partner_org_id = o.id)),
    (select max(id) + 1000 from accounts) from partner_orgs o where o.name = 'Nordlicht Reseller GmbH'")
shared="select account_id from account_shares where partner_org_id = $org"
# a second partner organisation with its own share: Nordlicht must not see any of it
org2=$(psqlc -c "insert into partner_orgs (name) values ('Südwind Agentur KG') returning id" \
    -c "insert into account_shares (account_id, partner_org_id) select $un1, id from partner_orgs where name = 'Südwind Agentur KG'" \
    -c "insert into comments (entity, entity_id, body, author) values ('accounts', $un1, 'secret note', 'postgres')" \
    -c "insert into comments (entity, entity_id, body, author, visibility) values ('accounts', $sh1, 'shared note', 'postgres', 'shared'), ('accounts', $sh1, 'internal note', 'postgres', 'internal')") \
    || fail "fixtures: a second partner organisation, its share and three comments"
# the records the checks below name (none of them changes before it is used: the commits in
# between add rows with higher ids, or touch other tables)
IFS='|' read -r shc unc unt tk op ld ac cm cma ix < <(q "select
    (select min(id) from contacts where account_id = $sh1), (select min(id) from contacts where account_id = $un1),
    (select min(id) from tickets where account_id not in ($shared)),
    (select min(id) from tickets where status not in ('solved', 'closed')),
    (select min(id) from opportunities where stage <> 'won'), (select min(id) from leads),
    (select max(id) from accounts where id not in (select account_id from account_shares)),
    c.id, c.author, (select min(id) from interactions where created_by = 'sofia')
    from (select 1) one left join comments c on c.id = (select min(id) from comments where author <> 'sam' and author <> 'postgres')")
unname=$(q "select name from accounts where id = $un1")

# ---------------------------------------------------------------- every table has FORCE'd RLS
ask missing_rls postgres "select string_agg(c.relname, ', ') from pg_class c join pg_namespace s on s.oid = c.relnamespace
                 where s.nspname = 'public' and c.relkind = 'r' and c.relname <> 'schema_migrations'
                   and not (c.relrowsecurity and c.relforcerowsecurity)"

# ---------------------------------------------------------------- read matrix
tables="accounts contacts leads opportunities tickets interactions comments mentions inbox campaigns campaign_members events audit users partner_orgs account_shares"
for t in $tables; do ask "all:$t" postgres "select count(*) from $t"; done
for u in sam sofia marco mia ana; do
    ask "dept:$u" postgres "select department from users where login = '$u'"
    for t in $tables; do ask "$u:$t" $u "select count(*) from $t"; done
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
    ask "pwant:$t" postgres "${pwant[$t]}"
    ask "paul:$t" paul "select count(*) from $t"
done
for t in campaigns campaign_members audit; do ask "paul:$t" paul "select count(*) from $t"; done
ask p_notes paul "select string_agg(body, ',') from comments where body like '%note'"
ask p_un1 paul "select name from accounts where id = $un1"
ask p_un1_derived paul "select (select count(*) from contacts where account_id = $un1) + (select count(*) from tickets where account_id = $un1) + (select count(*) from events where account_id = $un1) + (select count(*) from interactions where account_id = $un1)"
ask p_search paul "select count(*) from accounts where name ilike '%' || \$\$${unname}\$\$ || '%' or search like '%' || ccrm_fold(\$\$${unname}\$\$) || '%'"
ask p_org2 paul "select (select count(*) from partner_orgs where id = $org2) + (select count(*) from account_shares where partner_org_id = $org2)"
ask p_users paul "select string_agg(login, ',') from users"
ask p_bulk paul "select count(*) from events where account_id is null"
ask p_entities paul "select count(*) from events where entity not in ('accounts','contacts','leads','opportunities','tickets','interactions','comments','chat_messages','quotes','quote_lines','invoices','invoice_lines','payments')"
ask p_stats paul "select count(*) from pg_stats where schemaname = 'public' and tablename in ('accounts','contacts','tickets')"
ask p_visible paul "select ccrm_account_visible($sh1)::text || ccrm_account_visible($un1)::text"
ask s_visible sam "select ccrm_account_visible($un1)"
for u in sofia paul ana; do ask "ccrm_dept:$u" $u "select ccrm_dept()"; done
answers

check "every public table has ENABLE + FORCE row level security (missing: ${ANSWER[missing_rls]:-none})" test -z "${ANSWER[missing_rls]}"
for u in sam sofia marco mia ana; do
    for t in $tables; do
        check "$u (${ANSWER[dept:$u]}) reads all ${ANSWER[all:$t]} rows of $t" count_is "${ANSWER[$u:$t]}" "${ANSWER[all:$t]}"
    done
done
for t in "${!pwant[@]}"; do
    check "partner paul counts exactly the ${ANSWER[pwant:$t]} shared-derived rows of $t" count_is "${ANSWER[paul:$t]}" "${ANSWER[pwant:$t]}"
done
check "shared accounts carry data for the partner (contacts > 0)" test "${ANSWER[paul:contacts]}" -gt 0
check "partner sees the shared comment on a shared account, not the internal one there (022) nor the one on an unshared" \
    test "${ANSWER[p_notes]}" = "shared note"
for t in campaigns campaign_members audit; do
    check "partner may not read $t at all (permission denied)" grep -q "permission denied for table $t" <<<"${ANSWER[paul:$t]}"
done
check "partner: an unshared account by id returns nothing" test -z "${ANSWER[p_un1]}"
check "partner: its contacts, tickets, events by account id return nothing" test "${ANSWER[p_un1_derived]}" = 0
check "partner: searching an unshared name finds nothing" test "${ANSWER[p_search]}" = 0
check "partner: the other organisation and its share are invisible" test "${ANSWER[p_org2]}" = 0
check "partner: only its own users row (no staff list)" test "${ANSWER[p_users]}" = paul
check "partner: no bulk events (no account) in its feed" test "${ANSWER[p_bulk]}" = 0
check "partner: no sharing/users/org events in its feed" test "${ANSWER[p_entities]}" = 0
check "partner: planner statistics of RLS tables hidden (pg_stats)" test "${ANSWER[p_stats]}" = 0
check "partner: ccrm_account_visible() true only for shared ids" test "${ANSWER[p_visible]}" = truefalse
check "internal: ccrm_account_visible() true for any id" test "${ANSWER[s_visible]}" = t
check "ccrm_dept() names the department" test "${ANSWER[ccrm_dept:sofia]},${ANSWER[ccrm_dept:paul]},${ANSWER[ccrm_dept:ana]}" = "support,partner,admin"

# live: a change on an unshared account is invisible to the partner, on a shared one visible
as sam -c "insert into contacts (account_id, first_name, last_name, email) values ($un1, 'Hidden', 'Person', 'hidden.person@example.com'), ($sh1, 'Shown', 'Person', 'shown.person@example.com')"
ask hidden paul "select count(*) from events where summary like '%Hidden Person%'"
ask shown paul "select count(*) from events where summary like '%Shown Person%'"
ask both marco "select count(*) from events where summary like '%n Person%'"

# ---------------------------------------------------------------- partner writes
may paul "insert into tickets (account_id, subject, channel) values ($sh1, 'Partner ticket', 'partner')"
may paul "insert into interactions (kind, subject, account_id) values ('call', 'Partner call', $sh1)"
may paul "insert into interactions (kind, subject, contact_id) values ('email', 'Partner mail via contact', $shc)"
askn t_un paul "insert into tickets (account_id, subject) values ($un1, 'x')"
askn t_no paul "insert into tickets (account_id, subject) values ($missing, 'x')"
askn tc_un paul "insert into tickets (account_id, contact_id, subject) values ($sh1, $unc, 'x')"
askn tc_no paul "insert into tickets (account_id, contact_id, subject) values ($sh1, $((unc + 100000)), 'x')"
askn ic_un paul "insert into interactions (kind, subject, contact_id) values ('call', 'x', $unc)"
askn ic_no paul "insert into interactions (kind, subject, contact_id) values ('call', 'x', $((unc + 100000)))"
askn it_un paul "insert into interactions (kind, subject, account_id, ticket_id) values ('note', 'x', $sh1, $unt)"
askn it_no paul "insert into interactions (kind, subject, account_id, ticket_id) values ('note', 'x', $sh1, 99999999)"
mayNot paul "insert into tickets (id, account_id, subject) overriding system value values (1, $sh1, 'x')" "permission denied"
mayNot paul "insert into tickets (account_id, subject, status) values ($sh1, 'x', 'closed')" "permission denied"
mayNot paul "update tickets set subject = 'x' where account_id = $sh1" "permission denied"
mayNot paul "delete from interactions where account_id = $sh1" "permission denied"
mayNot paul "insert into accounts (name) values ('Partner Co')" "permission denied"
mayNot paul "insert into contacts (account_id, last_name) values ($sh1, 'x')" "permission denied"
mayNot paul "insert into comments (entity, entity_id, body) values ('accounts', $sh1, 'x')" "permission denied"
mayNot paul "insert into account_shares (account_id, partner_org_id) values ($un1, $org)" "permission denied"
mayNot paul "update users set department = 'admin' where login = 'paul'" "permission denied"
# (each in a transaction that is rolled back: had one worked, the rest of the session would not
# run as paul)
ask role_internal paul "set role ccrm_internal"
ask role_sam paul "set role sam"
ask auth_sam paul "set session authorization sam"
ask config_role paul "select set_config('role', 'ana', false)"

# ---------------------------------------------------------------- department writes
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
answers

check "internal: both events visible" test "${ANSWER[both]}" = 2
check "partner: event of a contact added to an unshared account is invisible" test "${ANSWER[hidden]}" = 0
check "partner: event of a contact added to a shared account is visible" test "${ANSWER[shown]}" = 1
check "partner: ticket on an unshared account fails (${ANSWER[t_un]})" grep -q '^ERR: new row violates row-level security' <<<"${ANSWER[t_un]}"
check "partner: unshared and nonexistent account give the identical error" test "${ANSWER[t_un]}" = "${ANSWER[t_no]}"
check "partner: unshared and nonexistent contact give the identical error" test "${ANSWER[tc_un]}" = "${ANSWER[tc_no]}"
check "... and that error is the RLS one, not a foreign key's" grep -q 'row-level security' <<<"${ANSWER[tc_un]}"
check "partner: interaction on unshared vs missing contact: identical errors" test "${ANSWER[ic_un]}" = "${ANSWER[ic_no]}"
check "partner: interaction naming an unshared vs missing ticket: identical errors" test "${ANSWER[it_un]}" = "${ANSWER[it_no]}"
check "partner cannot SET ROLE ccrm_internal" grep -q 'permission denied' <<<"${ANSWER[role_internal]}"
check "partner cannot SET ROLE to an internal person" grep -q 'permission denied' <<<"${ANSWER[role_sam]}"
check "partner cannot SET SESSION AUTHORIZATION" grep -q 'permission denied' <<<"${ANSWER[auth_sam]}"
check "partner cannot set_config('role') to an admin" grep -q 'permission denied' <<<"${ANSWER[config_role]}"

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
mayNot sam "update comments set body = 'edited' where id = $cm"
may "$cma" "update comments set body = 'edited' where id = $cm"
mayNotDel sam comments $cm
mayDel "$cma" comments $cm
mayDel mia comments $cm
mayNotDel sam interactions $ix
mayDel sofia interactions $ix
mayDel mia interactions $ix
# inbox entries: only through ccrm_inbox_put, in one's own name (schema/014)
mayNot sam "insert into inbox (login, kind, from_login) values ('marco', 'handoff', 'sofia')" "permission denied"
mayNot sam "insert into inbox (login, kind, from_login, note) values ('marco', 'handoff', 'sam', 'over to you')" "permission denied"
for u in sam sofia marco mia; do
    mayNot $u "insert into users (login, display_name, department) values ('x$u', 'x', 'sales')" "permission denied"
    mayNot $u "insert into account_shares (account_id, partner_org_id) values ($un1, $org)" "permission denied"
done
may ana "insert into account_shares (account_id, partner_org_id) values ($ac, $org)"
may ana "update users set display_name = 'Renamed' where login = 'paul'"
answers
as sam -c "select ccrm_inbox_put('marco', 'handoff', NULL, NULL, 'over to you')" >/dev/null
IFS='|' read -r from ib < <(q "select (select from_login from inbox where login = 'marco' and note = 'over to you'),
    (select min(id) from inbox where login = 'marco')")
check "an inbox entry written through ccrm_inbox_put names its real sender" test "$from" = sam
may marco "update inbox set read_at = now() where id = $ib"
mayNot sam "update inbox set read_at = now() where id = $ib"

# ---------------------------------------------------------------- audit trail
as sam -c "update accounts set industry = 'Audited' where id = $sh1"
ask audit_insert postgres "select count(*) from audit where actor = 'sam' and entity = 'contacts' and new_row->>'last_name' = 'Person'"
ask audit_update postgres "select count(*) from audit where actor = 'sam' and op = 'update' and entity_id = $sh1 and new_row->>'industry' = 'Audited' and old_row->>'industry' is distinct from 'Audited'"
stmts=("update audit set actor = 'nobody'" "delete from audit" "truncate audit")
for i in "${!stmts[@]}"; do ask "audit_su:$i" postgres "${stmts[i]}"; done
ask audit_ana ana "update audit set actor = 'x'"
ask audit_read sam "select count(*) > 0 from audit"

# ---------------------------------------------------------------- NOTIFY carries nothing
out=$(as sam -c "listen ccrm" -c "update accounts set industry = 'Notified' where id = $un1" -c "select 1" 2>&1)
ask payload postgres "select count(*) from pg_proc where prosrc ~ 'pg_notify\\(''ccrm'', *''[^'']'"

# ---------------------------------------------------------------- SECURITY DEFINER inventory
ask bad_path postgres "select string_agg(p.oid::regprocedure::text, ', ') from pg_proc p join pg_namespace s on s.oid = p.pronamespace
         where s.nspname = 'public' and p.prosecdef
           and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=pg_catalog%')"
ask bad_public postgres "select string_agg(p.oid::regprocedure::text, ', ') from pg_proc p join pg_namespace s on s.oid = p.pronamespace
         where s.nspname = 'public' and p.prosecdef
           and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'))"
ask bad_exec postgres "select string_agg(p.oid::regprocedure::text, ', ' order by 1) from pg_proc p join pg_namespace s on s.oid = p.pronamespace
         where s.nspname = 'public' and p.prosecdef and pg_get_function_result(p.oid) <> 'trigger'
           and (has_function_privilege('paul', p.oid, 'EXECUTE') or has_function_privilege('sam', p.oid, 'EXECUTE'))
           and p.proname not in ('ccrm_delete', 'ccrm_import_begin', 'ccrm_import_note',
                                 'ccrm_import_revert', 'ccrm_inbox_put', 'ccrm_presence_clear',
                                 'ccrm_mail_store_many', 'ccrm_tick', 'ccrm_merge', 'ccrm_unmerge',
                                 'ccrm_search_blocks_flush', 'ccrm_record_hold', 'ccrm_lock_key',
                                 'ccrm_events_survived', 'ccrm_other_partners')"
ask merge postgres "select has_function_privilege('paul', 'ccrm_merge(text,bigint,bigint,jsonb)', 'EXECUTE')
                  or has_function_privilege('paul', 'ccrm_unmerge(bigint)', 'EXECUTE')"
for u in paul sam; do ask "create:$u" postgres "select has_schema_privilege('$u', 'public', 'CREATE')"; done
ask add_user sam "select ccrm_add_user('evil', 'admin')"
ask add_inject ana "select ccrm_add_user('x\"; drop role sam; --', 'sales')"
# (committed: the check asks the superuser afterwards)
as ana -c "create temp table users (login text); select ccrm_add_user('tmpuser', 'sales')" >/dev/null 2>&1
ask tmpuser postgres "select count(*) from users where login = 'tmpuser'"
answers

check "every change is audited: sam's insert has a new_row" test "${ANSWER[audit_insert]}" = 2
check "an update keeps old and new values and who" test "${ANSWER[audit_update]}" = 1
for i in "${!stmts[@]}"; do
    check "even the superuser/owner cannot: ${stmts[i]}" grep -q 'the audit trail cannot be changed or deleted' <<<"${ANSWER[audit_su:$i]}"
done
check "admin cannot alter the audit trail either" grep -q 'permission denied' <<<"${ANSWER[audit_ana]}"
check "internal users read the audit trail" test "${ANSWER[audit_read]}" = t
check "NOTIFY ccrm is sent" grep -q 'Asynchronous notification "ccrm" received' <<<"$out"
check "NOTIFY payload is empty" bash -c "! grep -q 'with payload' <<<'$out'"
check "no trigger sends a payload (pg_notify calls use '')" test "${ANSWER[payload]}" = 0
check "every SECURITY DEFINER function pins search_path starting with pg_catalog (bad: ${ANSWER[bad_path]:-none})" test -z "${ANSWER[bad_path]}"
check "no SECURITY DEFINER function is executable by PUBLIC (bad: ${ANSWER[bad_public]:-none})" test -z "${ANSWER[bad_public]}"
check "partners may not even call the merge functions" test "${ANSWER[merge]}" = f
check "partners and ordinary staff execute only the definer functions meant for them (bad: ${ANSWER[bad_exec]:-none})" test -z "${ANSWER[bad_exec]}"
for u in paul sam; do
    check "$u cannot create objects in schema public" test "${ANSWER[create:$u]}" = f
done
check "a non-admin cannot call ccrm_add_user" grep -q 'permission denied for function ccrm_add_user' <<<"${ANSWER[add_user]}"
check "ccrm_add_user rejects an injected login" grep -q 'invalid login name' <<<"${ANSWER[add_inject]}"
check "a temp table cannot shadow users inside ccrm_add_user (pg_temp last)" test "${ANSWER[tmpuser]}" = 1

# ---------------------------------------------------------------- a non-superuser owner
psqlc -c "create role ccrm_owner_t login createrole" -c "create database owned owner ccrm_owner_t"
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
