#!/usr/bin/env bash
# Imports from other CRMs: the exports of HubSpot, Pipedrive, Salesforce and Zoho as they come
# (their header names; ";" from a German spreadsheet, tabs), a full-name column split into
# first and last name, --create-missing accounts, the rejects file's reason column, --batches
# listing what --revert takes, and --map mistakes as usage errors (64).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_import_crm.sh path/to/ccrm}
T=$TEST_TMP
pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"
"$CCRM" -d "$PG_CONN" --add-user sam --dept sales >/dev/null 2>&1 || fail "add sam"
SAM="host=$PG_DIR dbname=ccrm user=sam"
imp() { "$CCRM" -d "$SAM" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }

# ---- a German spreadsheet: ";" and umlauts, found without being told ----
printf 'Vorname;Nachname;E-Mail;Telefon\nJörg;Müller;joerg@example.de;+49 30 1234567\nAnna;Schmidt, geb. Krause;anna@example.de;030 7654321\n' >"$T/de.csv"
imp "$T/de.csv" --into contacts
check "a ';' file imports without --delimiter (rc $rc)" test $rc = 0 || say
check "... and says which separator it read" grep -qF 'separated by ";"' "$T/err"
check "the fields are split at ';' only (a comma inside a value stays)" \
    test "$(psqlc -c "select last_name || '|' || phone from contacts where email = 'anna@example.de'")" = "Schmidt, geb. Krause|030 7654321"

# ---- HubSpot contacts: their header names, the company as the account ----
psqlc -c "insert into accounts (name, domain) values ('Analytical Engines Ltd', 'engines.example')"
printf 'First Name,Last Name,Email,Phone Number,Company Name,Job Title\nAda,Lovelace,ada@engines.example,+44 20 7946 0000,Analytical Engines Ltd,Countess\n' >"$T/hubspot.csv"
imp "$T/hubspot.csv" --into contacts
check "HubSpot's contact export imports (rc $rc)" test $rc = 0 || say
check "... every column found, none ignored" bash -c "! grep -q 'unknown column' $T/err"
check "... with the account by its name, phone and title" \
    test "$(psqlc -c "select a.name || '|' || c.phone || '|' || c.title from contacts c join accounts a on a.id = c.account_id where c.email = 'ada@engines.example'")" = "Analytical Engines Ltd|+44 20 7946 0000|Countess"

# ---- Pipedrive persons, tab separated, one name column ----
printf 'Person - Name\tPerson - Email - Work\tPerson - Phone - Work\tPerson - Organization\nCharles Babbage\tcharles@engines.example\t+44 20 7946 0001\tAnalytical Engines Ltd\nMary Somerville\tmary@example.org\t\t\nPlato\tplato@example.org\t\t\n' >"$T/pipedrive.tsv"
imp "$T/pipedrive.tsv" --into contacts
check "Pipedrive's tab-separated person export imports (rc $rc)" test $rc = 0 || say
check "... and says it read tabs" grep -qF 'separated by tabs' "$T/err"
check "the full name is split into first and last name" \
    test "$(psqlc -c "select string_agg(coalesce(first_name, '-') || '/' || last_name, ',' order by email) from contacts where email in ('charles@engines.example', 'mary@example.org', 'plato@example.org')")" = "Charles/Babbage,Mary/Somerville,-/Plato"
check "... with the work e-mail, phone and organisation" \
    test "$(psqlc -c "select c.phone || '|' || a.name from contacts c join accounts a on a.id = c.account_id where c.email = 'charles@engines.example'")" = "+44 20 7946 0001|Analytical Engines Ltd"

# ---- Salesforce leads: the phone is kept ----
printf 'First Name,Last Name,Company,Email,Phone,Lead Source\nGrace,Hopper,Navy Labs,grace@navy.example,+1 555 0100,Trade Show\n' >"$T/sf_leads.csv"
imp "$T/sf_leads.csv" --into leads
check "Salesforce's lead export imports (rc $rc)" test $rc = 0 || say
check "... and the lead keeps its phone, company and source" \
    test "$(psqlc -c "select phone || '|' || company || '|' || source from leads where email = 'grace@navy.example'")" = "+1 555 0100|Navy Labs|Trade Show"

