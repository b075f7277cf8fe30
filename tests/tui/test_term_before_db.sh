#!/usr/bin/env bash
# A terminal the full-screen client cannot drive (TERM unset, dumb, unknown) is refused before
# any database is opened: with nothing configured, `ccrm` on such a terminal used to create,
# start and migrate a private database (seconds, a server left running) and only then say
# that the terminal would not do; with a database that cannot be reached it named the
# database, not the terminal. `script` gives ccrm a pseudo-terminal; no server is needed.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(realpath "${1:?usage: test_term_before_db.sh path/to/ccrm}")
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGSERVICE PGUSER
command -v script >/dev/null || fail "script (util-linux) is needed"

# on_tty TERM-SETTING ARGS...: ccrm ARGS on a pseudo-terminal, with TERM set as told ("-" to
# unset it); its output in $TEST_TMP/out, its exit status in $rc
on_tty() {
    local term=$1
    shift
    if [ "$term" = - ]; then
        set -- env -u TERM "$CCRM" "$@"
    else
        set -- env TERM="$term" "$CCRM" "$@"
    fi
    script -qec "$(printf '%q ' "$@")" /dev/null </dev/null >"$TEST_TMP/out" 2>&1
    rc=$?
}

data=$XDG_DATA_HOME/ccrm
# stop whatever a failing run started, so that nothing outlives the test
on_exit "[ -e '$data' ] && '$CCRM' --local-stop"
for t in dumb - ccrm-no-such-terminal; do
    n=${t/#-/(unset)}
    case $t in
    dumb) want='terminal "dumb" cannot move the cursor' ;;
    -) want='TERM is not set' ;;
    *) want='unknown terminal type "ccrm-no-such-terminal"' ;;
    esac
    on_tty "$t"
    check "TERM=$n, nothing configured: the terminal is refused, exit 69 (got $rc: $(head -c 200 "$TEST_TMP/out"))" \
        bash -c "test $rc = 69 && grep -qF '$want' '$TEST_TMP/out'"
    check "TERM=$n: no private database was created for it" test ! -e "$data"
    check "TERM=$n: nothing about a database was said" bash -c "! grep -qiE 'private database|migration' '$TEST_TMP/out'"
    # a database that cannot be reached: the terminal is what is named
    on_tty "$t" -d "host=$TEST_TMP/nowhere dbname=x"
    check "TERM=$n, an unreachable database: the terminal is named, exit 69 (got $rc: $(head -c 200 "$TEST_TMP/out"))" \
        bash -c "test $rc = 69 && grep -qF '$want' '$TEST_TMP/out' && ! grep -q 'could not connect' '$TEST_TMP/out'"
done
done_testing
