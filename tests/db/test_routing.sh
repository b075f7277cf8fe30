#!/usr/bin/env bash
# The responsibility matrix (schema/019, schema/functions/90_service.sql): new tickets and leads
# without an owner are routed at INSERT by the rules -- every kind of condition, priority,
# specificity, deputies during absences -- and the person hears why; ccrm_who and `ccrm --who`
# give the same answer; a partner is never given internal work; 1,000 tickets inserted by 8
# writers at once are each assigned exactly once; who may read and write rules and absences,
# as each role.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_routing.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
err() { # err USER SQL: the error line of a statement that must fail
    as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR
}
# the rules of the demo data would decide too: start from none
q "delete from responsibilities; delete from absences; update users set manager = null"

DE=$(q "insert into accounts (name, country) values ('Route DE GmbH', 'Germany') returning id" | head -1)
FR=$(q "insert into accounts (name, country) values ('Route FR SARL', 'France') returning id" | head -1)
ACME=$(q "insert into accounts (name, country, domain) values ('Route Acme Ltd', 'United Kingdom', 'route-acme.example') returning id" | head -1)

rule() { as mia -c "insert into responsibilities ($1) values ($2) returning id" | head -1; }
R_DEFAULT=$(rule "department, person, deputy, priority" "'support', 'sofia', 'lukasz', 1000")
R_PRODUCT=$(rule "department, product, person, deputy, priority" "'support', 'ccrm Pro', 'zoe', 'kenji', 100")
R_ACCOUNT=$(rule "department, account_id, person, priority" "'support', $ACME, 'kenji', 100")
R_TERR=$(rule "department, territory, person, priority" "'support', '{Germany, Österreich}', 'lukasz', 500")
R_QUEUE=$(rule "department, queue, person, priority" "'support', 'billing', 'zoe', 50")
R_TOPIC=$(rule "department, topic, person, priority" "'support', 'Invoice', 'kenji', 200")
R_SPEC=$(rule "department, product, territory, person, priority" "'support', 'ccrm Pro', '{germany}', 'sofia', 100")
R_LEAD_SRC=$(rule "department, topic, person, priority" "'marketing', 'trade fair', 'renee', 10")
R_LEAD_TERR=$(rule "department, territory, person, priority" "'marketing', '{France}', 'chloe', 20")
R_SALES=$(rule "department, person, priority" "'sales', 'sam', 100")
R_MGMT=$(rule "department, account_id, person, deputy, priority" "'management', $ACME, 'mia', 'oskar', 10")
R_ADMIN=$(rule "department, person, priority" "'admin', 'ana', 10")
check "territories are stored folded (case and accents ignored)" \
    test "$(q "select array_to_string(territory, ',') from responsibilities where id = $R_TERR")" = "germany,osterreich"

# tickets as sam (sales writes tickets too): each rule kind decides
tk() { as sam -c "insert into tickets ($1) values ($2) returning assignee || ':' || coalesce(routed_rule::text, '-')" | head -1; }
check "no condition: the default rule" test "$(tk subject "'Printer on fire'")" = "sofia:$R_DEFAULT"
check "product, case-insensitive" test "$(tk "subject, product" "'Slow', 'CCRM pro'")" = "zoe:$R_PRODUCT"
check "account" test "$(tk "subject, account_id" "'Help', $ACME")" = "kenji:$R_ACCOUNT"
check "territory: the account's country" test "$(tk "subject, account_id" "'Hallo', $DE")" = "lukasz:$R_TERR"
check "territory: another country falls through to the default" test "$(tk "subject, account_id" "'Bonjour', $FR")" = "sofia:$R_DEFAULT"
check "queue" test "$(tk "subject, queue" "'Refund', 'billing'")" = "zoe:$R_QUEUE"
check "topic: a whole word of the subject" test "$(tk subject "'Wrong INVOICE total'")" = "kenji:$R_TOPIC"
check "topic: not inside another word" test "$(tk subject "'Invoices missing'")" = "sofia:$R_DEFAULT"
check "priority: the queue rule (50) before the topic rule (200)" \
    test "$(tk "subject, queue" "'Invoice wrong', 'billing'")" = "zoe:$R_QUEUE"
