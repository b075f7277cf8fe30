# Sourced by the tests of writers that overlap (test_import_concurrent.sh,
# test_import_unchanged.sh), after tests/lib/pg.sh: a transaction held open by a psql session
# beside the one under test, and waits for a backend to wait on a lock. Defines functions only.

# hold SQL: run SQL in a transaction that stays open (a session named "holder", fed through a
# FIFO on fd 9) until release; fails if SQL does not get through (its output on stderr)
hold() {
    local i
    rm -f "$TEST_TMP/h.in" "$TEST_TMP/h.out"
    mkfifo "$TEST_TMP/h.in"
    psql -X -q -At -v ON_ERROR_STOP=1 "$PG_CONN application_name=holder" <"$TEST_TMP/h.in" >"$TEST_TMP/h.out" 2>&1 &
    holder=$!
    exec 9>"$TEST_TMP/h.in"
    echo "begin; $1; select 'held';" >&9
    for ((i = 0; i < 1200; i++)); do grep -q held "$TEST_TMP/h.out" && return 0; sleep 0.05; done
    cat "$TEST_TMP/h.out" >&2
    return 1
}
# release: commit what hold holds, and wait until its session has ended
release() {
    echo "commit;" >&9
    exec 9>&-
    wait $holder
}
# waiting APPNAME [EVENT_TYPE]: how many backends of that application_name wait on a lock (or
# on EVENT_TYPE)
waiting() {
    psqlc -c "select count(*) from pg_stat_activity where application_name = '$1'
              and wait_event_type = '${2:-Lock}'"
}
# wait_waiting APPNAME...: until a backend of each waits on a lock, an advisory one too (a
# minute: the machine may be loaded; what the server's sessions do on stderr if not)
wait_waiting() {
    local i a all
    for ((i = 0; i < 1200; i++)); do
        all=1
        for a in "$@"; do [ "$(waiting "$a")" = 1 ] || all=0; done
        [ $all = 1 ] && return 0
        sleep 0.05
    done
    psqlc -c "select application_name, state, wait_event_type, wait_event, left(query, 60) from pg_stat_activity" >&2
    return 1
}
