#!/usr/bin/env bash
# The prepared-statement cache against a real server: tests/unit/test_prepared.c, built next to
# ccrm, run with a conninfo (statements whose texts hash alike are two statements, each prepared
# once per connection).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_prepared.sh path/to/ccrm}
probe=$(dirname "$CCRM")/test_prepared
[ -x "$probe" ] || { echo "# no $probe (built with CCRM_TESTS): skip"; exit 77; }
pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"
"$probe" "$PG_CONN" >"$TEST_TMP/out" 2>&1
rc=$?
sed 's/^/# /' "$TEST_TMP/out"
check "two statements whose texts hash alike give each its own result (exit $rc)" test "$rc" = 0
check "... and were run, not skipped" bash -c "! grep -q SKIPPED '$TEST_TMP/out'"
done_testing
