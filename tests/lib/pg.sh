# Test harness library (sourced): a throwaway PostgreSQL cluster on a unix socket in a temp
# dir, started as the postgres system user when we are root (PostgreSQL refuses root), and
# helpers for driving ccrm in tmux. Everything is removed on exit.
#
#   . tests/lib/pg.sh; pg_start; ccrm -d "$PG_CONN" --migrate; ...
set -u

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
# psql, pg_dump and the rest straight from the server's version, not through Debian's wrapper
# in /usr/bin: the wrapper is a Perl program that picks that same binary, and starting Perl for
# every query made a test's `psql` take three times the processor time (50 calls: 4.3 s of
# user and system time through the wrapper, 1.4 s straight)
export PATH=$PG_BIN:$PATH
export LANG=C.UTF-8 LC_ALL=C.UTF-8
TEST_TMP=$(mktemp -d /tmp/ccrm-test.XXXXXX)
chmod 755 "$TEST_TMP"
PG_DIR=$TEST_TMP/pg
# every test runs with its own empty configuration, data and state directories
export XDG_CONFIG_HOME=$TEST_TMP/config XDG_DATA_HOME=$TEST_TMP/data XDG_STATE_HOME=$TEST_TMP/state
export CCRM_SYSCONFDIR=$TEST_TMP/etc
_cleanups=()

_run_cleanups() {
    local i
    for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[i]}" >/dev/null 2>&1 || true; done
    rm -rf "$TEST_TMP"
}
trap _run_cleanups EXIT
on_exit() { _cleanups+=("$1"); }

# nap [SECONDS]: a pause (50 ms unless told) that starts no process: it reads with a timeout
# from a FIFO of its own that nobody writes to. The wait loops below poll 20 times a second;
# with a `sleep` and a `grep` in each round they started three processes a round, and a
# tmux test's own processes took a quarter more processor time (tui/test_help_keys: 19.5 s
# of user and system time, 14.9 with `nap` and the screen matched by bash).
_nap_fd=
nap() {
    if [ -z "$_nap_fd" ]; then
        mkfifo "$TEST_TMP/nap.$BASHPID" && exec {_nap_fd}<>"$TEST_TMP/nap.$BASHPID"
        rm -f "$TEST_TMP/nap.$BASHPID"
    fi
    read -r -t "${1:-0.05}" -u "$_nap_fd" _ || true
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# the server of the cluster in $PG_DIR/data, on its socket in $PG_DIR; stopped on exit
_pg_run() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
        -o "-k $PG_DIR -c listen_addresses= -c fsync=off -c max_connections=200 ${PG_EXTRA_OPTS:-}" start >/dev/null \
        || { cat "$PG_DIR/log"; fail "could not start the test cluster"; }
    on_exit "pg_stop"
    export PGHOST=$PG_DIR PGUSER=postgres PGDATABASE=ccrm
    PG_CONN="host=$PG_DIR user=postgres dbname=ccrm"
    export PG_CONN
}

pg_start() {
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
        >"$TEST_TMP/initdb.log" 2>&1 || { cat "$TEST_TMP/initdb.log"; fail "initdb failed"; }
    _pg_run
    as_pg "$PG_BIN/createdb" -h "$PG_DIR" -U postgres ccrm
}

