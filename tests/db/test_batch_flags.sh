#!/usr/bin/env bash
# The flags of the batch commands beside --import: --revert and --batches refuse the options
# only an import takes with exit 64 and a line naming the option, and touch nothing; --revert
# --dry-run says what it would revert and writes nothing (it reverted for real); --export whose connection is lost halfway exits 69 (as
# docs/ccrm.1 says for every command), and one whose reader went away (| head) stops the
# server's COPY instead of reading the rest of the table.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_batch_flags.sh path/to/ccrm}
T=$TEST_TMP
pg_start_migrated "$CCRM"
"$CCRM" -d "$PG_CONN" --add-user sam --dept sales >/dev/null 2>&1 || fail "add sam"
SAM="host=$PG_DIR dbname=ccrm user=sam"

# ---- --revert and --batches take none of --import's options ----
printf 'name,domain\nbatch R1,batch-r1.example\n' >"$T/r1.csv"
"$CCRM" -d "$SAM" --import "$T/r1.csv" --into accounts >"$T/out" 2>&1 || fail "import: $(cat "$T/out")"
B=$(q "select max(id) from import_batches")
untouched() {
    test "$(q "select count(*) from accounts where domain = 'batch-r1.example'"),$(q "select reverted_at is null from import_batches where id = $B")" = "1,t"
}
# refused WHAT OPTION COMMAND ARGS...: exit 64, one line naming the option and the command,
# nothing on standard output, the batch as it was
refused() {
    local what=$1 opt=$2 cmd=$3 rc
    shift 3
    "$CCRM" -d "$SAM" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc != 64 ] || [ -s "$T/out" ] ||
        [ "$(cat "$T/err")" != "ccrm: $opt does not go with $cmd (only with --import$([ "$opt" = --dry-run ] && echo ' and --revert'))" ] ||
        ! untouched; then
        fail_run "$what" "$@"
    fi
    ok "$what"
}
"$CCRM" -d "$SAM" --revert "$B" --dry-run >"$T/out" 2>"$T/err"
check "--revert N --dry-run says what it would revert (rc $?)" \
    grep -qx "ccrm: dry run: would revert import batch $B (accounts from r1.csv): 1 deleted, 0 restored; nothing written" "$T/out"
check "... and reverts nothing" untouched
"$CCRM" -d "$SAM" --dry-run --revert "$B" >"$T/out" 2>"$T/err"
check "... also with --dry-run first" bash -c "grep -q 'would revert import batch $B' '$T/out'"
check "... still nothing reverted" untouched
check "... and no event said it was" \
    test "$(q "select count(*) from events where summary like 'reverted import batch $B%'")" = 0
refused "--revert N --rejects" --rejects --revert --revert "$B" --rejects "$T/rej.csv"
check "... which makes no rejects file" test ! -e "$T/rej.csv"
refused "--revert N --map" --map --revert --revert "$B" --map a=name
refused "--revert N --delimiter" --delimiter --revert --revert "$B" --delimiter ';'
refused "--revert N --create-missing" --create-missing --revert --revert "$B" --create-missing accounts
refused "--revert N --quiet" --quiet --revert --revert "$B" --quiet
refused "--revert N -q" --quiet --revert --revert "$B" -q
refused "--revert N --into" --into --revert --revert "$B" --into accounts
refused "--revert N --on-conflict" --on-conflict --revert --revert "$B" --on-conflict skip
refused "--batches --dry-run" --dry-run --batches --batches --dry-run
refused "--batches --on-conflict" --on-conflict --batches --batches --on-conflict update
refused "--batches --into" --into --batches --batches --into accounts
refused "--batches --quiet" --quiet --batches --batches --quiet
"$CCRM" -d "$SAM" --batches >"$T/out" 2>"$T/err"
check "--batches alone still lists the batch" grep -q "^ *$B  .* from r1.csv: 1 inserted" "$T/out"
"$CCRM" -d "$SAM" --revert "$B" >"$T/out" 2>"$T/err"
check "--revert N alone still reverts (rc $?)" grep -q "1 deleted" "$T/out"
check "... the row is gone" test "$(q "select count(*) from accounts where domain = 'batch-r1.example'")" = 0

