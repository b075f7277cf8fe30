#!/usr/bin/env bash
# The tab bar at 80 columns names every tab: the current one whole, the others by a short name
# (their first three letters) after their key, and the room left names the current tab's
# neighbours whole. It showed the keys 1-9 and 0 alone, so a support agent could not tell
# which key was which tab. Narrower (70 columns), where the short names no longer fit, the keys
# come back, and the current tab's neighbours are named whole while they fit. Where the current
# tab is short too, no other is named whole beside it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_tabs_narrow.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"

tabs() { tmux -L "$TMUX_SOCK" capture-pane -t =t: -p | head -1; }
tabs_like() { tabs | grep -qE -- "$1"; }
# how many of the keys 1-9 and 0 are followed by a name of at least three letters
named_keys() { tabs | grep -oE '(^| )[0-9] [A-Z][a-z]{2}' | wc -l; }
all_named() { [ "$(named_keys)" = 10 ]; }

tui_start 80 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "support's Tickets list opens at 80 columns" wait_for "Tickets by" 15
check "the current tab is named whole ($(tabs))" tabs_like ' 6 Tickets '
check "every key 1-9 and 0 has a name beside it ($(tabs))" all_named
check "... as have the two tabs after them" tabs_like ' Inv[a-z]* Pro[a-z]* *$'
check "short names are the titles' first letters, in the tabs' order ($(tabs))" \
    tabs_like '^ 1 Feed 2 Lea[a-z]* 3 Acc[a-z]* 4 Con[a-z]* 5 Dea[a-z]* 6 Tickets 7 Cam[a-z]* 8 Inb[a-z]*( \([0-9+]+\))? 9 Das[a-z]* 0 Quo[a-z]* Inv[a-z]* Pro[a-z]* *$'
keys 7
check "7 opens Campaigns" wait_for "Campaigns by" 10
check "... and the bar names it whole, Tickets short ($(tabs))" \
    wait_until tabs_like ' 6 Tic[a-z]* 7 Campaigns '
check "... every key still named ($(tabs))" all_named
tmx resize-window -t =t: -x 70 -y 24
check "at 70 columns the keys alone, the current tab and the next one whole ($(tabs))" \
    wait_until tabs_like '^ 1  2  3  4  5 .* 7 Campaigns  8 Inbox( \([0-9+]+\))?  9  0  Invoices  Products *$'
keys q
tui_stop

# With a two-digit count on the Inbox ("8 Inb (12)") the current tab's whole title no longer fits
# beside the short names: the current tab is short too, marked by its colour, and every key
# keeps its name (the bar fell to the bare keys " 1  2  3  4  5 ", seven tabs unnamed).
as_pg_sql() { psql "$PG_CONN" -qAt -c "$1"; }
unread=$(as_pg_sql "SELECT count(*) FROM inbox WHERE login = 'marco' AND read_at IS NULL")
[ "$unread" -ge 10 ] 2>/dev/null ||
    as_pg_sql "INSERT INTO inbox (login, kind, note) SELECT 'marco', 'mention', 'note ' || g
               FROM generate_series(1, 12) g" >/dev/null
tui_start 80 24 "$CCRM" -d "$DB user=marco" --view campaigns
check "marketing's Campaigns at 80 columns" wait_for "Campaigns by" 15
check "... the Inbox counts two digits ($(tabs))" wait_until tabs_like ' 8 Inb[a-z]* \([0-9]{2}\+?\)'
check "... every key still named ($(tabs))" all_named
check "... Campaigns short, as the others ($(tabs))" tabs_like ' 6 Tic[a-z]* 7 Cam '
keys q
tui_stop

# A partner has ten tabs (no Campaigns, no Products): at 80 columns every title but the short
# ones is cut to four letters ("Acco…"), and the room left names the current tab's neighbours
# whole, as the short names do; a little wider, Accounts is whole beside the Feed.
tui_start 80 24 "$CCRM" -d "$DB user=paul" --view deals
check "the partner's Deals at 80 columns" wait_for "Pipeline ·" 15
check "titles cut to four letters ($(tabs))" tabs_like ' 3 Acco… 4 Cont… 5 Deals '
check "... but the neighbour Tickets named whole in the room left ($(tabs))" \
    tabs_like ' 5 Deals 6 Tickets 8 Inbox '
tmx resize-window -t =t: -x 81 -y 24
keys 1
check "at 81 columns on the Feed, Accounts is whole ($(tabs))" \
    wait_until tabs_like '^ 1 Feed 2 Leads 3 Accounts 4 Cont… '
keys q
tui_stop

# Support's Tickets with a count on the Feed and on the Inbox: where the current tab is short
# too ("6 Tic"), no other tab is named whole beside it (" 5 Deals 6 Tic " read as if Deals were
# the tab one is on)
tui_start 80 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "support's Tickets at 80 columns" wait_for "Tickets by" 15
as kenji -c "update tickets set priority = 'low' where id = (select min(id) from tickets)" >/dev/null
check "... a change by kenji counts on the Feed tab ($(tabs))" wait_until tabs_like ' 1 Feed \([0-9]+\)'
check "... the current tab whole, or no neighbour whole beside it short ($(tabs))" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | head -1 |
             grep -qE ' 6 Tickets |( 5 Dea 6 Tic 7 Cam )'"
check "... every key still named ($(tabs))" all_named
keys q
tui_stop

done_testing
