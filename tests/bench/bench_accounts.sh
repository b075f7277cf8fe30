#!/usr/bin/env bash
# Benchmark: the Accounts list at scale, measured end to end inside the client (key read →
# screen updated, via CCRM_TRACE) next to the bare SQL of the same queries timed by psql in
# the same run, plus the client's memory. Usage:
#   tests/bench/bench_accounts.sh path/to/ccrm [--scale N] [--reps N] [--starts N]
# --starts: how many times the client is started to time its first paint (default 5).
# Default scale 1,000,000 accounts (loading takes a minute or two); scripts/bench runs it.
# PG_EXTRA_OPTS adds server settings, e.g. PG_EXTRA_OPTS="-c shared_buffers=1GB".
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_accounts.sh path/to/ccrm [--scale N] [--reps N] [--starts N]}
shift
scale=1000000
reps=30
starts=5
while [ $# -gt 0 ]; do
    case $1 in
        --scale) scale=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --starts) starts=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

# a fresh cluster with the ccrm database migrated by $CCRM (copied from the one the tests share)
pg_start_migrated "$CCRM"
t0=$(date +%s.%N)
"$CCRM" -d "$PG_CONN" --demo --scale "$scale" >/dev/null
t1=$(date +%s.%N)
psqlc -c "vacuum analyze" >/dev/null
echo "loaded $scale accounts in $(echo "$t1 - $t0" | bc) s"

stats() { # reads numbers, prints "p50 p90 max"
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
        printf "%.2f %.2f %.2f\n", a[int((NR + 1) * 0.5)], a[int((NR - 1) * 0.9) + 1], a[NR] }'
}

# ---- baseline: the same SQL from psql, server time per statement (\timing) ----
word=$(psqlc -c "select lower(substr(split_part(name, ' ', 1), 1, 4)) from accounts where name ~ '^[A-Za-z]{5,}' order by name offset 100 limit 1")
mid=$(psqlc -c "select name from accounts order by name, id offset $((scale / 2)) limit 1" | sed "s/'/''/g")
mid_id=$(psqlc -c "select id from accounts order by name, id offset $((scale / 2)) limit 1")
cols="a.id, a.name, coalesce(a.domain, ''), coalesce(a.industry, ''), coalesce(a.owner, ''), concat_ws(', ', nullif(a.city, ''), nullif(a.country, '')), to_char(a.updated_at, 'YYYY-MM-DD HH24:MI')"
q_first="select $cols from accounts a order by a.name, a.id limit 200"
q_next="select $cols from accounts a where (a.name, a.id) > ('$mid', $mid_id) order by a.name, a.id limit 200"
q_search="select $cols from accounts a where a.search like ccrm_fold('%$word%') order by a.name, a.id limit 200"
baseline() {
    { echo '\timing on'; for ((i = 0; i < reps; i++)); do echo "$1;"; done; } |
        psql -X -q -o /dev/null "$PG_CONN" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | stats
}
b_first=$(baseline "$q_first")
b_next=$(baseline "$q_next")
b_search=$(baseline "$q_search")

