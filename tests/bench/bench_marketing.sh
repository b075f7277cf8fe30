#!/usr/bin/env bash
# Benchmark of issue 19 at N contacts (default 1,000,000; scripts/bench runs it by hand):
#   dup_typing     ccrm_duplicates_for while a new contact is typed: the last name letter by
#                  letter after the first name, then with the e-mail and phone (target < 20 ms)
#   dup_scan       ccrm_duplicate_pairs over all contacts: time, the backend's peak memory and
#                  temporary files, pairs found against the duplicates planted
#   merge_10k      ccrm_merge of a contact with 10,000 timeline entries (target < 1 s), and its
#                  ccrm_unmerge
#   segment_est    ccrm_segment_estimate for several definitions (target < 50 ms); the exact
#                  counts beside them
#   report NAME    each report's SQL over the default window, and ccrm --report end to end
#                  (target < 1 s)
# The data: N contacts on N/5 accounts with ~20,000 distinct last names, one contact in 997
# typed in a second time (a letter off, the mailbox with a +tag, the same phone), N/10 tickets
# with products, N/10 interests, a campaign with N/20 members. Usage:
#   tests/bench/bench_marketing.sh path/to/ccrm [--scale N] [--calls N]
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_marketing.sh path/to/ccrm [--scale N] [--calls N]}
shift
scale=1000000
calls=40
while [ $# -gt 0 ]; do
    case $1 in
        --scale) scale=$2; shift 2 ;;
        --calls) calls=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

PG_EXTRA_OPTS="-c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB"
pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"
"$CCRM" -d "$PG_CONN" --demo --scale 20 >/dev/null || fail "demo users"
DB="host=$PG_DIR dbname=ccrm"
t0=$(date +%s.%N)
psqlc -v n="$scale" >/dev/null <<'SQL'
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
CREATE TEMP TABLE syl (k int, s text);
INSERT INTO syl SELECT k, (ARRAY['berg', 'mann', 'son', 'sen', 'ez', 'ini', 'ski', 'ova', 'eau',
    'ström', 'dahl', 'holm', 'er', 'ez', 'aki', 'ić', 'escu', 'ides', 'oglu', 'ley', 'ton', 'by',
    'feld', 'hof'])[k] FROM generate_series(1, 24) k;
INSERT INTO accounts (name, domain, country, industry, city, phone)
SELECT 'Bench Company ' || i, 'bench' || i || '.example',
       (ARRAY['Germany', 'France', 'Spain', 'United Kingdom', 'United States', 'Sweden'])[1 + i % 6],
       (ARRAY['Manufacturing', 'Technology', 'Retail', 'Healthcare'])[1 + i % 4],
       'City ' || (i % 500), '+49 30 ' || lpad(i::text, 7, '0')
  FROM generate_series(1, greatest(:n / 5, 1)) i;
CREATE TEMP TABLE b AS
SELECT i, a0 + i % greatest(:n / 5, 1) AS account_id,
       (ARRAY['Anna', 'Lukas', 'Sofia', 'Jürgen', 'Zoë', 'José', 'Łukasz', 'Chloé', 'Renée',
              'Björn', 'Søren', 'Ingrid', 'Mateo', 'Émilie', 'Hannah', 'Noah', 'Olivia', 'Liam',
              'Yuki', 'Wei', 'Aarav', 'Fatima', 'Kofi', 'Amara', 'Ivan', 'Agnieszka', 'Siobhán',
              'Dmitri', 'Elif', 'Mehmet', 'Nora', 'Jonas'])[1 + i % 32] AS first_name,
       (ARRAY['Müller', 'Schmidt', 'Weiß', 'Ångström', 'Núñez', 'Żółć', 'Dubois', 'O''Brien',
              'Rossi', 'Jensen', 'Nielsen', 'Kowalski', 'García', 'Martín', 'Fischer', 'Becker',
              'Novák', 'Dvořák', 'Virtanen', 'Tanaka', 'Chen', 'Patel', 'Okafor', 'Mensah',
              'Ivanova', 'Yılmaz', 'Murphy', 'Smith', 'Johnson', 'van Dijk', 'De Luca', 'Lindqvist',
              'Schäfer', 'Lefèvre', 'Horváth', 'Sørensen', 'Costa'])[1 + (i / 32) % 37]
           || s1.s || s2.s AS last_name
  FROM generate_series(1, :n) i
  JOIN syl s1 ON s1.k = 1 + (i / 1184) % 24
  JOIN syl s2 ON s2.k = 1 + (i / 28416) % 24,
       (SELECT min(id) AS a0 FROM accounts) a;
