#!/usr/bin/env bash
# The Feed speaks the user's words: "new ticket", "ticket #151", "deal #226", never the table
# names; `f entity=deals` filters by them; a change of status says from what to what; and the
# bookkeeping of inboxes, mentions, followers and quiet hours (an entry, a read mark) is not news;
# one is singular.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_feed_words.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select min(id) from accounts")

tui_start 140 40 "$CCRM" -d "$DB user=sam" --view feed
check "the Feed opens" wait_for "Feed by newest" 15
t=$(as sofia -c "insert into tickets (account_id, subject) values ($acc, 'Feedword printer jam') returning id" | head -n 1)
check "a new ticket is \"new ticket\", on \"ticket #$t\"" line_has "ticket #$t" "new ticket: Feedword printer jam"
check "no table name for it" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'tickets #$t|new: Feedword')"
as sofia -c "update tickets set status = 'open' where id = $t"
check "a change of status says from what to what" line_has "changed status" "status new → open"
# the columns changed in words (account_id: account), and the bookkeeping of the outbox (who
# is sending since when, the next try) not named at all
acc2=$(q "select max(id) from accounts")
as sofia -c "update tickets set account_id = $acc2 where id = $t"
check "a changed column is said in words" line_has "ticket #$t" "changed account: Feedword printer jam"
m=$(q "insert into messages (message_id, direction, status, to_addr, subject, body_text, ticket_id)
       values ('<feedword@test>', 'out', 'queued', 'feedword@example.com', 'Feedword mail', 'x', $t)
       returning id" | head -n 1)
q "update messages set status = 'sending', sending_by = 'sofia', sending_since = now(), attempts = 1
    where id = $m" >/dev/null
check "the outbox's bookkeeping is not named" line_has "Feedword mail" "changed status: mail to feedword@example.com"
as marco -c "insert into segments (name, definition)
              values ('Feedword fans', '{\"rules\": [{\"interest\": {\"product\": \"ccrm Pro\"}}], \"entity\": \"people\"}')" >/dev/null
check "a new segment's summary does not say \"segment\" twice" wait_for "new segment: Feedword fans" 5
as sofia -c "insert into comments (entity, entity_id, body) values ('tickets', $t, 'Feedword @sam can you look')" >/dev/null
check "the comment is in the Feed" wait_for "new comment: Feedword @sam can you look" 5
as sam -c "update inbox set read_at = now() where login = 'sam' and read_at is null"
# following a record and one's quiet hours are one's own bookkeeping too (as the owner: a
# reminder is the scheduler's)
q "insert into followers (login, entity, entity_id) values ('sam', 'tickets', $t)" >/dev/null
q "insert into inbox_settings (login, quiet_from, quiet_until) values ('sam', '22:00', '07:00')
   on conflict (login) do update set quiet_from = '22:00', quiet_until = '07:00'" >/dev/null
d=$(as sam -c "insert into opportunities (account_id, name) values ($acc, 'Feedword deal') returning id" | head -n 1)
check "a deal is \"deal #$d\"" line_has "deal #$d" "new deal: Feedword deal"
check "the mention, the inbox entry and its read mark are not in the Feed" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'inbox entry|mention #|inbox #|mentions #|for sam')"
check "nor are following a record and one's quiet hours" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'follower|inbox setting|inbox_settings')"
keys f
keys -l "entity=deals"
keys Enter
check "f entity=deals keeps the deal" wait_for "deal #$d" 5
check "... and only deals" wait_gone "ticket #$t" 5
check "the table's own name still filters" test "$(q "select ccrm_entity_table('opportunities') || ',' || ccrm_entity_table('Deals') || ',' || ccrm_entity_table('ticket')")" = "opportunities,opportunities,tickets"
# plurals: one of a thing is singular
pa=$(as sam -c "insert into accounts (name) values ('Pluraltest GmbH') returning id" | head -n 1)
as sam -c "insert into contacts (account_id, last_name) values ($pa, 'Einzig')" \
       -c "insert into opportunities (account_id, name) values ($pa, 'Pluraltest deal')" >/dev/null
prompt "open Pluraltest GmbH"
check "an account says \"1 contact\" and \"1 open deal\"" wait_for "1 contact · 0 open tickets · 1 open deal" 10
keys q
keys q
tui_stop

done_testing
