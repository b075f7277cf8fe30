#!/usr/bin/env bash
# Benchmark: single-row writes on ccrm's tables against plain clones of them, in the same run.
# A plain clone is CREATE TABLE plain_x (LIKE x INCLUDING ALL): the same columns, defaults,
# CHECK constraints and indexes, no triggers, no row-level security, no foreign keys. Each case
# runs pgbench (one client, one statement a transaction, as the department user who does that
# work) alternately on ccrm's table and on the clone, so drift hits both; fsync is on. Then it
# shows where the time goes: per-function time from pg_stat_user_functions (track_functions)
# and the statements the triggers ran (auto_explain, nested statements) for one write.
#
#   tests/bench/bench_writes.sh path/to/ccrm [--seconds S] [--scale N] [--rounds R] [--cases LIST]
#   --seconds: per case and round and side (default 5); --scale: demo accounts (default 3000);
#   --rounds: alternations (default 2); --cases: comma list of the case names below.
# PG_EXTRA_OPTS adds server settings.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_writes.sh path/to/ccrm [--seconds S] [--scale N] [--rounds R] [--cases LIST]}
shift
secs=5 scale=3000 rounds=2 cases=
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) secs=$2; shift 2 ;;
        --scale) scale=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --cases) cases=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
PG_EXTRA_OPTS="-c fsync=on -c synchronous_commit=on -c track_functions=pl -c shared_buffers=256MB ${PG_EXTRA_OPTS:-}"
pg_start_demo "$CCRM" "$scale"
DB="host=$PG_DIR dbname=ccrm"
q() { psqlc -c "$1"; }