INSERT INTO contacts (account_id, first_name, last_name, email, phone, title)
SELECT account_id, first_name, last_name,
       lower(first_name) || '.' || i || '@bench' || (account_id % 100000) || '.example',
       '+49 89 ' || lpad(i::text, 8, '0'), 'Buyer'
  FROM b ORDER BY i;
-- the duplicates: typed in again, a letter off, the mailbox with a +tag, the same phone
INSERT INTO contacts (account_id, first_name, last_name, email, phone, title)
SELECT account_id, first_name, left(last_name, -1) || 'x',
       lower(first_name) || '.' || i || '+dup@bench' || (account_id % 100000) || '.example',
       '0049 89 ' || lpad(i::text, 8, '0'), 'Buyer'
  FROM b WHERE i % 997 = 0;
INSERT INTO tickets (account_id, contact_id, subject, product, status, created_at)
SELECT c.account_id, c.id, 'Bench ticket ' || c.id,
       (ARRAY['ccrm Basic', 'ccrm Pro', 'ccrm Enterprise', 'Mobile app', 'API'])[1 + c.id % 5],
       (ARRAY['new', 'open', 'pending', 'solved', 'closed'])[1 + c.id % 5],
       now() - (c.id % 120) * interval '1 day'
  FROM contacts c WHERE c.id % 10 = 0;
INSERT INTO interests (contact_id, product, source, created_at)
SELECT c.id, (ARRAY['ccrm Basic', 'ccrm Pro', 'ccrm Enterprise', 'Mobile app', 'API'])[1 + (c.id / 10) % 5],
       (ARRAY['ticket', 'call', 'mail', 'hand'])[1 + c.id % 4], now() - (c.id % 300) * interval '1 day'
  FROM contacts c WHERE c.id % 10 = 3;
INSERT INTO opportunities (account_id, name, stage, amount, close_date, created_at)
SELECT a.id, 'Bench deal ' || a.id,
       (ARRAY['prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost'])[1 + a.id % 6],
       (a.id % 100) * 1000, current_date - (a.id % 400)::int + 60, now() - (a.id % 400) * interval '1 day'
  FROM accounts a;
INSERT INTO campaigns (name, status, channel, starts_on) VALUES ('Bench campaign', 'active', 'email', current_date - 30);
INSERT INTO campaign_members (campaign_id, contact_id, status)
SELECT (SELECT max(id) FROM campaigns), c.id,
       (ARRAY['sent', 'opened', 'clicked', 'replied', 'registered', 'converted'])[1 + c.id % 6]
  FROM contacts c WHERE c.id % 20 = 7;
SET session_replication_role = origin;
ANALYZE;
SQL
t1=$(date +%s.%N)
ncont=$(psqlc -c "select count(*) from contacts")
printf 'bench_marketing: %s contacts (%s duplicates planted), loaded in %.0f s\n' "$ncont" \
    "$(psqlc -c "select count(*) from contacts where email like '%+dup@%'")" "$(echo "$t1 - $t0" | bc)"

# ---------------------------------------------------------------- duplicates while typing
psql -X -q -At "$DB user=marco" -v calls="$calls" <<'SQL' | tail -1
SET bench.calls = :calls;
CREATE TEMP TABLE t (ms float8);
DO $$
DECLARE
    r record;
    k int;
    v jsonb;
    t0 timestamptz;
BEGIN
    FOR r IN SELECT c.first_name, c.last_name, c.email, c.phone, c.account_id FROM contacts c
              WHERE c.id % 9973 = 11 ORDER BY c.id LIMIT current_setting('bench.calls', true)::int LOOP
        FOR k IN 3 .. length(r.last_name) + 2 LOOP
            v := jsonb_build_object('first_name', r.first_name, 'last_name', left(r.last_name, k),
                                    'account_id', r.account_id);
            IF k > length(r.last_name) THEN   -- then the mailbox and the phone are typed too
                v := v || jsonb_build_object('email', replace(r.email, '@', '+new@'), 'phone', r.phone);
            END IF;
            t0 := clock_timestamp();
            PERFORM * FROM ccrm_duplicates_for('contacts', v);
            INSERT INTO t VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
        END LOOP;
    END LOOP;
END $$;
SELECT format('dup_typing      p50 %s  p90 %s  max %s ms  (%s calls)',
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
              round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 2),
              round(max(ms)::numeric, 2), count(*)) FROM t;
SQL

# ---------------------------------------------------------------- the full duplicate scan
tmp0=$(psqlc -c "select temp_bytes from pg_stat_database where datname = 'ccrm'")
out=$(psql -X -q -At "$DB user=marco" <<'SQL'
SELECT pg_backend_pid() \gset
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE p AS SELECT * FROM ccrm_duplicate_pairs('contacts', 100000000, 0.3);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 1) || ' '
       || (SELECT count(*) FROM p) || ' '
       || (SELECT count(*) FROM p JOIN contacts c ON c.id = p.b_id WHERE c.email LIKE '%+dup@%');
