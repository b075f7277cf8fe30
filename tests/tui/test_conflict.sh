#!/usr/bin/env bash
# Optimistic locking in forms, with two real clients on the same record. Each form read the
# record's version; the second save finds another version (SQLSTATE CR001 from the stamp
# trigger) and nothing is overwritten silently:
#   * fields both people changed are shown side by side ("yours" / "theirs"); the person
#     chooses per field and saves again against the new version; fields only the other
#     person changed are taken from them; the database ends with exactly the choices;
#   * when the other person changed only fields this one did not touch, the save merges
#     without asking;
#   * a record merged into another (ccrm_merge) while its form is open: the form says into
#     which one (it said the record was deleted), and keeps what was typed until Esc.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_conflict.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
psqlc -c "insert into accounts (name) values ('Konflikt Ærø ApS')"
acc=$(psqlc -c "select id from accounts where name = 'Konflikt Ærø ApS'")
psqlc -c "insert into opportunities (account_id, name, stage, amount, close_date)
          values ($acc, 'Konflikt-Deal Ærø', 'prospecting', 5000, '2026-12-01')"
deal=$(psqlc -c "select id from opportunities where name = 'Konflikt-Deal Ærø'")
psqlc -c "insert into contacts (account_id, first_name, last_name, email, phone, title)
          values ($acc, 'Jörg', 'Konfliktmann', 'joerg@konflikt.example', '+45 1111', 'Einkauf')"
contact=$(psqlc -c "select id from contacts where email = 'joerg@konflikt.example'")

# open_form SESSION VIEW SEARCH TITLE: find the record in a list view and press e
open_form() {
    prompt_in "$1" "view $2"
    keys_in "$1" / C-u # the list keeps its last search: replace it
    keys_in "$1" -l "$3"
    keys_in "$1" Enter
    gone_in "$1" "search: " 5 || return 1 # the input line closed: the list shows the search
    wait_in "$1" "$3" 5 || return 1
    keys_in "$1" e
    wait_in "$1" "$4" 5
}

tui_start 100 30 "$CCRM" -d "$PG_CONN user=juergen"
check "juergen's client" wait_for " online "
client m 100 30 "$CCRM" -d "$PG_CONN user=priya"
check "priya's client beside it" wait_in m " online "

# ---- both change the deal; two fields both changed, one only by each ----
check "juergen opens the deal's form" open_form t deals "Konflikt-Deal" "Edit deal #$deal"
check "priya opens the same form" open_form m deals "Konflikt-Deal" "Edit deal #$deal"

# priya: stage → qualification, amount 6000, close date 2026-12-24; saves first
keys_in m Down Down Right
keys_in m Down End C-u
keys_in m -l "6000"
keys_in m Down Down End C-u
keys_in m -l "2026-12-24"
keys_in m C-s
check "priya saves first" wait_in m "saved deal #$deal"
check "juergen's open form says the deal changed under it" wait_for "changed by priya at"

# juergen: name, amount 7000, close date 2027-01-15
keys_in t End
keys_in t -l " (Ofen)"
keys_in t Down Down Down End C-u
keys_in t -l "7000"
keys_in t Down Down End C-u
keys_in t -l "15.1.2027"
keys_in t C-s
check "juergen's save meets the conflict: who saved first" wait_for "saved this deal while you were editing it"
check "the fields only priya changed were taken" wait_for "Taken from them (you had not changed it): Stage"
check "the amount both changed shows yours" wait_for "( ) yours   7000.00"
check "and theirs" wait_for "( ) theirs  6000.00"
check "the close date both changed shows yours" wait_for "( ) yours   2027-01-15"
check "and theirs" wait_for "( ) theirs  2026-12-24"
check "nothing of juergen's was written yet" \
    test "$(psqlc -c "select name || '|' || amount || '|' || version from opportunities where id = $deal")" = "Konflikt-Deal Ærø|6000.00|2"
