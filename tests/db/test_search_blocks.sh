#!/usr/bin/env bash
# The search blocks of schema/013_search_blocks.sql (and 016: the accounts; 038: quotes, invoices): for every pattern,
# every matching row of each list lies in a block ccrm_search_blocks() names (and a pattern it cannot judge says so);
# this stays true after single and bulk inserts (also with session_replication_role =
# replica, as the demo loader writes), edits that move rows to another block, new text in a
# row and deletes; the pattern trigrams are inside the text typed only; partners get no
# blocks and cannot read the tables; ccrm --migrate cuts a grown last block again, and only
# the owner rebuilds.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_blocks.sh path/to/ccrm}

pg_start_demo "$CCRM" 200

psqlc >/dev/null <<'SQL'
INSERT INTO contacts (first_name, last_name, email)
SELECT (ARRAY['Anna','Jürgen','Zoë','Łukasz'])[1 + i % 4],
       (ARRAY['Müller','Nowak','García','O''Brien'])[1 + (i / 4) % 4] || ' ' || i,
       'c' || i || '@example' || (i % 7) || '.com'
  FROM generate_series(1, 1500) i;
INSERT INTO leads (first_name, last_name, company, email)
SELECT 'Lead', 'Person ' || i, 'Company ' || (i % 40), 'l' || i || '@x' || (i % 5) || '.org'
  FROM generate_series(1, 1500) i;
INSERT INTO tickets (account_id, subject)
SELECT (SELECT min(id) FROM accounts), 'Ticket ' || i || ' ' || md5(i::text) FROM generate_series(1, 1500) i;
INSERT INTO campaigns (name) SELECT 'Campaign ' || i || ' ' || md5(i::text) FROM generate_series(1, 1500) i;
INSERT INTO quotes (account_id, title)
SELECT (SELECT min(id) FROM accounts), 'Quote ' || i || ' ' || md5(i::text) FROM generate_series(1, 1500) i;
-- letters that end a word and occur nowhere else (042: they start only trigrams with the
-- separator, which pg_trgm hashes)
INSERT INTO contacts (first_name, last_name) VALUES ('Jqx', 'Wyv'), ('Ozh', 'Fjq.');
INSERT INTO invoices (account_id, buyer_name)
SELECT (SELECT min(id) FROM accounts), 'Buyer ' || i || ' ' || md5(i::text) FROM generate_series(1, 1500) i;
UPDATE search_block_lists SET size = 100;
SELECT ccrm_search_blocks_rebuild(list) FROM search_block_lists;
CREATE TABLE pats (p text);
-- pieces of real search texts (2 to 7 characters, many straddling words), typed forms
INSERT INTO pats
SELECT DISTINCT substr(x.search, s, l)
  FROM ((SELECT search FROM contacts ORDER BY id DESC LIMIT 40)
        UNION ALL (SELECT search FROM leads ORDER BY id DESC LIMIT 40)
        UNION ALL (SELECT search FROM tickets ORDER BY id DESC LIMIT 20)
        UNION ALL (SELECT search FROM campaigns ORDER BY id DESC LIMIT 20)
        UNION ALL (SELECT search FROM quotes ORDER BY id DESC LIMIT 10)
        UNION ALL (SELECT search FROM invoices ORDER BY id DESC LIMIT 10)
        UNION ALL (SELECT search FROM events ORDER BY id DESC LIMIT 10)
        UNION ALL (SELECT search FROM inbox ORDER BY id DESC LIMIT 10)) x,
       generate_series(1, 40, 3) s, generate_series(2, 7, 5) l
 WHERE length(substr(x.search, s, l)) = l;
INSERT INTO pats SELECT chr(c) FROM generate_series(97, 122) c UNION ALL SELECT chr(c) FROM generate_series(48, 57) c;
INSERT INTO pats VALUES (' '), ('-'), ('@'), ('ł'), ('Z'), ('é'), ('北'), ('北京 d'), ('ß');
INSERT INTO pats VALUES ('nowak'), ('Müller'), ('person 12'), ('on 1'), ('o''brien'), ('n 1'),
    ('ticket 4'), ('aign 9'), ('@example3'), ('QQQZ'), ('zz'), ('50%'), ('a_b'), ('.com'), (' 7 '),
    ('qx'), ('yv'), ('zh'), ('jq'), ('jqx w'), ('x w'), ('q.'), ('quote 7'), ('quote 1 ');
SQL
check "enough patterns to mean something" test "$(q "select count(*) from pats")" -gt 400

