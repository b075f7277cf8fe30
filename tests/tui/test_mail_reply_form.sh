#!/usr/bin/env bash
# Mail in the client, beyond r (docs/mail.md, "In the full-screen client"): `:reply` answers as
# r does, and its form changes To, Cc and Subject (t, c, s), which the delivered mail and the
# outbox row carry (the ticket's tag is kept in a new subject); a received attachment is saved
# to a file with :save-attachment N PATH and with D on the mail (Tab completes the path, a
# directory takes the attachment's name), an existing file is replaced only after asking; the
# Tickets and Leads lists filter on unanswered mail (`:filter unanswered`), the ✉ mark's test.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_reply_form.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"
# bottom_is TEXT: the bottom line is TEXT, whole (wait_for would also find it in the form's line)
bottom_is() { wait_until bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | tail -1 | grep -qxF -- \"\$1\"" _ "$1"; }

pg_start_demo "$CCRM" 200
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
mkdir -p "$T/out/subdir"
chmod -R 777 "$T/out"
AID=$(q "select a.id from attachments a join messages m on m.id = a.msg_id
          where m.message_id = 'c1.clara@kunde.example'")
printf '%s' 'JVBERi0xLjQgc3RhdGVtZW50' | base64 -d >"$T/statement.expected"

# a lead with unanswered mail to sales@ (as in test_mail_live.sh)
read -r lead email <<<"$(psqlc -F ' ' -c "
    select l.id, l.email from leads l
     where l.email is not null and l.status in ('new', 'contacted', 'qualified')
       and l.first_name is not null and l.last_name is not null
       and not exists (select 1 from contacts c where lower(c.email) = lower(l.email))
       and not exists (select 1 from messages m where m.lead_id = l.id)
     order by l.id limit 1")"
[ -n "$lead" ] || fail "demo data has a prospect without mail"
lname=$(q "select first_name || ' ' || last_name from leads where id = $lead")
{ printf 'From: %s <%s>\nTo: sales@ccrm.example\nSubject: Volume pricing\n' "$lname" "$email"
  printf 'Message-ID: <p1.%s@prospect.example>\nDate: Wed, 2 Dec 2026 10:00:00 +0000\n\n' "$lead"
  printf 'what would 40 seats cost?\n'; } >"$T/p1.eml"
"$CCRM" -d "$PG_CONN" --mail-in --queue sales <"$T/p1.eml" || fail "ccrm --mail-in (sales)"
check "the mail is filed on the lead" test "$(q "select count(*) from messages where lead_id = $lead")" = 1

tui_start 140 40 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=300 \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
check "the ticket is on top" line_has "#$TK " "Charged twice"

# ---------------------------------------------------------------- the unanswered filter
# what the ✉ mark says, in SQL: the record's latest mail from a person (or ours) came in
unanswered_tickets="select t.id from tickets t where (select m.direction = 'in' from messages m
    where m.ticket_id = t.id and (m.direction = 'out' or m.status = 'received')
    order by m.received_at desc, m.id desc limit 1) order by t.updated_at desc, t.id desc"
ANSWERED=$(q "select id from tickets where id not in ($unanswered_tickets) order by updated_at desc, id desc limit 1")
check "a ticket without unanswered mail is on screen" wait_for "#$ANSWERED "
prompt "filter unanswered"
check "the filtered list shows the ticket with the mail" line_has "#$TK " "✉"
check "the ticket without unanswered mail is gone" wait_gone "#$ANSWERED "
rows=$(screen | grep -cE '^[^#]{0,3}#[0-9]+ ')
marked=$(screen | grep -E '^[^#]{0,3}#[0-9]+ ' | grep -c '✉')
expect=$(q "select count(*) from ($unanswered_tickets) x")
check "every row shown is marked ($marked of $rows; $expect in SQL)" test "$rows" = "$marked" -a "$rows" -ge 1
check "as many as SQL finds (up to a screen)" test "$rows" = "$([ "$expect" -lt 30 ] && echo "$expect" || echo "$rows")"
prompt "filter all"
check "the filter is gone: the answered ticket is back" wait_for "#$ANSWERED "
prompt "view leads"
check "the Leads view" wait_for "Leads by updated"
prompt "filter unanswered"
check "the Leads list filtered: the lead with the mail" line_has "$lname" "✉"
nl=$(q "select count(*) from leads l where (select m.direction = 'in' from messages m
    where m.lead_id = l.id and (m.direction = 'out' or m.status = 'received')
    order by m.received_at desc, m.id desc limit 1)")