check "same priority: the more specific rule (product and territory) wins" \
    test "$(tk "subject, product, account_id" "'Pro slow', 'ccrm Pro', $DE")" = "sofia:$R_SPEC"
check "an assignee given is kept, and no rule is recorded" \
    test "$(tk "subject, assignee, product" "'Mine', 'kenji', 'ccrm Pro'")" = "kenji:-"
check "routed_rule cannot be forged at insert" \
    test "$(tk "subject, assignee, routed_rule" "'Forged', 'kenji', 1")" = "kenji:-"

ld() { as sam -c "insert into leads ($1) values ($2) returning owner || ':' || coalesce(routed_rule::text, '-')" | head -1; }
check "leads: marketing rules first (topic = the lead's source)" \
    test "$(ld "last_name, source" "'Fair', 'Trade Fair'")" = "renee:$R_LEAD_SRC"
check "leads: territory through the lead's account" \
    test "$(ld "last_name, account_id" "'Gaulois', $FR")" = "chloe:$R_LEAD_TERR"
check "leads: no marketing rule, the sales rules" test "$(ld last_name "'Plain'")" = "sam:$R_SALES"
check "leads: an owner given is kept" test "$(ld "last_name, owner" "'Owned', 'jose'")" = "jose:-"

# ---- the person hears why, from whoever inserted it; nobody hears of their own insert ----
t=$(as sam -c "insert into tickets (subject, product) values ('Pro crashes', 'ccrm Pro') returning id" | head -1)
check "the routed person's inbox says why (rule and conditions), from the inserter" \
    test "$(q "select from_login || '|' || note from inbox where login = 'zoe' and kind = 'routed' and entity = 'tickets' and entity_id = $t")" = \
         "sam|new ticket #$t Pro crashes routed to you by rule #$R_PRODUCT (support · product \"ccrm Pro\")"
t=$(as zoe -c "insert into tickets (subject, product) values ('I log my own', 'ccrm Pro') returning id" | head -1)
check "routed to the inserter: assigned, no inbox entry" \
    test "$(q "select assignee from tickets where id = $t"),$(q "select count(*) from inbox where entity = 'tickets' and entity_id = $t")" = "zoe,0"

# ---- absences and deputies ----
# a person's day is the day in their time zone (ccrm_available), not the server's current_date:
# the two differ for an hour or more around midnight
today() { echo "(now() at time zone ccrm_user_tz('$1'))::date"; }
as ana -c "update users set manager = 'mia' where login in ('zoe', 'kenji', 'sofia', 'lukasz')"
as zoe -c "insert into absences (login, starts_on, ends_on) values ('zoe', current_date - 1, current_date + 3)"
check "away: the rule's deputy" test "$(tk "subject, product" "'Pro down', 'ccrm Pro'")" = "kenji:$R_PRODUCT"
r=$(as sam -c "select reason from ccrm_who('support', null, 'ccrm Pro') where chosen")
check "... and the reason says so ($r)" grep -q "deputy of zoe, who is away until" <<<"$r"
as mia -c "update absences set deputy = 'sofia' where login = 'zoe'"
check "the absence's own deputy (set by the manager) comes first" \
    test "$(tk "subject, product" "'Pro down again', 'ccrm Pro'")" = "sofia:$R_PRODUCT"
as mia -c "insert into absences (login, starts_on, ends_on) values ('sofia', $(today sofia), $(today sofia))"
check "the absence's deputy away too: the rule's deputy" \
    test "$(tk "subject, product" "'Pro down 3', 'ccrm Pro'")" = "kenji:$R_PRODUCT"
r=$(as sam -c "select reason from ccrm_who('support', null, 'ccrm Pro') where chosen")
check "... and :who says the same ($r)" grep -q "^rule #$R_PRODUCT .*deputy of zoe, who is away until" <<<"$r"
as mia -c "insert into absences (login, starts_on, ends_on) values ('kenji', $(today kenji), $(today kenji))"
check "the rule's deputy away as well: the next matching rule" \
    test "$(tk "subject, product" "'Pro down 3b', 'ccrm Pro'")" = "lukasz:$R_DEFAULT"
as mia -c "insert into absences (login, starts_on, ends_on) values ('lukasz', $(today lukasz), $(today lukasz))"
check "everyone named away: the first rule's person keeps it" \
    test "$(tk "subject, product" "'Pro down 4', 'ccrm Pro'")" = "zoe:$R_PRODUCT"
