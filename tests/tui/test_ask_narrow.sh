#!/usr/bin/env bash
# The reply form's question on a narrow screen (docs/mail.md, "In the full-screen client"): it
# stays in sight at every width down to the documented minimum of 24x6, shortened where the
# whole one (47 columns) does not fit: "send? y/n t To c Cc s Subject :" then "send? y/n t c s
# :". The form is chosen again when the screen is resized while it is asked (so a resize that
# reaches the client after the key still shows the form for the new width). A question longer
# than the screen is cut with "…" but never dropped, also with text typed after it (t: To's
# label stays before the address's end). Its keys still work there.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_ask_narrow.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 50
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"

tui_start 100 30 env EDITOR="$T/editor" VISUAL= "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
keys /
keys -l "Charged twice"
keys Enter
check "the ticket is found" wait_for "#$TK "
keys Enter
check "the ticket's view opens" wait_for "ticket #$TK"

# last: the screen's bottom line, as it is drawn (trailing blanks dropped)
last() { screen | tail -1 | sed 's/ *$//'; }
last_is() { wait_until bash -c "$(declare -f screen tmx last); TMUX_SOCK=$TMUX_SOCK; [ \"\$(last)\" = \"\$1\" ]" _ "$1" ||
    { echo "--- bottom line: '$(last)', expected '$1'" >&2; return 1; }; }
last_like() { wait_until bash -c "$(declare -f screen tmx last); TMUX_SOCK=$TMUX_SOCK; last | grep -qE -- \"\$1\"" _ "$1" ||
    { echo "--- bottom line: '$(last)', expected /$1/" >&2; return 1; }; }
out="select count(*) from messages where ticket_id = $TK and direction = 'out'"

for size in 48x12 47x12 40x10 33x8 32x8 24x6; do
    w=${size%x*}
    h=${size#*x}
    tmx resize-window -t =t: -x "$w" -y "$h"
    keys r
    if [ "$w" -ge 48 ]; then want=$ASK
    elif [ "$w" -ge 33 ]; then want="send? y/n t To c Cc s Subject :"
    else want="send? y/n t c s :"; fi
    check "${size}: the question is the bottom line: '$want'" last_is "$want"
    keys n
    check "${size}: n keeps the answer" wait_for "kept" 5
    check "${size}: nothing is queued" sql_is "$out" 0
done

# 24x6: t shows To's label, cut, then the address's end at the cursor
keys r
check "24x6: asked" last_is "send? y/n t c s :"
keys t
check "24x6: To: stays before the address's end" last_is "To: …ber@kunde.example>"
keys Escape
check "24x6: Esc, the question again" last_is "send? y/n t c s :"
keys -l ":attach $T/"
check "24x6: a path typed after : stays in sight" last_like "^:…"
keys Escape
check "...the question again" last_is "send? y/n t c s :"
keys n

# asked at 80 columns, then the screen narrows and widens: the form for each width
tmx resize-window -t =t: -x 80 -y 24
keys r
check "80x24: the whole question" last_is "$ASK"
tmx resize-window -t =t: -x 30 -y 8
check "narrowed to 30 while asked: the short form" last_is "send? y/n t c s :"
tmx resize-window -t =t: -x 40 -y 8
check "widened to 40 while asked: the middle form" last_is "send? y/n t To c Cc s Subject :"
keys t
check "40x8: t asks for To" last_like "^To:"
keys Escape
check "...Esc: the question again, the form for 40" last_is "send? y/n t To c Cc s Subject :"
tmx resize-window -t =t: -x 80 -y 24
check "widened to 80 again: the whole question" last_is "$ASK"
keys y
check "...and y still sends" wait_sql "$out" 1
done_testing
