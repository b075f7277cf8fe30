#!/usr/bin/env bash
# A ticket's conversation in the full-screen client (docs/mail.md, "In the full-screen client"):
# a customer's mail with quoted text and an attachment makes a ticket; support's Tickets list
# shows it, its detail shows date, sender, subject, from, to, the text with the quote folded
# into one line, the attachment with its size; z shows the quote and folds it again; the list
# marks the ticket: its mail waits for an answer.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_conversation.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 200
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"

tui_start 140 40 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=300 \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
check "the ticket is on top" line_has "#$TK " "Charged twice"
keys Enter
check "the ticket's view opens" wait_for "ticket #$TK"
check "the conversation" wait_for "Conversation (1 mail)"
# the time in sofia's own zone (her settings), as every time on the screen
at=$(q "select to_char(timestamptz '2026-12-02 11:00+00' at time zone ccrm_user_tz('sofia'), 'YYYY-MM-DD HH24:MI')")
check "the mail's header line: date (in the reader's zone: $at), sender, subject" line_has "$at" "← Charged twice for one booking"
check "from" wait_for "From: Clara Weber <clara.weber@kunde.example>"
check "to" wait_for "To: support@ccrm.example"
check "the text" wait_for "my card was charged twice for booking 4711."
check "the quoted text folded into one line" wait_for "··· 3 quoted lines (z shows them)"
check "the quote itself is not shown" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK
    ! screen | grep -qF 'We have refunded the first booking'"
check "the text after the quote" wait_for "    Clara"
AID=$(q "select a.id from attachments a join messages m on m.id = a.msg_id where m.message_id = 'c1.clara@kunde.example'")
check "the attachment: its number, name and size" wait_for "Attachment $AID: statement.pdf (18 bytes)"
keys z
check "z shows the quote" wait_for "> We have refunded the first booking."
check "with the line that introduces it" wait_for "On Mon, 30 Nov 2026, ccrm Support wrote:"
keys z
check "z again folds it" wait_gone "> We have refunded the first booking."

keys q
check "the Tickets list marks the ticket: its mail waits for an answer" line_has "#$TK " "✉"
done_testing
