#!/usr/bin/env bash
# The words of a segment and the database speak the same vocabulary: every definition the
# words of tests/unit/test_segment.c parse to (every rule of the JSON, each key, field and
# operator, nested, quoted values) is taken by the database's check (ccrm_segment_check, the
# trigger on segments) and runs (ccrm_segment_members, ccrm_segment_estimate).
# The words list the values the database knows (ticket statuses, deal stages, ...) a second
# time, to name a wrong one while typing: a value the database would refuse fails here.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_segment_words.sh path/to/ccrm}
UNIT="$(dirname "$CCRM")/test_segment"
[ -x "$UNIT" ] || fail "no $UNIT (built with the tests)"

pg_start_migrated "$CCRM"
defs=$("$UNIT" --json) || fail "the unit test's definitions"
check "the unit test gives its definitions" test "$(wc -l <<<"$defs")" -gt 50

n=0
while IFS= read -r d; do
    n=$((n + 1))
    out=$(echo "insert into segments (name, definition) values ('words $n', :'d') returning 1;
                select count(*) >= 0 from ccrm_segment_members(:'d'::jsonb);
                select ccrm_segment_estimate(:'d'::jsonb) >= 0" |
        psqlc "$PG_CONN" -v "d=$d" 2>&1 | tr '\n' ' ')
    [ "$out" = "1 t t " ] || fail "definition $n is taken and runs: $d: $out"
done <<<"$defs"
ok "the database takes and runs all $n definitions the words make"
check "saved as they were made" sql_is "select count(*) from segments where name like 'words %'" "$n"

done_testing
