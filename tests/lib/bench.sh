# Helpers of the benchmarks that time keys in the client (tests/bench): the client runs with
# CCRM_TRACE="$trace", which writes a line "key CODE MS" when a key's screen is painted.
# nkeys: how many keys have been painted so far
nkeys() { grep -c '^key' "$trace"; }
# press KEY: send it and wait until its paint is traced (2 s at most)
press() {
    local before j
    before=$(nkeys)
    keys "$1"
    for j in $(seq 400); do [ "$(nkeys)" -gt "$before" ] && return 0; sleep 0.005; done
    echo "no paint traced for key $1" >&2
}

# sla_load N C: N tickets (sofia's, 'Bench ticket 1'..), the first C of them open with a running
# or paused resolution clock of the Standard policy, loaded without the tickets' triggers, and
# the search blocks' queue they left filed (as the scheduler would over its next passes).
# bench_sla.sh and route_instructions.sh load the same data.
sla_load() {
    local pol
    pol=$(psqlc -c "select id from sla_policies where name = 'Standard'")
    psqlc -c "set session_replication_role = replica;
       insert into tickets (subject, status, priority, assignee, product, created_by, updated_by)
       select 'Bench ticket ' || g,
              case when g <= $2 then (array['new', 'open', 'open', 'pending'])[1 + g % 4]
                   else 'closed' end,
              (array['low', 'normal', 'normal', 'high', 'urgent'])[1 + g % 5],
              (array['sofia', 'zoe', 'lukasz', 'kenji'])[1 + g % 4],
              (array['ccrm Basic', 'ccrm Pro', 'ccrm Enterprise', 'API'])[1 + g % 4], 'sofia', 'sofia'
         from generate_series(1, $1) g;
       insert into sla_clocks (ticket_id, policy_id, kind, target_min, started_at, running_since,
                               due_at, warn_at, current)
       select t.id, $pol, 'resolution', 2400, now() - interval '1 day',
              case when t.status = 'pending' then null else now() - interval '1 day' end,
              case when t.status = 'pending' then null
                   else now() + ((t.id % 20000) + 60) * interval '1 minute' end,
              case when t.status = 'pending' then null
                   else now() + ((t.id % 20000) + 30) * interval '1 minute' end,
              true
         from tickets t where t.subject like 'Bench ticket %' and t.status <> 'closed'" >/dev/null
    psqlc -c "select ccrm_search_blocks_flush(2000000)" >/dev/null
}
