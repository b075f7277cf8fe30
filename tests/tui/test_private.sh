#!/usr/bin/env bash
# Zero set-up: `ccrm` with nothing configured creates, starts and migrates its private
# database under $XDG_DATA_HOME/ccrm and opens the full-screen client on it, as root (the
# server then runs as the postgres user) and as an ordinary user. A second start reuses it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(realpath "${1:?usage: test_private.sh path/to/ccrm}")
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGSERVICE PGUSER
# the binary must be reachable by another user: copy it to a world-readable place
cp "$CCRM" "$TEST_TMP/ccrm"
chmod 755 "$TEST_TMP/ccrm"
BIN=$TEST_TMP/ccrm

stop_private() { # USER DATA_HOME
    if [ -n "$1" ]; then
        runuser -u "$1" -- env XDG_DATA_HOME="$2" "$BIN" --local-stop
    else
        XDG_DATA_HOME="$2" "$BIN" --local-stop
    fi
}

run_as() { # USER (empty = as we are) → prints the command prefix
    if [ -n "$1" ]; then printf 'runuser -u %q -- ' "$1"; fi
}

# said_joined TEXT: on the screen, the message's own line breaks read as spaces
said_joined() { screen | tr -s ' \n' '  ' | grep -qF -- "$1"; }

try_user() { # USER LABEL
    local u=$1 label=$2 home=$TEST_TMP/home-${1:-self}
    mkdir -p "$home"
    [ -n "$u" ] && chown "$u" "$home"
    on_exit "stop_private '$u' '$home/data'"
    tui_start 100 30 bash -c "$(run_as "$u") env HOME=$home XDG_DATA_HOME=$home/data \
        XDG_CONFIG_HOME=$home/config XDG_STATE_HOME=$home/state LANG=C.UTF-8 TERM=tmux-256color \
        $BIN --view accounts"
    check "$label: first start creates the private database and opens the client" \
        wait_for "private database" 60
    check "$label: the empty database says so" wait_for "no records yet"
    keys q
    st=$(pane_status)
    check "$label: quits cleanly (status $st)" test "$st" = 0
    tui_stop
    local t0 t1
    t0=$(date +%s%N)
    tui_start 100 30 bash -c "$(run_as "$u") env HOME=$home XDG_DATA_HOME=$home/data \
        XDG_CONFIG_HOME=$home/config XDG_STATE_HOME=$home/state LANG=C.UTF-8 TERM=tmux-256color \
        $BIN --view accounts"
    check "$label: second start reuses the running database" wait_for "private database" 10
    t1=$(date +%s%N)
    echo "# $label: second start to first screen in $(((t1 - t0) / 1000000)) ms"
    # the private database stopped under the client: it says how to start it again
    stop_private "$u" "$home/data"
    check "$label: the private database stopped: the client says how to start it" \
        wait_until -t 20 said_joined "ccrm --local-start in another terminal starts it"
    keys q
    tui_stop
}

if [ "$(id -u)" = 0 ]; then
    try_user "" "root"
    if ! id ccrmtui >/dev/null 2>&1; then
        if command -v useradd >/dev/null; then
            useradd -M -d /nonexistent ccrmtui && on_exit "userdel ccrmtui"
        fi
    fi
    if id ccrmtui >/dev/null 2>&1; then
        try_user ccrmtui "ordinary user"
    else
        echo "# skip: no useradd, ordinary-user part not run"
    fi
else
    try_user "" "ordinary user"
fi
done_testing
