#!/usr/bin/env bash
# An export imports back as it was written: a time of an old date, which PostgreSQL writes with
# the zone's local mean time as its offset, seconds and all (Europe/Amsterdam before 1937:
# "1930-05-01 11:00:00+00:19:32"), was refused by the import's check of times. A rejects file
# keeps the byte order mark its input began with (a spreadsheet needs it to read UTF-8), and
# imports back once corrected. Deals, tickets and interactions, which have no key, imported
# back are duplicates (equal in every column imported), not inserted again. A link to a contact
# or lead without e-mail is exported by the person's name and found by it (within the row's
# account; a name two have is refused, naming it), not lost in an empty cell.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_round_trip.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 3
imp() { "$CCRM" -d "$PG_CONN user=sam" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }

# ---- a local mean time's offset, with seconds ----
i=$(q "select min(id) from interactions")
q "update interactions set at = '1930-05-01 10:40:28+00', subject = 'Old times' where id = $i" >/dev/null
PGTZ=Europe/Amsterdam "$CCRM" -d "$PG_CONN user=sam" --export interactions --output "$T/i.csv" ||
    fail "export interactions"
check "the export writes the old time with its offset's seconds" \
    grep -q "Old times,.*,1930-05-01 11:00:00+00:19:32," "$T/i.csv"
{ head -1 "$T/i.csv"; grep "Old times" "$T/i.csv"; } >"$T/old.csv"
q "delete from interactions where id = $i" >/dev/null
PGTZ=Europe/Amsterdam imp "$T/old.csv" --into interactions
check "... and imports back (rc $rc)" test $rc = 0 || say
check "... as the same time" \
    test "$(q "select count(*) from interactions where subject = 'Old times' and at = '1930-05-01 10:40:28+00'")" = 1
# ---- a rejects file keeps the input's UTF-8 byte order mark, before its header ----
# (a spreadsheet reads a CSV without one as its local code page: "Zoë" became "ZoÃ«"), and
# imports back once corrected; the first header name stays clean
printf '\xef\xbb\xbf"E-Mail";First Name;Last Name\r\nzoe@bom.example;Zoë;Bom\r\nnot-an-address;Ana;Bom\r\n' >"$T/bom.csv"
imp "$T/bom.csv" --into contacts --rejects "$T/bom.rej"
check "a file with a BOM, a quoted first header and \";\": one row in, one rejected (rc $rc)" \
    bash -c "test $rc = 65 && grep -q 'batch [0-9]*: 1 inserted, 0 updated, 0 skipped, 1 rejected' '$T/out'" || say
check "... no column taken for unknown (the BOM is not part of the first name)" \
    bash -c "! grep -q 'unknown column' '$T/err'"
check "the rejects file begins with the BOM, then the header as it was" \
    test "$(head -c 40 "$T/bom.rej" | od -An -c | tr -s ' ' | head -1)" = \
    "$(printf '\xef\xbb\xbf"E-Mail";First Name;' | od -An -c | tr -s ' ' | head -1)"
check "... once (no BOM before the records)" test "$(grep -c $'\xef\xbb\xbf' "$T/bom.rej")" = 1
sed -i 's/^not-an-address;/ana@bom.example;/' "$T/bom.rej"
imp "$T/bom.rej" --into contacts
check "the corrected rejects file imports back, its reason column ignored (rc $rc)" \
    bash -c "test $rc = 0 && grep -q 'batch [0-9]*: 1 inserted' '$T/out' && ! grep -q 'unknown' '$T/err'" || say
check "... the contact as it was written" \
    test "$(q "select first_name || ' ' || last_name from contacts where email = 'ana@bom.example'")" = "Ana Bom"
# ---- deals, tickets and interactions (no key) imported back: every row a duplicate ----
# (before, each import inserted them all again; as for a contact without e-mail, a row equal in
# every column the file imports to an existing one is skipped, unchanged or rejected)
for e in deals tickets interactions; do
    table=$e
    [ $e = deals ] && table=opportunities
    "$CCRM" -d "$PG_CONN" --export $e --output "$T/$e.csv" || fail "export $e"
    total=$(q "select count(*) from $table")
    "$CCRM" -d "$PG_CONN" --import "$T/$e.csv" --into $e --on-conflict update --dry-run --rejects "$T/r.csv" >"$T/out" 2>"$T/err"
    check "$e: a dry run of the export back would insert nothing ($(cat "$T/out"))" \
        grep -q "^ccrm: dry run: would insert 0, update 0, leave [0-9,]* unchanged" "$T/out"
    "$CCRM" -d "$PG_CONN" --import "$T/$e.csv" --into $e --on-conflict update --rejects "$T/r.csv" >"$T/out" 2>"$T/err"
    check "$e: the export back with update: nothing changed, no batch ($(cat "$T/out"))" \
        grep -q "^ccrm: nothing changed, no batch: 0 inserted, 0 updated, [0-9,]* unchanged" "$T/out"
    "$CCRM" -d "$PG_CONN" --import "$T/$e.csv" --into $e --on-conflict skip --rejects "$T/r.csv" >"$T/out" 2>"$T/err"
    check "$e: ... with skip: every row skipped ($(cat "$T/out"))" \
        grep -q "^ccrm: nothing changed, no batch: 0 inserted, 0 updated, [0-9,]* skipped" "$T/out"
    check "$e: ... no more rows than before" test "$(q "select count(*) from $table")" = "$total"
