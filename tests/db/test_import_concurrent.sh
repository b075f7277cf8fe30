#!/usr/bin/env bash
# Imports that overlap with each other and with other writers: two imports of the same
# e-mails (in other letter case) each get the --on-conflict they asked for; an update import
# whose rows are deleted while it runs, or whose new e-mails someone else inserts while it
# runs, reports what really happened, naming the rows, and leaves the file's rows in the table.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/hold.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_concurrent.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_migrated "$CCRM"

csv() { # FILE FROM TO CASE TITLE: contacts person FROM..TO, e-mail in lower or upper case
    local i
    {
        echo "first_name,last_name,email,title"
        for ((i = $2; i <= $3; i++)); do
            if [ "$4" = upper ]; then
                echo "Per,Son $i,PERSON$i@EXAMPLE.ORG,$5"
            else
                echo "Per,Son $i,person$i@example.org,$5"
            fi
        done
    } >"$1"
}
lead_csv() { # FILE FROM TO CASE
    local i
    {
        echo "first_name,last_name,email"
        for ((i = $2; i <= $3; i++)); do
            [ "$4" = upper ] && echo "Lea,D $i,LEAD$i@EXAMPLE.ORG" || echo "Lea,D $i,lead$i@example.org"
        done
    } >"$1"
}
imp() { # NAME FILE ENTITY CONFLICT: in the background, out/err/rc in $T/NAME.*
    ("$CCRM" -d "$PG_CONN application_name=$1" --import "$2" --into "$3" --on-conflict "$4" \
        >"$T/$1.out" 2>"$T/$1.err"
    echo $? >"$T/$1.rc") &
}
rc_of() {
    local i
    for ((i = 0; i < 2400; i++)); do [ -s "$T/$1.rc" ] && { cat "$T/$1.rc"; return; }; sleep 0.05; done
    echo timeout
}

# ---- two imports at once, the same e-mails in other letter case: skip, then update ----
csv "$T/a.csv" 1 200 lower "from A"
csv "$T/b.csv" 101 300 upper "from B"
hold "lock table contacts in share mode" || fail "could not lock contacts"
imp impA "$T/a.csv" contacts skip
wait_waiting impA || fail "import A does not wait for the table"
imp impB "$T/b.csv" contacts update
# B must not classify before A has written: it waits for A (an advisory lock), or, without
# that, classifies at once and waits for the table like A
wait_waiting impB || fail "import B does not wait"
release
rcA=$(rc_of impA)
rcB=$(rc_of impB)
check "import A (skip) succeeded: exit $rcA" test "$rcA" = 0
check "import B (update) succeeded: exit $rcB ($(cat "$T/impB.err"))" test "$rcB" = 0
check "A inserted its 200" grep -q "200 inserted, 0 updated, 0 skipped" "$T/impA.out"
check "B inserted 100 and updated the 100 A had just added" \
    grep -q "100 inserted, 100 updated, 0 skipped" "$T/impB.out"
check "B said it waited for A" grep -q "waiting for another import into contacts" "$T/impB.err"
check "300 contacts, one per e-mail" \
    test "$(psqlc -c "select count(*) || '/' || count(distinct lower(email)) from contacts")" = 300/300
check "the overlap has B's values" \
    test "$(psqlc -c "select count(*) from contacts where title = 'from B'")" = 200

# ---- the same for leads (no unique index: the race made duplicates silently) ----
lead_csv "$T/la.csv" 1 100 lower
lead_csv "$T/lb.csv" 51 150 upper
hold "lock table leads in share mode" || fail "could not lock leads"
imp leadA "$T/la.csv" leads skip
wait_waiting leadA || fail "lead import A does not wait"
imp leadB "$T/lb.csv" leads skip
wait_waiting leadB || fail "lead import B does not wait"
release
check "both lead imports succeeded" test "$(rc_of leadA)$(rc_of leadB)" = 00
check "the second skipped the 50 the first added" grep -q "50 inserted, 0 updated, 50 skipped" "$T/leadB.out"
check "150 leads, no e-mail twice" \
    test "$(psqlc -c "select count(*) || '/' || count(distinct lower(email)) from leads")" = 150/150

# ---- an update import while someone deletes 100 of its rows ----
csv "$T/c.csv" 1 300 lower "updated"
hold "delete from contacts where id in (select id from contacts where lower(email) ~ '^person1[0-9][0-9]@' order by id)" ||
    fail "could not delete"