keys_in t C-s
check "saving before choosing asks for the choices" wait_for "choose yours or theirs for every field first (2 left)"
# Esc goes back to the form: the open conflicts are marked at their fields
keys_in t Escape
check "back in the form, the conflict is marked at the field" wait_for "⚠ theirs: \"6000.00\" · Ctrl-S to choose"
check "the merged stage is in the form" wait_for "Stage*     qualification"
keys_in t C-s
check "Ctrl-S shows the choices again" wait_for "You both changed these"
keys_in t t # amount: theirs
keys_in t y # close date: yours
check "both chosen" wait_for "(•) yours   2027-01-15"
check "theirs chosen for the amount" wait_for "(•) theirs  6000.00"
keys_in t C-s
check "juergen's save goes through against the new version" \
    wait_for "saved deal #$deal, merged with what priya changed (Stage)"
check "the deal has everyone's changes and the choices: stage and amount from priya, name and close date from juergen" \
    test "$(psqlc -c "select name || '|' || stage || '|' || amount || '|' || close_date || '|' || version || '|' || updated_by
                      from opportunities where id = $deal")" = "Konflikt-Deal Ærø (Ofen)|qualification|6000.00|2027-01-15|3|juergen"
check "the audit trail has both saves, nothing else" \
    test "$(psqlc -c "select string_agg(actor, ',' order by id) from audit
                      where entity = 'opportunities' and entity_id = $deal and op = 'update'")" = "priya,juergen"

# ---- only the other person changed other fields: merged without asking ----
check "juergen opens the contact's form" open_form t contacts "Konfliktmann" "Edit contact #$contact"
check "priya opens it too" open_form m contacts "Konfliktmann" "Edit contact #$contact"
keys_in m Down Down Down End C-u # phone
keys_in m -l "+45 2222"
keys_in m C-s
check "priya saves the phone" wait_in m "saved contact #$contact"
keys_in t Down Down Down Down End C-u # title
keys_in t -l "Leitung Einkauf"
keys_in t C-s
check "juergen's save merges without asking" wait_for "saved contact #$contact, merged with what priya changed (Phone)"
check "no choice was shown" bash -c "! tmux -L $TMUX_SOCK capture-pane -t t -p | grep -q 'You both changed'"
check "the contact has both changes" \
    test "$(psqlc -c "select phone || '|' || title || '|' || version from contacts where id = $contact")" = "+45 2222|Leitung Einkauf|3"

# ---- both made the same change: nothing to choose, nothing to save twice ----
check "juergen opens the contact again" open_form t contacts "Konfliktmann" "Edit contact #$contact"
check "priya too" open_form m contacts "Konfliktmann" "Edit contact #$contact"
keys_in m Down Down Down Down End C-u
keys_in m -l "Head of Purchasing"
keys_in m C-s
check "priya saves a title" wait_in m "saved contact #$contact"
keys_in t Down Down Down Down End C-u
keys_in t -l "Head of Purchasing"
keys_in t C-s
check "juergen's identical change needs no choice" wait_for "it already had your changes (priya saved them first)"
check "one save only" test "$(psqlc -c "select version from contacts where id = $contact")" = 4

# ---- the record is merged into another while its form is open ----
# the form said the account was deleted; it was merged (ccrm_merge), as its view says
surv=$(psqlc -c "insert into accounts (name, owner) values ('Mergeziel Konflikt', 'juergen') returning id")
dup=$(psqlc -c "insert into accounts (name, owner) values ('Mergequelle Konflikt', 'juergen') returning id")
check "juergen opens the duplicate's form" open_form t accounts "Mergequelle" "Edit account #$dup"
keys_in t End
keys_in t -l " typed"
check "... and types" wait_for "Mergequelle Konflikt typed"
as mia -c "select ccrm_merge('accounts', $surv, $dup)" >/dev/null
check "the open form says into which account it was merged" wait_for "this account was merged into #$surv"
keys_in t C-s
check "Ctrl-S says so" wait_for "not saved: the account was merged into #$surv"
check "... and that what was typed stays" wait_for "What you typed stays"
check "... it does: on the form" wait_for "Mergequelle Konflikt typed"
check "... not the deleted message" bash -c "! tmux -L $TMUX_SOCK capture-pane -t t -p | grep -q 'was deleted or is no longer visible'"
keys_in t Escape
check "Esc asks before it discards it" wait_for "discard your changes? y/n"
keys_in t y
check "discarded" wait_for "changes discarded"

keys_in t q
keys_in m q
done_testing