done
"$CCRM" -d "$PG_CONN" --import "$T/deals.csv" --into deals >"$T/out" 2>"$T/err"
rc=$?
d=$(q "select min(id) from opportunities")
check "deals back with --on-conflict error: rejected, exit 65, naming the deal (rc $rc)" \
    bash -c "test $rc = 65 && grep -q 'deals.csv:2: deal with these values exists already (opportunities $d)$' '$T/err'" || say
# a deal that differs in a column is inserted; two equal lines of one file both
{ head -1 "$T/deals.csv"; sed -n 2p "$T/deals.csv" | sed 's/,[^,]*$/,/'; } >"$T/d1.csv"
n0=$(q "select count(*) from opportunities")
"$CCRM" -d "$PG_CONN" --import "$T/d1.csv" --into deals --on-conflict skip >"$T/out" 2>"$T/err"
check "a deal equal but for an empty owner cell is a duplicate still ($(cat "$T/out"))" \
    grep -q "0 inserted, 0 updated, 1 skipped" "$T/out"
{ head -1 "$T/deals.csv"; sed -n 2p "$T/deals.csv" | sed 's/,[0-9][0-9]*\.[0-9][0-9],/,12345.67,/'; sed -n 2p "$T/deals.csv" | sed 's/,[0-9][0-9]*\.[0-9][0-9],/,12345.67,/'; } >"$T/d2.csv"
"$CCRM" -d "$PG_CONN" --import "$T/d2.csv" --into deals --on-conflict skip >"$T/out" 2>"$T/err"
check "a deal that differs in its amount is inserted, twice from two equal lines ($(cat "$T/out"))" \
    bash -c "grep -q 'batch [0-9]*: 2 inserted, 0 updated, 0 skipped' '$T/out' && test \$(psql -X -At -c 'select count(*) from opportunities') = $((n0 + 2))"
# ---- a link to a contact or lead without e-mail: exported by name, found again ----
# (before, its cell was empty and the link was lost on the way back)
acc=$(q "select id from accounts order by id limit 1")
dom=$(q "select coalesce(domain, name) from accounts where id = $acc")
k=$(q "insert into contacts (account_id, first_name, last_name) values ($acc, 'Nora', 'Nomail') returning id")
l=$(q "insert into leads (first_name, last_name, company) values ('Lena', 'Nomail', 'Lead Co') returning id")
q "insert into tickets (account_id, contact_id, subject) values ($acc, $k, 'No mail ticket')" >/dev/null
q "insert into interactions (kind, account_id, contact_id, subject) values ('call', $acc, $k, 'No mail call'),
   ('call', NULL, NULL, 'No mail lead call')" >/dev/null
q "update interactions set lead_id = $l where subject = 'No mail lead call'" >/dev/null
"$CCRM" -d "$PG_CONN" --export tickets --output "$T/tk.csv" || fail "export tickets"
"$CCRM" -d "$PG_CONN" --export interactions --output "$T/ik.csv" || fail "export interactions"
check "the ticket's contact without e-mail is exported by name" grep -q "^$dom,Nora Nomail,No mail ticket," "$T/tk.csv"
check "... an interaction's lead too" grep -q ",Lena Nomail,,,,internal\$" "$T/ik.csv"
{ head -1 "$T/tk.csv"; grep "No mail ticket" "$T/tk.csv"; } >"$T/tk1.csv"
{ head -1 "$T/ik.csv"; grep "No mail" "$T/ik.csv"; } >"$T/ik1.csv"
q "delete from interactions where subject like 'No mail%'; delete from tickets where subject = 'No mail ticket'" >/dev/null
imp "$T/tk1.csv" --into tickets
check "the ticket imports back (rc $rc)" test $rc = 0 || say
check "... linked to its contact" test "$(q "select contact_id from tickets where subject = 'No mail ticket'")" = "$k"
imp "$T/ik1.csv" --into interactions
check "the interactions import back (rc $rc)" test $rc = 0 || say
check "... the call linked to its contact" test "$(q "select contact_id from interactions where subject = 'No mail call'")" = "$k"
check "... and to its lead" test "$(q "select lead_id from interactions where subject = 'No mail lead call'")" = "$l"
# a name two contacts of the account have: said, not guessed
q "insert into contacts (account_id, first_name, last_name) values ($acc, 'nora', 'NOMAIL')" >/dev/null
sed 's/No mail ticket/No mail ticket two/' "$T/tk1.csv" >"$T/tk2.csv"
imp "$T/tk2.csv" --into tickets
check "a name two contacts have is refused, naming it (rc $rc)" \
    bash -c "test $rc = 65 && grep -q 'tk2.csv:2: contact \"Nora Nomail\" is ambiguous (2 contacts match)' '$T/err'" || say
printf 'kind,subject,contact\ncall,Nobody call,Nobody Here\n' >"$T/nobody.csv"
imp "$T/nobody.csv" --into interactions
check "a name no contact has is not found (rc $rc)" \
    bash -c "test $rc = 65 && grep -q 'nobody.csv:2: contact \"Nobody Here\" not found' '$T/err'" || say
printf 'kind,subject,contact\ncall,Bad call,bob@\n' >"$T/bad.csv"
imp "$T/bad.csv" --into interactions
check "a value with @ is still checked as an e-mail address (rc $rc)" \
    bash -c "test $rc = 65 && grep -q 'bad.csv:2: column \"contact\"' '$T/err'" || say
done_testing
