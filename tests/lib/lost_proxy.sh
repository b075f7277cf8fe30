# Sourced by the tests of writes whose COMMIT's answer is lost (test_lost_commit.sh,
# test_lost_commit_writes.sh), after pg_start_demo: a small proxy between the client and the
# server (TCP to the cluster's unix socket) passes everything through but, once for each of its
# patterns in turn, the server's answer that ends the transaction of the statement naming it
# (its ReadyForQuery says "idle"): it closes both connections instead. proxy_start PATTERN...
# starts it on $port; "$TEST_TMP/dropped.N" says the Nth answer was dropped. A pattern written
# gone:PATTERN also stops the proxy as it drops that answer: the client cannot come back.
sock=$(ls "$PG_DIR"/.s.PGSQL.* | grep -v lock | head -1)
cat >"$TEST_TMP/proxy.py" <<'PY'
import os, select, signal, socket, struct, sys
port, target, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3]
whats = [w.encode() for w in sys.argv[4:]]
gone = [w.startswith(b"gone:") for w in whats]
whats = [w[5:] if g else w for w, g in zip(whats, gone)]
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
signal.signal(signal.SIGUSR1, lambda *_: os._exit(0))  # gone: (quietly, for the shell)
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
    armed, held, stop = False, b"", False
    while True:
        r, _, _ = select.select([c, s], [], [])
        if c in r:
            d = c.recv(65536)
            if not d:
                return
            n = dropped()
            if not armed and n < len(whats) and whats[n] in d:
                armed = "%s.%d" % (mark, n + 1)
                stop = gone[n]
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
                        if stop:  # no one listens any more (the children closed it)
                            os.kill(os.getppid(), signal.SIGUSR1)
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
