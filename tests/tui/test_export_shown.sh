#!/usr/bin/env bash
# `:export FILE` writes the list as it is shown: the Tickets' "Left" column (the deciding SLA
# clock, which the list counts down on screen from a due time it reads as epoch milliseconds)
# is written as the list shows it ("3h 20m", "! -2d 4h", "paused"), not as that number
# ("1765148820000" before); every other column as before.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_export_shown.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# one clock overdue, one paused, the others as the demo left them
t1=$(q "select ticket_id from sla_clocks where current and running_since is not null order by ticket_id limit 1")
t2=$(q "select ticket_id from sla_clocks where current and running_since is not null order by ticket_id offset 1 limit 1")
q "update sla_clocks set due_at = now() - interval '2 hours 5 minutes' where current and ticket_id = $t1" >/dev/null
q "update sla_clocks set running_since = NULL where current and ticket_id = $t2" >/dev/null
n=$(q "select count(*) from tickets")

tui_start 140 30 "$CCRM" -d "$DB user=sofia" --view tickets
check "the Tickets list opens" wait_for "Tickets by" 15
prompt "filter all"
prompt "export $TEST_TMP/tickets.csv"
check "the export says how many rows ($n)" wait_for "exported $n rows of Tickets"
keys q
tui_stop

f=$TEST_TMP/tickets.csv
left=$(python3 -c '
import csv, sys
r = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
i = r[0].index("Left")
for row in r[1:]:
    print(row[i])
' "$f")
check "the header names the Left column ($(head -1 "$f"))" grep -q "^#,✉,Subject,Status,Priority,Left," "$f"
check "no Left cell is a due time in milliseconds ($(grep -cE '^[0-9]{12,}$' <<<"$left") are)" \
    bash -c '! grep -qE "[0-9]{12,}" <<<"$1"' _ "$left"
check "the overdue clock is written as shown (! -2h 5m or more)" grep -qE '^! -2h [0-9]+m$' <<<"$left"
check "the paused clock is written as shown (paused)" grep -qx 'paused' <<<"$left"
check "a running clock is written as the time left (5d 3h, 4h 10m, 12m)" \
    grep -qE '^([0-9]+d [0-9]+h|[0-9]+h [0-9]+m|[0-9]+m|<1m)$' <<<"$left"
done_testing
