#!/usr/bin/env bash
# A new record whose save loses the connection just as it commits: the answer to the commit
# never arrives, though the record is in. The form keeps the input ("press Ctrl-S again once
# online"), and the second Ctrl-S finds the record saved, instead of inserting it a second
# time (an INSERT in autocommit whose answer was lost was simply sent again: two accounts).
# The other actions that keep what was typed (an assignment, a sales signal, a lead's
# conversion) look the same way before Enter sends them again: said to be saved, not done twice
# (a second note; "already converted" by our own conversion).
# A small proxy between the client and the server (TCP to the cluster's unix socket) passes
# everything through but, once for each of its patterns in turn, the server's answer that ends
# the transaction of the statement naming it (its ReadyForQuery says "idle"): it closes both
# connections instead.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_lost_commit.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
sock=$(ls "$PG_DIR"/.s.PGSQL.* | grep -v lock | head -1)
cat >"$TEST_TMP/proxy.py" <<'PY'
import os, select, signal, socket, struct, sys
port, target, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3]
whats = [w.encode() for w in sys.argv[4:]]
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(16)
open(mark + ".up", "w").close()

def dropped():  # how many answers were dropped (the connections are served by processes)
    n = 0
    while os.path.exists("%s.%d" % (mark, n + 1)):
        n += 1
    return n

def serve(c):
    s = socket.socket(socket.AF_UNIX)
    s.connect(target)
    armed, held = False, b""
    while True:
        r, _, _ = select.select([c, s], [], [])
        if c in r:
            d = c.recv(65536)
            if not d:
                return
            n = dropped()
            if not armed and n < len(whats) and whats[n] in d:
                armed = "%s.%d" % (mark, n + 1)
            s.sendall(d)
        if s in r:
            d = s.recv(65536)
            if not d:
                return
            if not armed:
                c.sendall(d)
                continue
            held += d
            # whole messages: type, length; the transaction's end is ReadyForQuery 'I'
            i = 0
            while i + 5 <= len(held):
                n = struct.unpack("!I", held[i + 1:i + 5])[0]
                if i + 1 + n > len(held):
                    break
                if held[i:i + 1] == b"Z":
                    if held[i + 5:i + 6] == b"I":
                        open(armed, "w").close()  # once: the commit's answer is lost
                        c.close()
                        s.close()
                        return
                    c.sendall(held[:i + 1 + n])  # still in the transaction: pass on
                    held = held[i + 1 + n:]
                    i = 0
                    continue
                i += 1 + n

while True:
    c, _ = ls.accept()
    if os.fork() == 0:
        ls.close()
        try:
            serve(c)
        except OSError:
            pass
        os._exit(0)
    c.close()
PY
# proxy_start PATTERN...: the proxy on $port, the patterns dropped in this order
proxy_start() {
    local proxy
    port=$((20000 + RANDOM % 20000))
    python3 "$TEST_TMP/proxy.py" "$port" "$sock" "$TEST_TMP/dropped" "$@" >"$TEST_TMP/proxy.log" 2>&1 &
    proxy=$!
    on_exit "pkill -P $proxy; kill $proxy"
    wait_until test -e "$TEST_TMP/dropped.up" || fail "the proxy did not start"
}
proxy_start "INSERT INTO accounts" "INSERT INTO comments" "SELECT ccrm_assign(" \
    "SELECT ccrm_ticket_signal(" "FROM ccrm_convert_lead(" "INSERT INTO accounts"

