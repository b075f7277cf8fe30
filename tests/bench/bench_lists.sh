#!/usr/bin/env bash
# Benchmark: every list view with N rows in its table (contacts, leads, deals, tickets,
# campaigns, inbox, feed, quotes, invoices), measured end to end inside the client (key read →
# screen updated, via CCRM_TRACE) next to the bare SQL of each view's first page timed by psql
# in the same run, plus the client's memory. Usage:
#   tests/bench/bench_lists.sh path/to/ccrm [--scale N] [--reps N] [--views LIST] [--demo-scale N]
# --views: a comma list of the views to load and measure (default: all of them).
# --demo-scale: the demo accounts loaded beside the bulk rows (default 300; the smoke test
# loads fewer: the bulk rows need 50 accounts).
# Default scale 1,000,000 rows per table (loading takes several minutes); scripts/bench runs it.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/bench.sh"
CCRM=${1:?usage: bench_lists.sh path/to/ccrm [--scale N] [--reps N] [--views LIST] [--demo-scale N]}
shift
scale=1000000
reps=30
views=contacts,leads,deals,tickets,campaigns,inbox,feed,quotes,invoices
demo_scale=300
while [ $# -gt 0 ]; do
    case $1 in
        --scale) scale=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --views) views=$2; shift 2 ;;
        --demo-scale) demo_scale=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

