#!/usr/bin/env bash
# A on a sent quote accepted it and left its deal's amount as it was: the pipeline kept the
# guess made before the quote. Now, when the quote's net total is not the deal's amount, A
# asks first (one key): y accepts and sets the deal's amount to the net total in the same
# statement (the deal's change has its event like any other), n accepts and keeps the amount,
# Esc accepts nothing. A deal in another currency keeps its amount and A says so; a deal whose
# amount is the quote's is not asked about. At 80x24.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_quote_accept_amount.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
DB="host=$PG_DIR dbname=ccrm"
ROWS=24
acc=$(as sam -c "insert into accounts (name) values ('Annahme GmbH') returning id")
deal() { # NAME AMOUNT CURRENCY
    as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
        values ($acc, '$1', 'negotiation', $2, '$3', 'sam') returning id"
}
quote() { # DEAL CURRENCY: a sent quote of the deal, net 500 (one line, 19% tax)
    local qt
    qt=$(as sam -c "insert into quotes (opportunity_id, title, currency, owner)
        values ($1, 'Annahme', '$2', 'sam') returning id")
    as sam -c "insert into quote_lines (quote_id, description, unit_price, tax_rate)
        values ($qt, 'Work', 500, 19)" >/dev/null
    as sam -c "update quotes set status = 'sent' where id = $qt" >/dev/null
    echo "$qt"
}
d1=$(deal 'Annahme eins' 1000 EUR)
q1=$(quote "$d1" EUR)
d2=$(deal 'Annahme zwei' 1000 EUR)
q2=$(quote "$d2" EUR)
d3=$(deal 'Annahme drei' 1000 USD)
q3=$(quote "$d3" EUR)
d4=$(deal 'Annahme vier' 500 EUR)
q4=$(quote "$d4" EUR)
status() { q "select status from quotes where id = $1"; }
amount() { q "select amount from opportunities where id = $1"; }
stays() { # QUOTE STATUS DEAL AMOUNT: still so a moment later
    sleep 0.5
    [ "$(status "$1")" = "$2" ] && [ "$(amount "$3")" = "$4" ]
}
check "four sent quotes of net 500.00" \
    test "$(q "select string_agg(net_total::text, ' ' order by id) from quotes where id in ($q1, $q2, $q3, $q4)")" \
    = "500.00 500.00 500.00 500.00"

tui_start 80 24 "$CCRM" -d "$DB user=sam"
check "sam's client" wait_for " online " 15

# ---- Esc: nothing accepted; n: accepted, the amount kept ----
prompt "open quote $q1"
check "the quote opens" wait_for "Quote #$q1"
keys A
check "A asks, as its question looks" wait_bottom "^accept, and set the deal's amount to it\? \(y/n\)"
check "... saying both amounts above it" wait_for "net total 500.00 EUR, deal #$d1's amount 1,000.00 EUR"
check "... and nothing is written before the answer" stays "$q1" sent "$d1" 1000.00
keys Escape
check "Esc: not accepted" wait_for "not accepted: quote #$q1 stays sent"
check "... in the database too" stays "$q1" sent "$d1" 1000.00
keys A
wait_bottom "^accept, and set the deal's amount to it" || fail "asked again"
keys n
check "n accepts the quote" wait_sql "select status from quotes where id = $q1" accepted
check "... and says the amount is kept" wait_for "deal #$d1's amount is kept"
check "... which it is" stays "$q1" accepted "$d1" 1000.00

# ---- y: accepted and the deal's amount set, one statement, with its event ----
prompt "open quote $q2"
check "the second quote opens" wait_for "Quote #$q2"
keys A
wait_bottom "^accept, and set the deal's amount to it" || fail "A asks on the second quote"
keys -l yes # "yes" out of habit: the e and s after y are dropped
check "y accepts and sets the deal's amount" \
    wait_sql "select status || ' ' || (select amount from opportunities where id = $d2) from quotes where id = $q2" \
    "accepted 500.00"
check "... and says so" wait_for "deal #$d2's amount is now 500.00 EUR"
check "... in one transaction with the accept" \
    sql_is "select count(*) from events q where q.entity = 'quotes' and q.entity_id = $q2 and q.op = 'update'
        and q.summary like '%sent → accepted%' and q.xid = (select o.xid from events o
        where o.entity = 'opportunities' and o.entity_id = $d2 and o.op = 'update')" 1
check "... the deal's change is an event and an audit row like any update" \
    sql_is "select (select count(*) from events where entity = 'opportunities' and entity_id = $d2 and op = 'update' and 'amount' = any(changed))
        || ' ' || (select count(*) from audit where entity = 'opportunities' and entity_id = $d2 and op = 'update')" "1 1"
check "... and nothing else was typed into the quote" \
    bash -c "sleep 0.5; ! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Edit quote')"

# ---- another currency: accepted unasked, the amount kept, and said why ----
prompt "open quote $q3"
check "the quote in EUR of a deal in USD opens" wait_for "Quote #$q3"
keys A
check "A accepts it without asking" wait_sql "select status from quotes where id = $q3" accepted
check "... and says the deal's amount stays, and why" wait_for "the quote is in EUR, not USD"
check "... which it does" stays "$q3" accepted "$d3" 1000.00

# ---- the same amount: nothing to ask ----
prompt "open quote $q4"
check "the quote whose net total is its deal's amount opens" wait_for "Quote #$q4"
keys A
check "A accepts it without asking" wait_sql "select status from quotes where id = $q4" accepted
check "... saying only that" wait_for "quote #$q4 is accepted: I drafts its invoice"
keys q q
done_testing
