#!/usr/bin/env bash
# Mail in the full-screen client (docs/mail.md, "In the client"):
# (a) the headline with mail: a prospect writes to sales@ (ccrm --mail-in, as the MTA runs it);
#     marketing's Leads view in another client marks the lead's row with unanswered mail and
#     shows the mail on the lead's timeline, live (measured); the lead's view shows the
#     conversation, and a second mail appears in it while it is open (measured);
# (c) a customer's mail with quoted text and an attachment: support's Tickets list marks the
#     ticket, its detail shows from, to, date, the text with the quote folded, the attachment;
#     z shows the quote;
# (b) r answers it: a fake $EDITOR writes the answer, the client asks, the outbox sends it through
#     a sendmail that keeps what it gets: In-Reply-To/References, the [#N] tag, the queue's From;
#     the answer is on the conversation and the timeline and the mark goes; a sendmail that
#     fails is shown, retried by the client, and the mail goes exactly once.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_client.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 200
chmod 777 "$T"

# ---------------------------------------------------------------- (a) the headline
# a prospect with an address of its own (no contact shares it) and no mail yet, on top of the
# Leads list (most recently updated first)
read -r lead email <<<"$(psqlc -F ' ' -c "
    select l.id, l.email from leads l
     where l.email is not null and l.status in ('new', 'contacted', 'qualified')
       and l.first_name is not null and l.last_name is not null
       and not exists (select 1 from contacts c where lower(c.email) = lower(l.email))
       and not exists (select 1 from messages m where m.lead_id = l.id)
     order by l.id limit 1")"
[ -n "$lead" ] || fail "demo data has a prospect without mail"
name=$(q "select first_name || ' ' || last_name from leads where id = $lead")
q "update leads set score = score where id = $lead" >/dev/null

tui_start 140 30 "$CCRM" -d "$PG_CONN user=marco"
check "marketing starts on the Leads view" wait_for "Leads by updated"
check "the lead is on screen, without a mark" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK
    screen | grep -F '$name' | grep -vq '✉'"

mail() { # mail FILE FROM SUBJECT MESSAGE-ID BODY...
    local f=$1 from=$2 subj=$3 mid=$4
    shift 4
    { printf 'From: %s\nTo: sales@ccrm.example\nSubject: %s\nMessage-ID: <%s>\n' "$from" "$subj" "$mid"
      printf 'Date: Wed, 2 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\n'
      printf 'Content-Type: text/plain; charset=utf-8\n\n'
      printf '%s\n' "$@"; } >"$f"
}
mail "$T/a1.eml" "$name <$email>" "Volume pricing for 40 seats" "a1.$lead@prospect.example" \
    "Hello," "" "what would 40 seats cost us per year?" "" "Regards"
t0=$(date +%s%N)
"$CCRM" -d "$PG_CONN" --mail-in --queue sales <"$T/a1.eml" || fail "ccrm --mail-in"
check "the lead's row is marked: mail waiting for an answer" line_has "$name" "✉"
t1=$(date +%s%N)
echo "# mail marked on marketing's lead row $(((t1 - t0) / 1000000)) ms after ccrm --mail-in started"
check "the row's latest activity is the mail" line_has "$name" "email: Volume pricing"
check "one mail, filed on the lead" \
    test "$(q "select count(*) from messages where lead_id = $lead")" = 1

# the lead's view: the conversation, and the mail on the timeline as an incoming e-mail
keys Enter
check "the lead's view opens" wait_for "lead #$lead"
check "its conversation counts the mail" wait_for "Conversation (1 mail)"
check "the mail: its sender" wait_for "From: $name <$email>"
check "the mail: to whom" wait_for "To: sales@ccrm.example"
check "the mail: its text" wait_for "what would 40 seats cost us per year?"
check "the timeline shows it as an incoming e-mail" wait_for "email in: Volume pricing for 40 seats"
mail "$T/a2.eml" "$name <$email>" "Re: Volume pricing for 40 seats" "a2.$lead@prospect.example" \
    "And with the training package, please."
t0=$(date +%s%N)
"$CCRM" -d "$PG_CONN" --mail-in --queue sales <"$T/a2.eml" || fail "ccrm --mail-in (2)"
check "a new mail appears in the open conversation, live" wait_for "And with the training package, please."
t1=$(date +%s%N)
echo "# a new mail in the open lead view $(((t1 - t0) / 1000000)) ms after ccrm --mail-in started"
check "the conversation counts two mails" wait_for "Conversation (2 mails)"
keys q
tui_stop

