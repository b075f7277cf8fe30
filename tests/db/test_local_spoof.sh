#!/bin/bash
# shellcheck disable=SC2015 # "check && ok || fail": ok only prints and always succeeds
# The private database's socket is only trusted when the server behind it runs as the user
# ccrm runs it as (src/db/local.c, libpq's requirepeer). When the data directory's path is too
# long for a unix socket, the socket lives in /tmp/ccrm-UID-HASH, a name anyone can work out:
# another user who made that directory first and started a server of their own in it had
# `ccrm --local-start` (and the client, and every batch command) connect to that server,
# the CRM's data going to it. Now that is refused, naming the directory, and nothing is
# connected to. Root only (two users: the server user and another, "nobody").
# Usage: bash tests/db/test_local_spoof.sh /path/to/ccrm. Exit 0 pass, 1 fail, 77 skipped.
set -u

CCRM=$(realpath "${1:?usage: test_local_spoof.sh /path/to/ccrm}")
EVIL=nobody
fails=0

if [ "$(id -u)" != 0 ] || ! id "$EVIL" >/dev/null 2>&1 || ! command -v runuser >/dev/null; then
    echo "SKIP: needs root, runuser and the user $EVIL"
    exit 77
fi
PG_BIN=${CCRM_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ ! -x "$PG_BIN/initdb" ] || ! command -v psql >/dev/null; then
    echo "SKIP: PostgreSQL server programs or psql not found"
    exit 77
fi

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
ok() { echo "ok: $*"; }

T=$(mktemp -d)
chmod 755 "$T"
deep=$T/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))
mkdir -p "$deep"
chmod -R o+x "$T" # so that the cluster stays in place as root
sock=
cleanup() {
    env XDG_DATA_HOME="$deep" "$CCRM" --local-stop >/dev/null 2>&1
    [ -f "$T/evil/data/postmaster.pid" ] &&
        runuser -u "$EVIL" -- "$PG_BIN/pg_ctl" -D "$T/evil/data" -m immediate -w stop >/dev/null 2>&1
    [ -n "$sock" ] && rm -rf "$sock"
    rm -rf "$T"
}
trap cleanup EXIT
cd / || exit 1

# where the socket of this data directory goes: a first start says, then it is stopped and
# its socket directory removed (as a reboot's cleaning of /tmp would)
CI=$(env XDG_DATA_HOME="$deep" "$CCRM" --local-start 2>"$T/err") || {
    echo "FAIL: first start: $(cat "$T/err")"
    exit 1
}
sock=$(sed -n "s/^host=\([^ ]*\) .*/\1/p" <<<"$CI")
case $sock in
/tmp/ccrm-*) ok "the socket goes to $sock" ;;
*)
    echo "FAIL: the socket is not in /tmp: $CI"
    exit 1
    ;;
esac
env XDG_DATA_HOME="$deep" "$CCRM" --local-stop || fail "stop"
rm -rf "$sock"

# another user takes that name first and runs a server there that lets anyone in
mkdir -m 700 "$sock" "$T/evil"
chown "$EVIL" "$sock" "$T/evil"
runuser -u "$EVIL" -- "$PG_BIN/initdb" -D "$T/evil/data" -A trust -U root -E UTF8 \
    --locale=C.UTF-8 >"$T/evil/initdb.log" 2>&1 || {
    echo "FAIL: initdb of the other server: $(tail -3 "$T/evil/initdb.log")"
    exit 1
}
runuser -u "$EVIL" -- "$PG_BIN/pg_ctl" -D "$T/evil/data" -w -l "$T/evil/log" \
    -o "-k $sock -p 5432 -c listen_addresses= -c log_connections=on" start >/dev/null || {
    echo "FAIL: could not start the other server: $(tail -3 "$T/evil/log")"
    exit 1
}
runuser -u "$EVIL" -- psql -h "$sock" -U root -d postgres -qc 'CREATE DATABASE ccrm' ||
    fail "create the other server's database"
before=$(grep -c 'connection authorized' "$T/evil/log")

CI=$(env XDG_DATA_HOME="$deep" "$CCRM" --local-start 2>"$T/err")
rc=$?
got=$(psql "$CI" -Atc 'show data_directory' 2>/dev/null)
after=$(grep -c 'connection authorized' "$T/evil/log")
[ "$rc" != 0 ] && grep -qF "could not use directory \"$sock\": it belongs to uid $(id -u "$EVIL")" "$T/err" &&
    ok "--local-start refuses the other user's socket directory (exit $rc: $(cat "$T/err"))" ||
    fail "--local-start with another user's server on its socket: exit $rc, conninfo '$CI', connected to '$got' ($(head -c 300 "$T/err"))"
[ "$before" = "$after" ] && ok "nothing connected to the other user's server" ||
    fail "ccrm connected to the other user's server ($((after - before)) connections)"
env -u PGHOST -u PGPORT -u PGDATABASE -u PGSERVICE XDG_DATA_HOME="$deep" "$CCRM" --agenda \
    >/dev/null 2>"$T/err"
rc=$?
after=$(grep -c 'connection authorized' "$T/evil/log")
[ "$rc" = 69 ] && [ "$before" = "$after" ] && ok "a batch command on the private database refuses it too (exit 69)" ||
    fail "--agenda: exit $rc, $((after - before)) connections to the other server ($(head -c 300 "$T/err"))"

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "all passed"