# ---- Zoho accounts ----
printf 'Account Name,Website,Phone,Industry,Billing City,Billing Country,Employees\nDifference Works,https://difference.example,+44 1 2345,Engineering,London,GB,12\n' >"$T/zoho_accounts.csv"
imp "$T/zoho_accounts.csv" --into accounts
check "Zoho's account export imports (rc $rc)" test $rc = 0 || say
check "... with its city and country from the billing address" \
    test "$(psqlc -c "select city || '|' || country || '|' || employees from accounts where name = 'Difference Works'")" = "London|GB|12"

# ---- --create-missing accounts ----
printf 'First Name,Last Name,Email,Company Name\nAlan,Turing,alan@bletchley.example,Bletchley Park\nJoan,Clarke,joan@bletchley.example,Bletchley Park\nKurt,Goedel,kurt@ias.example,\n' >"$T/missing.csv"
imp "$T/missing.csv" --into contacts
check "an organisation that is not an account rejects its rows (rc $rc)" test $rc = 65
check "... saying so" grep -qF 'account "Bletchley Park" not found' "$T/err"
imp "$T/missing.csv" --into contacts --create-missing accounts --dry-run
check "a dry run with --create-missing says what it would create" grep -qF 'would create 1 new account' "$T/out" || say
check "... and creates nothing" test "$(psqlc -c "select count(*) from accounts where name = 'Bletchley Park'")" = 0
imp "$T/missing.csv" --into contacts --create-missing accounts
check "--create-missing accounts imports every row (rc $rc)" test $rc = 0 || say
check "... creating the organisation once, for both its people" \
    test "$(psqlc -c "select count(distinct a.id) || '/' || count(*) from contacts c join accounts a on a.id = c.account_id where a.name = 'Bletchley Park'")" = "1/2"
# a line the database refuses (its account) does not make a later line with the same e-mail a
# duplicate to skip: that one is imported, in skip and in update mode
printf 'first_name,last_name,email,account\nAda,Wrong,ada.dup@engines.example,No Such Account Ltd\nAda,Right,ada.dup@engines.example,Analytical Engines Ltd\n' >"$T/dupref.csv"
for mode in skip update; do
    psqlc -c "delete from contacts where email = 'ada.dup@engines.example'" >/dev/null
    imp "$T/dupref.csv" --into contacts --on-conflict $mode --rejects "$T/dupref.rej"
    check "--on-conflict $mode: the refused line is rejected, the next one imported (rc $rc)" \
        grep -q "1 inserted, 0 updated, 0 skipped, 1 rejected" "$T/out" || say
    check "...with its values" test "$(psqlc -c "select last_name from contacts where email = 'ada.dup@engines.example'")" = Right
done
imp "$T/missing.csv" --into contacts --create-missing people
check "--create-missing takes only accounts (64)" test $rc = 64

# ---- --delimiter, and --map mistakes are usage errors ----
printf 'first_name;last_name;email\nX;Semi;semi@example.org\n' >"$T/semi.csv"
imp "$T/semi.csv" --into contacts --delimiter , --dry-run
check "--delimiter , on a ';' file reads one column, and fails clearly" bash -c "test $rc = 65"
imp "$T/semi.csv" --into contacts --delimiter ';' --dry-run --quiet
check "--delimiter ';' reads it" grep -qF 'would insert 1' "$T/out"
imp "$T/semi.csv" --into contacts --delimiter x
check "an unknown --delimiter exits 64" test $rc = 64
imp "$T/de.csv" --into contacts --map Nope=email --dry-run
check "--map naming a column the file lacks exits 64 (rc $rc)" test $rc = 64
imp "$T/de.csv" --into contacts --map Vorname=shoe_size --dry-run
check "--map naming a column contacts lack exits 64 (rc $rc)" test $rc = 64

# ---- the rejects file says why ----
printf 'Email,First Name,Last Name\nnot-an-address,Bad,Row\ngood@example.org,Good,Row\n' >"$T/rej.csv"
imp "$T/rej.csv" --into contacts --rejects "$T/rejected.csv"
check "the rejects file has a reason column" test "$(head -n 1 "$T/rejected.csv")" = "Email,First Name,Last Name,ccrm_reason"
check "... holding why each row was rejected" \
    grep -qF 'not-an-address,Bad,Row,"column ""email"": ""not-an-address"" is not a valid e-mail address"' "$T/rejected.csv"

