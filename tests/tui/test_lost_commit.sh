#!/usr/bin/env bash
# A new record whose save loses the connection just as it commits: the answer to the commit
# never arrives, though the record is in. The form keeps the input ("press Ctrl-S again once
# online"), and the second Ctrl-S finds the record saved, instead of inserting it a second
# time (an INSERT in autocommit whose answer was lost was simply sent again: two accounts).
# A small proxy between the client and the server (TCP to the cluster's unix socket) passes
# everything through but, once, the server's answer that ends the transaction that inserted
# the account (its ReadyForQuery says "idle"): it closes both connections instead.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_lost_commit.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
port=$((20000 + RANDOM % 20000))
sock=$(ls "$PG_DIR"/.s.PGSQL.* | grep -v lock | head -1)
cat >"$TEST_TMP/proxy.py" <<'PY'
import os, select, signal, socket, struct, sys
port, target, mark, what = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].encode()
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(16)
open(mark + ".up", "w").close()

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
            if not os.path.exists(mark) and what in d:
                armed = True
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
                        open(mark, "w").close()  # once: the commit's answer is lost
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
python3 "$TEST_TMP/proxy.py" "$port" "$sock" "$TEST_TMP/dropped" "INSERT INTO accounts" >"$TEST_TMP/proxy.log" 2>&1 &
proxy=$!
on_exit "pkill -P $proxy; kill $proxy"
wait_until test -e "$TEST_TMP/dropped.up" || fail "the proxy did not start"

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
port2=$((port + 1))
python3 "$TEST_TMP/proxy.py" "$port2" "$sock" "$TEST_TMP/dropped2" "INSERT INTO comments" >"$TEST_TMP/proxy2.log" 2>&1 &
proxy2=$!
on_exit "pkill -P $proxy2; kill $proxy2"
wait_until test -e "$TEST_TMP/dropped2.up" || fail "the second proxy did not start"
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port2 dbname=ccrm user=sam" --view accounts
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
keys q q
tui_stop

# the client stops (an ssh drop) after such a lost answer, before a second Ctrl-S: the form
# kept as a draft remembers that its record may be in, and the next start's Ctrl-S finds it
port3=$((port + 2))
python3 "$TEST_TMP/proxy.py" "$port3" "$sock" "$TEST_TMP/dropped3" "INSERT INTO accounts" >"$TEST_TMP/proxy3.log" 2>&1 &
proxy3=$!
on_exit "pkill -P $proxy3; kill $proxy3"
wait_until test -e "$TEST_TMP/dropped3.up" || fail "the third proxy did not start"
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port3 dbname=ccrm user=sam" --view accounts
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
tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port3 dbname=ccrm user=sam" --view accounts
check "the next start offers the form" wait_for "restored: this form was not saved" 15
keys C-s
check "Ctrl-S finds the record saved as the connection dropped" wait_for "it was saved as the connection dropped" 10
check "...once: one account of that name, not two" \
    test "$(q "select count(*) from accounts where name = 'Lost Then Hangup GmbH'")" = 1
keys q
tui_stop
done_testing
