#!/usr/bin/env bash
# Zero-width characters typed (U+200B ZWSP, U+200D ZWJ inside an emoji such as 👩‍💻) are drawn
# as '?', one column: the cursor of a form's field and of the `:` line must count them so. It
# counted none (wcwidth): the cursor sat one column to the left, over the last character typed.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_zero_width.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
ZWJ=$'\u200d'
ZWSP=$'\u200b'
ROWS=24
# the cell drawn in reverse video on the Subject line (the form's cursor), escapes removed
cursor_cell() {
    tmx capture-pane -t =t: -p -e | grep -F Subject | sed 's/\x1b\[[34]9m//g' |
        grep -o $'\e\[[0-9;]*7m[^\e]*' | sed 's/\x1b\[[0-9;]*m//g' | head -n 1
}
cursor_x() { tmx display -p -t =t: '#{cursor_x}'; }
cursor_at() { [ "$(cursor_x)" = "$1" ]; }
# the column (from 0) where TEXT starts on the first line holding it
column_of() { screen | grep -F -- "$1" | head -n 1 | awk -v t="$1" '{ print index($0, t) - 1 }'; }

tui_start 100 $ROWS "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "the Tickets list opens" wait_for "Tickets by" 10
keys n
check "a new ticket form" wait_for "New ticket" 5
keys -l "a${ZWJ}bcd"
check "a zero-width joiner typed shows as ?, and every letter after it" line_has Subject "a?bcd"
keys Home Right Right
check "the cursor on the letter after it is on that letter" \
    wait_until bash -c "$(declare -f cursor_cell tmx); TMUX_SOCK=$TMUX_SOCK; [ \"\$(cursor_cell)\" = b ]"
check "... and the ? is still shown" line_has Subject "a?bcd"
keys Left
check "the cursor on the joiner shows it as ?" \
    wait_until bash -c "$(declare -f cursor_cell tmx); TMUX_SOCK=$TMUX_SOCK; [ \"\$(cursor_cell)\" = '?' ]"
check "... over its own column" line_has Subject "a?bcd"
keys End
keys -l " 👩${ZWJ}💻 e"
check "an emoji with a joiner: shown with its ?, the letter after it too" line_has Subject "a?bcd 👩?💻 e"
keys Escape
wait_for "discard your changes? y/n" 5 >/dev/null
keys y
check "the form is closed" wait_for "changes discarded" 5

# the `:` line: the cursor after the text typed, wide and zero-width characters before it
keys :
keys -l "search 漢字 a${ZWSP}b x"
check "the : line shows the zero-width space as ?" wait_for ":search 漢字 a?b x" 5
# ":search " 8 columns, 漢字 4, " a?b x" 6: the cursor in column 18
check "the cursor is after the last character typed" wait_until cursor_at 18
keys Left
check "... and on it after Left" wait_until cursor_at 17
keys Escape
tui_stop
done_testing
