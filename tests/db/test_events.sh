#!/usr/bin/env bash
# The event stream's guarantee (docs/design.md §4), checked through `ccrm --feed --follow`: every
# event once, in commit order, when transactions commit out of id order, when the feed's
# connection is killed mid-stream, and across a server restart. Also --feed's formats and
# --log from scripts.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_events.sh path/to/ccrm}

pg_start_demo "$CCRM" 30

# ---- --feed without --follow: the latest events, oldest first, then exit ----
out=$("$CCRM" -d "$PG_CONN" --feed --limit 5)
check "--feed --limit 5 prints 5 lines" test "$(wc -l <<<"$out")" = 5
last=$(psqlc -c "select max(id) from events")
check "--feed --format jsonl: one JSON object a line, newest last" \
    bash -c "$(printf '%q ' "$CCRM") -d '$PG_CONN' --feed --limit 3 --format jsonl | tail -n 1 | grep -q '\"id\" : $last,'"
"$CCRM" -d "$PG_CONN" --feed --format xml >/dev/null 2>&1
check "--feed --format xml: usage error" test $? = 64

# ---- --log from scripts ----
email=$(psqlc -c "select email from contacts where email is not null order by id limit 1")
out=$("$CCRM" -d "$PG_CONN" --log ticket --contact "${email^^}" --subject "Printer on fire" --body "Smoke.")
check "--log ticket finds the contact case-insensitively" grep -q '^ccrm: logged ticket #[0-9]* for' <<<"$out"
check "the ticket hangs off the contact's account" \
    test "$(psqlc -c "select count(*) from tickets t join contacts c on c.id = t.contact_id where t.subject = 'Printer on fire' and t.account_id = c.account_id and lower(c.email) = lower('$email')")" = 1
"$CCRM" -d "$PG_CONN" --log interaction --contact "$email" --kind call --subject "Called back" >/dev/null
check "--log interaction --kind call" test "$(psqlc -c "select count(*) from interactions where subject = 'Called back' and kind = 'call'")" = 1
"$CCRM" -d "$PG_CONN" --log interaction --contact nobody@nowhere.example --subject x 2>"$TEST_TMP/err"
check "--log interaction for an unknown e-mail: exit 65 and says so (a ticket makes the contact: test_import_crm)" bash -c "test $? = 65 && grep -q 'no contact with e-mail' $TEST_TMP/err"
"$CCRM" -d "$PG_CONN" --log interaction --contact "$email" --kind telepathy --subject x 2>"$TEST_TMP/err"
check "--log with a kind the database refuses: exit 65" test $? = 65

# ---- --follow: out-of-order commits ----
"$CCRM" -d "$PG_CONN application_name=feed-under-test" --feed --follow --limit 0 --format jsonl \
    >"$TEST_TMP/feed" 2>"$TEST_TMP/feed.err" &
feed=$!
on_exit "kill $feed"
wait_line() { # PATTERN [SECONDS]
    local i
    for ((i = 0; i < ${2:-60} * 20; i++)); do grep -q -- "$1" "$TEST_TMP/feed" && return 0; sleep 0.05; done
    return 1
}
# (its position taken: what is written below comes after it, not before)
wait_feed_read feed-under-test || fail "the feed did not start"

# transaction A takes the lower id and commits last
mkfifo "$TEST_TMP/a.in"
psql -X -q -v ON_ERROR_STOP=1 "$PG_CONN" <"$TEST_TMP/a.in" >"$TEST_TMP/a.out" 2>&1 &
exec 7>"$TEST_TMP/a.in"
echo "begin; insert into accounts (name) values ('Early Id Late Commit'); select 'a-inserted';" >&7
for ((i = 0; i < 1200; i++)); do grep -q a-inserted "$TEST_TMP/a.out" && break; sleep 0.05; done
grep -q a-inserted "$TEST_TMP/a.out" || fail "transaction A did not insert: $(cat "$TEST_TMP/a.out")"
psqlc -c "insert into accounts (name) values ('Later Id Early Commit')"
check "the early commit (higher id) is delivered" wait_line "Later Id Early Commit"
echo "commit;" >&7
exec 7>&-
check "the late commit (lower id) is delivered too" wait_line "Early Id Late Commit"
id_early=$(psqlc -c "select id from events where summary = 'Early Id Late Commit'")
id_later=$(psqlc -c "select id from events where summary = 'Later Id Early Commit'")
check "the late commit really had the lower id ($id_early < $id_later)" test "$id_early" -lt "$id_later"
order=$(grep -n -e 'Early Id Late Commit' -e 'Later Id Early Commit' "$TEST_TMP/feed" | cut -d: -f1 | tr '\n' ' ')
first_line=$(grep -n 'Later Id Early Commit' "$TEST_TMP/feed" | cut -d: -f1)
second_line=$(grep -n 'Early Id Late Commit' "$TEST_TMP/feed" | cut -d: -f1)
check "delivered in commit order, not id order (lines $order)" test "$first_line" -lt "$second_line"

# ---- a stream of writes while the feed's connection is killed and the server restarts ----
writer() { # N PREFIX: N single-row transactions, ten per 10 ms
    local i
    for ((i = 1; i <= $1; i++)); do
        echo "insert into accounts (name) values ('$2 $i');"
        ((i % 10 == 0)) && echo "select pg_sleep(0.01);"
    done | psql -X -q "$PG_CONN" >/dev/null 2>&1
}
# written PREFIX: until the writer has committed some of its rows (it is in the middle of
# them: 300 take more than its 30 pauses of 10 ms)
written() {
    local i
    for ((i = 0; i < 1200; i++)); do
        [ "$(psqlc -c "select count(*) > 0 from accounts where name like '$1 %'")" = t ] && return 0
        sleep 0.05
    done
    return 1
}
writer 300 "Stream A" &
w1=$!
written "Stream A" || fail "the writer did not write"
psqlc -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'feed-under-test'" >/dev/null
wait $w1
check "after a killed connection, the feed catches up" wait_line "Stream A 300"
said_reconnected() {
    local i
    for ((i = 0; i < 1200; i++)); do grep -q reconnected "$TEST_TMP/feed.err" && return 0; sleep 0.05; done
    cat "$TEST_TMP/feed.err"
    return 1
}
check "it said it reconnected" said_reconnected

writer 200 "Stream B" &
w2=$!
written "Stream B" || fail "the writer did not write"
pg_restart
wait $w2
writer 50 "Stream C"
check "after a server restart, the feed goes on" wait_line "Stream C 50"

sleep 0.5
# every event of these accounts, exactly once: compare the ids
psqlc -c "select id from events where summary ~ '^Stream [ABC] [0-9]+$' order by id" >"$TEST_TMP/want"
sed -n 's/^{"id" : \([0-9]*\), .*"summary" : "Stream [ABC] [0-9]*".*/\1/p' "$TEST_TMP/feed" >"$TEST_TMP/got"
sort -n "$TEST_TMP/got" >"$TEST_TMP/got.sorted"
check "no event lost ($(wc -l <"$TEST_TMP/want") written, $(sort -u "$TEST_TMP/got" | wc -l) delivered)" \
    bash -c "comm -23 $TEST_TMP/want <(sort -nu $TEST_TMP/got) | wc -l | grep -qx 0"
check "no event delivered twice" test "$(sort -n "$TEST_TMP/got" | uniq -d | wc -l)" = 0
check "the writes that committed (some were cut by the restart) are all there" \
    test "$(wc -l <"$TEST_TMP/want")" -ge 250
kill $feed 2>/dev/null
wait $feed 2>/dev/null

done_testing
