#!/usr/bin/env bash
# The detail view of every record ("customer 360"), driven through tmux as a person would: from
# an account's people to a contact whose timeline holds a ticket, a call, a meeting, a deal and
# a campaign response by different departments, each labelled with person and department; a
# lead whose person has a ticket matched only by e-mail; a ticket, a deal and a campaign;
# Enter on a related line opens it and q comes back, presence following the record shown;
# comments, chat on a lead without an account, the history, and no traffic while idle.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_detail.sh path/to/ccrm}

# every statement logged with its application and virtual transaction id (for xacts)
PG_EXTRA_OPTS="-c log_statement=all -c log_line_prefix=%a:%v:"
pg_start_demo "$CCRM" 30
DB="host=$PG_DIR dbname=ccrm"

# One customer with two people; what each department did with them. Times: the ticket of
# Greta is written last, so it is the newest entry of her timeline.
acc=$(as sam -c "insert into accounts (name, domain) values ('Zephyr Detailtest GmbH',
    'zephyr-detail.example') returning id")
greta=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Greta', 'Aalto', 'greta@zephyr-detail.example') returning id")
hugo=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Hugo', 'Brandt', 'hugo@zephyr-detail.example') returning id")
as sam -c "insert into interactions (kind, subject, contact_id, at)
    values ('call', 'Renewal call with Greta', $greta, now() - interval '2 days')"
