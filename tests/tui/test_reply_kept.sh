#!/usr/bin/env bash
# An answer by e-mail not sent survives the client with its form (docs/mail.md, "In the
# full-screen client"): To, Cc and Subject set at the question (t, c, s) and the files attached
# (:attach) are kept on disk with the text ($XDG_STATE_HOME/ccrm/reply-ENTITY-ID.txt, "ccrm
# reply 2") as each is set, so that SIGHUP or SIGTERM at the question loses none of them;
# standard error says where the answer is kept (docs/ccrm.1, EXIT STATUS), and r after the
# next start opens it with its To, Cc, Subject and files, which y sends. A file kept by an
# older ccrm ("ccrm reply 1", the text only) still opens; a kept file that is gone is said.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reply_kept.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 50
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
H=$T/home
mkdir -p "$H"
printf 'plan\n' >"$H/plan.txt"
printf 'a;b\n1;2\n' >"$T/werte.csv"
KEPT=$XDG_STATE_HOME/ccrm/reply-tickets-$TK.txt
# the editor leaves the answer as the client gave it (after the first one: the kept text)
printf '#!/bin/bash\nprintf "Kept with its form 4711.\\n" >"$1"\n' >"$T/editor1"
printf '#!/bin/bash\ncp "$1" "%s/editor-saw"\n' "$T" >"$T/editor-keep"
chmod 755 "$T/editor1" "$T/editor-keep"
# start EDITOR: the client as sofia, its standard error in $T/err
start() {
    tui_start 220 40 env EDITOR="$1" VISUAL= HOME="$H" \
        sh -c 'exec "$@" 2>"$0"' "$T/err" "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
}
client_pid() { pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1; }

start "$T/editor1"
open_ticket
keys r
check "written, the question is asked" wait_for "$ASK"
keys t
keys C-u
keys -l "Kunde Billing <billing@kunde.example>"
keys Enter
check "To changed" wait_for "To: Kunde Billing <billing@kunde.example> · Subject:"
keys c
keys -l "clara.weber@kunde.example"
keys Enter
check "Cc set" wait_for "· Cc: clara.weber@kunde.example · Subject:"
keys s
keys C-u
keys -l "Your refund for booking 4711"
keys Enter
check "Subject changed" wait_for "· Subject: Your refund for booking 4711 [#$TK]"
keys -l ":attach ~/plan.txt"
keys Enter
check "a file attached with ~/" wait_for "attached: 1 plan.txt (5 bytes)"
keys -l ":attach $T/werte.csv"
keys Enter
check "a second one by its full path" wait_for "attached: 1 plan.txt (5 bytes), 2 werte.csv (8 bytes)"
check "...the question again" wait_for "$ASK"
check "the kept file has the form's fields and files as they are set" bash -c "
    head -1 '$KEPT' | grep -qx 'ccrm reply 2' &&
    grep -qx 'to Kunde Billing <billing@kunde.example>' '$KEPT' &&
    grep -qx 'cc clara.weber@kunde.example' '$KEPT' &&
    grep -qx 'subject Your refund for booking 4711' '$KEPT' &&
    grep -qx 'attach ~/plan.txt' '$KEPT' && grep -qx 'attach $T/werte.csv' '$KEPT' &&
    grep -qx 'Kept with its form 4711.' '$KEPT'"
kill -HUP "$(client_pid)"
check "SIGHUP ends the client (129)" test "$(pane_status)" = 129
check "standard error says where the answer is kept ($(cat "$T/err"))" grep -qxF \
    "ccrm: stopped by SIGHUP: the answer to ticket #$TK, not sent, was kept in $KEPT; r on the ticket opens it again" "$T/err"
tui_stop

start "$T/editor-keep"
open_ticket
keys r
check "after the next start, r opens the answer kept" wait_until -t 10 grep -qs "Kept with its form 4711." "$T/editor-saw"
check "...with its files" wait_for "attached: 1 plan.txt (5 bytes), 2 werte.csv (8 bytes) (:detach N)"
check "...its To, Cc and Subject" wait_for \
    "To: Kunde Billing <billing@kunde.example> · Cc: clara.weber@kunde.example · Subject: Your refund for booking 4711 [#$TK]"
check "...and asks" wait_for "$ASK"
keys y
check "y sends it: the outbox row" \
    wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 1