# plain clones, filled with the same rows, readable and writable by the department users
for t in accounts contacts leads opportunities tickets interactions; do
    cols=$(q "select string_agg(quote_ident(attname), ', ' order by attnum) from pg_attribute
              where attrelid = '$t'::regclass and attnum > 0 and not attisdropped and attgenerated = ''")
    q "create table plain_$t (like $t including all)" >/dev/null
    q "insert into plain_$t ($cols) overriding system value select $cols from $t" >/dev/null
    q "select setval(pg_get_serial_sequence('plain_$t', 'id'), (select max(id) from plain_$t))" >/dev/null
    q "grant select, insert, update, delete on plain_$t to ccrm_internal" >/dev/null
done
q "vacuum analyze" >/dev/null
acc_max=$(q "select max(id) from accounts")
con_max=$(q "select max(id) from contacts")
lead_max=$(q "select max(id) from leads")
opp_max=$(q "select max(id) from opportunities")
tk_max=$(q "select max(id) from tickets")
echo "database: $scale demo accounts ($(q "select count(*) from contacts") contacts, $(q "select count(*) from leads") leads, $(q "select count(*) from opportunities") deals, $(q "select count(*) from tickets") tickets, $(q "select count(*) from interactions") interactions); fsync on"

# delete pools: rows only the delete cases remove, ids recorded per table
q "insert into tickets (account_id, subject) select 1 + g % $acc_max, 'delete me ' || g from generate_series(1, 50000) g" >/dev/null
q "insert into plain_tickets (account_id, subject) select 1 + g % $acc_max, 'delete me ' || g from generate_series(1, 50000) g" >/dev/null
del_lo=$(q "select min(id) from tickets where subject like 'delete me%'")
pdel_lo=$(q "select min(id) from plain_tickets where subject like 'delete me%'")
q "vacuum analyze tickets, plain_tickets" >/dev/null

# case NAME USER SQL-for-ccrm SQL-for-plain (pgbench scripts; :n counts transactions)
declare -a C_NAME C_USER C_CCRM C_PLAIN
add() { C_NAME+=("$1"); C_USER+=("$2"); C_CCRM+=("$3"); C_PLAIN+=("$4"); }
hdr='\set n :n + 1'
add "INSERT ticket (support)" sofia \
    "$hdr
\\set a random(1, $acc_max)
INSERT INTO tickets (account_id, subject, priority, channel) VALUES (:a, 'bench ticket ' || :n, 'normal', 'email');" \
    "$hdr
\\set a random(1, $acc_max)
INSERT INTO plain_tickets (account_id, subject, priority, channel) VALUES (:a, 'bench ticket ' || :n, 'normal', 'email');"
add "UPDATE ticket (support)" sofia \
    "\\set i random(1, $tk_max)
UPDATE tickets SET priority = CASE priority WHEN 'high' THEN 'normal' ELSE 'high' END WHERE id = :i;" \
    "\\set i random(1, $tk_max)
UPDATE plain_tickets SET priority = CASE priority WHEN 'high' THEN 'normal' ELSE 'high' END WHERE id = :i;"
add "DELETE ticket (support)" sofia \
    "$hdr
SELECT ccrm_delete('tickets', $del_lo + :n);" \
    "$hdr
DELETE FROM plain_tickets WHERE id = $pdel_lo + :n;"
add "INSERT lead (marketing)" marco \
    "$hdr
INSERT INTO leads (first_name, last_name, email, company, source) VALUES ('Bench', 'Lead ' || :n, 'bench' || :n || '@example.com', 'Bench GmbH', 'web');" \
    "$hdr
INSERT INTO plain_leads (first_name, last_name, email, company, source) VALUES ('Bench', 'Lead ' || :n, 'bench' || :n || '@example.com', 'Bench GmbH', 'web');"
add "UPDATE lead (sales)" sam \
    "\\set i random(1, $lead_max)
UPDATE leads SET score = (score + 1) % 100 WHERE id = :i;" \
    "\\set i random(1, $lead_max)
UPDATE plain_leads SET score = (score + 1) % 100 WHERE id = :i;"
add "INSERT contact (sales)" sam \
    "$hdr
\\set a random(1, $acc_max)
INSERT INTO contacts (account_id, first_name, last_name, email) VALUES (:a, 'Bench', 'Contact ' || :n, 'bc' || :n || '@example.com');" \
    "$hdr
\\set a random(1, $acc_max)
INSERT INTO plain_contacts (account_id, first_name, last_name, email) VALUES (:a, 'Bench', 'Contact ' || :n, 'bc' || :n || '@example.com');"
add "UPDATE contact (sales)" sam \
    "\\set i random(1, $con_max)
UPDATE contacts SET title = 'Title ' || :i % 7 WHERE id = :i;" \
    "\\set i random(1, $con_max)
UPDATE plain_contacts SET title = 'Title ' || :i % 7 WHERE id = :i;"
add "INSERT deal (sales)" sam \
    "$hdr
\\set a random(1, $acc_max)
INSERT INTO opportunities (account_id, name, amount) VALUES (:a, 'Bench deal ' || :n, 1000);" \
    "$hdr
\\set a random(1, $acc_max)
INSERT INTO plain_opportunities (account_id, name, amount) VALUES (:a, 'Bench deal ' || :n, 1000);"
add "UPDATE deal (sales)" sam \
    "\\set i random(1, $opp_max)
UPDATE opportunities SET amount = coalesce(amount, 0) + 1 WHERE id = :i;" \
    "\\set i random(1, $opp_max)
UPDATE plain_opportunities SET amount = coalesce(amount, 0) + 1 WHERE id = :i;"
add "INSERT interaction (support)" sofia \
    "$hdr
\\set c random(1, $con_max)
INSERT INTO interactions (kind, subject, contact_id) VALUES ('call', 'Bench call ' || :n, :c);" \
    "$hdr
\\set c random(1, $con_max)
INSERT INTO plain_interactions (kind, subject, contact_id) VALUES ('call', 'Bench call ' || :n, :c);"
add "UPDATE account (sales)" sam \
    "\\set i random(1, $acc_max)
UPDATE accounts SET industry = 'Industry ' || :i % 9 WHERE id = :i;" \
    "\\set i random(1, $acc_max)
UPDATE plain_accounts SET industry = 'Industry ' || :i % 9 WHERE id = :i;"

# run USER SCRIPT: average latency in ms of pgbench -T secs (one client), and transactions
run() {
    local out
    printf '%s\n' "$2" >"$TEST_TMP/script.sql"
    out=$(pgbench -n -c 1 -T "$secs" -D n="$3" -f "$TEST_TMP/script.sql" "$DB user=$1" 2>&1) ||
        { echo "pgbench failed: $out" >&2; exit 1; }
    awk '/latency average/ { l = $4 } /number of transactions actually processed/ { t = $6 } END { print l, t }' <<<"$out"
}

printf '\n%-30s %10s %10s %7s\n' "single-row write" "ccrm ms" "plain ms" "ratio"
offset=0
for ((k = 0; k < ${#C_NAME[@]}; k++)); do
    if [ -n "$cases" ] && ! grep -qiF -- "$(cut -d' ' -f1-2 <<<"${C_NAME[k]}")" <<<"$cases"; then continue; fi
    sc=0 sp=0
    for ((r = 0; r < rounds; r++)); do
        read -r lc tc <<<"$(run "${C_USER[k]}" "${C_CCRM[k]}" $offset)"
        read -r lp tp <<<"$(run "${C_USER[k]}" "${C_PLAIN[k]}" $offset)"
        offset=$((offset + tc + tp + 1000)) # the delete pools move on
        sc=$(echo "$sc + $lc" | bc -l)
        sp=$(echo "$sp + $lp" | bc -l)
    done
    lc=$(echo "scale=3; $sc / $rounds" | bc -l)
    lp=$(echo "scale=3; $sp / $rounds" | bc -l)
    printf '%-30s %10.3f %10.3f %6.2fx\n' "${C_NAME[k]}" "$lc" "$lp" "$(echo "$lc / $lp" | bc -l)"
done

# where the time goes: per write, the functions' calls and time (track_functions = pl)
echo
echo "where the time of one write goes (pg_stat_user_functions over 500 writes each):"
for k in 0 4; do
    q "select pg_stat_reset()" >/dev/null
    printf '%s\n' "${C_CCRM[k]}" >"$TEST_TMP/script.sql"
    pgbench -n -c 1 -t 500 -D n=$((offset + 100000)) -f "$TEST_TMP/script.sql" "$DB user=${C_USER[k]}" >/dev/null 2>&1
    sleep 1.2 # statistics are flushed at most once a second
    echo "  ${C_NAME[k]}:"
    q "select format('    %-28s %5s calls %8s ms self %8s ms total', funcname, round(calls / 500.0, 1),
                     round((self_time / 500)::numeric, 4), round((total_time / 500)::numeric, 4))
         from pg_stat_user_functions where calls > 0 order by self_time desc limit 8"
done

# the statements the triggers run for one UPDATE of a lead, with their plans and times
echo
echo "statements of one UPDATE lead (auto_explain, nested):"
mark=$(stat -c %s "$PG_DIR/log")
psql -X -q "$DB user=postgres" -c "load 'auto_explain'" -c "set auto_explain.log_min_duration = 0" \
    -c "set auto_explain.log_nested_statements = on" -c "set auto_explain.log_analyze = on" \
    -c "set auto_explain.log_timing = on" -c "set role sam" \
    -c "update leads set score = (score + 1) % 100 where id = 1" >/dev/null 2>&1
sleep 0.5
tail -c +"$((mark + 1))" "$PG_DIR/log" | grep -E "Query Text|duration:" | sed 's/^/  /' | cut -c1-160 | head -60
