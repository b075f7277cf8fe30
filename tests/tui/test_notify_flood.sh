#!/usr/bin/env bash
# Anyone may send NOTIFY ccrm (PostgreSQL has no ACL on it), so a wake-up only means "go and
# look". A flood of 200 empty notifications from a partner must cost an idle client little: one
# cheap query for a wake-up that brings nothing (the events past its cursor), no re-read of the
# view, and fewer looks as the flood goes on (the debounce stretches up to 1 s). Before
# schema/014's client change one idle Dashboard ran about 1,100 statements for 200 notifications.
# A real change during and after the flood still shows at once. Counted from the server's
# statement log, per backend.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_notify_flood.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
psqlc -c "alter system set log_statement = 'all'" -c "alter system set log_line_prefix = '%p|'" \
    -c "select pg_reload_conf()" >/dev/null
LOG=$PG_DIR/log

# statements the backend PID has logged since log offset FROM
statements() { tail -c +"$(($2 + 1))" "$LOG" | grep -c "^$1|LOG:  \(statement\|execute\)"; }
pid_of() { psqlc -c "select pid from pg_stat_activity where usename = '$1' and application_name = 'ccrm' order by backend_start desc limit 1"; }
has_pid() { [ -n "$(pid_of "$1")" ]; }
flood() { # 200 notifications, each its own transaction, 25 ms apart, as the partner
    local args=() i
    for i in $(seq 200); do args+=(-c "notify ccrm" -c "select pg_sleep(0.025)"); done
    psql -X -q "host=$PG_DIR dbname=ccrm user=paul" "${args[@]}"
}
settle() { # wait until the backend has logged nothing new for a second
    local last=-1 now i
    for i in $(seq 60); do
        now=$(statements "$1" "$2")
        [ "$now" = "$last" ] && return 0
        last=$now
        sleep 1
    done
}

for who in mia:Dashboard sofia:Tickets marco:Leads; do
    u=${who%%:*} view=${who##*:}
    tui_start 140 40 "$CCRM" -d "$PG_CONN user=$u"
    wait_for "$view" 10 || fail "$u's client starts on $view"
    wait_until has_pid "$u"
    pid=$(pid_of "$u")
    settle "$pid" 0
    mark=$(stat -c %s "$LOG")
    flood
    settle "$pid" "$mark"
    n=$(statements "$pid" "$mark")
    echo "# $u on $view: $n statements for 200 empty notifications"
    check "$u's idle $view: 200 empty notifications cost at most 40 statements (ran $n)" test "$n" -le 40
    # a real change right after the flood shows at once
    mark=$(stat -c %s "$LOG")
    flood &
    fpid=$!
    subject="Flood survivor $u $RANDOM"
    "$CCRM" -d "$PG_CONN user=sam" --log ticket --contact "$(psqlc -c "select email from contacts where email is not null order by id limit 1")" \
        --subject "$subject" >/dev/null || fail "log a ticket"
    check "$u sees the ticket logged during a flood within 4 s (toast)" wait_for "$subject" 4
    wait $fpid
    tui_stop
done

# a detail view shows who else is here; presence has no events, so an empty wake-up asks that
# alone (one more query), and someone arriving still shows at once
tui_start 140 40 "$CCRM" -d "$PG_CONN user=sofia"
wait_for "Tickets" 10 || fail "sofia's client"
keys Enter
wait_for "ticket #" 5 || fail "a ticket's detail view"
tid=$(screen | sed -n 's/.*ticket #\([0-9]*\).*/\1/p' | head -n 1)
wait_until has_pid sofia
pid=$(pid_of sofia)
settle "$pid" 0
mark=$(stat -c %s "$LOG")
flood
settle "$pid" "$mark"
n=$(statements "$pid" "$mark")
echo "# sofia on ticket #$tid: $n statements for 200 empty notifications"
check "a detail view: 200 empty notifications cost at most 60 statements (ran $n)" test "$n" -le 60
psql -X -q "host=$PG_DIR dbname=ccrm user=mia" -c "insert into presence (entity, entity_id) values ('tickets', $tid)" \
    -c "select pg_sleep(20)" >/dev/null &
mia=$!
# (after the flood the client's wake-ups are spaced out: up to a second each)
check "someone arriving on the record still shows" wait_for "Also here now: Mia" 10
kill "$mia" 2>/dev/null
wait
tui_stop

done_testing
