#!/usr/bin/env bash
# Connection loss in the full-screen client: the backend is killed, then the server is stopped
# and started again. The status bar shows the state, the client reconnects with backoff,
# LISTENs again and catches up (a row written while it was away is on screen), and the
# search the user had typed is still there.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reconnect.sh path/to/ccrm}

pg_start_demo "$CCRM" 100

tui_start 100 30 "$CCRM" -d "$PG_CONN application_name=ccrm-under-test" --view accounts
check "client is online" wait_for " online "
keys / "Reconnect" Enter
check "a search is active" wait_for 'search "Reconnect"'

psqlc -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'ccrm-under-test'" >/dev/null
check "killed backend: client reconnects by itself" wait_for "connection restored" 10
psqlc -c "insert into accounts (name, domain) values ('Reconnect Alpha GmbH', 'alpha.example')"
check "after the reconnect, LISTEN works again (live insert shown)" wait_for "Reconnect Alpha" 5

pg_stop
check "server stopped: status bar says offline" wait_for "offline" 10
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
    -o "-k $PG_DIR -c listen_addresses= -c fsync=off" start >/dev/null || fail "restart server"
psqlc -c "insert into accounts (name, domain) values ('Reconnect Beta AG', 'beta.example')"
check "server back: client is online again" wait_for " online " 40
check "caught up: the row written while offline is shown" wait_for "Reconnect Beta" 10
check "the search survived the outage" wait_for 'search "Reconnect"'
keys Escape q
check "clean exit after the outage" test "$(pane_status)" = 0

# a login that may no longer log in: the client says why it cannot get back, not only "offline"
client l 100 30 "$CCRM" -d "$PG_CONN user=lukasz application_name=ccrm-lukasz" --view accounts
check "lukasz's client is online" wait_in l " online " 15
psqlc -c "alter role lukasz nologin" -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'ccrm-lukasz'" >/dev/null
check "disabled login: the client says why it cannot reconnect" wait_in l "cannot reconnect:" 15
check "... in the server's words" wait_in l "not permitted to log in" 5
psqlc -c "alter role lukasz login" >/dev/null
check "login allowed again: back online by itself" wait_in l " online " 45

# the Reports view opened while the database is away runs its report once it is back (reports
# run on request: before, it said "not run" until r)
. "$(dirname "$0")/../lib/tui.sh"
client m 100 30 "$CCRM" -d "$PG_CONN user=mia application_name=ccrm-mia"
check "mia's client is online" wait_in m " online " 15
pg_stop
check "server stopped: mia's client says offline" wait_in m "offline" 10
prompt_in m "reports"
check "Reports opened while offline: not run" wait_in m "not run" 10
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
    -o "-k $PG_DIR -c listen_addresses= -c fsync=off" start >/dev/null || fail "restart server"
check "server back: mia's client is online again" wait_in m " online " 40
check "...and the report has run" gone_in m "not run" 15

done_testing
