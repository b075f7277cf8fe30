#!/usr/bin/env bash
# --on-conflict update writes only the rows the file changes: importing one file twice changes
# nothing the second time (no new version, audit row, event or batch), the summary and the
# dry run count the rows left alone as unchanged, a batch reverts exactly what it changed, and
# a row deleted while the import runs is still inserted again. And a one-line text (a name, a
# subject) with a line break or tab from a quoted CSV field is refused by its line, while a
# body keeps them.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/hold.sh"
CCRM=${1:?usage: test_import_unchanged.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 1
DB="host=$PG_DIR dbname=ccrm"

imp() { # USER FILE ENTITY [flags]: out, err and rc
    local u=$1 f=$2 e=$3
    shift 3
    "$CCRM" -d "$DB user=$u" --import "$f" --into "$e" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# everything an import could write: the rows with their versions and stamps, audit, events,
# batches
state() {
    q "select (select md5(string_agg(c::text, '|' order by id)) from contacts c where email like '%@unch.example'),
              (select md5(string_agg(l::text, '|' order by id)) from leads l where email like '%@unch.example'),
              (select md5(string_agg(a::text, '|' order by id)) from accounts a where domain like '%.unch.example'),
              (select md5(string_agg(p::text, '|' order by id)) from products p where sku like 'UNCH-%'),
              (select count(*) from audit), (select count(*) from events),
              (select count(*) from import_batches)"
}
counts() { # a summary's or a dry run's counts: "inserted updated unchanged skipped rejected"
    sed -n -e 's/^ccrm: .*: \([0-9]*\) inserted, \([0-9]*\) updated, \(\([0-9]*\) unchanged, \)\{0,1\}\([0-9]*\) skipped, \([0-9]*\) rejected.*/\1 \2 \4 \5 \6/p' \
        -e 's/^ccrm: dry run: would insert \([0-9]*\), update \([0-9]*\), \(leave \([0-9]*\) unchanged, \)\{0,1\}skip \([0-9]*\), reject \([0-9]*\).*/\1 \2 \4 \5 \6/p' "$T/out"
}

acc=$(q "select name from accounts order by id limit 1")
{
    echo "first_name,last_name,email,phone,title,account,owner"
    for i in $(seq 1 20); do
        echo "Per,Son $i,p$i@unch.example,+49 40 $i,Title $i,\"$acc\",sam"
    done
} >"$T/c1.csv"
imp sam "$T/c1.csv" contacts --on-conflict update
check "first import: 20 inserted ($(cat "$T/out" "$T/err"))" grep -q ": 20 inserted, 0 updated, 0 skipped, 0 rejected" "$T/out"

# ---- the same file again: nothing changes ----
before=$(state)
imp sam "$T/c1.csv" contacts --on-conflict update --dry-run
check "dry run of the same file: would update none, 20 unchanged ($(cat "$T/out"))" \
    test "$(counts)" = "0 0 20 0 0"
imp sam "$T/c1.csv" contacts --on-conflict update
check "the same file again: exit 0 ($rc: $(cat "$T/err"))" test $rc = 0
check "the summary says nothing changed and no batch was made ($(cat "$T/out"))" \
    grep -q "^ccrm: nothing changed, no batch: 0 inserted, 0 updated, 20 unchanged, 0 skipped, 0 rejected (contacts from c1.csv" "$T/out"
check "no row, version, audit row, event or batch was written" test "$(state)" = "$before"

# ---- some rows changed, some new, some unchanged ----
{
    echo "first_name,last_name,email,phone,title,account,owner"
    for i in $(seq 1 20); do
        case $i in
        3) echo "Per,Son $i,p$i@unch.example,+49 40 $i,New title,\"$acc\",sam" ;;
        5) echo "Per,Son $i,p$i@unch.example,+49 40 $i,,\"$acc\",sam" ;;  # title emptied
        7) echo "Per,Son $i,P$i@UNCH.EXAMPLE,+49 40 $i,Title $i,\"$acc\",sam" ;; # e-mail's case
        9) echo "Per,Son $i,p$i@unch.example,+49 40 $i,Title $i,\"$acc\",sam"   # twice, the
           echo "Per,Son $i,p$i@unch.example,+49 40 $i,Title $i,\"$acc\",sam" ;; # same values
        *) echo "Per,Son $i,p$i@unch.example,+49 40 $i,Title $i,\"$acc\",sam" ;;
        esac
    done
    echo "New,One,n1@unch.example,,,,sam"
    echo "New,Two,n2@unch.example,,,,sam"
} >"$T/c2.csv"
vals() { q "select md5(string_agg((c.id, c.first_name, c.last_name, c.email, c.phone, c.title, c.account_id, c.owner)::text, '|' order by id)) from contacts c where email ilike '%@unch.example'"; }
stamps() { q "select md5(string_agg((c.id, c.version, c.updated_at)::text, '|' order by id)) from contacts c where email ilike 'p%@unch.example' and lower(email) not in ('p3@unch.example', 'p5@unch.example', 'p7@unch.example')"; }
vals_before=$(vals)
untouched=$(stamps)
imp sam "$T/c2.csv" contacts --on-conflict update --dry-run
dry=$(counts)
imp sam "$T/c2.csv" contacts --on-conflict update
batch=$(sed -n 's/^ccrm: batch \([0-9]*\):.*/\1/p' "$T/out")
check "a batch ($(cat "$T/out" "$T/err"))" test -n "$batch"
check "2 inserted, 3 updated, 17 unchanged (line 9 twice: one record)" test "$(counts)" = "2 3 17 0 0"
check "the dry run said the same ($dry)" test "$dry" = "$(counts)"
check "the rows left alone have their version and stamps" test "$(stamps)" = "$untouched"
check "the changed rows have the file's values" \
    test "$(q "select string_agg(coalesce(title, '-') || ' ' || email || ' ' || version, ',' order by id) from contacts where lower(email) in ('p3@unch.example', 'p5@unch.example', 'p7@unch.example')")" = \
    "New title p3@unch.example 2,- p5@unch.example 2,Title 7 P7@UNCH.EXAMPLE 2"
