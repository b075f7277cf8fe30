#!/usr/bin/env bash
# Anyone may send NOTIFY ccrm (PostgreSQL has no ACL on it), so a wake-up only means "go and
# look". A flood of 200 empty notifications from a partner must cost an idle client little: one
# cheap query for a wake-up that brings nothing (the events past its cursor), no re-read of the
# view, and fewer looks as the flood goes on (the debounce stretches up to 1 s). Before
# schema/014's client change one idle Dashboard ran about 1,100 statements for 200 notifications.
# A real change during and after the flood still shows at once. Counted from the server's
# statement log, per backend. The four clients (three lists, a detail view) run side by side
# and one flood is counted for each of them: NOTIFY ccrm reaches every listener, and each
# backend's statements are its own client's.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_notify_flood.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
psqlc -c "alter system set log_statement = 'all'" -c "alter system set log_line_prefix = '%p|'" \
    -c "select pg_reload_conf()" >/dev/null
LOG=$PG_DIR/log

# statements the backend PID has logged since log offset FROM
statements() { tail -c +"$(($2 + 1))" "$LOG" | grep -c "^$1|LOG:  \(statement\|execute\)"; }
# the newest ccrm backend of a login, other than the PIDs given
pid_of() {
    local not=${*:2}
    psqlc -c "select pid from pg_stat_activity where usename = '$1' and application_name = 'ccrm'
              and pid not in (0${not:+,${not// /,}}) order by backend_start desc limit 1"
}
has_pid() { [ -n "$(pid_of "$@")" ]; }
flood() { # 200 notifications, each its own transaction, 25 ms apart, as the partner
    local args=() i
    for i in $(seq 200); do args+=(-c "notify ccrm" -c "select pg_sleep(0.025)"); done
    psql -X -q -o /dev/null "host=$PG_DIR dbname=ccrm user=paul" "${args[@]}"
}
settle() { # FROM PID...: wait until none of the backends has logged anything new for a second
    local from=$1 last=- now p i
    shift
    for i in $(seq 60); do
        now=
        for p in "$@"; do now+=" $(statements "$p" "$from")"; done
        [ "$now" = "$last" ] && return 0
        last=$now
        sleep 1
    done
}

# the clients: mia's Dashboard, sofia's Tickets, marco's Leads, and sofia on a ticket's detail
# view, each in its tmux session, started one after the other (a backend is known by its
# login and by being the newest one)
whos=(mia:Dashboard sofia:Tickets marco:Leads)
on_exit "tmx kill-server"
declare -A pid_in
pids=()
for who in "${whos[@]}"; do
    u=${who%%:*} view=${who##*:}
    client "$u$view" 140 40 "$CCRM" -d "$PG_CONN user=$u"
    wait_in "$u$view" "$view" 10 || fail "$u's client starts on $view"
    wait_until has_pid "$u" "${pids[@]}" || fail "$u's backend"
    pid_in[$u$view]=$(pid_of "$u" "${pids[@]}")
    pids+=("${pid_in[$u$view]}")
done
client detail 140 40 "$CCRM" -d "$PG_CONN user=sofia"
wait_in detail "Tickets" 10 || fail "sofia's second client"
keys_in detail Enter
wait_in detail "ticket #" 5 || fail "a ticket's detail view"
tid=$(screen_of detail | sed -n 's/.*ticket #\([0-9]*\).*/\1/p' | head -n 1)
wait_until has_pid sofia "${pids[@]}" || fail "the detail view's backend"
pid_in[detail]=$(pid_of sofia "${pids[@]}")
pids+=("${pid_in[detail]}")

settle 0 "${pids[@]}"
mark=$(stat -c %s "$LOG")
flood
settle "$mark" "${pids[@]}"
for who in "${whos[@]}"; do
    u=${who%%:*} view=${who##*:}
    n=$(statements "${pid_in[$u$view]}" "$mark")
    echo "# $u on $view: $n statements for 200 empty notifications"
    check "$u's idle $view: 200 empty notifications cost at most 40 statements (ran $n)" test "$n" -le 40
done
n=$(statements "${pid_in[detail]}" "$mark")
echo "# sofia on ticket #$tid: $n statements for 200 empty notifications"
check "a detail view: 200 empty notifications cost at most 60 statements (ran $n)" test "$n" -le 60

# a real change right after the flood shows at once, in every list (the toast: 4 s on screen,
# so each screen is looked at until it shows, all within the same 4 s)
flood &
fpid=$!
subject="Flood survivor $RANDOM"
"$CCRM" -d "$PG_CONN user=sam" --log ticket --contact "$(psqlc -c "select email from contacts where email is not null order by id limit 1")" \
    --subject "$subject" >/dev/null || fail "log a ticket"
declare -A seen
for ((i = 0; i < 80; i++)); do
    left=0
    for who in "${whos[@]}"; do
        s=${who%%:*}${who##*:}
        [ -n "${seen[$s]:-}" ] && continue
        if [[ $(screen_of "$s") == *"$subject"* ]]; then seen[$s]=1; else left=1; fi
    done
    [ $left = 0 ] && break
    nap
done
for who in "${whos[@]}"; do
    u=${who%%:*} view=${who##*:}
    [ -n "${seen[$u$view]:-}" ] || { echo "--- $u's screen:" >&2; screen_of "$u$view" >&2; }
    check "$u sees the ticket logged during a flood within 4 s (toast)" test -n "${seen[$u$view]:-}"
done
kill "$fpid" 2>/dev/null # (the rest of it proves nothing more)
wait "$fpid"

# a detail view shows who else is here; presence has no events, so an empty wake-up asks that
# alone (one more query, counted above), and someone arriving still shows at once
psql -X -q "host=$PG_DIR dbname=ccrm user=mia" -c "insert into presence (entity, entity_id) values ('tickets', $tid)" \
    -c "select pg_sleep(20)" >/dev/null &
mia=$!
# (after the flood the client's wake-ups are spaced out: up to a second each)
check "someone arriving on the record still shows" wait_in detail "Also here now: Mia" 10
kill "$mia" 2>/dev/null
wait
for who in "${whos[@]}"; do keys_in "${who%%:*}${who##*:}" q; done
keys_in detail q q
tui_stop

done_testing
