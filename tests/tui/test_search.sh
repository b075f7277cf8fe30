#!/usr/bin/env bash
# Accounts search in the full-screen client, checked against plain SQL: for patterns that take
# each road through src/db/list.c (search blocks, schema/016: matches in one stretch of
# blocks, in two stretches far apart, spread over the whole list, a pattern that can match
# nothing, one without trigrams, a short one), the first screen starts at the first match,
# paging down with PgDn and up from the end with PgUp shows every match exactly in name order
# without a gap, an account inserted into the search while it is shown appears, and one
# renamed into it is found. Blocks of 100 accounts, a window of 30 rows and pages of 20
# (instead of 10,000, 12,000 and 200) make a few thousand accounts reach every step.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search.sh path/to/ccrm}

# The accounts of `ccrm --demo --scale 3000`, by name and domain (what a search matches): the
# demo's first 20 by the demo itself (its users, and the rest a client needs), the other 2,980
# as src/db/demo.sql names them (first word x sector x legal form; its last two are typed-in-
# again versions of its second and third). The demo's contacts, leads, deals, tickets and
# timelines of 3,000 accounts are nothing this test reads, and loading them took half its time.
pg_start_demo "$CCRM" 20
same=$(psqlc <<'SQL'
create temp table demo_names as
select i, w1[k.a + 1] || ' ' || w2[k.b + 1] || ' ' || lf[k.c + 1] as name,
       w1s[k.a + 1] || '-' || w2s[k.b + 1] || '.' || tld[k.c + 1] as domain
  from (select
    array['Müller', 'Schmidt', 'Nordlicht', 'Øresund', 'Ñandú', 'Société Générale',
        'Acme', 'Bergström', 'Łódź', 'Zürich', 'Café Central', 'Dubois', 'Kowalski', 'Janssen',
        'Van der Berg', 'O''Connor', 'Rossi', 'Fjord', 'Alpen', 'Baltic', 'Atlas', 'Polaris',
        'Helios', 'Orion', 'Nova', 'Vega', 'Aurora', 'Sakura', '北京', '東京', 'Delta', 'Summit',
        'Evergreen', 'Bluewater', 'Redwood', 'Silverline', 'Ironbridge', 'Crescent', 'Harbor',
        'Pinnacle', 'Meridian', 'Horizon', 'Čapek', 'Dvořák', 'Åkesson', 'Söderberg', 'Ibáñez',
        'Gonçalves'] as w1,
    array['mueller', 'schmidt', 'nordlicht', 'oresund', 'nandu', 'socgen',
        'acme', 'bergstrom', 'lodz', 'zurich', 'cafecentral', 'dubois', 'kowalski', 'janssen',
        'vanderberg', 'oconnor', 'rossi', 'fjord', 'alpen', 'baltic', 'atlas', 'polaris',
        'helios', 'orion', 'nova', 'vega', 'aurora', 'sakura', 'beijing', 'tokyo', 'delta',
        'summit', 'evergreen', 'bluewater', 'redwood', 'silverline', 'ironbridge', 'crescent',
        'harbor', 'pinnacle', 'meridian', 'horizon', 'capek', 'dvorak', 'akesson', 'soderberg',
        'ibanez', 'goncalves'] as w1s,
    array['Logistik', 'Data', 'Foods', 'Trading', 'Software', 'Systems',
        'Consulting', 'Maschinenbau', 'Équipement', 'Energy', 'Pharma', 'Textiles', 'Media',
        'Bau', 'Analytics', 'Robotics', 'Finance', 'Retail', 'Solutions', 'Networks', 'Medical',
        'Automotive', 'Chemie', 'Design', 'Labs', 'Outdoor', 'Marine', 'Print', 'Telecom',
        'Wasser'] as w2,
    array['logistik', 'data', 'foods', 'trading', 'software', 'systems',
        'consulting', 'maschinenbau', 'equipement', 'energy', 'pharma', 'textiles', 'media',
        'bau', 'analytics', 'robotics', 'finance', 'retail', 'solutions', 'networks', 'medical',
        'automotive', 'chemie', 'design', 'labs', 'outdoor', 'marine', 'print', 'telecom',
        'wasser'] as w2s,
    array['GmbH', 'AG', 'SA', 'SARL', 'SL', 'ApS', 'AB', 'Ltd', 'Inc.', 'LLC',
        'B.V.', 'S.p.A.', 'Sp. z o.o.', 's.r.o.', 'Oy', 'KK'] as lf,
    array['de', 'ch', 'es', 'fr', 'es', 'dk', 'se', 'co.uk', 'com', 'com', 'nl',
        'it', 'pl', 'cz', 'fi', 'jp'] as tld) w,
       generate_series(1, 3000) i,
       lateral (select (i - 1) % 48 as a, ((i - 1) / 48) % 30 as b0, ((i - 1) / 1440) % 16 as c0) k0,
       lateral (select k0.a, (k0.b0 + 7 * k0.a) % 30 as b, (k0.c0 + k0.a + k0.b0) % 16 as c) k;
-- (the demo's first 18, named by the demo itself: as many as are named as here)
select count(*) from accounts a join demo_names n on a.id = (select min(id) from accounts) + n.i - 1
 where n.i <= 18 and a.name = n.name and a.domain = n.domain;
-- the demo of 20 made its 19th and 20th the typed-in-again ones: as they are at 3000
update accounts a set name = n.name, domain = n.domain
  from demo_names n where n.i in (19, 20) and a.id = (select min(id) from accounts) + n.i - 1;
insert into accounts (name, domain) select name, domain from demo_names where i > 20 order by i;
update accounts d set name = upper(s.name), domain = 'www.' || s.domain
  from demo_names t join demo_names s on s.i = t.i - 2997
 where t.i in (2999, 3000) and d.name = t.name;
SQL
) || fail "the demo's accounts 21 to 3000"
check "the accounts are named as the demo names them (its first 18: $same)" test "$same" = 18
check "3000 accounts, 2 of them typed in again" \
    sql_is "select count(*) || ' ' || count(*) filter (where domain like 'www.%') from accounts" "3000 2"
# one word in two stretches at both ends of the list (a page must be collected over the gap)
psqlc -c "insert into accounts (name, domain)
          select 'Aardvark Qzx ' || i, 'aardvark' || i || '.example' from generate_series(1, 25) i
          union all
          select 'Zypresse Qzx ' || i, 'zypresse' || i || '.example' from generate_series(1, 25) i"
psqlc -c "update search_block_lists set size = 100 where list = 'accounts_name'" -c "select ccrm_search_blocks_rebuild('accounts_name')" >/dev/null

mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
trace=$TEST_TMP/trace
: >"$trace"
tui_start 160 22 env CCRM_TRACE="$trace" CCRM_SEARCH_WINDOW=30 "$CCRM" -d "$PG_CONN" --view accounts
check "first paint" wait_for "Accounts by name"

VISIBLE_COLS=47 # the names on screen (tests/lib/tui.sh: walk)
EXPECT="select name from accounts where strpos(search, ccrm_fold('%s')) > 0 order by name, id"

walk lodz "one stretch of blocks"
walk "Łódź" "accents folded"
walk qzx "two stretches at both ends"
walk data "spread over the list"
walk "sp. z" "no trigram of three letters in a row"
walk qqqz "a trigram no account has"
# a key that needs a row, on a list with none: said, not silently ignored
keys e
check "e on the empty list says that no account is selected" wait_for "no account selected"
# a record's key on a list names itself by what it does (T has no command: it said "T (:?)")
keys T
check "T on a list: what it does, and to open the record first" \
    wait_for "T write in the live chat, shared with the partner: open the record first"
walk "Ac" "short pattern"

# live: an account inserted before every match, and one renamed to after them all, appear in
# the search shown (their blocks told by the triggers, the list told by the events)
walk lodz "again"
press g
psqlc -c "insert into accounts (name, domain) values ('Aachen Lodz Partners', 'aachen.example')"
check "an inserted account that matches appears at the top" wait_for "Aachen Lodz Partners"
# (a row renamed into a search is not drawn live at the end of the list: reload with g, G)
psqlc -c "update accounts set name = 'Zywiec Lodz Brewery'
          where id = (select min(id) from accounts where name like 'Acme %')"
press g
press G
check "an account renamed into the search appears at its end" wait_for "Zywiec Lodz Brewery"

keys Escape q
wait_exit
check "quits cleanly" test "$(cat "$TEST_TMP/tui.exit" 2>/dev/null)" = 0
done_testing
