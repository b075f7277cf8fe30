#!/usr/bin/env bash
# Why the client cannot get back to a database server that is down, in words a person reads:
# libpq names the socket and then gives only errno's text ("No such file or directory"); the
# client says the server is not running, keeping the socket's path, and says what a socket
# left behind by a server gone (a refused connection) means too. Back, it is online again.
# The client runs with libpq speaking German (LANGUAGE=de: libpq's messages are translated),
# so what it says cannot rest on libpq's English; the batch commands say the same at start.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reconnect_why.sh path/to/ccrm}
SOCK=$PG_DIR/.s.PGSQL.5432

pg_start_demo "$CCRM" 20
# wide: the message with the socket's long path stays on one line
tui_start 240 20 env LANGUAGE=de "$CCRM" -d "$PG_CONN user=sofia application_name=ccrm-why" --view accounts
check "client is online" wait_for " online "

pg_stop
check "server stopped: the client says it is not running, with the socket's path" \
    wait_for "cannot reconnect: the database server is not running (no socket at $SOCK)" 20
check "...not errno's words alone" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'cannot reconnect: No such file')"
LANGUAGE=de "$CCRM" -d "$PG_CONN" --batches >/dev/null 2>"$TEST_TMP/start.err"
check "a batch command at start: the same words, one line" \
    grep -qxF "ccrm: could not connect to the database: the database server is not running (no socket at $SOCK)" "$TEST_TMP/start.err"

# a socket file nobody listens on (a server killed outright leaves one): refused
python3 -c "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK" ||
    fail "a socket left behind"
check "a socket nobody listens on: said so" \
    wait_for "cannot reconnect: the database server is not running (its socket $SOCK refuses connections)" 40
rm -f "$SOCK"

as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
    -o "-k $PG_DIR -c listen_addresses= -c fsync=off" start >/dev/null || fail "restart server"
check "server back: online again" wait_for " online " 40
keys q
check "clean exit" test "$(pane_status)" = 0
done_testing