imp impC "$T/c.csv" contacts update
wait_waiting impC || fail "the update import does not wait for the deleted rows"
release
rcC=$(rc_of impC)
check "the update import succeeded: exit $rcC" test "$rcC" = 0
check "it counts what happened: 100 inserted again, 200 updated ($(cat "$T/impC.out"))" \
    grep -q "batch [0-9]*: 100 inserted, 200 updated, 0 skipped, 0 rejected" "$T/impC.out"
check "it names each of the 100 rows" \
    test "$(grep -c '^.*c.csv:[0-9]*: contacts [0-9]* was deleted while the import ran: inserted it again$' "$T/impC.err")" = 100
check "the line named is the row's (person 150 is on line 151)" \
    grep -q "c.csv:151: contacts" "$T/impC.err"
check "every row of the file is in the table, updated" \
    test "$(psqlc -c "select count(*) from contacts where title = 'updated'")" = 300
check "the batch records the same counts" \
    test "$(psqlc -c "select inserted || '/' || updated from import_batches order by id desc limit 1")" = 100/200
check "the import's event says so" \
    psqlc -c "select summary from events where entity = 'contacts' and op = 'bulk' order by id desc limit 1" -o "$T/ev"
grep -q "imported 300 contacts from c.csv (batch [0-9]*; 200 updated)" "$T/ev" ||
    fail "the event: $(cat "$T/ev")"

# ---- an update import while someone else inserts one of its new e-mails ----
csv "$T/d.csv" 301 310 lower "d"
hold "insert into contacts (first_name, email, title) values ('Else', 'PERSON305@example.org', 'theirs')" ||
    fail "could not insert"
imp impD "$T/d.csv" contacts update
wait_waiting impD || fail "the import does not wait for the other insert"
release
check "the update import succeeded" test "$(rc_of impD)" = 0
check "it updated the row someone else added: 9 inserted, 1 updated" \
    grep -q "9 inserted, 1 updated, 0 skipped" "$T/impD.out"
check "it names the row" grep -q 'd.csv:6: e-mail "person305@example.org" was added by someone else while the import ran: updated it' "$T/impD.err"
check "one contact for person305, with the file's values" \
    test "$(psqlc -c "select count(*) || ' ' || max(title) from contacts where lower(email) = 'person305@example.org'")" = "1 d"

# ---- the same with --on-conflict error: nothing written, the row named ----
csv "$T/e.csv" 311 320 lower "e"
hold "insert into contacts (first_name, email) values ('Else', 'person315@example.org')" ||
    fail "could not insert"
imp impE "$T/e.csv" contacts error
wait_waiting impE || fail "the import does not wait for the other insert"
release
check "--on-conflict error: exit 65" test "$(rc_of impE)" = 65
check "it names the line and the e-mail" \
    grep -q 'line 6: e-mail "person315@example.org" was added by someone else while the import ran' "$T/impE.err"
check "nothing of the file was written" \
    test "$(psqlc -c "select count(*) from contacts where title = 'e'")" = 0

# ---- the wait for another import outlasts a login's lock_timeout (ccrm_add_user: 5 s) ----
csv "$T/lt.csv" 900 905 lower "after the wait"
hold "select pg_advisory_xact_lock(1667460717, 'contacts'::regclass::oid::int)" || fail "could not hold the import lock"
(PGOPTIONS='-c lock_timeout=300ms' "$CCRM" -d "$PG_CONN application_name=impLT" --import "$T/lt.csv" \
    --into contacts --on-conflict skip >"$T/impLT.out" 2>"$T/impLT.err"
echo $? >"$T/impLT.rc") &
wait_waiting impLT || { cat "$T/impLT.err" "$T/impLT.rc" >&2; fail "the import does not wait for the other"; }
for ((i = 0; i < 30; i++)); do sleep 0.05; done # well past its 300 ms lock_timeout
check "still waiting after its lock_timeout" test ! -s "$T/impLT.rc"
release
rcLT=$(rc_of impLT)
check "then it imports: exit $rcLT ($(cat "$T/impLT.err"))" test "$rcLT" = 0
check "...its 6 rows" grep -q "6 inserted" "$T/impLT.out"
check "...and said it waited" grep -q "waiting for another import into contacts" "$T/impLT.err"

done_testing
