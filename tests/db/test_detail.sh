#!/usr/bin/env bash
# Detail views stay bounded on huge records: one account with 2,000 people, 50,000 tickets,
# 100,000 interactions, 20,000 deals and 20,000 leads (all the same person by e-mail), a
# campaign with 20,000 members, thousands of comments, chat messages and audit rows. The real
# client opens the account, the person, the history, the lead and the campaign; auto_explain
# logs every statement it runs with the buffers it touched, and none may touch more than a few
# thousand (without the indexes of migration 008 the timelines sort every row of the record).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_detail.sh path/to/ccrm}

PG_EXTRA_OPTS="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0"
PG_EXTRA_OPTS+=" -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on"
PG_EXTRA_OPTS+=" -c auto_explain.log_timing=off -c log_line_prefix=%a:"
pg_start_demo "$CCRM" 30
DB="host=$PG_DIR dbname=ccrm"
MAX_BLOCKS=3000
MAX_ROWS=2000

# Bulk rows straight into the tables (no triggers: replica mode), then fresh statistics.
psqlc <<'EOF' || fail "bulk data"
SET session_replication_role = replica;
INSERT INTO accounts (name, created_by, updated_by) VALUES ('Giant Detail Corp', 'sam', 'sam');
CREATE TEMP TABLE g AS SELECT (SELECT id FROM accounts WHERE name = 'Giant Detail Corp') AS acc;
INSERT INTO contacts (account_id, first_name, last_name, email, created_by, updated_by)
SELECT g.acc, 'Aaron', 'Aaberg', 'aaron@giant-detail.example', 'sam', 'sam' FROM g;
INSERT INTO contacts (account_id, first_name, last_name, email, created_by, updated_by)
SELECT g.acc, 'P' || i, 'Person' || i, 'p' || i || '@giant-detail.example', 'sam', 'sam'
  FROM g, generate_series(1, 2000) i;
ALTER TABLE g ADD COLUMN con bigint;
UPDATE g SET con = (SELECT id FROM contacts WHERE email = 'aaron@giant-detail.example');
INSERT INTO tickets (account_id, contact_id, subject, status, created_by, updated_by,
                     created_at, updated_at)
SELECT g.acc, g.con, 'Giant ticket ' || i, CASE WHEN i % 100 = 0 THEN 'open' ELSE 'closed' END,
       'sofia', 'sofia', now() - i * interval '1 minute', now() - i * interval '1 minute'
  FROM g, generate_series(1, 50000) i;
INSERT INTO interactions (kind, subject, at, account_id, contact_id, created_by, updated_by)
SELECT 'email', 'Giant mail ' || i, now() - i * interval '1 minute', g.acc, g.con, 'sam', 'sam'
  FROM g, generate_series(1, 100000) i;
INSERT INTO opportunities (account_id, name, stage, created_by, updated_by, created_at)
SELECT g.acc, 'Giant deal ' || i, 'won', 'sam', 'sam', now() - i * interval '1 minute'
  FROM g, generate_series(1, 20000) i;
INSERT INTO leads (first_name, email, account_id, created_by, updated_by, created_at)
SELECT 'Lead' || i, 'AARON@giant-detail.example', g.acc, 'marco', 'marco',
       now() - i * interval '1 minute'
  FROM g, generate_series(1, 20000) i;
INSERT INTO campaigns (name, status, created_by, updated_by)
VALUES ('Giant Detail Campaign', 'active', 'marco', 'marco');
-- the members answered "tomorrow": the newest entries of the person's timeline
INSERT INTO campaign_members (campaign_id, lead_id, status, created_by, updated_by, updated_at)
SELECT (SELECT id FROM campaigns WHERE name = 'Giant Detail Campaign'), l.id, 'responded',
       'marco', 'marco', now() + interval '1 day' + l.id * interval '1 second'
  FROM leads l WHERE l.email = 'AARON@giant-detail.example';
INSERT INTO comments (entity, entity_id, body, author, created_by, updated_by)
SELECT 'accounts', g.acc, 'Giant comment ' || i, 'sam', 'sam', 'sam'
  FROM g, generate_series(1, 5000) i;
INSERT INTO chat_messages (entity, entity_id, account_id, body, created_by, updated_by)
SELECT 'accounts', g.acc, g.acc, 'Giant chat ' || i, 'sam', 'sam'
  FROM g, generate_series(1, 2000) i;
INSERT INTO audit (actor, entity, entity_id, op, new_row)
SELECT 'sam', 'contacts', g.con, 'insert', jsonb_build_object('first_name', 'Aaron')
  FROM g, generate_series(1, 5000) i;
