#!/usr/bin/env bash
# A list keeps a window of rows around the cursor however far it is paged: with pages smaller
# than the screen (page_size = 20 on a 40-line terminal) the window never dropped a row, and
# the client's memory grew with every page turned. (Once it did drop rows, a page turn that
# dropped some skipped as many.)
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_list_window.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
q "insert into tickets (subject, status)
   select 'Window filler ' || g || ' ' || repeat('x', 60), 'new' from generate_series(1, 5000) g" >/dev/null

# (a sanitizer's build keeps freed memory in quarantine, which would grow however flat the
# client's own memory is: freed memory is reused at once there too)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
tui_start 140 40 "$CCRM" -d "$DB user=zoe" --view tickets # (wide: at 80 the subject gives way to Assignee and Requester)
check "the Tickets list opens" wait_for "Tickets by" 15
pid=$(pgrep -f -n "$CCRM -d $DB user=zoe")
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
changed() { [ "$(screen)" != "$before" ]; }
turn() { # turn N pages, each drawn before the next
    local i
    for ((i = 0; i < $1; i++)); do
        before=$(screen)
        keys Space
        wait_until -t 5 changed || { screen >&2; fail "page $i did not turn"; }
    done
}
top() { screen | sed -n 3p | grep -o 'filler [0-9]*' | cut -d' ' -f2; }
turn 1
t0=$(top)
turn 10
t1=$(top)
turn 20
r1=$(rss)
turn 90
t2=$(top)
r2=$(rss)
# (a window that grew held 20 kB more a page here: 1.8 MB over these 90 pages, more with the
# sanitizers' red zones)
check "90 pages more turned: memory stays flat ($r1 kB after 31, $r2 kB after 121)" \
    test $((r2 - r1)) -lt 1000
check "... and every page turned by one page, none skipped (top row: $t0, $t1, $t2)" \
    test $((t1 - t2)) = $((11 * (t0 - t1)))
keys g g
check "back at the top, the first rows are read again" wait_for "Window filler 5000 " 10
tui_stop
done_testing
