#!/usr/bin/env bash
# An SQL-injection corpus (quotes, backslashes, "'; DROP TABLE", LIKE wildcards, Unicode
# look-alikes, bidi override, zero-width characters, emoji, control characters) stored through
# psql by an internal user, then read back byte-exact from the tables and the event stream, and
# used as names in ccrm --share and --add-user --display-name. tests/tui/test_injection.sh shows
# the same corpus in the full-screen client.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_injection.sh path/to/ccrm}

corpus=(
    $'Inj01 O\'Brien "Quoted" Ltd'
    $'Inj02 C:\\temp\\new \\x41 \\\\ end'
    $'Inj03 \'; DROP TABLE accounts; --'
    $'Inj04 100% _under_ %s %n'
    $'Inj05 \uff24\uff32\uff2f\uff30 \uff34\uff21\uff22\uff2c\uff25'
    $'Inj06 RTL \u202eevil\u202c name'
    $'Inj07 zero\u200bwidth\u200cjoin'
    $'Inj08 emoji \U0001f680\U0001f4a5 \u03a9'
    $'Inj09 ctl\a\e[31mred'
    $'Inj10 $$ dollar $1 :\'v\' \\gexec'
    $'Inj11 Robert\'); DROP TABLE students;--'
    $'Inj12 \u03a1aypal \u0405ecurity'
)

pg_start_demo "$CCRM" 50
DB="host=$PG_DIR dbname=ccrm"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

i=0
for s in "${corpus[@]}"; do
    i=$((i + 1))
    psql -X -q -v ON_ERROR_STOP=1 "$DB user=sam" -v v="$s" -v e="o'brien+inj$i@example.com" \
        -v d="inj$i.example" <<'SQL' || fail "could not store corpus entry $i"
insert into accounts (name, domain) values (:'v', :'d');
insert into contacts (account_id, first_name, last_name, email, title)
select id, :'v', :'v', :'e', :'v' from accounts where domain = :'d';
SQL
    got=$(psqlc -c "select encode(convert_to(name, 'UTF8'), 'hex') from accounts where domain = 'inj$i.example'")
    check "entry $i: account name read back byte-exact" test "$got" = "$(hex "$s")"
    got=$(psqlc -c "select encode(convert_to(last_name || first_name || title, 'UTF8'), 'hex') from contacts where email = 'o''brien+inj$i@example.com'")
    check "entry $i: contact fields read back byte-exact" test "$got" = "$(hex "$s$s$s")"
    got=$(psql -X -At "$DB user=marco" -v v="$s" <<<"select count(*) from events where entity = 'accounts' and summary = :'v'")
    check "entry $i: the event summary carries the name verbatim" test "$got" = 1
    got=$(psql -X -At "$DB user=sofia" -v v="$s" <<<"select count(*) from accounts where strpos(search, ccrm_fold(:'v')) > 0")
    check "entry $i: the search column finds exactly it" test "$got" = 1
done
check "no table was dropped" test "$(psqlc -c "select count(*) from pg_tables where schemaname = 'public' and tablename in ('accounts', 'contacts', 'events', 'audit')")" = 4

# the names as arguments of ccrm's admin commands
for k in 3 11 1; do
    s=${corpus[k - 1]}
    out=$("$CCRM" -d "$DB user=ana" --share "$s" --partner "Nordlicht Reseller GmbH" 2>&1)
    check "--share by the exact name of entry $k" grep -q '^ccrm: shared account' <<<"$out"
    got=$(psql -X -At "$DB user=paul" -v v="$s" <<<"select encode(convert_to(name, 'UTF8'), 'hex') from accounts where name = :'v'")
    check "the partner sees entry $k byte-exact" test "$got" = "$(hex "$s")"
done
for k in 3 10; do
    s=${corpus[k - 1]}
    "$CCRM" -d "$DB user=ana" --add-user "inj_user$k" --dept support --display-name "$s" >/dev/null 2>&1
    got=$(psqlc -c "select encode(convert_to(display_name, 'UTF8'), 'hex') from users where login = 'inj_user$k'")
    check "--display-name entry $k stored byte-exact" test "$got" = "$(hex "$s")"
done
out=$("$CCRM" -d "$DB user=ana" --share "Inj04 100%" --partner "Nordlicht Reseller GmbH" 2>&1)
check "--share matches names exactly (a % is no wildcard)" grep -q 'no account' <<<"$out"
out=$("$CCRM" -d "$DB user=ana" --share "${corpus[0]}" --partner $'Nordlicht\'; DROP TABLE partner_orgs; --' 2>&1)
check "an injected organisation name is just an unknown organisation" grep -q 'no partner organisation' <<<"$out"

done_testing