# a ticket of a person, and a lead, for the sales signal and the conversion below
acc=$(as sam -c "insert into accounts (name) values ('Lost Signal Werke') returning id")
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Lena', 'Lostsignal', 'lena@lost-signal.example') returning id")
tid=$(as sofia -c "insert into tickets (subject, contact_id, account_id)
    values ('Lost signal ticket', $con, $acc) returning id")
lead=$(as sam -c "insert into leads (first_name, last_name, company)
    values ('Lars', 'Lostconvert', 'Lost Convert Holding') returning id")

tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port dbname=ccrm user=sam" --view accounts
check "the client runs through the proxy" wait_for "Accounts by" 15
keys n
check "n opens a new account" wait_for "New account" 5
keys -l "Lost Answer Holding AG"
keys C-s
check "the commit's answer is lost: the form keeps the input and says so" wait_for "not saved" 10
check "...and the record is in the database" \
    wait_sql "select count(*) from accounts where name = 'Lost Answer Holding AG'" 1
check "the client reconnects" wait_for " online " 15
keys C-s
check "Ctrl-S again: saved" wait_for "saved account #" 10
check "...once: one account of that name, not two" \
    test "$(q "select count(*) from accounts where name = 'Lost Answer Holding AG'")" = 1
keys q
tui_stop

# a comment whose answer is lost the same way: Enter retries it, and finds it written
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port dbname=ccrm user=sam" --view accounts
wait_for "Accounts by" 15 >/dev/null
keys /
keys -l "Lost Answer Holding"
keys Enter
wait_for "Lost Answer Holding AG" 10 >/dev/null
keys Enter
check "the account's detail opens" wait_for "account #" 10
keys c
wait_for "internal comment:" 5 >/dev/null
keys -l "Lost comment answer 4711"
keys Enter
check "the comment's answer is lost: the text is offered to retry" wait_for "comment (Enter retries): Lost comment answer 4711" 10
check "...and the comment is in the database" \
    wait_sql "select count(*) from comments where body = 'Lost comment answer 4711'" 1
check "the client reconnects" wait_for " online " 15
keys Enter
check "Enter: it was written, and says so" wait_for "the comment was saved as the connection dropped" 10
check "...once: not added again" test "$(q "select count(*) from comments where body = 'Lost comment answer 4711'")" = 1

# an assignment: our own landed write is found, not sent again
keys a
wait_for "to (login):" 5 >/dev/null
keys -l sofia
keys Enter
wait_for "note:" 5 >/dev/null
keys -l "Lost assignment 4712"
keys Enter
check "the assignment's answer is lost: offered again" wait_for "to (login): sofia" 10
check "...and the account is sofia's, her inbox told" \
    wait_sql "select count(*) from accounts a join inbox i on i.entity = 'accounts'
        and i.entity_id = a.id and i.login = 'sofia' and i.note = 'Lost assignment 4712'
        where a.name = 'Lost Answer Holding AG' and a.owner = 'sofia'" 1
check "the client reconnects" wait_for " online " 15
keys Enter
check "Enter: the note again" wait_for "note: Lost assignment 4712" 5
keys Enter
check "Enter: it was done, and says so" \
    wait_for "the assignment was saved as the connection dropped (account #" 10
check "...once: sofia was told once" test "$(q "select count(*) || ' ' || max(i.count)
    from inbox i where i.login = 'sofia' and i.note = 'Lost assignment 4712'")" = "1 1"
keys q q
tui_stop

# a sales signal: the note not written twice
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port dbname=ccrm user=sam" --view tickets
wait_for "Tickets by" 15 >/dev/null
keys /
keys -l "Lost signal ticket"
keys Enter
wait_for "Lost signal ticket" 10 >/dev/null
keys Enter
check "the ticket's detail opens" wait_for "ticket #$tid" 10
keys S
wait_for "sales signal note:" 5 >/dev/null
keys -l "Lost signal 4713"
keys Enter
check "the signal's answer is lost: the note is offered to retry" \
    wait_for "signal note (Enter retries): Lost signal 4713" 10
check "...and the signal's note is in" \
    wait_sql "select count(*) from interactions where body = 'Lost signal 4713'" 1
check "the client reconnects" wait_for " online " 15
keys Enter
check "Enter: it was sent, and says so" \
    wait_for "the sales signal was saved as the connection dropped (lead #" 10
check "...once: one note, not two" \
    test "$(q "select count(*) from interactions where body = 'Lost signal 4713'")" = 1
keys q q
tui_stop

# a lead's conversion: Enter finds it done instead of "already converted"
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port dbname=ccrm user=sam" --view leads
wait_for "Leads by" 15 >/dev/null
keys /
keys -l "Lostconvert"
keys Enter
wait_for "Lostconvert" 10 >/dev/null
keys Enter
check "the lead's detail opens" wait_for "lead #$lead" 10
keys C
wait_for "deal name: Lost Convert Holding" 5 >/dev/null
keys Enter
wait_for "amount (empty: none):" 5 >/dev/null
keys -l 5000
keys Enter
check "the conversion's answer is lost: offered again" wait_for "deal name: Lost Convert Holding" 10
check "...and the lead is converted" \
    wait_sql "select status from leads where id = ${lead:-0}" converted
check "the client reconnects" wait_for " online " 15
keys Enter
check "Enter: the amount again" wait_for "amount (empty: none): 5000" 5
keys Enter
check "Enter: it was done, and says so, not \"already converted\"" \
    wait_for "the conversion was saved as the connection dropped (account #" 10
check "...once: one deal of that name" test "$(q "select count(*) from opportunities
    where name = 'Lost Convert Holding – new deal'")" = 1
keys q q
tui_stop

# the client stops (an ssh drop) after such a lost answer, before a second Ctrl-S: the form
# kept as a draft remembers that its record may be in, and the next start's Ctrl-S finds it
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port dbname=ccrm user=sam" --view accounts
wait_for "Accounts by" 15 >/dev/null
keys n
wait_for "New account" 5 >/dev/null
keys -l "Lost Then Hangup GmbH"
keys C-s
check "a third lost answer: not saved, the input kept" wait_for "not saved" 10
check "...the record is in" wait_sql "select count(*) from accounts where name = 'Lost Then Hangup GmbH'" 1
kill -HUP "$(pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1)"
check "SIGHUP: the client ends, keeping the form" wait_until -t 10 test -s "$TEST_TMP/tui.exit"
tui_stop
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port dbname=ccrm user=sam" --view accounts
check "the next start offers the form" wait_for "restored: this form was not saved" 15
keys C-s
check "Ctrl-S finds the record saved as the connection dropped" wait_for "it was saved as the connection dropped" 10
check "...once: one account of that name, not two" \
    test "$(q "select count(*) from accounts where name = 'Lost Then Hangup GmbH'")" = 1
keys q
tui_stop
done_testing
