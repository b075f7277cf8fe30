#!/usr/bin/env bash
# A row the table's own rules refuse at the write (a department rule in a trigger) is reported
# with its line, as a row the import's checks reject: the dry run finds it too (it writes and
# undoes), without --rejects nothing is written, with --rejects the good rows are imported and
# the refused one kept with its reason. A column the role may not set (a partner: a ticket's
# status) is named before the file is read.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_refused.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 10
u() { local who=$1; shift; "$CCRM" -d "$PG_CONN user=$who" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }
tickets() { q "select count(*) from tickets where subject like 'refused-test %'"; }

acct=$(q "select domain from accounts where domain is not null order by id limit 1")
reason='permission denied (only support, management and admin may set a ticket to closed)'
printf 'account,subject,status\n%s,refused-test ok one,new\n%s,refused-test ok two,new\n%s,refused-test closed one,closed\n' \
    "$acct" "$acct" "$acct" >"$T/t.csv"

u sam --import "$T/t.csv" --into tickets --dry-run
check "a dry run finds the row a department rule refuses (rc $rc)" test $rc = 65 || say
check "... by its line" grep -qF "t.csv:4: $reason" "$T/err" || say
check "... and counts it" grep -q "would insert 2, update 0, skip 0, reject 1" "$T/out" || say
check "... writing nothing" test "$(tickets)" = 0

u sam --import "$T/t.csv" --into tickets
check "the import without --rejects fails (rc $rc)" test $rc = 65 || say
check "... naming the line" grep -qF "t.csv:4: $reason" "$T/err" || say
check "... and says nothing was written" grep -q "1 row rejected, nothing written" "$T/err" || say
check "... and it was not" test "$(tickets)" = 0

u sam --import "$T/t.csv" --into tickets --rejects "$T/rej.csv"
check "with --rejects the good rows are imported (rc $rc)" test $rc = 65 || say
check "... two of them" test "$(tickets)" = 2
check "... the summary counts the refused row" grep -q "2 inserted, 0 updated, 0 skipped, 1 rejected" "$T/out" || say
check "... the batch too" \
    test "$(q "select inserted || '/' || rejected from import_batches order by id desc limit 1")" = 2/1
check "... and the rejects file keeps it with its reason" \
    grep -qF "$acct,refused-test closed one,closed,\"$reason\"" "$T/rej.csv" || cat "$T/rej.csv"
check "... once, after the header" test "$(wc -l <"$T/rej.csv")" = 2

# a refusal with other rejects: both in the rejects file, each once (the refused one after the
# rows the import's checks reject: it is found at the write)
printf 'account,subject,status\n%s,refused-test three,closed\nno-such-account.example,refused-test four,new\n%s,refused-test five,new\n' \
    "$acct" "$acct" >"$T/t2.csv"
u sam --import "$T/t2.csv" --into tickets --rejects "$T/rej2.csv"
check "a refused row beside a rejected one (rc $rc)" test $rc = 65 || say
check "... both rejected" test "$(grep -c 't2.csv:[23]: ' "$T/err")" = 2 || say
check "... the rest imported" test "$(tickets)" = 3
check "... both in the rejects file" test "$(wc -l <"$T/rej2.csv")" = 3

# support may close a ticket: nothing refused (the file's rows under other subjects: two of
# t.csv's are in the table now, and equal to them they are duplicates)
sed 's/refused-test/support-test/' "$T/t.csv" >"$T/t3.csv"
u kenji --import "$T/t3.csv" --into tickets --dry-run
check "support's dry run of the same file finds nothing refused (rc $rc)" test $rc = 0 || say
check "... would insert all three" grep -q "would insert 3, update 0, skip 0, reject 0" "$T/out" || say

# ---- a partner: the column he may not set, by name ----
u paul --import "$T/t.csv" --into tickets --dry-run
check "a partner importing tickets with a status column is refused (rc $rc)" test $rc = 77 || say
check "... naming the column" grep -q 'may not set the column "status" of tickets' "$T/err" || say

done_testing
