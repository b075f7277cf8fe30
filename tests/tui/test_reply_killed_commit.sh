#!/usr/bin/env bash
# An answer by e-mail is not queued twice when the client is killed between its COMMIT and the
# answer to it: the transaction goes onto disk with the answer just before the COMMIT, and the
# next r asks whether it landed (it was queued, kept as unsent too, and a second y queued it
# again with another Message-ID: the customer got it twice). The COMMIT is held up by a
# deferred trigger that sleeps, so that kill -9 lands inside it every time.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reply_killed_commit.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 5
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
printf '#!/bin/bash\nprintf "Answered once only.\\n" >"$1"\n' >"$T/editor1"
chmod 755 "$T/editor1"
client_pid() { pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1; }
outs() { q "select count(*) from messages where ticket_id = $TK and direction = 'out'"; }
start() {
    tui_start 160 40 env EDITOR="$T/editor1" VISUAL= "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
}

# the next outgoing mail's COMMIT takes 4 s
q "create function pg_temp_slow_commit() returns trigger language plpgsql as
   \$\$ begin if new.direction = 'out' then perform pg_sleep(4); end if; return null; end \$\$;
   create constraint trigger slow_commit after insert on messages deferrable initially deferred
   for each row execute function pg_temp_slow_commit()" >/dev/null

start
open_ticket
keys r
check "written, the question is asked" wait_for "$ASK"
keys y
# inside the COMMIT: the row is written, the transaction not yet committed
in_commit() { test "$(q "select count(*) from pg_stat_activity where usename = 'sofia' and query like 'COMMIT%' and state = 'active'")" -ge 1; }
check "the answer's COMMIT is under way" wait_until in_commit
kill -KILL "$(client_pid)"
pane_status >/dev/null
tui_stop
committed() { test "$(outs)" = 1; }
check "the server finished the COMMIT: the answer is queued once" wait_until -t 10 committed
q "drop trigger slow_commit on messages" >/dev/null

start
open_ticket
keys r
check "r after the restart: it says the answer was queued" wait_for "was queued as the connection dropped" 10
check "... and does not queue it again" test "$(outs)" = 1
check "... which sending it does not wipe: it is said with \"sent\"" \
    wait_for "not queued again; sent" 10
keys q
keys q
tui_stop

done_testing
