#!/usr/bin/env bash
# Tasks and the agenda (schema/019, schema/functions/90_service.sql, src/cli/service.c): whose a
# task is, the lists mine / my team's / overdue / today / this week in one's time zone,
# `ccrm --agenda`, `ccrm --ics` checked with libical's parser (tests/unit/test_ics.c in file
# mode) with stable UIDs, and reminders written exactly once per task and due time however many
# schedulers run, for internal people only.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_agenda.sh path/to/ccrm}
ICS_CHECK=$(dirname "$CCRM")/test_ics

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
err() { as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR; }
# the demo's tasks and settings would count too: start from none
q "delete from inbox_settings; update users set manager = null;
   delete from interactions where kind in ('task', 'meeting') and due_at is not null"
as sofia -c "insert into inbox_settings (time_zone) values ('Europe/Berlin')"
as ana -c "update users set manager = 'mia' where login in ('sofia', 'zoe')"
# local day boundaries of sofia (Europe/Berlin), as SQL expressions. Counted on Berlin's wall
# clock, not the server's UTC: "today + 1 day 10 hours" added to a timestamptz in a UTC session
# is 11:00 (or 09:00) in Berlin on the weekends the clocks change (2027-03-27/28, 10-30/31).
berlin() { # berlin INTERVAL: that long after today's 00:00 in Berlin, in Berlin's wall time
    echo "((date_trunc('day', now() at time zone 'Europe/Berlin') + interval '$1') at time zone 'Europe/Berlin')"
}
D0=$(berlin '0 days')
TODAY_LATER="(now() + ($(berlin '1 day') - now()) / 2)"
task() { # task AS OWNER KIND SUBJECT DUE [DONE]
    local owner=$2
    [ "$owner" = - ] && owner=NULL || owner="'$owner'"
    as "$1" -c "insert into interactions (kind, subject, due_at, done_at, owner) values ('$3', '$4', $5, ${6:-NULL}, $owner) returning id" | head -1
}
OVER=$(task sofia - task 'Overdue call' "$D0 - interval '2 days' + interval '9 hours'")
LATER=$(task sofia - task 'Later today' "$TODAY_LATER")
MEET=$(task sofia - meeting 'Demo with Acme' "$(berlin '1 day 10 hours')")
IN3=$(task sam sofia task 'Given by sam' "$D0 + interval '3 days 15 hours'")
IN10=$(task sofia - task 'Far away' "$D0 + interval '10 days 9 hours'")
DONE=$(task sofia - task 'Done already' "$D0 + interval '2 hours'" "now()")
ZOE=$(task sofia zoe task 'For zoe' "$D0 + interval '1 day 11 hours'")
SAM=$(task sam - task 'Sam alone' "$D0 + interval '1 day 11 hours'")

ids() { as sofia -c "select string_agg(id::text, ',' order by due_at, id) from ccrm_tasks('$1', '$2')"; }
check "mine, open: my own and the one given to me, not the done one nor the one I gave away" \
    test "$(ids mine open)" = "$OVER,$LATER,$MEET,$IN3,$IN10"
check "mine, overdue" test "$(ids mine overdue)" = "$OVER"
check "mine, today (my time zone)" test "$(ids mine today)" = "$LATER"
check "mine, this week (today and six days)" test "$(ids mine week)" = "$LATER,$MEET,$IN3"
check "mine, all: done ones too" \
    test "$(as sofia -c "select string_agg(id::text, ',' order by id) from ccrm_tasks('mine', 'all')")" = "$OVER,$LATER,$MEET,$IN3,$IN10,$DONE"
check "my team's (zoe shares my lead mia): zoe's task is in" grep -q "\b$ZOE\b" <<<"$(ids team open)"
check "... sam's is not" test -z "$(grep -o "\b$SAM\b" <<<"$(ids team open)")"
out=$(err sofia "select * from ccrm_tasks('theirs', 'open')")
check "an unknown list is refused" grep -q 'unknown task list' <<<"$out"
check "the tasks view names the person and the state" \
    test "$(as sofia -c "select person || ':' || state from tasks where id in ($OVER, $ZOE, $DONE) order by id")" = "$(printf 'sofia:overdue\nsofia:done\nzoe:open')"

# ---- ccrm --agenda ----
out=$("$CCRM" -d "$DB user=sofia" --agenda)
echo "$out" | sed 's/^/# /'
check "the agenda starts with the overdue day" \
    test "$(head -2 <<<"$out" | tail -1 | sed 's/ *\[.*//')" = "  $(q "select to_char(due_at at time zone 'Europe/Berlin', 'HH24:MI') from interactions where id = $OVER")  task     Overdue call"
