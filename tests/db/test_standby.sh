#!/usr/bin/env bash
# A streaming standby (docs/deployment.md, "Replicas"): read-only commands read there (exports,
# reports), writes are refused in words and write nothing, and what
# lives on LISTEN (the full-screen client, the feed) is refused at once, saying that it
# needs the primary, instead of the server's "cannot execute LISTEN during recovery".
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_standby.sh path/to/ccrm}

pg_start_demo "$CCRM" 3
B=$TEST_TMP/pgb
pg_start_standby "$B"
psqb() { psqlc -h "$B" -d ccrm "$@"; }
check "B is a standby" test "$(psqb -c 'select pg_is_in_recovery()')" = t
standby_caught_up || fail "the standby did not catch up"
A=$PG_DIR
SB="host=$B dbname=ccrm user=sofia"
T=$TEST_TMP

"$CCRM" -d "$SB" --export accounts >"$T/b.csv" 2>"$T/b.err"
rc=$?
"$CCRM" -d "host=$A dbname=ccrm user=sofia" --export accounts >"$T/a.csv"
check "--export from the standby: exit 0 (exit $rc: $(head -c 200 "$T/b.err"))" test $rc = 0
check "... the same rows as from the primary" cmp -s "$T/a.csv" "$T/b.csv"
"$CCRM" -d "$SB" --export tickets --format jsonl >"$T/t.jsonl" 2>"$T/t.err"
check "--export tickets --format jsonl from the standby (exit $?)" test -s "$T/t.jsonl"
"$CCRM" -d "host=$B dbname=ccrm user=mia" --report pipeline >"$T/r" 2>"$T/r.err"
check "--report from the standby: exit 0 ($(head -c 200 "$T/r.err"))" test $? = 0 -a -s "$T/r"
"$CCRM" -d "$SB" --feed --limit 5 >"$T/f" 2>"$T/f.err"
rc=$?
check "--feed (a position in the primary's transactions) on the standby: exit 69, says it needs the primary (exit $rc: $(head -c 300 "$T/f.err"))" \
    bash -c "test $rc = 69 && test ! -s '$T/f' && grep -q 'standby' '$T/f.err' && grep -q 'target_session_attrs=read-write' '$T/f.err'"

# a write: refused in words, nothing written
n0=$(psqlc -c "select count(*) from tickets")
"$CCRM" -d "$SB" --log ticket --contact "$(psqlc -c "select email from contacts where email is not null order by id limit 1")" \
    --subject "on the standby" >"$T/l" 2>"$T/l.err"
rc=$?
check "--log on the standby: refused, saying the server is read-only (exit $rc: $(head -c 200 "$T/l.err"))" \
    bash -c "test $rc != 0 && grep -q 'read-only' '$T/l.err'"
check "... nothing written" test "$(psqlc -c "select count(*) from tickets")" = "$n0"

# what needs LISTEN: at once, in words, naming the way out
timeout 20 "$CCRM" -d "$SB" --feed --follow >"$T/ff" 2>"$T/ff.err"
rc=$?
check "--feed --follow on the standby: exit 69, says it needs the primary (exit $rc: $(head -c 300 "$T/ff.err"))" \
    bash -c "test $rc = 69 && grep -q 'standby' '$T/ff.err' && grep -q 'target_session_attrs=read-write' '$T/ff.err' && ! grep -q 'LISTEN' '$T/ff.err'"
tui_start 140 30 "$CCRM" -d "$SB"
for i in $(seq 400); do pane_dead && break; nap 0.05; done
check "the full-screen client on the standby: exit 69 (exit $(cat "$T/tui.exit" 2>/dev/null))" \
    test "$(cat "$T/tui.exit" 2>/dev/null)" = 69
# (wrapped lines joined, and the history too: the pane may have scrolled)
tmx capture-pane -p -J -S -200 -t =t: >"$T/scr"
check "... saying it needs the primary, not the server's words: $(head -c 120 "$T/scr")" \
    bash -c "grep -q 'standby server' '$T/scr' && ! grep -q LISTEN '$T/scr'"
# a standby behind the primary's migration: said as that, not "run ccrm --migrate" (which a
# standby cannot run)
top=$(psqlc -c "select max(version) from schema_migrations")
psqlc -c "create table kept_version as select * from schema_migrations where version = $top" >/dev/null
psqlc -c "delete from schema_migrations where version = $top" >/dev/null
standby_caught_up || fail "the standby did not replay"
psqb -c "select pg_wal_replay_pause()" >/dev/null
psqlc -c "insert into schema_migrations select * from kept_version; drop table kept_version" >/dev/null
"$CCRM" -d "$SB" --export accounts >/dev/null 2>"$T/lag.err"
rc=$?
check "a standby behind the migration: says it has not replayed it yet (exit $rc: $(cat "$T/lag.err"))" \
    bash -c "test $rc != 0 && grep -q 'not replayed the primary' '$T/lag.err' && ! grep -q 'run ccrm --migrate' '$T/lag.err'"
psqb -c "select pg_wal_replay_resume()" >/dev/null
standby_caught_up || fail "the standby did not catch up"
"$CCRM" -d "$SB" --export accounts >/dev/null 2>"$T/lag.err"
check "... and once it has, the export works ($(cat "$T/lag.err"))" test $? = 0

# and with both hosts named, the primary is found
"$CCRM" -d "host=$B,$A dbname=ccrm user=sofia target_session_attrs=read-write application_name=fa" --feed --follow --limit 0 \
    >"$T/fa" 2>"$T/fa.err" &
fa=$!
on_exit "kill $fa"
wait_feed_read fa || fail "the feed on both hosts did not start ($(cat "$T/fa.err"))"
psqlc -c "insert into accounts (name) values ('Standby probe')" >/dev/null
for i in $(seq 200); do grep -q 'Standby probe' "$T/fa" && break; sleep 0.05; done
check "--feed --follow with the standby first and target_session_attrs: follows the primary" grep -q 'Standby probe' "$T/fa"

done_testing
