#!/usr/bin/env bash
# The notification budget (schema/019, ccrm_inbox_deliver, ccrm_follow_notify, ccrm_tick): owners
# and assignees follow their records, others watch and unwatch; nobody hears of their own change;
# repeated entries about one record are one line with a count; quiet hours and digest mode hold
# live pings back and a digest brings them, once, whatever the number of schedulers; @mentions
# and SLA breaches break through. ccrm_inbox_put keeps its guarantees.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_notify.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
as() {
    local u=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$u" "$@"
}
q() { psqlc -c "$1"; }
err() { as "$1" -c "$2" 2>&1 >/dev/null | grep -m1 ERROR; }
q "delete from responsibilities; delete from inbox_settings"
# what the demo delivered is read: the digests below list only this test's entries (the demo's
# routed tickets reach kenji inside his quiet hours when it is loaded in the evening)
q "update inbox set read_at = now() where read_at is null"
mark=$(q "select coalesce(max(id), 0) from inbox")
inbox() { # inbox LOGIN KIND ENTITY ID: "count|from|note" of the newest entry
    q "select count || '|' || coalesce(from_login, '-') || '|' || coalesce(note, '') from inbox
        where id > $mark and login = '$1' and kind = '$2' and entity = '$3' and entity_id = $4
        order by id desc limit 1"
}
lines() { q "select count(*) from inbox where id > $mark and login = '$1' and kind = '$2' and entity = '$3' and entity_id = $4"; }

A=$(as sam -c "insert into accounts (name, owner, phone) values ('Notify Co', 'sam', '1') returning id" | head -1)

# ---- owners follow by default; nobody hears of their own change ----
as sofia -c "update accounts set phone = '2' where id = $A"
check "the owner hears of another's change (${A})" \
    test "$(inbox sam change accounts $A)" = "1|sofia|account #$A Notify Co: phone changed"
as sam -c "update accounts set phone = '3' where id = $A"
check "... but not of their own" test "$(lines sam change accounts $A)" = 1
check "... and the writer gets nothing" test "$(lines sofia change accounts $A)" = 0

# ---- repeats coalesce into one line with a count ----
as sofia -c "update accounts set phone = '4' where id = $A"
as kenji -c "update accounts set industry = 'Robotics' where id = $A"
as sofia -c "update accounts set city = 'Kiel' where id = $A"
check "three more changes: still one line, counted 4, the latest note and sender" \
    test "$(lines sam change accounts $A),$(inbox sam change accounts $A)" = "1,4|sofia|account #$A Notify Co: city changed"
check "its event says how often (the client toasts it for sam)" \
    test "$(q "select summary from events where entity = 'inbox' and entity_id = (select max(id) from inbox where login = 'sam' and kind = 'change') order by id desc limit 1")" = "change ×4 for sam"
as sam -c "update inbox set read_at = now() where login = 'sam' and kind = 'change' and entity_id = $A"
as sofia -c "update accounts set city = 'Lübeck' where id = $A"
check "once read, the next change starts a new line" test "$(lines sam change accounts $A),$(inbox sam change accounts $A)" = "2,1|sofia|account #$A Notify Co: city changed"

# ---- watch and unwatch ----
check "kenji watches the account" test "$(as kenji -c "select ccrm_follow('accounts', $A)")" = t
check "sam unwatches his own account" test "$(as sam -c "select ccrm_follow('accounts', $A, false)")" = f
as sofia -c "update accounts set website = 'https://notify.example' where id = $A"
check "the watcher hears of it" test "$(lines kenji change accounts $A)" = 1
check "the owner who unwatched does not" test "$(inbox sam change accounts $A | cut -d'|' -f1)" = 1
as kenji -c "select ccrm_follow('accounts', $A, false)" >/dev/null
as sofia -c "update accounts set website = 'https://notify.example/x' where id = $A"
check "unwatched: no more" test "$(inbox kenji change accounts $A | cut -d'|' -f1)" = 1
out=$(err paul "select ccrm_follow('accounts', $A)")
check "partners cannot follow" grep -q 'permission denied for function ccrm_follow' <<<"$out"
out=$(err sofia "insert into followers (login, entity, entity_id) values ('sam', 'accounts', $A)")
check "nobody makes someone else follow" grep -q 'permission denied' <<<"$out"
out=$(err sofia "select ccrm_follow('accounts', 999999)")
check "following a record that does not exist: not found" grep -q 'account #999999 not found' <<<"$out"
q "delete from followers where entity = 'accounts' and entity_id = $A and login = 'sam'"