# the header's ✉ column and one line per lead shown
check "every lead shown has unanswered mail: $nl marked rows, as SQL finds" \
    rows_like '✉' "$([ "$nl" -lt 25 ] && echo $((nl + 1)) || screen | grep -c '✉')"
prompt "view accounts"
check "the Accounts view" wait_for "Accounts by"
prompt "filter unanswered"
check "the Accounts list has no such filter" wait_for "\"unanswered\" is not a filter of Accounts"
prompt "view tickets"
check "back on the Tickets" wait_for "Tickets by updated"
prompt "filter all"

# ---------------------------------------------------------------- :reply with To, Cc, Subject
check "the ticket is on top again" line_has "#$TK " "Charged twice"
keys Enter
check "the ticket's view opens" wait_for "Conversation (1 mail)"
prompt "reply"
check ":reply runs the editor, then asks" wait_for "$ASK"
check "the form says where it goes, with the subject the database gives it" \
    wait_for "To: \"Clara Weber\" <clara.weber@kunde.example> · Subject: Re: Charged twice for one booking [#$TK]"
keys t
check "t alone, without Enter: To, as it is now, on the bottom line" bottom_is "To: \"Clara Weber\" <clara.weber@kunde.example>"
keys C-u
keys -l "Kunde Billing <billing@kunde.example>"
keys Enter
check "To changed" wait_for "To: Kunde Billing <billing@kunde.example> · Subject:"
check "...and asked again" bottom_is "$ASK"
# an address sendmail -t would deliver locally ("root"), or a name with a comma not in quotes
# (two recipients, one of them "Weber"): said at once, the line kept to mend
keys t
keys C-u
keys -l "root"
keys Enter
check "To root: refused, not an address" wait_for '"root" is not an e-mail address'
check "...the To line open again, with what was typed" bottom_is "To: root"
keys C-u
keys -l "Weber, Clara <clara.weber@kunde.example>"
keys Enter
check "a name with a comma, unquoted: refused, saying how" wait_for 'a name with a comma goes in quotes'
keys C-u
keys -l "Kunde Billing <billing@kunde.example>"
keys Enter
check "...mended: To set" wait_for "To: Kunde Billing <billing@kunde.example> · Subject:"
keys c
check "c: Cc, empty so far" wait_until bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -qx 'Cc:'"
keys -l "clara.weber@kunde.example"
keys Enter
check "Cc set" wait_for "· Cc: clara.weber@kunde.example · Subject:"
keys s
check "s: the subject, as it is now, on the bottom line" bottom_is "Subject: Re: Charged twice for one booking [#$TK]"
keys C-u
keys -l "Your refund for booking 4711"
keys Enter
check "the subject changed, the ticket's tag added" wait_for "· Subject: Your refund for booking 4711 [#$TK]"
check "nothing was written by the form" \
    test "$(q "select count(*) from messages where ticket_id = $TK and direction = 'out'")" = 0
keys x
check "a typo is not a no: it says so, the question again" wait_for "\"x\" does nothing here: y sends, n keeps the answer unsent · To: Kunde Billing"
check "...still asking" bottom_is "$ASK"
keys -l ":tclara@kunde.example"
keys Enter
check "a line after : that is no command: said, the question again" \
    wait_for "no :tclara@kunde.example here: :attach FILE, :detach N; y sends, n keeps it unsent"
check "...still asking" bottom_is "$ASK"
check "and nothing is queued by them" \
    test "$(q "select count(*) from messages where ticket_id = $TK and direction = 'out'")" = 0
