#!/usr/bin/env bash
# The client survives a busy company (issue 14, bug 2: a client vanished while others wrote).
# A writer commits every few milliseconds in the background (tickets, an account's phone,
# notes, a deal's amount, each its own transaction, through psql) while the client is driven
# through lists, paging, a search, a ticket's and an account's detail, an account's form, the
# pipeline, the Feed and two resizes. Run on the sanitizer build (build/asan: ASan and UBSan,
# which abort on the first report): the client must still be alive at the end, must have drawn
# the changes as they came (the newest tickets, the account's phone in its detail, the form's
# "changed since you opened it"), must quit with status 0, and must have written no sanitizer
# report (its standard error is kept in a file) and no crash report under $XDG_STATE_HOME/ccrm.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_live_busy_views.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
if nm -C "$CCRM" 2>/dev/null | grep -q __asan_init || ldd "$CCRM" 2>/dev/null | grep -q libasan; then
    echo "# $CCRM is built with AddressSanitizer"
else
    echo "# $CCRM is built without sanitizers: the report checks below are weaker"
fi
acct=$(psqlc -c "select min(id) from accounts")
accname=$(psqlc -c "select name from accounts where id = $acct")
deal=$(psqlc -c "select min(id) from opportunities")
# the ticket the writer keeps changing: the newest change, so the top of the Tickets list
live=$(psqlc -c "insert into tickets (account_id, subject, priority) values ($acct, 'Busyview live 0', 'normal') returning id")
err=$TEST_TMP/client.err

# the writer: one psql session, each statement its own transaction, a few ms apart, until told
# to stop (the generator ends at the stop file; psql at the end of its input)
writer() {
    local i=0
    while [ ! -e "$TEST_TMP/stop" ]; do
        i=$((i + 1))
        if ((i % 20 == 0)); then
            echo "insert into tickets (account_id, subject, priority) values ($acct, 'Busyview ticket $i', 'normal');"
        fi
        echo "update tickets set subject = 'Busyview live $i' where id = $live;"
        echo "update accounts set phone = '+49 40 $((1000000 + i))' where id = $acct;"
        if ((i % 5 == 0)); then
            echo "insert into interactions (kind, subject, account_id) values ('note', 'Busyview note $i', $acct);"
            echo "update opportunities set amount = $((1000 + i)) where id = $deal;"
        fi
        echo "select pg_sleep(0.004);"
    done | psql -X -q -o /dev/null "host=$PG_DIR dbname=ccrm user=postgres" 2>"$TEST_TMP/writer.err"
}
ev0=$(psqlc -c "select coalesce(max(id), 0) from events")
t0=$(date +%s)
writer &
wpid=$!
on_exit "touch $TEST_TMP/stop; kill $wpid"
busy() { kill -0 "$wpid" 2>/dev/null; }
# the live ticket's number on the screen (0: not shown), and in the database now
live_n() { screen | grep -o 'Busyview live [0-9]*' | awk '{ print $3 }' | sort -n | tail -1 | grep . || echo 0; }
db_live() { psqlc -c "select substr(subject, 15) from tickets where id = $live"; }
drawn_after() { [ "$(live_n)" -gt "$1" ]; }
# redrawn_live WHAT: the screen shows the live ticket, then a change of it committed after that
redrawn_live() {
    local m
    wait_for "Busyview live" 15 >/dev/null || return 1
    m=$(db_live)
    wait_until -t 15 drawn_after "$m"
}
# has_line A B: one screen line holds both (for wait_until: the machine is loaded)
has_line() { screen | grep -F -- "$1" | grep -qF -- "$2"; }
# the cursor's line (reverse video) is the live ticket; if not, g once more: the cursor keeps to
# its record, and g can land on a ticket the writer added a moment before it changed the live one
on_live() {
    tmx capture-pane -t =t: -p -e | grep -F 'Busyview live' | grep -qE $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m' && return 0
    keys g
    sleep 0.2
    return 1
}
phone_line() { screen | grep -F 'Phone' | head -1; }
unsearched() { local b; b=$(screen | grep -F 'Tickets by'); [ -n "$b" ] && ! grep -q search <<<"$b"; }
phone_changed() { local p; p=$(phone_line); [ -n "$p" ] && [ "$p" != "$1" ]; }

