#!/usr/bin/env bash
# Zero-width characters typed (U+200B ZWSP, U+200D ZWJ inside an emoji such as 👩‍💻) are drawn
# as '?', one column: the cursor of a form's field and of the `:` line must count them so. It
# counted none (wcwidth): the cursor sat one column to the left, over the last character typed.
# In text to read (a ticket's subject and text, a mail of its conversation) they are drawn as
# nothing, as wcwidth counts them: they showed as '?' there, and a mail's line wrapped to the
# screen came out a column longer for each and was cut with "…".
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

# text to read: a customer's mail with zero-width spaces, joiners and a BOM (U+FEFF)
BOM=$'\ufeff'
words=
for i in $(seq 30); do words+="ab${ZWSP}cd "; done
{ printf 'From: Clara Weber <clara.weber@kunde.example>\nTo: support@ccrm.example\n'
  printf 'Subject: Zero%swidth subject\nMessage-ID: <zw.1@kunde.example>\n' "$ZWSP"
  printf 'Date: Wed, 2 Dec 2026 12:00:00 +0000\nMIME-Version: 1.0\n'
  printf 'Content-Type: text/plain; charset=utf-8\n\n'
  printf '%sa%sb%sc|end\nxyz|end\n%s\n' "$BOM" "$ZWSP" "$ZWJ" "$words"; } >"$TEST_TMP/zw.eml"
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$TEST_TMP/zw.eml" || fail "ccrm --mail-in"
TZW=$(q "select ticket_id from messages where message_id = 'zw.1@kunde.example'")
[ -n "$TZW" ] || fail "the mail made a ticket"
tui_start 100 40 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
check "the Tickets list opens" wait_for "Tickets by" 10
prompt "open ticket $TZW"
check "the ticket's subject, the zero-width space drawn as nothing" wait_for "#$TZW Zerowidth subject"
check "the conversation" wait_for "Conversation (1 mail)"
check "the mail's subject too" wait_for "← Zerowidth subject"
check "the mail's text without ? for them" wait_for "      abc|end"
check "... its next line lined up with it" \
    bash -c "$(declare -f column_of screen tmx); TMUX_SOCK=$TMUX_SOCK
             test \"\$(column_of 'abc|end')\" = \"\$(column_of 'xyz|end')\""
# 30 words of 4 columns each, wrapped to the screen (the mail's lines, indented by 6; the
# ticket's text above has them too): every word shown, no line cut with "…"
check "a long line of the mail wraps whole: all 30 words shown" \
    wait_until bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK
             test \"\$(screen | grep '^      abcd' | grep -o 'abcd' | wc -l)\" = 30"
check "... none cut with …" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK
    ! screen | grep 'abcd' | grep -q '…'"
check "nothing on the screen shows a ? for them" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK
    ! screen | grep -E 'Zero|abc|abcd' | grep -qF '?'"
keys q
tui_stop
done_testing
