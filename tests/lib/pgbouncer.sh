# A private PgBouncer for the tests and the benchmark of live mail delivery through warm
# backends (tests/db/test_mail_pgbouncer.sh, tests/bench/bench_mail.sh; docs/mail.md, "Warm
# backends"). Sourced after tests/lib/pg.sh, which gives $TEST_TMP, as_pg and on_exit. Its
# configuration, socket and log are in $TEST_TMP/pgbouncer; it listens on a unix socket there
# only, runs as the cluster's system user (PgBouncer refuses root) and is stopped at exit.
#
#   pgb_require              skip the test (77) without pgbouncer (scripts/deps installs it)
#   pgb_start DATABASES HBA [SETTINGS]
#       DATABASES  the [databases] lines ("name = host=... dbname=... user=...")
#       HBA        the lines of its hba file (who may connect to which of them, and how)
#       SETTINGS   more [pgbouncer] lines, e.g. "server_reset_query = DISCARD ALL"
#   pgb_stop                 stop it (done at exit too)
# It sets PGB_DIR (configuration, socket, log) and PGB_PORT; a client connects with
# "host=$PGB_DIR port=$PGB_PORT dbname=NAME user=...".

pgb_require() {
    PGBOUNCER=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null || true)
    [ -n "$PGBOUNCER" ] || { echo "ok 1 - # SKIP no pgbouncer"; exit 77; }
}

pgb_start() {
    local i
    pgb_require
    PGB_DIR=$TEST_TMP/pgbouncer
    PGB_PORT=6432
    mkdir -p "$PGB_DIR"
    printf '%s\n' "$2" >"$PGB_DIR/hba"
    # PgBouncer knows only the users of its auth_file, whatever the method: those of the hba
    # lines, without a password (their lines say peer or trust)
    printf '%s\n' "$2" | awk '$1 == "local" && $3 != "all" { printf "\"%s\" \"\"\n", $3 }' >"$PGB_DIR/users"
    cat >"$PGB_DIR/pgbouncer.ini" <<EOF
[databases]
$1

[pgbouncer]
listen_addr =
listen_port = $PGB_PORT
unix_socket_dir = $PGB_DIR
unix_socket_mode = 0777
auth_type = hba
auth_hba_file = $PGB_DIR/hba
auth_file = $PGB_DIR/users
pool_mode = session
logfile = $PGB_DIR/log
pidfile = $PGB_DIR/pid
${3:-}
EOF
    [ "$(id -u)" = 0 ] && chown -R postgres: "$PGB_DIR"
    as_pg "$PGBOUNCER" -d -q "$PGB_DIR/pgbouncer.ini" || { cat "$PGB_DIR/log" 2>/dev/null; fail "could not start pgbouncer"; }
    on_exit "pgb_stop"
    for ((i = 0; i < 100; i++)); do
        [ -S "$PGB_DIR/.s.PGSQL.$PGB_PORT" ] && return 0
        sleep 0.05
    done
    cat "$PGB_DIR/log"
    fail "pgbouncer did not open its socket"
}

pgb_stop() {
    local pid i
    pid=$(cat "$PGB_DIR/pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
}
