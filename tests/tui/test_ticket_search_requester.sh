#!/usr/bin/env bash
# Support finds a customer's tickets by typing the customer's name in the Tickets list's search:
# a ticket matches its requester (the contact: name and address) as it matches its account's
# name, through the contacts' index (migration 067). The search blocks know only the tickets'
# own text, so when a contact matches they step aside (match_elsewhere) and the search stays
# exact: the ticket is found though no block holds its requester's name. Nothing of the
# contact is copied into the ticket, so a renamed contact is found by its new name at once and
# no longer by the old one, and a rename writes no ticket.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_ticket_search_requester.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select id from accounts order by id limit 1")
con=$(q "insert into contacts (account_id, first_name, last_name, email)
         values ($acc, 'Gisela', 'Wünschmann', 'g.w@reqsearch.example') returning id" | head -1)
tk=$(q "insert into tickets (account_id, contact_id, subject, status)
        values ($acc, $con, 'Printer jams on every page', 'open') returning id" | head -1)
q "insert into tickets (account_id, subject, status) values ($acc, 'Paper tray stuck', 'open')" >/dev/null
# the ticket filed in the blocks, so that a search that trusted them would miss it
q "select ccrm_search_blocks_rebuild('tickets_updated')" >/dev/null
check "the blocks step aside when a contact matches (a tickets search by requester)" \
    sql_is "select usable from ccrm_search_blocks('tickets_updated', 'wünschmann', '%wunschmann%',
            false, NULL, NULL, NULL) limit 1" f
check "... and not for a word no contact nor account holds" \
    bash -c "[ \"\$(psql -X -At -c \"select coalesce(bool_and(usable), true) from ccrm_search_blocks('tickets_updated', 'printer jams', '%printer jams%', false, NULL, NULL, NULL)\")\" = t ]"

search() { keys Escape; keys /; wait_for "search:" 5 >/dev/null; keys -l "$1"; keys Enter; }

tui_start 100 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "support's Tickets list opens" wait_for "Tickets by" 15
search "wünschmann"
check "typing the requester's name finds the ticket" line_has "#$tk " "Printer jams"
check "... and not a ticket of the same account without that requester" wait_gone "Paper tray stuck" 5
search "Gisela W"
check "her first name and the start of her last name find it too" line_has "#$tk " "Printer jams"
search "reqsearch.example"
check "so does her address" line_has "#$tk " "Printer jams"
keys Escape
check "Esc restores the list" wait_for "Paper tray stuck" 5

# renamed: no ticket is written, and the search follows the contact's name at once
v=$(q "select version from tickets where id = $tk")
as sofia -c "update contacts set last_name = 'Quellenberg' where id = $con" >/dev/null || fail "the rename"
check "the rename wrote no ticket" sql_is "select version from tickets where id = $tk" "$v"
search "quellenberg"
check "the new name finds the ticket" line_has "#$tk " "Printer jams"
search "wünschmann"
check "the old name no longer does" wait_gone "Printer jams" 5
keys Escape q
tui_stop

done_testing
