#!/usr/bin/env bash
# Forms (src/ui/view_form.c), driven through tmux and checked in the database: a contact with
# a non-ASCII name and an account found by searching (accent-insensitive); a ticket with a
# long subject (horizontal scrolling) and a multi-line body; a deal's stage and amount edited;
# values refused at their field (by the form and by the database) save nothing; cancel
# discards; the database's department rules and grants are shown at the top of the form; the
# input survives a resize down to 40x12 and a connection lost while saving. A call logged on a
# ticket: ↑↓ move between fields past a list shown on entering one, and the form is named by
# the call's kind.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_forms.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
psqlc -c "insert into accounts (name, domain, city)
          values ('Bäckerei Größenwahn KG', 'groessenwahn.example', 'Köln')"
acc=$(psqlc -c "select id from accounts where name = 'Bäckerei Größenwahn KG'")
psqlc -c "insert into opportunities (account_id, name, stage, amount, close_date)
          values ($acc, 'Ofen-Deal Größenwahn', 'prospecting', 1000, '2026-12-01')"
deal=$(psqlc -c "select id from opportunities where name = 'Ofen-Deal Größenwahn'")
ncontacts() { psqlc -c "select count(*) from contacts"; }

tui_start 100 30 "$CCRM" -d "$PG_CONN user=juergen application_name=ccrm-forms"
check "client is up" wait_for " online "
check "XON/XOFF is off from the start: Ctrl-S on a list does not stop the terminal" \
    bash -c "stty -F '$(tmx display -p -t t '#{pane_tty}')' -a | grep -qw -- -ixon"
keys C-s
keys 4
check "... and the next key still works (Contacts)" wait_for "Contacts by"
keys 5 # back to the Deals, juergen's start
before=$(ncontacts)

# ---- a new contact: UTF-8 editing, and the account chosen by searching ----
prompt "new contact"
check "the form for a new contact opens" wait_for "New contact"
tty=$(tmx display -p -t =t: '#{pane_tty}')
check "XON/XOFF is off while a form is open, so Ctrl-S reaches ccrm" \
    bash -c "stty -a <'$tty' | grep -q -- '-ixon'"
keys -l "Zoë"
keys Tab
keys -l "Angström"
keys Home Delete
keys -l "Å"
keys End
keys -l -- "-Łukasiewicz"
keys Tab
keys -l "zoe@example.com"
keys Tab Tab Tab
check "Tab reaches the account field" wait_for "type to search"
keys -l "backerei grossen" # no accents typed: the search folds them
check "the search lists the account under the field" \
    wait_for "Bäckerei Größenwahn KG  · groessenwahn.example · Köln"
keys Enter
check "Enter takes the match" wait_for "Account    Bäckerei Größenwahn KG"
keys C-s
check "saved, the form closes" wait_for "saved contact #"
check "the contact is in the database, as typed, with the chosen account" \
    test "$(psqlc -c "select first_name || '|' || last_name || '|' || account_id || '|' || created_by
                      from contacts where email = 'zoe@example.com'")" = "Zoë|Ångström-Łukasiewicz|$acc|juergen"
check "one contact more" test "$(ncontacts)" = $((before + 1))
keys C-s # out of habit, in the list: must not stop the terminal's output (XOFF)

# ---- refused at the field: nothing saved; cancel discards ----
prompt "new contact"
check "a second new contact form" wait_for "New contact"
keys -l "Test"
keys Tab Tab
keys -l "not-an-email"
keys Tab
check "an invalid e-mail is shown at its field as the field is left, before any save" \
    wait_for "↳ not an e-mail address"
keys BTab
keys C-s
check "...and at the save" wait_for "not saved"
check "and nothing was saved" test "$(ncontacts)" = $((before + 1))
keys End C-u
keys -l "ZOE@EXAMPLE.COM"
keys C-s
check "the database's unique e-mail (any letter case) is shown at the field" \
    wait_for "↳ another contact already has this e-mail"
check "nothing was saved" test "$(ncontacts)" = $((before + 1))
keys Escape
check "cancel asks first when something was typed" wait_for "discard your changes? y/n"
keys n
check "n goes back to the form, input kept" wait_for "ZOE@EXAMPLE.COM"
keys Escape
wait_for "discard your changes? y/n" >/dev/null
keys y
check "y discards" wait_for "changes discarded"
check "nothing was saved after cancel" test "$(ncontacts)" = $((before + 1))
prompt "new deal"
check "a new deal form" wait_for "New deal"
keys C-s
check "a required field left empty is shown at the field" wait_for "↳ required"
check "at every required field (name and account)" \
    test "$(screen | grep -c '↳ required')" = 2
check "the form counts them" wait_for "not saved: 2 fields to correct"
keys Escape
check "nothing typed: Esc closes without asking" wait_for "cancelled: nothing saved"

