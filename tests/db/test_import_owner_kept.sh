#!/usr/bin/env bash
# An empty owner (or assignee) cell of --on-conflict update leaves the owner there: the lead
# the rules routed to someone at its insert keeps that owner and the rule that chose it when the
# same file is imported again (which writes nothing then), and a keyless row with an empty
# owner cell equals the routed one. An owner named in the file is set.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_owner_kept.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 5
imp() { "$CCRM" -d "$PG_CONN user=sam" --import "$@" >"$T/out" 2>"$T/err"; rc=$?; }
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }
q "delete from responsibilities" >/dev/null
R=$(as mia -c "insert into responsibilities (department, person, priority) values ('sales', 'jose', 100) returning id" | head -1)
lead() { q "select coalesce(owner, '-') || ':' || coalesce(routed_rule::text, '-') from leads where $1 order by id"; }

printf 'first_name,last_name,email,owner\nRo,Uted,ro.uted@owner.example,\nOw,Ned,ow.ned@owner.example,sam\n' >"$T/l.csv"
imp "$T/l.csv" --into leads --on-conflict update
check "the lead without an owner is routed (rc $rc)" test "$(lead "email = 'ro.uted@owner.example'")" = "jose:$R" || say
imp "$T/l.csv" --into leads --on-conflict update
check "the same file again: nothing changed ($(cat "$T/out"))" \
    grep -q "^ccrm: nothing changed, no batch: 0 inserted, 0 updated, 2 unchanged" "$T/out"
check "... the routed owner and its rule kept ($(lead "email = 'ro.uted@owner.example'"))" \
    test "$(lead "email = 'ro.uted@owner.example'")" = "jose:$R"
imp "$T/l.csv" --into leads --on-conflict update --dry-run
check "... a dry run says so too ($(cat "$T/out"))" \
    grep -q "would insert 0, update 0, leave 2 unchanged" "$T/out"

printf 'first_name,last_name,email,owner,phone\nRo,Uted,ro.uted@owner.example,,+49 30 1234\n' >"$T/l2.csv"
imp "$T/l2.csv" --into leads --on-conflict update
check "another column changed, the owner cell empty: updated, the owner kept ($(lead "email = 'ro.uted@owner.example'"))" \
    test "$(lead "email = 'ro.uted@owner.example'"):$(q "select phone from leads where email = 'ro.uted@owner.example'")" = "jose:$R:+49 30 1234"
printf 'first_name,last_name,email,owner\nRo,Uted,ro.uted@owner.example,sam\n' >"$T/l3.csv"
imp "$T/l3.csv" --into leads --on-conflict update
check "an owner named in the file is set ($(lead "email = 'ro.uted@owner.example'"))" \
    test "$(q "select owner from leads where email = 'ro.uted@owner.example'")" = sam

# a lead without e-mail and owner: routed, and the same again is a duplicate of it
printf 'first_name,last_name,owner\nNo,Key,\n' >"$T/k.csv"
imp "$T/k.csv" --into leads --on-conflict skip
imp "$T/k.csv" --into leads --on-conflict skip
check "a keyless lead with an empty owner cell, twice: once ($(cat "$T/out"))" \
    test "$(q "select count(*) from leads where last_name = 'Key' and email is null")" = 1
done_testing