# pg_start_migrated CCRM: a throwaway cluster with the ccrm database migrated by CCRM. The
# migrated cluster is made once per binary (by the first test that needs it, the others wait
# for it) and copied for each test: initdb and --migrate cost every test 2 s otherwise. Only
# what --migrate makes is shared; nothing in it depends on the time (the demo data does, so
# every test loads its own).
pg_start_migrated() {
    local key cache
    key=$(stat -c '%i-%s-%Y' "$1" | md5sum | cut -c1-16)
    cache=${CCRM_TEST_CACHE:-/tmp/ccrm-test-cache}/$key
    mkdir -p "$(dirname "$cache")"
    (
        flock 9
        if [ ! -e "$cache/ready" ]; then
            # the clusters of other builds, after half a day
            find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 -mmin +720 -exec rm -rf {} + 2>/dev/null
            rm -rf "$cache" "$cache.tmp"
            mkdir -p "$cache.tmp"
            [ "$(id -u)" = 0 ] && chown postgres: "$cache.tmp"
            as_pg "$PG_BIN/initdb" -D "$cache.tmp/data" -A trust -U postgres -E UTF8 \
                --locale=C.UTF-8 >"$TEST_TMP/initdb.log" 2>&1 || exit 1
            as_pg "$PG_BIN/pg_ctl" -D "$cache.tmp/data" -w -l "$cache.tmp/log" \
                -o "-k $cache.tmp -c listen_addresses= -c fsync=off" start >/dev/null || exit 1
            as_pg "$PG_BIN/createdb" -h "$cache.tmp" -U postgres ccrm &&
                "$1" -d "host=$cache.tmp user=postgres dbname=ccrm" --migrate >/dev/null
            rc=$?
            as_pg "$PG_BIN/pg_ctl" -D "$cache.tmp/data" -w -m fast stop >/dev/null || rc=1
            [ $rc = 0 ] || exit 1
            rm -f "$cache.tmp/log"
            mv "$cache.tmp" "$cache" && touch "$cache/ready"
        fi
    ) 9>"$cache.lock" || fail "could not make the migrated cluster to copy"
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
    as_pg cp -a "$cache/data" "$PG_DIR/data" || fail "could not copy the migrated cluster"
    _pg_run
}

# pg_start_demo CCRM N: a throwaway cluster, migrated, with N demo accounts
pg_start_demo() {
    pg_start_migrated "$1"
    "$1" -d "$PG_CONN" --demo --scale "$2" >/dev/null || fail "demo data"
}

pg_stop() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
}

# pg_start_standby DIR: a hot standby of the cluster (pg_basebackup -R, streaming), started on
# a socket in DIR and stopped on exit; standby_caught_up waits until it replayed what the
# primary wrote so far
pg_start_standby() {
    mkdir -p "$1"
    [ "$(id -u)" = 0 ] && chown postgres: "$1"
    as_pg "$PG_BIN/pg_basebackup" -h "$PG_DIR" -U postgres -D "$1/data" -R -X stream -c fast \
        >"$TEST_TMP/basebackup.log" 2>&1 || { cat "$TEST_TMP/basebackup.log"; fail "pg_basebackup"; }
    as_pg "$PG_BIN/pg_ctl" -D "$1/data" -w -l "$1/log" \
        -o "-k $1 -c listen_addresses= -c fsync=off -c hot_standby=on -c max_connections=200" start >/dev/null ||
        { cat "$1/log"; fail "could not start the standby"; }
    on_exit "as_pg $PG_BIN/pg_ctl -D $1/data -m immediate stop"
    STANDBY_DIR=$1
}
standby_caught_up() {
    local lsn i
    lsn=$(psqlc -c "select pg_current_wal_lsn()")
    for ((i = 0; i < 200; i++)); do
        [ "$(psqlc -h "$STANDBY_DIR" -d ccrm -c "select pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
        sleep 0.05
    done
    return 1
}

pg_restart() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -m fast \
        -o "-k $PG_DIR -c listen_addresses= -c fsync=off -c max_connections=200 ${PG_EXTRA_OPTS:-}" restart >/dev/null
}

