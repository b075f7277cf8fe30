#!/usr/bin/env bash
# Marketing's day, end to end in the real client: marco (marketing) starts on Leads, creates a
# lead with the form, opens it, converts it into account + contact + deal, and sees the deal on
# the lead's timeline; the database holds exactly that. A sales user's client shows the new
# deal in its pipeline, live.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_dept_marketing.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"

tui_start 120 32 "$CCRM" -d "$DB user=marco"
check "marketing starts on the Leads view" wait_for "Leads by updated"
client s 120 32 "$CCRM" -d "$DB user=sam"
check "sales starts on the Deals pipeline" wait_in s "Pipeline · prospecting"

keys n
check "n opens a new lead form" wait_for "New lead"
keys -l "Zofia"
keys Tab
keys -l "Kowalczyk-Bär"
keys Tab
keys -l "zofia.kb@example.org"
keys Tab
keys -l "Bärenfels Logistik GmbH"
keys C-s
check "the lead is saved" wait_for "saved lead #"
check "the new lead is in the list" wait_for "Zofia Kowalczyk-Bär"
lead=$(psqlc -c "select id from leads where email = 'zofia.kb@example.org'")
check "the database has the lead, created by marco" \
    test "$(psqlc -c "select created_by || ' ' || status from leads where id = ${lead:-0}")" = "marco new"

keys g Enter
check "Enter opens the lead" wait_for "lead #$lead · new"
check "a new lead offers C (convert)" wait_for "C convert"
keys C
check "C asks for the deal name, prefilled" wait_for "deal name: Bärenfels Logistik GmbH"
keys Enter
check "then for the amount" wait_for "amount [currency] (empty: none):"
keys -l "12000"
keys Enter
check "the client says what the conversion created" wait_for "lead converted: account #"
check "the lead shows converted" wait_for "lead #$lead · converted"
check "a converted lead no longer offers C" wait_gone "C convert"
check "the deal is on the lead's timeline, marked marketing" \
    wait_for "marco (marketing)      deal Bärenfels Logistik GmbH – new deal [prospecting] 12,000.00 EUR"
row=$(psqlc -F '|' -c "select l.status, a.name, c.email, o.name, o.amount, o.stage
    from leads l join accounts a on a.id = l.account_id join contacts c on c.id = l.contact_id
    join opportunities o on o.account_id = a.id where l.id = $lead")
check "database: lead converted, account + contact + deal (12000, prospecting)" \
    test "$row" = "converted|Bärenfels Logistik GmbH|zofia.kb@example.org|Bärenfels Logistik GmbH – new deal|12000.00|prospecting"
check "sales' pipeline counts the new deal at once (live)" \
    wait_in s "$(psqlc -c "select count(*) from opportunities where stage = 'prospecting'") deals" 5
keys C
check "converting twice is refused with the database's reason" wait_for "already converted"

keys q q
tmx send-keys -t =s: q
check "ccrm exits 0" test "$(pane_status)" = 0
tui_stop
done_testing