# a fresh cluster with the ccrm database migrated by $CCRM (copied from the one the tests share)
pg_start_migrated "$CCRM"
"$CCRM" -d "$PG_CONN" --demo --scale "$demo_scale" >/dev/null
t0=$(date +%s.%N)
# Bulk rows straight into the tables, triggers off (it is a benchmark of reading them); the
# running totals the triggers would keep are recomputed afterwards.
# one chunk of SQL per view; only those of --views are loaded
declare -A load
load[contacts]=$(cat <<'SQL'
INSERT INTO contacts (first_name, last_name, email, title, owner, account_id)
SELECT (ARRAY['Anna','Jürgen','Zoë','Łukasz','Marie','Søren','Ana','Kenji'])[1 + i % 8],
       (ARRAY['Müller','Nowak','García','Okafor','Dubois','Rossi','Sato','Ström'])[1 + (i / 8) % 8]
         || ' ' || i,
       'bench' || i || '@example' || (i % 97) || '.com',
       (ARRAY['CEO','CTO','Buyer','Engineer'])[1 + i % 4],
       (ARRAY['sofia','marco','lena','tom'])[1 + i % 4],
       (SELECT min(id) FROM accounts) + i % 50
  FROM generate_series(1, :n) i;
SQL
)
load[leads]=$(cat <<'SQL'
INSERT INTO leads (first_name, last_name, email, company, source, status, score, owner)
SELECT 'Lead', 'Person ' || i, 'lead' || i || '@example' || (i % 89) || '.org',
       'Company ' || (i % 5000), (ARRAY['web','fair','partner','referral'])[1 + i % 4],
       (ARRAY['new','contacted','qualified','unqualified','converted'])[1 + i % 5],
       i % 101, (ARRAY['marco','lena','tom'])[1 + i % 3]
  FROM generate_series(1, :n) i;
SQL
)
load[deals]=$(cat <<'SQL'
INSERT INTO opportunities (account_id, name, stage, amount, close_date, owner)
SELECT (SELECT min(id) FROM accounts) + i % 50, 'Deal ' || i || ' ' || md5(i::text),
       (ARRAY['prospecting','qualification','proposal','negotiation','won','lost'])[1 + i % 6],
       (i % 1000) * 100, date '2026-01-01' + i % 700, (ARRAY['tom','lena'])[1 + i % 2]
  FROM generate_series(1, :n) i;
SQL
)
load[tickets]=$(cat <<'SQL'
INSERT INTO tickets (account_id, subject, status, priority, channel, assignee)
SELECT (SELECT min(id) FROM accounts) + i % 50, 'Ticket ' || i || ' ' || md5(i::text),
       (ARRAY['new','open','pending','solved','closed'])[1 + i % 5],
       (ARRAY['low','normal','high','urgent'])[1 + i % 4], 'email',
       (ARRAY['sofia','marco'])[1 + i % 2]
  FROM generate_series(1, :n) i;
SQL
)
load[campaigns]=$(cat <<'SQL'
INSERT INTO campaigns (name, status, starts_on, budget, owner)
SELECT 'Campaign ' || i || ' ' || md5(i::text),
       (ARRAY['planned','active','paused','completed'])[1 + i % 4],
       date '2026-01-01' + i % 700, i % 10000, 'marco'
  FROM generate_series(1, :n) i;
SQL
)
load[inbox]=$(cat <<'SQL'
INSERT INTO inbox (login, kind, entity, entity_id, from_login, note, read_at)
SELECT current_user, (ARRAY['mention','assignment','handoff'])[1 + i % 3], 'tickets',
       (SELECT min(id) FROM tickets) + i % 1000, 'sofia', 'please look at this ' || i,
       CASE WHEN i % 3 = 0 THEN now() END
  FROM generate_series(1, :n) i;
SQL
)
load[feed]=$(cat <<'SQL'
-- the Feed: a million events (the triggers write them; a bulk load stands in for them)
INSERT INTO events (entity, entity_id, op, summary, actor)
SELECT 'tickets', i, 'update',
       (ARRAY['new ticket', 'call logged', 'deal moved', 'lead converted'])[1 + i % 4] || ' ' || i,
       (ARRAY['sofia', 'marco', 'lena', 'tom'])[1 + i % 4]
  FROM generate_series(1, :n) i;
SQL
)
load[quotes]=$(cat <<'SQL'
INSERT INTO quotes (account_id, title, currency, valid_until, status, owner, net_total,
                    tax_total, gross_total, sent_at)
SELECT (SELECT min(id) FROM accounts) + i % 50, 'Quote ' || i || ' ' || md5(i::text), 'EUR',
       date '2026-01-01' + i % 700,
       (ARRAY['draft','sent','accepted','rejected','expired'])[1 + i % 5],
       (ARRAY['sam','juergen','jose','priya'])[1 + i % 4],
       (i % 5000) * 10, (i % 5000) * 1.9, (i % 5000) * 11.9,
       CASE WHEN i % 5 > 0 THEN timestamptz '2026-01-01' + i * interval '1 minute' END
  FROM generate_series(1, :n) i;
SQL
)
load[invoices]=$(cat <<'SQL'
-- four in five issued (some paid or cancelled), numbered per year as issuing does, in years
-- before the demo's own invoices; the rest drafts
INSERT INTO invoices (account_id, series, year, seq, number, currency, issue_date, due_date,
                      status, buyer_name, owner, net_total, tax_total, gross_total, paid_total,
                      issued_at, issued_by)
SELECT (SELECT min(id) FROM accounts) + i % 50, '', y, s, y || '-' || lpad(s::text, 6, '0'),
       'EUR', d, d + 30, st, 'Buyer ' || i || ' ' || md5(i::text),
       (ARRAY['bea','finn'])[1 + i % 2], (i % 5000) * 10, (i % 5000) * 1.9, (i % 5000) * 11.9,
       CASE WHEN st = 'paid' THEN (i % 5000) * 11.9 ELSE 0 END, d, 'bea'
  FROM (SELECT i, 2010 + i % 7 AS y, i / 7 + 1 AS s,
               date '2010-01-01' + (i % 7) * 365 + i % 360 AS d,
               (ARRAY['issued','issued','paid','cancelled'])[1 + i % 4] AS st
          FROM generate_series(1, :n) i WHERE i % 5 > 0) x;
INSERT INTO invoices (account_id, buyer_name, owner, currency)
SELECT (SELECT min(id) FROM accounts) + i % 50, 'Buyer ' || i || ' ' || md5(i::text),
       (ARRAY['bea','finn'])[1 + i % 2], 'EUR'
  FROM generate_series(1, :n) i WHERE i % 5 = 0;
SQL
)
chosen=""
for v in ${views//,/ }; do
    [ -n "${load[$v]:-}" ] || { echo "unknown view $v (known: ${!load[*]})" >&2; exit 64; }
    chosen+="${load[$v]}"$'\n'
done
psqlc -v n="$scale" >/dev/null <<SQL || { echo "could not load the rows" >&2; exit 1; }
SET session_replication_role = replica;
$chosen
SET session_replication_role = origin;
DELETE FROM ccrm_totals_delta;
INSERT INTO ccrm_totals_delta (entity, bucket, currency, n, amount)
SELECT 'opportunities', stage, currency::text, count(*), coalesce(sum(amount), 0)
  FROM opportunities GROUP BY 2, 3;
INSERT INTO ccrm_totals_delta (entity, bucket, n) SELECT 'tickets', status, count(*) FROM tickets GROUP BY 2;
INSERT INTO ccrm_totals_delta (entity, bucket, n) SELECT 'leads', status, count(*) FROM leads GROUP BY 2;
SQL
# the routine upkeep after a bulk load: --migrate cuts the search blocks of the lists again
# (schema/013: the rows loaded all went into one block of an empty list)
"$CCRM" -d "$PG_CONN" --migrate
psqlc -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null # flushed now, not during the measurements
t1=$(date +%s.%N)
echo "loaded $scale rows into the table of each of $views in $(echo "$t1 - $t0" | bc) s"

stats() { # reads numbers, prints "p50 p90 max"
    sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
        printf "%.2f %.2f %.2f\n", a[int((NR + 1) * 0.5)], a[int((NR - 1) * 0.9) + 1], a[NR] }'
}
baseline() {
    { echo '\timing on'; for ((i = 0; i < reps; i++)); do echo "$1;"; done; } |
        psql -X -q -o /dev/null "$PG_CONN" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | stats
}

