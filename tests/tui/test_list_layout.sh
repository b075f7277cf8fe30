#!/usr/bin/env bash
# A list's columns stay put while its rows scroll and page: a column that fits its values (a
# ticket's #) grows to the widest one loaded and does not narrow again when the page that held
# it is dropped (every column after it moved back and forth). The room left over goes to the
# name first: a Deals stage column at 80 and at 100 columns shows more of a deal's name (the
# room was shared by weight, and its rounding left a column unused).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_list_layout.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# small pages and a short screen, so that paging drops the rows read first (a window keeps
# three pages, and the page below the screen is read ahead)
mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"

heading() { screen | sed -n 2p; }
same_heading() { [ "$(heading)" = "$first" ]; }
changed() { [ "$(screen)" != "$before" ]; }
# enough tickets to page well past the first three pages
q "insert into tickets (subject, status) select 'Layout filler ' || g, 'new' from generate_series(1, 300) g" >/dev/null
q "insert into tickets (id, subject, status) overriding system value
   values (1234567, 'Layout wide number', 'new')" >/dev/null
as zoe -c "update tickets set priority = 'high' where id = 1234567" >/dev/null # (now the newest)

tui_start 80 14 "$CCRM" -d "$DB user=zoe" --view tickets
check "the Tickets list opens at 80 columns" wait_for "Tickets by" 15
check "the seven-digit number is shown whole" line_has "#1234567" "Layout wide"
first=$(heading)
for i in 1 2 3 4 5 6 7 8 9 10; do
    before=$(screen)
    keys Space
    wait_until -t 5 changed || fail "page $i did not turn"
    same_heading || break
done
# the page that held it is dropped by now: the columns stay
check "paging keeps the columns where they were ('$first' / '$(heading)')" same_heading
before=$(screen)
keys G
check "the last page" wait_until -t 5 changed
check "... and so does the last page, read alone ('$first' / '$(heading)')" same_heading
keys q
tui_stop

# the Deals pipeline: a stage column gives its room to the deal's name first
acc=$(q "select id from accounts order by id limit 1")
as sam -c "insert into opportunities (account_id, name, stage, amount, currency, owner)
    values ($acc, 'Layoutprobe Widename Deal', 'prospecting', 900000, 'EUR', 'sam')" >/dev/null ||
    fail "a deal"
tui_start 80 24 "$CCRM" -d "$DB user=sam" --view deals
check "the Deals pipeline opens at 80 columns" wait_for "prospecting" 15
check "at 80 columns the name has the column the shares left over" \
    line_has "Layoutprobe Wi" "900,000.00 EUR"
tmux -L "$TMUX_SOCK" resize-window -t =t: -x 100 -y 24
check "at 100 columns the name gets the room before the account's name grows" \
    line_has "Layoutprobe Widenam" "900,000.00 EUR"
keys q
tui_stop

done_testing
