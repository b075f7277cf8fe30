#!/usr/bin/env bash
# The scheduler inside the server: with pg_cron preloaded for the database (Debian
# postgresql-15-cron), `ccrm --migrate` schedules ccrm_tick() every minute and a reminder falls
# due without anyone running `ccrm --tick`; a database pg_cron is not loaded for migrates as
# before and says to use `ccrm --tick`; the private cluster turns pg_cron on by itself.
# Waits for pg_cron's next minute once (up to 90 s after the task falls due), after the other
# database's and the private cluster's parts, which run meanwhile.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_tick_cron.sh path/to/ccrm}

if [ ! -e "$PG_BIN/../lib/pg_cron.so" ]; then
    echo "# pg_cron is not installed (postgresql-15-cron): skip"
    exit 77
fi
PG_EXTRA_OPTS="-c shared_preload_libraries=pg_cron -c cron.database_name=ccrm -c cron.use_background_workers=on"
pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"
"$CCRM" -d "$PG_CONN" --demo --scale 1 >/dev/null || fail "demo"
q() { psqlc -c "$1"; }
DB="host=$PG_DIR dbname=ccrm"

check "--migrate scheduled ccrm_tick() every minute, as the schema owner" \
    test "$(q "select schedule || '|' || command || '|' || username from cron.job where jobname = 'ccrm-tick'")" = "* * * * *|SELECT public.ccrm_tick()|postgres"
check "... and a daily trim of pg_cron's own log to a week" test "$(q "select count(*) from cron.job where jobname = 'ccrm-cron-log'")" = 1
"$CCRM" -d "$PG_CONN" --migrate >/dev/null
check "a second --migrate keeps one job each" test "$(q "select count(*) from cron.job")" = 2

q "delete from interactions where kind in ('task', 'meeting') and due_at is not null"
I=$(psql -X -q -At "$DB user=sofia" -c "insert into interactions (kind, subject, due_at) values ('task', 'Cron test', now()) returning id" | head -1)
ok "a task is due now (#$I); pg_cron's next minute is waited for below"
# (the parts below need no pg_cron minute: they run while it comes)

# a database pg_cron is not loaded for
as_pg "$PG_BIN/createdb" -h "$PG_DIR" -U postgres other
out=$("$CCRM" -d "host=$PG_DIR user=postgres dbname=other" --migrate 2>&1)
check "another database migrates as before ($(tail -1 <<<"$out"))" grep -q 'schema is at version' <<<"$out"
check "... and says to run ccrm --tick" \
    test "$(psqlc -d other -c "select ccrm_cron_enable()")" = "pg_cron is not loaded for this database: run ccrm --tick from cron or a systemd timer"
check "... without a cron schema" test "$(psqlc -d other -c "select count(*) from pg_namespace where nspname = 'cron'")" = 0

# the private cluster turns it on by itself (the test cluster's settings back afterwards)
unset PGHOST PGUSER PGDATABASE
conn=$("$CCRM" --local-start 2>/dev/null | tail -1)
on_exit "'$CCRM' --local-stop"
check "the private database starts ($conn)" test -n "$conn"
check "... with pg_cron loaded for its database" \
    test "$(psql -X -q -At "$conn" -c "show shared_preload_libraries" -c "show cron.database_name" | paste -sd,)" = "pg_cron,ccrm"
"$CCRM" --migrate >/dev/null 2>&1
check "... and after --migrate the job is there" test "$(psql -X -q -At "$conn" -c "select count(*) from cron.job where jobname = 'ccrm-tick'")" = 1
"$CCRM" --local-stop
export PGHOST=$PG_DIR PGUSER=postgres PGDATABASE=ccrm

# the minute: polled inside one statement (each query of the loop sees what committed since),
# not by a psql every 0.1 s (190 of them while it came: a psql and its backend cost some 70 ms
# of processor time)
q "do \$\$ begin
       while (select count(*) from reminders where interaction_id = $I) = 0
             and clock_timestamp() < (select due_at from interactions where id = $I) + interval '90 s' loop
           perform pg_sleep(0.1);
       end loop;
   end \$\$"
check "pg_cron ran the scheduler: the reminder was written, once" \
    test "$(q "select count(*) || ':' || login from reminders where interaction_id = $I group by login")" = "1:sofia"
check "... by the job, which succeeded" \
    test "$(q "select count(*) > 0 from cron.job_run_details d join cron.job j using (jobid) where j.jobname = 'ccrm-tick' and d.status = 'succeeded'")" = t
check "ccrm --tick beside it finds it done" test "$(psql -X -q -At "$DB user=sofia" -c "select done from ccrm_tick() where work = 'reminders'")" = 0

done_testing