deal=$(as juergen -c "insert into opportunities (account_id, name, stage, amount)
    values ($acc, 'Zephyr renewal 2027', 'proposal', 42000) returning id")
as juergen -c "insert into interactions (kind, subject, opportunity_id, contact_id, at)
    values ('meeting', 'Zephyr pricing meeting', $deal, $greta, now() - interval '3 days')"
# the lead names no contact and no account: only its e-mail (other letter case) is Hugo's
lead=$(as marco -c "insert into leads (first_name, last_name, email, company)
    values ('Hugo', 'Brandt', 'HUGO@Zephyr-Detail.example', 'Zephyr Detailtest GmbH') returning id")
camp=$(as marco -c "insert into campaign_members (campaign_id, contact_id, status)
    select id, $greta, 'responded' from campaigns where name = 'Pro Plan Launch' returning campaign_id")
as marco -c "insert into comments (entity, entity_id, body) values ('contacts', $greta,
    'Met Greta at the trade fair')"
hticket=$(as zoe -c "insert into tickets (contact_id, subject) values ($hugo, 'Hugo cannot log in')
    returning id")
ticket=$(as sofia -c "insert into tickets (contact_id, subject, body) values ($greta,
    'Printer on fire', 'Hello, the printer is on fire.') returning id")
[ -n "$acc" ] && [ -n "$ticket" ] && [ -n "$camp" ] || fail "test data"

# xacts SINCE: the clients' transactions (ccrm's application names) in the server's statement
# log after byte SINCE, told apart by their virtual transaction ids. pg_stat_database's count
# would take in autovacuum's, and a backend reports it only every few seconds (10 s when idle)
xacts() {
    tail -c +"$(($1 + 1))" "$PG_DIR/log" | grep -ao '^ccrm[^:]*:[0-9]*/[0-9]*:LOG:  \(statement\|execute\)' |
        cut -d: -f1,2 | sort -u | wc -l
}
presence() { q "select entity || ' ' || entity_id from presence where login = 'sam'"; }

tui_start 120 40 "$CCRM" -d "$DB user=sam" --view accounts
wait_for "(sales)" || fail "sam's client"
keys /
wait_for "search:" 5 || fail "search line"
keys -l "Zephyr Detailtest"
keys Enter
wait_for 'search "Zephyr' 5 || fail "search"
keys Enter
check "the account opens with its people" wait_for "People (2)" 5
check "the account's timeline" wait_for "Timeline (6, newest first)" 5
check "the account's timeline names the deal and who made it" \
    line_has "juergen (sales)" "deal Zephyr renewal 2027 [proposal]"
check "the account's timeline has the campaign response of its person" \
    line_has "marco (marketing)" "campaign Pro Plan Launch: responded — Greta Aalto"
check "a one-line key hint" wait_for "Enter open · e edit · c comment · W shared comment · a assign · h hand off"
check "presence: sam is on the account" test "$(presence)" = "accounts $acc"

# People (2) is line 0, Greta line 1
mark=$(stat -c %s "$PG_DIR/log")
keys j Enter
check "Enter on a person opens the contact" wait_for "contact #$greta · Zephyr Detailtest GmbH" 5
check "the contact's related account" wait_for "account: Zephyr Detailtest GmbH"
check "the contact's timeline" wait_for "Timeline (5, newest first)"
check "support's ticket, labelled with person and department" \
    line_has "sofia (support)" "ticket #$ticket Printer on fire [new, normal]"
check "sales' call, labelled with person and department" \
    line_has "sam (sales)" "call: Renewal call with Greta"
check "the meeting on the deal" line_has "juergen (sales)" "meeting: Zephyr pricing meeting"
check "the deal of the contact's account" wait_for "deal Zephyr renewal 2027"
check "marketing's campaign response" line_has "marco (marketing)" "campaign Pro Plan Launch: responded"
check "comments on the contact, with their author" \
    line_has "marco (marketing)" "Met Greta at the trade fair"
check "the status bar names the record" wait_for "contact #$greta"
check "presence follows: sam is on the contact" test "$(presence)" = "contacts $greta"
n=$(xacts "$mark")
check "the statement log counts the client's transactions (opening the contact: $n)" test "$n" -gt 0

# idle on a record: no traffic (presence is written once per arrival, not per reload)
mark=$(stat -c %s "$PG_DIR/log")
sleep 2 # a duration measured, not a condition awaited
n=$(xacts "$mark")
check "an idle detail view causes no traffic ($n transactions in 2 s)" test "$n" -lt 10

# Related 0, account 1, Interests 2, Comments 3, comment 4, Chat 5, Timeline 6, the ticket
# (newest) 7
keys j j j j j j j Enter
check "Enter on the ticket opens it" wait_for "ticket #$ticket · new · normal priority" 5
check "the ticket's message" wait_for "Hello, the printer is on fire."
check "the ticket's related account" wait_for "account: Zephyr Detailtest GmbH"
check "the ticket's related contact" wait_for "contact: Greta Aalto <greta@zephyr-detail.example>"
check "the ticket's own timeline" wait_for "Timeline (0, newest first)"
check "a ticket's hint offers the sales signal" wait_for "S sales signal · Enter open"
keys S
check "S asks for the sales signal's note" wait_for "sales signal note:" 5
keys Escape
wait_gone "sales signal note:" 5 || fail "signal cancelled"
# Related 0, account 1, contact 2
keys j j Enter
check "Enter on the related contact opens it" wait_for "contact #$greta · Zephyr" 5
keys q
check "q returns to the ticket" wait_for "ticket #$ticket · new" 5
keys q
check "q returns to the contact" wait_for "contact #$greta · Zephyr" 5
check "back on the contact, presence names it again" \
    wait_sql "select entity || ' ' || entity_id from presence where login = 'sam'" "contacts $greta"

# the campaign response (line 8) opens the campaign with its members
keys j Enter
check "Enter on the campaign response opens the campaign" wait_for "campaign #$camp · active" 5
check "the campaign's members, newest first" wait_for "Members ("
check "the member and its response" line_has "marco (marketing)" "contact Greta Aalto: responded"
check "a campaign's presence" test "$(presence)" = "campaigns $camp"
keys q
wait_for "contact #$greta" 5 || fail "back to the contact"

# :new ticket on the contact's detail: the ticket's contact and account are filled in from it
prompt "new ticket"
check ":new ticket on a contact opens the form" wait_for "New ticket" 5
check "... its contact is this one" line_has "Contact" "Greta Aalto"
check "... and its account the contact's" line_has "Account" "Zephyr"
keys Escape
wait_for "discard your changes? y/n" 5 >/dev/null && keys y
wait_for "contact #$greta" 5 || fail "back to the contact after the new ticket"

# c: a comment, shown at once
keys c
check "c asks for the comment" wait_for "comment:" 5
keys -l "Greta prefers e-mail, tell @sofia and @nobodyhere"
keys Enter
check "the new comment is on the contact" line_has "sam (sales)" "Greta prefers e-mail"
check "it says who was told, and that @nobodyhere told no one" \
    wait_for "internal comment added; notified @sofia; @nobodyhere told no one" 5
# H: the history of the contact
keys H
check "H shows the contact's history" wait_for "History (1 changes" 5
check "the history: created, by whom" line_has "sam (sales)" "created Greta Aalto <greta@zephyr-detail.example>"
keys H
check "H again: back" wait_for "Timeline (5, newest first)" 5
# the keys that act on the record open the forms and actions on it
keys l
check "l logs a call on the contact" wait_for "New call" 5
check "the call is prefilled with the contact" line_has "Contact" "Greta Aalto"
check "and with the contact's account" line_has "Account" "Zephyr Detailtest GmbH"
keys Escape
check "Esc: back from the form" wait_for "contact #$greta · Zephyr" 5
keys e
check "e edits the contact" wait_for "Edit contact #$greta" 5
keys Escape
wait_for "contact #$greta · Zephyr" 5 || fail "back from the edit form"
keys a
check "a asks whom to assign it to" wait_for "to (login):" 5
keys Escape
keys h
check "h asks whom to hand it off to" wait_for "to (login or department):" 5
keys Escape
wait_gone "to (login or department):" 5 || fail "hand-off cancelled"

keys q
check "q returns to the account" wait_for "People (2)" 5
check "back on the account, presence names it" \
    wait_sql "select entity || ' ' || entity_id from presence where login = 'sam'" "accounts $acc"

# Hugo (line 2): his lead is his by e-mail only
keys g j j Enter
check "Hugo's contact" wait_for "contact #$hugo" 5
check "his lead, matched by e-mail" wait_for "lead: Hugo Brandt [new, score 0] (same e-mail)"
check "his ticket on his timeline" line_has "zoe (support)" "ticket #$hticket Hugo cannot log in"
# Related 0, account 1, the lead 2
keys j j Enter
check "Enter opens the lead" wait_for "lead #$lead · new · score 0" 5
check "the lead's person, by e-mail" \
    wait_for "contact: Hugo Brandt <hugo@zephyr-detail.example> (same e-mail)"
check "the lead's account, through its person" wait_for "account: Zephyr Detailtest GmbH"
check "the ticket of the lead's person, matched only by e-mail, on the lead's timeline" \
    line_has "zoe (support)" "ticket #$hticket Hugo cannot log in"
check "a lead's hint offers conversion" wait_for "C convert · Enter open"
keys C
check "C converts the lead: it asks for the deal's name" wait_for "deal name:" 5
keys Escape
wait_gone "deal name:" 5 || fail "conversion cancelled"
keys '?'
check "the help lists the lead's keys" wait_for "convert the lead"
keys Escape
# chat on a lead that belongs to no account (migration 008)
keys t
check "t opens the chat line" wait_for "chat:" 5
keys -l "Hugo asked for a demo"
keys Enter
check "the chat message is on the lead" line_has "sam (sales)" "Hugo asked for a demo"
check "stored on the lead" test "$(psqlc -c "select count(*) from chat_messages where entity = 'leads' and entity_id = $lead")" = 1
check "another internal user reads it" \
    test "$(as sofia -c "select count(*) from chat_messages where entity = 'leads' and entity_id = $lead")" = 1
check "a partner does not" \
    test "$(as paul -c "select count(*) from chat_messages where entity = 'leads'")" = 0
keys q q
wait_for "People (2)" 5 || fail "back to the account"

# the deal from the account's timeline (after People and Interests): Greta's ticket 7, Hugo's 8,
# the response 9, the deal 10
keys g j j j j j j j j j j Enter
check "Enter on the deal opens it" wait_for "deal #$deal · proposal · 42,000.00 EUR" 5
check "the deal's contact, from its meeting" wait_for "contact: Greta Aalto <greta@zephyr-detail.example>"
check "the deal's interactions" line_has "juergen (sales)" "meeting: Zephyr pricing meeting"
keys j Enter
check "Enter on the deal's account opens the account" wait_for "account #$acc" 5
keys q
check "q: the deal" wait_for "deal #$deal" 5
keys q
check "q: the account" wait_for "People (2)" 5
keys q
check "q: the list" wait_gone "People (2)" 5
check "no presence once back on the list" \
    wait_sql "select count(*) from presence where login = 'sam'" 0

# a record someone deletes while it is shown says so
keys Enter
wait_for "People (2)" 5 || fail "the account again"
keys j Enter
wait_for "contact #$greta" 5 || fail "Greta again"
as sam -c "select ccrm_delete('contacts', $greta)" # deletes go through ccrm_delete (schema/014)
check "a record deleted elsewhere says so, live" wait_for "this contact was deleted or is no longer visible to you" 5
keys t
wait_for "chat:" 5 || fail "no chat line on the deleted contact"
keys -l "anyone there?"
keys Enter
check "a chat message on it: refused in words, not the policy's" \
    wait_for "could not send the message: the contact is gone (deleted, merged or no longer shared with you)" 5
check "...and what was typed is kept" wait_for "anyone there?" 5
keys Escape
keys q q q
check "q quits" wait_exit
st=$(pane_status)
check "exit status 0 (got $st)" test "$st" = 0
tui_stop
done_testing
