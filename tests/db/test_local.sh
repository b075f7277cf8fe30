#!/bin/bash
# shellcheck disable=SC2015 # "check && ok || fail": ok only prints and always succeeds
# Integration test of the embedded default database (src/db/local.c), through the real binary:
# `ccrm --local-start` prints the conninfo of the private cluster under $XDG_DATA_HOME/ccrm,
# `ccrm --local-stop` stops it. Usage: bash tests/db/test_local.sh /path/to/ccrm
# Exit 0: pass, 1: fail, 77: skipped (no PostgreSQL server programs or psql).
set -u

CCRM=$(realpath "${1:?usage: test_local.sh /path/to/ccrm}")
TESTUSER=ccrmtest
fails=0
dirs=()  # XDG_DATA_HOME directories to stop and remove, as "user:dir"
extra=() # more paths to remove
created_user=0

if ! command -v psql >/dev/null; then
    echo "SKIP: psql not found"
    exit 77
fi
if [ -z "${CCRM_PG_BINDIR:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
    ! command -v initdb >/dev/null; then
    echo "SKIP: PostgreSQL server programs (initdb, pg_ctl) not found"
    exit 77
fi

# run USER CMD...: run a command as USER ("" = as ourselves)
run() {
    local u=$1
    shift
    if [ -z "$u" ]; then
        "$@"
    else
        runuser -u "$u" -- "$@"
    fi
}

cleanup() {
    local entry u d pgdata target
    for entry in "${dirs[@]}"; do
        u=${entry%%:*}
        d=${entry#*:}
        run "$u" env XDG_DATA_HOME="$d" "$BIN" --local-stop >/dev/null 2>&1
        target=$(readlink "$d/ccrm/cluster" 2>/dev/null)
        for pgdata in "$d/ccrm/pgdata" ${target:+"$target/pgdata"}; do
            # last resort if --local-stop failed: the postmaster's pid is line 1
            if [ -f "$pgdata/postmaster.pid" ]; then
                kill -INT "$(head -1 "$pgdata/postmaster.pid")" 2>/dev/null
            fi
        done
        [ -n "$target" ] && rm -rf "$target"
        rm -rf "$d"
    done
    rm -rf "${extra[@]}"
    [ -n "${TMP:-}" ] && rm -rf "$TMP"
    if [ "$created_user" = 1 ]; then
        userdel -r "$TESTUSER" >/dev/null 2>&1
    fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

ok() {
    echo "ok: $*"
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# newdir [USER]: set d to a fresh XDG_DATA_HOME (owned by USER when given), to be cleaned up
newdir() {
    d=$(mktemp -d)
    [ -n "${1:-}" ] && chown "$1" "$d"
    dirs+=("${1:-}:$d")
}

# start USER DIR: ccrm --local-start, conninfo in $CI, stderr in $ERR; returns ccrm's status
start() {
    local rc
    CI=$(run "$1" env XDG_DATA_HOME="$2" "$BIN" --local-start 2>"$TMP/err")
    rc=$?
    ERR=$(cat "$TMP/err")
    return $rc
}

# the binary must be runnable by the unprivileged test user too, whose build tree may be private
TMP=$(mktemp -d)
chmod 755 "$TMP"
BIN=$TMP/ccrm
cp "$CCRM" "$BIN"
chmod 755 "$BIN"
me=$(id -un)
cd / || exit 1 # the test user cannot enter our working directory

# 1. first start, a fast second start, a query, stop, start again
newdir
t0=$(now_ms)
if start "" "$d"; then ok "first start ($(($(now_ms) - t0)) ms): $CI"; else fail "first start: $ERR"; fi
first=$CI
[ "$(printf '%s\n' "$CI" | wc -l)" = 1 ] || fail "--local-start printed more than the conninfo"
t0=$(now_ms)
start "" "$d" || fail "second start: $ERR"
elapsed=$(($(now_ms) - t0))
[ "$CI" = "$first" ] || fail "second start gave another conninfo: $CI"
[ -z "$ERR" ] || fail "second start said something: $ERR"
if [ "$elapsed" -lt 1000 ]; then ok "second start ($elapsed ms)"; else fail "second start took $elapsed ms"; fi
who=$(psql "$CI" -Atc 'select current_user || current_database()' 2>&1)
[ "$who" = "${me}ccrm" ] && ok "psql as $me" || fail "psql: $who"
if [ "$(id -u)" = 0 ]; then
    # $d is mktemp's 0700 directory: the server user cannot reach it, so the cluster moved
    target=$(readlink "$d/ccrm/cluster")
    case $target in
    /var/lib/ccrm/*) ok "as root, cluster placed in $target" ;;
    *) fail "as root with an unreachable directory, no cluster link: '$target'" ;;
    esac
    owner=$(stat -c %U "$target/pgdata" 2>/dev/null)
    [ "$owner" = "${CCRM_LOCAL_USER:-postgres}" ] && ok "pgdata owned by $owner" ||
        fail "pgdata owned by '$owner'"
fi
if env XDG_DATA_HOME="$d" "$BIN" --local-stop; then ok "stop"; else fail "stop"; fi
psql "$first" -Atc 'select 1' >/dev/null 2>&1 && fail "server still answers after --local-stop"
env XDG_DATA_HOME="$d" "$BIN" --local-stop || fail "second stop (nothing to do) failed"
start "" "$d" || fail "start after stop: $ERR"
[ "$CI" = "$first" ] || fail "start after stop gave another conninfo: $CI"
[ "$(psql "$CI" -Atc 'select 42' 2>&1)" = 42 ] && ok "start after stop" || fail "start after stop"
if [ "$(id -u)" = 0 ]; then
    # the cluster's directory under /var/lib/ccrm removed by hand: made again, a new cluster
    env XDG_DATA_HOME="$d" "$BIN" --local-stop >/dev/null 2>&1
    rm -rf "$target"
    start "" "$d" || fail "start after its directory was removed: $ERR"
    [ "$(psql "$CI" -Atc 'select 43' 2>&1)" = 43 ] && ok "the removed cluster directory made again" ||
        fail "the removed cluster directory made again: $ERR"
fi

# 2. two concurrent first starts: both succeed, on one cluster
newdir
env XDG_DATA_HOME="$d" "$BIN" --local-start >"$TMP/c1" 2>"$TMP/e1" &
p1=$!
env XDG_DATA_HOME="$d" "$BIN" --local-start >"$TMP/c2" 2>"$TMP/e2" &
p2=$!
wait $p1 && wait $p2 || fail "concurrent starts: $(cat "$TMP/e1" "$TMP/e2")"
cdir=$d/ccrm
[ -L "$cdir/cluster" ] && cdir=$(readlink "$cdir/cluster")
[ -s "$TMP/c1" ] && cmp -s "$TMP/c1" "$TMP/c2" || fail "concurrent starts gave different conninfos"
n=$(grep -c 'creating a private database' "$TMP/e1" "$TMP/e2" | awk -F: '{ s += $2 } END { print s }')
[ "$n" = 1 ] || fail "concurrent starts: $n initdb runs"
n=$(grep -c 'ready to accept connections' "$cdir/postgres.log")
[ "$n" = 1 ] || fail "concurrent starts: the server started $n times"
[ "$(psql "$(cat "$TMP/c1")" -Atc 'select 1' 2>&1)" = 1 ] && ok "two concurrent starts" ||
    fail "psql after concurrent starts"

# 3. a directory too deep for a unix socket path: the socket goes to a private /tmp directory
newdir
deep=$d/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))
mkdir -p "$deep"
dirs=(":$deep" "${dirs[@]}") # stopped before $d goes
[ "$(id -u)" = 0 ] && chmod -R o+x "$d" # so that the cluster stays in place as root
if start "" "$deep"; then
    sock=$(sed -n "s/^host=\([^ ]*\) .*/\1/p" <<<"$CI")
    extra+=("$sock")
    case $sock in
    /tmp/ccrm-*) ;;
    *) fail "deep directory: socket directory $sock" ;;
    esac
    [ "$(stat -c %a "$sock")" = 700 ] || fail "socket directory $sock is not 0700"
    [ "$(psql "$CI" -Atc 'select 1' 2>&1)" = 1 ] && ok "deep directory, socket in $sock" ||
        fail "psql with the socket in $sock"
else
    fail "deep directory: $ERR"
fi
env XDG_DATA_HOME="$deep" "$BIN" --local-stop || fail "deep directory: stop"

# 4. error messages
newdir
if CCRM_PG_BINDIR=/nonexistent start "" "$d"; then
    fail "start with CCRM_PG_BINDIR=/nonexistent succeeded"
else
    grep -q 'could not find initdb and pg_ctl' <<<"$ERR" && ok "missing server programs" ||
        fail "missing server programs: $ERR"
fi

# 5. as root: a reachable directory keeps the cluster, a missing server user is an error;
#    an unprivileged user gets a cluster of its own
if [ "$(id -u)" != 0 ]; then
    echo "skip: root-only parts (running as $me)"
else
    newdir
    chmod 755 "$d"
    if start "" "$d"; then
        [ ! -e "$d/ccrm/cluster" ] && [ "$(stat -c %U "$d/ccrm/pgdata")" != root ] &&
            [ "$(stat -c %a "$d/ccrm/run")" = 700 ] &&
            ok "as root, reachable directory: cluster in place" ||
            fail "as root, reachable directory: unexpected layout"
    else
        fail "as root, reachable directory: $ERR"
    fi
    # a directory of the user's that was there, private: not opened up for the server (it
    # made /root 701 with data_dir = ~/); the cluster goes where the server can reach it
    newdir
    chmod 755 "$d"
    mkdir -m 700 "$d/ccrm"
    if start "" "$d"; then
        mode=$(stat -c %a "$d/ccrm")
        [ "$mode" = 700 ] && [ -L "$d/ccrm/cluster" ] &&
            ok "as root, a private directory that was there stays $mode, the cluster in $(readlink "$d/ccrm/cluster")" ||
            fail "as root, a private directory that was there: mode $mode, link '$(readlink "$d/ccrm/cluster")'"
        # a postmaster.pid left by a crash whose number is now another process's (of the
        # server's user): --local-stop must not signal it, --local-start must start
        env XDG_DATA_HOME="$d" "$BIN" --local-stop || fail "stop before the stale pid file"
        pgdata=$(readlink "$d/ccrm/cluster")/pgdata
        runuser -u "${CCRM_LOCAL_USER:-postgres}" -- sleep 300 &
        victim=$!
        for i in $(seq 50); do
            vp=$(pgrep -u "${CCRM_LOCAL_USER:-postgres}" -x sleep -n) && break
            sleep 0.1
        done
        printf '%s\n%s\n' "$vp" "$pgdata" >"$pgdata/postmaster.pid"
        chown "${CCRM_LOCAL_USER:-postgres}" "$pgdata/postmaster.pid"
        env XDG_DATA_HOME="$d" "$BIN" --local-stop 2>"$TMP/err"
        rc=$?
        kill -0 "$vp" 2>/dev/null && [ "$rc" = 0 ] &&
            ok "--local-stop with a stale postmaster.pid: exit 0, the process of that number untouched" ||
            fail "--local-stop with a stale postmaster.pid: exit $rc, process $vp $(kill -0 "$vp" 2>/dev/null && echo alive || echo gone) ($(cat "$TMP/err"))"
        printf '%s\n%s\n' "$vp" "$pgdata" >"$pgdata/postmaster.pid"
        chown "${CCRM_LOCAL_USER:-postgres}" "$pgdata/postmaster.pid"
        start "" "$d" && [ "$(psql "$CI" -Atc 'select 44' 2>&1)" = 44 ] && kill -0 "$vp" 2>/dev/null &&
            ok "--local-start with a stale postmaster.pid starts ($(head -c 120 <<<"$ERR"))" ||
            fail "--local-start with a stale postmaster.pid: $ERR"
        { kill "$vp" "$victim"; wait "$victim"; } 2>/dev/null
    else
        fail "as root, a private directory that was there: $ERR"
    fi
    # characters pg_ctl would hand to a shell: refused, nothing run
    newdir
    if start "" "$d/we\$x\`touch $TMP/ran\`d"; then
        fail "a data directory with \$ and \` was taken"
    else
        grep -q 'which pg_ctl would hand to a shell' <<<"$ERR" && [ ! -e "$TMP/ran" ] &&
            ok "a data directory with \$ and \`: refused ($ERR)" || fail "shell characters: $ERR"
    fi
    newdir
    if CCRM_LOCAL_USER=ccrm-no-such-user start "" "$d"; then
        fail "start as root with a missing server user succeeded"
    else
        grep -q 'could not find the unprivileged user "ccrm-no-such-user"' <<<"$ERR" &&
            ok "missing server user" || fail "missing server user: $ERR"
    fi

    if ! command -v runuser >/dev/null; then
        echo "skip: unprivileged user part (no runuser)"
    elif ! id "$TESTUSER" >/dev/null 2>&1 && ! command -v useradd >/dev/null; then
        echo "skip: unprivileged user part (no useradd)"
    else
        if ! id "$TESTUSER" >/dev/null 2>&1; then
            useradd -m "$TESTUSER" && created_user=1
        fi
        newdir "$TESTUSER"
        if start "$TESTUSER" "$d"; then
            ok "start as $TESTUSER: $CI"
            who=$(runuser -u "$TESTUSER" -- psql "$CI" -Atc 'select current_user' 2>&1)
            [ "$who" = "$TESTUSER" ] && ok "psql as $TESTUSER" || fail "psql as $TESTUSER: $who"
            [ "$(stat -c %U "$d/ccrm/pgdata")" = "$TESTUSER" ] || fail "$TESTUSER's pgdata owner"
            first=$CI
            start "$TESTUSER" "$d" && [ "$CI" = "$first" ] || fail "second start as $TESTUSER"
            run "$TESTUSER" env XDG_DATA_HOME="$d" "$BIN" --local-stop &&
                ok "stop as $TESTUSER" || fail "stop as $TESTUSER"
        else
            fail "start as $TESTUSER: $ERR"
        fi
    fi
fi

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "all passed"
