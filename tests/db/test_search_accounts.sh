#!/usr/bin/env bash
# The Accounts search through search blocks (schema/016_accounts_blocks.sql), which replaced
# the per-trigram bounds of schema/011 (this test checked those bounds the same ways): for
# every pattern, every matching account lies in a block ccrm_search_blocks() names, and a
# pattern that can match nothing names no block; this stays true after single and bulk
# inserts (also with session_replication_role = replica, as the demo loader writes), renames
# and domain changes; updates of other columns write nothing; writers never wait for each
# other; deletes leave the blocks valid and a rebuild recomputes them; partners get no blocks
# and cannot read the tables; 011's table and functions are gone.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_accounts.sh path/to/ccrm}

# 100 demo accounts (their names and domains: the words, accents, dots and legal forms the
# patterns below are cut from) and 30 numbered copies of each, named as the demo numbers its
# accounts past its 23,040 combinations ('Łódź Marine Inc. 2', lodz-marine2.com) and written
# as it writes them (replica mode): 3,100 accounts, the 62 Łódź ones across two blocks as in a
# demo of 3,000. (That demo took 20 s, most of it for the contacts, deals, tickets and history
# of each account, which nothing here uses.)
pg_start_demo "$CCRM" 100
q "begin; set local session_replication_role = replica;
   insert into accounts (name, domain, industry, owner, city, country)
   select a.name || ' ' || k, regexp_replace(a.domain, '\.', k || '.'), a.industry, a.owner, a.city, a.country
     from accounts a, generate_series(2, 31) k order by k, a.id;
   commit"

# blocks of 100 accounts instead of 10,000: 3,100 accounts make 31 of them
q "update search_block_lists set size = 100 where list = 'accounts_name'"
q "select ccrm_search_blocks_rebuild('accounts_name')" >/dev/null
check "the accounts are cut into blocks" test "$(q "select count(*) from search_blocks_accounts_name")" -ge 30

# Patterns: pieces of real search texts (3 to 8 characters from a sample of accounts, so many
# straddle words, dots and dashes), the demo words, user-typed forms with accents and capitals,
# and patterns that match nothing. Each is checked against every account by plain substring.
q "create table pats (p text)"
q "insert into pats select distinct substr(a.search, s, l) from (select search from accounts
     order by id limit 150) a, generate_series(1, 30, 4) s, generate_series(3, 8, 5) l
   where length(substr(a.search, s, l)) = l"
q "insert into pats values ('lodz'), ('Łódź'), ('ŁÓDŹ'), ('alpen'), ('Alpe'), ('gmbh'), ('data 2'),
     ('zürich'), ('sp. z o.o.'), ('-data'), ('s.r.o'), ('qqqz'), ('lodzq'), ('x_y'), ('50%'),
     ('北京 data'), ('akesson'), ('Søderberg'), ('van der'), ('o''connor'), ('.de'), ('aaa'), ('a'), ('lo')"
check "enough patterns to mean something" test "$(q "select count(*) from pats")" -gt 300

