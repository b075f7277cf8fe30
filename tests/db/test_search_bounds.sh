#!/usr/bin/env bash
# The search bounds of schema/011_search_speed.sql: for every pattern, every matching account's
# name lies between the bounds ccrm_account_search_range() gives, and "nothing" is said only
# when nothing matches; this stays true after single and bulk inserts (also with
# session_replication_role = replica, as the demo loader writes), renames and domain changes;
# partners get no bounds and cannot read the table; the rebuild gives the same answers.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_search_bounds.sh path/to/ccrm}

pg_start_demo "$CCRM" 3000

as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "host=$PG_DIR dbname=ccrm user=$u" "$@"
}
q() { psqlc -c "$1"; }

# Patterns: pieces of real search texts (3 to 8 characters from a sample of accounts, so many
# straddle words, dots and dashes), the demo words, user-typed forms with accents and capitals,
# and patterns that match nothing. Each is checked against every account by plain substring.
q "create table pats (p text)"
q "insert into pats select distinct substr(a.search, s, l) from (select search from accounts
     order by id limit 150) a, generate_series(1, 30, 4) s, generate_series(3, 8, 5) l
   where length(substr(a.search, s, l)) = l"
q "insert into pats values ('lodz'), ('Łódź'), ('ŁÓDŹ'), ('alpen'), ('Alpe'), ('gmbh'), ('data 2'),
     ('zürich'), ('sp. z o.o.'), ('-data'), ('s.r.o'), ('qqqz'), ('lodzq'), ('x_y'), ('50%'),
     ('北京 data'), ('akesson'), ('Søderberg'), ('van der'), ('o''connor'), ('.de'), ('aaa')"
check "enough patterns to mean something" test "$(q "select count(*) from pats")" -gt 300

# bad PATTERN-TABLE: patterns whose answer is wrong (a match outside the bounds, or "nothing"
# while something matches), listed
bad() {
    q "select string_agg(p.p, ' | ') from $1 p, lateral ccrm_account_search_range(p.p) r
        where exists (select 1 from accounts a
                       where strpos(a.search, ccrm_fold(p.p)) > 0
                         and (r.nothing or a.name < r.lo or a.name > r.hi))"
}
b=$(bad pats)
check "every match lies within its bounds (wrong: ${b:-none})" test -z "$b"
check "bounds narrow clustered matches (lodz: the Łódź stretch)" \
    test "$(q "select lo || ' .. ' || hi from ccrm_account_search_range('lodz')")" \
    = "$(q "select min(name) || ' .. ' || max(name) from accounts where search like '%lodz%'")"
check "accents and capitals are folded like the search" \
    test "$(q "select lo from ccrm_account_search_range('ŁÓDŹ')")" \
    = "$(q "select lo from ccrm_account_search_range('lodz')")"
check "a trigram no account has: nothing can match" \
    test "$(q "select nothing from ccrm_account_search_range('qqqz')")" = t
check "no trigram (under 3 letters or digits in a row): no bounds, not nothing" \
    test "$(q "select coalesce(lo, '-') || nothing from ccrm_account_search_range('北京 x')")" = "-false"
check "trigrams are runs of [a-z0-9] in folded text" \
    test "$(q "select array_to_string(ccrm_trgms(ccrm_fold('Łódź-Bau 2x')), ',')")" = "bau,lod,odz"

# writes widen the bounds: a new name before every Łódź, one after, by rename and by domain
q "insert into accounts (name, domain) values ('Aachen Lodz Partners', 'aachen.example')"
q "update accounts set name = 'Zywiec Lodz Bräu' where id = (select min(id) from accounts where name like 'Acme%')"
q "update accounts set domain = 'qqqz-lodz.example' where id = (select min(id) from accounts where name like 'Harbor%')"
check "an insert widens the bounds downwards" \
    test "$(q "select lo from ccrm_account_search_range('lodz')")" = "Aachen Lodz Partners"
check "a rename widens them upwards" \
    test "$(q "select hi from ccrm_account_search_range('lodz')")" = "Zywiec Lodz Bräu"
check "a new domain brings its trigrams (qqqz matches now)" \
    test "$(q "select nothing from ccrm_account_search_range('qqqz')")" = f