# ---- a ticket: a long subject scrolls, the body has lines ----
prompt "new ticket"
check "a new ticket form" wait_for "New ticket"
subject="Drucker druckt nicht – Fehler 0x8004 bei großen PDF-Dateien, seit dem Update vom Montag, bitte dringend prüfen"
keys -l "$subject"
check "a subject longer than the box scrolls: its end shows" wait_for "bitte dringend prüfen"
check "and its start is scrolled out, marked with …" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep 'Subject' | grep -q '…' && ! screen | grep -q 'Drucker druckt'"
keys Tab
keys -l "größenwahn"
check "account search" wait_for "Bäckerei Größenwahn KG  ·"
keys Enter # takes the account and moves on to the contact
for i in 1 2 3 4 5 6; do keys Tab; done
check "the body field" wait_for "Enter: new line"
keys -l "Erste Zeile"
keys Enter
keys -l "Zweite Zeile, Größe 12 MB, um 10:30"
keys C-s
check "the ticket is saved" wait_for "saved ticket #"
check "subject and body in full (':' is text in a form), account set, status default" \
    test "$(psqlc -c "select count(*) from tickets where subject = '$subject'
                        and body = E'Erste Zeile\\nZweite Zeile, Größe 12 MB, um 10:30'
                        and account_id = $acc and status = 'new' and priority = 'normal'")" = 1

# ---- edit a deal: stage and amount ----
prompt "view deals"
keys /
keys -l "Ofen-Deal"
keys Enter
wait_gone "search: " >/dev/null # the input line closed: the columns show the search
check "the deal is in the pipeline" wait_for "Ofen-Deal Größe"
keys e
check "e opens the deal's form" wait_for "Edit deal #$deal"
check "with its values" wait_for "1000.00"
keys Down Down Right # stage: prospecting → qualification
check "→ changes the choice" wait_for "‹ qualification ›"
keys Down End C-u
keys -l "12.345,5"
keys C-s
check "the deal is saved" wait_for "saved deal #$deal"
check "stage and amount in the database (amount normalised), version 2" \
    test "$(psqlc -c "select stage || '|' || amount || '|' || version || '|' || updated_by
                      from opportunities where id = $deal")" = "qualification|12345.50|2|juergen"

# ---- resize while editing, down to 40x12 ----
keys Right # the deal moved to the qualification column
keys e
check "the form again" wait_for "Edit deal #$deal"
keys Down Down Down End C-u
keys -l "777,7"
tmx resize-window -t =t: -x 40 -y 12
check "at 40x12 the field being edited is still on screen" wait_for "777,7"
check "with the keys line" wait_for "^S save"
tmx resize-window -t =t: -x 100 -y 30
check "back at 100x30 every field shows again" wait_for "Ofen-Deal Größenwahn"
check "and the input is kept" wait_for "777,7"
keys C-s
check "saved after the resizes" wait_for "saved deal #$deal"
check "amount 777.70" test "$(psqlc -c "select amount from opportunities where id = $deal")" = 777.70

# ---- the connection breaks while saving: the form and its input stay ----
keys e
check "the form again" wait_for "Edit deal #$deal"
keys Down Down Down End C-u
keys -l "4242,42"
# hold the row so that the save waits in the server, then end the client's session
psqlc -c "begin; select 1 from opportunities where id = $deal for update; select pg_sleep(3); commit" >/dev/null &
locker=$!
wait_sql "select count(*) from pg_stat_activity where query like '%pg_sleep(3)%' and state = 'active' and pid <> pg_backend_pid()" 1
keys C-s
check "the save waits for the row lock" \
    wait_sql "select count(*) from pg_stat_activity where application_name = 'ccrm-forms' and wait_event_type = 'Lock'" 1
psqlc -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'ccrm-forms'" >/dev/null
check "the form says the save failed" wait_for "not saved: lost the connection" 10
check "the input is kept" wait_for "4242,42"
wait "$locker"
check "the client reconnects, the form is still open" wait_for "connection restored: Ctrl-S saves" 15
check "nothing was saved meanwhile" test "$(psqlc -c "select amount from opportunities where id = $deal")" = 777.70
keys C-s
check "saving again after the reconnect works" wait_for "saved deal #$deal"
check "amount 4242.42" test "$(psqlc -c "select amount from opportunities where id = $deal")" = 4242.42

# ---- the row held past the statement timeout: said in words, with what to do ----
keys e
check "the form again" wait_for "Edit deal #$deal"
keys Down Down Down End C-u
keys -l "5151,51"
# the row held by a session of its own until the client has said so (not for a fixed time)
mkfifo "$TEST_TMP/holder.in"
psql -X -q -At -v ON_ERROR_STOP=1 "$PG_CONN" <"$TEST_TMP/holder.in" >"$TEST_TMP/holder.out" 2>&1 &
locker=$!
exec 9>"$TEST_TMP/holder.in"
echo "begin; select 1 from opportunities where id = $deal for update; select 'held';" >&9
wait_until -t 20 grep -q held "$TEST_TMP/holder.out" || fail "the row was not held"
keys C-s
check "a save that waits past the statement timeout says so in words, and what to do" \
    wait_for "did not answer in time" 20