tui_start 140 40 bash -c 'exec "$0" -d "$1" --view tickets 2>"$2"' "$CCRM" "$PG_CONN user=sam" "$err"
check "sam's client shows the Tickets" wait_for "Tickets by" 20
check "the writer is busy" busy
check "the Tickets list redraws the ticket the writer keeps changing" redrawn_live
check "... and shows the tickets it adds" wait_for "Busyview ticket" 15

# ---- paging, a search, a ticket's detail ----
keys NPage NPage PPage G g
check "paged down, to the end and back to the top" wait_for "Tickets by" 10
keys /
keys -l "busyview"
keys Enter
check "a search among the live rows" wait_for 'search "busyview"' 10
keys NPage j j k PPage g
check "the searched list redraws the live ticket too" redrawn_live
check "g puts the cursor on the live ticket at the top" wait_until -t 15 on_live
keys Enter
check "Enter opens the ticket at the top: the live one" wait_until -t 15 has_line "ticket #$live" "priority"
check "its detail is redrawn as it changes" redrawn_live
keys j j k
keys q
check "q goes back to the list" wait_for "Tickets by" 10
keys /
keys C-u
keys Enter
check "the search is cleared" wait_until -t 10 unsearched

# ---- an account's detail and form while its phone changes ----
prompt "open $accname"
check "the account's detail" wait_until -t 15 has_line "account #$acct" "contact"
p=$(phone_line)
check "its phone is redrawn as the writer changes it" wait_until -t 15 phone_changed "$p"
keys e
check "e opens the account's form" wait_for "Edit account #$acct" 10
check "the form says someone changed it since it opened" wait_for "since you opened it" 15
keys End
keys -l " typed"
keys Escape
check "cancel asks" wait_for "discard your changes? y/n" 10
keys y
# (the message "changes discarded" may be replaced at once by the next toast of the busy
# writer: what is on screen is what counts)
check "discarded: the form is gone" wait_gone "Edit account #$acct" 10
check "...back on the detail" wait_until -t 15 has_line "account #$acct" "contact"
check "...and nothing typed was saved" \
    test "$(psqlc -c "select count(*) from accounts where id = $acct and name like '% typed'")" = 0
keys q

# ---- the pipeline, the Feed, two resizes ----
prompt "view deals"
check "the pipeline" wait_for "Pipeline" 10
keys Right Right Left j k
prompt "view feed"
check "the Feed" wait_for "Feed by" 10
keys NPage PPage
tmx resize-window -t =t: -x 80 -y 24
check "resized to 80x24" wait_for "Feed" 10
prompt "view tickets"
tmx resize-window -t =t: -x 140 -y 40
check "back at 140x40, on the Tickets" wait_for "Tickets by" 10

# ---- still alive, still live, then a clean exit ----
keys g
check "the list still redraws the live ticket" redrawn_live
check "the writer was busy all along" busy
check "the client is alive" test ! -s "$TEST_TMP/tui.exit"
touch "$TEST_TMP/stop"
wait "$wpid" 2>/dev/null
echo "# $(psqlc -c "select count(*) from events where id > $ev0") events in $(($(date +%s) - t0)) s while the client was driven"
echo "# the writer ran $(db_live) rounds: $(psqlc -c "select count(*) from tickets where subject like 'Busyview ticket %'") new tickets, the live one changed each round; $(grep -c ERROR "$TEST_TMP/writer.err") errors"
keys q
check "q quits with status 0" test "$(pane_status)" = 0
check "no sanitizer report on standard error" \
    bash -c "! grep -E 'AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer' '$err'"
check "no crash report under \$XDG_STATE_HOME/ccrm" bash -c "! ls '$XDG_STATE_HOME'/ccrm/crash-* 2>/dev/null"
[ -s "$err" ] && { echo "# standard error:"; sed 's/^/#   /' "$err"; }
tui_stop
done_testing