# a bulk load the way the demo loader writes: one statement, triggers in replica mode
q "begin; set local session_replication_role = replica;
   insert into accounts (name, domain)
   select 'Bulk ' || md5(i::text) || ' Ltd', 'b' || i || '.example' from generate_series(1, 2000) i;
   commit"
check "a replica-mode bulk insert is covered too" \
    test "$(q "select nothing from ccrm_account_search_range(substr(md5('1234'), 1, 8))")" = f
# an update that changes nothing searchable keeps the bounds (and costs no write)
before=$(q "select count(*), sum(hashtext(lo || hi)) from account_trgm_range")
q "update accounts set phone = '+49 1' where id <= 500"
check "updates of other columns leave the table alone" \
    test "$(q "select count(*), sum(hashtext(lo || hi)) from account_trgm_range")" = "$before"
q "create table pats2 as select p from pats union select substr(search, 1, 12) from accounts
     where (name like 'Bulk %' and id % 40 = 0) or name like '%Lodz%' or domain like '%lodz%'"
b=$(bad pats2)
check "after the writes every match still lies within its bounds (wrong: ${b:-none})" test -z "$b"

# a writer never waits for another: an open transaction that brought new trigrams does not
# hold up a second insert of the same new words (an upsert would; the event test's open
# transaction found that)
mkfifo "$TEST_TMP/t1.in"
psql -X -q -v ON_ERROR_STOP=1 "$PG_CONN" <"$TEST_TMP/t1.in" >"$TEST_TMP/t1.out" 2>&1 &
t1=$!
exec 7>"$TEST_TMP/t1.in"
echo "begin; insert into accounts (name, domain) values ('Aaaa Xylophon Werke', 'xylophon.example'); select 'inserted';" >&7
for i in $(seq 100); do grep -q inserted "$TEST_TMP/t1.out" && break; sleep 0.05; done
check "a concurrent insert of the same new trigrams does not wait for the open one" \
    psqlc -c "set statement_timeout = '3s'; insert into accounts (name, domain) values ('Zzzz Xylophon Werke', 'xylophon2.example')"
check "before the first commits, its name is no bound yet" \
    test "$(q "select lo from ccrm_account_search_range('xylophon')")" = "Zzzz Xylophon Werke"
echo "commit;" >&7
exec 7>&-
wait $t1
check "after both commits the bounds cover both" \
    test "$(q "select lo || ' .. ' || hi from ccrm_account_search_range('xylophon')")" \
    = "Aaaa Xylophon Werke .. Zzzz Xylophon Werke"

# deleting never narrows (bounds stay valid, only wider); the rebuild recomputes them exactly
q "delete from accounts where name = 'Aachen Lodz Partners'"
check "a delete leaves the bound (still valid)" \
    test "$(q "select lo from ccrm_account_search_range('lodz')")" = "Aachen Lodz Partners"
q "select ccrm_account_trgm_rebuild()" >/dev/null
check "the rebuild narrows it again (to the Harbor account with the lodz domain)" \
    test "$(q "select lo from ccrm_account_search_range('lodz')")" \
    = "$(q "select min(name) from accounts where search like '%lodz%'")"
b=$(bad pats2)
check "after the rebuild every match lies within its bounds (wrong: ${b:-none})" test -z "$b"

# who sees what
check "sales gets the bounds" \
    test "$(as sam -c "select lo from ccrm_account_search_range('lodz')")" \
    = "$(q "select lo from ccrm_account_search_range('lodz')")"
check "a partner gets no bounds (they would name unshared accounts)" \
    test "$(as paul -c "select coalesce(lo, '-') || coalesce(hi, '-') || nothing from ccrm_account_search_range('lodz')")" = "--false"
check "a partner cannot read the table" bash -c "$(declare -f as); PG_DIR=$PG_DIR; ! as paul -c 'select count(*) from account_trgm_range' 2>/dev/null"
check "only the owner rebuilds" bash -c "$(declare -f as); PG_DIR=$PG_DIR; ! as mia -c 'select ccrm_account_trgm_rebuild()' 2>/dev/null"
check "nobody writes the table directly" bash -c "$(declare -f as); PG_DIR=$PG_DIR; ! as mia -c \"insert into account_trgm_range values ('zzz', 'a', 'z')\" 2>/dev/null"

done_testing