# bad LIST TABLE KEY BKEY: the query of the patterns with a matching row outside every block
# named (or named "nothing can match" while something does), listed on one line. The blocks
# are asked for only for the patterns with a match in the list (what they name for the others
# decides nothing here: about two thirds of the patterns, and near half the query's time). A
# pattern is looked for in each block's texts joined by chr(1), which no pattern holds, so that
# it matches there exactly when it matches one of the block's rows: a pattern against every
# row was 3,300,000 strpos calls for the contacts alone, 60 % of the query's time; against the
# 22 blocks' texts, 35,000.
bad() {
    echo "with rb as materialized (
            select r.blk, string_agg(r.search, chr(1)) as search
              from (select a.search, coalesce((select b.blk from search_blocks_$1 b where ($4) <= ($3)
                                               order by b.blk desc limit 1), 0) as blk from $2 a) r
             group by r.blk),
            pf as materialized (select p, ccrm_fold(p) as f from pats),
            hit as materialized (
            select distinct pf.p, rb.blk from pf join rb on strpos(rb.search, pf.f) > 0),
            pc as materialized (
            select p.p, c.usable, c.blk
              from (select distinct p from hit) p, ccrm_search_blocks('$1', p.p,
                     '%' || replace(replace(replace(ccrm_fold(p.p), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%',
                     true, null, null, null) c)
       select replace(string_agg(distinct hit.p, ' | '), E'\\n', '\\n') from hit
        where not exists (select 1 from pc where pc.p = hit.p and not pc.usable)
          and not exists (select 1 from pc where pc.p = hit.p and pc.blk = hit.blk);"
}
# all_good WHEN: every list answers right (the nine queries in one session, a line each)
all_good() {
    local -a b
    local i
    {
        bad contacts_name contacts "coalesce(a.last_name, ''), coalesce(a.first_name, ''), a.id" "b.k1, b.k2, b.id"
        bad leads_updated leads "a.updated_at, a.id" "b.k1, b.id"
        bad tickets_updated tickets "a.updated_at, a.id" "b.k1, b.id"
        bad campaigns_name campaigns "a.name, a.id" "b.k1, b.id"
        bad accounts_name accounts "a.name, a.id" "b.k1, b.id"
        bad quotes_updated quotes "a.updated_at, a.id" "b.k1, b.id"
        bad invoices_updated invoices "a.updated_at, a.id" "b.k1, b.id"
        # (the Feed's rows: the events' blocks are the Feed's, which shows no inbox bookkeeping,
        # and an inbox line's event is not filed)
        bad events_newest "(select * from events where entity not in ('inbox', 'mentions',
            'reminders', 'digests', 'inbox_settings', 'followers'))" "a.id" "b.k1"
        bad inbox_newest inbox "a.id" "b.k1"
    } >"$TEST_TMP/bad.sql"
    mapfile -t b < <(psqlc -f "$TEST_TMP/bad.sql")
    for i in {0..8}; do b[i]=${b[i]-"(no answer: the session failed)"}; done
    check "$1: contacts: every match in a named block (wrong: ${b[0]:-none})" test -z "${b[0]}"
    check "$1: leads: every match in a named block (wrong: ${b[1]:-none})" test -z "${b[1]}"
    check "$1: tickets: every match in a named block (wrong: ${b[2]:-none})" test -z "${b[2]}"
    check "$1: campaigns: every match in a named block (wrong: ${b[3]:-none})" test -z "${b[3]}"
    check "$1: accounts: every match in a named block (wrong: ${b[4]:-none})" test -z "${b[4]}"
    check "$1: quotes: every match in a named block (wrong: ${b[5]:-none})" test -z "${b[5]}"
    check "$1: invoices: every match in a named block (wrong: ${b[6]:-none})" test -z "${b[6]}"
    check "$1: feed (events): every match in a named block (wrong: ${b[7]:-none})" test -z "${b[7]}"
    check "$1: inbox: every match in a named block (wrong: ${b[8]:-none})" test -z "${b[8]}"
}
all_good "after the cut"
n=$(q "select count(*) from ccrm_search_blocks('contacts_name', 'nowak', '%', true, null, null, null)")
m=$(q "select count(distinct (select b.blk from search_blocks_contacts_name b
          where (b.k1, b.k2, b.id) <= (coalesce(a.last_name, ''), coalesce(a.first_name, ''), a.id)
          order by b.blk desc limit 1)) from contacts a where a.search like '%nowak%'")
