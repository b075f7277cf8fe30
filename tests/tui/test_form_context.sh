#!/usr/bin/env bash
# Forms follow their context (issue 14, item 12), from the registry's field attributes
# (`within`, `me`, `routed`: include/ccrm/entity.h). A ticket's contact search is narrowed to
# the chosen account's contacts; picking a contact with the account empty fills it in, and a
# second pick replaces what the first filled in; `l` on a ticket pre-fills its contact and
# account; a new account's owner is its creator (shown, saved) while a new lead's owner says
# the rules choose; after saving a new record the list moves to it, clearing the filter or
# search that would hide it, and says so.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_form_context.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
psqlc -c "insert into accounts (name, domain) values ('Kontext Nord GmbH', 'kontext-nord.example'),
                                                     ('Kontext Sued AG', 'kontext-sued.example')" >/dev/null
nord=$(psqlc -c "select id from accounts where name = 'Kontext Nord GmbH'")
sued=$(psqlc -c "select id from accounts where name = 'Kontext Sued AG'")
psqlc -c "insert into contacts (first_name, last_name, email, account_id)
          values ('Ines', 'Kontextfall', 'ines@kontext-nord.example', $nord),
                 ('Jonas', 'Kontextfall', 'jonas@kontext-sued.example', $sued)" >/dev/null
ines=$(psqlc -c "select id from contacts where email = 'ines@kontext-nord.example'")
# has_line A B: one screen line holds both (for wait_until, with its own timeout)
has_line() { screen | grep -F -- "$1" | grep -qF -- "$2"; }
# absent TEXT: TEXT is not on the screen now (used once what it would come with is drawn)
absent() { ! screen | grep -qF -- "$1"; }
# the status bar (the list's sort, search and filter), not the message line under it
status_bar() { screen | grep -F -- "$1 by"; }
# bar_without LIST WORD: the list's status bar is shown and does not hold WORD
bar_without() {
    local b
    b=$(status_bar "$1")
    [ -n "$b" ] && ! grep -qF -- "$2" <<<"$b"
}

tui_start 140 40 "$CCRM" -d "$PG_CONN user=zoe" --view tickets
check "zoe's client shows the Tickets" wait_for "Tickets by" 15

# ---- 1a: the contact search narrowed to the chosen account ----
prompt "new ticket"
check "a new ticket's form" wait_for "New ticket" 10
keys -l "Kontext narrowed"
keys Tab
keys -l "kontext nord"
check "the account search finds it" wait_for "Kontext Nord GmbH  ·" 10
keys Enter
check "the account is chosen" line_has "Account" "Kontext Nord GmbH"
check "... and Enter moved on to the contact" wait_for "▸ Contact" 5
check "the contact field says it searches that account's contacts" \
    wait_for "type to search Kontext Nord GmbH's contacts" 5
check "the account's contacts are listed before anything is typed" \
    wait_for "Ines Kontextfall  ·" 10
check "... only the account's" absent "Jonas Kontextfall"
keys Enter
check "Enter on the list nobody chose from moves on, the contact left empty" \
    wait_until bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -q '^▸ Status'"
check "... and empty" line_has "Contact" "—"
keys BTab
check "back in the contact field, the list again" wait_for "Ines Kontextfall  ·" 10
keys -l "kontextfall"
check "the account's contact is found" wait_for "Ines Kontextfall  ·" 10
check "the namesake at another account is not offered" absent "Jonas Kontextfall"
keys C-u
wait_gone "Ines Kontextfall  ·" 5 >/dev/null
keys -l "jonas"
check "a search with nothing at the account says where it looked" \
    wait_for "no matches among Kontext Nord GmbH's contacts (clear Account for all)" 10
keys Escape # the search, then the form (a change was made: discard)
wait_gone "no matches among" 5 >/dev/null
keys Escape
wait_for "discard your changes? y/n" 5 >/dev/null
keys y
wait_for "changes discarded" 5 >/dev/null