keys -l ":t Kunde Billing <billing@kunde.example>"
keys Enter
check ":t ADDRESS sets To in one go" wait_for "To: Kunde Billing <billing@kunde.example> · Cc: clara.weber@kunde.example · Subject: Your refund"
keys y
check "the answer is committed to the outbox" \
    wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 1
MID=$(q "select id from messages where ticket_id = $TK and direction = 'out'")
check "the client says it was sent" wait_for "mail $MID sent" 20
check "the outbox row has the form's To, Cc and Subject" \
    test "$(q "select to_addr || '|' || cc_addr || '|' || subject from messages where id = $MID")" = \
    "Kunde Billing <billing@kunde.example>|clara.weber@kunde.example|Your refund for booking 4711 [#$TK]"
F=$(ls "$T"/spool/*.eml 2>/dev/null | head -1)
header() { tr -d '\r' <"$2" | sed -e ':a' -e 'N;$!ba' -e 's/\n[ \t]\+/ /g' | grep -m1 -i "^$1:" | sed "s/^[^:]*: *//"; }
check "the delivered mail: To" test "$(header To "$F")" = "Kunde Billing <billing@kunde.example>"
check "Cc" test "$(header Cc "$F")" = "clara.weber@kunde.example"
check "Subject" test "$(header Subject "$F")" = "Your refund for booking 4711 [#$TK]"
check "still threaded: In-Reply-To the customer's mail" test "$(header In-Reply-To "$F")" = "<c1.clara@kunde.example>"

# ---------------------------------------------------------------- saving an attachment
check "the conversation numbers the attachment" wait_for "Attachment $AID: statement.pdf (18 bytes)"
prompt "save-attachment $AID $T/out/statement.pdf"
check ":save-attachment saves it" wait_for "saved attachment $AID (statement.pdf, 18 bytes) as $T/out/statement.pdf"
check "byte for byte" cmp -s "$T/statement.expected" "$T/out/statement.pdf"
echo "mine" >"$T/out/statement.pdf"
prompt "save-attachment $AID $T/out/statement.pdf"
check "an existing file: asked first" wait_for "replace it with statement.pdf? (y/n)"
keys n
check "n alone leaves it" wait_for "not saved: $T/out/statement.pdf is left as it was"
check "the file is as it was" test "$(cat "$T/out/statement.pdf")" = mine
prompt "save-attachment $AID $T/out/statement.pdf"
check "asked again" wait_for "replace it with statement.pdf? (y/n)"
keys y
check "y alone replaces it" wait_for "saved attachment $AID (statement.pdf, 18 bytes) as $T/out/statement.pdf"
check "with the attachment" cmp -s "$T/statement.expected" "$T/out/statement.pdf"
prompt "save-attachment 999999 $T/out/x"
check "an unknown number is refused" wait_for "no attachment 999999 (or not one you may see)"
# w on the customer's mail: the path is asked, Tab completes it
for i in $(seq 1 80); do
    tmx capture-pane -t =t: -p -e | grep -F "From: Clara Weber" | grep -q $'\e\[7m' && break
    keys j
    sleep 0.05
done
keys D
check "D asks where to save, starting from the attachment's name" wait_for "save as: "
check "and says which attachment" wait_for "attachment $AID: statement.pdf, 18 bytes (Tab completes the path)"
keys C-u
keys -l "$T/out/sub"
keys Tab
check "Tab completes the directory" wait_for "save as: $T/out/subdir/"
keys Enter
check "saved into the directory under its own name" \
    wait_for "saved attachment $AID (statement.pdf, 18 bytes) as $T/out/subdir/statement.pdf"
check "byte for byte" cmp -s "$T/statement.expected" "$T/out/subdir/statement.pdf"
# a name from outside with control characters (ESC, and C1: U+009B is CSI to some terminals)
q "update attachments set name = E'att\x1b[2J\u009bC1\u0085.pdf' where id = $AID" >/dev/null
mkdir -p "$T/out/c1"
prompt "save-attachment $AID $T/out/c1/"
check "a name with control characters is saved without them (ESC and C1 as _)" \
    wait_until bash -c "ls '$T/out/c1' | grep -qx 'att_\[2J_C1_.pdf'"
keys q
keys q
done_testing
