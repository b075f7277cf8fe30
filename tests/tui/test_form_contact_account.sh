#!/usr/bin/env bash
# A ticket's requester is one of its account's people: the Contact search offers only the
# account's contacts, and picking a contact fills the account in. Changing the Account after a
# contact was picked kept that contact, and the ticket was saved with another customer's
# requester (a new ticket and an edited one alike). Now the contact is cleared and said so. At
# 80x24.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_form_contact_account.sh path/to/ccrm}

pg_start_demo "$CCRM" 5
IFS='|' read -r cname aname <<<"$(q "select c.first_name || ' ' || c.last_name, a.name from contacts c
    join accounts a on a.id = c.account_id order by c.id limit 1")"
other=$(q "select a.name from accounts a where a.name <> '$aname' and not exists
    (select 1 from accounts b where b.name <> a.name and b.name ilike left(a.name, 9) || '%') order by a.id limit 1")
check "a contact ($cname, of $aname) and another account ($other)" test -n "$cname" -a -n "$other"

tui_start 80 24 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --view tickets
wait_for "Tickets" 20 || fail "the client did not start"
prompt "new ticket"
check "the new ticket's form" wait_for "New ticket" 10
keys -l "Requester mismatch probe"
check "on Account" tab_to Account
keys C-u
check "on Contact" tab_to Contact
keys -l "$cname"
check "the contact is found" wait_for "$cname" 5
keys Enter
check "picking the contact fills its account in" line_has "Account" "$aname"
on_account() { screen | grep -qF '▸ Account'; }
for i in 1 2 3 4 5; do
    on_account && break
    keys BTab
    nap
done
check "back on Account (Shift-Tab)" wait_until on_account
keys C-u
keys -l "${other:0:9}"
check "the other account is found" wait_for "$other" 5
keys Enter
check "changing the account clears the contact, and says so" wait_for "Contact cleared" 5
contact_kept() { screen | grep -E '^. Contact ' | grep -qF "$cname"; }
not_kept() { ! contact_kept; }
check "... the Contact field is empty" not_kept
keys C-s
check "the ticket is saved" wait_sql "select count(*) from tickets where subject = 'Requester mismatch probe'" 1
check "... with no requester of another account" test "$(q "select count(*) from tickets t join contacts c on c.id = t.contact_id
    where t.subject = 'Requester mismatch probe' and c.account_id is distinct from t.account_id")" = 0
tui_stop

done_testing