# ---------------------------------------------------------------- (c) a ticket's conversation
# a sendmail(1) that keeps each mail as spool/N.eml and logs its Message-ID; it fails while
# $T/fail exists (exit 75, a line on stderr)
mkdir -p "$T/spool"
cat >"$T/sendmail" <<EOF
#!/bin/bash
[ "\$1 \$2" = "-t -oi" ] || { echo "sendmail: unexpected arguments \$*" >&2; exit 64; }
msg=\$(mktemp "$T/spool/in.XXXXXX")
cat >"\$msg"
if [ -e "$T/fail" ]; then rm -f "\$msg"; echo "sendmail: mail.example.com: connection refused" >&2; exit 75; fi
id=\$(grep -m1 -i '^Message-ID:' "\$msg" | tr -d '\r')
mv "\$msg" "$T/spool/\$(date +%s%N).eml"
echo "\$id" >>"$T/sent.log"
exit 0
EOF
# the editor: the answer goes on top of what the client wrote in the file (the quote), which
# is kept for the test to read
cat >"$T/editor" <<EOF
#!/bin/bash
cp "\$1" "$T/editor-saw"
{ printf 'Dear Ms Weber,\n\nthe second charge is refunded.\n'; cat "\$1"; } >"\$1.new" && mv "\$1.new" "\$1"
EOF
chmod 755 "$T/sendmail" "$T/editor"
chmod 777 "$T/spool"
printf '[mail]\nsendmail = %s -t -oi\n' "$T/sendmail" >"$T/ccrm.ini"
chmod 644 "$T/ccrm.ini"

cat >"$T/c1.eml" <<'EOF'
From: Clara Weber <clara.weber@kunde.example>
To: support@ccrm.example
Subject: Charged twice for one booking
Message-ID: <c1.clara@kunde.example>
Date: Wed, 2 Dec 2026 11:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Hello,

my card was charged twice for booking 4711.

On Mon, 30 Nov 2026, ccrm Support wrote:
> We have refunded the first booking.
> Kind regards, your support team

Clara
--b1
Content-Type: application/pdf; name="statement.pdf"
Content-Disposition: attachment; filename="statement.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQgc3RhdGVtZW50
--b1--
EOF
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$T/c1.eml" || fail "ccrm --mail-in (support)"
TK=$(q "select ticket_id from messages where message_id = 'c1.clara@kunde.example'")
check "the mail made a ticket" test -n "$TK"

tui_start 140 40 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=300 \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
check "the ticket's row is marked: mail waiting for an answer" line_has "#$TK " "✉"
keys Enter
check "the ticket's view opens" wait_for "ticket #$TK"
check "the conversation" wait_for "Conversation (1 mail)"
check "the mail's header line: date, sender, subject" line_has "2026-12-02 11:00" "← Charged twice for one booking"
check "from" wait_for "From: Clara Weber <clara.weber@kunde.example>"
check "to" wait_for "To: support@ccrm.example"
check "the text" wait_for "my card was charged twice for booking 4711."
check "the quoted text folded into one line" wait_for "··· 3 quoted lines (z shows them)"
check "the quote itself is not shown" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK
    ! screen | grep -qF 'We have refunded the first booking'"
check "the text after the quote" wait_for "    Clara"
check "the attachment: name and size" wait_for "Attachment: statement.pdf (18 bytes)"
keys z
check "z shows the quote" wait_for "> We have refunded the first booking."
check "with the line that introduces it" wait_for "On Mon, 30 Nov 2026, ccrm Support wrote:"
keys z
check "z again folds it" wait_gone "> We have refunded the first booking."

# ---------------------------------------------------------------- (b) r answers
keys r
check "after the editor the client asks before sending" wait_for "send the answer? (y/n)"
check "and says to whom" wait_for "the answer goes to Clara Weber <clara.weber@kunde.example>"
check "the editor got the customer's mail quoted" grep -q '^> my card was charged twice for booking 4711.$' "$T/editor-saw"
keys y Enter
check "the answer is committed to the outbox" wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 1
MID=$(q "select id from messages where ticket_id = $TK and direction = 'out'")
check "the client says it was sent" wait_for "mail $MID sent"
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
check "and on the timeline, an outgoing e-mail by sofia" line_has "sofia (support)" "email out: Re: Charged twice"
keys q
check "back on the list, the mark is gone: answered" bash -c "$(declare -f screen tmx line_has); TMUX_SOCK=$TMUX_SOCK
    for i in \$(seq 100); do screen | grep -F '#$TK ' | grep -vq '✉' && exit 0; sleep 0.05; done; exit 1"

# a sendmail that fails: shown, kept in the outbox, tried again by the client, sent once
touch "$T/fail"
keys Enter
check "the ticket's view again" wait_for "Conversation (2 mails)"
keys r
check "asked again" wait_for "send the answer? (y/n)"
keys y Enter
check "the second answer is committed to the outbox" wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 2
M2=$(q "select max(id) from messages where ticket_id = $TK and direction = 'out'")
check "the failure is shown, and that it will be tried again" \
    wait_for "could not send mail $M2 yet (it stays in the outbox and is tried again): $T/sendmail exited"
check "the mail is in the outbox (queued), with the error" \
    test "$(q "select status || ' ' || (attempts >= 1) || ' ' || (last_error like '%connection refused%') from messages where id = $M2")" = "queued true true"
check "the conversation says it is not sent yet" wait_for "[in the outbox, not sent yet]"
rm -f "$T/fail"
check "the client tries again and sends it" wait_for "mail $M2 sent (on a later attempt)" 20
check "sent once: two mails in the spool" test "$(ls "$T"/spool/*.eml | wc -l)" = 2
check "no Message-ID went twice" test "$(sort "$T/sent.log" | uniq -d | wc -l)" = 0
check "the outbox row is sent" test "$(q "select status from messages where id = $M2")" = "sent"
keys q
keys q
done_testing
