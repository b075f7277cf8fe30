#!/usr/bin/env bash
# ccrm --import / --export / --revert against a throwaway cluster: the nasty-file corpus in
# tests/data/import (plus binary and big files generated here) with exact counts and line
# numbers, all-or-nothing, --rejects byte for byte, --on-conflict, --dry-run = real run,
# batches and revert, export round trip, Ctrl-C, one summary event per import.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_import.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/import" && pwd)
T=$TEST_TMP
pg_start_migrated "$CCRM"
cd "$D"

imp() { "$CCRM" -d "$PG_CONN" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
n() { psqlc -c "select count(*) from $1"; }
same() { # same "what" expected-file-content actual-file
    if [ "$2" = "$(cat "$3")" ]; then ok "$1"; else echo "--- expected:"; echo "$2"; echo "--- got:"; cat "$3"; fail "$1"; fi
}

# ---- usage and files ----
imp nope.csv --into contacts; check "missing file exits 66" test $rc = 66
imp "$T" --into contacts; check "a directory exits 66 (no input), saying so" bash -c "test $rc = 66 && grep -q 'is a directory' '$T/err'"
imp header_only.csv --into widgets; check "unknown entity exits 64" test $rc = 64
imp header_only.csv; check "--import without --into exits 64" test $rc = 64
imp header_only.csv --into contacts --on-conflict maybe; check "bad --on-conflict exits 64" test $rc = 64
imp bad_last_line.csv --into contacts --rejects /nonexistent/dir/r.csv; check "uncreatable --rejects exits 73" test $rc = 73
imp bad_last_line.csv --into contacts --rejects -; check "--rejects - (standard output holds the summary) is a usage error, 64" test $rc = 64
printf 'Email,first_name\nm1@example.org,M\n' >"$T/map_empty.csv"
imp "$T/map_empty.csv" --into contacts --map "Email="
check "--map SRC= (no target) is a usage error, not a column silently dropped ($rc)" \
    bash -c "test $rc = 64 && grep -q 'expected SRC=DST (SRC=- leaves a column out)' '$T/err'"
(printf 'first_name'; sleep 0.3; printf ';last_name;email\nPiped;Slowly;piped.slowly@example.org\n') |
    "$CCRM" -d "$PG_CONN" --import - --into contacts --dry-run >"$T/out" 2>"$T/err"; rc=$?
check "a header that comes through a pipe in pieces: its separator is guessed from the whole line ($rc)" \
    bash -c "test $rc = 0 && grep -q 'would insert 1' '$T/out'"
cp bad_last_line.csv "$T/self.csv"; ln -sf "$T/self.csv" "$T/self-link.csv"
imp "$T/self.csv" --into contacts --rejects "$T/self-link.csv" --dry-run
check "--rejects naming the input (through a link) is a usage error, exit 64" test $rc = 64
check "...that says so" grep -q 'is the file being imported' "$T/err"
check "...and the input is untouched" cmp -s bad_last_line.csv "$T/self.csv"
"$CCRM" -d "$PG_CONN" --import - --into contacts --rejects "$T/self.csv" --dry-run <"$T/self.csv" >"$T/out" 2>"$T/err"
rc=$?
check "--rejects naming the file on standard input: refused too, 64 (rc $rc)" test $rc = 64
"$CCRM" -d "$PG_CONN" --import - --into contacts --rejects /dev/stdin --dry-run <"$T/self.csv" >"$T/out" 2>"$T/err"
rc=$?
check "...so is --rejects /dev/stdin (rc $rc)" test $rc = 64
check "...and the input is untouched" cmp -s bad_last_line.csv "$T/self.csv"

# ---- the corpus, dry runs: exact messages and counts ----
imp empty.csv --into contacts --dry-run
check "empty file exits 65" test $rc = 65
same "empty file: one clear message" "ccrm: empty.csv: the file is empty (expected a header row)" "$T/err"
imp header_only.csv --into contacts --dry-run
same "header only: nothing to do" "ccrm: dry run: would insert 0, update 0, skip 0, reject 0 (contacts from header_only.csv); nothing written" "$T/out"
check "header only exits 0" test $rc = 0
imp bom_crlf.csv --into contacts --dry-run
check "BOM + CRLF + quoted newlines: 3 rows, exit 65" bash -c "test $rc = 65 && grep -q 'would insert 2, update 0, skip 0, reject 1' $T/out"
same "a line break in a one-line field (a name): refused at the line its record starts on" \
    'bom_crlf.csv:3: column "last_name": line break in a one-line field' "$T/err"
imp wrong_columns.csv --into contacts --dry-run
same "wrong column count: lines and reasons" 'wrong_columns.csv:3: expected 3 fields, found 4
wrong_columns.csv:4: expected 3 fields, found 2' "$T/err"
check "wrong column count: counts, exit 65" bash -c "test $rc = 65 && grep -q 'would insert 2, update 0, skip 0, reject 2' $T/out"
imp bad_last_line.csv --into contacts --dry-run
same "bad row on the last line (no newline)" 'bad_last_line.csv:4: column "email": "no-at-sign" is not a valid e-mail address' "$T/err"
imp unterminated.csv --into contacts --dry-run
same "unterminated quote: the file refused, naming the line the field began on" \
    'ccrm: unterminated.csv: line 3 is not valid CSV: the quoted field that begins there is never closed (a quote is missing), so it would take every line after it into that one field' "$T/err"
printf 'first_name,last_name,email\nAna,"the error is "E42" on start,ana@x.example\nBob,Fine,bob@x.example\nCy,"Quoted, fine",cy@x.example\n' >"$T/stray.csv"
imp "$T/stray.csv" --into contacts
check "a bare quote inside a quoted field: not valid CSV, 65 (it took the next records into the field)" test $rc = 65
same "...naming its line" "ccrm: $T/stray.csv: line 2 is not valid CSV: a quote inside a quoted field must be doubled (\"\"), and nothing may follow a quoted field's closing quote but a separator or the line's end" "$T/err"
check "...and nothing written" test "$(n "contacts where email like '%@x.example'")" = 0
printf 'first_name,last_name,email\nAna,27" Monitor,ana@x.example\n' >"$T/inch.csv"
imp "$T/inch.csv" --into contacts
same "a quote in a field that is not quoted: 65, saying so (not the quoted field's rule)" \
    "ccrm: $T/inch.csv: line 2 is not valid CSV: a field that holds a quote must itself be in quotes, with its quotes doubled (27\" Monitor is written \"27\"\" Monitor\"), as spreadsheets write it" "$T/err"
imp unknown_cols.csv --into contacts --dry-run
same "unknown columns reported once, id ignored" 'ccrm: unknown_cols.csv: ignoring unknown columns "Shoe Size", "Favourite Colour"' "$T/err"
imp bad_values.csv --into leads --dry-run
same "leads: every bad value named" 'bad_values.csv:3: column "email": "bob@@example.org" is not a valid e-mail address
bad_values.csv:4: column "score": "101" is out of range (0 to 100)
bad_values.csv:5: column "status": "hot" is not one of new, contacted, qualified, unqualified, converted
bad_values.csv:6: column "score": "ten" is not a whole number
bad_values.csv:7: one of first_name, last_name, email, company is required
bad_values.csv:8: owner "nobody" is not a ccrm user' "$T/err"
check "leads: 2 good, 6 rejected" grep -q 'would insert 2, update 0, skip 0, reject 6' "$T/out"

# generated nasty files: invalid UTF-8, NUL bytes, a 1 MB field
printf 'first_name,last_name,email\nAda,Lovelace,ada@example.org\nBad,\xc3\x28UTF,u@example.org\nOk,\xc3\xa9t\xc3\xa9,e@example.org\n' >"$T/utf8.csv"
imp "$T/utf8.csv" --into contacts --dry-run
same "invalid UTF-8 named with its byte" "$T/utf8.csv:3: column \"last_name\": invalid UTF-8 at byte 1" "$T/err"
printf 'first_name,last_name,email\nNul,A\0B,nul@example.org\nAda,Lovelace,ada@example.org\n' >"$T/nul.csv"
imp "$T/nul.csv" --into contacts --dry-run
same "NUL byte named" "$T/nul.csv:2: column \"last_name\": NUL byte at byte 2" "$T/err"
printf 'first_name,last\0_name,email\nAda,Lovelace,ada@example.org\n' >"$T/nulhdr.csv"
imp "$T/nulhdr.csv" --into contacts --dry-run
check "a NUL in the header is named as in a row ($rc)" bash -c "test $rc = 65 && grep -q 'header column 2: NUL byte at byte 5' '$T/err'"
{ printf 'first_name,last_name,email\nBig,"'; head -c 1048576 /dev/zero | tr '\0' x; printf '",big@example.org\nAda,Lovelace,ada@example.org\n'; } >"$T/big.csv"
imp "$T/big.csv" --into contacts --dry-run
same "1 MB field rejected by length" "$T/big.csv:2: column \"last_name\" is too long (1048576 characters, at most 200)" "$T/err"
check "1 MB field: the next row is fine" grep -q 'would insert 1, update 0, skip 0, reject 1' "$T/out"

# ---- all-or-nothing writes nothing ----
before="$(n contacts) $(n events) $(n audit) $(n import_batches)"
imp wrong_columns.csv --into contacts
check "all-or-nothing: exit 65" test $rc = 65
check "all-or-nothing: says nothing was written" grep -q '2 rows rejected, nothing written' "$T/err"
check "all-or-nothing: no rows, events, audit or batches" test "$before" = "$(n contacts) $(n events) $(n audit) $(n import_batches)"

# ---- --rejects: good rows in, bad rows out byte for byte ----
printf 'first_name,last_name,email\r\nA,"x\r\ny",bad\r\nB,Fine,b@example.org\r\nC,"q""uote",also bad\r\n' >"$T/crlf_rej.csv"
imp "$T/crlf_rej.csv" --into contacts --rejects "$T/rej.csv" --dry-run
check "--rejects --dry-run: exit 65 as the real run will (rows would be left out)" test $rc = 65
imp "$T/crlf_rej.csv" --into contacts --rejects "$T/rej.csv"
check "--rejects: exit 65 (some rows rejected)" test $rc = 65
check "--rejects: good row written" test "$(psqlc -c "select count(*) from contacts where email = 'b@example.org'")" = 1
# each bad record byte for byte, and one more column: why (the next import ignores it)
printf 'first_name,last_name,email,ccrm_reason\r\nA,"x\r\ny",bad,"column ""last_name"": line break in a one-line field"\r\nC,"q""uote",also bad,"column ""email"": ""also bad"" is not a valid e-mail address"\r\n' >"$T/rej.expected"
check "--rejects: header and bad records byte for byte, with their reason" cmp "$T/rej.expected" "$T/rej.csv"
check "--rejects: lines of the bad records" bash -c "grep -q 'crlf_rej.csv:2: ' $T/err && grep -q 'crlf_rej.csv:5: ' $T/err"
imp "$T/rej.csv" --into contacts --dry-run
check "--rejects: the file imports again as it is, its reason column ignored without a word" \
    bash -c "! grep -q 'unknown column' $T/err && grep -q 'would insert 0, update 0, skip 0, reject 2' $T/out"
psqlc -c "delete from contacts"

# ---- duplicates: --on-conflict with e-mails differing in case ----
psqlc -c "insert into contacts (first_name, email) values ('Old', 'old@example.org')"
imp dup_case.csv --into contacts --on-conflict error --dry-run
same "conflict error: in file and against the database" 'dup_case.csv:3: duplicate e-mail "ADA@Example.org" (also on line 2)
dup_case.csv:5: duplicate e-mail "Ada@EXAMPLE.ORG" (also on line 2)
dup_case.csv:6: e-mail "Old@Example.Org" already exists (contacts '"$(psqlc -c "select id from contacts where email = 'old@example.org'")"')' "$T/err"
# the first occurrence of a key is the first line that is not refused itself: a line refused
# for its account does not make the next line of its e-mail a duplicate
printf 'email,first_name,account\ndupy@example.org,A,no-such-account.example\nDUPY@example.org,B,\n' >"$T/dup_refused.csv"
imp "$T/dup_refused.csv" --into contacts --on-conflict error --dry-run
same "conflict error: a duplicate of a refused line is the first occurrence" \
    "$T/dup_refused.csv:2: account \"no-such-account.example\" not found" "$T/err"
check "... and would be inserted" grep -q 'would insert 1, update 0, skip 0, reject 1' "$T/out"
for mode in skip update; do
    imp dup_case.csv --into contacts --on-conflict $mode --dry-run
    sed -e 's/^ccrm: dry run: would insert \([0-9]*\), update \([0-9]*\), skip \([0-9]*\), reject \([0-9]*\).*/\1 \2 \3 \4/' "$T/out" >"$T/dry"
    imp dup_case.csv --into contacts --on-conflict $mode
    sed -e 's/^ccrm: batch [0-9]*: \([0-9]*\) inserted, \([0-9]*\) updated, \([0-9]*\) skipped, \([0-9]*\) rejected.*/\1 \2 \3 \4/' "$T/out" >"$T/real"
    check "--dry-run counts equal the real run ($mode: $(cat "$T/real"))" cmp "$T/dry" "$T/real"
    psqlc -c "delete from contacts where lower(email) <> 'old@example.org'; update contacts set email = 'old@example.org'"
done
imp dup_case.csv --into contacts --on-conflict update
# (ada@ three times: one record, inserted; Old@ updated: as the batch and its event count them)
check "conflict update: counts" grep -q 'batch [0-9]*: 2 inserted, 1 updated, 0 skipped, 0 rejected' "$T/out"
check "conflict update: the last row of a duplicate wins" test "$(psqlc -c "select last_name from contacts where lower(email) = 'ada@example.org'")" = Three
check "conflict update: existing row updated" test "$(psqlc -c "select first_name || ' ' || last_name from contacts where email = 'Old@Example.Org'")" = "Existing Person"

# ---- batches, events, revert ----
psqlc -c "delete from contacts; delete from events"
psqlc -c "insert into contacts (first_name, last_name, email) select 'P', 'N' || g, 'p' || g || '@example.org' from generate_series(1, 30) g"
md5_before=$(psqlc -c "select md5(string_agg(c::text, '|' order by id)) from contacts c")
ev_before=$(n events)
awk 'BEGIN { print "email,first_name,title"; for (i = 1; i <= 40; i++) printf "P%d@Example.org,Upd%d,T\n", i, i }' >"$T/upd.csv"
imp "$T/upd.csv" --into contacts --on-conflict update
batch=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
check "import prints its batch" test -n "$batch"
check "30 updated, 10 inserted" grep -q '10 inserted, 30 updated' "$T/out"
check "one summary event per import (none per row or statement)" test "$(n events)" = $((ev_before + 1))
check "summary event names the import" test "$(psqlc -c "select summary from events order by id desc limit 1")" = "imported 40 contacts from upd.csv (batch $batch; 30 updated)"
check "audit still per row" test "$(psqlc -c "select count(*) from audit a join import_batches b on a.xid = b.xid where b.id = $batch")" = 40
check "batch recorded with who, file and counts" test "$(psqlc -c "select created_by || ' ' || file_name || ' ' || inserted || ' ' || updated from import_batches where id = $batch")" = "postgres upd.csv 10 30"
# a row of the batch locked by another writer longer than the revert waits: try again later
psqlc -c "begin; select id from contacts where lower(email) = 'p5@example.org' for update; select pg_sleep(20); commit" >/dev/null 2>&1 &
locker=$!
wait_until -t 60 sql_is "select count(*) from pg_stat_activity where query like '%pg_sleep(20)%' and wait_event = 'PgSleep' and pid <> pg_backend_pid()" 1 ||
    fail "the locking session did not start"
# (the superuser has no lock_timeout; the people's logins have 5 s: ccrm_add_user. Half a
# second here: the lock is held for 20 s, any timeout shorter than that is given up)
PGOPTIONS="-c lock_timeout=500ms" "$CCRM" -d "$PG_CONN" --revert "$batch" >"$T/out" 2>"$T/err"; rc=$?
check "a revert that waits too long for a row lock exits 75 (EX_TEMPFAIL: try again), not 65 ($rc)" test $rc = 75
check "...and reverted nothing" test "$(psqlc -c "select reverted_at is null from import_batches where id = $batch")" = t
psqlc -c "select pg_cancel_backend(pid) from pg_stat_activity where query like '%pg_sleep(20)%' and pid <> pg_backend_pid()" >/dev/null
wait "$locker" 2>/dev/null
"$CCRM" -d "$PG_CONN" --revert "$batch" >"$T/out" 2>"$T/err"; rc=$?
check "revert exits 0" test $rc = 0
check "revert says what it did" grep -q "reverted import batch $batch (contacts from upd.csv): 10 deleted, 30 restored" "$T/out"
md5_after=$(psqlc -c "select md5(string_agg((c.id, c.account_id, c.first_name, c.last_name, c.email, c.phone, c.title, c.owner)::text, '|' order by id)) from contacts c")
md5_orig=$(psqlc -c "select md5(string_agg((a.old_row->>'id', a.old_row->>'account_id', a.old_row->>'first_name', a.old_row->>'last_name', a.old_row->>'email', a.old_row->>'phone', a.old_row->>'title', a.old_row->>'owner')::text, '|' order by a.entity_id)) from audit a join import_batches b on a.xid = b.xid where b.id = $batch and a.op = 'update'")
check "revert restores every earlier value and removes inserted rows" test "$(psqlc -c "select md5(string_agg((c.id, c.account_id, c.first_name, c.last_name, c.email, c.phone, c.title, c.owner)::text, '|' order by id)) from contacts c")" = "$md5_orig"
check "revert: 30 rows left" test "$(n contacts)" = 30
check "revert writes one summary event" test "$(psqlc -c "select summary from events order by id desc limit 1")" = "reverted import batch $batch (40 contacts from upd.csv)"
"$CCRM" -d "$PG_CONN" --revert "$batch" >"$T/out" 2>"$T/err"; rc=$?
check "second revert refused" bash -c "test $rc = 65 && grep -q 'was already reverted' $T/err"
imp "$T/upd.csv" --into contacts --on-conflict update
batch=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
psqlc -c "update contacts set title = 'Changed' where email = 'P7@Example.org'"
id7=$(psqlc -c "select id from contacts where email = 'P7@Example.org'")
"$CCRM" -d "$PG_CONN" --revert "$batch" >"$T/out" 2>"$T/err"; rc=$?
check "revert refused after a later change, exit 65" test $rc = 65
check "refusal names the row and who changed it" grep -q "cannot revert import batch $batch: contacts $id7 (Upd7 N7 <P7@Example.org>) was changed after the import by postgres at " "$T/err"
check "refused revert changed nothing" test "$(psqlc -c "select count(*) from contacts")" = 40
"$CCRM" -d "$PG_CONN" --revert 99999 >"$T/out" 2>"$T/err"; rc=$?
check "unknown batch refused" bash -c "test $rc = 65 && grep -q 'import batch 99999 does not exist' $T/err"

# ---- batches undone newest first: the older one is not refused for the newer one's revert ----
printf 'email,title\nP8@Example.org,First\n' >"$T/nf1.csv"
printf 'email,title\nP8@Example.org,Second\n' >"$T/nf2.csv"
title0=$(psqlc -c "select coalesce(title, '-') from contacts where email = 'P8@Example.org'")
imp "$T/nf1.csv" --into contacts --on-conflict update
b1=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
imp "$T/nf2.csv" --into contacts --on-conflict update
b2=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
"$CCRM" -d "$PG_CONN" --revert "$b2" >"$T/out" 2>"$T/err"; rc=$?
check "the newer batch reverts ($rc)" test $rc = 0
"$CCRM" -d "$PG_CONN" --revert "$b1" >"$T/out" 2>"$T/err"; rc=$?
check "then the older one too ($rc: $(cat "$T/err"))" test $rc = 0
check "...and the row is as before both" test "$(psqlc -c "select coalesce(title, '-') from contacts where email = 'P8@Example.org'")" = "$title0"

# ---- two leads of one e-mail (other letter case): an update does not pick one of them ----
psqlc -c "insert into leads (first_name, last_name, email, status, score) values ('A', 'Twin', 'a@twinlead.example', 'qualified', 80), ('A', 'Twin', 'A@TWINLEAD.EXAMPLE', 'new', 5)" >/dev/null
printf 'first_name,last_name,email,status,score\nA,Twin,A@TWINLEAD.EXAMPLE,new,5\n' >"$T/twin.csv"
imp "$T/twin.csv" --into leads --on-conflict update
check "--on-conflict update with a key two leads have: refused, said why (exit 65)" \
    bash -c "test $rc = 65 && grep -q '2 leads have e-mail \"A@TWINLEAD.EXAMPLE\" (#[0-9]* the first): which one to update is not clear' '$T/err'"
check "... and neither lead was changed" \
    test "$(psqlc -c "select string_agg(status || ' ' || score, ',' order by id) from leads where lower(email) = 'a@twinlead.example'")" = "qualified 80,new 5"

# ---- a bulk insert is audited by one row naming its rows (schema/018) ----
awk 'BEGIN { print "email,first_name,last_name"; for (i = 1; i <= 500; i++) printf "bulk%d@example.org,Bulk,Row %d\n", i, i }' >"$T/bulk.csv"
imp "$T/bulk.csv" --into contacts
batch=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
check "bulk import: 500 inserted" grep -q '500 inserted' "$T/out"
check "bulk import: one audit row names exactly the 500 rows it inserted" \
    test "$(psqlc -c "select count(*) || ':' || (select count(*) from contacts c where c.email like 'bulk%' and a.ids @> c.id)
                      from audit a join import_batches b on a.xid = b.xid where b.id = $batch and a.op = 'insert' group by a.ids")" = "1:500"
check "bulk import: the batch counts them" test "$(psqlc -c "select inserted from import_batches where id = $batch")" = 500
check "bulk import: their search blocks are filed after the commit (nothing queued)" \
    test "$(psqlc -c "select count(*) from search_block_pending")" = 0
bid=$(psqlc -c "select id from contacts where email = 'bulk7@example.org'")
psqlc -c "update contacts set title = 'Touched' where id = $bid"
"$CCRM" -d "$PG_CONN" --revert "$batch" >"$T/out" 2>"$T/err"; rc=$?
check "bulk revert refused after a later change of one row ($rc)" grep -q "cannot revert import batch $batch: contacts $bid (Bulk Row 7 <bulk7@example.org>) was changed after the import" "$T/err"
psqlc -c "update contacts set title = NULL, version = version where id = $bid" >/dev/null
# (a second change: the row is still not as the import left it)
"$CCRM" -d "$PG_CONN" --revert "$batch" >"$T/out" 2>"$T/err"; rc=$?
check "still refused: version 3 is not the imported version 1" test $rc = 65
awk 'BEGIN { print "email,first_name,last_name"; for (i = 1; i <= 300; i++) printf "bulkb%d@example.org,BulkB,Row %d\n", i, i }' >"$T/bulkb.csv"
imp "$T/bulkb.csv" --into contacts
batch=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
"$CCRM" -d "$PG_CONN" --revert "$batch" >"$T/out" 2>"$T/err"; rc=$?
check "bulk revert deletes the rows one audit row names ($(cat "$T/out"))" grep -q "reverted import batch $batch (contacts from bulkb.csv): 300 deleted, 0 restored" "$T/out"
check "bulk revert: none of them left" test "$(psqlc -c "select count(*) from contacts where email like 'bulkb%'")" = 0

# ---- export -> import round trip ----
psqlc -c "delete from contacts; delete from accounts"
imp accounts.csv --into accounts --rejects "$T/r.csv"
imp bom_crlf.csv --into contacts --rejects "$T/r.csv"
psqlc -c "update contacts set account_id = (select id from accounts where domain = 'acme.example') where email = 'ada@example.org'"
for e in accounts contacts; do
    "$CCRM" -d "$PG_CONN" --export $e --output "$T/$e.csv"; rc=$?
    check "export $e exits 0" test $rc = 0
done
check "export header uses import names" test "$(head -1 "$T/contacts.csv")" = "account,first_name,last_name,email,phone,title,owner"
sig() { psqlc -c "select md5(string_agg(x, '|' order by x)) from (select concat_ws(',', (select domain from accounts a where a.id = c.account_id), first_name, last_name, email, phone, title, owner) x from contacts c) s"; }
before=$(sig)
psqlc -c "delete from contacts"
imp "$T/contacts.csv" --into contacts
check "round trip: re-import exits 0" test $rc = 0
check "round trip: same contacts, account resolved by domain" test "$before" = "$(sig)"
"$CCRM" -d "$PG_CONN" --export contacts --format jsonl >"$T/c.jsonl"
check "jsonl: one object per line" test "$(wc -l <"$T/c.jsonl")" = 2
jsonok() { local l; while IFS= read -r l; do echo "select :'j'::json;" | psql -X -q -At -v ON_ERROR_STOP=1 -v j="$l" >/dev/null || return 1; done <"$1"; }
check "jsonl: every line parses as JSON" jsonok "$T/c.jsonl"
"$CCRM" -d "$PG_CONN" --export contacts --output /dev/full 2>"$T/err"; rc=$?
check "an export that cannot be written: exit 74 (I/O), saying where and why" \
    bash -c "test $rc = 74 && grep -q '/dev/full.*No space left on device' '$T/err'"

# ---- other entities with references ----
imp opportunities.csv --into opportunities --rejects "$T/r.csv"
check "opportunities: account by name or domain" bash -c "test $rc = 65 && grep -q 'batch [0-9]*: 2 inserted' $T/out && grep -q 'opportunities.csv:4: account \"Nowhere Inc\" not found' $T/err"
check "opportunities: currency upper-cased, default stage" test "$(psqlc -c "select currency from opportunities where name = 'Big deal'")" = EUR
imp tickets.csv --into tickets --rejects "$T/r.csv"
"$CCRM" -d "$PG_CONN" --export tickets --format jsonl >"$T/t.jsonl"
check "jsonl: a line break inside a value (a body) escaped" grep -qF '"It is, really.\nTwo lines."' "$T/t.jsonl"
check "jsonl: ... and the line parses as JSON" jsonok "$T/t.jsonl"
check "tickets: contact by e-mail" test "$(psqlc -c "select c.email from tickets t join contacts c on c.id = t.contact_id")" = ada@example.org
imp interactions.csv --into interactions --rejects "$T/r.csv"
check "interactions: 3 in, times with zones" test "$(psqlc -c "select count(*) from interactions where at is not null")" = 3

# ---- standard input ----
printf 'email\nstdin@example.org\n' | "$CCRM" -d "$PG_CONN" --import - --into leads >"$T/out" 2>&1
check "--import - reads standard input" grep -q '1 inserted.*(leads from stdin' "$T/out"

# ---- Ctrl-C leaves the database unchanged ----
awk 'BEGIN { print "first_name,last_name,email"; for (i = 1; i <= 400000; i++) printf "F%d,L%d,sig%d@example.org\n", i, i, i }' >"$T/big2.csv"
before="$(n contacts) $(n events) $(n import_batches)"
"$CCRM" -d "$PG_CONN" --import "$T/big2.csv" --into contacts >"$T/out" 2>"$T/err" &
pid=$!
# the handler is set once connected: send the signal when the import's transaction has begun
wait_until -t 30 sql_is "select count(*) from pg_stat_activity
                          where application_name = 'ccrm' and xact_start is not null" 1 ||
    fail "the import begins its transaction"
kill -INT $pid
wait $pid; rc=$?
check "SIGINT exits 75 (EX_TEMPFAIL)" test $rc = 75
check "SIGINT says nothing was written" grep -q 'interrupted; nothing written' "$T/err"
check "SIGINT: database unchanged" test "$before" = "$(n contacts) $(n events) $(n import_batches)"

done_testing
