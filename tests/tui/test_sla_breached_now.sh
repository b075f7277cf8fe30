#!/usr/bin/env bash
# "Breached" means the same everywhere, whether or not the scheduler (ccrm --tick) has run: an
# open clock past its due time is breached now, as sla_compliance (schema/073) and the
# Dashboard count it. The Tickets list's breached filter, ccrm_sla_time_left_page(..., true)
# and a ticket's SLA line went by the scheduler's mark alone (breached_at), so before --tick
# the Dashboard counted overdue tickets that `f breached` did not show. A clock paused after
# its due time has no due time, only the mark: breached too, and its Left says so.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_sla_breached_now.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user=mia"
# the demo's first-response clocks past due, none marked (no --tick ran)
late=$(q "select ticket_id from sla_clocks where current and running_since is not null
          and due_at <= now() order by ticket_id")
n=$(wc -w <<<"$late")
check "the demo has deciding clocks past due ($n)" test "$n" -ge 2
check "... not marked breached by the scheduler" \
    sql_is "select count(*) from sla_clocks where breached_at is not null" 0
t=$(head -n1 <<<"$late")
p=$(sed -n 2p <<<"$late")
q "update tickets set subject = 'Late unmarked' where id = $t" >/dev/null
# one of them paused (pending): ccrm_sla_stop marks it at its due time, it has no due time now
q "update tickets set subject = 'Late paused', status = 'pending' where id = $p" >/dev/null
check "the paused one has the mark and no due time" \
    sql_is "select breached_at is not null and due_at is null from sla_clocks where ticket_id = $p and current" t
check "the other one has no mark" \
    sql_is "select breached_at is null from sla_clocks where ticket_id = $t and current" t

# breached as the view counts it: open past its due time, or marked
want=$(q "select count(*) from sla_clocks where current and (breached_at is not null or due_at <= now())")
check "the view counts every open clock past due ($n)" \
    sql_is "select sum(open_breached) from sla_compliance" "$n"
check "... as the Dashboard reads it (src/db/service.c)" \
    sql_is "select sum(open_breached) from (SELECT kind, clocks, met_in_time, met - met_in_time, open_breached,
            coalesce(percent_in_time::text, '') FROM public.sla_compliance) x" "$n"
check "the breached page: every deciding clock past due or marked ($want)" \
    sql_is "select count(*) from ccrm_sla_time_left_page(null, null, 1000, true)" "$want"
check "... the unmarked one among them, and said breached" \
    sql_is "select breached from ccrm_sla_time_left_page(null, null, 1000, true) where ticket_id = $t" t
check "... the paused one too, last (no due time)" \
    sql_is "select ticket_id from ccrm_sla_time_left_page(null, null, 1000, true)
            order by coalesce(due_at, 'infinity') desc, ticket_id desc limit 1" "$p"
check "... paged by 1: the same tickets in the same order" \
    test "$(q "select string_agg(ticket_id::text, ',' order by coalesce(due_at, 'infinity'), ticket_id)
               from ccrm_sla_time_left_page(null, null, 1000, true)")" = \
    "$(key="null::timestamptz, null::bigint"; out=""
       while r=$(q "select ticket_id || '|' || coalesce(due_at::text, 'infinity') from ccrm_sla_time_left_page($key, 1, true)"); [ -n "$r" ]; do
           out="$out${out:+,}${r%%|*}"; d=${r#*|}
           [ "$d" = infinity ] && key="null::timestamptz, ${r%%|*}" || key="'$d'::timestamptz, ${r%%|*}"
       done; echo "$out")"
check "the time-left page without the filter is unchanged: every deciding clock" \
    sql_is "select count(*) from ccrm_sla_time_left_page(null, null, 1000)" \
    "$(q "select count(*) from sla_clocks where current")"
check "its detail's SLA line says breached, at the due time" \
    sql_is "select ccrm_ticket_sla($t) like '%breached ' || to_char(ccrm_local(due_at), 'MM-DD HH24:MI') || '%'
            from sla_clocks where ticket_id = $t and current" t
# both ranges on the clocks' indexes, merged in order (docs/architecture.md): the same plan
# shape as the page without the filter, whatever the planner prefers for a demo's few rows
plan=$(q "set enable_seqscan = off; set enable_sort = off; set enable_bitmapscan = off;
          explain (costs off) select * from ccrm_sla_time_left_page(now(), 5, 50, true)")
check "the breached page walks sla_clocks_time_left_idx" grep -q 'sla_clocks_time_left_idx' <<<"$plan"
check "... and sla_clocks_breached_idx, merged (no sort)" \
    bash -c "grep -q 'sla_clocks_breached_idx' <<<\"\$1\" && grep -q 'Merge Append' <<<\"\$1\" && ! grep -q -- '->  Sort' <<<\"\$1\"" _ "$plan"

# the client: the Tickets list's breached filter, the Left column, the detail, the Dashboard
tui_start 140 40 "$CCRM" -d "$DB" --view tickets
check "the Tickets list is up" wait_for "Tickets by updated"
prompt "filter breached"
check "f breached" wait_for "filter breached"
check "... shows the ticket past due that the scheduler has not marked" line_has "Late unmarked" "! -"
check "... and the paused one, its Left marked" line_has "Late paused" "! paused"
line=$(tmx capture-pane -t =t: -p -e | grep "Late paused")
check "... in red" grep -q '31m\|;31' <<<"$line"
keys /
keys -l "Late unmarked"
keys Enter
keys Enter
check "its detail's SLA line says breached" wait_until line_has "SLA" "breached"
keys Escape
keys q
tui_stop
tui_start 140 40 "$CCRM" -d "$DB" --view dashboard
check "the Dashboard's SLA section" wait_for "SLA, last 30 days" 15
check "... counts the same overdue clocks" \
    line_has "first response" "overdue $(q "select open_breached from sla_compliance where kind = 'first_response'")"
keys q
tui_stop

# the scheduler's run marks them: nothing changes for any reader
"$CCRM" -d "$DB" --tick >/dev/null 2>&1 || fail "ccrm --tick"
check "after --tick: the marks are set" \
    sql_is "select count(*) from sla_clocks where current and due_at <= now() and breached_at is null" 0
check "... the view counts the same" sql_is "select sum(open_breached) from sla_compliance" "$n"
check "... the breached page lists the same" \
    sql_is "select count(*) from ccrm_sla_time_left_page(null, null, 1000, true)" "$want"
done_testing