# ---- --export: a big table (3000 accounts of 12 kB: 36 MB, far more than a pipe and a
# socket hold, so the server is still sending when the reader stops) ----
q "set session_replication_role = replica;
   insert into accounts (name, domain, description)
   select 'Big ' || g, 'big' || g || '.example', repeat('lorem ipsum ', 1000)
     from generate_series(1, 3000) g" || fail "big table"
copies() {
    q "select count(*) from pg_stat_activity where usename = 'sam' and query like 'COPY (SELECT%'"
}

# the connection lost halfway (tests/lib/pg.sh)
export_lost "$CCRM" sam accounts

# the reader goes away: the COPY is cancelled (the server logs it), not read to its end
before=$(grep -c 'canceling statement due to user request' "$PG_DIR/log")
"$CCRM" -d "$SAM" --export accounts 2>"$T/export.err" | head -n 1 >"$T/head"
rc=${PIPESTATUS[0]}
check "--export | head -1: the first line (the header)" grep -q '^name,domain' "$T/head"
check "... exit 0, nothing said (rc $rc: $(cat "$T/export.err"))" test "$rc,$(wc -c <"$T/export.err")" = "0,0"
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'canceling statement due to user request' "$PG_DIR/log")" -gt "$before" ] && break
    sleep 0.05
done
check "... and the server's COPY was cancelled, not read to the end" \
    test "$(grep -c 'canceling statement due to user request' "$PG_DIR/log")" -gt "$before"
check "... leaving no COPY running" test "$(copies)" = 0
"$CCRM" -d "$SAM" --export accounts 2>"$T/export.err" | wc -l >"$T/lines"
check "a whole --export still reads every row" test "$(cat "$T/lines")" = 3001

# a report whose reader went away before it wrote (| head, a reader that quits): no failure
"$CCRM" -d "$PG_CONN" --add-user mia --dept management >/dev/null 2>&1 || fail "add mia"
for i in 1 2 3; do
    "$CCRM" -d "host=$PG_DIR dbname=ccrm user=mia" --report pipeline 2>"$T/report.err" | (exec 0<&-; true)
    rc=${PIPESTATUS[0]}
    [ "$rc,$(wc -c <"$T/report.err")" = "0,0" ] || break
done
check "--report to a reader that quit at once: exit 0, nothing said (rc $rc: $(cat "$T/report.err"))" \
    test "$rc,$(wc -c <"$T/report.err")" = "0,0"

# ---- options that say nothing to a command are refused, before any database is asked ----
usage_line() { # usage_line WHAT EXPECTED-FIRST-LINE ARGS...: exit 64, that line, no file made
    local what=$1 line=$2 rc
    shift 2
    "$CCRM" -d "host=$PG_DIR/nowhere dbname=ccrm" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    check "$what (exit $rc: $(head -1 "$T/err"))" \
        bash -c "test $rc = 64 && test \"\$(head -1 '$T/err')\" = '$line' && test ! -s '$T/out'"
}
usage_line "--export --output '' names the mistake" \
    "ccrm: --output: name a file (or leave --output out for standard output)" --export accounts --output ""
usage_line "--unmerge N --output F: it writes no file" "ccrm: --output does not go with --unmerge" \
    --unmerge 1 --output "$T/unmerge.out"
check "... and none is made" test ! -e "$T/unmerge.out"
usage_line "--unmerge N --format jsonl" "ccrm: --format does not go with --unmerge" --unmerge 1 --format jsonl
usage_line "--report list --format jsonl: the list is text" "ccrm: --format does not go with --report list" \
    --report list --format jsonl
usage_line "--report list --from DATE" "ccrm: --from does not go with --report list" \
    --report list --from 2026-01-01

done_testing