trace=$TEST_TMP/trace
# press KEY (tests/lib/bench.sh's, without a process per look): send it and wait until its
# paint is traced (400 looks 5 ms apart). The shell reads the trace itself as it grows, on a
# descriptor kept at the end of what it has read (trace_reset empties the trace and opens it
# again), and counts its "key" lines in _nk: two processes a look (grep, sleep) made the
# waiting cost more processor time than the client it waits for. What is measured is the
# client's own trace, as before.
_tfd=
trace_reset() {
    : >"$trace"
    [ -n "$_tfd" ] && exec {_tfd}<&-
    exec {_tfd}<"$trace"
    _nk=0 _part=
}
keys_seen() {
    local l
    # a line may be read before its end is written: kept until the rest comes
    while IFS= read -r -u "$_tfd" l || { _part+=$l && false; }; do
        l=$_part$l _part=
        [[ $l == key* ]] && _nk=$((_nk + 1))
    done
}
press() {
    local before j
    keys_seen # (the keys sent without press, as the filter's, were painted too)
    before=$_nk
    keys "$1"
    for ((j = 0; j < 400; j++)); do
        keys_seen
        [ "$_nk" -gt "$before" ] && return 0
        nap 0.005
    done
    echo "no paint traced for key $1" >&2
}
# measure VIEW WORD FILTER BASELINE_SQL: paging, search typing and a filter, in the client
results=()
measure() {
    local view=$1 word=$2 filter=$3 sql=$4 pid c r
    [[ ",$views," == *",$view,"* ]] || return 0
    trace_reset
    tui_start 160 45 env CCRM_TRACE="$trace" "$CCRM" -d "$PG_CONN" --view "$view"
    for j in $(seq 400); do grep -q paint_startup "$trace" && break; sleep 0.05; done
    pid=$(pgrep -P "$(tmx display-message -t =t: -p '#{pane_pid}')" -x ccrm)
    local first
    first=$(sed -n 's/^paint_startup //p' "$trace")
    for ((i = 0; i < reps; i++)); do press NPage; done
    local pgdn jk search filt
    pgdn=$(grep '^key 338 ' "$trace" | awk '{ print $3 }' | stats)
    trace_reset
    for ((i = 0; i < reps; i++)); do press j; done
    jk=$(grep '^key 106 ' "$trace" | awk '{ print $3 }' | stats)
    press g
    trace_reset
    press /
    for ((r = 0; r < reps / 10 + 1; r++)); do
        for ((c = 0; c < ${#word}; c++)); do press "${word:c:1}"; done
        for ((c = 0; c < ${#word}; c++)); do press BSpace; done
    done
    search=$(grep -v '^key 47 \|^key 27 ' "$trace" | awk '/^key/ { print $3 }' | stats)
    # the same without the first round (the first time each text is typed)
    search2=$(grep -v '^key 47 \|^key 27 ' "$trace" | awk -v n=$((2 * ${#word})) '/^key/ && ++k > n { print $3 }' | stats)
    press Escape
    trace_reset
    for ((r = 0; r < reps / 10 + 1; r++)); do
        keys f; sleep 0.05; keys C-u; keys -l "$filter"; sleep 0.05; press Enter
        keys f; sleep 0.05; keys C-u; keys -l all; sleep 0.05; press Enter
    done
    filt=$(grep '^key 13 ' "$trace" | awk '{ print $3 }' | stats)
    local rss hwm
    rss=$(awk '/VmRSS/ { print $2 }' /proc/"$pid"/status)
    hwm=$(awk '/VmHWM/ { print $2 }' /proc/"$pid"/status)
    keys q
    sleep 0.2
    tui_stop
    results+=("$(printf '%-10s %-8s %-22s %-22s %-22s %-22s %-22s %-22s %s/%s' "$view" "$first" \
        "$(sed 's/ / \/ /g' <<<"$pgdn")" "$(sed 's/ / \/ /g' <<<"$jk")" \
        "$(sed 's/ / \/ /g' <<<"$search")" "$(sed 's/ / \/ /g' <<<"$search2")" \
        "$(sed 's/ / \/ /g' <<<"$filt")" \
        "$(baseline "$sql" | sed 's/ / \/ /g')" "$rss" "$hwm")")
}

measure contacts "nowak" "owner=marco" \
    "select a.id from contacts a left join accounts acc on acc.id = a.account_id order by coalesce(a.last_name, ''), coalesce(a.first_name, ''), a.id limit 200"
measure leads "person 12" "status=qualified" \
    "select a.id from leads a order by a.updated_at desc, a.id desc limit 200"
measure deals "deal 77" "owner=tom" \
    "select a.id from opportunities a where a.stage = 'proposal' order by coalesce(a.amount, 0) desc, a.id desc limit 200"
measure tickets "ticket 42" "status=open" \
    "select a.id from tickets a order by a.updated_at desc, a.id desc limit 200"
measure campaigns "campaign 9" "status=active" \
    "select a.id from campaigns a order by a.name, a.id limit 200"
measure inbox "this 77" "unread" \
    "select a.id from inbox a where a.login = current_user order by a.id desc limit 200"
measure feed "logged 77" "actor=marco" \
    "select a.id from events a order by a.id desc limit 200"
measure quotes "quote 77" "status=sent" \
    "select a.id from quotes a order by a.updated_at desc, a.id desc limit 200"
measure invoices "buyer 42" "status=overdue" \
    "select a.id from invoices a order by a.updated_at desc, a.id desc limit 200"

printf '\nList views, %s rows per table, %s reps (ms: p50 / p90 / max; RSS kB now/peak)\n' "$scale" "$reps"
printf '%-10s %-8s %-22s %-22s %-22s %-22s %-22s %-22s %s\n' view "1st" "PgDn" "j (down)" \
    "search keystroke" "search, rounds 2-4" "filter (Enter)" "bare SQL 1st page" "RSS"
printf '%s\n' "${results[@]}"
