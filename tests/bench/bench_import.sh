#!/usr/bin/env bash
# Benchmark: `ccrm --import --on-conflict skip` of N generated contacts (5% of them already in
# the database, in different letter case) against two baselines in the same run, on identical
# databases of one cluster: a bare `psql \copy` of the rows that are new into a plain clone of
# the table (CREATE TABLE ... (LIKE contacts INCLUDING ALL): the same columns, constraints and
# indexes, no triggers, no row-level security; the physical cost), and the same \copy into
# ccrm's own table (which pays its triggers: audit, search blocks). Reports rows/s, both
# ratios and ccrm's peak RSS. Usage:
#   tests/bench/bench_import.sh path/to/ccrm [--rows N]      (default 1,000,000)
# PG_EXTRA_OPTS adds server settings, e.g. PG_EXTRA_OPTS="-c shared_buffers=1GB".
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_import.sh path/to/ccrm [--rows N]}
shift
rows=1000000
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

pg_start
pre=$((rows / 10))   # contacts already in the database
dups=$((rows / 20))  # file rows whose e-mail is one of them
csv=$TEST_TMP/contacts.csv
newonly=$TEST_TMP/new.csv
awk -v n="$rows" -v d="$dups" 'BEGIN {
    print "First Name,Last Name,E-Mail,Phone,Title"
    for (i = 1; i <= n; i++) {
        if (i <= d) e = sprintf("Pre%d@Example.ORG", i * 2); else e = sprintf("person%d@example.com", i)
        printf "Given%d,\"Family, %d\",%s,+49 30 %07d,Title %d\n", i % 977, i, e, i, i % 13
    }
}' >"$csv"
awk -v d="$dups" 'NR == 1 || NR > d + 1' "$csv" >"$newonly"
for db in ccrm_a ccrm_b ccrm_c; do
    as_pg "$PG_BIN/createdb" -h "$PG_DIR" -U postgres "$db"
    "$CCRM" -d "host=$PG_DIR user=postgres dbname=$db" --migrate >/dev/null
    psql -X -q -d "$db" -c "insert into contacts (first_name, last_name, email)
        select 'Pre', 'Existing ' || g, 'pre' || g || '@example.org' from generate_series(1, $pre) g" \
        -c "vacuum analyze" >/dev/null
done
# the plain clone, with the same rows already in it
cols="first_name, last_name, email, phone, title, account_id, owner"
psql -X -q -d ccrm_c -c "create table plain_contacts (like contacts including all)" \
    -c "insert into plain_contacts ($cols) select $cols from contacts" -c "vacuum analyze plain_contacts" >/dev/null
echo "file: $rows contacts ($(du -m "$csv" | cut -f1) MB), $dups already in a table of $pre"

now() { date +%s.%N; }
# physical baseline: bare \copy of the new rows into the plain clone
t0=$(now)
psql -X -q -d ccrm_c -c "\\copy plain_contacts (first_name, last_name, email, phone, title) from '$newonly' with (format csv, header)" >/dev/null
t1=$(now)
plain_s=$(echo "$t1 - $t0" | bc)
plain_rate=$(echo "($rows - $dups) / $plain_s" | bc)

# second baseline: bare \copy of the new rows into ccrm's table (its triggers included)
t0=$(now)
psql -X -q -d ccrm_b -c "\\copy contacts (first_name, last_name, email, phone, title) from '$newonly' with (format csv, header)" >/dev/null
t1=$(now)
psql_s=$(echo "$t1 - $t0" | bc)
psql_rate=$(echo "($rows - $dups) / $psql_s" | bc)

# ccrm, peak RSS from /proc while it runs
t0=$(now)
"$CCRM" -d "host=$PG_DIR user=postgres dbname=ccrm_a" --import "$csv" --into contacts \
    --on-conflict skip --quiet >"$TEST_TMP/out" 2>&1 &
pid=$!
peak=0
while kill -0 $pid 2>/dev/null; do
    v=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null)
    [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
    sleep 0.1
done
wait $pid
rc=$?
t1=$(now)
ccrm_s=$(echo "$t1 - $t0" | bc)
ccrm_rate=$(echo "$rows / $ccrm_s" | bc)
cat "$TEST_TMP/out"
[ $rc = 0 ] || { echo "ccrm --import failed (exit $rc)"; exit 1; }
a=$(psql -X -At -d ccrm_a -c "select count(*) from contacts")
b=$(psql -X -At -d ccrm_b -c "select count(*) from contacts")
echo "rows after: ccrm $a, psql $b"
c=$(psql -X -At -d ccrm_c -c "select count(*) from plain_contacts")
echo "rows in the plain clone: $c"
echo "psql \\copy into the plain clone: $((rows - dups)) rows in $plain_s s: $plain_rate rows/s"
echo "psql \\copy: $((rows - dups)) rows in $psql_s s: $psql_rate rows/s"
echo "ccrm --import: $rows rows in $ccrm_s s: $ccrm_rate rows/s"
echo "ratio to the plain clone: $(echo "scale=2; $ccrm_rate / $plain_rate" | bc)"
echo "ratio: $(echo "scale=2; $ccrm_rate / $psql_rate" | bc)"
echo "client RSS: $peak kB peak"
[ "$a" = "$b" ] || { echo "row counts differ"; exit 1; }