# bad PATTERN-TABLE: patterns with a matching account outside every block named (or no block
# while something matches), listed
bad() {
    q "with rb as materialized (
            select a.search, coalesce((select b.blk from search_blocks_accounts_name b
                                        where (b.k1, b.id) <= (a.name, a.id)
                                        order by b.blk desc limit 1), 0) as blk from accounts a),
            pc as materialized (
            select p.p, c.usable, c.blk
              from $1 p, ccrm_search_blocks('accounts_name', p.p, '%', true, null, null, null) c),
            pf as materialized (select p, ccrm_fold(p) as f from $1)
       select string_agg(distinct pf.p, ' | ') from pf join rb on strpos(rb.search, pf.f) > 0
        where not exists (select 1 from pc where pc.p = pf.p and (not pc.usable or pc.blk = rb.blk))"
}
# the blocks named for a pattern, as "first..last (n)"
named() {
    q "select min(blk) || '..' || max(blk) || ' (' || count(*) || ')'
         from ccrm_search_blocks('accounts_name', '$1', '%', true, null, null, null)"
}
# the blocks that hold a match of a pattern, the same way
holding() {
    q "select min(blk) || '..' || max(blk) || ' (' || count(distinct blk) || ')' from (
         select (select b.blk from search_blocks_accounts_name b where (b.k1, b.id) <= (a.name, a.id)
                  order by b.blk desc limit 1) as blk
           from accounts a where strpos(a.search, ccrm_fold('$1')) > 0) x"
}
# is_named PATTERN NAME: the block of the account named NAME is among those named for PATTERN
is_named() {
    test "$(q "select count(*) from ccrm_search_blocks('accounts_name', '$1', '%', true, null, null, null) c
                where c.blk = coalesce((select b.blk from search_blocks_accounts_name b, accounts a
                                         where a.name = '$2' and (b.k1, b.id) <= (a.name, a.id)
                                         order by b.blk desc limit 1), 0)")" = 1
}
b=$(bad pats)
check "every match lies in a block named (wrong: ${b:-none})" test -z "$b"
check "the blocks narrow clustered matches (lodz: $(named lodz), held by $(holding lodz))" \
    test "$(named lodz)" = "$(holding lodz)"
check "accents and capitals are folded like the search" test "$(named 'ŁÓDŹ')" = "$(named lodz)"
check "a trigram no account has: no block, nothing can match" \
    test "$(q "select count(*) from ccrm_search_blocks('accounts_name', 'qqqz', '%', true, null, null, null)")" = 0
check "no trigram of three letters in a row (sp. z): the blocks of its matches are named" \
    test "$(q "select count(*) from accounts where strpos(search, ccrm_fold('sp. z')) > 0")" -gt 0 -a \
         "$(named 'sp. z')" = "$(holding 'sp. z')"
check "011's bounds are gone" \
    test "$(q "select count(*) from pg_proc where proname in ('ccrm_account_search_range', 'ccrm_trgms', 'ccrm_account_trgm_rebuild', 'ccrm_account_trgm_note')")$(q "select to_regclass('account_trgm_range') is null")" = "0t"

# writes keep the blocks right: a new name before every Łódź, one after, by rename and by domain
q "insert into accounts (name, domain) values ('Aachen Lodz Partners', 'aachen.example')"
q "update accounts set name = 'Zywiec Lodz Bräu' where id = (select min(id) from accounts where name like 'Acme%')"
q "update accounts set domain = 'qqqz-lodz.example' where id = (select min(id) from accounts where name like 'Harbor%')"
check "an insert before every match: its block is named" is_named lodz 'Aachen Lodz Partners'
check "a rename after every match: its block is named" is_named lodz 'Zywiec Lodz Bräu'
check "a domain change: the account's block is named" \
    is_named lodz "$(q "select name from accounts where domain = 'qqqz-lodz.example'")"
check "a new domain brings its trigrams (qqqz matches now)" \
    test "$(q "select count(*) from ccrm_search_blocks('accounts_name', 'qqqz', '%', true, null, null, null)")" -gt 0
# a bulk load the way the demo loader writes: one statement, triggers in replica mode
q "begin; set local session_replication_role = replica;
   insert into accounts (name, domain)
   select 'Bulk ' || md5(i::text) || ' Ltd', 'b' || i || '.example' from generate_series(1, 2000) i;
   commit"
check "a replica-mode bulk insert is covered too" \
    test "$(q "select count(*) from ccrm_search_blocks('accounts_name', substr(md5('1234'), 1, 8), '%', true, null, null, null)")" -gt 0
# an update that changes nothing searchable leaves the blocks alone (and queues nothing: the
# queue is filed before and after, since any writer may file what others queued, here the
# bulk load's rows)
q "select ccrm_search_blocks_flush()" >/dev/null
before=$(q "select count(*) from search_block_trgm where list = 'accounts_name'")
queued=$(q "select count(*) from search_block_pending where list = 'accounts_name'")
q "update accounts set phone = '+49 1' where id <= 500"
check "updates of other columns queue nothing for the accounts' blocks" \
    test "$(q "select count(*) from search_block_pending where list = 'accounts_name'")" = "$queued"