check "the blocks narrow: 'nowak' names $n blocks, $m hold Nowaks, of $(q "select count(*) from search_blocks_contacts_name")" \
    test "$n" -le $((m + 1))
n=$(q "select count(*) from ccrm_search_blocks('quotes_updated', 'quote 7', '%quote 7%', true, null, null, null)")
m=$(q "select count(distinct (select b.blk from search_blocks_quotes_updated b
          where (b.k1, b.id) <= (a.updated_at, a.id) order by b.blk desc limit 1))
         from quotes a where a.search like '%quote 7%'")
check "the blocks tell a space from a zero: 'quote 7' names $n blocks, $m hold such quotes, of $(q "select count(*) from search_blocks_quotes_updated") (their titles' hex holds e07)" \
    test "$n" -le $((m + 1))
check "two letters are looked for too" \
    test "$(q "select bool_and(usable) from ccrm_search_blocks('contacts_name', 'no', '%', true, null, null, null)")" = t
check "one letter too" \
    test "$(q "select bool_and(usable) from ccrm_search_blocks('contacts_name', 'n', '%', true, null, null, null)")" = t
q "update contacts set first_name = replace(first_name, 'q', 'k'), last_name = replace(last_name, 'q', 'k'),
          email = replace(email, 'q', 'k') where search like '%q%'" >/dev/null
q "select ccrm_search_blocks_rebuild('contacts_name')" >/dev/null
check "a letter nobody has (q, once no contact has it): no block at all" \
    test "$(q "select count(*) from ccrm_search_blocks('contacts_name', 'q', '%', true, null, null, null)")" = 0
check "a trigram no row has: no block at all" \
    test "$(q "select count(*) from ccrm_search_blocks('campaigns_name', 'qqqz', '%', true, null, null, null)")" = 0
check "the trigrams of a text are those inside it (nowak: now owa wak)" \
    test "$(q "select array_to_string(array(select unnest(ccrm_block_pattern_trgms('Nowak')) order by 1), ' ')")" = "now owa wak"
check "tickets whose account matches: the blocks cannot tell" \
    test "$(q "select bool_and(usable) from ccrm_search_blocks('tickets_updated', (select name from accounts limit 1), '%' || (select ccrm_fold(name) from accounts limit 1) || '%', true, null, null, null)")" = f

# writers after the cut: single rows, a bulk insert under replica, edits moving rows to the
# top of an order of last change, new words, renames into another block, deletes
psqlc >/dev/null <<'SQL'
INSERT INTO contacts (first_name, last_name) VALUES ('Xaver', 'Aardvark Zyx'), ('Yolanda', 'Zzyzx Qvt');
SET session_replication_role = replica;
INSERT INTO leads (first_name, last_name, company)
SELECT 'Bulk', 'Quokka ' || i, 'Replica Co' FROM generate_series(1, 300) i;
INSERT INTO campaigns (name) SELECT 'Aaa Replica ' || i FROM generate_series(1, 50) i;
SET session_replication_role = origin;
UPDATE leads SET company = 'Wombat Works' WHERE id IN (SELECT id FROM leads ORDER BY id LIMIT 30);
UPDATE tickets SET subject = 'Moved Platypus ' || id WHERE id % 97 = 0;
UPDATE contacts SET last_name = 'Aaberg Kiwi' WHERE id IN (SELECT id FROM contacts ORDER BY id DESC LIMIT 5);
UPDATE campaigns SET name = 'Zulu Emu ' || id WHERE id % 89 = 0;
DELETE FROM campaigns WHERE id % 83 = 0;
INSERT INTO pats VALUES ('aardvark'), ('zzyzx'), ('quokka 2'), ('replica'), ('wombat'),
    ('platypus'), ('kiwi'), ('zulu emu'), ('aaa rep'), ('bulk qu');
INSERT INTO responsibilities (department, topic, person, priority) VALUES ('support', 'Ocelot', 'sofia', 1);
SQL
# a routed ticket: its person's inbox line and that line's event are queued by the statement
# that writes them (schema/040), not by the tables' triggers
as sam -c "insert into tickets (subject, account_id) values ('Routed ocelot case', (select min(id) from accounts))" >/dev/null
check "the routed ticket's person was told" \
    test "$(q "select count(*) from inbox where login = 'sofia' and kind = 'routed' and note like '%ocelot%'")" = 1
