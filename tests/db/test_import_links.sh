#!/usr/bin/env bash
# An export imports back whole: interactions keep their deal (by name), ticket (by subject),
# lead (by e-mail) and owner through --export and --import into an empty database, the deal and
# ticket found among the row's account's. An account is named in any letter case, by an import
# and by --create-missing accounts alike ("zeta widgets gmbh" is Zeta Widgets GmbH), and two
# accounts of one name in two letter cases are ambiguous.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_import_links.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 20
C2="host=$PG_DIR user=postgres dbname=ccrm2"
say() { echo "--- out:"; cat "$T/out"; echo "--- err:"; cat "$T/err"; }

# ---- the round trip ----
for e in accounts contacts leads deals tickets interactions; do
    "$CCRM" -d "$PG_CONN" --export "$e" --output "$T/$e.csv" || fail "export $e"
done
check "the export of interactions has deal, ticket, lead and owner" \
    grep -q '^kind,channel,direction,subject,body,at,due_at,done_at,account,contact,lead,deal,ticket,owner' \
    "$T/interactions.csv"
# an empty database with the same users: a copy, its records gone
q "update interactions set owner = 'sam' where id = (select min(id) from interactions where opportunity_id is not null)" \
    >/dev/null
"$CCRM" -d "$PG_CONN" --export interactions --output "$T/interactions.csv" || fail "export interactions"
as_pg "$PG_BIN/createdb" -h "$PG_DIR" -U postgres -T ccrm ccrm2 || fail "createdb"
psqlc "$C2" -c "set session_replication_role = replica;
    set client_min_messages = warning;
    truncate accounts, contacts, leads, opportunities, tickets, interactions cascade" >/dev/null ||
    fail "empty the copy"
for e in accounts contacts leads deals tickets interactions; do
    # (two demo leads share an e-mail in other letter case: the second is rejected)
    "$CCRM" -d "$C2" --import "$T/$e.csv" --into "$e" --rejects "$T/rej-$e.csv" -q >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc = 0 ] || [ $e = leads ] || { say; fail "import $e: $rc"; }
done
links="select i.kind, i.at, coalesce(i.subject, ''), coalesce(o.name, '-'), coalesce(t.subject, '-'),
              coalesce(lower(l.email), '-'), coalesce(i.owner, '-'), coalesce(a.name, '-')
         from interactions i left join opportunities o on o.id = i.opportunity_id
         left join tickets t on t.id = i.ticket_id left join leads l on l.id = i.lead_id
         left join accounts a on a.id = i.account_id order by 1, 2, 3, 4, 5, 6, 7, 8"
q "$links" >"$T/before"
psqlc "$C2" -c "$links" >"$T/after"
check "every interaction comes back with its deal, ticket, lead, owner and account" cmp -s "$T/before" "$T/after" ||
    diff "$T/before" "$T/after" | head
check "... the deals, tickets and leads linked are many" \
    test "$(psqlc "$C2" -c "select count(opportunity_id) > 10 and count(ticket_id) > 10 and count(lead_id) > 10 and count(owner) >= 1 from interactions")" = t

# ---- what an import says when it does not find them ----
acct=$(q "select coalesce(domain, name) from accounts a where exists (select 1 from opportunities o where o.account_id = a.id) order by id limit 1")
deal=$(q "select o.name from opportunities o join accounts a on a.id = o.account_id where coalesce(a.domain, a.name) = '$acct' order by o.id limit 1")
other=$(q "select coalesce(domain, name) from accounts a where not exists (select 1 from opportunities o where o.account_id = a.id and lower(o.name) = lower('$deal')) order by id limit 1")
printf 'kind,subject,account,deal,ticket,lead\nnote,found,%s,%s,,\nnote,other account,%s,%s,,\nnote,no ticket,,,no such ticket,\nnote,no lead,,,,nobody@nowhere.example\n' \
    "$acct" "$(echo "$deal" | tr a-z A-Z)" "$other" "$deal" >"$T/i.csv"
"$CCRM" -d "$PG_CONN" --import "$T/i.csv" --into interactions --dry-run >"$T/out" 2>"$T/err"
rc=$?
check "a deal named in other letter case, at its account, is found (rc $rc)" \
    grep -q "would insert 1, update 0, skip 0, reject 3" "$T/out" || say
check "... a deal of another account is not" grep -q "i.csv:3: deal \"$deal\" not found" "$T/err" || say
check "... nor a ticket no one has" grep -q 'i.csv:4: ticket "no such ticket" not found' "$T/err"
check "... nor a lead" grep -q 'i.csv:5: lead "nobody@nowhere.example" not found' "$T/err"

# ---- an account's name in any letter case ----
q "insert into accounts (name) values ('Acme Media Test AB')" >/dev/null
printf 'account,first_name,last_name,email\nZeta Widgets GmbH,A,B,za@zeta.example\nzeta widgets gmbh,C,D,zc@zeta.example\nacme media test ab,E,F,ef@zeta.example\n' >"$T/c.csv"
"$CCRM" -d "$PG_CONN user=sam" --import "$T/c.csv" --into contacts --create-missing accounts >"$T/out" 2>"$T/err"
rc=$?
check "--create-missing accounts: one account for a name in two letter cases (rc $rc)" \
    grep -q "created 1 new account" "$T/out" || say
check "... spelt as its first line says" \
    test "$(q "select string_agg(name, ',') from accounts where lower(name) = 'zeta widgets gmbh'")" = "Zeta Widgets GmbH"
check "... both contacts at it" \
    test "$(q "select count(distinct account_id) from contacts where email in ('za@zeta.example', 'zc@zeta.example')")" = 1
check "... and one in other letter case is the account there already" \
    test "$(q "select a.name from contacts k join accounts a on a.id = k.account_id where k.email = 'ef@zeta.example'")" = "Acme Media Test AB"
check "... no second Acme Media Test AB" test "$(q "select count(*) from accounts where lower(name) = 'acme media test ab'")" = 1
q "insert into accounts (name) values ('ACME MEDIA TEST AB')" >/dev/null
printf 'account,first_name,last_name,email\nacme media test ab,G,H,gh@zeta.example\n' >"$T/c2.csv"
"$CCRM" -d "$PG_CONN user=sam" --import "$T/c2.csv" --into contacts --create-missing accounts >"$T/out" 2>"$T/err"
rc=$?
check "two accounts of the name in two letter cases are ambiguous (rc $rc)" \
    grep -q 'c2.csv:2: account "acme media test ab" is ambiguous (2 accounts match)' "$T/err" || say
check "... and none is created" test "$(q "select count(*) from accounts where lower(name) = 'acme media test ab'")" = 2

done_testing
