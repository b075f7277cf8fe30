#!/usr/bin/env bash
# `ccrm --ics` with tasks and meetings dated where libical cannot write (after the year 3000, as
# a typo makes it, or BC): they are left out with one warning that counts and names them, and
# the calendar of all the others is written and reads back (libical's parser: tests/unit/
# test_ics.c in file mode); one such task cost the whole calendar (exit 73), and one due
# 'infinity' failed it with "cannot convert infinity to bigint".
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_ics_far.sh path/to/ccrm}
ICS_CHECK=$(dirname "$CCRM")/test_ics
T=$TEST_TMP
[ -x "$ICS_CHECK" ] || fail "$ICS_CHECK is missing (cmake --build ... --target test_ics)"
pg_start_migrated "$CCRM"
"$CCRM" -d "$PG_CONN" --add-user sam --dept sales >/dev/null 2>&1 || fail "add sam"
SAM="host=$PG_DIR dbname=ccrm user=sam"
task() { # task KIND SUBJECT DUE [DONE]: its id
    as sam -c "insert into interactions (kind, subject, due_at, done_at, owner)
               values ('$1', '$2', $3, ${4:-NULL}, 'sam') returning id" | head -1
}
BC=$(task task 'Ides of March' "'0044-03-15 12:00Z BC'")
NEAR=$(task task 'Call back' "now() + interval '1 day'")
MEET=$(task meeting 'Board meeting' "now() + interval '2 days'")
FAR=$(task task 'Typo' "'3001-01-01Z'")
FARM=$(task meeting 'Far meeting' "'3500-06-01 10:00Z'")
DONE=$(task task 'Done far' "now() - interval '1 day'" "'3025-01-01Z'")

"$CCRM" -d "$SAM" --ics >"$T/sam.ics" 2>"$T/err"
rc=$?
check "a task due in the year 3001 does not cost the calendar (rc $rc: $(cat "$T/err"))" test $rc = 0
check "... the rest reads back: the meeting and the task in reach" \
    test "$("$ICS_CHECK" "$T/sam.ics")" = "events 1 todos 1"
inst=$(q "select ccrm_instance()")
check "... by their UIDs" bash -c "grep -q '^UID:ccrm-interaction-$NEAR@$inst'$'\r''\$' '$T/sam.ics' &&
    grep -q '^UID:ccrm-interaction-$MEET@$inst'$'\r''\$' '$T/sam.ics'"
check "... none of the far ones" test "$(grep -c -e Ides -e Typo -e 'Far meeting' -e 'Done far' "$T/sam.ics")" = 0
check "one warning counts the left out (due, and done, after 3000 or BC) and names them, in order" \
    test "$(cat "$T/err")" = "ccrm: warning: left out 3 tasks and 1 meeting (#$BC, #$DONE, #$FAR, ...): dated after the year 3000 or before year 0, which libical cannot write"

"$CCRM" -d "$SAM" --ics --output "$T/out.ics" 2>"$T/err"
rc=$?
check "--output: exit 0 (rc $rc)" test $rc = 0
check "... the warning, then what was written" \
    test "$(sed -n 2p "$T/err")" = "ccrm: wrote 1 meeting and 1 task to $T/out.ics"
check "... the same calendar" cmp -s "$T/sam.ics" "$T/out.ics"

q "delete from interactions where id in ($BC, $DONE, $FARM)"
"$CCRM" -d "$SAM" --ics >"$T/sam.ics" 2>"$T/err"
check "one left out is named alone" \
    test "$(cat "$T/err")" = "ccrm: warning: left out 1 task (#$FAR): dated after the year 3000 or before year 0, which libical cannot write"
q "delete from interactions where id = $FAR"
INF=$(task task 'Someday' "'infinity'")
"$CCRM" -d "$SAM" --ics >"$T/sam.ics" 2>"$T/err"
rc=$?
check "a task due 'infinity' is left out too, not an error (rc $rc: $(cat "$T/err"))" \
    test "$rc,$(cat "$T/err")" = "0,ccrm: warning: left out 1 task (#$INF): dated after the year 3000 or before year 0, which libical cannot write"
q "delete from interactions where id = $INF"
"$CCRM" -d "$SAM" --ics >"$T/sam.ics" 2>"$T/err"
check "nothing left out: nothing said" test ! -s "$T/err"
check "... the calendar as before" test "$("$ICS_CHECK" "$T/sam.ics")" = "events 1 todos 1"

done_testing
