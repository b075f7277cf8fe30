#!/usr/bin/env bash
# An amount is a number and a day a day of the calendar, for every writer (migration 109,
# ccrm_finite_values in schema/functions/20_records.sql):
#  - numeric takes 'NaN' and a CHECK (x >= 0) lets it through: a deal's amount set to NaN by
#    psql and back made the pipeline's running totals NaN for good; a campaign's budget and an
#    account's annual revenue took it too. Refused now, as sales, marketing and the owner;
#  - date takes 'infinity', BC and year 10000: a quote was sent "valid until infinity" (its
#    printed text said so) and could be accepted forever; a campaign ran from -infinity; a
#    deal closed on infinity. Refused now, 1900-01-01 to 9999-12-31 taken (the client's range);
#  - a campaign response dated infinity is refused in words ("dated <NULL>" before);
#  - a row stored before keeps what it has through writes that leave the value alone (a deal's
#    stage, a merge moving it), and an unmerge puts it back as it was.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_numbers_and_days.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"

acc=$(as sam -c "insert into accounts (name, city, country) values ('Zahlenwerk GmbH', 'Bonn', 'Germany') returning id")
deal=$(as sam -c "insert into opportunities (account_id, name, amount, currency, owner) values ($acc, 'Numbers', 1000, 'EUR', 'sam') returning id")
camp=$(as marco -c "insert into campaigns (name, budget, owner) values ('Numbers campaign', 500, 'marco') returning id")
quote=$(as sam -c "insert into quotes (account_id, title, owner) values ($acc, 'Numbers quote', 'sam') returning id")
as sam -c "insert into quote_lines (quote_id, description, quantity, unit_price, tax_rate) values ($quote, 'x', 1, 10, 19)" >/dev/null
check "an account, a deal, a campaign and a draft quote with a line" test -n "$acc" -a -n "$deal" -a -n "$camp" -a -n "$quote"
totals() { q "select string_agg(t.bucket || ' ' || t.n || ' ' || t.amount, ', ' order by t.bucket) from ccrm_totals t where t.entity = 'opportunities' and t.currency = 'EUR'"; }
before=$(totals)

# ---- NaN: refused on every amount, insert and update, as each writer and the owner
says sam "update opportunities set amount = 'NaN' where id = $deal" "ERROR:  22023: amount NaN: not a number"
says sam "insert into opportunities (account_id, name, amount, currency) values ($acc, 'x', 'NaN', 'EUR')" "amount NaN: not a number"
says postgres "update opportunities set amount = 'NaN' where id = $deal" "amount NaN: not a number"
says sam "update accounts set annual_revenue = 'NaN' where id = $acc" "annual revenue NaN: not a number"
says marco "update campaigns set budget = 'NaN' where id = $camp" "budget NaN: not a number"
says marco "insert into campaigns (name, budget) values ('x', 'NaN')" "budget NaN: not a number"
e=$(refused sam "update opportunities set amount = 'NaN' where id = $deal")
check "...naming the column" grep -qx "COLUMN NAME:  amount" <<<"$e"
# set and set back in one transaction: the running totals were NaN for good afterwards
psql -X -q -At "$DB user=sam" -c "update opportunities set amount = 'NaN' where id = $deal" \
    -c "update opportunities set amount = 1000 where id = $deal" >/dev/null 2>&1
check "the pipeline's running totals are numbers (none NaN)" \
    test "$(q "select count(*) from ccrm_totals where amount = 'NaN'")" = 0
check "...and as they were" test "$(totals)" = "$before"
check "the deal keeps its amount" test "$(q "select amount from opportunities where id = $deal")" = 1000.00
as sam -c "update opportunities set amount = 1234.5 where id = $deal" >/dev/null
check "a number is taken" test "$(q "select amount from opportunities where id = $deal")" = 1234.50

# ---- days: infinity, BC, past 9999 and before 1900 refused; the client's range taken
says sam "update quotes set valid_until = 'infinity' where id = $quote" \
    "ERROR:  22008: valid until infinity: a day of the calendar from 1900-01-01 to 9999-12-31"
