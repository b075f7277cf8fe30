#!/usr/bin/env bash
# Dates written as words (src/model/value.c): today, yesterday and tomorrow are the day in the
# person's time zone (their :settings zone; the client's clock is put in it at connect), in a
# form ("tomorrow 10:30" as a task's Due) and on the :payment line ("yesterday", which was "not
# a payment method"). The zones are far from UTC (UTC+14, UTC-10), so for most of the day the
# person's day is not the UTC day: a word read on the machine's own clock would be caught.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_day_words.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
as sofia -c "insert into inbox_settings (time_zone) values ('Pacific/Kiritimati') on conflict (login) do update set time_zone = excluded.time_zone" >/dev/null ||
    fail "sofia's time zone"
as bea -c "insert into inbox_settings (time_zone) values ('Pacific/Honolulu') on conflict (login) do update set time_zone = excluded.time_zone" >/dev/null ||
    fail "bea's time zone"
# the day in a zone, offset by some days, as the database reckons it
day_in() { q "select ((now() at time zone '$1')::date + $2)::text"; }

tui_start 140 30 "$CCRM" -d "$DB user=sofia"
check "support starts" wait_for " online "
prompt "tasks"
check "the Tasks list" wait_for "Tasks by due"
# n: a new task through its form (Kind is task; Due is the 11th field: tests/tui/test_tasks.sh)
keys n
check "n opens a task form" wait_for "New task"
keys Down
keys -l "Word dated"
for _ in 1 2 3 4 5 6 7 8 9; do keys Down; done
check "the Due field's hint names the words" wait_for "YYYY-MM-DD HH:MM, tomorrow 9:30 ·"
keys -l "tomorrow 10:30"
keys C-s
check "the form takes \"tomorrow 10:30\"" wait_for "saved task #"
want="$(day_in Pacific/Kiritimati 1) 10:30"
check "database: due tomorrow in sofia's zone at 10:30 ($want)" \
    sql_is "select to_char(due_at at time zone 'Pacific/Kiritimati', 'YYYY-MM-DD HH24:MI')
            from interactions where subject = 'Word dated'" "$want"
keys e
check "the task's form again" wait_for "Edit task"
for _ in 1 2 3 4 5 6 7 8 9 10; do keys Down; done
keys C-u
keys -l "someday"
keys C-s
check "a word that is no day is refused, as before" wait_for "not a date and time"
keys Escape
wait_for "discard your changes? y/n" 5 >/dev/null && keys y
keys q
prompt "quit"
wait_exit || fail "quit"
tui_stop

# billing: the payment's date as a word
acc=$(as sam -c "insert into accounts (name, city, country) values ('Wortzahl GmbH', 'Bonn', 'Germany') returning id")
inv=$(as bea -c "insert into invoices (account_id, currency) values ($acc, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($inv, 'x', 100, 0)" >/dev/null
as bea -c "select ccrm_invoice_issue($inv)" >/dev/null || fail "issued"
# issued five days ago (the database refuses a payment dated before the issue): set past the
# guards of issued invoices, as only the test's superuser can
q "set session_replication_role = replica;
   update invoices set issue_date = issue_date - 5, due_date = due_date - 5 where id = $inv" >/dev/null ||
    fail "back-dated"
tui_start 120 30 "$CCRM" -d "$DB user=bea"
check "billing starts" wait_for "Beatriz"
prompt "open invoice $inv"
check "the issued invoice is open" wait_for "Invoice "
prompt "payment 12,5 yesterday cash"
check ":payment 12,5 yesterday cash is recorded (yesterday was no payment method)" \
    wait_for "payment 12.50 EUR by cash"
want=$(day_in Pacific/Honolulu -1)
check "database: paid yesterday in bea's zone ($want), by cash" \
    sql_is "select paid_on::text || ' ' || method from payments where invoice_id = $inv" "$want cash"
prompt "quit"
wait_exit || fail "quit"
tui_stop
done_testing
