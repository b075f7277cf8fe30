#!/usr/bin/env bash
# What made `ccrm --import-mail` slow after its commit and per row (issue 16): the filing of
# the search blocks takes the queued rows off search_block_pending by their keys, not in a
# nested loop of the whole queue against the rows taken (right after a bulk load the queue's
# statistics still say it is nearly empty: 4,850 rows cost 40 million comparisons), and still
# files every queued row; ccrm_restoring(), which row triggers ask for every row with a past
# created_at, answers without its SET clause and stays what it was: true only under the
# owner's unmerge mark, whatever the caller's search_path. A live mail delivery leaves the
# filing to the next person's write and the tick, unless the queue is long (migration 081).
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

# ---------------------------------------------------------------- a live delivery files later
# (migration 081) the MTA does not wait for the filing: a delivery whose queue entry lands on a
# multiple of 256 leaves the queue as it is (a person's write there files it), the tick files
# it, and a delivery on a multiple of 8,192 files it all the same (the queue stays bounded)
q "insert into mail_queues (name, address, creates) values ('support', 'support@example.com', 'ticket')" >/dev/null
deliver() { # deliver N WORD: a new mail with WORD in its subject, through ccrm --mail-in
    printf 'From: Filing Probe %s <probe%s@customer.example>\nTo: support@example.com\nSubject: %s probe\nMessage-ID: <filing.%s@customer.example>\n\nHello\n' \
        "$1" "$1" "$2" "$1" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
}
pending() { q "select count(*) from search_block_pending"; }
next_at() { q "select setval('search_block_pending_seq_seq', (last_value / $1 + 1) * $1 - 1) from search_block_pending_seq_seq" >/dev/null; }
q "select ccrm_search_blocks_flush(20000)" >/dev/null
next_at 256
s0=$(q "select last_value from search_block_pending_seq_seq")
deliver 1 zebrafiling || fail "delivering mail 1"
queued=$(($(q "select last_value from search_block_pending_seq_seq") - s0))
check "a delivery on a 256th queue entry files nothing: all $queued rows it queued stay queued ($(pending))" \
    test "$queued" -ge 3 -a "$(pending)" = "$queued"
check "... and its ticket is found all the same (its queued row's block is named)" \
    test "$(q "select count(*) from ccrm_search_blocks('tickets_updated', 'zebrafiling', '%zebrafiling%', true, null, null, null)")" -ge 1
next_at 256
q "insert into contacts (first_name, last_name) values ('Filing', 'Person')" >/dev/null
check "a person's write on a 256th entry files the queue, the mail's rows too (the ticket's)" \
    test "$(q "select count(*) from search_block_pending where list = 'tickets_updated'")" = 0
q "select ccrm_search_blocks_flush(20000)" >/dev/null
deliver 2 yakfiling || fail "delivering mail 2"
check "a delivery queues its rows ($(pending))" test "$(pending)" -ge 3
q "select ccrm_tick()" >/dev/null
check "the scheduler's tick files them" test "$(pending)" = 0
deliver 3 gnufiling || fail "delivering mail 3"
t3() { q "select count(*) from search_block_pending p join messages m on m.ticket_id = p.id
          where p.list = 'tickets_updated' and m.message_id = 'filing.3@customer.example'"; }
check "mail 3's ticket is queued" test "$(t3)" = 1
next_at 8192
deliver 4 emufiling || fail "delivering mail 4"
check "a delivery on an 8,192nd entry files the queue (bounded without a tick): mail 3's ticket" \
    test "$(t3)" = 0
q "select ccrm_search_blocks_flush(20000)" >/dev/null
check "the delivered tickets' words are in their blocks" \
    test "$(q "select count(distinct trgm) from search_block_trgm where list = 'tickets_updated' and trgm in ('zeb', 'yak', 'gnu', 'emu')")" = 4

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