q "delete from absences where login = 'kenji'"
as mia -c "insert into absences (login, starts_on, ends_on) values ('kenji', current_date + 10, current_date + 12)"
check "an absence in the future changes nothing today" test "$(tk "subject, account_id" "'Acme q', $ACME")" = "kenji:$R_ACCOUNT"
q "delete from absences"
as ana -c "select ccrm_disable_user('kenji')" >/dev/null
check "a disabled person: the next rule" test "$(tk "subject, account_id" "'Acme q2', $ACME")" = "sofia:$R_DEFAULT"
q "alter role kenji login; update users set active = true where login = 'kenji'"

# ---- a partner is never given internal work ----
out=$(err mia "insert into responsibilities (department, person) values ('support', 'paul')")
check "a rule naming a partner is refused ($out)" grep -q 'no active internal user "paul"' <<<"$out"
out=$(err mia "insert into responsibilities (department, person, deputy) values ('support', 'sofia', 'paul')")
check "a partner as deputy is refused" grep -q 'no active internal user "paul" to be the deputy' <<<"$out"
out=$(err mia "insert into responsibilities (department, person) values ('partner', 'sofia')")
check "a rule for the partner department is refused" grep -q 'unknown department "partner"' <<<"$out"
out=$(err sofia "insert into absences (login, starts_on, ends_on, deputy) values ('sofia', current_date, current_date, 'paul')")
check "a partner as stand-in during an absence is refused" grep -q 'no active internal user "paul"' <<<"$out"
out=$(err sam "insert into interactions (kind, subject, due_at, owner) values ('task', 'for paul', now(), 'paul')")
check "a task cannot be given to a partner" grep -q 'no active internal user "paul" to own the task' <<<"$out"
# a record's owner, by every writer (045): psql, a form, an import
T0=$(as sofia -c "insert into tickets (subject) values ('Owned by whom') returning id" | head -1)
out=$(err sofia "update tickets set assignee = 'paul' where id = $T0")
check "a ticket cannot be assigned to a partner directly ($out)" \
    grep -q 'user "paul" is a partner: only internal users own records' <<<"$out"
out=$(err sofia "insert into tickets (subject, assignee) values ('For paul', 'paul')")
check "... nor inserted with him as assignee" grep -q 'is a partner' <<<"$out"
out=$(err sam "update leads set owner = 'nobody_here' where id = (select min(id) from leads)")
check "an owner that is no user is refused ($out)" grep -q 'no user "nobody_here" to own the lead' <<<"$out"
O1=$(as sam -c "insert into opportunities (account_id, name, owner) values ($DE, 'Was lukasz''s', 'lukasz') returning id" | head -1)
as ana -c "select ccrm_disable_user('lukasz')" >/dev/null
out=$(err sam "insert into opportunities (account_id, name, owner) values ($DE, 'For lukasz', 'lukasz')")
check "a disabled user owns nothing new ($out)" grep -q 'user "lukasz" is disabled' <<<"$out"
check "... while what was his keeps its owner (a change of another column passes)" \
    test "$(as sam -c "update opportunities set amount = 10 where id = $O1 returning owner" | head -1)" = lukasz
q "alter role lukasz login; update users set active = true where login = 'lukasz'"
check "an active internal user may be given it" \
    test "$(as sofia -c "update tickets set assignee = 'zoe' where id = $T0 returning assignee" | head -1)" = zoe
printf 'subject,assignee\nImported for paul,paul\nImported for zoe,zoe\n' >"$TEST_TMP/own.csv"
"$CCRM" -d "$DB user=sofia" --import "$TEST_TMP/own.csv" --into tickets --rejects "$TEST_TMP/own.rej" >/dev/null 2>&1
check "an import rejects the row owned by a partner and keeps the other" \
    test "$(grep -c 'is a partner or disabled' "$TEST_TMP/own.rej"),$(q "select count(*) from tickets where subject like 'Imported for %'")" = "1,1"
