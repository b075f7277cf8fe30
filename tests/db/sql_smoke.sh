#!/bin/sh
# Quick check of schema/001_init.sql and src/db/demo.sql against a throwaway PostgreSQL 15
# cluster: migration applies, demo loads, optimistic locking (CR001), events, audit,
# privileges and one NOTIFY per transaction.
#   tests/db/sql_smoke.sh [N_ACCOUNTS]        (default 300; run as root or as a normal user)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-300}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
dir=$(mktemp -d /tmp/ccrm-sql-smoke.XXXXXX)
as=""
if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as="runuser -u postgres --"
fi
cleanup() {
    $as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

$as "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
$as "$bin/pg_ctl" -D "$dir/data" -o "-k $dir -c listen_addresses=''" -l "$dir/log" -w start >/dev/null
export PGHOST="$dir"
q() { psql -X -v ON_ERROR_STOP=1 -qAt "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

q -U postgres -d postgres -c 'CREATE DATABASE smoke'
q -U postgres -d smoke -1 -f "$top/schema/001_init.sql"
summary=$( (cat "$top/src/db/demo.sql"; echo "SELECT pg_temp.ccrm_demo_load($n);") |
          q -U postgres -d smoke)
echo "demo: $summary"
case $summary in "loaded $n accounts"*|"loaded "*) ;; *) fail "demo summary: $summary" ;; esac

# a second load is refused
if (cat "$top/src/db/demo.sql"; echo "SELECT pg_temp.ccrm_demo_load($n);") |
   q -U postgres -d smoke >/dev/null 2>&1; then
    fail "second demo load was accepted"
fi

# optimistic locking as a real department login
v=$(q -U sofia -d smoke -c "UPDATE tickets SET status = 'open' WHERE id = 1 RETURNING version")
[ "$v" = 2 ] || fail "update without version did not bump it (got $v)"
v=$(q -U sofia -d smoke -c "UPDATE tickets SET status = 'pending', version = 2 WHERE id = 1 RETURNING version")
[ "$v" = 3 ] || fail "update with the current version failed (got $v)"
err=$(q -U sofia -d smoke -v VERBOSITY=verbose \
        -c "UPDATE tickets SET status = 'closed', version = 2 WHERE id = 1" 2>&1 || true)
echo "$err" | grep -q 'CR001' || fail "stale update did not raise CR001: $err"

# events name actor, department and changed fields; audit has old/new
row=$(q -U mia -d smoke -F'|' -c "SELECT actor, department, entity, op, changed::text, summary
                                   FROM events ORDER BY id DESC LIMIT 1")
case $row in "sofia|support|tickets|update|{status}|"*) ;; *) fail "event row: $row" ;; esac
row=$(q -U mia -d smoke -c "SELECT old_row->>'status' || '>' || (new_row->>'status') FROM audit
                             WHERE entity = 'tickets' ORDER BY id DESC LIMIT 1")
[ "$row" = "open>pending" ] || fail "audit row: $row"

# writers cannot touch audit, events or users
for sql in "INSERT INTO audit (entity, op) VALUES ('x', 'insert')" \
           "DELETE FROM events" \
           "UPDATE users SET department = 'admin' WHERE login = 'sofia'"; do
    if q -U sofia -d smoke -c "$sql" >/dev/null 2>&1; then fail "allowed: $sql"; fi
done

# one notification per transaction, none for a rollback
( printf 'LISTEN ccrm;\n\\! sleep 2\nSELECT 1;\n' | psql -X -U mia -d smoke >"$dir/listen.out" 2>&1 ) &
sleep 1
q -U sam -d smoke <<'EOF'
BEGIN;
UPDATE accounts SET city = 'Bremen' WHERE id = 1;
UPDATE accounts SET city = 'Kiel' WHERE id = 2;
UPDATE accounts SET employees = employees + 1 WHERE id <= 50;
COMMIT;
BEGIN; UPDATE accounts SET city = 'Ulm' WHERE id = 3; ROLLBACK;
UPDATE contacts SET title = 'CEO' WHERE id = 1;
EOF
wait
got=$(grep -c 'Asynchronous notification "ccrm"' "$dir/listen.out" || true)
[ "$got" = 2 ] || fail "expected 2 notifications, got $got"

echo "sql smoke: ok"