# a person's own ccrm.inbox_logged keeps nothing from the queue (the setting is the owner's word)
# (a new contact: nobody is told, so no inbox line's event names the block by the way)
as sam -c "set ccrm.inbox_logged = on; insert into contacts (first_name, last_name) values ('Jaguarundi', 'Setting')" >/dev/null
check "... and a write's event is in the Feed" \
    test "$(q "select count(*) from events where entity = 'contacts' and op = 'insert' and summary like '%Jaguarundi%'")" = 1
check "... with nobody told about it" test "$(q "select count(*) from inbox where note like '%Jaguarundi%'")" = 0
q "insert into pats values ('ocelot'), ('jaguarundi'), ('routed oc')" >/dev/null
all_good "after inserts, replica bulk loads, edits and deletes"
# rows queued but not filed yet (schema/018): found through the queue
q "select ccrm_search_blocks_flush()" >/dev/null
# (the queue entry that lands on a multiple of 256 files the queue: the four writes below are
# put just after one, whatever the data before them wrote)
q "select setval('search_block_pending_seq_seq', (last_value / 256 + 1) * 256) from search_block_pending_seq_seq" >/dev/null
for w in 'Quetzal Pending' 'Xylo Pending' 'Yak Pending'; do
    q "insert into contacts (first_name, last_name) values ('Queued', '$w')" >/dev/null
done
q "update leads set company = 'Narwhal Queue' where id = (select max(id) from leads)" >/dev/null
q "insert into pats values ('quetzal'), ('xylo pend'), ('narwhal'), ('queued')" >/dev/null
check "writes are queued for their pairs ($(q "select count(*) from search_block_pending") queued)" \
    test "$(q "select count(*) from search_block_pending")" -ge 4
all_good "with rows queued and not filed"
check "a queued row's block is named although its trigrams are in no block yet" \
    test "$(q "select count(*) from ccrm_search_blocks('contacts_name', 'quetzal', '%quetzal%', true, null, null, null)")" = 1
check "... also for a pattern as typed, capitals and accents (the client folds nothing)" \
    test "$(q "select count(*) from ccrm_search_blocks('contacts_name', 'Quétzal', '%Quétzal%', true, null, null, null)")" = 1
q "select ccrm_search_blocks_flush()" >/dev/null
check "filing empties the queue" test "$(q "select count(*) from search_block_pending")" = 0
all_good "after filing the queue"
check "... and the row's trigrams are in its block now" \
    test "$(q "select count(*) from ccrm_search_blocks('contacts_name', 'quetzal', '%quetzal%', true, null, null, null)")" = 1
check "partners cannot read the queue" bash -c "$(declare -f as psqlc); PG_DIR=$PG_DIR; ! as paul -c 'select count(*) from search_block_pending' 2>/dev/null"
check "a lead edited to the top is in the last block" \
    test "$(q "select max(blk) from ccrm_search_blocks('leads_updated', 'wombat', '%', true, null, null, null)")" = \
         "$(q "select max(blk) from search_blocks_leads_updated")"

# from a row on: the blocks before it (ascending) or after it (descending) are left out
k=$(q "select k1 || '|' || k2 || '|' || id from search_blocks_contacts_name order by blk limit 1 offset 5")
IFS='|' read -r k1 k2 kid <<<"$k"
check "ascending from a row: no block before it" \
    test "$(q "select count(*) from ccrm_search_blocks('contacts_name', 'an', '%', true, '$k1', '$k2', $kid) where blk < 4")" = 0
check "descending from a row: no block after it" \
    test "$(q "select count(*) from ccrm_search_blocks('contacts_name', 'an', '%', false, '$k1', '$k2', $kid) where blk > 5")" = 0

# partners (paul) get no blocks and cannot read them; internal users (mia) can, not write them
check "a partner gets no blocks" \
    test "$(as paul -c "select bool_and(usable) from ccrm_search_blocks('contacts_name', 'nowak', '%', true, null, null, null)")" = f
check "an internal user gets them" \
    test "$(as mia -c "select bool_and(usable) from ccrm_search_blocks('contacts_name', 'nowak', '%', true, null, null, null)")" = t
check "a partner cannot read the trigram table" bash -c "$(declare -f as psqlc); PG_DIR=$PG_DIR; ! as paul -c 'select count(*) from search_block_trgm' 2>/dev/null"
check "only the owner rebuilds" bash -c "$(declare -f as psqlc); PG_DIR=$PG_DIR; ! as mia -c \"select ccrm_search_blocks_rebuild('leads_updated')\" 2>/dev/null"
check "nobody writes the table directly" bash -c "$(declare -f as psqlc); PG_DIR=$PG_DIR; ! as mia -c \"insert into search_block_trgm values ('leads_updated', 'zzz', 0)\" 2>/dev/null"

