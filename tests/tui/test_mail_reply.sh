#!/usr/bin/env bash
# r answers by e-mail from the full-screen client (docs/mail.md, "In the full-screen client"): a
# fake $EDITOR writes the answer on top of the quote the client prepared, the client asks, and
# the outbox sends it through a sendmail that keeps what it gets: the queue's From, the [#N]
# tag, In-Reply-To and References, the stored Message-ID; the answer is in the conversation and
# on the timeline, and the Tickets list's mark goes. A sendmail that fails is shown, the mail
# stays queued, the client tries again and it is sent exactly once. The question takes single
# keys, as mutt's compose menu does: y alone sends, n or Esc keeps the answer unsent, another
# key does nothing but say so; at 80x24 it is one line under one line saying where the answer
# goes, and the view's keys stay in sight.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_reply.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 200
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"

tui_start 140 40 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=1000 \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
check "the ticket is on top" line_has "#$TK " "Charged twice"
keys Enter
check "the ticket's view opens" wait_for "ticket #$TK"
check "its timeline is read" wait_for "Timeline ("

# ---------------------------------------------------------------- (b) r answers
keys r
check "after the editor the client asks before sending" wait_for "$ASK"
check "and says to whom, with which subject" \
    wait_for "To: \"Clara Weber\" <clara.weber@kunde.example> · Subject: Re: Charged twice for one booking [#$TK]"
