#!/usr/bin/env bash
# r never waits for sendmail (docs/mail.md, "Answering"): the answer is committed to the outbox
# and a child process hands it to sendmail while the client goes on answering keys. A sendmail
# that takes 20 s: the status line says "sending mail N…", the help opens within 2 s, the
# outbox row is 'sending' and the conversation says so, then "mail N sent" and the
# conversation updates by itself. A slow sendmail that fails: the failure is shown, the mail
# stays queued with its error, the client tries it again and it is sent once. Quitting while a
# mail is being sent: ccrm ends at once, says so, and the mail is sent all the same.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_send_async.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 200
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"

# a slow sendmail: it waits as many seconds as $T/delay says, then does what the one of
# mail_client.sh does (keeps the mail, or fails while $T/fail exists)
echo 20 >"$T/delay"
cat >"$T/slow-sendmail" <<EOF
#!/bin/bash
echo "\$\$" >>"$T/slow.started"
sleep "\$(cat "$T/delay")"
exec "$T/sendmail" "\$@"
EOF
chmod 755 "$T/slow-sendmail"
printf '[mail]\nsendmail = %s -t -oi\n' "$T/slow-sendmail" >"$T/ccrm.ini"

# ms_since T0: milliseconds since T0 (date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
spooled() { ls "$T"/spool/*.eml 2>/dev/null | wc -l; }

tui_start 140 60 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=10000 \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
check "the ticket is on top" line_has "#$TK " "Charged twice"
keys Enter
check "the ticket's view opens" wait_for "Conversation (1 mail)"

# ---------------------------------------------------------------- a sendmail that takes 20 s
keys r
check "after the editor the client asks before sending" wait_for "$ASK"
keys y
check "the answer is committed to the outbox" \
    wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 1
MID=$(q "select id from messages where ticket_id = $TK and direction = 'out'")
check "the status line says it is being sent" wait_for "sending mail $MID…" 10
check "sendmail has started" wait_until -t 5 test -s "$T/slow.started"
t0=$(date +%s%N)
keys '?'
check "while sendmail runs, a key is answered: ? opens the help" wait_for "this help (j k PgDn PgUp scroll it; other keys close it)" 2
ms=$(ms_since "$t0")
echo "# help shown ${ms} ms after the key, sendmail still running"
check "within 2 s (${ms} ms)" test "$ms" -lt 2000
check "sendmail is still running then: the outbox row is 'sending'" \
    sql_is "select status from messages where id = $MID" sending
keys Escape
check "the help closes" wait_gone "this help (j k PgDn PgUp scroll it; other keys close it)" 2
check "the conversation shows the answer not sent yet" wait_for "[in the outbox, not sent yet]" 10
check "nothing is in the spool yet" test "$(spooled)" = 0
check "then the client says it was sent" wait_for "mail $MID sent" 40
check "and the conversation updates by itself: the answer is sent" \
    wait_gone "[in the outbox, not sent yet]" 10
check "sendmail got one mail" test "$(spooled)" = 1
check "the outbox row is sent, in sofia's name" \
    test "$(q "select status || ' ' || created_by || ' ' || attempts from messages where id = $MID")" = "sent sofia 1"

# ---------------------------------------------------------------- a slow sendmail that fails
echo 3 >"$T/delay"
touch "$T/fail"
keys r
check "asked again" wait_for "$ASK"
keys y
check "the second answer is committed to the outbox" \
    wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 2
M2=$(q "select max(id) from messages where ticket_id = $TK and direction = 'out'")
# (shown while sendmail's 3 s run, then the failure replaces it)
check "it is being sent" wait_for "sending mail $M2…" 5
keys '?'
check "the client answers keys meanwhile" wait_for "this help (j k PgDn PgUp scroll it; other keys close it)" 2
keys Escape
check "the failure is shown, and that it will be tried again" \
    wait_for "could not send mail $M2 yet (it stays in the outbox and is tried again): $T/slow-sendmail exited with status 75" 15
check "the mail is in the outbox (queued), with the error and its next attempt" \
    test "$(q "select status || ' ' || attempts || ' ' || (last_error like '%connection refused%') || ' ' || (next_attempt_at > now()) from messages where id = $M2")" = "queued 1 true true"
check "the conversation says why it is not sent yet" wait_for "could not send it yet, it is tried again"
rm -f "$T/fail"
echo 1 >"$T/delay"
check "the client tries again and sends it" wait_for "mail $M2 sent (on a later attempt)" 30
check "sent once: two mails in the spool" test "$(spooled)" = 2
check "no Message-ID went twice" test "$(sort "$T/sent.log" | uniq -d | wc -l)" = 0
check "the outbox row is sent after two attempts" \
    test "$(q "select status || ' ' || attempts from messages where id = $M2")" = "sent 2"
check "the conversation shows both answers sent" wait_gone "[in the outbox, not sent yet]" 10

# ---------------------------------------------------------------- quitting while one is sent
echo 8 >"$T/delay"
keys r
check "a third answer" wait_for "$ASK"
keys y
check "the third answer is committed" \
    wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 3
M3=$(q "select max(id) from messages where ticket_id = $TK and direction = 'out'")
check "it is being sent" wait_for "sending mail $M3…" 10
t0=$(date +%s%N)
keys q
keys q
check "ccrm ends at once, without waiting for sendmail" wait_exit
ms=$(ms_since "$t0")
echo "# ccrm ended ${ms} ms after q, while sendmail was running"
check "the exit status is 0" test "$(cat "$TEST_TMP/tui.exit")" = 0
# what ccrm said on leaving (standard error, after the full screen; joined where it wrapped)
said() { tmx capture-pane -t =t: -p -J -S -200 | tr -d '\n' | grep -qF -- "$1"; }
check "it says the mail goes on, and that the outbox keeps it" \
    wait_until said "ccrm: mail $M3 was still being handed to sendmail: that goes on after ccrm, and the outbox keeps it until it is sent"
check "not sent yet when ccrm ended" test "$(spooled)" = 2
check "the mail is sent after ccrm ended" wait_until -t 30 sql_is "select status from messages where id = $M3" sent
check "three mails in the spool, none twice" test "$(spooled)" = 3 -a "$(sort "$T/sent.log" | uniq -d | wc -l)" = 0
done_testing
