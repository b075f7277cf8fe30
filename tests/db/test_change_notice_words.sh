#!/usr/bin/env bash
# An Inbox change notice names the fields changed in words, as the Feed does ("annual revenue
# changed"), not by their columns (annual_revenue, account_id).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_change_notice_words.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
acc=$(q "select min(id) from accounts where owner = 'sam'")
check "an account of sam's" test -n "$acc"
as mia -c "update accounts set annual_revenue = coalesce(annual_revenue, 0) + 1, employees = coalesce(employees, 0) + 1
           where id = $acc" >/dev/null || fail "mia's change"
note=$(q "select note from inbox where login = 'sam' and kind = 'change' and entity = 'accounts'
          and entity_id = $acc order by id desc limit 1")
check "sam is told ($note)" test -n "$note"
check "... the fields in words" grep -qF "annual revenue, employees changed" <<<"$note"
check "... no column name" bash -c "! grep -q 'annual_revenue' <<<'$note'"
done_testing