q "select ccrm_search_blocks_flush()" >/dev/null
check "updates of other columns leave the table alone" \
    test "$(q "select count(*) from search_block_trgm where list = 'accounts_name'")" = "$before"
q "create table pats2 as select p from pats union select substr(search, 1, 12) from accounts
     where (name like 'Bulk %' and id % 40 = 0) or name like '%Lodz%' or domain like '%lodz%'"
b=$(bad pats2)
check "after the writes every match still lies in a block named (wrong: ${b:-none})" test -z "$b"

# a writer never waits for another: an open transaction that brought new trigrams does not
# hold up a second insert of the same new words (an upsert would)
mkfifo "$TEST_TMP/t1.in"
psql -X -q -v ON_ERROR_STOP=1 "$PG_CONN" <"$TEST_TMP/t1.in" >"$TEST_TMP/t1.out" 2>&1 &
t1=$!
exec 7>"$TEST_TMP/t1.in"
echo "begin; insert into accounts (name, domain) values ('Aaaa Xylophon Werke', 'xylophon.example'); select 'inserted';" >&7
for i in $(seq 100); do grep -q inserted "$TEST_TMP/t1.out" && break; sleep 0.05; done
check "a concurrent insert of the same new trigrams does not wait for the open one" \
    psqlc -c "set statement_timeout = '3s'; insert into accounts (name, domain) values ('Zzzz Xylophon Werke', 'xylophon2.example')"
check "before the first commits, the second's block has the word" is_named xylophon 'Zzzz Xylophon Werke' 
echo "commit;" >&7
exec 7>&-
wait $t1
check "after both commits the first's block is named" is_named xylophon 'Aaaa Xylophon Werke'
check "... and the second's" is_named xylophon 'Zzzz Xylophon Werke'

# deleting never narrows (the blocks stay valid, only name more); the rebuild recomputes them
q "delete from accounts where name = 'Aachen Lodz Partners'"
check "a delete leaves its block named (still valid)" \
    test "$(q "select count(*) from ccrm_search_blocks('accounts_name', 'lodz', '%', true, null, null, null)")" \
    -gt "$(q "select count(distinct blk) from (select (select b.blk from search_blocks_accounts_name b
                where (b.k1, b.id) <= (a.name, a.id) order by b.blk desc limit 1) as blk
                from accounts a where strpos(a.search, 'lodz') > 0) x")"
q "select ccrm_search_blocks_rebuild('accounts_name')" >/dev/null
check "the rebuild narrows them again (the blocks that hold a lodz: $(holding lodz))" \
    test "$(named lodz)" = "$(holding lodz)"
b=$(bad pats2)
check "after the rebuild every match lies in a block named (wrong: ${b:-none})" test -z "$b"

# who sees what
check "sales gets the blocks" \
    test "$(as sam -c "select bool_and(usable) from ccrm_search_blocks('accounts_name', 'lodz', '%', true, null, null, null)")" = t
check "a partner gets no blocks (they would name unshared accounts)" \
    test "$(as paul -c "select bool_and(usable) from ccrm_search_blocks('accounts_name', 'lodz', '%', true, null, null, null)")" = f
check "a partner cannot read the accounts' blocks" bash -c "$(declare -f as psqlc); PG_DIR=$PG_DIR; ! as paul -c 'select count(*) from search_blocks_accounts_name' 2>/dev/null"
check "only the owner rebuilds" bash -c "$(declare -f as psqlc); PG_DIR=$PG_DIR; ! as mia -c \"select ccrm_search_blocks_rebuild('accounts_name')\" 2>/dev/null"
check "nobody writes the table directly" bash -c "$(declare -f as psqlc); PG_DIR=$PG_DIR; ! as mia -c \"insert into search_blocks_accounts_name values (99, 'a', 1)\" 2>/dev/null"

done_testing
