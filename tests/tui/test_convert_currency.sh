#!/usr/bin/env bash
# A lead's conversion makes its deal in the customer's currency (schema/074): the one asked
# for (any case; an unknown code is refused with a clear reason and nothing is converted), else
# that of the account's latest deal, else the default. The client's amount prompt takes the
# currency beside the figure ("9500 usd") and says which currency and account it used.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_convert_currency.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
# lead COMPANY: a new qualified lead of sam's for that company
lead() {
    q "insert into leads (first_name, last_name, company, email, status, owner)
       values ('Cora', 'Probe', '$1', 'cora.$RANDOM@probe-$RANDOM.example', 'qualified', 'sam')
       returning id"
}
q "insert into accounts (name) values ('Dollar Probe Inc')" >/dev/null
acc=$(q "select id from accounts where name = 'Dollar Probe Inc'")
q "insert into opportunities (account_id, name, currency, owner)
   values ($acc, 'old CHF deal', 'CHF', 'sam')" >/dev/null
sleep 0.01
q "insert into opportunities (account_id, name, currency, owner)
   values ($acc, 'latest USD deal', 'USD', 'sam')" >/dev/null

l=$(lead 'Dollar Probe Inc')
out=$(as sam -At -F, -c "select currency, account_new from ccrm_convert_lead($l, 'Probe', 100)")
check "no currency given: the account's latest deal's (USD), the account found ($out)" \
    test "$out" = "USD,f"
l=$(lead 'Dollar Probe Inc')
out=$(as sam -At -F, -c "select currency from ccrm_convert_lead($l, 'Probe', 100, ' chf ')")
check "a currency given in any case is the deal's ($out)" test "$out" = CHF
check "... and stored so" sql_is "select currency from opportunities o join leads l
    on l.account_id = o.account_id where l.id = $l and o.currency = 'CHF' and o.name = 'Probe'" CHF
l=$(lead 'Brand New Probe GmbH')
out=$(as sam -At -F, -c "select currency, account_new from ccrm_convert_lead($l, 'Probe', 100)")
check "a new account without deals: the default (EUR), the account new ($out)" \
    test "$out" = "EUR,t"
l=$(lead 'Dollar Probe Inc')
out=$(as sam -c "select * from ccrm_convert_lead($l, 'Probe', 100, 'XYZ')" 2>&1)
check "an unknown currency is refused with the reason" grep -q 'unknown currency "XYZ"' <<<"$out"
check "... and the lead is not converted" sql_is "select status from leads where id = $l" qualified

# the client: "9500 usd" at the amount prompt
l=$(lead 'Kuna Probe d.o.o.')
tui_start 100 30 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sam" --view leads
wait_for "Leads by" 10 >/dev/null
prompt "open lead $l"
check "the lead opens" wait_for "lead #$l" 10
keys C
check "C asks for the deal name" wait_for "deal name: Kuna Probe d.o.o." 5
keys Enter
check "then the amount, a currency beside it" wait_for "amount [currency] (empty: none):" 5
keys -l "9500 usd"
keys Enter
check "the client says the deal's currency and that the account is new" \
    wait_for "(new), contact #" 5
check "... in USD" wait_for " in USD" 5
check "database: the deal is 9500 USD" sql_is "select o.amount || ' ' || o.currency
    from opportunities o join leads l on l.account_id = o.account_id where l.id = $l" "9500.00 USD"
keys q q
tui_stop
done_testing