# The statements ccrm itself runs for one search keystroke (the first page of PREFIX from the
# top, src/db/list.c): which search blocks can hold a match (schema/013, 016), and the walk
# of the first stretch of neighbouring blocks (one or two characters: a window first) (a window of 12,000 rows a block; most pages
# fill there). Timed by psql below, summed per keystroke: the bare SQL of a keystroke.
words=("$word" gmbh "łódź")
# a search's first read: two screens of matches (src/ui/view_list.c, load_edge): 2 x 36 + 2 at
# 120x40, the client's size below
slim=74
sel="$cols, a.id::text, (a.name)::text, (NULL)::text"
keystroke_sql() {
    local p=$1 q usable lo1 loid hi1 hiid start far n walk
    q=${p//\'/\'\'}
    # one or two characters: one window from the top first, the blocks only if it fell short
    # (then approximated here by the blocks from the top)
    if [ "$(printf %s "$p" | wc -m)" -lt 3 ]; then
        walk="select w.id from (select a.id, a.search, a.name as k1, NULL as k2 from accounts a where true order by a.name asc, a.id asc limit 12000) w where w.search like ccrm_fold('%$q%') and true order by w.k1 asc, w.id asc limit $slim"
        echo "select $sel from accounts a join ($walk) h on h.id = a.id order by a.name asc, a.id asc;"
        [ "$(psqlc -c "select count(*) from ($walk) x")" -lt "$slim" ] || return
    fi
    echo "select usable, blk, lo1, lo2, loid, hi1, hi2, hiid from ccrm_search_blocks('accounts_name', '$q', '%$q%', true, null, null, null);"
    IFS='|' read -r usable lo1 loid hi1 hiid n <<<"$(psqlc -F '|' -c "
        with b as (select *, blk - row_number() over (order by blk) as run
                     from ccrm_search_blocks('accounts_name', '$q', '%$q%', true, null, null, null))
        select usable, (array_agg(lo1 order by blk))[1], (array_agg(loid order by blk))[1],
               (array_agg(hi1 order by blk desc))[1], (array_agg(hiid order by blk desc))[1], count(*)
          from b where run = (select min(run) from b) group by usable")"
    [ -n "$n" ] || return # no block: nothing can match
    start=true
    [ -n "$loid" ] && start="(a.name, a.id) >= ('${lo1//\'/\'\'}'::text, $loid::bigint)"
    far=true
    [ -n "$hiid" ] && far="(w.k1, w.id) < ('${hi1//\'/\'\'}'::text, $hiid::bigint)"
    echo "select $sel from accounts a join (select w.id from (select a.id, a.search, a.name as k1, NULL as k2 from accounts a where $start order by a.name asc, a.id asc limit $((n * 12000))) w where w.search like ccrm_fold('%$q%') and $far order by w.k1 asc, w.id asc limit $slim) h on h.id = a.id order by a.name asc, a.id asc;"
}
declare -A b_word
for w in "${words[@]}"; do
    for ((c = 1; c <= ${#w}; c++)); do keystroke_sql "${w:0:c}" >"$TEST_TMP/ks.$c"; done
    b_word[$w]=$(
        { echo '\timing on'
          for ((r = 0; r < reps / 10 + 1; r++)); do
              for ((c = 1; c <= ${#w}; c++)); do cat "$TEST_TMP/ks.$c"; echo '\echo ---'; done
          done; } |
            psql -X -q -o /dev/null "$PG_CONN" 2>&1 |
            awk '/^Time:/ { t += $2 } /^---/ { print t; t = 0 }' | stats)
done

# ---- the client, driven by tmux, timing itself ----
trace=$TEST_TMP/trace
startups=()
execs=()
for ((i = 0; i < starts; i++)); do
    : >"$trace"
    # CCRM_TRACE_T0: when the exec began, so the trace also has the time from the exec (the
    # loading of the shared libraries) to the first screen
    tui_start 120 40 bash -c 'export CCRM_TRACE=$1; shift; CCRM_TRACE_T0=$EPOCHREALTIME exec "$@"' \
        _ "$trace" "$CCRM" -d "$PG_CONN" --view accounts
    for j in $(seq 200); do grep -q paint_startup "$trace" && break; sleep 0.05; done
    startups+=("$(sed -n 's/^paint_startup //p' "$trace")")
    execs+=("$(sed -n 's/^paint_exec //p' "$trace")")
    keys q
    sleep 0.2
    tui_stop
done
s_start=$(printf '%s\n' "${startups[@]}" | stats)
s_exec=$(printf '%s\n' "${execs[@]}" | stats)

: >"$trace"
tui_start 120 40 env CCRM_TRACE="$trace" "$CCRM" -d "$PG_CONN" --view accounts
for j in $(seq 200); do grep -q paint_startup "$trace" && break; sleep 0.05; done
# the pane runs a shell that records the exit status; ccrm is its child
pid=$(pgrep -P "$(tmx display-message -t =t: -p '#{pane_pid}')" -x ccrm)
rss_start=$(awk '/VmRSS/ { print $2 }' /proc/"$pid"/status)
nkeys() { grep -c '^key' "$trace"; }
press() { # press KEY: send it and wait until its paint is traced
    local before
    before=$(nkeys)
    keys "$1"
    for j in $(seq 400); do [ "$(nkeys)" -gt "$before" ] && return 0; sleep 0.005; done
    echo "no paint traced for key $1" >&2
}
for ((i = 0; i < reps; i++)); do press NPage; done
pgdn=$(grep '^key 338 ' "$trace" | awk '{ print $3 }' | stats)
# jump deep into the table and keep paging there
press G
for ((i = 0; i < reps; i++)); do press PPage; done
pgup=$(grep '^key 339 ' "$trace" | awk '{ print $3 }' | stats)
press g
: >"$trace.search"
# search: typed a character at a time, each keystroke timed until its results are painted.
# Words: a prefix word of the demo names (its matches cluster in one stretch of the sorted
# list: the hard case), a legal-form word spread over the whole list, and one with accents.
declare -A per_word
press /
for w in "${words[@]}"; do
    : >"$trace.w"
    for ((r = 0; r < reps / 10 + 1; r++)); do
        for ((c = 0; c < ${#w}; c++)); do
            before=$(wc -l <"$trace")
            press "${w:c:1}"
            tail -n +"$((before + 1))" "$trace" | awk '/^key/ { print $3 }' >>"$trace.w"
        done
        for ((c = 0; c < ${#w}; c++)); do press BSpace; done
    done
    cat "$trace.w" >>"$trace.search"
    per_word[$w]=$(stats <"$trace.w")
done
search=$(stats <"$trace.search")
rss_end=$(awk '/VmRSS/ { print $2 }' /proc/"$pid"/status)
hwm=$(awk '/VmHWM/ { print $2 }' /proc/"$pid"/status)
keys Escape q

read -r b1p50 b1p90 b1max <<<"$b_first"
read -r b2p50 b2p90 b2max <<<"$b_next"
read -r b3p50 b3p90 b3max <<<"$b_search"
read -r s1p50 s1p90 s1max <<<"$s_start"
read -r s0p50 s0p90 s0max <<<"$s_exec"
read -r s2p50 s2p90 s2max <<<"$pgdn"
read -r s4p50 s4p90 s4max <<<"$pgup"
read -r s3p50 s3p90 s3max <<<"$search"
printf '\nAccounts list, %s accounts, %s reps, server: %s (ms: p50 / p90 / max)\n' "$scale" "$reps" \
    "shared_buffers=$(psqlc -c 'show shared_buffers')"
printf '%-34s %-24s %-24s\n' "operation" "ccrm end to end" "bare SQL (psql \\timing)"
printf '%-34s %-24s %-24s\n' "first paint (from main())" "$s1p50 / $s1p90 / $s1max" "$b1p50 / $b1p90 / $b1max"
printf '%-34s %-24s %-24s\n' "first paint (from the exec)" "$s0p50 / $s0p90 / $s0max" "-"
printf '%-34s %-24s %-24s\n' "PgDn from the top" "$s2p50 / $s2p90 / $s2max" "$b2p50 / $b2p90 / $b2max (mid-table page)"
printf '%-34s %-24s %-24s\n' "PgUp from the end" "$s4p50 / $s4p90 / $s4max" "-"
printf '%-34s %-24s %-24s\n' "search keystroke (all words)" "$s3p50 / $s3p90 / $s3max" "$b3p50 / $b3p90 / $b3max (\"$word\", plain ORDER BY name LIMIT 200)"
for w in "${words[@]}"; do
    read -r a b c <<<"${per_word[$w]}"
    read -r d e f <<<"${b_word[$w]}"
    printf '%-34s %-24s %-24s\n' "  typing \"$w\"" "$a / $b / $c" "$d / $e / $f (ccrm's statements)"
done
printf 'client RSS: %s kB after first paint, %s kB at the end, peak %s kB\n' "$rss_start" "$rss_end" "$hwm"