# the last block grows with rows added at the top; ccrm --migrate cuts it again
before=$(q "select count(*) from search_blocks_leads_updated")
q "insert into leads (first_name, last_name) select 'Late', 'Arrival ' || i from generate_series(1, 700) i" >/dev/null
out=$("$CCRM" -d "$PG_CONN" --migrate 2>&1)
check "ccrm --migrate says it cut the leads again ($out)" grep -q "leads_updated" <<<"$out"
check "the leads have more blocks now ($before before)" \
    test "$(q "select count(*) from search_blocks_leads_updated")" -gt "$before"
all_good "after ccrm --migrate"
# the filing asks pg_trgm for 200 rows' words at once (043): the pairs must be each row's own
# trigrams (ccrm_block_trgms) in its block, none missing, after a recut and after a flush
missing() { # LIST TABLE KEY BKEY
    q "select count(*) from (
         select distinct t.trgm, c.blk
           from (select a.search, coalesce((select b.blk from search_blocks_$1 b where ($4) <= ($3)
                                            order by b.blk desc limit 1), 0) as blk from $2 a) c,
                unnest(ccrm_block_trgms(c.search)) t(trgm)
         except select trgm, blk from search_block_trgm where list = '$1') x"
}
q "select ccrm_search_blocks_rebuild('contacts_name')" >/dev/null
check "recut: every contact's trigrams filed in its block" \
    test "$(missing contacts_name contacts "coalesce(a.last_name, ''), coalesce(a.first_name, ''), a.id" "b.k1, b.k2, b.id")" = 0
q "insert into contacts (first_name, last_name) select 'Zoë ' || i, 'Ó''Brien-Łódź ' || i from generate_series(1, 450) i" >/dev/null
q "select ccrm_search_blocks_flush()" >/dev/null
check "flush: every contact's trigrams filed in its block" \
    test "$(missing contacts_name contacts "coalesce(a.last_name, ''), coalesce(a.first_name, ''), a.id" "b.k1, b.k2, b.id")" = 0
check "flush: every lead's trigrams filed in its block" \
    test "$(missing leads_updated leads "a.updated_at, a.id" "b.k1, b.id")" = 0
out=$("$CCRM" -d "$PG_CONN" --migrate 2>&1)
check "a second --migrate has nothing to cut ($out)" bash -c "! grep -q 'cut again' <<<'$out'"

# the queue holds everyone's writes: filing it tells a partner whether there was more, not
# how much the company wrote; a bad size is a clear error, not the function's SQL
q "update accounts set name = name || '' where id in (select id from accounts order by id limit 7)"
check "a partner filing the queue learns only that there was something (1, not 7)" \
    test "$(as paul -c "select ccrm_search_blocks_flush()")" = 1
check "...and then nothing (0)" test "$(as paul -c "select ccrm_search_blocks_flush()")" = 0
q "update accounts set name = name || '' where id in (select id from accounts order by id limit 5)"
check "...nor does filing one row a call count them (1, then 0)" \
    test "$(as paul -c "select ccrm_search_blocks_flush(1)") $(as paul -c "select ccrm_search_blocks_flush(1)")" = "1 0"
q "update accounts set name = name || '' where id in (select id from accounts order by id limit 3)"
check "staff learn how many they filed" test "$(as sam -c "select ccrm_search_blocks_flush()")" = 3
# a superuser (the private database's own login) has every role, ccrm_partner too: it files as
# staff do, what it was asked to, not the whole queue in one statement (which outran the
# statement timeout after a large import)
q "update accounts set name = name || '' where id in (select id from accounts order by id limit 4)"
check "a superuser files one row a call when asked to, and learns how many (1, then 3)" \
    test "$(q "select ccrm_search_blocks_flush(1)") $(q "select ccrm_search_blocks_flush()")" = "1 3"
for bad in NULL -1 0; do
    out=$(as paul -c "select ccrm_search_blocks_flush($bad)" 2>&1)
    check "flush($bad): a clear error, no SQL of the function's ($out)" \
        bash -c "grep -q 'the number of rows to file must be positive' <<<'$out' && ! grep -q 'LIMIT\|QUERY' <<<'$out'"
done
done_testing