\setenv BACKEND :pg_backend_pid
\! grep VmHWM /proc/$BACKEND/status | awk '{print $2}'
SQL
)
tmp1=$(psqlc -c "select temp_bytes from pg_stat_database where datname = 'ccrm'")
read -r secs pairs found hwm <<<"$(tr '\n' ' ' <<<"$out")"
printf 'dup_scan        %s s  peak rss %s MB  temp files %s MB  %s pairs (%s of the planted found)\n' \
    "$secs" "$((hwm / 1024))" "$(((tmp1 - tmp0) / 1048576))" "$pairs" "$found"

# ---------------------------------------------------------------- a merge of a busy contact
psqlc >/dev/null <<'SQL'
SET session_replication_role = replica;
INSERT INTO interactions (kind, subject, contact_id, account_id, at)
SELECT 'note', 'bench timeline ' || g, (SELECT max(id) FROM contacts), (SELECT account_id FROM contacts WHERE id = (SELECT max(id) FROM contacts)),
       now() - g * interval '1 minute'
  FROM generate_series(1, 10000) g;
SET session_replication_role = origin;
ANALYZE interactions;
SQL
psql -X -q -At "$DB user=marco" <<'SQL'
SELECT max(id) AS m, (SELECT max(id) FROM contacts WHERE id < (SELECT max(id) FROM contacts)) AS s FROM contacts \gset
SELECT clock_timestamp() AS t0 \gset
SELECT ccrm_merge('contacts', :s, :m) AS mid \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000) AS merge_ms \gset
SELECT clock_timestamp() AS t0 \gset
SELECT ccrm_unmerge(:mid) AS msg \gset
SELECT format('merge_10k       %s ms  (unmerge %s ms; %s rows restored)', :'merge_ms',
              round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000),
              substring(:'msg' FROM '\((\d+) rows'));
SQL

# ---------------------------------------------------------------- segments
psql -X -q -At "$DB user=marco" <<'SQL' | tail -1
CREATE TEMP TABLE t (est float8, exact float8, n bigint, e bigint);
DO $$
DECLARE
    d jsonb;
    t0 timestamptz;
    t1 timestamptz;
    v_e bigint;
    v_n bigint;
BEGIN
    FOREACH d IN ARRAY ARRAY[
        '{"entity": "contacts", "rules": [{"interest": {"product": "ccrm Pro", "within_days": 90}}]}',
        '{"entity": "people", "rules": [{"ticket": {"product": "API", "within_days": 90}}]}',
        '{"entity": "contacts", "rules": [{"account": {"field": "country", "op": "eq", "value": "Sweden"}}, {"deal": {"open": true}}]}',
        '{"entity": "contacts", "rules": [{"field": "last_name", "op": "starts_with", "value": "Müllerberg"}]}',
        '{"entity": "contacts", "match": "any", "rules": [{"campaign": {"id": 1}}, {"not": {"interest": {"product": "API"}}}]}']::jsonb[]
    LOOP
        PERFORM ccrm_segment_estimate(d);  -- the plan cache of a session that builds segments
        t0 := clock_timestamp();
        v_e := ccrm_segment_estimate(d);
        t1 := clock_timestamp();
        v_n := ccrm_segment_count(d);
        INSERT INTO t VALUES (extract(epoch FROM t1 - t0) * 1000, extract(epoch FROM clock_timestamp() - t1) * 1000, v_n, v_e);
    END LOOP;
END $$;
SELECT format('segment_est     p50 %s  max %s ms  (exact counts: %s ms; estimate/exact %s)',
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY est)::numeric, 2), round(max(est)::numeric, 2),
              string_agg(round(exact::numeric)::text, ', '), string_agg(e || '/' || n, ', ')) FROM t;
SQL

# ---------------------------------------------------------------- reports
for r in pipeline win_rate tickets_by_product response_times interests_by_product campaign_funnel; do
    sql_ms=$(psql -X -q -At "$DB user=mia" <<SQL
select clock_timestamp() as t0 \gset
select count(*) from ccrm_report_$r() \gset
select round(extract(epoch from clock_timestamp() - :'t0'::timestamptz) * 1000);
SQL
)
    c0=$(date +%s%N)
    "$CCRM" -d "$DB user=mia" --report "$r" >/dev/null || fail "report $r"
    c1=$(date +%s%N)
    printf 'report %-22s %s ms SQL, %s ms ccrm --report\n' "$r" "$sql_ms" "$(((c1 - c0) / 1000000))"
done