# ---- comments, interactions, tasks, owner changes ----
T=$(as sofia -c "insert into tickets (subject, assignee) values ('Notify ticket', 'zoe') returning id" | head -1)
as sofia -c "insert into comments (entity, entity_id, body) values ('tickets', $T, 'Looked at it, @kenji please check the logs')"
check "a comment: the assignee hears of it" test "$(inbox zoe comment tickets $T)" = "1|sofia|comment: Looked at it, @kenji please check the logs"
check "... the person mentioned gets the mention, not the comment too" \
    test "$(lines kenji mention tickets $T),$(lines kenji comment tickets $T)" = "1,0"
as kenji -c "insert into interactions (kind, direction, subject, ticket_id) values ('call', 'out', 'Called the customer', $T)"
check "an interaction logged on the ticket: the assignee hears of it" \
    test "$(inbox zoe change tickets $T)" = "1|kenji|call logged: Called the customer"
I=$(as sam -c "insert into interactions (kind, subject, due_at, owner) values ('task', 'Prepare the offer', now() + interval '1 day', 'priya') returning id" | head -1)
check "a task given to someone: an assignment for them" test "$(inbox priya assignment interactions $I)" = "1|sam|task for you: Prepare the offer"
L=$(as marco -c "insert into leads (last_name, owner) values ('Notifylead', 'marco') returning id" | head -1)
as sam -c "select ccrm_assign('leads', $L, 'priya', 'yours now')" >/dev/null
check "reassigned: the old owner hears of it, naming both" \
    test "$(inbox marco change leads $L)" = "1|sam|lead #$L Notifylead: owner changed (marco → priya)"
check "... the new one gets the assignment only" \
    test "$(lines priya assignment leads $L),$(lines priya change leads $L)" = "1,0"
as sam -c "insert into tickets (subject, assignee) select 'Bulk ' || g, 'zoe' from generate_series(1, 25) g"
b0=$(q "select count(*) from inbox where id > $mark and login = 'zoe'")
as sam -c "update tickets set priority = 'high' where subject like 'Bulk %'"
check "a bulk change (over 20 rows) notifies nobody (the Feed has it)" \
    test "$(q "select count(*) from inbox where id > $mark and login = 'zoe'")" = "$b0"

# ---- quiet hours hold pings back; mentions and SLA breaches break through ----
as kenji -c "insert into inbox_settings (time_zone, quiet_from, quiet_until)
             values ('UTC', (now() at time zone 'UTC' - interval '1 hour')::time,
                            (now() at time zone 'UTC' + interval '1 hour')::time)"
as sofia -c "select ccrm_follow('tickets', $T)" >/dev/null
as kenji -c "select ccrm_follow('tickets', $T)" >/dev/null
as sofia -c "update tickets set priority = 'urgent' where id = $T"
check "in quiet hours: the entry is there, quiet" test "$(q "select quiet from inbox where id > $mark and login = 'kenji' and kind = 'change' and entity = 'tickets' and entity_id = $T")" = t
check "... and its event does not ask for a toast (no '... for kenji' at the end)" \
    test "$(q "select summary from events where entity = 'inbox' and entity_id = (select max(id) from inbox where login = 'kenji' and kind = 'change')")" = "change for kenji (quiet)"
check "someone without quiet hours is pinged as usual" \
    test "$(q "select quiet from inbox where id > $mark and login = 'zoe' and kind = 'change' and entity = 'tickets' and entity_id = $T order by id desc limit 1")" = f
as sofia -c "insert into comments (entity, entity_id, body) values ('tickets', $T, '@kenji urgent now')"
check "an @mention breaks through quiet hours" \
    test "$(q "select quiet from inbox where id > $mark and login = 'kenji' and kind = 'mention' order by id desc limit 1")" = f
q "select ccrm_inbox_deliver('kenji', 'sla_breach', 'tickets', $T, NULL, 'breached')" >/dev/null
check "an SLA breach breaks through" \
    test "$(q "select quiet from inbox where id > $mark and login = 'kenji' and kind = 'sla_breach'")" = f
q "select ccrm_inbox_deliver('kenji', 'sla_warning', 'tickets', $T, NULL, 'warned')" >/dev/null
check "an SLA warning does not" test "$(q "select quiet from inbox where id > $mark and login = 'kenji' and kind = 'sla_warning'")" = t
check "settings are one's own" test "$(as sofia -c "update inbox_settings set quiet_from = '00:00' where login = 'kenji' returning id" | wc -l)" = 0
out=$(err kenji "update inbox_settings set time_zone = 'Nowhere/Else'")
check "an unknown time zone is refused" grep -q 'unknown time zone' <<<"$out"
tz=$(as kenji -c "update inbox_settings set time_zone = ' europe/berlin' returning time_zone" | head -1)
check "a zone's name in any case is stored as the server names it ($tz)" test "$tz" = Europe/Berlin
tz=$(as kenji -c "update inbox_settings set time_zone = 'utc' returning time_zone" | head -1)
check "utc is UTC ($tz)" test "$tz" = UTC