check "... the input is kept" wait_for "5151,51"
echo "commit;" >&9
exec 9>&-
wait "$locker"
keys C-s
check "Ctrl-S again once the row is free: saved" wait_for "saved deal #$deal"
check "amount 5151.51" test "$(psqlc -c "select amount from opportunities where id = $deal")" = 5151.51

# ---- the database refuses: its message at the top of the form ----
prompt "view campaigns"
wait_for "Campaigns by name" >/dev/null # the list is there before e (e on no row does nothing)
keys e
check "e says at once that sales may not change campaigns" wait_for "e edit is not available to your role"
prompt "edit"
check ":edit still opens the campaign's form for sales" wait_for "Edit campaign #"
check "it says at the top that sales may not change campaigns" \
    wait_for "read-only: your role may not change campaigns"
keys Down
keys Right
keys C-s
check "saving shows the database's refusal" wait_for "not saved: permission denied for table campaigns"
keys Escape
wait_for "discard your changes? y/n" >/dev/null
keys y
check "discarded" wait_for "changes discarded"
keys q
tui_stop

# marketing may edit a deal, but not win it (a department rule of schema/004_rls.sql)
tui_start 100 30 "$CCRM" -d "$PG_CONN user=marco"
check "marketing's client" wait_for " online "
prompt "view deals"
keys /
keys -l "Ofen-Deal"
keys Enter
wait_gone "search: " >/dev/null
wait_for "Ofen-Deal Größe" >/dev/null
keys Right # in the qualification column
keys e
check "marketing opens the deal's form" wait_for "Edit deal #$deal"
keys Down Down
keys -l "w" # the first choice starting with w: won
check "a letter picks the choice" wait_for "‹ won ›"
keys C-s
check "closing the deal asks first" wait_for "mark it won? (y/n)"
keys y
check "the department rule's message and hint show at the top" \
    wait_for "not saved: only sales, management and admin may move a deal to won"
check "the deal is not won" test "$(psqlc -c "select stage from opportunities where id = $deal")" = qualification
keys Left # the choice before won: negotiation
keys C-s
check "another stage is allowed" wait_for "saved deal #$deal"
check "stage negotiation, saved by marco" \
    test "$(psqlc -c "select stage || '|' || updated_by from opportunities where id = $deal")" = "negotiation|marco"
keys q
tui_stop

# ---- a call logged on a ticket: ↑↓ move between fields, and pick only among the matches of
# what was typed; a list shown on entering a field is passed by (^N ^P pick from it). The form
# and what it saved are named by the kind: "New call", "new call", "saved call #" ----
tid=$(as sofia -c "insert into tickets (account_id, subject) values ($acc, 'Ofen piept laut') returning id")
tui_start 120 40 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "sofia's client" wait_for " online "
keys /
keys -l "Ofen piept"
keys Enter
wait_gone "search: " >/dev/null
keys Enter
check "the ticket opens" wait_for "ticket #$tid"
keys l
check "l opens a form named by the kind" wait_for "New call"
check "the status line says a new call (not a new interaction)" wait_for "new call"
keys Tab
keys -l "Ofen besprochen"
keys Down Down # Account, Contact
check "on the contact, the account's people are listed" wait_for "Zoë Ångström"
check "the hint says ^N ^P pick from that list (↑↓ move on)" \
    wait_for "^N ^P Enter pick, or type to search Bäckerei Größenwahn KG's contacts"
keys -l "zo"
check "typed, the hint says ↑↓ pick a match" wait_for "↑↓ Enter pick a match"
keys Down
keys Enter
check "↓ stayed among the matches: Enter takes the contact" line_has "Contact" "Zoë Ångström"
check "... and moves on to the lead" wait_for "▸ Lead"
keys Down # Deal
check "Down goes on to the deal" wait_for "▸ Deal"
check "... where the account's deals are listed" wait_for "Ofen-Deal Größenwahn"
keys Down
check "Down moves past the list to the ticket (it used to pick a deal)" wait_for "▸ Ticket"
keys Up
wait_for "▸ Deal" >/dev/null || fail "Up back to the deal"
keys C-n Enter
check "^N chooses from the list, Enter takes it" line_has "Deal" "Ofen-Deal Größenwahn"
check "... and moves on to the ticket" wait_for "▸ Ticket"
keys Down Down Down Down Down Down # Channel, Direction, When, Due, Done, Notes
check "six Downs on: the notes" wait_for "▸ Notes"
keys -l "Notizen zum Ofen"
keys C-s
check "saved, named by its kind" wait_for "saved call #"
check "database: the call with its contact, deal and notes where typed" \
    sql_is "select count(*) from interactions where kind = 'call' and subject = 'Ofen besprochen'
        and ticket_id = $tid and opportunity_id = $deal and body = 'Notizen zum Ofen'
        and contact_id = (select id from contacts where email = 'zoe@example.com')" 1
keys q
done_testing
