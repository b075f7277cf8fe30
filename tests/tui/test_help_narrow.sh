#!/usr/bin/env bash
# Narrow terminals (src/ui/screen.c): the help at 40x30 scrolls to the end of the `:` command
# list (it stopped after 16 wrapped rows) page by page, the pages not overlapping, its footer
# fits, its key column is aligned by width (a key named with arrows is wider in bytes); a
# message wider than the screen is wrapped over up to 4 lines with the status bar above them,
# and read to its end, while a short one and a toast stay on the bottom line; a terminal too
# small shows its size first.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_help_narrow.sh path/to/ccrm}
ROWS=30 # the screen's height, for bottom and wait_bottom

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
tui_start 40 30 "$CCRM" -d "$DB user=sam" --view feed
check "the Feed at 40x30" wait_for "Feed by newest" 15

# ---- the help ----
keys '?'
check "? opens the help" wait_for "Keys: Feed" 5
footer_fits() { screen | grep -qE '^ +1-[0-9]+/[0-9]+  j k PgDn PgUp, q closes *$'; }
check "its footer fits 40 columns: lines shown, how to scroll, how to close" \
    wait_until -t 5 footer_fits
# the key column: "j, k, ↑ ↓" (13 bytes, 9 columns) pads to the same column as "PgDn, PgUp"
col_of() { # TEXT-BEFORE: the column its line's text starts at (characters, not bytes)
    local l
    l=$(screen | grep -F -- "$1" | head -1)
    l=${l%%"$2"*}
    echo "${#l}"
}
arrows=$(col_of "j, k, ↑ ↓" move)
pages=$(col_of "PgDn, PgUp" "page down")
check "the key column is aligned by width ('move' at $arrows, 'page down' at $pages)" \
    test "$arrows" -gt 0 -a "$arrows" = "$pages"
# page by page to the end: Ctrl-Z (handled by the screen, before any view) on one of them
shown() { screen | grep -oE '[0-9]+-[0-9]+/[0-9]+' | head -1; }
moved() { [ "$(shown)" != "$was" ]; }
said_ctrl_z=0 said_quit=0 said_tab=0 seen=$(shown) overlap=""
for i in 1 2 3 4 5 6 7 8; do
    screen | grep -F "Ctrl-Z" | grep -qF "suspend ccrm" && said_ctrl_z=1
    screen | grep -qF "help quit" && said_quit=1
    screen | grep -qF "command and its" && said_tab=1
    was=$(shown)
    keys NPage
    wait_until -t 2 moved || break
    # the next page starts after the last line shown ("1-26/60", "27-52/60", "53-60/60")
    end=${was#*-}
    [ "$(shown | cut -d- -f1)" = $((${end%/*} + 1)) ] || overlap="$overlap $was→$(shown)"
    seen="$seen $(shown)"
done
screen | grep -qF "help quit" && said_quit=1
screen | grep -qF "command and its" && said_tab=1
check "the help says Ctrl-Z suspends" test $said_ctrl_z = 1
check "PgDn pages do not overlap ($seen)" test -z "$overlap"
check "PgDn reaches the end of the command list: ... help quit" test $said_quit = 1
check "... and the line after it" test $said_tab = 1
total=$(screen | grep -oE '[0-9]+-[0-9]+/[0-9]+' | head -1)
check "... its last lines shown ($total)" eval '[[ $total =~ ^[0-9]+-([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]'
keys q
check "q closes the help" wait_gone "Keys: Feed" 5

# ---- messages ----
status_on() { screen | sed -n "$1p" | grep -q " online "; }
prompt "xyzzy"
check "a short message stays on the bottom line" wait_bottom '^unknown command "xyzzy": try :help *$'
check "... under the status bar, where it is" status_on 29
prompt "view nosuch"
check "a long message is read to its end" wait_for "quotes, invoices or products" 5
check "... on the bottom line" bottom_like "invoices or products"
check "... its beginning above, wrapped at a blank" line_has 'unknown view "nosuch": expected' "feed,"
first=$(screen | grep -n 'unknown view "nosuch"' | cut -d: -f1)
check "... the status bar right above it (line $((first - 1)))" status_on $((first - 1))
check "... not on line 29, covered" eval "! status_on 29"
check "its time runs out: the message goes" wait_gone "invoices or products" 12
check "... and the status bar is back on line 29" wait_until -t 5 status_on 29
# a toast (someone else's change) stays on one line, however long: the Feed has it whole
as zoe -c "insert into tickets (subject) values ('A rather long subject for a toast that does not fit forty columns')" >/dev/null
check "a long toast shows on the bottom line" wait_until -t 10 bottom_like "^zoe .*…"
check "... the status bar stays on line 29" status_on 29

# ---- too small: the size first ----
tmx resize-window -t =t: -x 20 -y 6
check "20x6: the size shows first" wait_for "20x6: too small" 5
check "... and what is needed" wait_for "needs 24x6" 5
tmx resize-window -t =t: -x 40 -y 30
check "40x30 again" wait_for "Feed by newest" 5
keys q
wait_exit || fail "q quits"
check "exit status 0" test "$(pane_status)" = 0
done_testing