RESET session_replication_role;
ANALYZE;
EOF
lead=$(psqlc -c "select max(id) from leads where email = 'AARON@giant-detail.example'")
camp=$(psqlc -c "select id from campaigns where name = 'Giant Detail Campaign'")

tui_start 120 40 "$CCRM" -d "$DB user=sam" --view accounts
wait_for "(sales)" || fail "sam's client"
log_from=$(stat -c %s "$PG_DIR/log")
keys /
wait_for "search:" 5 || fail "search line"
keys -l "Giant Detail Corp"
keys Enter
wait_for 'search "Giant' 5 || fail "search"
keys Enter
check "the giant account opens (counts stop at 1000)" wait_for "1000+ contacts · 500 open tickets" 10
keys ]
check "] to its comments: the latest ten" wait_for "Comments (latest 10)"
keys ]
check "] to its chat: the latest eight" wait_for "Chat (latest 8)"
keys ]
check "] to its timeline: bounded" wait_for "Timeline (60+, newest first)" 10
keys g j Enter
check "the person with 50,000 tickets opens" wait_for "Aaron Aaberg" 10
check "the person's timeline is bounded" wait_for "Timeline (60+, newest first)" 10
check "the person's leads, by e-mail, bounded" wait_for "(same e-mail)"
keys H
check "the person's history: the latest hundred changes" wait_for "History (100+ changes" 10
keys H
# Related 0, account 1, five leads 2-6, Interests 7, Comments 8, Chat 9, Timeline 10, the newest
# entry 11
keys j j Enter
check "a lead of the person opens" wait_for "lead #$lead" 10
keys q
wait_for "Aaron Aaberg" 10 || fail "back to the person"
keys g j j j j j j j j j j j Enter
check "the campaign with 20,000 members opens" wait_for "campaign #$camp" 10
check "its members are bounded: a page of 60 at a time" wait_for "Members (1-60 of 1000+, newest first)" 10
check "its results are counted on request, not on every change" \
    wait_for "Results · over 1000 members: counted on request" 10
log_to=$(stat -c %s "$PG_DIR/log") # the list shown again below would re-read itself
keys q q q q
tui_stop

# every statement the client ran on the detail views, with the buffers its plan touched and
# the most rows any step of it handled (rows returned or filtered away, times its loops)
head -c "$log_to" "$PG_DIR/log" | tail -c +"$((log_from + 1))" | awk '
    function done_plan() { if (inplan) print blocks "\t" rows "\t" q; inplan = 0 }
    /^[^ \t]/ && !/Query Text:/ { done_plan() }
    /plan:/ && /^ccrm:/ { inplan = 1; q = ""; blocks = -1; rows = 0; loops = 1; next }
    !inplan { next }
    /Query Text:/ { sub(/.*Query Text: /, ""); q = substr($0, 1, 60); next }
    /Buffers:/ && blocks < 0 {
        blocks = 0
        if (match($0, /hit=[0-9]+/)) blocks += substr($0, RSTART + 4, RLENGTH - 4)
        if (match($0, /read=[0-9]+/)) blocks += substr($0, RSTART + 5, RLENGTH - 5)
    }
    /actual rows=/ {
        match($0, /actual rows=[0-9]+/); r = substr($0, RSTART + 12, RLENGTH - 12)
        match($0, /loops=[0-9]+/); loops = substr($0, RSTART + 6, RLENGTH - 6)
        if (r * loops > rows) rows = r * loops
    }
    /Rows Removed by (Filter|Join Filter|Index Recheck):/ {
        r = $NF; if (r * loops > rows) rows = r * loops
    }
    END { done_plan() }' >"$TEST_TMP/plans"
n=$(wc -l <"$TEST_TMP/plans")
wb=$(cut -f1 "$TEST_TMP/plans" | sort -n | tail -n 1)
wr=$(cut -f2 "$TEST_TMP/plans" | sort -n | tail -n 1)
check "the client's statements were logged ($n)" test "$n" -ge 25
check "no statement touched more than $MAX_BLOCKS blocks (worst: $wb)" test "$wb" -le "$MAX_BLOCKS"
sort -t "$(printf "\t")" -k2,2n "$TEST_TMP/plans" | tail -n 3 >&2
check "no statement handled more than $MAX_ROWS rows in a step (worst: $wr)" test "$wr" -le "$MAX_ROWS"
if [ "$wb" -gt "$MAX_BLOCKS" ] || [ "$wr" -gt "$MAX_ROWS" ]; then
    sort -t "$(printf '\t')" -k2,2n "$TEST_TMP/plans" | tail -n 5
fi
done_testing
