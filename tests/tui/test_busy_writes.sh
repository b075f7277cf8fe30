#!/usr/bin/env bash
# A busy company must not make every open client a load on the writers (issue 15, capacity).
# While a writer commits a ticket every 20 ms for 6 s, a support client on the Tickets list
# (every commit concerns it) re-reads at most a few times a second: the debounce stretches as
# re-reads follow each other back to back (up to 400 ms) and shrinks again after a pause. The
# last ticket is still drawn within half a second of its commit (the test allows 4 s on a shared
# machine), and a lone change on a calm system
# shows at once. Counted from the server's statement log, per backend. Before the adaptive
# debounce the same client ran one look and one re-read per 30 ms for the whole burst.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_busy_writes.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
psqlc -c "alter system set log_statement = 'all'" -c "alter system set log_line_prefix = '%p|'" \
    -c "select pg_reload_conf()" >/dev/null
LOG=$PG_DIR/log

statements() { tail -c +"$(($2 + 1))" "$LOG" | grep -c "^$1|LOG:  \(statement\|execute\)"; }
pid_of() { psqlc -c "select pid from pg_stat_activity where usename = '$1' and application_name = 'ccrm' order by backend_start desc limit 1"; }
has_pid() { [ -n "$(pid_of "$1")" ]; }
settle() { # wait until the backend has logged nothing new for a second
    local last=-1 now i
    for i in $(seq 60); do
        now=$(statements "$1" "$2")
        [ "$now" = "$last" ] && return 0
        last=$now
        sleep 1
    done
}
acct=$(psqlc -c "select min(id) from accounts")
burst() { # 300 tickets, each its own transaction, 20 ms apart, as support user sofia's colleague
    local args=() i
    for i in $(seq 300); do
        args+=(-c "insert into tickets (account_id, subject, priority) values ($acct, 'Busy burst $1 $i', 'high')"
            -c "select pg_sleep(0.02)")
    done
    psql -X -q "host=$PG_DIR dbname=ccrm user=sofia" "${args[@]}" >/dev/null
}

tui_start 140 40 "$CCRM" -d "$PG_CONN user=zoe"
wait_for "Tickets" 10 || fail "zoe's client starts on Tickets"
wait_until has_pid zoe
pid=$(pid_of zoe)
settle "$pid" 0

# a lone change on a calm system is drawn at once (leading edge)
t0=$(date +%s%N)
psqlc -c "insert into tickets (account_id, subject, priority) values ($acct, 'Calm lone ticket', 'urgent')" >/dev/null
check "a lone change shows within 4 s" wait_for "Calm lone ticket" 4
echo "# lone change drawn after $((($(date +%s%N) - t0) / 1000000)) ms"
settle "$pid" 0

mark=$(stat -c %s "$LOG")
t0=$(date +%s%N)
burst A
t1=$(date +%s%N)
check "the last ticket of the burst is drawn within 4 s of its commit (400 ms + a re-read; the machine is shared)" wait_for "Busy burst A 300" 4
echo "# last ticket drawn $((($(date +%s%N) - t1) / 1000000)) ms after its commit"
settle "$pid" "$mark"
n=$(statements "$pid" "$mark")
secs=$((($(date +%s%N) - t0) / 1000000000))
echo "# zoe on Tickets: $n statements for 300 commits over ${secs} s"
check "300 commits in 6 s cost the client at most 120 statements (ran $n)" test "$n" -le 120

# after the burst the client is calm again: a lone change shows at once
settle "$pid" 0
sleep 2 # two quiet seconds (the interval shrinks after pauses; this waits for that, not for a result)
t0=$(date +%s%N)
psqlc -c "insert into tickets (account_id, subject, priority) values ($acct, 'Calm again ticket', 'urgent')" >/dev/null
check "after the burst, a lone change shows within 4 s again" wait_for "Calm again ticket" 4
echo "# lone change after the burst drawn after $((($(date +%s%N) - t0) / 1000000)) ms"
tui_stop
done_testing