# someone else's change meanwhile does not cover where the answer goes (it did: the toast)
as kenji -c "update tickets set priority = 'low' where id = (select min(id) from tickets where id <> $TK)" >/dev/null
check "someone else's change reaches the client (the Feed tab counts it)" wait_for "Feed (" 10
check "...and does not cover where the answer goes" line_has "To: \"Clara Weber\"" "Subject: Re:"
check "the editor got the customer's mail quoted" grep -q '^> my card was charged twice for booking 4711.$' "$T/editor-saw"
# "yes" typed out of habit, in one go: the y sends, the "es" after it is dropped (e would open
# the ticket's form and s type into its subject)
keys yes
check "y alone sends, without Enter: the question goes" wait_gone "$ASK" 5
check "the answer is committed to the outbox" wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 1
MID=$(q "select id from messages where ticket_id = $TK and direction = 'out'")
check "the client says it was sent" wait_for "mail $MID sent"
check "... and the \"es\" typed after the y opened no form" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Edit ticket')"
F=$(ls "$T"/spool/*.eml 2>/dev/null | head -1)
check "sendmail got one mail" test "$(ls "$T"/spool/*.eml | wc -l)" = 1
header() { tr -d '\r' <"$2" | sed -e ':a' -e 'N;$!ba' -e 's/\n[ \t]\+/ /g' | grep -m1 -i "^$1:" | sed "s/^[^:]*: *//"; }
check "From: the support queue's name and address" test "$(header From "$F")" = "ccrm Support <support@ccrm.example>"
check "Subject: Re: and the ticket's [#$TK] tag" test "$(header Subject "$F")" = "Re: Charged twice for one booking [#$TK]"
check "In-Reply-To: the customer's mail" test "$(header In-Reply-To "$F")" = "<c1.clara@kunde.example>"
check "References: the customer's mail" grep -q "<c1.clara@kunde.example>" <<<"$(header References "$F")"
check "To: the customer" grep -q "clara.weber@kunde.example" <<<"$(header To "$F")"
check "the text is what the editor wrote" grep -q "the second charge is refunded." "$F"
check "the Message-ID is the one stored" test "$(header Message-ID "$F")" = "<$(q "select message_id from messages where id = $MID")>"
check "the outbox row: sent, in sofia's name" \
    test "$(q "select status || ' ' || created_by from messages where id = $MID")" = "sent sofia"
check "the answer is in the conversation" wait_for "→ Re: Charged twice for one booking [#$TK]"
# the timeline comes after the message and the conversation: move down to it
for i in $(seq 1 60); do
    screen | grep -F "sofia (support)" | grep -qF "email out: Re: Charged twice" && break
    keys j
    sleep 0.05
done
check "and on the timeline, an outgoing e-mail by sofia" line_has "sofia (support)" "email out: Re: Charged twice"
keys q
check "back on the list, the mark is gone: answered" bash -c "$(declare -f screen tmx line_has); TMUX_SOCK=$TMUX_SOCK
    for i in \$(seq 100); do screen | grep -F '#$TK ' | grep -vq '✉' && exit 0; sleep 0.05; done; exit 1"

# a sendmail that fails: shown, kept in the outbox, tried again by the client, sent once
touch "$T/fail"
keys Enter
check "the ticket's view again" wait_for "Conversation (2 mails)"
keys r
check "asked again" wait_for "$ASK"
keys y
check "the second answer is committed to the outbox" wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 2
M2=$(q "select max(id) from messages where ticket_id = $TK and direction = 'out'")
check "the failure is shown, and that it will be tried again" \
    wait_for "could not send mail $M2 yet (it stays in the outbox and is tried again): $T/sendmail exited"
check "the mail is in the outbox (queued), with the error" \
    test "$(q "select status || ' ' || (attempts >= 1) || ' ' || (last_error like '%connection refused%') from messages where id = $M2")" = "queued true true"
keys G # the newest mail is at the end of the conversation, below the screen's fold
check "the conversation says it is not sent yet" wait_for "[in the outbox, not sent yet]"
rm -f "$T/fail"
check "the client tries again and sends it" wait_for "mail $M2 sent (on a later attempt)" 20
check "sent once: two mails in the spool" test "$(ls "$T"/spool/*.eml | wc -l)" = 2
check "no Message-ID went twice" test "$(sort "$T/sent.log" | uniq -d | wc -l)" = 0
check "the outbox row is sent" test "$(q "select status from messages where id = $M2")" = "sent"
keys q
keys q
tui_stop

# an answer written but not yet sent survives the client: SIGHUP (an ssh drop) at the question,
# and r on the ticket after the next start opens it again (it lived in memory only)
printf '#!/bin/bash\nprintf "Kept across the hangup 4711.\\n" >"$1"\n' >"$T/editor2"
chmod 755 "$T/editor2"
tui_start 140 40 env EDITOR="$T/editor2" VISUAL= "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
open_ticket
keys r
check "written, the question is asked" wait_for "$ASK"
kill -HUP "$(pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1)"
check "SIGHUP ends the client" wait_until -t 10 test -s "$TEST_TMP/tui.exit"
tui_stop
rm -f "$T/editor-saw"
tui_start 140 40 env EDITOR="$T/editor" VISUAL= "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
open_ticket
keys r
check "after the next start, r opens the answer not sent" wait_until -t 10 grep -q "Kept across the hangup 4711." "$T/editor-saw"
check "...and asks" wait_for "$ASK"
keys y
check "sent, it is kept no more" wait_until -t 10 bash -c "! ls '$XDG_STATE_HOME'/ccrm/reply-* 2>/dev/null | grep -q ."
check "...and it went once" wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out' and body_text like 'Dear Ms Weber,%Kept across the hangup 4711.%'" 1
keys q
keys q
tui_stop

# ---------------------------------------------------------------- the question at 80x24, its keys
out="select count(*) from messages where ticket_id = $TK and direction = 'out'"
N0=$(q "$out")
tui_start 80 24 env EDITOR="$T/editor" VISUAL= "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
open_ticket
keys r
check "80x24: asked" wait_for "$ASK"
row() { screen | sed -n "${1}p"; }
check "80x24: the question is the bottom line, whole: one line" test "$(row 24)" = "$ASK"
check "80x24: the line above it says where the answer goes, on one line (the subject cut)" \
    test "$(row 23)" = "To: \"Clara Weber\" <clara.weber@kunde.example> · Subject: Re: Charged twice for …"
check "80x24: the view's keys stay in sight above them" grep -q "Enter open · e edit" <<<"$(row 22)"
keys x
check "another key does nothing but say so" wait_for "\"x\" does nothing here: y sends, n keeps the answer unsent"
check "...and the question stays" test "$(row 24)" = "$ASK"
keys Enter
check "Enter neither sends nor cancels" wait_for "Enter does nothing here: y sends, n keeps the answer unsent"
check "...nothing is queued by either" sql_is "$out" "$N0"
keys Escape
check "Esc: not sent, the answer is kept" wait_for "the answer is not sent but kept: r on this ticket opens it again"
check "...the question is gone" wait_gone "$ASK"
check "...kept on disk" bash -c "ls '$XDG_STATE_HOME'/ccrm/reply-* >/dev/null 2>&1"
rm -f "$T/editor-saw"
keys r
check "r opens the answer kept by Esc" wait_until -t 10 grep -q "the second charge is refunded." "$T/editor-saw"
check "...and asks" wait_for "$ASK"
keys n
check "n: not sent, the answer is kept" wait_for "the answer is not sent but kept: r on this ticket opens it again"
check "...kept on disk" bash -c "ls '$XDG_STATE_HOME'/ccrm/reply-* >/dev/null 2>&1"
check "...nothing was queued" sql_is "$out" "$N0"
keys q
keys q
done_testing