says sam "insert into quotes (account_id, title, valid_until) values ($acc, 'x', 'infinity')" "valid until infinity"
says sam "update quotes set valid_until = '10000-01-01' where id = $quote" "valid until 10000-01-01"
says postgres "update quotes set valid_until = 'infinity' where id = $quote" "valid until infinity"
says sam "update opportunities set close_date = 'infinity' where id = $deal" "close date infinity"
says sam "update opportunities set close_date = '1899-12-31' where id = $deal" "close date 1899-12-31"
says marco "update campaigns set ends_on = 'infinity' where id = $camp" "ends on infinity"
says marco "update campaigns set starts_on = '-infinity' where id = $camp" "starts on -infinity"
says marco "insert into campaigns (name, starts_on) values ('x', '4713-01-01 BC')" "starts on 4713-01-01 BC"
# a response dated infinity was refused "dated <NULL>" (to_char has no words for it)
cm=$(q "select m.campaign_id || ',' || m.lead_id from campaign_members m join campaigns c on c.id = m.campaign_id where m.lead_id is not null and c.status <> 'completed' order by m.id limit 1")
says marco "select ccrm_campaign_respond(${cm%,*}, 'leads', ${cm#*,}, 'clicked', 'infinity')" \
    "a response dated infinity is in the future"
says marco "select ccrm_campaign_respond(${cm%,*}, 'leads', ${cm#*,}, 'clicked', '-infinity')" \
    "a response dated -infinity is before 1900"
check "the quote is still valid for 30 days" \
    test "$(q "select valid_until - current_date from quotes where id = $quote")" = 30
as sam -c "update quotes set valid_until = '9999-12-31' where id = $quote" >/dev/null
check "9999-12-31 is a day" test "$(q "select valid_until from quotes where id = $quote")" = 9999-12-31
as marco -c "update campaigns set starts_on = '1900-01-01', ends_on = current_date where id = $camp" >/dev/null
check "1900-01-01 is a day" test "$(q "select starts_on from campaigns where id = $camp")" = 1900-01-01
# a quote valid until infinity could not be sent: the customer's offer would never expire
as sam -c "update quotes set valid_until = current_date + 14, status = 'sent' where id = $quote" >/dev/null
check "the quote went out with a validity of 14 days" \
    test "$(q "select status || ' ' || (valid_until - current_date) from quotes where id = $quote")" = "sent 14"

# ---- a value stored before (the owner with the rule off) is kept through other writes
acc3=$(as sam -c "insert into accounts (name, city, country) values ('Altwerk GmbH', 'Bonn', 'Germany') returning id")
q "alter table opportunities disable trigger ccrm_finite_values" >/dev/null
old=$(q "insert into opportunities (account_id, name, amount, currency, owner) values ($acc3, 'Old NaN', 'NaN', 'EUR', 'sam') returning id")
q "alter table opportunities enable trigger ccrm_finite_values" >/dev/null
as sam -c "update opportunities set stage = 'proposal' where id = $old" >/dev/null
check "a deal stored with NaN before changes its stage" \
    test "$(q "select stage from opportunities where id = $old")" = proposal
as sam -c "update opportunities set amount = amount, name = 'Old NaN!' where id = $old" >/dev/null
check "...is saved by a form with its amount as it was" \
    test "$(q "select name from opportunities where id = $old")" = 'Old NaN!'
acc2=$(as sam -c "insert into accounts (name, city, country) values ('Altwerk Zwei', 'Bonn', 'Germany') returning id")
m=$(as mia -c "select ccrm_merge('accounts', $acc2, $acc3, '{}')")
check "...moves with a merge of its account (merge $m)" \
    test "$(q "select account_id from opportunities where id = $old")" = "$acc2"
as mia -c "select ccrm_unmerge($m)" >/dev/null
check "...and back with the undo" \
    test "$(q "select account_id || ' ' || amount from opportunities where id = $old")" = "$acc3 NaN"
as sam -c "update opportunities set amount = 10 where id = $old" >/dev/null
check "...and a number mends it" test "$(q "select amount from opportunities where id = $old")" = 10.00

done_testing