psqlc() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# Questions in bulk, for the rights tests that ask hundreds (a psql and its backend cost some
# 50 ms of processor time each): ask KEY USER SQL queues one statement (a single one) to run as
# USER (a demo person, or postgres: the superuser); ask_all runs those queued in one psql
# session per user, each in a transaction of its own that is rolled back, and puts each one's
# output into ANSWER[KEY]: "ERR: " and the error when it failed (ASK_ERR: the psql variables
# said, its SQLSTATE and message unless told), "(no answer: the session ended)" when its
# session died first. Whatever must be committed goes through as, q or psqlc in between.
declare -A ANSWER=()
_ak=() _au=() _as=()
ask() { _ak+=("$1") _au+=("$2") _as+=("$3"); }
ask_all() {
    local i u line cur users=" "
    for i in "${!_ak[@]}"; do
        u=${_au[i]}
        unset -v "ANSWER[${_ak[i]}]"
        [[ $users == *" $u "* ]] || { users+="$u "; : >"$TEST_TMP/ask.$u.sql"; }
        printf '%s\n' "begin;" "${_as[i]};" '\if :ERROR' \
            "\\echo ERR: ${ASK_ERR:-:LAST_ERROR_SQLSTATE: :LAST_ERROR_MESSAGE}" '\endif' \
            "rollback;" "\\echo @@$i" >>"$TEST_TMP/ask.$u.sql"
    done
    for u in $users; do
        cur=
        while IFS= read -r line; do
            if [[ $line == @@* ]]; then ANSWER[${_ak[${line#@@}]}]=$cur cur=; else cur+=${cur:+$'\n'}$line; fi
        done < <(psql -X -q -At "host=$PG_DIR dbname=ccrm user=$u" -f "$TEST_TMP/ask.$u.sql" 2>/dev/null)
    done
    for i in "${!_ak[@]}"; do
        [[ -v ANSWER[${_ak[i]}] ]] || ANSWER[${_ak[i]}]="(no answer: the session ended)"
    done
    _ak=() _au=() _as=()
}
# q SQL: one query as the superuser (the schema owner), unaligned
q() { psqlc -c "$1"; }
# as USER [psql arguments]: psql as USER (a demo user: stamps, audit and row-level security name
# that user), e.g. as sam -c "select ...", as mia -f file.sql
as() {
    local u=$1
    shift
    psqlc "host=$PG_DIR dbname=ccrm user=$u" "$@"
}

# feed_read APPNAME [AFTER [PSQL]]: the `ccrm --feed` connected with that application_name has
# its position and has read the events after it: its backend is idle after a read of the events
# (the reads name pg_visible_in_snapshot; the session's set-up and the start that takes the
# position do not) that began after AFTER, a server time (default: any). A backend that is only
# connected is not enough: events that commit before the feed takes its position are history
# to it, and --limit 0 prints none of them. PSQL: the psql function of another server.
# c USER ARGS...: ccrm as USER on the test's database (CCRM); rc, and its standard output and
# error in out and err (and in $TEST_TMP/out and $TEST_TMP/err)
c() {
    local u=$1
    shift
    "$CCRM" -d "host=$PG_DIR dbname=ccrm user=$u" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    rc=$?
    out=$(cat "$TEST_TMP/out")
    err=$(cat "$TEST_TMP/err")
}
# refused USER SQL: the error psql prints for SQL run as USER on the test's database (verbose:
# with its SQLSTATE), nothing when it ran (a test may define its own, as some CLI tests do)
refused() {
    psql -X -q -At -v ON_ERROR_STOP=1 "host=$PG_DIR dbname=ccrm user=$1" -c '\set VERBOSITY verbose' \
        -c "$2" 2>&1 >/dev/null
}
# says USER SQL TEXT: SQL run as USER is refused with TEXT in the first line of the error
says() {
    local e
    e=$(refused "$1" "$2")
    e=${e%%$'\n'*}
    check "$1: refused: ${2:0:80} ($e)" grep -qF -- "$3" <<<"$e"
}
feed_read() {
    [ "$(${3:-psqlc} -c "select count(*) from pg_stat_activity where application_name = '$1'
          and state = 'idle' and query like '%pg_visible_in_snapshot%'
          and query_start > '${2:--infinity}'")" = 1 ]
}
# wait_feed_read APPNAME [AFTER [PSQL]]: until feed_read (a minute: the machine may be loaded)
wait_feed_read() {
    local i
    for ((i = 0; i < 1200; i++)); do feed_read "$@" && return 0; sleep 0.05; done
    ${3:-psqlc} -c "select application_name, state, query_start, left(query, 60)
                    from pg_stat_activity where application_name = '$1'" >&2
    return 1
}

# ---- assertions: print "ok N - what" / "not ok N - what" lines and a closing count ----
_n=0
_failed=0
ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
fail() {
    _n=$((_n + 1))
    _failed=$((_failed + 1))
    echo "not ok $_n - $*"
    exit 1
}
# fail_run WHAT ARGS...: fail, showing what ccrm ARGS wrote to $T/out and $T/err
fail_run() {
    local what=$1
    shift
    echo "# ccrm $*: exit $rc, stdout:" >&2
    sed 's/^/#   /' "$T/out" >&2
    echo "# stderr:" >&2
    sed 's/^/#   /' "$T/err" >&2
    fail "$what"
}
check() { # check "what" command...
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
done_testing() {
    echo "$((_n - _failed)) passed, $_failed failed"
    [ "$_failed" = 0 ]
}

# export_lost CCRM LOGIN ENTITY: `CCRM --export ENTITY` as LOGIN loses its connection halfway.
# It writes into a FIFO nobody reads yet, so its backend is seen sending (its COPY); that
# backend is terminated, then the FIFO is read to the end. Four checks: the backend was seen
# and terminated, and the export exits 69 and says it lost the connection (docs/ccrm.1).
# The table must be big enough that the server is still sending when the pipe is full.
export_lost() {
    local ccrm=$1 login=$2 entity=$3 pid rc
    local copy="from pg_stat_activity where usename = '$login' and query like 'COPY (%'"
    rm -f "$TEST_TMP/export.fifo"
    mkfifo "$TEST_TMP/export.fifo"
    "$ccrm" -d "host=$PG_DIR dbname=ccrm user=$login" --export "$entity" \
        >"$TEST_TMP/export.fifo" 2>"$TEST_TMP/export.err" &
    pid=$!
    exec 3<"$TEST_TMP/export.fifo"
    wait_until -t 10 sql_is "select count(*) $copy" 1
    check "the export's backend is sending" sql_is "select count(*) $copy" 1
    check "... and is terminated" sql_is "select pg_terminate_backend(pid) $copy" t
    cat <&3 >/dev/null
    exec 3<&-
    wait $pid
    rc=$?
    check "a connection lost during --export $entity exits 69, as documented (rc $rc: $(cat "$TEST_TMP/export.err"))" \
        test $rc = 69
    check "... and says the connection was lost" \
        grep -q "^ccrm: lost the connection to the database$" "$TEST_TMP/export.err"
}

# ---- tmux ----
TMUX_SOCK=ccrm-test-$$
tmx() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

# _tmx_new ARGS...: tmux new-session -d with the clients' environment. Right after a `tmx
# kill-server` the old server may still be ending and answer a new session with "server exited
# unexpectedly" (CI, test_quit_unsaved): then again, for up to two seconds.
_tmx_new() {
    local i
    for ((i = 0; i < 40; i++)); do
        tmx new-session -d -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TERM=tmux-256color \
            -e ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@" 2>"$TEST_TMP/tmux.err" &&
            return 0
        grep -q 'server exited unexpectedly\|no server running\|lost server\|duplicate session' "$TEST_TMP/tmux.err" || break
        nap
    done
    cat "$TEST_TMP/tmux.err" >&2
    return 1
}

# tui_start COLS ROWS command...: start a session "t" running the command in a pane.
tui_start() {
    local cols=$1 rows=$2
    shift 2
    # start on a placeholder, so that remain-on-exit is set before the program can exit.
    # No leak check in sanitizer builds driven through tmux: when the terminal is torn down
    # while the program exits, LeakSanitizer's stop-the-world can deadlock and leave a
    # process spinning (seen here); leaks are checked in the batch tests and under valgrind.
    _tmx_new -s t -x "$cols" -y "$rows" "sleep 600"
    on_exit "tmx kill-server; rm -f ${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
    tmx set-option -t =t: remain-on-exit on
    # the exit status goes to a file: tmux's #{pane_dead_status} is not always filled in
    rm -f "$TEST_TMP/tui.exit"
    tmx respawn-pane -k -t =t: "$(printf '%q ' "$@"); echo \$? >$TEST_TMP/tui.exit"
}
# More clients beside "t": client SESSION COLS ROWS command... starts one in its own tmux
# session; screen_of, wait_in and gone_in are screen, wait_for and wait_gone for it.
client() {
    local s=$1 cols=$2 rows=$3
    shift 3
    _tmx_new -s "$s" -x "$cols" -y "$rows" "$(printf '%q ' "$@")"
}
screen_of() { tmx capture-pane -t "=$1:" -p; }
wait_in() { # SESSION TEXT [SECONDS]
    local i
    for ((i = 0; i < ${3:-10} * 20; i++)); do [[ $(screen_of "$1") == *"$2"* ]] && return 0; nap; done
    echo "--- $1 while waiting for: $2" >&2
    screen_of "$1" >&2
    return 1
}
gone_in() { # SESSION TEXT [SECONDS]
    local i
    for ((i = 0; i < ${3:-10} * 20; i++)); do [[ $(screen_of "$1") == *"$2"* ]] || return 0; nap; done
    echo "--- $1 while waiting for the removal of: $2" >&2
    screen_of "$1" >&2
    return 1
}
screen() { tmx capture-pane -t =t: -p; }
keys() { tmx send-keys -t =t: "$@"; }
# wait_for TEXT [SECONDS]: poll the screen until TEXT (fixed string) appears.
wait_for() {
    local text=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        if [[ $(screen) == *"$text"* ]]; then return 0; fi
        nap
    done
    echo "--- screen while waiting for: $text" >&2
    screen >&2
    return 1
}
# wait_gone TEXT [SECONDS]: poll until TEXT is no longer on the screen.
wait_gone() {
    local text=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        if [[ $(screen) != *"$text"* ]]; then return 0; fi
        nap
    done
    echo "--- screen while waiting for removal of: $text" >&2
    screen >&2
    return 1
}
# bottom: the last line of a screen $ROWS lines high (the `:` prompt's); bottom_like REGEX:
# does it match; wait_bottom REGEX: until it matches (10 s)
bottom() { screen | sed -n "${ROWS}p"; }
bottom_like() { bottom | grep -qE -- "$1"; }
wait_bottom() {
    wait_until -t 10 bottom_like "$1" && return 0
    echo "--- bottom line while waiting for /$1/: '$(bottom)'" >&2
    return 1
}
pane_dead() { [ -s "$TEST_TMP/tui.exit" ]; }
# pane_status: the exit status of the program in the pane, once it has exited (waits up to 5 s)
pane_status() {
    local i
    for ((i = 0; i < 100; i++)); do
        if [ -s "$TEST_TMP/tui.exit" ]; then cat "$TEST_TMP/tui.exit"; return 0; fi
        nap
    done
    echo "running"
}
# _alive PID: the process runs (a zombie does not: here the init that adopts the tmux server
# and its panes reaps them up to 2 s after they end)
_alive() {
    local st
    { read -r st </proc/"$1"/stat; } 2>/dev/null || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ]
}
# tui_stop: let the program in the pane finish exiting (up to 2 s), end the tmux server and
# wait until it is gone (a new one may reuse the socket).
tui_stop() {
    local i p pids alive server sock
    for ((i = 0; i < 40; i++)); do
        [ -s "$TEST_TMP/tui.exit" ] && break
        tmx has-session 2>/dev/null || break
        nap
    done
    # the programs in the panes (and their children): ending the server hangs them up, and
    # the next step must not meet one still keeping its drafts or closing its session
    pids=$(for p in $(tmx list-panes -a -F '#{pane_pid}' 2>/dev/null); do echo "$p"; pgrep -P "$p"; done)
    # wait for the server's process itself: tmux 3.3 leaves its socket behind when killed, and
    # waiting for the socket to go cost every stop 5 s and a hundred tmux processes
    read -r server sock < <(tmx display-message -p '#{pid} #{socket_path}' 2>/dev/null)
    tmx kill-server 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        [ -n "${server:-}" ] && _alive "$server" || break
        nap
    done
    [ -n "${sock:-}" ] && rm -f "$sock"
    for ((i = 0; i < 200; i++)); do
        alive=
        for p in $pids; do _alive "$p" && alive=1; done
        [ -z "$alive" ] && return 0
        nap
    done
}
. "$(dirname "${BASH_SOURCE[0]}")/tui.sh"
