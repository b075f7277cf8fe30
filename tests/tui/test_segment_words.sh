#!/usr/bin/env bash
# A segment's words in the client (issue 19), in the real client against the demo data:
# - a segment built with words on the `:` line is saved as the JSON they mean; after leaving and
#   starting the client again, the Segments view shows it in the same words; e starts with
#   those words to edit, and the edited words are saved (and shown, said the one way the words
#   are written); rules about campaign responses, tickets' statuses and an account's fields are
#   words too; a wrong word is named with what was expected, and the words are kept;
# - a segment written through SQL (nested rules) is shown in words as well;
# - a deal's detail lists the interests learned in it (i on the deal records one).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_segment_words.sh path/to/ccrm}

pg_start_demo "$CCRM" 40
DB="host=$PG_DIR dbname=ccrm user"

camp=$(as marco -c "insert into campaigns (name, status, channel, owner)
    values ('Words Launch', 'active', 'email', 'marco') returning id" | head -1)
words="contacts, ticket=API; status=open|pending, not response=$camp; status=clicked, days=30"

# ---- built with words, saved as their JSON ----
tui_start 160 40 "$CCRM" -d "$DB=marco"
check "marketing starts" wait_for " online "
prompt "segment Words test: $words"
check "the segment is saved" wait_for 'saved segment "Words test"'
check "database: the JSON the words mean" \
    wait_sql "select definition = '{\"entity\": \"contacts\", \"match\": \"all\", \"rules\": [
        {\"ticket\": {\"product\": \"API\", \"status\": [\"open\", \"pending\"], \"within_days\": 30}},
        {\"not\": {\"response\": {\"campaign\": $camp, \"status\": [\"clicked\"]}}}]}'::jsonb
        from segments where name = 'Words test'" t
prompt "quit"
for i in $(seq 100); do pane_dead && break; sleep 0.05; done
check "q quits" pane_dead
tui_stop

# ---- reopened: the same words; e edits them ----
tui_start 160 40 "$CCRM" -d "$DB=marco"
check "marketing starts again" wait_for " online "
prompt "segments"
check "the Segments view has a Words column" line_has "Segment" "Words"
check "the segment is shown in the words it was built with" line_has "Words test" "$words"
check "... not as its JSON" bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -F 'Words test' | grep -qF '\"rules\"'"
check "the selected one's words in full below the list" wait_for 'words of "Words test":'
keys e
check "e starts with the segment's words, to edit" wait_for "words (interest= ticket= deal= ...): $words"
keys End
keys -l ", country=Germany"
keys Enter
check "the edited words are previewed" wait_for 'segment "Words test" with the new words: '
check "... and it asks" wait_for "change it? (y: yes, c: count exactly):"
keys y Enter
check "y changes it" wait_for "segment \"Words test\" changed: $words, country=Germany"
check "database: the account rule is added" \
    wait_sql "select definition -> 'rules' -> 2 = '{\"account\": {\"field\": \"country\", \"op\": \"eq\", \"value\": \"Germany\"}}'::jsonb
              from segments where name = 'Words test'" t
check "database: the ticket rule keeps its days" \
    sql_is "select definition #>> '{rules,0,ticket,within_days}' from segments where name = 'Words test'" 30
canon="contacts, ticket=API; status=open|pending, not response=$camp; status=clicked, country=Germany, days=30"
check "the list shows the new words (days said once, at the end)" line_has "Words test" "$canon"

# a wrong word: named, with what was expected; the words are kept to mend
keys e
wait_for "words (interest= ticket= deal= ...): $canon" || fail "e again"
keys C-u
keys -l "ticket=API; colour=red"
keys Enter
check "a wrong word is named, with what was expected" \
    wait_for 'could not build the segment: unknown word "colour" in a ticket rule: expected product=, status=, priority=, open=, subject=, days='
check "... and the words are kept" wait_for "words (interest= ticket= deal= ...): ticket=API; colour=red"
keys C-u
keys -l "leads, score>=50, status in new|working, account.employees between 10 and 500"
keys Enter
check "a lead's fields and an account's are words" wait_for 'segment "Words test" with the new words: '
keys n Enter
check "n keeps the segment" wait_for 'segment "Words test" not changed'
check "database: unchanged" \
    sql_is "select definition ->> 'entity' from segments where name = 'Words test'" contacts

# a segment written through SQL is said in words too
as marco -c "insert into segments (name, definition) values ('SQL made',
    '{\"entity\": \"people\", \"match\": \"any\", \"rules\": [{\"any\": [{\"deal\": {\"won\": true}},
      {\"interest\": {\"topic\": \"GDPR\", \"source\": [\"call\"]}}]},
      {\"field\": \"email\", \"op\": \"is_empty\"}]}')" >/dev/null
keys r
check "a nested definition from SQL, in words" line_has "SQL made" "any, any(deal=won, topic=GDPR; source=call), email is empty"
keys q

# ---- a deal's detail lists the interests learned in it ----
read -r acc accname <<<"$(q "select id || ' ' || name from accounts order by id limit 1")"
deal=$(as marco -c "insert into opportunities (name, account_id, stage, amount, close_date)
    values ('Probe deal', $acc, 'prospecting', 4200, '2031-05-10') returning id" | head -1)
prompt "view deals"
keys / C-u
keys -l "Probe deal"
keys Enter
wait_gone "search: " 5 || fail "the deals' search"
check "the deal is listed" wait_for "Probe deal"
keys Enter
check "Enter opens the deal, with its interests (none yet)" wait_for "Interests from this deal (0)"
keys i
check "i on the deal: its account's interest, learned in the deal" \
    wait_for "an interest of account $accname, learned in deal #$deal"
keys C-u
keys -l "Zeta Suite"
keys Enter
check "recorded, and said" wait_for "interest in Zeta Suite recorded on account $accname (from deal #$deal)"
check "the deal's detail lists it" wait_for "Interests from this deal (1)"
check "... its product, where it was learned and on whom" \
    line_has "Zeta Suite · from deal #$deal" "account $accname"
# one recorded elsewhere (psql) about the deal shows too; one from another deal does not
as marco -c "select ccrm_interest_add('accounts', $acc, 'Other Product', null, 'hand', null, null, 'not from the deal')" >/dev/null
as marco -c "insert into interests (account_id, product, source, source_entity, source_id)
    values ($acc, 'Probe Extra', 'call', 'opportunities', $deal)" >/dev/null
keys q
wait_gone "Interests from this deal" 5 || fail "q: back to the list"
keys Enter
check "an interest stored from the deal through SQL is listed" wait_for "Interests from this deal (2)"
check "... by product" line_has "Probe Extra · from deal #$deal" "account $accname"
check "an interest not learned in the deal is not" bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Other Product'"
keys q q
tui_stop
done_testing
