#!/usr/bin/env bash
# y on r's question while the connection is down: "could not queue the answer: not connected
# to the database (r opens it again)" stays on the screen to be read. The reconnect's first
# failed try put "cannot reconnect: ..." over it within a second, and the answer seemed to
# have vanished; now the reason the reconnect fails is said at a later try, once the error has
# gone (the status bar says offline meanwhile). The answer is kept, and sent once online.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reply_offline_said.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 20
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
offline() {
    q "alter role sofia connection limit 0"
    q "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'sofia'" >/dev/null
}
online() { q "alter role sofia login connection limit -1"; }
on_exit online

tui_start 140 40 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=300 \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated" 15
open_ticket
keys r
check "r runs the editor, then asks" wait_for "$ASK"
offline
check "the client cannot reconnect, and says why" wait_for "cannot reconnect: too many connections" 10
# another reason from the next try on: said once, at a try after the error below has gone
q "alter role sofia nologin connection limit -1"
keys y
check "y offline: the answer is not queued, and that is said" \
    wait_for "could not queue the answer: not connected to the database (r opens it again)" 5
sleep 5 # past the next try to reconnect (at most 5 s on, with its jitter; the error stays 7)
check "... and still said after the next try to reconnect" \
    wait_for "could not queue the answer: not connected to the database (r opens it again)" 1
check "... not covered by why the reconnect fails now" wait_gone "not permitted to log in" 1
check "why it cannot reconnect now comes later, once that has gone" \
    wait_for 'cannot reconnect: role "sofia" is not permitted to log in' 30
check "nothing in the outbox" test "$(q "select count(*) from messages where ticket_id = $TK and direction = 'out'")" = 0
online
check "online again" wait_for "connection restored" 40
keys r
check "r opens the answer kept" wait_for "$ASK"
keys y
check "y sends it" wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 1
keys q
tui_stop
done_testing
