#!/usr/bin/env bash
# Every database ends with the same schema, whatever its history: a fresh `ccrm --migrate` and a
# database at every earlier version (built the way each earlier ccrm built it: the migrations of
# that time, one transaction each) upgraded by this ccrm give identical `pg_dump --schema-only`
# output -- tables, columns in order, indexes, triggers, policies, every function body and every
# privilege. The numbered migrations are history rewritten only where the end state is provably
# the same (schema/functions/ holds the current functions); this test is that proof. A database
# at the last released version with the demo data of that time keeps its rows.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_schema_upgrade.sh path/to/ccrm}
top=$(cd "$(dirname "$0")/../.." && pwd)

# The last commit before the migrations were rewritten (schema/functions/): migrations 001-013
# there are exactly what every earlier release applied.
REF=86def0d
LAST_RELEASED=13
if ! git -C "$top" cat-file -e "$REF^{commit}" 2>/dev/null; then
    echo "# no git history with $REF here (not a clone): skip"
    exit 77
fi

# the fresh schema: the database "ccrm" of the migrated cluster every test copies (a `ccrm
# --migrate` of an empty database by this binary, made once for all the tests that use it)
pg_start_migrated "$CCRM"
dump() { pg_dump -h "$PG_DIR" -U postgres --schema-only --no-comments "$1" | grep -v -e '^--' -e '^.restrict ' -e '^.unrestrict ' | cat -s; }
dump ccrm >"$TEST_TMP/fresh.sql"
check "the fresh schema dumps ($(wc -l <"$TEST_TMP/fresh.sql") lines)" test -s "$TEST_TMP/fresh.sql"

# The old schemas, built the way each earlier ccrm built them: the migrations of that time, one
# transaction each, applied in turn to one database that is copied (CREATE DATABASE ... TEMPLATE)
# as "vN" after migration N, and kept as "data" after the last released one. Built once and
# copied, not every version from nothing (91 migrations applied for 13 versions, 13 now): a
# copy is the database it was copied from, file by file.
psqlc -c "CREATE DATABASE old" || fail "create the database of the old schemas"
psqlc -d old -c "CREATE TABLE public.schema_migrations (version int PRIMARY KEY, name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user);
                 GRANT SELECT ON public.schema_migrations TO PUBLIC" >/dev/null
for f in $(git -C "$top" ls-tree --name-only "$REF" schema/ | grep -E '^schema/[0-9]{3}_.*\.sql$' | sort); do
    v=$((10#$(basename "$f" | cut -c1-3)))
    [ "$v" -le "$LAST_RELEASED" ] || continue
    { echo "BEGIN;"; git -C "$top" show "$REF:$f"; echo ";"
      echo "INSERT INTO public.schema_migrations (version, name) VALUES ($v, '$(basename "$f")');"
      echo "COMMIT;"; } | psql -X -q -v ON_ERROR_STOP=1 -d old >/dev/null 2>"$TEST_TMP/old.err" ||
        fail "version $v: applying the old $f: $(cat "$TEST_TMP/old.err")"
    # (CREATE DATABASE waits until the backend of that psql has gone: the template must be unused)
    psqlc -c "CREATE DATABASE v$v TEMPLATE old" || fail "copy the database at version $v"
done
psqlc -c "ALTER DATABASE old RENAME TO data" || fail "keep the database at version $LAST_RELEASED"

for n in $(seq 1 $LAST_RELEASED); do
    db=v$n
    [ "$(psqlc -d "$db" -c "select max(version) || ' ' || count(*) from schema_migrations")" = "$n $n" ] ||
        fail "$db is a database at version $n"
    out=$("$CCRM" -d "host=$PG_DIR user=postgres dbname=$db" --migrate 2>&1) || fail "upgrade from version $n: $out"
    dump "$db" >"$TEST_TMP/$db.sql"
    if diff -u "$TEST_TMP/fresh.sql" "$TEST_TMP/$db.sql" >"$TEST_TMP/$db.diff"; then
        ok "a database at version $n, upgraded, has exactly the fresh schema"
    else
        head -60 "$TEST_TMP/$db.diff" >&2
        fail "a database at version $n, upgraded, has exactly the fresh schema (diff above: - fresh, + upgraded)"
    fi
    as_pg "$PG_BIN/dropdb" -h "$PG_DIR" -U postgres "$db"
done

# data survives: the last released version with its own demo data, upgraded
db=data
{ git -C "$top" show "$REF:src/db/demo.sql"; echo "; SELECT pg_temp.ccrm_demo_load(40);"; } |
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null 2>"$TEST_TMP/demo.err" || fail "old demo data: $(cat "$TEST_TMP/demo.err")"
counts="select (select count(*) from accounts), (select count(*) from contacts), (select count(*) from leads),
               (select count(*) from opportunities), (select count(*) from tickets), (select count(*) from interactions),
               (select count(*) from comments), (select count(*) from inbox), (select count(*) from events),
               (select count(*) from audit)"
before=$(psqlc -d "$db" -c "$counts")
"$CCRM" -d "host=$PG_DIR user=postgres dbname=$db" --migrate >/dev/null || fail "upgrade with data"
check "every row is still there after the upgrade ($before)" test "$(psqlc -d "$db" -c "$counts")" = "$before"
dump "$db" >"$TEST_TMP/$db.sql"
check "and the schema is the fresh one" diff -q "$TEST_TMP/fresh.sql" "$TEST_TMP/$db.sql"
check "the upgraded demo users can read and write as before" \
    test "$(psql -X -At "host=$PG_DIR dbname=$db user=sam" -c "insert into accounts (name) values ('After the upgrade') returning 1" 2>&1 | head -n 1)" = 1
check "... with their writes audited and announced" \
    test "$(psqlc -d "$db" -c "select count(*) from events where actor = 'sam' and summary = 'After the upgrade'")" = 1
"$CCRM" -d "host=$PG_DIR user=postgres dbname=$db" --migrate >/dev/null || fail "migrate again"
check "a second --migrate changes nothing" bash -c "diff -q '$TEST_TMP/$db.sql' <($(declare -f dump); PG_DIR=$PG_DIR dump $db)"
# a known migration below the database's version that it never got (numbered into a gap)
psqlc -d "$db" -c "delete from schema_migrations where version = (select min(version) from schema_migrations where version > 1)" >/dev/null
out=$("$CCRM" -d "host=$PG_DIR user=postgres dbname=$db" --migrate 2>&1)
rc=$?
check "--migrate refuses a migration below the version that was never applied ($out)" \
    test "$rc:$(grep -c 'numbered below the database.s version .* was never applied' <<<"$out")" = "70:1"

done_testing