check "... marks it overdue" grep -q "Overdue call  \[#$OVER\]  overdue$" <<<"$out"
check "... then today, marked so" grep -q "^$(q "select to_char(now() at time zone 'Europe/Berlin', 'Dy YYYY-MM-DD')") (today)$" <<<"$out"
check "... the meeting tomorrow at 10:00 (Berlin)" grep -q "^  10:00  meeting  Demo with Acme  \[#$MEET\]$" <<<"$out"
check "... the task given to me" grep -q "Given by sam  \[#$IN3\]" <<<"$out"
check "... nothing beyond 7 days, done or not mine" test -z "$(grep -e 'Far away' -e 'Done already' -e 'For zoe' -e 'Sam alone' <<<"$out")"
out=$("$CCRM" -d "$DB user=sofia" --agenda --days 1)
check "--days 1: the overdue and today only" test "$(grep -c '\[#' <<<"$out")" = 2
check "someone with nothing due is told so" test "$("$CCRM" -d "$DB user=renee" --agenda)" = "nothing due in the next 7 days"
"$CCRM" -d "$DB user=sofia" --agenda --days 0 2>/dev/null
check "--days 0: exit 64" test $? = 64
L=$(as sam -c "insert into leads (last_name, company) values ('Meier', 'Meier AG') returning id" | head -1)
as sofia -c "update interactions set lead_id = $L where id = $LATER"
check "a task shows what it hangs off" grep -q "Later today - lead #$L Meier Meier AG" <<<"$("$CCRM" -d "$DB user=sofia" --agenda)"

# ---- ccrm --ics ----
check "the calendar checker is built" test -x "$ICS_CHECK"
"$CCRM" -d "$DB user=sofia" --ics --output "$TEST_TMP/sofia.ics" 2>"$TEST_TMP/ics.err"
check "--ics writes the file ($(cat "$TEST_TMP/ics.err"))" test -s "$TEST_TMP/sofia.ics"
check "libical reads it back: 1 meeting, 5 tasks (the done one of today included)" \
    test "$("$ICS_CHECK" "$TEST_TMP/sofia.ics")" = "events 1 todos 5"
check "a meeting is a VEVENT with its start, a task a VTODO with its due time" \
    test "$(grep -c '^BEGIN:VEVENT' "$TEST_TMP/sofia.ics"),$(grep -c '^DUE:' "$TEST_TMP/sofia.ics"),$(grep -c '^DTSTART:' "$TEST_TMP/sofia.ics")" = "1,5,1"
check "the done task is COMPLETED" test "$(grep -c '^STATUS:COMPLETED' "$TEST_TMP/sofia.ics")" = 1
check "lines end in CRLF" test "$(grep -c $'\r$' "$TEST_TMP/sofia.ics")" = "$(wc -l <"$TEST_TMP/sofia.ics")"
inst=$(q "select ccrm_instance()")
check "UIDs name the interaction and this database" grep -q "^UID:ccrm-interaction-$MEET@$inst"$'\r'"$" "$TEST_TMP/sofia.ics"
"$CCRM" -d "$DB user=sofia" --ics >"$TEST_TMP/again.ics" 2>/dev/null
check "a second export of unchanged data is the same file (stable for subscribers)" cmp -s "$TEST_TMP/sofia.ics" "$TEST_TMP/again.ics"
as sofia -c "update interactions set subject = 'Demo with Acme (moved)', due_at = due_at + interval '1 hour' where id = $MEET"
"$CCRM" -d "$DB user=sofia" --ics --output "$TEST_TMP/sofia.ics" 2>/dev/null
check "a changed meeting keeps its UID, with a higher SEQUENCE" \
    test "$(grep -A5 "^UID:ccrm-interaction-$MEET@" "$TEST_TMP/sofia.ics" | grep -c '^SEQUENCE:1')$(grep -c 'SUMMARY:Demo with Acme (moved)' "$TEST_TMP/sofia.ics")" = 11
"$CCRM" -d "$DB user=sofia" --ics --output /nonexistent/dir/x.ics 2>"$TEST_TMP/e"
check "an unwritable file: exit 73 and a clear message" test "$?" = 73
check "... naming the file" grep -q 'could not write "/nonexistent/dir/x.ics"' "$TEST_TMP/e"
chmod 644 "$TEST_TMP/sofia.ics"
"$CCRM" -d "$DB user=sofia" --ics --output "$TEST_TMP/sofia.ics" 2>/dev/null
check "a calendar file made readable for a server stays so" test "$(stat -c %a "$TEST_TMP/sofia.ics")" = 644
mkdir "$TEST_TMP/www"
ln -s www/cal.ics "$TEST_TMP/link.ics"
"$CCRM" -d "$DB user=sofia" --ics --output "$TEST_TMP/link.ics" 2>/dev/null
"$CCRM" -d "$DB user=sofia" --ics --output "$TEST_TMP/link.ics" 2>/dev/null
check "a link stays a link: the file it names is written (twice)" \
    test "$(readlink "$TEST_TMP/link.ics"),$(stat -c %a "$TEST_TMP/www/cal.ics")" = "www/cal.ics,600"