check "the batch counts 2 inserted, 3 updated (the server's count: audit rows)" \
    test "$(q "select inserted || '/' || updated || '/' || (select count(*) from audit a where a.xid = b.xid and a.op = 'update') from import_batches b where id = $batch")" = "2/3/3"
check "its one event says so" \
    test "$(q "select summary from events where op = 'bulk' order by id desc limit 1")" = "imported 5 contacts from c2.csv (batch $batch; 3 updated)"
"$CCRM" -d "$DB user=sam" --revert "$batch" >"$T/out" 2>"$T/err"
check "revert: 2 deleted, 3 restored ($(cat "$T/out" "$T/err"))" grep -q "(contacts from c2.csv): 2 deleted, 3 restored" "$T/out"
check "revert: every row as before the import" test "$(vals)" = "$vals_before"
check "revert: the unchanged rows never touched, not even by the revert" test "$(stamps)" = "$untouched"

# ---- the other keyed entities: every column type compared as the update writes it ----
{
    echo "name,domain,industry,phone,website,city,country,employees,annual_revenue,description"
    echo "Unch A,a.unch.example,Retail,+49 40 1,https://a.example,Hamburg,DE,12,\"1.234,50\",\"two
lines\""
    echo "Unch B,b.unch.example,,,,,,,,"
} >"$T/a.csv"
{
    echo "first_name,last_name,email,company,phone,source,status,score,owner,account"
    echo "Lea,One,l1@unch.example,Unch A,,web,qualified,80,sam,a.unch.example"
    echo "Lea,Two,l2@unch.example,,,,,,sam,"
} >"$T/l.csv"
{
    echo "sku,name,description,unit,unit_price,currency,tax_rate"
    echo "UNCH-1,Seat,\"per\tmonth\",month,\"1.234,5000\",eur,19"
    echo "unch-2,Hour,,hour,10.9,EUR,7.5"
} >"$T/p.csv"
for f in a:accounts l:leads p:products; do
    imp sam "$T/${f%%:*}.csv" "${f#*:}" --on-conflict update
    check "${f#*:}: first import ($(cat "$T/out" "$T/err"))" test $rc = 0
done
before=$(state)
for f in a:accounts l:leads p:products; do
    imp sam "$T/${f%%:*}.csv" "${f#*:}" --on-conflict update
    check "${f#*:}: the same file again changes nothing ($(cat "$T/out" "$T/err"))" \
        grep -q "^ccrm: nothing changed, no batch: 0 inserted, 0 updated, 2 unchanged" "$T/out"
done
check "accounts, leads, products: nothing written" test "$(state)" = "$before"
q "update leads set status = 'contacted' where email = 'l2@unch.example'" >/dev/null
imp sam "$T/l.csv" leads --on-conflict update
check "an empty status is the default, which the stored one is not: updated ($(cat "$T/out"))" \
    grep -q ': 0 inserted, 1 updated, 1 unchanged' "$T/out"
