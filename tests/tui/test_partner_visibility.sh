#!/usr/bin/env bash
# Internal or shared (schema/022) in the full-screen client: an internal user sees which
# comments, notes and chat messages are internal and which are shared, and chooses when
# writing (c internal, W shared, t / T in the chat); the partner, on the same shared account,
# reads only the shared ones. A partner's client offers nothing its role can only fail at: no
# Campaigns tab, no comment keys, no Status or Assignee in a new ticket, and its only account
# is filled in.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_partner_visibility.sh path/to/ccrm}

pg_start_demo "$CCRM" 50
DB="host=$PG_DIR dbname=ccrm"
A=$(as sam -c "insert into accounts (name) values ('Vista Shared Works') returning id" | head -n 1)
"$CCRM" -d "$PG_CONN" --share "$A" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
as sam -c "insert into comments (entity, entity_id, body) values ('accounts', $A, 'Budget approved, take over the deal')" \
       -c "insert into comments (entity, entity_id, body, visibility) values ('accounts', $A, 'Delivery date confirmed', 'shared')" \
       -c "insert into interactions (kind, subject, account_id) values ('note', 'Internal pricing floor', $A)" \
       -c "insert into interactions (kind, subject, account_id, visibility) values ('note', 'Install guide sent', $A, 'shared')" >/dev/null

# ---- sam, internal: sees both, marked, and chooses ----
tui_start 140 40 "$CCRM" -d "$DB user=sam" --view accounts
check "sam's client starts" wait_for "(sales)" 15
prompt "open Vista Shared Works"
check "the account opens" wait_for "Vista Shared Works" 10
check "an internal comment is marked internal" wait_for "[internal] Budget approved, take over the deal" 10
check "a shared comment is marked shared" wait_for "[shared] Delivery date confirmed"
check "an internal note is marked on the timeline" wait_for "note [internal]: Internal pricing floor"
check "a shared note too" wait_for "note [shared]: Install guide sent"
check "the heading says which key writes which" wait_for "c internal, W shared with the partner"
keys W
check "p asks for a shared comment" wait_for "shared comment (the partner reads it too):" 5
keys -l "Please confirm the rollout date"
keys Enter
check "it is saved as shared" wait_sql "select visibility from comments where body = 'Please confirm the rollout date'" shared
check "and shown as shared" wait_for "[shared] Please confirm the rollout date" 5
keys c
check "c asks for an internal comment" wait_for "internal comment:" 5
keys -l "Margin is thin here"
keys Enter
check "it is saved as internal" wait_sql "select visibility from comments where body = 'Margin is thin here'" internal
keys T
check "T asks for a shared chat message" wait_for "shared chat (the partner reads it too):" 5
keys -l "Hello from sales"
keys Enter
check "the chat message is shared" wait_sql "select visibility from chat_messages where body = 'Hello from sales'" shared
keys t
check "t asks for an internal chat message" wait_for "internal chat:" 5
keys -l "partner is slow to pay"
keys Enter
check "that one is internal" wait_sql "select visibility from chat_messages where body = 'partner is slow to pay'" internal
keys q
tui_stop

# ---- paul, partner: only the shared ones, and nothing it cannot use ----
tui_start 140 40 "$CCRM" -d "$DB user=paul" --view accounts
check "the partner's client starts" wait_for "(partner)" 15
check "the tab bar has no Campaigns tab" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | head -n 1 | grep -qF 'Campaigns')"
check "... but its Inbox keeps its number" bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | head -n 1 | grep -qF '8 Inbox'"
prompt "open Vista Shared Works"
check "the partner opens the shared account" wait_for "Delivery date confirmed" 10
check "it reads the comment shared with it, unmarked" wait_for "Please confirm the rollout date"
check "and the shared note" wait_for "note: Install guide sent"
check "and the shared chat message" wait_for "Hello from sales"
for w in "Budget approved" "Margin is thin" "Internal pricing floor" "slow to pay" "[internal]" "[shared]"; do
    check "it does not read \"$w\"" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF '$w')"
done
check "no comment key in its hint" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -Eq 'c comment|W shared')"
# c and p would open a line that takes the t as text: the chat line opening proves they did not
keys c
keys W
keys t
check "c and p ask nothing, t opens a plain chat line" wait_for "chat:" 5
check "... not a comment line" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'comment( \\(.*\\))?: ')"
keys -l "Thanks, noted"
keys Enter
check "the partner's chat message is shared" wait_sql "select visibility from chat_messages where body = 'Thanks, noted'" shared
keys '?'
check "the help opens" wait_for "write in the record's live chat" 5
check "the help offers no comment key to the partner" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -Eq 'internal comment|comment shared with')"
keys Escape
keys q
keys 7
check "key 7 says Campaigns are not for its role" wait_for "Campaigns are not available to your role" 5
as sam -c "insert into comments (entity, entity_id, body, visibility) values ('accounts', $A, '@paul please check the rollout', 'shared')" >/dev/null
keys 8
check "key 8 opens the partner's Inbox: his mention, with its record" line_has "mention" "Vista Shared Works (account #$A)"
check "...not an error" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qiF 'permission denied')"
keys q
tui_stop

# ---- a partner with one account: a new ticket names it, without Status or Assignee ----
"$CCRM" -d "$PG_CONN" --add-user solo --dept partner --partner "Solo Partner AG" >/dev/null 2>&1 || fail "add solo"
"$CCRM" -d "$PG_CONN" --share "$A" --partner 'Solo Partner AG' >/dev/null || fail "share with solo"
tui_start 140 40 "$CCRM" -d "$DB user=solo" --view tickets
check "solo's client starts on Tickets" wait_for "(partner)" 15
keys n
check "n opens a new ticket" wait_for "New ticket" 10
check "its only account is filled in" wait_for "Vista Shared Works" 5
check "no Status field" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE '^ *Status')"
check "no Assignee field" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Assignee')"
keys -l "Printer on fire"
keys C-s
check "the ticket is saved on the account" \
    wait_sql "select account_id || ',' || status from tickets where subject = 'Printer on fire'" "$A,new"
tui_stop

done_testing