SH=$(q "insert into accounts (name, country) values ('Route Shared AB', 'Sweden') returning id" | head -1)
"$CCRM" -d "$PG_CONN" --share "$SH" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
t=$(as paul -c "insert into tickets (account_id, subject, product) values ($SH, 'From the reseller', 'ccrm Pro') returning id" | head -1)
a=$(q "select assignee from tickets where id = $t")
check "a partner's ticket is routed by rules the partner cannot read, to an internal person ($a)" \
    test "$(q "select department <> 'partner' from users where login = '$a'")" = t
check "... and its assignee is told, from the partner" \
    test "$(q "select count(*) from inbox where entity_id = $t and kind = 'routed' and from_login = 'paul'")" = 1
for t in responsibilities absences calendars sla_policies; do
    out=$(err paul "select count(*) from $t")
    check "the partner may not read $t" grep -q "permission denied for table $t" <<<"$out"
done
out=$(err paul "select * from ccrm_who('support', null, 'ccrm Pro')")
check "... nor ask ccrm_who" grep -q "permission denied for table responsibilities" <<<"$out"

# ---- who may write rules and absences (grants + RLS), as each role ----
for u in sam sofia marco; do
    out=$(err $u "insert into responsibilities (department, person) values ('support', 'sofia')")
    check "$u may not write rules" grep -q 'permission denied for table responsibilities' <<<"$out"
    check "$u reads them" test "$(as $u -c "select count(*) > 0 from responsibilities")" = t
done
check "management edits rules" as oskar -c "update responsibilities set priority = 999 where id = $R_SALES"
check "admin edits rules" as ana -c "update responsibilities set priority = 100 where id = $R_SALES"
out=$(err sofia "select ccrm_delete('responsibilities', ARRAY[$R_SALES]::bigint[])")
check "support may not delete rules" grep -q 'only management and admin delete rules' <<<"$out"
check "management deletes a rule" test "$(as mia -c "select ccrm_delete('responsibilities', ARRAY[$R_ADMIN]::bigint[])")" = 1
check "the rule change is audited and announced" \
    test "$(q "select count(*) from audit where entity = 'responsibilities' and entity_id = $R_SALES and op = 'update' and actor = 'oskar'"),$(q "select count(*) from events where entity = 'responsibilities' and entity_id = $R_ADMIN and op = 'delete'")" = "1,1"
check "a person sets their own absence" as sofia -c "insert into absences (login, starts_on, ends_on) values ('sofia', current_date + 30, current_date + 31)"
check "their team lead sets it too" as mia -c "insert into absences (login, starts_on, ends_on) values ('sofia', current_date + 40, current_date + 41)"
out=$(err zoe "insert into absences (login, starts_on, ends_on) values ('sofia', current_date + 50, current_date + 51)")
check "a colleague may not ($out)" grep -q 'violates row-level security' <<<"$out"
check "a colleague cannot change it either" test "$(as zoe -c "update absences set ends_on = ends_on + 1 where login = 'sofia' returning id" | wc -l)" = 0
check "everyone internal sees who is away" test "$(as sam -c "select count(*) from absences where login = 'sofia'")" = 2
out=$(err paul "insert into absences (login, starts_on, ends_on) values ('paul', current_date, current_date)")
check "a partner has no absences" grep -q 'permission denied' <<<"$out"

# ---- ccrm --who agrees with the routing ----
out=$("$CCRM" -d "$DB user=sam" --who --product 'ccrm pro' --account "Route DE GmbH")
check "--who names the person and the rule ($out)" \
    test "$out" = "sofia: rule #$R_SPEC (support · territory germany · product \"ccrm Pro\", priority 100)"
out=$("$CCRM" -d "$DB user=sam" --who --account route-acme.example --all)
check "--who --all lists every matching rule, the deciding one marked" \
    test "$(grep -c '^[* ] rule #' <<<"$out"),$(grep -c "^\* rule #$R_ACCOUNT " <<<"$out")" = "2,1"
t=$(as sam -c "insert into tickets (subject, queue) values ('Refund please', 'billing') returning id" | head -1)
out=$("$CCRM" -d "$DB user=sam" --who ticket "$t")
check "--who ticket N answers as the routing did" test "${out%%:*}" = "$(q "select assignee from tickets where id = $t")"
out=$("$CCRM" -d "$DB user=sam" --who --dept leads --topic 'trade fair')
check "--who --dept leads asks as lead routing does" test "${out%%:*}" = renee
"$CCRM" -d "$DB user=sam" --who --account 'No Such Co' >/dev/null 2>"$TEST_TMP/e"
check "--who with an unknown account: exit 65 and a clear message" \
    test "$?,$(cat "$TEST_TMP/e")" = "65,ccrm: no account \"No Such Co\" (give its id, exact name or domain)"