check "... to new" test "$(q "select status from leads where email = 'l2@unch.example'")" = new

# ---- a row deleted while the import runs is inserted again, unchanged rows or not ----
{
    echo "first_name,last_name,email,phone,title,account,owner"
    for i in $(seq 1 20); do
        [ "$i" -le 2 ] && t="Changed $i" || t="Title $i"
        echo "Per,Son $i,p$i@unch.example,+49 40 $i,$t,\"$acc\",sam"
    done
} >"$T/c3.csv"
q "update contacts set title = 'Title ' || substr(split_part(email, '@', 1), 2), email = lower(email) where email ilike '%@unch.example' and email like 'p%'" >/dev/null
# the import's UPDATE waits for changed row 2; unchanged row 4 is deleted in the same
# transaction
hold "delete from contacts where email in ('p2@unch.example', 'p4@unch.example')" || fail "could not delete"
("$CCRM" -d "$DB user=sam application_name=impD" --import "$T/c3.csv" --into contacts \
    --on-conflict update >"$T/d.out" 2>"$T/d.err"; echo $? >"$T/d.rc") &
wait_waiting impD || fail "the import does not wait for the deleted rows"
release
for ((i = 0; i < 400; i++)); do [ -s "$T/d.rc" ] && break; sleep 0.05; done
check "the import succeeded ($(cat "$T/d.rc" "$T/d.err"))" test "$(cat "$T/d.rc")" = 0
check "2 inserted again, 1 updated, 17 unchanged ($(cat "$T/d.out"))" \
    grep -q ": 2 inserted, 1 updated, 17 unchanged, 0 skipped, 0 rejected" "$T/d.out"
check "each deleted row named" \
    test "$(grep -c 'c3.csv:[35]: contacts [0-9]* was deleted while the import ran: inserted it again' "$T/d.err")" = 2
check "every row of the file is in the table with its values" \
    test "$(q "select count(*) from contacts where email like 'p%@unch.example' and title in ('Changed 1', 'Changed 2') or email like 'p%@unch.example' and title = 'Title ' || substr(split_part(email, '@', 1), 2)")" = 20

# ---- one-line texts: a line break or tab from a quoted field is refused by its line ----
printf 'first_name,last_name,email,title\nGrace,"Hop\r\nper",grace@unch.example,Admiral\nAda,Lovelace,ada@unch.example,"Count\tess"\nAlan,Turing,alan@unch.example,\n' >"$T/nl.csv"
before=$(state)
imp sam "$T/nl.csv" contacts
check "a line break or tab in a one-line field: exit 65, nothing written" \
    bash -c "test $rc = 65 && test \"\$(cat '$T/out')\" = ''"
check "each named by the line its record starts on ($(cat "$T/err"))" \
    test "$(head -2 "$T/err")" = "$T/nl.csv:2: column \"last_name\": line break in a one-line field
$T/nl.csv:4: column \"title\": tab in a one-line field"
check "nothing written" test "$(state)" = "$before"
imp sam "$T/nl.csv" contacts --rejects "$T/rej.csv"
check "--rejects: the good row in ($(cat "$T/out"))" bash -c "test $rc = 65 && grep -q ': 1 inserted' '$T/out'"
printf 'first_name,last_name,email,title,ccrm_reason\nGrace,"Hop\r\nper",grace@unch.example,Admiral,"column ""last_name"": line break in a one-line field"\nAda,Lovelace,ada@unch.example,"Count\tess","column ""title"": tab in a one-line field"\n' >"$T/rej.expected"
check "--rejects: the bad records out byte for byte, with their reason" cmp "$T/rej.expected" "$T/rej.csv"
printf 'subject,body,contact\n"Printer","on\r\nfire\tnow",alan@unch.example\n' >"$T/t.csv"
imp postgres "$T/t.csv" tickets
check "a body keeps its line breaks and tabs ($(cat "$T/out" "$T/err"))" \
    test "$(q "select body = E'on\r\nfire\tnow' from tickets where subject = 'Printer' and contact_id = (select id from contacts where email = 'alan@unch.example')")" = t
printf 'subject,body,contact\n"Printer\non fire",x,alan@unch.example\n' >"$T/t2.csv"
imp postgres "$T/t2.csv" tickets
check "a subject does not" grep -q 't2.csv:2: column "subject": line break in a one-line field' "$T/err"

done_testing