"$CCRM" -d "$DB user=sofia" --ics --output '' 2>/dev/null
check "--output '': a usage error (64)" test $? = 64

# ---- what anybody typed reaches neither a terminal nor a calendar as control characters ----
CTL=$(as sofia -c "insert into interactions (kind, subject, due_at) values ('task', E'Ctl \\x1b[31mred\\x07 bell\\r\\nnext\\rline', now() + interval '2 hours') returning id" | head -1)
out=$("$CCRM" -d "$DB user=sofia" --agenda --days 2)
check "--agenda: no escape, bell or CR of a subject reaches the terminal" \
    test "$(grep -c $'[\x1b\x07\r]' <<<"$out")" = 0
check "... and the subject stays on its line" grep -qE "Ctl \?\[31mred\? bell.{1,2}next\?line  \[#$CTL\]" <<<"$out"
"$CCRM" -d "$DB user=sofia" --ics --output "$TEST_TMP/ctl.ics" 2>/dev/null
check "--ics: a TEXT value holds no control character (RFC 5545), its line breaks become spaces" \
    grep -q "^SUMMARY:Ctl \[31mred bell next line"$'\r'"$" "$TEST_TMP/ctl.ics"
check "... and libical reads the file" "$ICS_CHECK" "$TEST_TMP/ctl.ics"
out=$("$CCRM" -d "$DB user=paul" --agenda 2>&1)
check "a partner's agenda: his own tasks, no error ($out)" test "$?,$out" = "0,nothing due in the next 7 days"
as sofia -c "delete from interactions where id = $CTL" >/dev/null 2>&1 || q "delete from interactions where id = $CTL"

# ---- reminders: once per task and due time, however many schedulers ----
R1=$(task sofia - task 'Due right now' "now() - interval '10 seconds'")
R2=$(task kenji - meeting 'Standup' "now() - interval '20 seconds'")
SH=$(q "insert into accounts (name) values ('Agenda Shared') returning id" | head -1)
"$CCRM" -d "$PG_CONN" --share "$SH" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
as paul -c "insert into interactions (kind, subject, due_at, account_id) values ('task', 'Partner task', now() - interval '10 seconds', $SH)"
task sofia - task 'Not yet' "now() + interval '1 hour'" >/dev/null
task sofia - task 'Done in time' "now() - interval '5 seconds'" "now()" >/dev/null
ev=$(q "select coalesce(max(id), 0) from events")
for s in sofia zoe ana; do as $s -c "select done from ccrm_tick() where work = 'reminders'" >"$TEST_TMP/rem.$s" & done
wait
check "three schedulers at once: the due tasks and meetings reminded once in all" \
    test "$(cat "$TEST_TMP"/rem.* | awk '{s += $1} END {print s}'),$(q "select string_agg(login || ':' || interaction_id, ',' order by interaction_id) from reminders where interaction_id in ($R1, $R2)")" = "2,sofia:$R1,kenji:$R2"
check "not for tasks not yet due, done, long overdue (the overdue call), or a partner's" \
    test "$(q "select count(*) from reminders")" = 2
check "each reminder is an event the person's clients see ('reminder for <login>')" \
    test "$(q "select string_agg(summary, ',' order by summary) from events where id > $ev and entity = 'reminders'")" = "reminder for kenji,reminder for sofia"
check "another run: no repeat" test "$(as sam -c "select done from ccrm_tick() where work = 'reminders'")" = 0
as sofia -c "update interactions set due_at = now() - interval '1 second' where id = $R1"
check "moved to a new due time: reminded again, once" \
    test "$(as sam -c "select done from ccrm_tick() where work = 'reminders'"),$(as sam -c "select done from ccrm_tick() where work = 'reminders'")" = "1,0"
check "the person dismisses their reminder" test "$(as sofia -c "update reminders set seen_at = now() where login = 'sofia' returning id" | wc -l)" = 2
check "nobody else can" test "$(as zoe -c "update reminders set seen_at = now() where login = 'kenji' returning id" | wc -l)" = 0
out=$(err paul "select count(*) from reminders")
check "partners read no reminders" grep -q 'permission denied for table reminders' <<<"$out"

done_testing
