#!/usr/bin/env bash
# What made `ccrm --import-mail` slow after its commit and per row (issue 16): the filing of
# the search blocks takes the queued rows off search_block_pending by their keys, not in a
# nested loop of the whole queue against the rows taken (right after a bulk load the queue's
# statistics still say it is nearly empty: 4,850 rows cost 40 million comparisons), and still
# files every queued row; ccrm_restoring(), which row triggers ask for every row with a past
# created_at, answers without its SET clause and stays what it was: true only under the
# owner's unmerge mark, whatever the caller's search_path.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_import_filing.sh path/to/ccrm}
pg_start_migrated "$CCRM"

# ---------------------------------------------------------------- filing a bulk load
# the queue's statistics from a time it held a few rows of another list (as after the demo's
# writes), then 3,000 rows in one statement (an insert of 1,000 rows or more files nothing
# itself: its writer files after the load, as the imports do)
q "insert into search_block_pending (list, id) select 'inbox_newest', -g from generate_series(1, 3000) g"
q "delete from search_block_pending where id < -10"
q "analyze search_block_pending"
q "insert into tickets (subject, channel) select 'zqxw filing ' || g, 'email' from generate_series(1, 3000) g" \
    || fail "inserting 3,000 tickets"
check "the 3,000 tickets are queued for filing" \
    test "$(q "select count(*) from search_block_pending where list = 'tickets_updated'")" -ge 3000
out=$(psqlc 2>&1 <<'EOF'
load 'auto_explain';
set auto_explain.log_min_duration = 0;
set auto_explain.log_analyze = on;
set auto_explain.log_nested_statements = on;
set auto_explain.log_level = notice;
set client_min_messages = notice;
select ccrm_search_blocks_flush(20000);
EOF
)
worst=$(grep -o 'Rows Removed by Join Filter: [0-9]*' <<<"$out" | awk '{ if ($6 > m) m = $6 } END { print m + 0 }')
check "the filing compares no queued row with every row taken (most rows a join threw away: $worst)" \
    test "$worst" -lt 100000
check "the filing's statement ran (its plan was shown)" grep -q 'DELETE FROM public.search_block_pending' <<<"$out"
check "the queue is empty after the filing" test "$(q "select count(*) from search_block_pending")" = 0
check "the tickets' words are filed (trigram zqx in the tickets' blocks)" \
    test "$(q "select count(*) from search_block_trgm where list = 'tickets_updated' and trgm = 'zqx'")" -ge 1
# a second filing in another session skips rows the first holds (SKIP LOCKED), and files them later
q "insert into tickets (subject, channel) select 'yvkj held ' || g, 'email' from generate_series(1, 1200) g"
out=$(psqlc -c "begin" -c "select seq from search_block_pending where list = 'tickets_updated' for update" \
    -c "select pg_sleep(2)" -c "commit" 2>&1 &
    sleep 0.5
    q "select ccrm_search_blocks_flush(20000)"
    wait)
check "rows another session holds are left for later" \
    test "$(q "select count(*) from search_block_pending where list = 'tickets_updated'")" = 1200
q "select ccrm_search_blocks_flush(20000)" >/dev/null
check "and filed once it let go" test "$(q "select count(*) from search_block_pending")" = 0
check "their words are filed" \
    test "$(q "select count(*) from search_block_trgm where list = 'tickets_updated' and trgm = 'yvk'")" -ge 1

# ---------------------------------------------------------------- ccrm_restoring()
check "nothing is restoring in a plain session" sql_is "select ccrm_restoring()" f
check "nor with an empty search_path" sql_is "set search_path = ''; select public.ccrm_restoring()" f
check "the owner's unmerge mark is restoring" \
    sql_is "create temp table ccrm_restoring_now (unmerge boolean); select ccrm_restoring()" t
check "an import revert's mark is not an unmerge" \
    sql_is "create temp table ccrm_restoring_now (import_revert boolean); select ccrm_restoring()" f
q "create role filing_probe login"
check "a mark another role made is not restoring" \
    test "$(psqlc "host=$PG_DIR dbname=ccrm user=filing_probe" \
        -c "create temp table ccrm_restoring_now (unmerge boolean)" -c "select public.ccrm_restoring()")" = f
check "nor with that role's own search_path" \
    test "$(psqlc "host=$PG_DIR dbname=ccrm user=filing_probe" -c "set search_path = pg_temp, public" \
        -c "create temp table ccrm_restoring_now (unmerge boolean)" -c "select public.ccrm_restoring()")" = f

done_testing
