#!/usr/bin/env bash
# Slips of the file and the command line that an import names before it writes: a file name
# that is not UTF-8 (its bytes as U+FFFD in the batch), an unterminated quoted field (the whole
# file refused, the line where the field began named), and --map naming one source twice (a
# usage error).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_file_slips.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_migrated "$CCRM"
imp() { "$CCRM" -d "$PG_CONN" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }

# ---- a file name that is not UTF-8 ----
f=$T/$'kund\xe9.csv'
printf 'name,domain\nKunde,kunde.example\n' >"$f"
imp "$f" --into accounts --dry-run
check "a dry run of kund\\xe9.csv (rc $rc)" test $rc = 0 || say
imp "$f" --into accounts
check "the import of kund\\xe9.csv succeeds (rc $rc)" test $rc = 0 || say
check "... the batch's file name has U+FFFD for the byte" \
    test "$(q "select file_name from import_batches order by id desc limit 1")" = "kund�.csv"
check "... the summary says it so ($(cat "$T/out"))" grep -qF "(accounts from kund�.csv" "$T/out"

# ---- an unterminated quoted field: the whole file refused, naming the line it began on ----
printf 'first_name,last_name,email,title\nAna,Ok,ana@q.example,"two\nlines"\nBob,"Open,bob@q.example,x\nCy,Next,cy@q.example,y\nDi,Last,di@q.example,z\n' >"$T/open.csv"
imp "$T/open.csv" --into contacts --rejects "$T/open-rej.csv"
check "an unterminated quoted field: exit 65 (rc $rc)" test $rc = 65 || say
check "... one line naming the line where the field began ($(cat "$T/err"))" \
    test "$(cat "$T/err")" = "ccrm: $T/open.csv: line 4 is not valid CSV: the quoted field that begins there is never closed (a quote is missing), so it would take every line after it into that one field"
check "... nothing written" test "$(q "select count(*) from contacts where email like '%@q.example'")" = 0
check "... and no rejects file" test ! -e "$T/open-rej.csv"
printf 'first_name,last_name,email\nAna,"Ok,ana@q.example\n' >"$T/open2.csv"
imp "$T/open2.csv" --into contacts --dry-run
check "... on the last line too, with --dry-run: exit 65 (rc $rc)" test $rc = 65
check "... naming line 2 ($(cat "$T/err"))" grep -q "open2.csv: line 2 is not valid CSV: the quoted field that begins there is never closed" "$T/err"

# ---- --map naming one source twice: a usage error ----
printf 'Firma,domain,Notes\nMapco,mapco.example,n\n' >"$T/m.csv"
imp "$T/m.csv" --into accounts --map 'Notes=description,Notes=industry' --dry-run
check "--map with one source twice: exit 64 (rc $rc)" test $rc = 64 || say
check "... one line naming --map and the source ($(cat "$T/err"))" \
    test "$(cat "$T/err")" = "ccrm: $T/m.csv:1: --map: the column \"Notes\" is mapped twice (Notes=description, Notes=industry)"
imp "$T/m.csv" --into accounts --map 'Firma=name,firma=industry,Notes=-' --dry-run
check "... in other letter case, and where the last would leave a field unmapped: 64 too (rc $rc)" test $rc = 64
check "... naming it ($(cat "$T/err"))" \
    test "$(cat "$T/err")" = "ccrm: $T/m.csv:1: --map: the column \"firma\" is mapped twice (Firma=name, firma=industry)"
imp "$T/m.csv" --into accounts --map 'Notes=description,Firma=name' --dry-run
check "... two sources, one each: fine (rc $rc)" test $rc = 0 || say
done_testing
