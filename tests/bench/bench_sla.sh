#!/usr/bin/env bash
# Benchmark: responsibility and time at scale (schema/019). Three figures, each timed by psql
# (\timing, server round trip) in one run:
#   1. the Tickets list by time left at N tickets: the first page, a page from the middle
#      (keyset) and the breached filter, with the SQL the list uses (docs/architecture.md), and
#      PgDn and j in the client sorted by time left (key read to screen updated, CCRM_TRACE);
#   2. one scheduler pass (ccrm_tick) with C open SLA clocks, D of them due and D reaching their
#      warning, and an idle pass;
#   3. a single ticket insert without an assignee: routed by 30 rules, SLA clocks started and
#      the person told, against the same insert with those triggers off (the insert of
#      before 019), in alternating rounds of R inserts (a new psql session each).
# Usage: tests/bench/bench_sla.sh path/to/ccrm [--scale N] [--clocks C] [--due D] [--reps R]
#                                             [--rounds K]
# Defaults: 1,000,000 tickets, 100,000 open clocks, 100 due, 30 repetitions, 20 rounds
# (scripts/bench). The extra cost's p50 moves by +-0.3 ms between runs of 5 rounds; its
# instructions, repeatable, are counted by route_instructions.sh.
# PG_EXTRA_OPTS adds server settings, e.g. PG_EXTRA_OPTS="-c shared_buffers=1GB".
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/bench.sh"
CCRM=${1:?usage: bench_sla.sh path/to/ccrm [--scale N] [--clocks C] [--due D] [--reps R]}
shift
scale=1000000
clocks=100000
due=100
reps=30
rounds=20
while [ $# -gt 0 ]; do
    case $1 in
        --scale) scale=$2; shift 2 ;;
        --clocks) clocks=$2; shift 2 ;;
        --due) due=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
[ "$clocks" -le "$scale" ] || { echo "--clocks must not exceed --scale" >&2; exit 64; }
[ "$reps" -le 30 ] || { echo "--reps: at most 30 (the inbox's bound per sender)" >&2; exit 64; }

pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null
"$CCRM" -d "$PG_CONN" --demo --scale 50 >/dev/null # people, rules, calendars, policies
q() { psqlc -c "$1"; }
stats() { # reads numbers, prints "p50 / p90 / max"
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "- / - / -"; exit }
        printf "%.2f / %.2f / %.2f\n", a[int((NR + 1) * 0.5)], a[int((NR - 1) * 0.9) + 1], a[NR] }'
}
timed() { # timed USER: run stdin's statements as USER, print each statement's ms
    psql -X -q -o /dev/null "host=$PG_DIR dbname=ccrm user=$1" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

# ---- N tickets, C of them open with a running resolution clock ----
t0=$(date +%s.%N)
sla_load "$scale" "$clocks"
q "vacuum analyze" >/dev/null
t1=$(date +%s.%N)
echo "loaded $scale tickets, $(q "select count(*) from sla_clocks where met_at is null") open clocks in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# ---- 1. the Tickets list by time left ----
cols="t.id, t.subject, t.status, t.priority, coalesce(t.assignee, ''), k.due_at, k.breached_at is not null"
page() { # page WHERE-EXTRA KEY: the list's page SQL after KEY ("(due, id)" or none)
    local cond=""
    [ -n "$2" ] && cond="and (coalesce(k.due_at, 'infinity'), k.ticket_id) > $2"
    echo "select $cols from (select k.ticket_id, k.due_at, k.breached_at from sla_clocks k
           where k.current $1 $cond order by coalesce(k.due_at, 'infinity'), k.ticket_id limit 200) k
          join tickets t on t.id = k.ticket_id order by coalesce(k.due_at, 'infinity'), k.ticket_id;"
}
midkey=$(q "select '(''' || coalesce(due_at, 'infinity') || '''::timestamptz, ' || ticket_id || ')' from sla_clocks where current
            order by coalesce(due_at, 'infinity'), ticket_id offset (select count(*) / 2 from sla_clocks where current) limit 1")
q "update sla_clocks set breached_at = due_at where id in (select id from sla_clocks where current and running_since is not null order by id limit 2000)" >/dev/null
l_first=$({ echo '\timing on'; for ((i = 0; i < reps; i++)); do page "" ""; done; } | timed sofia | stats)
l_mid=$({ echo '\timing on'; for ((i = 0; i < reps; i++)); do page "" "$midkey"; done; } | timed sofia | stats)
# the breached filter: past due or marked (the two ranges of ccrm_sla_time_left_page)
l_breached=$({ echo '\timing on'; for ((i = 0; i < reps; i++)); do
    echo "select ${cols%, k.breached_at is not null}, k.breached from ccrm_sla_time_left_page(null, null, 200, true) k
          join tickets t on t.id = k.ticket_id order by coalesce(k.due_at, 'infinity'), k.ticket_id;"
done; } | timed sofia | stats)
q "update sla_clocks set breached_at = null, breach_notified_at = null where breached_at is not null" >/dev/null
plan=$(q "explain (costs off) $(page "" "$midkey")")
grep -q 'sla_clocks_time_left_idx' <<<"$plan" || { echo "the page does not use sla_clocks_time_left_idx:" >&2; echo "$plan" >&2; }
echo "time-left list, first page (ms p50 / p90 / max):    $l_first"
echo "time-left list, page from the middle:                $l_mid"
echo "time-left list, breached filter, first page:         $l_breached"

# ... and in the client, as sofia: `:sort left`, then PgDn and j, from the key read to the screen
# updated (CCRM_TRACE), the same way as tests/bench/bench_lists.sh
trace=$TEST_TMP/trace
: >"$trace"
tui_start 160 45 env CCRM_TRACE="$trace" "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --view tickets
wait_for "Tickets by updated" || echo "the Tickets list did not open" >&2
prompt "sort left"
wait_for "Tickets by left" || echo "could not sort by left" >&2
: >"$trace"
for ((i = 0; i < reps; i++)); do press NPage; done
c_pgdn=$(grep '^key 338 ' "$trace" | awk '{ print $3 }' | stats)
: >"$trace"
for ((i = 0; i < reps; i++)); do press j; done
c_j=$(grep '^key 106 ' "$trace" | awk '{ print $3 }' | stats)
keys q
tui_stop
echo "time-left list in the client, PgDn:                  $c_pgdn"
echo "time-left list in the client, j (down):              $c_j"

# ---- 2. one scheduler pass ----
arm() { # D clocks due a minute ago, D more at their warning time
    q "update sla_clocks set breached_at = null, breach_notified_at = null, warned_at = null,
              due_at = case when rn <= $due then now() - interval '1 minute' else now() + interval '10 minutes' end,
              warn_at = now() - interval '1 minute'
         from (select id as cid, row_number() over (order by id) rn from sla_clocks
                where running_since is not null and met_at is null order by id limit $((2 * due))) x
        where id = x.cid" >/dev/null
}
passes=()
for ((i = 0; i < reps && i < 10; i++)); do
    arm
    passes+=("$( { echo '\timing on'; echo 'select * from ccrm_tick();'; } | timed sofia)")
done
p_work=$(printf '%s\n' "${passes[@]}" | stats)
p_idle=$({ echo '\timing on'; for ((i = 0; i < reps; i++)); do echo 'select * from ccrm_tick();'; done; } | timed sofia | stats)
echo "scheduler pass, $due breaches + $due warnings ($(q "select count(*) from sla_clocks where met_at is null") open clocks): $p_work"
echo "scheduler pass, nothing due:                         $p_idle"

# ---- 3. the extra cost of routing and SLA on one insert ----
q "update users set manager = null" >/dev/null # (team leads do not change the insert's cost)
for i in $(seq 14); do
    q "insert into responsibilities (department, product, person, priority)
       values ('support', 'Bench product $i', (array['sofia', 'zoe', 'kenji'])[1 + $i % 3], 100 + $i)" >/dev/null
done
nrules=$(q "select count(*) from responsibilities where active")
ins="insert into tickets (subject, product, priority, account_id) values ('Bench insert', 'ccrm Pro', 'normal', (select min(id) from accounts));"
off="alter table tickets disable trigger ccrm_route, disable trigger ccrm_route_notify, disable trigger ccrm_sla_start"
on="alter table tickets enable trigger ccrm_route, enable trigger ccrm_route_notify, enable trigger ccrm_sla_start"
: >"$TEST_TMP/base"
: >"$TEST_TMP/with"
for ((r = 0; r < rounds; r++)); do
    q "$off" >/dev/null
    { echo '\timing on'; for ((i = 0; i < reps; i++)); do echo "$ins"; done; } | timed sam >>"$TEST_TMP/base"
    q "$on" >/dev/null
    # (the routed person is told every time: no round reaches the bound of 30 per sender and
    # recipient in ten minutes)
    q "delete from inbox where from_login = 'sam'" >/dev/null
    { echo '\timing on'; for ((i = 0; i < reps; i++)); do echo "$ins"; done; } | timed sam >>"$TEST_TMP/with"
done
routed=$(q "select count(*) from tickets where subject = 'Bench insert' and routed_rule is not null")
b=$(stats <"$TEST_TMP/base")
w=$(stats <"$TEST_TMP/with")
extra=$(awk -v b="${b%% *}" -v w="${w%% *}" 'BEGIN { printf "%.2f", w - b }')
echo "ticket insert, no routing or SLA (before 019):       $b"
echo "ticket insert, routed ($nrules rules) + 2 SLA clocks + inbox: $w"
told=$(q "select count(*) from inbox i join tickets t on t.id = i.entity_id where i.kind = 'routed' and i.entity = 'tickets' and t.subject = 'Bench insert'")
echo "extra cost of routing + SLA per insert (p50): $extra ms ($routed inserts routed in $rounds rounds, the person told $told times in the last)"
