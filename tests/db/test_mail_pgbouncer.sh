#!/usr/bin/env bash
# Live delivery through warm backends (docs/mail.md, "Warm backends"): a real PgBouncer in
# session mode, set up as the docs say, between `ccrm --mail-in` and the database. The pipe's
# system user (here postgres) is let in by peer authentication and gets the mail login; every
# other user is refused. Checked: deliveries through the pool are stored and answered as
# directly, by one backend that stays (the reset query clears what a delivery leaves there: its
# prepared statements, settings and LISTEN);
# a retried and a racing duplicate are stored once; the database stopped behind the pooler
# makes --mail-in exit 75 within the pooler's wait, and the same mail goes in once after; a
# --send-mail killed through the pool leaves no lock on its pooled backend (the reset query),
# and the next sender sends its mail.
# Skipped (77) without pgbouncer (scripts/deps installs it). The pooler: tests/lib/pgbouncer.sh.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/pgbouncer.sh"
CCRM=${1:?usage: test_mail_pgbouncer.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/mail" && pwd)
T=$TEST_TMP
pgb_require
[ "$(id -u)" = 0 ] || { echo "ok 1 - # SKIP needs root (the pipe runs as another system user)"; exit 77; }
CCRM=$(readlink -f "$CCRM")

pg_start_demo "$CCRM" 5
psqlc -c "delete from messages; delete from mail_queues" || fail "clearing the demo's mail"
q "insert into mail_queues (name, address, from_name, creates, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'sofia')"
q "create role mailer login in role ccrm_mail"

# the configuration of docs/mail.md, with the test's paths and names
pgb_start "ccrm_mail = host=$PG_DIR dbname=ccrm user=mailer" \
    "local ccrm_mail postgres peer" \
    "server_reset_query = DEALLOCATE ALL; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all()
server_idle_timeout = 0
server_lifetime = 86400
query_wait_timeout = 5
server_login_retry = 1"
POOL="host=$PGB_DIR port=$PGB_PORT dbname=ccrm_mail user=postgres"
printf '[database]\nconninfo = %s\n' "$POOL" >"$T/mail.ini"
chmod 644 "$T/mail.ini"
# deliver FILE [ccrm options]: as the pipe's system user, through the pool; the exit code
deliver() {
    local f=$1
    shift
    as_pg "$CCRM" -c "$T/mail.ini" --mail-in --queue support "$@" <"$f" 2>>"$T/err"
}
# mail N: a new mail of its own sender
mail() {
    printf 'From: Kunde %s <kunde%s@example.net>\nTo: support@example.com\nSubject: Frage %s zum Drucker\nMessage-ID: <pool.%s@example.net>\nDate: Fri, 04 Dec 2026 09:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nDer Drucker %s druckt nicht.\n' "$1" "$1" "$1" "$1" "$1" >"$T/m$1.eml"
    echo "$T/m$1.eml"
}
stored() { q "select count(*) from messages where message_id = '$1'"; }

# ---------------------------------------------------------------- through the pool
rcs=
for i in 1 2 3 4 5 6 7 8; do
    deliver "$(mail $i)"
    rcs="$rcs$?"
    [ $i = 1 ] && first_done=$(q "select clock_timestamp()")
done
[ "$rcs" = 00000000 ] || { cat "$T/err" "$PGB_DIR/log"; fail "eight new mails through the pool: exit 0 each (got $rcs)"; }
ok "eight new mails through the pool: exit 0 each"
check "...each stored on a ticket of its own, assigned as the queue says" \
    test "$(q "select count(distinct m.ticket_id) || ' ' || bool_and(t.assignee = 'sofia') from messages m join tickets t on t.id = m.ticket_id where m.message_id like 'pool.%'")" = "8 true"
check "...by one backend of the mail login, which served the first and stays" \
    test "$(q "select count(*) || ' ' || bool_and(backend_start < '$first_done') from pg_stat_activity where usename = 'mailer'")" = "1 true"

# the answer to the first: threaded through the pool as directly
printf 'From: Kunde 1 <KUNDE1@example.net>\nTo: support@example.com\nSubject: Re: Frage 1 zum Drucker\nMessage-ID: <pool.answer@example.net>\nIn-Reply-To: <pool.1@example.net>\nDate: Fri, 04 Dec 2026 10:00:00 +0000\n\nEr geht wieder.\n' >"$T/answer.eml"
check "an answer through the pool: exit 0" deliver "$T/answer.eml"
check "...on the first mail's ticket" \
    test "$(q "select count(distinct ticket_id) from messages where message_id in ('pool.1@example.net', 'pool.answer@example.net')")" = 1

# ---------------------------------------------------------------- duplicates
check "a retried delivery (the same mail again): exit 0" deliver "$T/m3.eml"
check "...stored once" test "$(stored pool.3@example.net)" = 1
f=$(mail 9)
deliver "$f" &
p1=$!
deliver "$f" &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
check "two deliveries of one mail at once, through the pool: both exit 0 ($r1, $r2)" test "$r1$r2" = 00
check "...stored once" test "$(stored pool.9@example.net)" = 1

# ---------------------------------------------------------------- who may use the pool
"$CCRM" -d "host=$PGB_DIR port=$PGB_PORT dbname=ccrm_mail user=postgres" --mail-in --queue support <"$(mail 10)" 2>"$T/root.err"
rc=$?
check "another system user (root) asking for the pipe's name is refused by the pooler: exit 75 ($rc)" test $rc = 75
check "...saying why" grep -q "login rejected" "$T/root.err"
check "...and nothing is stored" test "$(stored pool.10@example.net)" = 0

# ---------------------------------------------------------------- a sender killed, through the pool
# The outbox's claim holds a session lock per mail while sendmail runs; a sender that dies
# leaves the mail 'sending', and the next one sends it again when it gets the lock. Behind the
# pooler the session is the pooled backend's, which stays: the reset query must release the
# lock (DISCARD ALL did; the tuned one of the docs did not, and the mail stayed 'sending' until
# a sender happened to land on that backend again, with server_lifetime up to a day).
. "$(dirname "$0")/../lib/mail.sh"
fake_sendmail
printf '[database]\nconninfo = %s\n[mail]\nsendmail = %s -t -oi\n' "$POOL" "$T/sendmail" >"$T/mail.ini"
TK=$(q "select ticket_id from messages where message_id = 'pool.1@example.net'")
printf 'Danke, wir kümmern uns.\n' >"$T/answer.txt"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TK" --body-file "$T/answer.txt" --no-send >/dev/null ||
    fail "an answer queued"
M=$(q "select max(id) from messages where direction = 'out'")
MID=$(q "select message_id from messages where id = $M")
touch "$T/hang-after"
as_pg bash -c "echo \$\$ >'$T/sender.pid'; exec '$CCRM' -c '$T/mail.ini' --send-mail" >/dev/null 2>&1 &
for i in $(seq 100); do grep -qF "$MID" "$T/sent.log" 2>/dev/null && break; sleep 0.1; done
check "through the pool: sendmail took the mail" grep -qF "$MID" "$T/sent.log"
kill -9 "$(cat "$T/sender.pid")"
wait
rm -f "$T/hang-after"
[ -s "$T/hung.pid" ] && kill -9 "$(cat "$T/hung.pid")" 2>/dev/null
check "...its sender killed before it recorded it: the mail is 'sending'" \
    test "$(q "select status from messages where id = $M")" = sending
for i in $(seq 100); do
    [ "$(q "select count(*) from pg_locks where locktype = 'advisory'")" = 0 ] && break
    sleep 0.05
done
check "...and its lock went with the client, though the pooled backend stays ($(q "select count(*) from pg_locks where locktype = 'advisory'") held)" \
    test "$(q "select count(*) from pg_locks where locktype = 'advisory'")" = 0
as_pg "$CCRM" -c "$T/mail.ini" --send-mail >"$T/send.out" 2>&1
check "the next sender through the pool sends it again, with the same Message-ID" \
    test "$(q "select status from messages where id = $M") $(grep -cF "$MID" "$T/sent.log")" = "sent 2"

# ---------------------------------------------------------------- the database stopped behind it
pg_stop
f=$(mail 11)
t0=$(date +%s)
deliver "$f"
rc=$?
t1=$(date +%s)
check "the database stopped behind the pooler: --mail-in exits 75, the MTA keeps the mail ($rc)" test $rc = 75
check "...within the pooler's query_wait_timeout, not its default 120 s ($((t1 - t0)) s)" test $((t1 - t0)) -le 15
_pg_run
ok=0
for ((i = 0; i < 50; i++)); do
    deliver "$f" && { ok=1; break; }
    sleep 0.2
done
check "the database back: the MTA's retry of the same mail is stored (after $i refusals)" test $ok = 1
check "...once" test "$(stored pool.11@example.net)" = 1
check "...and every mail of this test once, none lost" \
    test "$(q "select count(*) from messages where message_id like 'pool.%'")" = 11

done_testing