"$CCRM" -d "$DB user=sam" --who ticket x >/dev/null 2>&1
check "--who with a bad record: exit 64" test $? = 64
"$CCRM" -d "$DB user=sam" --who --dept salse >/dev/null 2>"$TEST_TMP/e"
check "--who with a department that is none: exit 64, the departments named" \
    test "$?,$(head -1 "$TEST_TMP/e")" = "64,ccrm: --dept: expected sales, support, marketing, management, billing, admin, tickets or leads, got \"salse\""
"$CCRM" -d "$DB user=sam" --who --product $'\xff\xfe' >/dev/null 2>"$TEST_TMP/e"
check "--who with text that is not UTF-8: exit 64, said so" test "$?,$(head -1 "$TEST_TMP/e")" = "64,ccrm: --product: not UTF-8 text"
"$CCRM" -d "$DB user=sam" --who ticket 1 ticket 2 >/dev/null 2>"$TEST_TMP/e"
check "--who with two records: exit 64, one at a time" test "$?,$(head -1 "$TEST_TMP/e")" = '64,ccrm: --who: one record at a time; unexpected "ticket"'
out=$("$CCRM" -d "$DB user=sam" --who --dept Leads --topic 'trade fair')
check "--who --dept in capitals asks as in small letters" test "${out%%:*}" = renee
out=$("$CCRM" -d "$DB user=sam" --who --dept marketing --product nothing)
check "--who with no rule: nobody" test "$out" = "nobody: no rule covers it"

# ---- 1,000 tickets from 8 writers at once: each assigned exactly once, as ccrm_who says ----
q "delete from absences"
writers="sam juergen jose priya sofia zoe lukasz kenji"
mark=$(q "select coalesce(max(id), 0) from tickets")
i=0
for w in $writers; do
    i=$((i + 1))
    for n in $(seq 125); do
        case $((n % 5)) in
        0) echo "insert into tickets (subject, product) values ('Burst $w $n', 'ccrm Pro');" ;;
        1) echo "insert into tickets (subject, account_id) values ('Burst $w $n', $DE);" ;;
        2) echo "insert into tickets (subject, queue) values ('Burst $w $n', 'billing');" ;;
        3) echo "insert into tickets (subject) values ('Burst invoice $w $n');" ;;
        4) echo "insert into tickets (subject) values ('Burst $w $n');" ;;
        esac
    done >"$TEST_TMP/burst.$i.sql"
done
i=0
pids=()
for w in $writers; do
    i=$((i + 1))
    as "$w" -f "$TEST_TMP/burst.$i.sql" >/dev/null 2>"$TEST_TMP/burst.$i.err" &
    pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=1; done
check "8 writers inserted 1,000 tickets" test "$bad,$(q "select count(*) from tickets where id > $mark and subject like 'Burst %'")" = "0,1000"
check "every one is assigned, by a rule" \
    test "$(q "select count(*) from tickets where id > $mark and (assignee is null or routed_rule is null)")" = 0
check "exactly once: one insert and no update of any of them in the audit trail" \
    test "$(q "select count(*) filter (where op = 'insert') || ',' || count(*) filter (where op <> 'insert') from audit where entity = 'tickets' and entity_id > $mark")" = "1000,0"
check "each assignment is what ccrm_who says for that ticket" \
    test "$(q "select count(*) from tickets t where t.id > $mark and t.assignee is distinct from (select w.login from ccrm_who_for('tickets', t.id) w where w.chosen)")" = 0
check "at most one routed entry per ticket" \
    test "$(q "select count(*) from (select entity_id from inbox where kind = 'routed' and entity = 'tickets' and entity_id > $mark group by entity_id having count(*) > 1) x")" = 0
check "the routing of each matches its kind" \
    test "$(q "select string_agg(distinct assignee, ',' order by assignee) from tickets where id > $mark")" = "kenji,lukasz,sofia,zoe"

done_testing
