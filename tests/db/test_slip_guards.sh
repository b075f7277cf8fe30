#!/usr/bin/env bash
# Slips the database refuses for every writer: a campaign response dated in the future or
# before 1900 (a click dated 2099 made its member "clicked" and skewed the segments), an SLA
# target of more than a year (its clocks were never due).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_slip_guards.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 3
DB="host=$PG_DIR dbname=ccrm"

# a member of a campaign, by e-mail, as marketing imports responses
IFS="|" read -r camp email <<<"$(q "select m.campaign_id, c.email from campaign_members m join contacts c on c.id = m.contact_id
    where c.email is not null order by m.campaign_id, m.id limit 1")"
check "the demo has a campaign member with an e-mail ($email)" test -n "$email"
before=$(q "select count(*) from campaign_responses where campaign_id = $camp")
printf 'email,status,campaign,at,note\n%s,clicked,%s,2099-01-01 00:00,future\n%s,opened,%s,%s,today\n' \
    "$email" "$camp" "$email" "$camp" "$(date +%F)" >"$T/r.csv"
"$CCRM" -d "$DB user=marco" --import "$T/r.csv" --into campaign_responses --rejects "$T/rej.csv" >"$T/out" 2>&1
check "a response dated 2099 is refused by its line, in words ($(grep -m1 r.csv "$T/rej.csv" "$T/out" | head -c 200))" \
    grep -q "a response dated 2099-01-01 00:00 is in the future" "$T/rej.csv" "$T/out"
check "... the good line is imported" test "$(q "select count(*) from campaign_responses where campaign_id = $camp")" = $((before + 1))
e=$(psql -X -q -At "$DB user=marco" -c "insert into campaign_responses (campaign_id, contact_id, status, at)
    select campaign_id, contact_id, 'sent', '0001-01-01' from campaign_members where campaign_id = $camp
    and contact_id is not null limit 1" 2>&1)
check "a response dated 0001-01-01 through psql: refused ($e)" grep -q "is before 1900" <<<"$e"

# SLA targets
cal=$(q "select id from calendars order by id limit 1")
e=$(psql -X -q -At "$DB user=mia" -c "insert into sla_policies (name, position, calendar_id, first_response_min)
    values ('Never', 99, $cal, 2147483647)" 2>&1)
check "an SLA target of 2147483647 minutes: refused ($e)" grep -q "more than a year" <<<"$e"
e=$(psql -X -q -At "$DB user=mia" -c "insert into sla_policies (name, position, calendar_id, resolution_min)
    values ('A year', 99, $cal, 525600)" 2>&1)
check "... a year exactly is taken ($e)" test -z "$e"

done_testing