# ---- 1a: a contact fills in the empty account; 1d: the list moves to the new ticket ----
prompt "filter status=closed"
check "the Tickets list filtered to closed ones" wait_for "filter status=closed" 10
prompt "new ticket"
wait_for "New ticket" 10 >/dev/null
keys -l "Kontext filled ticket"
keys Tab Tab # the account left empty
keys -l "jonas kontextfall"
check "with no account, every contact is searched" wait_for "Jonas Kontextfall  ·" 10
keys Enter
check "picking the contact fills in its account" line_has "Account  " "Kontext Sued AG"
check "... and says so" wait_for "Account: Kontext Sued AG (the contact's)" 5
check "Enter moved on from the contact" wait_for "▸ Status" 5
keys BTab # back to the contact
keys -l "ines kontextfall"
check "the account filled in by the contact does not narrow a new search" \
    wait_for "Ines Kontextfall  ·" 10
keys Enter
check "the second pick replaces the account the first filled in" line_has "Account  " "Kontext Nord GmbH"
check "a new ticket's assignee is left to the rules, and says so" line_has "Assignee" "— (the rules choose)"
keys C-s
check "saved, the list cleared the filter that hid it" \
    wait_for "cleared to show it" 10
tid=$(psqlc -c "select id from tickets where subject = 'Kontext filled ticket'")
check "... the message names the ticket and the filter" wait_for "saved ticket #$tid · filter status=closed cleared" 5
check "the ticket has the contact and the account it filled in" \
    test "$(psqlc -c "select account_id || '|' || contact_id from tickets where id = $tid")" = "$nord|$ines"
check "the new ticket is on screen" wait_for "Kontext filled ticket" 5
check "... the list no longer filtered" wait_until bar_without Tickets filter

# ---- 1b: l on the ticket (opened from the row the cursor moved to) ----
keys Enter
check "Enter opens the ticket under the cursor: the new one" wait_until -t 10 has_line "ticket #$tid" "priority"
keys l
check "l opens a new call" wait_for "New call" 10
check "... on the ticket" line_has "Ticket" "#$tid Kontext filled ticket"
check "... with the ticket's contact" line_has "Contact" "Ines Kontextfall"
check "... and its account" line_has "Account" "Kontext Nord GmbH"
keys Escape
check "nothing typed: Esc closes it" wait_for "cancelled: nothing saved" 5
keys q
tui_stop

# ---- 1c: a new record's owner; 1d: a search that hides the new account is cleared ----
tui_start 140 40 "$CCRM" -d "$PG_CONN user=sam" --view accounts
check "sam's client shows the Accounts" wait_for "Accounts by" 15
prompt "new lead"
check "a new lead's form" wait_for "New lead" 10
check "a new lead's owner is left to the rules, and says so" line_has "Owner" "— (the rules choose)"
keys Escape
wait_for "cancelled: nothing saved" 5 >/dev/null
prompt "find zzkontext nothing"
check "a search that finds nothing" wait_for 'search "zzkontext nothing"' 10
keys n
check "n: a new account" wait_for "New account" 10
check "its owner is the person creating it, shown before saving" line_has "Owner" "(sam)"
keys -l "Kontext Sichtbar AG"
keys C-s
aid=$(wait_until sql_is "select count(*) from accounts where name = 'Kontext Sichtbar AG'" 1 &&
    psqlc -c "select id from accounts where name = 'Kontext Sichtbar AG'")
check "saved, and the search that hid it cleared (said on the bottom line)" \
    wait_for "saved account #$aid · search \"zzkontext nothing\" cleared to show it" 10
check "the account is owned by its creator" \
    test "$(psqlc -c "select owner from accounts where id = $aid")" = sam
check "the list shows it" wait_for "Kontext Sichtbar AG" 5
check "... no longer searched" wait_until bar_without Accounts search
keys Enter
check "the cursor is on it: Enter opens the new account" wait_until -t 10 has_line "account #$aid" "contact"
keys q q
tui_stop
done_testing