MID=$(q "select id from messages where ticket_id = $TK and direction = 'out'")
check "the outbox row has the kept To, Cc and Subject" \
    test "$(q "select to_addr || '|' || cc_addr || '|' || subject from messages where id = $MID")" = \
    "Kunde Billing <billing@kunde.example>|clara.weber@kunde.example|Your refund for booking 4711 [#$TK]"
check "...and the kept files" \
    test "$(q "select string_agg(name || ' ' || size, ',' order by id) from attachments where msg_id = $MID")" = "plan.txt 5,werte.csv 8"
check "sent, it is kept no more" wait_until -t 10 test ! -e "$KEPT"
keys q
keys q
tui_stop

# a file an older ccrm kept: the text only
rm -f "$T/editor-saw"
start "$T/editor1"
open_ticket
keys r
check "asked again" wait_for "$ASK"
keys n
check "n keeps it" wait_for "the answer is not sent but kept"
DBID=$(sed -n 's/^database //p' "$KEPT")
keys q
keys q
tui_stop
printf 'ccrm reply 1\nlogin sofia\ndatabase %s\n\nKept by an older ccrm 1.\n' "$DBID" >"$KEPT"
start "$T/editor-keep"
open_ticket
keys r
check "a version 1 file opens: its text" wait_until -t 10 grep -qs "Kept by an older ccrm 1." "$T/editor-saw"
check "...to the customer, as then" wait_for "To: \"Clara Weber\" <clara.weber@kunde.example> · Subject: Re: Charged twice"
check "...and asks" wait_for "$ASK"
check "kept again, now in version 2" bash -c "head -1 '$KEPT' | grep -qx 'ccrm reply 2'"
keys n
keys q
keys q
tui_stop

# a kept file that is gone by the next start: said, the rest of the answer is there
printf 'ccrm reply 2\nlogin sofia\ndatabase %s\nsubject Gone file\nattach %s/gone.pdf\nattach ~/plan.txt\n\nWith a file gone.\n' \
    "$DBID" "$T" >"$KEPT"
rm -f "$T/editor-saw"
start "$T/editor-keep"
open_ticket
keys r
check "the text" wait_until -t 10 grep -qs "With a file gone." "$T/editor-saw"
check "a kept file that is gone is said" \
    wait_for "could not attach \"$T/gone.pdf\": No such file or directory · attached: 1 plan.txt (5 bytes)"
check "...with the kept Subject" wait_for "Subject: Gone file [#$TK]"
keys n
check "n keeps it" wait_for "the answer is not sent but kept"
kill -TERM "$(client_pid)"
check "SIGTERM ends the client (143)" test "$(pane_status)" = 143
check "standard error says where the answer is kept" grep -qxF \
    "ccrm: stopped by SIGTERM: the answer to ticket #$TK, not sent, was kept in $KEPT; r on the ticket opens it again" "$T/err"
check "...the file gone is no longer in it" bash -c "! grep -q gone.pdf '$KEPT' && grep -qx 'attach ~/plan.txt' '$KEPT'"
tui_stop

# another login of the same system account answers the same ticket and keeps it: beside
# sofia's, not over it (kenji's answer took the file, and sofia's was gone)
printf '#!/bin/bash\nprintf "Kenji kept this.\\n" >"$1"\n' >"$T/editor-kenji"
chmod 755 "$T/editor-kenji"
tui_start 220 40 env EDITOR="$T/editor-kenji" VISUAL= HOME="$H" \
    sh -c 'exec "$@" 2>"$0"' "$T/err" "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=kenji"
open_ticket
keys r
check "kenji's answer is written" wait_for "$ASK"
keys n
check "...and kept" wait_for "the answer is not sent but kept"
keys q
keys q
tui_stop
check "sofia's kept answer is still hers" grep -qx "login sofia" "$KEPT"
check "...and kenji's is kept beside it" \
    bash -c "grep -lx 'login kenji' $XDG_STATE_HOME/ccrm/reply-tickets-$TK-*.txt | xargs grep -q 'Kenji kept this.'"
rm -f "$T/editor-saw"
start "$T/editor-keep"
open_ticket
keys r
check "sofia's r opens her own answer" wait_until -t 10 grep -qs "With a file gone." "$T/editor-saw"
keys n
keys q
keys q
tui_stop
done_testing
