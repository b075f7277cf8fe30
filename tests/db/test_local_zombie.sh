#!/bin/bash
# shellcheck disable=SC2015 # "check && ok || fail": ok only prints and always succeeds
# The private database's server killed (kill -9, the OOM killer) where nobody reaps orphans
# (a container whose first process does not wait for them): the server stays a zombie, its
# process number still taken, and its postmaster.pid names it. `ccrm --local-start` (and the
# client's own start) refused, "lock file "postmaster.pid" already exists", exit 69, until
# something reaped it. A zombie is a process that is gone: the file is set aside, the server
# starts. Usage: bash tests/db/test_local_zombie.sh /path/to/ccrm. Exit 0 pass, 1 fail, 77 skip.
set -u

CCRM=$(realpath "${1:?usage: test_local_zombie.sh /path/to/ccrm}")
fails=0
if ! command -v psql >/dev/null; then
    echo "SKIP: psql not found"
    exit 77
fi
if [ -z "${CCRM_PG_BINDIR:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
    ! command -v initdb >/dev/null; then
    echo "SKIP: PostgreSQL server programs (initdb, pg_ctl) not found"
    exit 77
fi
# as the server's user: ourselves, or as root the postgres user
as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u "${CCRM_LOCAL_USER:-postgres}" -- "$@"; else "$@"; fi
}
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
ok() { echo "ok: $*"; }

T=$(mktemp -d)
chmod 755 "$T" # as root: the server's user can reach it, the cluster stays in place
export XDG_DATA_HOME=$T/data
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGSERVICE
holder=
cleanup() {
    "$CCRM" --local-stop >/dev/null 2>&1
    # the zombie's parent (the sleep its shell became; the zombie is reaped by init then), and
    # runuser
    [ -s "$T/z/pid.parent" ] && kill "$(cat "$T/z/pid.parent")" 2>/dev/null
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1

CI=$("$CCRM" --local-start 2>"$T/err") || {
    echo "FAIL: first start: $(cat "$T/err")"
    exit 1
}
"$CCRM" --local-stop || fail "stop"
pgdata=$XDG_DATA_HOME/ccrm/pgdata
[ -d "$pgdata" ] || fail "no $pgdata"

# a zombie of the server's user (as root: the server, not root, must be unable to signal it,
# or PostgreSQL's own check calls the file stale): a child that exited, its parent (the shell,
# become a sleep) never waits. The child ends only once its shell is the sleep: a child that
# ended first was reaped by the shell (bash reaps its children as they end), and on a loaded
# machine no zombie was left. runuser does not pass a signal on to the sleep: the cleanup
# signals the sleep itself (it held ctest 300 s after a failure).
mkdir "$T/z"
[ "$(id -u)" = 0 ] && chown "${CCRM_LOCAL_USER:-postgres}" "$T/z"
# shellcheck disable=SC2016 # $$, $! and $1 are the inner shell's
as_server bash -c 'echo $$ >"$1.parent"
                   (while [ "$(cat /proc/$$/comm 2>/dev/null)" != sleep ]; do sleep 0.05; done) &
                   echo $! >"$1"; exec sleep 120' _ "$T/z/pid" &
holder=$!
for _ in $(seq 300); do
    z=$(cat "$T/z/pid" 2>/dev/null) && [ -n "$z" ] &&
        [ "$(ps -o stat= -p "$z" 2>/dev/null | cut -c1)" = Z ] && break
    sleep 0.1
done
[ -n "${z:-}" ] && [ "$(ps -o stat= -p "$z" 2>/dev/null | cut -c1)" = Z ] || {
    echo "FAIL: could not make a zombie process"
    exit 1
}
printf '%s\n%s\n' "$z" "$pgdata" >"$pgdata/postmaster.pid"
[ "$(id -u)" = 0 ] && chown "${CCRM_LOCAL_USER:-postgres}" "$pgdata/postmaster.pid"

CI=$("$CCRM" --local-start 2>"$T/err")
rc=$?
[ "$rc" = 0 ] && [ "$(psql "$CI" -Atc 'select 45' 2>&1)" = 45 ] &&
    ok "--local-start with a postmaster.pid naming a zombie starts ($(head -c 160 "$T/err"))" ||
    fail "--local-start with a postmaster.pid naming a zombie: exit $rc ($(cat "$T/err"))"
"$CCRM" --local-stop || fail "stop after the start"
# and --local-stop, with nothing running, is content and signals nothing
printf '%s\n%s\n' "$z" "$pgdata" >"$pgdata/postmaster.pid"
[ "$(id -u)" = 0 ] && chown "${CCRM_LOCAL_USER:-postgres}" "$pgdata/postmaster.pid"
"$CCRM" --local-stop 2>"$T/err" && [ ! -e "$pgdata/postmaster.pid" ] &&
    ok "--local-stop with a postmaster.pid naming a zombie: nothing to stop" ||
    fail "--local-stop with a postmaster.pid naming a zombie ($(cat "$T/err"))"

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "all passed"
