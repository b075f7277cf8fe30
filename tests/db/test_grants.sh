#!/usr/bin/env bash
# Privileges against the allow-list in docs/security.md: every table, view, sequence and function
# of schema public is read from the catalog (so a table or function added later is covered
# without touching this test), and what each role may do with it must be exactly what the
# allow-list says. Also: every table has ENABLE + FORCE row-level security and a policy that
# says what partners get (if only nothing).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_grants.sh path/to/ccrm}
DOC=$(dirname "$0")/../../docs/security.md

pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"

# ---- the allow-list, as "object grantee PRIVILEGE" lines (columns one by one) ----
block=$(awk '/^```allow-list/ {on = 1; next} /^```/ {on = 0} on' "$DOC")
check "docs/security.md has an allow-list block" test -n "$block"
expected=$TEST_TMP/expected
actual=$TEST_TMP/actual
: >"$expected"
# "data": every column a writer may set (not the id, the stamps or generated columns)
data_cols() {
    psqlc -c "select string_agg(attname, ',' order by attnum) from pg_attribute
              where attrelid = 'public.$1'::regclass and attnum > 0 and not attisdropped
                and attgenerated = '' and attidentity = ''
                and attname not in ('created_at', 'created_by', 'updated_at', 'updated_by')"
}
# "INSERT": every column but the identity and generated ones, column by column (nobody but the
# owner chooses an id: a table-level INSERT would cover it)
insert_cols() {
    psqlc -c "select string_agg(attname, ',' order by attnum) from pg_attribute
              where attrelid = 'public.$1'::regclass and attnum > 0 and not attisdropped
                and attgenerated = '' and attidentity = ''"
}
while read -r obj grantee privs; do
    [ -z "$obj" ] && continue
    case $obj in '#'*) continue ;; esac
    if [ "$obj" = fn ]; then
        # the signature ends at its ')': argument types may have spaces (timestamp with time zone)
        rest="$grantee $privs"
        sig="${rest%%)*})"
        privs=${rest#*)}
        for g in $privs; do
            [ "$g" = - ] && continue
            echo "fn $sig $g EXECUTE" >>"$expected"
        done
        continue
    fi
    for p in $privs; do
        case $p in
        *'(data)') cols=$(data_cols "$obj") ;;
        *'('*) cols=${p#*(}; cols=${cols%)} ;;
        INSERT) cols=$(insert_cols "$obj"); p='INSERT()' ;;
        *) echo "$obj $grantee $p" >>"$expected"; continue ;;
        esac
        for c in ${cols//,/ }; do echo "$obj $grantee ${p%%(*}($c)" >>"$expected"; done
    done
done <<<"$block"
sort -u -o "$expected" "$expected"

# ---- the catalog, in the same form ----
psqlc >"$actual" <<'SQL'
with rel as (
    select c.oid, c.relname, c.relowner, c.relacl from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
)
select r.relname || ' ' || case a.grantee when 0 then 'PUBLIC' else a.grantee::regrole::text end
       || ' ' || a.privilege_type
  from rel r, aclexplode(r.relacl) a
 where a.grantee <> r.relowner
union all
select r.relname || ' ' || case a.grantee when 0 then 'PUBLIC' else a.grantee::regrole::text end
       || ' ' || a.privilege_type || '(' || t.attname || ')'
  from rel r join pg_attribute t on t.attrelid = r.oid and t.attnum > 0 and t.attacl is not null,
       aclexplode(t.attacl) a
 where a.grantee <> r.relowner
union all
-- functions: explicit grants; a function left at PostgreSQL's default (PUBLIC may execute) is
-- listed as such only when it is SECURITY DEFINER or a trigger (those must be listed)
select 'fn ' || p.oid::regprocedure::text || ' '
       || case a.grantee when 0 then 'PUBLIC' else a.grantee::regrole::text end || ' EXECUTE'
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
       aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
 where n.nspname = 'public' and a.grantee <> p.proowner
   and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
   and (p.proacl is not null or p.prosecdef or p.prorettype = 'trigger'::regtype)
SQL
sort -u -o "$actual" "$actual"
if ! diff -u "$expected" "$actual" >"$TEST_TMP/diff"; then
    cat "$TEST_TMP/diff" >&2
    fail "privileges in the catalog equal the allow-list of docs/security.md (diff above: - allowed only, + granted only)"
fi
ok "privileges in the catalog equal the allow-list of docs/security.md ($(wc -l <"$actual") grants)"

check "no sequence is granted to anyone" \
    test "$(psqlc -c "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
                      where n.nspname = 'public' and c.relkind = 'S' and a.grantee <> c.relowner")" = 0
bad=$(psqlc -c "select string_agg(p.oid::regprocedure::text, ', ') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'public' and p.prosecdef
                  and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0))")
check "no SECURITY DEFINER function is executable by PUBLIC (${bad:-none})" test -z "$bad"
bad=$(psqlc -c "select string_agg(c.relname, ', ') from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
                where n.nspname = 'public' and a.grantee <> c.relowner
                  and a.privilege_type in ('DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES', 'UPDATE')")
check "nobody but the owner holds DELETE, TRUNCATE, TRIGGER, REFERENCES or table-level UPDATE (${bad:-none})" test -z "$bad"
bad=$(psqlc -c "select string_agg(distinct c.relname, ', ') from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
                where n.nspname = 'public' and a.grantee <> c.relowner and a.privilege_type = 'INSERT'")
check "nobody but the owner holds table-level INSERT (it covers the id) (${bad:-none})" test -z "$bad"
bad=$(psqlc -c "select string_agg(distinct c.relname || '.' || t.attname, ', ') from pg_class c
                  join pg_namespace n on n.oid = c.relnamespace
                  join pg_attribute t on t.attrelid = c.oid and t.attnum > 0 and t.attidentity <> ''
                                     and t.attacl is not null,
                       aclexplode(t.attacl) a
                where n.nspname = 'public' and a.grantee <> c.relowner
                  and a.privilege_type in ('INSERT', 'UPDATE')")
check "nobody but the owner may write an identity column (${bad:-none})" test -z "$bad"

# ---- row-level security on every table, and a word for partners on each ----
bad=$(psqlc -c "select string_agg(c.relname, ', ') from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p')
                  and not (c.relrowsecurity and c.relforcerowsecurity)")
check "every table has ENABLE + FORCE row-level security (missing: ${bad:-none})" test -z "$bad"
bad=$(psqlc -c "select string_agg(c.relname, ', ') from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p')
                  and not exists (select 1 from pg_policy p where p.polrelid = c.oid
                                   and (p.polroles @> array['ccrm_partner'::regrole::oid]
                                        or p.polroles @> array[0::oid]))")
check "every table has a policy for partners (missing: ${bad:-none})" test -z "$bad"
bad=$(psqlc -c "select string_agg(c.relname, ', ') from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p')
                  and not exists (select 1 from pg_policy p where p.polrelid = c.oid
                                   and p.polroles @> array[c.relowner])")
check "every table has a policy for its owner (the system's triggers write under FORCE) (${bad:-none})" test -z "$bad"
bad=$(psqlc -c "select string_agg(c.relname, ', ') from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind = 'v'
                  and not coalesce(c.reloptions @> array['security_invoker=true'], false)")
check "every view is security_invoker (${bad:-none})" test -z "$bad"

done_testing