# ---- digests: at the end of quiet hours, and daily for digest mode; once ----
# (the time of day is UTC: step over midnight, when "today's" digest time would be yesterday's)
left=$(q "select extract(epoch from date_trunc('day', now() at time zone 'UTC') + interval '1 day' - now() at time zone 'UTC')::int")
[ "$left" -lt 40 ] && sleep $((left + 1))
# kenji's quiet hours end 20 s from now; marco takes a digest 20 s from now (time enough for
# the checks before it on a loaded machine)
as kenji -c "update inbox_settings set quiet_until = (now() at time zone 'UTC' + interval '20 seconds')::time"
as marco -c "insert into inbox_settings (time_zone, digest_at) values ('UTC', (now() at time zone 'UTC' + interval '20 seconds')::time)"
M=$(as marco -c "insert into leads (last_name, owner) values ('Digestlead', 'marco') returning id" | head -1)
for i in 1 2 3; do as chloe -c "update leads set score = $i where id = $M"; done
as sofia -c "update tickets set priority = 'high' where id = $T"
check "in digest mode every ping is quiet" \
    test "$(q "select count || ',' || quiet from inbox where id > $mark and login = 'marco' and kind = 'change' and entity_id = $M")" = "3,true"
as sam -c "select ccrm_tick()" >/dev/null
check "before the digest time: no digest" test "$(q "select count(*) from inbox where id > $mark and kind = 'digest'")" = 0
for i in $(seq 400); do
    [ "$(q "select now() at time zone 'UTC' > (date_trunc('day', now() at time zone 'UTC') + (select max(coalesce(digest_at, quiet_until)) from inbox_settings where login in ('kenji', 'marco')))")" = t ] && break
    sleep 0.1
done
for s in sam sofia ana; do as $s -c "select done from ccrm_tick() where work = 'digests'" >"$TEST_TMP/dig.$s" & done
wait
check "three schedulers at once: two digests in all" test "$(cat "$TEST_TMP"/dig.* | awk '{s += $1} END {print s}')" = 2
check "one digest entry each, not quiet (it pings), from nobody" \
    test "$(q "select string_agg(login || ':' || quiet || ':' || coalesce(from_login, '-'), ',' order by login) from inbox where id > $mark and kind = 'digest'")" = "kenji:false:-,marco:false:-"
check "kenji's lists what was held back" \
    grep -q "^[0-9]* entries while you were not disturbed: .*change ticket #$T" <<<"$(q "select note from inbox where id > $mark and kind = 'digest' and login = 'kenji'")"
check "marco's counts the repeated entry as one line with its count" \
    grep -q "change lead #$M ×3" <<<"$(q "select note from inbox where id > $mark and kind = 'digest' and login = 'marco'")"
check "the digests are recorded once each, with what they held" \
    test "$(q "select string_agg(login || ':' || entries || ':' || (inbox_id is not null), ',' order by login) from digests where entries > 0")" = "kenji:3:true,marco:3:true"
as sam -c "select ccrm_tick()" >/dev/null
check "another run: no second digest" test "$(q "select count(*) from inbox where id > $mark and kind = 'digest'")" = 2

# ---- ccrm_inbox_put keeps its guarantees ----
out=$(err sam "select ccrm_inbox_put('marco', 'routed', 'leads', $M, 'fake')")
check "kinds ccrm writes itself are refused to people" grep -q 'inbox entries of kind routed are written by ccrm itself' <<<"$out"
check "nobody is sent an entry from themselves" test "$(as sam -c "select ccrm_inbox_put('sam', 'handoff', 'leads', $M, 'me')")" = f
recs=$(q "select string_agg(e || ' ' || id, ' ') from (select * from (select 'leads' e, id from leads union all select 'accounts', id from accounts) x order by e, id limit 40) y")
before=$(q "select count(*) from inbox where login = 'chloe' and from_login = 'juergen'")
set -- $recs
check "fixtures: 40 records" test $# = 80
while [ $# -gt 0 ]; do as juergen -c "select ccrm_inbox_put('chloe', 'handoff', '$1', $2, 'ping')" >/dev/null; shift 2; done
after=$(q "select count(*) from inbox where login = 'chloe' and from_login = 'juergen'")
check "one sender reaches one recipient at most 30 times in ten minutes, about 40 records ($before -> $after)" \
    test $((after - before)) = 30
for i in 1 2 3; do as juergen -c "select ccrm_inbox_put('renee', 'handoff', 'leads', $M, 'again $i')" >/dev/null; done
check "hand-offs about one record: one line, counted" \
    test "$(q "select count(*) || ':' || max(count) || ':' || max(note) from inbox where login = 'renee' and kind = 'handoff' and entity_id = $M")" = "1:3:again 3"

done_testing