# ---- --log ticket from an address that is a lead, or nobody's: the contact is made ----
psqlc -c "insert into leads (first_name, last_name, email, phone, account_id) select 'Hedy', 'Lamarr', 'hedy@example.org', '+1 555 0199', id from accounts where name = 'Analytical Engines Ltd'"
"$CCRM" -d "$SAM" --log ticket --contact Hedy@Example.org --subject "Frequency hopping question" >"$T/out" 2>"$T/err"; rc=$?
check "--log ticket for a lead's address exits 0 (rc $rc)" test $rc = 0 || say
check "... and says it created the contact from the lead" grep -Eq '^ccrm: created contact #[0-9]+ \(from lead #[0-9]+\) for Hedy@Example.org; logged ticket #[0-9]+' "$T/out" || say
check "the contact has the lead's name, phone and account, and the ticket is its" \
    test "$(psqlc -c "select c.first_name || ' ' || c.last_name || '|' || c.phone || '|' || a.name || '|' || t.subject from tickets t join contacts c on c.id = t.contact_id join accounts a on a.id = c.account_id where lower(c.email) = 'hedy@example.org'")" = "Hedy Lamarr|+1 555 0199|Analytical Engines Ltd|Frequency hopping question"
"$CCRM" -d "$SAM" --log ticket --contact stranger@example.net --subject "Who are you" >"$T/out" 2>"$T/err"; rc=$?
check "--log ticket for an unknown address makes a contact with the address alone" \
    bash -c "test $rc = 0 && grep -Eq '^ccrm: created contact #[0-9]+ for stranger@example.net; logged ticket' $T/out" || say
"$CCRM" -d "$SAM" --log ticket --contact stranger@example.net --subject "Again" >"$T/out" 2>"$T/err"; rc=$?
check "the next ticket from it finds that contact, saying nothing about creating one" \
    bash -c "test $rc = 0 && ! grep -q created $T/out && test \"\$(psql -X -At -c \"select count(*) from contacts where email = 'stranger@example.net'\")\" = 1" || say
"$CCRM" -d "$SAM" --log ticket --contact not-an-address --subject "x" >"$T/out" 2>"$T/err"; rc=$?
check "a malformed address is refused, nothing made (rc $rc)" \
    bash -c "test $rc != 0 && test \"\$(psql -X -At -c \"select count(*) from contacts where email = 'not-an-address'\")\" = 0"

# ---- --batches lists what --revert takes ----
"$CCRM" -d "$SAM" --batches >"$T/out" 2>"$T/err"; rc=$?
check "--batches exits 0" test $rc = 0
b=$(psqlc -c "select max(id) from import_batches")
check "--batches lists the newest import first, with its file and counts" \
    bash -c "sed -n 1p $T/out | grep -Eq '^ *$b  .*  sam +contacts from rej.csv: 1 inserted, 0 updated, 0 skipped, 1 rejected'" || cat "$T/out"
check "... and says how to undo one (on standard error: the list is for scripts)" grep -qF 'ccrm --revert BATCH' "$T/err"
"$CCRM" -d "$SAM" --revert "$b" >/dev/null 2>&1
"$CCRM" -d "$SAM" --batches >"$T/out" 2>>"$T/err"
check "a reverted batch says so" bash -c "sed -n 1p $T/out | grep -q '(reverted .* by sam)'"

# ---- deals are deals in what an import says, whatever their table is called ----
printf 'Name,Account,Amount,Stage\nBatchword deal one,Analytical Engines Ltd,1000,qualification\nBatchword deal two,Analytical Engines Ltd,2000,qualification\n' >"$T/deals.csv"
imp "$T/deals.csv" --into deals
check "two deals import (rc $rc)" test $rc = 0 || say
check "... and the Feed's line says 'imported 2 deals', not the table's name" \
    test "$(psqlc -c "select summary from events where op = 'bulk' order by id desc limit 1")" = "imported 2 deals from deals.csv (batch $(psqlc -c "select max(id) from import_batches"))"
"$CCRM" -d "$SAM" --batches >"$T/out" 2>"$T/err"
check "... as does --batches" bash -c "sed -n 1p $T/out | grep -Eq '  sam +deals from deals.csv: 2 inserted'" || cat "$T/out"
check "no server WARNING in any import's output" bash -c "! grep -rq WARNING $T/out $T/err"

done_testing
